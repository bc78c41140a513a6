/* store_optout — the opt-outs table (smskit-compliance(7)): numbers added,
 * removed, checked and listed, each change with its "optout" or "optin"
 * event. The SQL of the table lives here. See store.h. */
#include "store.h"
#include "store_internal.h"
#include "address.h"

#include <sqlite3.h>

static const char *const optout_sql[ST__N] = {
	[ST_OPTOUT_INSERT] = "INSERT INTO optouts (number, at, source) VALUES (?1, ?2, ?3) "
	                     "ON CONFLICT (number) DO NOTHING",
	[ST_OPTOUT_DELETE] = "DELETE FROM optouts WHERE number = ?1",
	[ST_OPTOUT_CHECK] = "SELECT 1 FROM optouts WHERE number = ?1",
};


static int optout_event(struct store *s, const char *kind, const char *number,
                        const char *source)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "number", number);
	cJSON_AddStringToObject(d, "source", source);
	char *text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	int rc = store__event_insert(s, 0, kind, NULL, text, NULL);
	cJSON_free(text);
	return rc;
}

int lite_optout_add(struct store *s, const char *number, const char *source)
{
	if (!store__address_ok(s, number))
		return STORE_ERR;
	if (!source || !*source)
		source = "manual";
	sqlite3_stmt *st = store__stmt(s, optout_sql, ST_OPTOUT_INSERT);
	int own;
	if (!st || store__op_begin(s, &own))
		return STORE_ERR;
	char now[TIME_LEN];
	store__now(now);
	store__bind_text(st, 1, number);
	store__bind_text(st, 2, now);
	store__bind_text(st, 3, source);
	int rc = sqlite3_step(st) == SQLITE_DONE ? STORE_OK : store__dberr(s, "adding an opt-out");
	store__done(st);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0) {
		store__seterr(s, "%s: already opted out", number);
		rc = STORE_EXISTS;
	} else if (rc == STORE_OK) {
		rc = optout_event(s, "optout", number, source);
		if (rc == STORE_OK)
			rc = store__consent_out(s, number, now, source);
	}
	return store__op_end(s, own, rc);
}

int lite_optout_remove(struct store *s, const char *number, const char *source)
{
	if (!store__address_ok(s, number))
		return STORE_ERR;
	if (!source || !*source)
		source = "manual";
	sqlite3_stmt *st = store__stmt(s, optout_sql, ST_OPTOUT_DELETE);
	int own;
	if (!st || store__op_begin(s, &own))
		return STORE_ERR;
	store__bind_text(st, 1, number);
	int rc = sqlite3_step(st) == SQLITE_DONE ? STORE_OK : store__dberr(s, "removing an opt-out");
	store__done(st);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0) {
		store__seterr(s, "%s: not opted out", number);
		rc = STORE_NOTFOUND;
	} else if (rc == STORE_OK) {
		rc = optout_event(s, "optin", number, source);
	}
	return store__op_end(s, own, rc);
}

int lite_optout_check(struct store *s, const char *number)
{
	if (!number) {
		store__seterr(s, "no number to check");
		return STORE_ERR;
	}
	sqlite3_stmt *st = store__stmt(s, optout_sql, ST_OPTOUT_CHECK);
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, number);
	int rc = sqlite3_step(st);
	store__done(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store__dberr(s, "checking opt-outs");
}

int lite_optout_list(struct store *s, int (*fn)(const struct store_optout *o, void *arg),
                      void *arg)
{
	/* Not cached: fn may call back into the store. */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT number, at, source FROM optouts ORDER BY at, number",
	                       -1, &st, NULL) != SQLITE_OK)
		return store__dberr(s, "listing opt-outs");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_optout o = {
			.number = (const char *)sqlite3_column_text(st, 0),
			.at = (const char *)sqlite3_column_text(st, 1),
			.source = (const char *)sqlite3_column_text(st, 2),
		};
		if (fn(&o, arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		store__dberr(s, "listing opt-outs");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : STORE_ERR;
}
