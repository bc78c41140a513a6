/* accesslog — sms-webhookd's access log (sms-webhookd(1), Access log): one
 * line per request, text or JSON (SMS_LOG_FORMAT), on standard error or
 * appended to a file (SMS_ACCESS_LOG). A line names the time, the client's
 * address, the method, the path (never the query string, which may carry a
 * token or, with Vonage's GET webhooks, a message's text), the status, the
 * size of the answer, the time taken and the stored message's id: never a
 * header, a body or a secret. Each line is one write(2), so that threads need
 * no lock and a reader never sees half a line. */
#ifndef SMSKIT_ACCESSLOG_H
#define SMSKIT_ACCESSLOG_H

#include <stddef.h>
#include "config.h"

struct accesslog;

/* From SMS_ACCESS_LOG (unset: standard error when on_stderr, as
 * --log-requests asks, else no log; "off"; "stderr" or "-"; or a file,
 * opened for appending, created mode 640) and SMS_LOG_FORMAT ("text", the
 * default, or "json"). 0 with *out (NULL when there is no log), or -1 with a
 * sentence in err (exit 78): an unknown format, a file that cannot be
 * opened. */
int accesslog_open(const struct sms_config *c, int on_stderr, struct accesslog **out, char *err,
                   size_t errlen);
void accesslog_close(struct accesslog *l);
/* 1 when its lines go to standard error (the daemon's own log). */
int accesslog_on_stderr(const struct accesslog *l);

struct accesslog_entry {
	const char *remote;      /* the client's address, or NULL */
	const char *method;
	const char *path;        /* the route, without the query string */
	int         status;
	size_t      bytes;       /* the body of the answer */
	double      ms;          /* from the request's first line to its answer */
	long long   message_id;  /* X-Message-Id, 0 for none */
};
/* Writes one line; a failed write is dropped (the request is not). */
void accesslog_write(struct accesslog *l, const struct accesslog_entry *e);

#endif
