/* dashboard_flows — the autoresponders tab's flows (sms-auto(1), Flows): each
 * conversation of several steps shown as its chain of rules, from the state
 * that starts it down to the rules that wait for each state, indented under
 * the rule whose answer sets that state. */
#ifndef SMSKIT_DASHBOARD_FLOWS_H
#define SMSKIT_DASHBOARD_FLOWS_H

#include "dashboard_int.h"
#include "store.h"

struct dash_flows;
struct dash_flows *dash_flows_new(void);
void dash_flows_free(struct dash_flows *f);
/* Keeps a copy of rule a (called for every rule, in id order). */
void dash_flows_add(struct dash_flows *f, const struct store_auto *a);

/* "2d", "24h", "30m" or "90s": the shortest exact form of secs. */
void dash_flows_duration(char *buf, size_t len, long long secs);

/* Writes the "Flows" section: nothing when no rule waits for a state.
 * window is SMS_FLOW_WINDOW in seconds, the window of a rule without its own. */
void dash_flows_render(struct dash *x, const struct dash_flows *f, long long window);

#endif
