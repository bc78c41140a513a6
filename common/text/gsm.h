/* gsm — the SMS text codec: choice of GSM-7 or UCS-2, segment counting and splitting
 * exactly as Twilio's segment calculator (npm sms-segments-calculator 1.3.0) does it,
 * and Twilio Smart Encoding. Owns the GSM 03.38 tables and the calculator's grapheme rules; no state. */
#ifndef SMSKIT_GSM_H
#define SMSKIT_GSM_H

#include <stddef.h>

enum gsm_encoding { GSM_ENC_GSM7, GSM_ENC_UCS2 };

struct gsm_part {
	size_t off, len;   /* byte range of the part in the body */
	size_t units;      /* units it uses */
};

struct gsm_info {
	enum gsm_encoding encoding;
	size_t segments;   /* number of parts, exactly as the calculator's segmentsCount */
	size_t units;      /* septets (GSM-7; escape chars count 2) or 16-bit units (UCS-2; a GSM
	                      char counts 1, others their UTF-16 length), no UDH */
	size_t chars;      /* characters as a person counts them: grapheme clusters, with CRLF
	                      counted as two */
	size_t per_part;   /* capacity of a part in units: 160 or 153 (GSM-7), 70 or 67 (UCS-2) */
	size_t remaining;  /* units still free in the last part */
	struct gsm_part *parts;
	size_t nparts;     /* nparts == segments; an empty body is one empty GSM-7 part, as the
	                      calculator says */
	int parts_heap;    /* parts is malloc'd: gsm_info_free() frees it */
};

/* 0, or -1 if body is not valid UTF-8 or holds a NUL byte (out then needs no free). */
int  gsm_analyze(const char *body, size_t len, struct gsm_info *out);
/* The same, with room for nbuf parts at buf, where they go when they fit: no allocation
 * per body for a program that analyzes many. buf must outlive out; gsm_info_free() is
 * still what releases out. */
int  gsm_analyze_buf(const char *body, size_t len, struct gsm_info *out, struct gsm_part *buf,
                     size_t nbuf);
void gsm_info_free(struct gsm_info *info);

/* "GSM-7" / "UCS-2" */
const char *gsm_encoding_name(enum gsm_encoding e);

/* Twilio Smart Encoding: every code point found in the calculator's map is replaced by its
 * GSM look-alike (curly quotes -> straight, dashes -> '-', ...). Returns a malloc'd,
 * NUL-terminated string and its length in *outlen (may be NULL). Input must be valid UTF-8;
 * bytes that are not are copied through unchanged. */
char *gsm_smart_encode(const char *body, size_t len, size_t *outlen);

/* Internal: the smart-encoding map, generated into gsm_smart_table.c by
 * tools/gen-smart-table.sh; sorted by code point. */
struct gsm_smart_entry {
	unsigned cp;
	unsigned char len;      /* bytes in repl (all replacements are ASCII) */
	const char *repl;
};
extern const struct gsm_smart_entry gsm_smart_map[];
extern const size_t gsm_smart_map_len;
extern const unsigned gsm_smart_ascii[4];   /* bit c: ASCII c is a key */
extern const unsigned gsm_smart_blocks[8];  /* bit cp >> 8: a key in that block (all are BMP) */

#endif
