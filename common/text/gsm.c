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
 * Grapheme clusters: the break classes come from utf8proc, corrected where grapheme-
 * splitter's Unicode-10 classes differ (the generated gs_overrides table below, which also
 * brings back the Unicode-10 emoji classes E_Base, E_Modifier, Glue_After_Zwj and
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
#include "utf8.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* ---------------------------------------------------------- grapheme clusters */

/* grapheme-splitter's break classes; gs_bmp_uniform below uses these numbers. */
enum gc {
	GC_OTHER = 0, GC_CR = 1, GC_LF = 2, GC_CONTROL = 3, GC_EXTEND = 4, GC_RI = 5,
	GC_PREPEND = 6, GC_SPACINGMARK = 7, GC_L = 8, GC_V = 9, GC_T = 10, GC_LV = 11,
	GC_LVT = 12, GC_ZWJ = 13, GC_EBASE = 14, GC_EMOD = 15, GC_GAZ = 16, GC_EBG = 17
};

/* utf8proc boundclass -> grapheme-splitter class, before the overrides. */
static const uint8_t gs_from_utf8proc[] = {
	[UTF8PROC_BOUNDCLASS_START] = GC_OTHER,
	[UTF8PROC_BOUNDCLASS_OTHER] = GC_OTHER,
	[UTF8PROC_BOUNDCLASS_CR] = GC_CR,
	[UTF8PROC_BOUNDCLASS_LF] = GC_LF,
	[UTF8PROC_BOUNDCLASS_CONTROL] = GC_CONTROL,
	[UTF8PROC_BOUNDCLASS_EXTEND] = GC_EXTEND,
	[UTF8PROC_BOUNDCLASS_L] = GC_L,
	[UTF8PROC_BOUNDCLASS_V] = GC_V,
	[UTF8PROC_BOUNDCLASS_T] = GC_T,
	[UTF8PROC_BOUNDCLASS_LV] = GC_LV,
	[UTF8PROC_BOUNDCLASS_LVT] = GC_LVT,
	[UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR] = GC_RI,
	[UTF8PROC_BOUNDCLASS_SPACINGMARK] = GC_SPACINGMARK,
	[UTF8PROC_BOUNDCLASS_PREPEND] = GC_PREPEND,
	[UTF8PROC_BOUNDCLASS_ZWJ] = GC_ZWJ,
	[UTF8PROC_BOUNDCLASS_E_BASE] = GC_EBASE,
	[UTF8PROC_BOUNDCLASS_E_MODIFIER] = GC_EMOD,
	[UTF8PROC_BOUNDCLASS_GLUE_AFTER_ZWJ] = GC_GAZ,
	[UTF8PROC_BOUNDCLASS_E_BASE_GAZ] = GC_EBG,
	[UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC] = GC_OTHER,
	[UTF8PROC_BOUNDCLASS_E_ZWG] = GC_OTHER,
};

struct gs_range {
	int32_t lo, hi;
	uint8_t cls;
};

/* BEGIN gs-overrides: generated by tests/oracle/segments/gen-gs-overrides.sh from
 * grapheme-splitter 1.0.4 and utf8proc 2.8.0 (Unicode 15.0.0). Do not edit. */
