/* sms-status — outbound statuses and spend (SPEC 7): lists messages from the
 * store, selected by IDs and options or by one JSON object on stdin (--query,
 * for sms-mcp), asks the provider about those not yet final (--sync; an answer
 * saying the recipient opted out records the opt-out, as sms-webhookd does),
 * and counts them by status with the spend of today and this month against the
 * caps (--summary). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "delivery.h"
#include "http.h"
#include "price.h"
#include "provider.h"
#include "query.h"
#include "records.h"
#include "store.h"
#include "util.h"

#define PAGE 200 /* messages read from the store at once by --sync */

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

/* ---- Times --------------------------------------------------------------- */


/* ---- Reasons (SPEC 5: a message that waits or failed says why) ------------ */

static long long num(const cJSON *rec, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static const char *provider_of(const cJSON *rec)
{
	const char *p = rec_str(rec, "provider");
	return p ? p : "the provider";
}

static int has_provider_id(const cJSON *rec)
{
	const char *pid = rec_str(rec, "provider_id");
	return pid && *pid;
}

static void reason_unknown_no_id(const cJSON *rec, char *buf, size_t len)
{
	snprintf(buf, len, "no answer after the request was sent and no message id from %s: it "
	         "may or may not have gone out; check %s's console (message logs) for it before "
	         "sending again", provider_of(rec), provider_of(rec));
}

/* Fills "reason" when the store holds none, for messages that wait or failed. */
static void fill_reason(cJSON *rec)
{
	const char *status = rec_str(rec, "status");
	const char *have = rec_str(rec, "reason");
	char buf[512] = "", when[32];
	if (!status)
		return;
	if (strcmp(status, "unknown") == 0 && !has_provider_id(rec)) {
		reason_unknown_no_id(rec, buf, sizeof buf);
		rec_put_str(rec, "reason", buf);
		return;
	}
	if (have && *have)
		return;
	const char *send_at = rec_str(rec, "send_at");
	time_t at;
	int later = send_at && clock_parse(send_at, &at) == 0 && at > clock_now();
	if (later)
		clock_local_display(send_at, when, sizeof when);
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(rec, "error");
	const char *emsg = rec_str(err, "message");
	if (strcmp(status, "pending") == 0) {
		snprintf(buf, sizeof buf, "awaiting approval (sms-approve %lld)%s%s", num(rec, "id"),
		         later ? "; to go out at " : "", later ? when : "");
	} else if (strcmp(status, "approved") == 0) {
		if (later)
			snprintf(buf, sizeof buf, "approved; deferred to %s", when);
		else
			snprintf(buf, sizeof buf, "approved; waiting for sms-send --approved");
	} else if (strcmp(status, "sending") == 0) {
		snprintf(buf, sizeof buf, "being handed to %s", provider_of(rec));
	} else if (strcmp(status, "queued") == 0) {
		snprintf(buf, sizeof buf, "queued at %s; sms-status --sync asks for news",
		         provider_of(rec));
	} else if (strcmp(status, "scheduled") == 0) {
		snprintf(buf, sizeof buf, "scheduled at %s%s%s", provider_of(rec),
		         later ? " for " : "", later ? when : "");
	} else if (strcmp(status, "sent") == 0) {
		/* Some carriers never send a receipt: after an hour, say so. */
		const char *sent_at = rec_str(rec, "sent_at");
		time_t t;
		long hours = sent_at && clock_parse(sent_at, &t) == 0 ? (long)((clock_now() - t) / 3600)
		                                                      : 0;
		if (hours >= 1)
			snprintf(buf, sizeof buf, "handed to the carrier; no delivery receipt after %ld "
			         "hour%s (some carriers never send one)", hours, hours == 1 ? "" : "s");
		else
			snprintf(buf, sizeof buf, "handed to the carrier; no delivery receipt yet");
	} else if (strcmp(status, "unknown") == 0) {
		snprintf(buf, sizeof buf, "no answer after the request was sent: it may have gone "
		         "out; sms-status --sync asks %s", provider_of(rec));
	} else if (strcmp(status, "failed") == 0 || strcmp(status, "undelivered") == 0) {
		snprintf(buf, sizeof buf, "%s", emsg ? emsg : strcmp(status, "failed") == 0
		                                                   ? "failed; no reason was given"
		                                                   : "not delivered; no reason was given");
	} else if (strcmp(status, "rejected") == 0) {
		const char *by = rec_str(rec, "reviewed_by"), *why = rec_str(rec, "review_reason");
		snprintf(buf, sizeof buf, "rejected in review%s%s%s%s", by ? " by " : "", by ? by : "",
		         why ? ": " : "", why ? why : "");
	}
	if (*buf)
		rec_put_str(rec, "reason", buf);
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

static void print_summary_text(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(rec, "counts");
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(rec, "spend");
	const cJSON *c;
	long long total = 0;
	cJSON_ArrayForEach(c, counts) {
		total += (long long)c->valuedouble;
		if (c->valuedouble > 0)
			fprintf(fp, "%-12s %10lld\n", c->string, (long long)c->valuedouble);
	}
	fprintf(fp, "%-12s %10lld\n", "total", total);
	const char *cur = rec_str(sp, "currency");
	static const char *const names[][4] = {
		{"today", "daily_limit", "daily_remaining", "daily"},
		{"month", "monthly_limit", "monthly_remaining", "monthly"},
	};
	fputc('\n', fp);
	for (int i = 0; i < 2; i++) {
		const char *lim = rec_str(sp, names[i][1]);
		fprintf(fp, "spent %-6s %10s %s", names[i][0], rec_str(sp, names[i][0]), cur);
		if (lim)
			fprintf(fp, " of %s (%s left)\n", lim, rec_str(sp, names[i][2]));
		else
			fprintf(fp, " (no %s cap)\n", names[i][3]);
	}
}

/* ---- Listing ----------------------------------------------------------------- */

static int emit_listed(cJSON *rec, void *arg)
{
	fill_reason(rec);
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

static int list_ids(struct store *st, struct rec_out *out, const int64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cJSON *rec;
		int rc = store_msg_get(st, ids[i], &rec);
		if (rc == STORE_NOTFOUND) {
			rec_emit(out, not_found(ids[i]));
		} else if (rc != STORE_OK) {
			warnmsg("store: %s", store_errmsg(st));
			return EX_TEMPFAIL;
		} else {
			emit_listed(rec, out);
		}
	}
	return 0;
}

/* ---- --sync -------------------------------------------------------------------- */

struct job {
	struct sync *sy;
	cJSON       *rec;     /* the stored record; the output once done */
	int64_t      id;
	int          started, done;
};

struct sync {
	struct store       *st;
	struct provider    *prov;
	struct http_client *http;
	struct rec_out     *out;
	int                 concurrency, progress;
	struct job        **q;          /* output order; [head, tail) live */
	size_t              head, next, tail, cap;
	size_t              inflight;
	int                 halt, exit_hint;
	size_t              nasked, nchanged, nfailed, nother;
	int64_t             last_listed;  /* paging: the last id the store gave */
	size_t              nlisted, nours; /* paging: records the store gave, ours */
	long long           started_us, last_progress_us;
};

static long long now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void hint(struct sync *sy, int code)
{
	sy->exit_hint = rec_exit_graver(sy->exit_hint, code);
}

static int syncable(const char *status)
{
	static const char *const s[] = {"queued", "scheduled", "sent", "undelivered", "unknown"};
	for (size_t i = 0; status && i < sizeof s / sizeof *s; i++)
		if (strcmp(s[i], status) == 0)
			return 1;
	return 0;
}

static void push(struct sync *sy, cJSON *rec)
{
	if (sy->tail == sy->cap) {
		if (sy->head > 0) {
			memmove(sy->q, sy->q + sy->head, (sy->tail - sy->head) * sizeof *sy->q);
			sy->tail -= sy->head;
			sy->next -= sy->head;
			sy->head = 0;
		}
		if (sy->tail == sy->cap) {
			sy->cap = sy->cap ? sy->cap * 2 : 64;
			sy->q = xrealloc(sy->q, sy->cap * sizeof *sy->q);
		}
	}
	struct job *j = xcalloc(1, sizeof *j);
	j->sy = sy;
	j->rec = rec;
	j->id = num(rec, "id");
	sy->q[sy->tail++] = j;
}

/* The fields a status answer sets: price, currency, and the error when one came,
 * in the words of the provider's table (delivery.h). */
static cJSON *answer_fields(const cJSON *rec, const char *provider,
                            const struct status_result *res, int *news)
{
	cJSON *f = cJSON_CreateObject();
	const char *price = rec_str(rec, "price"), *cur = rec_str(rec, "currency");
	money_t a, b;
	if (res->price[0] && !(price && money_parse(price, &a) == 0 &&
	                       money_parse(res->price, &b) == 0 && a == b)) {
		cJSON_AddStringToObject(f, "price", res->price);
		*news = 1;
	}
	if (strlen(res->currency) == 3 &&
	    strspn(res->currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3 &&
	    !(cur && strcmp(cur, res->currency) == 0)) {
		cJSON_AddStringToObject(f, "currency", res->currency);
		*news = 1;
	}
	if (res->error_code) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		if (num(e, "provider_code") != res->error_code)
			*news = 1;
		delivery_error_fields(f, provider, res->status, res->error_code, res->error_message);
	}
	return f;
}

static void job_fail(struct job *j, const char *code, int retryable, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void job_fail(struct job *j, const char *code, int retryable, const char *fmt, ...)
{
	char msg[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	rec_fail(j->rec, code, retryable, "message %lld: %s", (long long)j->id, msg);
	j->sy->nfailed++;
}

static void complete(struct job *j, const struct status_result *res)
{
	struct sync *sy = j->sy;
	j->done = 1;
	sy->nasked++;
	const char *cur = rec_str(j->rec, "status");
	char previous[16];
	snprintf(previous, sizeof previous, "%s", cur ? cur : "");
	rec_put_str(j->rec, "previous_status", previous);
	if (!res->ok) {
		const char *code = res->code ? res->code : "provider_error";
		job_fail(j, code, res->exit_hint == EX_TEMPFAIL || res->exit_hint == EX_UNAVAILABLE,
		         "%s", res->message[0] ? res->message : "the status query failed");
		hint(sy, res->exit_hint);
		if (res->exit_hint == EX_NOPERM || res->exit_hint == EX_UNAVAILABLE)
			sy->halt = res->exit_hint;
		return;
	}
	if (!store_status_valid(res->status) || strcmp(res->status, "received") == 0) {
		job_fail(j, "provider_error", 0, "%s answered a status smskit does not know: `%s`",
		         sy->prov->name, res->status);
		return;
	}
	rec_put_str(j->rec, "provider_status", res->status);
	int news = strcmp(res->status, previous) != 0;
	cJSON *fields = answer_fields(j->rec, sy->prov->name, res, &news);
	/* An error new to this message that says the recipient opted out (Twilio's
	 * 21610, Vonage's 9) records the opt-out, as sms-webhookd does for the
	 * same callback, in one transaction with the status, so that the next
	 * sms-send refuses the number. Only when new: an undelivered message is
	 * asked about again on every run, and a number that has opted back in
	 * since must stay in. (A new error is news: the status is stored too.) */
	const cJSON *had = cJSON_GetObjectItemCaseSensitive(j->rec, "error");
	const char *to = rec_str(j->rec, "to");
	char source[48];
	int optout = res->error_code && num(had, "provider_code") != res->error_code &&
	             delivery_opted_out(sy->prov->name, res->error_code, source, sizeof source) &&
	             to && to[0] == '+';
	int rc = STORE_OK;
	if (optout && store_begin_immediate(sy->st) != STORE_OK)
		rc = STORE_ERR;
	if (news && rc == STORE_OK) {
		cJSON *detail = cJSON_CreateObject();
		cJSON_AddStringToObject(detail, "source", "sync");
		rc = store_msg_set_status(sy->st, j->id, res->status, fields, detail);
		cJSON_Delete(detail);
	}
	/* Even when the status would move backwards: the opt-out holds anyway. */
	if (optout && rc != STORE_ERR && store_optout_add(sy->st, to, source) == STORE_ERR)
		rc = STORE_ERR;
	if (optout && rc == STORE_ERR)
		store_rollback(sy->st);
	else if (optout && store_commit(sy->st) != STORE_OK)
		rc = STORE_ERR;
	cJSON_Delete(fields);
	if (rc == STORE_ERR) {
		job_fail(j, "store_error", 1, "store: %s", store_errmsg(sy->st));
		hint(sy, EX_TEMPFAIL);
		return;
	}
	if (rc == STORE_NOTFOUND) {
		job_fail(j, "not_found", 0, "no longer in the store");
		return;
	}
	/* STORE_REFUSED: the provider's answer would move it backwards (a late
	 * "sent" after "delivered"): the stored status stands. */
	cJSON *stored;
	if (store_msg_get(sy->st, j->id, &stored) != STORE_OK) {
		job_fail(j, "store_error", 1, "store: %s", store_errmsg(sy->st));
		hint(sy, EX_TEMPFAIL);
		return;
	}
	const char *now = rec_str(stored, "status");
	if (now && strcmp(now, previous) != 0)
		sy->nchanged++;
	rec_put_str(stored, "previous_status", previous);
	rec_put_str(stored, "provider_status", res->status);
	fill_reason(stored);
	rec_set_ok(stored);
	cJSON_Delete(j->rec);
	j->rec = stored;
}

static void on_http(void *arg, struct http_response *resp)
{
	struct job *j = arg;
	struct status_result res;
	memset(&res, 0, sizeof res);
	j->sy->prov->ops->status_parse(j->sy->prov, resp, &res);
	j->sy->inflight--;
	complete(j, &res);
}

/* Prints a message as it is, without asking: ok, with a reason. */
static void as_is(struct job *j, const char *reason)
{
	j->done = 1;
	rec_put_str(j->rec, "previous_status", rec_str(j->rec, "status"));
	if (reason)
		rec_put_str(j->rec, "reason", reason);
	fill_reason(j->rec);
	rec_set_ok(j->rec);
}

static void start(struct sync *sy, struct job *j)
{
	j->started = 1;
	const char *status = rec_str(j->rec, "status");
	const char *provider = rec_str(j->rec, "provider");
	char why[512];
	if (!syncable(status)) {
		as_is(j, NULL); /* final, or not yet at the provider */
		return;
	}
	if (!provider || strcmp(provider, sy->prov->name) != 0) {
		snprintf(why, sizeof why, "sent through %s, not %s (SMS_PROVIDER): not asked",
		         provider ? provider : "no provider", sy->prov->name);
		as_is(j, why);
		return;
	}
	if (!has_provider_id(j->rec)) {
		if (strcmp(status, "unknown") == 0)
			reason_unknown_no_id(j->rec, why, sizeof why);
		else
			snprintf(why, sizeof why, "%s gave no message id to ask about", provider);
		as_is(j, why);
		return;
	}
	struct http_request req;
	struct status_result res;
	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	if (sy->prov->ops->status_prepare(sy->prov, rec_str(j->rec, "provider_id"), status, &req,
	                                  &res) == 1) {
		complete(j, &res);
		return;
	}
	sy->inflight++;
	http_submit(sy->http, &req, on_http, j);
}

static void progress(struct sync *sy, int final)
{
	if (!sy->progress)
		return;
	long long now = now_us();
	if (!final && (now - sy->started_us < 1000000 || now - sy->last_progress_us < 250000))
		return;
	if (final && sy->last_progress_us == sy->started_us)
		return; /* never shown: nothing to finish */
	sy->last_progress_us = now;
	fprintf(stderr, "\r%s: %zu asked, %zu changed, %zu failed, %zu in flight   %s",
	        util_progname(), sy->nasked, sy->nchanged, sy->nfailed, sy->inflight,
	        final ? "\n" : "");
}

/* Starts what may start, waits a little for answers, prints finished jobs in order. */
static void step(struct sync *sy)
{
	while (!sy->halt && sy->next < sy->tail && sy->inflight < (size_t)sy->concurrency) {
		struct job *j = sy->q[sy->next++];
		if (!j->started)
			start(sy, j);
	}
	if (sy->halt && sy->next < sy->tail) {
		/* Credentials refused or provider unreachable: ask nothing more. */
		for (size_t i = sy->next; i < sy->tail; i++) {
			cJSON_Delete(sy->q[i]->rec);
			free(sy->q[i]);
		}
		sy->tail = sy->next;
	}
	if (sy->inflight)
		http_step(sy->http, 100);
	while (sy->head < sy->next && sy->q[sy->head]->done) {
		struct job *j = sy->q[sy->head++];
		rec_emit(sy->out, j->rec);
		free(j);
	}
	progress(sy, 0);
}

static int collect(cJSON *rec, void *arg)
{
	struct sync *sy = arg;
	sy->last_listed = num(rec, "id");
	sy->nlisted++;
	const char *provider = rec_str(rec, "provider");
	if (!provider || strcmp(provider, sy->prov->name) != 0) {
		sy->nother++; /* another provider's message: not ours to ask */
		cJSON_Delete(rec);
		return 0;
	}
	sy->nours++;
	push(sy, rec);
	return 0;
}

static int run_sync(struct sync *sy, const int64_t *ids, size_t nids,
                    const char *const *statuses, size_t nstatuses, const char *since,
                    size_t limit)
{
	if (nids) {
		int rc = 0;
		for (size_t i = 0; i < nids && !rc; i++) {
			cJSON *rec;
			int r = store_msg_get(sy->st, ids[i], &rec);
			if (r == STORE_NOTFOUND) {
				push(sy, not_found(ids[i]));
				sy->q[sy->tail - 1]->started = sy->q[sy->tail - 1]->done = 1;
			} else if (r == STORE_OK) {
				push(sy, rec);
			} else {
				warnmsg("store: %s", store_errmsg(sy->st));
				rc = EX_TEMPFAIL;
			}
		}
		while (sy->head < sy->tail || sy->inflight)
			step(sy);
		return rc;
	}

	/* Keyset paging by id: a page at a time, the next one read when the
	 * requests of this one are nearly all made, so memory stays at a page. */
	struct store_query q = {
		.direction = "outbound",
		.statuses = statuses,
		.nstatuses = nstatuses,
		.since = since,
	};
	int more = 1, rc = 0;
	while (more || sy->head < sy->tail || sy->inflight) {
		if (more && sy->tail - sy->next < (size_t)sy->concurrency) {
			size_t want = PAGE;
			if (limit && limit - sy->nours < want)
				want = limit - sy->nours;
			size_t before = sy->nlisted;
			q.limit = want;
			if (store_msg_list(sy->st, &q, collect, sy) != STORE_OK) {
				warnmsg("store: %s", store_errmsg(sy->st));
				rc = EX_TEMPFAIL;
				more = 0;
				continue;
			}
			q.after_id = sy->last_listed;
			more = sy->nlisted - before == want && (!limit || sy->nours < limit);
		}
		if (sy->halt)
			more = 0;
		step(sy);
	}
	return rc;
}

/* ---- --summary ----------------------------------------------------------------- */

static int add_count(const char *status, long long n, void *arg)
{
	cJSON *counts = arg;
	rec_put_num(counts, status, (double)n);
	return 0;
}

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

static int summary(struct store *st, const char *currency,
                   money_t caps[2], struct rec_out *out)
{
	static const char *const outbound[] = {
		"pending", "approved", "rejected", "sending", "queued", "scheduled",
		"sent", "delivered", "undelivered", "failed", "canceled", "unknown",
	};
	cJSON *rec = cJSON_CreateObject();
	cJSON *counts = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof outbound / sizeof *outbound; i++)
		cJSON_AddNumberToObject(counts, outbound[i], 0);
	if (store_status_counts(st, "outbound", add_count, counts) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(st));
		cJSON_Delete(counts);
		cJSON_Delete(rec);
		return EX_TEMPFAIL;
	}
	cJSON *sp = cJSON_CreateObject();
	static const char *const keys[][4] = {
		{"today", "daily_limit", "daily_remaining", "day_start"},
		{"month", "monthly_limit", "monthly_remaining", "month_start"},
	};
	time_t now = clock_now();
	char since[2][32];
	money_t spent[2];
	for (int m = 0; m < 2; m++) {
		char buf[32];
		clock_period_start(now, m, since[m], sizeof since[m]);
		if (store_spend_since(st, since[m], &spent[m]) != STORE_OK) {
			warnmsg("store: %s", store_errmsg(st));
			cJSON_Delete(counts);
			cJSON_Delete(sp);
			cJSON_Delete(rec);
			return EX_TEMPFAIL;
		}
		money_format(spent[m], buf);
		cJSON_AddStringToObject(sp, keys[m][0], buf);
	}
	cJSON_AddStringToObject(sp, "currency", currency);
	for (int i = 1; i <= 2; i++) {
		for (int m = 0; m < 2; m++) {
			char buf[32];
			money_t v = i == 1 ? caps[m] : caps[m] > spent[m] ? caps[m] - spent[m] : 0;
			if (caps[m] < 0) {
				cJSON_AddNullToObject(sp, keys[m][i]);
				continue;
			}
			money_format(v, buf);
			cJSON_AddStringToObject(sp, keys[m][i], buf);
		}
	}
	for (int m = 0; m < 2; m++)
		cJSON_AddStringToObject(sp, keys[m][3], since[m]);
	cJSON_AddItemToObject(rec, "counts", counts);
	cJSON_AddItemToObject(rec, "spend", sp);
	rec_set_ok(rec);
	rec_emit(out, rec);
	return 0;
}

/* ---- The selection: options and IDs, or keys of the query (--query) ------------ */

enum { OPT_VERSION = 256, OPT_SINCE, OPT_SYNC, OPT_SUMMARY, OPT_QUERY, OPT_ID, OPT_IDS };

static const struct query_key query_keys[] = {
	{"id", QUERY_WHOLE, OPT_ID},
	{"ids", QUERY_WHOLES, OPT_IDS},
	{"status", QUERY_WORDS, 's'},
	{"since", QUERY_STRING, OPT_SINCE},
	{"limit", QUERY_WHOLE, 'n'},
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
	if (s->nids && (nstatus || s->since || s->limit_given))
		return query ? "\"status\", \"since\" and \"limit\" select messages: give them or "
		               "message ids, not both"
		             : "--status, --since and --limit select messages: give them or IDs, not "
		               "both";
	const cJSON *sj;
	cJSON_ArrayForEach(sj, s->statuses)
		k += syncable(sj->valuestring);
	if (do_sync && nstatus && k == 0)
		return "--sync asks only about queued, scheduled, sent, undelivered and unknown "
		       "messages; the others are final or not yet sent";
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"status", required_argument, NULL, 's'},
		{"since", required_argument, NULL, OPT_SINCE},
		{"limit", required_argument, NULL, 'n'},
		{"query", no_argument, NULL, OPT_QUERY},
		{"sync", no_argument, NULL, OPT_SYNC},
		{"concurrency", required_argument, NULL, 'c'},
		{"summary", no_argument, NULL, OPT_SUMMARY},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	util_set_progname(argv[0]);
	struct sel s = {.statuses = cJSON_CreateArray(), .limit = 50};
	struct query qr = {0};
	const char *format = NULL, **statuses = NULL;
	long long concurrency = 4;
	int c, do_sync = 0, do_summary = 0, query = 0, rc = EX_USAGE;
	while ((c = getopt_long(argc, argv, "s:n:c:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case OPT_SINCE:
		case 'n':
			if ((rc = query_option(query_keys, NKEYS, c, optarg, apply, &s)) != 0)
				goto usage_out;
			rc = EX_USAGE;
			break;
		case OPT_QUERY: query = 1; break;
		case OPT_SYNC: do_sync = 1; break;
		case 'c':
			if (parse_whole(optarg, 1000, &concurrency) != 0 || concurrency < 1) {
				warnmsg("--concurrency takes a whole number from 1 to 1000");
				goto usage_out;
			}
			break;
		case OPT_SUMMARY: do_summary = 1; break;
		case 'o': format = optarg; break;
		case 'h': usage(stdout); rc = 0; goto usage_out;
		case OPT_VERSION: printf("sms-status %s\n", SMSKIT_VERSION); rc = 0; goto usage_out;
		default: usage(stderr); goto usage_out;
		}
	}
	for (int i = optind; i < argc; i++)
		if (query_option(query_keys, NKEYS, OPT_ID, argv[i], apply, &s) != 0)
			goto usage_out;
	const char *usage_err = refused(&s, do_sync, do_summary, 0);
	if (usage_err) {
		warnmsg("%s", usage_err);
		goto usage_out;
	}

	struct rec_out out;
	struct text_state ts = {0};
	rec_out_init(&out, stdout);
	if (rec_out_format(&out, format, do_summary ? print_summary_text : print_text, &ts) != 0) {
		warnmsg("-o takes json or text, not `%s`", format);
		goto usage_out;
	}
	if (query && (rc = query_run(&qr, stdin, query_keys, NKEYS, apply, &s, &out)) != 0)
		goto usage_out;
	if (query && (usage_err = refused(&s, do_sync, do_summary, 1)) != NULL) {
		rc = query_fail(&out, "invalid_query", "%s", usage_err);
		goto usage_out;
	}
	size_t nstatus = (size_t)cJSON_GetArraySize(s.statuses), k = 0;
	statuses = xcalloc(nstatus + 5, sizeof *statuses);
	const cJSON *sj;
	cJSON_ArrayForEach(sj, s.statuses)
		if (!do_sync || syncable(sj->valuestring))
			statuses[k++] = sj->valuestring;
	if (do_sync && !nstatus) {
		static const char *const all[] = {"queued", "scheduled", "sent", "undelivered",
		                                  "unknown"};
		for (k = 0; k < 5; k++)
			statuses[k] = all[k];
	}
	nstatus = k;
	size_t nids = s.nids;
	const int64_t *ids = s.ids;
	long long limit = s.limit;
	int limit_given = s.limit_given;

	char err[512], since[32];
	struct sms_config *cfg = config_load(err, sizeof err);
	struct provider prov = {0};
	struct price_table *prices = NULL;
	struct store *st = NULL;
	money_t caps[2] = {-1, -1};
	rc = EX_CONFIG;
	if (!cfg) {
		warnmsg("%s", err);
		goto out;
	}
	clock_use_zone(cfg);
	int bad = s.since ? query_since(&s.since_o, s.since, since) : 0;
	if (bad) {
		rc = bad;
		goto out;
	}
	if (do_summary) {
		if (!(prices = price_load(cfg, err, sizeof err))) {
			warnmsg("%s", err);
			goto out;
		}
		if (parse_cap(cfg, "SMS_DAILY_LIMIT", &caps[0]) != 0 ||
		    parse_cap(cfg, "SMS_MONTHLY_LIMIT", &caps[1]) != 0)
			goto out;
	}
	if (do_sync && provider_open(&prov, cfg, err, sizeof err) != 0) {
		warnmsg("%s", err);
		goto out;
	}
	char *dbpath = config_db_path(cfg);
	st = store_open(dbpath, do_sync ? STORE_SYNC_NORMAL : 0, err, sizeof err);
	free(dbpath);
	if (!st) {
		warnmsg("%s", err);
		rc = errno == EAGAIN ? EX_TEMPFAIL : EX_CONFIG;
		goto out;
	}

	int hard = 0;
	if (do_summary) {
		hard = summary(st, price_currency(prices), caps, &out);
	} else if (do_sync) {
		struct http_options ho = {.max_host_conns = concurrency};
		struct sync sy = {
			.st = st,
			.prov = &prov,
			.http = http_new(&ho),
			.out = &out,
			.concurrency = (int)concurrency,
			.progress = isatty(STDERR_FILENO),
		};
		sy.started_us = sy.last_progress_us = now_us();
		hard = run_sync(&sy, ids, nids, statuses, nstatus, s.since ? since : NULL,
		                limit_given ? (size_t)limit : 0);
		progress(&sy, 1);
		while (http_pending(sy.http))
			http_step(sy.http, 100);
		for (size_t i = sy.head; i < sy.tail; i++) {
			cJSON_Delete(sy.q[i]->rec);
			free(sy.q[i]);
		}
		free(sy.q);
		http_free(sy.http);
		if (sy.halt)
			warnmsg("stopped: %s; the remaining messages were not asked",
			        sy.halt == EX_NOPERM ? "the provider refused the credentials"
			                             : "the provider is unreachable");
		if (sy.nother)
			warnmsg("%zu message%s sent through another provider than %s %s not asked",
			        sy.nother, sy.nother == 1 ? "" : "s", prov.name,
			        sy.nother == 1 ? "was" : "were");
		if (sy.exit_hint)
			hard = hard ? hard : sy.exit_hint;
	} else if (nids) {
		hard = list_ids(st, &out, ids, nids);
	} else {
		struct store_query q = {
			.direction = "outbound",
			.statuses = statuses,
			.nstatuses = nstatus,
			.since = s.since ? since : NULL,
			.limit = (size_t)limit,
			.newest_first = 1,
		};
		if (store_msg_list(st, &q, emit_listed, &out) != STORE_OK) {
			warnmsg("store: %s", store_errmsg(st));
			hard = EX_TEMPFAIL;
		}
	}
	rc = hard ? hard : rec_exit_code(&out, NULL);
out:
	store_close(st);
	provider_close(&prov);
	price_free(prices);
	config_free(cfg);
	if (fflush(stdout) != 0) {
		warnmsg("write error on stdout");
		rc = EX_IOERR;
	}
usage_out:
	free(statuses);
	free(s.ids);
	cJSON_Delete(s.statuses);
	query_free(&qr);
	return rc;
}
