/* sms-optout — the opt-out list and the consent log (sms-optout(1)): list,
 * add, rm and check opt-outs; in records an opt-in with its source and
 * evidence, consent shows a number's, consents lists them. Numbers are
 * normalised to E.164 against SMS_DEFAULT_COUNTRY; one record out per number
 * in, in input order, from the arguments or from NDJSON on stdin. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "phone.h"
#include "progenv.h"
#include "recloop.h"
#include "records.h"
#include "store.h"
#include "util.h"
#include "verbs.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-optout list [-o json|text]\n"
	      "       sms-optout add [--source TEXT] [NUMBER...]\n"
	      "       sms-optout rm [NUMBER...]\n"
	      "       sms-optout check [NUMBER...]\n"
	      "       sms-optout in --source WORD --evidence TEXT [--at TIME] [NUMBER...]\n"
	      "       sms-optout consent [NUMBER...]\n"
	      "       sms-optout consents [-o json|text]\n"
	      "\n"
	      "The numbers that get nothing from sms-send. add opts numbers out, rm (or\n"
	      "remove) opts them back in, check says whether they are opted out. Numbers are\n"
	      "normalised to E.164 against SMS_DEFAULT_COUNTRY; whatsapp:NUMBER is the\n"
	      "number's WhatsApp opt-out, apart from its SMS one. Without NUMBER arguments,\n"
	      "add, rm and check read NDJSON records carrying \"number\" (or \"to\", or \"from\")\n"
	      "on stdin; other fields pass through. One record out per number, in order.\n"
	      "in records a number's opt-in (consent) with how and where it was given, and\n"
	      "lifts an older opt-out; records on stdin may carry their own \"source\",\n"
	      "\"evidence\" and \"at\". consent shows a number's consent and its history,\n"
	      "consents every number's latest word. SMS_REQUIRE_CONSENT=on refuses marketing\n"
	      "messages to a number whose latest word is not an opt-in.\n"
	      "\n"
	      "  -s, --source TEXT    add: how the opt-out came about (default \"manual\");\n"
	      "                       in: how the opt-in was given (web, keyword, paper, import)\n"
	      "  -e, --evidence TEXT  in: the proof (the form's URL and IP, \"signed form #123\")\n"
	      "      --at TIME        in: when it was given, RFC 3339 (default: now)\n"
	      "  -o, --output FORMAT  json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help           this help\n"
	      "      --version        print the version\n",
	      fp);
}

enum verb { V_LIST, V_ADD, V_RM, V_CHECK, V_IN, V_CONSENT, V_CONSENTS };

struct opts {
	const char *source, *format, *evidence, *at;
};

struct ctx {
	struct store   *st;
	struct rec_out *out;
	enum verb       verb;
	const char     *region;
	const char     *source, *evidence, *at;
};

/* The opt-in of rec's number (in): its source, evidence and time from the
 * record, else from the options. */
static int record_in(struct ctx *c, cJSON *rec, const char *number)
{
	const char *src = rec_str(rec, "source"), *ev = rec_str(rec, "evidence");
	const char *at = rec_str(rec, "at");
	src = src ? src : c->source;
	ev = ev ? ev : c->evidence;
	at = at ? at : c->at;
	if (!src || !*src || !ev || !*ev) {
		rec_fail(rec, "invalid_field", 0, "%s: an opt-in needs its source (--source or "
		         "\"source\": web, keyword, paper, import...) and its evidence (--evidence or "
		         "\"evidence\": the form's URL and IP, \"signed form #123\"...)", number);
		return 0;
	}
	time_t t = clock_now();
	char when[32];
	if (at && clock_parse_strict(at, &t) != 0) {
		rec_fail(rec, "invalid_field", 0, "%s: at must be an RFC 3339 time such as "
		         "2026-11-02T14:03:00Z, not %s", number, at);
		return 0;
	}
	clock_format(t, when, sizeof when);
	if (t > clock_now()) {
		rec_fail(rec, "invalid_field", 0, "%s: at %s is in the future: consent is recorded "
		         "once given", number, when);
		return 0;
	}
	int lifted = 0;
	if (store_consent_add(c->st, number, when, src, ev, &lifted) != STORE_OK)
		return STORE_ERR;
	rec_put(rec, "consent", cJSON_CreateTrue());
	rec_put_str(rec, "at", when);
	rec_put_str(rec, "source", src);
	rec_put_str(rec, "evidence", ev);
	rec_put(rec, "lifted_optout", cJSON_CreateBool(lifted));
	return 0;
}

