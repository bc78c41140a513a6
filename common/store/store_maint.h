/* store_maint — the store's upkeep, for sms-store(1): a consistent copy taken
 * while other programs write, the integrity and foreign key checks, counts
 * for a report, everything held about one number (its export and its
 * erasure), and the pruning of old messages. Part of the backend seam
 * (doc/store.md): a second backend implements these too, with the same
 * meaning; callers see no SQL. The SQLite backend's are in store_maint.c
 * (backup, check, stats) and store_maint_rows.c (export, erase, prune).
 *
 * What holds a number (the erasure's list, sms-store(1)): messages to or from
 * it, as an SMS number or a WhatsApp address ("whatsapp:+1..."), and their
 * events; events of no message that name it in their detail
 * (a provider's notice, a status callback for an unknown message, a part of a
 * long message held until all come, and the "optout" and "optin" events);
 * the opt-outs table; key/value entries whose key names it (the parts of a
 * long message held, "vonage.concat.<number>.<ref>"). Autoresponders count
 * their answers, not who got them; templates hold no number. */
#ifndef SMSKIT_STORE_MAINT_H
#define SMSKIT_STORE_MAINT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "store.h"

/* How many messages one transaction of erase and prune removes at most: the
 * write lock is given back between batches, so that sms-webhookd and the
 * senders wait at most for one batch (a message has two or three events:
 * a few thousand rows). */
#define STORE_MAINT_BATCH 1000

/* Progress of long work: done of total units (pages for a backup, messages
 * for erase and prune; total 0 when unknown). */
typedef void (*store_progress_fn)(long long done, long long total, void *arg);

/* ---- Backup ------------------------------------------------------------------ */

/* Copies the store to dest, a file of its own (mode 0600), as it was when the
 * copy began: every commit before it is in the copy, none after, while other
 * programs go on writing (they are never held up). The copy is made under a
 * temporary name beside dest and moved into place once whole, so that dest
 * is never half a copy. dest must not exist unless force (then it is
 * replaced, and a leftover dest-wal and dest-shm removed); dest may not be
 * the store itself. STORE_EXISTS (nothing done) when dest exists and !force;
 * else STORE_OK or STORE_ERR with a sentence. *bytes: the copy's size. */
int store_backup(struct store *s, const char *dest, int force, store_progress_fn fn,
                 void *arg, long long *bytes);

/* ---- Check -------------------------------------------------------------------- */

/* One problem the check found. */
struct store_problem {
	const char *check;   /* "integrity_check" or "foreign_key_check" */
	const char *message; /* one sentence */
	const char *table;   /* foreign_key_check: the table, the row and the table */
	long long   rowid;   /* it refers to (else NULL and 0) */
	const char *parent;
	int         note;    /* 1: no problem, but what the check could not look at
	                      * (PostgreSQL: the indexes, without amcheck); not
	                      * counted in *problems */
};

/* The whole file's integrity check, then the foreign key check; fn is called
 * for each problem (it returns non-zero to stop), and *problems counts them.
 * STORE_OK when the checks ran (whatever they found), STORE_ERR when they
 * could not. */
int store_check(struct store *s, int (*fn)(const struct store_problem *p, void *arg),
                void *arg, long long *problems);

/* ---- Stats -------------------------------------------------------------------- */

struct store_stats {
	long long messages, events, optouts, templates, autoresponders, kv;
	long long bytes;      /* the file, and its write-ahead log */
	long long wal_bytes;
	long long free_bytes; /* pages the file holds unused (a VACUUM would give back) */
	char      oldest[32], newest[32]; /* created_at of the oldest and newest
	                                   * message; "" when there is none */
};
/* Counts by status come from store_status_counts. */
int store_stats(struct store *s, struct store_stats *out);

/* ---- One number: export and erase ------------------------------------------------ */

/* Calls fn with every record held about number (E.164; callers normalise),
 * each a cJSON object the callee owns, with "type" first:
 *   "message"  the message record (store_msg_get's) of a message to or from
 *              number, on either channel (its WhatsApp address is
 *              "whatsapp:" and number), oldest first (created_at, then id);
 *   "event"    {"type","id","message_id","at","kind","status","detail"}: the
 *              events of those messages, and the events of no message whose
 *              detail names number (message_id null), in id order;
 *   "optout"   {"type","number","at","source"} for each opt-out of number,
 *              on SMS and on WhatsApp;
 *   "kv"       {"type","key","value","updated_at"} for an entry whose key
 *              names number.
 * fn returns non-zero to stop, and must not write to the store. The records
 * come from one snapshot. */
int store_export_number(struct store *s, const char *number,
                        int (*fn)(cJSON *rec, void *arg), void *arg);