static const struct gs_range gs_overrides[] = {
	{ 0x07FD, 0x07FD, GC_OTHER },
	{ 0x0890, 0x0891, GC_OTHER },
	{ 0x0898, 0x089F, GC_OTHER },
	{ 0x08CA, 0x08D3, GC_OTHER },
	{ 0x09FE, 0x09FE, GC_OTHER },
	{ 0x0B55, 0x0B55, GC_OTHER },
	{ 0x0C04, 0x0C04, GC_OTHER },
	{ 0x0C3C, 0x0C3C, GC_OTHER },
	{ 0x0CF3, 0x0CF3, GC_OTHER },
	{ 0x0D81, 0x0D81, GC_OTHER },
	{ 0x0EBA, 0x0EBA, GC_OTHER },
	{ 0x0ECE, 0x0ECE, GC_OTHER },
	{ 0x1715, 0x1715, GC_OTHER },
	{ 0x1734, 0x1734, GC_EXTEND },
	{ 0x180F, 0x180F, GC_OTHER },
	{ 0x1ABF, 0x1ACE, GC_OTHER },
	{ 0x1B35, 0x1B35, GC_SPACINGMARK },
	{ 0x1CF2, 0x1CF3, GC_SPACINGMARK },
	{ 0x1DFA, 0x1DFA, GC_OTHER },
	{ 0x2065, 0x2065, GC_CONTROL },
	{ 0x261D, 0x261D, GC_EBASE },
	{ 0x2640, 0x2640, GC_GAZ },
	{ 0x2642, 0x2642, GC_GAZ },
	{ 0x2695, 0x2696, GC_GAZ },
	{ 0x26F9, 0x26F9, GC_EBASE },
	{ 0x2708, 0x2708, GC_GAZ },
	{ 0x270A, 0x270D, GC_EBASE },
	{ 0x2764, 0x2764, GC_GAZ },
	{ 0xA82C, 0xA82C, GC_OTHER },
	{ 0xA8FF, 0xA8FF, GC_OTHER },
	{ 0xA9BD, 0xA9BD, GC_SPACINGMARK },
	{ 0xFFF0, 0xFFF8, GC_CONTROL },
	{ 0x10D24, 0x10D27, GC_OTHER },
	{ 0x10EAB, 0x10EAC, GC_OTHER },
	{ 0x10EFD, 0x10EFF, GC_OTHER },
	{ 0x10F46, 0x10F50, GC_OTHER },
	{ 0x10F82, 0x10F85, GC_OTHER },
	{ 0x11070, 0x11070, GC_OTHER },
	{ 0x11073, 0x11074, GC_OTHER },
	{ 0x110C2, 0x110C2, GC_OTHER },
	{ 0x110CD, 0x110CD, GC_OTHER },
	{ 0x11145, 0x11146, GC_OTHER },
	{ 0x111C9, 0x111C9, GC_OTHER },
	{ 0x111CE, 0x111CF, GC_OTHER },
	{ 0x11241, 0x11241, GC_OTHER },
	{ 0x1133B, 0x1133B, GC_OTHER },
	{ 0x1145E, 0x1145E, GC_OTHER },
	{ 0x11720, 0x11721, GC_SPACINGMARK },
	{ 0x1182C, 0x1183A, GC_OTHER },
	{ 0x11930, 0x11935, GC_OTHER },
	{ 0x11937, 0x11938, GC_OTHER },
	{ 0x1193B, 0x11943, GC_OTHER },
	{ 0x119D1, 0x119D7, GC_OTHER },
	{ 0x119DA, 0x119E0, GC_OTHER },
	{ 0x119E4, 0x119E4, GC_OTHER },
	{ 0x11A07, 0x11A08, GC_SPACINGMARK },
	{ 0x11A84, 0x11A85, GC_OTHER },
	{ 0x11D8A, 0x11D8E, GC_OTHER },
	{ 0x11D90, 0x11D91, GC_OTHER },
	{ 0x11D93, 0x11D97, GC_OTHER },
	{ 0x11EF3, 0x11EF6, GC_OTHER },
	{ 0x11F00, 0x11F03, GC_OTHER },
	{ 0x11F34, 0x11F3A, GC_OTHER },
	{ 0x11F3E, 0x11F42, GC_OTHER },
	{ 0x13430, 0x13440, GC_OTHER },
	{ 0x13447, 0x13455, GC_OTHER },
	{ 0x16F4F, 0x16F4F, GC_OTHER },
	{ 0x16F7F, 0x16F87, GC_OTHER },
	{ 0x16FE4, 0x16FE4, GC_OTHER },
	{ 0x16FF0, 0x16FF1, GC_OTHER },
	{ 0x1CF00, 0x1CF2D, GC_OTHER },
	{ 0x1CF30, 0x1CF46, GC_OTHER },
	{ 0x1E08F, 0x1E08F, GC_OTHER },
	{ 0x1E130, 0x1E136, GC_OTHER },
	{ 0x1E2AE, 0x1E2AE, GC_OTHER },
	{ 0x1E2EC, 0x1E2EF, GC_OTHER },
	{ 0x1E4EC, 0x1E4EF, GC_OTHER },
	{ 0x1F308, 0x1F308, GC_GAZ },
	{ 0x1F33E, 0x1F33E, GC_GAZ },
	{ 0x1F373, 0x1F373, GC_GAZ },
	{ 0x1F385, 0x1F385, GC_EBASE },
	{ 0x1F393, 0x1F393, GC_GAZ },
	{ 0x1F3A4, 0x1F3A4, GC_GAZ },
	{ 0x1F3A8, 0x1F3A8, GC_GAZ },
	{ 0x1F3C2, 0x1F3C4, GC_EBASE },
	{ 0x1F3C7, 0x1F3C7, GC_EBASE },
	{ 0x1F3CA, 0x1F3CC, GC_EBASE },
	{ 0x1F3EB, 0x1F3EB, GC_GAZ },
	{ 0x1F3ED, 0x1F3ED, GC_GAZ },
	{ 0x1F3FB, 0x1F3FF, GC_EMOD },
	{ 0x1F442, 0x1F443, GC_EBASE },
	{ 0x1F446, 0x1F450, GC_EBASE },
	{ 0x1F466, 0x1F469, GC_EBG },
	{ 0x1F46E, 0x1F46E, GC_EBASE },
	{ 0x1F470, 0x1F478, GC_EBASE },
	{ 0x1F47C, 0x1F47C, GC_EBASE },
	{ 0x1F481, 0x1F483, GC_EBASE },
	{ 0x1F485, 0x1F487, GC_EBASE },
	{ 0x1F48B, 0x1F48B, GC_GAZ },
	{ 0x1F4AA, 0x1F4AA, GC_EBASE },
	{ 0x1F4BB, 0x1F4BC, GC_GAZ },
	{ 0x1F527, 0x1F527, GC_GAZ },
	{ 0x1F52C, 0x1F52C, GC_GAZ },
	{ 0x1F574, 0x1F575, GC_EBASE },
	{ 0x1F57A, 0x1F57A, GC_EBASE },
	{ 0x1F590, 0x1F590, GC_EBASE },
	{ 0x1F595, 0x1F596, GC_EBASE },
	{ 0x1F5E8, 0x1F5E8, GC_GAZ },
	{ 0x1F645, 0x1F647, GC_EBASE },
	{ 0x1F64B, 0x1F64F, GC_EBASE },
	{ 0x1F680, 0x1F680, GC_GAZ },
	{ 0x1F692, 0x1F692, GC_GAZ },
	{ 0x1F6A3, 0x1F6A3, GC_EBASE },
	{ 0x1F6B4, 0x1F6B6, GC_EBASE },
	{ 0x1F6C0, 0x1F6C0, GC_EBASE },
	{ 0x1F6CC, 0x1F6CC, GC_EBASE },
	{ 0x1F918, 0x1F91C, GC_EBASE },
	{ 0x1F91E, 0x1F91F, GC_EBASE },
	{ 0x1F926, 0x1F926, GC_EBASE },
	{ 0x1F930, 0x1F939, GC_EBASE },
	{ 0x1F93D, 0x1F93E, GC_EBASE },
	{ 0x1F9D1, 0x1F9DD, GC_EBASE },
	{ 0xE0000, 0xE0000, GC_CONTROL },
	{ 0xE0002, 0xE001F, GC_CONTROL },
	{ 0xE0080, 0xE00FF, GC_CONTROL },
	{ 0xE01F0, 0xE0FFF, GC_CONTROL },
};
/* bit (cp >> 8) set: some override lies in that block of 256 code points */
static const uint32_t gs_override_blocks[] = {
	0x3d807b80, 0x000000c1, 0x00000000, 0x00000000, 0x00000000, 0x00000300,
	0x00000000, 0x80000000, 0xe79fe000, 0x00100000, 0x00000000, 0x00008000,
	0x00000000, 0x00000000, 0x00008000, 0x02780017, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x0000ffff, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
	0x00000000, 0x00000000, 0x00000000, 0x00000000,
};
/* BMP blocks of 64 code points all of one class: that class (as numbered in enum gc),
 * else 0xff */
