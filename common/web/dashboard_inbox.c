/* dashboard_inbox — the receiving side in the dashboard: the inbox (the
 * unread messages first, then every received message a page at a time),
 * conversations by number (the recent ones listed, any one by its number),
 * and marking messages read or unread; the reply form under each received
 * message, which dashboard_reply.c answers. Every message shows its channel;
 * a WhatsApp conversation shows its 24-hour window (wa_window()), and when
 * the window is closed the reply form offers a template (content_sid and
 * variables) instead of free text (smskit-whatsapp(7)). */
#include "dashboard_inbox.h"
#include "dashboard_consent.h"
#include "dashboard_view.h"
#include "address.h"
#include "batch.h"
#include "clip.h"
#include "clock.h"
#include "html.h"
#include "inbox.h"
#include "records.h"
#include "store.h"
#include "wawindow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct list {
	cJSON **recs;
	size_t  n, cap;
};

static int collect(cJSON *rec, void *arg)
{
	struct list *l = arg;
	if (l->n == l->cap) {
		cJSON_Delete(rec);
		return 1;
	}
	l->recs[l->n++] = rec;
	return 0;
}

static void list_init(struct list *l, size_t cap)
{
	l->recs = xcalloc(cap, sizeof *l->recs);
	l->n = 0;
	l->cap = cap;
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		cJSON_Delete(l->recs[i]);
	free(l->recs);
}

static long long rec_id(const cJSON *rec)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	return cJSON_IsNumber(id) ? (long long)id->valuedouble : 0;
}

static int rec_true(const cJSON *rec, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, k));
}

/* The hidden fields that bring a form back to where it was sent from. */
static void back_inputs(struct dash *x, const char *thread)
{
	if (!thread)
		return;
	dash_raw(x, "<input type=\"hidden\" name=\"number\" value=\"");
	dash_text(x, thread);
	dash_raw(x, "\">");
}

static void read_button(struct dash *x, long long id, int read, const char *thread)
{
	dash_raw(x, "<form method=\"post\" action=\"read\" class=\"inline\">");
	dash_csrf_input(x);
	back_inputs(x, thread);
	dash_printf(x, "<input type=\"hidden\" name=\"id\" value=\"%lld\"><input type=\"hidden\" "
	            "name=\"read\" value=\"%d\"><button type=\"submit\" class=\"small\">Mark %s"
	            "</button></form>", id, read, read ? "read" : "unread");
}

/* WhatsApp's 24-hour window of address: 1 open, 0 closed (or never opened),
 * -1 when the store failed; *closes: when it closes or closed, 0 when that
 * number never wrote. An SMS address has no window: 1. */
static int window_of(struct dash *x, const char *address, time_t *closes)
{
	*closes = 0;
	if (address_channel(address) != CHANNEL_WHATSAPP)
		return 1;
	return wa_window(x->st, address, clock_now(), closes);
}

/* The window's state in a sentence; id: the element's id, or NULL. */
static void window_line(struct dash *x, int open, time_t closes, const char *id)
{
	dash_printf(x, "<p class=\"window %s\"%s%s%s>", open > 0 ? "open" : "closed",
	            id ? " id=\"" : "", id ? id : "", id ? "\"" : "");
	if (open > 0) {
		dash_raw(x, "WhatsApp window open until ");
		dash_time_at(x, closes);
		dash_raw(x, ": free text and media can be sent.");
	} else if (open < 0) {
		dash_raw(x, "WhatsApp window unknown (the store failed): only a template is offered.");
	} else if (closes) {
		dash_raw(x, "WhatsApp window closed at ");
		dash_time_at(x, closes);
		dash_raw(x, ": only a template can be sent.");
	} else {
		dash_raw(x, "WhatsApp window closed: this number has not written yet, so only a "
		            "template can be sent.");
	}
	dash_raw(x, "</p>");
}

/* The template half of a WhatsApp reply form: the Content SID (HX and 32
 * hex digits, from the Twilio Console) and its variables as a JSON object. */
