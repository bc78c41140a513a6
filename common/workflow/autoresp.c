/* autoresp — autoresponder rules: keyword and /regex/ triggers, the
 * active-hours language ("9am-5pm Mon-Fri") and picking the rule that answers
 * a body now. See autoresp.h; the rules themselves live in the store. */
#include "autoresp.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rematch.h"
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

/* A trigger ready to match: a keyword, or a compiled regex. */
struct trigger {
	const char     *keyword; /* the trigger itself, or NULL */
	struct rematch *re;
	int             exact;   /* keyword matches the whole message, not the first word */
	int             range;   /* an exact "1-5": a whole number from lo to hi */
	long            lo, hi;
};

int autoresp_match_of(const char *trigger, const char *match)
{
	if (match && strcmp(match, "word") == 0)
		return AUTORESP_WORD;
	if (match && strcmp(match, "exact") == 0)
		return AUTORESP_EXACT;
	if (match && strcmp(match, "regex") == 0)
		return AUTORESP_REGEX;
	if (!trigger || trigger[0] == '/')
		return AUTORESP_REGEX;
	/* A single character, a number or a range of numbers means the whole answer. */
	size_t n = strlen(trigger), d = strspn(trigger, "0123456789");
	if (n == 1 || d == n)
		return AUTORESP_EXACT;
	if (d && trigger[d] == '-' && d + 1 < n && strspn(trigger + d + 1, "0123456789") == n - d - 1)
		return AUTORESP_EXACT;
	return AUTORESP_WORD;
}

/* A "/regex/" or "/regex/i" trigger: where its pattern starts, its length and
 * whether case is ignored. Returns 0 for one, 1 for a keyword, -1 for
 * something that starts like a regex but is not written as one. */
static int regex_form(const char *trigger, size_t *len, int *icase)
{
	if (trigger[0] != '/')
		return 1;
	size_t n = strlen(trigger);
	*icase = 0;
	if (n >= 2 && trigger[n - 1] == '/') {
		*len = n - 2;
	} else if (n >= 3 && trigger[n - 2] == '/' && trigger[n - 1] == 'i') {
		*len = n - 3;
		*icase = 1;
	} else {
		return -1;
	}
	return 0;
}

static int keyword_check(const char *trigger, int exact, char *err, size_t errlen)
{
	if (exact && (is_space((unsigned char)trigger[0]) ||
	              is_space((unsigned char)trigger[strlen(trigger) - 1]))) {
		snprintf(err, errlen, "the exact trigger `%s` starts or ends with a space, which is "
		                      "trimmed from a message before comparing", trigger);
		return AUTORESP_INVALID;
	}
	for (const char *p = trigger; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (is_space(c) && !exact) {
			snprintf(err, errlen, "the keyword `%s` holds a space: a keyword is one word, "
			                      "matched against the first word of a message "
			                      "(use /regex/ for more)", trigger);
			return AUTORESP_INVALID;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "the keyword holds a control character");
			return AUTORESP_INVALID;
		}
	}
	char last = trigger[strlen(trigger) - 1];
	if (is_trailing_punct((unsigned char)last) || (exact && last == ')')) {
		snprintf(err, errlen, "the keyword `%s` ends with punctuation, which is stripped "
		                      "from a message%s before comparing: it could never match",
		         trigger, exact ? "" : "'s first word");
		return AUTORESP_INVALID;
	}
	return 0;
}

/* 0 with t ready (t->keyword points into trigger), or AUTORESP_INVALID or
 * AUTORESP_UNSAFE with a sentence in err. */
