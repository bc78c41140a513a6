/* dashboard — the review dashboard; see dashboard.h. This file: start-up
 * checks, routing, the guards every request passes (method, size, form,
 * access, CSRF) and the security headers of every answer. */
#include "dashboard.h"
#include "dashboard_int.h"
#include "dashboard_assets.h"
#include "dashboard_auth.h"
#include "dashboard_auto.h"
#include "dashboard_inbox.h"
#include "dashboard_reply.h"
#include "dashboard_sent.h"
#include "dashboard_staged.h"
#include "dashboard_view.h"
#include "html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A token shorter than this is refused at start-up: it would be guessed. */
#define DASH_TOKEN_MIN 16

static const char csp[] =
	"Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
	"img-src 'self' http: https:; connect-src 'self'; form-action 'self'; "
	"frame-ancestors 'none'; base-uri 'none'\r\n"
	"X-Frame-Options: DENY\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"Referrer-Policy: no-referrer\r\n";

struct dashboard *dashboard_new(const struct sms_config *c, const struct dashboard_options *o,
                                char *err, size_t errlen)
{
	const char *token = config_get(c, "SMS_DASHBOARD_TOKEN");
	if (!o->cgi && !o->local_only && !token) {
		snprintf(err, errlen, "listening beyond loopback needs SMS_DASHBOARD_TOKEN: the "
		         "review dashboard at /review must not be open to the network");
		return NULL;
	}
	if (token && strlen(token) < DASH_TOKEN_MIN) {
		snprintf(err, errlen, "SMS_DASHBOARD_TOKEN is too short to keep anybody out: use at "
		         "least %d characters, e.g. the output of `openssl rand -hex 16`",
		         DASH_TOKEN_MIN);
		return NULL;
	}
	struct dashboard *d = xcalloc(1, sizeof *d);
	d->cfg = c;
	d->token = token ? xstrdup(token) : NULL;
	d->local_only = o->local_only;
	d->cgi = o->cgi;
	pthread_mutex_init(&d->lock, NULL);
	/* Bad prices or caps do not stop the webhooks: the dashboard says so. */
	char why[200] = "";
	d->prices = price_load(c, why, sizeof why);
	if (!d->prices || price_cap(c, "SMS_DAILY_LIMIT", &d->caps[0], why, sizeof why) != 0 ||
	    price_cap(c, "SMS_MONTHLY_LIMIT", &d->caps[1], why, sizeof why) != 0)
		snprintf(d->conf_err, sizeof d->conf_err, "%s", why);
	return d;
}

void dashboard_free(struct dashboard *d)
{
	if (!d)
		return;
	free_secret(d->token);
	price_free(d->prices);
	pthread_mutex_destroy(&d->lock);
	explicit_bzero(d->secret, sizeof d->secret);
	free(d);
}

int dashboard_route(const char *path)
{
	return strncmp(path, "/review", 7) == 0 && (path[7] == '\0' || path[7] == '/');
}

/* ---- Routes ---------------------------------------------------------------------------- */

struct route {
	const char *page;
	void (*get)(struct dash *x);
	void (*post)(struct dash *x);
};

static const struct route routes[] = {
	{"staged", dash_staged_get, NULL},
	{"decide", NULL, dash_decide_post},
	{"inbox", dash_inbox_get, NULL},
	{"read", NULL, dash_read_post},
	{"reply", NULL, dash_reply_post},
	{"split", dash_split_get, NULL},
	{"conversations", dash_threads_get, NULL},
	{"sent", dash_sent_get, NULL},
	{"autoresponders", dash_auto_get, dash_auto_post},
	{"spend", dash_spend_get, NULL},
	{"logout", NULL, dash_logout_post},
};

static void asset(struct dash *x, const char *type, const char *text)
{
	x->rs->status = 200;
	x->rs->content_type = type;
	strbuf_puts(&x->out, text);
}

/* Accepts only application/x-www-form-urlencoded POST bodies, within the cap. */
static int read_form(struct dash *x)
{
	const struct webhook_request *rq = x->rq;
	if (rq->too_large) {
		dash_fail(x, 413, "The form is larger than 64 KiB.");
		return -1;
	}
	const char *ct = rq->content_type;
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    (ct[33] && ct[33] != ';' && ct[33] != ' ')) {
		dash_fail(x, 400, "The dashboard takes forms (application/x-www-form-urlencoded).");
		return -1;
	}
	char err[200];
	if (form_parse(rq->body ? rq->body : "", rq->body ? rq->body_len : 0, &x->f, err,
	               sizeof err) != 0) {
		dash_fail(x, 400, "Malformed form: %s.", err);
		return -1;
	}
	return 0;
}

