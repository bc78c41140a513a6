/* dashboard_sent — the sent tab and the spend against SMS_DAILY_LIMIT and
 * SMS_MONTHLY_LIMIT. */
#ifndef SMSKIT_DASHBOARD_SENT_H
#define SMSKIT_DASHBOARD_SENT_H

#include "dashboard_int.h"

void dash_sent_get(struct dash *x);   /* GET sent */
void dash_spend_get(struct dash *x);  /* GET spend */
/* Spend today and this month against the caps, as one line or a table. */
void dash_spend_line(struct dash *x);

#endif
