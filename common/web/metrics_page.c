/* metrics_page — GET /metrics; see metrics_page.h. The gauges are read from
 * the store at each scrape, so they are the same in both modes and whatever
 * wrote the rows (sms-send, sms-approve, the dashboard). */
#include "metrics_page.h"
#include "metrics.h"
#include "clock.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int metrics_page_route(const char *path)
{
	return path && strcmp(path, "/metrics") == 0;
}

struct counts {
	struct strbuf *o;
	const char    *direction;
	long long      approved;
};

static int one_status(const char *status, long long n, void *arg)
{
	struct counts *c = arg;
	strbuf_printf(c->o, "sms_store_messages{direction=\"%s\",status=\"%s\"} %lld\n",
	              c->direction, status, n);
	if (strcmp(c->direction, "outbound") == 0 && strcmp(status, "approved") == 0)
		c->approved = n;
	return 0;
}

/* A label value: the currency code is three letters, but a price table is
 * the operator's file; anything else is left out rather than escaped. */
static const char *label_safe(const char *s)
{
	if (!s)
		return "";
	for (const char *p = s; *p; p++)
		if (*p == '"' || *p == '\\' || *p == '\n')
			return "";
	return s;
}

/* The gauges read from the store; -1 when a read failed. */
static int store_gauges(struct strbuf *o, struct dashboard *d, struct store *st)
{
	struct strbuf rows;
	strbuf_init(&rows);
	struct counts c = {.o = &rows, .direction = "inbound"};
	int ok = store_status_counts(st, "inbound", one_status, &c) == STORE_OK;
	c.direction = "outbound";
	ok = ok && store_status_counts(st, "outbound", one_status, &c) == STORE_OK;
	struct store_spend sp;
	ok = ok && store_spend_periods(st, clock_now(), STORE_SPEND_BOTH, &sp) == STORE_OK;
	if (!ok) {
		warnmsg("/metrics: reading the store: %s", store_errmsg(st));
		strbuf_free(&rows);
		return -1;
	}
	strbuf_puts(o, "# HELP sms_store_messages Messages in the store, by direction and status.\n"
	               "# TYPE sms_store_messages gauge\n");
	strbuf_add(o, rows.s ? rows.s : "", rows.len);
	strbuf_free(&rows);
	strbuf_printf(o, "# HELP sms_approved_waiting Approved outbound messages waiting to be "
	                 "sent (sms-send --approved).\n# TYPE sms_approved_waiting gauge\n"
	                 "sms_approved_waiting %lld\n", c.approved);
	long long caps[2];
	const char *cur = NULL;
	dashboard_caps(d, caps, &cur);
	cur = label_safe(cur);
	static const char *const period[2] = {"day", "month"};
	strbuf_puts(o, "# HELP sms_spend The outbound spend of the current day and month "
	               "(smskit-compliance(7), Spend caps), in the currency unit.\n"
	               "# TYPE sms_spend gauge\n");
	for (int m = 0; m < 2; m++)
		strbuf_printf(o, "sms_spend{period=\"%s\",currency=\"%s\"} %.6f\n", period[m], cur,
		              (double)sp.spent[m] / 1e6);
	strbuf_puts(o, "# HELP sms_spend_cap The spend caps SMS_DAILY_LIMIT and SMS_MONTHLY_LIMIT, "
	               "when set, in the currency unit.\n# TYPE sms_spend_cap gauge\n");
	for (int m = 0; m < 2; m++)
		if (caps[m] >= 0)
			strbuf_printf(o, "sms_spend_cap{period=\"%s\",currency=\"%s\"} %.6f\n", period[m],
			              cur, (double)caps[m] / 1e6);
	return 0;
}

void metrics_page(struct dashboard *d, struct store *st, const char *provider,
                  const struct metrics_process *proc, const struct webhook_request *rq,
                  struct webhook_response *rs)
{
	const char *method = rq->method ? rq->method : "";
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		memset(rs, 0, sizeof *rs);
		webhook_respond(rs, 405, "/metrics takes GET");
		rs->allow = "GET, HEAD";
		return;
	}
	if (!dashboard_allow(d, rq, rs))
		return;
	struct strbuf o;
	strbuf_init(&o);
	strbuf_printf(&o, "# HELP sms_webhookd_info The running sms-webhookd: its mode and provider.\n"
	                  "# TYPE sms_webhookd_info gauge\n"
	                  "sms_webhookd_info{mode=\"%s\",provider=\"%s\",version=\"%s\"} 1\n",
	              proc ? "daemon" : "cgi", label_safe(provider), SMSKIT_VERSION);
	int up = st && store_gauges(&o, d, st) == 0;
	strbuf_printf(&o, "# HELP sms_store_up Whether this scrape could read the store.\n"
	                  "# TYPE sms_store_up gauge\nsms_store_up %d\n", up);
	if (proc)
		metrics_write_process(&o, proc->hook_failures);
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	rs->body_len = o.len;
	rs->body = strbuf_detach(&o);
	if (!rs->body)
		rs->body = xstrdup("");
}
