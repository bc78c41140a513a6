/* sendenv — opening and closing what sending needs; see sendenv.h. */
#include "sendenv.h"
#include "clock.h"
#include "storecfg.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

int sendenv_open(struct sendenv *e, const struct sender_options *o)
{
	char err[512];
	memset(e, 0, sizeof *e);
	if (!(e->cfg = config_load(err, sizeof err)) ||
	    !(e->prices = price_load(e->cfg, err, sizeof err)) ||
	    provider_open(&e->prov, e->cfg, err, sizeof err) != 0 ||
	    clock_use_zone(e->cfg, err, sizeof err) != 0) {
		warnmsg("%s", err);
		return EX_CONFIG;
	}
	int rc;
	if (!(e->st = storecfg_open(e->cfg, STORE_SYNC_NORMAL, &rc)))
		return rc;
	e->snd = sender_new(e->cfg, e->st, &e->prov, e->prices, o, err, sizeof err);
	if (!e->snd) {
		warnmsg("%s", err);
		return EX_CONFIG;
	}
	return 0;
}

void sendenv_close(struct sendenv *e)
{
	sender_free(e->snd);
	store_close(e->st);
	provider_close(&e->prov);
	price_free(e->prices);
	config_free(e->cfg);
	memset(e, 0, sizeof *e);
}
