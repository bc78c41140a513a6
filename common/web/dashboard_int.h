/* dashboard_int — what the files of the review dashboard share, and nothing
 * else includes: the dashboard's settings, one request being served, and the
 * helpers of dashboard.c (routing, guards), dashboard_auth.c (sessions,
 * tokens, CSRF), dashboard_view.c (the page frame and common cells) and the
 * tabs (dashboard_staged.c, dashboard_inbox.c, dashboard_reply.c,
 * dashboard_sent.c, dashboard_auto.c). */
#ifndef SMSKIT_DASHBOARD_INT_H
#define SMSKIT_DASHBOARD_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "dashboard.h"
#include "form.h"
#include "price.h"
#include "util.h"

#define DASH_PAGE        50  /* rows on a page */
#define DASH_SECRET_LEN  32  /* bytes of the store's dashboard secret */
#define DASH_SID_HEX     32  /* hex digits of a browser session id */
#define DASH_MAC_HEX     64  /* hex digits of an HMAC-SHA256 */
#define DASH_LOGIN_HOURS 24  /* a login by the form lasts this long */

struct dashboard {
	const struct sms_config *cfg;
	char                    *token;       /* SMS_DASHBOARD_TOKEN, or NULL */
	int                      local_only, cgi;
	pthread_mutex_t          lock;        /* the cached secret */
	int                      have_secret;
	unsigned char            secret[DASH_SECRET_LEN];
	struct price_table      *prices;      /* NULL when the settings are bad: conf_err */
	money_t                  caps[2];     /* daily, monthly; -1: none */
	char                     conf_err[256];
};

/* One request. */
struct dash {
	struct dashboard              *d;
	struct store                  *st;
	const struct webhook_request  *rq;
	struct webhook_response       *rs;
	const char                    *page;   /* the path after "/review/" */
	struct form                    q;      /* the query string */
	struct form                    f;      /* a POST's form */
	char                           reviewer[96];
	int                            via_cookie; /* logged in with the form */
	char                           why[320];   /* a refusal's sentence, when made */
	char                           sid[DASH_SID_HEX + 1];
	char                           csrf[DASH_MAC_HEX + 1];
	struct strbuf                  out;    /* the body */
	struct strbuf                  hdr;    /* more header lines */
	int                            status; /* of the page being written; 0: 200 */
	/* A reply that failed, shown again in its form with the reason. */
	int64_t                        draft_id;
	const char                    *draft, *draft_error;
};

/* ---- dashboard_auth.c ----------------------------------------------------------------- */

enum dash_access {
	DASH_ALLOWED,     /* x->reviewer is set */
	DASH_NEED_LOGIN,  /* a token is required and none came: the login form */
	DASH_BAD_TOKEN,   /* a wrong token: 401 */
	DASH_REFUSED,     /* no way in from here (why in *why): 401 */
	DASH_FORBIDDEN,   /* not answered without a token, whoever asks (why in *why): 403 */
};

/* The browser session: the session cookie read, or a new one set; then the
 * CSRF token of the session in x->csrf. -1 when the store cannot give the
 * dashboard's secret (a sentence in store_errmsg). */
int dash_session(struct dash *x);
/* 1 when the POSTed form carries the session's CSRF token. */
int dash_csrf_ok(const struct dash *x);
enum dash_access dash_authorize(struct dash *x, const char **why);
/* GET and POST /review/login, POST /review/logout. */
void dash_login_page(struct dash *x, int status, const char *error);
void dash_login_post(struct dash *x);
void dash_logout_post(struct dash *x);

/* ---- dashboard_view.c ----------------------------------------------------------------- */

void dash_raw(struct dash *x, const char *s);          /* markup, as it is */
void dash_text(struct dash *x, const char *s);         /* text, escaped */
void dash_printf(struct dash *x, const char *fmt, ...) /* markup; %s only for safe text */
	__attribute__((format(printf, 2, 3)));
void dash_url(struct dash *x, const char *s);          /* a query value, %-encoded */

/* The page frame: <head>, the tabs (tab: "staged", "inbox"...), the notes
 * of the query string (what the last POST did), and the end. */
void dash_begin(struct dash *x, const char *tab, const char *title);
void dash_end(struct dash *x);
/* A banner: kind "ok" or "error". */
void dash_note(struct dash *x, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dash_csrf_input(struct dash *x);
/* A time people read (local, SMS_TZ) in a <time> element; "-" for NULL. */
void dash_time(struct dash *x, const char *rfc3339);
/* A message's body (escaped, line breaks kept) and its media as previews. */
void dash_body(struct dash *x, const cJSON *rec);
void dash_status(struct dash *x, const char *status);

/* Answers: the page written so far; a 303 to a location relative to the
 * current page ("staged?after=12"); a page that only says what went wrong. */
void dash_send(struct dash *x, int status);
void dash_redirect(struct dash *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dash_fail(struct dash *x, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dash_store_fail(struct dash *x);

const char *dash_q(const struct dash *x, const char *name); /* query value or NULL */
const char *dash_f(const struct dash *x, const char *name); /* form value or NULL */
/* A message or rule id: 0 and *id, or -1. */
int dash_id(const char *s, int64_t *id);
/* The text of a textarea: CRLF as LF, surrounding blanks kept. malloc'd. */
char *dash_textarea(const char *s);
/* The pending count, for the tab. */
long long dash_pending(struct dash *x);

/* ---- the tabs --------------------------------------------------------------------------- */

void dash_staged_get(struct dash *x);
void dash_decide_post(struct dash *x);
void dash_inbox_get(struct dash *x);
void dash_read_post(struct dash *x);
void dash_threads_get(struct dash *x);
void dash_reply_post(struct dash *x);
void dash_split_get(struct dash *x);
void dash_sent_get(struct dash *x);
void dash_spend_get(struct dash *x);
/* Spend today and this month against the caps, as one line or a table. */
void dash_spend_line(struct dash *x);
void dash_auto_get(struct dash *x);
void dash_auto_post(struct dash *x);

/* ---- dashboard_assets.c ----------------------------------------------------------------- */

extern const char dash_css[];
extern const char dash_js[];

#endif
