/* http — libcurl multi handle, retries, timeouts. See http.h. */
#include "http.h"
#include "html.h"
#include "util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct call {
	struct http_request  req;
	struct http_response resp;
	http_done_fn         fn;
	void                *arg;
	CURL                *easy;
	struct curl_slist   *hdrs;
	struct strbuf        buf;
	long                 due_ms; /* monotonic time at which to (re)start */
	int                  sends;  /* times libcurl was about to send this attempt */
	struct call         *next;   /* in the waiting list */
};

struct http_client {
	struct http_options opt;
	CURLM              *multi;
	size_t              pending;
	struct call        *waiting; /* queued, or backing off before a retry */
	unsigned            seed;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

struct http_client *http_new(const struct http_options *opt)
{
	static int global_done;
	if (!global_done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = 1;
	}
	struct http_client *c = xcalloc(1, sizeof *c);
	if (opt)
		c->opt = *opt;
	if (c->opt.connect_timeout_ms <= 0)
		c->opt.connect_timeout_ms = 10000;
	if (c->opt.timeout_ms <= 0)
		c->opt.timeout_ms = 30000;
	const char *t = getenv("SMS_HTTP_TIMEOUT");
	if (t && atof(t) > 0)
		c->opt.timeout_ms = (long)(atof(t) * 1000);
	if (c->opt.connect_timeout_ms > c->opt.timeout_ms)
		c->opt.connect_timeout_ms = c->opt.timeout_ms;
	if (c->opt.max_attempts <= 0)
		c->opt.max_attempts = 4;
	if (c->opt.backoff_base_ms <= 0)
		c->opt.backoff_base_ms = 500;
	if (c->opt.backoff_max_ms <= 0)
		c->opt.backoff_max_ms = 30000;
	if (c->opt.max_host_conns <= 0)
		c->opt.max_host_conns = 32;
	c->seed = (unsigned)now_ms() ^ (unsigned)getpid();
	c->multi = curl_multi_init();
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, c->opt.max_host_conns);
	return c;
}

static void request_free(struct http_request *r)
{
	free(r->url);
	free(r->body);
	free_secret(r->userpwd); /* leave no copy behind in freed memory */
	free(r->sigv4);
	for (size_t i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	memset(r, 0, sizeof *r);
}

static void call_free(struct call *k)
{
	request_free(&k->req);
	free(k->resp.body);
	strbuf_free(&k->buf);
	curl_slist_free_all(k->hdrs);
	free(k);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct call *k = arg;
	strbuf_add(&k->buf, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct call *k = arg;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
		const char *v = p + sizeof name - 1;
		while (*v == ' ' || *v == '\t')
			v++;
		/* Seconds only; an HTTP-date falls back to our own backoff. */
		if (isdigit((unsigned char)*v))
			k->resp.retry_after_s = strtol(v, NULL, 10);
	}
	size_t kn = k->req.keep_header ? strlen(k->req.keep_header) : 0;
	if (kn && len > kn && p[kn] == ':' && strncasecmp(p, k->req.keep_header, kn) == 0) {
		const char *v = p + kn + 1, *end = p + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		snprintf(k->resp.header, sizeof k->resp.header, "%.*s", (int)(end - v), v);
	}
	return len;
}

/* libcurl silently repeats a request whose kept-alive connection died before
 * any answer came. For a POST that may already have been acted on, that is a
 * second message: refuse the repeat and let the caller report "unknown". */
static int on_prereq(void *arg, char *ip, char *local_ip, int port, int local_port)
{
	(void)ip;
	(void)local_ip;
	(void)port;
	(void)local_port;
	struct call *k = arg;
	if (++k->sends > 1 && strcmp(k->req.method, "POST") == 0)
		return CURL_PREREQFUNC_ABORT;
	return CURL_PREREQFUNC_OK;
}

static void start(struct http_client *c, struct call *k)
{
	CURL *e = curl_easy_init();
	k->easy = e;
	strbuf_free(&k->buf);
	k->resp.retry_after_s = -1;
	k->resp.header[0] = '\0';
	k->resp.attempts++;
	k->sends = 0;
	curl_easy_setopt(e, CURLOPT_URL, k->req.url);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, k);
	curl_easy_setopt(e, CURLOPT_PRIVATE, k);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, k);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->opt.timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "smskit/" SMSKIT_VERSION);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (strcmp(k->req.method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, k->req.body ? k->req.body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(k->req.body ? strlen(k->req.body) : 0));
	}
	if (k->req.userpwd) {
		curl_easy_setopt(e, CURLOPT_USERPWD, k->req.userpwd);
		if (k->req.sigv4)
			curl_easy_setopt(e, CURLOPT_AWS_SIGV4, k->req.sigv4);
		else
			curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	if (!k->hdrs) {
		/* JSON unless the request asks for something else (AWS answers XML). */
		int accept = 0;
		for (size_t i = 0; i < k->req.nheaders; i++)
			accept |= strncasecmp(k->req.headers[i], "Accept:", 7) == 0;
		if (!accept)
			k->hdrs = curl_slist_append(k->hdrs, "Accept: application/json");
		/* libcurl's SigV4 signs every header of this list, even an empty one
		 * it then leaves out ("Expect:"), and sorts "name:value" strings: a
		 * signed request gets only its own headers. */
		if (!k->req.sigv4) {
			k->hdrs = curl_slist_append(k->hdrs, "Accept-Charset: utf-8");
			/* No "Expect: 100-continue" round trip on larger bodies. */
			k->hdrs = curl_slist_append(k->hdrs, "Expect:");
		}
		for (size_t i = 0; i < k->req.nheaders; i++)
			k->hdrs = curl_slist_append(k->hdrs, k->req.headers[i]);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, k->hdrs);
	curl_multi_add_handle(c->multi, e);
}

