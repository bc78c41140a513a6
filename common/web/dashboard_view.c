/* dashboard_view — the frame of every dashboard page (head, tabs, the notes
 * of what the last action did, the end), the cells the tabs share (times,
 * bodies with media previews, statuses) and the ways to answer. Text goes
 * through html_esc() without exception. */
#include "dashboard_view.h"
#include "address.h"
#include "clock.h"
#include "dashboard_int.h"
#include "html.h"
#include "msgid.h"
#include "records.h"
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dash_raw(struct dash *x, const char *s) { strbuf_puts(&x->out, s); }
void dash_text(struct dash *x, const char *s) { html_esc(&x->out, s); }
void dash_url(struct dash *x, const char *s) { html_url_esc(&x->out, s); }

void dash_printf(struct dash *x, const char *fmt, ...)
{
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	char buf[1024];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof buf) {
		char *big = xmalloc((size_t)n + 1);
		vsnprintf(big, (size_t)n + 1, fmt, aq);
		strbuf_add(&x->out, big, (size_t)n);
		free(big);
	} else if (n > 0) {
		strbuf_add(&x->out, buf, (size_t)n);
	}
	va_end(aq);
}

const char *dash_q(const struct dash *x, const char *name) { return form_get(&x->q, name); }
const char *dash_f(const struct dash *x, const char *name) { return form_get(&x->f, name); }

int dash_id(const char *s, int64_t *id)
{
	long long v;
	if (!s || msgid_parse_str(s, &v) != 0)
		return -1;
	*id = v;
	return 0;
}