static int trigger_compile(const char *trigger, const char *match, struct trigger *t,
                           char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	if (!trigger || !*trigger) {
		snprintf(err, errlen, "the trigger is empty: give a keyword such as HOURS, or /regex/");
		return AUTORESP_INVALID;
	}
	int kind = autoresp_match_of(trigger, match);
	size_t len = 0;
	int icase = 0, form = regex_form(trigger, &len, &icase);
	if (form != 0 && kind == AUTORESP_REGEX) {
		snprintf(err, errlen, "`%s` is not a regex trigger: write /regex/ or /regex/i", trigger);
		return AUTORESP_INVALID;
	}
	if (form == 0 && kind != AUTORESP_REGEX) {
		snprintf(err, errlen, "`%s` is written as a /regex/: leave --match out, or give "
		                      "--match regex", trigger);
		return AUTORESP_INVALID;
	}
	if (form == 1 || (form < 0 && kind != AUTORESP_REGEX)) {
		int rc = keyword_check(trigger, kind == AUTORESP_EXACT, err, errlen);
		t->keyword = rc == 0 ? trigger : NULL;
		t->exact = kind == AUTORESP_EXACT;
		char *end;
		if (rc == 0 && t->exact && is_digit((unsigned char)trigger[0])) {
			t->lo = strtol(trigger, &end, 10);
			if (*end == '-' && is_digit((unsigned char)end[1])) {
				t->hi = strtol(end + 1, &end, 10);
				t->range = !*end && t->lo <= t->hi;
			}
		}
		return rc;
	}
	if (form < 0) {
		snprintf(err, errlen, "`%s` is not a regex trigger: write /regex/ or /regex/i", trigger);
		return AUTORESP_INVALID;
	}
	if (len == 0) {
		snprintf(err, errlen, "`%s`: the regex between the slashes is empty", trigger);
		return AUTORESP_INVALID;
	}
	char why[240];
	int rc = rematch_compile(trigger + 1, len, icase, &t->re, why, sizeof why);
	if (rc == REMATCH_OK)
		return 0;
	/* A long trigger is shown by its start: the sentence must still say why. */
	int shown = len > 60 ? 40 : (int)strlen(trigger);
	const char *more = len > 60 ? "..." : "";
	if (rc == REMATCH_SYNTAX) {
		snprintf(err, errlen, "`%.*s%s` does not compile as a POSIX extended regex: %s", shown,
		         trigger, more, why);
		return AUTORESP_INVALID;
	}
	snprintf(err, errlen, "`%.*s%s` is refused, so that matching it stays quick: %s", shown,
	         trigger, more, why);
	return AUTORESP_UNSAFE;
}

static void trigger_free(struct trigger *t)
{
	rematch_free(t->re);
	t->re = NULL;
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

/* The whole body, trimmed, trailing punctuation (and a closing parenthesis,
 * as in "A)") stripped, case ignored; a range takes a whole number in it. */
static int exact_matches(const struct trigger *t, const char *body)
{
	const char *w = skip_space(body);
	size_t n = strlen(w);
	while (n > 0 && (is_space((unsigned char)w[n - 1]) ||
	                 is_trailing_punct((unsigned char)w[n - 1]) || w[n - 1] == ')'))
		n--;
	if (!t->range)
		return n > 0 && same_word(w, n, t->keyword);
	if (n == 0 || n > 9)
		return 0;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)w[i]))
			return 0;
		v = v * 10 + (w[i] - '0');
	}
	return v >= t->lo && v <= t->hi;
}

static int trigger_match(const struct trigger *t, const char *body)
{
	if (t->re)
		return rematch_search(t->re, body);
	return t->exact ? exact_matches(t, body) : keyword_matches(t->keyword, body);
}

int autoresp_trigger_check(const char *trigger, const char *match, char *err, size_t errlen)
{
	char dummy[8];
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	struct trigger t;
	int rc = trigger_compile(trigger, match, &t, err, errlen);
	trigger_free(&t);
	return rc;
}

