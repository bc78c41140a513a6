/* webhook — routes, checks and answers of sms-webhookd; see webhook.h. */
#include "webhook.h"
#include "clock.h"
#include "delivery.h"
#include "form.h"
#include "inbound.h"
#include "price.h"
#include "records.h"
#include "signature.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct webhook {
	char                *provider;
	char                *auth_token;  /* the key of the provider's signatures */
	char                *help_text;
	char                *on_receive, *on_status;
	int                  verify;
	struct price_table  *prices;
};

enum route { R_INCOMING, R_STATUS, R_HEALTH };

struct webhook_job {
	struct webhook        *w;
	enum route             route;
	struct form            form;
	time_t                 now;
	/* outcome */
	struct inbound_result  in;
	cJSON                 *status_rec;   /* the message after a status callback */
	char                   what[160];
};

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

struct webhook *webhook_new(const struct sms_config *c, const struct webhook_options *o,
                            char *err, size_t errlen)
{
	const char *prov = config_get(c, "SMS_PROVIDER");
	if (!prov)
		prov = "twilio";
	if (strcmp(prov, "twilio") != 0 && strcmp(prov, "sandbox") != 0) {
		snprintf(err, errlen, "SMS_PROVIDER=%s: sms-webhookd understands twilio and sandbox "
		         "webhooks", prov);
		return NULL;
	}
	const char *token = config_get(c, "TWILIO_AUTH_TOKEN");
	if (o->verify && !token) {
		snprintf(err, errlen, "TWILIO_AUTH_TOKEN is not set: it is the key that signs %s "
		         "webhooks, needed to check them (for local experiments only, the daemon "
		         "can be started with --no-verify)",
		         strcmp(prov, "sandbox") == 0 ? "sandbox (Twilio-format)" : "Twilio");
		return NULL;
	}
	struct price_table *prices = price_load(c, err, errlen);
	if (!prices)
		return NULL;
	struct webhook *w = xcalloc(1, sizeof *w);
	w->provider = xstrdup(prov);
	w->auth_token = dup_or_null(token);
	w->help_text = dup_or_null(config_get(c, "SMS_HELP_TEXT"));
	w->on_receive = dup_or_null(config_get(c, "SMS_ON_RECEIVE"));
	w->on_status = dup_or_null(config_get(c, "SMS_ON_STATUS"));
	w->verify = o->verify;
	w->prices = prices;
	return w;
}

void webhook_free(struct webhook *w)
{
	if (!w)
		return;
	free(w->provider);
	if (w->auth_token) {
		memset(w->auth_token, 0, strlen(w->auth_token));
		free(w->auth_token);
	}
	free(w->help_text);
	free(w->on_receive);
	free(w->on_status);
	price_free(w->prices);
	free(w);
}

const char *webhook_provider(const struct webhook *w) { return w->provider; }

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

static void respond_xml(struct webhook_response *rs, char *xml)
{
	free(rs->body);
	rs->status = 200;
	rs->content_type = "text/xml; charset=utf-8";
	rs->body = xml;
	rs->body_len = strlen(xml);
}

void webhook_response_free(struct webhook_response *rs)
{
	free(rs->body);
	free(rs->hook_line);
	free(rs->headers);
	memset(rs, 0, sizeof *rs);
}

/* Every parameter as a JSON object (a repeated name becomes an array), for
 * the event log: the provider adds parameters without notice, and none is lost. */
