/* status_summary — sms-status --summary. See status_summary.h. */
#include "status_summary.h"
#include "clock.h"
#include "util.h"

static int add_count(const char *status, long long n, void *arg)
{
	cJSON *counts = arg;
	rec_put_num(counts, status, (double)n);
	return 0;
}

int status_summary(struct store *st, const char *currency, const money_t caps[2],
                   struct rec_out *out)
{
	static const char *const outbound[] = {
		"pending", "approved", "rejected", "sending", "queued", "scheduled",
		"sent", "delivered", "undelivered", "failed", "canceled", "unknown",
	};
	cJSON *rec = cJSON_CreateObject();
	cJSON *counts = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof outbound / sizeof *outbound; i++)
		cJSON_AddNumberToObject(counts, outbound[i], 0);
	if (store_status_counts(st, "outbound", add_count, counts) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(st));
		cJSON_Delete(counts);
		cJSON_Delete(rec);
		return EX_TEMPFAIL;
	}
	cJSON *sp = cJSON_CreateObject();
	static const char *const keys[][4] = {
		{"today", "daily_limit", "daily_remaining", "day_start"},
		{"month", "monthly_limit", "monthly_remaining", "month_start"},
	};
	struct store_spend spend;
	if (store_spend_periods(st, clock_now(), STORE_SPEND_BOTH, &spend) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(st));
		cJSON_Delete(counts);
		cJSON_Delete(sp);
		cJSON_Delete(rec);
		return EX_TEMPFAIL;
	}
	const money_t *spent = spend.spent;
	for (int m = 0; m < 2; m++) {
		char buf[32];
		money_format(spent[m], buf);
		cJSON_AddStringToObject(sp, keys[m][0], buf);
	}
	cJSON_AddStringToObject(sp, "currency", currency);
	for (int i = 1; i <= 2; i++) {
		for (int m = 0; m < 2; m++) {
			char buf[32];
			money_t v = i == 1 ? caps[m] : caps[m] > spent[m] ? caps[m] - spent[m] : 0;
			if (caps[m] < 0) {
				cJSON_AddNullToObject(sp, keys[m][i]);
				continue;
			}
			money_format(v, buf);
			cJSON_AddStringToObject(sp, keys[m][i], buf);
		}
	}
	for (int m = 0; m < 2; m++)
		cJSON_AddStringToObject(sp, keys[m][3], spend.since[m]);
	cJSON_AddItemToObject(rec, "counts", counts);
	cJSON_AddItemToObject(rec, "spend", sp);
	rec_set_ok(rec);
	rec_emit(out, rec);
	return 0;
}

void status_summary_text(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(rec, "counts");
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(rec, "spend");
	const cJSON *c;
	long long total = 0;
	cJSON_ArrayForEach(c, counts) {
		total += (long long)c->valuedouble;
		if (c->valuedouble > 0)
			fprintf(fp, "%-12s %10lld\n", c->string, (long long)c->valuedouble);
	}
	fprintf(fp, "%-12s %10lld\n", "total", total);
	const char *cur = rec_str(sp, "currency");
	static const char *const names[][4] = {
		{"today", "daily_limit", "daily_remaining", "daily"},
		{"month", "monthly_limit", "monthly_remaining", "monthly"},
	};
	fputc('\n', fp);
	for (int i = 0; i < 2; i++) {
		const char *lim = rec_str(sp, names[i][1]);
		fprintf(fp, "spent %-6s %10s %s", names[i][0], rec_str(sp, names[i][0]), cur);
		if (lim)
			fprintf(fp, " of %s (%s left)\n", lim, rec_str(sp, names[i][2]));
		else
			fprintf(fp, " (no %s cap)\n", names[i][3]);
	}
}
