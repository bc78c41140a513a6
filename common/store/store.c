/* store — the SQLite store: schema, migrations, messages, events, opt-outs.
 * The only file of smskit that speaks SQL. See store.h and sms-config(5). */
#include "store.h"
#include "store_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000
#define APPLICATION_ID  0x534D534B /* "SMSK" in the file header: an smskit store */

/* ---- Schema ------------------------------------------------------------------
 * migrations[i] takes a file from user_version i to i + 1, in one transaction.
 * Never edit a released step: append a new one and bump STORE_SCHEMA_VERSION.
 * Times are UTC RFC 3339 text with whole seconds, so text order is time order. */

#define TIME_CHECK(c) "CHECK (" c " GLOB " \
	"'[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z')"

static const char migration_1[] =
	"PRAGMA application_id = 1397576523;\n"
	"CREATE TABLE messages (\n"
	"  id              INTEGER PRIMARY KEY,\n"
	"  direction       TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),\n"
	"  status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected',\n"
	"                  'sending', 'queued', 'scheduled', 'sent', 'delivered', 'undelivered',\n"
	"                  'failed', 'canceled', 'unknown', 'received')),\n"
	"  to_number       TEXT NOT NULL CHECK (to_number <> ''),\n"
	"  from_number     TEXT,\n"
	"  body            TEXT NOT NULL DEFAULT '',\n"
	"  media           TEXT,\n"
	"  encoding        TEXT CHECK (encoding IN ('GSM-7', 'UCS-2')),\n"
	"  segments        INTEGER CHECK (segments >= 0),\n"
	"  price_estimate  TEXT,\n"
	"  price           TEXT,\n"
	"  currency        TEXT,\n"
	"  provider        TEXT,\n"
	"  provider_id     TEXT CHECK (provider_id IS NULL OR provider IS NOT NULL),\n"
	"  priority        TEXT NOT NULL DEFAULT 'normal'\n"
	"                  CHECK (priority IN ('urgent', 'high', 'normal', 'low')),\n"
	"  priority_rank   INTEGER GENERATED ALWAYS AS (CASE priority WHEN 'urgent' THEN 3\n"
	"                  WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END) VIRTUAL,\n"
	"  notes           TEXT,\n"
	"  ref             TEXT,\n"
	"  reply_to        INTEGER REFERENCES messages (id) ON DELETE SET NULL,\n"
	"  read            INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),\n"
	"  replied         INTEGER NOT NULL DEFAULT 0 CHECK (replied IN (0, 1)),\n"
	"  created_at      TEXT NOT NULL " TIME_CHECK("created_at") ",\n"
	"  updated_at      TEXT NOT NULL " TIME_CHECK("updated_at") ",\n"
	"  send_at         TEXT " TIME_CHECK("send_at") ",\n"
	"  sent_at         TEXT " TIME_CHECK("sent_at") ",\n"
	"  delivered_at    TEXT " TIME_CHECK("delivered_at") ",\n"
	"  reviewed_by     TEXT,\n"
	"  reviewed_at     TEXT " TIME_CHECK("reviewed_at") ",\n"
	"  review_reason   TEXT,\n"
	"  reason          TEXT,\n"
	"  error_code      TEXT,\n"
	"  error_message   TEXT,\n"
	"  error_retryable INTEGER CHECK (error_retryable IN (0, 1)),\n"
	"  provider_code   NUMERIC,\n"
	"  warnings        TEXT\n"
	");\n"
	"CREATE UNIQUE INDEX messages_provider_id ON messages (provider, provider_id);\n"
	"CREATE INDEX messages_inbox ON messages (direction, read, created_at);\n"
	"CREATE INDEX messages_to ON messages (to_number, created_at);\n"
	"CREATE INDEX messages_from ON messages (from_number, created_at);\n"
	"CREATE INDEX messages_queue ON messages (status, priority_rank DESC, created_at);\n"
	"CREATE INDEX messages_reply_to ON messages (reply_to);\n"
	"CREATE TABLE events (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  message_id  INTEGER REFERENCES messages (id) ON DELETE CASCADE,\n"
	"  at          TEXT NOT NULL " TIME_CHECK("at") ",\n"
	"  kind        TEXT NOT NULL CHECK (kind <> ''),\n"
	"  status      TEXT,\n"
	"  detail      TEXT\n"
	");\n"
	"CREATE INDEX events_message ON events (message_id, id);\n"
	"CREATE TRIGGER events_append_only BEFORE UPDATE ON events\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n"
	"CREATE TABLE autoresponders (\n"
	"  id                INTEGER PRIMARY KEY,\n"
	"  trigger           TEXT NOT NULL CHECK (trigger <> ''),\n"
	"  response          TEXT NOT NULL,\n"
	"  enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),\n"
	"  active_hours      TEXT,\n"
	"  created_at        TEXT NOT NULL " TIME_CHECK("created_at") ",\n"
	"  last_triggered_at TEXT " TIME_CHECK("last_triggered_at") ",\n"
	"  trigger_count     INTEGER NOT NULL DEFAULT 0 CHECK (trigger_count >= 0)\n"
	");\n"
	"CREATE TABLE templates (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  name        TEXT NOT NULL CHECK (name <> ''),\n"
	"  body        TEXT NOT NULL,\n"
	"  created_at  TEXT NOT NULL " TIME_CHECK("created_at") ",\n"
	"  updated_at  TEXT NOT NULL " TIME_CHECK("updated_at") "\n"
	");\n"
	"CREATE UNIQUE INDEX templates_name ON templates (name);\n"
	"CREATE TABLE optouts (\n"
	"  number  TEXT PRIMARY KEY CHECK (number GLOB '+[1-9]*' AND length(number) <= 16\n"
	"          AND substr(number, 2) NOT GLOB '*[^0-9]*'),\n"
	"  at      TEXT NOT NULL " TIME_CHECK("at") ",\n"
	"  source  TEXT NOT NULL\n"
	");\n";

