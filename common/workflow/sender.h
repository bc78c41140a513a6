/* sender — takes outbound requests from record to stored result: validation,
 * opt-out, quiet hours, spend caps checked and reserved atomically, the
 * provider request paced by --rate and --concurrency, every status change
 * stored (the provider's answer retried, else kept in the recovery file), and
 * results handed back in input order. sms-send is a loop around it. */
#ifndef SMSKIT_SENDER_H
#define SMSKIT_SENDER_H

#include <cjson/cJSON.h>

#include "config.h"
#include "price.h"
#include "provider.h"
#include "store.h"

struct sender_options {
	int    dry_run;         /* validate and price; store and send nothing */
	double rate;            /* provider requests per second; 0 = unlimited */
	int    concurrency;     /* requests in flight; default 4 */
	int    ignore_quiet;    /* send inside quiet hours */
	int    progress;        /* a progress line on stderr */
};

struct sender;

/* NULL with a sentence in err when settings are invalid (exit 78). */
struct sender *sender_new(const struct sms_config *c, struct store *st, struct provider *p,
                          const struct price_table *prices, const struct sender_options *o,
                          char *err, size_t errlen);
void sender_free(struct sender *s);

/* Hands over one record (the sender owns it from now on): an outbound request,
 * or an error record from the reader, which comes back out in its place. */
void sender_add(struct sender *s, cJSON *rec);

/* 1 while the sender would take more records without growing its window. */
int sender_wants_more(const struct sender *s);

/* --approved, step 1: of the messages left `sending` by a sender on this host
 * that has died, those whose request had started (store_msg_requested) may or
 * may not have gone out: they become `unknown`, never resent; those claimed
 * and never requested go back to `approved` (store_msg_unclaim), to be sent
 * by this run. Returns how many of either. */
size_t sender_recover(struct sender *s);

/* --approved: claims due approved messages (urgent first, then oldest) into
 * the sender, as many as it has room for, checking the caps and opt-outs in
 * the claiming transaction. Returns the number claimed; 0 when nothing more
 * is due or the queue must wait (quiet hours, a cap: see sender_queue_wait). */
size_t sender_claim(struct sender *s);

/* Why the approved queue stopped early ("deferred to 08:00 by quiet hours",
 * "daily cap of ... reached"), or "" when it did not. */
const char *sender_queue_wait(const struct sender *s);

/* Records added and not yet handed back. */
size_t sender_pending(const struct sender *s);

/* Starts requests that may start, waits at most wait_ms for answers, stores results. */
void sender_step(struct sender *s, long wait_ms);

/* The next finished record in input order, or NULL; the caller owns it. */
cJSON *sender_pop(struct sender *s);

/* The exit status the batch earned beyond 0/1: 77, 69 or 75 when the provider
 * refused the credentials, was unreachable, or asked us to come back later,
 * or 75 when the store could not record a message or an answer (one the
 * provider accepted says "stored": false and is in the recovery file,
 * recovery.h); 0 otherwise. */
int sender_exit_hint(const struct sender *s);

#endif
