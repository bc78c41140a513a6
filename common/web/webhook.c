/* webhook — routes, checks and answers of sms-webhookd; see webhook.h. What
 * a provider's webhook says is its driver's to read (provider.h): this file
 * routes, checks sizes and methods, and stores. */
#include "webhook.h"
#include "autoresp.h"
#include "clock.h"
#include "delivery.h"
#include "inbound.h"
#include "metrics.h"
#include "price.h"
#include "provider.h"
#include "records.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct webhook {
	const struct webhook_ops  *ops;    /* the provider's driver (provider.h) */
	void                 *keys;        /* the driver's state: its keys */
	char                 *help_text;
	char                 *on_receive, *on_status;
	int                   verify;
	struct price_table   *prices;
	char                 *reply_cmd;   /* sms-send, for answers sent through the API */
	struct inbound_limits limits;      /* of autoresponders' answers */
	struct autoresp_cache *rules;      /* the daemon's compiled rules, or NULL */
};

enum route { R_INCOMING, R_STATUS, R_HEALTH };

struct webhook_job {
	struct webhook        *w;
	enum route             route;
	time_t                 now;
	struct webhook_event   ev;           /* what the driver read */
	/* outcome */
	struct inbound_result  in;
	cJSON                 *status_rec;   /* the message after a status callback */
	int                    held;         /* a part of a longer SMS, kept for later */
	struct autoresp_verdicts *pre;      /* the triggers, matched in webhook_begin */
};

/* "exec '/usr/local/bin/sms-send' --ignore-quiet-hours -o json": the sms-send
 * next to this program (else the one on PATH), quoted for /bin/sh. An answer
 * to a message just received is sent at once, inside quiet hours too, as an
 * answer in the response would be. */
static char *reply_command(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 16);
	struct strbuf b;
	strbuf_init(&b);
	strbuf_puts(&b, "exec ");
	char *slash = n > 0 ? memrchr(exe, '/', (size_t)n) : NULL;
	if (slash) {
		memcpy(slash + 1, "sms-send", sizeof "sms-send");
		if (access(exe, X_OK) != 0)
			slash = NULL;
	}
	if (slash) {
		strbuf_putc(&b, '\'');
		for (const char *p = exe; *p; p++)
			if (*p == '\'')
				strbuf_puts(&b, "'\\''");
			else
				strbuf_putc(&b, *p);
		strbuf_putc(&b, '\'');
	} else {
		strbuf_puts(&b, "sms-send");
	}
	strbuf_puts(&b, " --ignore-quiet-hours -o json");
	return strbuf_detach(&b);
}

struct webhook *webhook_new(const struct sms_config *c, const struct webhook_options *o,
                            char *err, size_t errlen)
{
	const struct webhook_ops *ops = provider_webhook_driver(c, err, errlen);
	if (!ops)
		return NULL;
	if (ops->check && ops->check(c, o->verify, err, errlen) != 0)
		return NULL;
	struct inbound_limits limits;
	if (inbound_limits_load(c, &limits, err, errlen) != 0)
		return NULL;
	void *keys = ops->open(c, o->verify, err, errlen);
	if (!keys)
		return NULL;
	struct price_table *prices = price_load(c, err, errlen);
	if (!prices) {
		ops->close(keys);
		return NULL;
	}
	struct webhook *w = xcalloc(1, sizeof *w);
	w->ops = ops;
	w->keys = keys;
	w->limits = limits;
	/* No answer in the response: it goes out through sms-send. */
	w->reply_cmd = ops->answer ? NULL : reply_command();
	w->help_text = xstrdup_or_null(config_get(c, "SMS_HELP_TEXT"));
	w->on_receive = xstrdup_or_null(config_get(c, "SMS_ON_RECEIVE"));
	w->on_status = xstrdup_or_null(config_get(c, "SMS_ON_STATUS"));
	w->verify = o->verify;
	w->prices = prices;
	return w;
}

void webhook_free(struct webhook *w)
{
	if (!w)
		return;
	w->ops->close(w->keys);
	free(w->help_text);
	free(w->on_receive);
	free(w->on_status);
	price_free(w->prices);
	free(w->reply_cmd);
	autoresp_cache_free(w->rules);
	free(w);
}

