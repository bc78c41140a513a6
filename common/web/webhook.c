/* webhook — routes, checks and answers of sms-webhookd; see webhook.h. */
#include "webhook.h"
#include "autoresp.h"
#include "clock.h"
#include "delivery.h"
#include "form.h"
#include "inbound.h"
#include "price.h"
#include "records.h"
#include "sandbox_key.h"
#include "signature.h"
#include "sns_sig.h"
#include "util.h"
#include "vonage.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Whose webhooks: Twilio's form (twilio, sandbox), Vonage's, SNS's. */
enum fmt { F_TWILIO, F_VONAGE, F_SNS };

struct webhook {
	char                *provider;
	char                *auth_token;  /* the key of the provider's signatures */
	char                *help_text;
	char                *on_receive, *on_status;
	int                  verify;
	struct price_table  *prices;
	/* Vonage and SNS */
	enum fmt             fmt;
	char                *vonage_method; /* VONAGE_SIGNATURE_METHOD, or NULL: any */
	char                *sns_topics;    /* SNS_TOPIC_ARN: allowed topics, comma-separated */
	struct sns_cert     *sns_cert;      /* SNS_SIGNING_CERT, or NULL */
	char                *reply_cmd;     /* sms-send, for answers sent through the API */
	struct inbound_limits limits;       /* of autoresponders' answers */
	struct autoresp_cache *rules;       /* the daemon's compiled rules, or NULL */
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
	/* Vonage and SNS */
	cJSON                 *sns;          /* SNS: the message as posted */
	const cJSON           *sms;          /* SNS: its inbound SMS (within sns) */
	int                    control;      /* SNS: a subscription message, logged only */
	int                    held;         /* Vonage: a part of a longer SMS, kept for later */
	char                   in_from[40], in_to[40]; /* the inbound message's numbers */
	struct autoresp_verdicts *pre;      /* the triggers, matched in webhook_begin */
};

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

/* "exec '/usr/local/bin/sms-send' --ignore-quiet-hours -o json": the sms-send
 * next to this program (else the one on PATH), quoted for /bin/sh. An answer
 * to a message just received is sent at once, inside quiet hours too, as a
 * TwiML answer would be. */
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

/* Vonage or SNS: their keys, and the answers sent through sms-send. */
static struct webhook *webhook_new_api(const struct sms_config *c, const struct webhook_options *o,
                                       const char *prov, char *err, size_t errlen)
{
	int vonage = strcmp(prov, "vonage") == 0;
	const char *key = config_get(c, vonage ? "VONAGE_SIGNATURE_SECRET" : "SNS_WEBHOOK_SECRET");
	const char *method = vonage ? config_get(c, "VONAGE_SIGNATURE_METHOD") : NULL;
	const char *cert = vonage ? NULL : config_get(c, "SNS_SIGNING_CERT");
	if (o->verify && !key) {
		if (vonage)
			snprintf(err, errlen, "VONAGE_SIGNATURE_SECRET is not set: it is the key that signs "
			         "Vonage webhooks, needed to check them (ask Vonage to sign your webhooks; "
			         "for local experiments only, the daemon can be started with --no-verify)");
		else
			snprintf(err, errlen, "SNS_WEBHOOK_SECRET is not set: SNS subscriptions must post "
			         "to a URL carrying ?token=SNS_WEBHOOK_SECRET (see smskit-sns(7); for local "
			         "experiments only, the daemon can be started with --no-verify)");
		return NULL;
	}
	if (method && !vonage_method_valid(method)) {
		snprintf(err, errlen, "VONAGE_SIGNATURE_METHOD=%s: expected md5hash, md5, sha1, sha256 "
		         "or sha512", method);
		return NULL;
	}
	struct inbound_limits limits;
	if (inbound_limits_load(c, &limits, err, errlen) != 0)
		return NULL;
	struct sns_cert *sc = NULL;
	if (cert && !(sc = sns_cert_load(cert, err, errlen)))
		return NULL;
	struct price_table *prices = price_load(c, err, errlen);
	if (!prices) {
		sns_cert_free(sc);
		return NULL;
	}
	struct webhook *w = xcalloc(1, sizeof *w);
	w->provider = xstrdup(prov);
	w->fmt = vonage ? F_VONAGE : F_SNS;
	w->auth_token = dup_or_null(key);
	w->vonage_method = dup_or_null(method);
	w->sns_topics = dup_or_null(vonage ? NULL : config_get(c, "SNS_TOPIC_ARN"));
	w->sns_cert = sc;
	w->reply_cmd = reply_command();
	w->help_text = dup_or_null(config_get(c, "SMS_HELP_TEXT"));
	w->on_receive = dup_or_null(config_get(c, "SMS_ON_RECEIVE"));
	w->on_status = dup_or_null(config_get(c, "SMS_ON_STATUS"));
	w->verify = o->verify;
	w->prices = prices;
	w->limits = limits;
	return w;
}

