/* provider — the one interface every SMS provider's driver implements, both
 * directions (doc/providers-driver.md): out, a driver turns a send, a status
 * query or a page of received messages into an HTTP request and the answer
 * into a result; in, it checks a webhook's signature and reads it into the
 * records the store takes (struct webhook_event). It never does I/O itself,
 * so that http.c can run many requests at once and sms-webhookd stores what
 * it read. Programs and the webhook code never name a provider. */
#ifndef SMSKIT_PROVIDER_H
#define SMSKIT_PROVIDER_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "address.h"
#include "config.h"
#include "http.h"

struct send_request {
	const char        *to, *from, *body; /* to, from: addresses (address.h) */
	const char *const *media;
	size_t             nmedia;
	const char        *status_callback; /* URL, or NULL */
	long long          id;              /* the store's id of the message, 0 when none:
	                                     * a provider may send it as its own reference
	                                     * (Vonage's client-ref) */
	/* added with WhatsApp (smskit-whatsapp(7)) */
	enum channel       channel;         /* of to */
	const char        *content_sid;     /* an approved template, HX + 32 hex, or NULL */
	const char        *content_variables; /* its variables, a JSON object as text, or NULL */
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
struct webhook_ops;

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
	/* Its webhooks (sms-webhookd(1)). */
	const struct webhook_ops *webhook;
};

struct provider {
	const struct provider_ops *ops;
	const char                *name;
	const char                *default_from; /* ops->from_key's value, or NULL */
	void                      *state;
	/* added with WhatsApp */
	const char                *whatsapp_from; /* the default WhatsApp sender,
	                                           * "whatsapp:+...", or NULL */
	int                        sender_pool;   /* it picks a sender itself when none is
	                                           * given (a Twilio Messaging Service) */
};

/* Picks SMS_PROVIDER (twilio when TWILIO_ACCOUNT_SID is set and SMS_PROVIDER is
 * not); -1 with a sentence in err when none is configured or it is unknown,
 * when the provider's open fails, or when its default sender is not one that
 * --from would take (policy_from_ok), so that no program sends, fetches or
 * matches numbers with a sender the provider will refuse on every message. */
int  provider_open(struct provider *p, const struct sms_config *c, char *err, size_t errlen);
void provider_close(struct provider *p);

/* The sender of a message on channel ch when the request names none:
 * default_from for SMS, whatsapp_from for WhatsApp; NULL when the provider
 * has none (then sender_pool says whether it picks one itself). */
static inline const char *provider_default_from(const struct provider *p, enum channel ch)
{
	return ch == CHANNEL_WHATSAPP ? p->whatsapp_from : p->default_from;
}

/* For send_parse implementations: the result of a transport failure. */
void provider_transport_failure(const struct http_response *resp, struct send_result *res);

/* For providers: the "not supported by this provider" answer of a status query
 * (exit 78), naming what the provider cannot do and what to use instead. */
void provider_status_unsupported(const struct provider *p, const char *why,
                                 struct status_result *res);

/* ---- The webhook side: what sms-webhookd reads from a provider ---------------- */

/* What a webhook is, by its route: /sms/incoming, /sms/status. */
enum webhook_kind { WEBHOOK_INBOUND, WEBHOOK_STATUS };

/* One webhook request, as the driver sees it. */
struct webhook_call {
	enum webhook_kind route;
	const char *provider;  /* the driver's name ("sandbox" shares Twilio's format) */
	const char *method;    /* "POST" (or "GET" where the driver takes it) */
	const char *url;       /* the URL the provider signed */
	const char *signature; /* the signature_header's value, or NULL */
	const char *body;      /* raw body, body_len bytes; never NULL */
	size_t      body_len;
	int         verify;    /* check the signature (off only by --no-verify) */
	time_t      now;
};

/* What a driver read from one webhook: the records the store takes. The
 * driver fills it; webhook_event_free frees it. */
struct webhook_event {
	cJSON *params;  /* every parameter, for the "webhook" event's detail */
	/* An inbound message (route WEBHOOK_INBOUND, notice NULL) */
	cJSON      *record;       /* the message record (smskit(7)) */
	char       *opt_out_type; /* the provider's own keyword verdict, or NULL */
	char       *text;         /* its text as given, for the triggers, or NULL */
	char        from[40], to[40]; /* its numbers, for an answer sent by the API */
	/* a part of a longer SMS, held in the store until every part came: the
	 * whole text then replaces the record's body, part 1's id its provider_id */
	char        part_key[200];   /* "" when not a part */
	long long   part, parts;
	char       *part_id, *part_text;
	/* A status callback (route WEBHOOK_STATUS) */
	char       *provider_id;  /* the message's id at the provider */
	char       *given;        /* the status as the provider wrote it */
	const char *status;       /* in smskit's words (smskit(7)), NULL: not tracked */
	int         has_ref;      /* the provider echoed the store's own id of the
	                           * message (a reference the send gave it): */
	long long   ref_id;       /* that id, tried when provider_id is not found
	                           * (an outbound message of this provider only) */
	cJSON      *fields;       /* price, currency to record with the status */
	long        error_code;   /* the provider's delivery error (delivery.h), 0: none */
	char       *error_message;/* its words, or NULL */
	char       *error_to;     /* the number that opted out when the code says so */
	/* A notice that is no message (an SNS subscription): logged only */
	char       *notice;       /* the answer's text, or NULL when not a notice */
	char       *notice_log;   /* the line for the log */
};

