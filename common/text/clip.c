/* clip — text cut to terminal columns. See clip.h. */
#include "clip.h"

#include <string.h>
#include <utf8proc.h>

void clip_text(const char *s, size_t width, char *buf, size_t len)
{
	size_t o = 0, cols = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	if (!s || width == 0)
		return;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n = (utf8proc_ssize_t)strlen(s);
	/* Does it all fit? Then no mark is needed. */
	size_t total = 0;
	for (utf8proc_ssize_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p + i, n - i, &cp);
		if (k <= 0)
			break;
		int w = cp < 0x20 ? 1 : utf8proc_charwidth(cp);
		total += w < 0 ? 0 : (size_t)w;
		i += k;
	}
	size_t room = total <= width ? width : width - 1; /* leave a column for the mark */
	for (utf8proc_ssize_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p + i, n - i, &cp);
		if (k <= 0)
			break;
		int w = cp < 0x20 ? 1 : utf8proc_charwidth(cp);
		size_t cw = w < 0 ? 0 : (size_t)w;
		if (cols + cw > room || o + (size_t)k + 4 > len)
			break;
		if (cp < 0x20 || cp == 0x7f) {
			buf[o++] = ' ';
		} else {
			memcpy(buf + o, p + i, (size_t)k);
			o += (size_t)k;
		}
		cols += cw;
		i += k;
	}
	if (total > width && o + 4 <= len) {
		memcpy(buf + o, "\xe2\x80\xa6", 3); /* … */
		o += 3;
	}
	buf[o] = '\0';
}