static cJSON *form_json(const struct form *f)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < f->n; i++) {
		const char *k = f->pairs[i].name, *v = f->pairs[i].value;
		cJSON *have = cJSON_GetObjectItemCaseSensitive(o, k);
		if (!have) {
			cJSON_AddStringToObject(o, k, v);
			continue;
		}
		if (!cJSON_IsArray(have)) {
			cJSON *a = cJSON_CreateArray();
			cJSON_AddItemToArray(a, cJSON_CreateString(have->valuestring));
			cJSON_ReplaceItemInObjectCaseSensitive(o, k, a);
			have = a;
		}
		cJSON_AddItemToArray(have, cJSON_CreateString(v));
	}
	return o;
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
	} else if (strcmp(method, "POST") != 0) {
		webhook_respond(rs, 405, "%s takes POST", path);
		rs->allow = "POST";
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
	char err[256];
	if (form_parse(rq->body ? rq->body : "", rq->body_len, &job->form, err, sizeof err) != 0) {
		webhook_respond(rs, 400, "malformed form body: %s", err);
		goto final;
	}
	if (w->verify && !twilio_signature_valid(w->auth_token, rq->url, &job->form, rq->signature)) {
		/* Changes nothing, and says little: a forger learns no more than no. */
		webhook_respond(rs, 403, "%s", rq->signature && *rq->signature
		                                    ? "the X-Twilio-Signature does not match this request"
		                                    : "the request is not signed (X-Twilio-Signature)");
		goto final;
	}
	const char *sid = form_get(&job->form, "MessageSid");
	if (!sid)
		sid = form_get(&job->form, "SmsSid");
	if (!sid || !*sid) {
		webhook_respond(rs, 400, "MessageSid is missing");
		goto final;
	}
	if (route == R_INCOMING && !(form_get(&job->form, "From") && form_get(&job->form, "To"))) {
		webhook_respond(rs, 400, "From and To are required");
		goto final;
	}
	if (route == R_STATUS && !form_get(&job->form, "MessageStatus") &&
	    !form_get(&job->form, "SmsStatus")) {
		webhook_respond(rs, 400, "MessageStatus is missing");
		goto final;
	}
	*jobp = job;
	return 0;
final:
	form_free(&job->form);
	free(job);
	return 1;
}

/* The inbound record SPEC 5 describes, from Twilio's parameters. */
static cJSON *incoming_record(struct webhook_job *j)
{
	const struct form *f = &j->form;
	const char *sid = form_get(f, "MessageSid");
	if (!sid)
		sid = form_get(f, "SmsSid");
	cJSON *r = cJSON_CreateObject();
	rec_put_str(r, "direction", "inbound");
	rec_put_str(r, "status", "received");
	rec_put_str(r, "to", form_get(f, "To"));
	rec_put_str(r, "from", form_get(f, "From"));
	const char *body = form_get(f, "Body");
	rec_put_str(r, "body", body ? body : "");
	/* MediaUrl0, MediaUrl1, ... as long as they go (NumMedia says the same;
	 * the URLs themselves are what is kept). */
	cJSON *media = cJSON_CreateArray();
	for (int i = 0; i < 100; i++) {
		char key[32];
		snprintf(key, sizeof key, "MediaUrl%d", i);
		const char *u = form_get(f, key);
		if (!u)
			break;
		if (*u)
			cJSON_AddItemToArray(media, cJSON_CreateString(u));
	}
	rec_put(r, "media", media);
	rec_put_str(r, "provider", j->w->provider);
	rec_put_str(r, "provider_id", sid);
	char now[24];
	clock_format(j->now, now, sizeof now);
	rec_put_str(r, "created_at", now);
	return r;
}

static int apply_incoming(struct store *st, struct webhook_job *j)
{
	struct inbound_settings s = {.provider = j->w->provider, .help_text = j->w->help_text,
	                             .prices = j->w->prices, .want_record = j->w->on_receive != NULL};
	cJSON *rec = incoming_record(j);
	cJSON *params = form_json(&j->form);
	int rc = inbound_apply(st, &s, rec, params, form_get(&j->form, "OptOutType"), j->now, &j->in);
	cJSON_Delete(rec);
	cJSON_Delete(params);
	return rc;
}

