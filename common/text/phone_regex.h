/* phone_regex — the regular expressions of libphonenumber's metadata and of its
 * PhoneNumberUtil, run as JavaScript runs them, for phone.c: ECMAScript syntax and
 * semantics (backtracking, leftmost alternative first, greedy and lazy quantifiers,
 * capture groups, the non-unicode "i" flag) over UTF-16 code units, the unit JavaScript
 * strings are made of. Agreeing with libphonenumber means agreeing with its patterns to
 * the code unit.
 *
 * Not rematch.c, the engine of autoresponder triggers: that one reads POSIX extended
 * syntax over bytes, answers only "matches or not", and refuses what it cannot bound,
 * because its patterns come from users; these come from libphonenumber's tables (string
 * constants, trusted), and need JavaScript's backtracking order and capture groups,
 * which an automaton without backtracking cannot give. One engine cannot keep both
 * promises.
 *
 * Compiled programs are cached for the life of the process by the addresses of their
 * parts (phone_re_get()): only string constants may be passed there. The cache takes no
 * lock; everything here is safe to call from several threads. */
#ifndef SMSKIT_PHONE_REGEX_H
#define SMSKIT_PHONE_REGEX_H

#include <stddef.h>
#include <stdint.h>

/* A compiled pattern. */
struct phone_re {
	struct re_insn *prog;    /* the program, its character ranges and classes */
	int nprog, capprog;
	struct re_range *ranges;
	int nranges, capranges;
	struct re_class *classes;
	int nclasses, capclasses;
	int ngroups; /* capture groups, group 0 (the whole match) included */
	int icase;
};

/* Decodes UTF-8 into UTF-16 code units; each byte of a malformed sequence becomes U+FFFD
 * (utf8_decode_lossy()). Stores at most max units at out; returns how many units the
 * input has, counting stops once it passes max. */
int phone_re_utf16(const char *in, size_t len, uint16_t *out, int max);

/* Compiles pre + pattern + post (ECMAScript syntax, UTF-8). Returns 0, or -1 when the
 * pattern uses something this engine does not support (then nothing matches). Free it
 * with phone_re_free(). */
int phone_re_compile(struct phone_re *re, const char *pre, const char *pattern, const char *post,
                     int icase);
void phone_re_free(struct phone_re *re);

/* Runs re on s[0..len). anchored: only a match starting at 0, like a pattern beginning
 * with ^; otherwise the leftmost match, like String.prototype.search. groups gets
 * 2 * re->ngroups offsets (-1 for a group that did not take part). Returns 1 on a match. */
int phone_re_exec(const struct phone_re *re, const uint16_t *s, int len, int anchored, int *groups);

/* The compiled pre + pattern + post, three string constants: the cached program, or
 * *tmp (compiled for this call) when the cache is full; hand either to phone_re_done().
 * *rc: phone_re_compile()'s result. */
const struct phone_re *phone_re_get(const char *pre, const char *pattern, const char *post,
                                    int icase, struct phone_re *tmp, int *rc);
void phone_re_done(const struct phone_re *re, struct phone_re *tmp);

/* phone_re_get(), phone_re_exec() and phone_re_done() at once. groups (room for
 * ngroups_max groups, may be NULL) gets the offsets of the first ngroups_max groups;
 * *ngroups (may be NULL) the pattern's number of groups. */
int phone_re_run(const char *pre, const char *pattern, const char *post, int icase,
                 const uint16_t *s, int len, int anchored, int *groups, int ngroups_max,
                 int *ngroups);

/* 1 for JavaScript's LineTerminator (\n \r U+2028 U+2029), what "." does not match. */
int phone_re_line_terminator(uint16_t c);

#endif