static void template_fields(struct dash *x, long long id, const char *t, int mine)
{
	dash_printf(x, "<label for=\"sid-%lld%s\">Template (Content SID)</label><input type=\"text\" "
	            "id=\"sid-%lld%s\" name=\"content_sid\" required pattern=\"HX[0-9a-fA-F]{32}\" "
	            "maxlength=\"34\" placeholder=\"HX0123456789abcdef0123456789abcdef\" "
	            "autocomplete=\"off\" value=\"", id, t, id, t);
	if (mine && x->draft_sid)
		dash_text(x, x->draft_sid);
	dash_printf(x, "\"><label for=\"vars-%lld%s\">Variables, a JSON object (leave empty for "
	            "none)</label><textarea id=\"vars-%lld%s\" name=\"content_variables\" rows=\"2\" "
	            "placeholder=\"{&quot;1&quot;: &quot;Ann&quot;, &quot;2&quot;: &quot;10:00&quot;}\">",
	            id, t, id, t);
	if (mine && x->draft_vars)
		dash_text(x, x->draft_vars);
	/* what Meta approved it as: its price (smskit-whatsapp(7), Pricing) */
	static const char *const cats[] = {"utility", "marketing", "authentication"};
	dash_printf(x, "</textarea><label for=\"cat-%lld%s\">Category</label><select id=\"cat-%lld%s\" "
	            "name=\"template_category\"><option value=\"\">not given (priced as marketing)"
	            "</option>", id, t, id, t);
	for (size_t i = 0; i < sizeof cats / sizeof *cats; i++)
		dash_printf(x, "<option%s>%s</option>",
		            mine && x->draft_cat && strcmp(x->draft_cat, cats[i]) == 0 ? " selected" : "",
		            cats[i]);
	dash_raw(x, "</select>");
}

/* The reply form of received message msg (dashboard_reply.c sends it);
 * thread: the conversation's number when it is shown there (the form comes
 * back to it), else NULL (the inbox). On WhatsApp outside the window: a
 * template send instead of free text. */
static void reply_form(struct dash *x, const cJSON *msg, const char *thread)
{
	long long id = rec_id(msg);
	const char *from = rec_str(msg, "from");
	const char *t = thread ? "t" : "";
	int mine = x->draft_id == id && (x->draft || x->draft_sid);
	time_t closes;
	int open = window_of(x, from, &closes);
	int wa = address_channel(from) == CHANNEL_WHATSAPP;
	dash_printf(x, "<details class=\"reply\"%s><summary>Reply%s</summary><form method=\"post\" "
	            "action=\"reply\" class=\"reply-form%s\">", mine ? " open" : "",
	            open > 0 ? "" : " with a template", open > 0 ? "" : " template");
	dash_csrf_input(x);
	back_inputs(x, thread);
	dash_printf(x, "<input type=\"hidden\" name=\"id\" value=\"%lld\">", id);
	if (wa && !thread) /* the conversation says it once, above */
		window_line(x, open, closes, NULL);
	if (open <= 0) {
		dash_raw(x, "<span>Reply to ");
		dash_text(x, from ? from : "-");
		dash_raw(x, "</span>");
		template_fields(x, id, t, mine);
		dash_raw(x, "<label class=\"quiet\"><input type=\"checkbox\" name=\"ignore_quiet\" "
		            "value=\"1\"> send even inside quiet hours</label> <button type=\"submit\">"
		            "Send template</button></form></details>");
		return;
	}
	dash_printf(x, "<label for=\"reply-%lld%s\">Reply to ", id, t);
	dash_text(x, from ? from : "-");
	dash_printf(x, "</label><textarea id=\"reply-%lld%s\" name=\"body\" rows=\"3\" required "
	            "data-counter=\"counter-%lld%s\" data-to=\"", id, t, id, t);
	dash_text(x, from);
	dash_raw(x, "\">");
	if (mine && x->draft)
		dash_text(x, x->draft);
	dash_printf(x, "</textarea><output id=\"counter-%lld%s\" class=\"counter\" "
	            "aria-live=\"polite\"></output><label class=\"quiet\"><input type=\"checkbox\" "
	            "name=\"ignore_quiet\" value=\"1\"> send even inside quiet hours</label> "
	            "<button type=\"submit\">Send reply</button></form></details>",
	            id, t);
}

/* One received message as a card: who, when, state, the text, the actions. */
static void card(struct dash *x, const cJSON *rec)
{
	long long id = rec_id(rec);
	int read = rec_true(rec, "read"), replied = rec_true(rec, "replied");
	const char *from = rec_str(rec, "from"), *to = rec_str(rec, "to");
	dash_printf(x, "<article class=\"msg%s\" id=\"m%lld\" data-id=\"%lld\"><header>"
	            "", read ? "" : " unread", id, id);
	dash_channel(x, rec);
	dash_raw(x, " <span class=\"from\">");
	dash_text(x, from ? from : "-");
	dash_raw(x, "</span>");
	if (rec_str(rec, "profile_name")) { /* the WhatsApp profile's name */
		dash_raw(x, " (<span class=\"profile\">");
		dash_text(x, rec_str(rec, "profile_name"));
		dash_raw(x, "</span>)");
	}
	dash_raw(x, " to <span class=\"to\">");
	dash_text(x, to ? to : "-");
	dash_raw(x, "</span> \xc2\xb7 ");
	dash_time(x, rec_str(rec, "created_at"));
	dash_printf(x, " \xc2\xb7 #%lld \xc2\xb7 <span class=\"state\">%s</span>", id,
	            replied ? "replied" : read ? "read" : "unread");
	if (from) {
		dash_raw(x, " \xc2\xb7 <a href=\"conversations?number=");
		dash_url(x, from);
		dash_raw(x, "\">conversation</a>");
	}
	dash_raw(x, "</header>");
	dash_body(x, rec);
	dash_raw(x, "<div class=\"actions\">");
	read_button(x, id, !read, NULL);
	dash_raw(x, "</div>");
	reply_form(x, rec, NULL);
	dash_raw(x, "</article>");
}

