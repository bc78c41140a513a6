/* store_pg_open — the PostgreSQL connection (store_pg.h): connecting to the
 * URI SMS_DB gives, refusing one that carries a password, creating the schema
 * or checking its version, the connection's settings; statements, parameters
 * and errors; transactions, the store's write lock and savepoints; the
 * others' version the rule cache keys on; closing. The backend's table of
 * functions (store_backend.h) is at the end. */
#include "store.h"
#include "store_pg.h"
#include "config.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Errors ------------------------------------------------------------------ */

/* PostgreSQL's message, its first line only (the rest is DETAIL and HINT
 * lines that would break an error record's one sentence). */
static void first_line(char *dst, size_t n, const char *msg)
{
	if (!msg || !*msg)
		msg = "unknown error";
	size_t len = strcspn(msg, "\n");
	if (strncmp(msg, "ERROR:  ", 8) == 0) {
		msg += 8;
		len -= 8;
	}
	snprintf(dst, n, "%.*s", (int)len, msg);
}

static void set_err(struct store *s, const char *what, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	snprintf(s->sqlstate, sizeof s->sqlstate, "%s", state ? state : "");
	char msg[400];
	first_line(msg, sizeof msg, r ? PQresultErrorMessage(r) : PQerrorMessage(s->c));
	if (strcmp(s->sqlstate, "55P03") == 0 || strcmp(s->sqlstate, "40P01") == 0 ||
	    strcmp(s->sqlstate, "40001") == 0)
		store__seterr(s, "%s: the store stayed locked by another process for over %d s", what,
		              PGS_LOCK_TIMEOUT_S);
	else if (PQstatus(s->c) == CONNECTION_BAD)
		store__seterr(s, "%s: the connection to PostgreSQL was lost: %s", what, msg);
	else
		store__seterr(s, "%s: %s", what, msg);
}

int pgs_unique_violation(const struct store *s) { return strcmp(s->sqlstate, "23505") == 0; }
int pgs_fk_violation(const struct store *s) { return strcmp(s->sqlstate, "23503") == 0; }

/* ---- Parameters and values ---------------------------------------------------- */

void pgs_arg(struct pgs_args *a, const char *text)
{
	if (a->n < PGS_MAXARGS)
		a->v[a->n++] = text;
}

void pgs_argi(struct pgs_args *a, int64_t i)
{
	if (a->n >= PGS_MAXARGS)
		return;
	snprintf(a->num[a->n], sizeof a->num[a->n], "%" PRId64, i);
	a->v[a->n] = a->num[a->n];
	a->n++;
}

void pgs_arg_val(struct pgs_args *a, const struct val *v)
{
	if (v->type == V_INT)
		pgs_argi(a, v->i);
	else
		pgs_arg(a, v->type == V_TEXT ? v->t : NULL);
}

const char *pgs_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t pgs_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int pgs_null(const PGresult *r, int row, int col) { return PQgetisnull(r, row, col); }

/* ---- Statements ------------------------------------------------------------------ */

/* The connection's settings. Every commit waits for the disk (and for a
 * synchronous standby when the server has one) before a program answers,
 * whatever the server's default; a bulk tool may ask for less
 * (STORE_SYNC_NORMAL). Times are text in UTC; a lock is waited for as long
 * as SQLite's busy timeout. 0, or -1 with the connection's error. */
