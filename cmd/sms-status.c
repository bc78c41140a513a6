/* sms-status — outbound statuses and spend (sms-status(1)): lists messages from the
 * store, selected by IDs and options or by one JSON object on stdin (--query,
 * for sms-mcp), each with the reason it waits or failed (status_reason.c);
 * asks the provider about those not yet final (--sync, status_sync.c); and
 * counts them by status with the spend of today and this month against the
 * caps (--summary, status_summary.c). Here: the options, the selection, the
 * records read from the store by ID, and the listing as text. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "price.h"
#include "progenv.h"
#include "provider.h"
#include "query.h"
#include "records.h"
#include "status_reason.h"
#include "status_summary.h"
#include "status_sync.h"
#include "store.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-status [options] [--query] [ID...]\n"
	      "       sms-status --sync [options] [--query] [ID...]\n"
	      "       sms-status --summary [options]\n"
	      "\n"
	      "Shows outbound messages from the store: the given IDs, else the most recent\n"
	      "ones, newest first. A message that waits or failed says why in \"reason\".\n"
	      "\n"
	      "  -s, --status S[,S...]    only messages in these statuses (repeatable)\n"
	      "      --since WHEN         only messages created since WHEN: 30m, 2h, 2d, 1w,\n"
	      "                           a date (local midnight) or an RFC 3339 time\n"
	      "  -n, --limit N            at most N messages (default 50; --sync: all; 0: all)\n"
	      "      --query              read the selection from stdin too, as one JSON object\n"
	      "                           {\"id\" or \"ids\", \"status\", \"since\", \"limit\"} that\n"
	      "                           overrides these options and the IDs\n"
	      "      --sync               ask the provider about messages not yet final\n"
	      "                           (queued, scheduled, sent, undelivered, unknown) and\n"
	      "                           store the answers\n"
	      "  -c, --concurrency N      status requests in flight at once (default 4)\n"
	      "      --summary            counts by status; spend today and this month\n"
	      "                           against SMS_DAILY_LIMIT and SMS_MONTHLY_LIMIT\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}


/* ---- Text output ------------------------------------------------------------ */

struct text_state {
	int header;
};

static void print_text(FILE *fp, const cJSON *rec, void *arg)
{
	struct text_state *ts = arg;
	const cJSON *idj = cJSON_GetObjectItemCaseSensitive(rec, "id");
	char id[24] = "-";
	if (cJSON_IsNumber(idj))
		snprintf(id, sizeof id, "%lld", (long long)idj->valuedouble);
	if (!ts->header) {
		ts->header = 1;
		fprintf(fp, "%6s  %-20s %-16s %-16s %3s  %-14s %s\n", "ID", "STATUS", "TO", "CREATED",
		        "SEG", "PRICE", "REASON");
	}
	const char *status = rec_str(rec, "status");
	const char *prev = rec_str(rec, "previous_status");
	char st[48];
	if (prev && status && strcmp(prev, status) != 0)
		snprintf(st, sizeof st, "%s>%s", prev, status);
	else
		snprintf(st, sizeof st, "%s", status ? status : "-");
	char created[32], price[40], seg[16] = "-";
	clock_local_display(rec_str(rec, "created_at"), created, sizeof created);
	const char *p = rec_str(rec, "price"), *est = rec_str(rec, "price_estimate");
	const char *cur = rec_str(rec, "currency");
	if (p)
		snprintf(price, sizeof price, "%s %s", p, cur ? cur : "");
	else if (est)
		snprintf(price, sizeof price, "~%s %s", est, cur ? cur : "");
	else
		snprintf(price, sizeof price, "-");
	const cJSON *sg = cJSON_GetObjectItemCaseSensitive(rec, "segments");
	if (cJSON_IsNumber(sg))
		snprintf(seg, sizeof seg, "%d", sg->valueint);
	const char *to = rec_str(rec, "to");
	const char *reason = rec_str(rec, "reason");
	char line[1024], tail[700];
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		snprintf(tail, sizeof tail, "%s: %s", rec_str(e, "code"), rec_str(e, "message"));
		if (!status) {
			snprintf(st, sizeof st, "ERROR");
			snprintf(created, sizeof created, "-");
			snprintf(price, sizeof price, "-");
		}
	} else {
		snprintf(tail, sizeof tail, "%s", reason ? reason : "");
	}
	snprintf(line, sizeof line, "%6s  %-20s %-16s %-16s %3s  %-14s %s", id, st, to ? to : "-",
	         created, seg, price, tail);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == ' ')
		line[--n] = '\0';
	fprintf(fp, "%s\n", line);
}

