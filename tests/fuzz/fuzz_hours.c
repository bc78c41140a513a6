/* fuzz_hours — libFuzzer target for the active-hours language of
 * autoresponders ("9am-5pm Mon-Fri"): any bytes either parse into a window
 * inside one day and a set of days, or fail with a sentence. Never a crash, a
 * leak or undefined behaviour; the verdict at any time is 0 or 1, and a spec
 * that parses always parses again to the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autoresp.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = xstrndup((const char *)data, size);
	struct autoresp_hours h, again;
	char err[256] = "";
	if (autoresp_hours_parse(spec, &h, err, sizeof err) != 0) {
		if (!err[0])
			abort();
		free(spec);
		return 0;
	}
	if (h.start_min < 0 || h.start_min > 1440 || h.end_min < 0 || h.end_min > 1440 ||
	    (h.days & ~0x7fu) || (!h.always && h.days == 0))
		abort();
	if (autoresp_hours_parse(spec, &again, NULL, 0) != 0 ||
	    memcmp(&h, &again, sizeof h) != 0)
		abort();
	/* A week of quarter hours, from a Sunday (1970-01-04, UTC). */
	for (time_t t = 3 * 86400; t < 10 * 86400; t += 900) {
		int in = autoresp_hours_inside(&h, t);
		if (in != 0 && in != 1)
			abort();
		if (h.always && !in)
			abort();
	}
	free(spec);
	return 0;
}
