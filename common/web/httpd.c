/* httpd — the daemon mode of sms-webhookd on libmicrohttpd; see httpd.h. */
#include "httpd.h"
#include "accesslog.h"
#include "metrics.h"
#include "metrics_page.h"
#include "storecfg.h"
#include "groupcommit.h"
#include "hook.h"
#include "peer.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#ifndef MHD_SONAME
#define MHD_SONAME "libmicrohttpd.so.12"
#endif

/* libmicrohttpd is loaded when the daemon starts, not linked: it brings
 * GnuTLS, whose start-up costs about 8 ms of CPU in every process that links
 * it, and the CGI mode (a process per request) needs none of it. */
static struct {
	void *lib;
	__typeof__(MHD_start_daemon)                *start_daemon;
	__typeof__(MHD_stop_daemon)                 *stop_daemon;
	__typeof__(MHD_quiesce_daemon)              *quiesce_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header)         *add_response_header;
	__typeof__(MHD_queue_response)              *queue_response;
	__typeof__(MHD_destroy_response)            *destroy_response;
	__typeof__(MHD_lookup_connection_value)     *lookup_connection_value;
	__typeof__(MHD_suspend_connection)          *suspend_connection;
	__typeof__(MHD_resume_connection)           *resume_connection;
	__typeof__(MHD_get_connection_info)         *get_connection_info;
} mhd;

static int mhd_load(void)
{
	if (mhd.lib)
		return 0;
	void *lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		lib = dlopen("libmicrohttpd.so", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		warnmsg("cannot load libmicrohttpd (%s): %s", MHD_SONAME, dlerror());
		return -1;
	}
#define SYM(field, name) \
	if (!(*(void **)&mhd.field = dlsym(lib, #name))) { \
		warnmsg("libmicrohttpd has no %s", #name); \
		dlclose(lib); \
		return -1; \
	}
	SYM(start_daemon, MHD_start_daemon)
	SYM(stop_daemon, MHD_stop_daemon)
	SYM(quiesce_daemon, MHD_quiesce_daemon)
	SYM(create_response_from_buffer, MHD_create_response_from_buffer)
	SYM(add_response_header, MHD_add_response_header)
	SYM(queue_response, MHD_queue_response)
	SYM(destroy_response, MHD_destroy_response)
	SYM(lookup_connection_value, MHD_lookup_connection_value)
	SYM(suspend_connection, MHD_suspend_connection)
	SYM(resume_connection, MHD_resume_connection)
	SYM(get_connection_info, MHD_get_connection_info)
#undef SYM
	mhd.lib = lib;
	return 0;
}

#define BATCH_MAX 512
#define POOL_THREADS 2
#define SWEEP_MS 250        /* how often slow requests are looked for */
#define DRAIN_S 10          /* SIGTERM: the requests in flight get this long */
#define GUARD_LOG_MS 10000  /* refused and slow connections: one log line at most this often */
#define CLIENT_BUCKETS 256

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000 * 1000};
	nanosleep(&ts, NULL);
}

/* One client address and how many connections it has open. */
struct client {
	unsigned char  addr[16];
	size_t         len;
	unsigned       n;
	struct client *next;
};

/* One connection (libmicrohttpd's socket context), from accept to close. */
struct conn {
	MHD_socket      fd;
	struct client  *client;
	atomic_llong    deadline;  /* ms (now_ms): its request must be in by then; 0: none */
	int             shut;      /* shut down by the sweep */
	struct conn    *prev, *next;
};

struct server {
	_Atomic(struct httpd_conf *) conf;
	const struct httpd_options *o;
	struct groupcommit        *gc;
	struct groupcommit        *dashq;  /* the dashboard's thread and connection */
	struct hookq              *hooks;
	atomic_long                inflight;  /* requests begun and not completed */
	atomic_long                parked;    /* suspended until a writer has done their job */
	atomic_int                 draining;  /* SIGTERM: every answer closes its connection */
	atomic_int                 stopping;  /* past the drain: nothing is parked any more */
	/* the connections and their clients, under mu */
	pthread_mutex_t            mu;
	struct conn               *conns;
	unsigned                   nconns;
	struct client             *clients[CLIENT_BUCKETS];
	/* since the last log line */
	atomic_ulong               refused_full, refused_client, too_slow;
};

/* The address of sa as bytes (an IPv4-mapped IPv6 address as IPv4); its
 * length, 0 for another family. */
static size_t addr_key(const struct sockaddr *sa, unsigned char key[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		memcpy(key, a->s6_addr + 12, 4);
		return 4;
	}
	memcpy(key, a->s6_addr, 16);
	return 16;
}

/* The client with this address (under mu); made when create is set. */
static struct client *client_find(struct server *sv, const unsigned char *key, size_t len,
                                  int create)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	struct client **head = &sv->clients[h % CLIENT_BUCKETS];
	for (struct client *cl = *head; cl; cl = cl->next)
		if (cl->len == len && memcmp(cl->addr, key, len) == 0)
			return cl;
	if (!create)
		return NULL;
	struct client *cl = xcalloc(1, sizeof *cl);
	memcpy(cl->addr, key, len);
	cl->len = len;
	cl->next = *head;
	*head = cl;
	return cl;
}

