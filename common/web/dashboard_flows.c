/* dashboard_flows — the flows of the autoresponders tab, as chains of rules.
 * A flow starts at a state: the name of a global rule (one that waits for no
 * state), or a tag no rule is named for, set by an outbound message
 * (sms-send --tag). Under it come the rules that wait for it, in id order,
 * and under each of those the rules that wait for its name. See
 * dashboard_flows.h. */
#include "dashboard_flows.h"
#include "dashboard_view.h"
#include "autoresp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOW_DEPTH 16 /* deeper chains are cut (a loop is cut where it closes) */

struct rule {
	long long id, within;
	char     *trigger, *response, *name, *after, *match;
	int       ends, enabled;
};

struct dash_flows {
	struct rule *r;
	size_t       n, cap;
};

struct dash_flows *dash_flows_new(void)
{
	return xcalloc(1, sizeof(struct dash_flows));
}

void dash_flows_free(struct dash_flows *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->r[i].trigger);
		free(f->r[i].response);
		free(f->r[i].name);
		free(f->r[i].after);
		free(f->r[i].match);
	}
	free(f->r);
	free(f);
}

void dash_flows_add(struct dash_flows *f, const struct store_auto *a)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->r = xrealloc(f->r, f->cap * sizeof *f->r);
	}
	f->r[f->n++] = (struct rule){
		.id = (long long)a->id, .within = a->within, .ends = a->ends, .enabled = a->enabled,
		.trigger = xstrdup_or_null(a->trigger), .response = xstrdup_or_null(a->response),
		.name = xstrdup_or_null(a->name && *a->name ? a->name : NULL),
		.after = xstrdup_or_null(a->after && *a->after ? a->after : NULL),
		.match = xstrdup_or_null(a->match),
	};
}

void dash_flows_duration(char *buf, size_t len, long long secs)
{
	if (secs > 0 && secs % 86400 == 0)
		snprintf(buf, len, "%lldd", secs / 86400);
	else if (secs > 0 && secs % 3600 == 0)
		snprintf(buf, len, "%lldh", secs / 3600);
	else if (secs > 0 && secs % 60 == 0)
		snprintf(buf, len, "%lldm", secs / 60);
	else
		snprintf(buf, len, "%llds", secs);
}

/* The rule named tag, or NULL. */
static const struct rule *named(const struct dash_flows *f, const char *tag)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->r[i].name && strcmp(f->r[i].name, tag) == 0)
			return &f->r[i];
	return NULL;
}

/* 1 when tag starts a flow: no rule is named so, or a global rule is. */
static int starts_flow(const struct dash_flows *f, const char *tag)
{
	const struct rule *r = named(f, tag);
	return !r || !r->after;
}

static const char *match_word(const struct rule *r)
{
	int m = autoresp_match_of(r->trigger, r->match);
	return m == AUTORESP_REGEX ? "regex" : m == AUTORESP_EXACT ? "exact" : "word";
}

/* One step: the rule's trigger, how it matches, its window, its answer and
 * what the answer does to the conversation. */
static void step(struct dash *x, const struct rule *r, int depth, long long window)
{
	char w[32];
	dash_printf(x, "\n<li class=\"step%s\" data-depth=\"%d\" data-rule=\"%lld\">"
	            "<span class=\"marker\">%s</span><a href=\"#rule-%lld\">#%lld</a> <code>",
	            r->enabled ? "" : " off", depth, r->id, depth ? "&#8627; " : "", r->id, r->id);
	dash_text(x, r->trigger);
	dash_printf(x, "</code> <span class=\"match\">(%s)</span>", match_word(r));
	if (r->after) {
		dash_flows_duration(w, sizeof w, r->within > 0 ? r->within : window);
		dash_printf(x, " <span class=\"within\">within %s%s</span>", w,
		            r->within > 0 ? "" : " (SMS_FLOW_WINDOW)");
	}
	dash_raw(x, " &rarr; <span class=\"body\">");
	dash_text(x, r->response);
	dash_raw(x, "</span> ");
	if (r->ends) {
		dash_raw(x, "<strong class=\"ends\">ends the conversation</strong>");
	} else if (r->name) {
		dash_raw(x, "<span class=\"sets\">sets <code>");
		dash_text(x, r->name);
		dash_raw(x, "</code></span>");
	} else {
		dash_raw(x, "<span class=\"sets\">keeps the state</span>");
	}
	if (!r->enabled)
		dash_raw(x, " <span class=\"status\">disabled</span>");
}

/* The rules that wait for state tag, each followed by the rules that wait for
 * its name. path holds the states above, so that a loop stops where it closes. */
static void children(struct dash *x, const struct dash_flows *f, const char *tag, int depth,
                     const char **path, long long window)
{
	int open = 0;
	path[depth - 1] = tag;
	for (size_t i = 0; i < f->n; i++) {
		const struct rule *r = &f->r[i];
		if (!r->after || !autoresp_in_state(r->after, tag))
			continue;
		if (!open++)
			dash_raw(x, "<ul>");
		step(x, r, depth, window);
		int loop = 0;
		for (int k = 0; r->name && k < depth; k++)
			loop |= strcmp(path[k], r->name) == 0;
		if (r->name && !loop && depth < FLOW_DEPTH)
			children(x, f, r->name, depth + 1, path, window);
		else if (loop)
			dash_raw(x, " <span class=\"loop\">(back to an earlier step)</span>");
		dash_raw(x, "</li>");
	}
	if (open)
		dash_raw(x, "</ul>");
}

/* Each flow's first state once, in the order of the first rule that waits for it. */
void dash_flows_render(struct dash *x, const struct dash_flows *f, long long window)
{
	const char *path[FLOW_DEPTH + 1];
	struct strbuf seen = {0};
	int any = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (!f->r[i].after)
			continue;
		char *list = xstrdup(f->r[i].after), *save = NULL;
		for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!*t || !starts_flow(f, t))
				continue;
			if (seen.len && autoresp_in_state(seen.s, t))
				continue;
			strbuf_printf(&seen, "%s%s", seen.len ? "," : "", t);
			if (!any++)
				dash_raw(x, "<h3>Flows</h3><p>Each conversation of several steps, from the "
				            "state that starts it: a rule's answer puts the thread in the "
				            "state of its name, and the rules indented under it answer only "
				            "in that state, within their window.</p><ul class=\"flows\">");
			const struct rule *r = named(f, t);
			if (r) {
				step(x, r, 0, window);
			} else {
				dash_raw(x, "\n<li class=\"step state\" data-depth=\"0\" data-state=\"");
				dash_text(x, t);
				dash_raw(x, "\">state <code>");
				dash_text(x, t);
				dash_raw(x, "</code>, set by an outbound message with that tag "
				            "(sms-send --tag ");
				dash_text(x, t);
				dash_raw(x, ")");
			}
			children(x, f, t, 1, path, window);
			dash_raw(x, "</li>");
		}
		free(list);
	}
	if (any)
		dash_raw(x, "</ul>");
	strbuf_free(&seen);
}