static void put_row(cJSON *o, const struct store_consent *r)
{
	rec_put_str(o, "at", r ? r->at : NULL);
	rec_put_str(o, "kind", r ? r->kind : NULL);
	rec_put_str(o, "source", r ? r->source : NULL);
	rec_put_str(o, "evidence", r ? r->evidence : NULL);
	rec_put_str(o, "recorded_at", r ? r->recorded_at : NULL);
}

static int history_one(const struct store_consent *r, void *arg)
{
	cJSON *o = cJSON_CreateObject();
	put_row(o, r);
	cJSON_AddItemToArray(arg, o);
	return 0;
}

/* consent: the latest word (consent true when an opt-in), then the history. */
static int record_consent(struct ctx *c, cJSON *rec, const char *number)
{
	cJSON *h = cJSON_CreateArray();
	int out = store_optout_check(c->st, number);
	if (out == STORE_ERR || store_consent_list(c->st, number, history_one, h) != STORE_OK) {
		cJSON_Delete(h);
		return STORE_ERR;
	}
	int n = cJSON_GetArraySize(h);
	const cJSON *last = n ? cJSON_GetArrayItem(h, n - 1) : NULL;
	const char *kind = rec_str(last, "kind");
	rec_put(rec, "consent", cJSON_CreateBool(kind && strcmp(kind, "opt_in") == 0));
	static const char *const keys[] = {"at", "kind", "source", "evidence", "recorded_at", NULL};
	for (const char *const *k = keys; *k; k++)
		rec_put_str(rec, *k, rec_str(last, *k));
	rec_put(rec, "opted_out", cJSON_CreateBool(out == 1));
	rec_put(rec, "history", h);
	return 0;
}

/* Applies the verb to rec's number, from the arguments or stdin alike.
 * Returns 0, or EX_TEMPFAIL when the store failed (rec is then an error
 * record too). */
static int act(struct ctx *c, cJSON *rec, const char *number);

static int apply(cJSON *rec, const struct rec_in *in, void *arg)
{
	struct ctx *c = arg;
	(void)in;
	const char *raw = rec_str(rec, "number");
	if (!raw)
		raw = rec_str(rec, "to");
	if (!raw)
		raw = rec_str(rec, "from");
	if (!raw || !*raw) {
		rec_fail(rec, "missing_number", 0, "no \"number\", \"to\" or \"from\" to act on");
		return 0;
	}
	if (c->verb == V_IN || c->verb == V_CONSENT) {
		/* A consent is per channel and number: whatsapp:+number too. */
		struct address a;
		char why[256];
		if (address_parse(raw, c->region, &a, why, sizeof why) != 0) {
			rec_fail(rec, "invalid_number", 0, "%s", why);
			return 0;
		}
		rec_put_str(rec, "number", a.text);
		return act(c, rec, a.text);
	}
	/* An opt-out is per channel and number: whatsapp:+1... is WhatsApp's. */
	enum channel ch = address_channel(raw);
	const char *num = address_number(raw);
	num += strspn(num, " \t");
	struct phone_result pr;
	if (phone_parse(num, c->region, &pr) != PHONE_OK) {
		rec_fail(rec, "invalid_number", 0, "%s: %s", raw, pr.reason ? pr.reason : "not a phone number");
		return 0;
	}
	/* Letters or an extension would be guessed at (keypad digits): opting out
	 * the wrong person is as bad as texting one. */
	if (pr.extra[0]) {
		rec_fail(rec, "invalid_number", 0, "%s: %s", raw, pr.extra);
		return 0;
	}
	if (!phone_e164_fits(pr.e164)) {
		rec_fail(rec, "invalid_number", 0, "%s: longer than the 15 digits an E.164 number may have",
		         raw);
		return 0;
	}
	char addr[ADDRESS_LEN];
	snprintf(addr, sizeof addr, "%s%s", ch == CHANNEL_WHATSAPP ? ADDRESS_WHATSAPP_PREFIX : "",
	         pr.e164);
	rec_put_str(rec, "number", addr);
	return act(c, rec, addr);
}

