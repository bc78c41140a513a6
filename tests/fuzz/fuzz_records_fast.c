/* fuzz_records_fast — differential libFuzzer target for records.c's fast reader: every
 * line rec_next_lazy() reads without cJSON must be one that cJSON accepts as rec_next()
 * does (one JSON object, nothing after it but blanks, no \u0000), and every field it
 * reports must be what cJSON finds there: the type, the unescaped string (bytes and
 * length), the number of items of an array or object, and whether "line" is there.
 * Lines the fast reader leaves to cJSON need no check: rec_next() reads them. Aborts on
 * the first disagreement. An odd first byte sends the rest as it is; an even one wraps it
 * as {"a":REST}, so that the fuzzer need not find an object and a key before it can try
 * values (a wrong \t went unseen for a minute without it). Bytes 0xF8 to 0xFF, which no
 * UTF-8 holds (a line with one would only be refused), stand for the escapes and keys a
 * fuzzer is slow to spell (a wrong surrogate pair went unseen for three minutes). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Names a fuzzer finds quickly ("", one letter) and the ones the programs ask for. */
static const char *const names[] = {"", "a", "b", "line", "to", "body", "id", "ok"};
#define NNAMES (sizeof names / sizeof names[0])

static const char *const tokens[8] = {
	"\\ud83d\\ude00", "\\u00e9", "\\u20AC", "\\uDBFF\\uDFFF",
	"\\ud800", "\\udc00", "\"line\":", "\\u0000",
};
#define TOKEN_MAX 12

static void require(int cond, const char *what, const char *line, size_t len)
{
	if (cond)
		return;
	fprintf(stderr, "fast reader and cJSON disagree (%s) on: %.*s\n", what, (int)len, line);
	abort();
}

/* cJSON's verdict as rec_next() reaches it (records.c, parse_line()). */
static cJSON *cjson_reading(const char *line, size_t len)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	while (j && end && end < line + len && (*end == ' ' || *end == '\t'))
		end++;
	if (j && end && end < line + len) {
		cJSON_Delete(j);
		return NULL;
	}
	if (j && (!cJSON_IsObject(j) || rec_has_nul_escape(line, len))) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static void compare(const char *line, size_t len, const struct rec_field *f, int had_line)
{
	cJSON *j = cjson_reading(line, len);
	require(j != NULL, "cJSON refuses what the fast reader took", line, len);
	require(had_line == (cJSON_GetObjectItemCaseSensitive(j, "line") != NULL), "had_line",
	        line, len);
	for (size_t i = 0; i < NNAMES; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, names[i]);
		if (!v) {
			require(f[i].type == cJSON_Invalid, "a field cJSON does not find", line, len);
			continue;
		}
		require(f[i].type == (v->type & 0xFF), "a field's type", line, len);
		if (cJSON_IsString(v)) {
			require(f[i].str && f[i].len == strlen(v->valuestring) &&
			        memcmp(f[i].str, v->valuestring, f[i].len) == 0 && f[i].str[f[i].len] == '\0',
			        "a string's value", line, len);
			if (f[i].verbatim)
				for (size_t k = 0; k < f[i].len; k++) {
					unsigned char c = (unsigned char)f[i].str[k];
					require(c >= 0x20 && c != '"' && c != '\\', "a verbatim string", line, len);
				}
		} else {
			require(f[i].str == NULL, "a string for a field that is none", line, len);
		}
		if (cJSON_IsArray(v) || cJSON_IsObject(v))
			require(f[i].items == (size_t)cJSON_GetArraySize(v), "the number of items", line,
			        len);
	}
	cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int wrap = !(data[0] & 1);
	data++;
	size--;
	char *text = malloc(size * TOKEN_MAX + 7);
	if (!text)
		return 0;
	size_t n = 0;
	if (wrap) {
		memcpy(text, "{\"a\":", 5);
		n = 5;
	}
	for (size_t i = 0; i < size; i++) {
		if (data[i] < 0xF8) {
			text[n++] = (char)data[i];
			continue;
		}
		size_t k = strlen(tokens[data[i] - 0xF8]);
		memcpy(text + n, tokens[data[i] - 0xF8], k);
		n += k;
	}
	if (wrap)
		text[n++] = '}';
	FILE *in = fmemopen(text, n, "r");
	if (!in) {
		free(text);
		return 0;
	}
	struct rec_in r;
	rec_in_init(&r, in);
	struct rec_field f[NNAMES];
	for (size_t i = 0; i < NNAMES; i++)
		f[i].name = names[i];
	cJSON *obj, *bad;
	while (rec_next_lazy(&r, f, NNAMES, &obj, &bad)) {
		if (obj || bad) {
			cJSON_Delete(obj ? obj : bad);
			continue;
		}
		size_t len;
		const char *line = rec_in_raw(&r, &len);
		compare(line, len, f, r.had_line);
		/* The object the programs get for such a line (rec_in_object()) is cJSON's. */
		cJSON *o = rec_in_object(&r);
		cJSON_Delete(o);
	}
	rec_in_free(&r);
	fclose(in);
	free(text);
	return 0;
}
