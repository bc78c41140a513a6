/* store_pg_maint — the PostgreSQL side of the store's upkeep that reads the
 * whole store (store_pg.h): the backup, written as an SQLite store file from
 * one snapshot; the check of what PostgreSQL's own constraints leave to go
 * wrong; the counts of sms-store stats. See store_maint.h and sms-store(1);
 * export, erase and prune are in store_pg_maint_rows.c. */
#include "store_maint.h"
#include "store_pg.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* smskit's tables: what stats sizes, check looks at and backup copies (in
 * this order: messages before the events that refer to them). smskit_meta
 * and smskit_version are the PostgreSQL store's own bookkeeping: an SQLite
 * store keeps the same in its header (application_id, user_version) and
 * needs no rules' counter. */
static const char *const tables[] = {"messages", "events", "optouts", "consents",
                                     "templates", "kv", "autoresponders", NULL};
#define TABLES_SQL "'messages', 'events', 'optouts', 'consents', 'templates', 'kv', " \
                   "'autoresponders', 'smskit_meta', 'smskit_version'"
/* The tables of the store's schema (the first on the search path, where
 * pgs_open made them), as pg_class rows. */
#define STORE_TABLE(c) c ".relnamespace = current_schema()::regnamespace AND " c \
                       ".relkind = 'r' AND " c ".relname IN (" TABLES_SQL ")"

/* Rows fetched at a time by the backup's cursors: a progress line each. */
#define BACKUP_ROWS 1000

/* Keeps the error of a failed step across the rollback after it. */
static int rollback_keep(struct store *s)
{
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	pgs_rollback(s);
	memcpy(s->h.errbuf, keep, sizeof keep);
	return STORE_ERR;
}

/* ---- Stats -------------------------------------------------------------------------- */

/* The oldest and newest created_at: the ends of messages_inbox's four ranges
 * (direction, read), each found at once in the index. */
#define INBOX_ENDS(f)                                                                         \
	"SELECT " f "(t) FROM ("                                                              \
	"SELECT " f "(created_at) t FROM messages WHERE direction = 'outbound' AND read = 0 " \
	"UNION ALL SELECT " f "(created_at) FROM messages WHERE direction = 'outbound' AND read = 1 " \
	"UNION ALL SELECT " f "(created_at) FROM messages WHERE direction = 'inbound' AND read = 0 " \
	"UNION ALL SELECT " f "(created_at) FROM messages WHERE direction = 'inbound' AND read = 1) e"

/* bytes: the tables with their indexes and TOAST, as pg_total_relation_size
 * gives them (sms-store(1)); the server's write-ahead log is the whole
 * cluster's, and free space inside the tables is not known without reading
 * them all: both 0. */
static const char stats_sql[] =
	"SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM events), "
	"(SELECT count(*) FROM optouts), (SELECT count(*) FROM templates), "
	"(SELECT count(*) FROM autoresponders), (SELECT count(*) FROM kv), "
	"(SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c WHERE "
	STORE_TABLE("c") "), "
	"(" INBOX_ENDS("min") "), (" INBOX_ENDS("max") ")";

int pgs_stats(struct store *s, struct store_stats *out)
{
	memset(out, 0, sizeof *out);
	PGresult *r = pgs_q(s, "counting", stats_sql, NULL);
	if (!r)
		return STORE_ERR;
	long long *n[] = {&out->messages, &out->events, &out->optouts, &out->templates,
	                  &out->autoresponders, &out->kv, &out->bytes};
	for (int i = 0; i < 7; i++)
		*n[i] = pgs_int(r, 0, i);
	const char *o = pgs_text(r, 0, 7), *w = pgs_text(r, 0, 8);
	snprintf(out->oldest, sizeof out->oldest, "%s", o ? o : "");
	snprintf(out->newest, sizeof out->newest, "%s", w ? w : "");
	PQclear(r);
	return STORE_OK;
}