static const uint8_t gs_bmp_uniform[1024] = {
	0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xff, 0x00, 0x00,
	0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0x00, 0x08, 0xff, 0xff, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
	0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0xff, 0x00, 0x00, 0xff, 0xff,
};
/* END gs-overrides */

/* grapheme-splitter's class of code point cp. */
static inline unsigned gs_class(int32_t cp)
{
	if (cp < 0x10000) {
		unsigned u = gs_bmp_uniform[cp >> 6];
		if (u != 0xFF)
			return u;
		if (cp < 0x300) {  /* C0, C1 and SOFT HYPHEN are Control */
			if (cp < 0x20)
				return cp == '\r' ? GC_CR : cp == '\n' ? GC_LF : GC_CONTROL;
			return (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD ? GC_CONTROL : GC_OTHER;
		}
		if (cp >= 0xAC00 && cp <= 0xD7A3)  /* Hangul syllables */
			return (cp - 0xAC00) % 28 ? GC_LVT : GC_LV;
	}
	unsigned bc = utf8proc_get_property(cp)->boundclass;
	unsigned cls = bc < sizeof gs_from_utf8proc ? gs_from_utf8proc[bc] : GC_OTHER;
	uint32_t blk = (uint32_t)cp >> 8;
	if (!(gs_override_blocks[blk >> 5] >> (blk & 31) & 1u))
		return cls;
	size_t lo = 0, hi = sizeof gs_overrides / sizeof gs_overrides[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < gs_overrides[mid].lo)
			hi = mid;
		else if (cp > gs_overrides[mid].hi)
			lo = mid + 1;
		else
			return gs_overrides[mid].cls;
	}
	return cls;
}