struct webhook *webhook_new(const struct sms_config *c, const struct webhook_options *o,
                            char *err, size_t errlen)
{
	const char *prov = config_get(c, "SMS_PROVIDER");
	if (!prov)
		prov = "twilio";
	if (strcmp(prov, "vonage") == 0 || strcmp(prov, "sns") == 0)
		return webhook_new_api(c, o, prov, err, errlen);
	if (strcmp(prov, "twilio") != 0 && strcmp(prov, "sandbox") != 0) {
		snprintf(err, errlen, "SMS_PROVIDER=%s: sms-webhookd understands twilio, vonage, sns "
		         "and sandbox webhooks", prov);
		return NULL;
	}
	if (o->verify && strcmp(prov, "twilio") == 0 && !config_get(c, "TWILIO_AUTH_TOKEN")) {
		snprintf(err, errlen, "TWILIO_AUTH_TOKEN is not set: it is the key that signs Twilio "
		         "webhooks, needed to check them (for local experiments only, the daemon "
		         "can be started with --no-verify)");
		return NULL;
	}
	struct inbound_limits limits;
	if (inbound_limits_load(c, &limits, err, errlen) != 0)
		return NULL;
	struct price_table *prices = price_load(c, err, errlen);
	if (!prices)
		return NULL;
	/* The sandbox has no account: without TWILIO_AUTH_TOKEN its webhooks
	 * are signed with a key of its own beside the store, the one sms-sandbox
	 * signs with (sandbox_key.h); verified all the same. */
	char *token = NULL;
	if (strcmp(prov, "sandbox") == 0 && o->verify) {
		if (!(token = sandbox_key_get(c, err, errlen))) {
			price_free(prices);
			return NULL;
		}
	} else {
		token = dup_or_null(config_get(c, "TWILIO_AUTH_TOKEN"));
	}
	struct webhook *w = xcalloc(1, sizeof *w);
	w->limits = limits;
	w->provider = xstrdup(prov);
	w->auth_token = token;
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
	free(w->vonage_method);
	free(w->sns_topics);
	sns_cert_free(w->sns_cert);
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
	free(rs->reply_line);
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

/* ---- Vonage (smskit-vonage(7)) and SNS (smskit-sns(7)) webhooks ---------------------- */

static void form_add(struct form *f, const char *name, const char *value)
{
	f->pairs = xrealloc(f->pairs, (f->n + 1) * sizeof *f->pairs);
	f->pairs[f->n].name = xstrdup(name);
	f->pairs[f->n++].value = xstrdup(value);
}

/* A JSON object's members as form pairs (strings as they are, other values as
 * JSON text), for Vonage's POST-JSON webhooks: signed the same way. */
static int json_form(const char *body, size_t len, struct form *f, char *err, size_t errlen)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	const cJSON *m;
	cJSON_ArrayForEach(m, j) {
		if (cJSON_IsString(m)) {
			form_add(f, m->string, m->valuestring);
		} else {
			char *t = cJSON_PrintUnformatted(m);
			form_add(f, m->string, t ? t : "");
			free(t);
		}
	}
	cJSON_Delete(j);
	return 0;
}

