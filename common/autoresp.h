/* autoresp — autoresponder rules (sms-auto(1); sms-webhookd(1), Autoresponders):
 * checking a trigger ("HOURS", a keyword matched against the first word,
 * case-insensitive; or "/regex/", a POSIX extended regex through regcomp) and
 * an active-hours spec ("9am-5pm Mon-Fri", in SMS_TZ via clock.h), and picking
 * the first enabled rule that answers a body now. Owns no state. */
#ifndef SMSKIT_AUTORESP_H
#define SMSKIT_AUTORESP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "store.h"

/* 0 when trigger is usable, else -1 with a sentence in err (empty, a regex
 * that does not compile, a keyword with spaces...). */
int autoresp_trigger_check(const char *trigger, char *err, size_t errlen);

/* 1 when trigger matches body, 0 when not (also for a bad trigger). */
int autoresp_trigger_matches(const char *trigger, const char *body);

/* Active hours: "9am-5pm", "09:00-17:30", "9am-5pm Mon-Fri", "Sat-Sun",
 * "10pm-6am" (crossing midnight), "9am-5pm Mon,Wed,Fri"; NULL or "" means
 * always. Local time of the process's zone (clock_use_zone). */
struct autoresp_hours {
	int      always;
	int      start_min, end_min; /* minutes after local midnight; equal: all day */
	unsigned days;               /* bit 0 Sunday .. bit 6 Saturday */
};
int autoresp_hours_parse(const char *spec, struct autoresp_hours *h, char *err, size_t errlen);
/* 1 when t is inside (for a window crossing midnight, the day is the day it
 * started), else 0. */
int autoresp_hours_inside(const struct autoresp_hours *h, time_t t);

/* The first enabled rule, in id order, whose trigger matches body and whose
 * active hours contain now: returns 1 with *id and *response (malloc'd),
 * 0 when no rule answers, STORE_ERR (-1) on a store error. Rules whose
 * trigger or hours no longer parse are skipped. Does not count the trigger:
 * the caller calls store_auto_fired() in the same transaction as it stores
 * the message. */
int autoresp_pick(struct store *s, const char *body, time_t now, int64_t *id, char **response);

#endif
