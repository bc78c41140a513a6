/* sms-send — send now (sms-send(1)): one message from flags, or NDJSON requests on
 * stdin; every send stored, results in input order. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "policy.h"
#include "records.h"
#include "sendenv.h"
#include "sender.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-send [options] --to NUMBER (--body TEXT | --media URL... |\n"
	      "                --content-sid SID [--content-variables JSON]) [--from NUMBER]\n"
	      "       ... | sms-send [options]\n"
	      "       sms-send --approved [options]\n"
	      "\n"
	      "Sends SMS, MMS and WhatsApp messages (to whatsapp:+number) now through the\n"
	      "configured provider (SMS_PROVIDER) and stores every send. Without --to, reads\n"
	      "NDJSON requests from stdin: {\"to\": ..., \"body\": ..., \"media\": [...],\n"
	      "\"from\": ..., \"content_sid\": ..., \"content_variables\": {...}, \"ref\": ...}.\n"
	      "\n"
	      "  -t, --to NUMBER          recipient (E.164, or national for SMS_DEFAULT_COUNTRY)\n"
	      "  -b, --body TEXT          the message text\n"
	      "  -m, --media URL          media URL (http/https), up to 10: makes it an MMS\n"
	      "  -f, --from NUMBER        sender (default: the provider's, e.g. TWILIO_PHONE_NUMBER)\n"
	      "      --content-sid SID    WhatsApp: an approved template (HX and 32 hex digits),\n"
	      "                           sent instead of a body\n"
	      "      --content-variables JSON  its variables, a JSON object: {\"1\":\"Ada\"}\n"
	      "  -a, --approved           send the approved queue (sms-approve): urgent first,\n"
	      "                           then oldest; safe from cron and run concurrently\n"
	      "  -n, --dry-run            validate and price; send and store nothing\n"
	      "  -r, --rate N             at most N requests per second\n"
	      "  -c, --concurrency N      requests in flight at once (default 4)\n"
	      "      --ignore-quiet-hours send even inside SMS_QUIET_HOURS\n"
	      "      --purpose P          marketing or transactional, for a message that does\n"
	      "                           not say (default: marketing, or transactional for a\n"
	      "                           reply); SMS_REQUIRE_CONSENT=on refuses marketing to a\n"
	      "                           number without an opt-in\n"
	      "      --tag TAG            the conversation state the message sets, for rules\n"
	      "                           that wait for it (sms-auto(1), Flows)\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}

enum { OPT_QUIET = 256, OPT_PURPOSE, OPT_CONTENT_SID, OPT_CONTENT_VARS, OPT_TAG };

static void print_text(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	const char *to = rec_str(rec, "to");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		fprintf(fp, "FAILED  %-16s %s: %s\n", to ? to : "-", rec_str(e, "code"),
		        rec_str(e, "message"));
		return;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	const char *status = rec_str(rec, "status");
	char idbuf[24] = "-";
	if (cJSON_IsNumber(id))
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)id->valuedouble);
	fprintf(fp, "%-7s %-16s id %-6s %s, %d segment%s, est. %s %s\n",
	        status ? status : "ok", to ? to : "-", idbuf,
	        rec_str(rec, "encoding"),
	        cJSON_GetObjectItemCaseSensitive(rec, "segments")->valueint,
	        cJSON_GetObjectItemCaseSensitive(rec, "segments")->valueint == 1 ? "" : "s",
	        rec_str(rec, "price_estimate"), rec_str(rec, "currency"));
}

/* --approved: recover what dead senders held, then drain the queue. */
static int send_approved(struct sender *snd, struct rec_out *out)
{
	sender_recover(snd);
	for (;;) {
		size_t claimed = sender_claim(snd);
		if (!claimed && !sender_pending(snd))
			break;
		sender_step(snd, 50);
		cJSON *done;
		while ((done = sender_pop(snd)) != NULL)
			rec_emit(out, done);
	}
	const char *wait = sender_queue_wait(snd);
	if (*wait)
		warnmsg("approved messages wait: %s", wait);
	int rc = rec_exit_code(out, NULL);
	return sender_exit_hint(snd) ? sender_exit_hint(snd) : rc;
}

static int positive(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !(v > 0) || v > 1e6)
		return -1;
	*out = v;
	return 0;
}

/* What the command line asks. */
struct opts {
	struct sender_options so;
	const char           *to, *body, *from, *format, *purpose, *tag;
	const char           *content_sid, *content_vars; /* a WhatsApp template */
	cJSON                *media;
	int                   flags, approved; /* flags: --to, --body or --media given */
};