/* Version 2: senders record their claim; a key/value table for cursors; an
 * index for summing spend by day and month (SPEND_AT, see store_spend_since). */
static const char migration_2[] =
	"ALTER TABLE messages ADD COLUMN claimed_by TEXT;\n"
	"ALTER TABLE messages ADD COLUMN claimed_at TEXT " TIME_CHECK("claimed_at") ";\n"
	"CREATE INDEX messages_spend ON messages (" SPEND_AT ") WHERE direction = 'outbound';\n"
	"CREATE TABLE kv (\n"
	"  key         TEXT PRIMARY KEY,\n"
	"  value       TEXT NOT NULL,\n"
	"  updated_at  TEXT NOT NULL " TIME_CHECK("updated_at") "\n"
	");\n";

/* Version 3: the spend index holds only the messages that count as spend
 * (SPEND_STATUS, see store_spend_since): staged (pending, approved, rejected),
 * failed and canceled ones, many of them created today, are no longer read
 * one by one to be thrown away. The query repeats SPEND_STATUS, so that SQLite
 * may use the partial index. */
static const char migration_3[] =
	"DROP INDEX messages_spend;\n"
	"CREATE INDEX messages_spend ON messages (" SPEND_AT ") "
	"WHERE direction = 'outbound' AND " SPEND_STATUS ";\n";

/* Version 4: a sender notes when a message's request starts (requested_at),
 * in the transaction that commits right before it; so that, after the sender
 * died, a claimed message never requested can go back to the approved queue
 * instead of becoming unknown. Messages already sending when the store is
 * migrated count as requested: nobody can tell. */
static const char migration_4[] =
	"ALTER TABLE messages ADD COLUMN requested_at TEXT " TIME_CHECK("requested_at") ";\n"
	"UPDATE messages SET requested_at = coalesce(claimed_at, updated_at) "
	"WHERE status = 'sending';\n";

static const char *const migrations[] = {migration_1, migration_2, migration_3, migration_4};

