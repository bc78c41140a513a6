/* fake-common — the libmicrohttpd plumbing, request log, form parsing and
 * scripts the fake provider servers share; fake-common.h says what it owns. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake-common.h"

struct rule {
	char *to;     /* NULL: a one-shot line */
	char *action; /* the rest of the line */
	int   used;
};

static struct {
	pthread_mutex_t lock; /* the log and the script */
	FILE           *log;
	fake_handler    handle;
	struct rule    *rules;
	size_t          nrules;
	volatile sig_atomic_t stop;
} f = {.lock = PTHREAD_MUTEX_INITIALIZER};

struct body {
	char  *data;
	size_t len;
};

void fake_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

unsigned long fake_run_id(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (unsigned long)now.tv_sec * 1000000000ul + (unsigned long)now.tv_nsec;
}

enum MHD_Result fake_hang(void)
{
	while (!f.stop)
		fake_sleep_ms(50);
	return MHD_NO;
}

/* ---- Forms ---------------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decodes application/x-www-form-urlencoded text; NULL when malformed. */
static char *form_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 || (l = hexval(s[i + 2])) < 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

cJSON *fake_form_params(const char *body, size_t len)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (stop > p) {
			const char *kend = eq ? eq : stop;
			char *k = form_decode(p, (size_t)(kend - p));
			char *v = eq ? form_decode(eq + 1, (size_t)(stop - eq - 1)) : strdup("");
			if (!k || !v) {
				free(k);
				free(v);
				cJSON_Delete(arr);
				return NULL;
			}
			cJSON *pair = cJSON_CreateArray();
			cJSON_AddItemToArray(pair, cJSON_CreateString(k));
			cJSON_AddItemToArray(pair, cJSON_CreateString(v));
			cJSON_AddItemToArray(arr, pair);
			free(k);
			free(v);
		}
		p = amp ? amp + 1 : end;
	}
	return arr;
}

const char *fake_param(const cJSON *params, const char *name)
{
	const cJSON *pair;
	cJSON_ArrayForEach(pair, params)
		if (strcmp(cJSON_GetArrayItem(pair, 0)->valuestring, name) == 0)
			return cJSON_GetArrayItem(pair, 1)->valuestring;
	return NULL;
}

const char *fake_arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

enum MHD_Result fake_reply(struct MHD_Connection *c, unsigned code, const char *type,
                           const char *body, const char *retry_after)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	                                                         MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type", type);
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", retry_after);
	enum MHD_Result ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- The log -------------------------------------------------------------------- */

static void log_auth(cJSON *line, struct MHD_Connection *c)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	cJSON_AddItemToObject(line, "user", user ? cJSON_CreateString(user) : cJSON_CreateNull());
	cJSON_AddItemToObject(line, "pass", pass ? cJSON_CreateString(pass) : cJSON_CreateNull());
	MHD_free(user);
	MHD_free(pass);
}

void fake_log_headers(cJSON *line, struct MHD_Connection *c, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, names[i]);
		cJSON_AddItemToObject(line, names[i], v ? cJSON_CreateString(v) : cJSON_CreateNull());
	}
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	(void)kind;
	cJSON *pair = cJSON_CreateArray();
	cJSON_AddItemToArray(pair, cJSON_CreateString(key));
	cJSON_AddItemToArray(pair, cJSON_CreateString(value ? value : ""));
	cJSON_AddItemToArray(cls, pair);
	return MHD_YES;
}

static void log_query(cJSON *line, struct MHD_Connection *c)
{
	cJSON *query = cJSON_CreateArray();
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, query);
	cJSON_AddItemToObject(line, "query", query);
}

void fake_log_write(cJSON *line)
{
	char *s = cJSON_PrintUnformatted(line);
	pthread_mutex_lock(&f.lock);
	fprintf(f.log, "%s\n", s);
	fflush(f.log);
	pthread_mutex_unlock(&f.lock);
	free(s);
	cJSON_Delete(line);
}

