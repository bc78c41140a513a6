/* hook — commands run after a webhook is stored; see hook.h. */
#include "hook.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Waits for pid to exit, at most timeout_ms; 0 with *status, 1 when it is
 * still running, -1 on error. A pidfd wakes us as the hook exits: a hook
 * costs its own run time, not a polling tick (the daemon's hooks run one
 * after another, so a tick per hook would cap them at a few hundred a
 * second). Without pidfd_open (Linux before 5.3), ticks of 1 ms. */
static int wait_exit(pid_t pid, int *status, long timeout_ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR)) {
			if (pfd >= 0)
				close(pfd);
			return r == pid ? 0 : -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 +
		                          (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			if (pfd >= 0)
				close(pfd);
			return 1;
		}
		if (pfd >= 0) {
			struct pollfd p = {.fd = pfd, .events = POLLIN};
			poll(&p, 1, left > 1000 ? 1000 : (int)left);
		} else {
			struct timespec tick = {0, 1000 * 1000};
			nanosleep(&tick, NULL);
		}
	}
}

int hook_run(const char *cmd, const char *line, int timeout_s)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		warnmsg("hook: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	/* The hook starts with no signal blocked and SIGPIPE at its default,
	 * whatever the daemon's threads block or ignore. */
	posix_spawnattr_t sa;
	posix_spawnattr_init(&sa);
	sigset_t none, pipe_only;
	sigemptyset(&none);
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &pipe_only);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/sh", &fa, &sa, argv, environ);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (rc != 0) {
		close(p[1]);
		warnmsg("hook: cannot run /bin/sh: %s", strerror(rc));
		return -1;
	}
	/* A hook that does not read its stdin is not an error: EPIPE is ignored
	 * (SIGPIPE is ignored by the programs that run hooks). */
	write_all(p[1], line, strlen(line));
	close(p[1]);
	int status = 0;
	int w = wait_exit(pid, &status, (long)timeout_s * 1000);
	if (w < 0) {
		warnmsg("hook: %s", strerror(errno));
		return -1;
	}
	if (w > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		warnmsg("hook: killed after %d s: %s", timeout_s, cmd);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		warnmsg("hook exited %d: %s", WEXITSTATUS(status), cmd);
	else
		warnmsg("hook killed by signal %d: %s", WTERMSIG(status), cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void hook_run_detached(const char *cmd, const char *line, int timeout_s)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		warnmsg("hook: cannot fork: %s", strerror(errno));
		return;
	}
	if (pid > 0) {
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return;
	}
	/* The child: a new session, then a grandchild that nobody waits for
	 * (init reaps it), holding none of the server's pipes. */
	setsid();
	if (fork() != 0)
		_exit(0);
	signal(SIGTERM, SIG_DFL); /* the CGI program ignored it to get this far */
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	int rc = hook_run(cmd, line, timeout_s);
	if (rc != 0) {
		openlog("sms-webhookd", LOG_PID, LOG_USER);
		syslog(LOG_WARNING, "hook %s: %s", rc < 0 ? "could not run or was killed" : "failed",
		       cmd);
		closelog();
	}
	_exit(0);
}

struct hitem {
	const char   *cmd;
	char         *line;
	struct hitem *next;
};

struct hookq {
	pthread_t       thread;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	struct hitem   *head, **tail;
	size_t          n, max;
	int             timeout_s, stopping;
	unsigned long long failed;  /* under mu */
};

static void *runner(void *arg)
{
	struct hookq *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->head && !q->stopping)
			pthread_cond_wait(&q->cv, &q->mu);
		struct hitem *it = q->head;
		if (!it)
			break;
		q->head = it->next;
		if (!q->head)
			q->tail = &q->head;
		q->n--;
		pthread_mutex_unlock(&q->mu);
		int rc = hook_run(it->cmd, it->line, q->timeout_s);
		free(it->line);
		free(it);
		pthread_mutex_lock(&q->mu);
		q->failed += rc != 0;
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct hookq *hookq_start(size_t max, int timeout_s)
{
	struct hookq *q = xcalloc(1, sizeof *q);
	q->tail = &q->head;
	q->max = max;
	q->timeout_s = timeout_s;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (pthread_create(&q->thread, NULL, runner, q) != 0) {
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		free(q);
		return NULL;
	}
	return q;
}

void hookq_push(struct hookq *q, const char *cmd, char *line)
{
	pthread_mutex_lock(&q->mu);
	if (q->n >= q->max || q->stopping) {
		q->failed++;
		pthread_mutex_unlock(&q->mu);
		warnmsg("hook: %zu hooks waiting; this one is dropped: %s", q->max, cmd);
		free(line);
		return;
	}
	struct hitem *it = xcalloc(1, sizeof *it);
	it->cmd = cmd;
	it->line = line;
	*q->tail = it;
	q->tail = &it->next;
	q->n++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

size_t hookq_waiting(struct hookq *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->n;
	pthread_mutex_unlock(&q->mu);
	return n;
}

unsigned long long hookq_failures(struct hookq *q)
{
	pthread_mutex_lock(&q->mu);
	unsigned long long n = q->failed;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void hookq_stop(struct hookq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
}
