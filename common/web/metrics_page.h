/* metrics_page — GET /metrics of sms-webhookd (sms-webhookd(1), Metrics): the
 * dashboard's access rule, then Prometheus' text format: gauges read from the
 * store at scrape time (messages by status, approved messages waiting, the
 * spend of the day and month and their caps), and in the daemon the process
 * counters of metrics.h. */
#ifndef SMSKIT_METRICS_PAGE_H
#define SMSKIT_METRICS_PAGE_H

#include "dashboard.h"
#include "store.h"
#include "webhook.h"

/* 1 when path is /metrics. */
int metrics_page_route(const char *path);

/* What only the daemon knows; NULL in CGI mode (a process per request). */
struct metrics_process {
	unsigned long long hook_failures;
};

/* Answers one request for /metrics: 405 but for GET and HEAD, the refusal of
 * dashboard_allow, or 200 with the page. st is a store connection the caller
 * owns, NULL when it could not be opened (sms_store_up 0, and no gauges of
 * it). provider: the configured driver's name. */
void metrics_page(struct dashboard *d, struct store *st, const char *provider,
                  const struct metrics_process *proc, const struct webhook_request *rq,
                  struct webhook_response *rs);

#endif