/* What an erasure or a prune removed (or, dry, would remove). */
struct store_removed {
	long long messages;      /* messages */
	long long events;        /* their events */
	long long other_events;  /* events of no message (see each function) */
	long long kv;            /* key/value entries */
	long long kept_in_flight; /* prune: old messages kept, still in flight */
};

/* Erases what is held about number: its messages and their events, events of
 * no message whose detail names it (but not its "optout" and "optin" events,
 * the record of its opt-out), and key/value entries whose key names it. The
 * opt-out stays, and with it its events, so that it is still honoured. In
 * transactions of STORE_MAINT_BATCH messages (a failure midway leaves the
 * batches before it done; running it again finishes). dry: counts only. */
int store_erase_number(struct store *s, const char *number, int dry,
                       store_progress_fn fn, void *arg, struct store_removed *out);

/* The statuses prune removes (sms-store(1)): those no program will move any
 * more, received included; never pending, approved, sending, queued or
 * scheduled, which are still in flight. NULL-terminated. */
extern const char *const store_prune_statuses[];

/* Removes the messages created before `before` (RFC 3339 UTC, the store's
 * form) whose status is one of store_prune_statuses, with their events, and
 * the "webhook" events of no message from before then (notices, callbacks
 * for unknown messages); kept: "optout", "optin" and "autoresponder" events,
 * and every other table. In transactions of STORE_MAINT_BATCH messages.
 * kept_in_flight counts the old messages kept. dry: counts only. */
int store_prune(struct store *s, const char *before, int dry, store_progress_fn fn, void *arg,
                struct store_removed *out);

/* ---- Migrate: a SQLite store into PostgreSQL --------------------------------------- */

/* The tables sms-store migrate copies, in the order it copies them (a
 * message before its events); store_migrate_tables[i] names table i. */
enum {
	STORE_MIG_MESSAGES, STORE_MIG_EVENTS, STORE_MIG_OPTOUTS, STORE_MIG_CONSENTS,
	STORE_MIG_TEMPLATES, STORE_MIG_AUTORESPONDERS, STORE_MIG_KV, STORE_MIG_TABLES
};
extern const char *const store_migrate_tables[STORE_MIG_TABLES];

/* Why store_migrate_from refused (STORE_REFUSED), so that a caller can pick
 * its exit code; the sentence is the store's error. */
enum store_mig_refusal {
	STORE_MIG_OK = 0,
	STORE_MIG_NOT_PG,     /* the destination is not a PostgreSQL store */
	STORE_MIG_NO_SOURCE,  /* no such file, or not a file */
	STORE_MIG_BAD_SOURCE, /* not a SQLite smskit store, or one newer than this build */
	STORE_MIG_COUNTS,     /* a table's counts differ: everything was rolled back */
};

struct store_migrated {
	long long source[STORE_MIG_TABLES]; /* rows in the source */
	long long copied[STORE_MIG_TABLES]; /* rows this run added (0 when run again) */
	long long found[STORE_MIG_TABLES];  /* of the source's ids (an opt-out's number, an
	                                     * entry's key), those the destination holds */
	int       source_version; /* the source's schema version before it was opened
	                           * (an older one is brought up to date first) */
	int       counted;        /* 1 once the source's rows were counted (source[]) */
	enum store_mig_refusal refused;
	double    seconds;        /* wall clock, opening the source to the commit */
};

/* Copies the SQLite store at sqlite_path into dst, which must be a
 * PostgreSQL store (sms-store migrate, sms-store(1)): messages, events,
 * opt-outs, consents, templates, autoresponders (with their counts) and
 * key/value entries, every id kept; then moves dst's identity sequences past
 * the greatest ids, so that new rows never take a copied id. A PostgreSQL-only
 * operation (store_pg_migrate.c): the SQLite backend has none, and a dst that
 * is not PostgreSQL is refused. The source is opened as every program opens
 * a store first (an older schema is brought up to date in place, a newer one
 * refused), then read in one read transaction: one snapshot, while others
 * may go on writing to it. Everything is written in ONE transaction on dst
 * (holding the store's write lock): a failure midway leaves nothing of it;
 * rows whose id (number, key) dst already holds are left as they are, so
 * that running it again adds nothing. Then, still inside it, each table's
 * source rows are counted against the source's ids found in dst: any
 * difference (a row that a unique name or provider id of another row kept
 * out) rolls everything back (STORE_REFUSED, STORE_MIG_COUNTS). fn, if not
 * NULL, gets the rows copied of all the tables' rows. STORE_OK; STORE_REFUSED
 * with out->refused and a sentence; STORE_ERR (PostgreSQL's failure, nothing
 * kept). out is filled as far as the work went. */
int store_migrate_from(struct store *dst, const char *sqlite_path, store_progress_fn fn,
                       void *arg, struct store_migrated *out);

#endif