/* ---- Check -------------------------------------------------------------------------- */

struct checking {
	struct store *s;
	int (*fn)(const struct store_problem *p, void *arg);
	void *arg;
	long long *problems;
	int stop;
};

static void problem(struct checking *c, const char *check, const char *msg, const char *table,
                    long long rowid, const char *parent)
{
	if (c->stop)
		return;
	struct store_problem p = {.check = check, .message = msg, .table = table,
	                          .rowid = rowid, .parent = parent};
	++*c->problems;
	c->stop = c->fn(&p, c->arg);
}

/* The rows the foreign keys would refuse: PostgreSQL enforces them with
 * triggers, which a superuser can switch off (session_replication_role =
 * replica, as pg_restore --disable-triggers does; ALTER TABLE ... DISABLE
 * TRIGGER ALL), and rows written meanwhile are never checked again. */
static const char orphans_sql[] =
	"SELECT 'events', e.id, 'messages' FROM events e WHERE e.message_id IS NOT NULL "
	"AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = e.message_id) "
	"UNION ALL SELECT 'messages', m.id, 'messages' FROM messages m WHERE m.reply_to IS NOT NULL "
	"AND NOT EXISTS (SELECT 1 FROM messages p WHERE p.id = m.reply_to) ORDER BY 1, 2";

/* What else leaves rows unchecked or an index unused: triggers switched off
 * (the foreign keys' and the append-only rule's), constraints added NOT
 * VALID and never validated, indexes a CREATE INDEX CONCURRENTLY or REINDEX
 * left invalid. Each row: one sentence. */
static const char catalog_sql[] =
	"SELECT format('table %s: %s of its triggers disabled, so its foreign keys and rules are "
	"not enforced (ALTER TABLE %s ENABLE TRIGGER ALL)', c.relname, count(*), c.relname) "
	"FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE " STORE_TABLE("c")
	" AND t.tgenabled = 'D' GROUP BY c.relname "
	"UNION ALL SELECT format('table %s: constraint %s was added NOT VALID and never validated: "
	"rows older than it are not checked (ALTER TABLE %s VALIDATE CONSTRAINT %s)', c.relname, "
	"k.conname, c.relname, k.conname) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
	"WHERE " STORE_TABLE("c") " AND NOT k.convalidated "
	"UNION ALL SELECT format('index %s of table %s is invalid (a CREATE INDEX or REINDEX that "
	"did not finish), so no query uses it (REINDEX INDEX %s)', x.relname, c.relname, x.relname) "
	"FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid "
	"WHERE " STORE_TABLE("c") " AND NOT (i.indisvalid AND i.indisready) ORDER BY 1";

static int check_rows(struct checking *c)
{
	PGresult *r = pgs_q(c->s, "checking foreign keys", orphans_sql, NULL);
	if (!r)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		char msg[256];
		const char *tbl = pgs_text(r, i, 0), *parent = pgs_text(r, i, 2);
		long long rowid = pgs_int(r, i, 1);
		snprintf(msg, sizeof msg, "%s row %lld refers to a row of %s that is not there", tbl,
		         rowid, parent);
		problem(c, "foreign_key_check", msg, tbl, rowid, parent);
	}
	PQclear(r);
	if (c->stop)
		return STORE_OK;
	r = pgs_q(c->s, "checking the schema", catalog_sql, NULL);
	if (!r)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++)
		problem(c, "integrity_check", pgs_text(r, i, 0), NULL, 0, NULL);
	PQclear(r);
	return STORE_OK;
}

/* A note, not a problem: what the check could not look at. */
static void note(struct checking *c, const char *msg)
{
	if (c->stop)
		return;
	struct store_problem p = {.check = "integrity_check", .message = msg, .note = 1};
	c->stop = c->fn(&p, c->arg);
}

/* The schema amcheck's functions are in, to free; NULL when they cannot be
 * used, with *why (static) saying why. Creates the extension when it is
 * available on the server and this user may. */
