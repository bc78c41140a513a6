/* utf8 — UTF-8 decoding and encoding, see utf8.h. */
#include "utf8.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

uint32_t utf8_decode_lossy(const unsigned char *s, size_t len, size_t *i)
{
	int32_t cp;
	size_t k = utf8_decode(s + *i, len - *i, &cp);
	if (k == 0) {
		*i += 1;
		return 0xFFFD;
	}
	*i += k;
	return (uint32_t)cp;
}

/* How many bytes at s (n of them) are ASCII, in a row: 16 at a time with SSE2, else 8. */
static size_t ascii_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned high = (unsigned)_mm_movemask_epi8(v);
		if (high)
			return i + (size_t)__builtin_ctz(high);
	}
#else
	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			break;
	}
#endif
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

long utf8_invalid_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		i += ascii_run(u + i, n - i);
		if (i == n)
			break;
		int32_t cp;
		size_t k = utf8_decode(u + i, n - i, &cp);
		if (k == 0)
			return (long)i;
		i += k;
	}
	return -1;
}

size_t utf8_encode(uint32_t cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t utf8_drop_partial(const unsigned char *s, size_t n)
{
	size_t k = n;
	while (k > 0 && utf8_is_cont(s[k - 1]))
		k--;
	if (k > 0 && s[k - 1] >= 0xC0) {
		size_t need = s[k - 1] >= 0xF0 ? 4 : s[k - 1] >= 0xE0 ? 3 : 2;
		if (n - (k - 1) < need)
			return k - 1;
	}
	return n;
}

size_t utf8_count(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		w += !utf8_is_cont(*p);
	return w;
}
