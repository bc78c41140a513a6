/* review — the review decision and the reason a message waits. See review.h. */
#include "review.h"
#include "clock.h"
#include "records.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int review_decide(struct store *st, int64_t id, const char *status, const cJSON *fields,
                  const cJSON *detail, int known_pending, cJSON **rec)
{
	*rec = NULL;
	if (!known_pending) {
		int rc = store_msg_get(st, id, rec);
		if (rc != STORE_OK)
			return rc;
		const char *now = rec_str(*rec, "status");
		if (!now || strcmp(now, "pending") != 0)
			return STORE_REFUSED;
		cJSON_Delete(*rec);
		*rec = NULL;
	}
	int rc = store_msg_set_status(st, id, status, fields, detail);
	if (rc != STORE_OK)
		return rc;
	return store_msg_get(st, id, rec) == STORE_OK ? STORE_OK : STORE_ERR;
}

void review_fill_reason(cJSON *rec)
{
	const char *status = rec_str(rec, "status");
	const char *have = rec_str(rec, "reason");
	if (!status || (have && *have))
		return;
	const char *send_at = rec_str(rec, "send_at");
	char when[32] = "", buf[512] = "";
	time_t at;
	int later = send_at && clock_parse(send_at, &at) == 0 && at > clock_now();
	if (later)
		clock_local_display(send_at, when, sizeof when);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	if (strcmp(status, "pending") == 0) {
		snprintf(buf, sizeof buf, "awaiting approval (sms-approve %lld)%s%s",
		         cJSON_IsNumber(id) ? (long long)id->valuedouble : 0LL,
		         later ? "; to go out at " : "", when);
	} else if (strcmp(status, "approved") == 0) {
		if (later)
			snprintf(buf, sizeof buf, "approved; deferred to %s", when);
		else
			snprintf(buf, sizeof buf, "approved; waiting for sms-send --approved");
	} else if (strcmp(status, "rejected") == 0) {
		const char *by = rec_str(rec, "reviewed_by"), *why = rec_str(rec, "review_reason");
		snprintf(buf, sizeof buf, "rejected in review%s%s%s%s", by ? " by " : "", by ? by : "",
		         why ? ": " : "", why ? why : "");
	}
	if (*buf)
		rec_put_str(rec, "reason", buf);
}
