/* store_pg_migrate — sms-store migrate (store_maint.h, store_migrate_from):
 * a SQLite store copied into a PostgreSQL one. A PostgreSQL-only operation:
 * it reads the source with SQLite's own API (opened first by lite_open, which
 * brings an older store up to date and refuses a newer one), and writes with
 * COPY ... FROM STDIN, the fastest way rows go into PostgreSQL.
 *
 * A table still empty is COPYed into directly, its indexes and foreign keys
 * dropped before and made again after (take_apart). One that holds rows (a
 * second run, a store already in use) goes through a temporary table: COPY
 * into it, then INSERT ... SELECT ... ON CONFLICT DO NOTHING into the real
 * one (COPY itself cannot skip a row already there), so that a second run
 * adds nothing; the temporary table then counts the source's ids found in
 * the destination.
 * Everything happens in one transaction holding the store's write lock, the
 * sequences moved past the greatest ids at its end: a failure anywhere
 * leaves nothing behind. */
#include "store_pg.h"
#include "store_maint.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

const char *const store_migrate_tables[STORE_MIG_TABLES] = {
	"messages", "events", "optouts", "consents", "templates", "autoresponders", "kv",
};

/* What is copied of each table: every stored column (not the generated
 * ones, priority_rank and channel, which PostgreSQL computes), the same names
 * on both backends at schema version STORE_SCHEMA_VERSION; the column that
 * identifies a row; whether it has an identity sequence. Names are quoted:
 * some ("trigger", "match", "after") are words of SQL. */
struct mig_table {
	const char *cols;
	const char *key;
	int         seq;
};

static const struct mig_table tables[STORE_MIG_TABLES] = {
	[STORE_MIG_MESSAGES] = {
		"\"id\", \"direction\", \"status\", \"to_number\", \"from_number\", \"body\", "
		"\"media\", \"encoding\", \"segments\", \"price_estimate\", \"price\", \"currency\", "
		"\"provider\", \"provider_id\", \"priority\", \"notes\", \"ref\", \"reply_to\", "
		"\"read\", \"replied\", \"created_at\", \"updated_at\", \"send_at\", \"sent_at\", "
		"\"delivered_at\", \"reviewed_by\", \"reviewed_at\", \"review_reason\", \"reason\", "
		"\"error_code\", \"error_message\", \"error_retryable\", \"provider_code\", "
		"\"warnings\", \"claimed_by\", \"claimed_at\", \"requested_at\", \"content_sid\", "
		"\"content_variables\", \"profile_name\", \"wa_id\", \"button_payload\", "
		"\"button_text\", \"latitude\", \"longitude\", \"read_at\", \"purpose\", \"tag\", "
		"\"state\"",
		"id", 1},
	[STORE_MIG_EVENTS] = {
		"\"id\", \"message_id\", \"at\", \"kind\", \"status\", \"detail\"", "id", 1},
	[STORE_MIG_OPTOUTS] = {"\"number\", \"at\", \"source\"", "number", 0},
	[STORE_MIG_CONSENTS] = {
		"\"id\", \"number\", \"at\", \"kind\", \"source\", \"evidence\", \"recorded_at\"",
		"id", 1},
	[STORE_MIG_TEMPLATES] = {
		"\"id\", \"name\", \"body\", \"created_at\", \"updated_at\", \"content_sid\", "
		"\"template_category\"",
		"id", 1},
	[STORE_MIG_AUTORESPONDERS] = {
		"\"id\", \"trigger\", \"response\", \"enabled\", \"active_hours\", \"created_at\", "
		"\"last_triggered_at\", \"trigger_count\", \"name\", \"after\", \"within\", "
		"\"match\", \"ends\"",
		"id", 1},
	[STORE_MIG_KV] = {"\"key\", \"value\", \"updated_at\"", "key", 0},
};

/* COPY's data goes out in pieces of about this many bytes. */
#define MIG_CHUNK (1 << 20)