static void client_drop(struct server *sv, struct client *gone)
{
	for (size_t b = 0; b < CLIENT_BUCKETS; b++)
		for (struct client **p = &sv->clients[b]; *p; p = &(*p)->next)
			if (*p == gone) {
				*p = gone->next;
				free(gone);
				return;
			}
}

static long long request_deadline(const struct server *sv)
{
	return sv->o->request_timeout_s ? now_ms() + (long long)sv->o->request_timeout_s * 1000 : 0;
}

/* libmicrohttpd's accept policy: over --max-connections, or over
 * --max-client-connections for this address, the connection is closed at
 * once. A client over the limit hears so straight away; it never waits in
 * the listen queue for a slot. */
static enum MHD_Result admit(void *cls, const struct sockaddr *sa, socklen_t salen)
{
	(void)salen;
	struct server *sv = cls;
	unsigned char key[16];
	size_t len = addr_key(sa, key);
	pthread_mutex_lock(&sv->mu);
	int full = sv->nconns >= sv->o->max_connections;
	struct client *cl = !full && len && sv->o->max_client_connections
	                    ? client_find(sv, key, len, 0) : NULL;
	int over = cl && cl->n >= sv->o->max_client_connections;
	pthread_mutex_unlock(&sv->mu);
	if (full)
		atomic_fetch_add(&sv->refused_full, 1);
	else if (over)
		atomic_fetch_add(&sv->refused_client, 1);
	return full || over ? MHD_NO : MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	struct server *sv = cls;
	struct conn *cn = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		cn = xcalloc(1, sizeof *cn);
		const union MHD_ConnectionInfo *fi =
			mhd.get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ai =
			mhd.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		cn->fd = fi ? fi->connect_fd : MHD_INVALID_SOCKET;
		unsigned char key[16];
		size_t len = ai && ai->client_addr ? addr_key(ai->client_addr, key) : 0;
		atomic_init(&cn->deadline, request_deadline(sv));
		pthread_mutex_lock(&sv->mu);
		if (len) {
			cn->client = client_find(sv, key, len, 1);
			cn->client->n++;
		}
		cn->next = sv->conns;
		if (sv->conns)
			sv->conns->prev = cn;
		sv->conns = cn;
		sv->nconns++;
		pthread_mutex_unlock(&sv->mu);
		*socket_context = cn;
		return;
	}
	if (!cn)
		return;
	/* libmicrohttpd says CLOSED before it closes the socket: once this has
	 * taken mu, the sweep can no longer shut down the number it had. */
	pthread_mutex_lock(&sv->mu);
	if (cn->prev)
		cn->prev->next = cn->next;
	else
		sv->conns = cn->next;
	if (cn->next)
		cn->next->prev = cn->prev;
	sv->nconns--;
	if (cn->client && --cn->client->n == 0)
		client_drop(sv, cn->client);
	pthread_mutex_unlock(&sv->mu);
	free(cn);
	*socket_context = NULL;
}

