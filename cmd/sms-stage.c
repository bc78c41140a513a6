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

#include "clock.h"
#include "config.h"
#include "price.h"
#include "query.h"
#include "records.h"
#include "stage.h"
#include "stage_list.h"
#include "store.h"
#include "storecfg.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-stage [options] --to NUMBER (--body TEXT | --media URL...)\n"
	      "       ... | sms-stage [options]\n"
	      "       sms-stage --list [--status S]... [--priority P] [--limit N] [--query]\n"
	      "\n"
	      "Stages outbound messages for review: each is checked and priced as sms-send\n"
	      "would, stored as pending with its warnings (segments, cost, quiet hours,\n"
	      "opt-out) and printed; sms-approve releases it to sms-send --approved.\n"
	      "Without --to, reads NDJSON requests from stdin: {\"to\": ..., \"body\": ...,\n"
	      "\"media\": [...], \"from\": ..., \"priority\": ..., \"notes\": ..., \"send_at\": ...,\n"
	      "\"ref\": ..., \"reply_to\": ...}; the options below then fill in what a record\n"
	      "leaves out.\n"
	      "\n"
	      "  -t, --to NUMBER          recipient (E.164, or national for SMS_DEFAULT_COUNTRY)\n"
	      "  -b, --body TEXT          the message text\n"
	      "  -m, --media URL          media URL (http/https), up to 10: makes it an MMS\n"
	      "  -f, --from NUMBER        sender (default: the provider's when sent)\n"
	      "  -p, --priority P         urgent, high, normal (default) or low\n"
	      "      --notes TEXT         a note for the reviewer\n"
	      "      --send-at TIME       not before TIME: RFC 3339, or local \"2026-11-25 14:00\"\n"
	      "                           in SMS_TZ\n"
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

enum { OPT_VERSION = 256, OPT_NOTES, OPT_SEND_AT, OPT_QUERY };

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

