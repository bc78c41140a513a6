/* twilio_webhook — the Twilio driver's webhook side (provider_twilio.c is
 * its sending side): X-Twilio-Signature (signature.h), Twilio's form
 * parameters read into the inbound record or status change, and the TwiML
 * answer. The sandbox driver's webhooks are Twilio's (twilio.h). */
#include "signature.h"
#include "twilio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "form.h"
#include "price.h"
#include "provider.h"
#include "util.h"

#define SIG_LEN 28 /* base64 of a 20-byte SHA-1 digest */

static int pair_cmp(const void *a, const void *b)
{
	const struct form_pair *x = *(const struct form_pair *const *)a;
	const struct form_pair *y = *(const struct form_pair *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

/* The parameter part of the signed string: name+value in name order, each name's
 * values de-duplicated and sorted. */
static void params_string(const struct form *params, struct strbuf *b)
{
	if (!params || params->n == 0)
		return;
	const struct form_pair **v = xmalloc(params->n * sizeof *v);
	for (size_t i = 0; i < params->n; i++)
		v[i] = &params->pairs[i];
	qsort(v, params->n, sizeof *v, pair_cmp);
	for (size_t i = 0; i < params->n; i++) {
		if (i > 0 && pair_cmp(&v[i - 1], &v[i]) == 0)
			continue;
		strbuf_puts(b, v[i]->name);
		strbuf_puts(b, v[i]->value);
	}
	free(v);
}

/* Writes the base64 signature of url+ps into out[SIG_LEN + 1]; 0 or -1. */
static int sign(const char *token, const char *url, size_t urllen, const char *ps, size_t pslen,
                char out[SIG_LEN + 1])
{
	struct strbuf m;
	strbuf_init(&m);
	strbuf_add(&m, url, urllen);
	strbuf_add(&m, ps, pslen);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const unsigned char *r = HMAC(EVP_sha1(), token, (int)strlen(token),
	                              (const unsigned char *)(m.s ? m.s : ""), m.len, md, &mdlen);
	strbuf_free(&m);
	if (!r || mdlen != 20)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	out[SIG_LEN] = '\0';
	return 0;
}

char *twilio_signature(const char *auth_token, const char *url, const struct form *params)
{
	struct strbuf ps;
	strbuf_init(&ps);
	params_string(params, &ps);
	char sig[SIG_LEN + 1];
	int rc = sign(auth_token, url, strlen(url), ps.s ? ps.s : "", ps.len, sig);
	strbuf_free(&ps);
	return rc == 0 ? xstrdup(sig) : NULL;
}

/* Where url's port sits: [*pstart, *pend) is ":PORT" (empty when there is none, both
 * then at the end of the host). Returns the default port for the scheme ("443",
 * "80") or NULL for another scheme or a URL without "scheme://". */
static const char *find_port(const char *url, size_t *pstart, size_t *pend)
{
	const char *dflt;
	size_t i;
	if (strncasecmp(url, "https://", 8) == 0) {
		dflt = "443";
		i = 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		dflt = "80";
		i = 7;
	} else {
		return NULL;
	}
	size_t alen = strcspn(url + i, "/?#");
	const char *auth = url + i;
	/* userinfo ends at the last '@' of the authority */
	size_t h = 0;
	for (size_t k = 0; k < alen; k++)
		if (auth[k] == '@')
			h = k + 1;
	size_t hostend = alen;
	if (auth[h] == '[') { /* IPv6 literal: a port can only follow ']' */
		const char *rb = memchr(auth + h, ']', alen - h);
		hostend = rb ? (size_t)(rb - auth) + 1 : alen;
		if (hostend < alen && auth[hostend] != ':')
			hostend = alen;
	} else {
		const char *colon = memchr(auth + h, ':', alen - h);
		if (colon)
			hostend = (size_t)(colon - auth);
	}
	*pstart = i + hostend;
	*pend = i + alen;
	return dflt;
}

int twilio_signature_valid(const char *auth_token, const char *url, const struct form *params,
                           const char *header)
{
	if (!auth_token || !*auth_token || !url || !header || !*header)
		return 0;
	size_t hlen = strlen(header);
	struct strbuf ps;
	strbuf_init(&ps);
	params_string(params, &ps);
	const char *p = ps.s ? ps.s : "";
	char sig[SIG_LEN + 1];
	int ok = 0;

	/* the URL as given */
	if (sign(auth_token, url, strlen(url), p, ps.len, sig) == 0 && hlen == SIG_LEN)
		ok |= CRYPTO_memcmp(sig, header, SIG_LEN) == 0;

	size_t ps0 = 0, pe = 0;
	const char *dflt = find_port(url, &ps0, &pe);
	if (dflt) {
		struct strbuf u;
		strbuf_init(&u);
		strbuf_add(&u, url, ps0);
		if (pe > ps0) { /* has a port: try without it */
			strbuf_puts(&u, url + pe);
		} else { /* no port: try with the default one */
			strbuf_putc(&u, ':');
			strbuf_puts(&u, dflt);
			strbuf_puts(&u, url + ps0);
		}
		if (sign(auth_token, u.s, u.len, p, ps.len, sig) == 0 && hlen == SIG_LEN)
			ok |= CRYPTO_memcmp(sig, header, SIG_LEN) == 0;
		strbuf_free(&u);
	}
	strbuf_free(&ps);
	return ok;
}

/* ---- Webhooks (sms-webhookd(1); smskit(7) for the records) ---------------------------- */

int twilio_webhook_check(const struct sms_config *c, int verify, char *err, size_t errlen)
{
	if (verify && !config_get(c, "TWILIO_AUTH_TOKEN")) {
		snprintf(err, errlen, "TWILIO_AUTH_TOKEN is not set: it is the key that signs Twilio "
		         "webhooks, needed to check them (for local experiments only, the daemon "
		         "can be started with --no-verify)");
		return -1;
	}
	return 0;
}

/* The state: the key that signs, or NULL. */
static void *twilio_webhook_open(const struct sms_config *c, int verify, char *err,
                                 size_t errlen)
{
	(void)verify, (void)err, (void)errlen;
	const char *t = config_get(c, "TWILIO_AUTH_TOKEN");
	return xstrdup(t ? t : "");
}

void twilio_webhook_close(void *state) { free_secret(state); }

/* Twilio's delivery errors in a few words, and which of them may succeed on a
 * later try (doc/providers.md, Twilio delivery error codes). */
static const struct delivery_code codes[] = {
	{30001, "delivery_failed", "queue overflow", 1},
	{30002, "delivery_failed", "account suspended", 0},
	{30003, "delivery_failed", "unreachable handset", 1},
	{30004, "delivery_failed", "blocked", 0},
	{30005, "delivery_failed", "unknown handset", 0},
	{30006, "delivery_failed", "landline or unreachable carrier", 0},
	{30007, "filtered", "filtered", 0},
	{30008, "delivery_failed", "unknown error", 1},
	{30017, "delivery_failed", "carrier network congestion", 1},
	{30022, "delivery_failed", "10DLC rate limit exceeded", 1},
	{30032, "delivery_failed", "toll-free number not verified", 0},
	{30034, "delivery_failed", "unregistered 10DLC number", 0},
	{30410, "delivery_failed", "provider timeout", 1},
	{21610, "opted_out", "recipient opted out", 0},
};

const struct delivery_codes twilio_delivery_codes = {codes, sizeof codes / sizeof *codes,
                                                     "delivery error", ""};

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

/* The inbound message: MediaUrl0, MediaUrl1, ... as long as they go (NumMedia
 * says the same; the URLs themselves are what is kept). */
static void read_inbound(const struct webhook_call *call, const struct form *f, const char *sid,
                         struct webhook_event *ev)
{
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
	ev->record = provider_inbound_record(call, form_get(f, "From"), form_get(f, "To"),
	                                     form_get(f, "Body"), sid, media);
	ev->opt_out_type = xstrdup_or_null(form_get(f, "OptOutType"));
	ev->text = xstrdup_or_null(form_get(f, "Body"));
}

static void read_status(const struct form *f, const char *sid, struct webhook_event *ev)
{
	const char *given = form_get(f, "MessageStatus");
	if (!given)
		given = form_get(f, "SmsStatus");
	ev->provider_id = xstrdup(sid);
	ev->given = xstrdup(given);
	ev->status = spec_status(given);
	if (!ev->status)
		return;
	ev->fields = cJSON_CreateObject();
	const char *price = form_get(f, "Price"), *unit = form_get(f, "PriceUnit");
	money_t m;
	if (price && *price && money_parse(price, &m) == 0)
		cJSON_AddStringToObject(ev->fields, "price", price);
	if (unit && strlen(unit) == 3)
		cJSON_AddStringToObject(ev->fields, "currency", unit);
	const char *ec = form_get(f, "ErrorCode");
	long long code;
	if (ec && *ec && parse_whole(ec, 999999999, &code) == 0 && code > 0) {
		/* 21610: the recipient texted STOP to this sender (smskit-compliance(7)). */
		ev->error_code = (long)code;
		ev->error_message = xstrdup_or_null(form_get(f, "ErrorMessage"));
		ev->error_to = xstrdup_or_null(form_get(f, "To"));
	}
}

int twilio_webhook_parse(void *state, const struct webhook_call *call, struct webhook_event *ev,
                         char *why, size_t whylen)
{
	struct form f = {0};
	char err[256];
	int rc = 0;
	if (form_parse(call->body, call->body_len, &f, err, sizeof err) != 0) {
		snprintf(why, whylen, "malformed form body: %s", err);
		return 400;
	}
	const char *sid = form_get(&f, "MessageSid");
	if (!sid)
		sid = form_get(&f, "SmsSid");
	if (call->verify && !twilio_signature_valid(state, call->url, &f, call->signature)) {
		/* Changes nothing, and says little: a forger learns no more than no. */
		snprintf(why, whylen, "%s", call->signature && *call->signature
		                                    ? "the X-Twilio-Signature does not match this request"
		                                    : "the request is not signed (X-Twilio-Signature)");
		rc = 403;
	} else if (!sid || !*sid) {
		snprintf(why, whylen, "MessageSid is missing");
		rc = 400;
	} else if (call->route == WEBHOOK_INBOUND && !(form_get(&f, "From") && form_get(&f, "To"))) {
		snprintf(why, whylen, "From and To are required");
		rc = 400;
	} else if (call->route == WEBHOOK_STATUS && !form_get(&f, "MessageStatus") &&
	           !form_get(&f, "SmsStatus")) {
		snprintf(why, whylen, "MessageStatus is missing");
		rc = 400;
	} else {
		ev->params = form_to_json(&f);
		if (call->route == WEBHOOK_INBOUND)
			read_inbound(call, &f, sid, ev);
		else
			read_status(&f, sid, ev);
	}
	form_free(&f);
	return rc;
}

char *twilio_webhook_answer(const char *reply, const char **content_type)
{
	*content_type = "text/xml; charset=utf-8";
	struct strbuf b;
	strbuf_init(&b);
	strbuf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
	if (!reply) {
		strbuf_puts(&b, "<Response/>");
		return strbuf_detach(&b);
	}
	strbuf_puts(&b, "<Response><Message>");
	for (const char *p = reply; *p; p++) {
		switch (*p) {
		case '&': strbuf_puts(&b, "&amp;"); break;
		case '<': strbuf_puts(&b, "&lt;"); break;
		case '>': strbuf_puts(&b, "&gt;"); break;
		case '"': strbuf_puts(&b, "&quot;"); break;
		case '\'': strbuf_puts(&b, "&apos;"); break;
		default: strbuf_putc(&b, *p);
		}
	}
	strbuf_puts(&b, "</Message></Response>");
	return strbuf_detach(&b);
}

const struct webhook_ops twilio_webhooks = {
	.name = "twilio",
	.delivery = &twilio_delivery_codes,
	.allow = "POST",
	.signature_header = "X-Twilio-Signature",
	.check = twilio_webhook_check,
	.open = twilio_webhook_open,
	.close = twilio_webhook_close,
	.parse = twilio_webhook_parse,
	.answer = twilio_webhook_answer,
};
