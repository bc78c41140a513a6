/* dashboard_auto — the autoresponders tab: the rules in the order they are
 * tried, with their counts and flow fields, and the flows they make
 * (dashboard_flows.h); adding one (by sms-auto add's own function,
 * autorules_add, so it is checked the same way), enabling, disabling and
 * deleting. */
#include "dashboard_auto.h"
#include "dashboard_flows.h"
#include "dashboard_view.h"
#include "autoresp.h"
#include "autorules.h"
#include "inbound.h"
#include "records.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct listing {
	struct dash       *x;
	struct dash_flows *flows;
	long long          window; /* SMS_FLOW_WINDOW, seconds */
};

/* The flow fields of a rule (sms-auto(1), Flows): its name, how its trigger
 * matches, the states it waits for and for how long, and whether it ends. */
static void flow_cell(struct dash *x, const struct store_auto *a, long long window)
{
	int m = autoresp_match_of(a->trigger, a->match);
	dash_raw(x, "<td class=\"flow\">");
	if (a->name && *a->name) {
		dash_raw(x, "<div class=\"name\">name <code>");
		dash_text(x, a->name);
		dash_raw(x, "</code></div>");
	}
	dash_printf(x, "<div class=\"match\">match %s%s</div>", m == AUTORESP_REGEX ? "regex"
	            : m == AUTORESP_EXACT ? "exact" : "word", a->match ? "" : " (by its form)");
	if (a->after && *a->after) {
		char w[32];
		dash_flows_duration(w, sizeof w, a->within > 0 ? a->within : window);
		dash_raw(x, "<div class=\"after\">after <code>");
		dash_text(x, a->after);
		dash_printf(x, "</code> within %s%s</div>", w, a->within > 0 ? ""
		            : " (SMS_FLOW_WINDOW)");
	}
	if (a->ends)
		dash_raw(x, "<div class=\"ends\">ends the conversation</div>");
	dash_raw(x, "</td>");
}

static int row(const struct store_auto *a, void *arg)
{
	struct listing *l = arg;
	struct dash *x = l->x;
	long long id = (long long)a->id;
	dash_flows_add(l->flows, a);
	dash_printf(x, "<tr id=\"rule-%lld\" class=\"%s\"><td class=\"num\">%lld</td>"
	            "<td class=\"trigger\"><code>", id, a->enabled ? "on" : "off", id);
	dash_text(x, a->trigger);
	dash_raw(x, "</code></td>");
	flow_cell(x, a, l->window);
	dash_raw(x, "<td class=\"text\"><div class=\"body\">");
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
	char werr[200];
	struct listing l = {.x = x, .flows = dash_flows_new(), .window = 86400};
	if (inbound_flow_window(x->d->cfg, &l.window, werr, sizeof werr) != 0)
		l.window = 86400; /* sms-webhookd refuses to start so; the default here */
	struct strbuf rows = x->out;
	strbuf_init(&x->out);
	int rc = store_auto_list(x->st, 0, row, &l);
	struct strbuf tmp = x->out;
	x->out = rows;
	rows = tmp;
	if (rc != STORE_OK) {
		strbuf_free(&rows);
		dash_flows_free(l.flows);
		dash_store_fail(x);
		return;
	}
	dash_begin(x, "autoresponders", "Autoresponders");
	dash_raw(x, "<h2>Autoresponders</h2>");
	if (error)
		dash_note(x, "error", "%s", error);
	dash_raw(x, "<p>The first enabled rule whose trigger matches an inbound message, inside "
	            "its active hours, answers it. A trigger is a keyword (the message's first word, "
	            "any case), an exact message (a single character, a number or a range such as 1-5) "
	            "or a /regular expression/. A rule that waits for states (after) answers only "
	            "while the thread is in one of them; its answer puts the thread in the state "
	            "of its name, or ends the conversation.</p>");
	if (rows.len == 0) {
		dash_raw(x, "<p class=\"empty\">No autoresponders yet.</p>");
	} else {
		dash_raw(x, "<table class=\"rules\"><thead><tr><th>#</th><th>Trigger</th>"
		            "<th>Flow</th><th>Response</th><th>Active hours</th><th>State</th><th>Fired</th>"
		            "<th>Last fired</th><th></th></tr></thead><tbody>");
		strbuf_add(&x->out, rows.s, rows.len);
		dash_raw(x, "</tbody></table>");
	}
	strbuf_free(&rows);
	dash_flows_render(x, l.flows, l.window);
	dash_flows_free(l.flows);
	const char *t = error ? dash_f(x, "trigger") : NULL, *r = error ? dash_f(x, "response") : NULL;
	const char *h = error ? dash_f(x, "active_hours") : NULL;
	const char *nm = error ? dash_f(x, "name") : NULL, *af = error ? dash_f(x, "after") : NULL;
	const char *wi = error ? dash_f(x, "within") : NULL, *ma = error ? dash_f(x, "match") : NULL;
	const char *en = error ? dash_f(x, "end") : NULL;
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
	dash_raw(x, "\"></label><label>Match <select name=\"match\">");
	static const char *const kinds[][2] = {{"", "by the trigger's form"}, {"word", "word"},
	                                       {"exact", "exact"}, {"regex", "regex"}};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		dash_printf(x, "<option value=\"%s\"%s>%s</option>", kinds[i][0],
		            ma && strcmp(ma, kinds[i][0]) == 0 ? " selected" : "", kinds[i][1]);
	dash_raw(x, "</select></label><label>Name <input type=\"text\" name=\"name\" "
	            "placeholder=\"rated (the state its answer sets; empty: none)\" value=\"");
	dash_text(x, nm);
	dash_raw(x, "\"></label><label>After <input type=\"text\" name=\"after\" "
	            "placeholder=\"survey,rated (the states it waits for; empty: any)\" value=\"");
	dash_text(x, af);
	dash_raw(x, "\"></label><label>Within <input type=\"text\" name=\"within\" "
	            "placeholder=\"2h, 2d (empty: SMS_FLOW_WINDOW)\" value=\"");
	dash_text(x, wi);
	dash_printf(x, "\"></label><label class=\"check\"><input type=\"checkbox\" name=\"end\" "
	            "value=\"1\"%s> its answer ends the conversation</label>",
	            en && strcmp(en, "1") == 0 ? " checked" : "");
	dash_raw(x, "<label class=\"check\"><input type=\"checkbox\" name=\"enabled\" "
	            "value=\"1\" checked> enabled</label> <button type=\"submit\">Add</button></form>");
	dash_end(x);
	dash_send(x, status);
}

