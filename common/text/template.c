/* template — {{var}} placeholders. See template.h. */
#include "template.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_char(int c) { return isalnum(c) || c == '_' || c == '-' || c == '.'; }

/* Finds the next placeholder at or after p: *start at "{{", *name and
 * *namelen the name, *end just after "}}". 0 when there is none, -1 when malformed. */
static int next_var(const char *p, const char **start, const char **name, size_t *namelen,
                    const char **end)
{
	const char *o = strstr(p, "{{");
	if (!o)
		return 0;
	const char *q = o + 2;
	while (*q == ' ')
		q++;
	const char *n = q;
	while (name_char((unsigned char)*q))
		q++;
	size_t nl = (size_t)(q - n);
	while (*q == ' ')
		q++;
	if (nl == 0 || q[0] != '}' || q[1] != '}')
		return -1;
	*start = o;
	*name = n;
	*namelen = nl;
	*end = q + 2;
	return 1;
}

int template_check(const char *body, char *err, size_t errlen)
{
	const char *p = body, *start, *name, *end;
	size_t nl;
	int rc;
	while ((rc = next_var(p, &start, &name, &nl, &end)) == 1)
		p = end;
	if (rc < 0) {
		const char *o = strstr(p, "{{");
		snprintf(err, errlen,
		         "bad placeholder at `%.20s`: write {{name}} with letters, digits, _ - or .",
		         o ? o : p);
		return -1;
	}
	return 0;
}

cJSON *template_vars(const char *body)
{
	cJSON *a = cJSON_CreateArray();
	const char *p = body, *start, *name, *end;
	size_t nl;
	while (next_var(p, &start, &name, &nl, &end) == 1) {
		char *n = xstrndup(name, nl);
		int seen = 0;
		const cJSON *v;
		cJSON_ArrayForEach(v, a)
			seen |= strcmp(v->valuestring, n) == 0;
		if (!seen)
			cJSON_AddItemToArray(a, cJSON_CreateString(n));
		free(n);
		p = end;
	}
	return a;
}

/* The i-th number in a record's JSON text (0-based, in document order), as written: *n bytes
 * at the return value, or NULL when the text has fewer. Outside strings a number is the only
 * token that starts with '-' or a digit, and it runs over [-+.eE0-9]: cJSON stops a number
 * where strtod does and refuses the line when such a character follows, so in a line it
 * parsed the run is the whole number. */
static const char *nth_number(const char *raw, size_t len, int i, size_t *n)
{
	for (size_t k = 0; k < len; k++) {
		if (raw[k] == '"') {
			for (k++; k < len && raw[k] != '"'; k++)
				k += raw[k] == '\\';
			continue;
		}
		if (raw[k] != '-' && !isdigit((unsigned char)raw[k]))
			continue;
		size_t e = k;
		while (e < len && raw[e] && (isdigit((unsigned char)raw[e]) || strchr("+-.eE", raw[e])))
			e++;
		if (i-- == 0) {
			*n = e - k;
			return raw + k;
		}
		k = e - 1;
	}
	return NULL;
}

/* How many numbers come before want in tree's document order (cJSON keeps members in the
 * order written, duplicates too); -1 when want is not in tree. */
static int number_index(const cJSON *tree, const cJSON *want, int *seen)
{
	if (tree == want)
		return *seen;
	if (cJSON_IsNumber(tree))
		++*seen;
	for (const cJSON *c = tree->child; c; c = c->next) {
		int i = number_index(c, want, seen);
		if (i >= 0)
			return i;
	}
	return -1;
}

static const cJSON *lookup(const cJSON *rec, const char *name)
{
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(rec, "vars");
	const cJSON *v = cJSON_IsObject(vars) ? cJSON_GetObjectItemCaseSensitive(vars, name) : NULL;
	return v ? v : cJSON_GetObjectItemCaseSensitive(rec, name);
}

/* The record's text as read, and that text parsed again (once, when a number is wanted):
 * the record itself no longer mirrors the text, for the reader set its "line", which may
 * have replaced a field of the input and moved the count of numbers. */
struct source {
	const char  *raw;
	size_t       rawlen;
	cJSON       *mirror;
	int          parsed;
};

/* The number named name as written in the input: the same name looked up in the
 * input's own parse, which must hold the same value (else the field is one the reader
 * set, and cJSON's rendering of it is all there is). */
static const char *number_as_written(struct source *src, const char *name, const cJSON *v,
                                     size_t *n)
{
	if (!src->raw)
		return NULL;
	if (!src->parsed) {
		src->mirror = cJSON_ParseWithLength(src->raw, src->rawlen);
		src->parsed = 1;
	}
	const cJSON *m = src->mirror ? lookup(src->mirror, name) : NULL;
	if (!cJSON_IsNumber(m) || m->valuedouble != v->valuedouble)
		return NULL;
	int seen = 0;
	int i = number_index(src->mirror, m, &seen);
	return i < 0 ? NULL : nth_number(src->raw, src->rawlen, i, n);
}

/* The text for one value, appended to b; -1 when it cannot go into a message. Numbers go
 * in as written: cJSON keeps only a double, which would turn 2.50 into 2.5 and
 * 9007199254740993 into another number. */
static int put_value(struct strbuf *b, struct source *src, const char *name, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		strbuf_puts(b, v->valuestring);
		return 0;
	}
	if (cJSON_IsBool(v)) {
		strbuf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
		return 0;
	}
	if (cJSON_IsNumber(v)) {
		size_t n;
		const char *w = number_as_written(src, name, v, &n);
		if (w) {
			strbuf_add(b, w, n);
			return 0;
		}
		char *s = cJSON_PrintUnformatted(v);
		strbuf_puts(b, s);
		free(s);
		return 0;
	}
	return -1;
}

char *template_render(const char *body, const cJSON *rec, const char *raw, size_t rawlen,
                      char *err, size_t errlen)
{
	struct source src = {.raw = raw, .rawlen = rawlen};
	struct strbuf b;
	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	const char *p = body, *start, *name, *end;
	size_t nl;
	int rc;
	while ((rc = next_var(p, &start, &name, &nl, &end)) == 1) {
		strbuf_add(&b, p, (size_t)(start - p));
		char *n = xstrndup(name, nl);
		const cJSON *v = lookup(rec, n);
		int bad = 1;
		if (!v)
			snprintf(err, errlen, "missing variable {{%s}}: give it in \"vars\"", n);
		else if (cJSON_IsNull(v))
			snprintf(err, errlen, "variable {{%s}} is null: give it a string, number or boolean", n);
		else if (put_value(&b, &src, n, v) != 0)
			snprintf(err, errlen, "variable {{%s}} must be a string, number or boolean, not %s", n,
			         cJSON_IsArray(v) ? "an array" : "an object");
		else
			bad = 0;
		free(n);
		if (bad)
			goto fail;
		p = end;
	}
	if (rc < 0) {
		snprintf(err, errlen, "the template has a bad placeholder");
		goto fail;
	}
	strbuf_puts(&b, p);
	cJSON_Delete(src.mirror);
	return strbuf_detach(&b);
fail:
	cJSON_Delete(src.mirror);
	strbuf_free(&b);
	return NULL;
}
