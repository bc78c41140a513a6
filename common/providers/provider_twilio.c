/* provider_twilio — Twilio's Programmable Messaging REST API (2010-04-01):
 * Messages.json create, fetch and list (received messages, page by page, for
 * sms-inbox --fetch), basic auth with the Account SID and auth token
 * or an API key and secret, and Twilio's error codes mapped to smskit's
 * (doc/providers.md, Twilio). It carries WhatsApp too (smskit-whatsapp(7)):
 * To and From as whatsapp:+number, the sender TWILIO_WHATSAPP_NUMBER or the
 * Messaging Service, a template as ContentSid and ContentVariables without
 * Body. */
#include "price.h"
#include "provider.h"
#include "twilio.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

struct twilio {
	char *base;        /* TWILIO_API_BASE without a trailing slash */
	char *account;     /* AC... */
	char *userpwd;     /* "AC...:token" or "SK...:secret": a secret */
	char *service;     /* MG... or NULL */
	char  wa_from[ADDRESS_LEN]; /* TWILIO_WHATSAPP_NUMBER as whatsapp:+number, or "" */
};

/* TWILIO_WHATSAPP_NUMBER, "+15551234567" or "whatsapp:+15551234567", as the
 * address Twilio takes; -1 with a sentence in err when it is not a number. */
static int whatsapp_number(const char *v, char out[ADDRESS_LEN], char *err, size_t errlen)
{
	struct address a;
	char why[256], buf[ADDRESS_LEN + 16];
	if (address_channel(v) == CHANNEL_SMS) {
		snprintf(buf, sizeof buf, "%s%s", ADDRESS_WHATSAPP_PREFIX, v);
		v = buf;
	}
	if (address_parse(v, NULL, &a, why, sizeof why) != 0 || a.channel != CHANNEL_WHATSAPP) {
		snprintf(err, errlen, "TWILIO_WHATSAPP_NUMBER=%s is not a WhatsApp sender: write "
		         "the number in international form, such as whatsapp:+15551234567 "
		         "(see smskit-whatsapp(7))", v);
		return -1;
	}
	snprintf(out, ADDRESS_LEN, "%s", a.text);
	return 0;
}

static int twilio_open(struct provider *p, const struct sms_config *c, char *err, size_t errlen)
{
	const char *sid = config_get(c, "TWILIO_ACCOUNT_SID");
	const char *token = config_get(c, "TWILIO_AUTH_TOKEN");
	const char *key = config_get(c, "TWILIO_API_KEY");
	const char *secret = config_get(c, "TWILIO_API_SECRET");
	if (!sid) {
		snprintf(err, errlen, "TWILIO_ACCOUNT_SID is not set (see smskit-twilio(7))");
		return -1;
	}
	if (!(key && secret) && !token) {
		snprintf(err, errlen, "set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET "
		                      "(in the environment or a mode-600 config file)");
		return -1;
	}
	struct twilio *t = xcalloc(1, sizeof *t);
	const char *base = config_get_or(c, "TWILIO_API_BASE", "https://api.twilio.com");
	t->base = xstrdup(base);
	size_t bl = strlen(t->base);
	while (bl > 0 && t->base[bl - 1] == '/')
		t->base[--bl] = '\0';
	t->account = xstrdup(sid);
	struct strbuf up;
	strbuf_init(&up);
	if (key && secret)
		strbuf_printf(&up, "%s:%s", key, secret);
	else
		strbuf_printf(&up, "%s:%s", sid, token);
	t->userpwd = strbuf_detach(&up);
	const char *svc = config_get(c, "TWILIO_MESSAGING_SERVICE_SID");
	t->service = svc ? xstrdup(svc) : NULL;
	p->state = t;
	p->default_from = config_get(c, "TWILIO_PHONE_NUMBER");
	p->sender_pool = svc != NULL;
	const char *wa = config_get(c, "TWILIO_WHATSAPP_NUMBER");
	if (wa && whatsapp_number(wa, t->wa_from, err, errlen) != 0) {
		p->ops->close(p);
		return -1;
	}
	p->whatsapp_from = wa ? t->wa_from : NULL;
	if (!p->default_from && !svc && !wa) {
		snprintf(err, errlen, "set TWILIO_PHONE_NUMBER (the sender), "
		                      "TWILIO_MESSAGING_SERVICE_SID or TWILIO_WHATSAPP_NUMBER");
		p->ops->close(p);
		return -1;
	}
	return 0;
}