/* ---- Listing ----------------------------------------------------------------- */

static int emit_listed(cJSON *rec, void *arg)
{
	status_reason_fill(rec);
	rec_set_ok(rec);
	rec_emit(arg, rec);
	return 0;
}

static cJSON *not_found(int64_t id)
{
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddNumberToObject(rec, "id", (double)id);
	rec_fail(rec, "not_found", 0, "message %lld: no such message", (long long)id);
	return rec;
}

/* Hands fn each ID's stored record, or its not_found record (found 0), in
 * order; a store failure ends it, 75. */
static int each_id(struct store *st, const int64_t *ids, size_t n,
                   void (*fn)(cJSON *rec, int found, void *arg), void *arg)
{
	for (size_t i = 0; i < n; i++) {
		cJSON *rec;
		int rc = store_msg_get(st, ids[i], &rec);
		if (rc == STORE_NOTFOUND) {
			fn(not_found(ids[i]), 0, arg);
		} else if (rc != STORE_OK) {
			warnmsg("store: %s", store_errmsg(st));
			return EX_TEMPFAIL;
		} else {
			fn(rec, 1, arg);
		}
	}
	return 0;
}

static void list_one(cJSON *rec, int found, void *arg)
{
	if (found)
		emit_listed(rec, arg);
	else
		rec_emit(arg, rec);
}

static void sync_one(cJSON *rec, int found, void *arg)
{
	status_sync_add(arg, rec, found);
}

/* ---- Configuration ------------------------------------------------------------ */

/* price_cap()'s check, but the sentence goes straight to stderr: however long
 * the value, it is not cut to a buffer. */
static int parse_cap(const struct sms_config *c, const char *key, money_t *cap)
{
	const char *v = config_get(c, key);
	*cap = -1;
	if (!v)
		return 0;
	if (money_parse(v, cap) != 0 || *cap < 0) {
		warnmsg("%s=%s is not an amount such as 5.00", key, v);
		return -1;
	}
	return 0;
}

/* ---- The selection: options and IDs, or keys of the query (--query) ------------ */

enum { OPT_SINCE = 256, OPT_SYNC, OPT_SUMMARY, OPT_QUERY, OPT_ID, OPT_IDS, OPT_PID };

static const struct query_key query_keys[] = {
	{"id", QUERY_WHOLE, OPT_ID},
	{"ids", QUERY_WHOLES, OPT_IDS},
	{"status", QUERY_WORDS, 's'},
	{"since", QUERY_STRING, OPT_SINCE},
	{"limit", QUERY_WHOLE, 'n'},
	{"provider_id", QUERY_STRING, OPT_PID},
};
#define NKEYS (sizeof query_keys / sizeof *query_keys)

struct sel {
	cJSON              *statuses; /* strings: --status, repeatable */
	const char         *since;    /* checked once SMS_TZ is known */
	struct query_origin since_o;
	long long           limit;
	int                 limit_given;
	int64_t            *ids;
	size_t              nids, cap;
	int                 ids_key;  /* the query's key that gave the IDs: OPT_ID or OPT_IDS */
	char               *pid;      /* the query's provider_id: the message a provider knows so */
};

