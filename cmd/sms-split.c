/* sms-split — how a body will travel: encoding, segments, the parts as they will
 * be sent, units left in the last part, and the cost estimate (SPEC 7).
 * Text from the arguments, or NDJSON records with "body" on stdin. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gsm.h"
#include "phone.h"
#include "policy.h"
#include "price.h"
#include "records.h"
#include "util.h"

struct opts {
	int                       smart;
	const char               *country;  /* --country: overrides the record's "to" */
	const char               *region;   /* SMS_DEFAULT_COUNTRY: national numbers, fallback */
	const struct price_table *prices;
};

static void usage(FILE *fp)
{
	fputs("usage: sms-split [--smart] [--country CC] [-o json|text] [TEXT...]\n"
	      "       ... | sms-split [--smart] [--country CC] [-o json|text]\n"
	      "\n"
	      "Shows how a message body travels as SMS: encoding (GSM-7 or UCS-2),\n"
	      "segments, units, characters, the parts, what is left in the last part and\n"
	      "the cost estimate. TEXT words are joined by spaces into one body; without\n"
	      "TEXT, reads NDJSON records with a \"body\" field from stdin.\n"
	      "\n"
	      "  -s, --smart          also show the body after smart encoding\n"
	      "  -c, --country CC     price for this country (default: the record's \"to\",\n"
	      "                       else SMS_DEFAULT_COUNTRY, else US)\n"
	      "  -o, --output FORMAT  json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help           this help\n"
	      "      --version        print the version\n",
	      fp);
}

/* The figures of one body, as fields of obj. */
static void put_figures(cJSON *obj, const char *body, const struct gsm_info *g)
{
	rec_put_str(obj, "encoding", gsm_encoding_name(g->encoding));
	rec_put_num(obj, "segments", (double)g->segments);
	rec_put_num(obj, "units", (double)g->units);
	rec_put_num(obj, "chars", (double)g->chars);
	cJSON *parts = cJSON_CreateArray();
	for (size_t i = 0; i < g->nparts; i++) {
		char *p = xstrndup(body + g->parts[i].off, g->parts[i].len);
		cJSON_AddItemToArray(parts, cJSON_CreateString(p));
		free(p);
	}
	rec_put(obj, "parts", parts);
	rec_put_num(obj, "remaining", (double)g->remaining);
}

static const char *price_country(const struct opts *o, const cJSON *rec, char buf[3])
{
	if (o->country)
		return o->country;
	const char *to = rec_str(rec, "to");
	if (to) {
		struct phone_result pr;
		if (phone_parse(to, o->region, &pr) != PHONE_NOT_A_NUMBER && pr.region[0]) {
			memcpy(buf, pr.region, 3);
			return buf;
		}
	}
	return o->region;
}

static void split_one(const struct opts *o, cJSON *rec)
{
	const char *body = rec_str(rec, "body");
	if (!body) {
		if (cJSON_GetObjectItemCaseSensitive(rec, "body"))
			rec_fail(rec, "invalid_body", 0, "\"body\" must be a string");
		else
			rec_fail(rec, "missing_body", 0, "record has no \"body\"");
		return;
	}
	struct gsm_info g;
	if (gsm_analyze(body, strlen(body), &g) != 0) {
		rec_fail(rec, "invalid_body", 0, "body is not valid UTF-8");
		return;
	}
	put_figures(rec, body, &g);

	const cJSON *media = cJSON_GetObjectItemCaseSensitive(rec, "media");
	int mms = cJSON_IsArray(media) && cJSON_GetArraySize(media) > 0;
	char cbuf[3], money[32];
	money_format(price_estimate(o->prices, price_country(o, rec, cbuf), mms, g.segments), money);
	rec_put_str(rec, "price_estimate", money);
	rec_put_str(rec, "currency", price_currency(o->prices));

	cJSON *warnings = cJSON_CreateArray();
	size_t n16 = policy_utf16_units(&g);
	char w[128];
	if (n16 > POLICY_MAX_BODY) {
		snprintf(w, sizeof w, "too long to send: %zu characters, the limit is %d", n16,
		         POLICY_MAX_BODY);
		cJSON_AddItemToArray(warnings, cJSON_CreateString(w));
	}
	if (g.segments >= 2 && !mms) {
		snprintf(w, sizeof w, "will be sent as %zu segments", g.segments);
		cJSON_AddItemToArray(warnings, cJSON_CreateString(w));
	}
	rec_put(rec, "warnings", warnings);
	gsm_info_free(&g);

	if (o->smart) {
		size_t sl;
		char *sbody = gsm_smart_encode(body, strlen(body), &sl);
		struct gsm_info sg;
		cJSON *smart = cJSON_CreateObject();
		rec_put_str(smart, "body", sbody);
		if (gsm_analyze(sbody, sl, &sg) == 0) {
			put_figures(smart, sbody, &sg);
			money_format(price_estimate(o->prices, price_country(o, rec, cbuf), mms,
			                            sg.segments), money);
			rec_put_str(smart, "price_estimate", money);
			gsm_info_free(&sg);
		}
		free(sbody);
		rec_put(rec, "smart", smart);
	}
	rec_set_ok(rec);
}

