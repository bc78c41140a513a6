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

#include "clock.h"
#include "config.h"
#include "inbox.h"
#include "price.h"
#include "provider.h"
#include "records.h"
#include "review.h"
#include "sendenv.h"
#include "sender.h"
#include "store.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-reply [options] ID (--body TEXT | --media URL...)\n"
	      "       ... | sms-reply [options]\n"
	      "\n"
	      "Answers received message ID: to its sender, from the number it was received\n"
	      "on, sent and stored as sms-send does. The reply is linked to it (reply_to) and\n"
	      "the message marked replied and read. Without ID, reads NDJSON records on\n"
	      "stdin: {\"id\": 42, \"body\": ..., \"media\": [...], \"keep_unread\": false}.\n"
	      "\n"
	      "  -b, --body TEXT          the reply's text\n"
	      "  -m, --media URL          media URL (http/https), up to 10: makes it an MMS\n"
	      "  -k, --keep-unread        leave the message's read flag as it was\n"
	      "  -n, --dry-run            validate and price; send and store nothing\n"
	      "      --ignore-quiet-hours send even inside SMS_QUIET_HOURS\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}

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

/* One request: turned into the outbound reply, or into an error record that
 * the sender hands back in its place. */
static void add(struct sender *snd, struct store *st, cJSON *rec, int keep_unread, int *hint)
{
	const char *code;
	char msg[512];
	if (keep_unread && !cJSON_HasObjectItem(rec, "keep_unread"))
		rec_put(rec, "keep_unread", cJSON_CreateTrue());
	if (inbox_reply_request(st, rec, &code, msg, sizeof msg) != 0) {
		int store = strcmp(code, "store_error") == 0;
		rec_fail(rec, code, store, "%s", msg);
		if (store)
			*hint = EX_TEMPFAIL;
	}
	sender_add(snd, rec);
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 256, OPT_QUIET };
	static const struct option longopts[] = {
		{"body", required_argument, NULL, 'b'},
		{"media", required_argument, NULL, 'm'},
		{"keep-unread", no_argument, NULL, 'k'},
		{"dry-run", no_argument, NULL, 'n'},
		{"ignore-quiet-hours", no_argument, NULL, OPT_QUIET},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	util_set_progname(argv[0]);
	struct sender_options so = {.concurrency = 4};
	const char *body = NULL, *format = NULL;
	cJSON *media = cJSON_CreateArray();
	int c, keep_unread = 0, rc = EX_USAGE;
	while ((c = getopt_long(argc, argv, "b:m:kno:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': body = optarg; break;
		case 'm': cJSON_AddItemToArray(media, cJSON_CreateString(optarg)); break;
		case 'k': keep_unread = 1; break;
		case 'n': so.dry_run = 1; break;
		case OPT_QUIET: so.ignore_quiet = 1; break;
		case 'o': format = optarg; break;
		case 'h': usage(stdout); cJSON_Delete(media); return 0;
		case OPT_VERSION: printf("sms-reply %s\n", SMSKIT_VERSION); cJSON_Delete(media); return 0;
		default: usage(stderr); cJSON_Delete(media); return EX_USAGE;
		}
	}
	int flags = body || cJSON_GetArraySize(media) > 0;
	long long id = 0;
	if (argc - optind > 1) {
		warnmsg("one message id at a time (the text goes in --body); NDJSON on stdin "
		        "answers many");
		goto usage_out;
	}
	if (optind < argc && review_parse_id_str(argv[optind], &id) != 0) {
		warnmsg("`%s` is not a message id (a whole number such as 42)", argv[optind]);
		goto usage_out;
	}
	if (id && !flags) {
		warnmsg("a reply needs --body or --media");
		goto usage_out;
	}
	if (!id && flags) {
		warnmsg("--body and --media need the id of the message to answer");
		goto usage_out;
	}

	struct rec_out out;
	rec_out_init(&out, stdout);
	if (rec_out_format(&out, format, print_text, NULL) != 0) {
		warnmsg("-o takes json or text, not `%s`", format);
		goto usage_out;
	}
	struct sendenv env;
	so.progress = isatty(STDERR_FILENO);
	rc = sendenv_open(&env, &so);
	struct sender *snd = env.snd;
	if (rc != 0)
		goto out;

	struct rec_in in;
	rec_in_init(&in, stdin);
	int hint = 0;
	if (id) {
		cJSON *rec = cJSON_CreateObject();
		rec_put_num(rec, "id", (double)id);
		if (body)
			rec_put_str(rec, "body", body);
		if (cJSON_GetArraySize(media) > 0) {
			rec_put(rec, "media", media);
			media = NULL;
		}
		add(snd, env.st, rec, keep_unread, &hint);
	}
	int eof = id != 0;
	while (!eof || sender_pending(snd)) {
		while (!eof && sender_wants_more(snd)) {
			cJSON *rec, *bad;
			if (!rec_next(&in, &rec, &bad)) {
				eof = 1;
				break;
			}
			if (rec)
				add(snd, env.st, rec, keep_unread, &hint);
			else
				sender_add(snd, bad);
		}
		sender_step(snd, 50);
		cJSON *done;
		while ((done = sender_pop(snd)) != NULL)
			rec_emit(&out, done);
	}
	rc = rec_exit_code(&out, id ? NULL : &in);
	hint = rec_exit_graver(hint, sender_exit_hint(snd));
	if (hint)
		rc = hint;
	rec_in_free(&in);
out:
	sendenv_close(&env);
	cJSON_Delete(media);
	if (fflush(stdout) != 0) {
		warnmsg("write error on stdout");
		return EX_IOERR;
	}
	return rc;
usage_out:
	cJSON_Delete(media);
	return EX_USAGE;
}