static int looks_json(const char *b, size_t n)
{
	while (n && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')) {
		b++;
		n--;
	}
	return n && *b == '{';
}

/* The query string of the URL the provider called, without '?', or "". */
static const char *query_of(const char *url)
{
	const char *q = url ? strchr(url, '?') : NULL;
	return q ? q + 1 : "";
}

static int vonage_begin(struct webhook *w, const struct webhook_request *rq,
                        struct webhook_job *job, struct webhook_response *rs)
{
	char err[256];
	const char *body = rq->body ? rq->body : "";
	int rc;
	if (strcmp(rq->method, "GET") == 0) {
		const char *q = query_of(rq->url);
		rc = form_parse(q, strlen(q), &job->form, err, sizeof err);
	} else if (looks_json(body, rq->body_len)) {
		rc = json_form(body, rq->body_len, &job->form, err, sizeof err);
	} else {
		rc = form_parse(body, rq->body_len, &job->form, err, sizeof err);
	}
	if (rc != 0) {
		webhook_respond(rs, 400, "malformed parameters: %s", err);
		return -1;
	}
	const struct form *f = &job->form;
	if (form_get(f, "MessageSid") || form_get(f, "SmsSid")) {
		webhook_respond(rs, 400, "a Twilio webhook, but SMS_PROVIDER is vonage");
		return -1;
	}
	char why[160];
	if (w->verify && vonage_signature_check(w->vonage_method, w->auth_token, f, job->now, why,
	                                        sizeof why) != 0) {
		webhook_respond(rs, 403, "%s", why);
		return -1;
	}
	const char *id = form_get(f, "messageId");
	if (!id || !*id) {
		webhook_respond(rs, 400, "messageId is missing");
		return -1;
	}
	if (job->route == R_INCOMING && !(form_get(f, "msisdn") && form_get(f, "to"))) {
		webhook_respond(rs, 400, "msisdn and to are required");
		return -1;
	}
	if (job->route == R_STATUS && !form_get(f, "status")) {
		webhook_respond(rs, 400, "status is missing");
		return -1;
	}
	return 0;
}

/* 1 when topic is one of the comma-separated list. */
static int topic_allowed(const char *list, const char *topic)
{
	size_t n = strlen(topic);
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ", ");
		if (k == n && strncmp(p, topic, n) == 0)
			return 1;
		p += k;
		p += strspn(p, ", ");
	}
	return 0;
}

static const char *jstr(const cJSON *j, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, k));
}

/* An SNS message (smskit-sns(7)): the URL's token, the topic, the signature
 * when a certificate is configured; a Notification must carry an inbound SMS
 * (AWS End User Messaging's JSON in Message). */
