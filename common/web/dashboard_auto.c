/* dashboard_auto — the autoresponders tab: the rules in the order they are
 * tried, with their counts; adding one (checked as sms-auto add checks it:
 * autoresp.h for the trigger and the active hours, the policy's length),
 * enabling, disabling and deleting. */
#include "dashboard_auto.h"
#include "dashboard_view.h"
#include "autoresp.h"
#include "autorules.h"
#include "policy.h"
#include "records.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int row(const struct store_auto *a, void *arg)
{
	struct dash *x = arg;
	long long id = (long long)a->id;
	dash_printf(x, "<tr id=\"rule-%lld\" class=\"%s\"><td class=\"num\">%lld</td>"
	            "<td class=\"trigger\"><code>", id, a->enabled ? "on" : "off", id);
	dash_text(x, a->trigger);
	dash_raw(x, "</code></td><td class=\"text\"><div class=\"body\">");
	dash_text(x, a->response);
	dash_raw(x, "</div></td><td>");
	dash_text(x, a->active_hours ? a->active_hours : "always");
	dash_printf(x, "</td><td>%s", a->enabled ? "enabled" : "disabled");
	char why[400];
	if (autorules_skipped(a, why, sizeof why)) {
		dash_raw(x, "<div class=\"skipped\">skipped: ");
		dash_text(x, why);
		dash_raw(x, "</div>");
	}
	dash_printf(x, "</td><td class=\"num\">%lld</td><td class=\"time\">", a->trigger_count);
	if (a->last_triggered_at)
		dash_time(x, a->last_triggered_at);
	else
		dash_raw(x, "never");
	dash_raw(x, "</td><td class=\"actions\"><form method=\"post\" action=\"autoresponders\" "
	            "class=\"inline\">");
	dash_csrf_input(x);
	dash_printf(x, "<input type=\"hidden\" name=\"id\" value=\"%lld\"><button type=\"submit\" "
	            "name=\"action\" value=\"%s\" class=\"small\">%s</button> <button type=\"submit\" "
	            "name=\"action\" value=\"delete\" class=\"small reject\">Delete</button></form>"
	            "</td></tr>", id, a->enabled ? "disable" : "enable",
	            a->enabled ? "Disable" : "Enable");
	return 0;
}

/* The page; a failed add comes back with what was typed and why. */
static void render(struct dash *x, const char *error, int status)
{
	struct strbuf rows = x->out;
	strbuf_init(&x->out);
	int rc = store_auto_list(x->st, 0, row, x);
	struct strbuf tmp = x->out;
	x->out = rows;
	rows = tmp;
	if (rc != STORE_OK) {
		strbuf_free(&rows);
		dash_store_fail(x);
		return;
	}
	dash_begin(x, "autoresponders", "Autoresponders");
	dash_raw(x, "<h2>Autoresponders</h2>");
	if (error)
		dash_note(x, "error", "%s", error);
	dash_raw(x, "<p>The first enabled rule whose trigger matches an inbound message, inside "
	            "its active hours, answers it. A trigger is a keyword (the message's first word, "
	            "any case) or a /regular expression/.</p>");
	if (rows.len == 0) {
		dash_raw(x, "<p class=\"empty\">No autoresponders yet.</p>");
	} else {
		dash_raw(x, "<table class=\"rules\"><thead><tr><th>#</th><th>Trigger</th>"
		            "<th>Response</th><th>Active hours</th><th>State</th><th>Fired</th>"
		            "<th>Last fired</th><th></th></tr></thead><tbody>");
		strbuf_add(&x->out, rows.s, rows.len);
		dash_raw(x, "</tbody></table>");
	}
	strbuf_free(&rows);
	const char *t = error ? dash_f(x, "trigger") : NULL, *r = error ? dash_f(x, "response") : NULL;
	const char *h = error ? dash_f(x, "active_hours") : NULL;
	dash_raw(x, "<h3>Add a rule</h3><form method=\"post\" action=\"autoresponders\" "
	            "class=\"add-rule\">");
	dash_csrf_input(x);
	dash_raw(x, "<input type=\"hidden\" name=\"action\" value=\"add\"><label>Trigger "
	            "<input type=\"text\" name=\"trigger\" required placeholder=\"HOURS or /regex/\" "
	            "value=\"");
	dash_text(x, t);
	dash_raw(x, "\"></label><label>Response <textarea name=\"response\" rows=\"2\" required "
	            "data-counter=\"counter-rule\">");
	dash_text(x, r);
	dash_raw(x, "</textarea></label><output id=\"counter-rule\" class=\"counter\" "
	            "aria-live=\"polite\"></output><label>Active hours <input type=\"text\" "
	            "name=\"active_hours\" placeholder=\"9am-5pm Mon-Fri (empty: always)\" value=\"");
	dash_text(x, h);
	dash_raw(x, "\"></label><label class=\"check\"><input type=\"checkbox\" name=\"enabled\" "
	            "value=\"1\" checked> enabled</label> <button type=\"submit\">Add</button></form>");
	dash_end(x);
	dash_send(x, status);
}

