/* store_auto — the autoresponders table (sms-config(5)): adding, removing,
 * enabling and listing rules, and counting their triggers. The SQL of the
 * table lives here; trigger and active-hours syntax belong to autoresp.c. */
#include "store.h"
#include "store_internal.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

/* The statements of a webhook's path, prepared once per connection: each
 * message reads its thread's state, each answer counts and notes itself. */
static const char *const auto_sql[ST__N] = {
	[ST_AUTO_FIRED] = "UPDATE autoresponders SET trigger_count = "
	                  "trigger_count + 1, last_triggered_at = CASE WHEN "
	                  "last_triggered_at IS NULL OR last_triggered_at < ?2 "
	                  "THEN ?2 ELSE last_triggered_at END WHERE id = ?1",
	[ST_AUTO_ANSWERS] = "SELECT count(*) FROM (SELECT 1 FROM messages m "
	                    "JOIN events e ON e.message_id = m.id "
	                    "WHERE m.from_number = ?1 AND m.created_at >= ?2 "
	                    "AND m.direction = 'inbound' AND e.kind = 'webhook' "
	                    "AND json_extract(e.detail, '$.autoresponder') "
	                    "IS NOT NULL LIMIT ?3)",
	[ST_AUTO_THREAD_STATE] = "SELECT m.tag, m.created_at FROM messages m "
	                         "WHERE m.to_number = ?1 AND m.direction = 'outbound' "
	                         "AND NOT EXISTS (SELECT 1 FROM consents c "
	                         "WHERE c.number = ?1 AND c.kind = 'opt_out' "
	                         "AND c.at >= m.created_at) "
	                         "ORDER BY m.created_at DESC, m.id DESC LIMIT 1",
};

#define AUTO_COLS "id, trigger, response, enabled, active_hours, created_at, " \
	"last_triggered_at, trigger_count, name, after, within, match, ends"

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void row_to_auto(sqlite3_stmt *st, struct store_auto *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->trigger = col_text(st, 1);
	a->response = col_text(st, 2);
	a->enabled = sqlite3_column_int(st, 3) != 0;
	a->active_hours = col_text(st, 4);
	a->created_at = col_text(st, 5);
	a->last_triggered_at = col_text(st, 6);
	a->trigger_count = sqlite3_column_int64(st, 7);
	a->name = col_text(st, 8);
	a->after = col_text(st, 9);
	a->within = sqlite3_column_int64(st, 10);
	a->match = col_text(st, 11);
	a->ends = sqlite3_column_int(st, 12) != 0;
}

/* An "autoresponder" event: what happened to which rule. */
static int auto_event(struct store *s, const char *action, int64_t id, const char *trigger)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "action", action);
	cJSON_AddNumberToObject(d, "id", (double)id);
	if (trigger)
		cJSON_AddStringToObject(d, "trigger", trigger);
	int rc = store_event_append(s, 0, "autoresponder", NULL, d, NULL);
	cJSON_Delete(d);
	return rc;
}

static int no_rule(struct store *s, int64_t id)
{
	store__seterr(s, "autoresponder %" PRId64 ": no such rule", id);
	return STORE_NOTFOUND;
}