static int sns_begin(struct webhook *w, const struct webhook_request *rq,
                     struct webhook_job *job, struct webhook_response *rs)
{
	if (job->route == R_STATUS) {
		webhook_respond(rs, 404, "SNS sends no delivery receipts to webhooks: /sms/status is "
		                "not used with SMS_PROVIDER=sns");
		return -1;
	}
	const char *body = rq->body ? rq->body : "";
	cJSON *m = cJSON_ParseWithLength(body, rq->body_len);
	const char *type = jstr(m, "Type");
	if (!cJSON_IsObject(m) || !type || !jstr(m, "TopicArn") || !jstr(m, "MessageId")) {
		cJSON_Delete(m);
		webhook_respond(rs, 400, "not an SNS message (a JSON object with Type, MessageId and "
		                "TopicArn)");
		return -1;
	}
	job->sns = m;
	if (w->verify) {
		struct form q = {0};
		char err[160];
		const char *qs = query_of(rq->url);
		const char *tok = form_parse(qs, strlen(qs), &q, err, sizeof err) == 0
		                          ? form_get(&q, "token")
		                          : NULL;
		size_t n = strlen(w->auth_token);
		int ok = tok && strlen(tok) == n && CRYPTO_memcmp(tok, w->auth_token, n) == 0;
		form_free(&q);
		if (!ok) {
			webhook_respond(rs, 403, "the URL's token is not SNS_WEBHOOK_SECRET");
			return -1;
		}
		if (w->sns_cert && sns_signature_check(w->sns_cert, m, err, sizeof err) != 0) {
			webhook_respond(rs, 403, "%s", err);
			return -1;
		}
	}
	if (w->sns_topics && !topic_allowed(w->sns_topics, jstr(m, "TopicArn"))) {
		webhook_respond(rs, 403, "topic %.200s is not in SNS_TOPIC_ARN", jstr(m, "TopicArn"));
		return -1;
	}
	if (strcmp(type, "SubscriptionConfirmation") == 0 ||
	    strcmp(type, "UnsubscribeConfirmation") == 0) {
		job->control = 1;
		return 0;
	}
	if (strcmp(type, "Notification") != 0) {
		webhook_respond(rs, 400, "SNS message type %.40s is not one smskit takes", type);
		return -1;
	}
	const char *inner = jstr(m, "Message");
	cJSON *sms = inner ? cJSON_Parse(inner) : NULL;
	if (!cJSON_IsObject(sms) || !jstr(sms, "originationNumber") ||
	    !jstr(sms, "destinationNumber")) {
		cJSON_Delete(sms);
		webhook_respond(rs, 400, "the notification is not an inbound SMS (its Message needs "
		                "originationNumber and destinationNumber)");
		return -1;
	}
	/* Kept inside the message, parsed, for the event log. */
	cJSON_ReplaceItemInObjectCaseSensitive(m, "Message", sms);
	job->sms = sms;
	return 0;
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
	} else if (w->fmt == F_VONAGE) {
		/* Vonage calls with GET or POST, as its dashboard says. */
		if (strcmp(method, "POST") != 0 && strcmp(method, "GET") != 0) {
			webhook_respond(rs, 405, "%s takes GET or POST", path);
			rs->allow = "GET, POST";
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
	if (w->fmt != F_TWILIO) {
		int rc = w->fmt == F_VONAGE ? vonage_begin(w, rq, job, rs) : sns_begin(w, rq, job, rs);
		if (rc != 0)
			goto final;
		if (route == R_INCOMING)
			job->pre = autoresp_prematch(w->rules, w->fmt == F_VONAGE
			                                               ? form_get(&job->form, "text")
			                                               : jstr(job->sms, "messageBody"));
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
	/* Here, on the request's own thread, not on the writer's (autoresp.h). */
	if (route == R_INCOMING)
		job->pre = autoresp_prematch(w->rules, form_get(&job->form, "Body"));
	*jobp = job;
	return 0;
final:
	form_free(&job->form);
	cJSON_Delete(job->sns);
	free(job);
	return 1;
}

/* The inbound message record (smskit(7)), from Twilio's parameters. */
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
	                             .prices = j->w->prices, .want_record = j->w->on_receive != NULL,
	                             .limits = &j->w->limits, .rules = j->w->rules, .pre = j->pre};
	cJSON *rec = incoming_record(j);
	cJSON *params = form_json(&j->form);
	int rc = inbound_apply(st, &s, rec, params, form_get(&j->form, "OptOutType"), j->now, &j->in);
	cJSON_Delete(rec);
	cJSON_Delete(params);
	return rc;
}

/* ---- Vonage and SNS: inbound messages, delivery receipts, subscriptions ---------- */

/* The inbound message record of a Vonage or SNS message; the numbers kept for
 * the answer. */
static cJSON *api_record(struct webhook_job *j, const char *from, const char *to,
                         const char *body, const char *id)
{
	vonage_e164(from, j->in_from, sizeof j->in_from);
	vonage_e164(to, j->in_to, sizeof j->in_to);
	cJSON *r = cJSON_CreateObject();
	rec_put_str(r, "direction", "inbound");
	rec_put_str(r, "status", "received");
	rec_put_str(r, "to", j->in_to);
	rec_put_str(r, "from", j->in_from);
	rec_put_str(r, "body", body ? body : "");
	rec_put(r, "media", cJSON_CreateArray());
	rec_put_str(r, "provider", j->w->provider);
	rec_put_str(r, "provider_id", id);
	char now[24];
	clock_format(j->now, now, sizeof now);
	rec_put_str(r, "created_at", now);
	return r;
}

