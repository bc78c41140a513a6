/* inbound — what an inbound message does to the store (sms-webhookd(1), /sms/incoming):
 * stored once per provider message id, opt-out, opt-in and help keywords,
 * the first matching autoresponder inside its active hours (its answer also
 * stored, as an outbound message linked to the inbound one), and the answer's
 * text, which the provider's driver puts in its response or sms-send sends
 * (provider.h). Runs inside the caller's transaction. */
#ifndef SMSKIT_INBOUND_H
#define SMSKIT_INBOUND_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "config.h"
#include "price.h"
#include "store.h"

/* The keywords of sms-webhookd(1), Keywords: the whole body, trimmed, any case. */
enum inbound_keyword { KW_NONE, KW_STOP, KW_START, KW_HELP };
enum inbound_keyword inbound_keyword(const char *body);

/* What an autoresponder may answer (sms-config(5)): at most per_number
 * answers to one number in an hour (0: no limit), and within the spend caps
 * (< 0: none). Over a limit the rule does not answer; the inbound message
 * gets an "autoresponder" event saying why, and inbound_result.held. */
struct inbound_limits {
	int     per_number;             /* SMS_AUTO_REPLY_LIMIT */
	money_t daily_cap, monthly_cap; /* SMS_DAILY_LIMIT, SMS_MONTHLY_LIMIT */
	long long flow_window;          /* SMS_FLOW_WINDOW, seconds (sms-auto(1), Flows) */
};

/* SMS_FLOW_WINDOW (default 24h): how long a conversation's state lasts; -1
 * with a sentence in err when malformed. */
int inbound_flow_window(const struct sms_config *c, long long *secs, char *err,
                        size_t errlen);

/* SMS_AUTO_REPLY_LIMIT (default 5, "off" for none) and the caps; -1 with a
 * sentence in err when one is malformed. */
int inbound_limits_load(const struct sms_config *c, struct inbound_limits *l, char *err,
                        size_t errlen);

struct autoresp_cache;
struct autoresp_verdicts;

struct inbound_settings {
	const char               *provider;   /* "twilio" */
	const char               *help_text;  /* SMS_HELP_TEXT, or NULL: no answer to HELP */
	const struct price_table *prices;
	int                       want_record; /* fill inbound_result.record (a hook wants it) */
	int                       no_answer;   /* pulled later from the provider's API
	                                        * (sms-inbox --fetch): keywords still opt out
	                                        * and in, but nothing answers and no
	                                        * autoresponder fires */
	int                       reply_by_api; /* the answer goes out through the
	                                        * provider's API after the webhook is
	                                        * acknowledged (Vonage, SNS: no TwiML);
	                                        * the sender stores it then, so it is not
	                                        * stored here */
	const struct inbound_limits *limits;   /* NULL: none */
	struct autoresp_cache       *rules;    /* sms-webhookd's cache, or NULL */
	const struct autoresp_verdicts *pre;   /* the triggers matched on the request's
	                                        * thread, or NULL (autoresp.h) */
};

/* What the keywords and the autoresponders' triggers read (sms-auto(1)): a
 * WhatsApp quick reply's payload (the record's "button_payload") when it has
 * one, else the body; so a button "Yes" with the payload "confirm_42" is no
 * START keyword. A driver's webhook_event.text is the same text, for the
 * triggers matched on the request's thread. */
const char *inbound_trigger_text(const cJSON *rec);

struct inbound_result {
	int     duplicate;        /* the provider id was already stored: nothing done */
	int64_t id;               /* the inbound message */
	char   *reply;            /* the text to answer with (malloc'd), or NULL */
	int64_t rule;             /* the autoresponder that answered, 0 for none (or HELP) */
	char    reply_tag[72];    /* the tag the answer carries, the thread's next
	                           * state (sms-auto(1), Flows); "" for none */
	enum inbound_keyword acted; /* KW_STOP: the sender opted out; KW_START: back in;
	                           * else KW_NONE (for sms-webhookd's metrics) */
	cJSON  *record;           /* the stored record when want_record, else NULL */
	char    what[96];         /* what happened, for the log: "stored", "opted out", ... */
	char    held[320];        /* an autoresponder over a limit, for the log: why it
	                           * did not answer; "" when none was */
};

/* rec: the inbound record built from the webhook (direction, status, to,
 * from, body, media, provider, provider_id, created_at); params: every
 * webhook parameter, kept in the "webhook" event. opt_out_type: the
 * provider's own verdict (Twilio's OptOutType: STOP, START, HELP) or NULL.
 * Returns STORE_OK or STORE_ERR (the caller rolls back). */
int inbound_apply(struct store *st, const struct inbound_settings *s, cJSON *rec,
                  const cJSON *params, const char *opt_out_type, time_t now,
                  struct inbound_result *out);
void inbound_result_free(struct inbound_result *r);

#endif
