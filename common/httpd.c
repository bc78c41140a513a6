/* httpd — the daemon mode of sms-webhookd on libmicrohttpd; see httpd.h. */
#include "httpd.h"
#include "groupcommit.h"
#include "hook.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct server {
	struct webhook            *w;
	struct dashboard          *dash;
	const struct httpd_options *o;
	struct groupcommit        *gc;
	struct groupcommit        *dashq;  /* the dashboard's thread and connection */
	struct hookq              *hooks;
	atomic_long                inflight;
};

/* A dashboard request, served on the dashboard's own thread and store. */
struct dash_job {
	struct dashboard        *d;
	struct webhook_request   rq;
	struct webhook_response  rs;
	char                    *query;
};

static int dash_run(struct store *st, void *arg)
{
	struct dash_job *j = arg;
	dashboard_handle(j->d, st, &j->rq, &j->rs);
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
 * and while the writer stores it, the job (the connection is suspended). */
struct req {
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
};

static void *uri_logged(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)c;
	struct server *sv = cls;
	struct req *r = xcalloc(1, sizeof *r);
	r->uri = xstrdup(uri ? uri : "/");
	strbuf_init(&r->body);
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
	if (r->job)
		webhook_finish(r->job, GROUPCOMMIT_FAILED, "the connection closed", NULL);
	dash_free(r->dash);
	free(r->uri);
	strbuf_free(&r->body);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&sv->inflight, 1);
}

static enum MHD_Result send_response(struct MHD_Connection *c, const struct webhook_response *rs)
{
	struct MHD_Response *resp =
		mhd.create_response_from_buffer(rs->body_len, rs->body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	mhd.add_response_header(resp, "Content-Type", rs->content_type);
	mhd.add_response_header(resp, "Cache-Control", "no-store");
	if (rs->allow)
		mhd.add_response_header(resp, "Allow", rs->allow);
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
static char *signed_url(const struct server *sv, struct MHD_Connection *c, const char *uri)
{
	struct strbuf b;
	strbuf_init(&b);
	const char *base = sv->o->public_url;
	if (base && *base) {
		size_t n = strlen(base);
		while (n && base[n - 1] == '/')
			n--;
		strbuf_add(&b, base, n);
	} else {
		const char *host = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Host");
		strbuf_puts(&b, "http://");
		strbuf_puts(&b, host ? host : "localhost");
	}
	strbuf_puts(&b, uri);
	return strbuf_detach(&b);
}

static int peer_is_loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		mhd.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return 0;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		       (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
	}
	return 0;
}

/* A request header, for dashboard_proxy_evidence. */
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
	mhd.resume_connection(r->conn);
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
	struct webhook_response rs;
	if (r->dash) {
		if (!r->job_done)
			return MHD_YES;
		if (r->job_rc < 0)
			webhook_respond(&r->dash->rs, 503, "the dashboard is unavailable: %s", r->job_err);
		enum MHD_Result ret = send_response(c, &r->dash->rs);
		if (sv->o->log_requests || r->dash->rs.status >= 400)
			warnmsg("%s %s: %d %s", method, url, r->dash->rs.status,
			        webhook_reason(r->dash->rs.status));
		dash_free(r->dash);
		r->dash = NULL;
		return ret;
	}
	if (dashboard_route(url)) {
		struct dash_job *j = xcalloc(1, sizeof *j);
		const char *q = strchr(r->uri, '?');
		j->d = sv->dash;
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
			.remote_loopback = peer_is_loopback(c),
			.proxied = dashboard_proxy_evidence(version, header, c),
		};
		r->dash = j;
		r->conn = c;
		mhd.suspend_connection(c);
		if (groupcommit_submit(sv->dashq, dash_run, j, job_stored, r) != 0) {
			r->job_rc = GROUPCOMMIT_FAILED;
			snprintf(r->job_err, sizeof r->job_err, "shutting down");
			r->job_done = 1;
			mhd.resume_connection(c);
		}
		return MHD_YES;
	}
	if (r->job) {
		/* Resumed: the writer has committed (or failed) this request's work. */
		if (!r->job_done)
			return MHD_YES;
		webhook_finish(r->job, r->job_rc, r->job_err, &rs);
		r->job = NULL;
	} else {
		char *full = signed_url(sv, c, r->uri);
		struct webhook_request rq = {
			.method = method,
			.path = url,
			.url = full,
			.signature = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "X-Twilio-Signature"),
			.body = r->body.s,
			.body_len = r->body.len,
			.too_large = r->too_large,
		};
		struct webhook_job *job;
		int final = webhook_begin(sv->w, &rq, &job, &rs);
		free(full);
		if (!final) {
			/* Park the connection until the group commit holding this job is
			 * on disk: the pool threads go on serving other connections. */
			r->job = job;
			r->conn = c;
			mhd.suspend_connection(c);
			if (groupcommit_submit(sv->gc, webhook_apply, job, job_stored, r) != 0) {
				r->job_rc = GROUPCOMMIT_FAILED;
				snprintf(r->job_err, sizeof r->job_err, "shutting down");
				r->job_done = 1;
				mhd.resume_connection(c);
			}
			return MHD_YES;
		}
	}
	if (sv->o->log_requests || rs.status >= 400)
		warnmsg("%s %s: %d %s", method, url, rs.status, webhook_reason(rs.status));
	enum MHD_Result ret = send_response(c, &rs);
	/* An answer sent through the provider's API (Vonage, SNS), then the hook. */
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
	if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
		return 1;
	struct in_addr a;
	return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

