/* sender — from outbound request to stored result: checked, sent, the answers
 * stored in batches (the approved queue is sender_queue.c). See sender.h. */
#include "sender.h"
#include "consent.h"
#include "keywordwarn.h"
#include "msgid.h"
#include "recmerge.h"
#include "records.h"
#include "sender_int.h"
#include "util.h"
#include "wawindow.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sender *sender_new(const struct sms_config *c, struct store *st, struct provider *p,
                          const struct price_table *prices, const struct sender_options *o,
                          char *err, size_t errlen)
{
	struct sender *s = xcalloc(1, sizeof *s);
	s->cfg = c;
	s->st = st;
	s->prov = p;
	s->prices = prices;
	s->o = *o;
	if (s->o.concurrency <= 0)
		s->o.concurrency = 4;
	s->region = config_default_country(c);
	snprintf(s->quiet_spec, sizeof s->quiet_spec, "%s",
	         config_get_or(c, "SMS_QUIET_HOURS", "21:00-08:00"));
	if (clock_window_parse(s->quiet_spec, &s->quiet, err, errlen) != 0 ||
	    price_cap(c, "SMS_DAILY_LIMIT", &s->daily_cap, err, errlen) != 0 ||
	    price_cap(c, "SMS_MONTHLY_LIMIT", &s->monthly_cap, err, errlen) != 0 ||
	    consent_policy_load(c, &s->require_consent, err, errlen) != 0) {
		if (strncmp(err, "`", 1) == 0) {
			char tmp[512];
			snprintf(tmp, sizeof tmp, "SMS_QUIET_HOURS: %s", err);
			snprintf(err, errlen, "%s", tmp);
		}
		free(s);
		return NULL;
	}
	const char *pub = config_get(c, "SMS_PUBLIC_URL");
	if (pub) {
		struct strbuf b;
		strbuf_init(&b);
		strbuf_puts(&b, pub);
		while (b.len && b.s[b.len - 1] == '/')
			b.s[--b.len] = '\0';
		strbuf_puts(&b, "/sms/status");
		s->status_callback = strbuf_detach(&b);
	}
	/* The name claims and leases give this host (sms-config(5),
	 * SMS_NODE_NAME): two senders with one name but separate process
	 * tables (containers on one host's network) would judge each other's
	 * processes by the wrong table. */
	char host[32] = "";
	const char *node = config_get(c, "SMS_NODE_NAME");
	if (node && *node)
		snprintf(host, sizeof host, "%s", node);
	else
		gethostname(host, sizeof host - 1);
	snprintf(s->host, sizeof s->host, "%s", host);
	snprintf(s->claimer, sizeof s->claimer, "sms-send/%ld@%s", (long)getpid(), host);
	if (lease_init(&s->lease, c, s->claimer, s->host, err, errlen) != 0) {
		free(s->status_callback);
		free(s);
		return NULL;
	}
	struct http_options ho = {.max_host_conns = s->o.concurrency};
	s->http = http_new(&ho);
	if (!s->o.dry_run) {
		s->rcv = recovery_open(c, st);
		recovery_replay(s->rcv, st);
	}
	progress_start(&s->pace, s->o.progress);
	return s;
}

void sender_push_job(struct sender *s, struct job *j)
{
	if (s->tail == s->cap) {
		/* Slide live jobs to the front before growing. */
		if (s->head > 0) {
			memmove(s->ring, s->ring + s->head, (s->tail - s->head) * sizeof *s->ring);
			s->tail -= s->head;
			s->head = 0;
		}
		if (s->tail == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->ring = xrealloc(s->ring, s->cap * sizeof *s->ring);
		}
	}
	s->ring[s->tail++] = j;
}

static void finish(struct job *j)
{
	j->done = 1;
	outbound_free(&j->ob);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j->rec, "ok")))
		j->s->nsent++;
	else
		j->s->nfailed++;
}

void sender_hint(struct sender *s, int code)
{
	s->exit_hint = rec_exit_graver(s->exit_hint, code);
}

