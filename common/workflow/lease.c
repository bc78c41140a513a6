/* lease — a sender's lease on its claims; see lease.h. */
#include "lease.h"
#include "clock.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int lease_init(struct lease *l, const struct sms_config *c, const char *claimer,
               const char *host, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	snprintf(l->key, sizeof l->key, "lease.%s", claimer);
	snprintf(l->host, sizeof l->host, "%s", host);
	l->seconds = LEASE_DEFAULT_S;
	const char *v = config_get(c, "SMS_SEND_LEASE");
	if (v) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 2 || n > 86400) {
			snprintf(err, errlen, "SMS_SEND_LEASE=%s: want whole seconds from 2 to 86400 "
			         "(default %d)", v, LEASE_DEFAULT_S);
			return -1;
		}
		l->seconds = n;
	}
	return 0;
}

int lease_renew(struct lease *l, struct store *st, int force)
{
	time_t now = clock_now();
	if (!force && l->renewed && now - l->renewed < l->seconds / 3)
		return STORE_OK;
	char until[32];
	clock_format(now + l->seconds, until, sizeof until);
	if (store_kv_set(st, l->key, until) != STORE_OK)
		return STORE_ERR;
	l->renewed = now;
	return STORE_OK;
}

void lease_release(struct lease *l, struct store *st)
{
	if (l->renewed && store_kv_set(st, l->key, NULL) != STORE_OK)
		warnmsg("store: removing the lease %s: %s", l->key, store_errmsg(st));
	l->renewed = 0;
}

/* The host and process of "sms-send/PID@HOST"; 0, or -1 when by is not one. */
static int parse(const char *by, long *pid, char host[64])
{
	return by && sscanf(by, "sms-send/%ld@%63s", pid, host) == 2 && *pid > 0 ? 0 : -1;
}

int lease_dead(const struct lease *l, struct store *st, const char *by, time_t now)
{
	long pid;
	char host[64];
	if (parse(by, &pid, host) != 0)
		return 0;
	if (strcmp(host, l->host) == 0) {
		if (pid == (long)getpid())
			return 0;
		if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
			return 1;
	}
	char key[96], *until = NULL;
	snprintf(key, sizeof key, "lease.%s", by);
	int rc = store_kv_get(st, key, &until);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != STORE_OK)
		return -1;
	time_t t;
	int dead = clock_parse_strict(until, &t) == 0 && t < now;
	free(until);
	return dead;
}
