/* sms-auto — autoresponders (sms-auto(1)): add, list, rm, enable, disable, and test
 * TEXT, which says which rule would answer a message now and, when none would,
 * why not. Rules are added from options or as NDJSON records on stdin. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autorules.h"
#include "clock.h"
#include "cli.h"
#include "config.h"
#include "inbound.h"
#include "progenv.h"
#include "recloop.h"
#include "records.h"
#include "store.h"
#include "util.h"
#include "verbs.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-auto add --trigger WORD|/regex/ --response TEXT [--name NAME]\n"
	      "                    [--after TAG[,TAG...]] [--within DURATION]\n"
	      "                    [--match word|exact|regex] [--end]\n"
	      "                    [--active-hours SPEC] [--disabled]\n"
	      "       ... | sms-auto add\n"
	      "       sms-auto list [-o json|text]\n"
	      "       sms-auto rm ID...\n"
	      "       sms-auto enable ID...\n"
	      "       sms-auto disable ID...\n"
	      "       sms-auto test [--at TIME] [--from NUMBER] [--state TAG] TEXT\n"
	      "\n"
	      "Autoresponders answer inbound messages in sms-webhookd. A keyword trigger\n"
	      "matches the first word of a message, case-insensitively, trailing .,!?:;\n"
	      "ignored; a single character, a number or a range (A, 5, 1-5) the whole\n"
	      "message; /regex/ (or /regex/i, ignoring case) searches the whole message.\n"
	      "A rule with --after answers only while the thread is in one of those\n"
	      "states (the tag of the latest message sent to the number, for\n"
	      "SMS_FLOW_WINDOW or --within); its answer's tag is its --name, so rules\n"
	      "chain. Rules for the thread's state are tried first, then the others, each\n"
	      "in id order; the first enabled one that matches inside its active hours\n"
	      "(\"9am-5pm Mon-Fri\", in SMS_TZ) answers. Without --trigger, add\n"
	      "reads NDJSON records {\"trigger\", \"response\", \"active_hours\", \"enabled\",\n"
	      "\"name\", \"after\", \"within\", \"match\", \"end\"};\n"
	      "without IDs, rm, enable and disable read records with \"id\"; without TEXT,\n"
	      "test reads records with \"body\". test says which rule would answer now.\n"
	      "\n"
	      "  -t, --trigger WORD|/regex/  add: what the rule answers\n"
	      "  -r, --response TEXT         add: the answer\n"
	      "  -a, --active-hours SPEC     add: when it answers (default always)\n"
	      "  -d, --disabled              add: store the rule disabled\n"
	      "  -n, --name NAME             add: the rule's name, the state its answer sets\n"
	      "      --after TAG[,TAG...]    add: answer only in these states\n"
	      "      --within DURATION       add: how long the states last (30m, 24h, 7d)\n"
	      "  -m, --match word|exact|regex  add: how the trigger matches\n"
	      "      --end                   add: the answer ends the conversation\n"
	      "      --at TIME               test: as if now were TIME (RFC 3339)\n"
	      "      --from NUMBER           test: in the thread with NUMBER, in its state\n"
	      "      --state TAG             test: as if the thread were in state TAG\n"
	      "  -o, --output FORMAT         json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help                  this help\n"
	      "      --version               print the version\n",
	      fp);
}

enum verb { V_ADD, V_LIST, V_RM, V_ENABLE, V_DISABLE, V_TEST };

struct opts {
	const char *trigger, *response, *hours, *at, *format;
	const char *name, *after, *within, *match, *from, *state;
	int         disabled, end;
};

struct ctx {
	struct store      *st;
	struct rec_out    *out;
	const struct opts *o;
	enum verb          verb;
	time_t             now;
	long long          window;      /* SMS_FLOW_WINDOW, seconds */
	int                header_done; /* -o text of list: the header line is out */
};

/* ---- The record loop ---------------------------------------------------------------- */

/* The verb on one record (autorules.h): 0, or EX_TEMPFAIL to stop the batch. */
static int apply(cJSON *rec, const struct rec_in *in, void *arg)
{
	struct ctx *c = arg;
	(void)in;
	switch (c->verb) {
	case V_ADD: return autorules_add(c->st, rec);
	case V_TEST: return autorules_test(c->st, rec, c->now, c->window);
	case V_RM: return autorules_change(c->st, rec, AUTORULES_RM);
	case V_ENABLE: return autorules_change(c->st, rec, AUTORULES_ENABLE);
	case V_DISABLE: return autorules_change(c->st, rec, AUTORULES_DISABLE);
	case V_LIST: break;
	}
	return 0;
}

