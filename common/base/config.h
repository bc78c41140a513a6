/* config — settings from the environment and the config file (sms-config(5)).
 * The environment wins; the file is `key = value` lines with # comments, keys
 * are the environment names (case-insensitive) plus price overrides such as
 * `price.US.sms = 0.0083`. A file holding a secret must not be readable by group
 * or others. No globals: every caller holds its own struct sms_config. */
#ifndef SMSKIT_CONFIG_H
#define SMSKIT_CONFIG_H

#include <stddef.h>

struct sms_config;

/* Reads $SMS_CONFIG, else $XDG_CONFIG_HOME/sms/config, else ~/.config/sms/config.
 * A missing file is not an error. On error returns NULL with a sentence in err;
 * the caller exits 78 (EX_CONFIG). */
struct sms_config *config_load(char *err, size_t errlen);

/* Environment first, then file; NULL when unset or empty. */
const char *config_get(const struct sms_config *c, const char *key);
const char *config_get_or(const struct sms_config *c, const char *key, const char *def);

/* Calls fn for every file key starting with prefix (case-insensitive), e.g. "price.". */
void config_each(const struct sms_config *c, const char *prefix,
                 void (*fn)(const char *key, const char *value, void *arg), void *arg);

/* 1 when a connection URI carries a password (user:password@, or a
 * password= parameter): SMS_DB would then show it wherever the store is
 * named, so it is refused (sms-config(5)). */
int config_uri_has_password(const char *uri);

/* SMS_DB or $XDG_DATA_HOME/sms/sms.db or ~/.local/share/sms/sms.db; malloc'd.
 * A postgresql:// or postgres:// URI is given as it is (a PostgreSQL store,
 * smskit-scale(7)), unless it holds a password. NULL with a sentence in err
 * (exit 78) for such a URI and for any other URI (file:..., mysql://...),
 * which taken for a path would make directories named after its scheme. The
 * sentence names the scheme only, never the rest, which may hold a password. */
char *config_db_path(const struct sms_config *c, char *err, size_t errlen);
/* A file that belongs beside the store (the sandbox's key, the daemon's
 * recovery file): the store's path with suffix (".sandbox-key") added; for
 * a PostgreSQL store, which has no path, "pg" and suffix in the user's data
 * directory ($XDG_DATA_HOME/sms/pg.sandbox-key, else
 * ~/.local/share/sms/pg.sandbox-key). malloc'd; NULL as config_db_path. */
char *config_side_path(const struct sms_config *c, const char *suffix, char *err, size_t errlen);

/* Default region for national-format numbers (SMS_DEFAULT_COUNTRY, default "US"). */
const char *config_default_country(const struct sms_config *c);

void config_free(struct sms_config *c);

#endif
