/* clip — text cut to terminal columns. See clip.h. */
#include "clip.h"
#include "utf8.h"

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
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	/* Does it all fit? Then no mark is needed. */
	size_t total = 0;
	for (size_t i = 0; i < n;) {
		int32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);
		if (k == 0)
			break;
		int w = cp < 0x20 ? 1 : utf8proc_charwidth(cp);
		total += w < 0 ? 0 : (size_t)w;
		i += k;
	}
	size_t room = total <= width ? width : width - 1; /* leave a column for the mark */
	for (size_t i = 0; i < n;) {
		int32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);
		if (k == 0)
			break;
		int w = cp < 0x20 ? 1 : utf8proc_charwidth(cp);
		size_t cw = w < 0 ? 0 : (size_t)w;
		if (cols + cw > room || o + k + 4 > len)
			break;
		if (cp < 0x20 || cp == 0x7f) {
			buf[o++] = ' ';
		} else {
			memcpy(buf + o, p + i, k);
			o += k;
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
