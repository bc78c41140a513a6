/* status_sync — sms-status --sync. See status_sync.h. */
#include "status_sync.h"
#include "delivery.h"
#include "http.h"
#include "price.h"
#include "progress.h"
#include "status_reason.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 200 /* messages read from the store at once */

const char *const status_sync_statuses[STATUS_SYNC_NSTATUSES] = {
	"queued", "scheduled", "sent", "undelivered", "unknown",
};

struct job {
	struct status_sync *sy;
	cJSON              *rec;     /* the stored record; the output once done */
	int64_t             id;
	int                 started, done;
};

struct status_sync {
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
	struct progress     pace;
};

int status_sync_asks(const char *status)
{
	for (size_t i = 0; status && i < STATUS_SYNC_NSTATUSES; i++)
		if (strcmp(status_sync_statuses[i], status) == 0)
			return 1;
	return 0;
}

static long long num(const cJSON *rec, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static void hint(struct status_sync *sy, int code)
{
	sy->exit_hint = rec_exit_graver(sy->exit_hint, code);
}

struct status_sync *status_sync_new(const struct status_sync_options *o)
{
	struct status_sync *sy = xcalloc(1, sizeof *sy);
	struct http_options ho = {.max_host_conns = o->concurrency};
	sy->st = o->st;
	sy->prov = o->prov;
	sy->http = http_new(&ho);
	sy->out = o->out;
	sy->concurrency = o->concurrency;
	sy->progress = o->progress;
	progress_start(&sy->pace, sy->progress);
	return sy;
}

static struct job *push(struct status_sync *sy, cJSON *rec)
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
	return j;
}

void status_sync_add(struct status_sync *sy, cJSON *rec, int ask)
{
	struct job *j = push(sy, rec);
	if (!ask)
		j->started = j->done = 1;
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
	struct status_sync *sy = j->sy;
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
	status_reason_fill(stored);
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
	status_reason_fill(j->rec);
	rec_set_ok(j->rec);
}

static void start(struct status_sync *sy, struct job *j)
{
	j->started = 1;
	const char *status = rec_str(j->rec, "status");
	const char *provider = rec_str(j->rec, "provider");
	const char *pid = rec_str(j->rec, "provider_id");
	char why[512];
	if (!status_sync_asks(status)) {
		as_is(j, NULL); /* final, or not yet at the provider */
		return;
	}
	if (!provider || strcmp(provider, sy->prov->name) != 0) {
		snprintf(why, sizeof why, "sent through %s, not %s (SMS_PROVIDER): not asked",
		         provider ? provider : "no provider", sy->prov->name);
		as_is(j, why);
		return;
	}
	if (!pid || !*pid) {
		if (strcmp(status, "unknown") == 0)
			status_reason_no_id(j->rec, why, sizeof why);
		else
			snprintf(why, sizeof why, "%s gave no message id to ask about", provider);
		as_is(j, why);
		return;
	}
	struct http_request req;
	struct status_result res;
	memset(&req, 0, sizeof req);
	memset(&res, 0, sizeof res);
	if (sy->prov->ops->status_prepare(sy->prov, pid, status, &req, &res) == 1) {
		complete(j, &res);
		return;
	}
	sy->inflight++;
	http_submit(sy->http, &req, on_http, j);
}

static void progress(struct status_sync *sy, int final)
{
	if (!progress_due(&sy->pace, final))
		return;
	fprintf(stderr, "\r%s: %zu asked, %zu changed, %zu failed, %zu in flight   %s",
	        util_progname(), sy->nasked, sy->nchanged, sy->nfailed, sy->inflight,
	        final ? "\n" : "");
}

/* Starts what may start, waits a little for answers, prints finished jobs in order. */
static void step(struct status_sync *sy)
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
	struct status_sync *sy = arg;
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

int status_sync_select(struct status_sync *sy, const char *const *statuses, size_t nstatuses,
                       const char *since, size_t limit)
{
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

int status_sync_end(struct status_sync *sy, int hard)
{
	while (sy->head < sy->tail || sy->inflight)
		step(sy);
	progress(sy, 1);
	while (http_pending(sy->http))
		http_step(sy->http, 100);
	for (size_t i = sy->head; i < sy->tail; i++) {
		cJSON_Delete(sy->q[i]->rec);
		free(sy->q[i]);
	}
	free(sy->q);
	http_free(sy->http);
	if (sy->halt)
		warnmsg("stopped: %s; the remaining messages were not asked",
		        sy->halt == EX_NOPERM ? "the provider refused the credentials"
		                              : "the provider is unreachable");
	if (sy->nother)
		warnmsg("%zu message%s sent through another provider than %s %s not asked",
		        sy->nother, sy->nother == 1 ? "" : "s", sy->prov->name,
		        sy->nother == 1 ? "was" : "were");
	if (sy->exit_hint)
		hard = hard ? hard : sy->exit_hint;
	free(sy);
	return hard;
}
