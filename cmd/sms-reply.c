/* sms-reply — answers a received message (sms-reply(1)): to its sender, from the
 * number it was received on, through the sender engine of sms-send (quiet
 * hours, opt-outs, caps, retries, storage); the reply is linked (reply_to) and
 * the original marked replied and read. One from the arguments, or NDJSON
 * records {"id": N, "body": ...} on stdin. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "inbox.h"
#include "msgid.h"
#include "records.h"
#include "sendenv.h"
#include "sender.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-reply [options] ID (--body TEXT | --media URL... |\n"
	      "                 --content-sid SID [--content-variables JSON])\n"
	      "       ... | sms-reply [options]\n"
	      "\n"
	      "Answers received message ID: to its sender, from the number it was received\n"
	      "on, sent and stored as sms-send does. The reply is linked to it (reply_to) and\n"
	      "the message marked replied and read. Without ID, reads NDJSON records on\n"
	      "stdin: {\"id\": 42, \"body\": ..., \"media\": [...], \"keep_unread\": false}.\n"
	      "A WhatsApp message is answered on WhatsApp; outside its 24-hour window only\n"
	      "with a template (content_sid).\n"
	      "\n"
	      "  -b, --body TEXT          the reply's text\n"
	      "  -m, --media URL          media URL (http/https), up to 10: makes it an MMS\n"
	      "      --content-sid SID    WhatsApp: an approved template (HX and 32 hex digits),\n"
	      "                           sent instead of a body\n"
	      "      --content-variables JSON  its variables, a JSON object: {\"1\":\"Ada\"}\n"
	      "  -k, --keep-unread        leave the message's read flag as it was\n"
	      "      --tag TAG            the conversation state the reply sets, for rules\n"
	      "                           that wait for it (sms-auto(1), Flows)\n"
	      "  -n, --dry-run            validate and price; send and store nothing\n"
	      "      --ignore-quiet-hours send even inside SMS_QUIET_HOURS\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}

enum { OPT_QUIET = 256, OPT_CONTENT_SID, OPT_CONTENT_VARS, OPT_TAG };

static void print_text(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	const char *to = rec_str(rec, "to");
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(rec, "reply_to");
	char orig[32] = "-";
	if (cJSON_IsNumber(rt))
		snprintf(orig, sizeof orig, "%lld", (long long)rt->valuedouble);
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
		if (!cJSON_IsNumber(rt) && cJSON_IsNumber(id)) /* refused before it became a reply */
			snprintf(orig, sizeof orig, "%lld", (long long)id->valuedouble);
		fprintf(fp, "FAILED  reply to %s (%s): %s: %s\n", orig, to ? to : "-",
		        rec_str(e, "code"), rec_str(e, "message"));
		return;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	const char *status = rec_str(rec, "status");
	char idbuf[24] = "-";
	if (cJSON_IsNumber(id))
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)id->valuedouble);
	fprintf(fp, "%-7s reply to %s: %-16s id %s%s\n", status ? status : "ok", orig, to ? to : "-",
	        idbuf, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "dry_run")) ? " (dry run)"
	                                                                          : "");
}

/* What the command line asks. */
struct opts {
	struct sender_options so;
	const char           *body, *format, *tag;
	const char           *content_sid, *content_vars; /* a WhatsApp template */
	cJSON                *media;
	int                   keep_unread;
	struct store         *st; /* once open */
};

/* One request: turned into the outbound reply, or into an error record that
 * the sender hands back in its place. */
static int prepare(cJSON *rec, void *arg)
{
	const struct opts *o = arg;
	const char *code;
	char msg[512];
	if (o->tag && !cJSON_HasObjectItem(rec, "tag"))
		rec_put_str(rec, "tag", o->tag);
	if (o->keep_unread && !cJSON_HasObjectItem(rec, "keep_unread"))
		rec_put(rec, "keep_unread", cJSON_CreateTrue());
	if (inbox_reply_request(o->st, rec, &code, msg, sizeof msg) != 0) {
		int store = strcmp(code, "store_error") == 0;
		rec_fail(rec, code, store, "%s", msg);
		if (store)
			return EX_TEMPFAIL;
	}
	return 0;
}

