/* inbox_wait — sms-inbox --wait: sleeping until a matching received message is
 * stored (inbox_wait.h). Owns the wait's inotify watch (or, on a store that
 * tells of new messages itself, PostgreSQL, the store's descriptor:
 * store_watch_fd), its signalfd and its timing; the store is read through
 * store_msg_list only. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "inbox_wait.h"
#include "util.h"

/* Re-checks after a write to the store's files, in ms from the write: the
 * writer's commit is visible only once its frames are synced and the WAL
 * index updated, a moment after the write that woke us. Doubling, so that a
 * slow disk costs a few queries, not a spin. */
static const int quick_ms[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
#define NQUICK (sizeof quick_ms / sizeof *quick_ms)
/* The slow poll, for a write inotify did not see (a store on a network file
 * system, a watch that failed). */
#define SLOW_MS 1000

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int keep_id(cJSON *rec, void *arg)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	if (cJSON_IsNumber(id))
		*(int64_t *)arg = (int64_t)id->valuedouble;
	cJSON_Delete(rec);
	return 1;
}

/* The greatest message id in the store (0 for none): one step down the rowid. */
static int newest_id(struct store *st, int64_t *id)
{
	struct store_query q = {.newest_first = 1, .limit = 1};
	*id = 0;
	return store_msg_list(st, &q, keep_id, id);
}

struct found {
	const struct inbox_wait *w;
	cJSON                   *recs; /* an array */
};

static int keep_match(cJSON *rec, void *arg)
{
	struct found *f = arg;
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(rec, "from");
	if (f->w->from && !(cJSON_IsString(from) && strcmp(from->valuestring, f->w->from) == 0)) {
		cJSON_Delete(rec);
		return 0;
	}
	cJSON_AddItemToArray(f->recs, rec);
	return 0;
}

/* One check: nothing to do when no message was stored since *seen; else the
 * inbound ones after *seen that match, into f->recs, and *seen moves on. */
static int check(struct store *st, int64_t *seen, struct found *f)
{
	int64_t top;
	if (newest_id(st, &top) != STORE_OK)
		return -1;
	if (top <= *seen)
		return 0;
	/* By id (the rowid): the new messages only, whatever the store holds. The
	 * sender is matched here, as the store's from selection lists by time. */
	struct store_query q = {.direction = "inbound", .channel = f->w->channel,
	                        .after_id = *seen};
	if (store_msg_list(st, &q, keep_match, f) != STORE_OK)
		return -1;
	*seen = top; /* what this listing saw past top is looked at again, harmlessly */
	return 0;
}

/* The watch: the store's directory, for writes to the store's own files (the
 * file, its -wal, -shm and -journal); -1 when inotify cannot be had (then the
 * slow poll alone finds messages). */
static int watch(const char *path, char *base, size_t baselen)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path == 0 ? 1 : slash - path), path);
	else
		snprintf(dir, sizeof dir, ".");
	snprintf(base, baselen, "%s", slash ? slash + 1 : path);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	if (inotify_add_watch(fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads what the watch holds: 1 when one of the store's files was written. */
static int drain(int fd, const char *base)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	size_t blen = strlen(base);
	int hit = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			if (e->len > 0 && strncmp(e->name, base, blen) == 0)
				hit = 1;
			if (e->mask & IN_Q_OVERFLOW)
				hit = 1;
			p += sizeof *e + e->len;
		}
	}
	return hit;
}

static enum inbox_wait_end handed(struct found *f, int (*fn)(cJSON *, void *), void *arg)
{
	cJSON *rec;
	while ((rec = cJSON_DetachItemFromArray(f->recs, 0)) != NULL)
		fn(rec, arg);
	return INBOX_WAIT_FOUND;
}

enum inbox_wait_end inbox_wait(struct store *st, const struct inbox_wait *w,
                               int (*fn)(cJSON *rec, void *arg), void *arg, int *sig)
{
	char base[NAME_MAX + 1];
	enum inbox_wait_end end = INBOX_WAIT_ERROR;
	struct found f = {.w = w, .recs = cJSON_CreateArray()};
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) /* then the signals act as they would have: not held back unseen */
		sigprocmask(SIG_SETMASK, &old, NULL);
	/* The watch first, then the baseline: a message stored in between is
	 * both newer than the baseline and seen by the watch. */
	int sfd_store = store_watch_fd(st);
	int ifd = sfd_store >= 0 ? -1 : watch(store_path(st), base, sizeof base);
	long long deadline = now_ms() + (long long)w->seconds * 1000;
	int64_t seen;
	*sig = 0;
	if (newest_id(st, &seen) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(st));
		goto out;
	}
	size_t quick = NQUICK; /* the next quick re-check; NQUICK: none due */
	long long woke = 0;
	for (;;) {
		long long now = now_ms();
		if (now >= deadline) {
			end = INBOX_WAIT_TIMEOUT;
			break;
		}
		long long due = quick < NQUICK ? woke + quick_ms[quick] : now + SLOW_MS;
		if (due > deadline)
			due = deadline;
		/* A notice the store took in while it was read counts as one on its
		 * descriptor: look again at once. */
		int told = sfd_store >= 0 ? store_watch_drain(st) : 0;
		if (told > 0)
			due = now;
		struct pollfd pf[2] = {{.fd = sfd_store >= 0 ? sfd_store : ifd, .events = POLLIN},
		                       {.fd = sfd, .events = POLLIN}};
		int r = poll(pf, 2, due > now ? (int)(due - now) : 0);
		if (r < 0 && errno != EINTR) {
			warnmsg("--wait: poll: %s", strerror(errno));
			break;
		}
		struct signalfd_siginfo si;
		if (r > 0 && (pf[1].revents & POLLIN) && read(sfd, &si, sizeof si) == sizeof si) {
			*sig = (int)si.ssi_signo;
			end = INBOX_WAIT_SIGNAL;
			break;
		}
		if (told > 0 || (r > 0 && (pf[0].revents & POLLIN) &&
		                  (sfd_store >= 0 ? store_watch_drain(st) > 0 : drain(ifd, base)))) {
			woke = now_ms();
			quick = 0;
		} else if (quick < NQUICK && now_ms() >= woke + quick_ms[quick]) {
			quick++;
		} else if (r != 0) {
			continue; /* another file of the directory: nothing to look at */
		}
		if (check(st, &seen, &f) != 0) {
			warnmsg("store: %s", store_errmsg(st));
			break;
		}
		if (cJSON_GetArraySize(f.recs) > 0) {
			end = handed(&f, fn, arg);
			break;
		}
	}
out:
	if (ifd >= 0)
		close(ifd);
	if (sfd >= 0)
		close(sfd);
	cJSON_Delete(f.recs);
	if (end != INBOX_WAIT_SIGNAL)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return end;
}

int inbox_wait_reraise(int sig)
{
	sigset_t mask;
	signal(sig, SIG_DFL);
	sigemptyset(&mask);
	sigaddset(&mask, sig);
	fflush(stdout);
	raise(sig); /* pending while blocked: delivered as the mask is lifted */
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return 128 + sig;
}
