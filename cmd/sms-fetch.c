/* sms-fetch — received messages pulled from the provider's API and stored
 * once each, for users without a public webhook; prints the new ones. What
 * `sms-inbox --fetch` runs: a program of its own so that sms-inbox, which
 * only reads the store, does not load libcurl and its libraries at every
 * start (the way git keeps HTTP in git-remote-http). The work is
 * common/workflow/inbox_fetch.c's. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "inbox.h"
#include "provider.h"
#include "records.h"
#include "recwrite.h"
#include "store.h"
#include "storecfg.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-fetch [--since WHEN] [--page-size N] [-o FORMAT]\n"
	      "\n"
	      "Pulls received messages from the provider's API (SMS_PROVIDER), stores each\n"
	      "once, and prints the new ones, oldest first. The same as sms-inbox --fetch.\n"
	      "\n"
	      "      --since WHEN         messages sent since WHEN's date: 30m, 2h, 2d, 1w, a date\n"
	      "                           or an RFC 3339 time (default: since the last fetch)\n"
	      "      --page-size N        messages per request (1-1000, default 1000)\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}

static void emit(cJSON *rec, void *arg)
{
	rec_set_ok(rec);
	rec_write(arg, rec);
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 256, OPT_SINCE, OPT_PAGE_SIZE };
	static const struct option longopts[] = {
		{"since", required_argument, NULL, OPT_SINCE},
		{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	util_set_progname(argv[0]);
	const char *format = NULL, *since_arg = NULL;
	long long page_size = 1000;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SINCE: since_arg = optarg; break;
		case OPT_PAGE_SIZE:
			if (parse_whole(optarg, 1000, &page_size) != 0 || page_size < 1) {
				warnmsg("--page-size takes a whole number from 1 to 1000");
				return EX_USAGE;
			}
			break;
		case 'o': format = optarg; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("sms-fetch %s\n", SMSKIT_VERSION); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind < argc) {
		warnmsg("unexpected argument `%s`", argv[optind]);
		return EX_USAGE;
	}
	struct rec_out out;
	struct inbox_text tt = {0};
	rec_out_init(&out, stdout);
	if (rec_out_format(&out, format, inbox_text_list, &tt) != 0) {
		warnmsg("-o takes json or text, not `%s`", format);
		return EX_USAGE;
	}
	char err[512], since[32];
	struct sms_config *cfg = config_load(err, sizeof err);
	struct provider prov = {0};
	struct store *st = NULL;
	int rc = EX_CONFIG;
	if (!cfg || clock_use_zone(cfg, err, sizeof err) != 0) {
		warnmsg("%s", err);
		goto out;
	}
	if (since_arg && clock_since(since_arg, since) != 0) {
		warnmsg("--since takes 30m, 2h, 2d, 1w, a date such as 2026-11-24, or an RFC 3339 "
		        "time, not `%s`", since_arg);
		rc = EX_USAGE;
		goto out;
	}
	if (provider_open(&prov, cfg, err, sizeof err) != 0) {
		warnmsg("%s", err);
		goto out;
	}
	st = storecfg_open(cfg, 0, &rc);
	if (!st)
		goto out;
	struct inbox_fetch_options fo = {
		.to = prov.default_from,
		.since = since_arg ? since : NULL,
		.page_size = (size_t)page_size,
		.progress = isatty(STDERR_FILENO),
	};
	struct inbox_fetch_stats fs;
	rc = inbox_fetch(st, &prov, &fo, emit, &out, &fs, err, sizeof err);
	if (*err)
		warnmsg("%s", err);
	if (isatty(STDERR_FILENO))
		warnmsg("%zu page%s, %zu received message%s, %zu new", fs.pages,
		        fs.pages == 1 ? "" : "s", fs.inbound, fs.inbound == 1 ? "" : "s", fs.added);
out:
	store_close(st);
	provider_close(&prov);
	config_free(cfg);
	if (fflush(stdout) != 0) {
		warnmsg("write error on stdout");
		return EX_IOERR;
	}
	return rc;
}
