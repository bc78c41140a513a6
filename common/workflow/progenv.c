/* progenv — opening and closing what a program needs; see progenv.h. */
#include "progenv.h"
#include "clock.h"
#include "util.h"

#include <string.h>
#include <sysexits.h>

#define OPEN_CONFIG   0x100u
#define OPEN_ZONE     0x200u
#define OPEN_PROVIDER 0x400u

static int zone(struct progenv *e, unsigned what, char *err, size_t errlen)
{
	if ((e->open & OPEN_ZONE) || (what & PROGENV_NO_ZONE))
		return 0;
	if (clock_use_zone(e->cfg, err, errlen) != 0)
		return -1;
	e->open |= OPEN_ZONE;
	return 0;
}

int progenv_open(struct progenv *e, unsigned what)
{
	char err[512];
	if (!(e->open & OPEN_CONFIG)) {
		if (!(e->cfg = config_load(err, sizeof err)))
			goto fail;
		e->open |= OPEN_CONFIG;
	}
	if (!(what & PROGENV_ZONE_LAST) && zone(e, what, err, sizeof err) != 0)
		goto fail;
	if ((what & PROGENV_PRICES) && !e->prices &&
	    !(e->prices = price_load(e->cfg, err, sizeof err)))
		goto fail;
	if (e->open_provider && !(e->open & OPEN_PROVIDER)) {
		if (e->open_provider(&e->prov, e->cfg, err, sizeof err) != 0)
			goto fail;
		e->open |= OPEN_PROVIDER;
	}
	if (zone(e, what, err, sizeof err) != 0)
		goto fail;
	if (e->open_store && !e->st) {
		int rc;
		if (!(e->st = e->open_store(e->cfg, what & PROGENV_BULK ? STORE_SYNC_NORMAL : 0, &rc)))
			return rc;
	}
	return 0;
fail:
	warnmsg("%s", err);
	return EX_CONFIG;
}

void progenv_close(struct progenv *e)
{
	if (e->close_store)
		e->close_store(e->st);
	if (e->close_provider)
		e->close_provider(&e->prov);
	price_free(e->prices);
	config_free(e->cfg);
	memset(e, 0, sizeof *e);
}
