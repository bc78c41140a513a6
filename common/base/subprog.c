/* subprog — running a sibling program; see subprog.h. */
#include "subprog.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* write(2) to a child's stdin that does not kill us when the child has gone
 * without reading it all (a CGI program refusing its configuration): EPIPE
 * instead of SIGPIPE, and its exit status and output are still read and said.
 * SIGPIPE is blocked for this thread only, for the one write, and a SIGPIPE the
 * write raised is taken off before it is unblocked; a program's own stdout
 * keeps the default, so `sms-... | head` still ends quietly. */
static ssize_t write_no_sigpipe(int fd, const void *buf, size_t len)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t w = write(fd, buf, len);
	/* Not only on EPIPE: a write the reader's going cut short returns what
	 * it wrote, and raises SIGPIPE all the same. */
	int saved = errno;
	sigset_t pending;
	if (!sigismember(&old, SIGPIPE) && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE)) {
		const struct timespec now = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &now) < 0 && errno == EINTR)
			;
	}
	errno = saved;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return w;
}

/* dirname(/proc/self/exe)/name when that is executable. */
static int sibling(const char *name, char *path, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(path, len, "%s/%s", self, name) >= len)
		return -1;
	return access(path, X_OK);
}

/* Runs file (a path, or a name looked up on PATH when search) as argv[0]
 * name; the rest as subprog_run says. where ends the sentence "cannot run
 * FILE" when it cannot start. */
static char *run(const char *file, int search, const char *name, const char *where,
                 const char *const *args, char *const *envp, const char *input, int *status,
                 char *err, size_t errlen)
{
	size_t nargs = 0;
	while (args && args[nargs])
		nargs++;
	char **argv = xcalloc(nargs + 2, sizeof *argv);
	argv[0] = (char *)name;
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = (char *)args[i];
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot run %s: %s", name, strerror(errno));
		free(argv);
		return NULL;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	pid_t pid;
	int rc = search ? posix_spawnp(&pid, file, &fa, NULL, argv, envp)
	                : posix_spawn(&pid, file, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	close(in[0]);
	close(out[1]);
	if (rc != 0) {
		snprintf(err, errlen, "cannot run %s%s: %s", file, where, strerror(rc));
		close(in[1]);
		close(out[0]);
		return NULL;
	}
	/* Feed stdin and drain stdout together, so that neither pipe can fill
	 * up and stall the other side. */
	struct strbuf b;
	strbuf_init(&b);
	size_t off = 0, inlen = input ? strlen(input) : 0;
	int infd = in[1];
	if (inlen == 0) {
		close(infd);
		infd = -1;
	}
	for (;;) {
		struct pollfd p[2] = {{out[0], POLLIN, 0}, {infd, POLLOUT, 0}};
		if (poll(p, infd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (infd >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write_no_sigpipe(infd, input + off, inlen - off);
			if (w > 0)
				off += (size_t)w;
			if (w < 0 || off == inlen) {
				close(infd);
				infd = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[4096];
			ssize_t r = read(out[0], buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			strbuf_add(&b, buf, (size_t)r);
		}
	}
	if (infd >= 0)
		close(infd);
	close(out[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st)) {
		snprintf(err, errlen, "%s was killed by signal %d", name, WTERMSIG(st));
		strbuf_free(&b);
		return NULL;
	}
	*status = WEXITSTATUS(st);
	strbuf_putc(&b, '\0');
	return strbuf_detach(&b);
}

char *subprog_run(const char *name, const char *const *args, const char *input, int *status,
                  char *err, size_t errlen)
{
	char path[PATH_MAX + 64];
	int local = sibling(name, path, sizeof path) == 0;
	return run(local ? path : name, !local, name,
	           local ? "" : " (not next to this program, nor on PATH)", args, environ, input,
	           status, err, errlen);
}

char *subprog_run_env(const char *path, const char *const *args, char *const *envp,
                      const char *input, int *status, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	return run(path, !slash, slash ? slash + 1 : path, "", args, envp, input, status, err,
	           errlen);
}
