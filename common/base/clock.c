/* clock — UTC and local time, windows. See clock.h. */
#include "clock.h"
#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

long long clock_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

time_t clock_now(void)
{
	const char *t = getenv("SMS_TEST_NOW");
	time_t now;
	if (t && *t && clock_parse(t, &now) == 0)
		return now;
	return time(NULL);
}

/* 1 when path is a compiled zone file (it starts "TZif", tzfile(5)): the
 * zoneinfo directory also holds tables such as zone.tab, which glibc would
 * take for a zone it cannot read, and run in UTC. */
static int is_tzfile(const char *path)
{
	char magic[4];
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return 0;
	size_t n = fread(magic, 1, sizeof magic, fp);
	fclose(fp);
	return n == sizeof magic && memcmp(magic, "TZif", 4) == 0;
}

/* The start of a POSIX TZ string (tzset(3)): a name of three or more
 * letters, or one in <>, then an offset such as 5 or -3:30. glibc reads the
 * rest (the summer-time part) leniently, and so does this. */
static int is_posix_tz(const char *s)
{
	size_t n = 0;
	if (*s == '<') {
		const char *end = strchr(s, '>');
		if (!end || end - s - 1 < 3)
			return 0;
		for (const char *p = s + 1; p < end; p++)
			if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-')
				return 0;
		s = end + 1;
	} else {
		while (isalpha((unsigned char)s[n]))
			n++;
		if (n < 3)
			return 0;
		s += n;
	}
	if (*s == '+' || *s == '-')
		s++;
	return isdigit((unsigned char)*s);
}

/* 1 when glibc will find tz: a POSIX TZ string, or a zone file by absolute
 * path or by name under TZDIR (default /usr/share/zoneinfo). An unknown name
 * is not an error to glibc: it silently runs in UTC. */
static int zone_known(const char *tz, const char *dir)
{
	if (*tz == ':')
		tz++;
	if (strcmp(tz, "UTC") == 0 || strcmp(tz, "GMT") == 0)
		return 1; /* glibc's own fallback, with or without the file */
	if (*tz == '/')
		return is_tzfile(tz);
	if (!strstr(tz, "..")) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof path, "%s/%s", dir, tz) < (int)sizeof path && is_tzfile(path))
			return 1;
	}
	return is_posix_tz(tz);
}

int clock_use_zone(const struct sms_config *c, char *err, size_t errlen)
{
	const char *tz = config_get(c, "SMS_TZ");
	if (tz) {
		const char *dir = getenv("TZDIR");
		if (!dir || !*dir)
			dir = "/usr/share/zoneinfo";
		if (!zone_known(tz, dir)) {
			snprintf(err, errlen, "SMS_TZ=%s: no such time zone (no zone file of that name "
			         "in %s, and not a POSIX TZ string such as EST5EDT); quiet hours, active "
			         "hours and the spend caps' days would be counted in UTC. Write a name "
			         "such as America/New_York (tzselect(8) finds it)", tz, dir);
			return -1;
		}
		setenv("TZ", tz, 1);
	}
	tzset();
	return 0;
}

void clock_format(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int clock_parse(const char *s, time_t *out)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d))
		return -1;
	const char *p = s + 10;
	long offset = 0;
	if (*p) {
		if ((*p != 'T' && *p != 't' && *p != ' ') || digits(p + 1, 2, &h) || p[3] != ':' ||
		    digits(p + 4, 2, &mi))
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec))
				return -1;
			p += 3;
		}
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
				return -1;
			offset = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
			p += 6;
		} else {
			return -1;
		}
		if (*p)
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	/* timegm normalises 31 February into March: refuse it instead. */
	struct tm back;
	gmtime_r(&t, &back);
	if (back.tm_mday != d)
		return -1;
	*out = t - offset;
	return 0;
}

static int parse_hhmm(const char *s, const char **end, int *min)
{
	int h = 0, m = 0, n = 0;
	while (n < 2 && isdigit((unsigned char)s[n]))
		h = h * 10 + (s[n++] - '0');
	if (n == 0 || s[n] != ':' || !isdigit((unsigned char)s[n + 1]) ||
	    !isdigit((unsigned char)s[n + 2]))
		return -1;
	m = (s[n + 1] - '0') * 10 + (s[n + 2] - '0');
	if (h > 24 || m > 59 || (h == 24 && m))
		return -1;
	*min = h * 60 + m;
	*end = s + n + 3;
	return 0;
}

