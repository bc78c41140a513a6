/* store_maint_rows — the SQLite side of the store's upkeep row by row:
 * everything held about one number (export and erase) and the pruning of old
 * messages, both in batches of STORE_MAINT_BATCH messages per transaction.
 * These read and delete across the tables (messages, events, optouts, kv;
 * consents is read, never deleted: it is the proof of consent);
 * the tables' own files keep their everyday SQL. See store_maint.h. */
#include "store_maint.h"
#include "store_internal.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- What names a number ----------------------------------------------------------
 * ?1 is the number in E.164 ("+15551234567"), ?2 its digits without the "+",
 * as some providers write it (Vonage's msisdn). A person's number is also
 * their WhatsApp address, "whatsapp:" and the number (address.h): both are
 * theirs. */
#define ADDRESSES "(?1, 'whatsapp:' || ?1)"

/* A message to or from the number, on either channel: on messages_to and
 * messages_from, two lookups each. */
#define MSG_OF_NUMBER "SELECT id FROM messages WHERE to_number IN " ADDRESSES \
                      " UNION SELECT id FROM messages WHERE from_number IN " ADDRESSES

/* An event of no message whose detail has a top-level value that is the
 * number (a provider's From, To, msisdn; an opt-out's number). Walks the
 * NULL end of events_message only. */
#define EVENT_NAMES_NUMBER \
	"message_id IS NULL AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(detail) " \
	"THEN detail ELSE 'null' END) j WHERE j.type = 'text' AND " \
	"j.value IN (?1, ?2, 'whatsapp:' || ?1))"

/* A key/value entry whose key has the number as one of its dot-separated
 * words ("vonage.concat.15551234567.ref"). */
#define KV_NAMES_NUMBER "(instr('.' || key || '.', '.' || ?1 || '.') > 0 " \
                        "OR instr('.' || key || '.', '.' || ?2 || '.') > 0)"

#define EVENT_COLS "id, message_id, at, kind, status, detail"

static void bind_number(sqlite3_stmt *st, const char *number)
{
	sqlite3_bind_text(st, 1, number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, number[0] == '+' ? number + 1 : number, -1, SQLITE_TRANSIENT);
}

/* One count from sql with the number bound (and ?3 = text3 unless NULL). */
static int count_of(struct store *s, const char *sql, const char *number, const char *text3,
                    long long *n)
{
	sqlite3_stmt *st = store__prep(s, sql);
	if (!st)
		return STORE_ERR;
	if (number)
		bind_number(st, number);
	if (text3)
		sqlite3_bind_text(st, 3, text3, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? STORE_OK : store__dberr(s, "counting");
}

/* Runs a statement that returns no rows, binding as count_of; *n (may be
 * NULL) gets the rows it changed. */
static int run_bound(struct store *s, const char *sql, const char *number, const char *text3,
                     long long *n)
{
	sqlite3_stmt *st = store__prep(s, sql);
	if (!st)
		return STORE_ERR;
	if (number)
		bind_number(st, number);
	if (text3)
		sqlite3_bind_text(st, 3, text3, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store__dberr(s, "deleting");
	if (n)
		*n = sqlite3_changes(s->db);
	return STORE_OK;
}

/* ---- Export ------------------------------------------------------------------------ */

/* A new object: "type" first, then rec's members (rec is freed). */
static cJSON *typed(const char *type, cJSON *rec)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", type);
	while (rec && rec->child) {
		cJSON *it = cJSON_DetachItemViaPointer(rec, rec->child);
		cJSON_AddItemToObject(o, it->string, it);
	}
	cJSON_Delete(rec);
	return o;
}

static void put_text(cJSON *o, const char *key, sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	cJSON_AddItemToObject(o, key, t ? cJSON_CreateString(t) : cJSON_CreateNull());
}

static cJSON *event_record(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "event");
	cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
	if (sqlite3_column_type(st, 1) == SQLITE_NULL)
		cJSON_AddNullToObject(o, "message_id");
	else
		cJSON_AddNumberToObject(o, "message_id", (double)sqlite3_column_int64(st, 1));
	put_text(o, "at", st, 2);
	put_text(o, "kind", st, 3);
	put_text(o, "status", st, 4);
	const char *d = (const char *)sqlite3_column_text(st, 5);
	cJSON *dj = d ? cJSON_Parse(d) : NULL;
	if (d && !dj)
		dj = cJSON_CreateString(d); /* kept as it is when it is not JSON */
	cJSON_AddItemToObject(o, "detail", dj ? dj : cJSON_CreateNull());
	return o;
}

/* Calls fn with a record per row of sql (number bound), made by make. */
static int each_row(struct store *s, const char *sql, const char *number,
                    cJSON *(*make)(sqlite3_stmt *st), int (*fn)(cJSON *, void *), void *arg,
                    int *stop)
{
	sqlite3_stmt *st = store__prep(s, sql);
	if (!st)
		return STORE_ERR;
	bind_number(st, number);
	int rc;
	while (!*stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*stop = fn(make(st), arg);
	sqlite3_finalize(st);
	if (*stop || rc == SQLITE_DONE)
		return STORE_OK;
	return store__dberr(s, "exporting");
}

static cJSON *optout_record(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "optout");
	put_text(o, "number", st, 0);
	put_text(o, "at", st, 1);
	put_text(o, "source", st, 2);
	return o;
}

/* A row of the consent log (schema version 6), which erase keeps. */
static cJSON *consent_record(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "consent");
	put_text(o, "number", st, 0);
	put_text(o, "at", st, 1);
	put_text(o, "kind", st, 2);
	put_text(o, "source", st, 3);
	put_text(o, "evidence", st, 4);
	put_text(o, "recorded_at", st, 5);
	return o;
}