int autoresp_trigger_matches(const char *trigger, const char *match, const char *body)
{
	struct trigger t;
	char err[8];
	if (trigger_compile(trigger, match, &t, err, sizeof err) != 0)
		return 0;
	int hit = trigger_match(&t, body ? body : "");
	trigger_free(&t);
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

/* ---- The cache of compiled rules ---------------------------------------------------- */

struct rule {
	int64_t        id;
	char          *trigger;
	char          *match;
	struct trigger t;
	int            ok; /* compiled; else skipped */
};

/* The enabled rules as read once, in id order; read-only once published, freed
 * when the last holder lets go. */
struct snapshot {
	atomic_int   refs;
	size_t       n, cap;
	struct rule *rules;
};

/* The enabled rules as store_auto_list gave them (their own copies), kept
 * beside one connection while store_others_version() says that no other
 * connection has written since: the daemon's writer, the one connection
 * that picks answers, then reads no rule through SQL for a message. A rule
 * added, changed, enabled or removed by sms-auto, the dashboard or any
 * other program is another connection's write, and the next pick reads them
 * all again; so does anything else another connection writes, which costs
 * no more than reading them always did. */
struct rowcache {
	const struct store *st;      /* the connection they were read on */
	long long           version; /* its store_others_version() then */
	int                 valid;
	size_t              n, cap;
	struct store_auto  *rows;
};

struct autoresp_cache {
	pthread_mutex_t  mu;
	struct snapshot *cur; /* NULL until loaded */
	pthread_mutex_t  rows_mu; /* rows: one picker at a time */
	struct rowcache  rows;
};

struct autoresp_verdicts {
	struct snapshot *snap;
	char            *body;
	unsigned char   *hit; /* per rule of snap: 1 when its trigger matches body */
};

static void snapshot_release(struct snapshot *sn)
{
	if (!sn || atomic_fetch_sub(&sn->refs, 1) != 1)
		return;
	for (size_t i = 0; i < sn->n; i++) {
		free(sn->rules[i].trigger);
		free(sn->rules[i].match);
		trigger_free(&sn->rules[i].t);
	}
	free(sn->rules);
	free(sn);
}

/* The current snapshot, held: the caller releases it. */
static struct snapshot *snapshot_hold(struct autoresp_cache *c)
{
	pthread_mutex_lock(&c->mu);
	struct snapshot *sn = c->cur;
	if (sn)
		atomic_fetch_add(&sn->refs, 1);
	pthread_mutex_unlock(&c->mu);
	return sn;
}

/* Rule a in sn (same id, same trigger: ids of removed rules come back), or NULL. */
static const struct rule *snapshot_find(const struct snapshot *sn, const struct store_auto *a)
{
	size_t lo = 0, hi = sn ? sn->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sn->rules[mid].id < a->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == (sn ? sn->n : 0) || sn->rules[lo].id != a->id || !a->trigger ||
	    strcmp(sn->rules[lo].trigger, a->trigger) != 0)
		return NULL;
	if ((sn->rules[lo].match == NULL) != (a->match == NULL) ||
	    (a->match && strcmp(sn->rules[lo].match, a->match) != 0))
		return NULL;
	return &sn->rules[lo];
}

static void rows_clear(struct rowcache *rc)
{
	for (size_t i = 0; i < rc->n; i++) {
		struct store_auto *a = &rc->rows[i];
		free((char *)a->trigger);
		free((char *)a->response);
		free((char *)a->active_hours);
		free((char *)a->name);
		free((char *)a->after);
		free((char *)a->match);
	}
	free(rc->rows);
	memset(rc, 0, sizeof *rc);
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

/* store_auto_list's callback: a copy of what picking reads of a rule. */
static int rows_keep(const struct store_auto *a, void *arg)
{
	struct rowcache *rc = arg;
	if (rc->n == rc->cap) {
		rc->cap = rc->cap ? rc->cap * 2 : 16;
		rc->rows = xrealloc(rc->rows, rc->cap * sizeof *rc->rows);
	}
	rc->rows[rc->n++] = (struct store_auto){
		.id = a->id,
		.trigger = dup_or_null(a->trigger),
		.response = dup_or_null(a->response),
		.enabled = a->enabled,
		.active_hours = dup_or_null(a->active_hours),
		.name = dup_or_null(a->name),
		.after = dup_or_null(a->after),
		.within = a->within,
		.match = dup_or_null(a->match),
		.ends = a->ends,
	};
	return 0;
}

/* store_auto_list(s, 1, fn, arg) from the cache's copy when it is current on
 * s, else read again (and kept). */
static int rows_each(struct autoresp_cache *c, struct store *s,
                     int (*fn)(const struct store_auto *a, void *arg), void *arg)
{
	struct rowcache *rc = &c->rows;
	long long v;
	if (store_others_version(s, &v) != STORE_OK)
		return STORE_ERR;
	if (!rc->valid || rc->st != s || rc->version != v) {
		rows_clear(rc);
		if (store_auto_list(s, 1, rows_keep, rc) != STORE_OK) {
			rows_clear(rc);
			return STORE_ERR;
		}
		rc->st = s;
		rc->version = v;
		rc->valid = 1;
	}
	for (size_t i = 0; i < rc->n; i++)
		if (fn(&rc->rows[i], arg))
			break;
	return STORE_OK;
}

struct autoresp_cache *autoresp_cache_new(void)
{
	struct autoresp_cache *c = xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->rows_mu, NULL);
	return c;
}

