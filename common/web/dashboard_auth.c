/* dashboard_auth — who may use the review dashboard, and proof that a form
 * came from it. A secret kept in the store (kv "dashboard.secret", random,
 * made on first use) keys every HMAC-SHA256: the CSRF token is the HMAC of
 * the browser's session id (cookie smskit_sid); a login with the form is a
 * cookie (smskit_auth) holding its expiry, the reviewer's name and the HMAC
 * of both with the session id and SMS_DASHBOARD_TOKEN, so that changing the
 * token or the secret ends every login. Tokens are compared in constant time. */
#include "dashboard_auth.h"
#include "dashboard_view.h"
#include "clock.h"
#include "html.h"
#include "peer.h"
#include "store.h"
#include "utf8.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SECRET_KEY  "dashboard.secret"
#define COOKIE_SID  "smskit_sid"
#define COOKIE_AUTH "smskit_auth"
#define NAME_MAX_BYTES 64

/* The secret: cached, else read from the store, else made and stored (in a
 * write transaction, so that two processes starting at once agree). */
static int load_secret(struct dash *x)
{
	struct dashboard *d = x->d;
	pthread_mutex_lock(&d->lock);
	int have = d->have_secret;
	pthread_mutex_unlock(&d->lock);
	if (have)
		return 0;
	char *v = NULL;
	unsigned char raw[DASH_SECRET_LEN];
	int rc = store_kv_get(x->st, SECRET_KEY, &v);
	if (rc == STORE_OK && (strlen(v) != 2 * DASH_SECRET_LEN ||
	                       hex_decode(v, 2 * DASH_SECRET_LEN, raw) != 0)) {
		free(v); /* not ours any more: made anew */
		v = NULL;
		rc = STORE_NOTFOUND;
	}
	if (rc == STORE_NOTFOUND) {
		if (store_begin_immediate(x->st) != STORE_OK)
			return -1;
		rc = store_kv_get(x->st, SECRET_KEY, &v);
		if (rc == STORE_OK && (strlen(v) != 2 * DASH_SECRET_LEN ||
		                       hex_decode(v, 2 * DASH_SECRET_LEN, raw) != 0)) {
			free(v);
			v = NULL;
			rc = STORE_NOTFOUND;
		}
		if (rc == STORE_NOTFOUND) {
			char h[2 * DASH_SECRET_LEN + 1];
			if (RAND_bytes(raw, sizeof raw) != 1) {
				store_rollback(x->st);
				return -1;
			}
			hex_lower(raw, sizeof raw, h);
			rc = store_kv_set(x->st, SECRET_KEY, h);
			OPENSSL_cleanse(h, sizeof h);
		}
		if (rc == STORE_OK)
			rc = store_commit(x->st);
		else
			store_rollback(x->st);
	}
	if (v) {
		OPENSSL_cleanse(v, strlen(v));
		free(v);
	}
	if (rc != STORE_OK)
		return -1;
	pthread_mutex_lock(&d->lock);
	memcpy(d->secret, raw, sizeof raw);
	d->have_secret = 1;
	pthread_mutex_unlock(&d->lock);
	OPENSSL_cleanse(raw, sizeof raw);
	return 0;
}

/* HMAC-SHA256 with the secret over the parts joined by newlines, in hex. */
static void mac(struct dash *x, const char *const *parts, size_t n, char out[DASH_MAC_HEX + 1])
{
	struct strbuf b;
	strbuf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_putc(&b, '\n');
		strbuf_puts(&b, parts[i]);
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	pthread_mutex_lock(&x->d->lock);
	HMAC(EVP_sha256(), x->d->secret, (int)sizeof x->d->secret, (const unsigned char *)b.s,
	     b.len, md, &mdlen);
	pthread_mutex_unlock(&x->d->lock);
	hex_lower(md, 32, out);
	OPENSSL_cleanse(b.s, b.len);
	strbuf_free(&b);
}

/* Two strings equal, in time that depends on neither. */
static int same_secret(const char *a, const char *b)
{
	unsigned char ha[SHA256_DIGEST_LENGTH], hb[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)a, strlen(a), ha);
	SHA256((const unsigned char *)b, strlen(b), hb);
	return CRYPTO_memcmp(ha, hb, sizeof ha) == 0;
}

/* The value of cookie name in a Cookie header, or NULL. */
static const char *cookie(const char *header, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	for (const char *p = header; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			*len = n - nl - 1;
			while (*len && p[nl + *len] == ' ')
				(*len)--;
			return p + nl + 1;
		}
		p += n;
	}
	return NULL;
}