int webhook_rules_load(struct webhook *w, struct store *st)
{
	if (!w->rules)
		w->rules = autoresp_cache_new();
	return autoresp_cache_load(w->rules, st);
}

const char *webhook_provider(const struct webhook *w) { return w->ops->name; }

const char *webhook_signature_header(const struct webhook *w) { return w->ops->signature_header; }

const char *webhook_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void webhook_respond(struct webhook_response *rs, int status, const char *fmt, ...)
{
	struct strbuf b;
	strbuf_init(&b);
	va_list ap;
	va_start(ap, fmt);
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	strbuf_puts(&b, line);
	strbuf_putc(&b, '\n');
	free(rs->body);
	rs->status = status;
	rs->content_type = "text/plain; charset=utf-8";
	rs->body_len = b.len;
	rs->body = strbuf_detach(&b);
}

void webhook_response_free(struct webhook_response *rs)
{
	free(rs->body);
	free(rs->hook_line);
	free(rs->reply_line);
	free(rs->headers);
	memset(rs, 0, sizeof *rs);
}

int webhook_begin(struct webhook *w, const struct webhook_request *rq, struct webhook_job **jobp,
                  struct webhook_response *rs)
{
	*jobp = NULL;
	memset(rs, 0, sizeof *rs);
	enum route route;
	const char *path = rq->path ? rq->path : "";
	if (strcmp(path, "/sms/incoming") == 0) {
		route = R_INCOMING;
	} else if (strcmp(path, "/sms/status") == 0) {
		route = R_STATUS;
	} else if (strcmp(path, "/healthz") == 0) {
		route = R_HEALTH;
	} else {
		webhook_respond(rs, 404, "no such route: %.200s", path);
		return 1;
	}
	const char *method = rq->method ? rq->method : "";
	if (route == R_HEALTH) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			webhook_respond(rs, 405, "%s takes GET", path);
			rs->allow = "GET, HEAD";
			return 1;
		}
	} else if (strcmp(method, "POST") != 0 &&
	           (strcmp(method, "GET") != 0 || strcmp(w->ops->allow, "GET, POST") != 0)) {
		/* Some providers call with GET too, as their dashboards say. */
		webhook_respond(rs, 405, "%s takes %s", path,
		                strcmp(w->ops->allow, "GET, POST") == 0 ? "GET or POST" : "POST");
		rs->allow = w->ops->allow;
		return 1;
	}
	if (rq->too_large || rq->body_len > WEBHOOK_MAX_BODY) {
		webhook_respond(rs, 413, "the body is over %d bytes", WEBHOOK_MAX_BODY);
		return 1;
	}
	struct webhook_job *job = xcalloc(1, sizeof *job);
	job->w = w;
	job->route = route;
	job->now = clock_now();
	if (route == R_HEALTH) {
		*jobp = job;
		return 0;
	}
	struct webhook_call call = {
		.route = route == R_INCOMING ? WEBHOOK_INBOUND : WEBHOOK_STATUS,
		.provider = w->ops->name, .method = method, .url = rq->url,
		.signature = rq->signature, .body = rq->body ? rq->body : "",
		.body_len = rq->body_len, .verify = w->verify, .now = job->now,
	};
	char why[512];
	int status = w->ops->parse(w->keys, &call, &job->ev, why, sizeof why);
	if (status != 0) {
		if (status == 403) /* the drivers' answer to a missing or wrong signature */
			metrics_signature_failure(w->ops->name);
		webhook_respond(rs, status, "%s", why);
		webhook_event_free(&job->ev);
		free(job);
		return 1;
	}
	/* Here, on the request's own thread, not on the writer's (autoresp.h). */
	if (route == R_INCOMING && !job->ev.notice)
		job->pre = autoresp_prematch(w->rules, job->ev.text);
	*jobp = job;
	return 0;
}

/* A part of a longer SMS is held in the store's key/value table until every
 * part came; then *whole is the text in part order and *first the id of part
 * 1. 1: held (nothing more to do), 0: complete or not a part, STORE_ERR. */
