/* phone-check — test driver for the phone module: reads NDJSON {"input": ..., "region": ...}
 * lines on stdin and prints, for each, {"input","region","e164","possible","reason"}.
 *
 *   phone-check [-v] [-r REGION]    one output line per input line; -v adds "verdict",
 *                                   "country" (phone_region_of), "sendable" and "why"
 *   phone-check -t                  one tab-separated line per input instead: e164, verdict,
 *                                   country, sendable|unsendable, reason ("-" when empty)
 *   phone-check --data              prints where the tables come from and exits
 *   phone-check --check             the lines also carry the expected "e164" (string or
 *                                   null) and "possible"; prints each disagreement (the
 *                                   first 20 in full), then "N of M agree"; exit 1 unless
 *                                   all agree
 *
 * A line whose "region" is missing or null uses -r REGION (default: none). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "phone.h"

static const char *verdict_name(enum phone_verdict v)
{
	switch (v) {
	case PHONE_OK: return "ok";
	case PHONE_IMPOSSIBLE: return "impossible";
	default: return "not_a_number";
	}
}

static cJSON *result_json(const cJSON *input, const cJSON *region, const struct phone_result *r,
                          int verbose)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "input", cJSON_Duplicate(input, 1));
	cJSON_AddItemToObject(o, "region", region ? cJSON_Duplicate(region, 1) : cJSON_CreateNull());
	if (r->verdict == PHONE_NOT_A_NUMBER)
		cJSON_AddNullToObject(o, "e164");
	else
		cJSON_AddStringToObject(o, "e164", r->e164);
	cJSON_AddBoolToObject(o, "possible", r->verdict == PHONE_OK);
	if (r->reason)
		cJSON_AddStringToObject(o, "reason", r->reason);
	else
		cJSON_AddNullToObject(o, "reason");
	if (verbose) {
		const char *why = NULL;
		int ok = phone_sendable(r, &why);
		cJSON_AddStringToObject(o, "verdict", verdict_name(r->verdict));
		cJSON_AddStringToObject(o, "country", r->region);
		cJSON_AddBoolToObject(o, "sendable", ok);
		if (why)
			cJSON_AddStringToObject(o, "why", why);
		else
			cJSON_AddNullToObject(o, "why");
	}
	return o;
}

static void print_json(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	puts(s);
	free(s);
}

static void print_tsv(const struct phone_result *r)
{
	const char *why = NULL;
	int ok = phone_sendable(r, &why);
	printf("%s\t%s\t%s\t%s\t%s\n", r->verdict == PHONE_NOT_A_NUMBER ? "-" : r->e164,
	       verdict_name(r->verdict), r->region[0] ? r->region : "-", ok ? "sendable" : "unsendable",
	       r->reason ? r->reason : why ? why : "-");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: phone-check [-v | -t] [-r REGION] [--check] < lines.ndjson\n"
	           "       phone-check --data\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"check", no_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"tsv", no_argument, NULL, 't'},
		{"data", no_argument, NULL, 'd'},
		{"region", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int check = 0, verbose = 0, tsv = 0, c;
	const char *default_region = NULL;
	while ((c = getopt_long(argc, argv, "cvtr:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': check = 1; break;
		case 'v': verbose = 1; break;
		case 't': tsv = 1; break;
		case 'd': puts(phone_data_source); return 0;
		case 'r': default_region = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 64;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 64;
	}

	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0, total = 0, agree = 0, shown = 0;
	int bad_input = 0;
	while ((len = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		cJSON *rec = cJSON_Parse(line);
		const cJSON *input = rec ? cJSON_GetObjectItemCaseSensitive(rec, "input") : NULL;
		if (!cJSON_IsObject(rec) || !cJSON_IsString(input)) {
			fprintf(stderr, "phone-check: line %ld: not an object with a string \"input\"\n",
			        lineno);
			cJSON_Delete(rec);
			bad_input = 1;
			continue;
		}
		const cJSON *region = cJSON_GetObjectItemCaseSensitive(rec, "region");
		const char *reg = cJSON_IsString(region) ? region->valuestring : default_region;
		struct phone_result r;
		phone_parse(input->valuestring, reg, &r);
		cJSON *out = result_json(input, region, &r, verbose);
		if (tsv && !check) {
			print_tsv(&r);
		} else if (!check) {
			print_json(out);
		} else {
			const cJSON *want_e164 = cJSON_GetObjectItemCaseSensitive(rec, "e164");
			const cJSON *want_possible = cJSON_GetObjectItemCaseSensitive(rec, "possible");
			total++;
			int same_e164 = cJSON_IsNull(want_e164)
			                    ? r.verdict == PHONE_NOT_A_NUMBER
			                    : cJSON_IsString(want_e164) && r.verdict != PHONE_NOT_A_NUMBER &&
			                          strcmp(want_e164->valuestring, r.e164) == 0;
			int same_possible = cJSON_IsBool(want_possible) &&
			                    cJSON_IsTrue(want_possible) == (r.verdict == PHONE_OK);
			if (same_e164 && same_possible) {
				agree++;
			} else if (shown++ < 20) {
				cJSON_AddNumberToObject(out, "line", (double)lineno);
				cJSON_AddItemToObject(out, "want_e164",
				                      want_e164 ? cJSON_Duplicate(want_e164, 1) : cJSON_CreateNull());
				cJSON_AddItemToObject(out, "want_possible", want_possible
				                      ? cJSON_Duplicate(want_possible, 1) : cJSON_CreateNull());
				printf("disagree: ");
				print_json(out);
			}
		}
		cJSON_Delete(out);
		cJSON_Delete(rec);
	}
	free(line);
	if (check) {
		printf("%ld of %ld agree\n", agree, total);
		return agree == total && !bad_input && total > 0 ? 0 : 1;
	}
	return bad_input ? 65 : 0;
}