static int settings(struct store *s)
{
	char set[200];
	snprintf(set, sizeof set, "SET synchronous_commit = %s; SET lock_timeout = '%ds'; "
	         "SET TIME ZONE 'UTC'; SET client_min_messages = warning",
	         s->flags & STORE_SYNC_NORMAL ? "off" : "on", PGS_LOCK_TIMEOUT_S);
	PGresult *r = PQexec(s->c, set);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

static int in_txn(const struct store *s)
{
	return PQtransactionStatus(s->c) != PQTRANS_IDLE &&
	       PQtransactionStatus(s->c) != PQTRANS_UNKNOWN;
}

/* The name sql is prepared under on this connection, preparing it the first
 * time; NULL with the error set. */
static const char *prepared(struct store *s, const char *sql, char name[16], int nparams,
                            PGresult **fail)
{
	for (int i = 0; i < s->nprep; i++)
		if (s->prep[i] == sql) {
			snprintf(name, 16, "s%d", i);
			return name;
		}
	if (s->nprep >= PGS_NPREP)
		return NULL; /* the caller runs it unprepared */
	snprintf(name, 16, "s%d", s->nprep);
	PGresult *r = PQprepare(s->c, name, sql, nparams, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		*fail = r;
		return NULL;
	}
	PQclear(r);
	s->prep[s->nprep++] = sql;
	return name;
}

static PGresult *run(struct store *s, const char *what, const char *sql,
                     const struct pgs_args *a, int prepare)
{
	if (s->txn_lost) {
		store__seterr(s, "%s: the connection to PostgreSQL was lost with the transaction; "
		              "nothing of it was stored", what);
		return NULL;
	}
	int n = a ? a->n : 0;
	const char *const *v = a ? a->v : NULL;
	int was_in_txn = in_txn(s);
	for (int attempt = 0;; attempt++) {
		PGresult *r = NULL, *fail = NULL;
		char name[16];
		const char *pn = prepare ? prepared(s, sql, name, n, &fail) : NULL;
		if (fail)
			r = fail;
		else if (pn)
			r = PQexecPrepared(s->c, pn, n, v, NULL, NULL, 0);
		else
			r = PQexecParams(s->c, sql, n, NULL, v, NULL, NULL, 0);
		ExecStatusType st = PQresultStatus(r);
		if (!fail && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)) {
			s->sqlstate[0] = '\0';
			return r;
		}
		set_err(s, what, r);
		PQclear(r);
		if (PQstatus(s->c) != CONNECTION_BAD || attempt > 0)
			return NULL;
		/* A server restarted, a connection cut: connect again. Outside a
		 * transaction nothing was lost, and the statement is tried once
		 * more (the daemons reconnect by themselves); inside one, the
		 * transaction is gone: every statement fails until the caller
		 * rolls back, so that none runs outside it. */
		PQreset(s->c);
		s->nprep = 0;
		if (PQstatus(s->c) == CONNECTION_OK)
			settings(s);
		if (was_in_txn || strcmp(sql, "COMMIT") == 0) {
			s->txn_lost = 1;
			return NULL;
		}
		if (PQstatus(s->c) != CONNECTION_OK)
			return NULL;
	}
}

PGresult *pgs_q(struct store *s, const char *what, const char *sql, const struct pgs_args *a)
{
	return run(s, what, sql, a, 1);
}

PGresult *pgs_q1(struct store *s, const char *what, const char *sql, const struct pgs_args *a)
{
	return run(s, what, sql, a, 0);
}

int pgs_exec(struct store *s, const char *what, const char *sql, const struct pgs_args *a,
             long long *changed)
{
	PGresult *r = run(s, what, sql, a, 1);
	if (!r)
		return STORE_ERR;
	if (changed)
		*changed = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return STORE_OK;
}

