/* records — NDJSON in and out (smskit(7), Records). See records.h. */
#include "records.h"
#include "utf8.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void rec_in_init(struct rec_in *r, FILE *fp)
{
	memset(r, 0, sizeof *r);
	r->fp = fp;
	/* Big batches arrive through pipes and files: read up to 1 MiB at a time (a read
	 * takes what a pipe holds, so records still come as they are written). glibc
	 * ignores setvbuf()'s size when given no buffer, so stdin, which lasts as long as
	 * the program, gets one of ours; other streams keep glibc's. */
	static char stdin_buf[1 << 20];
	if (!isatty(fileno(fp))) {
		if (fp == stdin)
			setvbuf(fp, stdin_buf, _IOFBF, sizeof stdin_buf);
		else
			setvbuf(fp, NULL, _IOFBF, 1 << 16);
	}
}

void rec_in_free(struct rec_in *r)
{
	free(r->line);
	r->line = NULL;
	r->cap = 0;
	free(r->scratch);
	r->scratch = NULL;
	r->scratch_cap = 0;
}

static cJSON *bad_record(size_t lineno, const char *code, const char *msg)
{
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddNumberToObject(rec, "line", (double)lineno);
	rec_fail(rec, code, 0, "%s", msg);
	return rec;
}

/* Byte-wise tests on 8 bytes at once (Sean Anderson's "Bit Twiddling Hacks"), exact as
 * yes/no answers: some byte < n (n <= 128), some byte equal to c. */
#define SWAR_ONES ((uint64_t)-1 / 255)
#define SWAR_HIGH (SWAR_ONES * 128)
#define SWAR_HASLESS(x, n) (((x) - SWAR_ONES * (n)) & ~(x) & SWAR_HIGH)
#define SWAR_HASZERO(x) SWAR_HASLESS(x, 1)
#define SWAR_HAS(x, c) SWAR_HASZERO((x) ^ (SWAR_ONES * (c)))
/* some byte that a JSON string escapes (or ends at): a control, '"' or '\\' */
#define SWAR_JSON_SPECIAL(x) (SWAR_HASLESS(x, 0x20) | SWAR_HAS(x, '"') | SWAR_HAS(x, '\\'))

/* 1 for the bytes a JSON string must escape: controls, quote, backslash. */
static const unsigned char json_escaped[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

/* How many bytes at s (n of them) are in a row ones that a JSON string holds as they
 * are: no control, '"' or '\\'. 16 bytes at a time with SSE2, else 8; the rest one by
 * one, which says what counts. */
static size_t json_plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
	              c1f = _mm_set1_epi8(0x1F);
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
		                         _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v)); /* v <= 0x1F */
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
#else
	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (SWAR_JSON_SPECIAL(w))
			break;
	}
#endif
	while (i < n && !json_escaped[s[i]])
		i++;
	return i;
}

/* Returns the offset of the first invalid UTF-8 sequence, or -1 when valid. */
long rec_utf8_invalid_at(const char *s, size_t n) { return utf8_invalid_at(s, n); }

/* A \u0000 escape parses as valid JSON but would silently cut a C string short.
 * Counts the backslashes before "u0000" so that "\\u0000" (text) is allowed. */
int rec_has_nul_escape(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	if (!memchr(s, '\\', n))
		return 0; /* the common case: no escapes at all */
	while ((p = memmem(p, (size_t)(end - p), "u0000", 5)) != NULL) {
		size_t bs = 0;
		for (const char *q = p - 1; q >= s && *q == '\\'; q--)
			bs++;
		if (bs % 2 == 1)
			return 1;
		p += 5;
	}
	return 0;
}

/* Reads the next non-blank line into r->line, NUL-terminated at *len. Returns 0 at end
 * of input; 1 with *bad set when the line holds a NUL byte or is not UTF-8; else 1. */
