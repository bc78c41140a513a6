/* dashboard_staged — the staged tab: the pending messages and the decision
 * on them (review_decide(), as sms-approve makes it). */
#ifndef SMSKIT_DASHBOARD_STAGED_H
#define SMSKIT_DASHBOARD_STAGED_H

#include "dashboard_int.h"

void dash_staged_get(struct dash *x);   /* GET staged */
void dash_decide_post(struct dash *x);  /* POST decide */

#endif
