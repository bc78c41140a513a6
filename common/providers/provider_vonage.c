/* provider_vonage — Vonage's SMS API (doc/providers.md, Vonage): POST /sms/json with the
 * API key and secret (or a request signature when only the signature secret
 * is set), type=unicode when the body needs UCS-2, the delivery-receipt
 * callback and a client-ref naming the stored message; the answer's status
 * codes in smskit's words, its price and balance. Message statuses and
 * received messages come from Vonage's Reports API (GET /v2/reports/records,
 * basic auth), which sms-status --sync and sms-inbox --fetch use. */
#include "clock.h"
#include "form.h"
#include "gsm.h"
#include "price.h"
#include "provider.h"
#include "util.h"
#include "vonage.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

struct vonage {
	char *rest;      /* the SMS API: https://rest.nexmo.com, or VONAGE_API_BASE */
	char *api;       /* the Reports API: https://api.nexmo.com, or VONAGE_API_BASE */
	char *key;
	char *secret;    /* VONAGE_API_SECRET, or NULL: requests are then signed */
	char *sigsecret; /* VONAGE_SIGNATURE_SECRET, or NULL */
	char *method;    /* VONAGE_SIGNATURE_METHOD, default md5hash */
	char  day[11];   /* --fetch: the UTC day the last page asked about */
	char  to[40];    /* --fetch: only messages to this number ("" any) */
};

static char *base_of(const char *url)
{
	char *b = xstrdup(url);
	size_t n = strlen(b);
	while (n > 0 && b[n - 1] == '/')
		b[--n] = '\0';
	return b;
}

static void vonage_close(struct provider *p)
{
	struct vonage *v = p->state;
	if (!v)
		return;
	free(v->rest);
	free(v->api);
	free(v->key);
	free_secret(v->secret);
	free_secret(v->sigsecret);
	free(v->method);
	free(v);
	p->state = NULL;
}

static int vonage_open(struct provider *p, const struct sms_config *c, char *err, size_t errlen)
{
	const char *key = config_get(c, "VONAGE_API_KEY");
	const char *secret = config_get(c, "VONAGE_API_SECRET");
	const char *sig = config_get(c, "VONAGE_SIGNATURE_SECRET");
	const char *method = config_get_or(c, "VONAGE_SIGNATURE_METHOD", "md5hash");
	if (!key) {
		snprintf(err, errlen, "VONAGE_API_KEY is not set (see smskit-vonage(7))");
		return -1;
	}
	if (!secret && !sig) {
		snprintf(err, errlen, "set VONAGE_API_SECRET, or VONAGE_SIGNATURE_SECRET to sign "
		                      "requests instead (in the environment or a mode-600 config file)");
		return -1;
	}
	if (!vonage_method_valid(method)) {
		snprintf(err, errlen, "VONAGE_SIGNATURE_METHOD=%s: expected md5hash, md5, sha1, sha256 "
		         "or sha512 (the method chosen in Vonage's dashboard)", method);
		return -1;
	}
	p->default_from = config_get(c, "VONAGE_FROM");
	if (!p->default_from) {
		snprintf(err, errlen, "set VONAGE_FROM (the sender: your Vonage number or a sender id)");
		return -1;
	}
	struct vonage *v = xcalloc(1, sizeof *v);
	const char *base = config_get(c, "VONAGE_API_BASE");
	v->rest = base_of(base ? base : "https://rest.nexmo.com");
	v->api = base_of(base ? base : "https://api.nexmo.com");
	v->key = xstrdup(key);
	v->secret = secret ? xstrdup(secret) : NULL;
	v->sigsecret = sig ? xstrdup(sig) : NULL;
	v->method = xstrdup(method);
	p->state = v;
	return 0;
}

/* "+447700900001" -> "447700900001": Vonage's numbers carry no '+'. */
static const char *bare(const char *n) { return n && n[0] == '+' ? n + 1 : n; }