_Static_assert(sizeof migrations / sizeof *migrations == STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- Prepared statements: the SQL of the cached ones (store_internal.h) ----- */

static const char *const static_sql[ST__N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT store_op",
	[ST_RELEASE] = "RELEASE store_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO store_op",
	[ST_JOB_SAVEPOINT] = "SAVEPOINT store_job",
	[ST_JOB_RELEASE] = "RELEASE store_job",
	[ST_JOB_ROLLBACK_TO] = "ROLLBACK TO store_job",
	[ST_MSG_STATE] = "SELECT direction, status, sent_at, delivered_at, reviewed_at "
	                 "FROM messages WHERE id = ?1",
	[ST_MSG_BY_PROVIDER_ID] = "SELECT id FROM messages WHERE provider = ?1 AND provider_id = ?2",
	[ST_EVENT_INSERT] = "INSERT INTO events (message_id, at, kind, status, detail) "
	                    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_MSG_FLAGS] = "SELECT direction, read, replied FROM messages WHERE id = ?1",
	[ST_MSG_SET_READ] = "UPDATE messages SET read = ?2, updated_at = ?3 WHERE id = ?1",
	[ST_MSG_SET_REPLIED] = "UPDATE messages SET replied = 1, updated_at = ?2 WHERE id = ?1",
	[ST_MSG_REQUESTED] = "UPDATE messages SET requested_at = ?3 WHERE id = ?1 AND "
	                     "status = 'sending' AND requested_at IS NULL",
	/* Only a message that was approved (reviewed_at) and never requested. */
	[ST_MSG_UNCLAIM] = "UPDATE messages SET status = 'approved', reason = ?2, updated_at = ?3, "
	                   "claimed_by = NULL, claimed_at = NULL WHERE id = ?1 AND "
	                   "direction = 'outbound' AND status = 'sending' AND "
	                   "requested_at IS NULL AND reviewed_at IS NOT NULL",
};

/* ---- Errors ------------------------------------------------------------------ */

void store__seterr(struct store *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errbuf, sizeof s->errbuf, fmt, ap);
	va_end(ap);
}

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

const char *store_errmsg(const struct store *s) { return s ? s->errbuf : "no store"; }
const char *store_path(const struct store *s) { return s->path; }
int store_version(const struct store *s) { return s->version; }

/* ---- Statements ------------------------------------------------------------ */

static char *build_sql(enum store_st id)
{
	struct strbuf b;
	strbuf_init(&b);
	switch (id) {
	case ST_MSG_INSERT:
		strbuf_puts(&b, "INSERT INTO messages (");
		for (size_t i = 0; i < NCOLS; i++)
			strbuf_printf(&b, "%s%s", i ? ", " : "", store__mcols[i].col);
		strbuf_puts(&b, ") VALUES (");
		for (size_t i = 0; i < NCOLS; i++)
			strbuf_printf(&b, "%s?%zu", i ? ", " : "", i + 1);
		strbuf_puts(&b, ") ON CONFLICT (provider, provider_id) DO NOTHING");
		break;
	case ST_MSG_GET:
		strbuf_puts(&b, "SELECT id");
		for (size_t i = 0; i < NCOLS; i++)
			strbuf_printf(&b, ", %s", store__mcols[i].col);
		strbuf_puts(&b, " FROM messages WHERE id = ?1");
		break;
	default:
		strbuf_puts(&b, static_sql[id]);
		break;
	}
	return strbuf_detach(&b);
}

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

/* A cached statement of this file's: the message table's two are built from store__mcols. */
static sqlite3_stmt *stmt(struct store *s, enum store_st id)
{
	if (s->st[id] || (id != ST_MSG_INSERT && id != ST_MSG_GET))
		return store__stmt(s, static_sql, id);
	char *sql = build_sql(id);
	const char *built[ST__N] = {[ST_MSG_INSERT] = sql, [ST_MSG_GET] = sql};
	sqlite3_stmt *st = store__stmt(s, built, id);
	free(sql);
	return st;
}

/* UPDATE messages SET <the columns in cols> = ?(i+1) WHERE id = ?(NCOLS+1). */
static sqlite3_stmt *update_stmt(struct store *s, uint64_t cols)
{
	for (size_t i = 0; i < UPD_CACHE; i++)
		if (s->upd[i].st && s->upd[i].cols == cols)
			return s->upd[i].st;
	struct strbuf b;
	strbuf_init(&b);
	strbuf_puts(&b, "UPDATE messages SET ");
	int n = 0;
	for (size_t i = 0; i < NCOLS; i++)
		if (cols >> i & 1)
			strbuf_printf(&b, "%s%s = ?%zu", n++ ? ", " : "", store__mcols[i].col, i + 1);
	strbuf_printf(&b, " WHERE id = ?%d", NCOLS + 1);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, b.s, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	strbuf_free(&b);
	if (rc != SQLITE_OK) {
		store__dberr(s, "preparing a statement");
		sqlite3_finalize(st);
		return NULL;
	}
	unsigned k = s->upd_next++ % UPD_CACHE;
	sqlite3_finalize(s->upd[k].st);
	s->upd[k].cols = cols;
	s->upd[k].st = st;
	return st;
}

