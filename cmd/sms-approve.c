/* sms-approve — the review decision (sms-approve(1)): moves staged (pending) messages
 * to approved, for sms-send --approved to send, or to rejected, recording who
 * decided and why. By id, by filter (--all, --priority) or from NDJSON records
 * with "id" on stdin; a few hundred decisions per transaction. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"
#include "msgid.h"
#include "progenv.h"
#include "progress.h"
#include "recmerge.h"
#include "records.h"
#include "recwrite.h"
#include "review.h"
#include "store.h"
#include "util.h"
#include "words.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-approve [options] ID...\n"
	      "       sms-approve [options] --all | --priority P[,P...]\n"
	      "       ... | sms-approve [options]\n"
	      "\n"
	      "Approves staged (pending) messages for sms-send --approved, or rejects them\n"
	      "with --reject, recording the reviewer and the reason. Without IDs or a\n"
	      "filter, reads NDJSON records with \"id\" from stdin (e.g. the output of\n"
	      "sms-stage --list -o json after review). A message that is not pending is an\n"
	      "error record (not_pending); the others go on.\n"
	      "\n"
	      "  -r, --reject             reject instead of approving\n"
	      "      --reason TEXT        why, stored as review_reason\n"
	      "  -a, --all                every message pending when the command starts\n"
	      "  -p, --priority P[,P...]  every pending message of these priorities\n"
	      "                           (urgent, high, normal, low); repeatable\n"
	      "  -b, --by NAME            the reviewer (default $USER)\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}

struct approver {
	struct store   *st;
	struct rec_out *out;
	const char     *status;  /* "approved" or "rejected" */
	const char     *verb;    /* "approved" or "rejected", for messages */
	cJSON          *fields;  /* reviewed_by, review_reason */
	cJSON          *detail;  /* of the status event */
	int             tempfail, progress;
	size_t          ndone, nfailed;
	struct progress pace;
};

struct job {
	cJSON  *rec;    /* the caller's record, or {"id": N}; the output */
	int64_t id;     /* 0: rec is finished (an error record) */
	cJSON  *stored; /* the decided record, merged in after the commit */
};

static void fail_store(struct approver *ap, struct job *j, const char *code)
{
	rec_fail(j->rec, code, 1, "message %lld: store: %s", (long long)j->id, store_errmsg(ap->st));
	cJSON_Delete(j->stored);
	j->stored = NULL;
	j->id = 0;
	ap->tempfail = 1;
}

/* Inside the batch's transaction: decides one message if it is pending
 * (known_pending: it was listed as pending in this transaction). */
static void decide(struct approver *ap, struct job *j, int known_pending)
{
	cJSON *cur = NULL;
	int rc = review_decide(ap->st, j->id, ap->status, ap->fields, ap->detail, known_pending,
	                       &cur);
	if (rc == STORE_OK) {
		j->stored = cur;
		return;
	}
	if (rc == STORE_NOTFOUND) {
		rec_fail(j->rec, "not_found", 0, "message %lld: no such message", (long long)j->id);
		j->id = 0;
		return;
	}
	if (rc == STORE_REFUSED && !cur) {
		rec_fail(j->rec, "not_pending", 0, "%s", store_errmsg(ap->st));
		j->id = 0;
		return;
	}
	if (rc != STORE_REFUSED) {
		fail_store(ap, j, "store_error");
		return;
	}
	const char *status = rec_str(cur, "status");
	char was[16];
	snprintf(was, sizeof was, "%s", status ? status : "unknown");
	int64_t id = j->id;
	rec_merge(j->rec, cur); /* shows the message as it is */
	review_fill_reason(j->rec);
	rec_fail(j->rec, "not_pending", 0, "message %lld is %s, not pending: only pending "
	         "messages can be %s", (long long)id, was, ap->verb);
	j->id = 0;
}

static void progress(struct approver *ap, int final)
{
	if (!progress_due(&ap->pace, final))
		return;
	fprintf(stderr, "\r%s: %zu %s, %zu failed   %s", util_progname(), ap->ndone, ap->verb,
	        ap->nfailed, final ? "\n" : "");
}

