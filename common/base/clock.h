/* clock — what time it is, in UTC and in the user's zone: RFC 3339 in and out,
 * quiet hours and day/time windows. SMS_TEST_NOW (RFC 3339) fixes "now" for the
 * test suite only; it is documented as such and no user should set it. */
#ifndef SMSKIT_CLOCK_H
#define SMSKIT_CLOCK_H

#include <stddef.h>
#include <time.h>

#include "config.h"

/* Microseconds of wall-clock time, never SMS_TEST_NOW: for paces and rates. */
long long clock_us(void);

/* SMS_TEST_NOW when set (tests), else the system clock. */
time_t clock_now(void);

/* Selects SMS_TZ (an Olson name such as America/New_York, or a POSIX TZ
 * string) for local times; without it the process's own zone. Call once at
 * start-up. -1 with a sentence in err when SMS_TZ names no zone this system
 * knows (glibc would run in UTC without a word): exit 78 then. */
int clock_use_zone(const struct sms_config *c, char *err, size_t errlen);

/* "2026-11-25T14:00:00Z"; buf of at least 21 bytes. */
void clock_format(time_t t, char *buf, size_t len);

/* RFC 3339 with any offset and optional fraction, or a bare date
 * "2026-11-24" (midnight UTC); -1 on anything else. */
int clock_parse(const char *s, time_t *out);

/* A daily window such as "21:00-08:00" (it may cross midnight), or "off". */
struct clock_window {
	int enabled;
	int start_min, end_min; /* minutes after local midnight */
};
int clock_window_parse(const char *spec, struct clock_window *w, char *err, size_t errlen);

/* 1 when t is inside the window (local time); then *end is the window's next
 * end. 0 when outside or disabled. */
int clock_window_inside(const struct clock_window *w, time_t t, time_t *end);

/* The start of the spend period holding now, as RFC 3339: local midnight
 * today, or local midnight on the first of the month when month. */
void clock_period_start(time_t now, int month, char *buf, size_t len);

/* "2026-11-24 09:30" in the local zone, from an RFC 3339 string (the string
 * itself, or "-", when it does not parse), for tables people read. */
void clock_local_display(const char *rfc3339, char *buf, size_t len);

/* Local "HH:MM" of t, for messages people read. */
void clock_local_hhmm(time_t t, char buf[8]);

/* --since as people write it: "30m", "2h", "2d", "1w" before now, a date
 * "2026-11-24" (local midnight), or RFC 3339; out gets RFC 3339 UTC.
 * -1 on anything else. */
int clock_since(const char *s, char out[32]);

/* RFC 3339 in full, as the store takes it: seconds required, an offset of at
 * most 23:59, a leap second read as :59; -1 on anything else. */
int clock_parse_strict(const char *s, time_t *out);

/* A provider's timestamp, read more loosely than clock_parse: the offset may
 * also be "+0000" (no colon) or absent (UTC), and out-of-range fields are
 * carried over as timegm(3) does (Vonage's Reports API). -1 on anything else. */
int clock_parse_lax(const char *s, time_t *out);

#endif