static void put_figures(struct sender *s, struct job *j)
{
	char money[32];
	rec_put_str(j->rec, "to", j->ob.to);
	rec_put_str(j->rec, "encoding", outbound_encoding(&j->ob));
	rec_put_num(j->rec, "segments", (double)outbound_segments(&j->ob));
	if (j->ob.content_variables) /* a string of JSON given: stored as the object */
		rec_put(j->rec, "content_variables", cJSON_Parse(j->ob.content_variables));
	money_format(j->estimate, money);
	rec_put_str(j->rec, "price_estimate", money);
	rec_put_str(j->rec, "currency", price_currency(s->prices));
	cJSON *w = cJSON_CreateArray();
	if (j->ob.channel == CHANNEL_SMS && j->ob.gsm.segments >= 2 && j->ob.nmedia == 0) {
		char buf[64];
		snprintf(buf, sizeof buf, "will be sent as %zu segments", j->ob.gsm.segments);
		cJSON_AddItemToArray(w, cJSON_CreateString(buf));
	}
	/* "Reply CONFIRM or CANCEL": smskit-practices(7), Reply words */
	const char *kw[KEYWORDWARN_MAX];
	char kbuf[KEYWORDWARN_LEN];
	for (size_t i = 0, n = keyword_prompts(j->ob.body, kw, KEYWORDWARN_MAX); i < n; i++) {
		keyword_prompt_warning(kw[i], kbuf, sizeof kbuf);
		cJSON_AddItemToArray(w, cJSON_CreateString(kbuf));
	}
	rec_put(j->rec, "warnings", w);
}

static void halted(struct sender *s, struct job *j);

const char *sender_from(const struct sender *s, const struct job *j)
{
	return j->ob.from ? j->ob.from : provider_default_from(s->prov, j->ob.channel);
}

/* "2026-12-06 14:03 CET": a time in SMS_TZ, for a sentence. */
static void local_time(time_t t, char *buf, size_t len)
{
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

int sender_channel_rules(struct sender *s, struct job *j, const char **code, char *msg,
                         size_t msglen)
{
	if (provider_channel_check(s->prov->name, j->ob.channel, code, msg, msglen) != 0)
		return -1;
	if (j->ob.channel != CHANNEL_WHATSAPP)
		return 0; /* an SMS without a sender is the provider's to choose (SNS) */
	if (!sender_from(s, j) && !s->prov->sender_pool) {
		*code = "invalid_from";
		snprintf(msg, msglen, "no WhatsApp sender: set TWILIO_WHATSAPP_NUMBER "
		         "(whatsapp:+number) or TWILIO_MESSAGING_SERVICE_SID (a service with a "
		         "WhatsApp sender), or give \"from\": \"whatsapp:+number\"; nothing sent");
		return -1;
	}
	if (j->ob.content_sid)
		return 0;
	time_t now = clock_now(), closes;
	int open = wa_window(s->st, j->ob.to, now, &closes);
	if (open == 1)
		return 0;
	if (open < 0) {
		*code = "store_error";
		snprintf(msg, msglen, "store: %s", store_errmsg(s->st));
		return -2;
	}
	*code = "outside_window";
	if (closes == 0) {
		snprintf(msg, msglen, "outside WhatsApp's 24-hour window: %s has never written to "
		         "us on WhatsApp, so no window is open and free-form text and media cannot "
		         "go; nothing sent: send an approved template instead (content_sid, with "
		         "content_variables)", j->ob.to);
		return -1;
	}
	char when[64];
	local_time(closes, when, sizeof when);
	snprintf(msg, msglen, "outside WhatsApp's 24-hour window, which closed at %s, 24 hours "
	         "after %s last wrote: free-form text and media cannot go; nothing sent: send an "
	         "approved template instead (content_sid, with content_variables), or wait for "
	         "them to write again", when, j->ob.to);
	return -1;
}

int sender_reply_target(struct sender *s, cJSON *rec, const char **code, char *msg,
                        size_t msglen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "reply_to");
	long long id;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (msgid_parse(v, &id) != 0) {
		*code = "invalid_request";
		snprintf(msg, msglen, "\"reply_to\" must be the id of a received message, a whole "
		         "number such as 42");
		return -1;
	}
	cJSON *orig = NULL;
	int rc = store_msg_get(s->st, id, &orig);
	const char *dir = orig ? rec_str(orig, "direction") : NULL;
	int ret = 0;
	if (rc == STORE_NOTFOUND) {
		*code = "not_found";
		snprintf(msg, msglen, "reply_to %lld: no such message", id);
		ret = -1;
	} else if (rc != STORE_OK) {
		*code = "store_error";
		snprintf(msg, msglen, "store: %s", store_errmsg(s->st));
		ret = -2;
	} else if (!dir || strcmp(dir, "inbound") != 0) {
		*code = "invalid_request";
		snprintf(msg, msglen, "reply_to %lld is a message we sent, not one we received: "
		         "only a received message can be replied to", id);
		ret = -1;
	} else {
		rec_put_num(rec, "reply_to", (double)id);
	}
	cJSON_Delete(orig);
	return ret;
}

