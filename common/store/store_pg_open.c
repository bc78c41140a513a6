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

/* Inside a transaction on the server (whatever is held back). */
static int server_in_txn(const struct store *s)
{
	return PQtransactionStatus(s->c) != PQTRANS_IDLE &&
	       PQtransactionStatus(s->c) != PQTRANS_UNKNOWN;
}

static const char SQL_BEGIN[] = "BEGIN";

/* Inside a transaction, counting a writer's BEGIN held back. */
static int in_txn(const struct store *s)
{
	return server_in_txn(s) || (s->npend > 0 && s->pend[0] == SQL_BEGIN);
}

/* The index sql is prepared under on this connection, or -1. */
static int prep_index(const struct store *s, const char *sql)
{
	for (int i = 0; i < s->nprep; i++)
		if (s->prep[i] == sql)
			return i;
	return -1;
}

/* The name sql is prepared under on this connection, preparing it the first
 * time; NULL with the error set. */
static const char *prepared(struct store *s, const char *sql, char name[16], int nparams,
                            PGresult **fail)
{
	int i = prep_index(s, sql);
	if (i >= 0) {
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

/* Queues sql on a connection in pipeline mode, prepared (the first time: its
 * Parse queued first, and *fresh set to its index, which becomes its
 * prepared name when the Parse succeeds) or, with no room left for it,
 * unprepared. 1 when queued, 0 when libpq refused. */
static int send_one(struct store *s, const char *sql, const struct pgs_args *a, int prepare,
                    int *fresh, int *nsent)
{
	int n = a ? a->n : 0;
	const char *const *v = a ? a->v : NULL;
	char name[16];
	int i = prepare ? prep_index(s, sql) : -1;
	*fresh = -1;
	if (prepare && i < 0 && s->nprep < PGS_NPREP) {
		i = s->nprep;
		snprintf(name, sizeof name, "s%d", i);
		if (!PQsendPrepare(s->c, name, sql, n, NULL))
			return 0;
		/* Taken now, so that a later statement of the same round trip
		 * is not given the same name; confirmed or given back below. */
		s->prep[s->nprep++] = sql;
		*fresh = i;
		(*nsent)++;
	}
	(*nsent)++;
	if (i < 0)
		return PQsendQueryParams(s->c, sql, n, NULL, v, NULL, NULL, 0);
	snprintf(name, sizeof name, "s%d", i);
	return PQsendQueryPrepared(s->c, name, n, v, NULL, NULL, 0);
}

/* The held-back statements, then sql (NULL: none), in one round trip
 * (pipeline mode), each prepared once per connection as pgs_q's are: the
 * Parse of one not yet prepared goes just before it (after a ROLLBACK TO
 * held back: nothing, a Parse included, runs in a spoiled transaction).
 * Returns the last statement's result, or the first failure's (NULL: the
 * connection's error); *failed set when that is a failure. */
static PGresult *pipeline(struct store *s, const char *sql, const struct pgs_args *a,
                          int prepare, int *failed)
{
	*failed = 1;
	if (!PQenterPipelineMode(s->c))
		return NULL; /* set_err reads the connection's error */
	/* Each statement sent: the result index of its Parse when it is being
	 * prepared (-1 when not), and its index in s->prep. */
	int parse_at[PGS_NPEND + 1], fresh[PGS_NPEND + 1];
	int nstmt = 0, nsent = 0, sent = 1;
	int base = s->nprep;
	for (int i = 0; i <= s->npend && sent; i++) {
		const char *q = i < s->npend ? s->pend[i] : sql;
		if (!q)
			break;
		int before = nsent;
		sent = send_one(s, q, i < s->npend ? NULL : a, i < s->npend ? 1 : prepare,
		                &fresh[nstmt], &nsent);
		parse_at[nstmt] = fresh[nstmt] >= 0 ? before : -1;
		nstmt++;
	}
	if (sent)
		sent = PQpipelineSync(s->c);
	PGresult *fail = NULL, *last = NULL;
	int prep_ok[PGS_NPEND + 1] = {0};
	for (int k = 0; sent && k < nsent; k++) {
		PGresult *r = PQgetResult(s->c);
		if (!r)
			break; /* the connection is gone */
		for (PGresult *more; (more = PQgetResult(s->c)) != NULL;)
			PQclear(more);
		ExecStatusType st = PQresultStatus(r);
		int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
		for (int j = 0; j < nstmt; j++)
			if (parse_at[j] == k)
				prep_ok[j] = ok;
		if (!ok && !fail && st != PGRES_PIPELINE_ABORTED) {
			fail = r;
			continue;
		}
		if (k == nsent - 1 && ok && !fail) {
			last = r;
			continue;
		}
		PQclear(r);
	}
	if (sent) { /* the Sync's answer */
		PGresult *r;
		while ((r = PQgetResult(s->c)) != NULL) {
			int sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
			PQclear(r);
			if (sync)
				break;
		}
	}
	PQexitPipelineMode(s->c);
	/* The names given this time stay only up to the first Parse that
	 * failed (they were given in order, and after a failure the pipeline
	 * runs nothing more). */
	for (int j = 0; j < nstmt; j++)
		if (fresh[j] >= 0 && !prep_ok[j]) {
			s->nprep = fresh[j] < base ? base : fresh[j];
			break;
		}
	if (fail || !last || !sent) {
		PQclear(last);
		return fail;
	}
	*failed = 0;
	return last;
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
	int was_in_txn = server_in_txn(s);
	if (!was_in_txn)
		s->ver_valid = 0; /* a transaction has ended since it was read */
	for (int attempt = 0;; attempt++) {
		PGresult *r = NULL, *fail = NULL;
		int failed = 0;
		if (s->npend > 0 || (prepare && sql && prep_index(s, sql) < 0)) {
			r = pipeline(s, sql, a, prepare, &failed);
		} else {
			char name[16];
			const char *pn = prepare ? prepared(s, sql, name, n, &fail) : NULL;
			if (fail)
				r = fail;
			else if (pn)
				r = PQexecPrepared(s->c, pn, n, v, NULL, NULL, 0);
			else
				r = PQexecParams(s->c, sql, n, NULL, v, NULL, NULL, 0);
			ExecStatusType st = PQresultStatus(r);
			failed = fail || !(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK);
		}
		if (!failed) {
			s->npend = 0;
			s->sqlstate[0] = '\0';
			if (!server_in_txn(s))
				s->ver_valid = 0;
			return r;
		}
		s->ver_valid = 0;
		set_err(s, what, r);
		PQclear(r);
		if (PQstatus(s->c) != CONNECTION_BAD || attempt > 0) {
			s->npend = 0; /* sent: run, or skipped with the transaction spoiled */
			return NULL;
		}
		/* A server restarted, a connection cut: connect again. Outside a
		 * transaction nothing was lost, and the statement is tried once
		 * more, with a writer's BEGIN held back (the daemons reconnect by
		 * themselves); inside one, the transaction is gone: every
		 * statement fails until the caller rolls back, so that none runs
		 * outside it. */
		if (PQpipelineStatus(s->c) != PQ_PIPELINE_OFF)
			PQexitPipelineMode(s->c);
		PQreset(s->c);
		s->nprep = 0;
		s->listening = 0; /* a new session: store_watch_fd LISTENs again */
		if (was_in_txn || (sql && strcmp(sql, "COMMIT") == 0)) {
			s->npend = 0;
			s->txn_lost = 1;
			return NULL;
		}
		if (PQstatus(s->c) != CONNECTION_OK) {
			s->npend = 0;
			return NULL;
		}
	}
}

/* Holds sql back for the next round trip; sends what is held first when
 * there is no room. */
static int hold(struct store *s, const char *what, const char *sql)
{
	if (s->npend == PGS_NPEND && pgs_flush(s))
		return STORE_ERR;
	(void)what;
	s->pend[s->npend++] = sql;
	return STORE_OK;
}

/* 1 when the last statement held back is sql (nothing was sent since). */
static int held_last(const struct store *s, const char *sql)
{
	return s->npend > 0 && s->pend[s->npend - 1] == sql;
}

int pgs_flush(struct store *s)
{
	if (s->npend == 0)
		return STORE_OK;
	PGresult *r = run(s, "sending statements", NULL, NULL, 0);
	PQclear(r);
	return r ? STORE_OK : STORE_ERR;
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
	if (pgs_flush(s))
		return STORE_ERR;
	s->ver_valid = 0;
	PGresult *r = PQexec(s->c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		set_err(s, what, r);
	PQclear(r);
	return ok ? STORE_OK : STORE_ERR;
}

/* ---- Transactions ------------------------------------------------------------- */

int pgs_txn_open(const struct store *s) { return in_txn(s) && !s->txn_lost; }

static const char SQL_SAVEPOINT_OP[] = "SAVEPOINT store_op";
static const char SQL_RELEASE_OP[] = "RELEASE store_op";
static const char SQL_ROLLBACK_OP[] = "ROLLBACK TO store_op";
static const char SQL_SAVEPOINT_JOB[] = "SAVEPOINT store_job";
static const char SQL_RELEASE_JOB[] = "RELEASE store_job";
static const char SQL_ROLLBACK_JOB[] = "ROLLBACK TO store_job";

/* The transaction and the write lock: BEGIN, then the store's advisory lock,
 * held until commit or rollback; another writer that holds it makes this one
 * wait (lock_timeout, then EAGAIN's sentence). Both in one round trip, and
 * both answered before this returns. */
int pgs_begin_immediate(struct store *s)
{
	if (in_txn(s)) {
		store__seterr(s, "a transaction is already open");
		return STORE_ERR;
	}
	s->txn_lost = 0;
	if (hold(s, "beginning a transaction", SQL_BEGIN))
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
		s->npend = 0;
		store__seterr(s, "committing: the connection to PostgreSQL was lost with the "
		              "transaction; nothing of it was stored");
		return STORE_ERR;
	}
	if (!server_in_txn(s) && held_last(s, SQL_BEGIN) && s->npend == 1) {
		s->npend = 0; /* a writer that ran no statement: nothing to commit */
		return STORE_OK;
	}
	/* What is held back goes with the COMMIT: a ROLLBACK TO among it that
	 * failed leaves the COMMIT unrun (pipeline), and the transaction is
	 * rolled back below. */
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
	/* What is held back (a BEGIN nothing followed, savepoints) goes with
	 * the transaction. */
	s->npend = 0;
	if (!server_in_txn(s))
		return STORE_OK;
	return pgs_exec(s, "rolling back", "ROLLBACK", NULL, NULL);
}

/* A savepoint begun (held back for the next statement); ended: when nothing
 * was sent since it began, it is forgotten unsent, else the RELEASE (after
 * ROLLBACK TO when failed) is held back in turn. Only a lost connection
 * makes SAVEPOINT or RELEASE fail, and then the next statement, or the
 * COMMIT they go with, fails: nothing is acknowledged that was not stored. */
static int sp_end(struct store *s, const char *begin, const char *rollback, const char *release,
                  int failed)
{
	if (held_last(s, begin)) {
		s->npend--;
		return STORE_OK;
	}
	if (failed && hold(s, "rolling back a savepoint", rollback))
		return STORE_ERR;
	return hold(s, "releasing a savepoint", release);
}

int pgs_savepoint(struct store *s)
{
	if (!pgs_txn_open(s)) {
		store__seterr(s, "a savepoint needs an open transaction");
		return STORE_ERR;
	}
	return hold(s, "savepoint", SQL_SAVEPOINT_JOB);
}

int pgs_savepoint_release(struct store *s)
{
	return sp_end(s, SQL_SAVEPOINT_JOB, SQL_ROLLBACK_JOB, SQL_RELEASE_JOB, 0);
}

int pgs_savepoint_rollback(struct store *s)
{
	if (!pgs_txn_open(s))
		return STORE_OK;
	char keep[sizeof s->h.errbuf]; /* the failure's, which the caller reports */
	memcpy(keep, s->h.errbuf, sizeof keep);
	int rc = sp_end(s, SQL_SAVEPOINT_JOB, SQL_ROLLBACK_JOB, SQL_RELEASE_JOB, 1);
	memcpy(s->h.errbuf, keep, sizeof keep);
	return rc;
}

/* A writer's own transaction or savepoint, held back until its first
 * statement (which it then costs no round trip of its own). */
int pgs_op_begin(struct store *s, int *own)
{
	*own = !in_txn(s);
	if (*own)
		return hold(s, "beginning a transaction", SQL_BEGIN);
	return hold(s, "savepoint", SQL_SAVEPOINT_OP);
}

int pgs_op_end(struct store *s, int own, int rc)
{
	if (rc >= 0) {
		if (own ? pgs_commit(s) : sp_end(s, SQL_SAVEPOINT_OP, SQL_ROLLBACK_OP, SQL_RELEASE_OP, 0))
			return STORE_ERR;
		return rc;
	}
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	if (own)
		pgs_rollback(s);
	else if (in_txn(s))
		sp_end(s, SQL_SAVEPOINT_OP, SQL_ROLLBACK_OP, SQL_RELEASE_OP, 1);
	memcpy(s->h.errbuf, keep, sizeof keep);
	return rc;
}

/* The rules' version: a counter the schema's trigger bumps, in the same
 * transaction, whenever a rule is added, changed, enabled, disabled or
 * removed (not when it fires: its counts are no part of what a cache keeps).
 * On PostgreSQL that is what the number follows (store.h): the one cache
 * keyed on it holds the rules. Read once per transaction: the group commit
 * asks for it at every message, and a change another connection commits
 * while the transaction runs is one committed after the messages it holds
 * arrived (they were queued before it began); the connection's own writes
 * leave the number as it was, as store.h says. */
int pgs_others_version(struct store *s, long long *v)
{
	if (s->ver_valid && server_in_txn(s) && !s->txn_lost) {
		*v = s->ver;
		return STORE_OK;
	}
	PGresult *r = pgs_q(s, "reading the data version", "SELECT n FROM smskit_version", NULL);
	if (!r)
		return STORE_ERR;
	*v = PQntuples(r) == 1 ? pgs_int(r, 0, 0) : 0;
	PQclear(r);
	s->ver = *v;
	s->ver_valid = server_in_txn(s);
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
	/* The common case in one round trip: a store of this version. */
	PGresult *fast = PQexec(s->c, "SELECT value FROM smskit_meta WHERE key = 'schema_version'");
	if (PQresultStatus(fast) == PGRES_TUPLES_OK && PQntuples(fast) == 1 &&
	    atoi(PQgetvalue(fast, 0, 0)) == STORE_SCHEMA_VERSION) {
		PQclear(fast);
		s->h.version = STORE_SCHEMA_VERSION;
		return 0;
	}
	PQclear(fast);
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
	/* The connection's settings, in its start-up packet (no round trip; a
	 * reset connection keeps them). Every commit waits for the disk (and
	 * for a synchronous standby when the server has one) before a program
	 * answers, whatever the server's default; a bulk tool may ask for less
	 * (STORE_SYNC_NORMAL). Times are text in UTC; a lock is waited for as
	 * long as SQLite's busy timeout. */
	char opts[200];
	snprintf(opts, sizeof opts, "-c synchronous_commit=%s -c lock_timeout=%ds -c TimeZone=UTC "
	         "-c client_min_messages=warning", flags & STORE_SYNC_NORMAL ? "off" : "on",
	         PGS_LOCK_TIMEOUT_S);
	const char *const keys[] = {"dbname", "fallback_application_name", "options", NULL};
	const char *const vals[] = {uri, "smskit", opts, NULL};
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
