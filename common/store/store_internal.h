/* store_internal — what store.c lends to the other store_*.c files (one file
 * per group of tables, e.g. store_auto.c), so that all SQL stays in store*.c
 * and no caller outside them sees an sqlite3 type. Not for cmd/ or other modules. */
#ifndef SMSKIT_STORE_INTERNAL_H
#define SMSKIT_STORE_INTERNAL_H

#include <sqlite3.h>
#include "store.h"

sqlite3 *store__db(struct store *s);
/* A one-off prepared statement (the caller finalizes it); NULL with the
 * store's error set. */
sqlite3_stmt *store__prep(struct store *s, const char *sql);
/* Sets the store's error from SQLite's, while doing `what`; returns STORE_ERR. */
int store__dberr(struct store *s, const char *what);
void store__seterr(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Now (clock_now) as "YYYY-MM-DDTHH:MM:SSZ". */
void store__now(char out[21]);
/* Any RFC 3339 time to the stored form; -1 when it does not parse. */
int store__time_norm(const char *in, char out[21]);
/* Makes a public writer atomic: its own BEGIN IMMEDIATE when no transaction
 * is open, else a savepoint inside the caller's. op_end commits or rolls back
 * by rc (negative: failure) and returns rc. */
int store__op_begin(struct store *s, int *own);
int store__op_end(struct store *s, int own, int rc);

#endif