/* Decides a batch in one transaction. */
static void decide_batch(struct approver *ap, struct job *jobs, size_t n)
{
	size_t todo = 0;
	for (size_t i = 0; i < n; i++)
		todo += jobs[i].id != 0;
	if (todo && store_begin_immediate(ap->st) != STORE_OK) {
		for (size_t i = 0; i < n; i++)
			if (jobs[i].id)
				fail_store(ap, &jobs[i], "store_busy");
	} else if (todo) {
		for (size_t i = 0; i < n; i++)
			if (jobs[i].id)
				decide(ap, &jobs[i], 0);
		if (store_commit(ap->st) != STORE_OK)
			for (size_t i = 0; i < n; i++)
				if (jobs[i].stored)
					fail_store(ap, &jobs[i], "store_error");
	}
}

/* Prints decided jobs in order. */
static void emit_jobs(struct approver *ap, struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		if (j->stored) {
			rec_merge(j->rec, j->stored);
			review_fill_reason(j->rec);
			rec_set_ok(j->rec);
			ap->ndone++;
		} else {
			ap->nfailed++;
		}
		rec_write(ap->out, j->rec);
		memset(j, 0, sizeof *j);
	}
	progress(ap, 0);
}

static void run_batch(struct approver *ap, struct job *jobs, size_t n)
{
	decide_batch(ap, jobs, n);
	emit_jobs(ap, jobs, n);
}

static void job_for_id(struct job *j, int64_t id)
{
	j->rec = cJSON_CreateObject();
	cJSON_AddNumberToObject(j->rec, "id", (double)id);
	j->id = id;
}

/* ---- By id, from arguments or stdin ------------------------------------------------ */

static void run_ids(struct approver *ap, const int64_t *ids, size_t n, struct job *jobs)
{
	for (size_t off = 0; off < n; off += BATCH_RECORDS) {
		size_t k = n - off < BATCH_RECORDS ? n - off : BATCH_RECORDS;
		for (size_t i = 0; i < k; i++)
			job_for_id(&jobs[i], ids[off + i]);
		run_batch(ap, jobs, k);
	}
}

static void run_stdin(struct approver *ap, struct rec_in *in, struct job *jobs)
{
	int eof = 0;
	while (!eof) {
		size_t n = 0;
		int cut = 0;
		while (n < BATCH_RECORDS) {
			if (n > 0 && !batch_input_ready(in->fp)) {
				cut = 1;
				break;
			}
			cJSON *rec, *bad;
			if (!rec_next(in, &rec, &bad)) {
				eof = 1;
				break;
			}
			struct job *j = &jobs[n++];
			j->rec = rec ? rec : bad;
			if (!rec)
				continue;
			if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(rec, "ok")) &&
			    cJSON_GetObjectItemCaseSensitive(rec, "error"))
				continue; /* an upstream error record: passed through */
			long long id;
			if (msgid_parse(cJSON_GetObjectItemCaseSensitive(rec, "id"), &id) != 0) {
				rec_fail(rec, "invalid_id", 0, "the record has no message id "
				         "(\"id\": 42)");
				continue;
			}
			j->id = id;
		}
		if (n)
			run_batch(ap, jobs, n);
		if (cut)
			fflush(ap->out->fp);
	}
}

/* ---- By filter ------------------------------------------------------------------------ */

/* Every message pending when we start (of the given priorities): a page of
 * ids listed and decided in each transaction, in id order (with several
 * priorities, one priority after the other). */
