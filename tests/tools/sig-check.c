/* sig-check — test driver for the form and signature modules: reads NDJSON lines
 * {"token","url","body","header"} on stdin ("body" form-encoded, may be absent for no
 * parameters; "header" may be absent or null for none) and prints, for each,
 *   {"valid":true|false,"expected":"<signature for the URL as given>"}
 * or {"error":"..."} when the body does not parse. A line that is not such an object
 * prints {"error":"..."} too and makes the exit status 65.
 *
 *   sig-check --form    reads one raw form body on stdin (any bytes, NULs too) and prints
 *                       {"pairs":[[name,value],...]} in body order, or {"error":"..."}
 *                       and exit 1 when it does not parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "form.h"
#include "signature.h"

static void print_json(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	puts(s);
	free(s);
}

static void print_error(const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", msg);
	print_json(o);
	cJSON_Delete(o);
}

static const char *str_item(const cJSON *rec, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(rec, key);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static int form_mode(void)
{
	char buf[4096];
	size_t n, len = 0, cap = 0;
	char *body = NULL;
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
		if (len + n > cap) {
			cap = (len + n) * 2;
			char *nb = realloc(body, cap);
			if (!nb) {
				free(body);
				return 70;
			}
			body = nb;
		}
		memcpy(body + len, buf, n);
		len += n;
	}
	struct form f;
	char err[160];
	int rc = form_parse(body ? body : "", len, &f, err, sizeof err);
	free(body);
	if (rc < 0) {
		print_error(err);
		return 1;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *pairs = cJSON_AddArrayToObject(o, "pairs");
	for (size_t i = 0; i < f.n; i++) {
		cJSON *p = cJSON_CreateArray();
		cJSON_AddItemToArray(p, cJSON_CreateString(f.pairs[i].name));
		cJSON_AddItemToArray(p, cJSON_CreateString(f.pairs[i].value));
		cJSON_AddItemToArray(pairs, p);
	}
	print_json(o);
	cJSON_Delete(o);
	form_free(&f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--form") == 0)
		return form_mode();
	if (argc > 1) {
		int help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
		fprintf(help ? stdout : stderr,
		        "usage: sig-check < lines.ndjson   (each {\"token\",\"url\",\"body\",\"header\"})\n"
		        "       sig-check --form < body\n");
		return help ? 0 : 64;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int bad_input = 0;
	while ((len = getline(&line, &cap, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		cJSON *rec = cJSON_ParseWithLength(line, (size_t)len);
		const char *token = str_item(rec, "token"), *url = str_item(rec, "url");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(rec, "body");
		if (!cJSON_IsObject(rec) || !token || !url || (body && !cJSON_IsString(body))) {
			print_error("not an object with string \"token\", \"url\" and \"body\"");
			cJSON_Delete(rec);
			bad_input = 1;
			continue;
		}
		struct form f;
		char err[160];
		const char *b = body ? body->valuestring : "";
		if (form_parse(b, strlen(b), &f, err, sizeof err) < 0) {
			print_error(err);
			cJSON_Delete(rec);
			continue;
		}
		char *expected = twilio_signature(token, url, &f);
		int valid = twilio_signature_valid(token, url, &f, str_item(rec, "header"));
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "valid", valid);
		if (expected)
			cJSON_AddStringToObject(o, "expected", expected);
		else
			cJSON_AddNullToObject(o, "expected");
		print_json(o);
		cJSON_Delete(o);
		free(expected);
		form_free(&f);
		cJSON_Delete(rec);
	}
	free(line);
	return bad_input ? 65 : 0;
}