void dash_inbox_get(struct dash *x)
{
	int64_t after = 0;
	if (dash_id(dash_q(x, "after"), &after) != 0)
		after = 0;
	struct list unread, all;
	list_init(&unread, DASH_PAGE + 1);
	list_init(&all, DASH_PAGE);
	const char *const received[] = {"received"};
	struct store_query uq = {.unread = 1, .newest_first = 1, .limit = DASH_PAGE + 1};
	struct store_query aq = {.direction = "inbound", .statuses = received, .nstatuses = 1,
	                         .newest_first = 1, .after_id = after, .limit = DASH_PAGE};
	if ((!after && store_msg_list(x->st, &uq, collect, &unread) != STORE_OK) ||
	    store_msg_list(x->st, &aq, collect, &all) != STORE_OK) {
		list_free(&unread);
		list_free(&all);
		dash_store_fail(x);
		return;
	}
	dash_begin(x, "inbox", "Inbox");
	dash_raw(x, "<h2>Inbox</h2>");
	if (!after) {
		size_t shown = unread.n > DASH_PAGE ? DASH_PAGE : unread.n;
		dash_raw(x, "<section class=\"unread\" aria-labelledby=\"unread-h\">"
		            "<h3 id=\"unread-h\">Unread</h3>");
		if (shown == 0)
			dash_raw(x, "<p class=\"empty\">No unread messages.</p>");
		else if (unread.n > DASH_PAGE)
			dash_printf(x, "<p>The newest %d unread; mark them read to see the next.</p>",
			            DASH_PAGE);
		if (shown > 1) {
			dash_raw(x, "<form method=\"post\" action=\"read\" class=\"inline\">");
			dash_csrf_input(x);
			for (size_t i = 0; i < shown; i++)
				dash_printf(x, "<input type=\"hidden\" name=\"id\" value=\"%lld\">",
				            rec_id(unread.recs[i]));
			dash_printf(x, "<input type=\"hidden\" name=\"read\" value=\"1\"><button "
			            "type=\"submit\">Mark these %zu read</button></form>", shown);
		}
		for (size_t i = 0; i < shown; i++)
			card(x, unread.recs[i]);
		dash_raw(x, "</section>");
	}
	dash_raw(x, "<section class=\"all\" aria-labelledby=\"all-h\"><h3 id=\"all-h\">Received, "
	            "newest first</h3>");
	size_t shown_here = 0;
	for (size_t i = 0; i < all.n; i++) {
		int above = 0; /* shown under Unread already */
		for (size_t k = 0; !after && k < unread.n && k < DASH_PAGE && !above; k++)
			above = rec_id(unread.recs[k]) == rec_id(all.recs[i]);
		if (!above) {
			card(x, all.recs[i]);
			shown_here++;
		}
	}
	if (shown_here == 0)
		dash_raw(x, all.n ? "<p class=\"empty\">No other messages on this page.</p>"
		                  : "<p class=\"empty\">No messages.</p>");
	dash_raw(x, "<nav class=\"pager\" aria-label=\"pages\">");
	if (after)
		dash_raw(x, "<a href=\"inbox\" rel=\"first\">Newest</a> ");
	if (all.n == DASH_PAGE)
		dash_printf(x, "<a href=\"inbox?after=%lld\" rel=\"next\">Older</a>",
		            rec_id(all.recs[all.n - 1]));
	dash_raw(x, "</nav></section>");
	list_free(&unread);
	list_free(&all);
	dash_end(x);
	dash_send(x, x->status ? x->status : 200);
}

/* ---- Conversations ------------------------------------------------------------------------ */

#define RECENT_SCAN 500  /* the latest messages that list the recent conversations */
#define RECENT_MAX  60   /* conversations listed */
#define THREAD_MAX  200  /* messages of a conversation shown, the newest */

