/* phone — phone numbers: E.164 normalisation, possible-length validation and the region of
 * a number. A port of libphonenumber's PhoneNumberUtil.parse() and isPossibleNumber()
 * (JavaScript edition) over the metadata tables generated into phone_data.c. */
#define PHONE_DATA_INTERNAL
#include "phone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "phone_regex.h"
#include "utf8.h"
#include "util.h"

/* libphonenumber is defined by its regular expressions, run the way JavaScript runs them:
 * phone_regex.c; strings here are UTF-16, as JavaScript's are. */
typedef uint16_t u16;

/* JavaScript strings in parse() are at most 250 units; a tel: URI can double that. */
#define USTR_MAX 600

struct ustr {
	int n;
	u16 s[USTR_MAX];
};

/* libphonenumber's matchesEntirely(): the whole string, case-insensitively. */
static int matches_entirely(const char *pattern, const u16 *s, int len)
{
	return phone_re_run("^(?:", pattern, ")$", 1, s, len, 1, NULL, 0, NULL);
}

/* ---------------------------------------------------------------- libphonenumber's patterns */

#define DIGITS "0-9\uff10-\uff19\u0660-\u0669\u06f0-\u06f9"
#define PLUS_CHARS "+\uff0b"
#define PUNCT "-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \u00a0\u00ad\u200b\u2060\u3000()" \
	"\uff08\uff09\uff3b\uff3d.\\[\\]/~\u2053\u223c\uff5e"
#define ALPHA "A-Za-z"
#define VALID_PHONE_NUMBER "[" PLUS_CHARS "]*(?:[" PUNCT "*]*[" DIGITS "]){3,}[" PUNCT "*" ALPHA \
	DIGITS "]*"
#define EXTN_DIGITS(n) "([" DIGITS "]{1," n "})"
#define EXTN ";ext=" EXTN_DIGITS("20") \
	"|[ \u00a0\\t,]*(?:e?xt(?:ensi(?:o\u0301?|\u00f3))?n?|\uff45?\uff58\uff54\uff4e?|" \
	"\u0434\u043e\u0431|anexo)[:\\.\uff0e]?[ \u00a0\\t,-]*" EXTN_DIGITS("20") "#?" \
	"|[ \u00a0\\t,]*(?:[x\uff58#\uff03~\uff5e]|int|\uff49\uff4e\uff54)[:\\.\uff0e]?" \
	"[ \u00a0\\t,-]*" EXTN_DIGITS("9") "#?" \
	"|[- ]+" EXTN_DIGITS("6") "#" \
	"|[ \u00a0\\t]*(?:,{2}|;)[:\\.\uff0e]?[ \u00a0\\t,-]*" EXTN_DIGITS("15") "#?" \
	"|[ \u00a0\\t]*(?:,)+[:\\.\uff0e]?[ \u00a0\\t,-]*" EXTN_DIGITS("9") "#?"

static const char valid_phone_number_pattern[] =
	"^[" DIGITS "]{2}$|^" VALID_PHONE_NUMBER "(?:" EXTN ")?$";
static const char extn_pattern[] = "(?:" EXTN ")$";

#define ALPHANUM ALPHA DIGITS
static const char rfc3966_global_number_digits[] =
	"^\\+([" DIGITS "]|[\\-\\.\\(\\)]?)*[" DIGITS "]([" DIGITS "]|[\\-\\.\\(\\)]?)*$";
static const char rfc3966_domainname[] =
	"^([" ALPHANUM "]+((\\-)*[" ALPHANUM "])*\\.)*[" ALPHA "]+((\\-)*[" ALPHANUM "])*\\.?$";

#define MIN_LENGTH_FOR_NSN 2
#define MAX_LENGTH_FOR_NSN 17
#define MAX_INPUT_STRING_LENGTH 250

/* ---------------------------------------------------------------- UTF-16 strings */

static int digit_value(u16 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 0xff10 && c <= 0xff19)
		return c - 0xff10;
	if (c >= 0x660 && c <= 0x669)
		return c - 0x660;
	if (c >= 0x6f0 && c <= 0x6f9)
		return c - 0x6f0;
	return -1;
}

