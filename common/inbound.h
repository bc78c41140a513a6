/* inbound — what an inbound message does to the store (sms-webhookd(1), /sms/incoming):
 * stored once per provider message id, opt-out, opt-in and help keywords,
 * the first matching autoresponder inside its active hours (its answer also
 * stored, as an outbound message linked to the inbound one), and the TwiML
 * that answers the provider. Runs inside the caller's transaction. */
#ifndef SMSKIT_INBOUND_H
#define SMSKIT_INBOUND_H

#include <time.h>
#include <cjson/cJSON.h>
#include "price.h"
#include "store.h"

/* The keywords of sms-webhookd(1), Keywords: the whole body, trimmed, any case. */
enum inbound_keyword { KW_NONE, KW_STOP, KW_START, KW_HELP };
enum inbound_keyword inbound_keyword(const char *body);

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
};

struct inbound_result {
	int     duplicate;        /* the provider id was already stored: nothing done */
	int64_t id;               /* the inbound message */
	char   *reply;            /* the text to answer with (malloc'd), or NULL */
	int64_t rule;             /* the autoresponder that answered, 0 for none (or HELP) */
	cJSON  *record;           /* the stored record when want_record, else NULL */
	char    what[96];         /* what happened, for the log: "stored", "opted out", ... */
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

/* The TwiML answer: <Response/>, or one <Message> with text XML-escaped.
 * malloc'd. */
char *inbound_twiml(const char *reply);

#endif
