/* httpd — sms-webhookd as a daemon: libmicrohttpd, one thread per connection
 * (bounded), request bodies capped at 64 KiB, every store write through one
 * group-commit writer, hooks on a thread of their own, and a SIGTERM that
 * stops taking connections, finishes the requests in flight and exits. */
#ifndef SMSKIT_HTTPD_H
#define SMSKIT_HTTPD_H

#include <stddef.h>
#include "config.h"
#include "store.h"
#include "dashboard.h"
#include "webhook.h"

struct httpd_options {
	const char *listen;          /* "127.0.0.1:3001", "[::1]:3001", "0.0.0.0:8080" */
	const char *public_url;      /* SMS_PUBLIC_URL, or NULL: URLs rebuilt from Host */
	const char *port_file;       /* write the bound port here once listening, or NULL */
	unsigned    max_connections;
	unsigned    timeout_s;       /* idle connection timeout */
	int         log_requests;    /* one line per request on stderr */
};

/* Parses "host:port" into its parts (IPv6 in brackets); -1 on a bad value. */
int httpd_parse_listen(const char *spec, char *host, size_t hostlen, char *port, size_t portlen);

/* 1 when host (as in --listen) is a loopback address: 127.0.0.0/8, ::1,
 * localhost. */
int httpd_is_loopback(const char *host);

/* Runs until SIGTERM or SIGINT. Takes over st (the webhooks' group commit)
 * and dash_st (the dashboard's own connection). Returns a sysexits code: 0
 * after a clean stop, 71 (EX_OSERR) when it cannot listen or start. */
int httpd_run(struct webhook *w, struct dashboard *d, struct store *st, struct store *dash_st,
              const struct httpd_options *o);

#endif