struct peer {
	char      number[ADDRESS_LEN];
	cJSON    *last;
	long long n, unread;
};

static void recent(struct dash *x, const char *current)
{
	struct list l;
	list_init(&l, RECENT_SCAN);
	struct store_query q = {.by_time = 1, .newest_first = 1, .limit = RECENT_SCAN};
	if (store_msg_list(x->st, &q, collect, &l) != STORE_OK) {
		list_free(&l);
		dash_note(x, "error", "The store failed: %s", store_errmsg(x->st));
		return;
	}
	struct peer peers[RECENT_MAX] = {{{0}, NULL, 0, 0}};
	size_t np = 0;
	for (size_t i = 0; i < l.n; i++) {
		const cJSON *r = l.recs[i];
		const char *dir = rec_str(r, "direction");
		int in = dir && strcmp(dir, "inbound") == 0;
		const char *num = rec_str(r, in ? "from" : "to");
		if (!num || strlen(num) >= sizeof peers[0].number)
			continue;
		size_t k = 0;
		while (k < np && strcmp(peers[k].number, num) != 0)
			k++;
		if (k == np) {
			if (np == RECENT_MAX)
				continue;
			snprintf(peers[np].number, sizeof peers[np].number, "%s", num);
			peers[np].last = l.recs[i];
			peers[np].n = peers[np].unread = 0;
			np++;
		}
		peers[k].n++;
		peers[k].unread += in && !rec_true(r, "read");
	}
	dash_raw(x, "<ul class=\"peers\">");
	if (np == 0)
		dash_raw(x, "<li class=\"empty\">No messages yet.</li>");
	for (size_t k = 0; k < np; k++) {
		char clip[200];
		clip_text(rec_str(peers[k].last, "body"), 48, clip, sizeof clip);
		dash_printf(x, "<li%s><a href=\"conversations?number=",
		            current && strcmp(current, peers[k].number) == 0 ? " class=\"current\"" : "");
		dash_url(x, peers[k].number);
		dash_raw(x, "\">");
		dash_channel(x, peers[k].last);
		dash_raw(x, " <span class=\"number\">");
		dash_text(x, peers[k].number);
		dash_raw(x, "</span>");
		if (peers[k].unread)
			dash_printf(x, " <span class=\"count\">%lld</span>", peers[k].unread);
		dash_raw(x, "<br><span class=\"snippet\">");
		dash_text(x, clip);
		dash_raw(x, "</span></a></li>");
	}
	dash_raw(x, "</ul>");
	list_free(&l);
}

static void thread(struct dash *x, const char *number)
{
	struct list l;
	list_init(&l, THREAD_MAX);
	struct store_query q = {.number = number, .tail = 1, .limit = THREAD_MAX};
	if (store_msg_list(x->st, &q, collect, &l) != STORE_OK) {
		list_free(&l);
		dash_note(x, "error", "The store failed: %s", store_errmsg(x->st));
		return;
	}
	dash_raw(x, "<section class=\"thread\" aria-labelledby=\"thread-h\"><h3 id=\"thread-h\">");
	dash_text(x, number);
	dash_raw(x, "</h3>");
	dash_consent_line(x, number);
	if (address_channel(number) == CHANNEL_WHATSAPP) {
		time_t closes;
		int open = window_of(x, number, &closes);
		window_line(x, open, closes, "window");
	}
	if (l.n == 0)
		dash_raw(x, "<p class=\"empty\">No messages to or from this number.</p>");
	if (l.n == THREAD_MAX)
		dash_printf(x, "<p>The latest %d messages.</p>", THREAD_MAX);
	const cJSON *last_in = NULL;
	size_t nunread = 0;
	dash_raw(x, "<ol class=\"bubbles\">");
	for (size_t i = 0; i < l.n; i++) {
		const cJSON *r = l.recs[i];
		const char *dir = rec_str(r, "direction");
		int in = dir && strcmp(dir, "inbound") == 0;
		if (in) {
			last_in = r;
			nunread += !rec_true(r, "read");
		}
		dash_printf(x, "<li class=\"%s%s\" id=\"m%lld\"><div class=\"meta\">",
		            in ? "them" : "us", in && !rec_true(r, "read") ? " unread" : "", rec_id(r));
		dash_channel(x, r);
		dash_printf(x, " %s \xc2\xb7 ", in ? "Them" : "You");
		dash_time(x, rec_str(r, "created_at"));
		dash_printf(x, " \xc2\xb7 #%lld", rec_id(r));
		if (!in) {
			dash_raw(x, " \xc2\xb7 ");
			dash_status(x, rec_str(r, "status"));
		}
		dash_raw(x, "</div>");
		dash_body(x, r);
		dash_raw(x, "</li>");
	}
	dash_raw(x, "</ol>");
	if (nunread) {
		dash_raw(x, "<form method=\"post\" action=\"read\" class=\"inline\">");
		dash_csrf_input(x);
		back_inputs(x, number);
		for (size_t i = 0; i < l.n; i++) {
			const char *dir = rec_str(l.recs[i], "direction");
			if (dir && strcmp(dir, "inbound") == 0 && !rec_true(l.recs[i], "read"))
				dash_printf(x, "<input type=\"hidden\" name=\"id\" value=\"%lld\">",
				            rec_id(l.recs[i]));
		}
		dash_printf(x, "<input type=\"hidden\" name=\"read\" value=\"1\"><button "
		            "type=\"submit\">Mark the conversation read (%zu)</button></form>", nunread);
	}
	if (last_in)
		reply_form(x, last_in, number);
	dash_raw(x, "</section>");
	list_free(&l);
}