void http_submit(struct http_client *c, struct http_request *req, http_done_fn fn, void *arg)
{
	struct call *k = xcalloc(1, sizeof *k);
	k->req = *req;
	memset(req, 0, sizeof *req);
	k->fn = fn;
	k->arg = arg;
	strbuf_init(&k->buf);
	c->pending++;
	start(c, k);
}

size_t http_pending(const struct http_client *c) { return c->pending; }

static int retryable_status(long status) { return status == 429 || status >= 500; }

static long backoff_ms(struct http_client *c, const struct call *k)
{
	if (k->resp.retry_after_s >= 0) {
		long ms = k->resp.retry_after_s * 1000;
		return ms < c->opt.backoff_max_ms ? ms : c->opt.backoff_max_ms;
	}
	long cap = c->opt.backoff_base_ms << (k->resp.attempts - 1 < 16 ? k->resp.attempts - 1 : 16);
	if (cap > c->opt.backoff_max_ms)
		cap = c->opt.backoff_max_ms;
	/* Equal jitter: half fixed, half random, so that senders spread out. */
	return cap / 2 + (long)(rand_r(&c->seed) % (unsigned)(cap / 2 + 1));
}

static void finish(struct http_client *c, struct call *k, CURLcode cc)
{
	long status = 0, reqsize = 0;
	curl_easy_getinfo(k->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(k->easy, CURLINFO_REQUEST_SIZE, &reqsize);
	curl_multi_remove_handle(c->multi, k->easy);
	curl_easy_cleanup(k->easy);
	k->easy = NULL;

	k->resp.status = cc == CURLE_OK ? status : 0;
	k->resp.curl_code = (int)cc;
	k->resp.error[0] = '\0';
	k->resp.maybe_sent = 0;
	if (cc != CURLE_OK) {
		snprintf(k->resp.error, sizeof k->resp.error, "%s", curl_easy_strerror(cc));
		/* Once the request went out, silence is no proof that nothing happened. */
		k->resp.maybe_sent = (reqsize > 0 && cc != CURLE_COULDNT_CONNECT &&
		                      cc != CURLE_COULDNT_RESOLVE_HOST &&
		                      cc != CURLE_SSL_CONNECT_ERROR) ||
		                     k->sends > 1;
		if (k->sends > 1)
			snprintf(k->resp.error, sizeof k->resp.error,
			         "the connection closed after the request was sent");
	}
	int again = k->resp.attempts < c->opt.max_attempts &&
	            ((cc == CURLE_OK && retryable_status(status)) ||
	             (cc != CURLE_OK && !k->resp.maybe_sent));
	if (again) {
		k->due_ms = now_ms() + backoff_ms(c, k);
		k->next = c->waiting;
		c->waiting = k;
		return;
	}
	free(k->resp.body);
	k->resp.len = k->buf.len;
	k->resp.body = strbuf_detach(&k->buf);
	c->pending--;
	k->fn(k->arg, &k->resp);
	call_free(k);
}

void http_step(struct http_client *c, long max_wait_ms)
{
	long now = now_ms();
	/* Start retries that are due; shorten the wait to the next one. */
	for (struct call **pp = &c->waiting; *pp;) {
		struct call *k = *pp;
		if (k->due_ms <= now) {
			*pp = k->next;
			start(c, k);
			continue;
		}
		if (k->due_ms - now < max_wait_ms)
			max_wait_ms = k->due_ms - now;
		pp = &k->next;
	}
	int running = 0;
	curl_multi_perform(c->multi, &running);
	if (running > 0)
		curl_multi_poll(c->multi, NULL, 0, (int)(max_wait_ms > 0 ? max_wait_ms : 0), NULL);
	else if (c->waiting && max_wait_ms > 0)
		usleep((useconds_t)max_wait_ms * 1000);
	curl_multi_perform(c->multi, &running);
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct call *k;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&k);
		finish(c, k, m->data.result);
	}
}

struct sync_result {
	struct http_response *out;
	int                   done;
};

static void sync_done(void *arg, struct http_response *resp)
{
	struct sync_result *s = arg;
	*s->out = *resp;
	s->out->body = resp->body;
	resp->body = NULL; /* handed to the caller */
	s->done = 1;
}

void http_do(struct http_client *c, struct http_request *req, struct http_response *out)
{
	struct sync_result s = {out, 0};
	http_submit(c, req, sync_done, &s);
	while (!s.done)
		http_step(c, 1000);
}

void http_free(struct http_client *c)
{
	if (!c)
		return;
	struct call *k = c->waiting;
	while (k) {
		struct call *next = k->next;
		call_free(k);
		k = next;
	}
	curl_multi_cleanup(c->multi);
	free(c);
}

char *http_escape(const char *s)
{
	struct strbuf b;
	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	html_url_esc(&b, s);
	return strbuf_detach(&b);
}

void http_form_add(struct strbuf *b, const char *name, const char *value)
{
	if (b->len)
		strbuf_putc(b, '&');
	char *n = http_escape(name), *v = http_escape(value);
	strbuf_puts(b, n);
	strbuf_putc(b, '=');
	strbuf_puts(b, v);
	free(n);
	free(v);
}