void store__done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows. */
static int run(struct store *s, enum store_st id, const char *what)
{
	sqlite3_stmt *st = stmt(s, id);
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

/* ---- Transactions ------------------------------------------------------------ */

int store_begin_immediate(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db)) {
		store__seterr(s, "a transaction is already open");
		return STORE_ERR;
	}
	return run(s, ST_BEGIN, "beginning a transaction");
}

int store_commit(struct store *s)
{
	if (run(s, ST_COMMIT, "committing") == STORE_OK)
		return STORE_OK;
	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_stmt *st = stmt(s, ST_ROLLBACK);
		if (st) {
			sqlite3_step(st);
			store__done(st);
		}
	}
	return STORE_ERR;
}

int store_rollback(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return STORE_OK; /* nothing open (SQLite may have rolled back already) */
	return run(s, ST_ROLLBACK, "rolling back");
}

int store_savepoint(struct store *s)
{
	if (sqlite3_get_autocommit(s->db)) {
		store__seterr(s, "a savepoint needs an open transaction");
		return STORE_ERR;
	}
	return run(s, ST_JOB_SAVEPOINT, "savepoint");
}

int store_savepoint_release(struct store *s)
{
	return run(s, ST_JOB_RELEASE, "releasing a savepoint");
}

int store_savepoint_rollback(struct store *s)
{
	char keep[sizeof s->errbuf];
	memcpy(keep, s->errbuf, sizeof keep);
	int rc = STORE_OK;
	if (!sqlite3_get_autocommit(s->db)) {
		rc = run(s, ST_JOB_ROLLBACK_TO, "rolling back a savepoint");
		if (run(s, ST_JOB_RELEASE, "releasing a savepoint") != STORE_OK)
			rc = STORE_ERR;
	}
	memcpy(s->errbuf, keep, sizeof keep);
	return rc;
}

/* ---- Atomic writers --------------------------------------------------------- */

sqlite3 *store__db(struct store *s) { return s->db; }

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
	char keep[sizeof s->errbuf];
	memcpy(keep, s->errbuf, sizeof keep);
	if (own) {
		store_rollback(s);
	} else if (!sqlite3_get_autocommit(s->db)) {
		run(s, ST_ROLLBACK_TO, "rolling back a savepoint");
		run(s, ST_RELEASE, "releasing a savepoint");
	}
	memcpy(s->errbuf, keep, sizeof keep);
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
			s->version = v;
			break;
		}
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (exec(s->db, migrations[v]) || exec(s->db, sql))
			goto rollback;
		int bad = 0;
		if (query_int(s->db, "SELECT count(*) FROM pragma_foreign_key_check", &bad))
			goto rollback;
		if (bad) {
			exec(s->db, "ROLLBACK");
			snprintf(err, errlen, "%s: migrating to schema version %d would break %d "
			         "foreign key(s); nothing was changed", s->path, v + 1, bad);
			errno = EINVAL;
			return -1;
		}
		if (exec(s->db, "COMMIT"))
			goto rollback;
	}
	if (s->version != STORE_SCHEMA_VERSION) {
		if (s->version > STORE_SCHEMA_VERSION)
			snprintf(err, errlen, "%s: schema version %d is newer than this smskit knows "
			         "(%d); upgrade smskit", s->path, s->version, STORE_SCHEMA_VERSION);
		else
			snprintf(err, errlen, "%s: schema version %d; not an smskit store", s->path,
			         s->version);
		errno = EINVAL;
		return -1;
	}
	return 0;
rollback:
	busy = is_busy(s->db);
	snprintf(err, errlen, "%s: migrating the schema: %s", s->path,
	         busy ? "the store stayed locked by another process" : sqlite3_errmsg(s->db));
	exec(s->db, "ROLLBACK");
	errno = busy ? EAGAIN : EINVAL;
	return -1;
dberror:
	busy = is_busy(s->db);
	snprintf(err, errlen, "%s: %s", s->path,
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

struct store *store_open(const char *path, unsigned flags, char *err, size_t errlen)
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
	s->path = xstrdup(path);
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
	s->version = v;
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
	if (snprintf(wal, sizeof wal, "%s-wal", s->path) >= (int)sizeof wal || stat(wal, &sb) != 0)
		return 0;
	return (long)(sb.st_size / (4096 + 24));
}

void store_close(struct store *s)
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
	free(s->path);
	free(s);
}

/* ---- Values to statements --------------------------------------------------- */