static void twilio_close(struct provider *p)
{
	struct twilio *t = p->state;
	if (!t)
		return;
	free_secret(t->userpwd);
	free(t->base);
	free(t->account);
	free(t->service);
	free(t);
	p->state = NULL;
}

static char *messages_url(const struct twilio *t, const char *sid)
{
	struct strbuf u;
	strbuf_init(&u);
	char *acc = http_escape(t->account);
	strbuf_printf(&u, "%s/2010-04-01/Accounts/%s/Messages", t->base, acc);
	if (sid) {
		char *s = http_escape(sid);
		strbuf_printf(&u, "/%s", s);
		free(s);
	}
	strbuf_puts(&u, ".json");
	free(acc);
	return strbuf_detach(&u);
}

static int twilio_send(struct provider *p, const struct send_request *m, struct http_request *req,
                       struct send_result *res)
{
	struct twilio *t = p->state;
	const char *from = m->from ? m->from : provider_default_from(p, m->channel);
	if (!from && !t->service) {
		/* The sender checks this first; a request without a sender is never made. */
		res->outcome = SEND_REJECTED;
		res->code = "invalid_from";
		res->exit_hint = 1;
		snprintf(res->message, sizeof res->message, "no %s sender: set %s or "
		         "TWILIO_MESSAGING_SERVICE_SID", channel_name(m->channel),
		         m->channel == CHANNEL_WHATSAPP ? "TWILIO_WHATSAPP_NUMBER" : "TWILIO_PHONE_NUMBER");
		return 1;
	}
	struct strbuf f;
	strbuf_init(&f);
	http_form_add(&f, "To", m->to);
	if (from)
		http_form_add(&f, "From", from);
	if (t->service)
		http_form_add(&f, "MessagingServiceSid", t->service);
	if (m->content_sid) {
		/* A template: its text is Twilio's, filled with the variables; no Body. */
		http_form_add(&f, "ContentSid", m->content_sid);
		if (m->content_variables)
			http_form_add(&f, "ContentVariables", m->content_variables);
	} else if (m->body && *m->body) {
		http_form_add(&f, "Body", m->body);
	}
	for (size_t i = 0; i < m->nmedia; i++)
		http_form_add(&f, "MediaUrl", m->media[i]);
	if (m->status_callback)
		http_form_add(&f, "StatusCallback", m->status_callback);
	req->method = "POST";
	req->url = messages_url(t, NULL);
	req->body = strbuf_detach(&f);
	req->userpwd = xstrdup(t->userpwd);
	req->headers[req->nheaders++] = xstrdup("Content-Type: application/x-www-form-urlencoded");
	return 0;
}

/* Twilio's statuses in smskit's words (doc/providers.md, Twilio message statuses). */
static const char *map_status(const char *s)
{
	if (!s)
		return "unknown";
	if (strcmp(s, "accepted") == 0 || strcmp(s, "sending") == 0 || strcmp(s, "queued") == 0)
		return "queued";
	if (strcmp(s, "read") == 0 || strcmp(s, "partially_delivered") == 0)
		return "delivered";
	static const char *const same[] = {"scheduled", "sent", "delivered", "undelivered",
	                                   "failed", "canceled", "received"};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++)
		if (strcmp(s, same[i]) == 0)
			return same[i];
	return "unknown";
}

struct errmap {
	long        code;
	const char *spec;
	int         retryable;
};

/* doc/providers.md, Twilio API error codes. Anything else is provider_error. */
static const struct errmap errors[] = {
	{20003, "auth_failed", 0},     {20005, "account_inactive", 0}, {20008, "auth_failed", 0},
	{20404, "not_found", 0},       {20429, "rate_limited", 1},     {21211, "invalid_number", 0},
	{21212, "invalid_from", 0},    {21408, "no_permission", 0},    {21601, "invalid_from", 0},
	{21602, "missing_body", 0},    {21603, "invalid_from", 0},     {21604, "invalid_number", 0},
	{21606, "invalid_from", 0},    {21608, "unverified_number", 0}, {21610, "opted_out", 0},
	{21611, "queue_full", 1},      {21612, "unroutable", 0},       {21614, "not_sms_capable", 0},
	{21617, "body_too_long", 0},   {21618, "filtered", 0},         {21620, "invalid_media", 0},
	{21621, "mms_not_enabled", 0}, {21622, "mms_not_enabled", 0},  {21623, "too_many_media", 0},
	{21635, "not_sms_capable", 0}, {21660, "invalid_from", 0},     {21701, "invalid_from", 0},
	{21703, "invalid_from", 0},    {21704, "invalid_from", 0},     {21705, "invalid_from", 0},
	/* WhatsApp (smskit-whatsapp(7)): a free-form message outside the 24-hour
	 * window; a template Twilio does not know or variables it cannot read. */
	{63016, "outside_window", 0},  {21654, "invalid_field", 0},    {21655, "invalid_field", 0},
	{21656, "invalid_field", 0},
};