/* What grapheme-splitter's shouldBreak(start, mid, end) looks at, kept up to date as a
 * cluster grows: start is the class of its first code point, mid the classes of the
 * others seen so far. */
struct gs_state {
	unsigned start, prev, prev2;  /* prev: the last class seen; prev2: the one before */
	size_t nmid;
	size_t mid_ri;                /* RIs in mid */
	size_t mid_lead_ri;           /* RIs at the start of mid */
	bool mid_all_extend;          /* every class in mid is Extend */
	bool any_extend;              /* Extend in start or mid */
};

static inline void gs_start(struct gs_state *s, unsigned cls)
{
	s->start = s->prev = cls;
	s->prev2 = GC_OTHER;
	s->nmid = s->mid_ri = s->mid_lead_ri = 0;
	s->mid_all_extend = true;
	s->any_extend = cls == GC_EXTEND;
}

static inline void gs_add(struct gs_state *s, unsigned cls)
{
	s->prev2 = s->prev;
	s->prev = cls;
	s->nmid++;
	if (cls == GC_EXTEND)
		s->any_extend = true;
	else
		s->mid_all_extend = false;
	if (cls == GC_RI) {
		s->mid_ri++;
		if (s->mid_lead_ri == s->nmid - 1)
			s->mid_lead_ri++;
	}
}

#define IS_EBASE(c) ((c) == GC_EBASE || (c) == GC_EBG)

/* grapheme-splitter 1.0.4 shouldBreak(), rule for rule, with all = [start, ...mid, next]. */
static bool gs_break(const struct gs_state *s, unsigned next)
{
	unsigned prev = s->prev;

	/* Its GB10 "lookahead terminator": E_Modifier after Extends that follow neither
	 * E_Base nor Extend at the cluster start breaks. */
	if (next == GC_EMOD && s->nmid > 0 && s->mid_all_extend && s->start != GC_EXTEND &&
	    !IS_EBASE(s->start))
		return true;
	/* Its GB12/13 "lookahead terminator": all[1..lastIndexOf(RI)) all RI and the previous
	 * class neither Prepend nor RI. With next RI: a lone RI after a non-RI start. Else:
	 * mid is a run of RIs then non-RIs, e.g. a flag, then a mark, then any mark breaks. */
	if (next == GC_RI) {
		if (s->nmid == 0 && s->start != GC_PREPEND && s->start != GC_RI)
			return true;
	} else if (s->mid_lead_ri > 0 && s->mid_ri == s->mid_lead_ri && s->nmid > s->mid_lead_ri &&
	           prev != GC_PREPEND) {
		return true;
	}
	if (prev == GC_CR && next == GC_LF)                                   /* GB3 */
		return false;
	if (prev == GC_CONTROL || prev == GC_CR || prev == GC_LF)             /* GB4 */
		return true;
	if (next == GC_CONTROL || next == GC_CR || next == GC_LF)             /* GB5 */
		return true;
	if (prev == GC_L && (next == GC_L || next == GC_V || next == GC_LV || next == GC_LVT))
		return false;                                                 /* GB6 */
	if ((prev == GC_LV || prev == GC_V) && (next == GC_V || next == GC_T)) /* GB7 */
		return false;
	if ((prev == GC_LVT || prev == GC_T) && next == GC_T)                  /* GB8 */
		return false;
	if (next == GC_EXTEND || next == GC_ZWJ || next == GC_SPACINGMARK)    /* GB9, GB9a */
		return false;
	if (prev == GC_PREPEND)                                               /* GB9b */
		return false;
	/* GB10 as it is coded there: the class before the last Extend of all (or, with no
	 * Extend, the previous class) is E_Base, and only Extends follow it: so at most one
	 * Extend between the base and the modifier. */
	if (next == GC_EMOD) {
		if (!s->any_extend ? IS_EBASE(prev)
		                   : prev == GC_EXTEND && s->nmid > 0 && IS_EBASE(s->prev2))
			return false;
	}
	if (prev == GC_ZWJ && (next == GC_GAZ || next == GC_EBG))             /* GB11 */
		return false;
	if (s->mid_ri > 0)                                                    /* GB12, GB13 */
		return true;
	if (prev == GC_RI && next == GC_RI)
		return false;
	return true;                                                          /* GB999 */
}