static int next_line(struct rec_in *r, size_t *len, cJSON **bad)
{
	for (;;) {
		ssize_t n = getline(&r->line, &r->cap, r->fp);
		if (n < 0)
			return 0;
		r->lineno++;
		size_t k = (size_t)n;
		while (k > 0 && (r->line[k - 1] == '\n' || r->line[k - 1] == '\r'))
			k--;
		size_t i = 0;
		while (i < k && (r->line[i] == ' ' || r->line[i] == '\t'))
			i++;
		if (i == k)
			continue; /* blank lines separate nothing; skip them */

		if (memchr(r->line, '\0', k)) {
			*bad = bad_record(r->lineno, "nul_byte", "input line holds a NUL byte");
			return 1;
		}
		long at = rec_utf8_invalid_at(r->line, k);
		if (at >= 0) {
			char msg[96];
			snprintf(msg, sizeof msg, "input is not valid UTF-8 (byte %ld)", at + 1);
			*bad = bad_record(r->lineno, "invalid_utf8", msg);
			return 1;
		}
		r->line[k] = '\0';
		*len = k;
		return 1;
	}
}

/* The rest of rec_next(): cJSON's reading of the line next_line() read. */
static void parse_line(struct rec_in *r, size_t len, cJSON **obj, cJSON **bad)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(r->line, len, &end, 0);
	/* Anything but whitespace after the value means the line is not one JSON value. */
	while (j && end && end < r->line + len && (*end == ' ' || *end == '\t'))
		end++;
	if (j && end && end < r->line + len) {
		cJSON_Delete(j);
		r->nbad_json++;
		*bad = bad_record(r->lineno, "bad_json", "input line is not one JSON value");
		return;
	}
	if (!j) {
		r->nbad_json++;
		*bad = bad_record(r->lineno, "bad_json", "input line is not JSON");
		return;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		r->nparsed++;
		*bad = bad_record(r->lineno, "bad_json", "input line is JSON but not an object");
		return;
	}
	r->nparsed++;
	if (rec_has_nul_escape(r->line, len)) {
		cJSON_Delete(j);
		*bad = bad_record(r->lineno, "nul_byte", "input holds a \\u0000 escape");
		return;
	}
	r->had_line = cJSON_GetObjectItemCaseSensitive(j, "line") != NULL;
	r->rawlen = len;
	rec_put_num(j, "line", (double)r->lineno);
	*obj = j;
}

int rec_next(struct rec_in *r, cJSON **obj, cJSON **bad)
{
	size_t len;
	*obj = *bad = NULL;
	if (!next_line(r, &len, bad))
		return 0;
	if (!*bad)
		parse_line(r, len, obj, bad);
	return 1;
}

/* ------------------------------------------------------------ plain lines */

/* rec_next_lazy() reads without cJSON the lines it can be sure cJSON parses, and parses
 * to the same object: a subset of strict JSON (RFC 8259) that stays clear of every
 * place where cJSON 1.7 departs from the RFC, or could depend on its version:
 *   - whitespace is ' ' and '\t' only (cJSON skips every byte <= 32, and a BOM);
 *   - strings hold no control characters (cJSON keeps them as they are) and only the
 *     escapes \" \\ \/ \b \f \n \r \t and \uXXXX with four hex digits, not \u0000
 *     (cJSON cuts the string there; rec_next() refuses it) and no lone surrogates;
 *   - numbers follow the RFC grammar, 40 characters at most (cJSON 1.7.15 reads 63);
 *   - nesting is 64 deep at most (cJSON's limit is 1000);
 *   - top-level keys hold no escapes: the key compared is the key as written.
 * Anything else is left to cJSON, whose verdict, error records included, stands. */

#define PLAIN_MAX_DEPTH  64
#define PLAIN_MAX_NUMBER 40


struct scan {
	const unsigned char *p, *end;
	int depth;
};

static inline void scan_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

