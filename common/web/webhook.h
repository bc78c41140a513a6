/* webhook — the request handler of sms-webhookd(1), the same for the
 * daemon (httpd.c) and CGI (cgi.c): routes, size and method checks, the
 * configured provider's driver to check the signature and read the request
 * (provider.h), then the store work — inbound messages (inbound.c) and
 * status callbacks — and the answer. It does no I/O of its own: an
 * adapter hands in a request, runs the store part inside a transaction (the
 * daemon shares one among concurrent requests), and writes the response. */
#ifndef SMSKIT_WEBHOOK_H
#define SMSKIT_WEBHOOK_H

#include <stddef.h>
#include <time.h>
#include "config.h"
#include "store.h"

#define WEBHOOK_MAX_BODY 65536 /* sms-webhookd(1), Limits: a body over 64 KiB gets 413 */

struct webhook_request {
	const char *method;      /* "POST", "GET", ... */
	const char *path;        /* the route: "/sms/incoming" */
	const char *url;         /* the URL the provider signed, rebuilt by the adapter */
	const char *signature;   /* the signature header its driver reads, or NULL */
	const char *body;        /* raw body (need not be NUL-terminated) */
	size_t      body_len;
	int         too_large;   /* the adapter saw more than WEBHOOK_MAX_BODY */
	const char *remote_user; /* CGI REMOTE_USER, or NULL */
	/* for the dashboard */
	const char *query;        /* the raw query string without '?', or NULL */
	const char *content_type; /* Content-Type, or NULL */
	const char *cookie;       /* Cookie, or NULL */
	const char *authorization;/* Authorization, or NULL */
	const char *origin;       /* Origin, or NULL */
	const char *host;         /* Host (daemon) or SERVER_NAME[:PORT] (CGI) */
	int         remote_loopback; /* the peer is 127.0.0.0/8 or ::1 */
	const char *proxied;      /* what shows that a proxy passed the request on
	                           * (peer_proxy_evidence), or NULL */
};

struct webhook_response {
	int         status;       /* HTTP status */
	const char *content_type;
	char       *body;         /* malloc'd */
	size_t      body_len;
	const char *allow;        /* for 405: the Allow header */
	long long   message_id;   /* the stored message (X-Message-Id), 0 when none */
	char       *headers;      /* more header lines, each "Name: value\r\n", malloc'd,
	                           * or NULL (the dashboard's Location, Set-Cookie...) */
	const char *hook;         /* command to run after the answer (SMS_ON_RECEIVE...), or NULL */
	char       *hook_line;    /* its stdin: one NDJSON line with newline, malloc'd */
	/* An answer that goes out through the provider's API (for providers that take
	 * none in the response): run after the response like a hook, before it. */
	const char *reply_cmd;    /* sms-send, as a /bin/sh command line, or NULL */
	char       *reply_line;   /* its stdin: the answer as one NDJSON outbound request */
};

struct webhook_options {
	int verify;               /* check signatures (off only by --no-verify, sms-webhookd(1)) */
};

struct webhook;
struct webhook_job;

/* NULL with a sentence in err (exit 78) when the settings cannot work, e.g.
 * verification on without the key that signs webhooks. */
struct webhook *webhook_new(const struct sms_config *c, const struct webhook_options *o,
                            char *err, size_t errlen);
void webhook_free(struct webhook *w);
/* For the daemon: reads the autoresponders into a cache (autoresp.h), so that
 * webhook_begin matches their triggers on the request's thread, before the
 * writer's; logs the rules that are skipped. Without it they are matched in
 * webhook_apply (CGI: one request per process). STORE_OK or STORE_ERR. */
int webhook_rules_load(struct webhook *w, struct store *st);
/* The provider whose webhooks this serves: its driver's name (provider.h). */
const char *webhook_provider(const struct webhook *w);
/* The request header its webhooks carry their signature in, for the
 * adapters to pass on as webhook_request.signature; NULL: none. */
const char *webhook_signature_header(const struct webhook *w);

/* Step 1, no store: returns 1 with *rs complete (an error, or an answer that
 * needs no store), or 0 with *job to run: webhook_apply() inside a
 * transaction, then webhook_finish(). */
int webhook_begin(struct webhook *w, const struct webhook_request *rq, struct webhook_job **job,
                  struct webhook_response *rs);
/* Step 2, inside a transaction (a groupcommit_fn): >= 0 keeps the work. */
int webhook_apply(struct store *st, void *job);
/* Step 3: the response, from the job's outcome. rc is webhook_apply's result,
 * or negative when the transaction failed (the store is unavailable: 503 so
 * that the provider retries; nothing was stored). Frees the job. rs may be
 * NULL when nobody is left to answer (the connection closed). */
void webhook_finish(struct webhook_job *job, int rc, const char *store_err,
                    struct webhook_response *rs);

void webhook_response_free(struct webhook_response *rs);

/* For the adapters: a plain-text response. */
void webhook_respond(struct webhook_response *rs, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The reason phrase of an HTTP status ("OK", "Forbidden", ...). */
const char *webhook_reason(int status);

#endif