void dash_threads_get(struct dash *x)
{
	const char *arg = dash_q(x, "number");
	if (!arg)
		arg = dash_f(x, "number"); /* a reply from the conversation shown again */
	char number[ADDRESS_LEN] = "", whybuf[200];
	const char *why = NULL;
	const char *region = config_default_country(x->d->cfg);
	int bad = 0;
	struct address a;
	if (arg && *arg && address_parse(arg, region, &a, whybuf, sizeof whybuf) == 0) {
		/* a conversation is per channel and number, as stored */
		snprintf(number, sizeof number, "%s", a.text);
	} else if (arg && *arg && strchr(arg, ':')) {
		bad = 1; /* "fax:+1...", or a WhatsApp address that holds no number */
		why = whybuf;
	} else if (arg && *arg) {
		/* a short code, a sender id, a number no one could send to */
		bad = inbox_number(arg, region, number, &why) != 0;
	}
	dash_begin(x, "conversations", "Conversations");
	dash_raw(x, "<h2>Conversations</h2><form method=\"get\" action=\"conversations\" "
	            "class=\"find\"><label>Number <input type=\"tel\" name=\"number\" value=\"");
	dash_text(x, arg);
	dash_raw(x, "\" placeholder=\"+15551234567 or whatsapp:+15551234567\"></label> <button type=\"submit\">Show"
	            "</button></form>");
	if (bad)
		dash_note(x, "error", "%s", why ? why : "Not a phone number.");
	dash_raw(x, "<div class=\"conversations\"><div class=\"recent\"><h3>Recent</h3>");
	recent(x, *number ? number : NULL);
	dash_raw(x, "</div>");
	if (*number)
		thread(x, number);
	dash_raw(x, "</div>");
	dash_end(x);
	dash_send(x, x->status ? x->status : bad ? 400 : 200);
}

/* ---- Read and unread ---------------------------------------------------------------------- */

void dash_read_post(struct dash *x)
{
	const char *r = dash_f(x, "read");
	int read = !(r && strcmp(r, "0") == 0);
	int64_t ids[BATCH_RECORDS];
	size_t n = 0;
	for (size_t i = 0; i < x->f.n; i++) {
		if (strcmp(x->f.pairs[i].name, "id") != 0)
			continue;
		if (n == BATCH_RECORDS || dash_id(x->f.pairs[i].value, &ids[n]) != 0) {
			dash_fail(x, 400, "Give at most %d message ids.", BATCH_RECORDS);
			return;
		}
		n++;
	}
	long long changed = 0;
	int began = store_begin_immediate(x->st) == STORE_OK, failed = !began;
	for (size_t i = 0; i < n && !failed; i++) {
		int rc = store_msg_mark_read(x->st, ids[i], read);
		if (rc == STORE_OK)
			changed++;
		else if (rc == STORE_ERR)
			failed = 1;
		/* an unknown id or a message we sent: nothing to change */
	}
	if (began && !failed && store_commit(x->st) != STORE_OK)
		failed = 1;
	else if (began && failed)
		store_rollback(x->st);
	if (failed) {
		dash_store_fail(x);
		return;
	}
	const char *number = dash_f(x, "number");
	if (number && *number) {
		struct strbuf b;
		strbuf_init(&b);
		html_url_esc(&b, number);
		dash_redirect(x, "conversations?number=%s&note=read&n=%lld&unread=%d", b.s, changed,
		              !read);
		strbuf_free(&b);
	} else {
		dash_redirect(x, "inbox?note=read&n=%lld&unread=%d", changed, !read);
	}
}