/* Records from stdin, one output record each; stops at a store failure. */
static int run_stdin(struct ctx *c)
{
	return rec_loop(stdin, c->out, apply, c, REC_LOOP_HARD);
}

static int run_ids(struct ctx *c, int argc, char **argv)
{
	int hint = 0;
	for (int i = 0; i < argc && !hint; i++) {
		cJSON *rec = cJSON_CreateObject();
		long long n;
		if (parse_whole(argv[i], INT64_MAX, &n) == 0 && n >= 1)
			rec_put_num(rec, "id", (double)n);
		else
			rec_put_str(rec, "id", argv[i]);
		hint = rec_one(rec, c->out, apply, c);
	}
	return hint ? hint : rec_exit_code(c->out, NULL);
}

static int list_one(const struct store_auto *a, void *arg)
{
	struct ctx *c = arg;
	cJSON *rec = autorules_record(a);
	rec_set_ok(rec);
	rec_emit(c->out, rec);
	return 0;
}

/* ---- Text output ---------------------------------------------------------------------- */

static long long rec_id(const cJSON *rec)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "id");
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static const char *or_dash(const char *s) { return s ? s : "-"; }

/* A rule's flow fields, on a line of their own: "after survey; sets rated". */
static void print_flow(FILE *fp, const cJSON *rec)
{
	const char *after = rec_str(rec, "after"), *name = rec_str(rec, "name"),
	           *match = rec_str(rec, "match");
	const cJSON *within = cJSON_GetObjectItemCaseSensitive(rec, "within");
	int ends = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "end"));
	if (!after && !name && !match && !ends)
		return;
	fprintf(fp, "%4s ", "");
	if (after)
		fprintf(fp, " after %s;", after);
	if (cJSON_IsNumber(within))
		fprintf(fp, " within %llds;", (long long)within->valuedouble);
	if (match)
		fprintf(fp, " match %s;", match);
	if (name)
		fprintf(fp, " sets %s;", name);
	if (ends)
		fputs(" ends the conversation;", fp);
	fputc('\n', fp);
}

static void print_text(FILE *fp, const cJSON *rec, void *arg)
{
	struct ctx *c = arg;
	long long id = rec_id(rec);
	const char *trigger = or_dash(rec_str(rec, "trigger"));
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const char *msg = rec_str(cJSON_GetObjectItemCaseSensitive(rec, "error"), "message");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(rec, "line");
		if (cJSON_IsNumber(line))
			fprintf(fp, "line %d: error: %s\n", line->valueint, or_dash(msg));
		else if (id)
			fprintf(fp, "rule %lld: error: %s\n", id, or_dash(msg));
		else
			fprintf(fp, "error: %s\n", or_dash(msg));
		return;
	}
	int enabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "enabled"));
	const char *hours = rec_str(rec, "active_hours");
	switch (c->verb) {
	case V_LIST: {
		if (!c->header_done) {
			fprintf(fp, "%4s  %-3s  %-16s  %-20s  %5s  %s\n", "ID", "ON", "TRIGGER",
			        "ACTIVE HOURS", "FIRED", "RESPONSE");
			c->header_done = 1;
		}
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(rec, "trigger_count");
		fprintf(fp, "%4lld  %-3s  %-16s  %-20s  %5lld  %s\n", id, enabled ? "yes" : "no",
		        trigger, hours ? hours : "always",
		        cJSON_IsNumber(n) ? (long long)n->valuedouble : 0LL,
		        or_dash(rec_str(rec, "response")));
		if (rec_str(rec, "skipped"))
			fprintf(fp, "%4s  skipped: %s\n", "", rec_str(rec, "skipped"));
		print_flow(fp, rec);
		break;
	}
	case V_ADD:
		fprintf(fp, "added rule %lld%s: %s -> %s%s%s\n", id, enabled ? "" : " (disabled)",
		        trigger, or_dash(rec_str(rec, "response")), hours ? ", active " : "",
		        hours ? hours : "");
		print_flow(fp, rec);
		break;
	case V_RM:
		fprintf(fp, "removed rule %lld (%s)\n", id, trigger);
		break;
	case V_ENABLE:
	case V_DISABLE: {
		int changed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "changed"));
		fprintf(fp, "rule %lld (%s) %s%s\n", id, trigger, changed ? "" : "was already ",
		        enabled ? "enabled" : "disabled");
		break;
	}
	case V_TEST: {
		if (rec_str(rec, "state"))
			fprintf(fp, "in state %s: ", rec_str(rec, "state"));
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "would_fire")))
			fprintf(fp, "would fire: rule %lld (%s) -> %s\n", id, trigger,
			        or_dash(rec_str(rec, "response")));
		else if (id)
			fprintf(fp, "would not fire: rule %lld (%s) matches, but %s\n", id, trigger,
			        or_dash(rec_str(rec, "reason")));
		else
			fprintf(fp, "would not fire: %s\n", or_dash(rec_str(rec, "reason")));
		const cJSON *p, *passed = cJSON_GetObjectItemCaseSensitive(rec, "passed_over");
		cJSON_ArrayForEach(p, passed) {
			if (rec_id(p) == id)
				continue;
			fprintf(fp, "  passed over rule %lld (%s): %s\n", rec_id(p),
			        or_dash(rec_str(p, "trigger")), or_dash(rec_str(p, "reason")));
		}
		break;
	}
	}
}