static void print_figures(FILE *fp, const cJSON *obj, const char *indent)
{
	const char *enc = rec_str(obj, "encoding");
	int segs = cJSON_GetObjectItemCaseSensitive(obj, "segments")->valueint;
	int chars = cJSON_GetObjectItemCaseSensitive(obj, "chars")->valueint;
	int units = cJSON_GetObjectItemCaseSensitive(obj, "units")->valueint;
	int left = cJSON_GetObjectItemCaseSensitive(obj, "remaining")->valueint;
	fprintf(fp, "%s%s, %d segment%s, %d characters (%d %s), %d left in the last part\n", indent,
	        enc, segs, segs == 1 ? "" : "s", chars, units,
	        strcmp(enc, "GSM-7") == 0 ? "septets" : "UTF-16 units", left);
	int i = 1;
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(obj, "parts"))
		fprintf(fp, "%s  [%d] %s\n", indent, i++, p->valuestring);
}

static void print_text(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(rec, "line");
	if (cJSON_IsNumber(line))
		fprintf(fp, "line %d: ", line->valueint);
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(rec, "error");
		fprintf(fp, "error: %s\n", rec_str(err, "message"));
		return;
	}
	print_figures(fp, rec, "");
	fprintf(fp, "  estimate: %s %s\n", rec_str(rec, "price_estimate"), rec_str(rec, "currency"));
	const cJSON *w;
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(rec, "warnings"))
		fprintf(fp, "  warning: %s\n", w->valuestring);
	const cJSON *smart = cJSON_GetObjectItemCaseSensitive(rec, "smart");
	if (smart) {
		fprintf(fp, "  smart-encoded: %s\n", rec_str(smart, "body"));
		print_figures(fp, smart, "  ");
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"smart", no_argument, NULL, 's'},     {"country", required_argument, NULL, 'c'},
		{"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},   {NULL, 0, NULL, 0},
	};
	util_set_progname(argv[0]);
	struct opts o = {0};
	const char *format = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "sc:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.smart = 1; break;
		case 'c': o.country = optarg; break;
		case 'o': format = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sms-split %s\n", SMSKIT_VERSION); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}

	struct rec_out out;
	rec_out_init(&out, stdout);
	if (rec_out_format(&out, format, print_text, NULL) != 0) {
		warnmsg("-o takes json or text, not `%s`", format);
		return EX_USAGE;
	}
	char err[512];
	struct sms_config *cfg = config_load(err, sizeof err);
	if (!cfg) {
		warnmsg("%s", err);
		return EX_CONFIG;
	}
	struct price_table *prices = price_load(cfg, err, sizeof err);
	if (!prices) {
		warnmsg("%s", err);
		config_free(cfg);
		return EX_CONFIG;
	}
	o.prices = prices;
	o.region = config_default_country(cfg);

	int rc;
	if (optind < argc) {
		struct strbuf body;
		strbuf_init(&body);
		for (int i = optind; i < argc; i++) {
			if (i > optind)
				strbuf_putc(&body, ' ');
			strbuf_puts(&body, argv[i]);
		}
		cJSON *rec = cJSON_CreateObject();
		rec_put_str(rec, "body", body.s ? body.s : "");
		strbuf_free(&body);
		split_one(&o, rec);
		rec_emit(&out, rec);
		rc = rec_exit_code(&out, NULL);
	} else {
		struct rec_in in;
		rec_in_init(&in, stdin);
		cJSON *rec, *bad;
		while (rec_next(&in, &rec, &bad)) {
			if (bad) {
				rec_emit(&out, bad);
				continue;
			}
			split_one(&o, rec);
			rec_emit(&out, rec);
		}
		rc = rec_exit_code(&out, &in);
		rec_in_free(&in);
	}
	price_free(prices);
	config_free(cfg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnmsg("write error on stdout");
		return EX_IOERR;
	}
	return rc;
}