static void serve(struct dash *x)
{
	const struct webhook_request *rq = x->rq;
	const char *sub = rq->path + 7;
	if (*sub == '\0') {
		dash_redirect(x, "review/staged"); /* relative to ".../review" */
		return;
	}
	x->page = sub + 1;
	int get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
	int post = strcmp(rq->method, "POST") == 0;
	if (!get && !post) {
		x->rs->allow = "GET, HEAD, POST";
		dash_fail(x, 405, "The dashboard answers GET and POST only.");
		return;
	}
	if (get && strcmp(x->page, "app.css") == 0) {
		asset(x, "text/css; charset=utf-8", dash_css);
		return;
	}
	if (get && strcmp(x->page, "app.js") == 0) {
		asset(x, "text/javascript; charset=utf-8", dash_js);
		return;
	}
	if (get && *x->page == '\0') {
		dash_redirect(x, "staged");
		return;
	}
	char err[200];
	if (rq->query && form_parse(rq->query, strlen(rq->query), &x->q, err, sizeof err) != 0) {
		dash_fail(x, 400, "Malformed query string: %s.", err);
		return;
	}
	const struct route *r = NULL;
	int login = strcmp(x->page, "login") == 0;
	for (size_t i = 0; i < sizeof routes / sizeof *routes && !login; i++)
		if (strcmp(x->page, routes[i].page) == 0)
			r = &routes[i];
	if (!r && !login) {
		dash_fail(x, 404, "No such page in the dashboard.");
		return;
	}
	if (r && !(get ? r->get : r->post)) {
		x->rs->allow = r->get ? "GET, HEAD" : "POST";
		dash_fail(x, 405, "This page takes %s only.", r->get ? "GET" : "POST");
		return;
	}
	if (post && read_form(x) != 0)
		return;
	if (dash_session(x) != 0) {
		dash_store_fail(x);
		return;
	}
	/* CSRF first for the login form (there is nobody to authorize yet), after
	 * the access check for everything else (a stranger learns only 401). */
	if (login) {
		if (!x->d->token) {
			dash_redirect(x, "staged");
		} else if (get) {
			dash_login_page(x, 200, NULL);
		} else if (!dash_csrf_ok(x)) {
			dash_fail(x, 403, "The form's CSRF token is missing or wrong: reload the "
			          "page and try again.");
		} else {
			dash_login_post(x);
		}
		return;
	}
	const char *why = NULL;
	enum dash_access access = dash_authorize(x, &why);
	switch (access) {
	case DASH_ALLOWED:
		break;
	case DASH_NEED_LOGIN:
		strbuf_puts(&x->hdr, "WWW-Authenticate: Bearer realm=\"smskit review\"\r\n");
		dash_login_page(x, 401, NULL);
		return;
	case DASH_BAD_TOKEN:
		strbuf_puts(&x->hdr, "WWW-Authenticate: Bearer realm=\"smskit review\", "
		            "error=\"invalid_token\"\r\n");
		dash_fail(x, 401, "Wrong dashboard token.");
		return;
	case DASH_REFUSED:
	case DASH_FORBIDDEN:
		dash_fail(x, access == DASH_FORBIDDEN ? 403 : 401, "%s", why ? why : "No access.");
		return;
	}
	if (post && !dash_csrf_ok(x)) {
		dash_fail(x, 403, "The form's CSRF token is missing or wrong: reload the page and "
		          "try again.");
		return;
	}
	(get ? r->get : r->post)(x);
}

void dashboard_handle(struct dashboard *d, struct store *st, const struct webhook_request *rq,
                      struct webhook_response *rs)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(rs, 0, sizeof *rs);
	struct dash x = {.d = d, .st = st, .rq = rq, .rs = rs};
	strbuf_init(&x.out);
	strbuf_init(&x.hdr);
	if (!rq->method || !rq->path || !dashboard_route(rq->path)) {
		dash_fail(&x, 404, "No such page in the dashboard.");
	} else {
		serve(&x);
	}
	if (!rs->status)
		dash_fail(&x, 500, "The dashboard wrote no answer.");
	strbuf_puts(&x.hdr, csp);
	/* The time the page took here, for the browser's tools and bench/dashboard.sh. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	strbuf_printf(&x.hdr, "Server-Timing: app;dur=%.3f\r\n",
	              (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	free(rs->body);
	rs->body_len = x.out.len;
	rs->body = strbuf_detach(&x.out);
	if (!rs->body)
		rs->body = xstrdup("");
	rs->headers = strbuf_detach(&x.hdr);
	form_free(&x.q);
	form_free(&x.f);
}

int dashboard_allow(struct dashboard *d, const struct webhook_request *rq,
                    struct webhook_response *rs)
{
	memset(rs, 0, sizeof *rs);
	struct dash x = {.d = d, .rq = rq, .rs = rs};
	const char *why = NULL;
	switch (dash_authorize_program(&x, &why)) {
	case DASH_ALLOWED:
		return 1;
	case DASH_NEED_LOGIN:
		webhook_respond(rs, 401, "this needs SMS_DASHBOARD_TOKEN as a bearer token "
		                "(Authorization: Bearer ...)");
		rs->headers = xstrdup("WWW-Authenticate: Bearer realm=\"smskit review\"\r\n");
		return 0;
	case DASH_BAD_TOKEN:
		webhook_respond(rs, 401, "wrong token");
		rs->headers = xstrdup("WWW-Authenticate: Bearer realm=\"smskit review\", "
		                      "error=\"invalid_token\"\r\n");
		return 0;
	case DASH_REFUSED:
		webhook_respond(rs, 401, "%s", why ? why : "no access");
		return 0;
	case DASH_FORBIDDEN:
		webhook_respond(rs, 403, "%s", why ? why : "no access");
		return 0;
	}
	webhook_respond(rs, 403, "no access");
	return 0;
}

int dashboard_caps(const struct dashboard *d, long long caps[2], const char **currency)
{
	caps[0] = d->caps[0];
	caps[1] = d->caps[1];
	*currency = d->prices ? price_currency(d->prices) : NULL;
	return d->conf_err[0] ? -1 : 0;
}