/* Cookies are marked Secure when the browser told us the page is HTTPS. */
static const char *secure_attr(const struct dash *x)
{
	const char *o = x->rq->origin;
	return o && strncmp(o, "https://", 8) == 0 ? "; Secure" : "";
}

int dash_session(struct dash *x)
{
	if (load_secret(x) != 0)
		return -1;
	size_t n = 0;
	const char *c = cookie(x->rq->cookie, COOKIE_SID, &n);
	unsigned char read[DASH_SID_HEX / 2];  /* only to check that it is hex */
	if (c && n == DASH_SID_HEX && hex_decode(c, n, read) == 0) {
		memcpy(x->sid, c, n);
		x->sid[n] = '\0';
	} else {
		unsigned char raw[DASH_SID_HEX / 2];
		if (RAND_bytes(raw, sizeof raw) != 1)
			return -1;
		hex_lower(raw, sizeof raw, x->sid);
		/* No Path: the default is the dashboard's own directory, whatever
		 * prefix the web server maps it under. */
		strbuf_printf(&x->hdr, "Set-Cookie: " COOKIE_SID "=%s; HttpOnly; SameSite=Lax%s\r\n",
		              x->sid, secure_attr(x));
	}
	const char *parts[] = {"csrf", x->sid};
	mac(x, parts, 2, x->csrf);
	return 0;
}

int dash_csrf_ok(const struct dash *x)
{
	const char *t = form_get(&x->f, "csrf");
	return t && strlen(t) == DASH_MAC_HEX &&
	       CRYPTO_memcmp(t, x->csrf, DASH_MAC_HEX) == 0;
}

/* The reviewer's name as recorded: printable, at most NAME_MAX_BYTES bytes
 * (cut between characters), "dashboard" when nothing is left. */
static void set_reviewer(struct dash *x, const char *name)
{
	unsigned char *r = (unsigned char *)x->reviewer;
	size_t o = 0, max = sizeof x->reviewer - 1 < NAME_MAX_BYTES ? sizeof x->reviewer - 1
	                                                             : NAME_MAX_BYTES;
	int cut = 0;
	for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			continue;
		if (o == max) {
			cut = 1;
			break;
		}
		r[o++] = *p;
	}
	if (cut) { /* a character cut in two is dropped */
		o = utf8_drop_partial((const unsigned char *)r, o);
	}
	while (o > 0 && r[o - 1] == ' ')
		o--;
	r[o] = '\0';
	size_t lead = strspn(x->reviewer, " ");
	memmove(x->reviewer, x->reviewer + lead, o - lead + 1);
	if (!*x->reviewer)
		snprintf(x->reviewer, sizeof x->reviewer, "dashboard");
}

static void auth_mac(struct dash *x, const char *exp, const char *name, char out[DASH_MAC_HEX + 1])
{
	const char *parts[] = {"auth", x->sid, exp, name, x->d->token};
	mac(x, parts, 5, out);
}

/* smskit_auth=EXPIRY.NAME_IN_HEX.MAC */
static int auth_cookie_ok(struct dash *x)
{
	size_t n = 0;
	const char *c = cookie(x->rq->cookie, COOKIE_AUTH, &n);
	if (!c || n > 400)
		return 0;
	char v[401];
	memcpy(v, c, n);
	v[n] = '\0';
	char *dot1 = strchr(v, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2)
		return 0;
	*dot1 = *dot2 = '\0';
	const char *exp = v, *hexname = dot1 + 1, *m = dot2 + 1;
	long long e;
	size_t hl = strlen(hexname);
	unsigned char name[NAME_MAX_BYTES + 1];
	if (parse_whole(exp, (long long)1 << 50, &e) != 0 || e < (long long)clock_now() ||
	    hl > 2 * NAME_MAX_BYTES || hex_decode(hexname, hl, name) != 0 ||
	    strlen(m) != DASH_MAC_HEX)
		return 0;
	name[hl / 2] = '\0';
	char want[DASH_MAC_HEX + 1];
	auth_mac(x, exp, (const char *)name, want);
	if (CRYPTO_memcmp(want, m, DASH_MAC_HEX) != 0)
		return 0;
	set_reviewer(x, (const char *)name);
	x->via_cookie = 1;
	return 1;
}

/* cookies: a login with the form counts (a browser's session); else only the
 * bearer token does (a program's request: /metrics). */
