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

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "inbox.h"
#include "progenv.h"
#include "records.h"
#include "recwrite.h"
#include "store.h"
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

enum { OPT_SINCE = 256, OPT_PAGE_SIZE };

/* What the command line asks. */
struct opts {
	const char *format, *since_arg;
	long long   page_size;
};

static int option(void *arg, int c, const char *val)
{
	struct opts *o = arg;
	switch (c) {
	case OPT_SINCE: o->since_arg = val; break;
	case OPT_PAGE_SIZE:
		if (parse_whole(val, 1000, &o->page_size) != 0 || o->page_size < 1) {
			warnmsg("--page-size takes a whole number from 1 to 1000");
			return EX_USAGE;
		}
		break;
	case 'o': o->format = val; break;
	}
	return 0;
}

static const struct option longopts[] = {
	{"since", required_argument, NULL, OPT_SINCE},
	{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
	{"output", required_argument, NULL, 'o'},
	CLI_HELP_VERSION,
};

static const struct cli cli = {"sms-fetch", usage, "o:h", longopts, option};

/* Opens the configuration (checking --since in its zone), the provider and
 * the store, then fetches. */
static int run(const struct opts *o, struct rec_out *out)
{
	char err[512], since[32];
	struct progenv env = {0};
	int rc = progenv_open(&env, 0);
	if (rc == 0 && o->since_arg && clock_since(o->since_arg, since) != 0) {
		warnmsg("--since takes 30m, 2h, 2d, 1w, a date such as 2026-11-24, or an RFC 3339 "
		        "time, not `%s`", o->since_arg);
		rc = EX_USAGE;
	}
	progenv_use_provider(&env);
	if (rc == 0)
		rc = progenv_open_store(&env, 0);
	if (rc == 0) {
		struct inbox_fetch_options fo = {
			.to = env.prov.default_from,
			.since = o->since_arg ? since : NULL,
			.page_size = (size_t)o->page_size,
			.progress = isatty(STDERR_FILENO),
		};
		struct inbox_fetch_stats fs;
		rc = inbox_fetch(env.st, &env.prov, &fo, emit, out, &fs, err, sizeof err);
		if (*err)
			warnmsg("%s", err);
		if (isatty(STDERR_FILENO))
			warnmsg("%zu page%s, %zu received message%s, %zu new", fs.pages,
			        fs.pages == 1 ? "" : "s", fs.inbound, fs.inbound == 1 ? "" : "s",
			        fs.added);
	}
	progenv_close(&env);
	return rc;
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {.page_size = 1000};
	int rc = cli_parse(&cli, argc, argv, &o);
	if (rc != CLI_GO_ON)
		return rc;
	if (optind < argc) {
		warnmsg("unexpected argument `%s`", argv[optind]);
		return EX_USAGE;
	}
	struct rec_out out;
	struct inbox_text tt = {0};
	if (rec_out_stdout(&out, o.format, inbox_text_list, &tt) != 0)
		return EX_USAGE;
	return cli_exit(run(&o, &out));
}
