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

#define PROGENV_PRICES    0x01u /* the price table */
#define PROGENV_STORE     0x04u /* the store */
#define PROGENV_BULK      0x08u /*   opened with STORE_SYNC_NORMAL, as bulk writers do */
/* The time zone checked after the prices and the provider, not straight after
 * the configuration: the senders' and sms-stage's order, kept so that a
 * configuration wrong twice gets the same first complaint. */
#define PROGENV_ZONE_LAST 0x10u

struct progenv {
	struct sms_config  *cfg;
	struct price_table *prices;
	struct provider     prov;
	struct store       *st;
	unsigned            open;  /* what is open */
	/* Set by progenv_use_provider(): the provider is opened (and closed)
	 * through these, so that a program that never talks to a provider does not
	 * link the HTTP client (sms-inbox starts without loading libcurl). */
	int  (*open_provider)(struct provider *p, const struct sms_config *c, char *err,
	                      size_t errlen);
	void (*close_provider)(struct provider *p);
};

/* Asks progenv_open() for the configured provider too (provider_open()). */
static inline void progenv_use_provider(struct progenv *e)
{
	e->open_provider = provider_open;
	e->close_provider = provider_close;
}

/* Opens the configuration and its time zone (always), what `what` names and
 * the provider when asked for, skipping what an earlier call opened. e starts zeroed. Returns 0, or the
 * sysexits code to exit with after saying why on stderr. Whatever was opened
 * is closed by progenv_close() either way. */
int progenv_open(struct progenv *e, unsigned what);
void progenv_close(struct progenv *e);

#endif