/* ---- The verbs -------------------------------------------------------------------------- */

static int run_list(void *arg, int nargs, char **args)
{
	(void)nargs; /* check_usage() refused arguments */
	(void)args;
	struct ctx *c = arg;
	if (store_auto_list(c->st, 0, list_one, c) == STORE_OK)
		return 0;
	warnmsg("%s", store_errmsg(c->st));
	return EX_TEMPFAIL;
}

static int run_add(void *arg, int nargs, char **args)
{
	(void)nargs; /* check_usage() refused arguments */
	(void)args;
	struct ctx *c = arg;
	const struct opts *o = c->o;
	if (!o->trigger)
		return run_stdin(c);
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "trigger", o->trigger);
	rec_put_str(rec, "response", o->response);
	rec_put_str(rec, "active_hours", o->hours);
	rec_put(rec, "enabled", cJSON_CreateBool(!o->disabled));
	if (o->name)
		rec_put_str(rec, "name", o->name);
	if (o->after)
		rec_put_str(rec, "after", o->after);
	if (o->within)
		rec_put_str(rec, "within", o->within);
	if (o->match)
		rec_put_str(rec, "match", o->match);
	if (o->end)
		rec_put(rec, "end", cJSON_CreateTrue());
	int hint = autorules_add(c->st, rec);
	rec_emit(c->out, autorules_ordered(rec));
	return hint ? hint : rec_exit_code(c->out, NULL);
}

static int run_change(void *arg, int nargs, char **args)
{
	struct ctx *c = arg;
	return nargs > 0 ? run_ids(c, nargs, args) : run_stdin(c);
}

static int run_test(void *arg, int nargs, char **args)
{
	struct ctx *c = arg;
	if (nargs == 0)
		return run_stdin(c);
	/* The words of TEXT, as typed without quotes, make one message. */
	struct strbuf b;
	strbuf_init(&b);
	for (int i = 0; i < nargs; i++) {
		if (i)
			strbuf_putc(&b, ' ');
		strbuf_puts(&b, args[i]);
	}
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "body", b.s ? b.s : "");
	strbuf_free(&b);
	if (c->o->from)
		rec_put_str(rec, "from", c->o->from);
	if (c->o->state)
		rec_put_str(rec, "state", c->o->state);
	int hint = autorules_test(c->st, rec, c->now, c->window);
	rec_emit(c->out, rec);
	return hint ? hint : rec_exit_code(c->out, NULL);
}

static const struct verb_def verbs[] = {
	[V_ADD] = {"add", NULL, run_add},
	[V_LIST] = {"list", NULL, run_list},
	[V_RM] = {"rm", "remove", run_change},
	[V_ENABLE] = {"enable", NULL, run_change},
	[V_DISABLE] = {"disable", NULL, run_change},
	[V_TEST] = {"test", NULL, run_test},
};

/* ---- Options ---------------------------------------------------------------------------- */

static int option(void *arg, int ch, const char *val)
{
	struct opts *o = arg;
	switch (ch) {
	case 't': o->trigger = val; break;
	case 'r': o->response = val; break;
	case 'a': o->hours = val; break;
	case 'd': o->disabled = 1; break;
	case 'A': o->at = val; break;
	case 'n': o->name = val; break;
	case 'F': o->after = val; break;
	case 'W': o->within = val; break;
	case 'm': o->match = val; break;
	case 'E': o->end = 1; break;
	case 'f': o->from = val; break;
	case 's': o->state = val; break;
	case 'o': o->format = val; break;
	}
	return 0;
}

