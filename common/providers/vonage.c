/* vonage — the Vonage driver's webhook side and what its sending side
 * (provider_vonage.c) shares with it: signatures, statuses, prices; see
 * vonage.h. */
#include "vonage.h"
#include "form.h"
#include "provider.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MAX_SKEW_S 300 /* the Java SDK's MAX_ALLOWABLE_TIME_DELTA */

static const EVP_MD *method_md(const char *m)
{
	if (strcmp(m, "md5hash") == 0 || strcmp(m, "md5") == 0)
		return EVP_md5();
	if (strcmp(m, "sha1") == 0)
		return EVP_sha1();
	if (strcmp(m, "sha256") == 0)
		return EVP_sha256();
	if (strcmp(m, "sha512") == 0)
		return EVP_sha512();
	return NULL;
}

int vonage_method_valid(const char *name) { return name && method_md(name) != NULL; }

static int pair_cmp(const void *a, const void *b)
{
	const struct form_pair *x = *(const struct form_pair *const *)a;
	const struct form_pair *y = *(const struct form_pair *const *)b;
	return strcmp(x->name, y->name);
}

static void put_clean(struct strbuf *b, const char *s)
{
	for (; *s; s++)
		strbuf_putc(b, *s == '&' || *s == '=' ? '_' : *s);
}

char *vonage_signature(const char *method, const char *secret, const struct form *params,
                       int drop_empty)
{
	const EVP_MD *md = method ? method_md(method) : NULL;
	if (!md || !secret)
		return NULL;
	const struct form_pair **v = xmalloc((params->n ? params->n : 1) * sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < params->n; i++) {
		const struct form_pair *p = &params->pairs[i];
		if (strcmp(p->name, "sig") == 0 || (drop_empty && !*p->value))
			continue;
		v[n++] = p;
	}
	qsort(v, n, sizeof *v, pair_cmp);
	struct strbuf s;
	strbuf_init(&s);
	strbuf_add(&s, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i - 1]->name, v[i]->name) == 0)
			continue; /* a repeated name is signed once, with its first value */
		strbuf_putc(&s, '&');
		put_clean(&s, v[i]->name);
		strbuf_putc(&s, '=');
		put_clean(&s, v[i]->value);
	}
	free(v);
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	int ok;
	if (strcmp(method, "md5hash") == 0) {
		strbuf_puts(&s, secret);
		ok = EVP_Digest(s.s, s.len, dg, &dlen, md, NULL) == 1;
		OPENSSL_cleanse(s.s, s.len); /* the secret was in it */
	} else {
		ok = HMAC(md, secret, (int)strlen(secret), (const unsigned char *)s.s, s.len, dg,
		          &dlen) != NULL;
	}
	strbuf_free(&s);
	if (!ok)
		return NULL;
	char *hex = xmalloc(dlen * 2 + 1);
	hex_lower(dg, dlen, hex);
	return hex;
}

/* Constant time in the length of a, case-insensitive for hex. */
static int hex_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (strlen(b) != n)
		return 0;
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(tolower((unsigned char)a[i]) ^ tolower((unsigned char)b[i]));
	return diff == 0;
}

int vonage_signature_check(const char *method, const char *secret, const struct form *params,
                           time_t now, char *why, size_t whylen)
{
	const char *sig = form_get(params, "sig"), *ts = form_get(params, "timestamp");
	if (!sig || !*sig) {
		snprintf(why, whylen, "the request is not signed (no sig parameter)");
		return -1;
	}
	long long t;
	if (!ts || parse_whole(ts, 99999999999LL, &t) != 0) {
		snprintf(why, whylen, "the signed request has no timestamp");
		return -1;
	}
	static const char *const all[] = {"md5hash", "md5", "sha1", "sha256", "sha512"};
	int match = 0;
	for (size_t i = 0; i < sizeof all / sizeof *all && !match; i++) {
		if (method && strcmp(method, all[i]) != 0)
			continue;
		if ((size_t)EVP_MD_get_size(method_md(all[i])) * 2 != strlen(sig))
			continue;
		for (int drop = 0; drop < 2 && !match; drop++) {
			char *want = vonage_signature(all[i], secret, params, drop);
			match = want && hex_equal(want, sig);
			free(want);
		}
	}
	if (!match) {
		snprintf(why, whylen, "the sig parameter does not match this request");
		return -1;
	}
	long long skew = (long long)now - t;
	if (skew > MAX_SKEW_S || skew < -MAX_SKEW_S) {
		snprintf(why, whylen, "the signed timestamp is %lld s away from now (at most %d)",
		         skew < 0 ? -skew : skew, MAX_SKEW_S);
		return -1;
	}
	return 0;
}

const char *vonage_spec_status(const char *dlr)
{
	static const struct {
		const char *vonage, *spec;
	} map[] = {
		{"delivered", "delivered"}, {"accepted", "sent"},     {"buffered", "sent"},
		{"expired", "undelivered"}, {"failed", "undelivered"}, {"unknown", "undelivered"},
		{"rejected", "failed"},     {"deleted", "failed"},
	};
	for (size_t i = 0; dlr && i < sizeof map / sizeof *map; i++)
		if (strcasecmp(dlr, map[i].vonage) == 0)
			return map[i].spec;
	return NULL;
}

