/* utf8 — the one UTF-8 decoder and encoder of smskit, and the few helpers that find
 * where characters begin. Owns no state.
 *
 * One verdict on what UTF-8 is, utf8proc's (utf8proc_iterate()): no bad or missing
 * continuation bytes, no overlong forms, no surrogates, nothing past U+10FFFF.
 * tests/fuzz/fuzz_gsm.c checks utf8_decode() against utf8proc_iterate(). In base, not
 * text, because records.c, which checks every input line, is in base. */
#ifndef SMSKIT_UTF8_H
#define SMSKIT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s (n > 0 bytes left) into *cp and returns its length, or 0
 * when the bytes there are not UTF-8. Inline: the segment counter and the input check
 * run it for every code point. */
static inline size_t utf8_decode(const unsigned char *s, size_t n, int32_t *cp)
{
	uint32_t c = s[0], v;
	if (c < 0x80) {
		*cp = (int32_t)c;
		return 1;
	}
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		if (n < 2 || (s[1] & 0xC0) != 0x80)
			return 0;
		*cp = (int32_t)(((c & 0x1F) << 6) | (s[1] & 0x3Fu));
		return 2;
	}
	if (c < 0xF0) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		v = ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
		if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
			return 0;
		*cp = (int32_t)v;
		return 3;
	}
	if (c < 0xF5) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		v = ((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
		if (v < 0x10000 || v > 0x10FFFF)
			return 0;
		*cp = (int32_t)v;
		return 4;
	}
	return 0;
}

/* utf8_decode() that never fails, for the phone reader, which must give every input a
 * verdict as libphonenumber (JavaScript) gives one to any string: each byte of a
 * malformed sequence is one U+FFFD, and *i moves past what was read (s[*i], *i < len). */
uint32_t utf8_decode_lossy(const unsigned char *s, size_t len, size_t *i);

/* The offset of the first byte of s[0..n) that does not begin a UTF-8 sequence (see
 * utf8_decode()), or -1 when all of it is UTF-8. ASCII goes by in runs. */
long utf8_invalid_at(const char *s, size_t n);

/* Writes code point cp (at most U+10FFFF, no surrogate) as UTF-8 at o; returns its
 * length (1 to 4). */
size_t utf8_encode(uint32_t cp, char *o);

/* 1 for a continuation byte (10xxxxxx), which begins no character. */
static inline int utf8_is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* The length of s[0..n) without a last character cut short (a lead byte whose
 * continuation bytes do not all follow): for text clipped at a byte count. */
size_t utf8_drop_partial(const unsigned char *s, size_t n);

/* How many characters s holds, counted by the bytes that are no continuation bytes. */
size_t utf8_count(const char *s);

#endif
