/* lease — a sender's lease on the messages it claims (sms-send(1), Crashes):
 * while sms-send --approved runs it renews, every third of SMS_SEND_LEASE
 * seconds (default 60), a key/value entry "lease.<claimer>" whose value is
 * the time it runs out; it removes it when it ends. A claimer whose lease has
 * run out is dead wherever it ran, which is how a sender on another host
 * recognises a crashed one (a store on PostgreSQL shared by many hosts); on
 * the same host a claimer whose process is gone is dead at once. Owns only
 * that entry's key, value and timing; the store is read and written through
 * store_kv_get and store_kv_set. */
#ifndef SMSKIT_LEASE_H
#define SMSKIT_LEASE_H

#include <time.h>

#include "config.h"
#include "store.h"

#define LEASE_DEFAULT_S 60

struct lease {
	char   key[96];   /* "lease.sms-send/PID@HOST" */
	char   host[32];  /* this host, for the same-host check */
	long   seconds;   /* SMS_SEND_LEASE */
	time_t renewed;   /* when last renewed (0: never) */
};

/* The lease of claimer ("sms-send/PID@HOST") on this host; SMS_SEND_LEASE
 * read from c. 0, or -1 with a sentence in err for a bad SMS_SEND_LEASE. */
int lease_init(struct lease *l, const struct sms_config *c, const char *claimer,
               const char *host, char *err, size_t errlen);
/* Renews the lease when a third of it has passed since the last renewal (or
 * always, when force): STORE_OK or STORE_ERR. Inside or outside a
 * transaction. */
int lease_renew(struct lease *l, struct store *st, int force);
/* Removes it: the sender ends cleanly. */
void lease_release(struct lease *l, struct store *st);
/* 1 when claimer `by` is dead: its lease ran out, or it ran on this host
 * (l->host) and its process is gone; 0 when it lives or cannot be told
 * (a claimer without a lease on another host: an older sender); -1 on a
 * store error. */
int lease_dead(const struct lease *l, struct store *st, const char *by, time_t now);

#endif