/* The four hex digits at p (before end), or -1. */
static long hex4(const unsigned char *p, const unsigned char *end)
{
	if (end - p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_value(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Skips the plain string at s->p (its opening quote); 0 when it is not plain. *esc:
 * it holds escapes. */
static int scan_string(struct scan *s, int *esc)
{
	const unsigned char *p = s->p + 1, *end = s->end;
	*esc = 0;
	for (;;) {
		p += json_plain_run(p, (size_t)(end - p));
		if (p >= end || *p < 0x20)
			return 0;
		if (*p == '"') {
			s->p = p + 1;
			return 1;
		}
		*esc = 1;  /* a backslash */
		if (end - p < 2)
			return 0;
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u': {
			long v = hex4(p + 2, end);
			if (v <= 0 || (v >= 0xDC00 && v <= 0xDFFF))
				return 0;
			if (v >= 0xD800 && v <= 0xDBFF) {  /* a high surrogate: its low half must follow */
				if (end - p < 12 || p[6] != '\\' || p[7] != 'u')
					return 0;
				long lo = hex4(p + 8, end);
				if (lo < 0xDC00 || lo > 0xDFFF)
					return 0;
				p += 12;
			} else {
				p += 6;
			}
			break;
		}
		default:
			return 0;
		}
	}
}

static int scan_number(struct scan *s)
{
	const unsigned char *p = s->p, *end = s->end;
#define DIGIT(q) ((q) < end && *(q) >= '0' && *(q) <= '9')
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (DIGIT(p))
		while (DIGIT(p))
			p++;
	else
		return 0;
	if (p < end && *p == '.') {
		p++;
		if (!DIGIT(p))
			return 0;
		while (DIGIT(p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!DIGIT(p))
			return 0;
		while (DIGIT(p))
			p++;
	}
#undef DIGIT
	if (p - s->p > PLAIN_MAX_NUMBER)
		return 0;
	s->p = p;
	return 1;
}

static int scan_literal(struct scan *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return 0;
	s->p += n;
	return 1;
}

static int scan_value(struct scan *s, size_t *items);

/* An array or object at s->p; *items: the values it holds. */
static int scan_container(struct scan *s, size_t *items)
{
	unsigned char close = *s->p == '[' ? ']' : '}';
	int esc;
	*items = 0;
	if (++s->depth > PLAIN_MAX_DEPTH)
		return 0;
	s->p++;
	scan_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 1;
	}
	for (;;) {
		if (close == '}') {
			if (s->p >= s->end || *s->p != '"' || !scan_string(s, &esc))
				return 0;
			scan_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return 0;
			s->p++;
			scan_ws(s);
		}
		size_t sub;
		if (!scan_value(s, &sub))
			return 0;
		(*items)++;
		scan_ws(s);
		if (s->p >= s->end)
			return 0;
		if (*s->p == close) {
			s->p++;
			s->depth--;
			return 1;
		}
		if (*s->p != ',')
			return 0;
		s->p++;
		scan_ws(s);
	}
}

/* A value at s->p; *items as for scan_container(). Returns its cJSON type, 0 if not plain. */
static int scan_value(struct scan *s, size_t *items)
{
	int esc;
	*items = 0;
	if (s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '"': return scan_string(s, &esc) ? cJSON_String : 0;
	case '[': return scan_container(s, items) ? cJSON_Array : 0;
	case '{': return scan_container(s, items) ? cJSON_Object : 0;
	case 't': return scan_literal(s, "true", 4) ? cJSON_True : 0;
	case 'f': return scan_literal(s, "false", 5) ? cJSON_False : 0;
	case 'n': return scan_literal(s, "null", 4) ? cJSON_NULL : 0;
	default: return scan_number(s) ? cJSON_Number : 0;
	}
}

/* Writes the plain string s[0..n) (between its quotes) unescaped to dst as cJSON does,
 * and a NUL; returns its length. */
static size_t unescape(const unsigned char *s, size_t n, char *dst)
{
	char *o = dst;
	for (size_t i = 0; i < n;) {
		const unsigned char *bs = memchr(s + i, '\\', n - i);
		size_t run = bs ? (size_t)(bs - (s + i)) : n - i;
		memcpy(o, s + i, run);
		o += run;
		i += run;
		if (i == n)
			break;
		unsigned char c = s[i + 1];
		i += 2;
		switch (c) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			uint32_t cp = (uint32_t)hex4(s + i, s + n);
			i += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {  /* the scan saw its low half follow */
				cp = 0x10000 + (((cp & 0x3FF) << 10) | ((uint32_t)hex4(s + i + 2, s + n) & 0x3FF));
				i += 6;
			}
			o += utf8_encode(cp, o);
			break;
		}
		default: *o++ = (char)c; break;  /* " \ / */
		}
	}
	*o = '\0';
	return (size_t)(o - dst);
}

