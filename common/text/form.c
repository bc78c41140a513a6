/* form — application/x-www-form-urlencoded parsing, see form.h. */
#include "form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "utf8.h"

/* Decodes s[0..n) into a new string; NULL with err set when malformed. */
static char *decode(const char *s, size_t n, const char *what, char *err, size_t errlen)
{
	char *d = xmalloc(n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+') {
			d[o++] = ' ';
		} else if (c == '%') {
			int h = i + 1 < n ? hex_value((unsigned char)s[i + 1]) : -1;
			int l = i + 2 < n ? hex_value((unsigned char)s[i + 2]) : -1;
			if (h < 0 || l < 0) {
				snprintf(err, errlen, "%s: '%%' not followed by two hex digits", what);
				free(d);
				return NULL;
			}
			c = (unsigned char)(h << 4 | l);
			if (c == 0) {
				snprintf(err, errlen, "%s: %%00 (NUL byte)", what);
				free(d);
				return NULL;
			}
			d[o++] = (char)c;
			i += 2;
		} else if (c == 0) {
			snprintf(err, errlen, "%s: NUL byte", what);
			free(d);
			return NULL;
		} else {
			d[o++] = (char)c;
		}
	}
	d[o] = '\0';
	if (utf8_invalid_at(d, o) >= 0) {  /* strict: utf8.h */
		snprintf(err, errlen, "%s: not valid UTF-8", what);
		free(d);
		return NULL;
	}
	return d;
}

int form_parse(const char *body, size_t len, struct form *out, char *err, size_t errlen)
{
	char dummy[1];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	out->pairs = NULL;
	out->n = 0;
	size_t cap = 0;
	size_t i = 0;
	while (i < len) {
		const char *p = body + i;
		const char *amp = memchr(p, '&', len - i);
		size_t plen = amp ? (size_t)(amp - p) : len - i;
		i += plen + 1;
		if (plen == 0)
			continue;
		const char *eq = memchr(p, '=', plen);
		size_t nlen = eq ? (size_t)(eq - p) : plen;
		char *name = decode(p, nlen, "name", err, errlen);
		if (!name) {
			form_free(out);
			return -1;
		}
		char *value = eq ? decode(eq + 1, plen - nlen - 1, "value", err, errlen) : xstrdup("");
		if (!value) {
			free(name);
			form_free(out);
			return -1;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->pairs = xrealloc(out->pairs, cap * sizeof *out->pairs);
		}
		out->pairs[out->n].name = name;
		out->pairs[out->n].value = value;
		out->n++;
	}
	return 0;
}

const char *form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->pairs[i].name, name) == 0)
			return f->pairs[i].value;
	return NULL;
}

void form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->pairs[i].name);
		free(f->pairs[i].value);
	}
	free(f->pairs);
	f->pairs = NULL;
	f->n = 0;
}

void form_add(struct form *f, const char *name, const char *value)
{
	f->pairs = xrealloc(f->pairs, (f->n + 1) * sizeof *f->pairs);
	f->pairs[f->n].name = xstrdup(name);
	f->pairs[f->n++].value = xstrdup(value);
}

cJSON *form_to_json(const struct form *f)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < f->n; i++) {
		const char *k = f->pairs[i].name, *v = f->pairs[i].value;
		cJSON *have = cJSON_GetObjectItemCaseSensitive(o, k);
		if (!have) {
			cJSON_AddStringToObject(o, k, v);
			continue;
		}
		if (!cJSON_IsArray(have)) {
			cJSON *a = cJSON_CreateArray();
			cJSON_AddItemToArray(a, cJSON_CreateString(have->valuestring));
			cJSON_ReplaceItemInObjectCaseSensitive(o, k, a);
			have = a;
		}
		cJSON_AddItemToArray(have, cJSON_CreateString(v));
	}
	return o;
}