static int join_parts(struct store *st, const struct webhook_event *ev, char **whole,
                      char first[64])
{
	if (!ev->part_key[0])
		return 0;
	char pk[24];
	char *v = NULL;
	int rc = store_kv_get(st, ev->part_key, &v);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return STORE_ERR;
	cJSON *held = v ? cJSON_Parse(v) : NULL;
	free(v);
	if (!cJSON_IsObject(held)) {
		cJSON_Delete(held);
		held = cJSON_CreateObject();
	}
	snprintf(pk, sizeof pk, "%lld", ev->part);
	cJSON *one = cJSON_CreateObject();
	cJSON_AddStringToObject(one, "id", ev->part_id);
	cJSON_AddStringToObject(one, "text", ev->part_text);
	cJSON_DeleteItemFromObjectCaseSensitive(held, pk);
	cJSON_AddItemToObject(held, pk, one);
	int have = cJSON_GetArraySize(held);
	if (have < ev->parts) {
		char *t = cJSON_PrintUnformatted(held);
		cJSON *detail = cJSON_Duplicate(ev->params, 1);
		char outcome[64];
		snprintf(outcome, sizeof outcome, "part %lld of %lld held until all come", ev->part,
		         ev->parts);
		cJSON_AddStringToObject(detail, "outcome", outcome);
		rc = store_kv_set(st, ev->part_key, t) == STORE_OK &&
		                     store_event_append(st, 0, "webhook", NULL, detail, NULL) == STORE_OK
		             ? 1
		             : STORE_ERR;
		free(t);
		cJSON_Delete(detail);
		cJSON_Delete(held);
		return rc;
	}
	struct strbuf b;
	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	for (long long i = 1; i <= ev->parts; i++) {
		snprintf(pk, sizeof pk, "%lld", i);
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(held, pk);
		const char *pt = rec_str(p, "text");
		strbuf_puts(&b, pt ? pt : "");
		if (i == 1)
			snprintf(first, 64, "%s", rec_str(p, "id") ? rec_str(p, "id") : "");
	}
	cJSON_Delete(held);
	*whole = strbuf_detach(&b);
	return store_kv_set(st, ev->part_key, NULL) == STORE_OK ? 0 : STORE_ERR;
}

static int apply_incoming(struct store *st, struct webhook_job *j)
{
	struct webhook_event *ev = &j->ev;
	char *whole = NULL, first[64] = "";
	int rc = join_parts(st, ev, &whole, first);
	if (rc != 0) {
		j->held = rc == 1;
		return rc == 1 ? STORE_OK : STORE_ERR;
	}
	if (whole) {
		rec_put_str(ev->record, "body", whole);
		rec_put_str(ev->record, "provider_id", first);
		free(whole);
	}
	/* Without an answer in the response, it goes out through sms-send after
	 * the acknowledgement. */
	struct inbound_settings s = {.provider = j->w->ops->name, .help_text = j->w->help_text,
	                             .prices = j->w->prices, .want_record = j->w->on_receive != NULL,
	                             .reply_by_api = j->w->ops->answer == NULL,
	                             .limits = &j->w->limits, .rules = j->w->rules, .pre = j->pre};
	return inbound_apply(st, &s, ev->record, ev->params, ev->opt_out_type, j->now, &j->in);
}

/* A notice that is no message: logged, never followed. */
static int apply_notice(struct store *st, struct webhook_job *j)
{
	int rc = store_event_append(st, 0, "webhook", NULL, j->ev.params, NULL);
	return rc == STORE_OK ? STORE_OK : STORE_ERR;
}

/* A callback for a message we do not hold, or a status we do not track:
 * acknowledged (a retry would not help) and kept in the event log. One for a
 * message we do not hold yet keeps the change it asks for as "pending"
 * (store_events_pending_status): the sender whose store could not record the
 * message's provider id applies it once it does (recovery.h). Takes fields. */
