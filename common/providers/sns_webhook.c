/* sns_webhook — the SNS driver's webhook side (provider_sns.c is its sending
 * side): SNS messages posted to sms-webhookd (smskit-sns(7)), their
 * signatures checked offline; see sns_sig.h. */
#include "form.h"
#include "provider.h"
#include "sns_sig.h"
#include "util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct sns_cert {
	EVP_PKEY *key;
};

struct sns_cert *sns_cert_load(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "SNS_SIGNING_CERT %s: cannot be read", path);
		return NULL;
	}
	X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	EVP_PKEY *k = x ? X509_get_pubkey(x) : NULL;
	X509_free(x);
	if (!k) {
		snprintf(err, errlen, "SNS_SIGNING_CERT %s: not a PEM certificate", path);
		return NULL;
	}
	struct sns_cert *c = xcalloc(1, sizeof *c);
	c->key = k;
	return c;
}

void sns_cert_free(struct sns_cert *c)
{
	if (!c)
		return;
	EVP_PKEY_free(c->key);
	free(c);
}

static const char *str(const cJSON *m, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, k));
}

char *sns_string_to_sign(const cJSON *msg)
{
	static const char *const notification[] = {"Message", "MessageId", "Subject", "Timestamp",
	                                           "TopicArn", "Type", NULL};
	static const char *const subscription[] = {"Message", "MessageId", "SubscribeURL",
	                                           "Timestamp", "Token", "TopicArn", "Type", NULL};
	const char *type = str(msg, "Type");
	if (!type)
		return NULL;
	const char *const *keys = strcmp(type, "Notification") == 0 ? notification : subscription;
	struct strbuf b;
	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	for (; *keys; keys++) {
		const char *v = str(msg, *keys);
		if (!v) {
			if (strcmp(*keys, "Subject") == 0)
				continue; /* only when the message has one */
			strbuf_free(&b);
			return NULL;
		}
		strbuf_printf(&b, "%s\n%s\n", *keys, v);
	}
	return strbuf_detach(&b);
}

int sns_signature_check(const struct sns_cert *c, const cJSON *msg, char *why, size_t whylen)
{
	const char *ver = str(msg, "SignatureVersion"), *sig64 = str(msg, "Signature");
	const EVP_MD *md = ver && strcmp(ver, "1") == 0   ? EVP_sha1()
	                   : ver && strcmp(ver, "2") == 0 ? EVP_sha256()
	                                                  : NULL;
	if (!md || !sig64 || !*sig64) {
		snprintf(why, whylen, "the message is not signed (SignatureVersion 1 or 2)");
		return -1;
	}
	char *s = sns_string_to_sign(msg);
	if (!s) {
		snprintf(why, whylen, "the message lacks a field SNS signs");
		return -1;
	}
	size_t n64 = strlen(sig64);
	unsigned char *sig = xmalloc(n64 / 4 * 3 + 3);
	int n = EVP_DecodeBlock(sig, (const unsigned char *)sig64, (int)n64);
	if (n > 0 && n64 >= 2 && sig64[n64 - 1] == '=')
		n -= sig64[n64 - 2] == '=' ? 2 : 1;
	int ok = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (n > 0 && ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, c->key) == 1)
		ok = EVP_DigestVerify(ctx, sig, (size_t)n, (const unsigned char *)s, strlen(s)) == 1;
	EVP_MD_CTX_free(ctx);
	free(sig);
	free(s);
	if (!ok) {
		snprintf(why, whylen, "the message's Signature does not verify with SNS_SIGNING_CERT");
		return -1;
	}
	return 0;
}

/* ---- Webhooks: inbound SMS and subscription messages (smskit-sns(7)) ------------------ */

struct sns_webhooks {
	char            *token;  /* SNS_WEBHOOK_SECRET, or NULL */
	char            *topics; /* SNS_TOPIC_ARN: allowed topics, comma-separated, or NULL */
	struct sns_cert *cert;   /* SNS_SIGNING_CERT, or NULL */
};

static int sns_webhook_check(const struct sms_config *c, int verify, char *err, size_t errlen)
{
	if (verify && !config_get(c, "SNS_WEBHOOK_SECRET")) {
		snprintf(err, errlen, "SNS_WEBHOOK_SECRET is not set: SNS subscriptions must post "
		         "to a URL carrying ?token=SNS_WEBHOOK_SECRET (see smskit-sns(7); for local "
		         "experiments only, the daemon can be started with --no-verify)");
		return -1;
	}
	return 0;
}

static void *sns_webhook_open(const struct sms_config *c, int verify, char *err, size_t errlen)
{
	(void)verify;
	const char *cert = config_get(c, "SNS_SIGNING_CERT");
	struct sns_cert *sc = NULL;
	if (cert && !(sc = sns_cert_load(cert, err, errlen)))
		return NULL;
	struct sns_webhooks *s = xcalloc(1, sizeof *s);
	s->token = xstrdup_or_null(config_get(c, "SNS_WEBHOOK_SECRET"));
	s->topics = xstrdup_or_null(config_get(c, "SNS_TOPIC_ARN"));
	s->cert = sc;
	return s;
}