int lite_auto_add(struct store *s, const struct store_auto *a, int64_t *id)
{
	if (!a->trigger || !*a->trigger) {
		store__seterr(s, "an autoresponder needs a trigger");
		return STORE_ERR;
	}
	if (!a->response) {
		store__seterr(s, "an autoresponder needs a response");
		return STORE_ERR;
	}
	const char *hours = a->active_hours && *a->active_hours ? a->active_hours : NULL;
	char now[21];
	store__now(now);
	int own;
	if (store__op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	sqlite3_stmt *st = store__prep(s, "INSERT INTO autoresponders (trigger, response, enabled, "
	                                  "active_hours, created_at, name, after, within, match, "
	                                  "ends) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (!st)
		return store__op_end(s, own, STORE_ERR);
	store__bind_text(st, 1, a->trigger);
	store__bind_text(st, 2, a->response);
	sqlite3_bind_int(st, 3, a->enabled != 0);
	store__bind_text(st, 4, hours);
	store__bind_text(st, 5, now);
	store__bind_text(st, 6, a->name && *a->name ? a->name : NULL);
	store__bind_text(st, 7, a->after && *a->after ? a->after : NULL);
	if (a->within > 0)
		sqlite3_bind_int64(st, 8, a->within);
	else
		sqlite3_bind_null(st, 8);
	store__bind_text(st, 9, a->match);
	sqlite3_bind_int(st, 10, a->ends != 0);
	int r = sqlite3_step(st), rc;
	if (r == SQLITE_DONE) {
		rc = STORE_OK;
	} else if (sqlite3_extended_errcode(store__db(s)) == SQLITE_CONSTRAINT_UNIQUE) {
		store__seterr(s, "there is already a rule named %s", a->name);
		rc = STORE_EXISTS;
	} else {
		rc = store__dberr(s, "adding an autoresponder");
	}
	sqlite3_finalize(st);
	int64_t rid = sqlite3_last_insert_rowid(store__db(s));
	if (rc == STORE_OK)
		rc = auto_event(s, "add", rid, a->trigger);
	rc = store__op_end(s, own, rc);
	if (rc == STORE_OK && id)
		*id = rid;
	return rc;
}

int lite_auto_remove(struct store *s, int64_t id)
{
	int own;
	if (store__op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	sqlite3_stmt *st = store__prep(s, "DELETE FROM autoresponders WHERE id = ?1 "
	                                  "RETURNING trigger");
	if (!st)
		return store__op_end(s, own, STORE_ERR);
	sqlite3_bind_int64(st, 1, id);
	char *trigger = NULL;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		const char *t = col_text(st, 0);
		trigger = t ? sqlite3_mprintf("%s", t) : NULL;
		r = sqlite3_step(st);
	}
	int rc;
	if (r != SQLITE_DONE)
		rc = store__dberr(s, "removing an autoresponder");
	else if (sqlite3_changes(store__db(s)) == 0)
		rc = no_rule(s, id);
	else
		rc = STORE_OK;
	sqlite3_finalize(st);
	if (rc == STORE_OK)
		rc = auto_event(s, "remove", id, trigger);
	sqlite3_free(trigger);
	return store__op_end(s, own, rc);
}

int lite_auto_set_enabled(struct store *s, int64_t id, int enabled)
{
	int own;
	if (store__op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	/* Only a change is written and logged; the same state again is a no-op. */
	sqlite3_stmt *st = store__prep(s, "SELECT enabled, trigger FROM autoresponders "
	                                  "WHERE id = ?1");
	if (!st)
		return store__op_end(s, own, STORE_ERR);
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	int was = r == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : 0;
	char *trigger = r == SQLITE_ROW ? sqlite3_mprintf("%s", col_text(st, 1)) : NULL;
	int rc = STORE_OK;
	if (r == SQLITE_DONE)
		rc = no_rule(s, id);
	else if (r != SQLITE_ROW)
		rc = store__dberr(s, "reading an autoresponder");
	sqlite3_finalize(st);
	if (rc == STORE_OK && was != (enabled != 0)) {
		st = store__prep(s, "UPDATE autoresponders SET enabled = ?2 WHERE id = ?1");
		if (!st) {
			rc = STORE_ERR;
		} else {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int(st, 2, enabled != 0);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = store__dberr(s, "updating an autoresponder");
			sqlite3_finalize(st);
		}
		if (rc == STORE_OK)
			rc = auto_event(s, enabled ? "enable" : "disable", id, trigger);
	}
	sqlite3_free(trigger);
	return store__op_end(s, own, rc);
}

int lite_auto_fired(struct store *s, int64_t id, const char *at)
{
	char when[21];
	if (!at)
		store__now(when);
	else if (store__time_norm(at, when) != 0) {
		store__seterr(s, "%s: not an RFC 3339 time", at);
		return STORE_ERR;
	}
	/* last_triggered_at never moves backwards (text order is time order). */
	sqlite3_stmt *st = store__stmt(s, auto_sql, ST_AUTO_FIRED);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	store__bind_text(st, 2, when);
	int rc = sqlite3_step(st) == SQLITE_DONE
	       ? (sqlite3_changes(store__db(s)) ? STORE_OK : no_rule(s, id))
	       : store__dberr(s, "counting an autoresponder's trigger");
	store__done(st);
	return rc;
}

int lite_auto_list(struct store *s, int enabled_only,
                    int (*fn)(const struct store_auto *a, void *arg), void *arg)
{
	sqlite3_stmt *st = store__prep(s, enabled_only
	        ? "SELECT " AUTO_COLS " FROM autoresponders WHERE enabled = 1 ORDER BY id"
	        : "SELECT " AUTO_COLS " FROM autoresponders ORDER BY id");
	if (!st)
		return STORE_ERR;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_auto a;
		row_to_auto(st, &a);
		if (fn(&a, arg)) {
			r = SQLITE_DONE;
			break;
		}
	}
	int rc = r == SQLITE_DONE ? STORE_OK : store__dberr(s, "listing autoresponders");
	sqlite3_finalize(st);
	return rc;
}

static void put_text(cJSON *rec, const char *key, const char *v)
{
	cJSON_AddItemToObject(rec, key, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}


int lite_auto_get(struct store *s, int64_t id, cJSON **rec)
{
	*rec = NULL;
	sqlite3_stmt *st = store__prep(s, "SELECT " AUTO_COLS " FROM autoresponders WHERE id = ?1");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		struct store_auto a;
		row_to_auto(st, &a);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)a.id);
		put_text(j, "trigger", a.trigger);
		put_text(j, "response", a.response);
		cJSON_AddBoolToObject(j, "enabled", a.enabled);
		put_text(j, "active_hours", a.active_hours);
		put_text(j, "created_at", a.created_at);
		put_text(j, "last_triggered_at", a.last_triggered_at);
		cJSON_AddNumberToObject(j, "trigger_count", (double)a.trigger_count);
		store_auto_flow_fields(j, &a);
		*rec = j;
	}
	int rc = r == SQLITE_ROW ? STORE_OK
	       : r == SQLITE_DONE ? no_rule(s, id) : store__dberr(s, "reading an autoresponder");
	sqlite3_finalize(st);
	return rc;
}

