/* fuzz_records — libFuzzer target for the NDJSON reader: any bytes in, records or
 * error records out, never a crash, a leak or undefined behaviour. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	FILE *out = fopen("/dev/null", "w");
	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return 0;
	}
	struct rec_in r;
	struct rec_out o;
	rec_in_init(&r, in);
	rec_out_init(&o, out);
	cJSON *rec, *bad;
	while (rec_next(&r, &rec, &bad)) {
		if (rec) {
			(void)rec_str(rec, "body");
			rec_set_ok(rec);
		}
		rec_emit(&o, rec ? rec : bad);
	}
	(void)rec_exit_code(&o, &r);
	rec_in_free(&r);
	fclose(in);
	fclose(out);
	return 0;
}
