/* dashboard_staged — the staged tab: pending messages a page at a time (keyset
 * paging on the id, so that the last page of a long queue costs what the first
 * does) with everything a reviewer weighs (recipient, sender, body, media,
 * priority, notes, characters, encoding, segments, cost, warnings; the
 * channel, and a WhatsApp template's Content SID), and the
 * decision, one message or a selection, through review_decide() as
 * sms-approve makes it. One HTML form: it works without JavaScript. */
#include "dashboard_staged.h"
#include "dashboard_sent.h"
#include "dashboard_view.h"
#include "address.h"
#include "batch.h"
#include "gsm.h"
#include "phone.h"
#include "records.h"
#include "review.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct page {
	cJSON *recs[DASH_PAGE];
	size_t n;
};

static int collect(cJSON *rec, void *arg)
{
	struct page *p = arg;
	p->recs[p->n++] = rec;
	return p->n == DASH_PAGE;
}

static int64_t rec_id(const cJSON *rec)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	return cJSON_IsNumber(id) ? (int64_t)id->valuedouble : 0;
}

/* The page's position, as given: after=ID, before=ID or last=1. */
struct pos {
	int64_t after, before;
	int     last;
};

static void read_pos(const struct form *f, struct pos *p)
{
	memset(p, 0, sizeof *p);
	if (dash_id(form_get(f, "after"), &p->after) != 0)
		p->after = 0;
	if (dash_id(form_get(f, "before"), &p->before) != 0)
		p->before = 0;
	p->last = form_get(f, "last") && strcmp(form_get(f, "last"), "1") == 0;
}

/* "after=12&" and the like, for links and redirects. */
static void pos_query(const struct pos *p, char *buf, size_t len)
{
	if (p->after)
		snprintf(buf, len, "after=%lld&", (long long)p->after);
	else if (p->before)
		snprintf(buf, len, "before=%lld&", (long long)p->before);
	else if (p->last)
		snprintf(buf, len, "last=1&");
	else
		buf[0] = '\0';
}

static void pos_inputs(struct dash *x, const struct pos *p)
{
	if (p->after)
		dash_printf(x, "<input type=\"hidden\" name=\"after\" value=\"%lld\">", (long long)p->after);
	else if (p->before)
		dash_printf(x, "<input type=\"hidden\" name=\"before\" value=\"%lld\">",
		            (long long)p->before);
	else if (p->last)
		dash_raw(x, "<input type=\"hidden\" name=\"last\" value=\"1\">");
}

/* The cost estimate of a message: the stored one, else priced now. */
static money_t estimate(struct dash *x, const cJSON *rec, size_t segments, char *cur, size_t curlen)
{
	money_t m;
	const char *pe = rec_str(rec, "price_estimate"), *c = rec_str(rec, "currency");
	if (pe && money_parse(pe, &m) == 0) {
		snprintf(cur, curlen, "%s", c ? c : "");
		return m;
	}
	if (!x->d->prices)
		return -1;
	char region[3];
	const char *to = rec_str(rec, "to");
	phone_region_of(to ? to : "", region);
	snprintf(cur, curlen, "%s", price_currency(x->d->prices));
	return price_estimate(x->d->prices, region,
	                      cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rec, "media")) > 0,
	                      segments);
}

