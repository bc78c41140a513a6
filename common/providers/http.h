/* http — every HTTP request smskit makes, through one libcurl multi handle:
 * connection reuse, HTTP/2 where offered, connect and total timeouts, retries
 * of 429 and 5xx with exponential backoff and jitter honouring Retry-After.
 * A request that may have reached the server is never retried after a timeout
 * or a dropped connection: the caller learns it as maybe_sent. */
#ifndef SMSKIT_HTTP_H
#define SMSKIT_HTTP_H

#include <stddef.h>

struct http_options {
	long connect_timeout_ms; /* default 10 s */
	long timeout_ms;         /* whole request, default 30 s */
	int  max_attempts;       /* including the first, default 4 */
	long backoff_base_ms;    /* default 500 */
	long backoff_max_ms;     /* default 30 s, also caps Retry-After */
	long max_host_conns;     /* default 32 */
};

/* What the caller hands over; http owns and frees every string. */
struct http_request {
	const char *method;   /* "GET" or "POST" (static) */
	char       *url;
	char       *body;     /* application/x-www-form-urlencoded, or NULL */
	char       *userpwd;  /* "user:password" for basic auth or SigV4; a secret */
	char       *sigv4;    /* e.g. "aws:amz:us-east-1:sns", or NULL */
	char       *headers[8];
	size_t      nheaders;
	const char *keep_header; /* a response header to keep in resp.header, such as
	                          * "X-Message-Id" (static), or NULL */
};

struct http_response {
	long        status;        /* HTTP status; 0 when no response came */
	char       *body;          /* NUL-terminated, never NULL */
	size_t      len;
	long        retry_after_s; /* -1 when absent */
	int         curl_code;     /* 0 when the transfer completed */
	char        error[256];    /* transport error in words, "" when none */
	int         maybe_sent;    /* no answer, but the request may have arrived */
	int         attempts;
	char        header[128];   /* the value of the request's keep_header, "" when absent */
};

typedef void (*http_done_fn)(void *arg, struct http_response *resp);

struct http_client;

/* NULL options: the defaults. Environment SMS_HTTP_TIMEOUT (seconds) overrides
 * timeout_ms, for slow links and for tests. */
struct http_client *http_new(const struct http_options *opt);
void http_free(struct http_client *c);

/* Queues a request; fn runs from http_step() once it has finished, retries
 * included. resp and its body belong to http and are freed after fn returns. */
void http_submit(struct http_client *c, struct http_request *req, http_done_fn fn, void *arg);

/* Requests submitted and not yet finished (running or waiting to retry). */
size_t http_pending(const struct http_client *c);

/* Moves transfers along, waiting at most max_wait_ms for activity, and runs the
 * callbacks of finished requests. */
void http_step(struct http_client *c, long max_wait_ms);

/* One request, start to finish. The caller frees out->body with free(). */
void http_do(struct http_client *c, struct http_request *req, struct http_response *out);

/* Appends name=value, form-encoded, to a growing body (with & between pairs). */
struct strbuf;
void http_form_add(struct strbuf *b, const char *name, const char *value);
/* Percent-encodes s for a URL path segment or query value (html_url_esc);
 * malloc'd. */
char *http_escape(const char *s);

#endif