/* Twilio's message statuses in SPEC 6 words; NULL: nothing to record. */
static const char *spec_status(const char *t)
{
	static const struct {
		const char *twilio, *spec;
	} map[] = {
		{"accepted", "queued"}, {"queued", "queued"}, {"sending", "queued"},
		{"scheduled", "scheduled"}, {"sent", "sent"}, {"delivered", "delivered"},
		{"read", "delivered"}, {"undelivered", "undelivered"}, {"failed", "failed"},
		{"canceled", "canceled"},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (strcasecmp(t, map[i].twilio) == 0)
			return map[i].spec;
	return NULL;
}

static int apply_status(struct store *st, struct webhook_job *j)
{
	const struct form *f = &j->form;
	const char *sid = form_get(f, "MessageSid");
	if (!sid)
		sid = form_get(f, "SmsSid");
	const char *given = form_get(f, "MessageStatus");
	if (!given)
		given = form_get(f, "SmsStatus");
	const char *status = spec_status(given);
	cJSON *params = form_json(f);
	int64_t id = 0;
	int rc = store_msg_find_provider_id(st, j->w->provider, sid, &id);
	if (rc == STORE_ERR)
		goto fail;
	if (rc == STORE_NOTFOUND || !status) {
		/* Acknowledged (a retry would not help) and kept in the event log. */
		snprintf(j->what, sizeof j->what, rc == STORE_NOTFOUND
		         ? "status %.20s for %.40s: no such message here, logged"
		         : "status %.20s for %.40s: not a status smskit tracks, logged", given, sid);
		cJSON_AddStringToObject(params, "outcome", rc == STORE_NOTFOUND ? "unknown message"
		                                                               : "status not tracked");
		if (store_event_append(st, id, "webhook", NULL, params, NULL) != STORE_OK)
			goto fail;
		cJSON_Delete(params);
		return STORE_OK;
	}
	cJSON *fields = cJSON_CreateObject();
	const char *price = form_get(f, "Price"), *unit = form_get(f, "PriceUnit");
	money_t m;
	if (price && *price && money_parse(price, &m) == 0)
		cJSON_AddStringToObject(fields, "price", price);
	if (unit && strlen(unit) == 3)
		cJSON_AddStringToObject(fields, "currency", unit);
	const char *ec = form_get(f, "ErrorCode");
	long long code;
	if (ec && *ec && parse_whole(ec, 999999999, &code) == 0 && code > 0) {
		delivery_error_fields(fields, status, (long)code, form_get(f, "ErrorMessage"));
		/* 21610: the recipient texted STOP to this sender (SPEC 11). */
		const char *to = form_get(f, "To");
		if (code == 21610 && to && *to == '+' && store_optout_add(st, to, "provider 21610") < 0) {
			cJSON_Delete(fields);
			goto fail;
		}
	}
	cJSON_AddStringToObject(params, "via", "webhook");
	rc = store_msg_set_status(st, id, status, fields, params);
	cJSON_Delete(fields);
	if (rc == STORE_REFUSED) {
		/* Callbacks arrive out of order: a late "sent" never undoes "delivered". */
		cJSON_AddStringToObject(params, "outcome", "ignored: a status never moves backwards");
		if (store_event_append(st, id, "webhook", status, params, NULL) != STORE_OK)
			goto fail;
		snprintf(j->what, sizeof j->what, "message %lld: %s ignored (it would move backwards)",
		         (long long)id, status);
		cJSON_Delete(params);
		return STORE_OK;
	}
	if (rc != STORE_OK)
		goto fail;
	cJSON_Delete(params);
	snprintf(j->what, sizeof j->what, "message %lld: %s", (long long)id, status);
	if (j->w->on_status && store_msg_get(st, id, &j->status_rec) != STORE_OK)
		j->status_rec = NULL;
	return STORE_OK;
fail:
	cJSON_Delete(params);
	return STORE_ERR;
}

int webhook_apply(struct store *st, void *arg)
{
	struct webhook_job *j = arg;
	switch (j->route) {
	case R_INCOMING:
		return apply_incoming(st, j);
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
	} else if (j->route == R_INCOMING) {
		respond_xml(rs, inbound_twiml(j->in.duplicate ? NULL : j->in.reply));
		rs->message_id = j->in.id;
		if (!j->in.duplicate)
			set_hook(rs, j->w->on_receive, j->in.record);
	} else {
		respond_xml(rs, inbound_twiml(NULL));
		set_hook(rs, j->w->on_status, j->status_rec);
	}
	inbound_result_free(&j->in);
	cJSON_Delete(j->status_rec);
	form_free(&j->form);
	free(j);
	if (rs == &discard)
		webhook_response_free(rs);
}