/* Inside the transaction that stores an accepted reply: its original is now
 * replied, and read unless the request says "keep_unread": true. */
static void mark_original(struct sender *s, struct job *j)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j->rec, "reply_to");
	if (!cJSON_IsNumber(v) || v->valuedouble < 1)
		return;
	int64_t id = (int64_t)v->valuedouble;
	int rc = store_msg_mark_replied(s->st, id);
	if (rc == STORE_OK && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j->rec, "keep_unread")))
		rc = store_msg_mark_read(s->st, id, 1);
	if (rc != STORE_OK)
		warnmsg("store: message %lld (replied to by %lld): %s", (long long)id,
		        (long long)j->id, store_errmsg(s->st));
}

/* Finishes j as opted out when its number is, or without consent when
 * SMS_REQUIRE_CONSENT wants one: 1 if so. */
static int opted_out(struct sender *s, struct job *j)
{
	char msg[512];
	if (store_optout_check(s->st, j->ob.to) == 1)
		rec_fail(j->rec, "opted_out", 0, "%s has opted out (texted a STOP word); nothing sent",
		         j->ob.to);
	else if (consent_refused(s->st, s->require_consent, j->rec, j->ob.to, "nothing sent", msg,
	                         sizeof msg) == 1)
		rec_fail(j->rec, "no_consent", 0, "%s", msg);
	else
		return 0;
	finish(j);
	return 1;
}

void sender_add(struct sender *s, cJSON *rec)
{
	struct job *j = xcalloc(1, sizeof *j);
	j->s = s;
	j->rec = rec;
	sender_push_job(s, j);
	const cJSON *okf = cJSON_GetObjectItemCaseSensitive(rec, "ok");
	if (cJSON_IsFalse(okf) && cJSON_GetObjectItemCaseSensitive(rec, "error")) {
		finish(j); /* the reader's error record, passed through in its place */
		return;
	}
	const char *code;
	char msg[512];
	if (outbound_check(rec, s->region, &j->ob, &code, msg, sizeof msg) != 0 ||
	    outbound_check_fields(rec, &j->send_at, &code, msg, sizeof msg) != 0) {
		rec_fail(rec, code, 0, "%s", msg);
		finish(j);
		return;
	}
	int r = sender_channel_rules(s, j, &code, msg, sizeof msg);
	if (r != 0) {
		rec_fail(rec, code, r == -2, "%s", msg);
		if (r == -2)
			sender_hint(s, 75);
		finish(j);
		return;
	}
	r = sender_reply_target(s, rec, &code, msg, sizeof msg);
	if (r != 0) {
		rec_fail(rec, code, r == -2, "%s", msg);
		if (r == -2)
			sender_hint(s, 75);
		finish(j);
		return;
	}
	j->estimate = outbound_estimate(&j->ob, s->prices);
	put_figures(s, j);

	/* A message that goes on to be sent has its opt-out checked when it is
	 * reserved, inside that transaction (no read transaction of its own);
	 * one that stops here is checked now, first, as the reservation would. */
	time_t end;
	int quiet = !s->o.ignore_quiet && clock_window_inside(&s->quiet, clock_now(), &end);
	if ((quiet || s->o.dry_run || s->halt) && opted_out(s, j))
		return;
	if (quiet) {
		char hhmm[8];
		clock_local_hhmm(end, hhmm);
		rec_fail(rec, "quiet_hours", 1,
		         "inside quiet hours (%s): not sent; send after %s, use "
		         "--ignore-quiet-hours, or stage it to have it deferred", s->quiet_spec, hhmm);
		finish(j);
		return;
	}
	if (s->o.dry_run) {
		rec_put(rec, "dry_run", cJSON_CreateTrue());
		rec_set_ok(rec);
		finish(j);
		return;
	}
	if (s->halt) {
		halted(s, j);
		return;
	}
	sender_ready(s, j);
}

void sender_ready(struct sender *s, struct job *j)
{
	if (s->ready_last)
		s->ready_last->next_ready = j;
	else
		s->ready = j;
	s->ready_last = j;
}