static void row(struct dash *x, const cJSON *rec, size_t *segs_total, money_t *cost_total,
                char *cur, size_t curlen)
{
	long long id = (long long)rec_id(rec);
	const char *body = rec_str(rec, "body"), *prio = rec_str(rec, "priority");
	const char *to = rec_str(rec, "to"), *from = rec_str(rec, "from");
	const char *notes = rec_str(rec, "notes"), *send_at = rec_str(rec, "send_at");
	struct gsm_info gi;
	int ok = gsm_analyze(body ? body : "", body ? strlen(body) : 0, &gi) == 0;
	if (!prio)
		prio = "normal";
	dash_printf(x, "<tr id=\"m%lld\" class=\"prio-", id);
	dash_text(x, prio);
	dash_printf(x, "\" data-id=\"%lld\"><td><input type=\"checkbox\" name=\"sel\" value=\"%lld\" "
	            "aria-label=\"select #%lld\"></td><td class=\"num\">%lld</td><td class=\"addr\">",
	            id, id, id, id);
	dash_channel(x, rec);
	dash_raw(x, " <span class=\"to\">");
	dash_text(x, to ? to : "-");
	dash_raw(x, "</span><br><span class=\"from\">from ");
	dash_text(x, from ? from : "the default sender");
	dash_raw(x, "</span></td><td class=\"text\">");
	dash_body(x, rec);
	if (notes && *notes) {
		dash_raw(x, "<p class=\"notes\"><span>Notes:</span> ");
		dash_text(x, notes);
		dash_raw(x, "</p>");
	}
	if (send_at) {
		dash_raw(x, "<p class=\"send-at\">To go out at ");
		dash_time(x, send_at);
		dash_raw(x, "</p>");
	}
	const cJSON *w, *warnings = cJSON_GetObjectItemCaseSensitive(rec, "warnings");
	if (cJSON_GetArraySize(warnings) > 0) {
		dash_raw(x, "<ul class=\"warnings\">");
		cJSON_ArrayForEach(w, warnings) {
			if (!cJSON_IsString(w))
				continue;
			dash_raw(x, "<li>");
			dash_text(x, w->valuestring);
			dash_raw(x, "</li>");
		}
		dash_raw(x, "</ul>");
	}
	dash_raw(x, "</td>");
	char c[8] = "";
	if (ok) {
		money_t m = estimate(x, rec, gi.segments, c, sizeof c);
		char price[32] = "-";
		if (m >= 0) {
			money_format(m, price);
			*cost_total += m;
			if (!*cur)
				snprintf(cur, curlen, "%s", c);
		}
		const char *enc = gsm_encoding_name(gi.encoding);
		size_t segs = gi.segments;
		if (address_channel(to) == CHANNEL_WHATSAPP) {
			/* no SMS segments on WhatsApp: one message in UTF-8, as sms-stage
			 * counted it (smskit-whatsapp(7), Pricing) */
			const cJSON *sg = cJSON_GetObjectItemCaseSensitive(rec, "segments");
			enc = rec_str(rec, "encoding") ? rec_str(rec, "encoding") : "UTF-8";
			segs = cJSON_IsNumber(sg) && sg->valuedouble >= 0 ? (size_t)sg->valuedouble : 1;
		}
		*segs_total += segs;
		dash_printf(x, "<td class=\"num chars\">%zu</td><td class=\"enc\">", gi.chars);
		dash_text(x, enc);
		dash_printf(x, "</td><td class=\"num segs\">%zu</td><td class=\"num cost\">%s ", segs,
		            price);
		dash_text(x, c);
		dash_raw(x, "</td>");
		gsm_info_free(&gi);
	} else {
		dash_raw(x, "<td>-</td><td>-</td><td>-</td><td>-</td>");
	}
	dash_raw(x, "<td class=\"time\">");
	dash_time(x, rec_str(rec, "created_at"));
	dash_raw(x, "</td><td class=\"prio\">");
	dash_text(x, prio);
	dash_printf(x, "</td><td class=\"decide\"><button type=\"submit\" name=\"approve\" "
	            "value=\"%lld\" class=\"approve\">Approve</button> <input type=\"text\" "
	            "name=\"reason-%lld\" placeholder=\"reason\" aria-label=\"reason for rejecting "
	            "#%lld\" maxlength=\"500\"> <button type=\"submit\" name=\"reject\" value=\"%lld\" "
	            "class=\"reject\">Reject</button></td></tr>", id, id, id, id);
}

static void pager(struct dash *x, int64_t first, int64_t last, int64_t min, int64_t max)
{
	dash_raw(x, "<nav class=\"pager\" aria-label=\"pages\">");
	if (first > min)
		dash_printf(x, "<a href=\"staged\" rel=\"first\">First</a> "
		            "<a href=\"staged?before=%lld\" rel=\"prev\">Previous</a> ", (long long)first);
	if (last && last < max)
		dash_printf(x, "<a href=\"staged?after=%lld\" rel=\"next\">Next</a> "
		            "<a href=\"staged?last=1\" rel=\"last\">Last</a>", (long long)last);
	dash_raw(x, "</nav>");
}