/* The body of a request: the pairs, and the credentials, form-encoded. */
static char *form_body(const struct vonage *v, struct form *f)
{
	struct strbuf b;
	strbuf_init(&b);
	if (!v->secret) {
		/* Signed instead (doc/providers.md, Vonage signatures): timestamp, then
		 * sig over every pair. */
		char ts[24];
		snprintf(ts, sizeof ts, "%lld", (long long)clock_now());
		form_add(f, "timestamp", ts);
		char *sig = vonage_signature(v->method, v->sigsecret, f, 0);
		form_add(f, "sig", sig ? sig : "");
		free(sig);
	}
	for (size_t i = 0; i < f->n; i++) {
		http_form_add(&b, f->pairs[i].name, f->pairs[i].value);
		if (strcmp(f->pairs[i].name, "api_secret") == 0)
			explicit_bzero(f->pairs[i].value, strlen(f->pairs[i].value));
	}
	form_free(f);
	return strbuf_detach(&b);
}

static void refuse(struct send_result *res, const char *code, const char *fmt, const char *arg)
{
	res->outcome = SEND_REJECTED;
	res->code = code;
	res->retryable = 0;
	res->exit_hint = 1;
	snprintf(res->message, sizeof res->message, fmt, arg);
}

static int vonage_send(struct provider *p, const struct send_request *m, struct http_request *req,
                       struct send_result *res)
{
	struct vonage *v = p->state;
	if (m->nmedia) {
		refuse(res, "not_supported", "not supported by the %s provider: Vonage's SMS API sends "
		       "no MMS; send the text without media, or use twilio", p->name);
		return 1;
	}
	const char *from = m->from ? m->from : p->default_from;
	const char *body = m->body ? m->body : "";
	struct gsm_info g;
	int ucs2 = 0;
	if (gsm_analyze(body, strlen(body), &g) == 0) {
		ucs2 = g.encoding == GSM_ENC_UCS2;
		gsm_info_free(&g);
	}
	struct form f = {0};
	form_add(&f, "api_key", v->key);
	if (v->secret)
		form_add(&f, "api_secret", v->secret);
	form_add(&f, "from", bare(from));
	form_add(&f, "to", bare(m->to));
	form_add(&f, "text", body);
	if (ucs2)
		form_add(&f, "type", "unicode");
	if (m->status_callback)
		form_add(&f, "callback", m->status_callback);
	if (m->id > 0) {
		char ref[40];
		snprintf(ref, sizeof ref, "smskit-%lld", m->id);
		form_add(&f, "client-ref", ref);
	}
	struct strbuf u;
	strbuf_init(&u);
	strbuf_printf(&u, "%s/sms/json", v->rest);
	req->method = "POST";
	req->url = strbuf_detach(&u);
	req->body = form_body(v, &f);
	req->headers[req->nheaders++] = xstrdup("Content-Type: application/x-www-form-urlencoded");
	return 0;
}

struct errmap {
	long        status;
	const char *spec;
	int         retryable;
};

/* The SMS API's status codes (doc/providers.md, Vonage send status codes);
 * anything else is provider_error. */
static const struct errmap errors[] = {
	{1, "rate_limited", 1},      {2, "invalid_request", 0},   {3, "invalid_request", 0},
	{4, "auth_failed", 0},       {5, "provider_error", 1},    {6, "invalid_number", 0},
	{7, "opted_out", 0},         {8, "account_inactive", 0},  {9, "insufficient_funds", 0},
	{10, "rate_limited", 1},     {11, "no_permission", 0},    {12, "body_too_long", 0},
	{14, "auth_failed", 0},      {15, "invalid_from", 0},     {22, "unroutable", 0},
	{23, "invalid_request", 0},  {29, "unverified_number", 0}, {32, "auth_failed", 0},
	{33, "invalid_number", 0},
};

static int exit_for(const char *code, int retryable)
{
	return strcmp(code, "auth_failed") == 0 ? EX_NOPERM : retryable ? EX_TEMPFAIL : 1;
}

