/* dashboard_auto — the autoresponders tab: the rules, adding, enabling,
 * disabling and deleting one. */
#ifndef SMSKIT_DASHBOARD_AUTO_H
#define SMSKIT_DASHBOARD_AUTO_H

#include "dashboard_int.h"

void dash_auto_get(struct dash *x);   /* GET autoresponders */
void dash_auto_post(struct dash *x);  /* POST autoresponders */

#endif