struct mig {
	struct store          *s;
	sqlite3               *src;
	const char            *path;
	store_progress_fn      fn;
	void                  *arg;
	long long              done, total;
	struct store_migrated *out;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* PostgreSQL's message (of r, else of the connection), its first line,
 * without "ERROR:  "; and its SQLSTATE, as pgs_q keeps it. */
static void pg_err(struct store *s, const char *what, const PGresult *r)
{
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(s->c);
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	snprintf(s->sqlstate, sizeof s->sqlstate, "%s", state ? state : "");
	if (!msg || !*msg)
		msg = "unknown error";
	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	store__seterr(s, "%s: %.*s", what, (int)strcspn(msg, "\n"), msg);
}

/* ---- The source ---------------------------------------------------------------- */

/* The schema version of a SQLite file as it is (before lite_open brings it
 * forward); -1 when it cannot be read (lite_open then says why). */
static int file_version(const char *path)
{
	sqlite3 *db = NULL;
	int v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/* The source checked and opened read-only, inside a read transaction (one
 * snapshot for every table). STORE_OK, or STORE_REFUSED with why. */
static int open_source(struct mig *m)
{
	struct store *s = m->s;
	struct stat sb;
	if (store_is_pg(m->path)) {
		m->out->refused = STORE_MIG_BAD_SOURCE;
		store__seterr(s, "%s: the source is a PostgreSQL URI; migrate copies a SQLite store "
		              "file into the PostgreSQL store SMS_DB names", m->path);
		return STORE_REFUSED;
	}
	if (stat(m->path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		m->out->refused = STORE_MIG_NO_SOURCE;
		store__seterr(s, "%s: %s", m->path,
		              stat(m->path, &sb) != 0 ? "no such file (the SQLite store to copy)"
		                                      : "not a file (the SQLite store to copy)");
		return STORE_REFUSED;
	}
	m->out->source_version = file_version(m->path);
	/* Opened as every program opens a store: an older schema is brought up
	 * to date, a newer one (or a file that is no smskit store) refused with
	 * lite_open's sentence. */
	char err[512];
	struct store *lite = lite_open(m->path, 0, err, sizeof err);
	if (!lite) {
		m->out->refused = STORE_MIG_BAD_SOURCE;
		store__seterr(s, "%s", err);
		return STORE_REFUSED;
	}
	int version = store__head(lite)->version;
	lite_close(lite);
	if (version != STORE_SCHEMA_VERSION) {
		m->out->refused = STORE_MIG_BAD_SOURCE;
		store__seterr(s, "%s: schema version %d, not this build's (%d)", m->path, version,
		              STORE_SCHEMA_VERSION);
		return STORE_REFUSED;
	}
	if (sqlite3_open_v2(m->path, &m->src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(m->src, PGS_LOCK_TIMEOUT_S * 1000) != SQLITE_OK ||
	    sqlite3_exec(m->src, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		store__seterr(s, "%s: cannot read: %s", m->path,
		              m->src ? sqlite3_errmsg(m->src) : "out of memory");
		return STORE_ERR;
	}
	/* The counts start the read transaction: every table is read from the
	 * snapshot they see. */
	for (int t = 0; t < STORE_MIG_TABLES; t++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", store_migrate_tables[t]);
		sqlite3_stmt *st = NULL;
		int ok = sqlite3_prepare_v2(m->src, sql, -1, &st, NULL) == SQLITE_OK &&
		         sqlite3_step(st) == SQLITE_ROW;
		if (ok)
			m->out->source[t] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (!ok) {
			store__seterr(s, "%s: reading %s: %s", m->path, store_migrate_tables[t],
			              sqlite3_errmsg(m->src));
			return STORE_ERR;
		}
		m->total += m->out->source[t];
	}
	m->out->counted = 1;
	return STORE_OK;
}

/* ---- COPY -------------------------------------------------------------------------- */

/* A value in COPY's text form: \N for NULL, and the four characters that
 * would end a column or a row escaped. */
static void put_value(struct strbuf *b, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		strbuf_add(b, "\\N", 2);
		return;
	}
	const unsigned char *v = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	int from = 0;
	for (int i = 0; i < n; i++) {
		const char *esc = v[i] == '\\' ? "\\\\" : v[i] == '\t' ? "\\t" : v[i] == '\n' ? "\\n"
		                : v[i] == '\r' ? "\\r" : NULL;
		if (!esc)
			continue;
		strbuf_add(b, (const char *)v + from, (size_t)(i - from));
		strbuf_add(b, esc, 2);
		from = i + 1;
	}
	strbuf_add(b, (const char *)v + from, (size_t)(n - from));
}

static int send_chunk(struct mig *m, struct strbuf *b)
{
	if (b->len == 0)
		return 0;
	int rc = PQputCopyData(m->s->c, b->s, (int)b->len);
	b->len = 0;
		return rc == 1 ? 0 : -1;
}

/* The source's rows of table t, in id order, COPYed into `into`. STORE_OK
 * with *rows, or STORE_ERR (the transaction is then spoiled: the caller
 * rolls back). */
static int copy_rows(struct mig *m, int t, const char *into, long long *rows)
{
	struct store *s = m->s;
	const char *name = store_migrate_tables[t];
	char what[96];
	snprintf(what, sizeof what, "copying %s", name);
	struct strbuf sql;
	strbuf_init(&sql);
	strbuf_printf(&sql, "COPY %s (%s) FROM STDIN", into, tables[t].cols);
	PGresult *r = PQexec(s->c, sql.s);
	int ok = PQresultStatus(r) == PGRES_COPY_IN;
	if (!ok)
		pg_err(s, what, r);
	PQclear(r);
	if (!ok) {
		strbuf_free(&sql);
		return STORE_ERR;
	}

	/* Read in the order of the key: ids ascending, as they were made. */
	sql.len = 0;
	strbuf_printf(&sql, "SELECT %s FROM \"%s\" ORDER BY \"%s\"", tables[t].cols, name,
	              tables[t].key);
	sqlite3_stmt *st = NULL;
	const char *fail = NULL;
	struct strbuf b;
	strbuf_init(&b);
	if (sqlite3_prepare_v2(m->src, sql.s, -1, &st, NULL) != SQLITE_OK)
		fail = sqlite3_errmsg(m->src);
	int ncol = st ? sqlite3_column_count(st) : 0;
	int step = SQLITE_DONE, lost = 0;
	while (!fail && (step = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < ncol; c++) {
			if (c)
				strbuf_add(&b, "\t", 1);
			put_value(&b, st, c);
		}
		strbuf_add(&b, "\n", 1);
		if (b.len >= MIG_CHUNK && send_chunk(m, &b)) {
			lost = 1;
			break;
		}
		m->done++;
		if (m->fn && m->done % 4096 == 0)
			m->fn(m->done, m->total, m->arg);
	}
	if (!fail && step != SQLITE_DONE && step != SQLITE_ROW)
		fail = sqlite3_errmsg(m->src);
	char srcerr[300] = "";
	if (fail)
		snprintf(srcerr, sizeof srcerr, "%s: reading %s: %s", m->path, name, fail);
	sqlite3_finalize(st);
	strbuf_free(&sql);

	/* A failure on either side ends the COPY: with a message, PostgreSQL
	 * throws away what it got. */
	int sent = !srcerr[0] && !lost && send_chunk(m, &b) == 0;
	strbuf_free(&b);
	PQputCopyEnd(s->c, sent ? NULL : srcerr[0] ? srcerr : "the data could not be sent");
	int rc = STORE_OK;
	while ((r = PQgetResult(s->c)) != NULL) {
		if (PQresultStatus(r) == PGRES_COMMAND_OK) {
			*rows = strtoll(PQcmdTuples(r), NULL, 10);
		} else if (rc == STORE_OK) {
			rc = STORE_ERR;
			pg_err(s, what, r);
		}
		PQclear(r);
	}
	if (srcerr[0]) {
		store__seterr(s, "%s", srcerr);
		rc = STORE_ERR;
	} else if (rc == STORE_OK && !sent) {
		pg_err(s, what, NULL);
		rc = STORE_ERR;
	}
	return rc;
}

/* A one-off statement's single integer (built SQL: table names). */
static int one_int(struct store *s, const char *what, const char *sql, long long *v)
{
	PGresult *r = pgs_q1(s, what, sql, NULL);
	if (!r)
		return STORE_ERR;
	*v = PQntuples(r) == 1 ? pgs_int(r, 0, 0) : 0;
	PQclear(r);
	return STORE_OK;
}

/* The indexes of table `name` other than its primary key, and its foreign
 * keys, dropped; the statements that make them again appended to `again`.
 * As PostgreSQL's manual advises for filling a table ("Populating a
 * Database"): an index built once over a million rows, and a foreign key
 * checked once by a join, cost a fraction of a million single inserts into
 * each and a million single checks. Inside the transaction: a failure puts
 * them back with the rest. */
static int take_apart(struct store *s, const char *name, struct strbuf *again)
{
	static const char sql[] =
		"SELECT format('DROP INDEX %I', c.relname), pg_get_indexdef(x.indexrelid) "
		"FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
		"WHERE x.indrelid = $1::regclass AND NOT EXISTS "
		"(SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) "
		"UNION ALL "
		"SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', $1, conname), "
		"format('ALTER TABLE %I ADD CONSTRAINT %I %s', $1, conname, pg_get_constraintdef(oid)) "
		"FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'";
	struct pgs_args a = {0};
	pgs_arg(&a, name);
	PGresult *r = pgs_q(s, "reading the indexes", sql, &a);
	if (!r)
		return STORE_ERR;
	int rc = STORE_OK;
	for (int i = 0; i < PQntuples(r) && rc == STORE_OK; i++) {
		PGresult *d = pgs_q1(s, "dropping an index for the copy", pgs_text(r, i, 0), NULL);
		if (!d) {
			rc = STORE_ERR;
			break;
		}
		PQclear(d);
		strbuf_printf(again, "%s;\n", pgs_text(r, i, 1));
	}
	PQclear(r);
	return rc;
}

/* Table t: its rows COPYed into a temporary table, added to the real one
 * where their key is not there yet, and the source's keys found there
 * counted. */
static int copy_table(struct mig *m, int t)
{
	struct store *s = m->s;
	const char *name = store_migrate_tables[t];
	const struct mig_table *d = &tables[t];
	char what[96];
	snprintf(what, sizeof what, "copying %s", name);
	struct strbuf sql;
	strbuf_init(&sql);
	long long rows = 0, present = 0;
	strbuf_printf(&sql, "SELECT count(*) FROM (SELECT 1 FROM \"%s\" LIMIT 1) q", name);
	if (one_int(s, what, sql.s, &present))
		goto fail;
	if (!present) {
		/* The table is empty (the first run, the usual case): the rows go
		 * straight in, at twice the speed, and every row it then holds is
		 * one of the source's (others wait for the write lock). */
		struct strbuf again;
		strbuf_init(&again);
		sql.len = 0;
		strbuf_printf(&sql, "\"%s\"", name);
		int rc = take_apart(s, name, &again);
		if (rc == STORE_OK)
			rc = copy_rows(m, t, sql.s, &m->out->copied[t]);
		if (rc == STORE_OK && again.len)
			rc = pgs_script(s, "making the indexes and foreign keys again", again.s);
		strbuf_free(&again);
		if (rc != STORE_OK)
			goto fail;
		sql.len = 0;
		strbuf_printf(&sql, "SELECT count(*) FROM \"%s\"", name);
		if (one_int(s, what, sql.s, &m->out->found[t]))
			goto fail;
		strbuf_free(&sql);
		return STORE_OK;
	}
	sql.len = 0;
	strbuf_printf(&sql, "CREATE TEMPORARY TABLE smskit_mig (LIKE \"%s\") ON COMMIT DROP", name);
	PGresult *r = pgs_q1(s, what, sql.s, NULL);
	if (!r)
		goto fail;
	PQclear(r);
	if (copy_rows(m, t, "smskit_mig", &rows))
		goto fail;
	/* ON CONFLICT without a target: a row whose name or provider id another
	 * row holds is skipped too, and then shows in the counts below. */
	sql.len = 0;
	strbuf_printf(&sql, "INSERT INTO \"%s\" (%s) SELECT %s FROM smskit_mig ORDER BY \"%s\" "
	              "ON CONFLICT DO NOTHING", name, d->cols, d->cols, d->key);
	r = pgs_q1(s, what, sql.s, NULL);
	if (!r)
		goto fail;
	m->out->copied[t] = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	sql.len = 0;
	strbuf_printf(&sql, "SELECT count(*) FROM smskit_mig m WHERE EXISTS (SELECT 1 FROM \"%s\" d "
	              "WHERE d.\"%s\" = m.\"%s\")", name, d->key, d->key);
	if (one_int(s, what, sql.s, &m->out->found[t]))
		goto fail;
	/* Given back now rather than at the commit: the next table's copy
	 * reuses the space. */
	r = pgs_q1(s, what, "DROP TABLE smskit_mig", NULL);
	if (!r)
		goto fail;
	PQclear(r);
	strbuf_free(&sql);
	return STORE_OK;
fail:
	strbuf_free(&sql);
	return STORE_ERR;
}

/* The identity sequence of table t past its greatest id, never backwards:
 * its next value the greater of max(id) + 1 and the one it would give now
 * (a value given once, if only to a transaction rolled back, is never given
 * again). pg_sequence_last_value is NULL after a setval(..., false), so the
 * sequence itself is read. */
static int move_sequence(struct mig *m, int t)
{
	const char *name = store_migrate_tables[t];
	char what[96], sql[1024];
	snprintf(what, sizeof what, "moving the sequence of %s", name);
	snprintf(sql, sizeof sql, "SELECT pg_get_serial_sequence('%s', 'id')", name);
	PGresult *r = pgs_q1(m->s, what, sql, NULL);
	if (!r)
		return STORE_ERR;
	char seq[200];
	snprintf(seq, sizeof seq, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	if (!seq[0]) {
		store__seterr(m->s, "%s: the table has no id sequence", what);
		return STORE_ERR;
	}
	/* seq is PostgreSQL's own quoted name of it. */
	snprintf(sql, sizeof sql,
	         "SELECT setval('%s', greatest(coalesce((SELECT max(id) FROM \"%s\"), 0) + 1, "
	         "(SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM %s)), "
	         "false)", seq, name, seq);
	long long next;
	return one_int(m->s, what, sql, &next);
}

/* ---- The whole ------------------------------------------------------------------- */

static int migrate(struct mig *m)
{
	struct store *s = m->s;
	int rc = open_source(m);
	if (rc != STORE_OK)
		return rc;
	if (m->fn)
		m->fn(0, m->total, m->arg);
	/* Room in memory for the temporary tables of a second run (taken only
	 * as used; settable until the session first uses one, so a failure is
	 * no matter: it only makes the copy slower). */
	PGresult *r = pgs_q1(s, "setting temp_buffers", "SET temp_buffers = '256MB'", NULL);
	PQclear(r);
	if (pgs_begin_immediate(s))
		return STORE_ERR;
	/* Memory for making the indexes again (take_apart), for this
	 * transaction only. */
	r = pgs_q1(s, "setting maintenance_work_mem", "SET LOCAL maintenance_work_mem = '256MB'",
	           NULL);
	PQclear(r);
	for (int t = 0; t < STORE_MIG_TABLES && rc == STORE_OK; t++)
		rc = copy_table(m, t);
	for (int t = 0; t < STORE_MIG_TABLES && rc == STORE_OK; t++)
		if (tables[t].seq)
			rc = move_sequence(m, t);
	for (int t = 0; t < STORE_MIG_TABLES && rc == STORE_OK; t++) {
		if (m->out->found[t] == m->out->source[t])
			continue;
		m->out->refused = STORE_MIG_COUNTS;
		store__seterr(s, "%s: %lld rows in the source, but %lld of their %ss in the store "
		              "(a row another one's unique name or provider id kept out); everything "
		              "was rolled back, nothing copied", store_migrate_tables[t],
		              m->out->source[t], m->out->found[t],
		              strcmp(tables[t].key, "id") == 0 ? "id" : tables[t].key);
		rc = STORE_REFUSED;
	}
	/* A row PostgreSQL's schema refuses (a foreign key to no message, a
	 * value no CHECK allows, class 22 or 23): the source's fault, not the
	 * server's; sms-store check on it tells more. */
	if (rc == STORE_ERR && (strncmp(s->sqlstate, "22", 2) == 0 ||
	                        strncmp(s->sqlstate, "23", 2) == 0)) {
		char msg[sizeof s->h.errbuf - 120];
		snprintf(msg, sizeof msg, "%.380s", s->h.errbuf);
		store__seterr(s, "%s: the source holds a row the store refuses (%s); nothing was "
		              "copied", m->path, msg);
		m->out->refused = STORE_MIG_BAD_SOURCE;
		rc = STORE_REFUSED;
	}
	if (rc != STORE_OK) {
		char keep[sizeof s->h.errbuf];
		memcpy(keep, s->h.errbuf, sizeof keep);
		pgs_rollback(s);
		memcpy(s->h.errbuf, keep, sizeof keep);
		return rc;
	}
	if (pgs_commit(s))
		return STORE_ERR;
	if (m->fn)
		m->fn(m->done, m->total, m->arg);
	return STORE_OK;
}

int store_migrate_from(struct store *dst, const char *sqlite_path, store_progress_fn fn,
                       void *arg, struct store_migrated *out)
{
	memset(out, 0, sizeof *out);
	out->source_version = -1;
	if (!store_is_pg(store_path(dst))) {
		out->refused = STORE_MIG_NOT_PG;
		store__seterr(dst, "%s: not a PostgreSQL store; migrate copies a SQLite store into "
		              "the PostgreSQL store SMS_DB names (SMS_DB=postgresql://...)",
		              store_path(dst));
		return STORE_REFUSED;
	}
	double t0 = now_s();
	struct mig m = {.s = dst, .path = sqlite_path, .fn = fn, .arg = arg, .out = out};
	int rc = migrate(&m);
	if (m.src) {
		sqlite3_exec(m.src, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(m.src);
	}
	out->seconds = now_s() - t0;
	return rc;
}
