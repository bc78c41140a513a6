/* delivery — provider delivery errors in words; see delivery.h. */
#include "delivery.h"

#include <stdio.h>
#include <string.h>

struct dlr {
	long        code;
	const char *spec, *words;
	int         retryable;
};

/* Twilio's delivery errors in a few words, and which of them may succeed on a
 * later try (doc/providers.md, Twilio delivery error codes). */
static const struct dlr twilio[] = {
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

/* Vonage's delivery-receipt err-codes (doc/providers.md, Vonage delivery
 * receipts); the Reports API's error_code is the same number. */
static const struct dlr vonage[] = {
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

static const struct table {
	const struct dlr *dlr;
	size_t            n;
	const char       *unknown; /* the words of a code not in the table */
	const char       *who;     /* in an opt-out's source: "provider %s%ld" */
} tables[] = {
	{twilio, sizeof twilio / sizeof *twilio, "delivery error", ""},
	{vonage, sizeof vonage / sizeof *vonage, "Vonage delivery error", "vonage "},
};

static const struct table *table_of(const char *provider)
{
	return provider && strcmp(provider, "vonage") == 0 ? &tables[1] : &tables[0];
}

static const struct dlr *find(const struct table *t, long code)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->dlr[i].code == code)
			return &t->dlr[i];
	return NULL;
}

void delivery_error_fields(cJSON *fields, const char *provider, const char *status, long code,
                           const char *message)
{
	const struct table *t = table_of(provider);
	const struct dlr *d = find(t, code);
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
	const struct table *t = table_of(provider);
	const struct dlr *d = find(t, code);
	if (!d || strcmp(d->spec, "opted_out") != 0)
		return 0;
	snprintf(source, len, "provider %s%ld", t->who, code);
	return 1;
}