/* What a provider's delivery error codes mean (delivery.h). */
struct delivery_code {
	long        code;
	const char *spec, *words; /* smskit(7) error code; the provider's words */
	int         retryable;
};
struct delivery_codes {
	const struct delivery_code *codes;
	size_t                      n;
	const char                 *unknown; /* the words of a code not in the table */
	const char                 *who;     /* in an opt-out's source: "provider %s%ld" */
};

struct webhook_ops {
	const char *name; /* the driver's, as provider_ops's */
	/* Its delivery error codes (status callbacks and status queries alike);
	 * NULL: Twilio's. */
	const struct delivery_codes *delivery;
	/* Its webhooks also come by GET ("GET, POST"), or by POST only ("POST"). */
	const char *allow;
	/* The request header that carries the signature, or NULL: none is read
	 * (the signature is in the parameters or the body). */
	const char *signature_header;
	/* Reads its keys from c, no side effect; -1 with a sentence in err
	 * (exit 78): verify and no key to check signatures with. */
	int  (*check)(const struct sms_config *c, int verify, char *err, size_t errlen);
	/* Then its state (keys, certificates), after check: NULL with a sentence
	 * in err. */
	void *(*open)(const struct sms_config *c, int verify, char *err, size_t errlen);
	void (*close)(void *state);
	/* Checks and reads one request into ev: 0, or the HTTP status (400, 403,
	 * 404) with the answer's sentence in why. */
	int  (*parse)(void *state, const struct webhook_call *call, struct webhook_event *ev,
	              char *why, size_t whylen);
	/* The response body answering an inbound message with reply (NULL: none),
	 * malloc'd, its type in *content_type; NULL here: the provider takes no
	 * answer in a response, which then says "ok", and the answer goes out
	 * through its API (sms-send) instead. */
	char *(*answer)(const char *reply, const char **content_type);
};

/* The driver whose webhooks c configures (SMS_PROVIDER, twilio when unset);
 * NULL with a sentence in err for one that takes no webhooks. */
const struct webhook_ops *provider_webhook_driver(const struct sms_config *c, char *err,
                                                  size_t errlen);

void webhook_event_free(struct webhook_event *ev);

/* "twilio, vonage, sns and sandbox": the drivers' names in PROVIDER_DRIVERS
 * order, for the messages that list the choices. */
void provider_names(char *buf, size_t len);

/* The webhook side of the driver named name, NULL when there is none. */
const struct webhook_ops *provider_webhook_find(const char *name);

/* For drivers: the inbound message record (smskit(7)) from its parts: direction
 * inbound, status received, media (an array, taken; NULL: none), provider
 * call->provider, created_at call->now. */
cJSON *provider_inbound_record(const struct webhook_call *call, const char *from, const char *to,
                               const char *body, const char *id, cJSON *media);

/* "447700900001" -> "+447700900001"; anything that is not 1 to 15 digits (an
 * alphanumeric sender id, a number with its '+') is copied as it is. */
void provider_e164(const char *in, char *out, size_t outlen);

/* The drivers, a line each: provider_X (its sending side, provider_X.c) and
 * X_webhooks (its webhook side); provider.c's and provider_webhook.c's tables
 * are made from this list (doc/providers-driver.md). */
#define PROVIDER_DRIVERS(X) \
	X(twilio)           \
	X(vonage)           \
	X(sns)              \
	X(sandbox)

/* The channels besides SMS that drivers carry, both ways, a line each:
 * X(driver, channel); a driver not listed carries SMS only. A list of its own,
 * read by provider_channels.c, so that a program that opens no driver
 * (sms-stage) knows it without linking one. */
#define PROVIDER_CHANNELS(X)            \
	X(twilio, CHANNEL_WHATSAPP)     \
	X(sandbox, CHANNEL_WHATSAPP) /* it imitates Twilio's */

/* 0 when the driver named provider carries channel ch (SMS always, and any
 * channel when provider is NULL: no driver to ask); else -1 with the smskit(7)
 * code not_supported in *code and a sentence in msg naming the provider and
 * what to do instead. A channel a driver does not carry is refused before any
 * request, never sent as SMS. */
int provider_channel_check(const char *provider, enum channel ch, const char **code, char *msg,
                           size_t msglen);

#define PROVIDER_DECLARE(name)                          \
	extern const struct provider_ops provider_##name; \
	extern const struct webhook_ops name##_webhooks;
PROVIDER_DRIVERS(PROVIDER_DECLARE)
#undef PROVIDER_DECLARE

#endif