static int add_status(const char *w, void *arg)
{
	const struct query_origin *o = arg;
	if (!store_status_valid(w))
		return query_bad(o, ": `%s` is not a status (pending approved rejected sending "
		                 "queued scheduled sent delivered undelivered failed canceled unknown)", w);
	if (strcmp(w, "received") == 0)
		return query_bad(o, ": received is the status of inbound messages; see sms-inbox(1)");
	return 0;
}

/* An ID argument, or one of the query's. */
static int add_id(struct sel *s, const char *w, const struct query_origin *o)
{
	long long v;
	if (parse_whole(w, 9007199254740992LL, &v) != 0 || v < 1) {
		if (o->out)
			return query_bad(o, ": `%s` is not a message id (a whole number such as 42)", w);
		warnmsg("`%s` is not a message id (a whole number such as 42)", w);
		return EX_USAGE;
	}
	if (s->nids == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->ids = xrealloc(s->ids, s->cap * sizeof *s->ids);
	}
	s->ids[s->nids++] = v;
	return 0;
}

static int apply(void *arg, int opt, const char *val, const struct query_origin *o)
{
	struct sel *s = arg;
	int rc = 0;
	switch (opt) {
	case 's': {
		cJSON *list = cJSON_CreateArray();
		char *copy = xstrdup(val), *save = NULL;
		for (char *w = strtok_r(copy, ", ", &save); w && !rc; w = strtok_r(NULL, ", ", &save))
			if ((rc = add_status(w, (void *)o)) == 0)
				cJSON_AddItemToArray(list, cJSON_CreateString(w));
		free(copy);
		if (rc == 0 && cJSON_GetArraySize(list) == 0)
			rc = query_bad(o, " takes one or more statuses, e.g. queued,sent");
		if (rc == 0 && o->out) { /* the query's replaces the command line's */
			cJSON_Delete(s->statuses);
			s->statuses = list;
		} else {
			cJSON *e;
			while (rc == 0 && (e = cJSON_DetachItemFromArray(list, 0)) != NULL)
				cJSON_AddItemToArray(s->statuses, e);
			cJSON_Delete(list);
		}
		return rc;
	}
	case OPT_SINCE:
		s->since = val;
		s->since_o = *o;
		return 0;
	case 'n':
		if (parse_whole(val, 100000000, &s->limit) != 0)
			return query_bad(o, " takes a whole number (0 for all), not `%s`", val);
		s->limit_given = 1;
		return 0;
	case OPT_PID:
		free(s->pid);
		s->pid = xstrdup(val);
		return 0;
	case OPT_ID:
	case OPT_IDS:
		if (!o->out)
			return add_id(s, val, o);
		if (s->ids_key && s->ids_key != opt)
			return query_fail(o->out, "invalid_query", "give \"id\" or \"ids\", not both");
		s->ids_key = opt;
		s->nids = 0; /* the query's replace the command line's */
		char *copy = xstrdup(val), *save = NULL;
		for (char *w = strtok_r(copy, ",", &save); w && !rc; w = strtok_r(NULL, ",", &save))
			rc = add_id(s, w, o);
		free(copy);
		return rc;
	}
	return 0;
}

/* What the options and IDs together select that the program refuses, worded
 * for the command line or for the query. */
static const char *refused(const struct sel *s, int do_sync, int do_summary, int query)
{
	size_t nstatus = (size_t)cJSON_GetArraySize(s->statuses), k = 0;
	if (do_summary && (do_sync || s->nids || nstatus || s->since || s->limit_given))
		return query ? "--summary takes no selection: \"id\", \"ids\", \"status\", \"since\" "
		               "and \"limit\" go without it"
		             : "--summary takes no IDs and no other selection";
	if (s->pid && (s->nids || nstatus || s->since || s->limit_given || do_sync || do_summary))
		return "\"provider_id\" names one message: give it alone";
	if (s->nids && (nstatus || s->since || s->limit_given))
		return query ? "\"status\", \"since\" and \"limit\" select messages: give them or "
		               "message ids, not both"
		             : "--status, --since and --limit select messages: give them or IDs, not "
		               "both";
	const cJSON *sj;
	cJSON_ArrayForEach(sj, s->statuses)
		k += status_sync_asks(sj->valuestring);
	if (do_sync && nstatus && k == 0)
		return "--sync asks only about queued, scheduled, sent, undelivered and unknown "
		       "messages; the others are final or not yet sent";
	return NULL;
}

