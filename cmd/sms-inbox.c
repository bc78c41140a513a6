/* sms-inbox — received messages (sms-inbox(1)): the listing, newest first, narrowed
 * by --since, --from, --unread and --channel, or by the same keys of one JSON object on
 * stdin (--query, for sms-mcp); --thread, a conversation in both
 * directions; --mark-read and --mark-unread; --fetch, received messages pulled
 * from the provider's API for those without a public webhook, which runs
 * sms-fetch (kept apart so that listing never loads libcurl); --wait, the
 * next message received, waited for (common/workflow/inbox_wait.c). The work
 * is common/workflow/inbox.c's and the store's. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "address.h"
#include "config.h"
#include "inbox.h"
#include "inbox_wait.h"
#include "msgid.h"
#include "policy.h"
#include "progenv.h"
#include "query.h"
#include "recloop.h"
#include "records.h"
#include "recwrite.h"
#include "store.h"
#include "util.h"
#include "words.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-inbox [--since WHEN] [--from NUMBER] [--unread] [--limit N] [--query]\n"
	      "                 [--channel sms|whatsapp] [--state TAG] [-o FORMAT]\n"
	      "       sms-inbox --thread NUMBER [--channel sms|whatsapp] [--since WHEN] [--limit N]\n"
	      "                 [--query] [-o FORMAT]\n"
	      "       sms-inbox --mark-read | --mark-unread [ID...]\n"
	      "       sms-inbox --fetch [--since WHEN] [--page-size N] [-o FORMAT]\n"
	      "       sms-inbox --wait SECONDS [--from NUMBER] [--channel sms|whatsapp] [--query]\n"
	      "                 [-o FORMAT]\n"
	      "\n"
	      "Lists received messages from the store, newest first. With --mark-read and\n"
	      "no IDs, reads NDJSON records {\"id\": N} on stdin.\n"
	      "\n"
	      "      --since WHEN         received since WHEN: 30m, 2h, 2d, 1w, a date (local\n"
	      "                           midnight) or an RFC 3339 time\n"
	      "  -f, --from NUMBER        only messages from NUMBER (whatsapp:NUMBER: its\n"
	      "                           WhatsApp messages; a number alone: its SMS)\n"
	      "  -c, --channel CHANNEL    only messages of that channel: sms or whatsapp\n"
	      "  -u, --unread             only messages not yet read\n"
	      "      --state TAG          only the answers to conversation state TAG (the tag\n"
	      "                           of the message they answered: sms-auto(1), Flows)\n"
	      "  -n, --limit N            at most N messages (default 50; 0: all)\n"
	      "  -t, --thread NUMBER      the conversation with NUMBER on one channel, both\n"
	      "                           directions, oldest first: its last N messages\n"
	      "                           (whatsapp:NUMBER, or --channel whatsapp, for WhatsApp)\n"
	      "      --query              read the selection from stdin too, as one JSON object\n"
	      "                           {\"since\", \"from\", \"unread\", \"limit\", \"thread\",\n"
	      "                           \"channel\", \"wait\", \"state\"}\n"
	      "                           that overrides these options\n"
	      "      --mark-read          mark the messages ID... read\n"
	      "      --mark-unread        mark the messages ID... unread\n"
	      "      --fetch              pull received messages from the provider's API, store\n"
	      "                           them once each, print the new ones\n"
	      "      --page-size N        messages per request with --fetch (1-1000, default 1000)\n"
	      "      --wait SECONDS       wait up to SECONDS (1-3600) for a message received\n"
	      "                           after the wait began, print it and exit 0; exit 75\n"
	      "                           when none came\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}

static int emit_listed(cJSON *rec, void *arg)
{
	rec_set_ok(rec);
	rec_write(arg, rec);
	return 0;
}

/* --fetch: sms-fetch from the directory of this program, else from PATH. */
static int run_fetch(const char *since, const char *page_size, const char *format)
{
	char *args[8];
	int k = 0;
	args[k++] = "sms-inbox"; /* its messages then name the command the user typed */
	if (since) {
		args[k++] = "--since";
		args[k++] = (char *)since;
	}
	if (page_size) {
		args[k++] = "--page-size";
		args[k++] = (char *)page_size;
	}
	if (format) {
		args[k++] = "-o";
		args[k++] = (char *)format;
	}
	args[k] = NULL;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char path[PATH_MAX + 16];
		snprintf(path, sizeof path, "%s/sms-fetch", dirname(self));
		execv(path, args);
	}
	execvp("sms-fetch", args);
	warnmsg("--fetch runs sms-fetch, which is not installed next to sms-inbox or on PATH: %s",
	        strerror(errno));
	return EX_CONFIG;
}

