/* sms-webhookd — the receiving side (sms-webhookd(1)): the provider's inbound-message
 * and status webhooks, /healthz and /metrics. A daemon on libmicrohttpd by
 * default; a CGI program when GATEWAY_INTERFACE is set. Both run
 * common/web/webhook.c. -n checks what a start would, and exits. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "accesslog.h"
#include "cgi.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "dashboard.h"
#include "httpd.h"
#include "signature.h"
#include "store.h"
#include "storecfg.h"
#include "util.h"
#include "webhook.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-webhookd [--listen HOST:PORT] [options]\n"
	      "       (as a CGI program: run by a web server, with GATEWAY_INTERFACE set)\n"
	      "\n"
	      "Receives the provider's webhooks: POST /sms/incoming (inbound messages: stored\n"
	      "once, STOP/START/HELP, autoresponders, a TwiML answer), POST /sms/status\n"
	      "(delivery statuses); GET /healthz, and GET /metrics for Prometheus. Every\n"
	      "webhook is signature-checked, and stored and fsynced before it is\n"
	      "acknowledged. SIGHUP reloads the configuration; SIGTERM answers the requests\n"
	      "in flight, runs the queued hooks and exits.\n"
	      "\n"
	      "  -l, --listen HOST:PORT    address to listen on (default 127.0.0.1:3001);\n"
	      "                            port 0 picks a free one\n"
	      "      --port-file FILE      write the port once listening (for scripts)\n"
	      "      --max-connections N   connections at once (default 256); more are refused\n"
	      "      --max-client-connections N\n"
	      "                            connections at once from one client address\n"
	      "                            (default 128, 0 for no limit of its own)\n"
	      "      --request-timeout SECONDS\n"
	      "                            close a connection whose request has not fully\n"
	      "                            arrived this long after it opened or after the\n"
	      "                            previous answer (default 10, 0 for never)\n"
	      "      --timeout SECONDS     close idle connections after this (default 30)\n"
	      "      --log-requests        the access log on stderr: one line per request\n"
	      "                            (SMS_ACCESS_LOG, SMS_LOG_FORMAT: sms-config(5))\n"
	      "  -n, --check               check the configuration and the store, say so and\n"
	      "                            exit: 0 when the daemon could start, 78 when not\n"
	      "      --no-verify           accept unsigned requests (prints a warning at every\n"
	      "                            start; for local experiments only)\n"
	      "  -h, --help                this help\n"
	      "      --version             print the version\n",
	      fp);
}

enum { O_PORT_FILE = 256, O_MAX_CONN, O_MAX_CLIENT, O_REQ_TIMEOUT, O_TIMEOUT, O_LOG, O_NO_VERIFY,
};

/* What the configuration makes, at start and again on SIGHUP. */
struct load_args {
	int                    cgi;
	int                    local_only;  /* listening on loopback */
	int                    log_requests; /* --log-requests: the access log on stderr */
	struct webhook_options wo;
};

static struct httpd_conf *load(void *arg, char *err, size_t errlen)
{
	const struct load_args *a = arg;
	struct sms_config *cfg = config_load(err, errlen);
	if (!cfg)
		return NULL;
	/* The store's name is checked here, not at the first request's open: in
	 * CGI mode a store that can never be opened is the server's 500 and a
	 * configuration error, not a 503 that the provider would retry. */
	char *db = config_db_path(cfg, err, errlen);
	if (!db) {
		config_free(cfg);
		return NULL;
	}
	free(db);
	struct webhook *w = webhook_new(cfg, &a->wo, err, errlen);
	struct dashboard_options dopt = {.cgi = a->cgi, .local_only = a->local_only};
	struct dashboard *d = w ? dashboard_new(cfg, &dopt, err, errlen) : NULL;
	struct accesslog *log = NULL;
	if (!d || accesslog_open(cfg, a->log_requests && !a->cgi, &log, err, errlen) != 0) {
		dashboard_free(d);
		webhook_free(w);
		config_free(cfg);
		return NULL;
	}
	struct httpd_conf *c = xcalloc(1, sizeof *c);
	c->cfg = cfg;
	c->w = w;
	c->d = d;
	c->log = log;
	return c;
}

/* An option's number, from min to max; -1 after saying what was expected. */
static long long number(const char *opt, const char *arg, long long min, long long max)
{
	long long n;
	if (parse_whole(arg, max, &n) != 0 || n < min) {
		warnmsg("%s %s: expected a number from %lld to %lld", opt, arg, min, max);
		return -1;
	}
	return n;
}

/* What the command line asks. */
struct opts {
	struct httpd_options ho;
	struct load_args     la;
	int                  check;  /* -n */
};

static int option(void *arg, int c, const char *val)
{
	struct opts *o = arg;
	long long n;
	switch (c) {
	case 'l': o->ho.listen = val; break;
	case O_PORT_FILE: o->ho.port_file = val; break;
	case O_MAX_CONN:
		if ((n = number("--max-connections", val, 1, 100000)) < 0)
			return EX_USAGE;
		o->ho.max_connections = (unsigned)n;
		break;
	case O_MAX_CLIENT:
		if ((n = number("--max-client-connections", val, 0, 100000)) < 0)
			return EX_USAGE;
		o->ho.max_client_connections = (unsigned)n;
		break;
	case O_REQ_TIMEOUT:
		if ((n = number("--request-timeout", val, 0, 86400)) < 0)
			return EX_USAGE;
		o->ho.request_timeout_s = (unsigned)n;
		break;
	case O_TIMEOUT:
		if ((n = number("--timeout", val, 0, 86400)) < 0)
			return EX_USAGE;
		o->ho.timeout_s = (unsigned)n;
		break;
	case O_LOG: o->la.log_requests = 1; break;
	case 'n': o->check = 1; break;
	case O_NO_VERIFY: o->la.wo.verify = 0; break;
	}
	return 0;
}