/* ---- The command line ---------------------------------------------------------- */

struct opts {
	struct sel   s;
	struct query qr;
	const char  *format;
	long long    concurrency;
	int          do_sync, do_summary, query;
};

static int option(void *arg, int c, const char *val)
{
	struct opts *o = arg;
	switch (c) {
	case 's':
	case OPT_SINCE:
	case 'n': return query_option(query_keys, NKEYS, c, val, apply, &o->s);
	case OPT_QUERY: o->query = 1; break;
	case OPT_SYNC: o->do_sync = 1; break;
	case 'c':
		if (parse_whole(val, 1000, &o->concurrency) != 0 || o->concurrency < 1) {
			warnmsg("--concurrency takes a whole number from 1 to 1000");
			return EX_USAGE;
		}
		break;
	case OPT_SUMMARY: o->do_summary = 1; break;
	case 'o': o->format = val; break;
	}
	return 0;
}

static const struct option longopts[] = {
	{"status", required_argument, NULL, 's'},
	{"since", required_argument, NULL, OPT_SINCE},
	{"limit", required_argument, NULL, 'n'},
	{"query", no_argument, NULL, OPT_QUERY},
	{"sync", no_argument, NULL, OPT_SYNC},
	{"concurrency", required_argument, NULL, 'c'},
	{"summary", no_argument, NULL, OPT_SUMMARY},
	{"output", required_argument, NULL, 'o'},
	CLI_HELP_VERSION,
};

static const struct cli cli = {"sms-status", usage, "s:n:c:o:h", longopts, option};

/* The IDs of the arguments and the checks of the whole command line: 0, or
 * EX_USAGE after saying why. */
static int operands(struct opts *o, int argc, char **argv)
{
	for (int i = optind; i < argc; i++)
		if (query_option(query_keys, NKEYS, OPT_ID, argv[i], apply, &o->s) != 0)
			return EX_USAGE;
	const char *usage_err = refused(&o->s, o->do_sync, o->do_summary, 0);
	if (usage_err) {
		warnmsg("%s", usage_err);
		return EX_USAGE;
	}
	return 0;
}

/* ---- The work --------------------------------------------------------------------- */

/* The message a provider knows as pid (Twilio's SM..., a Vonage or SNS id),
 * looked up under each driver's name; not_found, naming it, when none. */
static int by_provider_id(struct store *st, const char *pid, struct rec_out *out)
{
	int64_t id;
#define TRY(name)                                                              \
	if (store_msg_find_provider_id(st, #name, pid, &id) == STORE_OK)       \
		return each_id(st, &id, 1, list_one, out);
	PROVIDER_DRIVERS(TRY)
#undef TRY
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "provider_id", pid);
	rec_fail(rec, "not_found", 0, "message %s: no message with this provider id", pid);
	rec_emit(out, rec);
	return 0;
}

/* What the selection asks, once the store is open: the summary, the provider's
 * answers (--sync), the messages by ID, or the listing. */
static int report(const struct opts *o, struct progenv *env, const char **statuses,
                  size_t nstatus, const char *since, const money_t caps[2], struct rec_out *out)
{
	const struct sel *s = &o->s;
	struct store *st = env->st;
	if (o->do_summary)
		return status_summary(st, price_currency(env->prices), caps, out);
	if (o->do_sync) {
		struct status_sync_options so = {
			.st = st,
			.prov = &env->prov,
			.out = out,
			.concurrency = (int)o->concurrency,
			.progress = isatty(STDERR_FILENO),
		};
		struct status_sync *sy = status_sync_new(&so);
		int hard;
		if (s->nids)
			hard = each_id(st, s->ids, s->nids, sync_one, sy);
		else
			hard = status_sync_select(sy, statuses, nstatus, s->since ? since : NULL,
			                          s->limit_given ? (size_t)s->limit : 0);
		return status_sync_end(sy, hard);
	}
	if (s->nids)
		return each_id(st, s->ids, s->nids, list_one, out);
	if (s->pid)
		return by_provider_id(st, s->pid, out);
	struct store_query q = {
		.direction = "outbound",
		.statuses = statuses,
		.nstatuses = nstatus,
		.since = s->since ? since : NULL,
		.limit = (size_t)s->limit,
		.newest_first = 1,
	};
	if (store_msg_list(st, &q, emit_listed, out) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(st));
		return EX_TEMPFAIL;
	}
	return 0;
}