static void map_error(long http, const cJSON *j, struct send_result *res)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	res->outcome = SEND_REJECTED;
	res->provider_code = cJSON_IsNumber(code) ? (long)code->valuedouble : 0;
	res->code = "provider_error";
	res->retryable = http == 429 || http >= 500;
	for (size_t i = 0; i < sizeof errors / sizeof *errors; i++)
		if (errors[i].code == res->provider_code) {
			res->code = errors[i].spec;
			res->retryable = errors[i].retryable;
		}
	if (http == 401 || (http == 403 && res->provider_code == 20003))
		res->code = "auth_failed";
	if (http == 429)
		res->code = "rate_limited";
	res->exit_hint = strcmp(res->code, "auth_failed") == 0 ? EX_NOPERM
	                 : res->retryable                     ? EX_TEMPFAIL
	                                                      : 1;
	const char *text = cJSON_IsString(msg) ? msg->valuestring : "no message";
	if (res->provider_code == 63016)
		snprintf(res->message, sizeof res->message, "%s (63016): outside WhatsApp's 24-hour "
		         "window as Twilio counts it; nothing sent: send an approved template "
		         "(content_sid, with content_variables), or wait for them to write", text);
	else if (res->provider_code)
		snprintf(res->message, sizeof res->message, "%s (%ld)", text, res->provider_code);
	else
		snprintf(res->message, sizeof res->message, "HTTP %ld from Twilio: %s", http, text);
}

/* "-0.00830" -> "0.0083": what was charged, as a positive decimal. */
static void put_price(const cJSON *j, char *price, size_t plen, char *cur, size_t clen)
{
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(j, "price");
	const cJSON *unit = cJSON_GetObjectItemCaseSensitive(j, "price_unit");
	money_t m;
	if (cJSON_IsString(pr) && money_parse(pr->valuestring, &m) == 0) {
		char buf[32];
		money_format(m < 0 ? -m : m, buf);
		snprintf(price, plen, "%s", buf);
	}
	if (cJSON_IsString(unit))
		snprintf(cur, clen, "%s", unit->valuestring);
}

static void twilio_send_parse(struct provider *p, const struct http_response *resp,
                              struct send_result *res)
{
	(void)p;
	if (resp->status == 0) {
		provider_transport_failure(resp, res);
		return;
	}
	cJSON *j = cJSON_ParseWithLength(resp->body, resp->len);
	if (resp->status >= 200 && resp->status < 300) {
		const char *sid = j ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "sid")) : NULL;
		if (!sid) {
			/* Accepted, but we cannot tell which message it is: do not resend. */
			res->outcome = SEND_UNKNOWN;
			res->code = "unknown_outcome";
			res->exit_hint = 1;
			snprintf(res->message, sizeof res->message,
			         "Twilio answered HTTP %ld without a message sid", resp->status);
		} else {
			res->outcome = SEND_ACCEPTED;
			snprintf(res->provider_id, sizeof res->provider_id, "%s", sid);
			snprintf(res->status, sizeof res->status, "%s",
			         map_status(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "status"))));
			const char *from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "from"));
			if (from)
				snprintf(res->from, sizeof res->from, "%s", from);
			put_price(j, res->price, sizeof res->price, res->currency, sizeof res->currency);
		}
	} else {
		map_error(resp->status, j, res);
	}
	cJSON_Delete(j);
}

static int twilio_status(struct provider *p, const char *provider_id, const char *current,
                         struct http_request *req, struct status_result *res)
{
	(void)current;
	(void)res;
	struct twilio *t = p->state;
	req->method = "GET";
	req->url = messages_url(t, provider_id);
	req->userpwd = xstrdup(t->userpwd);
	return 0;
}