static char *amcheck_schema(struct store *s, const char **why)
{
	static const char ask[] =
		"SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON "
		"n.oid = e.extnamespace WHERE e.extname = 'amcheck'), "
		"EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'), "
		"coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) OR "
		"EXISTS (SELECT 1 FROM pg_available_extension_versions WHERE name = 'amcheck' AND "
		"trusted AND has_database_privilege(current_database(), 'CREATE'))";
	PGresult *r = pgs_q(s, "looking for amcheck", ask, NULL);
	if (!r) {
		*why = "the extension could not be looked for";
		return NULL;
	}
	char *schema = xstrdup_or_null(pgs_text(r, 0, 0));
	int available = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	int may = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	PQclear(r);
	if (!schema && !available) {
		*why = "the server has no amcheck extension (Debian: postgresql-contrib)";
		return NULL;
	}
	if (!schema && !may) {
		*why = "the amcheck extension is not in the store's database, and this user may not "
		       "create it (a superuser can: CREATE EXTENSION amcheck)";
		return NULL;
	}
	if (!schema) {
		/* On its own, outside any transaction: another checker may create it
		 * at the same moment, and a failure spoils nothing. */
		if (pgs_exec(s, "creating amcheck", "CREATE EXTENSION IF NOT EXISTS amcheck", NULL,
		             NULL)) {
			*why = "the amcheck extension could not be created";
			return NULL;
		}
		return amcheck_schema(s, why);
	}
	struct pgs_args a = {0};
	pgs_arg(&a, schema);
	r = pgs_q(s, "looking for amcheck",
	          "SELECT has_schema_privilege($1::text, 'USAGE') AND has_function_privilege("
	          "format('%I.bt_index_check(regclass, boolean)', $1::text), 'EXECUTE')", &a);
	int can = r && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!can) {
		*why = "this user may not run amcheck's bt_index_check (GRANT EXECUTE ON FUNCTION "
		       "bt_index_check(regclass, boolean) to it)";
		free(schema);
		return NULL;
	}
	return schema;
}

/* The B-tree indexes of smskit's tables, each checked by amcheck against
 * its table (heapallindexed: every row is in the index too), as SQLite's
 * integrity_check compares every index with its table. */
static int check_indexes(struct checking *c)
{
	const char *why = NULL;
	char *schema = amcheck_schema(c->s, &why);
	if (!schema) {
		char msg[400];
		snprintf(msg, sizeof msg, "the indexes were not checked: %s", why);
		note(c, msg);
		return STORE_OK;
	}
	PGresult *r = pgs_q(c->s, "listing indexes",
	                    "SELECT x.oid, x.relname FROM pg_index i JOIN pg_class c ON "
	                    "c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am am "
	                    "ON am.oid = x.relam WHERE " STORE_TABLE("c") " AND am.amname = 'btree' "
	                    "AND i.indisvalid AND i.indisready ORDER BY x.relname", NULL);
	if (!r) {
		free(schema);
		return STORE_ERR;
	}
	struct strbuf q;
	strbuf_init(&q);
	char *qs = PQescapeIdentifier(c->s->c, schema, strlen(schema));
	strbuf_printf(&q, "SELECT %s.bt_index_check($1::oid::regclass, true)", qs ? qs : "public");
	PQfreemem(qs);
	int rc = STORE_OK;
	for (int i = 0; i < PQntuples(r) && !c->stop && rc == STORE_OK; i++) {
		struct pgs_args a = {0};
		pgs_arg(&a, pgs_text(r, i, 0));
		/* Outside a transaction: a corrupt index fails its own statement only. */
		PGresult *k = pgs_q1(c->s, "checking an index", q.s, &a);
		if (k) {
			PQclear(k);
			continue;
		}
		/* XX001 data_corrupted, XX002 index_corrupted: what the check is for. */
		if (strncmp(c->s->sqlstate, "XX", 2) != 0) {
			rc = STORE_ERR;
			break;
		}
		char msg[600];
		snprintf(msg, sizeof msg, "index %s: %s", pgs_text(r, i, 1),
		         store_errmsg(c->s) + strlen("checking an index: "));
		problem(c, "integrity_check", msg, NULL, 0, NULL);
	}
	strbuf_free(&q);
	PQclear(r);
	free(schema);
	return rc;
}