static int apply_api_message(struct store *st, struct webhook_job *j, cJSON *rec, cJSON *params)
{
	/* No TwiML: an answer goes out through sms-send after the acknowledgement. */
	struct inbound_settings s = {.provider = j->w->provider, .help_text = j->w->help_text,
	                             .prices = j->w->prices, .want_record = j->w->on_receive != NULL,
	                             .reply_by_api = 1, .limits = &j->w->limits,
	                             .rules = j->w->rules, .pre = j->pre};
	int rc = inbound_apply(st, &s, rec, params, NULL, j->now, &j->in);
	cJSON_Delete(rec);
	cJSON_Delete(params);
	return rc;
}

/* A part of a concatenated SMS (concat=true; smskit-vonage(7)) is held in the
 * store's key/value table until every part came; then *whole is the text in
 * part order and *first the id of part 1. 1: held (nothing more to do), 0:
 * complete or not a part, STORE_ERR. */
static int vonage_concat(struct store *st, struct webhook_job *j, const cJSON *params,
                         char **whole, char first[64])
{
	const struct form *f = &j->form;
	const char *c = form_get(f, "concat"), *ref = form_get(f, "concat-ref");
	long long total, part;
	if (!c || strcmp(c, "true") != 0 || !ref ||
	    parse_whole(form_get(f, "concat-total") ? form_get(f, "concat-total") : "", 255, &total) ||
	    parse_whole(form_get(f, "concat-part") ? form_get(f, "concat-part") : "", 255, &part) ||
	    total < 2 || part < 1 || part > total)
		return 0;
	char key[200], pk[24];
	snprintf(key, sizeof key, "vonage.concat.%.40s.%.100s", form_get(f, "msisdn"), ref);
	char *v = NULL;
	int rc = store_kv_get(st, key, &v);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return STORE_ERR;
	cJSON *held = v ? cJSON_Parse(v) : NULL;
	free(v);
	if (!cJSON_IsObject(held)) {
		cJSON_Delete(held);
		held = cJSON_CreateObject();
	}
	snprintf(pk, sizeof pk, "%lld", part);
	cJSON *one = cJSON_CreateObject();
	cJSON_AddStringToObject(one, "id", form_get(f, "messageId"));
	const char *text = form_get(f, "text");
	cJSON_AddStringToObject(one, "text", text ? text : "");
	cJSON_DeleteItemFromObjectCaseSensitive(held, pk);
	cJSON_AddItemToObject(held, pk, one);
	int have = cJSON_GetArraySize(held);
	if (have < total) {
		char *t = cJSON_PrintUnformatted(held);
		cJSON *detail = cJSON_Duplicate(params, 1);
		char outcome[64];
		snprintf(outcome, sizeof outcome, "part %lld of %lld held until all come", part, total);
		cJSON_AddStringToObject(detail, "outcome", outcome);
		rc = store_kv_set(st, key, t) == STORE_OK &&
		                     store_event_append(st, 0, "webhook", NULL, detail, NULL) == STORE_OK
		             ? 1
		             : STORE_ERR;
		snprintf(j->what, sizeof j->what, "%s", outcome);
		free(t);
		cJSON_Delete(detail);
		cJSON_Delete(held);
		return rc;
	}
	struct strbuf b;
	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	for (long long i = 1; i <= total; i++) {
		snprintf(pk, sizeof pk, "%lld", i);
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(held, pk);
		const char *pt = jstr(p, "text");
		strbuf_puts(&b, pt ? pt : "");
		if (i == 1)
			snprintf(first, 64, "%s", jstr(p, "id") ? jstr(p, "id") : "");
	}
	cJSON_Delete(held);
	*whole = strbuf_detach(&b);
	return store_kv_set(st, key, NULL) == STORE_OK ? 0 : STORE_ERR;
}