void store__bind_val(sqlite3_stmt *st, int idx, const struct val *v)
{
	if (v->type == V_INT)
		sqlite3_bind_int64(st, idx, v->i);
	else if (v->type == V_TEXT)
		sqlite3_bind_text(st, idx, v->t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, idx);
}

/* ---- Events -------------------------------------------------------------------- */

int store__event_insert(struct store *s, int64_t message_id, const char *kind,
                         const char *status, const char *detail, int64_t *id)
{
	sqlite3_stmt *st = stmt(s, ST_EVENT_INSERT);
	if (!st)
		return STORE_ERR;
	char now[TIME_LEN];
	store__now(now);
	if (message_id > 0)
		sqlite3_bind_int64(st, 1, message_id);
	else
		sqlite3_bind_null(st, 1);
	store__bind_text(st, 2, now);
	store__bind_text(st, 3, kind);
	store__bind_text(st, 4, status);
	store__bind_text(st, 5, detail);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
			store__seterr(s, "message %" PRId64 ": no such message", message_id);
		else
			store__dberr(s, "appending an event");
		store__done(st);
		return STORE_ERR;
	}
	store__done(st);
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return STORE_OK;
}

int store_event_append(struct store *s, int64_t message_id, const char *kind,
                       const char *status, const cJSON *detail, int64_t *id)
{
	if (!kind || !*kind) {
		store__seterr(s, "an event needs a kind");
		return STORE_ERR;
	}
	if (message_id < 0) {
		store__seterr(s, "message %" PRId64 ": no such message", message_id);
		return STORE_ERR;
	}
	char *d = detail ? cJSON_PrintUnformatted(detail) : NULL;
	int own, rc = store__op_begin(s, &own);
	if (rc == STORE_OK)
		rc = store__op_end(s, own, store__event_insert(s, message_id, kind, status, d, id));
	cJSON_free(d);
	return rc;
}

/* ---- Messages ----------------------------------------------------------------- */

static int msg_by_provider_id(struct store *s, const char *provider, const char *pid,
                              int64_t *id)
{
	sqlite3_stmt *st = stmt(s, ST_MSG_BY_PROVIDER_ID);
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, provider);
	store__bind_text(st, 2, pid);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	store__done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	return store__dberr(s, "looking up a provider id");
}

int store_msg_find_provider_id(struct store *s, const char *provider, const char *provider_id,
                               int64_t *id)
{
	if (!provider || !provider_id) {
		store__seterr(s, "a provider and a provider id are needed");
		return STORE_ERR;
	}
	int rc = msg_by_provider_id(s, provider, provider_id, id);
	if (rc == STORE_NOTFOUND)
		store__seterr(s, "%s message %s: not in the store", provider, provider_id);
	return rc;
}

/* Stores the row; STORE_EXISTS when (provider, provider_id) is already there. */
static int msg_insert_row(struct store *s, struct val *v, int64_t *id)
{
	sqlite3_stmt *st = stmt(s, ST_MSG_INSERT);
	if (!st)
		return STORE_ERR;
	for (size_t i = 0; i < NCOLS; i++)
		store__bind_val(st, (int)i + 1, &v[i]);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
			store__seterr(s, "reply_to %" PRId64 ": no such message", v[C_REPLY_TO].i);
		else
			store__dberr(s, "storing the message");
		store__done(st);
		return STORE_ERR;
	}
	store__done(st);
	if (sqlite3_changes(s->db) == 0) {
		rc = msg_by_provider_id(s, v[C_PROVIDER].t, v[C_PROVIDER_ID].t, id);
		if (rc == STORE_NOTFOUND) {
			store__seterr(s, "storing the message: a conflict with no conflicting message");
			return STORE_ERR;
		}
		if (rc == STORE_OK)
			store__seterr(s, "%s message %s: already stored as message %" PRId64, v[C_PROVIDER].t,
			       v[C_PROVIDER_ID].t, *id);
		return rc == STORE_OK ? STORE_EXISTS : rc;
	}
	*id = sqlite3_last_insert_rowid(s->db);
	char detail[96];
	snprintf(detail, sizeof detail, "{\"direction\":\"%s\"}", v[C_DIRECTION].t);
	return store__event_insert(s, *id, "created", v[C_STATUS].t, detail, NULL);
}

int store_msg_insert(struct store *s, const cJSON *rec, int64_t *id)
{
	struct val v[NCOLS];
	memset(v, 0, sizeof v);
	int rc = STORE_ERR;
	char now[TIME_LEN];
	store__now(now);
	if (store__insert_vals(s, rec, v, now))
		goto out;
	if (v[C_PROVIDER_ID].t && !v[C_PROVIDER].t) {
		store__seterr(s, "provider_id: given without a provider");
		goto out;
	}

	int own;
	if (store__op_begin(s, &own))
		goto out;
	rc = store__op_end(s, own, msg_insert_row(s, v, id));
out:
	store__vals_free(v);
	return rc;
}

static cJSON *column_json(sqlite3_stmt *st, int i, const struct mcol *c)
{
	int t = sqlite3_column_type(st, i);
	switch (c->type) {
	case T_BOOL:
		return cJSON_CreateBool(t != SQLITE_NULL && sqlite3_column_int64(st, i) != 0);
	case T_ARRAY: {
		cJSON *a = NULL;
		if (t != SQLITE_NULL)
			a = cJSON_Parse((const char *)sqlite3_column_text(st, i));
		if (!cJSON_IsArray(a)) {
			cJSON_Delete(a);
			a = cJSON_CreateArray();
		}
		return a;
	}
	default:
		break;
	}
	if (t == SQLITE_NULL)
		return cJSON_CreateNull();
	if (t == SQLITE_INTEGER)
		return cJSON_CreateNumber((double)sqlite3_column_int64(st, i));
	if (t == SQLITE_FLOAT)
		return cJSON_CreateNumber(sqlite3_column_double(st, i));
	return cJSON_CreateString((const char *)sqlite3_column_text(st, i));
}

int store_msg_get(struct store *s, int64_t id, cJSON **out)
{
	*out = NULL;
	sqlite3_stmt *st = stmt(s, ST_MSG_GET);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store__done(st);
		if (rc == SQLITE_DONE) {
			store__seterr(s, "message %" PRId64 ": no such message", id);
			return STORE_NOTFOUND;
		}
		return store__dberr(s, "reading a message");
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "id", (double)sqlite3_column_int64(st, 0));
	cJSON *err = NULL;
	for (size_t i = 0; i < NCOLS; i++) {
		const struct mcol *c = &store__mcols[i];
		if (!(c->flags & F_OUT))
			continue;
		cJSON *j = column_json(st, (int)i + 1, c);
		if (!c->sub) {
			cJSON_AddItemToObject(r, c->key, j);
			continue;
		}
		/* The error object: present when there is an error code. */
		if (i == C_ERROR_CODE) {
			if (cJSON_IsNull(j)) {
				cJSON_AddNullToObject(r, c->key);
			} else {
				err = cJSON_CreateObject();
				cJSON_AddItemToObject(r, c->key, err);
			}
		}
		if (err && !(i == C_PROVIDER_CODE && cJSON_IsNull(j)))
			cJSON_AddItemToObject(err, c->sub, j);
		else
			cJSON_Delete(j);
	}
	store__done(st);
	*out = r;
	return STORE_OK;
}

struct msg_state {
	char direction[16], status[16];
	int  has_sent_at, has_delivered_at, has_reviewed_at;
};

static int msg_state(struct store *s, int64_t id, struct msg_state *m)
{
	sqlite3_stmt *st = stmt(s, ST_MSG_STATE);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(m->direction, sizeof m->direction, "%s", sqlite3_column_text(st, 0));
		snprintf(m->status, sizeof m->status, "%s", sqlite3_column_text(st, 1));
		m->has_sent_at = sqlite3_column_type(st, 2) != SQLITE_NULL;
		m->has_delivered_at = sqlite3_column_type(st, 3) != SQLITE_NULL;
		m->has_reviewed_at = sqlite3_column_type(st, 4) != SQLITE_NULL;
	}
	store__done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE) {
		store__seterr(s, "message %" PRId64 ": no such message", id);
		return STORE_NOTFOUND;
	}
	return store__dberr(s, "reading a message");
}

static int msg_set_status(struct store *s, int64_t id, const char *status, struct val *v,
                          const cJSON *fields, const cJSON *detail)
{
	struct msg_state m;
	int rc = msg_state(s, id, &m);
	if (rc != STORE_OK)
		return rc;
	if (strcmp(m.direction, "inbound") == 0 ? strcmp(status, "received") != 0
	                                         : strcmp(status, "received") == 0) {
		store__seterr(s, "message %" PRId64 ": an %s message cannot be %s", id, m.direction, status);
		return STORE_REFUSED;
	}
	if (!store_status_next_ok(m.status, status)) {
		store__seterr(s, "message %" PRId64 ": cannot move from %s to %s", id, m.status, status);
		return STORE_REFUSED;
	}
	int changed = strcmp(m.status, status) != 0;
	char now[TIME_LEN];
	store__now(now);
	v[C_STATUS].set = 1;
	store__val_text(&v[C_STATUS], status);
	v[C_UPDATED_AT].set = 1;
	store__val_text(&v[C_UPDATED_AT], now);
	if (changed && !v[C_REASON].set)
		v[C_REASON].set = 1; /* value NULL: a new status makes the old reason stale */
	if (!v[C_SENT_AT].set && !m.has_sent_at && store__in_list(status, " queued sent delivered undelivered ")) {
		v[C_SENT_AT].set = 1;
		store__val_text(&v[C_SENT_AT], now);
	}
	if (!v[C_DELIVERED_AT].set && !m.has_delivered_at && strcmp(status, "delivered") == 0) {
		v[C_DELIVERED_AT].set = 1;
		store__val_text(&v[C_DELIVERED_AT], now);
	}
	if (changed && !v[C_REVIEWED_AT].set && !m.has_reviewed_at &&
	    store__in_list(status, " approved rejected ")) {
		v[C_REVIEWED_AT].set = 1;
		store__val_text(&v[C_REVIEWED_AT], now);
	}
	if (changed && strcmp(status, "sending") == 0) {
		v[C_CLAIMED_AT].set = 1;
		store__val_text(&v[C_CLAIMED_AT], now);
		v[C_CLAIMED_BY].set = 1; /* the new claimant, or nobody named */
		v[C_REQUESTED_AT].set = 1; /* a new claim: its request is still to come */
	}

	uint64_t cols = 0;
	for (size_t i = 0; i < NCOLS; i++)
		if (v[i].set)
			cols |= (uint64_t)1 << i;
	sqlite3_stmt *st = update_stmt(s, cols);
	if (!st)
		return STORE_ERR;
	for (size_t i = 0; i < NCOLS; i++)
		if (v[i].set)
			store__bind_val(st, (int)i + 1, &v[i]);
	sqlite3_bind_int64(st, NCOLS + 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
			store__seterr(s, "provider_id: another message already has it");
		else
			store__dberr(s, "updating the message");
		store__done(st);
		return STORE_ERR;
	}
	store__done(st);

	cJSON *d;
	if (cJSON_IsObject(detail)) {
		d = cJSON_Duplicate(detail, 1);
	} else {
		d = cJSON_CreateObject();
		if (detail)
			cJSON_AddItemToObject(d, "detail", cJSON_Duplicate(detail, 1));
	}
	if (!cJSON_HasObjectItem(d, "previous"))
		cJSON_AddStringToObject(d, "previous", m.status);
	if (cJSON_IsObject(fields) && fields->child && !cJSON_HasObjectItem(d, "fields"))
		cJSON_AddItemToObject(d, "fields", cJSON_Duplicate(fields, 1));
	char *text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	rc = store__event_insert(s, id, "status", status, text, NULL);
	cJSON_free(text);
	return rc;
}

int store_msg_set_status(struct store *s, int64_t id, const char *status,
                         const cJSON *fields, const cJSON *detail)
{
	if (!store_status_valid(status)) {
		store__seterr(s, "status: %s is not a message status", status ? status : "(none)");
		return STORE_ERR;
	}
	struct val v[NCOLS];
	memset(v, 0, sizeof v);
	int rc = STORE_ERR, own;
	if (store__update_vals(s, fields, v) == 0 && store__op_begin(s, &own) == STORE_OK) {
		/* A refusal or an unknown id wrote nothing: committing is harmless. */
		rc = store__op_end(s, own, msg_set_status(s, id, status, v, fields, detail));
	}
	store__vals_free(v);
	return rc;
}

/* ---- Read and replied (the inbox) ---------------------------------------------- */

