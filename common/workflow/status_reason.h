/* status_reason — the "reason" an outbound message gives when it waits or
 * failed, as sms-status(1) shows it: from its status, provider, times
 * and error; the review statuses in review.c's words. No state. */
#ifndef SMSKIT_STATUS_REASON_H
#define SMSKIT_STATUS_REASON_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Sets "reason" when the store holds none: "queued at twilio; sms-status
 * --sync asks for news", the provider's error message for a failed one...
 * An unknown message without a provider id always gets the sentence of
 * status_reason_no_id(): what the store holds then says less. */
void status_reason_fill(cJSON *rec);

/* The reason of an unknown message with no provider id: the request went out
 * and no answer came, so nobody can ask the provider about it. */
void status_reason_no_id(const cJSON *rec, char *buf, size_t len);

#endif