int sender_wants_more(const struct sender *s)
{
	size_t window = s->tail - s->head;
	size_t waiting = 0;
	for (const struct job *j = s->ready; j && waiting <= (size_t)s->o.concurrency; j = j->next_ready)
		waiting++;
	return waiting <= (size_t)s->o.concurrency && window < (size_t)s->o.concurrency * 8 + 256;
}

size_t sender_pending(const struct sender *s) { return s->tail - s->head; }


int sender_over_cap(struct sender *s, struct job *j, char *msg, size_t msglen)
{
	static const char *const names[] = {"daily", "monthly"};
	money_t caps[2] = {s->daily_cap, s->monthly_cap};
	unsigned want = (caps[0] >= 0 ? STORE_SPEND_DAY : 0) | (caps[1] >= 0 ? STORE_SPEND_MONTH : 0);
	if (!want)
		return 0;
	struct store_spend sp;
	/* A sum that failed counts as nothing spent: the send goes on. */
	(void)store_spend_periods(s->st, clock_now(), want, &sp);
	for (int m = 0; m < 2; m++) {
		if (caps[m] < 0 || sp.spent[m] + j->estimate <= caps[m])
			continue;
		char a[32], b[32], c[32];
		money_format(caps[m], a);
		money_format(sp.spent[m], b);
		money_format(j->estimate, c);
		snprintf(msg, msglen, "%s cap of %s %s reached: %s spent, this message %s", names[m], a,
		         price_currency(s->prices), b, c);
		return 1;
	}
	return 0;
}

void sender_answered(struct job *j)
{
	j->next_done = j->s->answered;
	j->s->answered = j;
}

static void on_http(void *arg, struct http_response *resp)
{
	struct job *j = arg;
	j->s->prov->ops->send_parse(j->s->prov, resp, &j->res);
	if (j->res.outcome == SEND_AGAIN) {
		/* The provider needs one more request (SNS: opt-out check, then publish). */
		struct http_request next = j->res.next;
		memset(&j->res.next, 0, sizeof j->res.next);
		http_submit(j->s->http, &next, on_http, j);
		return;
	}
	j->s->inflight--;
	sender_answered(j);
}

/* Inside the caller's transaction: checks the caps and stores the message as
 * `sending`, so that the check and the reservation are one atomic step. */
static int reserve(struct sender *s, struct job *j)
{
	char msg[512];
	if (store_optout_check(s->st, j->ob.to) == 1) {
		rec_fail(j->rec, "opted_out", 0, "%s has opted out (texted a STOP word); nothing sent",
		         j->ob.to);
		return -1;
	}
	/* The consent, like the opt-out, where it cannot change before the send. */
	int nc = consent_refused(s->st, s->require_consent, j->rec, j->ob.to, "nothing sent", msg,
	                         sizeof msg);
	if (nc != 0) {
		rec_fail(j->rec, nc == 1 ? "no_consent" : "store_error", nc != 1, "%s",
		         nc == 1 ? msg : store_errmsg(s->st));
		return -1;
	}
	if (sender_over_cap(s, j, msg, sizeof msg)) {
		rec_fail(j->rec, "spend_limit", 0, "%s", msg);
		return -1;
	}
	/* The request's own fields, checked (outbound_check, outbound_check_fields,
	 * reply_target), and the figures put_figures added; the rest of the
	 * record only passes through to the output. */
	static const char *const kept[] = {
		"to", "body", "media", "priority", "notes", "ref", "reply_to", "encoding",
		"segments", "price_estimate", "currency", "warnings", "purpose", "content_sid",
		"content_variables", "tag", NULL,
	};
	cJSON *row = cJSON_CreateObject();
	for (const char *const *k = kept; *k; k++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(j->rec, *k);
		if (v && !cJSON_IsNull(v))
			cJSON_AddItemReferenceToObject(row, *k, v);
	}
	if (j->ob.channel != CHANNEL_SMS) /* the column holds an SMS's encoding only */
		cJSON_DeleteItemFromObjectCaseSensitive(row, "encoding");
	if (j->send_at) {
		char t[32];
		clock_format(j->send_at, t, sizeof t);
		rec_put_str(row, "send_at", t);
	}
	rec_put_str(row, "direction", "outbound");
	rec_put_str(row, "status", "sending");
	rec_put_str(row, "from", sender_from(s, j));
	rec_put_str(row, "provider", s->prov->name);
	rec_put_str(row, "claimed_by", s->claimer);
	int rc = store_msg_insert(s->st, row, &j->id);
	cJSON_Delete(row);
	if (rc != STORE_OK) {
		rec_fail(j->rec, "store_error", 1, "store: %s", store_errmsg(s->st));
		sender_hint(s, 75);
		return -1;
	}
	return 0;
}