int httpd_run(struct webhook *w, struct dashboard *d, struct store *st, struct store *dash_st,
              const struct httpd_options *o)
{
	/* Signals go to the main thread only, which waits for them below; every
	 * thread started from here on inherits the mask. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (mhd_load() != 0)
		return EX_OSERR;
	int is6 = 0, port = 0;
	int fd = listen_on(o->listen, &is6, &port);
	if (fd < 0)
		return EX_OSERR;
	if (webhook_rules_load(w, st) != STORE_OK) {
		warnmsg("reading the autoresponders: %s", store_errmsg(st));
		close(fd);
		return EX_TEMPFAIL;
	}
	struct server sv = {.w = w, .dash = d, .o = o};
	atomic_init(&sv.inflight, 0);
	sv.gc = groupcommit_start(st, BATCH_MAX);
	sv.dashq = groupcommit_start_serial(dash_st);
	sv.hooks = hookq_start(10000, 60);
	if (!sv.gc || !sv.dashq || !sv.hooks) {
		warnmsg("cannot start threads");
		close(fd);
		groupcommit_stop(sv.gc);
		groupcommit_stop(sv.dashq);
		hookq_stop(sv.hooks);
		return EX_OSERR;
	}
	/* A small pool of polling threads; a request waiting for its commit is
	 * suspended, not a blocked thread, so connections cost no threads. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	                 (is6 ? MHD_USE_IPv6 : 0);
	struct MHD_Daemon *daemon = mhd.start_daemon(
		flags, 0, NULL, NULL, on_request, &sv,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_URI_LOG_CALLBACK, uri_logged, &sv,
		MHD_OPTION_NOTIFY_COMPLETED, completed, &sv,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout_s,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POOL_THREADS,
		MHD_OPTION_END);
	if (!daemon) {
		warnmsg("cannot start the HTTP server on %s", o->listen);
		close(fd);
		groupcommit_stop(sv.gc);
		groupcommit_stop(sv.dashq);
		hookq_stop(sv.hooks);
		return EX_OSERR;
	}
	warnmsg("listening on %s (port %d), store %s", o->listen, port, store_path(st));
	if (o->port_file)
		write_port_file(o->port_file, port);

	int sig = 0;
	while (sigwait(&stop, &sig) != 0)
		;
	warnmsg("%s: finishing the requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	/* No new connections; requests already read are answered (their rows are
	 * committed before their 2xx goes out, so nothing acknowledged is lost). */
	MHD_socket lfd = mhd.quiesce_daemon(daemon);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	struct timespec tick = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 3000 && atomic_load(&sv.inflight) > 0; i++)
		nanosleep(&tick, NULL);
	mhd.stop_daemon(daemon);
	groupcommit_stop(sv.gc);
	groupcommit_stop(sv.dashq);
	hookq_stop(sv.hooks);
	warnmsg("stopped");
	return EX_OK;
}
