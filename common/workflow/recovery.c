/* recovery — the recovery file and its replay. See recovery.h. */
#include "recovery.h"
#include "delivery.h"
#include "groupshare.h"
#include "records.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct recovery {
	char *path;
	int   fd;
};

/* Keeps RECOVERY_RESERVE bytes allocated past the end (tmpfs, ext4, xfs and
 * btrfs can; elsewhere the lines are written as space allows). */
static void reserve(int fd)
{
	struct stat sb;
	if (fstat(fd, &sb) == 0)
		(void)fallocate(fd, FALLOC_FL_KEEP_SIZE, sb.st_size, RECOVERY_RESERVE);
}

static int open_fd(struct recovery *r)
{
	if (r->fd >= 0)
		return 0;
	/* O_APPEND: senders running at once each append whole lines. Made
	 * here, it gets the store's sharing (0660 in a directory a group
	 * shares, groupshare.h); one that exists keeps its mode. */
	char err[256];
	(void)util_make_parents(r->path, err, sizeof err); /* a PostgreSQL store's: in ~/.local/share/sms */
	r->fd = open(r->path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (r->fd >= 0)
		(void)groupshare_fix(r->fd, r->path);
	else if (errno == EEXIST)
		r->fd = open(r->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (r->fd < 0)
		return -1;
	reserve(r->fd);
	return 0;
}

struct recovery *recovery_open(const struct sms_config *c, struct store *st)
{
	struct recovery *r = xcalloc(1, sizeof *r);
	const char *p = config_get(c, "SMS_RECOVERY_FILE");
	if (p) {
		r->path = xstrdup(p);
	} else {
		char err[256];
		r->path = config_side_path(c, ".recovery.ndjson", err, sizeof err);
		if (!r->path) { /* cannot be: the store was opened with the same SMS_DB */
			struct strbuf b;
			strbuf_init(&b);
			strbuf_printf(&b, "%s.recovery.ndjson", store_path(st));
			r->path = strbuf_detach(&b);
		}
	}
	r->fd = -1;
	(void)open_fd(r);
	return r;
}

void recovery_close(struct recovery *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r);
}

const char *recovery_path(const struct recovery *r) { return r->path; }

int recovery_append(struct recovery *r, const cJSON *entry, char *err, size_t errlen)
{
	if (open_fd(r) != 0) {
		snprintf(err, errlen, "%s: %s", r->path, strerror(errno));
		return -1;
	}
	char *text = cJSON_PrintUnformatted(entry);
	size_t n = strlen(text);
	text = xrealloc(text, n + 2);
	text[n++] = '\n';
	text[n] = '\0';
	int rc = -1;
	if (flock(r->fd, LOCK_EX) != 0) {
		snprintf(err, errlen, "%s: locking: %s", r->path, strerror(errno));
		free(text);
		return -1;
	}
	ssize_t w = write(r->fd, text, n);
	if (w != (ssize_t)n)
		snprintf(err, errlen, "%s: %s", r->path, w < 0 ? strerror(errno) : "short write");
	else if (fsync(r->fd) != 0)
		snprintf(err, errlen, "%s: fsync: %s", r->path, strerror(errno));
	else
		rc = 0;
	flock(r->fd, LOCK_UN);
	free(text);
	return rc;
}

/* ---- Replay ------------------------------------------------------------------- */

enum { APPLIED, DONE, KEEP };

struct pending {
	int64_t event;
	cJSON  *p;
};

struct pendings {
	struct pending *v;
	size_t          n, cap;
};

static int collect(int64_t event_id, const cJSON *pending, void *arg)
{
	struct pendings *ps = arg;
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 8;
		ps->v = xrealloc(ps->v, ps->cap * sizeof *ps->v);
	}
	ps->v[ps->n].event = event_id;
	ps->v[ps->n++].p = cJSON_Duplicate(pending, 1);
	return 0;
}

/* Records the opt-out an answer or a callback reports, as the sender and
 * sms-webhookd would have. */
static void optout_from(struct store *st, const char *provider, const char *to,
                        const cJSON *fields)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(fields, "error");
	const cJSON *pc = cJSON_GetObjectItemCaseSensitive(e, "provider_code");
	const char *code = rec_str(e, "code");
	char source[48] = "provider";
	int out = code && strcmp(code, "opted_out") == 0;
	if (!out && cJSON_IsNumber(pc))
		out = delivery_opted_out(provider, (long)pc->valuedouble, source, sizeof source);
	if (out && to && to[0] == '+')
		(void)store_optout_add(st, to, source);
}

