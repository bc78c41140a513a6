/* fuzz_gsm — libFuzzer target for the GSM-7 / UCS-2 codec: any bytes in, never a crash,
 * a leak or undefined behaviour; and what gsm_analyze() says must hold together: the same
 * verdict on validity as utf8proc, parts that tile the body, units that add up, and Smart
 * Encoding that yields valid UTF-8 and is idempotent. A broken invariant aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "gsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                      \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_gsm: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* utf8proc's verdict: is s valid UTF-8, and does it hold NUL? Counts code points and
 * UTF-16 units. */
struct ref {
	bool utf8, nul;
	size_t cps, utf16;
};

static struct ref reference(const uint8_t *s, size_t n)
{
	struct ref r = { true, false, 0, 0 };
	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0) {
			r.utf8 = false;
			return r;
		}
		r.nul |= cp == 0;
		r.cps++;
		r.utf16 += cp >= 0x10000 ? 2 : 1;
		i += (size_t)k;
	}
	return r;
}

static void check_info(const char *body, size_t size, const struct gsm_info *g, struct ref r)
{
	bool gsm7 = g->encoding == GSM_ENC_GSM7;
	REQUIRE(g->nparts == g->segments && g->nparts >= 1 && g->parts);
	REQUIRE(g->per_part == (gsm7 ? (g->nparts == 1 ? 160u : 153u) : (g->nparts == 1 ? 70u : 67u)));
	if (gsm7)  /* one unit per code point, of 1 or 2 septets */
		REQUIRE(g->chars == r.cps && g->units >= r.cps && g->units <= 2 * r.cps);
	else       /* clusters of code points; the units are the UTF-16 length */
		REQUIRE(g->chars >= 1 && g->chars <= r.cps && g->units == r.utf16);
	size_t off = 0, units = 0;
	for (size_t i = 0; i < g->nparts; i++) {
		const struct gsm_part *p = &g->parts[i];
		REQUIRE(p->off == off);
		off += p->len;
		units += p->units;
		/* only the first part of several can be empty (a cluster bigger than a segment) */
		REQUIRE(p->len > 0 || (i == 0 && g->nparts > 1) || size == 0);
		if (gsm7)
			REQUIRE(p->units <= g->per_part);
		/* each part is whole characters: valid on its own, and in GSM-7 it counts the same */
		struct gsm_info pi;
		REQUIRE(gsm_analyze(body + p->off, p->len, &pi) == 0);
		if (gsm7)
			REQUIRE(pi.encoding == GSM_ENC_GSM7 && pi.units == p->units);
		gsm_info_free(&pi);
	}
	REQUIRE(off == size);
	REQUIRE(units == g->units);
	size_t last = g->parts[g->nparts - 1].units;
	REQUIRE(g->remaining == (g->per_part > last ? g->per_part - last : 0));
	if (g->nparts == 1)
		REQUIRE(g->units <= g->per_part);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct ref r = reference(data, size);

	struct gsm_info g;
	int rc = gsm_analyze(body, size, &g);
	REQUIRE((rc == 0) == (r.utf8 && !r.nul));
	if (rc == 0) {
		check_info(body, size, &g, r);
		gsm_info_free(&g);
		REQUIRE(g.parts == NULL);
	}

	/* Smart Encoding: any bytes in; from UTF-8, valid UTF-8 out (NUL is in the map, so it
	 * is removed), and a second pass changes nothing. */
	size_t n;
	char *smart = gsm_smart_encode(body, size, &n);
	REQUIRE(smart[n] == '\0');
	if (r.utf8) {
		struct ref sr = reference((const uint8_t *)smart, n);
		REQUIRE(sr.utf8 && !sr.nul);
		REQUIRE(gsm_analyze(smart, n, &g) == 0);
		check_info(smart, n, &g, sr);
		gsm_info_free(&g);
		size_t n2;
		char *again = gsm_smart_encode(smart, n, &n2);
		REQUIRE(n2 == n && memcmp(again, smart, n) == 0);
		free(again);
	}
	free(smart);
	return 0;
}