static cJSON *kv_record(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "kv");
	put_text(o, "key", st, 0);
	put_text(o, "value", st, 1);
	put_text(o, "updated_at", st, 2);
	return o;
}

/* The number's messages, oldest first, each as store_msg_get builds it. The
 * ids are read first: store_msg_get runs statements of its own. */
static int export_messages(struct store *s, const char *number,
                           int (*fn)(cJSON *rec, void *arg), void *arg, int *stop)
{
	sqlite3_stmt *st = store__prep(s, "SELECT id FROM messages WHERE id IN (" MSG_OF_NUMBER
	                                  ") ORDER BY created_at, id");
	if (!st)
		return STORE_ERR;
	bind_number(st, number);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			ids = xrealloc(ids, cap * sizeof *ids);
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(ids);
		return store__dberr(s, "exporting");
	}
	rc = STORE_OK;
	for (size_t i = 0; i < n && !*stop && rc == STORE_OK; i++) {
		cJSON *rec = NULL;
		rc = store_msg_get(s, ids[i], &rec);
		if (rc == STORE_OK)
			*stop = fn(typed("message", rec), arg);
	}
	free(ids);
	return rc;
}

int lite_export_number(struct store *s, const char *number,
                        int (*fn)(cJSON *rec, void *arg), void *arg)
{
	if (store__e164_check(s, number))
		return STORE_ERR;
	if (!sqlite3_get_autocommit(s->db)) {
		store__seterr(s, "an export cannot run inside a transaction");
		return STORE_ERR;
	}
	/* One read transaction: every record from the same snapshot. */
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return store__dberr(s, "starting the export");
	int stop = 0;
	int rc = export_messages(s, number, fn, arg, &stop);
	if (rc == STORE_OK)
		rc = each_row(s, "SELECT " EVENT_COLS " FROM events WHERE message_id IN (" MSG_OF_NUMBER
		             ") UNION ALL SELECT " EVENT_COLS " FROM events WHERE " EVENT_NAMES_NUMBER
		             " ORDER BY id", number, event_record, fn, arg, &stop);
	if (rc == STORE_OK)
		rc = each_row(s, "SELECT number, at, source FROM optouts WHERE number IN " ADDRESSES
		              " ORDER BY number", number, optout_record, fn, arg,
		              &stop);
	if (rc == STORE_OK)
		rc = each_row(s, "SELECT number, at, kind, source, evidence, recorded_at FROM consents "
		              "WHERE number IN " ADDRESSES " ORDER BY number, at, id", number,
		              consent_record, fn, arg, &stop);
	if (rc == STORE_OK)
		rc = each_row(s, "SELECT key, value, updated_at FROM kv WHERE " KV_NAMES_NUMBER
		              " ORDER BY key", number, kv_record, fn, arg, &stop);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* ---- Erase -------------------------------------------------------------------------- */

/* The number's events of no message that go: all but its opt-out's record. */
#define ERASE_EVENTS "FROM events WHERE kind NOT IN ('optout', 'optin') AND " EVENT_NAMES_NUMBER

static int erase_counts(struct store *s, const char *number, struct store_removed *out)
{
	if (count_of(s, "SELECT count(*) FROM (" MSG_OF_NUMBER ")", number, NULL, &out->messages) ||
	    count_of(s, "SELECT count(*) FROM events WHERE message_id IN (" MSG_OF_NUMBER ")",
	             number, NULL, &out->events) ||
	    count_of(s, "SELECT count(*) " ERASE_EVENTS, number, NULL, &out->other_events) ||
	    count_of(s, "SELECT count(*) FROM kv WHERE " KV_NAMES_NUMBER, number, NULL, &out->kv))
		return STORE_ERR;
	return STORE_OK;
}

/* The ids of up to STORE_MAINT_BATCH of the number's messages; *n of them. */
static int erase_ids(struct store *s, const char *number, int64_t *ids, size_t *n)
{
	*n = 0;
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT id FROM (" MSG_OF_NUMBER ") LIMIT %d", STORE_MAINT_BATCH);
	sqlite3_stmt *st = store__prep(s, sql);
	if (!st)
		return STORE_ERR;
	bind_number(st, number);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < STORE_MAINT_BATCH)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store__dberr(s, "erasing messages");
}