struct marker {
	struct store   *st;
	struct rec_out *out;
	int             read, hard;
};

/* Marks one message, from the arguments or stdin: 0, or 75 when the store
 * failed (which stops the rest). */
static int mark_one(cJSON *rec, const struct rec_in *in, void *arg)
{
	const struct marker *m = arg;
	int hard = 0;
	(void)in;
	inbox_mark(m->st, rec, m->read, &hard);
	return hard;
}

static int mark_word(const char *word, void *arg)
{
	struct marker *m = arg;
	long long id = 0;
	cJSON *rec = cJSON_CreateObject();
	msgid_parse_str(word, &id); /* checked before: a whole number */
	cJSON_AddNumberToObject(rec, "id", (double)id);
	int hard = rec_one(rec, m->out, mark_one, m);
	if (hard)
		m->hard = hard;
	return 0;
}

static int check_id(const char *word, void *arg)
{
	long long id;
	(void)arg;
	return msgid_parse_str(word, &id) != 0;
}

static int mark(struct store *st, struct rec_out *out, int read, char **args, int nargs)
{
	struct marker m = {.st = st, .out = out, .read = read};
	if (nargs > 0) {
		for (int i = 0; i < nargs && !m.hard; i++)
			words_each(args[i], mark_word, &m);
		return m.hard ? m.hard : rec_exit_code(out, NULL);
	}
	return rec_loop(stdin, out, mark_one, &m, REC_LOOP_HARD);
}

/* ---- The selection: options, or keys of the query (--query) ------------------ */

enum { OPT_SINCE = 256, OPT_MARK_READ, OPT_MARK_UNREAD, OPT_FETCH, OPT_PAGE_SIZE,
       OPT_QUERY, OPT_WAIT, OPT_STATE };

static const struct query_key query_keys[] = {
	{"since", QUERY_STRING, OPT_SINCE},
	{"from", QUERY_STRING, 'f'},
	{"unread", QUERY_BOOL, 'u'},
	{"limit", QUERY_WHOLE, 'n'},
	{"thread", QUERY_STRING, 't'},
	{"channel", QUERY_STRING, 'c'},
	{"wait", QUERY_WHOLE, OPT_WAIT},
	{"state", QUERY_STRING, OPT_STATE},
};
#define NKEYS (sizeof query_keys / sizeof *query_keys)

struct sel {
	const char         *since, *from, *thread; /* checked once the configuration is read */
	struct query_origin since_o, from_o, thread_o;
	const char         *channel; /* "sms", "whatsapp" or NULL: any */
	const char         *state;   /* answers to this conversation state, or NULL */
	long long           limit, wait;
	int                 unread, limit_given;
};

static int apply(void *arg, int opt, const char *val, const struct query_origin *o)
{
	struct sel *s = arg;
	switch (opt) {
	case OPT_SINCE:
		s->since = val;
		s->since_o = *o;
		break;
	case 'f':
		s->from = val;
		s->from_o = *o;
		break;
	case 'u': s->unread = strcmp(val, "true") == 0; break;
	case 'n':
		if (parse_whole(val, 100000000, &s->limit) != 0)
			return query_bad(o, " takes a whole number (0 for all), not `%s`", val);
		s->limit_given = 1;
		break;
	case 't':
		s->thread = val;
		s->thread_o = *o;
		break;
	case OPT_STATE:
		if (!policy_tag_valid(val))
			return query_bad(o, " takes a tag (1 to 64 letters, digits, '-', '_' or '.'), "
			                 "not `%s`", val);
		s->state = val;
		break;
	case OPT_WAIT:
		if (parse_whole(val, INBOX_WAIT_MAX, &s->wait) != 0 || s->wait < 1)
			return query_bad(o, " takes a whole number of seconds from 1 to %d, not `%s`",
			                 INBOX_WAIT_MAX, val);
		break;
	case 'c': {
		enum channel ch;
		if (channel_from_name(val, &ch) != 0)
			return query_bad(o, " takes sms or whatsapp, not `%s`", val);
		s->channel = channel_name(ch);
		break;
	}
	}
	return 0;
}

/* What the command line asks. */
struct opts {
	const char *format, *page_arg;
	struct sel  s;
	long long   page_size;
	int         marking, fetch, page_given, query; /* marking: -1, or 1 read, 0 unread */
};

