/* phone — phone numbers: E.164 normalisation, possible-length validation and the region of
 * a number, agreeing with Google's libphonenumber (parse + isPossibleNumber) on its metadata,
 * generated into phone_data.c. Owns no state; every function is reentrant. */
#ifndef SMSKIT_PHONE_H
#define SMSKIT_PHONE_H

#include <stddef.h>
#include <stdint.h>

enum phone_verdict { PHONE_OK = 0, PHONE_IMPOSSIBLE, PHONE_NOT_A_NUMBER };

struct phone_result {
	enum phone_verdict verdict;
	/* "+" and digits; filled whenever the input parsed, even when impossible
	 * ("" when PHONE_NOT_A_NUMBER). */
	char e164[24];
	/* ISO 3166 alpha-2 region of the number when known (see phone_region_of), else "". */
	char region[3];
	/* Static English sentence saying what is wrong when verdict != PHONE_OK, else NULL. */
	const char *reason;
	/* When the input parsed but holds more than digits to text — letters, which parse()
	 * drops or reads as keypad digits (1-800-FLOWERS, "212-555 home"), or an extension
	 * ("x45", ";ext=45", "45#"), which a text cannot reach — a sentence naming it
	 * ("contains letters: home ..."), else "". The verdict is libphonenumber's and does
	 * not show it; phone_sendable() refuses it. */
	char extra[128];
};

/* Reads a number as a person writes it — national ("(555) 123-4567", "020 7946 0018") against
 * default_region (ISO alpha-2 such as "US", any case; NULL or "" for none), or international
 * ("+44 20 7946 0018", "00 44 ...", "011 44 ..." from the US), with punctuation, letters
 * (1-800-FLOWERS), fullwidth or Arabic-Indic digits, extensions ("x123", "ext. 123", ";ext="),
 * or an RFC 3966 tel: URI. PHONE_NOT_A_NUMBER: libphonenumber's parse() would throw.
 * PHONE_IMPOSSIBLE: it parses but isPossibleNumber() is false (wrong length for its country).
 * PHONE_OK: it parses and is possible. *out is always filled. */
enum phone_verdict phone_parse(const char *input, const char *default_region, struct phone_result *out);

/* Sendable = PHONE_OK, nothing in r->extra (no letters, no extension) and, for NANP (+1), a
 * 10-digit national number whose area code does not start with 0 or 1 (the exchange is not
 * checked); also refused: numbers whose length is possible only for local dialling (no area
 * code). Returns 1 if sendable; otherwise 0 with *reason set to a sentence, static or
 * r->extra (reason may be NULL). */
int phone_sendable(const struct phone_result *r, const char **reason);

/* 1 when e164 has at most the 15 digits E.164 allows. libphonenumber, and so
 * phone_parse(), takes some longer numbers as possible (German ones of up to
 * 17 digits): no network routes them, and the store's opt-out table refuses
 * them, so smskit neither sends to them nor opts them out. */
int phone_e164_fits(const char *e164);

/* ISO region of an E.164 number ("+447700900123" -> "GB"), "" if unknown or non-geographic
 * (for price lookup). +1 numbers are placed by area code (CA, JM, PR, ...; "US" otherwise);
 * other shared calling codes by libphonenumber's leading digits (+7 7... -> KZ), else their
 * main region. Returns buf. */
const char *phone_region_of(const char *e164, char buf[3]);

/* Where the tables come from, e.g. "google-libphonenumber 3.2.47". */
extern const char phone_data_source[];

#ifdef PHONE_DATA_INTERNAL
/* The generated tables (phone_data.c), for phone.c only. */
struct phone_meta {
	char id[4];              /* "GB", or "800" for a non-geographic entity */
	uint16_t cc;             /* country calling code */
	uint32_t lengths, local; /* bit n: n-digit national numbers possible / local only */
	const char *idd;         /* international prefix pattern, or NULL */
	const char *npp;         /* national prefix for parsing pattern, or NULL */
	const char *npt;         /* national prefix transform rule, or NULL */
	const char *general;     /* general national number pattern */
	const char *leading;     /* leading digits pattern (shared calling codes), or NULL */
};
struct phone_cc {
	uint16_t cc;
	uint16_t meta;           /* index into phone_metas of the main region */
	const char *regions;     /* "US AG AI ...", or "001" */
	const char *too_short, *too_long, *bad_length;
};
struct phone_npa {
	uint16_t npa;
	char region[3];
};
extern const struct phone_meta phone_metas[];
extern const size_t phone_nmetas;
extern const struct phone_cc phone_ccs[];
extern const size_t phone_nccs;
extern const struct phone_npa phone_npas[];
extern const size_t phone_nnpas;
#endif

#endif
