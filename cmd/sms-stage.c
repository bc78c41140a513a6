/* sms-stage — stage outbound messages for review (sms-stage(1)): each request is
 * checked and priced as sms-send would check it, stored as `pending` with its
 * warnings, and printed as the stored record; --list shows what waits for
 * sms-approve(1), selected by options or by one JSON object on stdin (--query,
 * for sms-mcp). Batches of records share one transaction. This file is the
 * driver: options, config and store; staging is common/workflow/stage.c (with
 * stage_stream.c), the listing common/workflow/stage_list.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "consent.h"
#include "policy.h"
#include "progenv.h"
#include "query.h"
#include "records.h"
#include "stage.h"
#include "stage_list.h"
#include "store.h"
#include "storecfg.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-stage [options] --to NUMBER (--body TEXT | --media URL... |\n"
	      "                 --content-sid SID [--content-variables JSON])\n"
	      "       ... | sms-stage [options]\n"
	      "       sms-stage --list [--status S]... [--priority P] [--limit N] [--query]\n"
	      "\n"
	      "Stages outbound messages for review: each is checked and priced as sms-send\n"
	      "would, stored as pending with its warnings (segments, cost, quiet hours,\n"
	      "opt-out) and printed; sms-approve releases it to sms-send --approved.\n"
	      "Without --to, reads NDJSON requests from stdin: {\"to\": ..., \"body\": ...,\n"
	      "\"media\": [...], \"from\": ..., \"priority\": ..., \"notes\": ..., \"send_at\": ...,\n"
	      "\"ref\": ..., \"reply_to\": ..., \"content_sid\": ..., \"content_variables\": {...}};\n"
	      "the options below then fill in what a record leaves out. A recipient written\n"
	      "whatsapp:+number is a WhatsApp message.\n"
	      "\n"
	      "  -t, --to NUMBER          recipient (E.164, or national for SMS_DEFAULT_COUNTRY)\n"
	      "  -b, --body TEXT          the message text\n"
	      "  -m, --media URL          media URL (http/https), up to 10: makes it an MMS\n"
	      "  -f, --from NUMBER        sender (default: the provider's when sent)\n"
	      "      --content-sid SID    WhatsApp: an approved template (HX and 32 hex digits),\n"
	      "                           sent instead of a body\n"
	      "      --content-variables JSON  its variables, a JSON object: {\"1\":\"Ada\"}\n"
	      "  -p, --priority P         urgent, high, normal (default) or low\n"
	      "      --notes TEXT         a note for the reviewer\n"
	      "      --send-at TIME       not before TIME: RFC 3339, or local \"2026-11-25 14:00\"\n"
	      "                           in SMS_TZ\n"
	      "      --purpose P          marketing or transactional (default: marketing, or\n"
	      "                           transactional for a reply); SMS_REQUIRE_CONSENT=on\n"
	      "                           refuses marketing to a number without an opt-in\n"
	      "      --tag TAG            the conversation state it sets once sent, for rules\n"
	      "                           that wait for it (sms-auto(1), Flows)\n"
	      "  -l, --list               list staged messages, oldest first\n"
	      "  -s, --status S[,S...]    with --list: these statuses (default pending; all for\n"
	      "                           every outbound message); repeatable\n"
	      "  -p, --priority P[,P...]  with --list: only these priorities\n"
	      "  -n, --limit N            with --list: at most N messages (default: all)\n"
	      "      --query              with --list: read the selection from stdin too, as one\n"
	      "                           JSON object {\"status\", \"priority\", \"limit\"} that\n"
	      "                           overrides these options\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}

/* ---- --list's selection: options, or keys of the query (--query) --------------- */

enum { OPT_NOTES = 256, OPT_SEND_AT, OPT_QUERY, OPT_PURPOSE, OPT_CONTENT_SID, OPT_CONTENT_VARS, OPT_TAG };

static const struct query_key query_keys[] = {
	{"status", QUERY_WORDS, 's'},
	{"priority", QUERY_WORDS, 'p'},
	{"limit", QUERY_WHOLE, 'n'},
};
#define NKEYS (sizeof query_keys / sizeof *query_keys)

struct sel {
	cJSON              *statuses;   /* strings: --status, repeatable */
	const char         *priority;   /* checked once it is known to be --list's */
	struct query_origin priority_o;
	long long           limit;
};