/* A failed answer that is not the API's own (a proxy, an outage). */
static void http_failure(long http, const char *body, struct send_result *res)
{
	res->outcome = SEND_REJECTED;
	res->provider_code = 0;
	res->retryable = http == 429 || http >= 500;
	res->code = http == 401 || http == 403 ? "auth_failed"
	            : http == 429              ? "rate_limited"
	                                       : "provider_error";
	res->exit_hint = exit_for(res->code, res->retryable);
	snprintf(res->message, sizeof res->message, "HTTP %ld from Vonage: %.200s", http,
	         body && *body ? body : "no body");
	char *nl = strpbrk(res->message, "\r\n");
	if (nl)
		*nl = '\0';
}

static const char *str_of(const cJSON *j, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));
}

/* "0.03330000" (Vonage gives eight decimals) as money; -1 when not a price.
 * Digits past the sixth decimal are dropped. */
static int price_of(const cJSON *v, money_t *out)
{
	char buf[64];
	if (cJSON_IsString(v))
		return vonage_money(v->valuestring, out);
	if (!cJSON_IsNumber(v))
		return -1;
	snprintf(buf, sizeof buf, "%.6f", v->valuedouble);
	return vonage_money(buf, out);
}

static void vonage_send_parse(struct provider *p, const struct http_response *resp,
                              struct send_result *res)
{
	(void)p;
	if (resp->status == 0) {
		provider_transport_failure(resp, res);
		return;
	}
	if (resp->status != 200) {
		http_failure(resp->status, resp->body, res);
		return;
	}
	cJSON *j = cJSON_ParseWithLength(resp->body, resp->len);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "messages"), *m;
	const cJSON *bad = NULL;
	const char *id = NULL;
	const cJSON *balance = NULL;
	money_t total = 0;
	int priced = 0, parts = 0;
	cJSON_ArrayForEach(m, list) {
		const char *st = str_of(m, "status");
		if (!st || strcmp(st, "0") != 0) {
			if (!bad)
				bad = m;
			continue;
		}
		parts++;
		if (!id)
			id = str_of(m, "message-id");
		money_t pr;
		if (price_of(cJSON_GetObjectItemCaseSensitive(m, "message-price"), &pr) == 0) {
			total += pr;
			priced = 1;
		}
		if (cJSON_GetObjectItemCaseSensitive(m, "remaining-balance"))
			balance = cJSON_GetObjectItemCaseSensitive(m, "remaining-balance");
	}
	if (parts && id) {
		/* Once a part went out, the message did: never resent. */
		res->outcome = SEND_ACCEPTED;
		snprintf(res->provider_id, sizeof res->provider_id, "%s", id);
		snprintf(res->status, sizeof res->status, "queued");
		if (priced)
			money_format(total, res->price);
		money_t b;
		if (balance && price_of(balance, &b) == 0)
			money_format(b, res->balance);
	} else if (bad) {
		const char *st = str_of(bad, "status"), *text = str_of(bad, "error-text");
		long long code = 0;
		if (!st || parse_whole(st, 1000000, &code) != 0)
			code = 0;
		res->outcome = SEND_REJECTED;
		res->provider_code = (long)code;
		res->code = "provider_error";
		res->retryable = 0;
		for (size_t i = 0; i < sizeof errors / sizeof *errors; i++)
			if (errors[i].status == code) {
				res->code = errors[i].spec;
				res->retryable = errors[i].retryable;
			}
		res->exit_hint = exit_for(res->code, res->retryable);
		snprintf(res->message, sizeof res->message, "%s (%lld)", text ? text : "no error text",
		         code);
	} else {
		/* A 200 that names no message: it may have gone out; not resent. */
		res->outcome = SEND_UNKNOWN;
		res->code = "unknown_outcome";
		res->exit_hint = 1;
		snprintf(res->message, sizeof res->message,
		         "Vonage answered HTTP 200 without a message status");
	}
	cJSON_Delete(j);
}

/* ---- The Reports API: one message's status, received messages ---------------- */