void autoresp_cache_free(struct autoresp_cache *c)
{
	if (!c)
		return;
	snapshot_release(c->cur);
	rows_clear(&c->rows);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->rows_mu);
	free(c);
}

struct loading {
	struct snapshot       *sn;
	const struct snapshot *old;
};

static int load_one(const struct store_auto *a, void *arg)
{
	struct loading *l = arg;
	struct snapshot *sn = l->sn;
	if (sn->n == sn->cap) {
		sn->cap = sn->cap ? sn->cap * 2 : 16;
		sn->rules = xrealloc(sn->rules, sn->cap * sizeof *sn->rules);
	}
	struct rule *r = &sn->rules[sn->n++];
	char err[320];
	r->id = a->id;
	r->trigger = xstrdup(a->trigger ? a->trigger : "");
	r->match = a->match ? xstrdup(a->match) : NULL;
	r->ok = trigger_compile(r->trigger, r->match, &r->t, err, sizeof err) == 0;
	/* Said once: a rule skipped already in the snapshot before is not logged again. */
	const struct rule *was = snapshot_find(l->old, a);
	if (!r->ok && !(was && !was->ok))
		warnmsg("autoresponder %lld is skipped: %s (sms-auto rm %lld, then add it again "
		        "in a form that passes)", (long long)a->id, err, (long long)a->id);
	return 0;
}

int autoresp_cache_load(struct autoresp_cache *c, struct store *s)
{
	struct snapshot *old = snapshot_hold(c);
	struct loading l = {xcalloc(1, sizeof *l.sn), old};
	atomic_init(&l.sn->refs, 1);
	int rc = store_auto_list(s, 1, load_one, &l);
	if (rc == STORE_OK) {
		pthread_mutex_lock(&c->mu);
		struct snapshot *t = c->cur;
		c->cur = l.sn;
		l.sn = t; /* the cache's hold on the one it replaces, let go below */
		pthread_mutex_unlock(&c->mu);
	}
	snapshot_release(l.sn);
	snapshot_release(old);
	return rc;
}

struct autoresp_verdicts *autoresp_prematch(struct autoresp_cache *c, const char *body)
{
	struct snapshot *sn = c ? snapshot_hold(c) : NULL;
	if (!sn || sn->n == 0) { /* no rules: nothing to look up later */
		snapshot_release(sn);
		return NULL;
	}
	struct autoresp_verdicts *v = xcalloc(1, sizeof *v);
	v->snap = sn;
	v->body = xstrdup(body ? body : "");
	v->hit = xcalloc(sn->n + 1, 1);
	for (size_t i = 0; i < sn->n; i++)
		v->hit[i] = sn->rules[i].ok && trigger_match(&sn->rules[i].t, v->body);
	return v;
}

void autoresp_verdicts_free(struct autoresp_verdicts *v)
{
	if (!v)
		return;
	snapshot_release(v->snap);
	free(v->body);
	free(v->hit);
	free(v);
}

/* ---- Picking the rule that answers ------------------------------------------------- */

struct pick {
	const char                     *body;
	time_t                          now;
	const struct autoresp_thread   *th;
	const struct autoresp_verdicts *v;    /* for this body, or NULL */
	const struct snapshot          *sn;   /* the cache's rules, or NULL */
	int                             cached; /* a cache logs skipped rules when it loads */
	int                             stale; /* a rule the cache does not know */
	struct autoresp_answer          flow, global; /* the first of each that answers */
};

/* Whether a's trigger matches: known from the verdicts, else matched here with
 * the cache's compiled trigger, else compiled here (and the cache is stale). */
static int trigger_hit(struct pick *pk, const struct store_auto *a)
{
	const struct rule *r = pk->v ? snapshot_find(pk->v->snap, a) : NULL;
	if (r)
		return pk->v->hit[r - pk->v->snap->rules];
	if ((r = snapshot_find(pk->sn, a)) != NULL)
		return r->ok && trigger_match(&r->t, pk->body);
	struct trigger t;
	char err[320];
	int hit = 0;
	if (trigger_compile(a->trigger, a->match, &t, err, sizeof err) == 0)
		hit = trigger_match(&t, pk->body);
	else if (!pk->cached)
		warnmsg("autoresponder %lld is skipped: %s", (long long)a->id, err);
	trigger_free(&t);
	pk->stale = 1;
	return hit;
}

