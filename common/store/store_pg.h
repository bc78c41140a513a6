/* store_pg — what the PostgreSQL backend's files (store_pg_*.c) share: the
 * connection, errors, statements (prepared once per connection, keyed by
 * their SQL text), parameters, values read back, transactions and the
 * savepoint that makes each public writer atomic. The SQL of each table is
 * in the file that owns it, as in the SQLite backend (doc/store.md). Not
 * for cmd/ or other modules: nothing outside common/store/ sees a libpq type.
 *
 * What PostgreSQL does differently, which every store_pg_*.c file must mind:
 * - a failed statement spoils the whole transaction until it is rolled back
 *   (or rolled back to a savepoint): never run a statement expected to fail;
 *   ask first, or use ON CONFLICT ... DO NOTHING and look at what came back;
 * - other connections, on other hosts, write at the same time: an operation
 *   that reads a row and then writes it locks the row (SELECT ... FOR
 *   UPDATE) inside its pgs__op_begin;
 * - store_begin_immediate takes the store's write lock (an advisory lock)
 *   for the whole transaction, as SQLite's BEGIN IMMEDIATE does: the senders'
 *   claims and spend checks, the group commit;
 * - parameters are $1, $2...; all are sent as text (pgs_args). */
#ifndef SMSKIT_STORE_PG_H
#define SMSKIT_STORE_PG_H

#include "store_pg_lib.h" /* libpq, loaded at run time */
#include <stdint.h>
#include "store.h"
#include "store_backend.h"
#include "store_record.h"

/* The advisory lock of store_begin_immediate, and the one the schema's
 * creation takes: "SMSK" and 1, 2. */
#define PGS_LOCK_WRITE  "1397576523, 1"
#define PGS_LOCK_SCHEMA "1397576523, 2"
#define PGS_LOCK_TIMEOUT_S 5 /* a lock waited for longer: EAGAIN, exit 75, as SQLite's busy timeout */

#define PGS_NPREP 128 /* statements prepared per connection */

struct store {
	struct store_head h; /* first (store_backend.h) */
	PGconn  *c;
	unsigned flags;
	char     sqlstate[6]; /* of the last failed statement, "" after a success */
	int      listening;   /* LISTEN smskit_messages sent (store_watch_fd) */
	int      txn_lost;    /* the connection was lost inside a transaction: every
	                       * statement fails until the caller rolls back */
	/* The statements prepared on this connection, by SQL text address. */
	const char *prep[PGS_NPREP];
	int      nprep;
};

/* Parameters of a statement, all as text (NULL: SQL NULL). */
#define PGS_MAXARGS 64
struct pgs_args {
	int         n;
	const char *v[PGS_MAXARGS];
	char        num[PGS_MAXARGS][24]; /* the text of integer parameters */
};
void pgs_arg(struct pgs_args *a, const char *text);   /* next parameter: text, or NULL */
void pgs_argi(struct pgs_args *a, int64_t i);         /* next parameter: an integer */
void pgs_arg_val(struct pgs_args *a, const struct val *v); /* a column value (store_record.h) */

/* Runs sql with a's parameters (a may be NULL) and returns its result
 * (PGRES_TUPLES_OK or PGRES_COMMAND_OK), to PQclear; NULL on failure, with
 * the store's error "what: PostgreSQL's message" and s->sqlstate set.
 * pgs_q prepares sql once per connection, keyed by the address of its text:
 * give it string constants only; pgs_q1 runs a one-off text (built SQL).
 * A connection found lost outside a transaction is reset and the statement
 * tried once more (the daemons reconnect by themselves); inside one, the
 * transaction is gone and the error says so. */
PGresult *pgs_q(struct store *s, const char *what, const char *sql, const struct pgs_args *a);
PGresult *pgs_q1(struct store *s, const char *what, const char *sql, const struct pgs_args *a);
/* Runs sql for its effect; STORE_OK, or STORE_ERR as pgs_q. *changed (may be
 * NULL): the rows it inserted, updated or deleted. */
int pgs_exec(struct store *s, const char *what, const char *sql, const struct pgs_args *a,
             long long *changed);

/* Runs a script of several statements without parameters (the schema);
 * STORE_OK or STORE_ERR with the error set. */
int pgs_script(struct store *s, const char *what, const char *sql);

/* Values of a result: text (NULL for SQL NULL), an integer (0 for NULL). */
const char *pgs_text(const PGresult *r, int row, int col);
int64_t pgs_int(const PGresult *r, int row, int col);
int pgs_null(const PGresult *r, int row, int col);

/* 1 when the last failure was a unique violation (23505), a foreign key
 * violation (23503), a check violation (23514). */
int pgs_unique_violation(const struct store *s);
int pgs_fk_violation(const struct store *s);

/* Makes a public writer atomic: BEGIN when no transaction is open (*own 1),
 * else a savepoint inside the caller's. pgs_op_end commits, releases or rolls
 * back by rc (negative: failure) and returns rc, keeping the first error. */
int pgs_op_begin(struct store *s, int *own);
int pgs_op_end(struct store *s, int own, int rc);

/* The columns of a message record for a SELECT: id, then every column of
 * store__mcols in order (store_pg_row.c checks the list against them). */
#define PGS_MSG_COLS \
	"id, direction, status, to_number, from_number, body, media, encoding, segments, " \
	"price_estimate, price, currency, provider, provider_id, priority, notes, created_at, " \
	"send_at, sent_at, delivered_at, reviewed_by, reviewed_at, review_reason, read, " \
	"replied, reply_to, ref, error_code, error_message, provider_code, error_retryable, " \
	"reason, warnings, updated_at, claimed_by, claimed_at, requested_at, channel, " \
	"content_sid, content_variables, profile_name, wa_id, button_payload, button_text, " \
	"latitude, longitude, read_at, purpose, tag, state"
/* The message record (as store_msg_get gives it) of a row whose columns
 * start at col: PGS_MSG_COLS's. */
cJSON *pgs_msg_rec(const PGresult *r, int row, int col);

/* Appends an event whose detail is JSON text already (or NULL). */
int pgs_event_insert(struct store *s, int64_t message_id, const char *kind, const char *status,
                     const char *detail, int64_t *id);
/* Appends an opt_out row to the consents log, inside store_optout_add's
 * operation (store_pg_consent.c). */
int pgs_consent_out(struct store *s, const char *number, const char *at, const char *source);

/* The schema (store_pg_schema.c): SQL that creates the store at version
 * STORE_SCHEMA_VERSION, run in one transaction; and the migrations from
 * each later version (none yet: PostgreSQL stores begin at version 8). */
extern const char *const pgs_schema;

#endif
