/* provider — the one interface every SMS provider implements, one file each
 * (provider_twilio.c, provider_sandbox.c, ...). A provider turns a send, a
 * status query or a page of received messages into an HTTP request and the
 * answer into a result; it never does
 * I/O itself, so that http.c can run many at once. Programs never name one. */
#ifndef SMSKIT_PROVIDER_H
#define SMSKIT_PROVIDER_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "config.h"
#include "http.h"

struct send_request {
	const char        *to, *from, *body;
	const char *const *media;
	size_t             nmedia;
	const char        *status_callback; /* URL, or NULL */
	long long          id;              /* the store's id of the message, 0 when none:
	                                     * a provider may send it as its own reference
	                                     * (Vonage's client-ref) */
};

enum send_outcome {
	SEND_ACCEPTED, /* the provider took it: provider_id and status are set */
	SEND_REJECTED, /* it said no: code, message, retryable */
	SEND_UNKNOWN,  /* no answer after the request may have arrived */
	SEND_AGAIN,    /* not answered yet: send_parse filled `next` with one more
	                * request to make (SNS asks whether the number opted out, then
	                * publishes); its answer goes to send_parse again, with `step`
	                * counting the requests made so far */
};

struct send_result {
	enum send_outcome outcome;
	char              provider_id[64];
	char              status[16];   /* smskit(7) status: queued, sent, scheduled, ... */
	char              price[32];    /* decimal string, "" when not known yet */
	char              currency[8];
	char              from[32];     /* the sender the provider used, "" if not told */
	/* when rejected or unknown */
	const char       *code;         /* smskit(7) error code, e.g. "invalid_number" */
	long              provider_code;/* the provider's own code, 0 when none */
	char              message[512];
	int               retryable;
	int               exit_hint;    /* sysexits code this failure suggests: 69, 75, 77 or 1 */
	/* added with Vonage and SNS */
	char              balance[32];  /* the account balance the provider reported after
	                                 * this send (Vonage), "" when not told */
	int               step;         /* SEND_AGAIN: requests made so far (1 after the first) */
	struct http_request next;       /* SEND_AGAIN: the next request */
};

struct status_result {
	int  ok;                 /* 0: the query failed, see code and message */
	char status[16];         /* smskit(7) status */
	char price[32];          /* "" when not known */
	char currency[8];
	long error_code;         /* provider's delivery error, 0 when none */
	char error_message[256];
	const char *code;        /* when !ok */
	char message[512];
	int  exit_hint;
};

/* One page of the received messages the provider holds (sms-inbox --fetch). */
struct inbox_request {
	const char *to;         /* messages to this number only; NULL: to any */
	const char *since_date; /* "YYYY-MM-DD" (UTC): sent on that day or later; NULL: all */
	size_t      page_size;  /* messages per page, 1 to 1000 */
	const char *next;       /* the next page as the last answer named it; NULL: the first */
};

struct inbox_page {
	int         ok;         /* 0: the request failed, see code and message */
	cJSON      *messages;   /* the page's inbound messages as message records (direction
	                         * inbound, status received, to, from, body, media,
	                         * segments, provider, provider_id, created_at); the caller
	                         * frees it */
	size_t      nitems;     /* messages on the page, both directions */
	char       *next;       /* the next page (malloc'd), NULL on the last */
	const char *code;       /* when !ok */
	char        message[512];
	int         exit_hint;
};

struct provider;

struct provider_ops {
	const char *name;
	const char *from_key; /* the setting that names the default sender */
	/* Reads credentials and settings; -1 with a sentence in err (exit 78). */
	int  (*open)(struct provider *p, const struct sms_config *c, char *err, size_t errlen);
	void (*close)(struct provider *p);
	/* Fills req and returns 0; or returns 1 when answered without the network
	 * (the sandbox, or a request refused before sending) with res filled. */
	int  (*send_prepare)(struct provider *p, const struct send_request *m,
	                     struct http_request *req, struct send_result *res);
	void (*send_parse)(struct provider *p, const struct http_response *resp,
	                   struct send_result *res);
	/* The same pair for one message's current status. current is what the store
	 * holds (the sandbox moves it one step). */
	int  (*status_prepare)(struct provider *p, const char *provider_id, const char *current,
	                       struct http_request *req, struct status_result *res);
	void (*status_parse)(struct provider *p, const struct http_response *resp,
	                     struct status_result *res);
	/* The same pair for a page of received messages; NULL in a provider that
	 * cannot list them (the sandbox): sms-inbox --fetch then says so, exit 78. */
	int  (*inbox_prepare)(struct provider *p, const struct inbox_request *q,
	                      struct http_request *req, struct inbox_page *res);
	void (*inbox_parse)(struct provider *p, const struct http_response *resp,
	                    struct inbox_page *res);
};

struct provider {
	const struct provider_ops *ops;
	const char                *name;
	const char                *default_from; /* ops->from_key's value, or NULL */
	void                      *state;
};

/* Picks SMS_PROVIDER (twilio when TWILIO_ACCOUNT_SID is set and SMS_PROVIDER is
 * not); -1 with a sentence in err when none is configured or it is unknown,
 * when the provider's open fails, or when its default sender is not one that
 * --from would take (policy_from_ok), so that no program sends, fetches or
 * matches numbers with a sender the provider will refuse on every message. */
int  provider_open(struct provider *p, const struct sms_config *c, char *err, size_t errlen);
void provider_close(struct provider *p);

/* For send_parse implementations: the result of a transport failure. */
void provider_transport_failure(const struct http_response *resp, struct send_result *res);

/* For providers: the "not supported by this provider" answer of a status query
 * (exit 78), naming what the provider cannot do and what to use instead. */
void provider_status_unsupported(const struct provider *p, const char *why,
                                 struct status_result *res);

extern const struct provider_ops provider_twilio;
extern const struct provider_ops provider_sandbox;
extern const struct provider_ops provider_vonage;
extern const struct provider_ops provider_sns;

#endif
