/* policy — what an outbound request must be before anything is stored or sent
 * (sms-send(1)): a possible, sendable number; a body or media; at most 1,600
 * characters and 10 media URLs over http(s). Shared by sms-send and sms-stage. */
#ifndef SMSKIT_POLICY_H
#define SMSKIT_POLICY_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "address.h"
#include "gsm.h"
#include "price.h"

#define POLICY_MAX_BODY  1600 /* Twilio's limit (21617), in UTF-16 units */
#define POLICY_MAX_MEDIA 10   /* Twilio's limit (21623) */
#define POLICY_WA_MAX_BODY 1600 /* a WhatsApp body through Twilio, in characters
                                 * (code points): smskit-whatsapp(7) */
#define POLICY_CONTENT_SID_LEN 34 /* "HX" and 32 hex digits */

struct outbound {
	char               to[ADDRESS_LEN]; /* E.164, or whatsapp:E.164 (address.h) */
	char               region[3];   /* of "to", for prices */
	enum channel       channel;     /* of "to" */
	const char        *from;        /* the record's, or NULL for the provider's default */
	const char        *body;        /* "" when only media */
	const char        *media[POLICY_MAX_MEDIA];
	size_t             nmedia;
	struct gsm_info    gsm;         /* figures of body; free with outbound_free */
	/* WhatsApp (smskit-whatsapp(7)) */
	char               from_buf[ADDRESS_LEN]; /* from, when it is whatsapp:+number */
	const char        *content_sid;  /* the record's, or NULL */
	char              *content_variables; /* compact JSON object text, or NULL */
	enum wa_category   category;     /* WA_SERVICE without content_sid */
	size_t             wa_chars;     /* code points of body, on WhatsApp */
};

/* Checks rec; on success fills out and returns 0. On failure returns -1 with
 * *code an error code of smskit(7) (invalid_number, missing_body, invalid_body,
 * body_too_long, too_many_media, invalid_media, invalid_from, invalid_field) and
 * a sentence in msg. On WhatsApp (to "whatsapp:+..."): from, when given, is
 * whatsapp:+number too; content_sid (HX and 32 hex digits) names an approved
 * template, with content_variables (a JSON object) and template_category
 * (marketing, utility or authentication) optional, and then no body and no
 * media; a body has at most 1,600 characters and no segments. content_sid on
 * SMS is refused. */
int  outbound_check(const cJSON *rec, const char *default_region, struct outbound *out,
                    const char **code, char *msg, size_t msglen);
void outbound_free(struct outbound *out);

/* The fields a request may add to what it sends, when given (not null), each
 * checked before anything reaches the store: priority urgent, high, normal or
 * low (invalid_priority); send_at an RFC 3339 time or a local "YYYY-MM-DD
 * HH:MM[:SS]" in SMS_TZ, a bare date refused (invalid_send_at; *send_at
 * receives it, 0 when not given); notes a string, ref a string or a number,
 * purpose marketing or transactional (invalid_field). 0, or -1 with *code and a sentence in msg. */
/* 1 when t is a tag, a conversation state (sms-auto(1), Flows): 1 to 64 ASCII
 * letters, digits, '-', '_' or '.'. */
int policy_tag_valid(const char *t);

int outbound_check_fields(const cJSON *rec, time_t *send_at, const char **code, char *msg,
                          size_t msglen);

/* 1 for marketing or transactional, what a request's "purpose" may be. */
int policy_purpose_valid(const char *p);
/* What rec is for: its "purpose", else transactional for a reply (reply_to
 * given), else marketing (sms-send(1), Consent). */
const char *policy_purpose(const cJSON *rec);
/* What sms-split, sms-send and sms-stage say of a checked request: its
 * encoding ("GSM-7", "UCS-2"; "UTF-8" on WhatsApp, which has no segments),
 * its segments (1 for a WhatsApp message) and its price estimate (per segment
 * for SMS, per message for MMS, per message by template category on WhatsApp). */
const char *outbound_encoding(const struct outbound *o);
size_t      outbound_segments(const struct outbound *o);
money_t     outbound_estimate(const struct outbound *o, const struct price_table *t);

/* Characters of a valid UTF-8 string as a WhatsApp body counts them: code points. */
size_t policy_code_points(const char *s);

/* The category of a WhatsApp request: WA_SERVICE without content_sid, else its
 * template_category (marketing, utility, authentication), WA_UNKNOWN when it
 * gives none or another. For sms-split, which checks nothing. */
enum wa_category policy_wa_category(const cJSON *rec);

/* "marketing", "utility", "authentication", "service" or "unknown". */
const char *wa_category_name(enum wa_category c);

/* 1 when s is a Content SID: "HX" and 32 hexadecimal digits. */
int policy_content_sid_ok(const char *s);

/* 1 when f may be a sender ("from", --from, a provider's default sender): an
 * E.164 number, a short code (3-8 digits) or an alphanumeric sender id (1-11
 * letters, digits, spaces, at least one letter). */
int policy_from_ok(const char *f);

/* 1 for urgent, high, normal or low. */
int policy_priority_valid(const char *s);

/* Characters as Twilio counts them against the 1,600 limit: UTF-16 units. */
size_t policy_utf16_units(const struct gsm_info *g);

#endif