static int needs_secret(const struct vonage *v, char *msg, size_t len)
{
	if (v->secret)
		return 0;
	snprintf(msg, len, "Vonage's Reports API takes the API key and secret: set "
	         "VONAGE_API_SECRET (requests are signed only when it is not set)");
	return -1;
}

static char *records_url(const struct vonage *v, const char *direction)
{
	struct strbuf u;
	strbuf_init(&u);
	char *k = http_escape(v->key);
	strbuf_printf(&u, "%s/v2/reports/records?account_id=%s&product=SMS&direction=%s", v->api, k,
	              direction);
	free(k);
	return strbuf_detach(&u);
}

/* A GET of the Reports API at url (taken), with the account's key and secret. */
static void reports_get(const struct vonage *v, struct strbuf *url, struct http_request *req)
{
	struct strbuf up;
	strbuf_init(&up);
	strbuf_printf(&up, "%s:%s", v->key, v->secret);
	req->method = "GET";
	req->url = strbuf_detach(url);
	req->userpwd = strbuf_detach(&up);
}

static int vonage_status(struct provider *p, const char *provider_id, const char *current,
                         struct http_request *req, struct status_result *res)
{
	(void)current;
	struct vonage *v = p->state;
	if (needs_secret(v, res->message, sizeof res->message) != 0) {
		res->ok = 0;
		res->code = "not_supported";
		res->exit_hint = EX_CONFIG;
		return 1;
	}
	struct strbuf u;
	strbuf_init(&u);
	char *base = records_url(v, "outbound"), *id = http_escape(provider_id);
	strbuf_printf(&u, "%s&id=%s", base, id);
	free(base);
	free(id);
	reports_get(v, &u, req);
	return 0;
}

/* The failure of a Reports API request, in res's fields. */
static void reports_failure(const struct http_response *resp, const cJSON *j, const char **code,
                            char *msg, size_t msglen, int *exit_hint)
{
	if (resp->status == 0) {
		*code = "unreachable";
		*exit_hint = EX_UNAVAILABLE;
		snprintf(msg, msglen, "Vonage unreachable after %d attempt%s: %s", resp->attempts,
		         resp->attempts == 1 ? "" : "s", resp->error);
		return;
	}
	long http = resp->status;
	const char *title = str_of(j, "title"), *detail = str_of(j, "detail");
	*code = http == 401 || http == 403 ? "auth_failed"
	        : http == 429              ? "rate_limited"
	                                   : "provider_error";
	*exit_hint = http == 401 || http == 403 ? EX_NOPERM
	             : http == 429 || http >= 500 ? EX_TEMPFAIL
	                                          : 1;
	snprintf(msg, msglen, "HTTP %ld from Vonage's Reports API: %s%s%s", http,
	         title ? title : "no title", detail ? ": " : "", detail ? detail : "");
}

/* The "records" array of a Reports API answer, in *recs, and the parsed answer
 * to free; NULL with the failure in code, msg and hint when there is none. */
static cJSON *reports_records(const struct http_response *resp, const cJSON **recs,
                              const char **code, char *msg, size_t msglen, int *hint)
{
	cJSON *j = resp->status ? cJSON_ParseWithLength(resp->body, resp->len) : NULL;
	*recs = cJSON_GetObjectItemCaseSensitive(j, "records");
	if (resp->status == 200 && cJSON_IsArray(*recs))
		return j;
	reports_failure(resp, j, code, msg, msglen, hint);
	if (resp->status == 200)
		snprintf(msg, msglen, "Vonage's Reports API answered without a \"records\" array");
	cJSON_Delete(j);
	return NULL;
}