int pgs_check(struct store *s, int (*fn)(const struct store_problem *p, void *arg), void *arg,
              long long *problems)
{
	*problems = 0;
	if (pgs_txn_open(s)) {
		store__seterr(s, "a check cannot run inside a transaction");
		return STORE_ERR;
	}
	struct checking c = {.s = s, .fn = fn, .arg = arg, .problems = problems};
	if (check_indexes(&c))
		return STORE_ERR;
	if (c.stop)
		return STORE_OK;
	return check_rows(&c);
}

/* ---- Backup ------------------------------------------------------------------------- */

static long long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

/* The directory entry of a file made or renamed, made durable. */
static void sync_dir_of(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

/* dest may be written: absent, or (force) a regular file. The store is on a
 * server, never at dest. STORE_OK, STORE_EXISTS, or STORE_ERR. */
static int dest_ok(struct store *s, const char *dest, int force)
{
	struct stat ds;
	if (lstat(dest, &ds) != 0) {
		if (errno == ENOENT)
			return STORE_OK;
		store__seterr(s, "%s: %s", dest, strerror(errno));
		return STORE_ERR;
	}
	if (!force) {
		store__seterr(s, "%s: already exists; --force replaces it", dest);
		return STORE_EXISTS;
	}
	if (!S_ISREG(ds.st_mode)) {
		store__seterr(s, "%s: not a regular file; not replaced", dest);
		return STORE_ERR;
	}
	return STORE_OK;
}

/* Removes path with each suffix (a SQLite file's companions); errors but
 * ENOENT are reported. */
static int unlink_with(struct store *s, const char *path, const char *const *sfx)
{
	for (size_t i = 0; sfx[i]; i++) {
		char p[PATH_MAX];
		if (snprintf(p, sizeof p, "%s%s", path, sfx[i]) >= (int)sizeof p ||
		    (unlink(p) != 0 && errno != ENOENT)) {
			store__seterr(s, "%s%s: cannot remove: %s", path, sfx[i], strerror(errno));
			return STORE_ERR;
		}
	}
	return STORE_OK;
}

struct copying {
	struct store *s;
	sqlite3 *d;
	const char *file; /* the copy's name, for errors */
	store_progress_fn fn;
	void *arg;
	long long done, total;
};

static int lite_fail(struct copying *c, const char *what)
{
	store__seterr(c->s, "%s: %s: %s", c->file, what, sqlite3_errmsg(c->d));
	return STORE_ERR;
}

/* Copies one table's rows, ids kept, every column but the generated ones
 * (each side computes its own), through a cursor of the snapshot. */
static int copy_table(struct copying *c, const char *table)
{
	struct pgs_args a = {0};
	pgs_arg(&a, table);
	PGresult *r = pgs_q(c->s, "reading the schema",
	                    "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum), count(*) "
	                    "FROM pg_attribute WHERE attrelid = to_regclass($1::text) AND attnum > 0 "
	                    "AND NOT attisdropped AND attgenerated = ''", &a);
	if (!r)
		return STORE_ERR;
	if (pgs_null(r, 0, 0)) {
		PQclear(r);
		store__seterr(c->s, "%s: the store has no table %s", c->s->h.path, table);
		return STORE_ERR;
	}
	char *cols = xstrdup(PQgetvalue(r, 0, 0));
	int ncols = (int)pgs_int(r, 0, 1);
	PQclear(r);
	struct strbuf q, ins;
	strbuf_init(&q);
	strbuf_init(&ins);
	/* The table's key orders the rows: each table's copy is written in order. */
	strbuf_printf(&q, "DECLARE smskit_backup NO SCROLL CURSOR FOR SELECT %s FROM %s ORDER BY %s",
	              cols, table, strcmp(table, "optouts") == 0 ? "number"
	                           : strcmp(table, "kv") == 0 ? "key" : "id");
	strbuf_printf(&ins, "INSERT INTO %s (%s) VALUES (", table, cols);
	for (int i = 0; i < ncols; i++)
		strbuf_puts(&ins, i ? ", ?" : "?");
	strbuf_puts(&ins, ")");
	free(cols);
	sqlite3_stmt *st = NULL;
	int rc = STORE_ERR;
	if (sqlite3_prepare_v2(c->d, ins.s, -1, &st, NULL) != SQLITE_OK) {
		lite_fail(c, "cannot copy the table");
		goto out;
	}
	r = pgs_q1(c->s, "reading the store", q.s, NULL);
	if (!r)
		goto out;
	PQclear(r);
	for (;;) {
		r = pgs_q1(c->s, "reading the store", "FETCH 1000 FROM smskit_backup", NULL);
		_Static_assert(BACKUP_ROWS == 1000, "the FETCH's count");
		if (!r)
			goto out;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < ncols; j++) {
				if (PQgetisnull(r, i, j))
					sqlite3_bind_null(st, j + 1);
				else
					sqlite3_bind_text(st, j + 1, PQgetvalue(r, i, j), PQgetlength(r, i, j),
					                  SQLITE_STATIC);
			}
			int step = sqlite3_step(st);
			sqlite3_reset(st);
			if (step != SQLITE_DONE) {
				PQclear(r);
				lite_fail(c, "cannot copy a row");
				goto out;
			}
		}
		PQclear(r);
		c->done += n;
		if (c->fn)
			c->fn(c->done, c->total, c->arg);
		if (n < BACKUP_ROWS)
			break;
	}
	rc = pgs_exec(c->s, "reading the store", "CLOSE smskit_backup", NULL, NULL);