/* Where a wanted string field's text is, until the scratch space is there to unescape it. */
struct span {
	const unsigned char *s;
	size_t n;
};

/* Reads the line as a plain object (see above), filling in fields; 0 when it is not one. */
static int scan_plain(struct rec_in *r, size_t len, struct rec_field *fields, size_t nf,
                      struct span *spans)
{
	struct scan s = {(const unsigned char *)r->line, (const unsigned char *)r->line + len, 0};
	int esc;
	r->had_line = 0;
	for (size_t i = 0; i < nf; i++) {
		fields[i].type = 0;
		fields[i].str = NULL;
		fields[i].len = fields[i].items = 0;
		fields[i].verbatim = 0;
	}
	scan_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return 0;
	s.depth = 1;
	s.p++;
	scan_ws(&s);
	if (s.p < s.end && *s.p == '}') {
		s.p++;
	} else {
		for (;;) {
			const unsigned char *key = s.p + 1;
			if (s.p >= s.end || *s.p != '"' || !scan_string(&s, &esc) || esc)
				return 0;
			size_t klen = (size_t)(s.p - 1 - key);
			scan_ws(&s);
			if (s.p >= s.end || *s.p != ':')
				return 0;
			s.p++;
			scan_ws(&s);
			const unsigned char *val = s.p;
			size_t items = 0;
			int type;
			if (*val == '"')  /* inline of scan_value(), to learn whether it has escapes */
				type = scan_string(&s, &esc) ? cJSON_String : 0;
			else
				type = scan_value(&s, &items);
			if (!type)
				return 0;
			if (klen == 4 && memcmp(key, "line", 4) == 0)
				r->had_line = 1;
			for (size_t i = 0; i < nf; i++) {
				struct rec_field *f = &fields[i];
				if (f->type || (klen > 0 && f->name[0] != key[0]) ||
				    strncmp(f->name, (const char *)key, klen) != 0 || f->name[klen] != '\0')
					continue;
				f->type = type;
				f->items = items;
				if (type == cJSON_String) {
					spans[i].s = val + 1;
					spans[i].n = (size_t)(s.p - 1 - (val + 1));
					f->verbatim = !esc;
				}
				break;
			}
			scan_ws(&s);
			if (s.p >= s.end)
				return 0;
			if (*s.p == '}') {
				s.p++;
				break;
			}
			if (*s.p != ',')
				return 0;
			s.p++;
			scan_ws(&s);
		}
	}
	scan_ws(&s);
	return s.p == s.end;
}

/* Puts the string fields' values, unescaped, in r->scratch. */
static void take_strings(struct rec_in *r, size_t len, struct rec_field *fields, size_t n,
                         const struct span *spans)
{
	/* Unescaping never lengthens a string: room for the whole line and the NULs will do. */
	if (r->scratch_cap < len + n + 1) {
		free(r->scratch);
		r->scratch_cap = len + n + 1 > 4096 ? len + n + 1 : 4096;
		r->scratch = xmalloc(r->scratch_cap);
	}
	char *o = r->scratch;
	for (size_t i = 0; i < n; i++) {
		if (fields[i].type != cJSON_String)
			continue;
		fields[i].str = o;
		if (fields[i].verbatim) {
			memcpy(o, spans[i].s, spans[i].n);
			o[spans[i].n] = '\0';
			fields[i].len = spans[i].n;
		} else {
			fields[i].len = unescape(spans[i].s, spans[i].n, o);
		}
		o += fields[i].len + 1;
	}
}

