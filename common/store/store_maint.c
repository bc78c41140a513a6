/* store_maint — the SQLite side of the store's upkeep that reads the whole
 * file: the online backup, the integrity and foreign key checks, the counts
 * of sms-store stats. See store_maint.h; export, erase and prune are in
 * store_maint_rows.c. */
#include "store_maint.h"
#include "store_internal.h"
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

/* Pages copied per backup step: a progress line between steps. The source's
 * read transaction stays open across the steps, so they all copy one
 * snapshot and a writer's commit never restarts the copy. */
#define BACKUP_PAGES 1024

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

/* Removes dest's -wal and -shm files, left over from a store once at dest: a
 * new file there must not be read through another's log. */
static int drop_sidecars(struct store *s, const char *dest)
{
	static const char *const sfx[] = {"-wal", "-shm"};
	for (size_t i = 0; i < 2; i++) {
		char p[PATH_MAX];
		if (snprintf(p, sizeof p, "%s%s", dest, sfx[i]) >= (int)sizeof p ||
		    (unlink(p) != 0 && errno != ENOENT)) {
			store__seterr(s, "%s%s: cannot remove: %s", dest, sfx[i], strerror(errno));
			return STORE_ERR;
		}
	}
	return STORE_OK;
}

/* dest may be written: absent, or (force) a regular file that is not the
 * store. STORE_OK, STORE_EXISTS, or STORE_ERR with a sentence. */
