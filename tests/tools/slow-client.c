/* slow-client — many slow HTTP clients against a server on this machine, for
 * the slowloris tests of sms-webhookd(1). Bounded in connections (5000), in
 * time (120 s) and to loopback addresses.
 *
 *   slow-client [-b SOURCE] [-k K] [-r] trickle ADDR PORT N SECONDS INTERVAL
 *       N connections, each sends a request line and a Host header, then one
 *       more header line every INTERVAL seconds, never the end of the head.
 *   slow-client [-b SOURCE] [-k K] [-r] hold ADDR PORT N SECONDS
 *       N connections, each sends half a request head and nothing more.
 *   slow-client [-b SOURCE] [-k K] [-r] idle ADDR PORT N SECONDS
 *       N connections that send nothing at all.
 *
 * All are closed after SECONDS. -b: connect from SOURCE (a 127.0.0.0/8
 * address), -k: from K addresses starting there, in turn; -r: a connection
 * the server closes is opened again a second later, as an attacker would.
 * Prints one line: connections made, how many the server closed and after
 * how long at most, and how long the oldest one still open had been held. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 5000
#define MAX_SECONDS 120
#define REOPEN_S 1.0

enum mode { TRICKLE, HOLD, IDLE };

struct conn {
	int    fd;         /* -1: closed */
	int    connected;  /* the handshake completed */
	double opened, next;
	int    lines;
};

struct run {
	enum mode          mode;
	struct sockaddr_in to, from;
	unsigned           nfrom;
	double             interval;
	char               head[256];
	/* figures */
	unsigned long      made, connected, closed;
	double             longest;  /* the longest a connection lived before the server closed it */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int loopback(const struct sockaddr_in *a) { return (ntohl(a->sin_addr.s_addr) >> 24) == 127; }

static void open_conn(struct run *r, struct conn *c, unsigned i)
{
	memset(c, 0, sizeof *c);
	c->opened = now_s();
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->next = c->opened + REOPEN_S;
		return;
	}
	r->made++;
	if (r->from.sin_family) {
		struct sockaddr_in src = r->from;
		src.sin_addr.s_addr = htonl(ntohl(src.sin_addr.s_addr) + i % r->nfrom);
		if (bind(c->fd, (struct sockaddr *)&src, sizeof src) != 0)
			perror("slow-client: bind");
	}
	if (connect(c->fd, (struct sockaddr *)&r->to, sizeof r->to) != 0 && errno != EINPROGRESS) {
		close(c->fd);
		c->fd = -1;
		c->next = c->opened + REOPEN_S;
	}
}

/* The server is done with c (closed, reset, refused or answered). */
static void server_closed(struct run *r, struct conn *c, double t)
{
	r->closed++;
	if (c->connected && t - c->opened > r->longest)
		r->longest = t - c->opened;
	close(c->fd);
	c->fd = -1;
	c->next = t + REOPEN_S;
}

static void send_str(struct run *r, struct conn *c, const char *s, double t)
{
	if (send(c->fd, s, strlen(s), MSG_NOSIGNAL) < 0 && errno != EAGAIN)
		server_closed(r, c, t);
}

static void step(struct run *r, struct conn *c, short revents, double t)
{
	if (!c->connected) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		int err = 0;
		socklen_t el = sizeof err;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			server_closed(r, c, t);
			return;
		}
		c->connected = 1;
		r->connected++;
		if (r->mode != IDLE)
			send_str(r, c, r->mode == TRICKLE ? r->head : "GET /healthz HTTP/1.1\r\nHost: ", t);
		c->next = t + r->interval;
		return;
	}
	if (revents & (POLLIN | POLLERR | POLLHUP)) {
		char buf[512];
		(void)recv(c->fd, buf, sizeof buf, 0);
		server_closed(r, c, t);
		return;
	}
	if (r->mode == TRICKLE && t >= c->next) {
		char line[64];
		snprintf(line, sizeof line, "X-Slow-%d: %d\r\n", c->lines++, c->fd);
		c->next = t + r->interval;
		send_str(r, c, line, t);
	}
}

