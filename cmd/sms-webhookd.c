/* sms-webhookd — the receiving side (sms-webhookd(1)): the provider's inbound-message
 * and status webhooks, and /healthz. A daemon on libmicrohttpd by default; a
 * CGI program when GATEWAY_INTERFACE is set. Both run common/webhook.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cgi.h"
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
	      "(delivery statuses) and GET /healthz. Every request is signature-checked, and\n"
	      "stored and fsynced before it is acknowledged.\n"
	      "\n"
	      "  -l, --listen HOST:PORT    address to listen on (default 127.0.0.1:3001);\n"
	      "                            port 0 picks a free one\n"
	      "      --port-file FILE      write the port once listening (for scripts)\n"
	      "      --max-connections N   connections at once (default 256)\n"
	      "      --timeout SECONDS     close idle connections after this (default 30)\n"
	      "      --log-requests        one line per request on stderr\n"
	      "      --no-verify           accept unsigned requests (prints a warning at every\n"
	      "                            start; for local experiments only)\n"
	      "  -h, --help                this help\n"
	      "      --version             print the version\n",
	      fp);
}

enum { O_PORT_FILE = 256, O_MAX_CONN, O_TIMEOUT, O_LOG, O_NO_VERIFY, O_VERSION };

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"port-file", required_argument, NULL, O_PORT_FILE},
		{"max-connections", required_argument, NULL, O_MAX_CONN},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"log-requests", no_argument, NULL, O_LOG},
		{"no-verify", no_argument, NULL, O_NO_VERIFY},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct httpd_options ho = {.listen = "127.0.0.1:3001", .max_connections = 256,
	                           .timeout_s = 30};
	struct webhook_options wo = {.verify = 1};
	int c;
	long long n;
	/* As a CGI program the arguments are not ours: a web server may turn a
	 * query string without '=' into arguments (RFC 3875 4.4), and a request
	 * must never be able to say --no-verify. */
	int cgi = getenv("GATEWAY_INTERFACE") != NULL;
	signature_lib_init();
	if (cgi)
		argc = 1;
	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			ho.listen = optarg;
			break;
		case O_PORT_FILE:
			ho.port_file = optarg;
			break;
		case O_MAX_CONN:
			if (parse_whole(optarg, 100000, &n) != 0 || n < 1) {
				warnmsg("--max-connections %s: expected a number from 1 to 100000", optarg);
				return EX_USAGE;
			}
			ho.max_connections = (unsigned)n;
			break;
		case O_TIMEOUT:
			if (parse_whole(optarg, 86400, &n) != 0) {
				warnmsg("--timeout %s: expected seconds", optarg);
				return EX_USAGE;
			}
			ho.timeout_s = (unsigned)n;
			break;
		case O_LOG:
			ho.log_requests = 1;
			break;
		case O_NO_VERIFY:
			wo.verify = 0;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case O_VERSION:
			printf("sms-webhookd %s\n", SMSKIT_VERSION);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		warnmsg("unexpected argument: %s", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	char err[512];
	struct sms_config *cfg = config_load(err, sizeof err);
	/* The store's name is checked here, not at the first request's open: in
	 * CGI mode a store that can never be opened is the server's 500 and a
	 * configuration error, not a 503 that the provider would retry. */
	char *db = NULL;
	if (!cfg || clock_use_zone(cfg, err, sizeof err) != 0 ||
	    !(db = config_db_path(cfg, err, sizeof err))) {
		warnmsg("%s", err);
		if (cgi)
			cgi_fail();
		config_free(cfg);
		return EX_CONFIG;
	}
	free(db);
	if (!wo.verify)
		warnmsg("WARNING: --no-verify: signatures are not checked; anyone who can reach "
		        "this server can post messages");
	struct webhook *w = webhook_new(cfg, &wo, err, sizeof err);
	if (!w) {
		warnmsg("%s", err);
		if (cgi)
			cgi_fail();
		config_free(cfg);
		return EX_CONFIG;
	}
	char host[256], port[8];
	struct dashboard_options dopt = {.cgi = cgi};
	if (!cgi) {
		if (httpd_parse_listen(ho.listen, host, sizeof host, port, sizeof port) != 0) {
			warnmsg("--listen %s: expected HOST:PORT, e.g. 127.0.0.1:3001 or [::1]:3001",
			        ho.listen);
			webhook_free(w);
			config_free(cfg);
			return EX_USAGE;
		}
		dopt.local_only = httpd_is_loopback(host);
	}
	struct dashboard *d = dashboard_new(cfg, &dopt, err, sizeof err);
	if (!d) {
		warnmsg("%s", err);
		if (cgi)
			cgi_fail();
		webhook_free(w);
		config_free(cfg);
		return EX_CONFIG;
	}
	/* The residual risk of loopback trust, said where the operator sees it. */
	if (!cgi && !config_get(cfg, "SMS_DASHBOARD_TOKEN"))
		warnmsg("the review dashboard (/review) opens without a login to a browser on this "
		        "machine; set SMS_DASHBOARD_TOKEN before anything forwards to this port "
		        "(sms-webhookd(1), The review dashboard)");
	int rc;
	if (cgi) {
		rc = cgi_run(w, d, cfg) == 0 ? EX_OK : EX_IOERR;
	} else {
		/* Two connections: one for the webhooks' group commit, one for the
		 * dashboard, each used by one thread. */
		struct store *st = storecfg_open(cfg, 0, &rc);
		struct store *dst = st ? storecfg_open(cfg, 0, &rc) : NULL;
		if (st && dst) {
			ho.public_url = config_get(cfg, "SMS_PUBLIC_URL");
			rc = httpd_run(w, d, st, dst, &ho);
		}
		store_close(dst);
		store_close(st);
	}
	dashboard_free(d);
	webhook_free(w);
	config_free(cfg);
	return rc;
}