static int dest_ok(struct store *s, const char *dest, int force)
{
	struct stat ds, ss;
	if (lstat(dest, &ds) != 0) {
		if (errno == ENOENT)
			return STORE_OK;
		store__seterr(s, "%s: %s", dest, strerror(errno));
		return STORE_ERR;
	}
	/* Nor its write-ahead log or index, which --force would replace. */
	static const char *const sfx[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[PATH_MAX];
		if (snprintf(p, sizeof p, "%s%s", s->h.path, sfx[i]) < (int)sizeof p &&
		    stat(p, &ss) == 0 && ds.st_dev == ss.st_dev && ds.st_ino == ss.st_ino) {
			store__seterr(s, "%s: that is the store itself%s", dest,
			              i ? " (one of its files)" : "");
			return STORE_ERR;
		}
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

/* Copies the source's snapshot into the file tmp. */
static int copy_into(struct store *s, const char *tmp, store_progress_fn fn, void *arg)
{
	sqlite3 *d = NULL;
	int rc = STORE_ERR;
	if (sqlite3_open_v2(tmp, &d, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		store__seterr(s, "%s: cannot open: %s", tmp, d ? sqlite3_errmsg(d) : "out of memory");
		sqlite3_close(d);
		return STORE_ERR;
	}
	/* The snapshot: a read transaction opened here and held to the end. */
	if (sqlite3_exec(s->db, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store__dberr(s, "starting the backup");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(d);
		return STORE_ERR;
	}
	sqlite3_backup *b = sqlite3_backup_init(d, "main", s->db, "main");
	if (!b) {
		store__seterr(s, "%s: cannot start the backup: %s", tmp, sqlite3_errmsg(d));
		goto out;
	}
	int step;
	while ((step = sqlite3_backup_step(b, BACKUP_PAGES)) == SQLITE_OK) {
		if (fn) {
			long long total = sqlite3_backup_pagecount(b);
			fn(total - sqlite3_backup_remaining(b), total, arg);
		}
	}
	if (fn) {
		long long total = sqlite3_backup_pagecount(b);
		fn(total, total, arg);
	}
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		store__seterr(s, "%s: the backup failed: %s", tmp, sqlite3_errstr(step));
		goto out;
	}
	/* A single file, like any SQLite database: the copy carries the store's
	 * WAL mode in its header, and a reader would make -wal and -shm files
	 * beside it. It becomes WAL again when a program opens it as its store. */
	if (sqlite3_exec(d, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		store__seterr(s, "%s: %s", tmp, sqlite3_errmsg(d));
		goto out;
	}
	rc = STORE_OK;
out:
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (sqlite3_close(d) != SQLITE_OK && rc == STORE_OK) {
		store__seterr(s, "%s: cannot close: %s", tmp, sqlite3_errmsg(d));
		rc = STORE_ERR;
	}
	return rc;
}

int lite_backup(struct store *s, const char *dest, int force, store_progress_fn fn,
                 void *arg, long long *bytes)
{
	*bytes = 0;
	if (!sqlite3_get_autocommit(s->db)) {
		store__seterr(s, "a backup cannot run inside a transaction");
		return STORE_ERR;
	}
	int rc = dest_ok(s, dest, force);
	if (rc != STORE_OK)
		return rc;
	struct strbuf tb;
	strbuf_init(&tb);
	strbuf_printf(&tb, "%s.XXXXXX", dest);
	char *tmp = strbuf_detach(&tb);
	int fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600: the copy holds personal data */
	if (fd < 0) {
		store__seterr(s, "%s: cannot create: %s", dest, strerror(errno));
		free(tmp);
		return STORE_ERR;
	}
	close(fd);
	rc = copy_into(s, tmp, fn, arg);
	/* Into place: link(2) refuses a dest that appeared meanwhile, rename(2)
	 * replaces it at once (force). */
	if (rc == STORE_OK && force) {
		rc = drop_sidecars(s, dest);
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
	unlink(tmp); /* after rename: already gone */
	free(tmp);
	if (rc == STORE_OK) {
		sync_dir_of(dest);
		*bytes = file_size(dest);
	}
	return rc;
}

/* ---- Check ---------------------------------------------------------------------- */

int lite_check(struct store *s, int (*fn)(const struct store_problem *p, void *arg),
                void *arg, long long *problems)
{
	*problems = 0;
	/* integrity_check: one row "ok", or up to 100 rows of what is wrong. */
	sqlite3_stmt *st = store__prep(s, "PRAGMA integrity_check");
	if (!st)
		return STORE_ERR;
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (t && strcmp(t, "ok") == 0)
			continue;
		struct store_problem p = {.check = "integrity_check", .message = t ? t : "?"};
		++*problems;
		stop = fn(&p, arg);
	}
	sqlite3_finalize(st);
	if (!stop && rc != SQLITE_DONE)
		return store__dberr(s, "checking integrity");
	if (stop)
		return STORE_OK;
	st = store__prep(s, "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check");
	if (!st)
		return STORE_ERR;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char msg[256];
		const char *tbl = (const char *)sqlite3_column_text(st, 0);
		const char *parent = (const char *)sqlite3_column_text(st, 2);
		long long rowid = sqlite3_column_int64(st, 1);
		snprintf(msg, sizeof msg, "%s row %lld refers to a row of %s that is not there",
		         tbl ? tbl : "?", rowid, parent ? parent : "?");
		struct store_problem p = {.check = "foreign_key_check", .message = msg,
		                          .table = tbl, .rowid = rowid, .parent = parent};
		++*problems;
		stop = fn(&p, arg);
	}
	sqlite3_finalize(st);
	if (!stop && rc != SQLITE_DONE)
		return store__dberr(s, "checking foreign keys");
	return STORE_OK;
}

/* ---- Stats ------------------------------------------------------------------------ */

/* The oldest and newest created_at: the ends of messages_inbox's four ranges
 * (direction, read), each found at once, where a min() over the table would
 * read every row. */
#define INBOX_ENDS(f)                                                                         \
	"SELECT " f "(t) FROM ("                                                              \
	"SELECT " f "(created_at) t FROM messages WHERE direction = 'outbound' AND read = 0 " \
	"UNION ALL SELECT " f "(created_at) FROM messages WHERE direction = 'outbound' AND read = 1 " \
	"UNION ALL SELECT " f "(created_at) FROM messages WHERE direction = 'inbound' AND read = 0 " \
	"UNION ALL SELECT " f "(created_at) FROM messages WHERE direction = 'inbound' AND read = 1)"

static const char stats_sql[] =
	"SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM events), "
	"(SELECT count(*) FROM optouts), (SELECT count(*) FROM templates), "
	"(SELECT count(*) FROM autoresponders), (SELECT count(*) FROM kv), "
	"(SELECT page_count * page_size FROM pragma_page_count, pragma_page_size), "
	"(SELECT freelist_count * page_size FROM pragma_freelist_count, pragma_page_size), "
	"(" INBOX_ENDS("min") "), (" INBOX_ENDS("max") ")";

int lite_stats(struct store *s, struct store_stats *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store__prep(s, stats_sql);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store__dberr(s, "counting");
		sqlite3_finalize(st);
		return STORE_ERR;
	}
	long long *n[] = {&out->messages, &out->events, &out->optouts, &out->templates,
	                  &out->autoresponders, &out->kv, &out->bytes, &out->free_bytes};
	for (int i = 0; i < 8; i++)
		*n[i] = sqlite3_column_int64(st, i);
	const char *o = (const char *)sqlite3_column_text(st, 8);
	const char *w = (const char *)sqlite3_column_text(st, 9);
	snprintf(out->oldest, sizeof out->oldest, "%s", o ? o : "");
	snprintf(out->newest, sizeof out->newest, "%s", w ? w : "");
	sqlite3_finalize(st);
	char wal[PATH_MAX];
	if (snprintf(wal, sizeof wal, "%s-wal", s->h.path) < (int)sizeof wal)
		out->wal_bytes = file_size(wal);
	out->bytes += out->wal_bytes;
	return STORE_OK;
}
