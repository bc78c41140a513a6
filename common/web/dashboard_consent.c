/* dashboard_consent — a number's consent on its conversation. See
 * dashboard_consent.h. */
#include "dashboard_consent.h"
#include "dashboard_view.h"
#include "clip.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

struct latest {
	char at[32], kind[16], source[64], evidence[512];
	int  found;
};

/* The log comes oldest first: the last row is the number's state. */
static int keep(const struct store_consent *c, void *arg)
{
	struct latest *l = arg;
	l->found = 1;
	snprintf(l->at, sizeof l->at, "%s", c->at);
	snprintf(l->kind, sizeof l->kind, "%s", c->kind);
	snprintf(l->source, sizeof l->source, "%s", c->source);
	snprintf(l->evidence, sizeof l->evidence, "%s", c->evidence ? c->evidence : "");
	return 0;
}

void dash_consent_line(struct dash *x, const char *number)
{
	struct latest l = {0};
	if (store_consent_list(x->st, number, keep, &l) != STORE_OK)
		return;
	dash_raw(x, "<p class=\"consent\">");
	if (!l.found) {
		dash_raw(x, "No consent recorded");
	} else {
		int in = strcmp(l.kind, "opt_in") == 0;
		dash_raw(x, in ? "Consent: " : "Opted out: ");
		dash_text(x, l.source);
		dash_raw(x, ", ");
		dash_time(x, l.at);
		if (*l.evidence) {
			char cut[128];
			clip_text(l.evidence, 60, cut, sizeof cut);
			dash_raw(x, " \xe2\x80\x94 <span title=\"");
			dash_text(x, l.evidence);
			dash_raw(x, "\">");
			dash_text(x, cut);
			dash_raw(x, "</span>");
		}
	}
	dash_raw(x, "</p>");
}