static int option(void *arg, int c, const char *val)
{
	struct opts *o = arg;
	switch (c) {
	case 'b': o->body = val; break;
	case 'm': cJSON_AddItemToArray(o->media, cJSON_CreateString(val)); break;
	case 'k': o->keep_unread = 1; break;
	case OPT_CONTENT_SID: o->content_sid = val; break;
	case OPT_CONTENT_VARS: o->content_vars = val; break;
	case 'n': o->so.dry_run = 1; break;
	case OPT_QUIET: o->so.ignore_quiet = 1; break;
	case OPT_TAG: o->tag = val; break;
	case 'o': o->format = val; break;
	}
	return 0;
}

/* The message id of the arguments (0 for none), or -1 after saying why not. */
static long long message_id(const struct opts *o, int argc, char **argv)
{
	int flags = o->body || cJSON_GetArraySize(o->media) > 0 || o->content_sid ||
	            o->content_vars;
	long long id = 0;
	if (argc - optind > 1) {
		warnmsg("one message id at a time (the text goes in --body); NDJSON on stdin "
		        "answers many");
		return -1;
	}
	if (optind < argc && msgid_parse_str(argv[optind], &id) != 0) {
		warnmsg("`%s` is not a message id (a whole number such as 42)", argv[optind]);
		return -1;
	}
	if (id && !flags) {
		warnmsg("a reply needs --body, --media or --content-sid");
		return -1;
	}
	if (!id && flags) {
		warnmsg("--body, --media and --content-sid need the id of the message to answer");
		return -1;
	}
	return id;
}

/* The one request ID, --body and --media make. */
static cJSON *from_flags(struct opts *o, long long id)
{
	cJSON *rec = cJSON_CreateObject();
	rec_put_num(rec, "id", (double)id);
	rec_put_message(rec, o->body, NULL, &o->media);
	if (o->content_sid) /* checked with the record (policy.h) */
		rec_put_str(rec, "content_sid", o->content_sid);
	if (o->content_vars)
		rec_put_str(rec, "content_variables", o->content_vars);
	return rec;
}

static const struct option longopts[] = {
	{"body", required_argument, NULL, 'b'},
	{"media", required_argument, NULL, 'm'},
	{"keep-unread", no_argument, NULL, 'k'},
	{"content-sid", required_argument, NULL, OPT_CONTENT_SID},
	{"content-variables", required_argument, NULL, OPT_CONTENT_VARS},
	{"dry-run", no_argument, NULL, 'n'},
	{"ignore-quiet-hours", no_argument, NULL, OPT_QUIET},
	{"tag", required_argument, NULL, OPT_TAG},
	{"output", required_argument, NULL, 'o'},
	CLI_HELP_VERSION,
};

static const struct cli cli = {"sms-reply", usage, "b:m:kno:h", longopts, option};

static int run(struct opts *o, long long id)
{
	struct rec_out out;
	if (rec_out_stdout(&out, o->format, print_text, NULL) != 0)
		return EX_USAGE;
	struct sendenv env;
	o->so.progress = isatty(STDERR_FILENO);
	int rc = sendenv_open(&env, &o->so);
	o->st = env.env.st;
	if (rc == 0)
		rc = sendenv_run(&env, id ? from_flags(o, id) : NULL, stdin, &out, prepare, o);
	sendenv_close(&env);
	return cli_exit(rc);
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {.so = {.concurrency = 4}, .media = cJSON_CreateArray()};
	int rc = cli_parse(&cli, argc, argv, &o);
	if (rc == CLI_GO_ON) {
		long long id = message_id(&o, argc, argv);
		rc = id < 0 ? EX_USAGE : run(&o, id);
	}
	cJSON_Delete(o.media);
	return rc;
}
