/* accesslog — one line per request; see accesslog.h. The formats are
 * sms-webhookd(1), Access log:
 *   text: TIME REMOTE METHOD PATH STATUS BYTES MS ID
 *   json: {"time":...,"remote":...,"method":...,"path":...,"status":...,
 *          "bytes":...,"duration_ms":...,"message_id":...}
 * Every string a client chose (method, path) is written with %XX for any
 * byte outside printable ASCII and for space, '"', '\' and '%', so that a
 * line is one line, a text field one word, and a JSON string needs no other
 * escape. */
#include "accesslog.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define FIELD_MAX 256 /* bytes of a method or path kept, before escaping */

struct accesslog {
	int fd;
	int own;   /* fd is a file of ours, closed with the log */
	int json;
};

int accesslog_open(const struct sms_config *c, int on_stderr, struct accesslog **out, char *err,
                   size_t errlen)
{
	*out = NULL;
	const char *fmt = config_get(c, "SMS_LOG_FORMAT");
	int json = 0;
	if (fmt && strcasecmp(fmt, "json") == 0) {
		json = 1;
	} else if (fmt && strcasecmp(fmt, "text") != 0) {
		snprintf(err, errlen, "SMS_LOG_FORMAT=%.64s: expected text or json", fmt);
		return -1;
	}
	const char *where = config_get(c, "SMS_ACCESS_LOG");
	if (where && strcasecmp(where, "off") == 0)
		return 0;
	if (!where && !on_stderr)
		return 0;
	int fd = 2, own = 0;
	if (where && strcmp(where, "-") != 0 && strcasecmp(where, "stderr") != 0) {
		fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
		if (fd < 0) {
			snprintf(err, errlen, "SMS_ACCESS_LOG=%.300s: %s", where, strerror(errno));
			return -1;
		}
		own = 1;
	}
	struct accesslog *l = xcalloc(1, sizeof *l);
	l->fd = fd;
	l->own = own;
	l->json = json;
	*out = l;
	return 0;
}

void accesslog_close(struct accesslog *l)
{
	if (!l)
		return;
	if (l->own)
		close(l->fd);
	free(l);
}

int accesslog_on_stderr(const struct accesslog *l)
{
	return l && l->fd == 2;
}

/* s, escaped (see the top of this file), at most FIELD_MAX bytes of it; "-"
 * for NULL or empty. */
static void put_field(struct strbuf *b, const char *s)
{
	if (!s || !*s) {
		strbuf_putc(b, '-');
		return;
	}
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < FIELD_MAX && s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == '%') {
			strbuf_putc(b, '%');
			strbuf_putc(b, hex[ch >> 4]);
			strbuf_putc(b, hex[ch & 15]);
		} else {
			strbuf_putc(b, (char)ch);
		}
	}
}

/* An address as the client's: digits, hex, '.', ':' only; else "-". */
static const char *address(const char *a)
{
	if (!a || !*a || strlen(a) > 64 || a[strspn(a, "0123456789abcdefABCDEF.:")])
		return "-";
	return a;
}

void accesslog_write(struct accesslog *l, const struct accesslog_entry *e)
{
	if (!l)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[40];
	size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000);
	struct strbuf b;
	strbuf_init(&b);
	if (l->json) {
		strbuf_printf(&b, "{\"time\":\"%s\",\"remote\":\"%s\",\"method\":\"", when,
		              address(e->remote));
		put_field(&b, e->method);
		strbuf_puts(&b, "\",\"path\":\"");
		put_field(&b, e->path);
		strbuf_printf(&b, "\",\"status\":%d,\"bytes\":%zu,\"duration_ms\":%.3f,\"message_id\":",
		              e->status, e->bytes, e->ms);
		if (e->message_id > 0)
			strbuf_printf(&b, "%lld}\n", e->message_id);
		else
			strbuf_puts(&b, "null}\n");
	} else {
		strbuf_printf(&b, "%s %s ", when, address(e->remote));
		put_field(&b, e->method);
		strbuf_putc(&b, ' ');
		put_field(&b, e->path);
		strbuf_printf(&b, " %d %zu %.3f ", e->status, e->bytes, e->ms);
		if (e->message_id > 0)
			strbuf_printf(&b, "%lld\n", e->message_id);
		else
			strbuf_puts(&b, "-\n");
	}
	/* One write: O_APPEND keeps concurrent lines whole. A short or failed
	 * write is not retried: the log never holds up an answer. */
	ssize_t w = write(l->fd, b.s, b.len);
	(void)w;
	strbuf_free(&b);
}