/* One batch: up to STORE_MAINT_BATCH of the number's messages and their
 * events, in one transaction; *n gets the messages removed (0: none left). */
static int erase_batch(struct store *s, const char *number, struct store_removed *out,
                       size_t *n)
{
	int64_t ids[STORE_MAINT_BATCH];
	if (store_begin_immediate(s))
		return STORE_ERR;
	if (erase_ids(s, number, ids, n)) {
		store_rollback(s);
		return STORE_ERR;
	}
	sqlite3_stmt *cnt = store__prep(s, "SELECT count(*) FROM events WHERE message_id = ?1");
	sqlite3_stmt *del = cnt ? store__prep(s, "DELETE FROM messages WHERE id = ?1") : NULL;
	int rc = del ? SQLITE_DONE : SQLITE_ERROR;
	long long events = 0;
	for (size_t i = 0; i < *n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(cnt, 1, ids[i]);
		sqlite3_bind_int64(del, 1, ids[i]);
		if ((rc = sqlite3_step(cnt)) != SQLITE_ROW)
			break;
		events += sqlite3_column_int64(cnt, 0);
		sqlite3_reset(cnt);
		/* The events go by the foreign key's ON DELETE CASCADE. */
		rc = sqlite3_step(del);
		sqlite3_reset(del);
	}
	if (rc != SQLITE_DONE && del)
		store__dberr(s, "erasing messages");
	sqlite3_finalize(cnt);
	sqlite3_finalize(del);
	if (rc != SQLITE_DONE) {
		store_rollback(s);
		return STORE_ERR;
	}
	if (store_commit(s))
		return STORE_ERR;
	out->messages += (long long)*n;
	out->events += events;
	return STORE_OK;
}

int lite_erase_number(struct store *s, const char *number, int dry,
                       store_progress_fn fn, void *arg, struct store_removed *out)
{
	memset(out, 0, sizeof *out);
	if (store__e164_check(s, number))
		return STORE_ERR;
	if (dry)
		return erase_counts(s, number, out);
	long long total = 0;
	size_t n;
	if (count_of(s, "SELECT count(*) FROM (" MSG_OF_NUMBER ")", number, NULL, &total))
		return STORE_ERR;
	do {
		if (erase_batch(s, number, out, &n))
			return STORE_ERR;
		if (fn)
			fn(out->messages, total, arg);
	} while (n > 0);
	/* The rest is small: one transaction. */
	if (store_begin_immediate(s))
		return STORE_ERR;
	if (run_bound(s, "DELETE " ERASE_EVENTS, number, NULL, &out->other_events) ||
	    run_bound(s, "DELETE FROM kv WHERE " KV_NAMES_NUMBER, number, NULL, &out->kv)) {
		store_rollback(s);
		return STORE_ERR;
	}
	return store_commit(s);
}

/* ---- Prune ---------------------------------------------------------------------------- */

const char *const store_prune_statuses[] = {"rejected", "sent", "delivered", "undelivered",
                                            "read", "failed", "canceled", "unknown",
                                            "received", NULL};
/* The same list, as SQL. */
#define PRUNE_STATUS "status IN ('rejected', 'sent', 'delivered', 'undelivered', 'read', " \
                     "'failed', 'canceled', 'unknown', 'received')"
/* ?3: the time before which a message is old. */
#define PRUNE_OLD "created_at < ?3 AND " PRUNE_STATUS
/* The same for a walk of the rowid: the unary + keeps SQLite off
 * messages_queue, which would find every old message of those statuses and
 * sort them all, for each batch. */
