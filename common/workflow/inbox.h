/* inbox — the receiving side as people read and answer it (sms-inbox(1),
 * sms-reply(1)): --since spans and dates, numbers typed as people write them, the
 * listing and the conversation as text, read flags by id, a reply turned into
 * an outbound request, and pulling received messages from the provider's API
 * (--fetch) with its cursor. The SQL is the store's; the HTTP the provider's. */
#ifndef SMSKIT_INBOX_H
#define SMSKIT_INBOX_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "address.h"
#include "provider.h"
#include "store.h"


/* A number as a person types it, read against region (SMS_DEFAULT_COUNTRY),
 * to E.164 in out; -1 with *why a sentence when it is not a number at all.
 * An impossible number is kept as read: it only selects what the store holds. */
int inbox_number(const char *arg, const char *region, char out[24], const char **why);

/* The same for an address: a number, or "whatsapp:" and a number (the
 * WhatsApp thread of that number, address.h), as stored. */
int inbox_address(const char *arg, const char *region, char out[ADDRESS_LEN], const char **why);

/* -o text. The listing: a table of id, received time (local), sender, state
 * (unread, read, replied) and the body clipped to one line; error records as
 * ERROR rows. arg: a struct inbox_text, zeroed before the first record. */
struct inbox_text {
	int header;
};
void inbox_text_list(FILE *fp, const cJSON *rec, void *arg);
/* The conversation: "2026-11-24 09:30  Them  What are your hours?" for a
 * received message, "You" for a sent one (with its status when it did not or
 * not yet go out), later lines of a body indented under the first. */
void inbox_text_thread(FILE *fp, const cJSON *rec, void *arg);

/* --mark-read / --mark-unread of one message: rec holds "id" (a number or a
 * string of digits; other fields pass through). Returns rec completed: the
 * stored record after the change with "ok": true, or an error record
 * (invalid_id, not_found, invalid_request for a message that was not
 * received, store_error). *hard is set to 75 on a store failure. */
cJSON *inbox_mark(struct store *st, cJSON *rec, int read, int *hard);

/* sms-reply: turns rec {"id": received message, "body", "media", ...} into
 * the outbound request that answers it: "to" the message's sender, "from" the
 * number it was received on, "reply_to" its id ("id" is removed; the reply
 * gets its own). 0, or -1 with *code (invalid_id, not_found, invalid_request,
 * store_error) and a sentence in msg, rec unchanged. */
int inbox_reply_request(struct store *st, cJSON *rec, const char **code, char *msg,
                        size_t msglen);

/* --fetch: pages of received messages from the provider's list API, stored
 * once each (the provider's message id is unique: one already stored, by the
 * webhook or an earlier fetch, is skipped), oldest first, in one transaction
 * with the cursor. The cursor, kept in the store's kv table under
 * "inbox.fetch.PROVIDER.NUMBER", is when the last complete fetch started; a
 * fetch asks for messages sent on or after the UTC date an hour before it
 * (Twilio filters by date; the overlap is skipped as already stored), or since
 * `since`, or, the first time, for the last 7 days. */
struct inbox_fetch_options {
	const char *to;        /* our number (TWILIO_PHONE_NUMBER), or NULL: any */
	const char *since;     /* RFC 3339, or NULL: from the cursor */
	size_t      page_size; /* 1 to 1000; 0: 1000 */
	int         progress;  /* a line on stderr per page */
};
struct inbox_fetch_stats {
	size_t pages, items, inbound, added;
};
/* Calls fn with each newly stored record (the stored message record, fn owns
 * it) once they are committed, oldest first. Returns 0, or the exit status
 * the failure earns with a sentence in err: 78 when the provider cannot list
 * messages (the sandbox), 77 refused credentials, 69 unreachable, 75 try
 * later or a store failure, 1 another refusal. After a failed page, what the
 * pages before it held is stored all the same; the cursor is left as it was. */
int inbox_fetch(struct store *st, struct provider *p, const struct inbox_fetch_options *o,
                void (*fn)(cJSON *rec, void *arg), void *arg, struct inbox_fetch_stats *stats,
                char *err, size_t errlen);

#endif