static void sns_webhook_close(void *state)
{
	struct sns_webhooks *s = state;
	free_secret(s->token);
	free(s->topics);
	sns_cert_free(s->cert);
	free(s);
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

/* The URL's token, then the signature when a certificate is configured. */
static int verified(const struct sns_webhooks *s, const struct webhook_call *call,
                    const cJSON *m, char *why, size_t whylen)
{
	struct form q = {0};
	char err[160];
	const char *qs = call->url ? strchr(call->url, '?') : NULL;
	qs = qs ? qs + 1 : "";
	const char *tok = form_parse(qs, strlen(qs), &q, err, sizeof err) == 0
	                          ? form_get(&q, "token")
	                          : NULL;
	size_t n = strlen(s->token);
	int ok = tok && strlen(tok) == n && CRYPTO_memcmp(tok, s->token, n) == 0;
	form_free(&q);
	if (!ok) {
		snprintf(why, whylen, "the URL's token is not SNS_WEBHOOK_SECRET");
		return 0;
	}
	if (s->cert && sns_signature_check(s->cert, m, err, sizeof err) != 0) {
		snprintf(why, whylen, "%s", err);
		return 0;
	}
	return 1;
}

/* SubscriptionConfirmation, UnsubscribeConfirmation: logged, never followed. */
static void read_notice(cJSON *m, const char *type, struct webhook_event *ev)
{
	ev->params = m;
	cJSON_AddStringToObject(m, "outcome", "logged: confirm a subscription by opening its "
	                                      "SubscribeURL");
	const char *url = str(m, "SubscribeURL");
	int confirm = url && strcmp(type, "SubscriptionConfirmation") == 0;
	struct strbuf b;
	strbuf_init(&b);
	strbuf_printf(&b, "SNS %s for %s%s%s", type, str(m, "TopicArn"),
	              confirm ? ": confirm the subscription by opening its SubscribeURL: " : "",
	              confirm ? url : "");
	ev->notice_log = strbuf_detach(&b);
	strbuf_init(&b);
	strbuf_printf(&b, "%s logged", type);
	ev->notice = strbuf_detach(&b);
}

/* An SNS message: the URL's token, the topic, the signature when a
 * certificate is configured; a Notification must carry an inbound SMS (AWS
 * End User Messaging's JSON in Message). */
static int sns_webhook_parse(void *state, const struct webhook_call *call,
                             struct webhook_event *ev, char *why, size_t whylen)
{
	struct sns_webhooks *s = state;
	if (call->route == WEBHOOK_STATUS) {
		snprintf(why, whylen, "SNS sends no delivery receipts to webhooks: /sms/status is "
		         "not used with SMS_PROVIDER=sns");
		return 404;
	}
	cJSON *m = cJSON_ParseWithLength(call->body, call->body_len);
	const char *type = str(m, "Type");
	if (!cJSON_IsObject(m) || !type || !str(m, "TopicArn") || !str(m, "MessageId")) {
		cJSON_Delete(m);
		snprintf(why, whylen, "not an SNS message (a JSON object with Type, MessageId and "
		         "TopicArn)");
		return 400;
	}
	int rc = 0;
	cJSON *sms = NULL;
	if (call->verify && !verified(s, call, m, why, whylen)) {
		rc = 403;
	} else if (s->topics && !topic_allowed(s->topics, str(m, "TopicArn"))) {
		snprintf(why, whylen, "topic %.200s is not in SNS_TOPIC_ARN", str(m, "TopicArn"));
		rc = 403;
	} else if (strcmp(type, "SubscriptionConfirmation") == 0 ||
	           strcmp(type, "UnsubscribeConfirmation") == 0) {
		read_notice(m, type, ev);
		return 0;
	} else if (strcmp(type, "Notification") != 0) {
		snprintf(why, whylen, "SNS message type %.40s is not one smskit takes", type);
		rc = 400;
	} else if (!str(m, "Message") || !cJSON_IsObject(sms = cJSON_Parse(str(m, "Message"))) ||
	           !str(sms, "originationNumber") || !str(sms, "destinationNumber")) {
		cJSON_Delete(sms);
		snprintf(why, whylen, "the notification is not an inbound SMS (its Message needs "
		         "originationNumber and destinationNumber)");
		rc = 400;
	}
	if (rc) {
		cJSON_Delete(m);
		return rc;
	}
	/* Kept inside the message, parsed, for the event log. */
	cJSON_ReplaceItemInObjectCaseSensitive(m, "Message", sms);
	const char *id = str(sms, "inboundMessageId");
	provider_e164(str(sms, "originationNumber"), ev->from, sizeof ev->from);
	provider_e164(str(sms, "destinationNumber"), ev->to, sizeof ev->to);
	ev->record = provider_inbound_record(call, ev->from, ev->to, str(sms, "messageBody"),
	                                     id && *id ? id : str(m, "MessageId"), NULL);
	ev->text = xstrdup_or_null(str(sms, "messageBody"));
	ev->params = m;
	return 0;
}

const struct webhook_ops sns_webhooks = {
	.name = "sns",
	.allow = "POST",
	.check = sns_webhook_check,
	.open = sns_webhook_open,
	.close = sns_webhook_close,
	.parse = sns_webhook_parse,
};