/* ----------------------------------------------------------------- segments */

#define BITS_SEGMENT 1120u   /* 140 octets */
#define BITS_UDH     48u     /* 6 octets of concatenation header */
#define LOCAL_PARTS  16

/* Segments are filled one unit at a time. Only the first segment ever gives units back
 * (when the second opens and the UDH goes into the first), and popping units from its end
 * until it fits again leaves the longest prefix that fits with a UDH: so we remember where
 * that prefix ends instead of keeping the units. */
struct segmenter {
	size_t cap, hdrcap;          /* units that fit in the current segment / one with a UDH */
	size_t off, len, units;      /* the current (last) segment */
	size_t fit_len, fit_units;   /* first segment: its longest prefix within hdrcap */
	bool first;                  /* the current segment is the first one */
	struct gsm_part *parts;      /* the closed segments: local, or malloc'd when many */
	size_t nparts, alloc;
	struct gsm_part *local;
};

static void seg_init(struct segmenter *g, size_t unit_bits, struct gsm_part *local)
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
static void seg_open(struct segmenter *g)
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

/* Adds one unit of `bytes` bytes that uses `size` units. Like the calculator, a unit goes
 * into the newly opened segment whether it fits there or not. */
static inline void seg_push(struct segmenter *g, size_t bytes, size_t size)
{
	if (g->units + size > g->cap)
		seg_open(g);
	g->len += bytes;
	g->units += size;
	if (g->first && g->units <= g->hdrcap) {
		g->fit_len = g->len;
		g->fit_units = g->units;
	}
}

/* k units of one byte and one unit each: k seg_push(g, 1, 1), with those that all fit
 * (no segment opens, and the first one's fit grows with each) added at once. */
static void seg_push_ones(struct segmenter *g, size_t k)
{
	while (k > 0) {
		size_t lim = g->first ? g->hdrcap : g->cap;
		if (g->units >= lim) {
			seg_push(g, 1, 1);
			k--;
			continue;
		}
		size_t m = lim - g->units < k ? lim - g->units : k;
		g->len += m;
		g->units += m;
		if (g->first) {
			g->fit_len = g->len;
			g->fit_units = g->units;
		}
		k -= m;
	}
}

/* Where seg_finish() puts the parts when they fit: gsm_analyze_buf()'s buffer. */
struct partbuf {
	struct gsm_part *buf;
	size_t n;
};

/* Hands the segments to out: in pb when they fit, else in one allocation. */
static void seg_finish(struct segmenter *g, struct gsm_info *out, struct partbuf pb)
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

static void seg_abandon(struct segmenter *g)
{
	if (g->parts != g->local)
		free(g->parts);
}

/* Byte-wise tests on 8 bytes at once (Sean Anderson's "Bit Twiddling Hacks"): some byte
 * < n, some byte > n (or >= 0x80), some byte strictly between m and n; n, m <= 127. */
#define SWAR_ONES ((uint64_t)-1 / 255)
#define SWAR_HIGH (SWAR_ONES * 128)
#define SWAR_HASLESS(x, n) (((x) - SWAR_ONES * (n)) & ~(x) & SWAR_HIGH)
#define SWAR_HASMORE(x, n) ((((x) + SWAR_ONES * (127 - (n))) | (x)) & SWAR_HIGH)
#define SWAR_HASBETWEEN(x, m, n) \
	((SWAR_ONES * (127 + (n)) - ((x) & SWAR_ONES * 127)) & ~(x) & \
	 (((x) & SWAR_ONES * 127) + SWAR_ONES * (127 - (m))) & SWAR_HIGH)
/* all 8 bytes plain ASCII in the GSM basic table: 0x20..0x7A but 0x5B..0x60 ('_' too) */
#define SWAR_PLAIN_ASCII(x) \
	(!(SWAR_HASLESS(x, 0x20) | SWAR_HASMORE(x, 0x7A) | SWAR_HASBETWEEN(x, 0x5A, 0x61)))