void dash_auto_get(struct dash *x)
{
	render(x, NULL, 200);
}

static char *trimmed(const char *s)
{
	if (!s)
		return xstrdup("");
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return xstrndup(s, n);
}

static void add(struct dash *x)
{
	char *trigger = trimmed(dash_f(x, "trigger")), *hours = trimmed(dash_f(x, "active_hours"));
	char *response = dash_textarea(dash_f(x, "response"));
	char err[400] = "", *stripped = trimmed(response);
	struct autoresp_hours h;
	struct gsm_info g;
	int64_t id = 0;
	if (autoresp_trigger_check(trigger, NULL, err, sizeof err) != 0) {
		/* err says why */
	} else if (!*stripped) {
		snprintf(err, sizeof err, "The response is empty.");
	} else if (gsm_analyze(response, strlen(response), &g) != 0) {
		snprintf(err, sizeof err, "The response is not valid text.");
	} else {
		size_t n = policy_utf16_units(&g);
		gsm_info_free(&g);
		if (n > POLICY_MAX_BODY)
			snprintf(err, sizeof err, "The response has %zu characters; the limit is %d.", n,
			         POLICY_MAX_BODY);
		else if (*hours)
			autoresp_hours_parse(hours, &h, err, sizeof err); /* err says why it fails */
	}
	const char *en = dash_f(x, "enabled");
	if (*err) {
		char msg[420];
		snprintf(msg, sizeof msg, "Not added: %s", err);
		render(x, msg, 400);
	} else if (store_auto_add(x->st, &(struct store_auto){.trigger = trigger,
	                          .response = response, .enabled = en && strcmp(en, "1") == 0,
	                          .active_hours = *hours ? hours : NULL}, &id) != STORE_OK) {
		dash_store_fail(x);
	} else {
		dash_redirect(x, "autoresponders?note=auto&act=0&id=%lld", (long long)id);
	}
	free(trigger);
	free(hours);
	free(response);
	free(stripped);
}

void dash_auto_post(struct dash *x)
{
	const char *action = dash_f(x, "action");
	if (action && strcmp(action, "add") == 0) {
		add(x);
		return;
	}
	int64_t id;
	int act = !action ? -1 : strcmp(action, "enable") == 0 ? 1 : strcmp(action, "disable") == 0
	        ? 2 : strcmp(action, "delete") == 0 ? 3 : -1;
	if (act < 0 || dash_id(dash_f(x, "id"), &id) != 0) {
		dash_fail(x, 400, "Say add, enable, disable or delete, and which rule.");
		return;
	}
	int rc = act == 3 ? store_auto_remove(x->st, id) : store_auto_set_enabled(x->st, id, act == 1);
	if (rc == STORE_NOTFOUND) {
		render(x, "No such rule (deleted meanwhile?).", 404);
		return;
	}
	if (rc != STORE_OK) {
		dash_store_fail(x);
		return;
	}
	dash_redirect(x, "autoresponders?note=auto&act=%d&id=%lld", act, (long long)id);
}
