/* delivery — provider delivery errors in words; see delivery.h. */
#include "delivery.h"

#include <stdio.h>
#include <string.h>

/* Twilio's delivery errors in a few words, and which of them may succeed on a
 * later try. */
static const struct {
	long        code;
	const char *spec, *words;
	int         retryable;
} dlr[] = {
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

void delivery_error_fields(cJSON *fields, const char *status, long code, const char *message)
{
	const char *spec = "delivery_failed", *words = NULL;
	int retryable = 0;
	for (size_t i = 0; i < sizeof dlr / sizeof *dlr; i++)
		if (dlr[i].code == code) {
			spec = dlr[i].spec;
			words = dlr[i].words;
			retryable = dlr[i].retryable;
		}
	int own = message && *message;
	char msg[400], reason[512];
	snprintf(msg, sizeof msg, "%s (%ld)", own ? message : words ? words : "delivery error", code);
	cJSON *err = cJSON_CreateObject();
	cJSON_AddStringToObject(err, "code", spec);
	cJSON_AddStringToObject(err, "message", msg);
	cJSON_AddNumberToObject(err, "provider_code", (double)code);
	cJSON_AddBoolToObject(err, "retryable", retryable);
	cJSON_DeleteItemFromObjectCaseSensitive(fields, "error");
	cJSON_AddItemToObject(fields, "error", err);
	snprintf(reason, sizeof reason, "%s: %ld %s",
	         status && strcmp(status, "undelivered") == 0 ? "carrier rejected" : "failed", code,
	         own ? message : words ? words : "delivery error");
	cJSON_DeleteItemFromObjectCaseSensitive(fields, "reason");
	cJSON_AddStringToObject(fields, "reason", reason);
}
