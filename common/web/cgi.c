/* cgi — the CGI mode of sms-webhookd; see cgi.h. */
#include "cgi.h"
#include "hook.h"
#include "metrics_page.h"
#include "peer.h"
#include "store.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *env(const char *k)
{
	const char *v = getenv(k);
	return v && *v ? v : NULL;
}

/* RFC 3875 4.1.13: the route is PATH_INFO (the script mapped at a prefix),
 * else the script's own name (the script mapped at /sms/incoming itself). */
static const char *route(void)
{
	const char *p = env("PATH_INFO");
	return p ? p : env("SCRIPT_NAME");
}

/* 1 when h may be a Host header: a name or address and an optional port
 * (RFC 9110 7.2), nothing that would change the URL's path or scheme. */
static int host_ok(const char *h)
{
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-._:[]", *p))
			return 0;
	return *h != '\0' && *h != ':';
}

/* sms-webhookd(1), Signatures: SMS_PUBLIC_URL and the route, else the scheme
 * (HTTPS set and not off, or REQUEST_SCHEME https), the host the client
 * called (HTTP_HOST, else SERVER_NAME), its port (HTTP_HOST's own when it
 * has one, else SERVER_PORT unless it is the scheme's default), SCRIPT_NAME
 * and PATH_INFO; the query string as received either way. HTTP_HOST comes
 * first because SERVER_NAME is the server's name for itself: nginx's stock
 * fastcgi_params pass $server_name, which is "_" in Debian's default site
 * (and, in Debian's, HTTP_HOST as $host, without the port). A Host the signer
 * did not call makes another URL, and the signature fails all the same. */
static char *signed_url(const struct sms_config *c)
{
	struct strbuf b;
	strbuf_init(&b);
	const char *base = config_get(c, "SMS_PUBLIC_URL");
	if (base) {
		size_t n = strlen(base);
		while (n && base[n - 1] == '/')
			n--;
		strbuf_add(&b, base, n);
		strbuf_puts(&b, route() ? route() : "");
	} else {
		const char *https = env("HTTPS"), *scheme = env("REQUEST_SCHEME");
		int tls = (https && strcasecmp(https, "off") != 0) ||
		          (scheme && strcasecmp(scheme, "https") == 0);
		const char *host = env("HTTP_HOST"), *port = env("SERVER_PORT");
		if (!host || !host_ok(host))
			host = env("SERVER_NAME") ? env("SERVER_NAME") : "localhost";
		else if (strchr(host, ']') ? strstr(host, "]:") != NULL : strchr(host, ':') != NULL)
			port = NULL; /* the client's own, as sent */
		strbuf_puts(&b, tls ? "https://" : "http://");
		strbuf_puts(&b, host);
		if (port && strcmp(port, tls ? "443" : "80") != 0) {
			strbuf_putc(&b, ':');
			strbuf_puts(&b, port);
		}
		strbuf_puts(&b, env("SCRIPT_NAME") ? env("SCRIPT_NAME") : "");
		strbuf_puts(&b, env("PATH_INFO") ? env("PATH_INFO") : "");
	}
	if (env("QUERY_STRING")) {
		strbuf_putc(&b, '?');
		strbuf_puts(&b, env("QUERY_STRING"));
	}
	return strbuf_detach(&b);
}