static int apply_incoming_vonage(struct store *st, struct webhook_job *j)
{
	const struct form *f = &j->form;
	cJSON *params = form_json(f);
	char *whole = NULL, first[64] = "";
	int rc = vonage_concat(st, j, params, &whole, first);
	if (rc != 0) {
		j->held = rc == 1;
		cJSON_Delete(params);
		return rc == 1 ? STORE_OK : STORE_ERR;
	}
	cJSON *rec = api_record(j, form_get(f, "msisdn"), form_get(f, "to"),
	                        whole ? whole : form_get(f, "text"),
	                        whole ? first : form_get(f, "messageId"));
	free(whole);
	return apply_api_message(st, j, rec, params);
}

static int apply_incoming_sns(struct store *st, struct webhook_job *j)
{
	const char *id = jstr(j->sms, "inboundMessageId");
	cJSON *rec = api_record(j, jstr(j->sms, "originationNumber"),
	                        jstr(j->sms, "destinationNumber"), jstr(j->sms, "messageBody"),
	                        id && *id ? id : jstr(j->sns, "MessageId"));
	return apply_api_message(st, j, rec, cJSON_Duplicate(j->sns, 1));
}

/* SubscriptionConfirmation, UnsubscribeConfirmation: logged, never followed. */
static int apply_sns_control(struct store *st, struct webhook_job *j)
{
	cJSON *detail = cJSON_Duplicate(j->sns, 1);
	cJSON_AddStringToObject(detail, "outcome", "logged: confirm a subscription by opening its "
	                                           "SubscribeURL");
	int rc = store_event_append(st, 0, "webhook", NULL, detail, NULL);
	cJSON_Delete(detail);
	snprintf(j->what, sizeof j->what, "SNS %.40s logged", jstr(j->sns, "Type"));
	return rc == STORE_OK ? STORE_OK : STORE_ERR;
}

/* A Vonage delivery receipt (smskit-vonage(7)): found by messageId, or, for a
 * later part of a long message, by the client-ref the send gave it. */
/* A callback for a message we do not hold, or a status we do not track:
 * acknowledged (a retry would not help) and kept in the event log. One for a
 * message we do not hold yet keeps the change it asks for as "pending"
 * (store_events_pending_status): the sender whose store could not record the
 * message's provider id applies it once it does (recovery.h). Takes params
 * and fields. */
static int log_untracked(struct store *st, struct webhook_job *j, int64_t id, int notfound,
                         const char *given, const char *sid, cJSON *params,
                         const char *status, cJSON *fields)
{
	if (notfound && status) { /* notfound: there was a sid to look up */
		cJSON *p = cJSON_AddObjectToObject(params, "pending");
		cJSON_AddStringToObject(p, "provider", j->w->fmt == F_VONAGE ? "vonage" : j->w->provider);
		cJSON_AddStringToObject(p, "provider_id", sid);
		cJSON_AddStringToObject(p, "status", status);
		cJSON_AddItemToObject(p, "fields", fields);
		fields = NULL;
	}
	cJSON_Delete(fields);
	snprintf(j->what, sizeof j->what, notfound
	         ? "status %.20s for %.40s: no such message here, logged"
	         : "status %.20s for %.40s: not a status smskit tracks, logged", given, sid);
	cJSON_AddStringToObject(params, "outcome", notfound ? "unknown message" : "status not tracked");
	int rc = store_event_append(st, id, "webhook", NULL, params, NULL) == STORE_OK ? STORE_OK
	                                                                            : STORE_ERR;
	cJSON_Delete(params);
	return rc;
}

/* A delivery error into fields (delivery.h); when the provider's code says the
 * recipient opted out, the opt-out of number to too. 0, or -1 on a store error. */
static int error_fields(struct store *st, cJSON *fields, const char *provider, const char *status,
                        long code, const char *message, const char *to)
{
	delivery_error_fields(fields, provider, status, code, message);
	char source[48];
	if (delivery_opted_out(provider, code, source, sizeof source) && to && to[0] == '+' &&
	    store_optout_add(st, to, source) < 0)
		return -1;
	return 0;
}

