/* sendenv — everything a sending program opens before its first record, in
 * one place: configuration, prices, the provider, the time zone, the store
 * and the send engine, opened in that order and closed in reverse. Used by
 * sms-send and sms-reply (and anything else that sends). */
#ifndef SMSKIT_SENDENV_H
#define SMSKIT_SENDENV_H

#include "config.h"
#include "price.h"
#include "provider.h"
#include "sender.h"
#include "store.h"

struct sendenv {
	struct sms_config  *cfg;
	struct price_table *prices;
	struct provider     prov;
	struct store       *st;
	struct sender      *snd;
};

/* Opens all of it (the store with STORE_SYNC_NORMAL, as bulk senders do).
 * Returns 0, or the sysexits code to exit with after saying why on stderr:
 * 78 for a configuration that cannot work, 75 when the store stayed locked.
 * Whatever was opened is closed by sendenv_close() either way. */
int sendenv_open(struct sendenv *e, const struct sender_options *o);
void sendenv_close(struct sendenv *e);

#endif