#define PRUNE_OLD_ROWID "+created_at < ?3 AND +" PRUNE_STATUS
/* Events of no message that prune removes. */
#define PRUNE_EVENTS "FROM events WHERE message_id IS NULL AND kind = 'webhook' AND at < ?3"

static int prune_counts(struct store *s, const char *before, struct store_removed *out)
{
	if (count_of(s, "SELECT count(*) FROM messages WHERE " PRUNE_OLD, NULL, before,
	             &out->messages) ||
	    count_of(s, "SELECT count(*) FROM events WHERE message_id IN (SELECT id FROM messages "
	             "WHERE " PRUNE_OLD ")", NULL, before, &out->events) ||
	    count_of(s, "SELECT count(*) " PRUNE_EVENTS, NULL, before, &out->other_events))
		return STORE_ERR;
	return STORE_OK;
}

/* The id that ends the next batch after lo: the STORE_MAINT_BATCH-th old
 * message after it in id order, or the last; 0 when none is left. Read
 * outside the write lock: the rowid walk may be long, and the batch's
 * DELETE checks every row again. */
static int prune_next(struct store *s, long long lo, const char *before, long long *hi)
{
	sqlite3_stmt *st = store__prep(s, "SELECT max(id) FROM (SELECT id FROM messages WHERE id > ?1 "
	                                  "AND " PRUNE_OLD_ROWID " ORDER BY id LIMIT ?2)");
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int(st, 2, STORE_MAINT_BATCH);
	sqlite3_bind_text(st, 3, before, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	*hi = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? STORE_OK : store__dberr(s, "pruning");
}

/* Removes the old messages with lo < id <= hi, and their events. */
static int prune_batch(struct store *s, long long lo, long long hi, const char *before,
                       struct store_removed *out)
{
	static const char *const sql[2] = {
		"SELECT count(*) FROM events WHERE message_id IN (SELECT id FROM messages "
		"WHERE id > ?1 AND id <= ?2 AND " PRUNE_OLD_ROWID ")",
		"DELETE FROM messages WHERE id > ?1 AND id <= ?2 AND " PRUNE_OLD_ROWID,
	};
	if (store_begin_immediate(s))
		return STORE_ERR;
	long long got[2] = {0, 0};
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = store__prep(s, sql[i]);
		if (!st) {
			store_rollback(s);
			return STORE_ERR;
		}
		sqlite3_bind_int64(st, 1, lo);
		sqlite3_bind_int64(st, 2, hi);
		sqlite3_bind_text(st, 3, before, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(st);
		got[i] = i == 0 ? sqlite3_column_int64(st, 0) : sqlite3_changes(s->db);
		sqlite3_finalize(st);
		if (rc != (i == 0 ? SQLITE_ROW : SQLITE_DONE)) {
			store__dberr(s, "pruning");
			store_rollback(s);
			return STORE_ERR;
		}
	}
	if (store_commit(s))
		return STORE_ERR;
	out->events += got[0];
	out->messages += got[1];
	return STORE_OK;
}

int lite_prune(struct store *s, const char *before, int dry, store_progress_fn fn, void *arg,
                struct store_removed *out)
{
	memset(out, 0, sizeof *out);
	char b[TIME_LEN];
	if (store__time_norm(before, b) != 0) {
		store__seterr(s, "%s: not a time", before);
		return STORE_ERR;
	}
	if (dry) {
		if (prune_counts(s, b, out))
			return STORE_ERR;
	} else {
		long long lo = 0, hi, total = 0;
		/* The total for the progress line only: a pass over messages_queue. */
		if (fn && count_of(s, "SELECT count(*) FROM messages WHERE " PRUNE_OLD, NULL, b, &total))
			return STORE_ERR;
		for (;;) {
			if (prune_next(s, lo, b, &hi))
				return STORE_ERR;
			if (hi == 0)
				break;
			if (prune_batch(s, lo, hi, b, out))
				return STORE_ERR;
			lo = hi;
			if (fn)
				fn(out->messages, total, arg);
		}
		/* Events of no message, in batches too: there may be many. */
		long long n;
		do {
			if (run_bound(s, "DELETE FROM events WHERE id IN (SELECT id " PRUNE_EVENTS
			              " LIMIT 1000)", NULL, b, &n))
				return STORE_ERR;
			out->other_events += n;
		} while (n > 0);
	}
	return count_of(s, "SELECT count(*) FROM messages WHERE created_at < ?3 AND NOT "
	                PRUNE_STATUS, NULL, b, &out->kept_in_flight);
}
