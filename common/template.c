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

/* The text for one value, appended to b; -1 when it cannot go into a message. */
static int put_value(struct strbuf *b, const cJSON *v)
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
		char *s = cJSON_PrintUnformatted(v);
		strbuf_puts(b, s);
		free(s);
		return 0;
	}
	return -1;
}

static const cJSON *lookup(const cJSON *rec, const char *name)
{
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(rec, "vars");
	const cJSON *v = cJSON_IsObject(vars) ? cJSON_GetObjectItemCaseSensitive(vars, name) : NULL;
	return v ? v : cJSON_GetObjectItemCaseSensitive(rec, name);
}

char *template_render(const char *body, const cJSON *rec, char *err, size_t errlen)
{
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
		if (!v || cJSON_IsNull(v)) {
			snprintf(err, errlen, "missing variable {{%s}}: give it in \"vars\"", n);
			free(n);
			strbuf_free(&b);
			return NULL;
		}
		if (put_value(&b, v) != 0) {
			snprintf(err, errlen, "variable {{%s}} must be a string, number or boolean", n);
			free(n);
			strbuf_free(&b);
			return NULL;
		}
		free(n);
		p = end;
	}
	if (rc < 0) {
		snprintf(err, errlen, "the template has a bad placeholder");
		strbuf_free(&b);
		return NULL;
	}
	strbuf_puts(&b, p);
	return strbuf_detach(&b);
}
