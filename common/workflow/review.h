/* review — what sms-stage, sms-approve and the sender share: the output record made of the
 * stored message with the caller's own fields kept, the reason a staged
 * message waits, batching input without holding the store's write lock while
 * waiting for it, and clipping text for tables. No state. */
#ifndef SMSKIT_REVIEW_H
#define SMSKIT_REVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "store.h"

/* Records handled in one store transaction. */
#define REVIEW_BATCH 500

/* Moves every field of stored (a store_msg_get record, freed) into rec: a
 * stored field takes the place of the caller's field of the same name, or
 * comes after the caller's fields. */
void review_merge(cJSON *rec, cJSON *stored);

/* rec_emit() without an allocation per record: NDJSON is printed through one
 * reused buffer. Same counting; frees rec. */
struct rec_out;
void review_emit(struct rec_out *o, cJSON *rec);

/* The review decision on one message (sms-approve, the dashboard): moves
 * message id from pending to status ("approved" or "rejected") with fields
 * (reviewed_by, review_reason) and detail (of the status event, e.g.
 * {"via": "sms-approve"}); known_pending skips reading it first (it was just
 * listed as pending in the caller's transaction). Only a pending message is
 * decided: a decision never overwrites another. Returns STORE_OK with *rec
 * the decided record; STORE_REFUSED when it is not pending, with *rec the
 * message as it is (NULL when the store gave only a sentence, in
 * store_errmsg); STORE_NOTFOUND; or STORE_ERR. *rec is the caller's. */
int review_decide(struct store *st, int64_t id, const char *status, const cJSON *fields,
                  const cJSON *detail, int known_pending, cJSON **rec);

/* Sets "reason" from the status when the store holds none (smskit(7), Lifecycle: a message
 * that waits says why): "awaiting approval (sms-approve 42)", "approved;
 * waiting for sms-send --approved", "rejected in review by NAME: REASON"... */
void review_fill_reason(cJSON *rec);

/* 1 when a line can be read from fp without blocking (buffered, or the
 * descriptor is readable or at end of file), 0 when reading would wait. A
 * batch is cut there, so that no transaction stays open while a slow
 * producer thinks. */
int review_input_ready(FILE *fp);

/* s cut to at most width columns (wide characters count two), newlines and
 * tabs shown as spaces, "…" marking a cut; "" for NULL. */
void review_clip(const char *s, size_t width, char *buf, size_t len);

/* A message id: a JSON number or a string of digits, a whole number from 1
 * to 2^53. 0 and *id set, or -1. */
int review_parse_id(const cJSON *v, long long *id);
int review_parse_id_str(const char *s, long long *id);

/* Splits "a,b c" into words, calling fn for each; stops at and returns the
 * first non-zero fn result. */
int review_words(const char *list, int (*fn)(const char *word, void *arg), void *arg);

#endif