static int log_untracked(struct store *st, struct webhook_job *j, int64_t id, int notfound,
                         cJSON *fields)
{
	const struct webhook_event *ev = &j->ev;
	cJSON *params = ev->params;
	if (notfound && ev->status) { /* notfound: there was a sid to look up */
		cJSON *p = cJSON_AddObjectToObject(params, "pending");
		cJSON_AddStringToObject(p, "provider", j->w->ops->name);
		cJSON_AddStringToObject(p, "provider_id", ev->provider_id);
		cJSON_AddStringToObject(p, "status", ev->status);
		cJSON_AddItemToObject(p, "fields", fields);
		fields = NULL;
	}
	cJSON_Delete(fields);
	cJSON_AddStringToObject(params, "outcome", notfound ? "unknown message" : "status not tracked");
	return store_event_append(st, id, "webhook", NULL, params, NULL) == STORE_OK ? STORE_OK
	                                                                          : STORE_ERR;
}

/* Moves message id to status with fields, as a status callback or delivery
 * receipt asks (takes fields). Callbacks arrive out of order: a late "sent"
 * never undoes "delivered"; such a one is acknowledged and logged. */
static int record_status(struct store *st, struct webhook_job *j, int64_t id, cJSON *fields)
{
	const char *status = j->ev.status;
	cJSON *params = j->ev.params;
	cJSON_AddStringToObject(params, "via", "webhook");
	int rc = store_msg_set_status(st, id, status, fields, params);
	cJSON_Delete(fields);
	if (rc == STORE_REFUSED) {
		cJSON_AddStringToObject(params, "outcome", "ignored: a status never moves backwards");
		return store_event_append(st, id, "webhook", status, params, NULL) == STORE_OK
		               ? STORE_OK
		               : STORE_ERR;
	}
	if (rc != STORE_OK)
		return STORE_ERR;
	if (j->w->on_status && store_msg_get(st, id, &j->status_rec) != STORE_OK)
		j->status_rec = NULL;
	return STORE_OK;
}

/* 1 when message n is an outbound message of this provider. */
static int ours(struct store *st, const char *provider, long long n)
{
	cJSON *m = NULL;
	int yes = store_msg_get(st, n, &m) == STORE_OK && rec_str(m, "provider") &&
	          strcmp(rec_str(m, "provider"), provider) == 0 && rec_str(m, "direction") &&
	          strcmp(rec_str(m, "direction"), "outbound") == 0;
	cJSON_Delete(m);
	return yes;
}

static int apply_status(struct store *st, struct webhook_job *j)
{
	struct webhook_event *ev = &j->ev;
	const char *provider = j->w->ops->name;
	int64_t id = 0;
	int rc = store_msg_find_provider_id(st, provider, ev->provider_id, &id);
	if (rc == STORE_NOTFOUND && ev->has_ref && ours(st, provider, ev->ref_id)) {
		id = ev->ref_id;
		rc = STORE_OK;
	}
	if (rc == STORE_ERR)
		return STORE_ERR;
	if (!ev->status)
		return log_untracked(st, j, id, rc == STORE_NOTFOUND, NULL);
	cJSON *fields = ev->fields;
	ev->fields = NULL;
	if (ev->error_code) {
		/* A delivery error (delivery.h); when the provider's code says the
		 * recipient opted out, the opt-out too, but the opt-out of a message
		 * we do not hold waits for it. */
		delivery_error_fields(fields, provider, ev->status, ev->error_code, ev->error_message);
		char source[48];
		const char *to = rc == STORE_OK ? ev->error_to : NULL;
		if (delivery_opted_out(provider, ev->error_code, source, sizeof source) && to &&
		    to[0] == '+' && store_optout_add(st, to, source) < 0) {
			cJSON_Delete(fields);
			return STORE_ERR;
		}
	}
	if (rc == STORE_NOTFOUND)
		return log_untracked(st, j, id, 1, fields);
	return record_status(st, j, id, fields);
}

int webhook_apply(struct store *st, void *arg)
{
	struct webhook_job *j = arg;
	switch (j->route) {
	case R_INCOMING:
		return j->ev.notice ? apply_notice(st, j) : apply_incoming(st, j);
	case R_STATUS:
		return apply_status(st, j);
	case R_HEALTH: {
		/* A real write: "ok" means the next webhook can be stored. */
		char now[24];
		clock_format(j->now, now, sizeof now);
		return store_kv_set(st, "webhookd.healthz", now) == STORE_OK ? STORE_OK : STORE_ERR;
	}
	}
	return STORE_ERR;
}