/* Inside op_begin/op_end: sets flag (0 read, 1 replied) of inbound message id. */
static int msg_mark(struct store *s, int64_t id, int flag, int value)
{
	sqlite3_stmt *st = stmt(s, ST_MSG_FLAGS);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	char direction[16] = "";
	int have = 0;
	if (rc == SQLITE_ROW) {
		snprintf(direction, sizeof direction, "%s", sqlite3_column_text(st, 0));
		have = sqlite3_column_int(st, 1 + flag);
	}
	store__done(st);
	if (rc == SQLITE_DONE) {
		store__seterr(s, "message %" PRId64 ": no such message", id);
		return STORE_NOTFOUND;
	}
	if (rc != SQLITE_ROW)
		return store__dberr(s, "reading a message");
	if (strcmp(direction, "inbound") != 0) {
		store__seterr(s, "message %" PRId64 ": an %s message; only received (inbound) messages "
		       "are %s", id, direction, flag ? "replied to" : "marked read or unread");
		return STORE_REFUSED;
	}
	if (have == value)
		return STORE_OK;
	char now[TIME_LEN];
	store__now(now);
	st = stmt(s, flag ? ST_MSG_SET_REPLIED : ST_MSG_SET_READ);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	if (flag) {
		store__bind_text(st, 2, now);
	} else {
		sqlite3_bind_int(st, 2, value);
		store__bind_text(st, 3, now);
	}
	rc = sqlite3_step(st);
	store__done(st);
	if (rc != SQLITE_DONE)
		return store__dberr(s, "updating the message");
	return store__event_insert(s, id, flag ? "replied" : "read", NULL,
	                    flag ? "{\"replied\":true}" : value ? "{\"read\":true}" : "{\"read\":false}",
	                    NULL);
}

int store_msg_mark_read(struct store *s, int64_t id, int read)
{
	int own;
	if (store__op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	return store__op_end(s, own, msg_mark(s, id, 0, read != 0));
}

int store_msg_mark_replied(struct store *s, int64_t id)
{
	int own;
	if (store__op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	return store__op_end(s, own, msg_mark(s, id, 1, 1));
}

/* ---- A sender's request, and its claim given back ------------------------------ */

/* Runs statement which on message id with ?2 text (may be NULL) and ?3 now. */
static int msg_update(struct store *s, enum store_st which, int64_t id, const char *text,
                      const char *what)
{
	sqlite3_stmt *st = stmt(s, which);
	if (!st)
		return STORE_ERR;
	char now[TIME_LEN];
	store__now(now);
	sqlite3_bind_int64(st, 1, id);
	store__bind_text(st, 2, text);
	store__bind_text(st, 3, now);
	int rc = sqlite3_step(st);
	store__done(st);
	return rc == SQLITE_DONE ? STORE_OK : store__dberr(s, what);
}

int store_msg_requested(struct store *s, int64_t id)
{
	return msg_update(s, ST_MSG_REQUESTED, id, NULL, "noting a request");
}

static int msg_unclaim(struct store *s, int64_t id, const char *reason)
{
	int rc = msg_update(s, ST_MSG_UNCLAIM, id, reason, "giving a claim back");
	if (rc != STORE_OK)
		return rc;
	if (sqlite3_changes(s->db) == 0) {
		store__seterr(s, "message %" PRId64 ": not an approved message claimed and never requested",
		       id);
		return STORE_REFUSED;
	}
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "previous", "sending");
	cJSON_AddItemToObject(d, "fields", cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetObjectItem(d, "fields"), "reason", reason);
	char *text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	rc = store__event_insert(s, id, "status", "approved", text, NULL);
	cJSON_free(text);
	return rc;
}

int store_msg_unclaim(struct store *s, int64_t id, const char *reason)
{
	int own;
	if (store__op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	return store__op_end(s, own, msg_unclaim(s, id, reason));
}

int store_txn_open(const struct store *s) { return !sqlite3_get_autocommit(s->db); }

/* ---- Status callbacks for a message the store did not know ------------------------ */

int store_events_pending_status(struct store *s, const char *provider, const char *provider_id,
                                int (*fn)(int64_t event_id, const cJSON *pending, void *arg),
                                void *arg)
{
	/* message_id IS NULL walks the NULL end of events_message only. */
	sqlite3_stmt *st = store__prep(s, "SELECT id, json_extract(detail, '$.pending') FROM events "
	                           "WHERE message_id IS NULL AND kind = 'webhook' AND "
	                           "json_extract(detail, '$.pending.provider') = ?1 AND "
	                           "json_extract(detail, '$.pending.provider_id') = ?2 ORDER BY id");
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, provider);
	store__bind_text(st, 2, provider_id);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *p = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
		if (cJSON_IsObject(p))
			stop = fn(sqlite3_column_int64(st, 0), p, arg);
		cJSON_Delete(p);
	}
	sqlite3_finalize(st);
	if (stop)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_OK : store__dberr(s, "reading status callbacks");
}
