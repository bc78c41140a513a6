/* provider_webhook — the table of the drivers' webhook sides, and what they
 * share; see provider.h. Apart from provider.c, so that sms-webhookd links
 * no driver's sending side (nor libcurl). */
#include "clock.h"
#include "provider.h"
#include "records.h"
#include "signature.h"
#include "util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEBHOOKS(name) &name##_webhooks,
static const struct webhook_ops *const all[] = {PROVIDER_DRIVERS(WEBHOOKS)};
#undef WEBHOOKS

void provider_names(char *buf, size_t len)
{
	size_t n = sizeof all / sizeof *all, at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " and ",
		                       all[i]->name);
}

const struct webhook_ops *provider_webhook_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof all / sizeof *all; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

const struct webhook_ops *provider_webhook_driver(const struct sms_config *c, char *err,
                                                  size_t errlen)
{
	const char *name = config_get(c, "SMS_PROVIDER");
	if (!name)
		name = "twilio";
	const struct webhook_ops *ops = provider_webhook_find(name);
	if (ops)
		return ops;
	char names[128];
	provider_names(names, sizeof names);
	snprintf(err, errlen, "SMS_PROVIDER=%s: sms-webhookd understands %s webhooks", name, names);
	return NULL;
}

void webhook_event_free(struct webhook_event *ev)
{
	cJSON_Delete(ev->params);
	cJSON_Delete(ev->record);
	free(ev->opt_out_type);
	free(ev->text);
	free(ev->part_id);
	free(ev->part_text);
	free(ev->provider_id);
	free(ev->given);
	cJSON_Delete(ev->fields);
	free(ev->error_message);
	free(ev->error_to);
	free(ev->notice);
	free(ev->notice_log);
	memset(ev, 0, sizeof *ev);
}

cJSON *provider_inbound_record(const struct webhook_call *call, const char *from, const char *to,
                               const char *body, const char *id, cJSON *media)
{
	cJSON *r = cJSON_CreateObject();
	rec_put_str(r, "direction", "inbound");
	rec_put_str(r, "status", "received");
	rec_put_str(r, "to", to);
	rec_put_str(r, "from", from);
	rec_put_str(r, "body", body ? body : "");
	rec_put(r, "media", media ? media : cJSON_CreateArray());
	rec_put_str(r, "provider", call->provider);
	rec_put_str(r, "provider_id", id);
	char now[24];
	clock_format(call->now, now, sizeof now);
	rec_put_str(r, "created_at", now);
	return r;
}

void provider_e164(const char *in, char *out, size_t outlen)
{
	size_t n = strlen(in);
	if (n >= 1 && n <= 15 && strspn(in, "0123456789") == n)
		snprintf(out, outlen, "+%s", in);
	else
		snprintf(out, outlen, "%s", in);
}

void signature_lib_init(void)
{
	/* Without the legacy tables of every cipher and digest name, the first
	 * fetch (HMAC's) has no old names to copy: half of a CGI request's
	 * instructions (callgrind). The providers still know every algorithm. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
	                        OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS,
	                    NULL);
}