static void halted(struct sender *s, struct job *j)
{
	rec_fail(j->rec, s->halt == 77 ? "auth_failed" : "unreachable", s->halt != 77,
	         "not attempted: %s", s->halt == 77 ? "the provider refused the credentials"
	                                            : "the provider is unreachable");
	finish(j);
}

static void fail_all(struct sender *s, struct job *list, const char *code)
{
	for (struct job *j = list, *n; j; j = n) {
		n = j->next_ready;
		rec_fail(j->rec, code, 1, "store: %s", store_errmsg(s->st));
		finish(j);
	}
	sender_hint(s, 75);
}

/* Makes the requests of a reserved (committed) batch. */
static void submit_batch(struct sender *s, struct job *ok)
{
	for (struct job *j = ok, *n; j; j = n) {
		n = j->next_ready;
		struct send_request m = {
			.to = j->ob.to,
			.from = j->ob.from,
			.body = j->ob.body,
			.media = j->ob.media,
			.nmedia = j->ob.nmedia,
			.status_callback = s->status_callback,
			.id = j->id,
			.channel = j->ob.channel,
			.content_sid = j->ob.content_sid,
			.content_variables = j->ob.content_variables,
		};
		struct http_request req;
		memset(&req, 0, sizeof req);
		memset(&j->res, 0, sizeof j->res);
		if (s->prov->ops->send_prepare(s->prov, &m, &req, &j->res) == 1) {
			sender_answered(j);
			continue;
		}
		s->inflight++;
		http_submit(s->http, &req, on_http, j);
	}
}

/* Inside the caller's transaction: reserves a batch of jobs; returns those
 * reserved, the others finished. */
static struct job *reserve_batch(struct sender *s, struct job *batch)
{
	struct job *ok = NULL, **tail = &ok;
	for (struct job *j = batch, *n; j; j = n) {
		n = j->next_ready;
		j->next_ready = NULL;
		if (!j->claimed && reserve(s, j) != 0) {
			finish(j);
			continue;
		}
		if (store_msg_requested(s->st, j->id) != STORE_OK) {
			/* Claimed and not requested: a later --approved run gives it back. */
			rec_fail(j->rec, "store_error", 1, "store: %s", store_errmsg(s->st));
			sender_hint(s, 75);
			finish(j);
			continue;
		}
		*tail = j;
		tail = &j->next_ready;
	}
	return ok;
}

/* The answer as the store is to record it: j->status and j->fields. */
static void answer_fields(struct job *j)
{
	struct send_result *res = &j->res;
	cJSON *fields = cJSON_CreateObject();
	if (res->outcome == SEND_ACCEPTED) {
		j->status = res->status[0] ? res->status : "queued";
		cJSON_AddStringToObject(fields, "provider_id", res->provider_id);
		if (res->from[0])
			cJSON_AddStringToObject(fields, "from", res->from);
		if (res->price[0])
			cJSON_AddStringToObject(fields, "price", res->price);
	} else {
		j->status = res->outcome == SEND_UNKNOWN ? "unknown" : "failed";
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "code", res->code);
		cJSON_AddStringToObject(e, "message", res->message);
		if (res->provider_code)
			cJSON_AddNumberToObject(e, "provider_code", (double)res->provider_code);
		cJSON_AddBoolToObject(e, "retryable", res->retryable);
		cJSON_AddItemToObject(fields, "error", e);
		cJSON_AddStringToObject(fields, "reason",
		                        res->outcome == SEND_UNKNOWN
		                                ? "no answer after the request was sent: it may have "
		                                  "gone out; sms-status --sync asks the provider"
		                                : res->message);
	}
	j->fields = fields;
}

/* Inside the caller's transaction: records j's answer. ANS_WRITTEN, ANS_NEW
 * (a failure that may pass: try again) or ANS_LOST, with the sentence in
 * j->store_err. */
