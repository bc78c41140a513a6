/* dashboard_sent — the outbound side once reviewed: the sent tab (every
 * message past review, newest first, by status, with what it cost and why it
 * failed or waits) and the spend of today and this month against
 * SMS_DAILY_LIMIT and SMS_MONTHLY_LIMIT, as sms-status --summary counts it.
 * Each message shows its channel; a WhatsApp message may end read. */
#include "dashboard_sent.h"
#include "dashboard_view.h"
#include "clock.h"
#include "records.h"
#include "review.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const after_review[] = {
	"approved", "rejected", "sending", "queued", "scheduled", "sent",
	"delivered", "undelivered", "failed", "canceled", "unknown", "read",
};
#define NAFTER (sizeof after_review / sizeof *after_review)

struct counts {
	long long n[NAFTER + 1];
};

static int count(const char *status, long long n, void *arg)
{
	struct counts *c = arg;
	for (size_t i = 0; i < NAFTER; i++)
		if (strcmp(status, after_review[i]) == 0)
			c->n[i] = n;
	if (strcmp(status, "pending") == 0)
		c->n[NAFTER] = n;
	return 0;
}

struct rows {
	cJSON *recs[DASH_PAGE];
	size_t n;
};

static int collect(cJSON *rec, void *arg)
{
	struct rows *r = arg;
	r->recs[r->n++] = rec;
	return r->n == DASH_PAGE;
}

static long long rec_id(const cJSON *rec)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	return cJSON_IsNumber(id) ? (long long)id->valuedouble : 0;
}

static void sent_row(struct dash *x, const cJSON *r)
{
	const char *to = rec_str(r, "to"), *price = rec_str(r, "price");
	const char *est = rec_str(r, "price_estimate"), *cur = rec_str(r, "currency");
	const char *by = rec_str(r, "reviewed_by");
	cJSON *copy = cJSON_Duplicate(r, 1);
	review_fill_reason(copy);
	const char *why = rec_str(copy, "reason");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
	dash_printf(x, "<tr id=\"m%lld\"><td class=\"num\">%lld</td><td>", rec_id(r), rec_id(r));
	dash_channel(x, r);
	dash_raw(x, " ");
	dash_text(x, to ? to : "-");
	dash_raw(x, "</td><td>");
	dash_status(x, rec_str(r, "status"));
	dash_raw(x, "</td><td class=\"text\">");
	dash_body(x, r);
	dash_raw(x, "</td><td class=\"time\">");
	dash_time(x, rec_str(r, "sent_at") ? rec_str(r, "sent_at") : rec_str(r, "created_at"));
	dash_raw(x, "</td><td class=\"time\">");
	dash_time(x, rec_str(r, "delivered_at"));
	dash_raw(x, "</td><td class=\"num\">");
	if (price) {
		dash_text(x, price);
	} else if (est) {
		dash_raw(x, "~");
		dash_text(x, est);
	} else {
		dash_raw(x, "-");
	}
	dash_raw(x, " ");
	dash_text(x, cur);
	dash_raw(x, "</td><td>");
	dash_text(x, by ? by : "-");
	dash_raw(x, "</td><td class=\"why\">");
	if (cJSON_IsObject(e)) {
		const char *code = rec_str(e, "code"), *m = rec_str(e, "message");
		dash_text(x, code);
		if (m) {
			dash_raw(x, ": ");
			dash_text(x, m);
		}
	} else if (why) {
		dash_text(x, why);
	}
	dash_raw(x, "</td></tr>");
	cJSON_Delete(copy);
}

void dash_sent_get(struct dash *x)
{
	int64_t after = 0;
	if (dash_id(dash_q(x, "after"), &after) != 0)
		after = 0;
	const char *want = dash_q(x, "status");
	const char *const *statuses = after_review;
	size_t nstatuses = NAFTER;
	for (size_t i = 0; want && i < NAFTER; i++)
		if (strcmp(want, after_review[i]) == 0) {
			statuses = &after_review[i];
			nstatuses = 1;
		}
	if (nstatuses == NAFTER)
		want = NULL;
	struct counts c = {{0}};
	struct rows rows = {.n = 0};
	struct store_query q = {.statuses = statuses, .nstatuses = nstatuses, .newest_first = 1,
	                        .after_id = after, .limit = DASH_PAGE};
	if (store_status_counts(x->st, "outbound", count, &c) != STORE_OK ||
	    store_msg_list(x->st, &q, collect, &rows) != STORE_OK) {
		for (size_t i = 0; i < rows.n; i++)
			cJSON_Delete(rows.recs[i]);
		dash_store_fail(x);
		return;
	}
	dash_begin(x, "sent", "Sent");
	dash_raw(x, "<h2>Sent and decided</h2><p class=\"filters\">");
	dash_printf(x, "<a href=\"sent\"%s>all</a>", want ? "" : " aria-current=\"true\"");
	for (size_t i = 0; i < NAFTER; i++) {
		if (!c.n[i])
			continue;
		dash_printf(x, " \xc2\xb7 <a href=\"sent?status=%s\"%s>%s <span class=\"count\">%lld"
		            "</span></a>", after_review[i],
		            want && strcmp(want, after_review[i]) == 0 ? " aria-current=\"true\"" : "",
		            after_review[i], c.n[i]);
	}
	dash_raw(x, "</p>");
	if (rows.n == 0) {
		dash_raw(x, "<p class=\"empty\">No messages here.</p>");
	} else {
		dash_raw(x, "<table class=\"sent\"><thead><tr><th>#</th><th>To</th><th>Status</th>"
		            "<th>Message</th><th>Sent</th><th>Delivered</th><th>Cost</th>"
		            "<th>Reviewed by</th><th>Why</th></tr></thead><tbody>");
		for (size_t i = 0; i < rows.n; i++)
			sent_row(x, rows.recs[i]);
		dash_raw(x, "</tbody></table>");
	}
	dash_raw(x, "<nav class=\"pager\" aria-label=\"pages\">");
	if (after)
		dash_printf(x, "<a href=\"sent%s%s\" rel=\"first\">Newest</a> ", want ? "?status=" : "",
		            want ? want : "");
	if (rows.n == DASH_PAGE)
		dash_printf(x, "<a href=\"sent?%s%safter=%lld\" rel=\"next\">Older</a>",
		            want ? "status=" : "", want ? "&" : "", rec_id(rows.recs[rows.n - 1]));
	dash_raw(x, "</nav>");
	for (size_t i = 0; i < rows.n; i++)
		cJSON_Delete(rows.recs[i]);
	dash_end(x);
	dash_send(x, 200);
}