static int is_plus(u16 c)
{
	return c == '+' || c == 0xff0b;
}

static int is_ascii_alpha(u16 c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The keypad digit of a letter as String.prototype.toUpperCase() and ALPHA_MAPPINGS give it
 * (U+0131 dotless i upper-cases to I, U+017F long s to S), or -1. */
static int keypad_digit(u16 c)
{
	static const char keys[] = "22233344455566677778889999";
	if (c >= 'a' && c <= 'z')
		c = (u16)(c - 32);
	else if (c == 0x131)
		c = 'I';
	else if (c == 0x17f)
		c = 'S';
	if (c >= 'A' && c <= 'Z')
		return keys[c - 'A'] - '0';
	return -1;
}

static void ustr_set(struct ustr *d, const u16 *s, int n)
{
	if (n > USTR_MAX)
		n = USTR_MAX;
	if (n < 0)
		n = 0;
	memmove(d->s, s, (size_t)n * sizeof *s);
	d->n = n;
}

static void ustr_append(struct ustr *d, const u16 *s, int n)
{
	if (n > USTR_MAX - d->n)
		n = USTR_MAX - d->n;
	if (n > 0) {
		memmove(d->s + d->n, s, (size_t)n * sizeof *s);
		d->n += n;
	}
}

static void ustr_append_ascii(struct ustr *d, const char *a)
{
	for (; *a && d->n < USTR_MAX; a++)
		d->s[d->n++] = (u16)(unsigned char)*a;
}

static int ustr_index(const u16 *s, int n, const char *needle, int from)
{
	int k = (int)strlen(needle);
	for (int i = from; i + k <= n; i++) {
		int j = 0;
		while (j < k && s[i + j] == (u16)(unsigned char)needle[j])
			j++;
		if (j == k)
			return i;
	}
	return -1;
}

static int ustr_startswith_ascii(const struct ustr *s, const char *a)
{
	int k = (int)strlen(a);
	if (s->n < k)
		return 0;
	for (int i = 0; i < k; i++)
		if (s->s[i] != (u16)(unsigned char)a[i])
			return 0;
	return 1;
}

/* ASCII digits only (the state of every number after normalisation) into a C string. */
static void ustr_to_ascii(const struct ustr *s, char *out, size_t outsz)
{
	size_t k = 0;
	for (int i = 0; i < s->n && k + 1 < outsz; i++)
		out[k++] = (char)s->s[i];
	out[k] = '\0';
}

/* ---------------------------------------------------------------- tables */

static const struct phone_meta *meta_by_id(const char *id)
{
	size_t lo = 0, hi = phone_nmetas;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(id, phone_metas[mid].id);
		if (c == 0)
			return &phone_metas[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct phone_cc *cc_lookup(int cc)
{
	size_t lo = 0, hi = phone_nccs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (phone_ccs[mid].cc == cc)
			return &phone_ccs[mid];
		if (phone_ccs[mid].cc > cc)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* getMetadataForRegion(): the region upper-cased (ASCII), numeric ids of non-geographic
 * entities included. *valid says whether isValidRegionCode_() holds (a region, not a code). */
static const struct phone_meta *region_meta(const char *region, int *valid)
{
	char id[4];
	size_t n = region ? strlen(region) : 0;
	*valid = 0;
	if (n == 0 || n > 3)
		return NULL;
	int numeric = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)region[i];
		id[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
		if (c < '0' || c > '9')
			numeric = 0;
	}
	id[n] = '\0';
	const struct phone_meta *m = meta_by_id(id);
	*valid = m && !numeric;
	return m;
}

/* ValidationResult of testNumberLength_() with type UNKNOWN. */
enum { IS_POSSIBLE, IS_POSSIBLE_LOCAL_ONLY, TOO_SHORT, TOO_LONG, INVALID_LENGTH };

static int test_number_length(int len, const struct phone_meta *m)
{
	uint32_t lengths = m->lengths;
	if (lengths == 0)
		return INVALID_LENGTH;
	if (len < 32 && (m->local >> len & 1))
		return IS_POSSIBLE_LOCAL_ONLY;
	int min = 0, max = 31;
	while (!(lengths >> min & 1))
		min++;
	while (!(lengths >> max & 1))
		max--;
	if (len == min)
		return IS_POSSIBLE;
	if (len < min)
		return TOO_SHORT;
	if (len > max)
		return TOO_LONG;
	return (lengths >> len & 1) ? IS_POSSIBLE : INVALID_LENGTH;
}

/* ---------------------------------------------------------------- parse() */

enum parse_error {
	E_NONE,
	E_EMPTY,
	E_INPUT_TOO_LONG,
	E_BAD_CONTEXT,
	E_NOT_A_NUMBER,
	E_NO_DIGITS,
	E_NO_REGION,
	E_INVALID_COUNTRY_CODE,
	E_TOO_SHORT_AFTER_IDD,
	E_TOO_SHORT_NSN,
	E_TOO_LONG,
};

static const char *const parse_reasons[] = {
	[E_NONE] = NULL,
	[E_EMPTY] = "empty: no phone number given",
	[E_INPUT_TOO_LONG] = "longer than 250 characters: not a phone number",
	[E_BAD_CONTEXT] = "not a phone number: the tel: URI has a malformed phone-context",
	[E_NOT_A_NUMBER] = "not a phone number: too few digits, or characters that do not belong "
	                   "in one",
	[E_NO_DIGITS] = "not a phone number: it has no digits",
	[E_NO_REGION] = "no country code: write the number with + and its country code, or set a "
	                "default region (an ISO code such as US or GB)",
	[E_INVALID_COUNTRY_CODE] = "unknown country calling code after the + or the international "
	                           "prefix",
	[E_TOO_SHORT_AFTER_IDD] = "too short: too few digits after the international prefix",
	[E_TOO_SHORT_NSN] = "too short to be a phone number",
	[E_TOO_LONG] = "too long to be a phone number (more than 17 digits after the country code)",
};

/* extractPossibleNumber(): from the first digit or plus sign, without trailing characters
 * that cannot end a number, and cut before a second number ("/ x"). */
static void extract_possible_number(const struct ustr *in, struct ustr *out)
{
	int start = 0;
	while (start < in->n && !is_plus(in->s[start]) && digit_value(in->s[start]) < 0)
		start++;
	if (start == in->n) {
		out->n = 0;
		return;
	}
	int end = in->n;
	while (end > start) {
		u16 c = in->s[end - 1];
		if (digit_value(c) >= 0 || is_ascii_alpha(c) || c == '#')
			break;
		end--;
	}
	for (int i = start; i < end; i++) {
		if (in->s[i] != '\\' && in->s[i] != '/')
			continue;
		int j = i + 1;
		while (j < end && in->s[j] == ' ')
			j++;
		if (j < end && in->s[j] == 'x') {
			end = i;
			break;
		}
	}
	ustr_set(out, in->s + start, end - start);
}

/* buildNationalNumberForParsing_(): RFC 3966 phone-context handling, else the above. */
static enum parse_error build_national_number(const struct ustr *a, struct ustr *b)
{
	b->n = 0;
	int ctx = ustr_index(a->s, a->n, ";phone-context=", 0);
	if (ctx >= 0) {
		int cstart = ctx + 15, cend = a->n;
		if (cstart >= a->n)
			return E_BAD_CONTEXT;
		int semi = ustr_index(a->s, a->n, ";", cstart);
		if (semi >= 0)
			cend = semi;
		const u16 *c = a->s + cstart;
		int clen = cend - cstart;
		if (clen == 0)
			return E_BAD_CONTEXT;
		if (!phone_re_run("", rfc3966_global_number_digits, "", 0, c, clen, 1, NULL, 0, NULL) &&
		    !phone_re_run("", rfc3966_domainname, "", 0, c, clen, 1, NULL, 0, NULL))
			return E_BAD_CONTEXT;
		if (c[0] == '+')
			ustr_append(b, c, clen);
		int t = ustr_index(a->s, a->n, "tel:", 0);
		int from = t >= 0 ? t + 4 : 0, to = ctx;
		if (from > to) { /* String.prototype.substring swaps its arguments */
			int x = from;
			from = to;
			to = x;
		}
		ustr_append(b, a->s + from, to - from);
	} else {
		extract_possible_number(a, b);
	}
	int isub = ustr_index(b->s, b->n, ";isub=", 0);
	if (isub > 0)
		b->n = isub;
	return E_NONE;
}

static int is_viable_phone_number(const u16 *s, int n)
{
	if (n < MIN_LENGTH_FOR_NSN)
		return 0;
	return matches_entirely(valid_phone_number_pattern, s, n);
}

/* maybeStripExtension(): drops a trailing extension when what precedes it is viable;
 * 1 when it did. */
static int strip_extension(struct ustr *num)
{
	int g[2 * 8];
	int ng = 0;
	if (!phone_re_run("", extn_pattern, "", 1, num->s, num->n, 0, g, 8, &ng))
		return 0;
	int start = g[0];
	if (!is_viable_phone_number(num->s, start))
		return 0;
	for (int i = 1; i < ng; i++)
		if (g[2 * i] >= 0 && g[2 * i + 1] > g[2 * i]) {
			num->n = start;
			return 1;
		}
	return 0;
}

/* normalize(): letters to keypad digits when there are three or more (VALID_ALPHA_PHONE),
 * all kinds of digits to ASCII, everything else dropped. */
static void normalize(struct ustr *s)
{
	int letters = 0, terminator = 0;
	for (int i = 0; i < s->n; i++) {
		letters += is_ascii_alpha(s->s[i]);
		terminator |= phone_re_line_terminator(s->s[i]);
	}
	int alpha = letters >= 3 && !terminator;
	int k = 0;
	for (int i = 0; i < s->n; i++) {
		int d = digit_value(s->s[i]);
		if (d < 0 && alpha)
			d = keypad_digit(s->s[i]);
		if (d >= 0)
			s->s[k++] = (u16)('0' + d);
	}
	s->n = k;
}

static void strip_leading_plus(struct ustr *s)
{
	int i = 0;
	while (i < s->n && is_plus(s->s[i]))
		i++;
	ustr_set(s, s->s + i, s->n - i);
}

enum cc_source { FROM_DEFAULT_COUNTRY, FROM_NUMBER_WITH_PLUS_SIGN, FROM_NUMBER_WITH_IDD };

/* maybeStripInternationalPrefixAndNormalize() */
static enum cc_source strip_idd_and_normalize(struct ustr *a, const char *idd)
{
	if (a->n == 0)
		return FROM_DEFAULT_COUNTRY;
	if (is_plus(a->s[0])) {
		strip_leading_plus(a);
		normalize(a);
		return FROM_NUMBER_WITH_PLUS_SIGN;
	}
	normalize(a);
	/* parsePrefixAsIdd_(): a match at the start, not followed by a 0. */
	int g[2 * 8];
	if (!idd || !phone_re_run("", idd, "", 0, a->s, a->n, 1, g, 8, NULL))
		return FROM_DEFAULT_COUNTRY;
	int len = g[1];
	if (len < a->n && a->s[len] == '0')
		return FROM_DEFAULT_COUNTRY;
	ustr_set(a, a->s + len, a->n - len);
	return FROM_NUMBER_WITH_IDD;
}

/* maybeStripNationalPrefixAndCarrierCode(): 1 when a prefix was stripped from a. */
static int strip_national_prefix(struct ustr *a, const struct phone_meta *m)
{
	if (a->n == 0 || !m->npp || !*m->npp)
		return 0;
	struct phone_re tmp;
	int rc;
	const struct phone_re *re = phone_re_get("^(?:", m->npp, ")", 0, &tmp, &rc);
	if (rc < 0) {
		phone_re_done(re, &tmp);
		return 0;
	}
	int g_local[32];
	int *g = 2 * re->ngroups <= 32 ? g_local : xmalloc(2 * (size_t)re->ngroups * sizeof *g);
	int matched = phone_re_exec(re, a->s, a->n, 1, g);
	int last = re->ngroups - 1;
	int changed = 0;
	if (matched) {
		int viable = matches_entirely(m->general, a->s, a->n);
		int mlen = g[1];
		struct ustr dbuf, *d = &dbuf;
		if (!m->npt || !*m->npt || g[2 * last] < 0 || g[2 * last + 1] <= g[2 * last]) {
			ustr_set(d, a->s + mlen, a->n - mlen);
		} else {
			/* String.prototype.replace() with $n substitutions, first match only. */
			d->n = 0;
			for (const char *r = m->npt; *r; r++) {
				if (r[0] == '$' && r[1] >= '1' && r[1] <= '9' && r[1] - '0' < re->ngroups) {
					int k = r[1] - '0';
					if (g[2 * k] >= 0)
						ustr_append(d, a->s + g[2 * k], g[2 * k + 1] - g[2 * k]);
					r++;
				} else if (r[0] == '$' && r[1] == '$') {
					ustr_append_ascii(d, "$");
					r++;
				} else {
					u16 c = (u16)(unsigned char)*r;
					ustr_append(d, &c, 1);
				}
			}
			ustr_append(d, a->s + mlen, a->n - mlen);
		}
		if (!viable || matches_entirely(m->general, d->s, d->n)) {
			ustr_set(a, d->s, d->n);
			changed = 1;
		}
	}
	if (g != g_local)
		free(g);
	phone_re_done(re, &tmp);
	return changed;
}

/* extractCountryCode(): the 1- to 3-digit calling code at the start of a normalised
 * number, moved out of it; 0 if none. */
static int extract_country_code(const struct ustr *a, struct ustr *national)
{
	if (a->n == 0 || a->s[0] == '0')
		return 0;
	int cc = 0;
	for (int i = 1; i <= 3 && i <= a->n; i++) {
		cc = cc * 10 + (a->s[i - 1] - '0');
		if (cc_lookup(cc)) {
			ustr_set(national, a->s + i, a->n - i);
			return cc;
		}
	}
	return 0;
}

/* maybeExtractCountryCode(): returns the calling code found in number (putting the rest in
 * national), or 0 when the default region's applies; *err on failure. */
static int maybe_extract_country_code(const struct ustr *number, const struct phone_meta *dm,
                                      struct ustr *national, enum parse_error *err)
{
	if (number->n == 0)
		return 0;
	struct ustr abuf, *a = &abuf;
	ustr_set(a, number->s, number->n);
	int cc = 0;
	enum cc_source src = strip_idd_and_normalize(a, dm ? dm->idd : NULL);
	if (src != FROM_DEFAULT_COUNTRY) {
		if (a->n <= MIN_LENGTH_FOR_NSN)
			*err = E_TOO_SHORT_AFTER_IDD;
		else if (!(cc = extract_country_code(a, national)))
			*err = E_INVALID_COUNTRY_CODE;
		return cc;
	}
	if (dm) {
		char ccs[8];
		snprintf(ccs, sizeof ccs, "%u", (unsigned)dm->cc);
		if (ustr_startswith_ascii(a, ccs)) {
			int k = (int)strlen(ccs);
			struct ustr gbuf, *g = &gbuf;
			ustr_set(g, a->s + k, a->n - k);
			strip_national_prefix(g, dm);
			if ((!matches_entirely(dm->general, a->s, a->n) &&
			     matches_entirely(dm->general, g->s, g->n)) ||
			    test_number_length(a->n, dm) == TOO_LONG) {
				ustr_set(national, g->s, g->n);
				cc = dm->cc;
			}
		}
	}
	return cc;
}

/* String(parseInt(d, 10)) as JavaScript gives it: libphonenumber keeps the national number
 * as a JS number, so beyond 2^53 it is rounded to the nearest double and printed as the
 * shortest decimal that reads back as that double. */
static void js_number_string(const char *d, char *out, size_t outsz)
{
	size_t n = strlen(d);
	while (n > 1 && *d == '0')
		d++, n--;
	if (n <= 15) {
		snprintf(out, outsz, "%s", d);
		return;
	}
	double v = strtod(d, NULL);
	char buf[64];
	for (int k = 1; k <= 17; k++) {
		snprintf(buf, sizeof buf, "%.*e", k - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	char mant[32];
	size_t m = 0;
	const char *p = buf;
	for (; *p && *p != 'e' && *p != 'E'; p++)
		if (*p >= '0' && *p <= '9' && m + 1 < sizeof mant)
			mant[m++] = *p;
	int exp = *p ? atoi(p + 1) : 0;
	size_t k = 0;
	for (size_t i = 0; i < m && k + 1 < outsz; i++)
		out[k++] = mant[i];
	for (int i = (int)m; i <= exp && k + 1 < outsz; i++)
		out[k++] = '0';
	out[k] = '\0';
}

/* The national significant number as getNationalSignificantNumber() prints it: the
 * "Italian" leading zeros, then the number. */
static void national_significant_number(const char *s, char *out, size_t outsz)
{
	size_t len = strlen(s), zeros = 0;
	if (len > 1 && s[0] == '0') {
		size_t c = 1;
		while (c < len - 1 && s[c] == '0')
			c++;
		zeros = c;
	}
	char num[24];
	js_number_string(s, num, sizeof num);
	size_t k = 0;
	for (size_t i = 0; i < zeros && k + 1 < outsz; i++)
		out[k++] = '0';
	for (const char *q = num; *q && k + 1 < outsz; q++)
		out[k++] = *q;
	out[k] = '\0';
}

struct parsed {
	int cc;
	char nsn[20]; /* at most 17 digits, 18 when rounding as JavaScript does adds one */
	int extension; /* an extension was dropped */
};

/* parseHelper_() */
static enum parse_error parse_number(const char *input, const char *region, struct parsed *p)
{
	struct ustr rawbuf, numbuf, nationalbuf, ebuf;
	struct ustr *raw = &rawbuf, *num = &numbuf, *national = &nationalbuf, *e = &ebuf;
	enum parse_error err = E_NONE;
	int valid_region;
	const struct phone_meta *m = region_meta(region, &valid_region);

	raw->n = phone_re_utf16(input, strlen(input), raw->s, MAX_INPUT_STRING_LENGTH);
	if (raw->n > MAX_INPUT_STRING_LENGTH) {
		err = E_INPUT_TOO_LONG;
		goto out;
	}
	if ((err = build_national_number(raw, num)) != E_NONE)
		goto out;
	if (!is_viable_phone_number(num->s, num->n)) {
		int digits = 0;
		for (int i = 0; i < raw->n; i++)
			digits += digit_value(raw->s[i]) >= 0;
		err = raw->n == 0 ? E_EMPTY : digits ? E_NOT_A_NUMBER : E_NO_DIGITS;
		goto out;
	}
	if (!valid_region && !is_plus(num->s[0])) {
		err = E_NO_REGION;
		goto out;
	}
	p->extension = strip_extension(num);

	national->n = 0;
	int cc = maybe_extract_country_code(num, m, national, &err);
	if (err == E_INVALID_COUNTRY_CODE && num->n > 0 && is_plus(num->s[0])) {
		/* "+00 44 ...": try again without the plus, as an IDD. */
		struct ustr hbuf, *h = &hbuf;
		ustr_set(h, num->s, num->n);
		strip_leading_plus(h);
		err = E_NONE;
		national->n = 0;
		cc = maybe_extract_country_code(h, m, national, &err);
		if (err == E_NONE && cc == 0)
			err = E_INVALID_COUNTRY_CODE;
	}
	if (err != E_NONE)
		goto out;
	if (cc != 0) {
		m = &phone_metas[cc_lookup(cc)->meta];
	} else {
		ustr_set(national, num->s, num->n);
		normalize(national);
		if (!m) { /* cannot happen: no plus needs a valid region */
			err = E_NO_REGION;
			goto out;
		}
		cc = m->cc;
	}
	if (national->n < MIN_LENGTH_FOR_NSN) {
		err = E_TOO_SHORT_NSN;
		goto out;
	}
	ustr_set(e, national->s, national->n);
	strip_national_prefix(e, m);
	int t = test_number_length(e->n, m);
	if (t != TOO_SHORT && t != IS_POSSIBLE_LOCAL_ONLY && t != INVALID_LENGTH)
		ustr_set(national, e->s, e->n);
	if (national->n < MIN_LENGTH_FOR_NSN) {
		err = E_TOO_SHORT_NSN;
		goto out;
	}
	if (national->n > MAX_LENGTH_FOR_NSN) {
		err = E_TOO_LONG;
		goto out;
	}
	char digits[MAX_LENGTH_FOR_NSN + 1];
	ustr_to_ascii(national, digits, sizeof digits);
	p->cc = cc;
	national_significant_number(digits, p->nsn, sizeof p->nsn);
out:
	return err;
}

/* ---------------------------------------------------------------- what a sender refuses */

/* A letter of the scripts a number's words come in: Latin (with its accents and the
 * combining ones), Greek, Cyrillic and fullwidth Latin, which covers every letter that
 * parse() reads as a keypad digit (A-Z, U+0131, U+017F) or as an extension (ext, anexo,
 * доб, ｘ). */
static int is_letter(uint32_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) || (c >= 0x300 && c <= 0x52f) ||
	       (c >= 0xff21 && c <= 0xff3a) || (c >= 0xff41 && c <= 0xff5a);
}

/* The first word of letters in input, past a leading tel: (RFC 3966's scheme, the only
 * word a number may carry): its offset, and its length in *n (0 when there is none). */
static size_t first_word(const char *input, size_t *n)
{
	const unsigned char *s = (const unsigned char *)input;
	size_t len = strlen(input), i = strspn(input, " \t");
	if (strncasecmp(input + i, "tel:", 4) == 0)
		i += 4;
	*n = 0;
	while (i < len) {
		size_t at = i;
		if (!is_letter(utf8_decode_lossy(s, len, &i)))
			continue;
		size_t end = i;
		while (end < len) {
			size_t next = end;
			if (!is_letter(utf8_decode_lossy(s, len, &next)))
				break;
			end = next;
		}
		*n = end - at;
		return at;
	}
	return 0;
}

/* Fills out->extra: an extension, or letters (a word, a vanity number), which parse()
 * drops or reads as keypad digits, so that "212-555 home" would text +1 212-555-4663. */
static void note_extra(const char *input, int extension, struct phone_result *out)
{
	size_t n, at = first_word(input, &n);
	if (extension) {
		snprintf(out->extra, sizeof out->extra, "%s",
		         "has an extension, which a text message cannot reach: give the number alone");
		return;
	}
	if (n == 0)
		return;
	size_t room = 24; /* enough to recognise the word; cut between characters */
	if (n > room) {
		n = room;
		while (n > 0 && utf8_is_cont((unsigned char)input[at + n]))
			n--;
	}
	snprintf(out->extra, sizeof out->extra,
	         "contains letters: %.*s (write the number in digits; letters are not read as "
	         "keypad digits)",
	         (int)n, input + at);
}

/* ---------------------------------------------------------------- API */

enum phone_verdict phone_parse(const char *input, const char *default_region,
                               struct phone_result *out)
{
	struct parsed p = {0};
	memset(out, 0, sizeof *out);
	if (!input) {
		out->verdict = PHONE_NOT_A_NUMBER;
		out->reason = parse_reasons[E_EMPTY];
		return out->verdict;
	}
	enum parse_error err = parse_number(input, default_region, &p);
	if (err != E_NONE) {
		out->verdict = PHONE_NOT_A_NUMBER;
		out->reason = parse_reasons[err];
		return out->verdict;
	}
	char ccs[8];
	size_t nc = (size_t)snprintf(ccs, sizeof ccs, "+%d", p.cc), nn = strlen(p.nsn);
	if (nc + nn >= sizeof out->e164) /* cannot happen: 4 + 18 < 24 */
		nn = sizeof out->e164 - 1 - nc;
	memcpy(out->e164, ccs, nc);
	memcpy(out->e164 + nc, p.nsn, nn);
	out->e164[nc + nn] = '\0';
	phone_region_of(out->e164, out->region);
	note_extra(input, p.extension, out);

	/* isPossibleNumber(): the lengths of the calling code's main region. */
	const struct phone_cc *c = cc_lookup(p.cc);
	switch (test_number_length((int)strlen(p.nsn), &phone_metas[c->meta])) {
	case IS_POSSIBLE:
	case IS_POSSIBLE_LOCAL_ONLY:
		out->verdict = PHONE_OK;
		break;
	case TOO_SHORT:
		out->verdict = PHONE_IMPOSSIBLE;
		out->reason = c->too_short;
		break;
	case TOO_LONG:
		out->verdict = PHONE_IMPOSSIBLE;
		out->reason = c->too_long;
		break;
	default:
		out->verdict = PHONE_IMPOSSIBLE;
		out->reason = c->bad_length;
		break;
	}
	return out->verdict;
}

/* The calling code and national number of "+<digits>"; NULL if it is not one. */
static const struct phone_cc *split_e164(const char *e164, const char **nsn)
{
	if (!e164 || e164[0] != '+')
		return NULL;
	size_t n = strlen(e164 + 1);
	if (n == 0 || strspn(e164 + 1, "0123456789") != n)
		return NULL;
	int cc = 0;
	for (int i = 1; i <= 3 && e164[i]; i++) {
		cc = cc * 10 + (e164[i] - '0');
		const struct phone_cc *c = cc_lookup(cc);
		if (c) {
			*nsn = e164 + 1 + i;
			return c;
		}
	}
	return NULL;
}

/* The exchange rule (no 0 or 1 after the area code) is deliberately not applied:
 * sms-config(5)'s own example, (555) 123-4567, breaks it, and a number the carrier
 * cannot route is refused by the provider (21211) at no cost. */
int phone_sendable(const struct phone_result *r, const char **reason)
{
	const char *why = NULL, *nsn = NULL;
	const struct phone_cc *c = NULL;
	if (!r)
		why = "no number";
	else if (r->verdict == PHONE_NOT_A_NUMBER)
		why = r->reason ? r->reason : "not a phone number";
	else if (r->extra[0])
		why = r->extra;
	else if (r->verdict != PHONE_OK)
		why = r->reason ? r->reason : "not a possible phone number";
	else if (!phone_e164_fits(r->e164))
		why = "longer than the 15 digits an E.164 number may have";
	else if (!(c = split_e164(r->e164, &nsn)))
		why = "not an E.164 number";
	else if (c->cc == 1 && strlen(nsn) != 10)
		why = "NANP (+1) numbers need 10 digits after the country code: a 3-digit area code and "
		      "a 7-digit number";
	else if (c->cc == 1 && (nsn[0] == '0' || nsn[0] == '1'))
		why = "not a valid NANP (+1) number: area codes cannot start with 0 or 1";
	else if (test_number_length((int)strlen(nsn), &phone_metas[c->meta]) == IS_POSSIBLE_LOCAL_ONLY)
		why = "a local number without its area code: it can only be dialled inside that area";
	if (reason)
		*reason = why;
	return why == NULL;
}

int phone_e164_fits(const char *e164)
{
	return e164 && strlen(e164) <= 16; /* "+" and 15 digits */
}

const char *phone_region_of(const char *e164, char buf[3])
{
	const char *nsn = NULL;
	const struct phone_cc *c = split_e164(e164, &nsn);
	buf[0] = '\0';
	if (!c || strcmp(c->regions, "001") == 0)
		return buf;
	memcpy(buf, c->regions, 2); /* the main region */
	buf[2] = '\0';
	if (c->cc == 1) {
		if (strlen(nsn) < 3)
			return buf;
		int npa = (nsn[0] - '0') * 100 + (nsn[1] - '0') * 10 + (nsn[2] - '0');
		size_t lo = 0, hi = phone_nnpas;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (phone_npas[mid].npa == npa) {
				memcpy(buf, phone_npas[mid].region, 3);
				break;
			}
			if (phone_npas[mid].npa > npa)
				hi = mid;
			else
				lo = mid + 1;
		}
		return buf;
	}
	/* Shared calling codes: the first region whose leading digits match. */
	u16 units[32];
	int n = 0;
	for (const char *p = nsn; *p && n < 32; p++)
		units[n++] = (u16)*p;
	for (size_t i = 0; i + 2 <= strlen(c->regions); i += 3) {
		char id[3] = {c->regions[i], c->regions[i + 1], '\0'};
		const struct phone_meta *m = meta_by_id(id);
		if (m && m->leading && phone_re_run("", m->leading, "", 0, units, n, 1, NULL, 0, NULL)) {
			memcpy(buf, id, 3);
			break;
		}
	}
	return buf;
}