static void render(struct dash *x, const struct pos *pos, const char *error, int status)
{
	struct page pg = {.n = 0};
	const char *const pending[] = {"pending"};
	struct store_query q = {.statuses = pending, .nstatuses = 1, .limit = DASH_PAGE};
	if (pos->before || pos->last) {
		q.newest_first = 1;
		q.after_id = pos->before;
	} else {
		q.after_id = pos->after;
	}
	int64_t min = 0, max = 0;
	if (store_msg_list(x->st, &q, collect, &pg) != STORE_OK ||
	    store_msg_id_range(x->st, "pending", &min, &max) != STORE_OK) {
		for (size_t i = 0; i < pg.n; i++)
			cJSON_Delete(pg.recs[i]);
		dash_store_fail(x);
		return;
	}
	if (q.newest_first) /* back in id order */
		for (size_t i = 0; i < pg.n / 2; i++) {
			cJSON *t = pg.recs[i];
			pg.recs[i] = pg.recs[pg.n - 1 - i];
			pg.recs[pg.n - 1 - i] = t;
		}
	long long total = dash_pending(x);
	dash_begin(x, "staged", "Staged");
	if (error)
		dash_note(x, "error", "%s", error);
	dash_raw(x, "<h2>Staged messages</h2>");
	char curbuf[8] = "";
	if (pg.n == 0) {
		dash_printf(x, "<p class=\"summary\"><strong id=\"pending-total\">%lld</strong> "
		            "awaiting review.</p>", total < 0 ? 0 : total);
		if (total > 0)
			dash_raw(x, "<p>Nothing on this page any more: <a href=\"staged\">the first "
			            "page</a>.</p>");
		else
			dash_raw(x, "<p class=\"empty\">Nothing waits for review. Stage messages with "
			            "<code>sms-stage</code>.</p>");
		dash_spend_line(x);
		dash_end(x);
		dash_send(x, status);
		return;
	}
	/* The rows first (they add up the page's cost), then the summary above them. */
	struct strbuf head = x->out;
	strbuf_init(&x->out);
	size_t segs = 0;
	money_t cost = 0;
	for (size_t i = 0; i < pg.n; i++)
		row(x, pg.recs[i], &segs, &cost, curbuf, sizeof curbuf);
	struct strbuf rows = x->out;
	x->out = head;
	char costs[32];
	money_format(cost, costs);
	dash_printf(x, "<p class=\"summary\"><strong id=\"pending-total\">%lld</strong> awaiting "
	            "review. This page: #%lld to #%lld, <span id=\"page-count\">%zu</span> "
	            "message%s, %zu segment%s, estimated <span id=\"page-cost\">%s</span> ",
	            total, (long long)rec_id(pg.recs[0]), (long long)rec_id(pg.recs[pg.n - 1]), pg.n,
	            pg.n == 1 ? "" : "s", segs, segs == 1 ? "" : "s", costs);
	dash_text(x, curbuf);
	dash_raw(x, ".</p>");
	dash_spend_line(x);
	pager(x, rec_id(pg.recs[0]), rec_id(pg.recs[pg.n - 1]), min, max);
	dash_raw(x, "<form method=\"post\" action=\"decide\" class=\"queue\">"
	            /* Enter in a text field presses the first button: this one, which
	             * does nothing, rather than approving anything. */
	            "<button type=\"submit\" name=\"noop\" value=\"1\" class=\"default-noop\" "
	            "tabindex=\"-1\" aria-hidden=\"true\">-</button>");
	dash_csrf_input(x);
	pos_inputs(x, pos);
	dash_raw(x, "<div class=\"bulk\"><label><input type=\"checkbox\" class=\"select-all\" "
	            "aria-label=\"select every message of this page\" hidden> All</label> "
	            "<button type=\"submit\" name=\"bulk\" value=\"approve\" class=\"approve\">Approve "
	            "selected</button> <input type=\"text\" name=\"reason\" placeholder=\"reason for "
	            "rejecting the selected\" maxlength=\"500\" aria-label=\"reason for rejecting the "
	            "selected\"> <button type=\"submit\" name=\"bulk\" value=\"reject\" class=\"reject\">"
	            "Reject selected</button></div><table class=\"staged\"><thead><tr><th></th>"
	            "<th>#</th><th>To</th><th>Message</th><th title=\"characters\">Chars</th>"
	            "<th>Encoding</th><th title=\"segments\">Seg.</th><th>Cost</th><th>Created</th>"
	            "<th>Priority</th><th>Decision</th></tr></thead><tbody>");
	strbuf_add(&x->out, rows.s, rows.len);
	strbuf_free(&rows);
	dash_raw(x, "</tbody></table></form>");
	pager(x, rec_id(pg.recs[0]), rec_id(pg.recs[pg.n - 1]), min, max);
	for (size_t i = 0; i < pg.n; i++)
		cJSON_Delete(pg.recs[i]);
	dash_end(x);
	dash_send(x, status);
}