static const struct option longopts[] = {
	{"listen", required_argument, NULL, 'l'},
	{"port-file", required_argument, NULL, O_PORT_FILE},
	{"max-connections", required_argument, NULL, O_MAX_CONN},
	{"max-client-connections", required_argument, NULL, O_MAX_CLIENT},
	{"request-timeout", required_argument, NULL, O_REQ_TIMEOUT},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"log-requests", no_argument, NULL, O_LOG},
	{"no-verify", no_argument, NULL, O_NO_VERIFY},
	{"check", no_argument, NULL, 'n'},
	CLI_HELP_VERSION,
};

static const struct cli cli = {"sms-webhookd", usage, "l:nh", longopts, option};

/* The configuration, its zone and what it makes; NULL after saying why (and
 * answering the web server, in CGI mode). */
static struct httpd_conf *start(struct load_args *la)
{
	char err[512];
	struct httpd_conf *conf = load(la, err, sizeof err);
	/* The zone is the process's (TZ): set once, before any thread starts; a
	 * zone that names nothing is a configuration error, not UTC. */
	if (!conf || clock_use_zone(conf->cfg, err, sizeof err) != 0) {
		warnmsg("%s", err);
		if (la->cgi)
			cgi_fail();
		httpd_conf_free(conf);
		return NULL;
	}
	if (!la->wo.verify)
		warnmsg("WARNING: --no-verify: signatures are not checked; anyone who can reach "
		        "this server can post messages");
	/* The residual risk of loopback trust, said where the operator sees it. */
	if (!la->cgi && !config_get(conf->cfg, "SMS_DASHBOARD_TOKEN"))
		warnmsg("the review dashboard (/review) opens without a login to a browser on this "
		        "machine; set SMS_DASHBOARD_TOKEN before anything forwards to this port "
		        "(sms-webhookd(1), The review dashboard)");
	return conf;
}

/* -n: what the daemon would do before it listens, then a sentence: the
 * configuration (load), the zone, and the store opened and written to (a
 * write rolled back), the autoresponders read. 0, or 78 (75: the store stayed
 * locked). */
static int check(struct opts *o)
{
	struct httpd_conf *conf = start(&o->la);
	if (!conf) {
		warnmsg("the configuration is not valid: the daemon would not start");
		return EX_CONFIG;
	}
	int rc = EX_CONFIG;
	struct store *st = storecfg_open(conf->cfg, 0, &rc);
	int ok = st && store_begin_immediate(st) == STORE_OK &&
	         store_kv_set(st, "webhookd.check", "-n") == STORE_OK;
	if (st && !ok)
		warnmsg("the store %s cannot be written: %s", store_path(st), store_errmsg(st));
	if (st)
		store_rollback(st);
	ok = ok && webhook_rules_load(conf->w, st) == STORE_OK;
	if (ok)
		warnmsg("the configuration is ok: provider %s, store %s, listening on %s",
		        webhook_provider(conf->w), store_path(st), o->ho.listen);
	else
		warnmsg("the configuration is not valid: the daemon would not start");
	store_close(st);
	httpd_conf_free(conf);
	return ok ? EX_OK : rc == EX_TEMPFAIL ? EX_TEMPFAIL : EX_CONFIG;
}

/* The daemon: two connections to the store, one for the webhooks' group
 * commit, one for the dashboard, each used by one thread. */
static int serve(struct httpd_conf **conf, struct opts *o)
{
	int rc;
	struct store *st = storecfg_open((*conf)->cfg, 0, &rc);
	struct store *dst = st ? storecfg_open((*conf)->cfg, 0, &rc) : NULL;
	if (st && dst)
		rc = httpd_run(conf, load, &o->la, st, dst, &o->ho);
	store_close(dst);
	store_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {
		.ho = {.listen = "127.0.0.1:3001", .max_connections = 256,
		       .max_client_connections = 128, .timeout_s = 30, .request_timeout_s = 10},
		.la = {.wo = {.verify = 1}},
	};
	/* As a CGI program the arguments are not ours: a web server may turn a
	 * query string without '=' into arguments (RFC 3875 4.4), and a request
	 * must never be able to say --no-verify. */
	o.la.cgi = getenv("GATEWAY_INTERFACE") != NULL;
	signature_lib_init();
	if (o.la.cgi)
		argc = 1;
	int rc = cli_parse(&cli, argc, argv, &o);
	if (rc != CLI_GO_ON)
		return rc;
	if (optind < argc) {
		warnmsg("unexpected argument: %s", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	char host[256], port[8];
	if (!o.la.cgi) {
		if (httpd_parse_listen(o.ho.listen, host, sizeof host, port, sizeof port) != 0) {
			warnmsg("--listen %s: expected HOST:PORT, e.g. 127.0.0.1:3001 or [::1]:3001",
			        o.ho.listen);
			return EX_USAGE;
		}
		o.la.local_only = httpd_is_loopback(host);
	}
	if (o.check)
		return check(&o);
	struct httpd_conf *conf = start(&o.la);
	if (!conf)
		return EX_CONFIG;
	if (o.la.cgi)
		rc = cgi_run(conf->w, conf->d, conf->cfg, conf->log) == 0 ? EX_OK : EX_IOERR;
	else
		rc = serve(&conf, &o);
	httpd_conf_free(conf);
	return rc;
}