int rec_next_lazy(struct rec_in *r, struct rec_field *fields, size_t n, cJSON **obj, cJSON **bad)
{
	size_t len;
	*obj = *bad = NULL;
	if (!next_line(r, &len, bad))
		return 0;
	if (*bad)
		return 1;
	struct span local[16], *spans = n <= 16 ? local : xmalloc(n * sizeof *spans);
	/* rec_has_nul_escape() only finds a \u0000, which the scan refuses: it is asked anyway,
	 * as in rec_next(), since it costs next to nothing. */
	if (scan_plain(r, len, fields, n, spans) && !rec_has_nul_escape(r->line, len)) {
		take_strings(r, len, fields, n, spans);
		r->nparsed++;
		r->rawlen = len;
	} else {
		parse_line(r, len, obj, bad);
	}
	if (spans != local)
		free(spans);
	return 1;
}

cJSON *rec_in_object(struct rec_in *r)
{
	/* The line is plain, so cJSON takes it: only running out of memory stops it. */
	cJSON *j = cJSON_ParseWithLengthOpts(r->line, r->rawlen, NULL, 0);
	if (!j) {
		warnmsg("out of memory");
		exit(EX_OSERR);
	}
	rec_put_num(j, "line", (double)r->lineno);
	return j;
}

void rec_out_init(struct rec_out *o, FILE *fp)
{
	memset(o, 0, sizeof *o);
	o->fp = fp;
}

int rec_out_format(struct rec_out *o, const char *arg, rec_text_fn text, void *text_arg)
{
	int want_text;
	if (!arg)
		want_text = isatty(fileno(o->fp));
	else if (strcmp(arg, "json") == 0)
		want_text = 0;
	else if (strcmp(arg, "text") == 0)
		want_text = 1;
	else
		return -1;
	o->text = want_text ? text : NULL;
	o->text_arg = text_arg;
	/* NDJSON to a pipe or file keeps stdio's full buffering in blocks of
	 * st_blksize (4 KiB). Larger blocks would need a buffer of our own
	 * (glibc ignores setvbuf()'s size without one), save little, and hold
	 * back the records of a slow batch (sms-send --rate) for longer. */
	return 0;
}

void rec_put_message(cJSON *rec, const char *body, const char *from, cJSON **media)
{
	if (body)
		rec_put_str(rec, "body", body);
	if (from)
		rec_put_str(rec, "from", from);
	if (cJSON_GetArraySize(*media) > 0) {
		rec_put(rec, "media", *media);
		*media = NULL;
	}
}

int rec_out_stdout(struct rec_out *o, const char *arg, rec_text_fn text, void *text_arg)
{
	rec_out_init(o, stdout);
	if (rec_out_format(o, arg, text, text_arg) == 0)
		return 0;
	warnmsg("-o takes json or text, not `%s`", arg);
	return EX_USAGE;
}

/* cJSON prints a number with 15 significant digits when that reads back close
 * enough: 9007199254740991 came out as 9.00719925474099e+15, another id. Whole
 * numbers of 16 to 18 digits are printed as their digits instead (top level,
 * where ids are). */
static void exact_whole_numbers(cJSON *rec)
{
	for (cJSON *v = rec ? rec->child : NULL, *next; v; v = next) {
		next = v->next;
		if (!cJSON_IsNumber(v) || !v->string)
			continue;
		double d = v->valuedouble;
		if (!(fabs(d) >= 1e15 && fabs(d) < 1e18) || d != (double)(long long)d)
			continue;
		char digits[32];
		snprintf(digits, sizeof digits, "%lld", (long long)d);
		cJSON *raw = cJSON_CreateRaw(digits);
		if (raw)
			cJSON_ReplaceItemInObjectCaseSensitive(rec, v->string, raw);
	}
}

void rec_emit(struct rec_out *o, cJSON *rec)
{
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok")))
		o->nok++;
	else
		o->nfail++;
	if (o->text) {
		o->text(o->fp, rec, o->text_arg);
	} else {
		exact_whole_numbers(rec);
		char *s = cJSON_PrintUnformatted(rec);
		if (s) {
			fputs(s, o->fp);
			fputc('\n', o->fp);
			free(s);
		}
	}
	cJSON_Delete(rec);
}