int lite_auto_answers_since(struct store *s, const char *number, const char *since,
                             long long max, long long *n)
{
	*n = 0;
	/* messages_from (from_number, created_at), then events_message; the scan
	 * stops at max, wherever the messages of a busy number go on. */
	sqlite3_stmt *st = store__stmt(s, auto_sql, ST_AUTO_ANSWERS);
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, number);
	store__bind_text(st, 2, since);
	sqlite3_bind_int64(st, 3, max);
	int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK
	                                        : store__dberr(s, "counting automatic answers");
	if (rc == STORE_OK)
		*n = sqlite3_column_int64(st, 0);
	store__done(st);
	return rc;
}

int lite_thread_state(struct store *s, const char *address, char *tag, size_t tag_len,
                       time_t *at)
{
	*tag = '\0';
	*at = 0;
	/* messages_to (to_number, created_at): the newest outbound message; an
	 * opt-out since (consents_number) ends what it began. */
	sqlite3_stmt *st = store__stmt(s, auto_sql, ST_AUTO_THREAD_STATE);
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, address);
	int r = sqlite3_step(st), rc = STORE_OK;
	if (r == SQLITE_ROW) {
		const char *t = col_text(st, 0), *c = col_text(st, 1);
		if (t)
			snprintf(tag, tag_len, "%s", t);
		if (!c || clock_parse_strict(c, at) != 0)
			*at = 0;
	} else if (r != SQLITE_DONE) {
		rc = store__dberr(s, "reading a conversation's state");
	}
	store__done(st);
	return rc;
}
