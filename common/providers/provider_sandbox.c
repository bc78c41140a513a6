/* provider_sandbox — the sandbox driver: a provider with no account and no
 * network, for trying the whole flow. It behaves like Twilio's test
 * credentials: the magic numbers of smskit-twilio(7) give Twilio's errors;
 * every other send is queued, then moves to sent and delivered on later
 * status queries. It imitates Twilio's WhatsApp too (smskit-whatsapp(7)): the
 * sender from TWILIO_WHATSAPP_NUMBER, else Twilio's sandbox number; the
 * 24-hour window is the sender's to check, from the store, as for Twilio;
 * a template goes out; and whatsapp:+15005550016 answers a free-form
 * message with 63016, as Twilio does when its window is closed though the
 * store's is open, and whatsapp:+15005550017 any template with 21655. Its webhooks are Twilio's (twilio.h), signed with the
 * sandbox's own key (sandbox_key.h) when there is no Twilio account. It is
 * the worked example of doc/providers-driver.md. */
#include "provider.h"
#include "sandbox_key.h"
#include "twilio.h"
#include "util.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

struct magic {
	const char *number;
	long        code;
	const char *spec_code;
	const char *message;
	int         retryable;
};

static const struct magic magic_to[] = {
	{"+15005550001", 21211, "invalid_number", "The 'To' number is not a valid phone number", 0},
	{"+15005550002", 21612, "unroutable", "The 'To' phone number is not currently reachable via SMS", 0},
	{"+15005550003", 21408, "no_permission", "Permission to send an SMS has not been enabled for the region indicated by the 'To' number", 0},
	{"+15005550004", 21610, "opted_out", "Attempt to send to unsubscribed recipient", 0},
	{"+15005550009", 21614, "not_sms_capable", "'To' number is not a valid mobile number", 0},
};

static const struct magic magic_from[] = {
	{"+15005550001", 21212, "invalid_from", "The 'From' number is not a valid phone number", 0},
	{"+15005550007", 21606, "invalid_from", "The 'From' phone number provided is not a valid message-capable phone number for this destination", 0},
	{"+15005550008", 21611, "queue_full", "This 'From' number has exceeded the maximum number of queued messages", 1},
};

static int sandbox_open(struct provider *p, const struct sms_config *c, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	p->default_from = config_get_or(c, "TWILIO_PHONE_NUMBER", "+15005550006");
	/* Twilio's own WhatsApp sandbox number, which anyone may join. */
	p->whatsapp_from = config_get_or(c, "TWILIO_WHATSAPP_NUMBER", "whatsapp:+14155238886");
	return 0;
}

static void sandbox_close(struct provider *p) { (void)p; }

static int reject(const struct magic *m, size_t n, const char *number, struct send_result *res)
{
	for (size_t i = 0; number && i < n; i++) {
		if (strcmp(m[i].number, number) != 0)
			continue;
		res->outcome = SEND_REJECTED;
		res->code = m[i].spec_code;
		res->provider_code = m[i].code;
		res->retryable = m[i].retryable;
		res->exit_hint = 1;
		snprintf(res->message, sizeof res->message, "%s (%ld)", m[i].message, m[i].code);
		return 1;
	}
	return 0;
}

/* WhatsApp's magic recipients: by what the message is (a template or not). */
static const struct magic magic_wa_freeform[] = {
	{"whatsapp:+15005550016", 63016, "outside_window", "Failed to send freeform message "
	 "because you are outside the allowed window. If you are using WhatsApp, please use a "
	 "Message Template.", 0},
};
static const struct magic magic_wa_template[] = {
	{"whatsapp:+15005550017", 21655, "invalid_field", "The ContentSid is Invalid.", 0},
};

static int sandbox_send(struct provider *p, const struct send_request *m, struct http_request *req,
                        struct send_result *res)
{
	(void)req;
	const char *from = m->from ? m->from : provider_default_from(p, m->channel);
	if (reject(magic_from, sizeof magic_from / sizeof *magic_from, from, res) ||
	    reject(magic_to, sizeof magic_to / sizeof *magic_to, m->to, res))
		return 1;
	if (m->content_sid ? reject(magic_wa_template, 1, m->to, res)
	                   : reject(magic_wa_freeform, 1, m->to, res))
		return 1;
	unsigned char id[16];
	if (RAND_bytes(id, sizeof id) != 1)
		memset(id, 0, sizeof id);
	memcpy(res->provider_id, m->nmedia ? "MM" : "SM", 2);
	hex_lower(id, sizeof id, res->provider_id + 2);
	res->outcome = SEND_ACCEPTED;
	snprintf(res->status, sizeof res->status, "queued");
	snprintf(res->from, sizeof res->from, "%s", from ? from : "");
	return 1;
}

static void sandbox_send_parse(struct provider *p, const struct http_response *resp,
                               struct send_result *res)
{
	(void)p;
	(void)resp;
	(void)res; /* never called: the sandbox answers in send_prepare */
}

static int sandbox_status(struct provider *p, const char *provider_id, const char *current,
                          struct http_request *req, struct status_result *res)
{
	(void)p;
	(void)provider_id;
	(void)req;
	res->ok = 1;
	const char *next = current;
	if (strcmp(current, "queued") == 0 || strcmp(current, "scheduled") == 0 ||
	    strcmp(current, "unknown") == 0)
		next = "sent";
	else if (strcmp(current, "sent") == 0)
		next = "delivered";
	snprintf(res->status, sizeof res->status, "%s", next);
	return 1;
}

static void sandbox_status_parse(struct provider *p, const struct http_response *resp,
                                 struct status_result *res)
{
	(void)p;
	(void)resp;
	(void)res;
}

/* The key that signs the sandbox's webhooks: without TWILIO_AUTH_TOKEN, one
 * of its own beside the store, the one sms-sandbox signs with; verified all
 * the same. */
static void *sandbox_webhook_open(const struct sms_config *c, int verify, char *err,
                                  size_t errlen)
{
	const char *t = config_get(c, "TWILIO_AUTH_TOKEN");
	char *key = verify ? sandbox_key_get(c, err, errlen) : xstrdup(t ? t : "");
	return key ? twilio_webhook_keys(key, NULL) : NULL;
}

const struct webhook_ops sandbox_webhooks = {
	.name = "sandbox",
	.delivery = &twilio_delivery_codes, /* it imitates Twilio's */
	.allow = "POST",
	.signature_header = "X-Twilio-Signature",
	.open = sandbox_webhook_open,
	.close = twilio_webhook_close,
	.parse = twilio_webhook_parse,
	.answer = twilio_webhook_answer,
};

const struct provider_ops provider_sandbox = {
	.name = "sandbox",
	.from_key = "TWILIO_PHONE_NUMBER",
	.open = sandbox_open,
	.close = sandbox_close,
	.send_prepare = sandbox_send,
	.send_parse = sandbox_send_parse,
	.status_prepare = sandbox_status,
	.status_parse = sandbox_status_parse,
	.webhook = &sandbox_webhooks,
};