void dash_staged_get(struct dash *x)
{
	struct pos p;
	read_pos(&x->q, &p);
	render(x, &p, NULL, 200);
}

/* A reason as typed: blanks around it dropped; NULL when nothing is left. */
static char *reason_of(const char *s)
{
	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return n ? xstrndup(s, n > 500 ? 500 : n) : NULL;
}

void dash_decide_post(struct dash *x)
{
	struct pos pos;
	read_pos(&x->f, &pos);
	char back[64];
	pos_query(&pos, back, sizeof back);
	const char *one_a = dash_f(x, "approve"), *one_r = dash_f(x, "reject");
	const char *bulk = dash_f(x, "bulk");
	int64_t ids[BATCH_RECORDS];
	size_t n = 0;
	int reject = 0;
	char *reason = NULL;
	if (one_a || one_r) {
		if (dash_id(one_a ? one_a : one_r, &ids[0]) != 0) {
			dash_fail(x, 400, "Not a message id.");
			return;
		}
		n = 1;
		reject = !one_a;
		if (reject) {
			char name[40];
			snprintf(name, sizeof name, "reason-%lld", (long long)ids[0]);
			reason = reason_of(dash_f(x, name));
		}
	} else if (bulk && (strcmp(bulk, "approve") == 0 || strcmp(bulk, "reject") == 0)) {
		reject = strcmp(bulk, "reject") == 0;
		for (size_t i = 0; i < x->f.n; i++) {
			if (strcmp(x->f.pairs[i].name, "sel") != 0)
				continue;
			if (n == BATCH_RECORDS) {
				dash_fail(x, 400, "At most %d messages at a time.", BATCH_RECORDS);
				return;
			}
			if (dash_id(x->f.pairs[i].value, &ids[n]) != 0) {
				dash_fail(x, 400, "Not a message id.");
				return;
			}
			n++;
		}
		if (reject)
			reason = reason_of(dash_f(x, "reason"));
	}
	if (n == 0) {
		dash_redirect(x, "staged?%snote=none", back);
		return;
	}
	if (reject && !reason) {
		render(x, &pos, n == 1 ? "A rejection needs a reason: write it in the field next to "
		                         "Reject, then press Reject."
		                       : "A rejection needs a reason: write it in the field next to "
		                         "Reject selected.",
		       400);
		return;
	}
	cJSON *fields = cJSON_CreateObject(), *detail = cJSON_CreateObject();
	cJSON_AddStringToObject(fields, "reviewed_by", x->reviewer);
	if (reason)
		cJSON_AddStringToObject(fields, "review_reason", reason);
	cJSON_AddStringToObject(detail, "via", "dashboard");
	long long done = 0, skipped = 0;
	int began = store_begin_immediate(x->st) == STORE_OK, failed = !began;
	for (size_t i = 0; i < n && !failed; i++) {
		cJSON *rec = NULL;
		int rc = review_decide(x->st, ids[i], reject ? "rejected" : "approved", fields, detail, 0,
		                       &rec);
		cJSON_Delete(rec);
		if (rc == STORE_OK)
			done++;
		else if (rc == STORE_REFUSED || rc == STORE_NOTFOUND)
			skipped++;
		else
			failed = 1;
	}
	if (began && !failed && store_commit(x->st) != STORE_OK)
		failed = 1;
	else if (began && failed)
		store_rollback(x->st);
	cJSON_Delete(fields);
	cJSON_Delete(detail);
	free(reason);
	if (failed) {
		dash_store_fail(x);
		return;
	}
	dash_redirect(x, "staged?%snote=decided&a=%lld&r=%lld&s=%lld", back, reject ? 0 : done,
	              reject ? done : 0, skipped);
}
