/* dashboard — the review dashboard at /review, served by sms-webhookd(1)
 * in both modes: plain HTML forms that work without JavaScript, a little
 * JavaScript and CSS served from the binary, every text escaped, a
 * Content-Security-Policy, POST-only changes with a CSRF token, and the access
 * rules (loopback, SMS_DASHBOARD_TOKEN, the web server's REMOTE_USER). */
#ifndef SMSKIT_DASHBOARD_H
#define SMSKIT_DASHBOARD_H

#include <stddef.h>
#include "config.h"
#include "store.h"
#include "webhook.h"

struct dashboard;

struct dashboard_options {
	int local_only;   /* the daemon listens on loopback only: no login needed
	                   * when SMS_DASHBOARD_TOKEN is unset */
	int cgi;          /* CGI mode: REMOTE_USER, when set, names the reviewer */
};

/* NULL with a sentence in err (exit 78): e.g. a daemon listening beyond
 * loopback without SMS_DASHBOARD_TOKEN. */
struct dashboard *dashboard_new(const struct sms_config *c, const struct dashboard_options *o,
                                char *err, size_t errlen);
void dashboard_free(struct dashboard *d);

/* 1 when path belongs to the dashboard ("/review" and below). */
int dashboard_route(const char *path);

/* Serves one request with st, a store connection the calling thread owns (the
 * dashboard's reads and writes do not go through the webhooks' group commit).
 * Fills rs (status, content type, body, and rs->headers for Set-Cookie,
 * Location, Content-Security-Policy...). */
void dashboard_handle(struct dashboard *d, struct store *st, const struct webhook_request *rq,
                      struct webhook_response *rs);

/* The dashboard's access rule for a program's request, such as a scrape of
 * /metrics (sms-webhookd(1), Metrics): the web server's REMOTE_USER in CGI,
 * SMS_DASHBOARD_TOKEN as "Authorization: Bearer", or loopback when no token
 * is set (with the dashboard's checks of Host and proxies). 1 when allowed;
 * else 0 with *rs the refusal (401 or 403, plain text). */
int dashboard_allow(struct dashboard *d, const struct webhook_request *rq,
                    struct webhook_response *rs);

/* The spend caps the dashboard shows (SMS_DAILY_LIMIT, SMS_MONTHLY_LIMIT) in
 * millionths of the currency, -1 when unset, and the price table's currency;
 * -1 when the settings are bad (the dashboard says why on its pages). */
int dashboard_caps(const struct dashboard *d, long long caps[2], const char **currency);

#endif