/* Reads CONTENT_LENGTH bytes (at most the cap; more marks too_large). */
static int read_body(struct strbuf *b, int *too_large)
{
	long long want = 0;
	const char *cl = env("CONTENT_LENGTH");
	if (cl && parse_whole(cl, (long long)1 << 50, &want) != 0)
		want = 0;
	if (want > WEBHOOK_MAX_BODY) {
		*too_large = 1;
		return 0;
	}
	/* read(2), never more than announced: the server need not close our
	 * stdin after the body, and stdio would wait to fill its buffer. */
	char buf[8192];
	while ((long long)b->len < want) {
		size_t room = (size_t)(want - (long long)b->len);
		ssize_t n = read(0, buf, room < sizeof buf ? room : sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_add(b, buf, (size_t)n);
	}
	return 0;
}

static int write_response(const struct webhook_response *rs)
{
	printf("Status: %d %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\n", rs->status,
	       webhook_reason(rs->status), rs->content_type);
	if (rs->allow)
		printf("Allow: %s\r\n", rs->allow);
	if (rs->message_id > 0)
		printf("X-Message-Id: %lld\r\n", rs->message_id);
	if (rs->headers)
		fputs(rs->headers, stdout);
	printf("Content-Length: %zu\r\n\r\n", rs->body_len);
	fwrite(rs->body, 1, rs->body_len, stdout);
	return fflush(stdout) == 0 ? 0 : -1;
}

/* The store for this one request. cgi_run closes it: closing may copy the WAL
 * back (store_close), which is upkeep, not durability, so it waits until the
 * answer is out. */
static struct store *open_store(const struct sms_config *c, char *err, size_t errlen)
{
	char *path = config_db_path(c, err, errlen);
	struct store *st = path ? store_open(path, STORE_NO_CKPT_ON_CLOSE, err, errlen) : NULL;
	free(path);
	return st;
}

/* One transaction, as the daemon's group commit would make for one request;
 * the store left open in *stp. */
static int apply(const struct sms_config *c, struct webhook_job *job, struct store **stp,
                 char *err, size_t errlen)
{
	struct store *st = *stp = open_store(c, err, errlen);
	if (!st)
		return -1;
	int rc = -1;
	if (store_begin_immediate(st) == STORE_OK) {
		rc = webhook_apply(st, job);
		if (rc < 0)
			store_rollback(st);
		else if (store_commit(st) != STORE_OK)
			rc = -1;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s", store_errmsg(st));
	return rc;
}

/* A request header as the server passed it: X-Real-IP as HTTP_X_REAL_IP. */
static const char *header(void *arg, const char *name)
{
	(void)arg;
	char k[64] = "HTTP_";
	size_t n = 5;
	for (const char *p = name; *p && n + 1 < sizeof k; p++)
		k[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	k[n] = '\0';
	return env(k);
}

/* The dashboard on a store connection of its own (no transaction around it),
 * left open in *stp like apply's. */
static void dashboard(struct dashboard *d, const struct sms_config *c,
                      const struct webhook_request *rq, struct webhook_response *rs,
                      struct store **stp)
{
	char err[512];
	struct store *st = *stp = open_store(c, err, sizeof err);
	memset(rs, 0, sizeof *rs);
	if (!st) {
		warnmsg("%s", err);
		webhook_respond(rs, 503, "the store is unavailable: %s", err);
		return;
	}
	dashboard_handle(d, st, rq, rs);
}

/* /metrics: only the gauges read from the store (a process per request has
 * no counters worth showing; sms-webhookd(1), Metrics). */
static void metrics(struct webhook *w, struct dashboard *d, const struct sms_config *c,
                    const struct webhook_request *rq, struct webhook_response *rs,
                    struct store **stp)
{
	char err[512];
	struct store *st = *stp = open_store(c, err, sizeof err);
	if (!st)
		warnmsg("%s", err);
	memset(rs, 0, sizeof *rs);
	metrics_page(d, st, webhook_provider(w), NULL, rq, rs);
}

int cgi_run(struct webhook *w, struct dashboard *d, const struct sms_config *c,
            struct accesslog *log)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	signal(SIGPIPE, SIG_IGN);
	struct strbuf body;
	strbuf_init(&body);
	int too_large = 0;
	read_body(&body, &too_large);
	char *url = signed_url(c);
	const char *sig = webhook_signature_header(w);
	struct webhook_request rq = {
		.method = env("REQUEST_METHOD"),
		.path = route(),
		.url = url,
		.signature = sig ? header(NULL, sig) : NULL,
		.body = body.s,
		.body_len = body.len,
		.too_large = too_large,
		.remote_user = env("REMOTE_USER"),
	};
	char host[300];
	snprintf(host, sizeof host, "%s%s%s", env("SERVER_NAME") ? env("SERVER_NAME") : "",
	         env("SERVER_PORT") ? ":" : "", env("SERVER_PORT") ? env("SERVER_PORT") : "");
	rq.query = env("QUERY_STRING");
	rq.content_type = env("CONTENT_TYPE");
	rq.cookie = env("HTTP_COOKIE");
	rq.authorization = env("HTTP_AUTHORIZATION");
	rq.origin = env("HTTP_ORIGIN");
	rq.host = env("HTTP_HOST") ? env("HTTP_HOST") : host;
	rq.remote_loopback = peer_addr_is_loopback(env("REMOTE_ADDR"));
	rq.proxied = peer_proxy_evidence(env("SERVER_PROTOCOL"), header, NULL);
	struct webhook_response rs;
	struct webhook_job *job;
	struct store *st = NULL;
	if (rq.path && dashboard_route(rq.path)) {
		dashboard(d, c, &rq, &rs, &st);
	} else if (metrics_page_route(rq.path)) {
		metrics(w, d, c, &rq, &rs, &st);
	} else if (webhook_begin(w, &rq, &job, &rs) == 0) {
		char err[512] = "";
		int rc = apply(c, job, &st, err, sizeof err);
		webhook_finish(job, rc, err, &rs);
	}
	if (rs.status >= 400 && !accesslog_on_stderr(log))
		warnmsg("%s %s: %d %.*s", rq.method ? rq.method : "-", rq.path ? rq.path : "-",
		        rs.status, (int)(rs.body_len ? rs.body_len - 1 : 0), rs.body);
	/* A server may SIGTERM the program as soon as the answer is complete
	 * (lighttpd does): what is left after it (closing the store, which may
	 * copy the WAL back; starting a hook) must survive that, and is short. */
	signal(SIGTERM, SIG_IGN);
	int out = write_response(&rs);
	if (log) {
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		struct accesslog_entry e = {
			.remote = env("REMOTE_ADDR"), .method = rq.method, .path = rq.path,
			.status = rs.status, .bytes = rs.body_len, .message_id = rs.message_id,
			.ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		};
		accesslog_write(log, &e);
	}
	free(url);
	strbuf_free(&body);
	/* The web server has the whole answer once stdout is closed; the store's
	 * upkeep and the hook come after, so they never delay the provider. */
	fclose(stdout);
	store_close(st);
	if (rs.reply_cmd)
		hook_run_detached(rs.reply_cmd, rs.reply_line, 60);
	if (rs.hook)
		hook_run_detached(rs.hook, rs.hook_line, 60);
	webhook_response_free(&rs);
	return out;
}

void cgi_fail(void)
{
	printf("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n"
	       "sms-webhookd is not configured; the reason is in the web server's error log\n");
	fflush(stdout);
}
