/* sms-split — how a body will travel: encoding, segments, the parts as they will
 * be sent, units left in the last part, and the cost estimate (sms-split(1));
 * on WhatsApp (a "to" of whatsapp:+number, or --whatsapp), one message with its
 * own limit and price instead of segments. Text from the arguments, or NDJSON
 * records with "body" on stdin. */
#include <strings.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "gsm.h"
#include "keywordwarn.h"
#include "phone.h"
#include "policy.h"
#include "price.h"
#include "progenv.h"
#include "records.h"
#include "utf8.h"
#include "util.h"

/* price_estimate() finds the country's row by name at every call; a batch mostly
 * repeats a few countries, so the last one's prices are kept. Exact: the estimate for n
 * SMS segments is n times that for one, and an MMS one is per message (price.h). */
struct price_memo {
	int     set;
	char    country[8];  /* "" for none: price_estimate() reads NULL and "" alike */
	money_t sms, mms;
};

struct opts {
	int                       smart;
	int                       whatsapp; /* --whatsapp: the arguments' body */
	const char               *format;   /* -o */
	const char               *country;  /* --country: overrides the record's "to" */
	const char               *region;   /* SMS_DEFAULT_COUNTRY: national numbers, fallback */
	const struct price_table *prices;
	struct price_memo         memo;
	struct strbuf             currency; /* ,"currency":"USD" for the fast path */
};

static void usage(FILE *fp)
{
	fputs("usage: sms-split [--smart | --whatsapp] [--country CC] [-o json|text] [TEXT...]\n"
	      "       ... | sms-split [--smart] [--country CC] [-o json|text]\n"
	      "\n"
	      "Shows how a message body travels as SMS: encoding (GSM-7 or UCS-2),\n"
	      "segments, units, characters, the parts, what is left in the last part and\n"
	      "the cost estimate. TEXT words are joined by spaces into one body; without\n"
	      "TEXT, reads NDJSON records with a \"body\" field from stdin.\n"
	      "\n"
	      "A record whose \"to\" is whatsapp:+number is a WhatsApp message: no segments,\n"
	      "its own length limit and a price per message.\n"
	      "\n"
	      "  -s, --smart          also show the body after smart encoding\n"
	      "  -w, --whatsapp       TEXT is a WhatsApp message\n"
	      "  -c, --country CC     price for this country (default: the record's \"to\",\n"
	      "                       else SMS_DEFAULT_COUNTRY, else US)\n"
	      "  -o, --output FORMAT  json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help           this help\n"
	      "      --version        print the version\n",
	      fp);
}

/* Everything sms-split says about one body. */
#define NPARTS 8
struct figures {
	const char     *body;
	size_t          len;
	struct gsm_info g;
	char            money[32];
	char            warn[2 + KEYWORDWARN_MAX][KEYWORDWARN_LEN];
	int             nwarn;
	int             smart;  /* the smart-encoded body below is set */
	char           *sbody;
	size_t          slen;
	struct gsm_info sg;
	char            smoney[32];
	struct gsm_part parts[NPARTS], sparts[NPARTS];  /* g's and sg's, unless there are more */
};

/* What of a record sms-split reads: the first "body", "to" and "media" fields, as
 * cJSON's lookups find them. */
struct input {
	const char *body;  /* NULL: absent or not a string */
	size_t      len;
	const char *to;    /* NULL: absent or not a string */
	int         mms;   /* "media" is an array with at least one item */
};

static struct input input_of(const cJSON *rec)
{
	struct input in = {rec_str(rec, "body"), 0, rec_str(rec, "to"), 0};
	const cJSON *media = cJSON_GetObjectItemCaseSensitive(rec, "media");
	in.mms = cJSON_IsArray(media) && cJSON_GetArraySize(media) > 0;
	if (in.body)
		in.len = strlen(in.body);
	return in;
}

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