static enum dash_access authorize(struct dash *x, const char **why, int cookies)
{
	const struct webhook_request *rq = x->rq;
	const struct dashboard *d = x->d;
	*why = NULL;
	if (d->cgi && rq->remote_user && *rq->remote_user) {
		set_reviewer(x, rq->remote_user);
		return DASH_ALLOWED;
	}
	if (d->token) {
		const char *a = rq->authorization;
		if (a && strncasecmp(a, "Bearer ", 7) == 0) {
			a += 7;
			while (*a == ' ')
				a++;
			if (!same_secret(a, d->token))
				return DASH_BAD_TOKEN;
			set_reviewer(x, NULL);
			return DASH_ALLOWED;
		}
		return cookies && auth_cookie_ok(x) ? DASH_ALLOWED : DASH_NEED_LOGIN;
	}
	if (!rq->remote_loopback) {
		*why = d->cgi ? "The review dashboard needs a login from here: protect it with the "
		                "web server's authentication (REMOTE_USER), or set SMS_DASHBOARD_TOKEN."
		              : "The review dashboard without SMS_DASHBOARD_TOKEN is for loopback only.";
		return DASH_REFUSED;
	}
	/* A page on another name that resolves to 127.0.0.1 (DNS rebinding) or a
	 * proxy passing its public Host must not find an open dashboard. */
	if (rq->host && *rq->host && !peer_host_header_is_loopback(rq->host)) {
		*why = "Without SMS_DASHBOARD_TOKEN the review dashboard answers only requests "
		       "addressed to localhost, 127.0.0.1 or [::1] (this one's Host header names "
		       "another host): set SMS_DASHBOARD_TOKEN to reach it by other names or "
		       "through a proxy.";
		return DASH_FORBIDDEN;
	}
	/* A proxy on this machine connects from loopback, and nginx's plain
	 * proxy_pass even names 127.0.0.1 in Host: without these the dashboard
	 * would answer whoever reaches the proxy. */
	if (rq->proxied) {
		snprintf(x->why, sizeof x->why,
		         "Without SMS_DASHBOARD_TOKEN the review dashboard answers only a browser on "
		         "this machine, and this request came through a proxy (%s%s): set "
		         "SMS_DASHBOARD_TOKEN to use it through a proxy.", rq->proxied,
		         strcmp(rq->proxied, "HTTP/1.0") == 0 ? ", which nginx's proxy_pass speaks "
		                                                "and no browser does" : " header");
		*why = x->why;
		return DASH_FORBIDDEN;
	}
	set_reviewer(x, NULL);
	return DASH_ALLOWED;
}

enum dash_access dash_authorize(struct dash *x, const char **why)
{
	return authorize(x, why, 1);
}

enum dash_access dash_authorize_program(struct dash *x, const char **why)
{
	return authorize(x, why, 0);
}

/* ---- The login form ------------------------------------------------------------------- */

void dash_login_page(struct dash *x, int status, const char *error)
{
	x->out.len = 0;
	dash_begin(x, NULL, "Sign in");
	if (error)
		dash_note(x, "error", "%s", error);
	dash_raw(x, "<form method=\"post\" action=\"login\" class=\"login\">");
	dash_csrf_input(x);
	dash_raw(x, "<p>This dashboard needs the token set in <code>SMS_DASHBOARD_TOKEN</code>.</p>"
	            "<label>Token <input type=\"password\" name=\"token\" required autofocus "
	            "autocomplete=\"current-password\"></label>"
	            "<label>Your name, recorded as the reviewer <input type=\"text\" name=\"name\" "
	            "maxlength=\"64\" autocomplete=\"username\"></label>"
	            "<button type=\"submit\">Sign in</button></form>");
	dash_end(x);
	dash_send(x, status);
}

void dash_login_post(struct dash *x)
{
	const char *token = form_get(&x->f, "token");
	if (!token || !same_secret(token, x->d->token)) {
		dash_login_page(x, 401, "Wrong token.");
		return;
	}
	set_reviewer(x, form_get(&x->f, "name"));
	char exp[24], m[DASH_MAC_HEX + 1];
	snprintf(exp, sizeof exp, "%lld", (long long)clock_now() + DASH_LOGIN_HOURS * 3600LL);
	auth_mac(x, exp, x->reviewer, m);
	char name[2 * NAME_MAX_BYTES + 1];
	hex_lower((const unsigned char *)x->reviewer, strlen(x->reviewer), name);
	strbuf_printf(&x->hdr, "Set-Cookie: " COOKIE_AUTH "=%s.%s.%s; HttpOnly; SameSite=Lax; "
	              "Max-Age=%d%s\r\n", exp, name, m, DASH_LOGIN_HOURS * 3600, secure_attr(x));
	dash_redirect(x, "staged");
}

void dash_logout_post(struct dash *x)
{
	strbuf_printf(&x->hdr, "Set-Cookie: " COOKIE_AUTH "=; HttpOnly; SameSite=Lax; Max-Age=0%s\r\n",
	              secure_attr(x));
	dash_redirect(x, x->d->token ? "login" : "staged");
}