/* The verb on a number as the store takes it. */
static int act(struct ctx *c, cJSON *rec, const char *number)
{
	int r;
	switch (c->verb) {
	case V_ADD: {
		const char *src = c->source;
		r = store_optout_add(c->st, number, src);
		if (r == STORE_OK || r == STORE_EXISTS) {
			rec_put(rec, "changed", cJSON_CreateBool(r == STORE_OK));
			rec_put_str(rec, "source", src);
		}
		break;
	}
	case V_RM:
		r = store_optout_remove(c->st, number, "manual");
		if (r == STORE_OK || r == STORE_NOTFOUND)
			rec_put(rec, "changed", cJSON_CreateBool(r == STORE_OK));
		break;
	case V_IN:
		r = record_in(c, rec, number);
		if (r == 0 && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "consent")))
			return 0; /* the record's fault, said in it */
		break;
	case V_CONSENT:
		r = record_consent(c, rec, number);
		break;
	default:
		r = store_optout_check(c->st, number);
		if (r == 0 || r == 1) {
			rec_put(rec, "opted_out", cJSON_CreateBool(r == 1));
			r = STORE_OK;
		}
		break;
	}
	if (r == STORE_ERR) {
		rec_fail(rec, "store_error", 1, "%s", store_errmsg(c->st));
		return EX_TEMPFAIL;
	}
	rec_set_ok(rec);
	return 0;
}

static int run_numbers(void *arg, int argc, char **argv)
{
	struct ctx *c = arg;
	int hint = 0;
	if (argc == 0) /* a store failure stops the batch */
		return rec_loop(stdin, c->out, apply, c, REC_LOOP_HARD);
	for (int i = 0; i < argc && !hint; i++) {
		cJSON *rec = cJSON_CreateObject();
		rec_put_str(rec, "number", argv[i]);
		hint = rec_one(rec, c->out, apply, c);
	}
	return hint ? hint : rec_exit_code(c->out, NULL);
}

static int list_one(const struct store_optout *o, void *arg)
{
	struct ctx *c = arg;
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "number", o->number);
	rec_put_str(rec, "at", o->at);
	rec_put_str(rec, "source", o->source);
	rec_set_ok(rec);
	rec_emit(c->out, rec);
	return 0;
}

static int consents_one(const struct store_consent *r, void *arg)
{
	struct ctx *c = arg;
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "number", r->number);
	rec_put(rec, "consent", cJSON_CreateBool(strcmp(r->kind, "opt_in") == 0));
	put_row(rec, r);
	rec_set_ok(rec);
	rec_emit(c->out, rec);
	return 0;
}

/* consent and consents as text: the latest word, one line. */
static void print_consent(FILE *fp, const char *num, const cJSON *rec)
{
	const char *kind = rec_str(rec, "kind"), *ev = rec_str(rec, "evidence");
	if (!kind)
		fprintf(fp, "%-16s no consent recorded\n", num);
	else
		fprintf(fp, "%-16s %-9s %-20s %s%s%s\n", num,
		        strcmp(kind, "opt_in") == 0 ? "opted in" : "opted out", rec_str(rec, "at"),
		        rec_str(rec, "source"), ev ? ": " : "", ev ? ev : "");
}

