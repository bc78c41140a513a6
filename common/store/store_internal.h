/* store_internal — what the store's SQLite files (store_*.c) share: the
 * connection, its cache of prepared statements, errors, transactions, times.
 * Each file holds the SQL of its own tables; no caller outside them sees an
 * sqlite3 type. Not for cmd/ or other modules. */
#ifndef SMSKIT_STORE_INTERNAL_H
#define SMSKIT_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>
#include "store.h"
#include "store_backend.h"
#include "store_record.h"

/* The statements each connection keeps prepared, one slot each; their SQL is
 * in the file that uses them (store__stmt). */
enum store_st {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_SAVEPOINT, ST_RELEASE, ST_ROLLBACK_TO,
	ST_JOB_SAVEPOINT, ST_JOB_RELEASE, ST_JOB_ROLLBACK_TO,
	ST_MSG_INSERT, ST_MSG_GET, ST_MSG_STATE, ST_MSG_BY_PROVIDER_ID,
	ST_EVENT_INSERT,
	ST_OPTOUT_INSERT, ST_OPTOUT_DELETE, ST_OPTOUT_CHECK, ST_SPEND_SINCE,
	ST_KV_GET, ST_KV_SET, ST_KV_DELETE,
	ST_MSG_FLAGS, ST_MSG_SET_READ, ST_MSG_SET_REPLIED, ST_MSG_REQUESTED, ST_MSG_UNCLAIM,
	ST_DATA_VERSION, ST_AUTO_FIRED, ST_AUTO_ANSWERS, ST_AUTO_THREAD_STATE, ST_LAST_INBOUND,
	ST__N
};

/* The spend index's expression and condition (schema versions 2 and 3),
 * which the spend query repeats so that SQLite may use the partial index. */
#define SPEND_AT "coalesce(sent_at, claimed_at, created_at)"
#define SPEND_STATUS "status IN ('sending', 'queued', 'scheduled', 'sent', 'delivered', " \
                     "'undelivered', 'unknown', 'read')"

/* Status updates: one cached UPDATE per set of assigned columns (a bit per
 * mcols entry), so that SQLite maintains only the indexes and checks only the
 * constraints of the columns that change. A sender uses two or three sets;
 * the oldest entry makes room when more turn up. */
#define UPD_CACHE 8

struct store {
	struct store_head h; /* first: the table, error, path, version (store_backend.h) */
	sqlite3      *db;
	sqlite3_stmt *st[ST__N];
	struct {
		uint64_t      cols;
		sqlite3_stmt *st;
	}             upd[UPD_CACHE];
	unsigned      upd_next;
	unsigned      flags;      /* store_open()'s */
	int           wal_seen;   /* STORE_NO_CKPT_ON_CLOSE: frames in the WAL at
	                           * the last commit (0 before any) */
	unsigned long long serial; /* this connection's, of all a process opens */
};

/* The schema (store_schema.c): store__migrations[v] takes a store from
 * version v to v + 1 (SQL for sqlite3_exec), in one transaction. */
extern const char *const store__migrations[STORE_SCHEMA_VERSION];

sqlite3 *store__db(struct store *s);
/* The statement of slot id, prepared from sql[id] the first time and kept
 * for the life of the connection; NULL with the store's error set. */
sqlite3_stmt *store__stmt(struct store *s, const char *const *sql, enum store_st id);
/* A one-off prepared statement (the caller finalizes it); NULL with the
 * store's error set. */
sqlite3_stmt *store__prep(struct store *s, const char *sql);
/* Resets a cached statement and clears its bindings, for its next use. */
void store__done(sqlite3_stmt *st);
/* Binds a column value (store_record.h) to parameter idx. */
void store__bind_val(sqlite3_stmt *st, int idx, const struct val *v);
/* Binds text, or NULL when t is. */
void store__bind_text(sqlite3_stmt *st, int i, const char *t);
/* Sets the store's error from SQLite's, while doing `what`; returns STORE_ERR. */
int store__dberr(struct store *s, const char *what);
/* Makes a public writer atomic: its own BEGIN IMMEDIATE when no transaction
 * is open, else a savepoint inside the caller's. op_end commits or rolls back
 * by rc (negative: failure) and returns rc. */
int store__op_begin(struct store *s, int *own);
int store__op_end(struct store *s, int own, int rc);

/* Appends an event whose detail is JSON text already (or NULL), inside the
 * caller's store__op_begin. */
int store__event_insert(struct store *s, int64_t message_id, const char *kind,
                        const char *status, const char *detail, int64_t *id);

/* Appends an opt_out row to the consents log (store_consent.c), inside
 * store_optout_add's operation: an opt-out voids the opt-ins before it. */
int store__consent_out(struct store *s, const char *number, const char *at,
                       const char *source);

#endif