/* ---- main ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"to", required_argument, NULL, 't'},      {"body", required_argument, NULL, 'b'},
		{"media", required_argument, NULL, 'm'},   {"from", required_argument, NULL, 'f'},
		{"priority", required_argument, NULL, 'p'},
		{"notes", required_argument, NULL, OPT_NOTES},
		{"send-at", required_argument, NULL, OPT_SEND_AT},
		{"list", no_argument, NULL, 'l'},          {"status", required_argument, NULL, 's'},
		{"limit", required_argument, NULL, 'n'},   {"query", no_argument, NULL, OPT_QUERY},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	util_set_progname(argv[0]);
	const char *to = NULL, *body = NULL, *format = NULL;
	struct stage sg = {0};
	struct sel sel = {.statuses = cJSON_CreateArray()};
	struct query qr = {0};
	cJSON *media = cJSON_CreateArray(), *prio_list = cJSON_CreateArray();
	int c, flags = 0, list = 0, query = 0, rc = EX_USAGE;
	const char *list_only = NULL;
	while ((c = getopt_long(argc, argv, "t:b:m:f:p:ls:n:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; flags = 1; break;
		case 'b': body = optarg; flags = 1; break;
		case 'm': cJSON_AddItemToArray(media, cJSON_CreateString(optarg)); flags = 1; break;
		case 'f': sg.from = optarg; break;
		case OPT_NOTES: sg.notes = optarg; break;
		case OPT_SEND_AT: sg.send_at = optarg; break;
		case 'l': list = 1; break;
		case 's':
		case 'n':
			list_only = c == 's' ? "--status" : "--limit";
			/* fall through */
		case 'p':
			if ((rc = query_option(query_keys, NKEYS, c, optarg, apply, &sel)) != 0)
				goto done;
			rc = EX_USAGE;
			break;
		case OPT_QUERY: query = 1; list_only = "--query"; break;
		case 'o': format = optarg; break;
		case 'h': usage(stdout); rc = 0; goto done;
		case OPT_VERSION: printf("sms-stage %s\n", SMSKIT_VERSION); rc = 0; goto done;
		default: usage(stderr); goto done;
		}
	}
	if (optind < argc) {
		warnmsg("unexpected argument `%s` (the text goes in --body)", argv[optind]);
		goto done;
	}
	if (list && (flags || sg.from || sg.notes || sg.send_at)) {
		warnmsg("--list takes only --status, --priority, --limit, --query and --output");
		goto done;
	}
	if (!list && list_only) {
		warnmsg("%s goes with --list", list_only);
		goto done;
	}
	if (flags && !to) {
		warnmsg("--body and --media need --to");
		goto done;
	}
	struct rec_out out;
	struct stage_list lister = {0};
	rec_out_init(&out, stdout);
	if (rec_out_format(&out, format, list ? stage_list_print : stage_print_text, &lister) != 0) {
		warnmsg("-o takes json or text, not `%s`", format);
		goto done;
	}
	if (query && (rc = query_run(&qr, stdin, query_keys, NKEYS, apply, &sel, &out)) != 0)
		goto done;
	if (list && sel.priority) {
		if ((rc = stage_list_priorities(prio_list, sel.priority, &sel.priority_o)) != 0)
			goto done;
	} else {
		sg.priority = sel.priority; /* checked with each record: invalid_priority */
	}

	char err[512];
	struct sms_config *cfg = config_load(err, sizeof err);
	struct price_table *prices = NULL;
	struct store *st = NULL, *reader = NULL;
	rc = EX_CONFIG;
	if (!cfg || (!list && !(prices = price_load(cfg, err, sizeof err))) ||
	    clock_use_zone(cfg, err, sizeof err) != 0) {
		warnmsg("%s", err);
		goto out;
	}
	if (!list && clock_window_parse(config_get_or(cfg, "SMS_QUIET_HOURS", "21:00-08:00"),
	                                &sg.quiet, err, sizeof err) != 0) {
		warnmsg("SMS_QUIET_HOURS: %s", err);
		goto out;
	}
	st = storecfg_open(cfg, list ? 0 : STORE_SYNC_NORMAL, &rc);
	/* Records from stdin are stored by a thread of their own: this thread
	 * reads them back through a second connection. */
	if (st && !list && !flags)
		reader = storecfg_open(cfg, 0, &rc);
	if (!st || (!list && !flags && !reader))
		goto out;

	if (list) {
		int hard = stage_list_run(&lister, st, &out, sel.statuses, prio_list,
		                          (size_t)sel.limit);
		rc = hard ? hard : rec_exit_code(&out, NULL);
		goto out;
	}

	sg.st = st;
	sg.reader = reader ? reader : st;
	sg.prices = prices;
	sg.region = config_default_country(cfg);
	sg.provider = config_get(cfg, "SMS_PROVIDER");
	sg.out = &out;
	sg.progress = isatty(STDERR_FILENO);
	stage_start(&sg);
	struct rec_in in;
	rec_in_init(&in, stdin);
	if (flags) {
		cJSON *rec = cJSON_CreateObject();
		rec_put_str(rec, "to", to);
		if (body)
			rec_put_str(rec, "body", body);
		if (cJSON_GetArraySize(media) > 0) {
			rec_put(rec, "media", media);
			media = NULL;
		}
		stage_one(&sg, rec);
	} else if (stage_stream(&sg, &in) != 0) {
		warnmsg("cannot start a thread: %s", strerror(errno));
		rc = EX_OSERR;
		rec_in_free(&in);
		goto out;
	}
	stage_finish(&sg);
	rc = rec_exit_code(&out, flags ? NULL : &in);
	if (sg.tempfail)
		rc = EX_TEMPFAIL;
	rec_in_free(&in);
out:
	store_close(reader);
	store_close(st);
	price_free(prices);
	config_free(cfg);
done:
	cJSON_Delete(media);
	cJSON_Delete(sel.statuses);
	cJSON_Delete(prio_list);
	query_free(&qr);
	if (fflush(stdout) != 0) {
		warnmsg("write error on stdout");
		return EX_IOERR;
	}
	return rc;
}