static int write_answer(struct sender *s, struct job *j)
{
	int rc = store_msg_set_status(s->st, j->id, j->status, j->fields, NULL);
	if (rc == STORE_OK) {
		if (j->res.outcome == SEND_ACCEPTED)
			mark_original(s, j);
		if (j->res.outcome == SEND_REJECTED && j->res.code &&
		    strcmp(j->res.code, "opted_out") == 0)
			store_optout_add(s->st, j->ob.to, "provider");
		return ANS_WRITTEN;
	}
	snprintf(j->store_err, sizeof j->store_err, "%s", store_errmsg(s->st));
	if (rc == STORE_REFUSED)
		return ANS_LOST;
	int64_t other;
	if (j->res.outcome == SEND_ACCEPTED &&
	    store_msg_find_provider_id(s->st, s->prov->name, j->res.provider_id, &other) == STORE_OK &&
	    other != j->id) {
		snprintf(j->store_err, sizeof j->store_err, "the provider id %.64s is already message "
		         "%lld's in the store", j->res.provider_id, (long long)other);
		return ANS_LOST;
	}
	return ANS_NEW;
}

/* The answers that came in, oldest first; those that halt the batch (77, 69)
 * halt it now, before the next reservations. */
static struct job *take_answers(struct sender *s)
{
	/* Answers were pushed newest first. */
	struct job *rev = NULL;
	for (struct job *j = s->answered, *n; j; j = n) {
		n = j->next_done;
		j->next_done = rev;
		rev = j;
		answer_fields(j);
		j->stored = ANS_NEW;
		if (j->res.outcome != SEND_ACCEPTED) {
			sender_hint(s, j->res.exit_hint);
			if (j->res.exit_hint == 77 || j->res.exit_hint == 69)
				s->halt = j->res.exit_hint;
		}
	}
	s->answered = NULL;
	return rev;
}

/* Inside the caller's transaction. */
static void write_answers(struct sender *s, struct job *list)
{
	for (struct job *j = list; j; j = j->next_done)
		if (j->stored == ANS_NEW)
			j->stored = write_answer(s, j);
}

/* After the transaction that held them: committed, or not (then what was
 * written is gone, and why is the store's last error). */
static void answers_committed(struct sender *s, struct job *list, int committed)
{
	for (struct job *j = list; j; j = j->next_done) {
		if (j->stored == ANS_WRITTEN && committed)
			j->stored = ANS_STORED;
		else if (j->stored == ANS_WRITTEN || (j->stored == ANS_NEW && !committed)) {
			j->stored = ANS_NEW;
			snprintf(j->store_err, sizeof j->store_err, "%s", store_errmsg(s->st));
		}
	}
}

/* The provider acted on these messages: what it said must reach the store.
 * A commit that failed (a full disk, a long lock) is tried again, each answer
 * still to store in one transaction, a few times over about two seconds. */
static void retry_answers(struct sender *s, struct job *list)
{
	static const unsigned wait_ms[] = {100, 300, 600, 1000};
	for (size_t a = 0; a < sizeof wait_ms / sizeof *wait_ms; a++) {
		int todo = 0;
		for (const struct job *j = list; j && !todo; j = j->next_done)
			todo = j->stored == ANS_NEW;
		if (!todo)
			return;
		usleep(wait_ms[a] * 1000);
		if (store_begin_immediate(s->st) != STORE_OK) {
			answers_committed(s, list, 0);
			continue;
		}
		write_answers(s, list);
		int ok = store_txn_open(s->st) && store_commit(s->st) == STORE_OK;
		if (!ok) {
			char keep[256];
			snprintf(keep, sizeof keep, "%s", store_errmsg(s->st));
			store_rollback(s->st);
			for (struct job *j = list; j; j = j->next_done)
				if (j->stored == ANS_WRITTEN) {
					j->stored = ANS_NEW;
					snprintf(j->store_err, sizeof j->store_err, "%s", keep);
				}
			continue;
		}
		answers_committed(s, list, 1);
	}
}

/* An answer the store does not hold: said in the record ("stored": false),
 * on stderr, and in the recovery file, whence the next sender puts it in the
 * store (recovery.h); exit 75. */
