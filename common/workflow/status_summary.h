/* status_summary — sms-status --summary: one record counting outbound
 * messages by status, with the spend of today and this month against the
 * daily and monthly caps, and that record as text. The SQL is the store's. */
#ifndef SMSKIT_STATUS_SUMMARY_H
#define SMSKIT_STATUS_SUMMARY_H

#include <stdio.h>
#include <cjson/cJSON.h>

#include "price.h"
#include "records.h"
#include "store.h"

/* Emits {"counts": {STATUS: N, ...}, "spend": {"today", "month", "currency",
 * "daily_limit", "monthly_limit", "daily_remaining", "monthly_remaining",
 * "day_start", "month_start"}, "ok": true} to out; caps[0] and caps[1] are
 * the daily and monthly caps, -1 for none (null limits). 0, or 75 with a
 * warning when the store failed. */
int status_summary(struct store *st, const char *currency, const money_t caps[2],
                   struct rec_out *out);

/* -o text of that record: the non-zero counts and their total, then a line
 * per period: spent, of what cap, and what is left. arg is unused. */
void status_summary_text(FILE *fp, const cJSON *rec, void *arg);

#endif
