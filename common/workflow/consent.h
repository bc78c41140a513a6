/* consent — the consent policy (smskit-compliance(7), Consent): whether
 * SMS_REQUIRE_CONSENT is on, whether a message may go to a number under it
 * (a marketing message needs the number's opt-in; a transactional one does
 * not), and the opt-in a START word records. The store keeps the log
 * (store_consent_*); sender, stage and inbound ask here. */
#ifndef SMSKIT_CONSENT_H
#define SMSKIT_CONSENT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "config.h"
#include "store.h"

/* SMS_REQUIRE_CONSENT: on or off (default off). 0 with *on set, or -1 with a
 * sentence in err (exit 78). */
int consent_policy_load(const struct sms_config *c, int *on, char *err, size_t errlen);

/* Whether message rec (a request or a stored record) may go to `to` (as
 * stored: E.164 or whatsapp:+E.164) when the policy is on: 0 yes (policy off,
 * a transactional message, or the number's latest word is an opt-in), 1 no
 * with the sentence of code no_consent in msg, ending with outcome ("nothing
 * sent", "not staged"), STORE_ERR with the store's
 * error. Call it where the opt-out is checked, in the same transaction. */
int consent_refused(struct store *st, int on, const cJSON *rec, const char *to,
                    const char *outcome, char *msg, size_t msglen);

/* A START word from `from` that lifted its opt-out: recorded as an opt-in,
 * source "keyword", the evidence the inbound message (its id and text).
 * Inside inbound_apply's transaction. STORE_OK or STORE_ERR. */
int consent_keyword(struct store *st, const char *from, int64_t message_id, const char *body);

#endif