static const char *price_country(const struct opts *o, const char *to, char buf[3])
{
	if (o->country)
		return o->country;
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

static money_t estimate(struct opts *o, const char *country, int mms, size_t segments)
{
	struct price_memo *m = &o->memo;
	const char *c = country ? country : "";
	if (!m->set || strcmp(m->country, c) != 0) {
		if (strlen(c) >= sizeof m->country)
			return price_estimate(o->prices, country, mms, segments);
		strcpy(m->country, c);
		m->sms = price_estimate(o->prices, country, 0, 1);
		m->mms = price_estimate(o->prices, country, 1, 1);
		m->set = 1;
	}
	return mms ? m->mms : m->sms * (money_t)segments;
}

/* Fills f for the body; -1 when the body is not valid UTF-8. */
static int analyze(struct opts *o, const struct input *in, struct figures *f)
{
	f->body = in->body;
	f->len = in->len;
	f->nwarn = f->smart = 0;
	f->sbody = NULL;
	f->slen = 0;
	if (gsm_analyze_buf(in->body, in->len, &f->g, f->parts, NPARTS) != 0)
		return -1;
	char cbuf[3];
	const char *country = price_country(o, in->to, cbuf);
	money_format(estimate(o, country, in->mms, f->g.segments), f->money);
	size_t n16 = policy_utf16_units(&f->g);
	if (n16 > POLICY_MAX_BODY)
		snprintf(f->warn[f->nwarn++], sizeof f->warn[0],
		         "too long to send: %zu characters, the limit is %d", n16, POLICY_MAX_BODY);
	if (f->g.segments >= 2 && !in->mms) {
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
	/* "Reply CONFIRM or CANCEL": smskit-practices(7), Reply words */
	const char *kw[KEYWORDWARN_MAX];
	for (size_t i = 0, n = keyword_prompts(in->body, kw, KEYWORDWARN_MAX); i < n; i++)
		keyword_prompt_warning(kw[i], f->warn[f->nwarn++], sizeof f->warn[0]);
	if (o->smart) {
		f->sbody = gsm_smart_encode(in->body, in->len, &f->slen);
		f->smart = gsm_analyze_buf(f->sbody, f->slen, &f->sg, f->sparts, NPARTS) == 0;
		if (f->smart)
			money_format(estimate(o, country, in->mms, f->sg.segments), f->smoney);
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

/* The fast path for big batches: the input line as it was read, then "line" and the
 * same fields as put_figures() in the same order, escaped as cJSON escapes them.
 * Byte-identical to the general path for the records it takes (fast_path_ok()): cJSON
 * prints the fields it adds after those it read, and replaces none of these, since none
 * has one of our names. The lines go to a batch written out BATCH_BYTES at a time;
 * whatever is printed otherwise (rec_emit()) first writes out the batch, so the output
 * keeps the input's order. */
#define BATCH_BYTES (1u << 20)

static void batch_flush(struct strbuf *batch, FILE *fp)
{
	if (batch->len > 0)
		fwrite(batch->s, 1, batch->len, fp);
	batch->len = 0;
}

static inline char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}
#define PUT(p, lit) put(p, lit, sizeof lit - 1)

static char *put_uint(char *p, size_t n)
{
	char d[24];
	size_t i = sizeof d;
	do
		d[--i] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	return put(p, d + i, sizeof d - i);
}

/* s as a JSON string, for strings of ours that hold nothing JSON escapes: encoding
 * names, amounts (digits, '-' and '.') and warnings (words, digits, ':' and ','). */
static char *put_plain_str(char *p, const char *s)
{
	*p++ = '"';
	p = put(p, s, strlen(s));
	*p++ = '"';
	return p;
}

/* Room put_fast_gsm() needs for a body of n bytes. */
static size_t gsm_room(const struct gsm_info *g, size_t n)
{
	return 256 + 6 * n + 3 * g->nparts;
}

/* verbatim: body holds no byte that JSON escapes (see struct rec_field), so its parts
 * are copied as they are, which is what json_str_put() would write. */
static char *put_fast_gsm(char *p, const char *body, const struct gsm_info *g, int verbatim)
{
	p = put_plain_str(PUT(p, ",\"encoding\":"), gsm_encoding_name(g->encoding));
	p = put_uint(PUT(p, ",\"segments\":"), g->segments);
	p = put_uint(PUT(p, ",\"units\":"), g->units);
	p = put_uint(PUT(p, ",\"chars\":"), g->chars);
	p = PUT(p, ",\"parts\":[");
	for (size_t i = 0; i < g->nparts; i++) {
		const char *s = body + g->parts[i].off;
		size_t n = g->parts[i].len;
		if (i)
			*p++ = ',';
		if (verbatim) {
			*p++ = '"';
			p = put(p, s, n);
			*p++ = '"';
		} else {
			p = json_str_put(p, s, n);
		}
	}
	*p++ = ']';
	return put_uint(PUT(p, ",\"remaining\":"), g->remaining);
}

/* Appends the output line for raw[0..len), the text of input line lineno, to batch.
 * currency: ,"currency":"..." as JSON (the currency comes from the config). */
static void batch_figures(struct strbuf *batch, const char *raw, size_t len, size_t lineno,
                          const struct figures *f, int verbatim, const struct strbuf *currency)
{
	/* the object as read, without its closing brace */
	while (len > 0 && raw[len - 1] != '}')
		len--;
	len--;
	size_t room = len + 64 + gsm_room(&f->g, f->len) + currency->len + sizeof f->warn + 256;
	if (f->sbody)
		room += 6 * f->slen + (f->smart ? gsm_room(&f->sg, f->slen) : 0) + 256;
	strbuf_reserve(batch, room);
	char *p = batch->s + batch->len;
	p = put(p, raw, len);
	p = put_uint(PUT(p, ",\"line\":"), lineno);
	p = put_fast_gsm(p, f->body, &f->g, verbatim);
	p = put_plain_str(PUT(p, ",\"price_estimate\":"), f->money);
	p = put(p, currency->s, currency->len);
	p = PUT(p, ",\"warnings\":[");
	for (int i = 0; i < f->nwarn; i++) {
		if (i)
			*p++ = ',';
		p = put_plain_str(p, f->warn[i]);
	}
	*p++ = ']';
	if (f->sbody) {
		p = json_str_put(PUT(p, ",\"smart\":{\"body\":"), f->sbody, f->slen);
		if (f->smart) {
			p = put_fast_gsm(p, f->sbody, &f->sg, 0);
			p = put_plain_str(PUT(p, ",\"price_estimate\":"), f->smoney);
		}
		*p++ = '}';
	}
	p = PUT(p, ",\"ok\":true}\n");
	batch->len = (size_t)(p - batch->s);
}

/* Keys sms-split writes: an input record carrying one of them takes the
 * general path, which replaces it instead of writing it twice. */
static const char *const ours[] = {"encoding", "segments", "units", "chars", "parts",
                                   "remaining", "price_estimate", "currency",
                                   "warnings", "smart", "ok", "error"};
#define NOURS (sizeof ours / sizeof *ours)

static int fast_path_ok(const struct rec_in *in, const cJSON *rec)
{
	if (in->had_line)
		return 0;
	for (const cJSON *c = rec->child; c; c = c->next)
		for (size_t i = 0; i < NOURS; i++)
			if (c->string[0] == ours[i][0] && strcmp(c->string, ours[i]) == 0)
				return 0;
	return 1;
}

/* A "to" on WhatsApp: the fast path, all SMS, leaves it to split_one. The
 * first letter first: every record of a big batch of SMS asks. */
static inline int whatsapp_to(const char *to)
{
	return to && (to[0] | 0x20) == 'w' &&
	       strncasecmp(to, ADDRESS_WHATSAPP_PREFIX, sizeof ADDRESS_WHATSAPP_PREFIX - 1) == 0;
}

/* A WhatsApp body's figures (smskit-whatsapp(7)): one message of UTF-8 text,
 * POLICY_WA_MAX_BODY characters at most, priced per message by the
 * template's category; no GSM-7, no segments, no smart encoding. */
static void split_whatsapp(struct opts *o, struct rec_out *out, cJSON *rec,
                           const struct input *in)
{
	char cbuf[3], money[32];
	const char *country = price_country(o, in->to ? address_number(in->to) : NULL, cbuf);
	enum wa_category cat = policy_wa_category(rec);
	size_t chars = policy_code_points(in->body);
	money_format(price_whatsapp(o->prices, country, cat), money);
	rec_put_str(rec, "channel", "whatsapp");
	rec_put_str(rec, "encoding", "UTF-8");
	rec_put_num(rec, "segments", 1);
	rec_put_num(rec, "chars", (double)chars);
	rec_put_num(rec, "limit", POLICY_WA_MAX_BODY);
	cJSON *parts = cJSON_CreateArray();
	cJSON_AddItemToArray(parts, cJSON_CreateString(in->body));
	rec_put(rec, "parts", parts);
	rec_put_num(rec, "remaining", chars > POLICY_WA_MAX_BODY ? 0 : (double)(POLICY_WA_MAX_BODY - chars));
	rec_put_str(rec, "category", wa_category_name(cat));
	rec_put_str(rec, "price_estimate", money);
	rec_put_str(rec, "currency", price_currency(o->prices));
	cJSON *w = cJSON_CreateArray();
	char buf[96];
	if (chars > POLICY_WA_MAX_BODY) {
		snprintf(buf, sizeof buf, "too long to send: %zu characters, the WhatsApp limit is %d",
		         chars, POLICY_WA_MAX_BODY);
		cJSON_AddItemToArray(w, cJSON_CreateString(buf));
	}
	if (cat == WA_UNKNOWN)
		cJSON_AddItemToArray(w, cJSON_CreateString("template of no given category "
		                                           "(template_category): priced as marketing"));
	const char *kw[KEYWORDWARN_MAX];
	char kbuf[KEYWORDWARN_LEN];
	for (size_t i = 0, n = keyword_prompts(in->body, kw, KEYWORDWARN_MAX); i < n; i++) {
		keyword_prompt_warning(kw[i], kbuf, sizeof kbuf);
		cJSON_AddItemToArray(w, cJSON_CreateString(kbuf));
	}
	rec_put(rec, "warnings", w);
	rec_set_ok(rec);
	rec_emit(out, rec);
}

/* Reports one record; frees it. */
static void split_one(struct opts *o, struct rec_out *out, const struct rec_in *in,
                      cJSON *rec, struct strbuf *batch)
{
	struct input input = input_of(rec);
	if (!input.body) {
		if (cJSON_GetObjectItemCaseSensitive(rec, "body"))
			rec_fail(rec, "invalid_body", 0, "\"body\" must be a string");
		else
			rec_fail(rec, "missing_body", 0, "record has no \"body\"");
		rec_emit(out, rec);
		return;
	}
	if (whatsapp_to(input.to) || (o->whatsapp && !in)) {
		if (utf8_invalid_at(input.body, input.len) < 0) {
			split_whatsapp(o, out, rec, &input);
			return;
		}
		rec_fail(rec, "invalid_body", 0, "body is not valid UTF-8");
		rec_emit(out, rec);
		return;
	}
	struct figures f;
	if (analyze(o, &input, &f) != 0) {
		rec_fail(rec, "invalid_body", 0, "body is not valid UTF-8");
		rec_emit(out, rec);
		return;
	}
	size_t rawlen;
	const char *raw = in && !out->text ? rec_in_raw(in, &rawlen) : NULL;
	if (raw && fast_path_ok(in, rec)) {
		batch_figures(batch, raw, rawlen, in->lineno, &f, 0, &o->currency);
		rec_out_count(out, 1);
		cJSON_Delete(rec);
	} else {
		put_figures(rec, &f, price_currency(o->prices));
		rec_emit(out, rec);
	}
	figures_free(&f);
}

/* The fields rec_next_lazy() looks up: body, to, media, then ours. */
enum { F_BODY, F_TO, F_MEDIA, F_OURS };

/* A record rec_next_lazy() did not parse: the fast path when it takes the record (its
 * "body" is a string, and it has no "line" nor any of our fields: fast_path_ok()),
 * else the record rec_next() would have given goes to split_one(). */
static void split_lazy(struct opts *o, struct rec_out *out, struct rec_in *in,
                       const struct rec_field *fl, struct strbuf *batch)
{
	int fast = !out->text && !in->had_line && fl[F_BODY].type == cJSON_String &&
	           !(fl[F_TO].type == cJSON_String && whatsapp_to(fl[F_TO].str));
	for (size_t i = 0; fast && i < NOURS; i++)
		fast = fl[F_OURS + i].type == cJSON_Invalid;
	struct input input = {
		fl[F_BODY].str, fl[F_BODY].len,
		fl[F_TO].type == cJSON_String ? fl[F_TO].str : NULL,
		fl[F_MEDIA].type == cJSON_Array && fl[F_MEDIA].items > 0,
	};
	struct figures f;
	if (fast && analyze(o, &input, &f) == 0) {
		size_t rawlen;
		const char *raw = rec_in_raw(in, &rawlen);
		batch_figures(batch, raw, rawlen, in->lineno, &f, fl[F_BODY].verbatim, &o->currency);
		rec_out_count(out, 1);
		figures_free(&f);
		return;
	}
	batch_flush(batch, out->fp);
	split_one(o, out, in, rec_in_object(in), batch);
}

static void print_figures(FILE *fp, const cJSON *obj, const char *indent)
{
	const char *enc = rec_str(obj, "encoding");
	if (strcmp(enc, "UTF-8") == 0) { /* WhatsApp: one message, no segments */
		fprintf(fp, "%sWhatsApp, UTF-8, one message, %d characters of %d, %s\n", indent,
		        cJSON_GetObjectItemCaseSensitive(obj, "chars")->valueint, POLICY_WA_MAX_BODY,
		        rec_str(obj, "category"));
		return;
	}
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
		if (cJSON_IsString(w))
			fprintf(fp, "  warning: %s\n", w->valuestring);
	/* Ours only when --smart made it; an input record's own "smart" field
	 * passes through and may be anything. */
	const cJSON *smart = cJSON_GetObjectItemCaseSensitive(rec, "smart");
	if (cJSON_IsObject(smart) && rec_str(smart, "body")) {
		fprintf(fp, "  smart-encoded: %s\n", rec_str(smart, "body"));
		print_figures(fp, smart, "  ");
	}
}

static int option(void *arg, int c, const char *val)
{
	struct opts *o = arg;
	switch (c) {
	case 's': o->smart = 1; break;
	case 'w': o->whatsapp = 1; break;
	case 'c': o->country = val; break;
	case 'o': o->format = val; break;
	}
	return 0;
}

static const struct option longopts[] = {
	{"smart", no_argument, NULL, 's'},     {"country", required_argument, NULL, 'c'},
	{"whatsapp", no_argument, NULL, 'w'},
	{"output", required_argument, NULL, 'o'}, CLI_HELP_VERSION,
};

static const struct cli cli = {"sms-split", usage, "swc:o:h", longopts, option};

/* The text of the arguments, as one message. */
static int split_args(struct opts *o, struct rec_out *out, int nargs, char **args)
{
	struct strbuf body;
	strbuf_init(&body);
	for (int i = 0; i < nargs; i++) {
		if (i > 0)
			strbuf_putc(&body, ' ');
		strbuf_puts(&body, args[i]);
	}
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "body", body.s ? body.s : "");
	strbuf_free(&body);
	split_one(o, out, NULL, rec, NULL);
	return rec_exit_code(out, NULL);
}

/* The records of stdin, most of them never parsed (rec_next_lazy), the output
 * written in batches. */
static int split_stdin(struct opts *o, struct rec_out *out)
{
	struct rec_in in;
	struct strbuf batch;
	rec_in_init(&in, stdin);
	strbuf_init(&batch);
	struct rec_field fields[F_OURS + NOURS] = {
		[F_BODY] = {.name = "body"}, [F_TO] = {.name = "to"}, [F_MEDIA] = {.name = "media"},
	};
	for (size_t i = 0; i < NOURS; i++)
		fields[F_OURS + i].name = ours[i];
	cJSON *rec, *bad;
	while (rec_next_lazy(&in, fields, F_OURS + NOURS, &rec, &bad)) {
		if (bad || rec)
			batch_flush(&batch, out->fp);
		if (bad)
			rec_emit(out, bad);
		else if (rec)
			split_one(o, out, &in, rec, &batch);
		else
			split_lazy(o, out, &in, fields, &batch);
		if (batch.len >= BATCH_BYTES)
			batch_flush(&batch, out->fp);
	}
	batch_flush(&batch, out->fp);
	int rc = rec_exit_code(out, &in);
	strbuf_free(&batch);
	rec_in_free(&in);
	return rc;
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {0};
	int rc = cli_parse(&cli, argc, argv, &o);
	if (rc != CLI_GO_ON)
		return rc;
	struct rec_out out;
	if (rec_out_stdout(&out, o.format, print_text, NULL) != 0)
		return EX_USAGE;
	struct progenv env = {0};
	if ((rc = progenv_open(&env, PROGENV_PRICES | PROGENV_NO_ZONE)) != 0) {
		progenv_close(&env);
		return rc;
	}
	o.prices = env.prices;
	o.region = config_default_country(env.cfg);
	strbuf_init(&o.currency);
	strbuf_puts(&o.currency, ",\"currency\":");
	json_str(&o.currency, price_currency(env.prices), strlen(price_currency(env.prices)));
	if (optind < argc)
		rc = split_args(&o, &out, argc - optind, argv + optind);
	else
		rc = split_stdin(&o, &out);
	strbuf_free(&o.currency);
	progenv_close(&env);
	return cli_exit(rc);
}