int vonage_money(const char *s, money_t *out)
{
	char buf[64];
	if (!s || strlen(s) >= sizeof buf)
		return -1;
	snprintf(buf, sizeof buf, "%s", s);
	char *dot = strchr(buf, '.');
	if (dot && strlen(dot + 1) > 6)
		dot[7] = '\0';
	return money_parse(buf, out);
}

/* ---- Webhooks: inbound messages, delivery receipts (smskit-vonage(7)) ---------------- */

/* Vonage's delivery-receipt err-codes (doc/providers.md, Vonage delivery
 * receipts); the Reports API's error_code is the same number. */
static const struct delivery_code codes[] = {
	{1, "delivery_failed", "Unknown", 1},
	{2, "delivery_failed", "Absent Subscriber Temporary", 1},
	{3, "delivery_failed", "Absent Subscriber Permanent", 0},
	{4, "delivery_failed", "Call barred by user", 0},
	{5, "delivery_failed", "Portability Error", 0},
	{6, "filtered", "Anti-Spam Rejection", 0},
	{7, "delivery_failed", "Handset Busy", 1},
	{8, "delivery_failed", "Network Error", 1},
	{9, "opted_out", "Illegal Number (the recipient opted out)", 0},
	{10, "delivery_failed", "Invalid Message", 0},
	{11, "delivery_failed", "Unroutable", 0},
	{12, "delivery_failed", "Destination unreachable", 1},
	{13, "delivery_failed", "Subscriber Age Restriction", 0},
	{14, "delivery_failed", "Number Blocked by Carrier", 0},
	{15, "delivery_failed", "Pre-Paid insufficient funds", 1},
	{99, "delivery_failed", "General Error", 0},
};

static const struct delivery_codes delivery_codes = {codes, sizeof codes / sizeof *codes,
                                                     "Vonage delivery error", "vonage "};

struct vonage_webhooks {
	char *secret; /* VONAGE_SIGNATURE_SECRET, or NULL */
	char *secret2; /* VONAGE_SIGNATURE_SECRET_SECONDARY (a rotation), or NULL */
	char *method; /* VONAGE_SIGNATURE_METHOD, or NULL: any */
};

static int vonage_webhook_check(const struct sms_config *c, int verify, char *err, size_t errlen)
{
	const char *method = config_get(c, "VONAGE_SIGNATURE_METHOD");
	if (verify && !config_get(c, "VONAGE_SIGNATURE_SECRET")) {
		snprintf(err, errlen, "VONAGE_SIGNATURE_SECRET is not set: it is the key that signs "
		         "Vonage webhooks, needed to check them (ask Vonage to sign your webhooks; "
		         "for local experiments only, the daemon can be started with --no-verify)");
		return -1;
	}
	if (method && !vonage_method_valid(method)) {
		snprintf(err, errlen, "VONAGE_SIGNATURE_METHOD=%s: expected md5hash, md5, sha1, sha256 "
		         "or sha512", method);
		return -1;
	}
	return 0;
}

static void *vonage_webhook_open(const struct sms_config *c, int verify, char *err,
                                 size_t errlen)
{
	(void)verify, (void)err, (void)errlen;
	struct vonage_webhooks *v = xcalloc(1, sizeof *v);
	v->secret = xstrdup_or_null(config_get(c, "VONAGE_SIGNATURE_SECRET"));
	v->secret2 = xstrdup_or_null(config_get(c, "VONAGE_SIGNATURE_SECRET_SECONDARY"));
	v->method = xstrdup_or_null(config_get(c, "VONAGE_SIGNATURE_METHOD"));
	return v;
}

static void vonage_webhook_close(void *state)
{
	struct vonage_webhooks *v = state;
	free_secret(v->secret);
	free_secret(v->secret2);
	free(v->method);
	free(v);
}

/* 1 when the signature secret, or during a rotation the secondary one
 * (smskit-vonage(7)), signed the request; else 0 with the primary's reason. */
