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

/* Everything sms-split says about one body. */
struct figures {
	const char     *body;
	struct gsm_info g;
	char            money[32];
	char            warn[2][96];
	int             nwarn;
	int             smart;  /* the smart-encoded body below is set */
	char           *sbody;
	size_t          slen;
	struct gsm_info sg;
	char            smoney[32];
};

/* Plain E.164 ("+" and 3-15 digits): no need for the full parser. */
static int plain_e164(const char *s)
{
	size_t n = 0;
	if (*s++ != '+')
		return 0;
	for (; s[n]; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= 3 && n <= 15;
}

static const char *price_country(const struct opts *o, const cJSON *rec, char buf[3])
{
	if (o->country)
		return o->country;
	const char *to = rec_str(rec, "to");
	if (to && plain_e164(to) && phone_region_of(to, buf)[0])
		return buf;
	if (to) {
		struct phone_result pr;
		if (phone_parse(to, o->region, &pr) != PHONE_NOT_A_NUMBER && pr.region[0]) {
			memcpy(buf, pr.region, 3);
			return buf;
		}
	}
	return o->region;
}

/* Fills f for body; -1 when the body is not valid UTF-8. */
static int analyze(const struct opts *o, const cJSON *rec, const char *body, struct figures *f)
{
	memset(f, 0, sizeof *f);
	f->body = body;
	if (gsm_analyze(body, strlen(body), &f->g) != 0)
		return -1;
	const cJSON *media = cJSON_GetObjectItemCaseSensitive(rec, "media");
	int mms = cJSON_IsArray(media) && cJSON_GetArraySize(media) > 0;
	char cbuf[3];
	const char *country = price_country(o, rec, cbuf);
	money_format(price_estimate(o->prices, country, mms, f->g.segments), f->money);
	size_t n16 = policy_utf16_units(&f->g);
	if (n16 > POLICY_MAX_BODY)
		snprintf(f->warn[f->nwarn++], sizeof f->warn[0],
		         "too long to send: %zu characters, the limit is %d", n16, POLICY_MAX_BODY);
	if (f->g.segments >= 2 && !mms) {
		/* Built by hand, not printf: most bodies of a big batch take this path. */
		char num[24], *w = f->warn[f->nwarn++];
		size_t i = sizeof num, n = f->g.segments;
		do
			num[--i] = (char)('0' + n % 10);
		while ((n /= 10) != 0);
		memcpy(w, "will be sent as ", 16);
		memcpy(w + 16, num + i, sizeof num - i);
		memcpy(w + 16 + (sizeof num - i), " segments", 10);
	}
	if (o->smart) {
		f->sbody = gsm_smart_encode(body, strlen(body), &f->slen);
		f->smart = gsm_analyze(f->sbody, f->slen, &f->sg) == 0;
		if (f->smart)
			money_format(price_estimate(o->prices, country, mms, f->sg.segments), f->smoney);
	}
	return 0;
}

static void figures_free(struct figures *f)
{
	gsm_info_free(&f->g);
	if (f->smart)
		gsm_info_free(&f->sg);
	free(f->sbody);
}

/* The figures of one body as cJSON fields of obj (the general path). */
static void put_gsm(cJSON *obj, const char *body, const struct gsm_info *g)
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

static void put_figures(cJSON *rec, const struct figures *f, const char *currency)
{
	put_gsm(rec, f->body, &f->g);
	rec_put_str(rec, "price_estimate", f->money);
	rec_put_str(rec, "currency", currency);
	cJSON *w = cJSON_CreateArray();
	for (int i = 0; i < f->nwarn; i++)
		cJSON_AddItemToArray(w, cJSON_CreateString(f->warn[i]));
	rec_put(rec, "warnings", w);
	if (f->sbody) {
		cJSON *smart = cJSON_CreateObject();
		rec_put_str(smart, "body", f->sbody);
		if (f->smart) {
			put_gsm(smart, f->sbody, &f->sg);
			rec_put_str(smart, "price_estimate", f->smoney);
		}
		rec_put(rec, "smart", smart);
	}
	rec_set_ok(rec);
}

/* The same fields written straight after the input text: the fast path for
 * big batches, byte-identical to the general one. */
static void raw_num(struct strbuf *b, const char *key, size_t n)
{
	strbuf_puts(b, ",\"");
	strbuf_puts(b, key);
	strbuf_puts(b, "\":");
	strbuf_put_uint(b, n);
}

static void raw_gsm(struct strbuf *b, const char *body, const struct gsm_info *g)
{
	strbuf_puts(b, ",\"encoding\":");
	json_str(b, gsm_encoding_name(g->encoding), 5);
	raw_num(b, "segments", g->segments);
	raw_num(b, "units", g->units);
	raw_num(b, "chars", g->chars);
	strbuf_puts(b, ",\"parts\":[");
	for (size_t i = 0; i < g->nparts; i++) {
		if (i)
			strbuf_putc(b, ',');
		json_str(b, body + g->parts[i].off, g->parts[i].len);
	}
	strbuf_putc(b, ']');
	raw_num(b, "remaining", g->remaining);
}

static void raw_figures(struct strbuf *b, const struct figures *f, const char *currency)
{
	raw_gsm(b, f->body, &f->g);
	strbuf_puts(b, ",\"price_estimate\":");
	json_str(b, f->money, strlen(f->money));
	strbuf_puts(b, ",\"currency\":");
	json_str(b, currency, strlen(currency));
	strbuf_puts(b, ",\"warnings\":[");
	for (int i = 0; i < f->nwarn; i++) {
		if (i)
			strbuf_putc(b, ',');
		json_str(b, f->warn[i], strlen(f->warn[i]));
	}
	strbuf_putc(b, ']');
	if (f->sbody) {
		strbuf_puts(b, ",\"smart\":{\"body\":");
		json_str(b, f->sbody, f->slen);
		if (f->smart) {
			raw_gsm(b, f->sbody, &f->sg);
			strbuf_puts(b, ",\"price_estimate\":");
			json_str(b, f->smoney, strlen(f->smoney));
		}
		strbuf_putc(b, '}');
	}
	strbuf_puts(b, ",\"ok\":true}");
}

/* Keys sms-split writes: an input record carrying one of them takes the
 * general path, which replaces it instead of writing it twice. */
static int fast_path_ok(const struct rec_in *in, const cJSON *rec)
{
	static const char *const ours[] = {"encoding", "segments", "units", "chars", "parts",
	                                   "remaining", "price_estimate", "currency",
	                                   "warnings", "smart", "ok", "error"};
	if (in->had_line)
		return 0;
	for (const cJSON *c = rec->child; c; c = c->next)
		for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
			if (c->string[0] == ours[i][0] && strcmp(c->string, ours[i]) == 0)
				return 0;
	return 1;
}

/* Reports one record; frees it. */
static void split_one(const struct opts *o, struct rec_out *out, const struct rec_in *in,
                      cJSON *rec, struct strbuf *buf)
{
	const char *body = rec_str(rec, "body");
	if (!body) {
		if (cJSON_GetObjectItemCaseSensitive(rec, "body"))
			rec_fail(rec, "invalid_body", 0, "\"body\" must be a string");
		else
			rec_fail(rec, "missing_body", 0, "record has no \"body\"");
		rec_emit(out, rec);
		return;
	}
	struct figures f;
	if (analyze(o, rec, body, &f) != 0) {
		rec_fail(rec, "invalid_body", 0, "body is not valid UTF-8");
		rec_emit(out, rec);
		return;
	}
	size_t rawlen;
	const char *raw = in && !out->text ? rec_in_raw(in, &rawlen) : NULL;
	if (raw && fast_path_ok(in, rec)) {
		while (rawlen > 0 && raw[rawlen - 1] != '}')
			rawlen--;
		buf->len = 0;
		strbuf_add(buf, raw, rawlen - 1);
		strbuf_puts(buf, rec->child->next ? ",\"line\":" : "\"line\":");
		strbuf_put_uint(buf, in->lineno);
		raw_figures(buf, &f, price_currency(o->prices));
		rec_emit_raw(out, buf->s, buf->len, 1);
		cJSON_Delete(rec);
	} else {
		put_figures(rec, &f, price_currency(o->prices));
		rec_emit(out, rec);
	}
	figures_free(&f);
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
		split_one(&o, &out, NULL, rec, NULL);
		rc = rec_exit_code(&out, NULL);
	} else {
		struct rec_in in;
		struct strbuf buf;
		rec_in_init(&in, stdin);
		strbuf_init(&buf);
		cJSON *rec, *bad;
		while (rec_next(&in, &rec, &bad)) {
			if (bad)
				rec_emit(&out, bad);
			else
				split_one(&o, &out, &in, rec, &buf);
		}
		rc = rec_exit_code(&out, &in);
		strbuf_free(&buf);
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