static void set_hook(struct webhook_response *rs, const char *cmd, const cJSON *rec)
{
	if (!cmd || !rec)
		return;
	char *line = cJSON_PrintUnformatted(rec);
	if (!line)
		return;
	size_t n = strlen(line);
	rs->hook_line = xrealloc(line, n + 2);
	rs->hook_line[n] = '\n';
	rs->hook_line[n + 1] = '\0';
	rs->hook = cmd;
}

/* An answer sent by sms-send after the response: from the number the message
 * came to, linked to it, leaving it unread. */
static void set_reply(struct webhook_response *rs, const struct webhook_job *j)
{
	if (!j->in.reply || !j->w->reply_cmd)
		return;
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "to", j->ev.from);
	cJSON_AddStringToObject(r, "from", j->ev.to);
	cJSON_AddStringToObject(r, "body", j->in.reply);
	cJSON_AddNumberToObject(r, "reply_to", (double)j->in.id);
	cJSON_AddTrueToObject(r, "keep_unread");
	if (j->in.reply_tag[0]) /* the conversation's next state (sms-auto(1), Flows) */
		cJSON_AddStringToObject(r, "tag", j->in.reply_tag);
	char notes[64];
	if (j->in.rule)
		snprintf(notes, sizeof notes, "autoresponder %lld", (long long)j->in.rule);
	else
		snprintf(notes, sizeof notes, "HELP answer (SMS_HELP_TEXT)");
	cJSON_AddStringToObject(r, "notes", notes);
	char *line = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	size_t n = strlen(line);
	rs->reply_line = xrealloc(line, n + 2);
	rs->reply_line[n] = '\n';
	rs->reply_line[n + 1] = '\0';
	rs->reply_cmd = j->w->reply_cmd;
}

/* The answer in the response (the driver's), or "ok" and the answer sent
 * through the API. */
static void respond_answer(struct webhook_job *j, const char *reply, struct webhook_response *rs)
{
	if (!j->w->ops->answer) {
		webhook_respond(rs, 200, "ok");
		return;
	}
	free(rs->body);
	rs->status = 200;
	rs->body = j->w->ops->answer(reply, &rs->content_type);
	rs->body_len = strlen(rs->body);
}

/* What a committed inbound message did, for /metrics (metrics.h). */
static void count_inbound(const struct webhook_job *j)
{
	if (j->held)
		return;
	metrics_inbound(j->in.duplicate ? MI_DUPLICATE : MI_STORED);
	if (j->in.acted == KW_STOP)
		metrics_inbound(MI_OPT_OUT);
	else if (j->in.acted == KW_START)
		metrics_inbound(MI_OPT_IN);
	if (j->in.rule)
		metrics_inbound(MI_AUTOREPLY);
}

void webhook_finish(struct webhook_job *j, int rc, const char *store_err,
                    struct webhook_response *rs)
{
	struct webhook_response discard;
	if (!rs)
		rs = &discard;
	memset(rs, 0, sizeof *rs);
	if (rc < 0) {
		/* Nothing was stored: a 5xx makes the provider try again later. */
		webhook_respond(rs, 503, "the store is unavailable, try again: %s",
		                store_err && *store_err ? store_err : "write failed");
	} else if (j->route == R_HEALTH) {
		webhook_respond(rs, 200, "ok");
	} else if (j->ev.notice) {
		warnmsg("%s", j->ev.notice_log);
		webhook_respond(rs, 200, "%s", j->ev.notice);
	} else if (j->route == R_INCOMING) {
		count_inbound(j);
		respond_answer(j, j->in.duplicate ? NULL : j->in.reply, rs);
		rs->message_id = j->in.id;
		if (!j->in.duplicate && !j->held) {
			set_reply(rs, j);
			set_hook(rs, j->w->on_receive, j->in.record);
		}
	} else {
		respond_answer(j, NULL, rs);
		set_hook(rs, j->w->on_status, j->status_rec);
	}
	if (rc >= 0 && j->in.held[0])
		warnmsg("%s", j->in.held);
	autoresp_verdicts_free(j->pre);
	inbound_result_free(&j->in);
	cJSON_Delete(j->status_rec);
	webhook_event_free(&j->ev);
	free(j);
	if (rs == &discard)
		webhook_response_free(rs);
}
