/* delivery — what a provider's delivery error means to a person: Twilio's
 * 30xxx codes (PROVIDERS.md 2.2) turned into the SPEC 5 error object and the
 * `reason` sentence. Shared by sms-status --sync and sms-webhookd's status
 * callbacks, so both store the same words for the same code. No state. */
#ifndef SMSKIT_DELIVERY_H
#define SMSKIT_DELIVERY_H

#include <cjson/cJSON.h>

/* Adds to fields "error" ({code, message, provider_code, retryable}) and
 * "reason" ("carrier rejected: 30007 filtered") for provider error code
 * `code` reported with status (undelivered, failed...). message is the
 * provider's own words, or NULL/"" to use ours. */
void delivery_error_fields(cJSON *fields, const char *status, long code, const char *message);

#endif
