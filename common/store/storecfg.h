/* storecfg — the store a program's configuration names (config_db_path:
 * SMS_DB or the XDG default), opened for a command-line program: on failure
 * the store's sentence goes to stderr and the exit code is chosen here, so
 * every program says and returns the same. Owns no state. */
#ifndef SMSKIT_STORECFG_H
#define SMSKIT_STORECFG_H

#include "config.h"
#include "store.h"

/* store_open() of cfg's store with flags. NULL when it fails: the sentence is
 * on stderr and *rc is EX_TEMPFAIL when another process held the store locked
 * (errno EAGAIN), else EX_CONFIG. *rc is untouched on success. */
struct store *storecfg_open(const struct sms_config *cfg, unsigned flags, int *rc);

#endif
