/* fuzz_autoresp — libFuzzer target for autoresponder triggers: the bytes up to
 * the first newline are a trigger (checked as sms-auto add checks it, then
 * matched), and also a pattern for rematch; the rest is the message. Never a
 * crash, a leak or undefined behaviour; a trigger that passes the check must
 * compile, a compiled program stays within REMATCH_MAX_STATES, and on short
 * messages rematch must agree with glibc's regexec wherever both compile the
 * pattern (except where glibc is inconsistent, see comparable()). */
#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autoresp.h"
#include "rematch.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where glibc is not consistent with itself, rematch follows the rule and the
 * two are not compared: an escaped lowercase letter when case is ignored
 * (glibc never matches it, though it matches an escaped capital); "{\,}"
 * (glibc reads an escaped comma inside a count); and ^ or $ next to a newline
 * of the text (without REG_NEWLINE, glibc's DFA still lets a $ inside the
 * pattern match before a newline, and a ^ after one, though "b$" does not
 * match "b\n"). */
static int comparable(const char *p, int icase, const char *body)
{
	if (strchr(body, '\n') && strpbrk(p, "^$"))
		return 0;
	for (; *p; p++)
		if (*p == '\\' && p[1] && ((icase && p[1] >= 'a' && p[1] <= 'z') || p[1] == ','))
			return 0;
	return 1;
}

static void differential(const char *pattern, int icase, const char *body)
{
	struct rematch *re;
	char err[256];
	int rc = rematch_compile(pattern, strlen(pattern), icase, &re, err, sizeof err);
	if (rc != REMATCH_OK) {
		if (!err[0])
			abort();
		return;
	}
	if (rematch_states(re) > REMATCH_MAX_STATES)
		abort();
	int mine = rematch_search(re, body);
	regex_t g;
	if (strlen(body) <= 64 && comparable(pattern, icase, body) &&
	    regcomp(&g, pattern, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0)) == 0) {
		int theirs = regexec(&g, body, 0, NULL, 0) == 0;
		regfree(&g);
		if (mine != theirs)
			abort();
	}
	rematch_free(re);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t tlen = nl ? (size_t)(nl - in) : size;
	char *trigger = xstrndup(in, tlen);
	char *body = nl ? xstrndup(nl + 1, size - tlen - 1) : xstrdup("");

	char err[400];
	int rc = autoresp_trigger_check(trigger, NULL, err, sizeof err);
	if (rc != 0 && rc != AUTORESP_INVALID && rc != AUTORESP_UNSAFE)
		abort();
	if (rc != 0 && !err[0])
		abort();
	int hit = autoresp_trigger_matches(trigger, NULL, body);
	if (hit != 0 && (hit != 1 || rc != 0))
		abort();

	/* The trigger line as a bare pattern, both ways round for case. */
	if (strlen(trigger) == tlen) {
		differential(trigger, 0, body);
		differential(trigger, 1, body);
	}
	free(trigger);
	free(body);
	return 0;
}
