/* progenv — what a program opens before its first record, in one place for
 * every program: the configuration, its time zone, the price table, the
 * provider and the store, in that order, each failure said on stderr with the
 * exit code chosen here (78 for a configuration that cannot work, 75 when the
 * store stayed locked), and all of it closed in reverse. A program opens what
 * it needs, in one call or in steps (sms-status checks --since between the
 * time zone and the prices): each call opens only what is not open yet. */
#ifndef SMSKIT_PROGENV_H
#define SMSKIT_PROGENV_H

#include "config.h"
#include "price.h"
#include "provider.h"
#include "store.h"
#include "storecfg.h"

#define PROGENV_PRICES    0x01u /* the price table */
#define PROGENV_BULK      0x08u /* the store opened with STORE_SYNC_NORMAL, as bulk writers do */
/* The time zone checked after the prices and the provider, not straight after
 * the configuration: the senders' and sms-stage's order, kept so that a
 * configuration wrong twice gets the same first complaint. */
#define PROGENV_ZONE_LAST 0x10u
/* No time zone at all: for a program that reads and writes no times
 * (sms-split), which a wrong SMS_TZ must not stop. */
#define PROGENV_NO_ZONE   0x20u

struct progenv {
	struct sms_config  *cfg;
	struct price_table *prices;
	struct provider     prov;
	struct store       *st;
	unsigned            open;  /* what is open */
	/* Set by progenv_use_provider() and progenv_open_store(): the provider
	 * and the store are opened (and closed) through these, so that a program
	 * that never talks to a provider does not link the HTTP client (sms-inbox
	 * starts without loading libcurl), nor one without a store SQLite
	 * (sms-split). */
	int  (*open_provider)(struct provider *p, const struct sms_config *c, char *err,
	                      size_t errlen);
	void (*close_provider)(struct provider *p);
	struct store *(*open_store)(const struct sms_config *c, unsigned flags, int *rc);
	void (*close_store)(struct store *st);
};

/* Asks progenv_open() for the configured provider too (provider_open()). */
static inline void progenv_use_provider(struct progenv *e)
{
	e->open_provider = provider_open;
	e->close_provider = provider_close;
}

/* Opens the configuration and its time zone (unless PROGENV_NO_ZONE), what
 * `what` names, and the provider and the store when asked for, skipping what an earlier call opened. e starts zeroed. Returns 0, or the
 * sysexits code to exit with after saying why on stderr. Whatever was opened
 * is closed by progenv_close() either way. */
int progenv_open(struct progenv *e, unsigned what);
void progenv_close(struct progenv *e);

/* progenv_open() with the store too (storecfg_open()). */
static inline int progenv_open_store(struct progenv *e, unsigned what)
{
	e->open_store = storecfg_open;
	e->close_store = store_close;
	return progenv_open(e, what);
}

#endif
