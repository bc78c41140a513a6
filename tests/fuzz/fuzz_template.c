/* fuzz_template — libFuzzer target for the template renderer: the bytes up to the first
 * newline are a template body, the rest NDJSON records rendered with it, as
 * sms-template render does. Never a crash, a leak or undefined behaviour; a render
 * fails only with a sentence; a number goes in as written, so that the text put in
 * for {{name}} reads back as the very value the record holds. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "template.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

/* The value {{name}} takes: the record's "vars" first, then its own fields. */
static const cJSON *value_of(const cJSON *rec, const char *name)
{
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(rec, "vars");
	const cJSON *v = cJSON_IsObject(vars) ? cJSON_GetObjectItemCaseSensitive(vars, name) : NULL;
	return v ? v : cJSON_GetObjectItemCaseSensitive(rec, name);
}

/* Each number the body names, rendered alone, must parse back to the record's value. */
static void check_numbers(const char *body, const cJSON *rec, const char *raw, size_t rawlen)
{
	cJSON *names = template_vars(body);
	const cJSON *n;
	cJSON_ArrayForEach(n, names) {
		const cJSON *v = value_of(rec, n->valuestring);
		if (!cJSON_IsNumber(v))
			continue;
		size_t len = strlen(n->valuestring) + 5;
		char *one = xmalloc(len), err[256];
		snprintf(one, len, "{{%s}}", n->valuestring);
		char *text = template_render(one, rec, raw, rawlen, err, sizeof err);
		free(one);
		require(text != NULL);
		cJSON *back = cJSON_Parse(text);
		require(cJSON_IsNumber(back));
		require(back->valuedouble == v->valuedouble ||
		        (v->valuedouble != v->valuedouble && back->valuedouble != back->valuedouble));
		cJSON_Delete(back);
		free(text);
	}
	cJSON_Delete(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	if (!nl)
		return 0;
	char *body = xstrndup(in, (size_t)(nl - in));
	char err[256];
	if (template_check(body, err, sizeof err) != 0) {
		require(err[0] != '\0');
		free(body);
		return 0;
	}
	FILE *fp = fmemopen((void *)(nl + 1), size - (size_t)(nl - in) - 1, "r");
	if (!fp) {
		free(body);
		return 0;
	}
	struct rec_in r;
	rec_in_init(&r, fp);
	cJSON *rec, *bad;
	while (rec_next(&r, &rec, &bad)) {
		if (bad) {
			cJSON_Delete(bad);
			continue;
		}
		size_t rawlen;
		const char *raw = rec_in_raw(&r, &rawlen);
		err[0] = '\0';
		char *text = template_render(body, rec, raw, rawlen, err, sizeof err);
		require(text != NULL || err[0] != '\0');
		if (text)
			check_numbers(body, rec, raw, rawlen);
		free(text);
		cJSON_Delete(rec);
	}
	rec_in_free(&r);
	fclose(fp);
	free(body);
	return 0;
}