void rec_out_count(struct rec_out *o, int ok)
{
	if (ok)
		o->nok++;
	else
		o->nfail++;
}

void rec_emit_raw(struct rec_out *o, const char *line, size_t len, int ok)
{
	rec_out_count(o, ok);
	fwrite(line, 1, len, o->fp);
	putc('\n', o->fp);
}

void rec_put(cJSON *rec, const char *key, cJSON *val)
{
	if (!cJSON_GetObjectItemCaseSensitive(rec, key)) {
		cJSON_AddItemToObject(rec, key, val);
		return;
	}
	/* cJSON frees val's own name before copying key: key may be that name. */
	char *k = xstrdup(key);
	cJSON_ReplaceItemInObjectCaseSensitive(rec, k, val);
	free(k);
}

void rec_put_str(cJSON *rec, const char *key, const char *s)
{
	rec_put(rec, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

void rec_put_num(cJSON *rec, const char *key, double n) { rec_put(rec, key, cJSON_CreateNumber(n)); }

void rec_set_ok(cJSON *rec) { rec_put(rec, "ok", cJSON_CreateTrue()); }

const char *rec_str(const cJSON *rec, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void vfail(cJSON *rec, const char *code, int has_pc, long pc, int retryable,
                  const char *fmt, va_list ap)
{
	struct strbuf msg;
	strbuf_init(&msg);
	strbuf_vprintf(&msg, fmt, ap);

	cJSON *err = cJSON_CreateObject();
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", msg.s ? msg.s : code);
	if (has_pc)
		cJSON_AddNumberToObject(err, "provider_code", (double)pc);
	cJSON_AddBoolToObject(err, "retryable", retryable);
	rec_put(rec, "ok", cJSON_CreateFalse());
	rec_put(rec, "error", err);

	const cJSON *line = cJSON_GetObjectItemCaseSensitive(rec, "line");
	if (cJSON_IsNumber(line))
		warnmsg("line %d: %s", line->valueint, msg.s ? msg.s : code);
	else
		warnmsg("%s", msg.s ? msg.s : code);
	strbuf_free(&msg);
}

void rec_fail(cJSON *rec, const char *code, int retryable, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(rec, code, 0, 0, retryable, fmt, ap);
	va_end(ap);
}

void rec_fail_provider(cJSON *rec, const char *code, long provider_code, int retryable,
                       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(rec, code, 1, provider_code, retryable, fmt, ap);
	va_end(ap);
}

int rec_exit_code(const struct rec_out *o, const struct rec_in *in)
{
	if (in && in->nbad_json > 0 && in->nparsed == 0)
		return EX_DATAERR;
	return o->nfail ? 1 : 0;
}

const char *rec_in_raw(const struct rec_in *r, size_t *len)
{
	*len = r->rawlen;
	return r->line;
}


char *json_str_put(char *dst, const char *s, size_t n)
{
	char *o = dst;
	size_t i = 0;
	*o++ = '"';
	while (i < n) {
		/* a run of bytes that need no escaping, copied in one go */
		size_t run = json_plain_run((const unsigned char *)s + i, n - i);
		memcpy(o, s + i, run);
		o += run;
		i += run;
		if (i == n)
			break;
		unsigned char c = (unsigned char)s[i++];
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			memcpy(o, "u00", 3);
			hex_lower(&c, 1, o + 3);  /* its NUL goes where the next byte will */
			o += 5;
		}
	}
	*o++ = '"';
	return o;
}

void json_str(struct strbuf *b, const char *s, size_t n)
{
	strbuf_reserve(b, 6 * n + 2);
	b->len = (size_t)(json_str_put(b->s + b->len, s, n) - b->s);
	b->s[b->len] = '\0';
}

int rec_exit_graver(int have, int code)
{
	static const int rank[] = {0, EX_TEMPFAIL, EX_UNAVAILABLE, EX_NOPERM};
	int a = 0, b = 0;
	for (int i = 0; i < 4; i++) {
		if (rank[i] == have)
			a = i;
		if (rank[i] == code)
			b = i;
	}
	return b > a ? code : have;
}