int clock_window_parse(const char *spec, struct clock_window *w, char *err, size_t errlen)
{
	memset(w, 0, sizeof *w);
	if (strcmp(spec, "off") == 0)
		return 0;
	const char *p;
	if (parse_hhmm(spec, &p, &w->start_min) || *p != '-' ||
	    parse_hhmm(p + 1, &p, &w->end_min) || *p || w->start_min == w->end_min) {
		snprintf(err, errlen, "`%s` is not a window: write HH:MM-HH:MM, e.g. 21:00-08:00, "
		                      "or off", spec);
		return -1;
	}
	w->enabled = 1;
	return 0;
}

int clock_window_inside(const struct clock_window *w, time_t t, time_t *end)
{
	if (!w->enabled)
		return 0;
	struct tm tm;
	localtime_r(&t, &tm);
	int now = tm.tm_hour * 60 + tm.tm_min;
	int inside = w->start_min < w->end_min ? now >= w->start_min && now < w->end_min
	                                       : now >= w->start_min || now < w->end_min;
	if (!inside)
		return 0;
	if (end) {
		/* The next local time at end_min: today, or tomorrow if already past. */
		struct tm e = tm;
		e.tm_hour = w->end_min / 60;
		e.tm_min = w->end_min % 60;
		e.tm_sec = 0;
		e.tm_isdst = -1;
		if (w->end_min <= now)
			e.tm_mday++;
		*end = mktime(&e);
	}
	return 1;
}

void clock_local_hhmm(time_t t, char buf[8])
{
	struct tm tm;
	localtime_r(&t, &tm);
	snprintf(buf, 8, "%02d:%02d", tm.tm_hour % 24, tm.tm_min % 60);
}

void clock_period_start(time_t now, int month, char *buf, size_t len)
{
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (month)
		tm.tm_mday = 1;
	tm.tm_isdst = -1;
	clock_format(mktime(&tm), buf, len);
}

void clock_local_display(const char *rfc3339, char *buf, size_t len)
{
	time_t t;
	struct tm tm;
	if (!rfc3339 || clock_parse(rfc3339, &t) != 0 || !localtime_r(&t, &tm)) {
		snprintf(buf, len, "%s", rfc3339 ? rfc3339 : "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

int clock_since(const char *s, char out[32])
{
	time_t now = clock_now(), t;
	char *end;
	long n = strtol(s, &end, 10);
	if (end != s && s[0] >= '0' && s[0] <= '9' && end[0] && !end[1] && n >= 0) {
		long unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600
		          : end[0] == 'd' ? 86400 : end[0] == 'w' ? 7 * 86400 : 0;
		if (!unit || n > 100L * 366 * 86400 / unit)
			return -1;
		clock_format(now - (time_t)(n * unit), out, 32);
		return 0;
	}
	if (strlen(s) == 10 && clock_parse(s, &t) == 0) {
		struct tm tm;
		gmtime_r(&t, &tm); /* the calendar date, taken as a local date */
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1)
			return -1;
		clock_format(t, out, 32);
		return 0;
	}
	if (clock_parse(s, &t) != 0)
		return -1;
	clock_format(t, out, 32);
	return 0;
}

/* The store's times (sms-config(5)): RFC 3339's date-time in full, which
 * clock_parse reads more loosely. Seconds are required, a fraction has a
 * digit, an offset is at most 23:59. A leap second, :60, is read as :59 of
 * its minute, so that 23:59:60 stays in its day; and the one time timegm
 * cannot tell from its error, 1969-12-31T23:59:59 before the offset, is
 * refused, as the store always has. */
int clock_parse_strict(const char *s, time_t *out)
{
	int sec, oh, om;
	if (strnlen(s, 19) < 19 || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return -1;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	long offset = 0;
	if (*p == '+' || *p == '-') {
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		offset = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
	}
	time_t t;
	int rc;
	if (sec == 60) {
		char *c = xstrdup(s);
		c[17] = '5';
		c[18] = '9';
		rc = clock_parse(c, &t);
		free(c);
	} else {
		rc = clock_parse(s, &t);
	}
	if (rc != 0 || t + offset == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

int clock_parse_lax(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec, n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return -1;
	const char *z = s + n;
	if (*z == '.')
		for (z++; isdigit((unsigned char)*z); z++)
			;
	long off = 0;
	if (*z == '+' || *z == '-') {
		int oh, om = 0;
		if (sscanf(z + 1, "%2d:%2d", &oh, &om) != 2 && sscanf(z + 1, "%2d%2d", &oh, &om) != 2)
			return -1;
		off = (oh * 3600L + om * 60L) * (*z == '-' ? -1 : 1);
	} else if (*z != 'Z' && *z != '\0') {
		return -1;
	}
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
	                .tm_min = mi, .tm_sec = sec};
	*out = timegm(&tm) - off;
	return 0;
}