static int apply(void *arg, int opt, const char *val, const struct query_origin *o)
{
	struct sel *s = arg;
	switch (opt) {
	case 's':
		if (o->out) { /* the query's replaces the command line's */
			cJSON_Delete(s->statuses);
			s->statuses = cJSON_CreateArray();
		}
		return stage_list_statuses(s->statuses, val, o);
	case 'p':
		s->priority = val;
		s->priority_o = *o;
		break;
	case 'n':
		if (parse_whole(val, 100000000, &s->limit) != 0)
			return query_bad(o, " takes a whole number (0 for all), not `%s`", val);
		break;
	}
	return 0;
}

/* ---- the command line ------------------------------------------------------- */

struct opts {
	const char  *to, *body, *format;
	const char  *content_sid, *content_vars; /* a WhatsApp template */
	const char  *list_only; /* the last option given that goes only with --list */
	struct stage sg;
	struct sel   sel;
	struct query qr;
	cJSON       *media, *prio_list;
	int          flags, list, query; /* flags: --to, --body or --media given */
};

static int option(void *arg, int c, const char *val)
{
	struct opts *o = arg;
	switch (c) {
	case 't': o->to = val; o->flags = 1; break;
	case 'b': o->body = val; o->flags = 1; break;
	case 'm': cJSON_AddItemToArray(o->media, cJSON_CreateString(val)); o->flags = 1; break;
	case 'f': o->sg.from = val; break;
	case OPT_NOTES: o->sg.notes = val; break;
	case OPT_CONTENT_SID: o->content_sid = val; o->flags = 1; break;
	case OPT_CONTENT_VARS: o->content_vars = val; o->flags = 1; break;
	case OPT_SEND_AT: o->sg.send_at = val; break;
	case OPT_PURPOSE: o->sg.purpose = val; break;
	case OPT_TAG: o->sg.tag = val; break;
	case 'l': o->list = 1; break;
	case 's':
	case 'n':
		o->list_only = c == 's' ? "--status" : "--limit";
		/* fall through */
	case 'p': return query_option(query_keys, NKEYS, c, val, apply, &o->sel);
	case OPT_QUERY: o->query = 1; o->list_only = "--query"; break;
	case 'o': o->format = val; break;
	}
	return 0;
}

/* EX_USAGE after saying why, for a command line that asks the impossible;
 * else 0. */
static int refused(const struct opts *o, int argc, char **argv)
{
	if (optind < argc)
		warnmsg("unexpected argument `%s` (the text goes in --body)", argv[optind]);
	else if (o->list && (o->flags || o->sg.from || o->sg.notes || o->sg.send_at ||
	                     o->sg.purpose || o->sg.tag))
		warnmsg("--list takes only --status, --priority, --limit, --query and --output");
	else if (o->sg.purpose && !policy_purpose_valid(o->sg.purpose))
		warnmsg("--purpose is marketing or transactional, not `%s`", o->sg.purpose);
	else if (o->sg.tag && !policy_tag_valid(o->sg.tag))
		warnmsg("--tag is a short name: 1 to 64 letters, digits, '-', '_' or '.' (such as "
		        "survey), not `%s`", o->sg.tag);
	else if (!o->list && o->list_only)
		warnmsg("%s goes with --list", o->list_only);
	else if (o->flags && !o->to)
		warnmsg("--body, --media and --content-sid need --to");
	else
		return 0;
	return EX_USAGE;
}

static const struct option longopts[] = {
	{"to", required_argument, NULL, 't'},      {"body", required_argument, NULL, 'b'},
	{"media", required_argument, NULL, 'm'},   {"from", required_argument, NULL, 'f'},
	{"priority", required_argument, NULL, 'p'},
	{"notes", required_argument, NULL, OPT_NOTES},
	{"send-at", required_argument, NULL, OPT_SEND_AT},
	{"purpose", required_argument, NULL, OPT_PURPOSE},
	{"tag", required_argument, NULL, OPT_TAG},
	{"content-sid", required_argument, NULL, OPT_CONTENT_SID},
	{"content-variables", required_argument, NULL, OPT_CONTENT_VARS},
	{"list", no_argument, NULL, 'l'},          {"status", required_argument, NULL, 's'},
	{"limit", required_argument, NULL, 'n'},   {"query", no_argument, NULL, OPT_QUERY},
	{"output", required_argument, NULL, 'o'},
	CLI_HELP_VERSION,
};

static const struct cli cli = {"sms-stage", usage, "t:b:m:f:p:ls:n:o:h", longopts, option};

/* ---- staging ------------------------------------------------------------------ */