static void twilio_status_parse(struct provider *p, const struct http_response *resp,
                                struct status_result *res)
{
	(void)p;
	if (resp->status == 0) {
		res->ok = 0;
		res->code = "unreachable";
		res->exit_hint = EX_UNAVAILABLE;
		snprintf(res->message, sizeof res->message, "Twilio unreachable: %s", resp->error);
		return;
	}
	cJSON *j = cJSON_ParseWithLength(resp->body, resp->len);
	if (resp->status != 200 || !j) {
		struct send_result sr = {0};
		map_error(resp->status, j, &sr);
		res->ok = 0;
		res->code = sr.code;
		res->exit_hint = sr.exit_hint;
		snprintf(res->message, sizeof res->message, "%s", sr.message);
		cJSON_Delete(j);
		return;
	}
	res->ok = 1;
	const char *given = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "status"));
	const char *to = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "to"));
	/* read is a status of its own on WhatsApp (smskit(7), Lifecycle); an SMS
	 * that says so was delivered. */
	int wa_read = given && strcmp(given, "read") == 0 && address_channel(to) == CHANNEL_WHATSAPP;
	snprintf(res->status, sizeof res->status, "%s", wa_read ? "read" : map_status(given));
	put_price(j, res->price, sizeof res->price, res->currency, sizeof res->currency);
	const cJSON *ec = cJSON_GetObjectItemCaseSensitive(j, "error_code");
	res->error_code = cJSON_IsNumber(ec) ? (long)ec->valuedouble : 0;
	const char *em = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error_message"));
	if (em)
		snprintf(res->error_message, sizeof res->error_message, "%s", em);
	cJSON_Delete(j);
}

/* ---- Received messages (the list API, sms-inbox(1) --fetch) ------------------ */

static int twilio_inbox(struct provider *p, const struct inbox_request *q,
                        struct http_request *req, struct inbox_page *res)
{
	struct twilio *t = p->state;
	struct strbuf u;
	strbuf_init(&u);
	if (q->next) {
		/* Followed verbatim, relative to the API base: never another host. */
		int ok = q->next[0] == '/';
		for (const unsigned char *c = (const unsigned char *)q->next; ok && *c; c++)
			ok = *c > ' ' && *c != 0x7f;
		if (!ok) {
			res->ok = 0;
			res->code = "provider_error";
			res->exit_hint = 1;
			snprintf(res->message, sizeof res->message,
			         "Twilio named a next page that is not a path of its API; stopped");
			strbuf_free(&u);
			return 1;
		}
		strbuf_printf(&u, "%s%s", t->base, q->next);
	} else {
		char *url = messages_url(t, NULL);
		strbuf_puts(&u, url);
		free(url);
		char sep = '?';
		if (q->to) {
			char *v = http_escape(q->to);
			strbuf_printf(&u, "%cTo=%s", sep, v);
			free(v);
			sep = '&';
		}
		if (q->since_date) {
			/* The key is "DateSent>" (on or after), encoded. */
			char *v = http_escape(q->since_date);
			strbuf_printf(&u, "%cDateSent%%3E=%s", sep, v);
			free(v);
			sep = '&';
		}
		strbuf_printf(&u, "%cPageSize=%zu", sep, q->page_size ? q->page_size : 50);
	}
	req->method = "GET";
	req->url = strbuf_detach(&u);
	req->userpwd = xstrdup(t->userpwd);
	return 0;
}

/* "Thu, 24 Aug 2023 05:01:45 +0000" (RFC 2822) to "2023-08-24T05:01:45Z"; -1
 * when it does not read so. */
static int rfc2822_to_3339(const char *in, char out[32])
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = strchr(in, ',');
	p = p ? p + 1 : in;
	int d, y, h, mi, sec, n = 0;
	char mon[4], sign;
	unsigned off;
	if (sscanf(p, " %d %3s %d %d:%d:%d %c%4u%n", &d, mon, &y, &h, &mi, &sec, &sign, &off, &n) != 8 ||
	    (sign != '+' && sign != '-') || strlen(mon) != 3)
		return -1;
	const char *m = strstr(months, mon);
	if (!m || (m - months) % 3 != 0 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = (int)(m - months) / 3, .tm_mday = d,
	                .tm_hour = h, .tm_min = mi, .tm_sec = sec > 59 ? 59 : sec};
	time_t tt = timegm(&tm);
	if (tt == (time_t)-1)
		return -1;
	long shift = (long)(off / 100) * 3600 + (long)(off % 100) * 60;
	tt -= sign == '-' ? -shift : shift;
	struct tm u;
	gmtime_r(&tt, &u);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &u);
	return 0;
}

static const char *str_of(const cJSON *j, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));
}

