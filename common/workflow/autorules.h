/* autorules — managing autoresponder rules as records (sms-auto(1)):
 * adding one, removing, enabling or disabling one by id, and testing which rule
 * would answer a message now and why the others would not. The rules live in
 * the store (store_auto.c); triggers, active hours and states are autoresp.h's. */
#ifndef SMSKIT_AUTORULES_H
#define SMSKIT_AUTORULES_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "store.h"

/* The record of a rule (sms-auto(1), OUTPUT): id, trigger, response, enabled, active_hours,
 * created_at, last_triggered_at, trigger_count; and "skipped", why it never
 * answers, for a rule stored without the checks of add (by an older version,
 * or by hand) that fails them now. */
cJSON *autorules_record(const struct store_auto *a);

/* 1 with a sentence in why when rule a fails the checks of add (and so is
 * skipped: sms-webhookd logs it, and it answers nothing), else 0. */
int autorules_skipped(const struct store_auto *a, char *why, size_t len);

/* rec with the fields of a rule first, in sms-auto(1)'s order, then the rest. Frees rec. */
cJSON *autorules_ordered(cJSON *rec);

/* Each of these fills rec in: with the stored rule's fields and "ok": true, or
 * as an error record saying what is wrong. Each returns 0, or EX_TEMPFAIL when
 * the store failed (rec says so too) and the batch should stop. */

/* Stores the rule rec describes: "trigger" (trimmed), "response", "active_hours"
 * (or "activeHours"; trimmed, absent or null for always), "enabled" (default
 * true), and the flow fields "name", "after", "within", "match" and "end"
 * (sms-auto(1), Flows), each checked first. An opt-out keyword as a trigger
 * is refused (opt_out_keyword). */
int autorules_add(struct store *st, cJSON *rec);

enum autorules_change { AUTORULES_RM, AUTORULES_ENABLE, AUTORULES_DISABLE };

/* Removes, enables or disables the rule rec's "id" names (a number, or a string
 * of digits); adds "removed": true, or "changed": whether enabled changed. */
int autorules_change(struct store *st, cJSON *rec, enum autorules_change how);

/* Which rule would answer rec's "body" at now. rec gets that rule's fields;
 * when none would, those of the first rule whose trigger matches with the
 * "reason" it would not, or only a "reason" when no trigger matches. Then
 * "would_fire", and "passed_over": the matching rules tried before the answer
 * (all of them when none answers), each with its id, trigger and reason. */
/* The thread's state is rec's "state" when given, else that of the thread
 * with rec's "from" (store_thread_state), window SMS_FLOW_WINDOW in seconds;
 * rec gets "state" (the one used). */
int autorules_test(struct store *st, cJSON *rec, time_t now, long long window);

#endif
