/* delivery — what a provider's delivery error means, by its driver's table
 * (webhook_ops.delivery, provider.h): Twilio's 30xxx codes and 21610, which
 * the sandbox imitates, and Vonage's delivery-receipt err-codes (both tabled
 * in doc/providers.md), each turned
 * into the error object of smskit(7), the `reason` sentence and, for the
 * codes that say the recipient opted out, the opt-out to record. Shared by
 * sms-status --sync (the provider's status API) and sms-webhookd (status
 * callbacks, delivery receipts), so both store the same words for the same
 * code and both honour an opt-out the provider reports. No state. */
#ifndef SMSKIT_DELIVERY_H
#define SMSKIT_DELIVERY_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Adds to fields "error" ({code, message, provider_code, retryable}) and
 * "reason" ("carrier rejected: 30007 filtered") for delivery error `code` of
 * provider, reported with smskit status `status` ("undelivered" reads "carrier
 * rejected", anything else "failed"). provider is a driver's name; a driver
 * without a table of its own, an unknown name or NULL reads as Twilio (the
 * sandbox imitates its codes). The
 * error's code is the smskit code the provider's code means ("opted_out",
 * "filtered", else "delivery_failed"; an unknown code is delivery_failed, not
 * retryable). message is the provider's own words, or NULL/"" to use the
 * table's ("Anti-Spam Rejection"; "delivery error" or "Vonage delivery error"
 * for a code not in it). */
void delivery_error_fields(cJSON *fields, const char *provider, const char *status, long code,
                           const char *message);

/* 1 when delivery error `code` of provider (read as above) means the recipient
 * opted out (Twilio's 21610, Vonage's 9), with the source to record the
 * opt-out under (store_optout_add()) in source: "provider 21610", "provider
 * vonage 9"; else 0. */
int delivery_opted_out(const char *provider, long code, char *source, size_t len);

#endif