static int option(void *arg, int c, const char *val)
{
	struct opts *o = arg;
	switch (c) {
	case OPT_SINCE:
	case 'f':
	case 'u':
	case 'n':
	case 'c':
	case OPT_WAIT:
	case OPT_STATE:
	case 't': return query_option(query_keys, NKEYS, c, val, apply, &o->s);
	case OPT_QUERY: o->query = 1; break;
	case OPT_MARK_READ:
	case OPT_MARK_UNREAD:
		if (o->marking >= 0 && o->marking != (c == OPT_MARK_READ)) {
			warnmsg("--mark-read and --mark-unread do not mix");
			return EX_USAGE;
		}
		o->marking = c == OPT_MARK_READ;
		break;
	case OPT_FETCH: o->fetch = 1; break;
	case OPT_PAGE_SIZE:
		if (parse_whole(val, 1000, &o->page_size) != 0 || o->page_size < 1) {
			warnmsg("--page-size takes a whole number from 1 to 1000");
			return EX_USAGE;
		}
		o->page_given = 1;
		o->page_arg = val;
		break;
	case 'o': o->format = val; break;
	}
	return 0;
}

/* EX_USAGE after saying why, for a command line that asks the impossible;
 * else 0. */
static int refused(const struct opts *o, int argc, char **argv)
{
	const struct sel *s = &o->s;
	const char *usage_err = NULL;
	int listing = s->since || s->from || s->unread || s->limit_given || s->thread || o->query ||
	              s->channel || s->wait || s->state;
	if (o->marking >= 0 && (listing || o->fetch || o->page_given))
		usage_err = "--mark-read and --mark-unread take message ids and nothing else";
	else if (o->fetch &&
	         (s->from || s->unread || s->limit_given || s->thread || o->query || s->channel ||
	          s->state))
		usage_err = "--fetch takes only --since, --page-size and -o; list afterwards";
	else if (o->page_given && !o->fetch)
		usage_err = "--page-size goes with --fetch";
	else if (s->thread && (s->from || s->unread || s->state))
		usage_err = "--thread shows a whole conversation: it takes no --from, --unread or "
		            "--state";
	else if (s->wait && (o->marking >= 0 || o->fetch || s->since || s->unread ||
	                     s->limit_given || s->thread || s->state))
		usage_err = "--wait takes only --from, --channel, --query and -o";
	else if (o->marking < 0 && optind < argc)
		usage_err = "message ids go with --mark-read or --mark-unread";
	for (int i = optind; !usage_err && o->marking >= 0 && i < argc; i++)
		if (words_each(argv[i], check_id, NULL) != 0) {
			warnmsg("`%s` is not a message id (a whole number such as 42)", argv[i]);
			return EX_USAGE;
		}
	if (!usage_err)
		return 0;
	if (o->marking < 0 && optind < argc)
		warnmsg("unexpected argument `%s`: %s", argv[optind], usage_err);
	else
		warnmsg("%s", usage_err);
	return EX_USAGE;
}

/* arg (--from or --thread) as stored, on the channel --channel names: a
 * number alone takes its prefix ("whatsapp:"), an address of another channel
 * is refused. 0, or the exit status once reported through o. */
static int address_of(const struct sel *s, const char *arg, const struct query_origin *o,
                      const char *region, char out[ADDRESS_LEN])
{
	const char *why = NULL;
	if (inbox_address(arg, region, out, &why) != 0)
		return query_bad(o, " `%s`: %s", arg, why);
	enum channel want, got = address_channel(out);
	if (!s->channel || channel_from_name(s->channel, &want) != 0 || want == got)
		return 0;
	if (got == CHANNEL_WHATSAPP)
		return query_bad(o, " `%s` is a WhatsApp address, and the channel asked is sms", arg);
	char n[ADDRESS_LEN];
	snprintf(n, sizeof n, "%s%s", ADDRESS_WHATSAPP_PREFIX, out);
	memcpy(out, n, ADDRESS_LEN);
	return 0;
}

/* The listing (or the conversation of --thread) the selection asks for. */
static int list(struct store *st, const struct sel *s, const char *since, const char *from,
                const char *number, struct rec_out *out)
{
	struct store_query q = {
		.since = s->since ? since : NULL,
		.limit = (size_t)s->limit,
		.by_time = 1,
		.channel = s->channel,
	};
	if (s->thread) {
		q.number = number;
		q.tail = 1;
	} else {
		q.direction = "inbound";
		q.from = s->from ? from : NULL;
		q.unread = s->unread;
		q.state = s->state;
		q.newest_first = 1;
	}
	if (store_msg_list(st, &q, emit_listed, out) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(st));
		return EX_TEMPFAIL;
	}
	return 0;
}