void fake_log_request(cJSON *line, struct MHD_Connection *c, const char *method, const char *url,
                      const char *const *hdrs, size_t nhdrs, const cJSON *params)
{
	cJSON_AddStringToObject(line, "method", method);
	cJSON_AddStringToObject(line, "path", url);
	log_auth(line, c);
	fake_log_headers(line, c, hdrs, nhdrs);
	cJSON_AddItemToObject(line, "params", params ? cJSON_Duplicate(params, 1) : cJSON_CreateNull());
	log_query(line, c);
	fake_log_write(line);
}

/* ---- Files and scripts -------------------------------------------------------------------- */

void fake_read_lines(const char *path, void (*fn)(const char *path, char *line))
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		perror(path);
		exit(1);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, fp)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > 0 && line[0] != '#')
			fn(path, line);
	}
	free(line);
	fclose(fp);
}

static void add_rule(const char *path, char *line)
{
	(void)path;
	f.rules = realloc(f.rules, (f.nrules + 1) * sizeof *f.rules);
	struct rule *r = &f.rules[f.nrules++];
	r->used = 0;
	r->to = NULL;
	char *s = line;
	if (strncmp(s, "to=", 3) == 0) {
		char *sp = strchr(s, ' ');
		r->to = strndup(s + 3, sp ? (size_t)(sp - s - 3) : strlen(s + 3));
		s = sp ? sp + 1 : s + strlen(s);
	}
	r->action = strdup(s);
}

void fake_script_load(const char *path) { fake_read_lines(path, add_rule); }

char *fake_next_action(const char *to)
{
	char *a = NULL;
	pthread_mutex_lock(&f.lock);
	for (size_t i = 0; i < f.nrules && !a; i++)
		if (f.rules[i].to && to && strcmp(f.rules[i].to, to) == 0)
			a = strdup(f.rules[i].action);
	for (size_t i = 0; i < f.nrules && !a; i++)
		if (!f.rules[i].to && !f.rules[i].used) {
			f.rules[i].used = 1;
			a = strdup(f.rules[i].action);
		}
	pthread_mutex_unlock(&f.lock);
	return a ? a : strdup("ok");
}

/* ---- The server ----------------------------------------------------------------- */

/* Gathers the body across calls; the fake's handler sees the request once, whole. */
static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct body *b = *con_cls;
	if (!b) {
		*con_cls = calloc(1, sizeof *b);
		return MHD_YES;
	}
	if (*upload_size) {
		if (b->len + *upload_size <= FAKE_MAX_BODY) {
			b->data = realloc(b->data, b->len + *upload_size + 1);
			memcpy(b->data + b->len, upload, *upload_size);
			b->len += *upload_size;
			b->data[b->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return f.handle(c, method, url, b->data ? b->data : "", b->len);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct body *b = *con_cls;
	if (b) {
		free(b->data);
		free(b);
	}
	*con_cls = NULL;
}

static void on_signal(int sig) { (void)sig; f.stop = 1; }

static int write_port_file(const char *path, unsigned port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *fp = fopen(tmp, "w");
	if (!fp || fprintf(fp, "%u\n", port) < 0 || fclose(fp) != 0 || rename(tmp, path) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

int fake_serve(const struct fake_server *s)
{
	f.handle = s->handle;
	f.log = fopen(s->log_path, "a");
	if (!f.log) {
		perror(s->log_path);
		return 1;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Without a connection limit, MHD_OPTION_END ends the options there. */
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
		NULL, NULL, access_cb, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
		completed_cb, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		s->conn_limit ? MHD_OPTION_CONNECTION_LIMIT : MHD_OPTION_END, s->conn_limit,
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "%s: cannot listen\n", s->name);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (s->port_file && write_port_file(s->port_file, (unsigned)info->port) != 0)
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!f.stop)
		fake_sleep_ms(50);
	MHD_stop_daemon(d);
	fclose(f.log);
	return 0;
}