/* Every connection whose request has not arrived by its deadline is shut
 * down: libmicrohttpd reads the end of the stream and closes it. The idle
 * timeout cannot do this: a client that sends a header line every few
 * seconds is never idle, and would hold its connection for ever. */
static void sweep(struct server *sv)
{
	long long now = now_ms();
	unsigned long n = 0;
	pthread_mutex_lock(&sv->mu);
	for (struct conn *cn = sv->conns; cn; cn = cn->next) {
		long long d = atomic_load(&cn->deadline);
		if (!d || now < d || cn->shut || cn->fd == MHD_INVALID_SOCKET)
			continue;
		shutdown(cn->fd, SHUT_RDWR);
		cn->shut = 1;
		n++;
	}
	pthread_mutex_unlock(&sv->mu);
	if (n)
		atomic_fetch_add(&sv->too_slow, n);
}

/* What the limits refused or cut, since the last line; one line at most
 * every GUARD_LOG_MS however many, unless forced (at exit). */
static void log_guards(struct server *sv, long long *last, int force)
{
	long long now = now_ms();
	if (!force && *last && now - *last < GUARD_LOG_MS)
		return;
	unsigned long full = atomic_exchange(&sv->refused_full, 0);
	unsigned long client = atomic_exchange(&sv->refused_client, 0);
	unsigned long slow = atomic_exchange(&sv->too_slow, 0);
	if (!full && !client && !slow)
		return;
	*last = now;
	warnmsg("connections refused: %lu over --max-connections %u, %lu over "
	        "--max-client-connections %u; closed: %lu whose request took over "
	        "--request-timeout %u s", full, sv->o->max_connections, client,
	        sv->o->max_client_connections, slow, sv->o->request_timeout_s);
}

/* A dashboard request, served on the dashboard's own thread and store. */
struct dash_job {
	struct dashboard        *d;
	int                      metrics;   /* /metrics rather than a dashboard page */
	const char              *provider;  /* for /metrics */
	struct hookq            *hooks;     /* for /metrics: its failures */
	struct webhook_request   rq;
	struct webhook_response  rs;
	char                    *query;
};

static int dash_run(struct store *st, void *arg)
{
	struct dash_job *j = arg;
	if (j->metrics) {
		struct metrics_process proc = {.hook_failures = j->hooks ? hookq_failures(j->hooks) : 0};
		metrics_page(j->d, st, j->provider, &proc, &j->rq, &j->rs);
	} else {
		dashboard_handle(j->d, st, &j->rq, &j->rs);
	}
	return 0;
}

static void dash_free(struct dash_job *j)
{
	if (!j)
		return;
	webhook_response_free(&j->rs);
	free(j->query);
	free(j);
}

/* One request: its raw URI (path and query, as signed), its body so far,
 * the configuration it began under, and while the writer stores it, the job
 * (the connection is suspended). */
struct req {
	struct server         *sv;
	struct httpd_conf     *conf;
	struct conn           *cn;
	char                  *uri;
	struct strbuf          body;
	int                    too_large;
	int                    started;
	struct MHD_Connection *conn;
	struct webhook_job    *job;
	struct dash_job       *dash;
	int                    job_done;
	int                    job_rc;
	char                   job_err[256];
	struct timespec        t0;        /* its first line came: for the access log */
};

