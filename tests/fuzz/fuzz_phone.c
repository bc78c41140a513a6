/* fuzz_phone — libFuzzer target for the phone module: any bytes as a number, read against
 * a default region chosen by the first byte; checks the result's invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

static const char *const regions[] = {
	"US", "GB", "DE", "FR", "IN", "BR", "AU", "JP", "CN", "MX", "AR", "RU", "KR", "IT", "AG",
	"GG", "JE", "NF", "SM", "GA", "CR", "BY", "us", "ZZ", "", "001", "800", "X", NULL,
};

static void require(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t nregions = sizeof regions / sizeof regions[0];
	const char *region = size ? regions[data[0] % nregions] : "US";
	if (size) {
		data++;
		size--;
	}
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	struct phone_result r;
	enum phone_verdict v = phone_parse(s, region, &r);
	require(v == r.verdict);
	require((v == PHONE_OK) == (r.reason == NULL));
	if (v == PHONE_NOT_A_NUMBER) {
		require(r.e164[0] == '\0' && r.region[0] == '\0');
	} else {
		size_t n = strlen(r.e164);
		require(n >= 3 && n < sizeof r.e164 && r.e164[0] == '+');
		require(strspn(r.e164 + 1, "0123456789") == n - 1);
		char buf[3];
		require(strcmp(phone_region_of(r.e164, buf), r.region) == 0);
		require(r.region[0] == '\0' || (strlen(r.region) == 2 && r.region[0] >= 'A' &&
		                                r.region[0] <= 'Z' && r.region[1] >= 'A' &&
		                                r.region[1] <= 'Z'));
	}
	const char *why = NULL;
	int ok = phone_sendable(&r, &why);
	require(ok == (why == NULL));
	require(!ok || v == PHONE_OK);
	require(memchr(r.extra, '\0', sizeof r.extra) != NULL);
	require(!ok || r.extra[0] == '\0'); /* letters or an extension are never sent to */
	require(v != PHONE_NOT_A_NUMBER || r.extra[0] == '\0');

	char buf[3];
	phone_region_of(s, buf); /* garbage in: "" or a region, never a crash */
	require(strlen(buf) <= 2);
	free(s);
	return 0;
}