/* A list item (a Message resource, doc/providers.md, Twilio sending) received by
 * us, as the message record the store takes; NULL when it has no sid or no recipient. */
static cJSON *inbound_record(const cJSON *m)
{
	const char *sid = str_of(m, "sid"), *to = str_of(m, "to"), *from = str_of(m, "from");
	if (!sid || !*sid || !to || !*to)
		return NULL;
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "direction", "inbound");
	cJSON_AddStringToObject(r, "status", "received");
	cJSON_AddStringToObject(r, "to", to);
	cJSON_AddItemToObject(r, "from", from ? cJSON_CreateString(from) : cJSON_CreateNull());
	const char *body = str_of(m, "body");
	cJSON_AddStringToObject(r, "body", body ? body : "");
	cJSON_AddItemToObject(r, "media", cJSON_CreateArray());
	long long v;
	const char *seg = str_of(m, "num_segments");
	if (seg && parse_whole(seg, 1000000, &v) == 0)
		cJSON_AddNumberToObject(r, "segments", (double)v);
	char price[32] = "", cur[8] = "";
	put_price(m, price, sizeof price, cur, sizeof cur);
	if (price[0] && strlen(cur) == 3) {
		cJSON_AddStringToObject(r, "price", price);
		cJSON_AddStringToObject(r, "currency", cur);
	}
	cJSON_AddStringToObject(r, "provider", "twilio");
	cJSON_AddStringToObject(r, "provider_id", sid);
	/* When Twilio received it: date_sent (the webhook's time), else date_created. */
	char when[32];
	const char *ds = str_of(m, "date_sent"), *dc = str_of(m, "date_created");
	if ((ds && rfc2822_to_3339(ds, when) == 0) || (dc && rfc2822_to_3339(dc, when) == 0))
		cJSON_AddStringToObject(r, "created_at", when);
	const char *nm = str_of(m, "num_media");
	if (nm && parse_whole(nm, 1000, &v) == 0 && v > 0) {
		char w[160];
		snprintf(w, sizeof w, "%lld media item%s not fetched: see the message in Twilio's "
		         "console (sms-webhookd stores media URLs)", v, v == 1 ? "" : "s");
		cJSON *warn = cJSON_CreateArray();
		cJSON_AddItemToArray(warn, cJSON_CreateString(w));
		cJSON_AddItemToObject(r, "warnings", warn);
	}
	return r;
}

static void twilio_inbox_parse(struct provider *p, const struct http_response *resp,
                               struct inbox_page *res)
{
	(void)p;
	if (resp->status == 0) {
		res->ok = 0;
		res->code = "unreachable";
		res->exit_hint = EX_UNAVAILABLE;
		snprintf(res->message, sizeof res->message, "Twilio unreachable after %d attempt%s: %s",
		         resp->attempts, resp->attempts == 1 ? "" : "s", resp->error);
		return;
	}
	cJSON *j = cJSON_ParseWithLength(resp->body, resp->len);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "messages");
	if (resp->status != 200 || !cJSON_IsArray(list)) {
		struct send_result sr = {0};
		map_error(resp->status, j, &sr);
		res->ok = 0;
		res->code = sr.code;
		res->exit_hint = sr.exit_hint;
		if (resp->status == 200)
			snprintf(res->message, sizeof res->message,
			         "Twilio answered the message list without a \"messages\" array");
		else
			snprintf(res->message, sizeof res->message, "%s", sr.message);
		cJSON_Delete(j);
		return;
	}
	res->ok = 1;
	res->messages = cJSON_CreateArray();
	const cJSON *m;
	cJSON_ArrayForEach(m, list) {
		res->nitems++;
		const char *dir = str_of(m, "direction");
		cJSON *r = dir && strcmp(dir, "inbound") == 0 ? inbound_record(m) : NULL;
		if (r)
			cJSON_AddItemToArray(res->messages, r);
	}
	const char *next = str_of(j, "next_page_uri");
	res->next = next && *next ? xstrdup(next) : NULL;
	cJSON_Delete(j);
}

const struct provider_ops provider_twilio = {
	.name = "twilio",
	.from_key = "TWILIO_PHONE_NUMBER",
	.open = twilio_open,
	.close = twilio_close,
	.send_prepare = twilio_send,
	.send_parse = twilio_send_parse,
	.status_prepare = twilio_status,
	.status_parse = twilio_status_parse,
	.inbox_prepare = twilio_inbox,
	.inbox_parse = twilio_inbox_parse,
	.webhook = &twilio_webhooks,
};
