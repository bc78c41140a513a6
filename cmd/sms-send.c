/* sms-send — send now (sms-send(1)): one message from flags, or NDJSON requests on
 * stdin; every send stored, results in input order. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "price.h"
#include "provider.h"
#include "records.h"
#include "sendenv.h"
#include "sender.h"
#include "store.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-send [options] --to NUMBER (--body TEXT | --media URL...) [--from NUMBER]\n"
	      "       ... | sms-send [options]\n"
	      "       sms-send --approved [options]\n"
	      "\n"
	      "Sends SMS and MMS now through the configured provider (SMS_PROVIDER) and\n"
	      "stores every send. Without --to, reads NDJSON requests from stdin:\n"
	      "{\"to\": ..., \"body\": ..., \"media\": [...], \"from\": ..., \"ref\": ...}.\n"
	      "\n"
	      "  -t, --to NUMBER          recipient (E.164, or national for SMS_DEFAULT_COUNTRY)\n"
	      "  -b, --body TEXT          the message text\n"
	      "  -m, --media URL          media URL (http/https), up to 10: makes it an MMS\n"
	      "  -f, --from NUMBER        sender (default: the provider's, e.g. TWILIO_PHONE_NUMBER)\n"
	      "  -a, --approved           send the approved queue (sms-approve): urgent first,\n"
	      "                           then oldest; safe from cron and run concurrently\n"
	      "  -n, --dry-run            validate and price; send and store nothing\n"
	      "  -r, --rate N             at most N requests per second\n"
	      "  -c, --concurrency N      requests in flight at once (default 4)\n"
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

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 256, OPT_QUIET };
	static const struct option longopts[] = {
		{"to", required_argument, NULL, 't'},      {"body", required_argument, NULL, 'b'},
		{"media", required_argument, NULL, 'm'},   {"from", required_argument, NULL, 'f'},
		{"dry-run", no_argument, NULL, 'n'},       {"rate", required_argument, NULL, 'r'},
		{"concurrency", required_argument, NULL, 'c'},
		{"ignore-quiet-hours", no_argument, NULL, OPT_QUIET},
		{"approved", no_argument, NULL, 'a'},
		{"output", required_argument, NULL, 'o'},  {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION}, {NULL, 0, NULL, 0},
	};
	util_set_progname(argv[0]);
	struct sender_options so = {.concurrency = 4};
	const char *to = NULL, *body = NULL, *from = NULL, *format = NULL;
	cJSON *media = cJSON_CreateArray();
	int c, flags = 0, approved = 0;
	double d;
	while ((c = getopt_long(argc, argv, "t:b:m:f:anr:c:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; flags = 1; break;
		case 'b': body = optarg; flags = 1; break;
		case 'm': cJSON_AddItemToArray(media, cJSON_CreateString(optarg)); flags = 1; break;
		case 'f': from = optarg; break;
		case 'n': so.dry_run = 1; break;
		case 'r':
			if (positive(optarg, &so.rate)) {
				warnmsg("--rate takes a positive number of messages per second");
				cJSON_Delete(media);
				return EX_USAGE;
			}
			break;
		case 'c':
			if (positive(optarg, &d) || d != (int)d || d > 1000) {
				warnmsg("--concurrency takes a whole number from 1 to 1000");
				cJSON_Delete(media);
				return EX_USAGE;
			}
			so.concurrency = (int)d;
			break;
		case OPT_QUIET: so.ignore_quiet = 1; break;
		case 'a': approved = 1; break;
		case 'o': format = optarg; break;
		case 'h': usage(stdout); cJSON_Delete(media); return 0;
		case OPT_VERSION: printf("sms-send %s\n", SMSKIT_VERSION); cJSON_Delete(media); return 0;
		default: usage(stderr); cJSON_Delete(media); return EX_USAGE;
		}
	}
	if (optind < argc) {
		warnmsg("unexpected argument `%s` (the text goes in --body)", argv[optind]);
		cJSON_Delete(media);
		return EX_USAGE;
	}
	if (approved && so.dry_run) {
		warnmsg("--approved cannot --dry-run: sms-stage --list --status approved shows the queue");
		cJSON_Delete(media);
		return EX_USAGE;
	}
	if (approved && (flags || from)) {
		warnmsg("--approved sends the approved queue: it takes no --to, --body, --media or --from");
		cJSON_Delete(media);
		return EX_USAGE;
	}
	if (flags && !to) {
		warnmsg("--body and --media need --to");
		cJSON_Delete(media);
		return EX_USAGE;
	}

	struct rec_out out;
	rec_out_init(&out, stdout);
	if (rec_out_format(&out, format, print_text, NULL) != 0) {
		warnmsg("-o takes json or text, not `%s`", format);
		cJSON_Delete(media);
		return EX_USAGE;
	}
	struct sendenv env;
	so.progress = isatty(STDERR_FILENO);
	int rc = sendenv_open(&env, &so);
	struct sender *snd = env.snd;
	if (rc != 0)
		goto out;

	struct rec_in in;
	rec_in_init(&in, stdin);
	if (approved) {
		rc = send_approved(snd, &out);
		rec_in_free(&in);
		goto out;
	}
	if (flags) {
		cJSON *rec = cJSON_CreateObject();
		rec_put_str(rec, "to", to);
		if (body)
			rec_put_str(rec, "body", body);
		if (from)
			rec_put_str(rec, "from", from);
		if (cJSON_GetArraySize(media) > 0) {
			rec_put(rec, "media", media);
			media = NULL;
		}
		sender_add(snd, rec);
	}
	int eof = flags;
	while (!eof || sender_pending(snd)) {
		while (!eof && sender_wants_more(snd)) {
			cJSON *rec, *bad;
			if (!rec_next(&in, &rec, &bad)) {
				eof = 1;
				break;
			}
			if (rec && from && !cJSON_GetObjectItemCaseSensitive(rec, "from"))
				rec_put_str(rec, "from", from);
			sender_add(snd, rec ? rec : bad);
		}
		sender_step(snd, 50);
		cJSON *done;
		while ((done = sender_pop(snd)) != NULL)
			rec_emit(&out, done);
	}
	rc = rec_exit_code(&out, flags ? NULL : &in);
	if (sender_exit_hint(snd))
		rc = sender_exit_hint(snd);
	rec_in_free(&in);
out:
	sendenv_close(&env);
	cJSON_Delete(media);
	if (fflush(stdout) != 0) {
		warnmsg("write error on stdout");
		return EX_IOERR;
	}
	return rc;
}
