/* sms-optout — the opt-out list (sms-optout(1)): list, add, rm and check numbers.
 * Numbers are normalised to E.164 against SMS_DEFAULT_COUNTRY; one record out
 * per number in, in input order, from the arguments or from NDJSON on stdin. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "cli.h"
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
	      "\n"
	      "The numbers that get nothing from sms-send. add opts numbers out, rm (or\n"
	      "remove) opts them back in, check says whether they are opted out. Numbers are\n"
	      "normalised to E.164 against SMS_DEFAULT_COUNTRY; whatsapp:NUMBER is the\n"
	      "number's WhatsApp opt-out, apart from its SMS one. Without NUMBER arguments,\n"
	      "add, rm and check read NDJSON records carrying \"number\" (or \"to\", or \"from\")\n"
	      "on stdin; other fields pass through. One record out per number, in order.\n"
	      "\n"
	      "  -s, --source TEXT    add: how the opt-out came about (default \"manual\")\n"
	      "  -o, --output FORMAT  json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help           this help\n"
	      "      --version        print the version\n",
	      fp);
}

enum verb { V_LIST, V_ADD, V_RM, V_CHECK };

struct opts {
	const char *source, *format;
};

struct ctx {
	struct store   *st;
	struct rec_out *out;
	enum verb       verb;
	const char     *region;
	const char     *source;
};

/* Applies the verb to rec's number, from the arguments or stdin alike.
 * Returns 0, or EX_TEMPFAIL when the store failed (rec is then an error
 * record too). */
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
	int r;
	switch (c->verb) {
	case V_ADD: {
		const char *src = c->source;
		r = store_optout_add(c->st, addr, src);
		if (r == STORE_OK || r == STORE_EXISTS) {
			rec_put(rec, "changed", cJSON_CreateBool(r == STORE_OK));
			rec_put_str(rec, "source", src);
		}
		break;
	}
	case V_RM:
		r = store_optout_remove(c->st, addr, "manual");
		if (r == STORE_OK || r == STORE_NOTFOUND)
			rec_put(rec, "changed", cJSON_CreateBool(r == STORE_OK));
		break;
	default:
		r = store_optout_check(c->st, addr);
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
	if (store_optout_list(c->st, list_one, c) == STORE_OK)
		return 0;
	warnmsg("%s", store_errmsg(c->st));
	return EX_TEMPFAIL;
}

static const struct verb_def verbs[] = {
	[V_LIST] = {"list", NULL, run_list},
	[V_ADD] = {"add", NULL, run_numbers},
	[V_RM] = {"rm", "remove", run_numbers},
	[V_CHECK] = {"check", NULL, run_numbers},
};

static int option(void *arg, int ch, const char *val)
{
	struct opts *o = arg;
	if (ch == 's')
		o->source = val;
	else if (ch == 'o')
		o->format = val;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"source", required_argument, NULL, 's'}, {"output", required_argument, NULL, 'o'},
		CLI_HELP_VERSION,
	};
	static const struct verb_cli cli = {
		.cli = {"sms-optout", usage, "+s:o:h", longopts, option},
		.verbs = verbs, .nverbs = sizeof verbs / sizeof *verbs,
	};
	util_set_progname(argv[0]);
	struct opts o = {0};
	struct verb_args a;
	int r = verbs_parse(&cli, argc, argv, &o, &a);
	if (r != VERBS_GO_ON)
		return r;
	struct ctx c = {.verb = (enum verb)a.verb};
	if (c.verb == V_LIST && a.nargs > 0) {
		warnmsg("list takes no arguments");
		return EX_USAGE;
	}
	if (o.source && c.verb != V_ADD) {
		warnmsg("--source goes with add only");
		return EX_USAGE;
	}
	if (o.source && !*o.source) {
		warnmsg("--source must not be empty");
		return EX_USAGE;
	}
	c.source = o.source ? o.source : "manual";
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