static int usage(void)
{
	fputs("usage: slow-client [-b SOURCE] [-k K] [-r] trickle ADDR PORT N SECONDS INTERVAL\n"
	      "       slow-client [-b SOURCE] [-k K] [-r] hold|idle ADDR PORT N SECONDS\n",
	      stderr);
	return 64;
}

int main(int argc, char **argv)
{
	struct run r = {.nfrom = 1};
	int reopen = 0, opt;
	while ((opt = getopt(argc, argv, "b:k:r")) != -1) {
		if (opt == 'b') {
			r.from.sin_family = AF_INET;
			if (inet_pton(AF_INET, optarg, &r.from.sin_addr) != 1 || !loopback(&r.from))
				return usage();
		} else if (opt == 'k') {
			r.nfrom = (unsigned)atoi(optarg);
		} else if (opt == 'r') {
			reopen = 1;
		} else {
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 5)
		return usage();
	if (strcmp(argv[0], "trickle") == 0 && argc == 6)
		r.mode = TRICKLE;
	else if (strcmp(argv[0], "hold") == 0 && argc == 5)
		r.mode = HOLD;
	else if (strcmp(argv[0], "idle") == 0 && argc == 5)
		r.mode = IDLE;
	else
		return usage();
	r.to.sin_family = AF_INET;
	r.to.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &r.to.sin_addr) != 1 || !loopback(&r.to)) {
		fprintf(stderr, "slow-client: %s: only 127.0.0.0/8 addresses\n", argv[1]);
		return 64;
	}
	int n = atoi(argv[3]);
	double secs = atof(argv[4]);
	r.interval = r.mode == TRICKLE ? atof(argv[5]) : 0;
	if (n < 1 || n > MAX_CONN || secs <= 0 || secs > MAX_SECONDS || r.nfrom < 1 ||
	    r.nfrom > 250 || (r.mode == TRICKLE && r.interval <= 0)) {
		fprintf(stderr, "slow-client: N from 1 to %d, SECONDS up to %d, K up to 250\n",
		        MAX_CONN, MAX_SECONDS);
		return 64;
	}
	snprintf(r.head, sizeof r.head, "POST /sms/incoming HTTP/1.1\r\nHost: %s:%s\r\n", argv[1],
	         argv[2]);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 16 ? rl.rlim_max : (rlim_t)n + 16;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct conn *cs = calloc((size_t)n, sizeof *cs);
	struct pollfd *pf = calloc((size_t)n, sizeof *pf);
	if (!cs || !pf)
		return 70;
	for (int i = 0; i < n; i++)
		open_conn(&r, &cs[i], (unsigned)i);
	double end = now_s() + secs;
	for (double t = now_s(); t < end; t = now_s()) {
		int live = 0;
		for (int i = 0; i < n; i++) {
			if (cs[i].fd < 0 && reopen && t >= cs[i].next)
				open_conn(&r, &cs[i], (unsigned)i);
			pf[i].fd = cs[i].fd;
			pf[i].events = cs[i].connected ? POLLIN : POLLOUT;
			pf[i].revents = 0;
			live += cs[i].fd >= 0;
		}
		if (!live && !reopen)
			break; /* the server closed them all */
		poll(pf, (nfds_t)n, 50);
		t = now_s();
		for (int i = 0; i < n; i++)
			if (cs[i].fd >= 0)
				step(&r, &cs[i], pf[i].revents, t);
	}
	double t = now_s(), oldest = 0;
	unsigned long open = 0;
	for (int i = 0; i < n; i++) {
		if (cs[i].fd < 0)
			continue;
		if (cs[i].connected) {
			open++;
			if (t - cs[i].opened > oldest)
				oldest = t - cs[i].opened;
		}
		close(cs[i].fd);
	}
	printf("connections made %lu, connected %lu, closed by the server %lu (held at most %.1f s), "
	       "open at the end %lu (held %.1f s)\n",
	       r.made, r.connected, r.closed, r.longest, open, oldest);
	free(cs);
	free(pf);
	return 0;
}
