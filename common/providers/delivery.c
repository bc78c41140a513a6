/* delivery — provider delivery errors in words, by the tables of the
 * drivers (provider.h); see delivery.h. */
#include "delivery.h"
#include "provider.h"

#include <stdio.h>
#include <string.h>

static const struct delivery_codes *table_of(const char *provider)
{
	const struct webhook_ops *w = provider_webhook_find(provider);
	return w && w->delivery ? w->delivery : twilio_webhooks.delivery;
}

static const struct delivery_code *find(const struct delivery_codes *t, long code)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->codes[i].code == code)
			return &t->codes[i];
	return NULL;
}

void delivery_error_fields(cJSON *fields, const char *provider, const char *status, long code,
                           const char *message)
{
	const struct delivery_codes *t = table_of(provider);
	const struct delivery_code *d = find(t, code);
	const char *words = message && *message ? message : d ? d->words : t->unknown;
	char msg[400], reason[512];
	snprintf(msg, sizeof msg, "%s (%ld)", words, code);
	cJSON *err = cJSON_CreateObject();
	cJSON_AddStringToObject(err, "code", d ? d->spec : "delivery_failed");
	cJSON_AddStringToObject(err, "message", msg);
	cJSON_AddNumberToObject(err, "provider_code", (double)code);
	cJSON_AddBoolToObject(err, "retryable", d ? d->retryable : 0);
	cJSON_DeleteItemFromObjectCaseSensitive(fields, "error");
	cJSON_AddItemToObject(fields, "error", err);
	snprintf(reason, sizeof reason, "%s: %ld %s",
	         status && strcmp(status, "undelivered") == 0 ? "carrier rejected" : "failed", code,
	         words);
	cJSON_DeleteItemFromObjectCaseSensitive(fields, "reason");
	cJSON_AddStringToObject(fields, "reason", reason);
}

int delivery_opted_out(const char *provider, long code, char *source, size_t len)
{
	const struct delivery_codes *t = table_of(provider);
	const struct delivery_code *d = find(t, code);
	if (!d || strcmp(d->spec, "opted_out") != 0)
		return 0;
	snprintf(source, len, "provider %s%ld", t->who, code);
	return 1;
}
