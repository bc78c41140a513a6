/* metrics — the daemon's process counters for GET /metrics (sms-webhookd(1),
 * Metrics): requests by route and status, signature failures by provider,
 * what inbound messages did, the group commit's latency and size, hook
 * failures and reloads. One set per process, kept in relaxed atomics so that
 * counting takes no lock on a request's path; metrics_page.c reads them at a
 * scrape, with the gauges it reads from the store. In CGI mode a process
 * serves one request, so nothing here is shown there. */
#ifndef SMSKIT_METRICS_H
#define SMSKIT_METRICS_H

#include <stddef.h>
#include "util.h"

/* The routes requests are counted under. */
enum metrics_route {
	MR_INCOMING, MR_STATUS, MR_HEALTHZ, MR_REVIEW, MR_METRICS, MR_OTHER, MR_COUNT
};
/* The route of a request path ("/sms/incoming" ...); MR_OTHER for the rest. */
enum metrics_route metrics_route_of(const char *path);
/* Its label: "/sms/incoming", ..., "other". */
const char *metrics_route_name(enum metrics_route r);

/* One answered request: its route and HTTP status. */
void metrics_request(enum metrics_route r, int status);
/* A webhook refused because its signature was missing or wrong; provider is
 * the driver's name (a string that lives as long as the process). */
void metrics_signature_failure(const char *provider);

/* What a committed inbound webhook did. */
enum metrics_inbound {
	MI_STORED,     /* a new inbound message row */
	MI_DUPLICATE,  /* a provider's retry of one already stored */
	MI_OPT_OUT,    /* STOP (and its synonyms) opted the sender out */
	MI_OPT_IN,     /* START opted the sender back in */
	MI_AUTOREPLY,  /* an autoresponder answered */
	MI_COUNT
};
void metrics_inbound(enum metrics_inbound what);

/* One transaction of the group commit: how many units it held, how long it
 * took (begin to durable commit), whether it failed. Called on the writer. */
void metrics_commit(size_t units, double seconds, int failed);
/* SIGHUP: a reload taken (ok) or refused. */
void metrics_reload(int ok);

/* Writes the process counters in Prometheus' text format (version 0.0.4),
 * each family with its HELP and TYPE; hook_failures comes from the hook
 * queue, which counts them itself. */
void metrics_write_process(struct strbuf *out, unsigned long long hook_failures);

#endif