/* ---- Spend ------------------------------------------------------------------------------- */

static const char *currency(struct dash *x)
{
	return x->d->prices ? price_currency(x->d->prices) : "";
}

void dash_spend_line(struct dash *x)
{
	struct store_spend s;
	if (store_spend_periods(x->st, clock_now(), STORE_SPEND_BOTH, &s) != STORE_OK) {
		dash_note(x, "error", "The store failed: %s", store_errmsg(x->st));
		return;
	}
	static const char *const names[] = {"today", "this month"};
	dash_raw(x, "<p class=\"spend-line\">Spent ");
	for (int m = 0; m < 2; m++) {
		char a[32], b[32];
		money_format(s.spent[m], a);
		dash_printf(x, "%s<span id=\"spent-%s\">%s</span>", m ? "; " : "",
		            m ? "month" : "today", a);
		if (x->d->caps[m] >= 0) {
			money_format(x->d->caps[m], b);
			dash_printf(x, " of %s", b);
		}
		dash_raw(x, " ");
		dash_text(x, currency(x));
		dash_printf(x, " %s", names[m]);
	}
	dash_raw(x, ".</p>");
}

void dash_spend_get(struct dash *x)
{
	struct store_spend s;
	struct counts c = {{0}};
	if (store_spend_periods(x->st, clock_now(), STORE_SPEND_BOTH, &s) != STORE_OK ||
	    store_status_counts(x->st, "outbound", count, &c) != STORE_OK) {
		dash_store_fail(x);
		return;
	}
	dash_begin(x, "spend", "Spend");
	dash_raw(x, "<h2>Spend</h2><table class=\"spend\"><thead><tr><th></th><th>Spent</th>"
	            "<th>Cap</th><th>Left</th><th></th></tr></thead><tbody>");
	static const char *const names[] = {"Today", "This month"};
	static const char *const vars[] = {"SMS_DAILY_LIMIT", "SMS_MONTHLY_LIMIT"};
	for (int m = 0; m < 2; m++) {
		char spent[32], cap[32], left[32];
		money_format(s.spent[m], spent);
		dash_printf(x, "<tr id=\"spend-%s\"><th scope=\"row\">%s<br><small>since ",
		            m ? "month" : "today", names[m]);
		dash_time(x, s.since[m]);
		dash_printf(x, "</small></th><td class=\"num\">%s ", spent);
		dash_text(x, currency(x));
		dash_raw(x, "</td>");
		money_t capv = x->d->caps[m];
		if (capv < 0) {
			dash_printf(x, "<td colspan=\"3\">no cap (set %s)</td></tr>", vars[m]);
			continue;
		}
		money_format(capv, cap);
		money_format(capv > s.spent[m] ? capv - s.spent[m] : 0, left);
		/* <meter> draws the bar: no inline style under the CSP */
		dash_printf(x, "<td class=\"num\">%s</td><td class=\"num\">%s</td><td><meter min=\"0\" "
		            "max=\"%.6f\" low=\"%.6f\" high=\"%.6f\" optimum=\"0\" value=\"%.6f\">%s of %s"
		            "</meter></td></tr>", cap, left, (double)capv / MONEY_SCALE,
		            (double)capv * 0.7 / MONEY_SCALE, (double)capv * 0.9 / MONEY_SCALE,
		            (double)(s.spent[m] < capv ? s.spent[m] : capv) / MONEY_SCALE, spent, cap);
	}
	dash_raw(x, "</tbody></table><p>Counted as sms-status --summary counts: each message "
	            "sent or on its way, at the provider's price when known, else the estimate. "
	            "A send that would cross a cap is refused (spend_limit).</p>"
	            "<h3>Messages by status</h3><table class=\"counts\"><tbody>");
	dash_printf(x, "<tr><th scope=\"row\"><a href=\"staged\">pending</a></th><td class=\"num\">"
	            "%lld</td></tr>", c.n[NAFTER]);
	for (size_t i = 0; i < NAFTER; i++)
		dash_printf(x, "<tr><th scope=\"row\"><a href=\"sent?status=%s\">%s</a></th>"
		            "<td class=\"num\">%lld</td></tr>", after_review[i], after_review[i], c.n[i]);
	dash_raw(x, "</tbody></table>");
	dash_end(x);
	dash_send(x, 200);
}