static void vonage_status_parse(struct provider *p, const struct http_response *resp,
                                struct status_result *res)
{
	(void)p;
	const cJSON *recs;
	cJSON *j = reports_records(resp, &recs, &res->code, res->message, sizeof res->message,
	                           &res->exit_hint);
	if (!j) {
		res->ok = 0;
		return;
	}
	const cJSON *r = cJSON_GetArrayItem(recs, 0);
	if (!r) {
		res->ok = 0;
		res->code = "not_found";
		res->exit_hint = 1;
		snprintf(res->message, sizeof res->message,
		         "Vonage's Reports API has no record of this message (yet: records can take "
		         "a few minutes to appear)");
		cJSON_Delete(j);
		return;
	}
	const char *st = str_of(r, "status");
	const char *spec = vonage_spec_status(st);
	if (!spec) {
		res->ok = 0;
		res->code = "provider_error";
		res->exit_hint = 1;
		snprintf(res->message, sizeof res->message, "Vonage reported a status smskit does not "
		         "know: `%.40s`", st ? st : "none");
		cJSON_Delete(j);
		return;
	}
	res->ok = 1;
	snprintf(res->status, sizeof res->status, "%s", spec);
	money_t pr;
	if (price_of(cJSON_GetObjectItemCaseSensitive(r, "total_price"), &pr) == 0)
		money_format(pr < 0 ? -pr : pr, res->price);
	const char *cur = str_of(r, "currency");
	if (cur && strlen(cur) == 3)
		snprintf(res->currency, sizeof res->currency, "%s", cur);
	const cJSON *ec = cJSON_GetObjectItemCaseSensitive(r, "error_code");
	long long code = 0;
	if (cJSON_IsString(ec) && parse_whole(ec->valuestring, 999999, &code) != 0)
		code = 0;
	else if (cJSON_IsNumber(ec) && ec->valuedouble > 0)
		code = (long long)ec->valuedouble;
	if (code && strcmp(spec, "delivered") != 0) {
		/* Vonage's own words when it gives them; else sms-status takes
		 * the err-code's from delivery.h. */
		res->error_code = (long)code;
		const char *words = str_of(r, "error_code_description");
		if (words)
			snprintf(res->error_message, sizeof res->error_message, "%s", words);
	}
	cJSON_Delete(j);
}