/* The status callbacks kept for provider_id before its message knew it. */
static void apply_pending(struct store *st, int64_t id, const char *provider,
                          const char *provider_id, const char *to)
{
	struct pendings ps = {0};
	if (store_events_pending_status(st, provider, provider_id, collect, &ps) != STORE_OK)
		warnmsg("store: %s", store_errmsg(st));
	for (size_t i = 0; i < ps.n; i++) {
		const char *status = rec_str(ps.v[i].p, "status");
		const cJSON *fields = cJSON_GetObjectItemCaseSensitive(ps.v[i].p, "fields");
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "via", "webhook");
		cJSON_AddNumberToObject(d, "event", (double)ps.v[i].event);
		/* A callback that would move the status backwards is dropped, as the
		 * daemon drops it. */
		if (status && store_msg_set_status(st, id, status, fields, d) == STORE_ERR)
			warnmsg("store: message %lld: %s", (long long)id, store_errmsg(st));
		else
			optout_from(st, provider, to, fields);
		cJSON_Delete(d);
		cJSON_Delete(ps.v[i].p);
	}
	free(ps.v);
}

static int apply_line(struct recovery *r, struct store *st, const char *line, size_t lineno)
{
	cJSON *e = cJSON_Parse(line);
	const cJSON *idj = cJSON_GetObjectItemCaseSensitive(e, "id");
	const char *to = rec_str(e, "to"), *provider = rec_str(e, "provider");
	const char *pid = rec_str(e, "provider_id"), *status = rec_str(e, "status");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(e, "fields");
	if (!cJSON_IsNumber(idj) || idj->valuedouble < 1 || !to || !provider || !status ||
	    !cJSON_IsObject(fields)) {
		warnmsg("%s: line %zu: not a recovery line; left for you", r->path, lineno);
		cJSON_Delete(e);
		return KEEP;
	}
	int64_t id = (int64_t)idj->valuedouble;
	cJSON *m = NULL;
	int rc = store_msg_get(st, id, &m), ret = KEEP;
	const char *mto = rec_str(m, "to"), *mprov = rec_str(m, "provider");
	const char *mpid = rec_str(m, "provider_id"), *mstatus = rec_str(m, "status");
	if (rc != STORE_OK) {
		warnmsg("%s: line %zu: %s", r->path, lineno, store_errmsg(st));
	} else if (!mto || strcmp(mto, to) != 0 || (mprov && strcmp(mprov, provider) != 0)) {
		warnmsg("%s: line %zu: message %lld of this store is to %s through %s, not to %s "
		        "through %s; left for you", r->path, lineno, (long long)id, mto ? mto : "-",
		        mprov ? mprov : "-", to, provider);
	} else if (pid && mpid && strcmp(pid, mpid) != 0) {
		warnmsg("%s: line %zu: message %lld has provider id %s, not %s; left for you", r->path,
		        lineno, (long long)id, mpid, pid);
	} else if (!mstatus || (strcmp(mstatus, "sending") != 0 && strcmp(mstatus, "unknown") != 0)) {
		ret = DONE; /* applied before, or the message has moved on */
	} else {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "via", "recovery");
		cJSON_AddStringToObject(d, "file", r->path);
		rc = store_msg_set_status(st, id, status, fields, d);
		cJSON_Delete(d);
		if (rc == STORE_OK) {
			ret = APPLIED;
			optout_from(st, provider, to, fields);
			if (pid)
				apply_pending(st, id, provider, pid, to);
		} else {
			warnmsg("%s: line %zu: message %lld: %s", r->path, lineno, (long long)id,
			        store_errmsg(st));
		}
	}
	cJSON_Delete(m);
	cJSON_Delete(e);
	return ret;
}

size_t recovery_replay(struct recovery *r, struct store *st)
{
	struct stat sb;
	if (r->fd < 0 || fstat(r->fd, &sb) != 0 || sb.st_size == 0)
		return 0;
	if (flock(r->fd, LOCK_EX) != 0)
		return 0;
	/* Read again under the lock: another sender may have emptied it. */
	struct strbuf b;
	strbuf_init(&b);
	char buf[8192];
	ssize_t got;
	off_t off = 0;
	while ((got = pread(r->fd, buf, sizeof buf, off)) > 0) {
		strbuf_add(&b, buf, (size_t)got);
		off += got;
	}
	size_t applied = 0, kept = 0, lineno = 0;
	for (char *line = b.s, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		if (strspn(line, " \t\r") == strlen(line))
			continue;
		int res = apply_line(r, st, line, lineno);
		applied += res == APPLIED;
		kept += res == KEEP;
	}
	if (got == 0 && kept == 0) {
		/* All of it is in the store now: empty the file, keep its reserve. */
		if (ftruncate(r->fd, 0) == 0) {
			(void)fsync(r->fd);
			reserve(r->fd);
		}
	} else if (kept) {
		warnmsg("%s: %zu line%s could not be applied (see above); the file stays as it is",
		        r->path, kept, kept == 1 ? "" : "s");
	}
	flock(r->fd, LOCK_UN);
	strbuf_free(&b);
	if (applied)
		warnmsg("%zu answer%s the store could not record before %s now recorded, from %s",
		        applied, applied == 1 ? "" : "s", applied == 1 ? "is" : "are", r->path);
	return applied;
}
