/* util — checked allocation, string buffers, stderr messages. */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *progname = "smskit";

void util_set_progname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *util_progname(void) { return progname; }

static void oom(void)
{
	fprintf(stderr, "%s: out of memory\n", progname);
	exit(71); /* EX_OSERR */
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void warnmsg(const char *fmt, ...)
{
	/* One write per line (stderr is unbuffered): the daemon's threads, and
	 * programs sharing a terminal, never cut into each other's lines. */
	char line[4096];
	int n = snprintf(line, sizeof line, "%s: ", progname);
	va_list ap;
	va_start(ap, fmt);
	int m = n >= 0 && (size_t)n < sizeof line ? vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap) : -1;
	va_end(ap);
	if (m >= 0 && (size_t)n + (size_t)m + 1 < sizeof line) {
		line[n + m] = '\n';
		fwrite(line, 1, (size_t)n + (size_t)m + 1, stderr);
		return;
	}
	va_start(ap, fmt); /* longer than the buffer: in parts, as before */
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void strbuf_init(struct strbuf *b) { b->s = NULL; b->len = b->cap = 0; }

static void strbuf_grow(struct strbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void strbuf_reserve(struct strbuf *b, size_t n) { strbuf_grow(b, n); }

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	strbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s) { strbuf_add(b, s, strlen(s)); }
void strbuf_putc(struct strbuf *b, char c) { strbuf_add(b, &c, 1); }

void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n > 0) {
		strbuf_grow(b, (size_t)n);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
	}
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

void strbuf_put_uint(struct strbuf *b, unsigned long long n)
{
	char d[24];
	size_t i = sizeof d;
	do
		d[--i] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	strbuf_add(b, d + i, sizeof d - i);
}

char *strbuf_detach(struct strbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	strbuf_init(b);
	return s;
}

void strbuf_free(struct strbuf *b) { free(b->s); strbuf_init(b); }

int parse_whole(const char *s, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v > max)
		return -1;
	*out = v;
	return 0;
}

int util_make_parents(const char *path, char *err, size_t errlen)
{
	char *p = xstrdup(path);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			int e = errno;
			snprintf(err, errlen, "%s: cannot create directory %s: %s", path, p, strerror(e));
			free(p);
			errno = e;
			return -1;
		}
		*q = '/';
	}
	free(p);
	return 0;
}

void hex_lower(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *s, size_t n, unsigned char *out)
{
	if (n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		/* lower case only: the digits hex_lower() wrote, nothing else */
		if ((s[i] >= 'A' && s[i] <= 'F') || (s[i + 1] >= 'A' && s[i + 1] <= 'F'))
			return -1;
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

char *xstrdup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }
