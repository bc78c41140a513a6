/* store_open — the SQLite connection: opening and creating the store file,
 * its pragmas, the forward migrations applied (store_schema.c holds them),
 * closing; errors, the cache of prepared statements, transactions and
 * savepoints, which every other store_*.c file uses (store_internal.h). */
#include "store.h"
#include "store_internal.h"
#include "store_backend.h"
#include "groupshare.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <stdatomic.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000
#define APPLICATION_ID  0x534D534B /* "SMSK" in the file header: an smskit store */

/* ---- The SQL of the transactions' cached statements (store_internal.h) ----- */

static const char *const open_sql[ST__N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT store_op",
	[ST_RELEASE] = "RELEASE store_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO store_op",
	[ST_JOB_SAVEPOINT] = "SAVEPOINT store_job",
	[ST_JOB_RELEASE] = "RELEASE store_job",
	[ST_JOB_ROLLBACK_TO] = "ROLLBACK TO store_job",
	[ST_DATA_VERSION] = "PRAGMA data_version",
};

/* ---- Errors ------------------------------------------------------------------ */

int store__dberr(struct store *s, const char *what)
{
	int code = sqlite3_errcode(s->db);
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		store__seterr(s, "%s: the store stayed locked by another process for over %d s", what,
		              BUSY_TIMEOUT_MS / 1000);
	else
		store__seterr(s, "%s: %s", what, sqlite3_errmsg(s->db));
	return STORE_ERR;
}


int lite_others_version(struct store *s, long long *v)
{
	sqlite3_stmt *st = store__stmt(s, open_sql, ST_DATA_VERSION);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	/* SQLite's count is per connection and 32 bits wide: the connection's
	 * serial above it, so that another connection's count never matches. */
	if (rc == SQLITE_ROW)
		*v = (long long)(s->serial << 32 | (sqlite3_column_int64(st, 0) & 0xffffffffLL));
	store__done(st);
	return rc == SQLITE_ROW ? STORE_OK : store__dberr(s, "reading the data version");
}

/* SQLite tells no other connection of a commit: the waiter watches the
 * store's files (inbox_wait.c). */
int lite_watch_fd(struct store *s)
{
	(void)s;
	return -1;
}

int lite_watch_drain(struct store *s)
{
	(void)s;
	return 0;
}

/* ---- Statements ------------------------------------------------------------ */

sqlite3_stmt *store__stmt(struct store *s, const char *const *sql, enum store_st id)
{
	if (!s->st[id] && sqlite3_prepare_v3(s->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT,
	                                     &s->st[id], NULL) != SQLITE_OK) {
		store__dberr(s, "preparing a statement");
		sqlite3_finalize(s->st[id]);
		s->st[id] = NULL;
	}
	return s->st[id];
}

void store__done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows. */
static int run(struct store *s, enum store_st id, const char *what)
{
	sqlite3_stmt *st = store__stmt(s, open_sql, id);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	store__done(st);
	return rc == SQLITE_DONE ? STORE_OK : store__dberr(s, what);
}

void store__bind_text(sqlite3_stmt *st, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void store__bind_val(sqlite3_stmt *st, int idx, const struct val *v)
{
	if (v->type == V_INT)
		sqlite3_bind_int64(st, idx, v->i);
	else if (v->type == V_TEXT)
		sqlite3_bind_text(st, idx, v->t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, idx);
}

/* ---- Transactions ------------------------------------------------------------ */

int lite_begin_immediate(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db)) {
		store__seterr(s, "a transaction is already open");
		return STORE_ERR;
	}
	return run(s, ST_BEGIN, "beginning a transaction");
}

int lite_commit(struct store *s)
{
	if (run(s, ST_COMMIT, "committing") == STORE_OK)
		return STORE_OK;
	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_stmt *st = store__stmt(s, open_sql, ST_ROLLBACK);
		if (st) {
			sqlite3_step(st);
			store__done(st);
		}
	}
	return STORE_ERR;
}

int lite_rollback(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return STORE_OK; /* nothing open (SQLite may have rolled back already) */
	return run(s, ST_ROLLBACK, "rolling back");
}

int lite_savepoint(struct store *s)
{
	if (sqlite3_get_autocommit(s->db)) {
		store__seterr(s, "a savepoint needs an open transaction");
		return STORE_ERR;
	}
	return run(s, ST_JOB_SAVEPOINT, "savepoint");
}

int lite_savepoint_release(struct store *s)
{
	return run(s, ST_JOB_RELEASE, "releasing a savepoint");
}

int lite_savepoint_rollback(struct store *s)
{
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	int rc = STORE_OK;
	if (!sqlite3_get_autocommit(s->db)) {
		rc = run(s, ST_JOB_ROLLBACK_TO, "rolling back a savepoint");
		if (run(s, ST_JOB_RELEASE, "releasing a savepoint") != STORE_OK)
			rc = STORE_ERR;
	}
	memcpy(s->h.errbuf, keep, sizeof keep);
	return rc;
}

int lite_txn_open(const struct store *s) { return !sqlite3_get_autocommit(s->db); }

/* ---- Atomic writers --------------------------------------------------------- */

sqlite3 *store__db(struct store *s) { return s->db; }

/* One-off statements: for queries whose shape varies, or rare ones not worth
 * a slot; and for a listing whose callback may call back into the store. */
sqlite3_stmt *store__prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store__dberr(s, "preparing a statement");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Each public writer is atomic: its own BEGIN IMMEDIATE when the caller has no
 * transaction open, else a savepoint inside the caller's. */
int store__op_begin(struct store *s, int *own)
{
	*own = sqlite3_get_autocommit(s->db) != 0;
	return *own ? store_begin_immediate(s) : run(s, ST_SAVEPOINT, "savepoint");
}

int store__op_end(struct store *s, int own, int rc)
{
	if (rc >= 0) {
		if (own ? store_commit(s) : run(s, ST_RELEASE, "releasing a savepoint"))
			return STORE_ERR;
		return rc;
	}
	/* Keep the first error message: the rollback must not overwrite it. */
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	if (own) {
		store_rollback(s);
	} else if (!sqlite3_get_autocommit(s->db)) {
		run(s, ST_ROLLBACK_TO, "rolling back a savepoint");
		run(s, ST_RELEASE, "releasing a savepoint");
	}
	memcpy(s->h.errbuf, keep, sizeof keep);
	return rc;
}

/* ---- Opening, migrating, closing ------------------------------------------- */

/* One integer from a PRAGMA or a query; -1 with the SQLite error kept. */
static int query_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int is_busy(sqlite3 *db)
{
	int c = sqlite3_errcode(db);
	return c == SQLITE_BUSY || c == SQLITE_LOCKED;
}

/* Applies the missing migrations, each in its own IMMEDIATE transaction; the
 * version is read again under the lock, so concurrent openers migrate once. */
static int migrate(struct store *s, char *err, size_t errlen)
{
	int busy;
	if (exec(s->db, "PRAGMA foreign_keys = OFF"))
		goto dberror;
	for (;;) {
		int v;
		if (exec(s->db, "BEGIN IMMEDIATE"))
			goto dberror;
		if (query_int(s->db, "PRAGMA user_version", &v))
			goto rollback;
		if (v < 0 || v >= STORE_SCHEMA_VERSION) {
			if (exec(s->db, "COMMIT"))
				goto rollback;
			s->h.version = v;
			break;
		}
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (exec(s->db, store__migrations[v]) || exec(s->db, sql))
			goto rollback;
		int bad = 0;
		if (query_int(s->db, "SELECT count(*) FROM pragma_foreign_key_check", &bad))
			goto rollback;
		if (bad) {
			exec(s->db, "ROLLBACK");
			snprintf(err, errlen, "%s: migrating to schema version %d would break %d "
			         "foreign key(s); nothing was changed", s->h.path, v + 1, bad);
			errno = EINVAL;
			return -1;
		}
		if (exec(s->db, "COMMIT"))
			goto rollback;
	}
	if (s->h.version != STORE_SCHEMA_VERSION) {
		if (s->h.version > STORE_SCHEMA_VERSION)
			snprintf(err, errlen, "%s: schema version %d is newer than this smskit knows "
			         "(%d); upgrade smskit", s->h.path, s->h.version, STORE_SCHEMA_VERSION);
		else
			snprintf(err, errlen, "%s: schema version %d; not an smskit store", s->h.path,
			         s->h.version);
		errno = EINVAL;
		return -1;
	}
	return 0;
rollback:
	busy = is_busy(s->db);
	snprintf(err, errlen, "%s: migrating the schema: %s", s->h.path,
	         busy ? "the store stayed locked by another process" : sqlite3_errmsg(s->db));
	exec(s->db, "ROLLBACK");
	errno = busy ? EAGAIN : EINVAL;
	return -1;
dberror:
	busy = is_busy(s->db);
	snprintf(err, errlen, "%s: %s", s->h.path,
	         busy ? "the store stayed locked by another process" : sqlite3_errmsg(s->db));
	errno = busy ? EAGAIN : EINVAL;
	return -1;
}

static int busy_wait(void *arg, int count)
{
	(void)arg;
	if (count >= BUSY_TIMEOUT_MS)
		return 0;
	struct timespec ms = {0, 1000 * 1000};
	nanosleep(&ms, NULL);
	return 1;
}

static int wal_seen(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	((struct store *)arg)->wal_seen = frames;
	return SQLITE_OK;
}

/* A new store at path when there is none: an SQLite file marked with the
 * application id, made under a name of its own and linked into place.
 * link(2) fails with EEXIST when another process got there first (its store
 * then stays), so the file at path is never empty while it is being made,
 * and an empty file there is never one smskit made. 0, or -1 with a
 * sentence in err and errno set. */
static int create_store(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	if (lstat(path, &sb) == 0 || errno != ENOENT)
		return 0; /* there, or not to be known here: the open says which */
	struct strbuf tb;
	strbuf_init(&tb);
	strbuf_printf(&tb, "%s.XXXXXX", path);
	char *tmp = strbuf_detach(&tb);
	int fd = mkostemp(tmp, O_CLOEXEC); /* O_CREAT | O_EXCL, mode 0600 */
	int e = 0;
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(e));
		free(tmp);
		errno = e;
		return -1;
	}
	/* In a directory a group shares (setgid, group-writable) the store is
	 * 0660, so that every user of the group can open it; SQLite gives its
	 * -wal and -shm files the store's own mode, whoever makes them. */
	if (groupshare_fix(fd, path) != 0) {
		e = errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(e));
		close(fd);
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	close(fd);
	sqlite3 *db = NULL;
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d", APPLICATION_ID);
	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK || exec(db, sql)) {
		e = db && sqlite3_system_errno(db) ? sqlite3_system_errno(db) : EINVAL;
		snprintf(err, errlen, "%s: cannot create: %s", path,
		         db ? sqlite3_errmsg(db) : "out of memory");
	}
	/* WAL from the start, while no one else can see the file: else every
	 * program that opens the new store at once would race to switch it, and
	 * that switch needs the exclusive lock (a few of 16 were refused on a
	 * tmpfs). Where WAL cannot work, the open that follows says so. */
	if (!e)
		(void)exec(db, "PRAGMA journal_mode = WAL");
	sqlite3_close(db);
	if (!e && link(tmp, path) != 0 && errno != EEXIST) {
		e = errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(e));
	}
	unlink(tmp);
	free(tmp);
	errno = e;
	return e ? -1 : 0;
}

