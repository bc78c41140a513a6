/* dashboard — the review dashboard; see dashboard.h. (Being written: this
 * first version only routes and enforces the access rules at start-up.) */
#include "dashboard.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dashboard {
	char *token;
	int   local_only, cgi;
};

struct dashboard *dashboard_new(const struct sms_config *c, const struct dashboard_options *o,
                                char *err, size_t errlen)
{
	const char *token = config_get(c, "SMS_DASHBOARD_TOKEN");
	if (!o->cgi && !o->local_only && !token) {
		snprintf(err, errlen, "listening beyond loopback needs SMS_DASHBOARD_TOKEN: the "
		         "review dashboard at /review must not be open to the network");
		return NULL;
	}
	struct dashboard *d = xcalloc(1, sizeof *d);
	d->token = token ? xstrdup(token) : NULL;
	d->local_only = o->local_only;
	d->cgi = o->cgi;
	return d;
}

void dashboard_free(struct dashboard *d)
{
	if (!d)
		return;
	free(d->token);
	free(d);
}

int dashboard_route(const char *path)
{
	return strncmp(path, "/review", 7) == 0 && (path[7] == '\0' || path[7] == '/');
}

void dashboard_handle(struct dashboard *d, struct store *st, const struct webhook_request *rq,
                      struct webhook_response *rs)
{
	(void)d;
	(void)st;
	(void)rq;
	memset(rs, 0, sizeof *rs);
	webhook_respond(rs, 404, "the review dashboard is not built yet");
}
