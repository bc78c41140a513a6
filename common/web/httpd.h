/* httpd — sms-webhookd as a daemon: libmicrohttpd, a small pool of polling
 * threads, request bodies capped at 64 KiB, every store write through one
 * group-commit writer, hooks on a thread of their own; limits on connections
 * (in all, and per client address) and on the time a request may take to
 * arrive; SIGHUP reloads the configuration; SIGTERM stops taking connections,
 * answers the requests in flight, runs the queued hooks and exits
 * (sms-webhookd(1), Signals and Limits). */
#ifndef SMSKIT_HTTPD_H
#define SMSKIT_HTTPD_H

#include <stdatomic.h>
#include <stddef.h>
#include "config.h"
#include "store.h"
#include "accesslog.h"
#include "dashboard.h"
#include "webhook.h"

struct httpd_options {
	const char *listen;          /* "127.0.0.1:3001", "[::1]:3001", "0.0.0.0:8080" */
	const char *port_file;       /* write the bound port here once listening, or NULL */
	unsigned    max_connections;
	unsigned    max_client_connections; /* from one client address; 0: no limit of its own */
	unsigned    timeout_s;       /* idle connection timeout */
	unsigned    request_timeout_s; /* a request's head and body must arrive within this of
	                                * the connection's start or its previous answer; 0: none */
};

/* What the configuration makes; SIGHUP swaps in a new one between requests.
 * The one it replaced stays (older) until exit: requests in flight and
 * queued hooks still point into it. Its access log only is closed once no
 * request holds it (refs), so that a rotated log file is let go. */
struct httpd_conf {
	struct sms_config *cfg;
	struct webhook    *w;
	struct dashboard  *d;
	struct accesslog  *log;    /* SMS_ACCESS_LOG, or NULL (accesslog.h) */
	atomic_long        refs;   /* requests begun under it and not completed */
	struct httpd_conf *older;
};

/* Makes a new httpd_conf from the configuration file and the environment as
 * they are now; NULL with a sentence in err. */
typedef struct httpd_conf *(*httpd_load_fn)(void *arg, char *err, size_t errlen);

/* Frees c and every older one. */
void httpd_conf_free(struct httpd_conf *c);

/* Parses "host:port" into its parts (IPv6 in brackets); -1 on a bad value. */
int httpd_parse_listen(const char *spec, char *host, size_t hostlen, char *port, size_t portlen);

/* 1 when host (as in --listen) is a loopback address: 127.0.0.0/8, ::1,
 * localhost (peer_host_is_loopback(), under the name sms-webhookd calls). */
int httpd_is_loopback(const char *host);

/* Runs until SIGTERM or SIGINT; on SIGHUP, load(load_arg) makes a new
 * configuration, which *conf then points to (a failing one is logged and the
 * old one stays). Takes over st (the webhooks' group commit) and dash_st (the
 * dashboard's own connection). Returns a sysexits code: 0 after a clean stop,
 * 71 (EX_OSERR) when it cannot listen or start. */
int httpd_run(struct httpd_conf **conf, httpd_load_fn load, void *load_arg, struct store *st,
              struct store *dash_st, const struct httpd_options *o);

#endif