static int run_filter(struct approver *ap, const char *const *prios, size_t nprios,
                      struct job *jobs)
{
	int64_t lo, hi, ids[BATCH_RECORDS];
	if (store_msg_id_range(ap->st, "pending", &lo, &hi) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(ap->st));
		return EX_TEMPFAIL;
	}
	size_t npass = nprios && nprios < 4 ? nprios : 1; /* all four: no filter */
	for (size_t p = 0; hi > 0 && p < npass; p++) {
		const char *prio = nprios && nprios < 4 ? prios[p] : NULL;
		int64_t after = lo - 1;
		size_t n;
		do {
			if (store_begin_immediate(ap->st) != STORE_OK) {
				warnmsg("store: %s", store_errmsg(ap->st));
				return EX_TEMPFAIL;
			}
			if (store_msg_ids(ap->st, "pending", prio, after, hi, ids, BATCH_RECORDS, &n) !=
			    STORE_OK) {
				warnmsg("store: %s", store_errmsg(ap->st));
				store_rollback(ap->st);
				return EX_TEMPFAIL;
			}
			for (size_t i = 0; i < n; i++) {
				job_for_id(&jobs[i], ids[i]);
				decide(ap, &jobs[i], 1);
			}
			if (store_commit(ap->st) != STORE_OK)
				for (size_t i = 0; i < n; i++)
					if (jobs[i].stored)
						fail_store(ap, &jobs[i], "store_error");
			emit_jobs(ap, jobs, n);
			if (n)
				after = ids[n - 1];
		} while (n == BATCH_RECORDS);
	}
	return 0;
}

/* ---- Text output ------------------------------------------------------------------------ */

static void print_text(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	const cJSON *idj = cJSON_GetObjectItemCaseSensitive(rec, "id");
	char id[24] = "-";
	if (cJSON_IsNumber(idj))
		snprintf(id, sizeof id, "%lld", (long long)idj->valuedouble);
	const char *to = rec_str(rec, "to");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		fprintf(fp, "FAILED    %-6s %-16s %s: %s\n", id, to ? to : "-", rec_str(e, "code"),
		        rec_str(e, "message"));
		return;
	}
	const char *by = rec_str(rec, "reviewed_by"), *why = rec_str(rec, "review_reason");
	fprintf(fp, "%-9s %-6s %-16s by %s%s%s\n", rec_str(rec, "status"), id, to ? to : "-",
	        by ? by : "-", why ? ": " : "", why ? why : "");
}

/* ---- main ----------------------------------------------------------------------------------- */

static int add_priority(const char *w, void *arg)
{
	static const char *const known[] = {"urgent", "high", "normal", "low"};
	for (size_t i = 0; i < 4; i++)
		if (strcmp(w, known[i]) == 0) {
			const cJSON *have;
			cJSON_ArrayForEach(have, (cJSON *)arg)
				if (strcmp(have->valuestring, w) == 0)
					return 0; /* given twice */
			cJSON_AddItemToArray(arg, cJSON_CreateString(known[i]));
			return 0;
		}
	warnmsg("--priority: `%s` is not urgent, high, normal or low", w);
	return -1;
}

enum { OPT_REASON = 256 };

/* What the command line asks. */
struct opts {
	const char   *format, *reason, *by;
	cJSON        *prio_list;
	int           reject, all, filter; /* filter: --all or --priority */
	int64_t      *ids;
	size_t        nids, nprios;
	const char  **prios;
};

static int option(void *arg, int c, const char *val)
{
	struct opts *o = arg;
	switch (c) {
	case 'r': o->reject = 1; break;
	case OPT_REASON: o->reason = val; break;
	case 'a': o->all = 1; break;
	case 'p': return words_each(val, add_priority, o->prio_list) != 0 ? EX_USAGE : 0;
	case 'b': o->by = val; break;
	case 'o': o->format = val; break;
	}
	return 0;
}

/* The IDs of the arguments, the checks of the whole command line and the
 * defaults: 0, or EX_USAGE after saying why. */
