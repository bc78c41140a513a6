/* html — escaping for HTML and URLs; see html.h. */
#include "html.h"
#include "util.h"

#include <string.h>

void html_esc_n(struct strbuf *b, const char *s, size_t n)
{
	size_t run = 0; /* bytes copied as they are, written in one go */
	for (size_t i = 0; i < n; i++) {
		const char *e;
		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: run++; continue;
		}
		strbuf_add(b, s + i - run, run);
		run = 0;
		strbuf_puts(b, e);
	}
	strbuf_add(b, s + n - run, run);
}

void html_esc(struct strbuf *b, const char *s)
{
	if (s)
		html_esc_n(b, s, strlen(s));
}

void html_url_esc(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			strbuf_putc(b, (char)*p);
		} else {
			strbuf_putc(b, '%');
			strbuf_putc(b, hex[*p >> 4]);
			strbuf_putc(b, hex[*p & 15]);
		}
	}
}