static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct server *sv = cls;
	struct req *r = xcalloc(1, sizeof *r);
	r->sv = sv;
	/* Held before it is used: a reload that swapped it meanwhile is seen on
	 * the second look, and the new one taken instead (release_logs). */
	for (;;) {
		r->conf = atomic_load(&sv->conf);
		atomic_fetch_add(&r->conf->refs, 1);
		if (atomic_load(&sv->conf) == r->conf)
			break;
		atomic_fetch_sub(&r->conf->refs, 1);
	}
	const union MHD_ConnectionInfo *ci =
		mhd.get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	r->cn = ci ? ci->socket_context : NULL;
	r->uri = xstrdup(uri ? uri : "/");
	strbuf_init(&r->body);
	if (r->conf->log)
		clock_gettime(CLOCK_MONOTONIC, &r->t0);
	atomic_fetch_add(&sv->inflight, 1);
	return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode why)
{
	(void)c;
	(void)why;
	struct server *sv = cls;
	struct req *r = *con_cls;
	if (!r)
		return;
	/* A job still here was parked and its writer is done (a parked
	 * connection is not closed before it resumes): the client left before
	 * its answer. Finished with the writer's outcome, so that /metrics
	 * counts what was stored. */
	if (r->job)
		webhook_finish(r->job, r->job_done ? r->job_rc : GROUPCOMMIT_FAILED,
		               r->job_done ? r->job_err : "the connection closed", NULL);
	/* The next request on this connection has its own deadline. */
	if (r->cn)
		atomic_store(&r->cn->deadline, request_deadline(sv));
	dash_free(r->dash);
	free(r->uri);
	strbuf_free(&r->body);
	atomic_fetch_sub(&r->conf->refs, 1);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&sv->inflight, 1);
}

static enum MHD_Result send_response(const struct server *sv, struct MHD_Connection *c,
                                     const struct webhook_response *rs)
{
	struct MHD_Response *resp =
		mhd.create_response_from_buffer(rs->body_len, rs->body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	mhd.add_response_header(resp, "Content-Type", rs->content_type);
	mhd.add_response_header(resp, "Cache-Control", "no-store");
	if (rs->allow)
		mhd.add_response_header(resp, "Allow", rs->allow);
	/* Draining: the client sends its next request elsewhere (or again,
	 * after the restart), not on a connection about to close. */
	if (atomic_load(&sv->draining))
		mhd.add_response_header(resp, "Connection", "close");
	/* The dashboard's own headers: "Name: value\r\n" lines. */
	for (char *line = rs->headers; line && *line;) {
		char *end = strstr(line, "\r\n");
		char *colon = strchr(line, ':');
		if (!end || !colon || colon > end)
			break;
		*end = *colon = '\0';
		mhd.add_response_header(resp, line, colon[1] == ' ' ? colon + 2 : colon + 1);
		*end = '\r';
		*colon = ':';
		line = end + 2;
	}
	if (rs->message_id > 0) {
		char id[24];
		snprintf(id, sizeof id, "%lld", rs->message_id);
		mhd.add_response_header(resp, "X-Message-Id", id);
	}
	enum MHD_Result ret = mhd.queue_response(c, (unsigned)rs->status, resp);
	mhd.destroy_response(resp);
	return ret;
}

/* The URL the provider signed: SMS_PUBLIC_URL and the request's path and
 * query, else http:// and the Host header (behind a TLS proxy, set
 * SMS_PUBLIC_URL: the daemon cannot know the public scheme). */
static char *signed_url(const struct req *r, struct MHD_Connection *c)
{
	struct strbuf b;
	strbuf_init(&b);
	const char *base = config_get(r->conf->cfg, "SMS_PUBLIC_URL");
	if (base) {
		size_t n = strlen(base);
		while (n && base[n - 1] == '/')
			n--;
		strbuf_add(&b, base, n);
	} else {
		const char *host = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Host");
		strbuf_puts(&b, "http://");
		strbuf_puts(&b, host ? host : "localhost");
	}
	strbuf_puts(&b, r->uri);
	return strbuf_detach(&b);
}

static int conn_is_loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		mhd.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return 0;
	unsigned char key[16];
	size_t len = addr_key(ci->client_addr, key);
	if (len == 4)
		return key[0] == 127;
	return len == 16 && memcmp(key, &in6addr_loopback, 16) == 0;
}

/* The writer's work done: the connection goes back to the polling threads. */
static void unpark(struct req *r)
{
	struct server *sv = r->sv;
	mhd.resume_connection(r->conn);
	atomic_fetch_sub(&sv->parked, 1);
}