static int option(void *arg, int c, const char *val)
{
	struct opts *o = arg;
	double d;
	switch (c) {
	case 't': o->to = val; o->flags = 1; break;
	case 'b': o->body = val; o->flags = 1; break;
	case 'm': cJSON_AddItemToArray(o->media, cJSON_CreateString(val)); o->flags = 1; break;
	case 'f': o->from = val; break;
	case OPT_CONTENT_SID: o->content_sid = val; o->flags = 1; break;
	case OPT_CONTENT_VARS: o->content_vars = val; o->flags = 1; break;
	case 'n': o->so.dry_run = 1; break;
	case 'r':
		if (positive(val, &o->so.rate)) {
			warnmsg("--rate takes a positive number of messages per second");
			return EX_USAGE;
		}
		break;
	case 'c':
		if (positive(val, &d) || d != (int)d || d > 1000) {
			warnmsg("--concurrency takes a whole number from 1 to 1000");
			return EX_USAGE;
		}
		o->so.concurrency = (int)d;
		break;
	case OPT_QUIET: o->so.ignore_quiet = 1; break;
	case OPT_PURPOSE: o->purpose = val; break;
	case OPT_TAG: o->tag = val; break;
	case 'a': o->approved = 1; break;
	case 'o': o->format = val; break;
	}
	return 0;
}

/* The sentence for a command line that asks the impossible, or NULL. */
static const char *refused(const struct opts *o)
{
	if (o->approved && o->so.dry_run)
		return "--approved cannot --dry-run: sms-stage --list --status approved shows the queue";
	if (o->approved && (o->flags || o->from))
		return "--approved sends the approved queue: it takes no --to, --body, --media, "
		       "--content-sid or --from";
	if (o->approved && o->purpose)
		return "--approved sends what was staged: its purpose is the staged message's";
	if (o->approved && o->tag)
		return "--approved sends what was staged: its tag is the staged message's "
		       "(sms-stage --tag)";
	if (o->tag && !policy_tag_valid(o->tag))
		return "--tag is a short name: 1 to 64 letters, digits, '-', '_' or '.' (such as "
		       "survey)";
	if (o->purpose && !policy_purpose_valid(o->purpose))
		return "--purpose is marketing or transactional";
	if (o->flags && !o->to)
		return "--body, --media and --content-sid need --to";
	return NULL;
}

/* The one request --to, --body, --media and --from make. */
static cJSON *from_flags(struct opts *o)
{
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "to", o->to);
	rec_put_message(rec, o->body, o->from, &o->media);
	if (o->purpose)
		rec_put_str(rec, "purpose", o->purpose);
	if (o->tag)
		rec_put_str(rec, "tag", o->tag);
	if (o->content_sid) /* checked with the record (policy.h) */
		rec_put_str(rec, "content_sid", o->content_sid);
	if (o->content_vars)
		rec_put_str(rec, "content_variables", o->content_vars);
	return rec;
}

/* --from, --purpose and --tag for the records of stdin that name none. */
static int default_from(cJSON *rec, void *arg)
{
	const struct opts *o = arg;
	if (o->from && !cJSON_GetObjectItemCaseSensitive(rec, "from"))
		rec_put_str(rec, "from", o->from);
	if (o->purpose && !cJSON_GetObjectItemCaseSensitive(rec, "purpose"))
		rec_put_str(rec, "purpose", o->purpose);
	if (o->tag && !cJSON_GetObjectItemCaseSensitive(rec, "tag"))
		rec_put_str(rec, "tag", o->tag);
	return 0;
}

static const struct option longopts[] = {
	{"to", required_argument, NULL, 't'},      {"body", required_argument, NULL, 'b'},
	{"media", required_argument, NULL, 'm'},   {"from", required_argument, NULL, 'f'},
	{"dry-run", no_argument, NULL, 'n'},       {"rate", required_argument, NULL, 'r'},
	{"concurrency", required_argument, NULL, 'c'},
	{"ignore-quiet-hours", no_argument, NULL, OPT_QUIET},
	{"purpose", required_argument, NULL, OPT_PURPOSE},
	{"tag", required_argument, NULL, OPT_TAG},
	{"approved", no_argument, NULL, 'a'},
	{"content-sid", required_argument, NULL, OPT_CONTENT_SID},
	{"content-variables", required_argument, NULL, OPT_CONTENT_VARS},
	{"output", required_argument, NULL, 'o'},  CLI_HELP_VERSION,
};

static const struct cli cli = {"sms-send", usage, "t:b:m:f:anr:c:o:h", longopts, option};

static int run(struct opts *o)
{
	struct rec_out out;
	if (rec_out_stdout(&out, o->format, print_text, NULL) != 0)
		return EX_USAGE;
	struct sendenv env;
	o->so.progress = isatty(STDERR_FILENO);
	int rc = sendenv_open(&env, &o->so);
	if (rc == 0 && o->approved)
		rc = send_approved(env.snd, &out);
	else if (rc == 0)
		rc = sendenv_run(&env, o->flags ? from_flags(o) : NULL, stdin, &out, default_from, o);
	sendenv_close(&env);
	return cli_exit(rc);
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {.so = {.concurrency = 4}, .media = cJSON_CreateArray()};
	int rc = cli_parse(&cli, argc, argv, &o);
	const char *why = NULL;
	if (rc == CLI_GO_ON && optind < argc) {
		warnmsg("unexpected argument `%s` (the text goes in --body)", argv[optind]);
		rc = EX_USAGE;
	} else if (rc == CLI_GO_ON && (why = refused(&o)) != NULL) {
		warnmsg("%s", why);
		rc = EX_USAGE;
	} else if (rc == CLI_GO_ON) {
		rc = run(&o);
	}
	cJSON_Delete(o.media);
	return rc;
}
