/* query — a listing's selection as one JSON object on stdin (--query). See query.h. */
#include "query.h"
#include "clock.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MAX (1 << 20) /* a selection is a few keys: more than 1 MiB is a mistake */

static void vreport(struct rec_out *out, const char *code, const char *prefix, const char *fmt,
                    va_list ap)
{
	struct strbuf msg;
	strbuf_init(&msg);
	strbuf_puts(&msg, prefix);
	strbuf_vprintf(&msg, fmt, ap);
	if (out) {
		cJSON *rec = cJSON_CreateObject();
		rec_fail(rec, code, 0, "%s", msg.s); /* the line on stderr too */
		rec_emit(out, rec);
	} else {
		warnmsg("%s", msg.s);
	}
	strbuf_free(&msg);
}

int query_bad(const struct query_origin *o, const char *fmt, ...)
{
	char prefix[96];
	if (o->out)
		snprintf(prefix, sizeof prefix, "query: \"%s\"", o->key);
	else
		snprintf(prefix, sizeof prefix, "--%s", o->key);
	va_list ap;
	va_start(ap, fmt);
	vreport(o->out, "invalid_query", prefix, fmt, ap);
	va_end(ap);
	return o->out ? EX_DATAERR : EX_USAGE;
}

int query_since(const struct query_origin *o, const char *val, char out[32])
{
	if (clock_since(val, out) == 0)
		return 0;
	return query_bad(o, " takes 30m, 2h, 2d, 1w, a date such as 2026-11-24, or an RFC 3339 "
	                 "time, not `%s`", val);
}

int query_fail(struct rec_out *out, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(out, code, "query: ", fmt, ap);
	va_end(ap);
	return EX_DATAERR;
}

/* ---- Reading ------------------------------------------------------------------- */

static int blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }


/* The whole of fp, as one JSON object in *obj (NULL when fp holds nothing but
 * white space). Returns 0, or EX_DATAERR once reported. */
static int read_object(FILE *fp, struct rec_out *out, cJSON **obj)
{
	*obj = NULL;
	struct strbuf b;
	strbuf_init(&b);
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (b.len + got > QUERY_MAX) {
			strbuf_free(&b);
			return query_fail(out, "invalid_query", "the input is over 1 MiB: one small JSON "
			                  "object is expected");
		}
		strbuf_add(&b, chunk, got);
	}
	int rc = 0;
	const char *s = b.s ? b.s : "";
	size_t n = b.len, i = 0;
	while (i < n && blank(s[i]))
		i++;
	long bad_at = -1;
	if (ferror(fp)) {
		rc = query_fail(out, "invalid_query", "cannot read standard input");
	} else if (i == n) {
		rc = 0; /* no query: no selection of its own */
	} else if (memchr(s, '\0', n)) {
		rc = query_fail(out, "nul_byte", "the input holds a NUL byte");
	} else if ((bad_at = rec_utf8_invalid_at(s, n)) >= 0) {
		rc = query_fail(out, "invalid_utf8", "the input is not valid UTF-8 (byte %ld)",
		                bad_at + 1);
	} else {
		const char *end = NULL;
		cJSON *j = cJSON_ParseWithLengthOpts(s, n, &end, 0);
		while (j && end && end < s + n && blank(*end))
			end++;
		if (!j)
			rc = query_fail(out, "bad_json", "the input is not JSON");
		else if (end && end < s + n)
			rc = query_fail(out, "bad_json", "the input holds more than one JSON value: one "
			                "object is expected");
		else if (!cJSON_IsObject(j))
			rc = query_fail(out, "bad_json", "the input is JSON but not an object");
		else if (rec_has_nul_escape(s, n))
			rc = query_fail(out, "nul_byte", "the input holds a \\u0000 escape");
		if (rc)
			cJSON_Delete(j);
		else
			*obj = j;
	}
	strbuf_free(&b);
	return rc;
}

/* ---- Keys and values ------------------------------------------------------------ */

static const char *type_name(enum query_type t)
{
	switch (t) {
	case QUERY_STRING: return "a string";
	case QUERY_BOOL: return "true or false";
	case QUERY_WHOLE: return "a whole number";
	case QUERY_WORDS: return "a string or an array of strings";
	case QUERY_WHOLES: return "an array of whole numbers";
	}
	return "?";
}

