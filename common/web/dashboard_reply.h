/* dashboard_reply — answering a received message through sms-send (the form
 * is dashboard_inbox's), and the live character and segment counter of the
 * form. */
#ifndef SMSKIT_DASHBOARD_REPLY_H
#define SMSKIT_DASHBOARD_REPLY_H

#include "dashboard_int.h"

void dash_reply_post(struct dash *x);  /* POST reply */
void dash_split_get(struct dash *x);   /* GET split?body=...&to=... */

#endif