void dash_auto_get(struct dash *x)
{
	render(x, NULL, 200);
}

/* A form field into rec as a string, unless it is empty or only white space. */
static void put_field(cJSON *rec, const char *key, const char *v)
{
	if (!v || !v[strspn(v, " \t\r\n")])
		return;
	rec_put_str(rec, key, v);
}

/* The form as the record sms-auto add reads, added by its own function, so
 * that both check a rule the same way (sms-auto(1), Flows and Keywords). */
static void add(struct dash *x)
{
	cJSON *rec = cJSON_CreateObject();
	char *response = dash_textarea(dash_f(x, "response"));
	const char *trigger = dash_f(x, "trigger"), *en = dash_f(x, "enabled");
	const char *end = dash_f(x, "end");
	rec_put_str(rec, "trigger", trigger ? trigger : "");
	rec_put_str(rec, "response", response);
	put_field(rec, "active_hours", dash_f(x, "active_hours"));
	put_field(rec, "name", dash_f(x, "name"));
	put_field(rec, "after", dash_f(x, "after"));
	put_field(rec, "within", dash_f(x, "within"));
	put_field(rec, "match", dash_f(x, "match"));
	rec_put(rec, "enabled", cJSON_CreateBool(en && strcmp(en, "1") == 0));
	rec_put(rec, "end", cJSON_CreateBool(end && strcmp(end, "1") == 0));
	free(response);
	if (autorules_add(x->st, rec) != 0) {
		dash_store_fail(x);
	} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
		dash_redirect(x, "autoresponders?note=auto&act=0&id=%lld",
		              cJSON_IsNumber(id) ? (long long)id->valuedouble : 0LL);
	} else {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		const cJSON *m = e ? cJSON_GetObjectItemCaseSensitive(e, "message") : NULL;
		char msg[600];
		snprintf(msg, sizeof msg, "Not added: %s.", cJSON_IsString(m) ? m->valuestring
		         : "the rule is not valid");
		render(x, msg, 400);
	}
	cJSON_Delete(rec);
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