int autoresp_in_state(const char *after, const char *state)
{
	size_t n = state ? strlen(state) : 0;
	if (!after || !n)
		return 0;
	for (const char *p = after; *p;) {
		p = skip_space(p);
		size_t k = strcspn(p, ",");
		size_t m = k;
		while (m && is_space((unsigned char)p[m - 1]))
			m--;
		if (m == n && strncmp(p, state, n) == 0)
			return 1;
		p += k;
		if (*p == ',')
			p++;
	}
	return 0;
}

int autoresp_waits(const struct store_auto *a, const struct autoresp_thread *th)
{
	if (!a->after || !*a->after)
		return 0;
	if (!th || !th->state || !*th->state || !autoresp_in_state(a->after, th->state))
		return 1;
	long long window = a->within > 0 ? a->within : th->window;
	return th->age > window ? 2 : 0;
}

static int pick_one(const struct store_auto *a, void *arg)
{
	struct pick *pk = arg;
	struct autoresp_hours h;
	int flow = a->after && *a->after;
	if (!a->enabled || (flow ? pk->flow.id : pk->global.id) ||
	    autoresp_waits(a, pk->th) ||
	    autoresp_hours_parse(a->active_hours, &h, NULL, 0) != 0 ||
	    !autoresp_hours_inside(&h, pk->now) || !trigger_hit(pk, a))
		return 0;
	struct autoresp_answer *ans = flow ? &pk->flow : &pk->global;
	ans->id = a->id;
	ans->response = xstrdup(a->response ? a->response : "");
	ans->name = a->name ? xstrdup(a->name) : NULL;
	ans->ends = a->ends;
	ans->in_flow = flow;
	/* A rule for the thread's state comes before every global one; in no
	 * state, no rule waiting for one can come after: stop either way. */
	return flow || !pk->th || !pk->th->state || !*pk->th->state;
}

void autoresp_answer_free(struct autoresp_answer *a)
{
	free(a->response);
	free(a->name);
	memset(a, 0, sizeof *a);
}

int autoresp_pick(struct store *s, const char *body, time_t now,
                  const struct autoresp_thread *th, struct autoresp_cache *c,
                  const struct autoresp_verdicts *v, struct autoresp_answer *ans)
{
	struct pick pk = {.body = body ? body : "", .now = now, .th = th, .cached = c != NULL};
	/* Verdicts on another text (a Vonage message put together here) are no use. */
	pk.v = v && strcmp(v->body, pk.body) == 0 ? v : NULL;
	struct snapshot *sn = c ? snapshot_hold(c) : NULL;
	pk.sn = sn;
	memset(ans, 0, sizeof *ans);
	int rc;
	if (c) {
		pthread_mutex_lock(&c->rows_mu);
		rc = rows_each(c, s, pick_one, &pk);
		pthread_mutex_unlock(&c->rows_mu);
	} else {
		rc = store_auto_list(s, 1, pick_one, &pk);
	}
	snapshot_release(sn);
	/* A rule added or enabled since the cache was read: read it again, so that
	 * the next messages match it on their own threads. A failure leaves the old
	 * cache, and the next message tries again. */
	if (rc == STORE_OK && c && pk.stale)
		(void)autoresp_cache_load(c, s);
	if (rc != STORE_OK) {
		autoresp_answer_free(&pk.flow);
		autoresp_answer_free(&pk.global);
		return STORE_ERR;
	}
	if (pk.flow.id) {
		*ans = pk.flow;
		autoresp_answer_free(&pk.global);
	} else {
		*ans = pk.global;
	}
	return ans->id ? 1 : 0;
}

int autoresp_duration_parse(const char *s, long long *secs)
{
	if (!s || !is_digit((unsigned char)*s))
		return -1;
	long long n = 0;
	const char *p = s;
	while (is_digit((unsigned char)*p)) {
		if (n > 100000000)
			return -1;
		n = n * 10 + (*p++ - '0');
	}
	long long unit = 1;
	if (*p == 's')
		p++;
	else if (*p == 'm')
		unit = 60, p++;
	else if (*p == 'h')
		unit = 3600, p++;
	else if (*p == 'd')
		unit = 86400, p++;
	if (*p || n < 1)
		return -1;
	*secs = n * unit;
	return 0;
}
