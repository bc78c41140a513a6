/* review — the review decision on a staged message (sms-approve, the
 * dashboard) and the reason a message waits, said from its status
 * (smskit(7), Lifecycle). No state. */
#ifndef SMSKIT_REVIEW_H
#define SMSKIT_REVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "store.h"

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

#endif