static void unstored(struct sender *s, struct job *j)
{
	cJSON *f;
	cJSON_ArrayForEach(f, j->fields)
		if (strcmp(f->string, "error") != 0)
			rec_put(j->rec, f->string, cJSON_Duplicate(f, 1));
	rec_put_str(j->rec, "status", j->status);
	rec_put(j->rec, "stored", cJSON_CreateFalse());
	sender_hint(s, 75);

	char at[32], err[512];
	clock_format(clock_now(), at, sizeof at);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "id", (double)j->id);
	cJSON_AddStringToObject(e, "to", j->ob.to);
	cJSON_AddStringToObject(e, "provider", s->prov->name);
	if (j->res.outcome == SEND_ACCEPTED)
		cJSON_AddStringToObject(e, "provider_id", j->res.provider_id);
	cJSON_AddStringToObject(e, "status", j->status);
	cJSON_AddItemToObject(e, "fields", cJSON_Duplicate(j->fields, 1));
	cJSON_AddStringToObject(e, "at", at);
	cJSON_AddStringToObject(e, "error", j->store_err);
	int kept = recovery_append(s->rcv, e, err, sizeof err) == 0;
	cJSON_Delete(e);

	char what[160];
	if (j->res.outcome == SEND_ACCEPTED)
		snprintf(what, sizeof what, "%s accepted it as %.64s (%s)", s->prov->name,
		         j->res.provider_id, j->status);
	else
		snprintf(what, sizeof what, "%s answered %s", s->prov->name, j->status);
	if (kept)
		warnmsg("message %lld to %s: %s, but the store could not record it: %s; kept in %s "
		        "for the next sms-send to record", (long long)j->id, j->ob.to, what,
		        j->store_err, recovery_path(s->rcv));
	else
		warnmsg("message %lld to %s: %s, but the store could not record it: %s; nor could "
		        "the recovery file: %s: this line is the only record", (long long)j->id,
		        j->ob.to, what, j->store_err, err);
}

/* The output record of an answer, once its transaction is over. */
static void answer_out(struct sender *s, struct job *j)
{
	struct send_result *res = &j->res;
	/* The output is the stored record, with the caller's own fields kept. */
	cJSON *stored = NULL;
	if (store_msg_get(s->st, j->id, &stored) == STORE_OK)
		rec_merge(j->rec, stored);
	if (j->ob.channel != CHANNEL_SMS) /* the store keeps an SMS's encoding only */
		rec_put_str(j->rec, "encoding", outbound_encoding(&j->ob));
	if (j->stored != ANS_STORED)
		unstored(s, j);
	if (res->outcome == SEND_ACCEPTED) {
		if (res->balance[0])
			rec_put_str(j->rec, "balance", res->balance);
		rec_set_ok(j->rec);
	} else if (res->provider_code) {
		rec_fail_provider(j->rec, res->code, res->provider_code, res->retryable, "%s: %s",
		                  j->ob.to, res->message);
	} else {
		rec_fail(j->rec, res->code, res->retryable, "%s: %s", j->ob.to, res->message);
	}
	cJSON_Delete(j->fields);
	j->fields = NULL;
	finish(j);
}

/* Settles the answers of a transaction that is over (committed or not):
 * retries what is not stored, then hands the records out. */
static void answers_done(struct sender *s, struct job *list, int committed)
{
	answers_committed(s, list, committed);
	retry_answers(s, list);
	for (struct job *j = list, *n; j; j = n) {
		n = j->next_done;
		answer_out(s, j);
	}
}

/* The answers alone, in a transaction of their own. */
static void store_answers(struct sender *s)
{
	struct job *list = take_answers(s);
	int own = store_begin_immediate(s->st) == STORE_OK;
	if (own)
		write_answers(s, list);
	int committed = own && store_txn_open(s->st) && store_commit(s->st) == STORE_OK;
	if (own && !committed)
		store_rollback(s->st);
	answers_done(s, list, committed);
}

static void progress(struct sender *s, int final)
{
	if (!progress_due(&s->pace, final))
		return;
	double secs = progress_secs(&s->pace);
	fprintf(stderr, "\r%s: %zu ok, %zu failed, %zu in flight, %.0f/s   %s", util_progname(),
	        s->nsent, s->nfailed, s->inflight, secs > 0 ? (double)(s->nsent + s->nfailed) / secs : 0,
	        final ? "\n" : "");
}

/* The jobs that may start now, within --concurrency and --rate; shortens
 * *wait_ms to the next start --rate allows. */