static int signed_by_a_secret(const struct vonage_webhooks *v, const struct form *f, time_t now,
                              char *why, size_t whylen)
{
	if (vonage_signature_check(v->method, v->secret, f, now, why, whylen) == 0)
		return 1;
	char why2[160];
	return v->secret2 &&
	       vonage_signature_check(v->method, v->secret2, f, now, why2, sizeof why2) == 0;
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

/* The query string of the URL Vonage called, without '?', or "". */
static const char *query_of(const char *url)
{
	const char *q = url ? strchr(url, '?') : NULL;
	return q ? q + 1 : "";
}

/* An inbound message; a part of a concatenated SMS (concat=true) is held
 * until every part came. */
static void read_inbound(const struct webhook_call *call, const struct form *f,
                         struct webhook_event *ev)
{
	ev->text = xstrdup_or_null(form_get(f, "text")); /* a part's own, for the triggers */
	provider_e164(form_get(f, "msisdn"), ev->from, sizeof ev->from);
	provider_e164(form_get(f, "to"), ev->to, sizeof ev->to);
	ev->record = provider_inbound_record(call, ev->from, ev->to, form_get(f, "text"),
	                                     form_get(f, "messageId"), NULL);
	const char *c = form_get(f, "concat"), *ref = form_get(f, "concat-ref");
	long long total, part;
	if (!c || strcmp(c, "true") != 0 || !ref ||
	    parse_whole(form_get(f, "concat-total") ? form_get(f, "concat-total") : "", 255, &total) ||
	    parse_whole(form_get(f, "concat-part") ? form_get(f, "concat-part") : "", 255, &part) ||
	    total < 2 || part < 1 || part > total)
		return;
	snprintf(ev->part_key, sizeof ev->part_key, "vonage.concat.%.40s.%.100s",
	         form_get(f, "msisdn"), ref);
	ev->part = part;
	ev->parts = total;
	ev->part_id = xstrdup(form_get(f, "messageId"));
	const char *text = form_get(f, "text");
	ev->part_text = xstrdup(text ? text : "");
}

/* A delivery receipt: found by messageId, or, for a later part of a long
 * message, by the client-ref the send gave it. */
static void read_status(const struct form *f, struct webhook_event *ev)
{
	ev->provider_id = xstrdup(form_get(f, "messageId"));
	ev->given = xstrdup(form_get(f, "status"));
	ev->status = vonage_spec_status(ev->given);
	const char *ref = form_get(f, "client-ref");
	if (ref && strncmp(ref, "smskit-", 7) == 0 &&
	    parse_whole(ref + 7, (long long)1 << 53, &ev->ref_id) == 0)
		ev->has_ref = 1;
	if (!ev->status)
		return;
	ev->fields = cJSON_CreateObject();
	money_t m;
	const char *price = form_get(f, "price");
	if (price && *price && vonage_money(price, &m) == 0) {
		char buf[32];
		money_format(m < 0 ? -m : m, buf);
		cJSON_AddStringToObject(ev->fields, "price", buf);
	}
	const char *ec = form_get(f, "err-code");
	long long code;
	if (ec && *ec && parse_whole(ec, 999999, &code) == 0 && code > 0 &&
	    strcmp(ev->status, "delivered") != 0) {
		/* 9: the recipient texted STOP (doc/providers.md, Vonage delivery receipts). */
		char to[40];
		provider_e164(form_get(f, "msisdn") ? form_get(f, "msisdn") : "", to, sizeof to);
		ev->error_code = (long)code;
		ev->error_to = xstrdup(to);
	}
}

/* Vonage calls with GET or POST, as its dashboard says; POST bodies are forms
 * or JSON. */
static int vonage_webhook_parse(void *state, const struct webhook_call *call,
                                struct webhook_event *ev, char *why, size_t whylen)
{
	struct vonage_webhooks *v = state;
	struct form f = {0};
	char err[256];
	int rc;
	if (strcmp(call->method, "GET") == 0) {
		const char *q = query_of(call->url);
		rc = form_parse(q, strlen(q), &f, err, sizeof err);
	} else if (looks_json(call->body, call->body_len)) {
		rc = json_form(call->body, call->body_len, &f, err, sizeof err);
	} else {
		rc = form_parse(call->body, call->body_len, &f, err, sizeof err);
	}
	if (rc != 0) {
		form_free(&f);
		snprintf(why, whylen, "malformed parameters: %s", err);
		return 400;
	}
	char sigwhy[160];
	const char *id = form_get(&f, "messageId");
	rc = 400;
	if (form_get(&f, "MessageSid") || form_get(&f, "SmsSid")) {
		snprintf(why, whylen, "a Twilio webhook, but SMS_PROVIDER is vonage");
	} else if (call->verify && !signed_by_a_secret(v, &f, call->now, sigwhy, sizeof sigwhy)) {
		snprintf(why, whylen, "%s", sigwhy);
		rc = 403;
	} else if (!id || !*id) {
		snprintf(why, whylen, "messageId is missing");
	} else if (call->route == WEBHOOK_INBOUND && !(form_get(&f, "msisdn") && form_get(&f, "to"))) {
		snprintf(why, whylen, "msisdn and to are required");
	} else if (call->route == WEBHOOK_STATUS && !form_get(&f, "status")) {
		snprintf(why, whylen, "status is missing");
	} else {
		rc = 0;
		ev->params = form_to_json(&f);
		if (call->route == WEBHOOK_INBOUND) {
			read_inbound(call, &f, ev);
		} else {
			read_status(&f, ev);
		}
	}
	form_free(&f);
	return rc;
}

const struct webhook_ops vonage_webhooks = {
	.name = "vonage",
	.delivery = &delivery_codes,
	.allow = "GET, POST",
	.check = vonage_webhook_check,
	.open = vonage_webhook_open,
	.close = vonage_webhook_close,
	.parse = vonage_webhook_parse,
};
