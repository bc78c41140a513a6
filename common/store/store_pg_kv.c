/* store_pg_kv — the PostgreSQL backend's small key/value table (store_pg.h):
 * cursors such as the last inbox fetch, as the SQLite backend's store_kv.c.
 * The SQL of the table lives here. See store.h. */
#include "store_pg.h"
#include "util.h"

int pgs_kv_get(struct store *s, const char *key, char **value)
{
	*value = NULL;
	struct pgs_args a = {0};
	pgs_arg(&a, key);
	PGresult *r = pgs_q(s, "reading a key", "SELECT value FROM kv WHERE key = $1", &a);
	if (!r)
		return STORE_ERR;
	if (PQntuples(r) == 1)
		*value = xstrdup(pgs_text(r, 0, 0));
	PQclear(r);
	if (*value)
		return STORE_OK;
	store__seterr(s, "%s: not set", key);
	return STORE_NOTFOUND;
}

int pgs_kv_set(struct store *s, const char *key, const char *value)
{
	if (!key || !*key) {
		store__seterr(s, "an empty key");
		return STORE_ERR;
	}
	struct pgs_args a = {0};
	pgs_arg(&a, key);
	if (!value)
		return pgs_exec(s, "writing a key", "DELETE FROM kv WHERE key = $1", &a, NULL);
	char now[TIME_LEN];
	store__now(now);
	pgs_arg(&a, value);
	pgs_arg(&a, now);
	/* One statement whether the key is new or not: two writers of the same
	 * new key cannot both insert it. */
	return pgs_exec(s, "writing a key",
	                "INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3) "
	                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
	                "updated_at = excluded.updated_at", &a, NULL);
}
