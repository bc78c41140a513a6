/* dashboard_view — what every page of the dashboard is written with: the
 * markup and escaped text of the body, the page frame, the cells the tabs
 * share, the ways to answer, and reading the query and the form. */
#ifndef SMSKIT_DASHBOARD_VIEW_H
#define SMSKIT_DASHBOARD_VIEW_H

#include <time.h>

#include "dashboard_int.h"

void dash_raw(struct dash *x, const char *s);          /* markup, as it is */
void dash_text(struct dash *x, const char *s);         /* text, escaped */
void dash_printf(struct dash *x, const char *fmt, ...) /* markup; %s only for safe text */
	__attribute__((format(printf, 2, 3)));
void dash_url(struct dash *x, const char *s);          /* a query value, %-encoded */

/* The page frame: <head>, the tabs (tab: "staged", "inbox"...), the notes
 * of the query string (what the last POST did), and the end. */
void dash_begin(struct dash *x, const char *tab, const char *title);
void dash_end(struct dash *x);
/* A banner: kind "ok" or "error". */
void dash_note(struct dash *x, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dash_csrf_input(struct dash *x);
/* A time people read (local, SMS_TZ) in a <time> element; "-" for NULL. */
void dash_time(struct dash *x, const char *rfc3339);
/* A message's body (escaped, line breaks kept), the WhatsApp template it
 * names (content_sid and its variables) or the quick reply and location it
 * carries, and its media as previews. */
void dash_body(struct dash *x, const cJSON *rec);
void dash_status(struct dash *x, const char *status);
/* The channel a message travels on, as a badge: "WhatsApp" or "SMS" (its
 * "channel", else read off its addresses; smskit-whatsapp(7)). */
void dash_channel(struct dash *x, const cJSON *rec);
/* A time_t as dash_time shows a stored time. */
void dash_time_at(struct dash *x, time_t t);

/* Answers: the page written so far; a 303 to a location relative to the
 * current page ("staged?after=12"); a page that only says what went wrong. */
void dash_send(struct dash *x, int status);
void dash_redirect(struct dash *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dash_fail(struct dash *x, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dash_store_fail(struct dash *x);

const char *dash_q(const struct dash *x, const char *name); /* query value or NULL */
const char *dash_f(const struct dash *x, const char *name); /* form value or NULL */
/* A message or rule id: 0 and *id, or -1. */
int dash_id(const char *s, int64_t *id);
/* The text of a textarea: CRLF as LF, surrounding blanks kept. malloc'd. */
char *dash_textarea(const char *s);
/* The pending count, for the tab. */
long long dash_pending(struct dash *x);

#endif