/* Moves message id to status with fields, as a status callback or delivery
 * receipt asks (takes fields and params, the event's detail). Callbacks
 * arrive out of order: a late "sent" never undoes "delivered"; such a one is
 * acknowledged and logged. */
static int record_status(struct store *st, struct webhook_job *j, int64_t id, const char *status,
                         cJSON *fields, cJSON *params)
{
	cJSON_AddStringToObject(params, "via", "webhook");
	int rc = store_msg_set_status(st, id, status, fields, params);
	cJSON_Delete(fields);
	if (rc == STORE_REFUSED) {
		cJSON_AddStringToObject(params, "outcome", "ignored: a status never moves backwards");
		rc = store_event_append(st, id, "webhook", status, params, NULL);
		cJSON_Delete(params);
		if (rc != STORE_OK)
			return STORE_ERR;
		snprintf(j->what, sizeof j->what, "message %lld: %s ignored (it would move backwards)",
		         (long long)id, status);
		return STORE_OK;
	}
	cJSON_Delete(params);
	if (rc != STORE_OK)
		return STORE_ERR;
	snprintf(j->what, sizeof j->what, "message %lld: %s", (long long)id, status);
	if (j->w->on_status && store_msg_get(st, id, &j->status_rec) != STORE_OK)
		j->status_rec = NULL;
	return STORE_OK;
}

static int apply_status_vonage(struct store *st, struct webhook_job *j)
{
	const struct form *f = &j->form;
	const char *sid = form_get(f, "messageId"), *given = form_get(f, "status");
	const char *status = vonage_spec_status(given);
	cJSON *params = form_json(f);
	int64_t id = 0;
	int rc = store_msg_find_provider_id(st, "vonage", sid, &id);
	const char *ref = form_get(f, "client-ref");
	long long n;
	if (rc == STORE_NOTFOUND && ref && strncmp(ref, "smskit-", 7) == 0 &&
	    parse_whole(ref + 7, (long long)1 << 53, &n) == 0) {
		cJSON *m = NULL;
		if (store_msg_get(st, n, &m) == STORE_OK && jstr(m, "provider") &&
		    strcmp(jstr(m, "provider"), "vonage") == 0 && jstr(m, "direction") &&
		    strcmp(jstr(m, "direction"), "outbound") == 0) {
			id = n;
			rc = STORE_OK;
		}
		cJSON_Delete(m);
	}
	if (rc == STORE_ERR)
		goto fail;
	if (!status)
		return log_untracked(st, j, id, rc == STORE_NOTFOUND, given, sid, params, NULL, NULL);
	cJSON *fields = cJSON_CreateObject();
	money_t m;
	const char *price = form_get(f, "price");
	if (price && *price && vonage_money(price, &m) == 0) {
		char buf[32];
		money_format(m < 0 ? -m : m, buf);
		cJSON_AddStringToObject(fields, "price", buf);
	}
	const char *ec = form_get(f, "err-code");
	long long code;
	if (ec && *ec && parse_whole(ec, 999999, &code) == 0 && code > 0 &&
	    strcmp(status, "delivered") != 0) {
		/* 9: the recipient texted STOP (doc/providers.md, Vonage delivery receipts). */
		char to[40];
		vonage_e164(form_get(f, "msisdn") ? form_get(f, "msisdn") : "", to, sizeof to);
		/* The opt-out of a message we do not hold waits for it too. */
		if (error_fields(st, fields, "vonage", status, (long)code, NULL,
		                 rc == STORE_OK ? to : NULL) < 0) {
			cJSON_Delete(fields);
			goto fail;
		}
	}
	if (rc == STORE_NOTFOUND)
		return log_untracked(st, j, id, 1, given, sid, params, status, fields);
	return record_status(st, j, id, status, fields, params);
fail:
	cJSON_Delete(params);
	return STORE_ERR;
}