/* The value as the shim shows one: compact JSON, cut at 40 characters. */
static void shown(const cJSON *v, char *buf, size_t len)
{
	char *j = cJSON_PrintUnformatted(v);
	if (!j) {
		snprintf(buf, len, "?");
		return;
	}
	if (strlen(j) > 40)
		snprintf(buf, len, "%.37s...", j);
	else
		snprintf(buf, len, "%s", j);
	free(j);
}

static int whole(const cJSON *v, struct strbuf *b)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble))
		return -1;
	strbuf_printf(b, "%.0f", v->valuedouble);
	return 0;
}

/* The option's text for v, in b. Returns -1 when v is not of type t. */
static int as_text(const cJSON *v, enum query_type t, struct strbuf *b)
{
	const cJSON *e;
	switch (t) {
	case QUERY_STRING:
		if (!cJSON_IsString(v))
			return -1;
		strbuf_puts(b, v->valuestring);
		return 0;
	case QUERY_BOOL:
		if (!cJSON_IsBool(v))
			return -1;
		strbuf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
		return 0;
	case QUERY_WHOLE:
		return whole(v, b);
	case QUERY_WORDS:
		if (cJSON_IsString(v)) {
			strbuf_puts(b, v->valuestring);
			return 0;
		}
		if (!cJSON_IsArray(v))
			return -1;
		cJSON_ArrayForEach(e, v) {
			if (!cJSON_IsString(e))
				return -1;
			if (e != v->child)
				strbuf_putc(b, ',');
			strbuf_puts(b, e->valuestring);
		}
		return 0;
	case QUERY_WHOLES:
		if (!cJSON_IsArray(v))
			return -1;
		cJSON_ArrayForEach(e, v) {
			if (e != v->child)
				strbuf_putc(b, ',');
			if (whole(e, b) != 0)
				return -1;
		}
		return 0;
	}
	return -1;
}

int query_option(const struct query_key *keys, size_t n, int opt, const char *val,
                 query_apply_fn apply, void *arg)
{
	size_t k = 0;
	while (k < n && keys[k].opt != opt)
		k++;
	struct query_origin o = {k < n ? keys[k].name : "?", NULL};
	return apply(arg, opt, val ? val : "true", &o);
}

int query_run(struct query *q, FILE *fp, const struct query_key *keys, size_t n,
              query_apply_fn apply, void *arg, struct rec_out *out)
{
	cJSON *obj;
	int rc = read_object(fp, out, &obj);
	if (rc || !obj)
		return rc;
	struct strbuf text;
	const cJSON *v;
	cJSON_ArrayForEach(v, obj) {
		size_t k = 0;
		while (k < n && strcmp(keys[k].name, v->string) != 0)
			k++;
		if (k == n) {
			struct strbuf names;
			strbuf_init(&names);
			for (size_t i = 0; i < n; i++)
				strbuf_printf(&names, "%s%s", i ? ", " : "", keys[i].name);
			cJSON *key = cJSON_CreateString(v->string);
			char buf[64];
			shown(key, buf, sizeof buf);
			cJSON_Delete(key);
			rc = query_fail(out, "invalid_query", "unknown key %s (the keys are: %s)", buf,
			                names.s ? names.s : "none");
			strbuf_free(&names);
			break;
		}
		for (const cJSON *w = obj->child; w != v; w = w->next)
			if (strcmp(w->string, v->string) == 0) {
				rc = query_fail(out, "invalid_query", "\"%s\" is given twice", v->string);
				break;
			}
		if (rc)
			break;
		if (cJSON_IsNull(v))
			continue; /* as if left out */
		struct query_origin o = {keys[k].name, out};
		strbuf_init(&text);
		strbuf_add(&text, "", 0);
		if (as_text(v, keys[k].type, &text) != 0) {
			char buf[64];
			shown(v, buf, sizeof buf);
			strbuf_free(&text);
			rc = query_bad(&o, " must be %s, not %s", type_name(keys[k].type), buf);
			break;
		}
		q->texts = xrealloc(q->texts, (q->n + 1) * sizeof *q->texts);
		q->texts[q->n++] = strbuf_detach(&text);
		if ((rc = apply(arg, keys[k].opt, q->texts[q->n - 1], &o)) != 0)
			break;
	}
	cJSON_Delete(obj);
	return rc;
}

void query_free(struct query *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->texts[i]);
	free(q->texts);
	q->texts = NULL;
	q->n = 0;
}