char *dash_textarea(const char *s)
{
	char *out = xstrdup(s ? s : ""), *o = out;
	for (const char *p = out; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			*o++ = *p;
	*o = '\0';
	return out;
}

static int count_one(const char *status, long long n, void *arg)
{
	if (strcmp(status, "pending") == 0) {
		*(long long *)arg = n;
		return 1;
	}
	return 0;
}

long long dash_pending(struct dash *x)
{
	long long n = 0;
	if (store_status_counts(x->st, "outbound", count_one, &n) != STORE_OK)
		return -1;
	return n;
}

static int count_unread(cJSON *rec, void *arg)
{
	cJSON_Delete(rec);
	(*(int *)arg)++;
	return 0;
}

/* ---- The frame ---------------------------------------------------------------------------- */

static const struct {
	const char *tab, *label;
} tabs[] = {
	{"staged", "Staged"},
	{"inbox", "Inbox"},
	{"conversations", "Conversations"},
	{"sent", "Sent"},
	{"autoresponders", "Autoresponders"},
	{"spend", "Spend"},
};

static void nav(struct dash *x, const char *tab)
{
	long long pending = dash_pending(x);
	int unread = 0;
	struct store_query uq = {.unread = 1, .limit = 100};
	if (store_msg_list(x->st, &uq, count_unread, &unread) != STORE_OK)
		unread = 0;
	dash_raw(x, "<nav aria-label=\"tabs\">");
	for (size_t i = 0; i < sizeof tabs / sizeof *tabs; i++) {
		dash_printf(x, "<a href=\"%s\"%s>%s", tabs[i].tab,
		            strcmp(tab, tabs[i].tab) == 0 ? " aria-current=\"page\"" : "", tabs[i].label);
		if (i == 0 && pending > 0)
			dash_printf(x, " <span class=\"count\" id=\"count-pending\">%lld</span>", pending);
		if (i == 1 && unread >= 100)
			dash_raw(x, " <span class=\"count\" id=\"count-unread\">99+</span>");
		else if (i == 1 && unread > 0)
			dash_printf(x, " <span class=\"count\" id=\"count-unread\">%d</span>", unread);
		dash_raw(x, "</a>");
	}
	dash_raw(x, "</nav><div class=\"who\">Reviewer: <strong id=\"reviewer\">");
	dash_text(x, x->reviewer);
	dash_raw(x, "</strong>");
	if (x->via_cookie) {
		dash_raw(x, " <form method=\"post\" action=\"logout\" class=\"inline\">");
		dash_csrf_input(x);
		dash_raw(x, "<button type=\"submit\" class=\"link\">Sign out</button></form>");
	}
	dash_raw(x, "</div>");
}

static long long qnum(const struct dash *x, const char *name)
{
	long long v;
	const char *s = dash_q(x, name);
	return s && parse_whole(s, 1000000000LL, &v) == 0 ? v : 0;
}

/* What the last POST did, from the query string of its redirect: numbers and
 * fixed words only, so that no text can be planted through a link. */
static void notes(struct dash *x)
{
	const char *n = dash_q(x, "note");
	if (!n)
		return;
	if (strcmp(n, "decided") == 0) {
		long long a = qnum(x, "a"), r = qnum(x, "r"), s = qnum(x, "s");
		struct strbuf b;
		strbuf_init(&b);
		if (a)
			strbuf_printf(&b, "Approved %lld message%s: sms-send --approved sends %s. ", a,
			              a == 1 ? "" : "s", a == 1 ? "it" : "them");
		if (r)
			strbuf_printf(&b, "Rejected %lld message%s. ", r, r == 1 ? "" : "s");
		if (s)
			strbuf_printf(&b, "%lld message%s no longer pending (decided meanwhile) and "
			              "left as %s.", s, s == 1 ? " was" : "s were", s == 1 ? "it was" : "they were");
		if (b.len)
			dash_note(x, s ? "error" : "ok", "%s", b.s);
		strbuf_free(&b);
	} else if (strcmp(n, "replied") == 0) {
		int64_t id;
		cJSON *rec = NULL;
		if (dash_id(dash_q(x, "id"), &id) == 0 && store_msg_get(x->st, id, &rec) == STORE_OK) {
			const char *st = rec_str(rec, "status"), *to = rec_str(rec, "to");
			dash_note(x, "ok", "Reply #%lld to %s: %s.", (long long)id, to ? to : "-",
			          st ? st : "-");
		}
		cJSON_Delete(rec);
	} else if (strcmp(n, "read") == 0) {
		long long k = qnum(x, "n");
		dash_note(x, "ok", "Marked %lld message%s %s.", k, k == 1 ? "" : "s",
		          qnum(x, "unread") ? "unread" : "read");
	} else if (strcmp(n, "auto") == 0) {
		static const char *const acts[] = {"added", "enabled", "disabled", "deleted"};
		long long a = qnum(x, "act");
		if (a >= 0 && a < 4)
			dash_note(x, "ok", "Autoresponder #%lld %s.", qnum(x, "id"), acts[a]);
	} else if (strcmp(n, "none") == 0) {
		dash_note(x, "error", "Nothing was selected: tick messages first, or use the buttons "
		          "of one message.");
	}
}

void dash_begin(struct dash *x, const char *tab, const char *title)
{
	dash_raw(x, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	            "<title>");
	dash_text(x, title);
	dash_raw(x, " \xc2\xb7 smskit review</title><link rel=\"stylesheet\" href=\"app.css\">"
	            "<script src=\"app.js\" defer></script></head><body><header class=\"top\">"
	            "<h1><a href=\"staged\">smskit review</a></h1>");
	if (tab)
		nav(x, tab);
	dash_raw(x, "</header><main>");
	if (x->d->conf_err[0] && tab)
		dash_note(x, "error", "Settings: %s", x->d->conf_err);
	if (tab)
		notes(x);
	if (x->draft_error)
		dash_note(x, "error", "%s", x->draft_error);
}

void dash_end(struct dash *x)
{
	dash_raw(x, "</main></body></html>\n");
}

void dash_note(struct dash *x, const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	dash_printf(x, "<p class=\"note %s\" role=\"%s\">", kind,
	            strcmp(kind, "error") == 0 ? "alert" : "status");
	dash_text(x, buf);
	dash_raw(x, "</p>");
}

void dash_csrf_input(struct dash *x)
{
	dash_printf(x, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", x->csrf);
}

void dash_time(struct dash *x, const char *t)
{
	if (!t) {
		dash_raw(x, "-");
		return;
	}
	char local[64];
	clock_local_display(t, local, sizeof local);
	dash_raw(x, "<time datetime=\"");
	dash_text(x, t);
	dash_raw(x, "\">");
	dash_text(x, local);
	dash_raw(x, "</time>");
}

void dash_time_at(struct dash *x, time_t t)
{
	char buf[32];
	clock_format(t, buf, sizeof buf);
	dash_time(x, buf);
}

void dash_channel(struct dash *x, const cJSON *rec)
{
	const char *name = rec_str(rec, "channel");
	enum channel ch = CHANNEL_SMS;
	if (!name || channel_from_name(name, &ch) != 0) {
		const char *dir = rec_str(rec, "direction");
		ch = address_channel(rec_str(rec, dir && strcmp(dir, "inbound") == 0 ? "from" : "to"));
	}
	dash_printf(x, "<span class=\"channel ch-%s\">%s</span>", channel_name(ch),
	            ch == CHANNEL_WHATSAPP ? "WhatsApp" : "SMS");
}

/* A template send: its Content SID and variables, as the reviewer must see
 * what will be filled in. */
static void template_of(struct dash *x, const cJSON *rec)
{
	const char *sid = rec_str(rec, "content_sid");
	if (!sid)
		return;
	dash_raw(x, "<div class=\"template\">Template <code class=\"sid\">");
	dash_text(x, sid);
	dash_raw(x, "</code>");
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(rec, "content_variables");
	if (cJSON_IsObject(vars) && vars->child) {
		char *v = cJSON_PrintUnformatted(vars);
		dash_raw(x, " with <code class=\"vars\">");
		dash_text(x, v);
		dash_raw(x, "</code>");
		free(v);
	}
	dash_raw(x, "</div>");
}

/* What a WhatsApp message carries besides text: the quick-reply button
 * pressed, and a shared location. */
static void whatsapp_extras(struct dash *x, const cJSON *rec)
{
	const char *button = rec_str(rec, "button_text"), *payload = rec_str(rec, "button_payload");
	const char *lat = rec_str(rec, "latitude"), *lon = rec_str(rec, "longitude");
	if (button || payload) {
		dash_raw(x, "<div class=\"wa-extra button\">Quick reply: ");
		dash_text(x, button ? button : payload);
		if (button && payload && strcmp(button, payload) != 0) {
			dash_raw(x, " (payload <code>");
			dash_text(x, payload);
			dash_raw(x, "</code>)");
		}
		dash_raw(x, "</div>");
	}
	if (lat && lon) {
		dash_raw(x, "<div class=\"wa-extra location\">Location: ");
		dash_text(x, lat);
		dash_raw(x, ", ");
		dash_text(x, lon);
		dash_raw(x, "</div>");
	}
}

void dash_body(struct dash *x, const cJSON *rec)
{
	dash_raw(x, "<div class=\"body\">");
	dash_text(x, rec_str(rec, "body"));
	dash_raw(x, "</div>");
	template_of(x, rec);
	whatsapp_extras(x, rec);
	const cJSON *media = cJSON_GetObjectItemCaseSensitive(rec, "media"), *m;
	if (cJSON_GetArraySize(media) == 0)
		return;
	dash_raw(x, "<div class=\"media\">");
	int i = 0;
	cJSON_ArrayForEach(m, media) {
		if (!cJSON_IsString(m))
			continue;
		i++;
		const char *u = m->valuestring;
		if (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) {
			dash_raw(x, "<a href=\"");
			dash_text(x, u);
			dash_raw(x, "\" target=\"_blank\" rel=\"noopener noreferrer\"><img src=\"");
			dash_text(x, u);
			dash_printf(x, "\" alt=\"media %d\" loading=\"lazy\"></a>", i);
		} else {
			dash_raw(x, "<span class=\"media-url\">");
			dash_text(x, u);
			dash_raw(x, "</span>");
		}
	}
	dash_raw(x, "</div>");
}

void dash_status(struct dash *x, const char *status)
{
	dash_raw(x, "<span class=\"status st-");
	dash_text(x, status ? status : "none");
	dash_raw(x, "\">");
	dash_text(x, status ? status : "-");
	dash_raw(x, "</span>");
}

/* ---- Answers --------------------------------------------------------------------------------- */

void dash_send(struct dash *x, int status)
{
	x->rs->status = status;
	x->rs->content_type = "text/html; charset=utf-8";
}

void dash_redirect(struct dash *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char loc[1024];
	vsnprintf(loc, sizeof loc, fmt, ap);
	va_end(ap);
	for (char *p = loc; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '_'; /* never a header split */
	strbuf_printf(&x->hdr, "Location: %s\r\n", loc);
	x->out.len = 0;
	dash_raw(x, "<!DOCTYPE html>\n<p><a href=\"");
	dash_text(x, loc);
	dash_raw(x, "\">Continue</a></p>\n");
	dash_send(x, 303);
}

void dash_fail(struct dash *x, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	x->out.len = 0;
	if (x->out.s)
		x->out.s[0] = '\0';
	dash_begin(x, NULL, "Error");
	dash_note(x, "error", "%s", msg);
	dash_raw(x, "<p><a href=\"staged\">Back to the dashboard</a></p>");
	dash_end(x);
	dash_send(x, status);
}

void dash_store_fail(struct dash *x)
{
	const char *e = store_errmsg(x->st);
	dash_fail(x, 503, "The store failed: %s", e && *e ? e : "unknown error");
}
