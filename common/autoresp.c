/* autoresp — autoresponder rules: keyword and /regex/ triggers, the
 * active-hours language ("9am-5pm Mon-Fri") and picking the rule that answers
 * a body now. See autoresp.h; the rules themselves live in the store. */
#include "autoresp.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ALL_DAYS 0x7fu

/* ---- Characters (ASCII only: no locale, UTF-8 bytes compare as they are) --- */

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

static unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Stripped from the end of the body's first word before it is compared. */
static int is_trailing_punct(unsigned char c) { return c && strchr(".,!?:;", c) != NULL; }

static const char *skip_space(const char *p)
{
	while (is_space((unsigned char)*p))
		p++;
	return p;
}

/* 1 when the n bytes at a equal the NUL-terminated b, ASCII case folded. */
static int same_word(const char *a, size_t n, const char *b)
{
	size_t i = 0;
	for (; i < n && b[i]; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return 0;
	return i == n && !b[i];
}

/* ---- Triggers ------------------------------------------------------------------ */

/* A "/regex/" or "/regex/i" trigger: the pattern (malloc'd) and its flags.
 * Returns 0 for one, 1 for a keyword, -1 for something that starts like a
 * regex but is not written as one. */
static int regex_form(const char *trigger, char **pattern, int *flags)
{
	if (trigger[0] != '/')
		return 1;
	size_t n = strlen(trigger);
	size_t body;
	*flags = REG_EXTENDED | REG_NOSUB;
	if (n >= 2 && trigger[n - 1] == '/') {
		body = n - 2;
	} else if (n >= 3 && trigger[n - 2] == '/' && trigger[n - 1] == 'i') {
		body = n - 3;
		*flags |= REG_ICASE;
	} else {
		return -1;
	}
	*pattern = xstrndup(trigger + 1, body);
	return 0;
}

static int compile(const char *trigger, regex_t *re, char *err, size_t errlen)
{
	char *pattern = NULL;
	int flags = 0;
	if (regex_form(trigger, &pattern, &flags) != 0) {
		snprintf(err, errlen, "`%s` is not a regex trigger: write /regex/ or /regex/i",
		         trigger);
		return -1;
	}
	if (!*pattern) {
		free(pattern);
		snprintf(err, errlen, "`%s`: the regex between the slashes is empty", trigger);
		return -1;
	}
	int rc = regcomp(re, pattern, flags);
	free(pattern);
	if (rc != 0) {
		char why[160];
		regerror(rc, re, why, sizeof why);
		snprintf(err, errlen, "`%s` does not compile as a POSIX extended regex: %s",
		         trigger, why);
		return -1;
	}
	return 0;
}

int autoresp_trigger_check(const char *trigger, char *err, size_t errlen)
{
	char dummy[8];
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (!trigger || !*trigger) {
		snprintf(err, errlen, "the trigger is empty: give a keyword such as HOURS, or /regex/");
		return -1;
	}
	if (trigger[0] == '/') {
		regex_t re;
		if (compile(trigger, &re, err, errlen) != 0)
			return -1;
		regfree(&re);
		return 0;
	}
	for (const char *p = trigger; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (is_space(c)) {
			snprintf(err, errlen, "the keyword `%s` holds a space: a keyword is one word, "
			                      "matched against the first word of a message "
			                      "(use /regex/ for more)", trigger);
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "the keyword holds a control character");
			return -1;
		}
	}
	if (is_trailing_punct((unsigned char)trigger[strlen(trigger) - 1])) {
		snprintf(err, errlen, "the keyword `%s` ends with punctuation, which is stripped "
		                      "from a message's first word before comparing: it could never "
		                      "match", trigger);
		return -1;
	}
	return 0;
}

static int keyword_matches(const char *keyword, const char *body)
{
	const char *w = skip_space(body);
	size_t n = 0;
	while (w[n] && !is_space((unsigned char)w[n]))
		n++;
	while (n > 0 && is_trailing_punct((unsigned char)w[n - 1]))
		n--;
	return n > 0 && same_word(w, n, keyword);
}

