/* gsm_int — what gsm.c and gsm_ucs2.c share, for them alone: the segmenter that fills
 * segments unit by unit as the calculator does, and byte-wise scanning helpers. See
 * gsm.c for the rules. */
#ifndef SMSKIT_GSM_INT_H
#define SMSKIT_GSM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "gsm.h"

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

void seg_init(struct segmenter *g, size_t unit_bits, struct gsm_part *local);
void seg_open(struct segmenter *g);

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

/* Where seg_finish() puts the parts when they fit: gsm_analyze_buf()'s buffer. */
struct partbuf {
	struct gsm_part *buf;
	size_t n;
};

/* Hands the segments to out: in pb when they fit, else in one allocation. */
void seg_finish(struct segmenter *g, struct gsm_info *out, struct partbuf pb);
void seg_abandon(struct segmenter *g);

/* UCS-2 body (len > 0), in gsm_ucs2.c: out's units, chars and parts; -1 on bytes that are
 * not UTF-8 or on NUL. */
int gsm_split_ucs2(const unsigned char *s, size_t len, struct gsm_info *out, struct partbuf pb);

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

#endif
