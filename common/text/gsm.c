/* gsm — GSM-7 / UCS-2 choice, segment counting and splitting, Smart Encoding.
 *
 * The reference is Twilio's segment calculator, npm sms-segments-calculator 1.3.0
 * (src/libs/SegmentedMessage.ts, Segment.ts, EncodedChar.ts; doc/segments.md), and
 * tests/data/segments.ndjson holds its answers for a few thousand bodies. What it does:
 *
 *  1. Split the text into grapheme clusters with grapheme-splitter 1.0.4 (UAX #29 of
 *     Unicode 10, with that library's own quirks), then split a "\r\n" cluster back into
 *     "\r" and "\n". Each resulting piece is a "unit" below.
 *  2. GSM-7 when every unit is one UTF-16 code unit found in the GSM table; otherwise
 *     the whole message is UCS-2.
 *  3. Unit sizes: GSM-7 1 or 2 septets (extension table); UCS-2 its UTF-16 length (a GSM
 *     char, even an extension one, is one 16-bit unit).
 *  4. Fill segments greedily with whole units: the first has room for 160 septets / 70
 *     units; when a unit does not fit, a new segment with a 6-octet UDH (153 / 67) is
 *     opened; the first time, the UDH is also put into the first segment and units are
 *     moved from its end to the new one until it fits; then the unit is added to the new
 *     segment without checking that it fits (so a unit bigger than a segment, or one that
 *     follows moved units, can overfill a segment — the calculator does exactly that).
 *
 * Grapheme clusters (gsm_ucs2.c): the break classes come from utf8proc, corrected where
 * grapheme-splitter's Unicode-10 classes differ (the generated gs_overrides table, which
 * also brings back the Unicode-10 emoji classes E_Base, E_Modifier, Glue_After_Zwj and
 * E_Base_GAZ), with a shortcut for the BMP blocks that hold one class only. The overrides
 * were computed against utf8proc 2.8.0 (Unicode 15.0): with another version, code points
 * whose class changed since (rare scripts) may be classed differently; re-run
 * tests/oracle/segments/gen-gs-overrides.sh after an upgrade. utf8proc's own
 * utf8proc_grapheme_break_stateful() is not used: its Unicode-15 rules join what the
 * calculator splits (a skin-tone modifier after a letter, ZWJ sequences of post-2017
 * emoji) and vice versa, so gs_break() restates grapheme-splitter's shouldBreak()
 * instead, quirks included.
 *
 * Speed: a body is read once while it is all GSM (runs of plain ASCII 16 bytes at a time
 * with SSE2, else 8), and once more only to cut a GSM-7 body longer than 160 septets that
 * is not plain ASCII, or to split a UCS-2 body into clusters (runs of printable ASCII
 * likewise, since each character of one is a cluster); nothing is allocated but the
 * parts array. */
#include "gsm.h"
#include "gsm_int.h"
#include "utf8.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- GSM table */

/* Each ASCII character in GSM-7: its septets (bits 0-1; 2 for the extension table), and
 * flags. Not GSM: NUL and the other C0 controls but LF, FF, CR; backtick; DEL. */