/* Opens what the selection needs (the prices and caps for --summary, the
 * provider for --sync), checking --since on the way, then report(). */
static int run(struct opts *o, const char **statuses, size_t nstatus, struct rec_out *out)
{
	char since[32];
	struct progenv env = {0};
	money_t caps[2] = {-1, -1};
	int rc = progenv_open(&env, 0);
	if (rc == 0 && o->s.since)
		rc = query_since(&o->s.since_o, o->s.since, since);
	if (rc == 0 && o->do_summary) {
		rc = progenv_open(&env, PROGENV_PRICES);
		if (rc == 0 && (parse_cap(env.cfg, "SMS_DAILY_LIMIT", &caps[0]) != 0 ||
		                parse_cap(env.cfg, "SMS_MONTHLY_LIMIT", &caps[1]) != 0))
			rc = EX_CONFIG;
	}
	if (rc == 0 && o->do_sync)
		progenv_use_provider(&env);
	if (rc == 0)
		rc = progenv_open_store(&env, o->do_sync ? PROGENV_BULK : 0);
	if (rc == 0) {
		int hard = report(o, &env, statuses, nstatus, since, caps, out);
		rc = hard ? hard : rec_exit_code(out, NULL);
	}
	progenv_close(&env);
	return rc;
}

/* After the command line: the output, the query's selection, the statuses to
 * list, then run(). */
static int start(struct opts *o)
{
	struct sel *s = &o->s;
	struct rec_out out;
	struct text_state ts = {0};
	const char *usage_err;
	int rc;
	if (rec_out_stdout(&out, o->format, o->do_summary ? status_summary_text : print_text,
	                   &ts) != 0)
		return EX_USAGE;
	if (o->query && (rc = query_run(&o->qr, stdin, query_keys, NKEYS, apply, s, &out)) != 0)
		return rc;
	if (o->query && (usage_err = refused(s, o->do_sync, o->do_summary, 1)) != NULL)
		return query_fail(&out, "invalid_query", "%s", usage_err);
	size_t nstatus = (size_t)cJSON_GetArraySize(s->statuses), k = 0;
	const char **statuses = xcalloc(nstatus + STATUS_SYNC_NSTATUSES, sizeof *statuses);
	const cJSON *sj;
	cJSON_ArrayForEach(sj, s->statuses)
		if (!o->do_sync || status_sync_asks(sj->valuestring))
			statuses[k++] = sj->valuestring;
	if (o->do_sync && !nstatus)
		for (k = 0; k < STATUS_SYNC_NSTATUSES; k++)
			statuses[k] = status_sync_statuses[k];
	rc = cli_exit(run(o, statuses, k, &out));
	free(statuses);
	return rc;
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {.s = {.statuses = cJSON_CreateArray(), .limit = 50}, .concurrency = 4};
	int rc = cli_parse(&cli, argc, argv, &o);
	if (rc == CLI_GO_ON && !(rc = operands(&o, argc, argv)))
		rc = start(&o);
	free(o.s.ids);
	free(o.s.pid);
	cJSON_Delete(o.s.statuses);
	query_free(&o.qr);
	return rc;
}
