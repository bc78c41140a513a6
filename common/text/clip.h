/* clip — text cut to a width of terminal columns, for tables (sms-stage
 * --list, sms-inbox, the dashboard). Owns no state. */
#ifndef SMSKIT_CLIP_H
#define SMSKIT_CLIP_H

#include <stddef.h>

/* s cut to at most width columns (wide characters count two), newlines and
 * tabs shown as spaces, "…" marking a cut; "" for NULL. */
void clip_text(const char *s, size_t width, char *buf, size_t len);

#endif