#define SC_EXT 4u
#define SC_NOT 8u
#define SC_NUL 16u
static const uint8_t ascii_scan[128] = {
	[0] = SC_NOT | SC_NUL,
	[1] = SC_NOT, [2] = SC_NOT, [3] = SC_NOT, [4] = SC_NOT, [5] = SC_NOT, [6] = SC_NOT,
	[7] = SC_NOT, [8] = SC_NOT, [9] = SC_NOT, [10] = 1, [11] = SC_NOT, [12] = 2 | SC_EXT,
	[13] = 1, [14] = SC_NOT, [15] = SC_NOT, [16] = SC_NOT, [17] = SC_NOT, [18] = SC_NOT,
	[19] = SC_NOT, [20] = SC_NOT, [21] = SC_NOT, [22] = SC_NOT, [23] = SC_NOT, [24] = SC_NOT,
	[25] = SC_NOT, [26] = SC_NOT, [27] = SC_NOT, [28] = SC_NOT, [29] = SC_NOT, [30] = SC_NOT,
	[31] = SC_NOT,
	[' '] = 1, ['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1,
	['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,
	['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1,
	['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['['] = 2 | SC_EXT, ['\\'] = 2 | SC_EXT,
	[']'] = 2 | SC_EXT, ['^'] = 2 | SC_EXT, ['_'] = 1, ['`'] = SC_NOT,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
	['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1, ['{'] = 2 | SC_EXT, ['|'] = 2 | SC_EXT, ['}'] = 2 | SC_EXT,
	['~'] = 2 | SC_EXT, [127] = SC_NOT,
};

/* U+00A0..U+00FF in the GSM basic table: ¡£¤¥§¿ÄÅÆÇÉÑÖØÜßàäåæèéìñòöøùü */
static const uint8_t latin1_septets[96] = {
	0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,  /* A0: ¡ £ ¤ ¥ § */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,  /* B0: ¿ */
	0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0,  /* C0: Ä Å Æ Ç É */
	0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 1,  /* D0: Ñ Ö Ø Ü ß */
	1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0,  /* E0: à ä å æ è é ì */
	0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0,  /* F0: ñ ò ö ø ù ü */
};

/* Septets of code point cp in GSM-7 (0: not in the GSM table). */
static inline unsigned gsm_septets(int32_t cp)
{
	if (cp < 0x80)
		return ascii_scan[cp] & 3u;
	if (cp < 0x100)
		return cp >= 0xA0 ? latin1_septets[cp - 0xA0] : 0;
	switch (cp) {
	case 0x0393: case 0x0394: case 0x0398: case 0x039B: case 0x039E:  /* Γ Δ Θ Λ Ξ */
	case 0x03A0: case 0x03A3: case 0x03A6: case 0x03A8: case 0x03A9:  /* Π Σ Φ Ψ Ω */
		return 1;
	case 0x20AC:  /* € */
		return 2;
	default:
		return 0;
	}
}

/* ----------------------------------------------------------------- segments */

void seg_init(struct segmenter *g, size_t unit_bits, struct gsm_part *local)
{
	g->cap = BITS_SEGMENT / unit_bits;
	g->hdrcap = (BITS_SEGMENT - BITS_UDH) / unit_bits;
	g->off = g->len = g->units = g->fit_len = g->fit_units = 0;
	g->first = true;
	g->parts = g->local = local;
	g->nparts = 0;
	g->alloc = LOCAL_PARTS;
}

static void seg_append(struct segmenter *g, size_t off, size_t len, size_t units)
{
	if (g->nparts == g->alloc) {
		size_t n = g->alloc * 2;
		if (g->parts == g->local) {
			g->parts = xmalloc(n * sizeof *g->parts);
			memcpy(g->parts, g->local, g->nparts * sizeof *g->parts);
		} else {
			g->parts = xrealloc(g->parts, n * sizeof *g->parts);
		}
		g->alloc = n;
	}
	g->parts[g->nparts++] = (struct gsm_part){ off, len, units };
}

/* The next unit does not fit: open a segment with a UDH (the first time, the first
 * segment gets its UDH too and its tail moves over). */
void seg_open(struct segmenter *g)
{
	if (g->first) {
		seg_append(g, g->off, g->fit_len, g->fit_units);
		g->off += g->fit_len;
		g->len -= g->fit_len;
		g->units -= g->fit_units;
		g->first = false;
	} else {
		seg_append(g, g->off, g->len, g->units);
		g->off += g->len;
		g->len = g->units = 0;
	}
	g->cap = g->hdrcap;
}

/* Hands the segments to out: in pb when they fit, else in one allocation. */
void seg_finish(struct segmenter *g, struct gsm_info *out, struct partbuf pb)
{
	bool single = g->first;
	seg_append(g, g->off, g->len, g->units);
	if (g->parts == g->local && g->nparts <= pb.n) {
		out->parts = pb.buf;
		memcpy(out->parts, g->local, g->nparts * sizeof *g->parts);
	} else if (g->parts == g->local) {
		out->parts = xmalloc(g->nparts * sizeof *g->parts);
		memcpy(out->parts, g->local, g->nparts * sizeof *g->parts);
		out->parts_heap = 1;
	} else {
		out->parts = g->parts;
		out->parts_heap = 1;
	}
	out->nparts = out->segments = g->nparts;
	out->per_part = single ? g->cap : g->hdrcap;
	out->remaining = out->per_part > g->units ? out->per_part - g->units : 0;
}

void seg_abandon(struct segmenter *g)
{
	if (g->parts != g->local)
		free(g->parts);
}

/* How many bytes at s (n of them) are in a row plain ASCII: in the GSM basic table,
 * one septet and one character each (see SWAR_PLAIN_ASCII). 16 bytes at a time with
 * SSE2, else 8; the rest one by one, which says what counts. */
static size_t plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned in = sse_in(v, 0x20, 0x5A) | sse_in(v, 0x61, 0x7A);
		if (in != 0xFFFF)
			return i + (size_t)__builtin_ctz(~in);
	}
#else
	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (!SWAR_PLAIN_ASCII(w))
			break;
	}
#endif
	while (i < n && ((s[i] >= 0x20 && s[i] <= 0x5A) || (s[i] >= 0x61 && s[i] <= 0x7A)))
		i++;
	return i;
}

/* GSM-7 body: every code point is a unit of 1 or 2 septets. ascii_basic: every byte is
 * one basic-table ASCII character, so segments are plain runs of 160 or 153 bytes. */
static void split_gsm7(const unsigned char *s, size_t len, bool ascii_basic, struct gsm_info *out,
                       struct partbuf pb)
{
	struct gsm_part local[LOCAL_PARTS];
	struct segmenter g;
	seg_init(&g, 7, local);
	if (out->units <= g.cap) {  /* one segment: no need to walk the text */
		g.len = len;
		g.units = out->units;
	} else if (ascii_basic) {
		size_t i = 0;
		for (; len - i > g.hdrcap; i += g.hdrcap)
			seg_append(&g, i, g.hdrcap, g.hdrcap);
		g.first = false;
		g.cap = g.hdrcap;
		g.off = i;
		g.len = g.units = len - i;
	} else {
		/* All GSM, checked by the caller: then every 2-byte character (¡£¤¥§¿ÄÅÆÇÉÑÖØÜß
		 * àäåæèéìñòöøùü ΓΔΘΛΞΠΣΦΨΩ) is 1 septet and the only 3-byte one, €, is 2. */
		size_t bytewise_until = 0;  /* after 8 bytes that were not plain, go one by one */
		for (size_t i = 0; i < len;) {
			unsigned c = s[i];
			if (i >= bytewise_until && len - i >= 8 &&
			    g.units + 8 <= (g.first ? g.hdrcap : g.cap)) {
				uint64_t w;
				memcpy(&w, s + i, 8);
				if (SWAR_PLAIN_ASCII(w)) {  /* 8 basic characters that all fit */
					g.len += 8;
					g.units += 8;
					if (g.first) {
						g.fit_len = g.len;
						g.fit_units = g.units;
					}
					i += 8;
					continue;
				}
				bytewise_until = i + 8;
			}
			if (c < 0x80) {
				seg_push(&g, 1, ascii_scan[c] & 3u);
				i += 1;
			} else if (c < 0xE0) {
				seg_push(&g, 2, 1);
				i += 2;
			} else {
				seg_push(&g, 3, 2);
				i += 3;
			}
		}
	}
	seg_finish(&g, out, pb);
}

int gsm_analyze(const char *body, size_t len, struct gsm_info *out)
{
	return gsm_analyze_buf(body, len, out, NULL, 0);
}

int gsm_analyze_buf(const char *body, size_t len, struct gsm_info *out, struct gsm_part *buf,
                    size_t nbuf)
{
	struct partbuf pb = {buf, nbuf};
	const unsigned char *s = (const unsigned char *)body;
	size_t i = 0, septets = 0, cps = 0;
	unsigned flags = 0;

	memset(out, 0, sizeof *out);
	/* GSM-7 while every code point is in the GSM table; the first one that is not sends
	 * the whole body to the UCS-2 path, which validates it all over again. */
	while (i < len) {
		size_t k = plain_run(s + i, len - i);  /* a septet and a character each */
		septets += k;
		cps += k;
		i += k;
		if (i == len)
			break;
		if (s[i] < 0x80) {  /* LF, CR, '_', the extension table, or not GSM at all */
			unsigned v = ascii_scan[s[i]];
			if (v & SC_NOT)
				goto ucs2;
			septets += v & 3u;
			flags |= v;
			cps++;
			i++;
			continue;
		}
		int32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			return -1;
		unsigned sept = gsm_septets(cp);
		if (sept == 0)
			goto ucs2;
		septets += sept;
		cps++;
		i += n;
	}
	out->encoding = GSM_ENC_GSM7;
	out->units = septets;
	out->chars = cps;
	split_gsm7(s, len, cps == len && !(flags & SC_EXT), out, pb);
	return 0;
ucs2:
	out->encoding = GSM_ENC_UCS2;
	if (gsm_split_ucs2(s, len, out, pb) < 0) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	return 0;
}

void gsm_info_free(struct gsm_info *info)
{
	if (!info)
		return;
	if (info->parts_heap)
		free(info->parts);
	info->parts = NULL;
	info->nparts = 0;
	info->parts_heap = 0;
}

const char *gsm_encoding_name(enum gsm_encoding e)
{
	return e == GSM_ENC_UCS2 ? "UCS-2" : "GSM-7";
}

/* ----------------------------------------------------------- smart encoding */

static const struct gsm_smart_entry *smart_find(int32_t cp)
{
	size_t lo = 0, hi = gsm_smart_map_len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((unsigned)cp < gsm_smart_map[mid].cp)
			hi = mid;
		else if ((unsigned)cp > gsm_smart_map[mid].cp)
			lo = mid + 1;
		else
			return &gsm_smart_map[mid];
	}
	return NULL;
}

/* Replaces, as the calculator does, each code point found in the map by its replacement
 * (no second pass over what was put in). Writes to out when it is not NULL; returns the
 * length of the result either way. */
static size_t smart_apply(const unsigned char *s, size_t len, char *out)
{
	size_t n = 0, i = 0, bytewise_until = 0;
	while (i < len) {
		/* a run of code points that stay */
		size_t j = i;
		const struct gsm_smart_entry *e = NULL;
		size_t k = 0;
		while (j < len) {
			unsigned c = s[j];
			if (j >= bytewise_until && len - j >= 8) {  /* 8 ASCII bytes, no key */
				uint64_t w;
				memcpy(&w, s + j, 8);
				if (!(SWAR_HASLESS(w, 0x1A) | (w & SWAR_HIGH) |
				      SWAR_HASBETWEEN(w, 0x5F, 0x61))) {
					j += 8;
					continue;
				}
				bytewise_until = j + 8;
			}
			if (c < 0x80) {
				if (gsm_smart_ascii[c >> 5] >> (c & 31) & 1u) {
					e = smart_find((int32_t)c);
					k = 1;
					break;
				}
				j++;
				continue;
			}
			int32_t cp;
			k = utf8_decode(s + j, len - j, &cp);
			if (k == 0) {  /* not UTF-8: the byte is copied through */
				j++;
				continue;
			}
			if (cp < 0x10000 && (gsm_smart_blocks[cp >> 13] >> ((cp >> 8) & 31) & 1u) &&
			    (e = smart_find(cp)) != NULL)
				break;
			j += k;
		}
		if (out)
			memcpy(out + n, s + i, j - i);
		n += j - i;
		if (j == len)
			break;
		if (out)
			memcpy(out + n, e->repl, e->len);
		n += e->len;
		i = j + k;
	}
	return n;
}

char *gsm_smart_encode(const char *body, size_t len, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)body;
	size_t n = smart_apply(s, len, NULL);
	char *out = xmalloc(n + 1);
	smart_apply(s, len, out);
	out[n] = '\0';
	if (outlen)
		*outlen = n;
	return out;
}