/* Twilio's message statuses in smskit's words (sms-webhookd(1), Status
 * callbacks); NULL: nothing to record. */
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
	if (!status)
		return log_untracked(st, j, id, rc == STORE_NOTFOUND, given, sid, params, NULL, NULL);
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
		/* 21610: the recipient texted STOP to this sender (smskit-compliance(7)). */
		if (error_fields(st, fields, j->w->provider, status, (long)code,
		                 form_get(f, "ErrorMessage"),
		                 rc == STORE_OK ? form_get(f, "To") : NULL) < 0) {
			cJSON_Delete(fields);
			goto fail;
		}
	}
	if (rc == STORE_NOTFOUND)
		return log_untracked(st, j, id, 1, given, sid, params, status, fields);
	return record_status(st, j, id, status, fields, params);
fail:
	cJSON_Delete(params);
	return STORE_ERR;
}

int webhook_apply(struct store *st, void *arg)
{
	struct webhook_job *j = arg;
	switch (j->route) {
	case R_INCOMING:
		if (j->w->fmt == F_VONAGE)
			return apply_incoming_vonage(st, j);
		if (j->w->fmt == F_SNS)
			return j->control ? apply_sns_control(st, j) : apply_incoming_sns(st, j);
		return apply_incoming(st, j);
	case R_STATUS:
		return j->w->fmt == F_VONAGE ? apply_status_vonage(st, j) : apply_status(st, j);
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

/* The answer of a Vonage or SNS message, sent by sms-send after the response:
 * from the number it came to, linked to it, leaving it unread. */
static void set_reply(struct webhook_response *rs, const struct webhook_job *j)
{
	if (!j->in.reply || !j->w->reply_cmd)
		return;
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "to", j->in_from);
	cJSON_AddStringToObject(r, "from", j->in_to);
	cJSON_AddStringToObject(r, "body", j->in.reply);
	cJSON_AddNumberToObject(r, "reply_to", (double)j->in.id);
	cJSON_AddTrueToObject(r, "keep_unread");
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

/* Vonage and SNS are answered "ok" (no TwiML); SNS subscription messages are
 * logged with the URL that confirms them. */
static void finish_api(struct webhook_job *j, struct webhook_response *rs)
{
	if (j->control) {
		const char *type = jstr(j->sns, "Type"), *url = jstr(j->sns, "SubscribeURL");
		warnmsg("SNS %s for %s%s%s", type, jstr(j->sns, "TopicArn"),
		        url && strcmp(type, "SubscriptionConfirmation") == 0
		                ? ": confirm the subscription by opening its SubscribeURL: "
		                : "",
		        url && strcmp(type, "SubscriptionConfirmation") == 0 ? url : "");
		webhook_respond(rs, 200, "%s logged", type);
		return;
	}
	webhook_respond(rs, 200, "ok");
	if (j->route == R_STATUS) {
		set_hook(rs, j->w->on_status, j->status_rec);
		return;
	}
	rs->message_id = j->in.id;
	if (!j->in.duplicate && !j->held) {
		set_reply(rs, j);
		set_hook(rs, j->w->on_receive, j->in.record);
	}
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
	} else if (j->w->fmt != F_TWILIO) {
		finish_api(j, rs);
	} else if (j->route == R_INCOMING) {
		respond_xml(rs, inbound_twiml(j->in.duplicate ? NULL : j->in.reply));
		rs->message_id = j->in.id;
		if (!j->in.duplicate)
			set_hook(rs, j->w->on_receive, j->in.record);
	} else {
		respond_xml(rs, inbound_twiml(NULL));
		set_hook(rs, j->w->on_status, j->status_rec);
	}
	if (rc >= 0 && j->in.held[0])
		warnmsg("%s", j->in.held);
	autoresp_verdicts_free(j->pre);
	inbound_result_free(&j->in);
	cJSON_Delete(j->status_rec);
	form_free(&j->form);
	cJSON_Delete(j->sns);
	free(j);
	if (rs == &discard)
		webhook_response_free(rs);
}