out:
	sqlite3_finalize(st);
	strbuf_free(&q);
	strbuf_free(&ins);
	return rc;
}

/* The snapshot's rows, every table, into the SQLite store file tmp. */
static int copy_into(struct store *s, const char *tmp, store_progress_fn fn, void *arg)
{
	struct copying c = {.s = s, .file = tmp, .fn = fn, .arg = arg};
	if (sqlite3_open_v2(tmp, &c.d, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		lite_fail(&c, "cannot open");
		sqlite3_close(c.d);
		return STORE_ERR;
	}
	/* A single file, as SQLite's backup leaves it (it becomes WAL again when a
	 * program opens it as its store); one transaction, synced at its commit.
	 * Foreign keys stay off (SQLite's default): the rows come table by table,
	 * and they were checked when they were written. */
	int rc = STORE_ERR;
	if (sqlite3_exec(c.d, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; BEGIN",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		lite_fail(&c, "cannot write");
		sqlite3_close(c.d);
		return STORE_ERR;
	}
	/* The snapshot: every commit before it, none after; read only, so that
	 * the writers are never held up. */
	if (pgs_exec(s, "starting the backup", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	             NULL, NULL))
		goto out;
	PGresult *r = pgs_q(s, "counting", "SELECT (SELECT count(*) FROM messages) + "
	                    "(SELECT count(*) FROM events) + (SELECT count(*) FROM optouts) + "
	                    "(SELECT count(*) FROM consents) + (SELECT count(*) FROM templates) + "
	                    "(SELECT count(*) FROM kv) + (SELECT count(*) FROM autoresponders)", NULL);
	if (!r)
		goto out;
	c.total = pgs_int(r, 0, 0);
	PQclear(r);
	for (int i = 0; tables[i]; i++)
		if (copy_table(&c, tables[i]))
			goto out;
	if (sqlite3_exec(c.d, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		lite_fail(&c, "cannot write");
		goto out;
	}
	rc = STORE_OK;
out:
	if (rc != STORE_OK)
		rollback_keep(s);
	else if (pgs_commit(s))
		rc = STORE_ERR;
	if (sqlite3_close(c.d) != SQLITE_OK && rc == STORE_OK)
		rc = lite_fail(&c, "cannot close");
	return rc;
}

/* Makes the SQLite store file path (its schema, at this build's version) and
 * copies the snapshot into it. */
static int make_copy(struct store *s, const char *path, store_progress_fn fn, void *arg)
{
	char err[512];
	struct store *lite = lite_open(path, STORE_SYNC_NORMAL, err, sizeof err);
	if (!lite) {
		store__seterr(s, "%s", err);
		return STORE_ERR;
	}
	int v = store_version(lite);
	lite_close(lite);
	if (v != s->h.version) {
		store__seterr(s, "the store's schema version is %d, and this build makes SQLite stores "
		              "at version %d: upgrade smskit", s->h.version, v);
		return STORE_ERR;
	}
	if (copy_into(s, path, fn, arg))
		return STORE_ERR;
	if (chmod(path, 0600) != 0) { /* the copy holds personal data */
		store__seterr(s, "%s: %s", path, strerror(errno));
		return STORE_ERR;
	}
	return STORE_OK;
}

int pgs_backup(struct store *s, const char *dest, int force, store_progress_fn fn, void *arg,
               long long *bytes)
{
	static const char *const sidecars[] = {"-wal", "-shm", NULL};
	static const char *const all[] = {"", "-wal", "-shm", "-journal", NULL};
	*bytes = 0;
	if (pgs_txn_open(s)) {
		store__seterr(s, "a backup cannot run inside a transaction");
		return STORE_ERR;
	}
	int rc = dest_ok(s, dest, force);
	if (rc != STORE_OK)
		return rc;
	/* A directory of its own beside dest (mode 0700), where the SQLite file
	 * is made with whatever companions SQLite gives it while it is written. */
	struct strbuf tb;
	strbuf_init(&tb);
	strbuf_printf(&tb, "%s.XXXXXX", dest);
	char *dir = strbuf_detach(&tb);
	if (!mkdtemp(dir)) {
		store__seterr(s, "%s: cannot create: %s", dest, strerror(errno));
		free(dir);
		return STORE_ERR;
	}
	strbuf_init(&tb);
	strbuf_printf(&tb, "%s/copy.db", dir);
	char *tmp = strbuf_detach(&tb);
	rc = make_copy(s, tmp, fn, arg);
	/* Into place: link(2) refuses a dest that appeared meanwhile, rename(2)
	 * replaces it at once (force). */
	if (rc == STORE_OK && force) {
		rc = unlink_with(s, dest, sidecars);
		if (rc == STORE_OK && rename(tmp, dest) != 0) {
			store__seterr(s, "%s: cannot rename into place: %s", dest, strerror(errno));
			rc = STORE_ERR;
		}
	} else if (rc == STORE_OK && link(tmp, dest) != 0) {
		int e = errno;
		rc = e == EEXIST ? STORE_EXISTS : STORE_ERR;
		if (e == EEXIST)
			store__seterr(s, "%s: already exists; --force replaces it", dest);
		else
			store__seterr(s, "%s: cannot create: %s", dest, strerror(e));
	}
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	(void)unlink_with(s, tmp, all); /* after rename: already gone */
	(void)rmdir(dir);
	memcpy(s->h.errbuf, keep, sizeof keep);
	free(tmp);
	free(dir);
	if (rc == STORE_OK) {
		sync_dir_of(dest);
		*bytes = file_size(dest);
	}
	return rc;
}
