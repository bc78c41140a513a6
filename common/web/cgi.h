/* cgi — sms-webhookd as a CGI program (RFC 3875), run by any web server when
 * GATEWAY_INTERFACE is set: one request from the environment and stdin, the
 * same handler as the daemon, the store opened only for a request that passed
 * every check, the answer on stdout, then the hook. */
#ifndef SMSKIT_CGI_H
#define SMSKIT_CGI_H

#include "accesslog.h"
#include "config.h"
#include "dashboard.h"
#include "webhook.h"

/* Serves the one request (and logs it to log, when there is one). Returns 0
 * once a response was written (whatever its status), non-zero when none
 * could be. */
int cgi_run(struct webhook *w, struct dashboard *d, const struct sms_config *c,
            struct accesslog *log);

/* The answer when sms-webhookd cannot serve at all (its configuration is
 * wrong; the reason is on stderr, in the server's error log). */
void cgi_fail(void);

#endif