/* Usage checks that need no store. Returns 0 or EX_USAGE. */
static int check_usage(enum verb v, const struct opts *o, int nargs, time_t *now)
{
	int adding = v == V_ADD;
	if (!adding && (o->trigger || o->response || o->hours || o->disabled || o->name ||
	                o->after || o->within || o->match || o->end)) {
		warnmsg("--trigger, --response, --active-hours, --disabled, --name, --after, "
		        "--within, --match and --end go with add only");
		return EX_USAGE;
	}
	if (v != V_TEST && (o->from || o->state)) {
		warnmsg("--from and --state go with test only");
		return EX_USAGE;
	}
	if (adding && !o->trigger && (o->name || o->after || o->within || o->match || o->end)) {
		warnmsg("add needs --trigger with --name, --after, --within, --match or --end");
		return EX_USAGE;
	}
	if (adding && nargs > 0) {
		warnmsg("add takes no arguments: give --trigger and --response, or NDJSON on stdin");
		return EX_USAGE;
	}
	if (adding && !o->trigger && (o->response || o->hours || o->disabled)) {
		warnmsg("add needs --trigger with --response, --active-hours or --disabled");
		return EX_USAGE;
	}
	if (adding && o->trigger && !o->response) {
		warnmsg("add needs --response with --trigger");
		return EX_USAGE;
	}
	if (v == V_LIST && nargs > 0) {
		warnmsg("list takes no arguments");
		return EX_USAGE;
	}
	if (o->at && v != V_TEST) {
		warnmsg("--at goes with test only");
		return EX_USAGE;
	}
	if (o->at && clock_parse(o->at, now) != 0) {
		warnmsg("--at %s: not an RFC 3339 time such as 2026-11-28T15:00:00Z", o->at);
		return EX_USAGE;
	}
	int reads_stdin = nargs == 0 && v != V_LIST && !(adding && o->trigger);
	if (reads_stdin && isatty(STDIN_FILENO)) {
		warnmsg("%s: %s, or NDJSON records on stdin", verbs[v].name,
		        adding ? "give --trigger and --response"
		        : v == V_TEST ? "give the TEXT to test" : "give one or more rule IDs");
		return EX_USAGE;
	}
	return 0;
}

/* ---- main -------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"trigger", required_argument, NULL, 't'},
		{"response", required_argument, NULL, 'r'},
		{"active-hours", required_argument, NULL, 'a'},
		{"disabled", no_argument, NULL, 'd'},
		{"at", required_argument, NULL, 'A'},
		{"name", required_argument, NULL, 'n'},
		{"after", required_argument, NULL, 'F'},
		{"within", required_argument, NULL, 'W'},
		{"match", required_argument, NULL, 'm'},
		{"end", no_argument, NULL, 'E'},
		{"from", required_argument, NULL, 'f'},
		{"state", required_argument, NULL, 's'},
		{"output", required_argument, NULL, 'o'},
		CLI_HELP_VERSION,
	};
	static const struct verb_cli cli = {
		.cli = {"sms-auto", usage, "+t:r:a:do:n:m:h", longopts, option},
		.verbs = verbs, .nverbs = sizeof verbs / sizeof *verbs,
	};
	util_set_progname(argv[0]);
	struct opts o = {0};
	struct verb_args a;
	int r = verbs_parse(&cli, argc, argv, &o, &a);
	if (r != VERBS_GO_ON)
		return r;
	struct ctx c = {.o = &o, .verb = (enum verb)a.verb};
	r = check_usage(c.verb, &o, a.nargs, &c.now);
	if (r)
		return r;
	struct rec_out out;
	if (rec_out_stdout(&out, o.format, print_text, &c) != 0)
		return EX_USAGE;
	c.out = &out;
	struct progenv env = {0};
	if ((r = progenv_open(&env, 0)) == 0 && !o.at)
		c.now = clock_now();
	char err[256];
	if (r == 0 && inbound_flow_window(env.cfg, &c.window, err, sizeof err) != 0) {
		warnmsg("%s", err);
		r = EX_CONFIG;
	}
	if (r == 0 && (r = progenv_open_store(&env, 0)) == 0) {
		c.st = env.st;
		r = verbs[c.verb].run(&c, a.nargs, a.args);
	}
	progenv_close(&env);
	return cli_exit(r);
}
