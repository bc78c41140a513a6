/* html — text into HTML and URLs: one escape for element content and quoted
 * attribute values alike (& < > " ' all become entities), and
 * percent-encoding for a value placed in a URL's query string. No state. */
#ifndef SMSKIT_HTML_H
#define SMSKIT_HTML_H

#include <stddef.h>

struct strbuf;

/* Appends s (NULL: nothing) with & < > " ' escaped; safe inside elements and
 * inside attribute values quoted with either quote. */
void html_esc(struct strbuf *b, const char *s);
void html_esc_n(struct strbuf *b, const char *s, size_t n);

/* Appends s percent-encoded for a query string: everything but A-Z a-z 0-9
 * - . _ ~ becomes %XX (so "+1555" is "%2B1555"). */
void html_url_esc(struct strbuf *b, const char *s);

#endif