static struct job *take_ready(struct sender *s, long *wait_ms)
{
	long long interval = s->o.rate > 0 ? (long long)(1e6 / s->o.rate) : 0;
	struct job *batch = NULL, **tail = &batch;
	size_t starting = 0;
	while (s->ready && s->inflight + starting < (size_t)s->o.concurrency) {
		long long now = clock_us();
		if (interval) {
			if (s->next_ok_us < now - 1000000)
				s->next_ok_us = now; /* idle for a while: no burst to catch up */
			if (now < s->next_ok_us) {
				long ms = (long)((s->next_ok_us - now + 999) / 1000);
				if (ms < *wait_ms)
					*wait_ms = ms;
				break;
			}
			s->next_ok_us += interval;
		}
		struct job *j = s->ready;
		s->ready = j->next_ready;
		if (!s->ready)
			s->ready_last = NULL;
		j->next_ready = NULL;
		if (s->halt) {
			if (!opted_out(s, j))
				halted(s, j);
			continue;
		}
		*tail = j;
		tail = &j->next_ready;
		starting++;
	}
	return batch;
}

/* One transaction (one commit) per step: the answers that came in since the
 * last step are stored first, so that an answer that halts the batch (77, 69)
 * stops the jobs behind it; then the jobs that may start are reserved and
 * their requests noted (store_msg_requested). The requests go out only once
 * that is committed. Answers whose commit failed are tried again on their
 * own (retry_answers). */
static void store_step(struct sender *s, long *wait_ms)
{
	if (!s->answered && !s->ready)
		return;
	int own = store_begin_immediate(s->st) == STORE_OK;
	struct job *answers = take_answers(s);
	if (own) {
		write_answers(s, answers);
		/* A failed statement may have ended the transaction: what follows
		 * would be committed piecemeal. */
		if (!store_txn_open(s->st))
			own = 0;
	}
	struct job *batch = take_ready(s, wait_ms), *ok = NULL;
	if (batch && !own) {
		struct job *busy = NULL, **tail = &busy;
		for (struct job *j = batch, *n; j; j = n) {
			n = j->next_ready;
			j->next_ready = NULL;
			if (!opted_out(s, j)) {
				*tail = j;
				tail = &j->next_ready;
			}
		}
		if (busy)
			fail_all(s, busy, "store_busy");
		batch = NULL;
	}
	if (batch)
		ok = reserve_batch(s, batch);
	int committed = own && store_txn_open(s->st) && store_commit(s->st) == STORE_OK;
	if (!committed) {
		if (ok)
			fail_all(s, ok, "store_error");
		ok = NULL;
		store_rollback(s->st);
	}
	answers_done(s, answers, committed);
	if (ok)
		submit_batch(s, ok);
	/* A long batch allocates and frees the same few megabytes over and over;
	 * hand the free pages back now and then so that memory stays flat. */
	if (s->nsent + s->nfailed >= s->next_trim) {
		malloc_trim(0);
		s->next_trim = s->nsent + s->nfailed + 1024;
	}
}

void sender_step(struct sender *s, long wait_ms)
{
	/* While it holds claims, a third of the lease at most between renewals,
	 * however long a request takes (lease.h). */
	if (s->lease.renewed && lease_renew(&s->lease, s->st, 0) != STORE_OK)
		warnmsg("store: renewing the lease: %s", store_errmsg(s->st));
	store_step(s, &wait_ms);
	if (s->inflight)
		http_step(s->http, s->answered ? 0 : wait_ms);
	else if (s->ready && !s->answered && wait_ms > 0)
		usleep((useconds_t)wait_ms * 1000);
	/* Answers are stored at the start of the next step, with the next
	 * reservations; store the last ones now when nothing else is left. */
	if (s->answered && !s->ready && !s->inflight)
		store_step(s, &wait_ms);
	progress(s, 0);
}

cJSON *sender_pop(struct sender *s)
{
	if (s->head == s->tail || !s->ring[s->head]->done)
		return NULL;
	struct job *j = s->ring[s->head++];
	cJSON *rec = j->rec;
	free(j);
	return rec;
}

int sender_exit_hint(const struct sender *s) { return s->exit_hint; }

void sender_free(struct sender *s)
{
	if (!s)
		return;
	if (s->nsent + s->nfailed > 0)
		progress(s, 1);
	while (http_pending(s->http))
		http_step(s->http, 100);
	if (s->answered)
		store_answers(s);
	lease_release(&s->lease, s->st);
	for (size_t i = s->head; i < s->tail; i++) {
		outbound_free(&s->ring[i]->ob);
		cJSON_Delete(s->ring[i]->rec);
		free(s->ring[i]);
	}
	free(s->ring);
	http_free(s->http);
	recovery_close(s->rcv);
	free(s->status_callback);
	free(s);
}

