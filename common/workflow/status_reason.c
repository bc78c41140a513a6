/* status_reason — why an outbound message waits or failed. See status_reason.h. */
#include "status_reason.h"
#include "clock.h"
#include "records.h"
#include "review.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *provider_of(const cJSON *rec)
{
	const char *p = rec_str(rec, "provider");
	return p ? p : "the provider";
}

void status_reason_no_id(const cJSON *rec, char *buf, size_t len)
{
	snprintf(buf, len, "no answer after the request was sent and no message id from %s: it "
	         "may or may not have gone out; check %s's console (message logs) for it before "
	         "sending again", provider_of(rec), provider_of(rec));
}

/* The words for the statuses past review, in buf; "" for the others. */
static void at_provider(const cJSON *rec, const char *status, char *buf, size_t len)
{
	if (strcmp(status, "sending") == 0) {
		snprintf(buf, len, "being handed to %s", provider_of(rec));
	} else if (strcmp(status, "queued") == 0) {
		snprintf(buf, len, "queued at %s; sms-status --sync asks for news", provider_of(rec));
	} else if (strcmp(status, "scheduled") == 0) {
		const char *send_at = rec_str(rec, "send_at");
		char when[32];
		time_t at;
		int later = send_at && clock_parse(send_at, &at) == 0 && at > clock_now();
		if (later)
			clock_local_display(send_at, when, sizeof when);
		snprintf(buf, len, "scheduled at %s%s%s", provider_of(rec), later ? " for " : "",
		         later ? when : "");
	} else if (strcmp(status, "sent") == 0) {
		/* Some carriers never send a receipt: after an hour, say so. */
		const char *sent_at = rec_str(rec, "sent_at");
		time_t t;
		long hours = sent_at && clock_parse(sent_at, &t) == 0 ? (long)((clock_now() - t) / 3600)
		                                                      : 0;
		if (hours >= 1)
			snprintf(buf, len, "handed to the carrier; no delivery receipt after %ld "
			         "hour%s (some carriers never send one)", hours, hours == 1 ? "" : "s");
		else
			snprintf(buf, len, "handed to the carrier; no delivery receipt yet");
	} else if (strcmp(status, "unknown") == 0) {
		snprintf(buf, len, "no answer after the request was sent: it may have gone "
		         "out; sms-status --sync asks %s", provider_of(rec));
	} else if (strcmp(status, "failed") == 0 || strcmp(status, "undelivered") == 0) {
		const char *emsg = rec_str(cJSON_GetObjectItemCaseSensitive(rec, "error"), "message");
		snprintf(buf, len, "%s", emsg ? emsg : strcmp(status, "failed") == 0
		                                           ? "failed; no reason was given"
		                                           : "not delivered; no reason was given");
	}
}

void status_reason_fill(cJSON *rec)
{
	const char *status = rec_str(rec, "status");
	const char *have = rec_str(rec, "reason");
	const char *pid = rec_str(rec, "provider_id");
	char buf[512] = "";
	if (!status)
		return;
	if (strcmp(status, "unknown") == 0 && !(pid && *pid)) {
		status_reason_no_id(rec, buf, sizeof buf);
		rec_put_str(rec, "reason", buf);
		return;
	}
	if (have && *have)
		return;
	at_provider(rec, status, buf, sizeof buf);
	if (*buf)
		rec_put_str(rec, "reason", buf);
	else
		review_fill_reason(rec); /* pending, approved, rejected */
}