/* --wait: the next message received (inbox_wait.h); on a signal, *sig for
 * run() to die of once the store is closed. */
static int wait_for(struct store *st, const struct sel *s, const char *from,
                    struct rec_out *out, int *sig)
{
	struct inbox_wait w = {.from = s->from ? from : NULL, .channel = s->channel,
	                       .seconds = (int)s->wait};
	switch (inbox_wait(st, &w, emit_listed, out, sig)) {
	case INBOX_WAIT_FOUND: return rec_exit_code(out, NULL);
	case INBOX_WAIT_TIMEOUT:
		warnmsg("no new message%s%s within %d second%s", s->from ? " from " : "",
		        s->from ? from : "", w.seconds, w.seconds == 1 ? "" : "s");
		return EX_TEMPFAIL;
	case INBOX_WAIT_SIGNAL: return 128 + *sig;
	default: return EX_TEMPFAIL;
	}
}

/* With the output chosen: the query's selection, the configuration, the
 * selection's checks that need it, then marking or listing. */
static int run(struct opts *o, struct rec_out *out, int nargs, char **args)
{
	struct sel *s = &o->s;
	struct query qr = {0};
	struct progenv env = {0};
	char since[32], from[ADDRESS_LEN], number[ADDRESS_LEN];
	const char *region;
	int rc, sig = 0;
	if (o->query && (rc = query_run(&qr, stdin, query_keys, NKEYS, apply, s, out)) != 0)
		goto out;
	if (o->query && s->thread && (s->from || s->unread || s->state)) {
		rc = query_fail(out, "invalid_query", "\"thread\" shows a whole conversation: it "
		                "takes no \"from\", \"unread\" or \"state\"");
		goto out;
	}
	if (o->query && s->wait && (s->since || s->unread || s->limit_given || s->thread ||
	                            s->state)) {
		rc = query_fail(out, "invalid_query", "\"wait\" takes only \"from\" and "
		                "\"channel\"");
		goto out;
	}
	if (out->text && s->thread)
		out->text = inbox_text_thread;
	if ((rc = progenv_open(&env, 0)) != 0 ||
	    (s->since && (rc = query_since(&s->since_o, s->since, since)) != 0))
		goto out;
	region = config_default_country(env.cfg);
	if ((s->from && (rc = address_of(s, s->from, &s->from_o, region, from)) != 0) ||
	    (s->thread && (rc = address_of(s, s->thread, &s->thread_o, region, number)) != 0))
		goto out;
	if ((rc = progenv_open_store(&env, 0)) != 0)
		goto out;
	if (o->marking >= 0)
		rc = mark(env.st, out, o->marking, args, nargs);
	else if (s->wait)
		rc = wait_for(env.st, s, from, out, &sig);
	else
		rc = list(env.st, s, since, from, number, out);
out:
	progenv_close(&env);
	query_free(&qr);
	return sig ? inbox_wait_reraise(sig) : rc;
}

static const struct option longopts[] = {
	{"since", required_argument, NULL, OPT_SINCE},
	{"from", required_argument, NULL, 'f'},
	{"unread", no_argument, NULL, 'u'},
	{"limit", required_argument, NULL, 'n'},
	{"thread", required_argument, NULL, 't'},
	{"channel", required_argument, NULL, 'c'},
	{"state", required_argument, NULL, OPT_STATE},
	{"query", no_argument, NULL, OPT_QUERY},
	{"mark-read", no_argument, NULL, OPT_MARK_READ},
	{"mark-unread", no_argument, NULL, OPT_MARK_UNREAD},
	{"fetch", no_argument, NULL, OPT_FETCH},
	{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"output", required_argument, NULL, 'o'},
	CLI_HELP_VERSION,
};

static const struct cli cli = {"sms-inbox", usage, "f:un:t:c:o:h", longopts, option};

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {.s = {.limit = 50}, .page_size = 1000, .marking = -1};
	int rc = cli_parse(&cli, argc, argv, &o);
	if (rc != CLI_GO_ON || (rc = refused(&o, argc, argv)) != 0)
		return rc;
	if (o.fetch)
		return run_fetch(o.s.since, o.page_arg, o.format);
	struct rec_out out;
	struct inbox_text tt = {0};
	if (rec_out_stdout(&out, o.format, inbox_text_list, &tt) != 0)
		return EX_USAGE;
	return cli_exit(run(&o, &out, argc - optind, argv + optind));
}
