/* store_kv — the small key/value table: cursors such as the last inbox
 * fetch. The SQL of the table lives here. See store.h. */
#include "store.h"
#include "store_internal.h"
#include "util.h"

#include <sqlite3.h>

static const char *const kv_sql[ST__N] = {
	[ST_KV_GET] = "SELECT value FROM kv WHERE key = ?1",
	[ST_KV_SET] = "INSERT INTO kv (key, value, updated_at) VALUES (?1, ?2, ?3) "
	              "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
	              "updated_at = excluded.updated_at",
	[ST_KV_DELETE] = "DELETE FROM kv WHERE key = ?1",
};

int lite_kv_get(struct store *s, const char *key, char **value)
{
	*value = NULL;
	sqlite3_stmt *st = store__stmt(s, kv_sql, ST_KV_GET);
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, key);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = xstrdup((const char *)sqlite3_column_text(st, 0));
	store__done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE) {
		store__seterr(s, "%s: not set", key);
		return STORE_NOTFOUND;
	}
	return store__dberr(s, "reading a key");
}

int lite_kv_set(struct store *s, const char *key, const char *value)
{
	if (!key || !*key) {
		store__seterr(s, "an empty key");
		return STORE_ERR;
	}
	sqlite3_stmt *st = store__stmt(s, kv_sql, value ? ST_KV_SET : ST_KV_DELETE);
	if (!st)
		return STORE_ERR;
	char now[TIME_LEN];
	store__now(now);
	store__bind_text(st, 1, key);
	if (value) {
		store__bind_text(st, 2, value);
		store__bind_text(st, 3, now);
	}
	int rc = sqlite3_step(st);
	store__done(st);
	return rc == SQLITE_DONE ? STORE_OK : store__dberr(s, "writing a key");
}
