/* dashboard_int — what every file of the review dashboard shares, and nothing
 * outside it includes: the dashboard's settings (struct dashboard, made by
 * dashboard.c) and one request being served (struct dash). What each file
 * provides, its own header says: dashboard_auth.h (sessions, tokens, CSRF),
 * dashboard_view.h (the page frame, common cells, answers), and one header
 * per tab (dashboard_staged.h, dashboard_inbox.h, dashboard_reply.h,
 * dashboard_sent.h, dashboard_auto.h), dashboard_assets.h. */
#ifndef SMSKIT_DASHBOARD_INT_H
#define SMSKIT_DASHBOARD_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "config.h"
#include "form.h"
#include "price.h"
#include "util.h"
#include "webhook.h"

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
	/* ...or a WhatsApp template reply: its Content SID, variables, category. */
	const char                    *draft_sid, *draft_vars, *draft_cat;
};

#endif
