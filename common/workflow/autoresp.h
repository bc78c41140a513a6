/* autoresp — autoresponder rules (sms-auto(1); sms-webhookd(1), Autoresponders):
 * checking a trigger ("HOURS", a keyword matched against the first word,
 * case-insensitive; or "/regex/", a POSIX extended regex matched in bounded
 * time and memory by rematch.h) and an active-hours spec ("9am-5pm Mon-Fri",
 * in SMS_TZ via clock.h), and picking the first enabled rule that answers a
 * body now. For sms-webhookd, a cache of the compiled rules, so that the
 * triggers are matched on the request's own thread and not on the writer's
 * (groupcommit.h), where a slow match would hold up every webhook. */
#ifndef SMSKIT_AUTORESP_H
#define SMSKIT_AUTORESP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "store.h"

/* autoresp_trigger_check's results besides 0. */
#define AUTORESP_INVALID (-1) /* empty, a keyword with spaces, a regex that does not compile */
#define AUTORESP_UNSAFE  (-2) /* a regex rematch.h refuses: back-references, nested
                               * quantifiers, counts over 100, too long, too complex */

/* 0 when trigger is usable, else AUTORESP_INVALID or AUTORESP_UNSAFE with a
 * sentence in err. The one check of sms-auto add, the dashboard and, through
 * sms-auto, MCP; rules already stored are checked again before use. */
int autoresp_trigger_check(const char *trigger, const char *match, char *err, size_t errlen);

/* 1 when trigger matches body, 0 when not (also for a bad trigger). match:
 * "word", "exact", "regex" or NULL (by the trigger's form, autoresp_match_of). */
int autoresp_trigger_matches(const char *trigger, const char *match, const char *body);

/* How a trigger matches (sms-auto(1), Matching): match when given, else by
 * its form: /regex/ a regex; a single character, a number or a range of
 * numbers ("A", "5", "1-5") the whole message; anything else the first word. */
enum { AUTORESP_WORD, AUTORESP_EXACT, AUTORESP_REGEX };
int autoresp_match_of(const char *trigger, const char *match);

/* "90s", "30m", "24h", "7d" or bare seconds: 0 with *secs, -1 when malformed. */
int autoresp_duration_parse(const char *s, long long *secs);

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

/* The enabled rules' triggers, compiled, shared by the threads of
 * sms-webhookd: matched on a request's own thread (autoresp_prematch), then
 * looked up on the writer's (autoresp_pick). */
struct autoresp_cache;
struct autoresp_cache *autoresp_cache_new(void);
void autoresp_cache_free(struct autoresp_cache *c);
/* (Re)reads the enabled rules from s and compiles them; logs each rule whose
 * trigger no longer passes autoresp_trigger_check (it is skipped), once.
 * STORE_OK or STORE_ERR. */
int autoresp_cache_load(struct autoresp_cache *c, struct store *s);

/* Which cached triggers match body, worked out on the calling thread. */
struct autoresp_verdicts;
struct autoresp_verdicts *autoresp_prematch(struct autoresp_cache *c, const char *body);
void autoresp_verdicts_free(struct autoresp_verdicts *v);

/* A thread's conversation state (sms-auto(1), Flows): its tag ("" none), how
 * long ago it was set, and SMS_FLOW_WINDOW in seconds. */
struct autoresp_thread {
	const char *state;
	long long   age, window;
};
/* 1 when the comma list after names state. */
int autoresp_in_state(const char *after, const char *state);
/* 0 when rule a may answer a thread th (it waits for no state, or th is in
 * one of its states inside its window); 1 when th is in none of its states;
 * 2 when th is, but the window has passed. */
int autoresp_waits(const struct store_auto *a, const struct autoresp_thread *th);

/* The rule that answers, from autoresp_pick. */
struct autoresp_answer {
	int64_t id;
	char   *response, *name; /* malloc'd; name NULL when the rule has none */
	int     ends, in_flow;   /* --end; the rule waited for the thread's state */
};
void autoresp_answer_free(struct autoresp_answer *a);

/* Rules that wait for the thread's state (th) come first: the first of
 * those that answers, else the first rule that waits for no state.
 * The first enabled rule, in id order, whose trigger matches body and whose
 * active hours contain now: returns 1 with *ans (free with autoresp_answer_free),
 * 0 when no rule answers, STORE_ERR (-1) on a store error. Rules whose
 * trigger or hours no longer parse are skipped. With c and v (v for this
 * body), the triggers are looked up in v; a rule v does not know (added since
 * the cache was read) is matched here, and c read again. Does not count the
 * trigger: the caller calls store_auto_fired() in the same transaction as it
 * stores the message. */
int autoresp_pick(struct store *s, const char *body, time_t now,
                  const struct autoresp_thread *th, struct autoresp_cache *c,
                  const struct autoresp_verdicts *v, struct autoresp_answer *ans);

#endif