static int operands(struct opts *o, int argc, char **argv)
{
	o->nids = (size_t)(argc - optind);
	o->nprios = (size_t)cJSON_GetArraySize(o->prio_list);
	o->ids = xcalloc(o->nids ? o->nids : 1, sizeof *o->ids);
	for (size_t i = 0; i < o->nids; i++) {
		long long v;
		const char *a = argv[optind + (int)i];
		if (msgid_parse_str(a, &v) != 0) {
			warnmsg("`%s` is not a message id (a whole number such as 42)", a);
			return EX_USAGE;
		}
		o->ids[i] = v;
	}
	o->filter = o->all || o->nprios;
	if (o->filter && o->nids) {
		warnmsg("give message IDs or --all/--priority, not both");
		return EX_USAGE;
	}
	if (!o->filter && !o->nids && isatty(STDIN_FILENO)) {
		warnmsg("which messages? give their IDs, --all, --priority P, or NDJSON records "
		        "with \"id\" on stdin");
		usage(stderr);
		return EX_USAGE;
	}
	if (o->by && !*o->by) {
		warnmsg("--by takes the reviewer's name");
		return EX_USAGE;
	}
	if (o->reason && !*o->reason)
		o->reason = NULL;
	if (!o->by) {
		o->by = getenv("USER");
		if (!o->by || !*o->by)
			o->by = "unknown";
	}
	if (o->prio_list->child && o->nprios > 0) {
		o->prios = xcalloc(o->nprios, sizeof *o->prios);
		size_t k = 0;
		const cJSON *p;
		cJSON_ArrayForEach(p, o->prio_list)
			o->prios[k++] = p->valuestring;
	}
	return 0;
}

/* The decisions: by filter, by the IDs given, or by the records of stdin. */
static int approve(const struct opts *o, struct store *st, struct rec_out *out)
{
	struct approver ap = {
		.st = st,
		.out = out,
		.status = o->reject ? "rejected" : "approved",
		.verb = o->reject ? "rejected" : "approved",
		.fields = cJSON_CreateObject(),
		.detail = cJSON_CreateObject(),
		.progress = isatty(STDERR_FILENO),
	};
	progress_start(&ap.pace, ap.progress);
	cJSON_AddStringToObject(ap.fields, "reviewed_by", o->by);
	if (o->reason)
		cJSON_AddStringToObject(ap.fields, "review_reason", o->reason);
	cJSON_AddStringToObject(ap.detail, "via", "sms-approve");
	struct job *jobs = xcalloc(BATCH_RECORDS, sizeof *jobs);
	struct rec_in in;
	rec_in_init(&in, stdin);
	int hard = 0, from_stdin = 0;
	if (o->filter) {
		hard = run_filter(&ap, o->prios, o->nprios, jobs);
	} else if (o->nids) {
		run_ids(&ap, o->ids, o->nids, jobs);
	} else {
		from_stdin = 1;
		run_stdin(&ap, &in, jobs);
	}
	progress(&ap, 1);
	if (o->filter) {
		if (ap.ndone + ap.nfailed == 0)
			warnmsg("no pending messages%s: nothing %s",
			        o->nprios ? " of that priority" : "", ap.verb);
		else
			warnmsg("%s %zu message%s%s", ap.verb, ap.ndone, ap.ndone == 1 ? "" : "s",
			        ap.nfailed ? "; some failed, see the error records" : "");
	}
	int rc = hard ? hard : rec_exit_code(out, from_stdin ? &in : NULL);
	if (ap.tempfail && !hard)
		rc = EX_TEMPFAIL;
	rec_in_free(&in);
	free(jobs);
	cJSON_Delete(ap.fields);
	cJSON_Delete(ap.detail);
	return rc;
}

static int run(const struct opts *o)
{
	struct rec_out out;
	if (rec_out_stdout(&out, o->format, print_text, NULL) != 0)
		return EX_USAGE;
	struct progenv env = {0};
	int rc = progenv_open_store(&env, 0);
	if (rc == 0)
		rc = approve(o, env.st, &out);
	progenv_close(&env);
	return rc;
}

static const struct option longopts[] = {
	{"reject", no_argument, NULL, 'r'},
	{"reason", required_argument, NULL, OPT_REASON},
	{"all", no_argument, NULL, 'a'},
	{"priority", required_argument, NULL, 'p'},
	{"by", required_argument, NULL, 'b'},
	{"output", required_argument, NULL, 'o'},
	CLI_HELP_VERSION,
};

static const struct cli cli = {"sms-approve", usage, "rap:b:o:h", longopts, option};

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {.prio_list = cJSON_CreateArray()};
	int rc = cli_parse(&cli, argc, argv, &o);
	if (rc == CLI_GO_ON && !(rc = operands(&o, argc, argv)))
		rc = run(&o);
	free(o.ids);
	free(o.prios);
	cJSON_Delete(o.prio_list);
	return cli_exit(rc);
}