int pgs_script(struct store *s, const char *what, const char *sql)
{
	PGresult *r = PQexec(s->c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		set_err(s, what, r);
	PQclear(r);
	return ok ? STORE_OK : STORE_ERR;
}

/* ---- Transactions ------------------------------------------------------------- */

int pgs_txn_open(const struct store *s) { return in_txn(s) && !s->txn_lost; }

/* The transaction and the write lock: BEGIN, then the store's advisory lock,
 * held until commit or rollback; another writer that holds it makes this one
 * wait (lock_timeout, then EAGAIN's sentence). */
int pgs_begin_immediate(struct store *s)
{
	if (in_txn(s)) {
		store__seterr(s, "a transaction is already open");
		return STORE_ERR;
	}
	s->txn_lost = 0;
	if (pgs_exec(s, "beginning a transaction", "BEGIN", NULL, NULL))
		return STORE_ERR;
	if (pgs_exec(s, "beginning a transaction", "SELECT pg_advisory_xact_lock(" PGS_LOCK_WRITE ")",
	             NULL, NULL) == STORE_OK)
		return STORE_OK;
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	pgs_rollback(s);
	memcpy(s->h.errbuf, keep, sizeof keep);
	return STORE_ERR;
}

int pgs_commit(struct store *s)
{
	if (s->txn_lost) {
		s->txn_lost = 0;
		store__seterr(s, "committing: the connection to PostgreSQL was lost with the "
		              "transaction; nothing of it was stored");
		return STORE_ERR;
	}
	PGresult *r = pgs_q(s, "committing", "COMMIT", NULL);
	if (!r)
		goto fail;
	/* COMMIT of a transaction a failed statement spoiled answers ROLLBACK. */
	int rolled = strcmp(PQcmdStatus(r), "ROLLBACK") == 0;
	PQclear(r);
	if (!rolled)
		return STORE_OK;
	store__seterr(s, "committing: a statement had failed, so the transaction was rolled back");
fail:
	if (in_txn(s)) {
		char keep[sizeof s->h.errbuf];
		memcpy(keep, s->h.errbuf, sizeof keep);
		pgs_rollback(s);
		memcpy(s->h.errbuf, keep, sizeof keep);
	}
	return STORE_ERR;
}

int pgs_rollback(struct store *s)
{
	s->txn_lost = 0;
	if (!in_txn(s))
		return STORE_OK;
	return pgs_exec(s, "rolling back", "ROLLBACK", NULL, NULL);
}

int pgs_savepoint(struct store *s)
{
	if (!pgs_txn_open(s)) {
		store__seterr(s, "a savepoint needs an open transaction");
		return STORE_ERR;
	}
	return pgs_exec(s, "savepoint", "SAVEPOINT store_job", NULL, NULL);
}

int pgs_savepoint_release(struct store *s)
{
	return pgs_exec(s, "releasing a savepoint", "RELEASE store_job", NULL, NULL);
}

int pgs_savepoint_rollback(struct store *s)
{
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	int rc = STORE_OK;
	if (pgs_txn_open(s) &&
	    (pgs_exec(s, "rolling back a savepoint", "ROLLBACK TO store_job", NULL, NULL) ||
	     pgs_exec(s, "releasing a savepoint", "RELEASE store_job", NULL, NULL)))
		rc = STORE_ERR;
	memcpy(s->h.errbuf, keep, sizeof keep);
	return rc;
}

int pgs_op_begin(struct store *s, int *own)
{
	*own = !in_txn(s);
	if (*own)
		return pgs_exec(s, "beginning a transaction", "BEGIN", NULL, NULL);
	return pgs_exec(s, "savepoint", "SAVEPOINT store_op", NULL, NULL);
}

int pgs_op_end(struct store *s, int own, int rc)
{
	if (rc >= 0) {
		if (own ? pgs_commit(s)
		        : pgs_exec(s, "releasing a savepoint", "RELEASE store_op", NULL, NULL))
			return STORE_ERR;
		return rc;
	}
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	if (own) {
		pgs_rollback(s);
	} else if (in_txn(s)) {
		pgs_exec(s, "rolling back a savepoint", "ROLLBACK TO store_op", NULL, NULL);
		pgs_exec(s, "releasing a savepoint", "RELEASE store_op", NULL, NULL);
	}
	memcpy(s->h.errbuf, keep, sizeof keep);
	return rc;
}

/* The rules' version: a counter the schema's trigger bumps, in the same
 * transaction, whenever a rule is added, changed, enabled, disabled or
 * removed (not when it fires: its counts are no part of what a cache keeps).
 * On PostgreSQL that is what the number follows (store.h): the one cache
 * keyed on it holds the rules. */
int pgs_others_version(struct store *s, long long *v)
{
	PGresult *r = pgs_q(s, "reading the data version", "SELECT n FROM smskit_version", NULL);
	if (!r)
		return STORE_ERR;
	*v = PQntuples(r) == 1 ? pgs_int(r, 0, 0) : 0;
	PQclear(r);
	return STORE_OK;
}

/* Waiting: LISTEN on the channel the schema's trigger notifies when messages
 * are inserted (store.h, store_watch_fd). */
int pgs_watch_fd(struct store *s)
{
	if (!s->listening) {
		if (pgs_exec(s, "listening for new messages", "LISTEN smskit_messages", NULL, NULL))
			return -1;
		s->listening = 1;
	}
	return PQsocket(s->c);
}

int pgs_watch_drain(struct store *s)
{
	if (!s->listening)
		return 0;
	if (!PQconsumeInput(s->c)) {
		store__seterr(s, "listening for new messages: %s", PQerrorMessage(s->c));
		return STORE_ERR;
	}
	int hit = 0;
	PGnotify *n;
	while ((n = PQnotifies(s->c)) != NULL) {
		hit = 1;
		PQfreemem(n);
	}
	return hit;
}

/* ---- Opening ------------------------------------------------------------------ */

/* A server that is down, starting or restarting: try again later (75). */
static int temporary(const char *msg)
{
	static const char *const words[] = {
		"Connection refused", "No such file or directory", "starting up", "shutting down",
		"in recovery mode", "timeout expired", "too many clients", NULL,
	};
	for (int i = 0; words[i]; i++)
		if (strstr(msg, words[i]))
			return 1;
	return 0;
}

static void discard_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* The schema: created in one transaction under the schema lock when the
 * database has no smskit tables (a concurrent opener waits, then finds it);
 * else the version the store records, checked. 0, or -1 with err set. */
static int schema(struct store *s, char *err, size_t errlen)
{
	const char *uri = s->h.path;
	if (pgs_exec(s, "creating the schema", "BEGIN", NULL, NULL) ||
	    pgs_exec(s, "creating the schema", "SELECT pg_advisory_xact_lock(" PGS_LOCK_SCHEMA ")",
	             NULL, NULL))
		goto dberr;
	PGresult *r = pgs_q1(s, "reading the schema version",
	                     "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = "
	                     "current_schema()), to_regclass('smskit_meta') IS NOT NULL",
	                     NULL);
	if (!r)
		goto dberr;
	long long ntables = pgs_int(r, 0, 0);
	int meta = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	if (!meta && ntables > 0) {
		pgs_rollback(s);
		snprintf(err, errlen, "%s: the database holds %lld tables and no smskit store; "
		         "not an smskit store (name an empty database, or one smskit made)",
		         uri, ntables);
		return -1;
	}
	if (!meta) {
		if (pgs_script(s, "creating the schema", pgs_schema) || pgs_commit(s))
			goto dberr;
		s->h.version = STORE_SCHEMA_VERSION;
		return 0;
	}
	r = pgs_q1(s, "reading the schema version",
	           "SELECT value FROM smskit_meta WHERE key = 'schema_version'", NULL);
	if (!r)
		goto dberr;
	s->h.version = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	pgs_rollback(s);
	if (s->h.version > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is newer than this smskit knows (%d); "
		         "upgrade smskit", uri, s->h.version, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (s->h.version < STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d; not an smskit store", uri,
		         s->h.version);
		return -1;
	}
	return 0;
dberr:
	snprintf(err, errlen, "%s: %s", uri, s->h.errbuf);
	pgs_rollback(s);
	return -1;
}

struct store *pgs_open(const char *uri, unsigned flags, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	if (config_uri_has_password(uri)) {
		snprintf(err, errlen, "SMS_DB: the PostgreSQL URI holds a password, which would show "
		         "wherever the store is named (logs, listings); put it in ~/.pgpass, a "
		         "service file or PGPASSWORD instead (sms-config(5))");
		errno = EINVAL;
		return NULL;
	}
	char why[256];
	if (pgs_pq_load(why, sizeof why)) {
		snprintf(err, errlen, "%s: %s", uri, why);
		errno = EINVAL;
		return NULL;
	}
	struct store *s = xcalloc(1, sizeof *s);
	s->h.ops = &store__pgs_ops;
	s->h.path = xstrdup(uri);
	s->flags = flags;
	const char *const keys[] = {"dbname", "fallback_application_name", NULL};
	const char *const vals[] = {uri, "smskit", NULL};
	s->c = PQconnectdbParams(keys, vals, 1);
	if (!s->c || PQstatus(s->c) != CONNECTION_OK) {
		char msg[400];
		first_line(msg, sizeof msg, s->c ? PQerrorMessage(s->c) : "out of memory");
		snprintf(err, errlen, "%s: cannot connect to PostgreSQL: %s", uri, msg);
		errno = temporary(msg) ? EAGAIN : EINVAL;
		pgs_close(s);
		return NULL;
	}
	PQsetNoticeProcessor(s->c, discard_notice, NULL);
	int ok = settings(s) == 0;
	if (!ok) {
		char msg[400];
		first_line(msg, sizeof msg, PQerrorMessage(s->c));
		snprintf(err, errlen, "%s: %s", uri, msg);
		errno = EINVAL;
		pgs_close(s);
		return NULL;
	}
	if (schema(s, err, errlen)) {
		errno = strstr(err, "locked by another") ? EAGAIN : EINVAL;
		pgs_close(s);
		return NULL;
	}
	return s;
}

void pgs_close(struct store *s)
{
	if (!s)
		return;
	if (s->c)
		PQfinish(s->c);
	free(s->h.path);
	free(s);
}

/* ---- The PostgreSQL backend's table (store_backend.h) ---------------------------- */

#define STORE_OPS_PGS(ret, name, params, args) .name = pgs_##name,
const struct store_ops store__pgs_ops = {
	.close = pgs_close,
	STORE_FNS(STORE_OPS_PGS)
};
