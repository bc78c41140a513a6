/* rematch — the regular expressions of autoresponder triggers, matched in
 * bounded time and memory (sms-auto(1), Triggers). The syntax is POSIX
 * extended (regex(7)) as glibc's regcomp reads it in the C locale: bytes as
 * they are, with GNU's \w \W \s \S \b \B \< \> \` \'. Refused, because no
 * bound holds for them: back-references, a quantifier on a quantifier
 * (a**, a{2}{3}) or on a group that holds one ((a+)+), counts above
 * REMATCH_MAX_COUNT, patterns longer than REMATCH_MAX_LEN bytes, and
 * programs of more than REMATCH_MAX_STATES states. Matching follows every
 * state of the automaton at once (no backtracking): at most the text's
 * length times the program's size steps, in memory proportional to the
 * program's size. A compiled program is read-only: threads may share it.
 * Not phone_regex.c, which runs libphonenumber's trusted ECMAScript patterns with
 * JavaScript's backtracking and capture groups: these patterns come from users, and
 * only an automaton keeps the bound. */
#ifndef SMSKIT_REMATCH_H
#define SMSKIT_REMATCH_H

#include <stddef.h>

#define REMATCH_MAX_LEN    256
#define REMATCH_MAX_COUNT  100
#define REMATCH_MAX_STATES 1000

/* rematch_compile's results besides REMATCH_OK. */
#define REMATCH_OK     0
#define REMATCH_SYNTAX (-1) /* not a POSIX extended regex */
#define REMATCH_UNSAFE (-2) /* a regex, but one of those refused above */

struct rematch;

/* Compiles the len bytes at pattern; icase: ASCII letters match in either
 * case. REMATCH_OK with *re, else REMATCH_SYNTAX or REMATCH_UNSAFE with a
 * sentence in err saying what is wrong. Checks the length before reading
 * anything, and the program's size before building it. */
int rematch_compile(const char *pattern, size_t len, int icase, struct rematch **re, char *err,
                    size_t errlen);

/* 1 when re matches somewhere in the NUL-terminated text, else 0. */
int rematch_search(const struct rematch *re, const char *text);

/* The program's states (for the tests and the fuzzer). */
size_t rematch_states(const struct rematch *re);

void rematch_free(struct rematch *re);

#endif