static void day_after(const char *day, char out[11])
{
	struct tm tm = {0};
	int y, m, d;
	if (sscanf(day, "%d-%d-%d", &y, &m, &d) != 3) {
		out[0] = '\0';
		return;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1;
	time_t t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static int vonage_inbox(struct provider *p, const struct inbox_request *q,
                        struct http_request *req, struct inbox_page *res)
{
	struct vonage *v = p->state;
	if (needs_secret(v, res->message, sizeof res->message) != 0) {
		res->ok = 0;
		res->code = "not_supported";
		res->exit_hint = EX_CONFIG;
		return 1;
	}
	snprintf(v->to, sizeof v->to, "%s", q->to ? q->to : "");
	struct strbuf u;
	strbuf_init(&u);
	if (q->next && strncmp(q->next, "day:", 4) == 0) {
		snprintf(v->day, sizeof v->day, "%.10s", q->next + 4);
	} else if (q->next) {
		/* A truncated answer's own next link: followed only under our API base. */
		size_t bl = strlen(v->api);
		int ok = strncmp(q->next, v->api, bl) == 0 && q->next[bl] == '/';
		for (const unsigned char *c = (const unsigned char *)q->next; ok && *c; c++)
			ok = *c > ' ' && *c != 0x7f;
		if (!ok) {
			res->ok = 0;
			res->code = "provider_error";
			res->exit_hint = 1;
			snprintf(res->message, sizeof res->message,
			         "Vonage named a next page outside its API; stopped");
			strbuf_free(&u);
			return 1;
		}
		strbuf_puts(&u, q->next);
	} else {
		time_t now = clock_now();
		struct tm tm;
		gmtime_r(&now, &tm);
		if (q->since_date)
			snprintf(v->day, sizeof v->day, "%.10s", q->since_date);
		else
			strftime(v->day, sizeof v->day, "%Y-%m-%d", &tm);
	}
	if (!u.len) {
		/* One UTC day a request: the API takes windows of at most 24 hours. */
		char next[11];
		day_after(v->day, next);
		char *base = records_url(v, "inbound");
		strbuf_printf(&u, "%s&include_message=true&date_start=%sT00:00:00Z&date_end=%sT00:00:00Z",
		              base, v->day, next);
		free(base);
	}
	reports_get(v, &u, req);
	return 0; /* q->page_size is not Vonage's to take: it pages by a thousand */
}

/* An inbound SMS record of the Reports API as the message record the store takes. */
static cJSON *inbound_record(const cJSON *r)
{
	const char *id = str_of(r, "message_id"), *to = str_of(r, "to"), *from = str_of(r, "from");
	if (!id || !*id || !to || !*to)
		return NULL;
	char t[40], f[40], when[32];
	provider_e164(to, t, sizeof t);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "direction", "inbound");
	cJSON_AddStringToObject(o, "status", "received");
	cJSON_AddStringToObject(o, "to", t);
	if (from) {
		provider_e164(from, f, sizeof f);
		cJSON_AddStringToObject(o, "from", f);
	} else {
		cJSON_AddNullToObject(o, "from");
	}
	const char *body = str_of(r, "message_body");
	cJSON_AddStringToObject(o, "body", body ? body : "");
	cJSON_AddItemToObject(o, "media", cJSON_CreateArray());
	money_t pr;
	const char *cur = str_of(r, "currency");
	if (price_of(cJSON_GetObjectItemCaseSensitive(r, "total_price"), &pr) == 0 && cur &&
	    strlen(cur) == 3) {
		char buf[32];
		money_format(pr < 0 ? -pr : pr, buf);
		cJSON_AddStringToObject(o, "price", buf);
		cJSON_AddStringToObject(o, "currency", cur);
	}
	cJSON_AddStringToObject(o, "provider", "vonage");
	cJSON_AddStringToObject(o, "provider_id", id);
	time_t received;
	if (clock_parse_lax(str_of(r, "date_received"), &received) == 0) {
		clock_format(received, when, sizeof when);
		cJSON_AddStringToObject(o, "created_at", when);
	}
	return o;
}

static void vonage_inbox_parse(struct provider *p, const struct http_response *resp,
                               struct inbox_page *res)
{
	struct vonage *v = p->state;
	const cJSON *recs;
	cJSON *j = reports_records(resp, &recs, &res->code, res->message, sizeof res->message,
	                           &res->exit_hint);
	if (!j) {
		res->ok = 0;
		return;
	}
	res->ok = 1;
	res->messages = cJSON_CreateArray();
	const cJSON *r;
	cJSON_ArrayForEach(r, recs) {
		res->nitems++;
		cJSON *m = inbound_record(r);
		const char *to = m ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "to")) : NULL;
		if (m && v->to[0] && !(to && strcmp(to, v->to) == 0)) {
			cJSON_Delete(m); /* the API cannot narrow by recipient: done here */
			m = NULL;
		}
		if (m)
			cJSON_AddItemToArray(res->messages, m);
	}
	const char *rs = str_of(j, "request_status");
	const char *href = str_of(cJSON_GetObjectItemCaseSensitive(
	                                  cJSON_GetObjectItemCaseSensitive(j, "_links"), "next"),
	                          "href");
	if (rs && strcmp(rs, "TRUNCATED") == 0 && href && *href) {
		res->next = xstrdup(href);
	} else {
		/* The next day, up to today. */
		char next[11], today[11];
		time_t now = clock_now();
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(today, sizeof today, "%Y-%m-%d", &tm);
		day_after(v->day, next);
		if (next[0] && strcmp(next, today) <= 0) {
			struct strbuf b;
			strbuf_init(&b);
			strbuf_printf(&b, "day:%s", next);
			res->next = strbuf_detach(&b);
		}
	}
	cJSON_Delete(j);
}

const struct provider_ops provider_vonage = {
	.name = "vonage",
	.from_key = "VONAGE_FROM",
	.open = vonage_open,
	.close = vonage_close,
	.send_prepare = vonage_send,
	.send_parse = vonage_send_parse,
	.status_prepare = vonage_status,
	.status_parse = vonage_status_parse,
	.inbox_prepare = vonage_inbox,
	.inbox_parse = vonage_inbox_parse,
	.webhook = &vonage_webhooks,
};