/* A request header, for peer_proxy_evidence. */
static const char *header(void *c, const char *name)
{
	return mhd.lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* On the writer thread, once the job's transaction is over. */
static void job_stored(int rc, const char *err, void *arg)
{
	struct req *r = arg;
	r->job_rc = rc;
	snprintf(r->job_err, sizeof r->job_err, "%s", err);
	r->job_done = 1;
	unpark(r);
}

/* Suspends the request until a writer has done its job (fn on q), or, past
 * the drain, returns -1: the caller answers at once instead. libmicrohttpd
 * cannot stop with a connection suspended, so the count goes up before the
 * flag is read, and SIGTERM sets the flag before it waits for the count. */
static int park(struct req *r, struct MHD_Connection *c, struct groupcommit *q,
                groupcommit_fn fn, void *job)
{
	struct server *sv = r->sv;
	atomic_fetch_add(&sv->parked, 1);
	if (atomic_load(&sv->stopping)) {
		atomic_fetch_sub(&sv->parked, 1);
		return -1;
	}
	r->conn = c;
	mhd.suspend_connection(c);
	if (groupcommit_submit(q, fn, job, job_stored, r) != 0) {
		r->job_rc = GROUPCOMMIT_FAILED;
		snprintf(r->job_err, sizeof r->job_err, "shutting down");
		r->job_done = 1;
		unpark(r);
	}
	return 0;
}

/* The client's address, as text, into buf ("-" when unknown). */
static const char *conn_address(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		mhd.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const void *a = NULL;
	if (sa && sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa && sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (!a || !inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
		return "-";
	return buf;
}

/* Every answer, once: counted for /metrics, and logged: a line in the access
 * log when there is one, else (as always) a line on stderr for an error. */
static void answered(struct req *r, struct MHD_Connection *c, const char *method,
                     const char *url, const struct webhook_response *rs)
{
	metrics_request(metrics_route_of(url), rs->status);
	struct accesslog *log = r->conf->log;
	if (!log) {
		if (rs->status >= 400)
			warnmsg("%s %s: %d %s", method, url, rs->status, webhook_reason(rs->status));
		return;
	}
	if (!accesslog_on_stderr(log) && rs->status >= 400)
		warnmsg("%s %s: %d %s", method, url, rs->status, webhook_reason(rs->status));
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	char addr[INET6_ADDRSTRLEN];
	struct accesslog_entry e = {
		.remote = conn_address(c, addr, sizeof addr),
		.method = method,
		.path = url,
		.status = rs->status,
		.bytes = rs->body_len,
		.ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 +
		      (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6,
		.message_id = rs->message_id,
	};
	accesslog_write(log, &e);
}

/* The dashboard's page, once its thread has made it. */
static enum MHD_Result dash_answer(struct req *r, struct MHD_Connection *c, const char *method,
                                   const char *url)
{
	struct webhook_response *rs = &r->dash->rs;
	if (r->job_rc < 0)
		webhook_respond(rs, 503, "the dashboard is unavailable: %s", r->job_err);
	enum MHD_Result ret = send_response(r->sv, c, rs);
	answered(r, c, method, url, rs);
	dash_free(r->dash);
	r->dash = NULL;
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct server *sv = cls;
	struct req *r = *con_cls;
	if (!r)
		return MHD_NO; /* no URI callback: cannot happen */
	if (!r->started) {
		r->started = 1;
		const char *cl = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		long long n;
		if (cl && parse_whole(cl, (long long)1 << 50, &n) == 0 && n > WEBHOOK_MAX_BODY)
			r->too_large = 1;
		if (!r->too_large)
			return MHD_YES; /* the body, if any, comes in the next calls */
	}
	if (*upload_size) {
		if (!r->too_large && r->body.len + *upload_size <= WEBHOOK_MAX_BODY)
			strbuf_add(&r->body, upload_data, *upload_size);
		else
			r->too_large = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	/* The whole request is in: from here on the time is ours, not the
	 * client's (a commit, a dashboard page). */
	if (r->cn)
		atomic_store(&r->cn->deadline, 0);
	struct webhook_response rs;
	if (r->dash)
		return r->job_done ? dash_answer(r, c, method, url) : MHD_YES;
	if (dashboard_route(url) || metrics_page_route(url)) {
		/* /metrics too: it reads the store, on the dashboard's connection. */
		struct dash_job *j = xcalloc(1, sizeof *j);
		const char *q = strchr(r->uri, '?');
		j->d = r->conf->d;
		j->metrics = metrics_page_route(url);
		j->provider = webhook_provider(r->conf->w);
		j->hooks = sv->hooks;
		j->query = q ? xstrdup(q + 1) : NULL;
		j->rq = (struct webhook_request){
			.method = method,
			.path = url,
			.body = r->body.s,
			.body_len = r->body.len,
			.too_large = r->too_large,
			.query = j->query,
			.content_type = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
			.cookie = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"),
			.authorization = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
			.origin = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
			.host = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
			.remote_loopback = conn_is_loopback(c),
			.proxied = peer_proxy_evidence(version, header, c),
		};
		r->dash = j;
		if (park(r, c, sv->dashq, dash_run, j) == 0)
			return MHD_YES;
		r->job_rc = GROUPCOMMIT_FAILED;
		snprintf(r->job_err, sizeof r->job_err, "shutting down");
		return dash_answer(r, c, method, url);
	}
	if (r->job) {
		/* Resumed: the writer has committed (or failed) this request's work. */
		if (!r->job_done)
			return MHD_YES;
		webhook_finish(r->job, r->job_rc, r->job_err, &rs);
		r->job = NULL;
	} else {
		char *full = signed_url(r, c);
		const char *sig = webhook_signature_header(r->conf->w);
		struct webhook_request rq = {
			.method = method,
			.path = url,
			.url = full,
			.signature = sig ? mhd.lookup_connection_value(c, MHD_HEADER_KIND, sig) : NULL,
			.body = r->body.s,
			.body_len = r->body.len,
			.too_large = r->too_large,
		};
		struct webhook_job *job;
		int final = webhook_begin(r->conf->w, &rq, &job, &rs);
		free(full);
		if (!final) {
			/* Park the connection until the group commit holding this job is
			 * on disk: the pool threads go on serving other connections. */
			r->job = job;
			if (park(r, c, sv->gc, webhook_apply, job) == 0)
				return MHD_YES;
			/* Past the drain: nothing is stored, and the provider retries. */
			r->job = NULL;
			webhook_finish(job, GROUPCOMMIT_FAILED, "shutting down", &rs);
		}
	}
	enum MHD_Result ret = send_response(sv, c, &rs);
	answered(r, c, method, url, &rs);
	/* An answer sent through the provider's API (a driver without an answer in
	 * the response), then the hook:
	 * queued with the answer, so that a SIGTERM that lets the answer out
	 * runs the hook too. */
	if (rs.reply_cmd && sv->hooks) {
		hookq_push(sv->hooks, rs.reply_cmd, rs.reply_line);
		rs.reply_line = NULL;
	}
	if (rs.hook && sv->hooks) {
		hookq_push(sv->hooks, rs.hook, rs.hook_line);
		rs.hook_line = NULL;
	}
	webhook_response_free(&rs);
	return ret;
}
int httpd_parse_listen(const char *spec, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;
	const char *h = spec;
	size_t hl;
	if (*spec == '[') {
		const char *end = strchr(spec, ']');
		if (!end || end[1] != ':')
			return -1;
		h = spec + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - spec);
	}
	long long p;
	if (parse_whole(colon + 1, 65535, &p) != 0 || hl == 0 || hl >= hostlen)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, portlen, "%lld", p);
	return 0;
}

static int listen_on(const char *spec, int *is6, int *bound_port)
{
	char host[256], port[8];
	if (httpd_parse_listen(spec, host, sizeof host, port, sizeof port) != 0) {
		warnmsg("--listen %s: expected HOST:PORT, e.g. 127.0.0.1:3001 or [::1]:3001", spec);
		return -1;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		warnmsg("--listen %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
		warnmsg("cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	*is6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	*bound_port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		char hb[NI_MAXHOST], pb[NI_MAXSERV];
		if (getnameinfo((struct sockaddr *)&ss, sl, hb, sizeof hb, pb, sizeof pb,
		                NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			*bound_port = atoi(pb);
	}
	return fd;
}

static void write_port_file(const char *path, int port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
		warnmsg("--port-file %s: %s", path, strerror(errno));
}

int httpd_is_loopback(const char *host)
{
	return peer_host_is_loopback(host);
}


void httpd_conf_free(struct httpd_conf *c)
{
	while (c) {
		struct httpd_conf *older = c->older;
		dashboard_free(c->d);
		webhook_free(c->w);
		accesslog_close(c->log);
		config_free(c->cfg);
		free(c);
		c = older;
	}
}

/* SIGHUP: a new configuration for the requests that begin from now on. */
static void reload(struct server *sv, struct httpd_conf **conf, httpd_load_fn load, void *arg)
{
	char err[512];
	struct httpd_conf *c = load(arg, err, sizeof err);
	if (!c) {
		warnmsg("SIGHUP: the configuration was not reloaded (the running one stays): %s", err);
		metrics_reload(0);
		return;
	}
	/* The new webhook's rule cache, read through a connection of its own: the
	 * running ones belong to the writer and dashboard threads. Without it the
	 * rules are matched on the writer, still in bounded time (autoresp.h). */
	int rc = 0;
	struct store *tmp = storecfg_open(c->cfg, 0, &rc);
	if (!tmp || webhook_rules_load(c->w, tmp) != STORE_OK)
		warnmsg("SIGHUP: the autoresponders were not read ahead; they are matched as "
		        "each message is stored");
	store_close(tmp);
	c->older = *conf;
	*conf = c;
	atomic_store(&sv->conf, c);
	metrics_reload(1);
	warnmsg("SIGHUP: reloaded the configuration");
}

/* The access logs of the configurations a reload replaced, closed once no
 * request holds them; on the main thread, which alone changes the list. A
 * request that takes a replaced one after it was seen unheld lets it go
 * again at once (uri_logged), so a closed log is never written to. */
static void release_logs(struct httpd_conf *current)
{
	for (struct httpd_conf *c = current->older; c; c = c->older)
		if (c->log && atomic_load(&c->refs) == 0) {
			accesslog_close(c->log);
			c->log = NULL;
		}
}

/* Enough file descriptors for --max-connections, when the hard limit allows. */
static void raise_nofile(unsigned max_connections)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max_connections + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want)
		warnmsg("--max-connections %u: the limit of open files (%llu) may refuse some first",
		        max_connections, (unsigned long long)rl.rlim_cur);
}

/* SIGTERM, SIGINT: no new connections; the requests in flight answered (at
 * most DRAIN_S seconds), each answer closing its connection; then nothing
 * parked any more, every parked request answered, and the daemon stopped. */
static void drain(struct server *sv, struct MHD_Daemon *daemon, int sig)
{
	warnmsg("%s: no new connections; answering the requests in flight (at most %d s)",
	        sig == SIGTERM ? "SIGTERM" : "SIGINT", DRAIN_S);
	atomic_store(&sv->draining, 1);
	MHD_socket lfd = mhd.quiesce_daemon(daemon);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	long long until = now_ms() + DRAIN_S * 1000;
	for (int i = 1; atomic_load(&sv->inflight) > 0 && now_ms() < until; i++) {
		sleep_ms(10);
		if (i % (SWEEP_MS / 10) == 0)
			sweep(sv);
	}
	long left = atomic_load(&sv->inflight);
	if (left > 0)
		warnmsg("%ld requests still unfinished after %d s: their connections are closed", left,
		        DRAIN_S);
	/* A parked request's job belongs to a writer, which finishes it within
	 * the store's busy timeout; its connection cannot be closed before.
	 * Once resumed, its answer goes out on the next turn of a polling
	 * thread: a moment more for it (and for a slow client, nothing). */
	atomic_store(&sv->stopping, 1);
	while (atomic_load(&sv->parked) > 0)
		sleep_ms(10);
	for (int i = 0; i < 100 && atomic_load(&sv->inflight) > 0; i++)
		sleep_ms(10);
	mhd.stop_daemon(daemon);
}

int httpd_run(struct httpd_conf **conf, httpd_load_fn load, void *load_arg, struct store *st,
              struct store *dash_st, const struct httpd_options *o)
{
	/* Signals go to the main thread only, which waits for them below; every
	 * thread started from here on inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (mhd_load() != 0)
		return EX_OSERR;
	raise_nofile(o->max_connections);
	int is6 = 0, port = 0;
	int fd = listen_on(o->listen, &is6, &port);
	if (fd < 0)
		return EX_OSERR;
	if (webhook_rules_load((*conf)->w, st) != STORE_OK) {
		warnmsg("reading the autoresponders: %s", store_errmsg(st));
		close(fd);
		return EX_TEMPFAIL;
	}
	struct server sv = {.o = o};
	atomic_init(&sv.conf, *conf);
	atomic_init(&sv.inflight, 0);
	atomic_init(&sv.parked, 0);
	atomic_init(&sv.draining, 0);
	atomic_init(&sv.stopping, 0);
	atomic_init(&sv.refused_full, 0);
	atomic_init(&sv.refused_client, 0);
	atomic_init(&sv.too_slow, 0);
	pthread_mutex_init(&sv.mu, NULL);
	sv.gc = groupcommit_start(st, BATCH_MAX);
	if (sv.gc)
		groupcommit_observe(sv.gc, metrics_commit);
	sv.dashq = groupcommit_start_serial(dash_st);
	sv.hooks = hookq_start(10000, 60);
	struct MHD_Daemon *daemon = NULL;
	if (sv.gc && sv.dashq && sv.hooks) {
		/* A small pool of polling threads; a request waiting for its commit
		 * is suspended, not a blocked thread, so connections cost no
		 * threads. admit() keeps to --max-connections: libmicrohttpd's own
		 * limit, shared out among the pool's threads, is set above it, since
		 * a thread that reaches its share stops accepting and lets new
		 * connections wait in the listen queue, and (in 0.9.75) stops seeing
		 * its clients close theirs until the idle timeout. */
		unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		                 MHD_ALLOW_SUSPEND_RESUME | (is6 ? MHD_USE_IPv6 : 0);
		daemon = mhd.start_daemon(
			flags, 0, admit, &sv, on_request, &sv,
			MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
			MHD_OPTION_URI_LOG_CALLBACK, uri_logged, &sv,
			MHD_OPTION_NOTIFY_COMPLETED, completed, &sv,
			MHD_OPTION_NOTIFY_CONNECTION, on_connection, &sv,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned)(POOL_THREADS * (o->max_connections + 16)),
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout_s,
			MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POOL_THREADS,
			MHD_OPTION_END);
	}
	if (!daemon) {
		warnmsg(sv.gc && sv.dashq && sv.hooks ? "cannot start the HTTP server on %s"
		                                      : "cannot start threads for %s", o->listen);
		close(fd);
		groupcommit_stop(sv.gc);
		groupcommit_stop(sv.dashq);
		hookq_stop(sv.hooks);
		pthread_mutex_destroy(&sv.mu);
		return EX_OSERR;
	}
	warnmsg("listening on %s (port %d), store %s", o->listen, port, store_path(st));
	if (o->port_file)
		write_port_file(o->port_file, port);

	long long logged = 0;
	int sig;
	for (;;) {
		struct timespec tick = {0, SWEEP_MS * 1000 * 1000};
		sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			reload(&sv, conf, load, load_arg);
		release_logs(*conf);
		sweep(&sv);
		log_guards(&sv, &logged, 0);
	}
	drain(&sv, daemon, sig);
	log_guards(&sv, &logged, 1);
	groupcommit_stop(sv.gc);
	groupcommit_stop(sv.dashq);
	size_t hooks = hookq_waiting(sv.hooks);
	if (hooks)
		warnmsg("running the %zu queued hooks", hooks);
	hookq_stop(sv.hooks);
	pthread_mutex_destroy(&sv.mu);
	warnmsg("stopped");
	return EX_OK;
}
