/* util — small helpers every module uses: checked allocation, a growable string
 * buffer, and warnings on stderr prefixed with the program name.
 * Owns no state except the program name set once by main(). */
#ifndef SMSKIT_UTIL_H
#define SMSKIT_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void  util_set_progname(const char *argv0);
const char *util_progname(void);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
/* Zeroes a secret string (explicit_bzero: not optimised away) and frees it; NULL is fine. */
void free_secret(char *s);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xstrdup, or NULL for NULL. */
char *xstrdup_or_null(const char *s);

/* A whole decimal number from 0 to max, digits only; -1 on anything else. */
int parse_whole(const char *s, long long max, long long *out);

/* Creates the missing directories above the file path (mode 0700: what they
 * hold is private). 0, or -1 with a sentence in err and errno set. */
int util_make_parents(const char *path, char *err, size_t errlen);

/* "PROG: message" on stderr, like warnx(3). */
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct strbuf {
	char  *s;
	size_t len, cap;
};
void strbuf_init(struct strbuf *b);
void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Room for n more bytes and the NUL after them, for code that writes at b->s + b->len
 * itself (then sets len, and the NUL when it needs one). */
void strbuf_reserve(struct strbuf *b, size_t n);
/* Decimal digits of n, without printf: hot output paths use it. */
void strbuf_put_uint(struct strbuf *b, unsigned long long n);
char *strbuf_detach(struct strbuf *b);
void strbuf_free(struct strbuf *b);

/* in[0..n) as 2n lower-case hex digits and a NUL at out (2n + 1 bytes). */
void hex_lower(const unsigned char *in, size_t n, char *out);
/* The value of hex digit c (either case), or -1. */
int hex_value(int c);
/* n lower-case hex digits (what hex_lower() writes; an upper-case digit is refused)
 * into n / 2 bytes at out; -1 on anything else, an odd n included. */
int hex_decode(const char *s, size_t n, unsigned char *out);

#endif
