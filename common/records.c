/* records — NDJSON in and out (SPEC 3). See records.h. */
#include "records.h"
#include "util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

void rec_in_init(struct rec_in *r, FILE *fp)
{
	memset(r, 0, sizeof *r);
	r->fp = fp;
	/* Big batches arrive through pipes and files: read 64 KiB at a time. */
	if (!isatty(fileno(fp)))
		setvbuf(fp, NULL, _IOFBF, 1 << 16);
}

void rec_in_free(struct rec_in *r)
{
	free(r->line);
	r->line = NULL;
	r->cap = 0;
}

static cJSON *bad_record(size_t lineno, const char *code, const char *msg)
{
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddNumberToObject(rec, "line", (double)lineno);
	rec_fail(rec, code, 0, "%s", msg);
	return rec;
}

/* Returns the offset of the first invalid UTF-8 sequence, or -1 when valid.
 * ASCII is checked a word at a time: most lines are mostly ASCII. */
static long utf8_invalid_at(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		/* Eight ASCII bytes at a time: most of a typical line. */
		if (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		                                      (utf8proc_ssize_t)(n - i), &cp);
		if (k < 0)
			return (long)i;
		i += (size_t)k;
	}
	return -1;
}

/* A \u0000 escape parses as valid JSON but would silently cut a C string short.
 * Counts the backslashes before "u0000" so that "\\u0000" (text) is allowed. */
static int has_nul_escape(const char *s, size_t n)
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

int rec_next(struct rec_in *r, cJSON **obj, cJSON **bad)
{
	*obj = *bad = NULL;
	for (;;) {
		ssize_t n = getline(&r->line, &r->cap, r->fp);
		if (n < 0)
			return 0;
		r->lineno++;
		size_t len = (size_t)n;
		while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
			len--;
		size_t i = 0;
		while (i < len && (r->line[i] == ' ' || r->line[i] == '\t'))
			i++;
		if (i == len)
			continue; /* blank lines separate nothing; skip them */

		if (memchr(r->line, '\0', len)) {
			*bad = bad_record(r->lineno, "nul_byte", "input line holds a NUL byte");
			return 1;
		}
		long at = utf8_invalid_at(r->line, len);
		if (at >= 0) {
			char msg[96];
			snprintf(msg, sizeof msg, "input is not valid UTF-8 (byte %ld)", at + 1);
			*bad = bad_record(r->lineno, "invalid_utf8", msg);
			return 1;
		}
		r->line[len] = '\0';
		const char *end = NULL;
		cJSON *j = cJSON_ParseWithLengthOpts(r->line, len, &end, 0);
		/* Anything but whitespace after the value means the line is not one JSON value. */
		while (j && end && end < r->line + len && (*end == ' ' || *end == '\t'))
			end++;
		if (j && end && end < r->line + len) {
			cJSON_Delete(j);
			r->nbad_json++;
			*bad = bad_record(r->lineno, "bad_json", "input line is not one JSON value");
			return 1;
		}
		if (!j) {
			r->nbad_json++;
			*bad = bad_record(r->lineno, "bad_json", "input line is not JSON");
			return 1;
		}
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			r->nparsed++;
			*bad = bad_record(r->lineno, "bad_json", "input line is JSON but not an object");
			return 1;
		}
		r->nparsed++;
		if (has_nul_escape(r->line, len)) {
			cJSON_Delete(j);
			*bad = bad_record(r->lineno, "nul_byte", "input holds a \\u0000 escape");
			return 1;
		}
		r->had_line = cJSON_GetObjectItemCaseSensitive(j, "line") != NULL;
		r->rawlen = len;
		rec_put_num(j, "line", (double)r->lineno);
		*obj = j;
		return 1;
	}
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
	/* NDJSON to a pipe or file: large writes instead of one per 4 KiB. */
	if (!o->text && !isatty(fileno(o->fp)))
		setvbuf(o->fp, NULL, _IOFBF, 1 << 16);
	return 0;
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
		char *s = cJSON_PrintUnformatted(rec);
		if (s) {
			fputs(s, o->fp);
			fputc('\n', o->fp);
			free(s);
		}
	}
	cJSON_Delete(rec);
}

void rec_emit_raw(struct rec_out *o, const char *line, size_t len, int ok)
{
	if (ok)
		o->nok++;
	else
		o->nfail++;
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
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	if (n > 0) {
		char *tmp = xmalloc((size_t)n + 1);
		vsnprintf(tmp, (size_t)n + 1, fmt, aq);
		strbuf_puts(&msg, tmp);
		free(tmp);
	}
	va_end(aq);

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

/* 1 for the bytes a JSON string must escape: controls, quote, backslash. */
static const unsigned char json_escaped[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

void json_str(struct strbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	strbuf_putc(b, '"');
	size_t run = 0; /* bytes that need no escaping, copied in one go */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!json_escaped[c])
			continue;
		strbuf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': strbuf_add(b, "\\\"", 2); break;
		case '\\': strbuf_add(b, "\\\\", 2); break;
		case '\n': strbuf_add(b, "\\n", 2); break;
		case '\r': strbuf_add(b, "\\r", 2); break;
		case '\t': strbuf_add(b, "\\t", 2); break;
		case '\b': strbuf_add(b, "\\b", 2); break;
		case '\f': strbuf_add(b, "\\f", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			strbuf_add(b, u, 6);
		}
		}
	}
	strbuf_add(b, s + run, n - run);
	strbuf_putc(b, '"');
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