/* The one request --to, --body and --media make. */
static cJSON *from_flags(struct opts *o)
{
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "to", o->to);
	rec_put_message(rec, o->body, NULL, &o->media);
	if (o->content_sid) /* checked with the record (policy.h) */
		rec_put_str(rec, "content_sid", o->content_sid);
	if (o->content_vars)
		rec_put_str(rec, "content_variables", o->content_vars);
	return rec;
}

/* Stages the request of the arguments, or every record of stdin. */
static int stage(struct opts *o, struct progenv *env, struct store *reader, struct rec_out *out)
{
	struct stage *sg = &o->sg;
	sg->st = env->st;
	sg->reader = reader ? reader : env->st;
	sg->prices = env->prices;
	sg->region = config_default_country(env->cfg);
	sg->provider = config_get(env->cfg, "SMS_PROVIDER");
	sg->out = out;
	sg->progress = isatty(STDERR_FILENO);
	stage_start(sg);
	struct rec_in in;
	rec_in_init(&in, stdin);
	int rc;
	if (o->flags) {
		stage_one(sg, from_flags(o));
	} else if (stage_stream(sg, &in) != 0) {
		warnmsg("cannot start a thread: %s", strerror(errno));
		rec_in_free(&in);
		return EX_OSERR;
	}
	stage_finish(sg);
	rc = rec_exit_code(out, o->flags ? NULL : &in);
	if (sg->tempfail)
		rc = EX_TEMPFAIL;
	rec_in_free(&in);
	return rc;
}

/* With the selection read: opens what it needs, then lists or stages. */
static int run(struct opts *o, struct rec_out *out, struct stage_list *lister)
{
	char err[512];
	struct progenv env = {0};
	struct store *reader = NULL;
	int rc = progenv_open(&env, o->list ? 0 : PROGENV_PRICES | PROGENV_ZONE_LAST);
	if (rc)
		goto out;
	if (!o->list && clock_window_parse(config_get_or(env.cfg, "SMS_QUIET_HOURS", "21:00-08:00"),
	                                   &o->sg.quiet, err, sizeof err) != 0) {
		warnmsg("SMS_QUIET_HOURS: %s", err);
		rc = EX_CONFIG;
		goto out;
	}
	if (!o->list && consent_policy_load(env.cfg, &o->sg.require_consent, err, sizeof err)) {
		warnmsg("%s", err);
		rc = EX_CONFIG;
		goto out;
	}
	if ((rc = progenv_open_store(&env, o->list ? 0 : PROGENV_BULK)) != 0)
		goto out;
	/* Records from stdin are stored by a thread of their own: this thread
	 * reads them back through a second connection. */
	if (!o->list && !o->flags && !(reader = storecfg_open(env.cfg, 0, &rc)))
		goto out;
	if (o->list) {
		int hard = stage_list_run(lister, env.st, out, o->sel.statuses, o->prio_list,
		                          (size_t)o->sel.limit);
		rc = hard ? hard : rec_exit_code(out, NULL);
	} else {
		rc = stage(o, &env, reader, out);
	}
out:
	store_close(reader);
	progenv_close(&env);
	return rc;
}

/* After the options: the output, the query's selection, then run(). */
static int start(struct opts *o)
{
	struct rec_out out;
	struct stage_list lister = {0};
	int rc;
	if (rec_out_stdout(&out, o->format, o->list ? stage_list_print : stage_print_text,
	                   &lister) != 0)
		return EX_USAGE;
	if (o->query && (rc = query_run(&o->qr, stdin, query_keys, NKEYS, apply, &o->sel, &out)))
		return rc;
	if (o->list && o->sel.priority) {
		if ((rc = stage_list_priorities(o->prio_list, o->sel.priority, &o->sel.priority_o)))
			return rc;
	} else {
		o->sg.priority = o->sel.priority; /* checked with each record: invalid_priority */
	}
	return run(o, &out, &lister);
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {.sel = {.statuses = cJSON_CreateArray()},
	                 .media = cJSON_CreateArray(),
	                 .prio_list = cJSON_CreateArray()};
	int rc = cli_parse(&cli, argc, argv, &o);
	if (rc == CLI_GO_ON && !(rc = refused(&o, argc, argv)))
		rc = start(&o);
	cJSON_Delete(o.media);
	cJSON_Delete(o.sel.statuses);
	cJSON_Delete(o.prio_list);
	query_free(&o.qr);
	return cli_exit(rc);
}