static void print_text(FILE *fp, const cJSON *rec, void *arg)
{
	const enum verb *v = arg;
	const char *num = rec_str(rec, "number");
	if (!num)
		num = "-";
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		const char *msg = rec_str(e, "message");
		fprintf(fp, "%-16s error: %s\n", num, msg ? msg : "failed");
		return;
	}
	int changed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "changed"));
	switch (*v) {
	case V_LIST:
		fprintf(fp, "%-16s %-20s %s\n", num, rec_str(rec, "at"), rec_str(rec, "source"));
		break;
	case V_ADD:
		fprintf(fp, "%-16s %s\n", num, changed ? "opted out" : "already opted out");
		break;
	case V_RM:
		fprintf(fp, "%-16s %s\n", num, changed ? "opted back in" : "was not opted out");
		break;
	case V_IN:
		fprintf(fp, "%-16s consent recorded (%s)%s\n", num, rec_str(rec, "source"),
		        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "lifted_optout"))
		                ? "; its opt-out lifted" : "");
		break;
	case V_CONSENT:
	case V_CONSENTS:
		print_consent(fp, num, rec);
		break;
	case V_CHECK:
		fprintf(fp, "%-16s %s\n", num,
		        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "opted_out"))
		                ? "opted out" : "not opted out");
		break;
	}
}

static int run_list(void *arg, int nargs, char **args)
{
	(void)nargs; /* main() refused arguments */
	(void)args;
	struct ctx *c = arg;
	if ((c->verb == V_CONSENTS ? store_consent_list(c->st, NULL, consents_one, c)
	                           : store_optout_list(c->st, list_one, c)) == STORE_OK)
		return 0;
	warnmsg("%s", store_errmsg(c->st));
	return EX_TEMPFAIL;
}

static const struct verb_def verbs[] = {
	[V_LIST] = {"list", NULL, run_list},
	[V_ADD] = {"add", NULL, run_numbers},
	[V_RM] = {"rm", "remove", run_numbers},
	[V_CHECK] = {"check", NULL, run_numbers},
	[V_IN] = {"in", NULL, run_numbers},
	[V_CONSENT] = {"consent", NULL, run_numbers},
	[V_CONSENTS] = {"consents", NULL, run_list},
};

static int option(void *arg, int ch, const char *val)
{
	struct opts *o = arg;
	if (ch == 's')
		o->source = val;
	else if (ch == 'o')
		o->format = val;
	else if (ch == 'e')
		o->evidence = val;
	else if (ch == 'A')
		o->at = val;
	return 0;
}

/* The sentence for options the verb does not take, or NULL. */
static const char *refused(const struct opts *o, enum verb v, int nargs)
{
	if (v == V_LIST && nargs > 0)
		return "list takes no arguments";
	if (v == V_CONSENTS && nargs > 0)
		return "consents takes no arguments";
	if (o->source && v != V_ADD && v != V_IN)
		return "--source goes with add and in only";
	if ((o->evidence || o->at) && v != V_IN)
		return "--evidence and --at go with in only";
	if (o->source && !*o->source)
		return "--source must not be empty";
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"source", required_argument, NULL, 's'}, {"output", required_argument, NULL, 'o'},
		{"evidence", required_argument, NULL, 'e'}, {"at", required_argument, NULL, 'A'},
		CLI_HELP_VERSION,
	};
	static const struct verb_cli cli = {
		.cli = {"sms-optout", usage, "+s:e:o:h", longopts, option},
		.verbs = verbs, .nverbs = sizeof verbs / sizeof *verbs,
	};
	util_set_progname(argv[0]);
	struct opts o = {0};
	struct verb_args a;
	int r = verbs_parse(&cli, argc, argv, &o, &a);
	if (r != VERBS_GO_ON)
		return r;
	struct ctx c = {.verb = (enum verb)a.verb};
	const char *why = refused(&o, c.verb, a.nargs);
	if (why) {
		warnmsg("%s", why);
		return EX_USAGE;
	}
	c.source = o.source ? o.source : c.verb == V_ADD ? "manual" : NULL;
	c.evidence = o.evidence;
	c.at = o.at;
	struct rec_out out;
	if (rec_out_stdout(&out, o.format, print_text, &c.verb) != 0)
		return EX_USAGE;
	c.out = &out;
	struct progenv env = {0};
	r = progenv_open(&env, PROGENV_NO_ZONE);
	if (r == 0) {
		c.region = config_default_country(env.cfg);
		r = progenv_open_store(&env, PROGENV_NO_ZONE);
	}
	if (r == 0) {
		c.st = env.st;
		r = verbs[c.verb].run(&c, a.nargs, a.args);
	}
	progenv_close(&env);
	return cli_exit(r);
}