/* all 8 bytes printable ASCII, 0x20..0x7E */
#define SWAR_PRINTABLE(x) (!(SWAR_HASLESS(x, 0x20) | SWAR_HASMORE(x, 0x7E)))

#ifdef __SSE2__
/* One bit per byte of v, set when the byte is in [lo, hi]: v - lo <= hi - lo, unsigned. */
static inline unsigned sse_in(__m128i v, unsigned char lo, unsigned char hi)
{
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8((char)lo));
	__m128i m = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8((char)(hi - lo))), d);
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

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

/* The same for printable ASCII, 0x20..0x7E: grapheme class Other and one UTF-16 unit. */
static size_t printable_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	for (; n - i >= 16; i += 16) {
		unsigned in = sse_in(_mm_loadu_si128((const __m128i *)(const void *)(s + i)), 0x20, 0x7E);
		if (in != 0xFFFF)
			return i + (size_t)__builtin_ctz(~in);
	}
#else
	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (!SWAR_PRINTABLE(w))
			break;
	}
#endif
	while (i < n && s[i] >= 0x20 && s[i] <= 0x7E)
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

static inline void ucs2_emit(struct segmenter *g, const unsigned char *s, size_t off, size_t bytes,
                             size_t units, size_t *chars)
{
	if (bytes == 2 && s[off] == '\r' && s[off + 1] == '\n') {  /* CRLF counts as two */
		seg_push(g, 1, 1);
		seg_push(g, 1, 1);
		*chars += 2;
	} else {
		seg_push(g, bytes, units);
		*chars += 1;
	}
}

/* UCS-2 body (len > 0): units are grapheme-splitter's clusters, "\r\n" split in two.
 * Validates as it goes: -1 on bytes that are not UTF-8 or on NUL. */
static int split_ucs2(const unsigned char *s, size_t len, struct gsm_info *out, struct partbuf pb)
{
	struct gsm_part local[LOCAL_PARTS];
	struct segmenter g;
	struct gs_state st;
	size_t chars = 0, coff = 0, cunits, i;
	int32_t cp;

	seg_init(&g, 16, local);
	i = utf8_decode(s, len, &cp);
	if (i == 0 || cp == 0)
		goto bad;
	/* simple: the cluster being built is one code point of class Other, and st is not
	 * set up yet. Most text is runs of these: Other after it breaks (GB999). */
	unsigned cls = gs_class(cp);
	bool simple = cls == GC_OTHER;
	gs_start(&st, cls);
	cunits = cp >= 0x10000 ? 2 : 1;
	out->units = cunits;
	while (i < len) {
		/* Printable ASCII is class Other and one unit. After a simple cluster, each such
		 * character closes the cluster before it (GB999) and is a simple cluster itself:
		 * a run of k of them is the push of the cluster before, then k - 1 pushes of one
		 * unit, and its last character is the cluster being built. */
		if (simple) {
			size_t k = printable_run(s + i, len - i);
			if (k > 0) {
				seg_push(&g, i - coff, cunits);
				seg_push_ones(&g, k - 1);
				chars += k;
				out->units += k;
				coff = i + k - 1;
				cunits = 1;
				i += k;
				if (i == len)
					break;
			}
		}
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0 || cp == 0)
			goto bad;
		cls = gs_class(cp);
		size_t u = cp >= 0x10000 ? 2 : 1;
		out->units += u;
		if (simple && cls == GC_OTHER) {
			seg_push(&g, i - coff, cunits);
			chars++;
			coff = i;
			cunits = u;
			i += n;
			continue;
		}
		if (simple) {
			gs_start(&st, GC_OTHER);
			simple = false;
		}
		if (gs_break(&st, cls)) {
			ucs2_emit(&g, s, coff, i - coff, cunits, &chars);
			simple = cls == GC_OTHER;
			if (!simple)
				gs_start(&st, cls);
			coff = i;
			cunits = u;
		} else {
			gs_add(&st, cls);
			cunits += u;
		}
		i += n;
	}
	ucs2_emit(&g, s, coff, i - coff, cunits, &chars);
	out->chars = chars;
	seg_finish(&g, out, pb);
	return 0;
bad:
	seg_abandon(&g);
	return -1;
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
	if (split_ucs2(s, len, out, pb) < 0) {
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
