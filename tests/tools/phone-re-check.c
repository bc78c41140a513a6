/* phone-re-check — test driver for phone_regex, the ECMAScript regex engine of the phone
 * module: reads NDJSON {"re": PATTERN, "s": SUBJECT, "i": BOOL, "anchored": BOOL} lines
 * on stdin and prints, for each, one line: "unsupported" when the engine refuses the
 * pattern, "-" when it does not match, else the offsets (UTF-16 code units) of every
 * group, group 0 first, "start,end" each, "-1,-1" for a group that took no part; as
 * JavaScript's RegExp gives them (exec() and match.indices; with "anchored", a match at
 * 0 only, as with the "y" flag).
 *
 *   phone-re-check < cases.ndjson
 *
 * Patterns are compiled for each line (phone_re_compile()), never through the cache of
 * phone_re_get(), which only string constants may use. Exit 65 on a line that is not
 * such an object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "phone_regex.h"
#include "util.h"

static int run(const cJSON *line)
{
	const cJSON *re = cJSON_GetObjectItemCaseSensitive(line, "re");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(line, "s");
	if (!cJSON_IsString(re) || !cJSON_IsString(s))
		return -1;
	int icase = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line, "i"));
	int anchored = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line, "anchored"));
	struct phone_re r;
	if (phone_re_compile(&r, "", re->valuestring, "", icase) != 0) {
		puts("unsupported");
		return 0;
	}
	size_t len = strlen(s->valuestring);
	uint16_t *units = xmalloc((len + 1) * sizeof *units);
	int n = phone_re_utf16(s->valuestring, len, units, (int)len + 1);
	int *groups = xmalloc(2 * (size_t)r.ngroups * sizeof *groups);
	if (!phone_re_exec(&r, units, n, anchored, groups)) {
		puts("-");
	} else {
		for (int g = 0; g < r.ngroups; g++)
			printf("%s%d,%d", g ? " " : "", groups[2 * g], groups[2 * g + 1]);
		putchar('\n');
	}
	free(groups);
	free(units);
	phone_re_free(&r);
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	util_set_progname(argv[0]);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t k;
	int rc = 0;
	while ((k = getline(&buf, &cap, stdin)) > 0) {
		cJSON *line = cJSON_Parse(buf);
		if (!line || run(line) != 0) {
			warnmsg("not a {\"re\", \"s\"} object: %s", buf);
			rc = EX_DATAERR;
		}
		cJSON_Delete(line);
	}
	free(buf);
	return rc;
}