struct store *lite_open(const char *path, unsigned flags, char *err, size_t errlen)
{
	char dummy[8];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	if (!path || !*path) {
		snprintf(err, errlen, "no store path (set SMS_DB)");
		errno = EINVAL;
		return NULL;
	}
	if (sqlite3_libversion_number() < 3031000) {
		snprintf(err, errlen, "SQLite %s is too old: smskit needs 3.31 or later",
		         sqlite3_libversion());
		errno = EINVAL;
		return NULL;
	}
	if (util_make_parents(path, err, errlen) || create_store(path, err, errlen))
		return NULL;
	/* SQLite would take an empty file for a new database and make it a store.
	 * smskit never leaves one (create_store), so an empty file is somebody
	 * else's: a path mistyped onto another file, a store truncated by a
	 * failed copy. */
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0) {
		snprintf(err, errlen, "%s: an empty file, which smskit never makes (the sqlite3 "
		         "command leaves one when it opens a path where no store is); refused rather "
		         "than made a store, in case it is the wrong path or a store that lost its "
		         "contents. To start afresh with a new store there, remove the file", path);
		errno = EINVAL;
		return NULL;
	}

	struct store *s = xcalloc(1, sizeof *s);
	s->h.ops = &store__lite_ops;
	static atomic_ullong serials;
	s->serial = atomic_fetch_add(&serials, 1) + 1;
	s->h.path = xstrdup(path);
	int e = EINVAL, v = 0, app = 0, ntables = 0;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		e = sqlite3_system_errno(s->db) ? sqlite3_system_errno(s->db) : EINVAL;
		snprintf(err, errlen, "%s: cannot open: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* Waits for the write lock in steps of a millisecond: SQLite's own
	 * busy_timeout backs off to 100 ms sleeps, which many short writers (a
	 * CGI request each) turn into long, needless waits. */
	sqlite3_busy_handler(s->db, busy_wait, NULL);
	s->flags = flags;
	if (flags & STORE_NO_CKPT_ON_CLOSE) {
		sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		/* In place of the autocheckpoint, which would copy up to 1,000
		 * pages back inside some request's commit: store_close does it. */
		sqlite3_wal_hook(s->db, wal_seen, s);
	}
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		snprintf(err, errlen, "%s: not writable by this user", path);
		e = EACCES;
		goto fail;
	}
	/* One statement, so one snapshot: another process may be migrating. */
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "SELECT (SELECT user_version FROM pragma_user_version), "
	                            "(SELECT application_id FROM pragma_application_id), "
	                            "(SELECT count(*) FROM sqlite_master)", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sqlite3_column_int(st, 0);
		app = sqlite3_column_int(st, 1);
		ntables = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		int c = sqlite3_errcode(s->db);
		if (c == SQLITE_NOTADB)
			snprintf(err, errlen, "%s: not an SQLite database", path);
		else if (is_busy(s->db))
			snprintf(err, errlen, "%s: the store stayed locked by another process", path);
		else
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		e = is_busy(s->db) ? EAGAIN : EINVAL;
		goto fail;
	}
	if (app != 0 && app != APPLICATION_ID) {
		snprintf(err, errlen, "%s: an SQLite database of another program (application_id "
		         "0x%08x), not an smskit store", path, (unsigned)app);
		goto fail;
	}
	if (v == 0 && ntables > 0) {
		snprintf(err, errlen, "%s: an SQLite database with tables but no smskit schema "
		         "version; not an smskit store", path);
		goto fail;
	}
	if (v < 0) {
		snprintf(err, errlen, "%s: schema version %d; not an smskit store", path, v);
		goto fail;
	}
	if (v > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is newer than this smskit knows (%d); "
		         "upgrade smskit", path, v, STORE_SCHEMA_VERSION);
		goto fail;
	}

	const char *mode = NULL;
	char got[16] = "";
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && (mode = (const char *)sqlite3_column_text(st, 0)))
			snprintf(got, sizeof got, "%s", mode);
		sqlite3_finalize(st);
	}
	if (strcmp(got, "wal") != 0) {
		if (is_busy(s->db)) {
			snprintf(err, errlen, "%s: the store stayed locked by another process", path);
			e = EAGAIN;
		} else {
			snprintf(err, errlen, "%s: cannot use write-ahead logging here (%s)", path,
			         *got ? got : sqlite3_errmsg(s->db));
		}
		goto fail;
	}
	/* temp_store: the statement and savepoint journals of a transaction (each
	 * writer runs in a savepoint inside a caller's transaction) and the small
	 * tables SQLite builds for the CHECK (... IN (...)) lists stay in memory
	 * instead of spilling to files in /var/tmp. They only serve to undo part of
	 * a live transaction, never crash recovery: durability is unchanged. */
	if (exec(s->db, flags & STORE_SYNC_NORMAL ? "PRAGMA synchronous = NORMAL"
	                                          : "PRAGMA synchronous = FULL") ||
	    exec(s->db, "PRAGMA journal_size_limit = 67108864") ||
	    exec(s->db, "PRAGMA temp_store = MEMORY")) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	s->h.version = v;
	if (v < STORE_SCHEMA_VERSION && migrate(s, err, errlen)) {
		e = errno;
		goto fail;
	}
	int fk = 0;
	if (exec(s->db, "PRAGMA foreign_keys = ON") ||
	    query_int(s->db, "PRAGMA foreign_keys", &fk) || fk != 1) {
		snprintf(err, errlen, "%s: cannot enable foreign keys", path);
		goto fail;
	}
	return s;
fail:
	store_close(s);
	errno = e;
	return NULL;
}

/* About how many frames the WAL holds, from its size (frames of a 24-byte
 * header and a page of SQLite's default 4,096 bytes); 0 without a WAL. */
static long wal_frames(const struct store *s)
{
	char wal[PATH_MAX];
	struct stat sb;
	if (snprintf(wal, sizeof wal, "%s-wal", s->h.path) >= (int)sizeof wal || stat(wal, &sb) != 0)
		return 0;
	return (long)(sb.st_size / (4096 + 24));
}

void lite_close(struct store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < ST__N; i++)
		sqlite3_finalize(s->st[i]);
	for (size_t i = 0; i < UPD_CACHE; i++)
		sqlite3_finalize(s->upd[i].st);
	/* STORE_NO_CKPT_ON_CLOSE: the WAL is copied back here, after the
	 * request's answer, in two ways. While other connections are open, a
	 * passive checkpoint (never waiting for a lock) once this connection's
	 * last commit left STORE_CKPT_FRAMES or more. And when this is the last
	 * connection, what SQLite's close does by default: copy the WAL back and
	 * remove it. That one matters because the first connection to open the
	 * store rebuilds the WAL index by reading the whole WAL and forgets what
	 * was already copied back, so a WAL never removed, and every start,
	 * would grow without end. */
	if (s->flags & STORE_NO_CKPT_ON_CLOSE) {
		if (s->wal_seen >= STORE_CKPT_FRAMES)
			sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		if (wal_frames(s) >= STORE_CKPT_FRAMES)
			sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
	}
	sqlite3_close(s->db);
	free(s->h.path);
	free(s);
}

/* ---- The SQLite backend's table (store_backend.h) ---------------------------- */

#define STORE_OPS_LITE(ret, name, params, args) .name = lite_##name,
const struct store_ops store__lite_ops = {
	.close = lite_close,
	STORE_FNS(STORE_OPS_LITE)
};
