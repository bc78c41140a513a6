/* storecfg — opening the configured store for a program; see storecfg.h. */
#include "storecfg.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <sysexits.h>

struct store *storecfg_open(const struct sms_config *cfg, unsigned flags, int *rc)
{
	char err[512];
	char *path = config_db_path(cfg, err, sizeof err);
	if (!path) {
		warnmsg("%s", err);
		*rc = EX_CONFIG;
		return NULL;
	}
	struct store *st = store_open(path, flags, err, sizeof err);
	free(path);
	if (!st) {
		warnmsg("%s", err);
		*rc = errno == EAGAIN ? EX_TEMPFAIL : EX_CONFIG;
	}
	return st;
}
