/* dashboard_auth — who may use the review dashboard (loopback, the token,
 * a login with the form, the web server's REMOTE_USER) and proof that a form
 * came from it (the browser session and its CSRF token). */
#ifndef SMSKIT_DASHBOARD_AUTH_H
#define SMSKIT_DASHBOARD_AUTH_H

#include "dashboard_int.h"

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
/* The same rules for a program rather than a browser (a Prometheus scrape of
 * /metrics): REMOTE_USER in CGI, the token as a bearer token, loopback
 * without a token; the dashboard's login cookie does not count, and no
 * session is needed (DASH_NEED_LOGIN: a token is required and none came). */
enum dash_access dash_authorize_program(struct dash *x, const char **why);
/* GET and POST /review/login, POST /review/logout. */
void dash_login_page(struct dash *x, int status, const char *error);
void dash_login_post(struct dash *x);
void dash_logout_post(struct dash *x);

#endif