int autoresp_trigger_matches(const char *trigger, const char *body)
{
	if (!trigger || !*trigger)
		return 0;
	if (!body)
		body = "";
	char err[256];
	if (trigger[0] != '/')
		return autoresp_trigger_check(trigger, err, sizeof err) == 0 &&
		       keyword_matches(trigger, body);
	regex_t re;
	if (compile(trigger, &re, err, sizeof err) != 0)
		return 0;
	int hit = regexec(&re, body, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

/* ---- Active hours ---------------------------------------------------------------- */

static const char *const day_names[7][4] = {
	{"sun", "sunday", NULL, NULL},     {"mon", "monday", NULL, NULL},
	{"tue", "tuesday", "tues", NULL},  {"wed", "wednesday", NULL, NULL},
	{"thu", "thursday", "thur", "thurs"}, {"fri", "friday", NULL, NULL},
	{"sat", "saturday", NULL, NULL},
};

static const char day_hint[] = "Sun, Mon, Tue, Wed, Thu, Fri, Sat or their full names";

struct parser {
	const char *p;
	char       *err;
	size_t      errlen;
};

static int fail(struct parser *ps, const char *fmt, const char *tok, size_t n)
{
	char word[48];
	if (n >= sizeof word)
		n = sizeof word - 1;
	memcpy(word, tok, n);
	word[n] = '\0';
	snprintf(ps->err, ps->errlen, fmt, word);
	return -1;
}

/* The length of the token at p, for error messages: up to a space or ','. */
static size_t token_len(const char *p)
{
	size_t n = 0;
	while (p[n] && !is_space((unsigned char)p[n]) && p[n] != ',')
		n++;
	return n ? n : (*p ? 1 : 0);
}

/* A day name at ps->p: its number 0 (Sunday) .. 6. */
static int parse_day(struct parser *ps, int *day)
{
	const char *w = ps->p;
	size_t n = 0;
	while (is_alpha((unsigned char)w[n]))
		n++;
	for (int d = 0; d < 7 && n; d++)
		for (int k = 0; k < 4 && day_names[d][k]; k++)
			if (same_word(w, n, day_names[d][k])) {
				*day = d;
				ps->p = w + n;
				return 0;
			}
	if (!*w) {
		snprintf(ps->err, ps->errlen, "a day is missing at the end: write Mon-Fri, "
		                              "Sat-Sun or Mon,Wed,Fri");
		return -1;
	}
	char fmt[160];
	snprintf(fmt, sizeof fmt, "`%%s` is not a day: write %s", day_hint);
	return fail(ps, fmt, w, token_len(w));
}

/* A list of days and day ranges: "Mon-Fri", "Fri-Mon" (wrapping), "Mon,Wed,Fri",
 * "Mon, Wed-Fri"; also "weekdays", "weekends", "daily". */
static int parse_days(struct parser *ps, unsigned *days)
{
	static const struct { const char *word; unsigned days; } sets[] = {
		{"weekdays", 0x3eu}, {"weekends", 0x41u}, {"daily", ALL_DAYS}, {"everyday", ALL_DAYS},
	};
	*days = 0;
	for (;;) {
		const char *w = ps->p;
		size_t n = 0;
		while (is_alpha((unsigned char)w[n]))
			n++;
		int set = 0;
		for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
			if (same_word(w, n, sets[i].word)) {
				*days |= sets[i].days;
				ps->p = w + n;
				set = 1;
			}
		if (!set) {
			int from, to;
			if (parse_day(ps, &from) != 0)
				return -1;
			to = from;
			const char *q = skip_space(ps->p);
			if (*q == '-') {
				ps->p = skip_space(q + 1);
				if (parse_day(ps, &to) != 0)
					return -1;
			}
			for (int d = from;; d = (d + 1) % 7) {
				*days |= 1u << d;
				if (d == to)
					break;
			}
		}
		const char *q = skip_space(ps->p);
		if (*q != ',')
			return 0;
		ps->p = skip_space(q + 1);
	}
}

/* "9am", "9 am", "9:30am", "9:30 p.m.", "12am" (midnight), "12pm" (noon),
 * "09:00", "17:30", and "24:00" as an end. Minutes after midnight in *min. */
static int parse_time(struct parser *ps, int *min, int is_end)
{
	const char *t = ps->p, *p = t;
	int h = 0, m = 0, nd = 0, has_min = 0;
	while (is_digit((unsigned char)*p) && nd < 3)
		h = h * 10 + (*p++ - '0'), nd++;
	if (nd == 0 || nd > 2)
		return fail(ps, "`%s` is not a time: write 9am, 9:30am or 17:30", t, token_len(t));
	if (*p == ':') {
		if (!is_digit((unsigned char)p[1]) || !is_digit((unsigned char)p[2]) ||
		    is_digit((unsigned char)p[3]))
			return fail(ps, "`%s` is not a time: minutes are two digits, as in 9:30am or "
			            "17:30", t, token_len(t));
		m = (p[1] - '0') * 10 + (p[2] - '0');
		has_min = 1;
		p += 3;
		if (m > 59)
			return fail(ps, "`%s` is not a time: minutes go from 00 to 59", t, token_len(t));
	}
	/* am or pm, perhaps after a space, perhaps as a.m. or p.m. */
	const char *q = skip_space(p);
	int half = 0; /* 1 am, 2 pm */
	unsigned char c = fold((unsigned char)*q);
	if (c == 'a' || c == 'p') {
		const char *r = q + 1;
		if (*r == '.')
			r++;
		if (fold((unsigned char)*r) == 'm') {
			r++;
			if (*r == '.')
				r++;
			if (!is_alpha((unsigned char)*r)) {
				half = c == 'a' ? 1 : 2;
				p = r;
			}
		}
	}
	if (is_alpha((unsigned char)*p) || is_digit((unsigned char)*p))
		return fail(ps, "`%s` is not a time: write 9am, 9:30am or 17:30", t, token_len(t));
	if (half) {
		if (h < 1 || h > 12)
			return fail(ps, "`%s` is not a time: with am or pm the hour goes from 1 to 12",
			            t, (size_t)(p - t));
		h = h % 12 + (half == 2 ? 12 : 0);
	} else {
		if (!has_min)
			return fail(ps, "`%s` is ambiguous: add am or pm (9am, 5pm), or write 24-hour "
			            "time with minutes (09:00, 17:00)", t, (size_t)(p - t));
		if (h > 24 || (h == 24 && (m || !is_end)))
			return fail(ps, "`%s` is not a time: 24-hour time goes from 00:00 to 23:59 "
			            "(24:00 only as an end)", t, (size_t)(p - t));
	}
	*min = h * 60 + m;
	ps->p = p;
	return 0;
}

/* "9am-5pm", "9am - 5pm", "9am to 5pm", "22:00-06:00". */
static int parse_range(struct parser *ps, int *start, int *end)
{
	const char *t = ps->p;
	if (parse_time(ps, start, 0) != 0)
		return -1;
	const char *q = skip_space(ps->p);
	if (*q == '-')
		q++;
	else if (strncmp(q, "\xe2\x80\x93", 3) == 0) /* an en dash */
		q += 3;
	else if (fold((unsigned char)q[0]) == 't' && fold((unsigned char)q[1]) == 'o' &&
	         is_space((unsigned char)q[2]))
		q += 2;
	else
		return fail(ps, "`%s` is a time, not a window: give a start and an end, as in "
		            "9am-5pm", t, (size_t)(ps->p - t));
	ps->p = skip_space(q);
	if (!*ps->p)
		return fail(ps, "`%s` has no end time: write a window as 9am-5pm", t, strlen(t));
	if (parse_time(ps, end, 1) != 0)
		return -1;
	if (*start == *end)
		return fail(ps, "`%s` starts and ends at the same time: leave the times out for "
		            "all day", t, (size_t)(ps->p - t));
	return 0;
}

int autoresp_hours_parse(const char *spec, struct autoresp_hours *h, char *err, size_t errlen)
{
	char dummy[8];
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	memset(h, 0, sizeof *h);
	h->days = ALL_DAYS;
	struct parser ps = {spec ? skip_space(spec) : "", err, errlen};
	if (!*ps.p) {
		h->always = 1;
		return 0;
	}
	int have_time = 0, have_days = 0;
	while (*ps.p) {
		const char *part = ps.p;
		unsigned char c = (unsigned char)*part;
		if (is_digit(c)) {
			if (have_time)
				return fail(&ps, "`%s`: a rule has one time window; add another rule with "
				            "the same trigger for a second one", part, token_len(part));
			if (parse_range(&ps, &h->start_min, &h->end_min) != 0)
				return -1;
			have_time = 1;
		} else if (is_alpha(c)) {
			if (have_days)
				return fail(&ps, "`%s`: give the days once, as one list such as "
				            "Mon-Fri or Mon,Wed,Fri", part, token_len(part));
			if (parse_days(&ps, &h->days) != 0)
				return -1;
			have_days = 1;
		} else {
			return fail(&ps, "`%s` is neither a time window (9am-5pm, 09:00-17:30) nor "
			            "days (Mon-Fri, Sat,Sun)", part, token_len(part));
		}
		const char *q = skip_space(ps.p);
		if (*q && q == ps.p && (is_alpha((unsigned char)*q) || is_digit((unsigned char)*q)))
			return fail(&ps, "`%s`: put a space between the time window and the days",
			            ps.p, token_len(ps.p));
		if (*q && q == ps.p)
			return fail(&ps, "`%s` is neither a time window (9am-5pm, 09:00-17:30) nor "
			            "days (Mon-Fri, Sat,Sun)", ps.p, token_len(ps.p));
		ps.p = q;
	}
	return 0;
}

int autoresp_hours_inside(const struct autoresp_hours *h, time_t t)
{
	if (h->always)
		return 1;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return 0;
	int now = tm.tm_hour * 60 + tm.tm_min;
	int day = tm.tm_wday;
	if (h->start_min == h->end_min) {
		/* all day */
	} else if (h->start_min < h->end_min) {
		if (now < h->start_min || now >= h->end_min)
			return 0;
	} else if (now < h->end_min) {
		day = (day + 6) % 7; /* the small hours belong to the day the window started */
	} else if (now < h->start_min) {
		return 0;
	}
	return (h->days >> day) & 1u;
}

/* ---- Picking the rule that answers ------------------------------------------------- */

struct pick {
	const char *body;
	time_t      now;
	int64_t     id;
	char       *response;
};

static int pick_one(const struct store_auto *a, void *arg)
{
	struct pick *pk = arg;
	struct autoresp_hours h;
	if (!a->enabled || !autoresp_trigger_matches(a->trigger, pk->body) ||
	    autoresp_hours_parse(a->active_hours, &h, NULL, 0) != 0 ||
	    !autoresp_hours_inside(&h, pk->now))
		return 0;
	pk->id = a->id;
	pk->response = xstrdup(a->response ? a->response : "");
	return 1;
}

int autoresp_pick(struct store *s, const char *body, time_t now, int64_t *id, char **response)
{
	struct pick pk = {body ? body : "", now, 0, NULL};
	*id = 0;
	*response = NULL;
	if (store_auto_list(s, 1, pick_one, &pk) != STORE_OK) {
		free(pk.response);
		return STORE_ERR;
	}
	if (!pk.response)
		return 0;
	*id = pk.id;
	*response = pk.response;
	return 1;
}
