/* dashboard_consent — a number's consent on its conversation (the
 * conversations tab): one line, its latest word in the consent log
 * (smskit-compliance(7), Consent). */
#ifndef SMSKIT_DASHBOARD_CONSENT_H
#define SMSKIT_DASHBOARD_CONSENT_H

#include "dashboard_int.h"

/* "Consent: web, <time> — evidence…", "Opted out: keyword STOP, <time>", or
 * "No consent recorded"; nothing when the store fails (the thread says so). */
void dash_consent_line(struct dash *x, const char *number);

#endif
