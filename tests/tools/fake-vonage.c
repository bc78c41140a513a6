/* fake-vonage — a scripted stand-in for Vonage's SMS API and Reports API on
 * loopback, for tests. Logs every request as one NDJSON line (method, path,
 * query and form parameters in order, basic-auth user and password, headers)
 * and checks the credentials as Vonage does: api_key and api_secret in the
 * form, or api_key, timestamp and a sig made with --sig-secret by
 * --sig-method, verified here with libcrypto, independently of smskit's code.
 *
 * POST /sms/json answers with the next line of a script:
 *
 *   ok [PARTS]            status 0: PARTS messages (default 1), each with a
 *                         message-id, a price of 0.03330000 and the balance
 *   ok-then STATUS [ERR [TEXT]]
 *                         ok, and the Reports API later says STATUS (and
 *                         error_code ERR, with error_code_description TEXT
 *                         when given) instead of delivered
 *   status N [TEXT]       {"messages":[{"status":"N","error-text":TEXT}]}
 *   http CODE             that HTTP status with a plain-text body
 *   empty                 200 with {"message-count":"0","messages":[]}
 *   hang | drop           never answer | close the connection
 *
 * "to=NUMBER ACTION" lines apply to every POST to that number; other lines
 * are used once each, in order; then every POST gets ok. Wrong credentials
 * get status 4 (14 for a bad signature), a missing parameter status 2.
 *
 * GET /v2/reports/records (basic auth api_key:api_secret, else 401):
 * direction=outbound&id=ID answers the message sent as ID, its status
 * accepted on the first query and delivered (or the ok-then status) after;
 * direction=inbound&date_start&date_end answers the --inbound FILE records
 * (one JSON object per line) whose date_received falls in the window,
 * --page-size at a time (TRUNCATED with a _links.next cursor link).
 *
 * fake-vonage --sign METHOD SECRET NAME=VALUE... prints smskit's own
 * signature of the parameters (for the test vectors), and exits.
 *
 * usage: fake-vonage --port-file F --log F [--script F] [--key K]
 *                    [--secret S] [--sig-secret S --sig-method M]
 *                    [--inbound FILE] [--page-size N] */
#include <ctype.h>
#include <getopt.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "form.h"
#include "vonage.h"

#include "fake-common.h"

struct msg {
	char id[24];
	int  queries;
	char final[16];
	char err[8];
	char text[64]; /* error_code_description; "": none */
};

static struct {
	pthread_mutex_t lock;
	const char     *key, *secret, *sig_secret, *sig_method;
	struct msg     *msgs;
	size_t          nmsgs;
	unsigned long   counter;
	cJSON          *inbound;
	long            page_size;
	double          balance;
	unsigned long   started;  /* fake_run_id(), of which an id holds the low 32 bits */
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .page_size = 1000, .balance = 10.0};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
                             const char *body)
{
	return fake_reply(c, code, type, body, NULL);
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned code, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	enum MHD_Result ret = reply(c, code, "application/json", s);
	free(s);
	cJSON_Delete(j);
	return ret;
}

static void log_request(struct MHD_Connection *c, const char *method, const char *url,
                        const cJSON *params)
{
	static const char *const hdrs[] = {"Content-Type", "Accept", "User-Agent"};
	fake_log_request(cJSON_CreateObject(), c, method, url, hdrs, sizeof hdrs / sizeof *hdrs,
	                 params);
}

/* ---- Vonage's signature (doc/providers.md), computed here, not with smskit's code ---- */

static int by_name(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(cJSON_GetArrayItem(x, 0)->valuestring, cJSON_GetArrayItem(y, 0)->valuestring);
}

static void clean(char *d, const char *s)
{
	for (; *s; s++)
		*d++ = *s == '&' || *s == '=' ? '_' : *s;
	*d = '\0';
}

static int sig_ok(const cJSON *params)
{
	const char *sig = fake_param(params, "sig");
	if (!sig || !g.sig_secret)
		return 0;
	size_t n = (size_t)cJSON_GetArraySize(params), k = 0, len = 1;
	const cJSON **v = calloc(n + 1, sizeof *v);
	const cJSON *pair;
	cJSON_ArrayForEach(pair, params) {
		const char *name = cJSON_GetArrayItem(pair, 0)->valuestring;
		if (strcmp(name, "sig") != 0) {
			v[k++] = pair;
			len += strlen(name) + strlen(cJSON_GetArrayItem(pair, 1)->valuestring) + 2;
		}
	}
	qsort(v, k, sizeof *v, by_name);
	char *s = calloc(1, len + strlen(g.sig_secret) + 1), *o = s;
	for (size_t i = 0; i < k; i++) {
		*o++ = '&';
		clean(o, cJSON_GetArrayItem(v[i], 0)->valuestring);
		o += strlen(o);
		*o++ = '=';
		clean(o, cJSON_GetArrayItem(v[i], 1)->valuestring);
		o += strlen(o);
	}
	free(v);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *m = g.sig_method ? g.sig_method : "md5hash";
	if (strcmp(m, "md5hash") == 0) {
		strcpy(o, g.sig_secret);
		EVP_Digest(s, strlen(s), md, &mdlen, EVP_md5(), NULL);
	} else {
		const EVP_MD *h = strcmp(m, "md5") == 0    ? EVP_md5()
		                  : strcmp(m, "sha1") == 0 ? EVP_sha1()
		                  : strcmp(m, "sha256") == 0 ? EVP_sha256()
		                                             : EVP_sha512();
		HMAC(h, g.sig_secret, (int)strlen(g.sig_secret), (unsigned char *)s, strlen(s), md,
		     &mdlen);
	}
	free(s);
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return strlen(sig) == 2 * mdlen && strcasecmp(sig, hex) == 0;
}

/* ---- POST /sms/json ------------------------------------------------------------ */

static enum MHD_Result sms_error(struct MHD_Connection *c, int status, const char *text)
{
	cJSON *j = cJSON_CreateObject(), *list = cJSON_CreateArray(), *m = cJSON_CreateObject();
	char st[16];
	snprintf(st, sizeof st, "%d", status);
	cJSON_AddStringToObject(j, "message-count", "1");
	cJSON_AddStringToObject(m, "status", st);
	cJSON_AddStringToObject(m, "error-text", text);
	cJSON_AddItemToArray(list, m);
	cJSON_AddItemToObject(j, "messages", list);
	return reply_json(c, 200, j);
}

static enum MHD_Result sms_ok(struct MHD_Connection *c, const cJSON *params, int parts,
                              const char *final, const char *err, const char *text)
{
	cJSON *j = cJSON_CreateObject(), *list = cJSON_CreateArray();
	char buf[32];
	snprintf(buf, sizeof buf, "%d", parts);
	cJSON_AddStringToObject(j, "message-count", buf);
	for (int i = 0; i < parts; i++) {
		cJSON *m = cJSON_CreateObject();
		pthread_mutex_lock(&g.lock);
		unsigned long n = ++g.counter;
		g.balance -= 0.0333;
		double bal = g.balance;
		g.msgs = realloc(g.msgs, (g.nmsgs + 1) * sizeof *g.msgs);
		struct msg *r = &g.msgs[g.nmsgs++];
		memset(r, 0, sizeof *r);
		/* Unique across restarts of the fake: the start time, then a counter. */
		snprintf(r->id, sizeof r->id, "%08lX%08lX", g.started & 0xffffffffUL, n);
		snprintf(r->final, sizeof r->final, "%s", final ? final : "delivered");
		snprintf(r->err, sizeof r->err, "%s", err ? err : "0");
		snprintf(r->text, sizeof r->text, "%s", text ? text : "");
		char id[24];
		memcpy(id, r->id, sizeof id);
		pthread_mutex_unlock(&g.lock);
		cJSON_AddStringToObject(m, "to", fake_param(params, "to"));
		cJSON_AddStringToObject(m, "message-id", id);
		cJSON_AddStringToObject(m, "status", "0");
		snprintf(buf, sizeof buf, "%.8f", bal);
		cJSON_AddStringToObject(m, "remaining-balance", buf);
		cJSON_AddStringToObject(m, "message-price", "0.03330000");
		cJSON_AddStringToObject(m, "network", "310260");
		if (fake_param(params, "client-ref"))
			cJSON_AddStringToObject(m, "client-ref", fake_param(params, "client-ref"));
		cJSON_AddItemToArray(list, m);
	}
	cJSON_AddItemToObject(j, "messages", list);
	return reply_json(c, 200, j);
}

static enum MHD_Result send_sms(struct MHD_Connection *c, const cJSON *params)
{
	const char *key = fake_param(params, "api_key"), *secret = fake_param(params, "api_secret");
	int creds = key && g.key && strcmp(key, g.key) == 0;
	if (creds && fake_param(params, "sig") && secret)
		return sms_error(c, 32, "Signature and API secret disallowed");
	if (creds && fake_param(params, "sig")) {
		if (!fake_param(params, "timestamp") || !sig_ok(params))
			return sms_error(c, 14, "Invalid Signature");
	} else if (!(creds && secret && g.secret && strcmp(secret, g.secret) == 0)) {
		return sms_error(c, 4, "Bad Credentials");
	}
	if (!fake_param(params, "from") || !fake_param(params, "to") || !fake_param(params, "text"))
		return sms_error(c, 2, "Missing from, to or text");
	char *action = fake_next_action(fake_param(params, "to"));
	char word[32] = "", rest[256] = "";
	sscanf(action, "%31s %255[^\n]", word, rest);
	free(action);
	if (strcmp(word, "ok") == 0)
		return sms_ok(c, params, rest[0] ? atoi(rest) : 1, NULL, NULL, NULL);
	if (strcmp(word, "ok-then") == 0) {
		char st[16] = "failed", err[8] = "0", text[64] = "";
		sscanf(rest, "%15s %7s %63[^\n]", st, err, text);
		return sms_ok(c, params, 1, st, err, text);
	}
	if (strcmp(word, "status") == 0) {
		int n = atoi(rest);
		const char *text = strchr(rest, ' ');
		return sms_error(c, n, text ? text + 1 : "scripted error");
	}
	if (strcmp(word, "http") == 0)
		return reply(c, (unsigned)atoi(rest), "text/plain", "fake-vonage: scripted HTTP error");
	if (strcmp(word, "empty") == 0) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "message-count", "0");
		cJSON_AddItemToObject(j, "messages", cJSON_CreateArray());
		return reply_json(c, 200, j);
	}
	if (strcmp(word, "hang") == 0)
		return fake_hang();
	if (strcmp(word, "drop") == 0)
		return MHD_NO;
	return reply(c, 500, "text/plain", "fake-vonage: bad script line");
}

/* ---- GET /v2/reports/records ----------------------------------------------------- */

static enum MHD_Result problem(struct MHD_Connection *c, unsigned code, const char *title,
                               const char *detail)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "title", title);
	cJSON_AddStringToObject(j, "detail", detail);
	return reply_json(c, code, j);
}

static int basic_ok(struct MHD_Connection *c)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	int ok = user && pass && g.key && g.secret && strcmp(user, g.key) == 0 &&
	         strcmp(pass, g.secret) == 0;
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

static enum MHD_Result outbound_record(struct MHD_Connection *c, const char *id)
{
	cJSON *j = cJSON_CreateObject(), *recs = cJSON_CreateArray();
	cJSON_AddStringToObject(j, "request_status", "SUCCESS");
	cJSON_AddStringToObject(j, "product", "SMS");
	cJSON_AddStringToObject(j, "direction", "outbound");
	pthread_mutex_lock(&g.lock);
	for (size_t i = 0; i < g.nmsgs; i++) {
		struct msg *m = &g.msgs[i];
		if (strcmp(m->id, id) != 0)
			continue;
		int k = ++m->queries;
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "account_id", g.key);
		cJSON_AddStringToObject(r, "message_id", m->id);
		cJSON_AddStringToObject(r, "direction", "outbound");
		cJSON_AddStringToObject(r, "status", k == 1 ? "accepted" : m->final);
		cJSON_AddStringToObject(r, "error_code", k == 1 ? "0" : m->err);
		if (k == 1 || strcmp(m->err, "0") == 0)
			cJSON_AddStringToObject(r, "error_code_description", "Delivered");
		else if (m->text[0])
			cJSON_AddStringToObject(r, "error_code_description", m->text);
		cJSON_AddStringToObject(r, "currency", "EUR");
		cJSON_AddNumberToObject(r, "total_price", 0.0333);
		cJSON_AddItemToArray(recs, r);
	}
	pthread_mutex_unlock(&g.lock);
	cJSON_AddNumberToObject(j, "items_count", cJSON_GetArraySize(recs));
	if (cJSON_GetArraySize(recs) == 0)
		cJSON_AddStringToObject(j, "ids_not_found", id);
	cJSON_AddItemToObject(j, "records", recs);
	return reply_json(c, 200, j);
}

/* "2026-11-25T12:00:00Z" or "...+0000": seconds since the epoch; -1 when not. */
static long long when(const char *s)
{
	struct tm tm = {0};
	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	                 &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm);
}

static enum MHD_Result inbound_records(struct MHD_Connection *c)
{
	long long from = when(fake_arg(c, "date_start")), to = when(fake_arg(c, "date_end"));
	if (from < 0 || to < 0)
		return problem(c, 422, "Unprocessable entity", "date_start and date_end are required");
	if (to - from > 86400)
		return problem(c, 422, "Invalid filter", "date_end is more than 24 hours after date_start");
	long skip = fake_arg(c, "cursor") ? atol(fake_arg(c, "cursor")) : 0;
	cJSON *all = cJSON_CreateArray();
	const cJSON *m;
	cJSON_ArrayForEach(m, g.inbound) {
		long long t = when(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "date_received")));
		if (t >= from && t < to)
			cJSON_AddItemToArray(all, cJSON_Duplicate(m, 1));
	}
	long total = cJSON_GetArraySize(all);
	cJSON *j = cJSON_CreateObject(), *recs = cJSON_CreateArray();
	for (long i = skip; i < total && i < skip + g.page_size; i++) {
		cJSON *r = cJSON_Duplicate(cJSON_GetArrayItem(all, (int)i), 1);
		if (!fake_arg(c, "include_message") || strcmp(fake_arg(c, "include_message"), "true") != 0)
			cJSON_DeleteItemFromObject(r, "message_body");
		cJSON_AddItemToArray(recs, r);
	}
	cJSON_Delete(all);
	int more = skip + g.page_size < total;
	cJSON_AddStringToObject(j, "request_status", more ? "TRUNCATED" : "SUCCESS");
	cJSON_AddNumberToObject(j, "items_count", cJSON_GetArraySize(recs));
	if (more) {
		char href[1024];
		const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
		snprintf(href, sizeof href,
		         "http://%s/v2/reports/records?account_id=%s&product=SMS&direction=inbound"
		         "&include_message=true&date_start=%s&date_end=%s&cursor=%ld&iv=fakeiv",
		         host ? host : "127.0.0.1", g.key, fake_arg(c, "date_start"),
		         fake_arg(c, "date_end"), skip + g.page_size);
		cJSON *links = cJSON_CreateObject(), *next = cJSON_CreateObject();
		cJSON_AddStringToObject(next, "href", href);
		cJSON_AddItemToObject(links, "next", next);
		cJSON_AddItemToObject(j, "_links", links);
	}
	cJSON_AddItemToObject(j, "records", recs);
	return reply_json(c, 200, j);
}

static enum MHD_Result records(struct MHD_Connection *c)
{
	if (!basic_ok(c))
		return problem(c, 401, "Unauthorized", "You did not provide correct credentials.");
	const char *acc = fake_arg(c, "account_id"), *prod = fake_arg(c, "product"),
	           *dir = fake_arg(c, "direction");
	if (!acc || strcmp(acc, g.key) != 0)
		return problem(c, 403, "Forbidden", "User not authorized to query the requested data");
	if (!prod || strcmp(prod, "SMS") != 0 || !dir)
		return problem(c, 422, "Unprocessable entity", "product=SMS and direction are required");
	if (strcmp(dir, "outbound") == 0 && fake_arg(c, "id"))
		return outbound_record(c, fake_arg(c, "id"));
	if (strcmp(dir, "inbound") == 0)
		return inbound_records(c);
	return problem(c, 422, "Unprocessable entity", "unsupported query");
}

static enum MHD_Result handle(struct MHD_Connection *c, const char *method, const char *url,
                              const char *body, size_t len)
{
	cJSON *params = strcmp(method, "POST") == 0 ? fake_form_params(body, len) : cJSON_CreateArray();
	log_request(c, method, url, params);
	enum MHD_Result ret;
	if (!params)
		ret = reply(c, 400, "text/plain", "malformed form body");
	else if (strcmp(method, "POST") == 0 && strcmp(url, "/sms/json") == 0)
		ret = send_sms(c, params);
	else if (strcmp(method, "GET") == 0 && strcmp(url, "/v2/reports/records") == 0)
		ret = records(c);
	else
		ret = problem(c, 404, "Not found", url);
	cJSON_Delete(params);
	return ret;
}

static void add_inbound(const char *path, char *line)
{
	cJSON *m = cJSON_Parse(line);
	if (!cJSON_IsObject(m)) {
		fprintf(stderr, "fake-vonage: %s: not a JSON object: %s\n", path, line);
		exit(1);
	}
	cJSON_AddItemToArray(g.inbound, m);
}

static void load_inbound(const char *path)
{
	g.inbound = cJSON_CreateArray();
	fake_read_lines(path, add_inbound);
}

/* --sign METHOD SECRET NAME=VALUE...: smskit's own signature, for the vectors. */
static int sign_mode(int argc, char **argv)
{
	if (argc < 4)
		return 64;
	struct form f = {0};
	for (int i = 4; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		f.pairs = realloc(f.pairs, (f.n + 1) * sizeof *f.pairs);
		f.pairs[f.n].name = eq ? strndup(argv[i], (size_t)(eq - argv[i])) : strdup(argv[i]);
		f.pairs[f.n++].value = strdup(eq ? eq + 1 : "");
	}
	char *sig = vonage_signature(argv[2], argv[3], &f, 0);
	form_free(&f);
	if (!sig)
		return 1;
	printf("%s\n", sig);
	free(sig);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--sign") == 0)
		return sign_mode(argc, argv);
	static const struct option longopts[] = {
		{"port-file", required_argument, NULL, 'p'}, {"log", required_argument, NULL, 'l'},
		{"script", required_argument, NULL, 's'},    {"key", required_argument, NULL, 'k'},
		{"secret", required_argument, NULL, 'S'},    {"sig-secret", required_argument, NULL, 'g'},
		{"sig-method", required_argument, NULL, 'm'}, {"inbound", required_argument, NULL, 'i'},
		{"page-size", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0},
	};
	const char *port_file = NULL, *log_path = "/dev/null";
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': port_file = optarg; break;
		case 'l': log_path = optarg; break;
		case 's': fake_script_load(optarg); break;
		case 'k': g.key = optarg; break;
		case 'S': g.secret = optarg; break;
		case 'g': g.sig_secret = optarg; break;
		case 'm': g.sig_method = optarg; break;
		case 'i': load_inbound(optarg); break;
		case 'n': g.page_size = atol(optarg) > 0 ? atol(optarg) : 1000; break;
		default:
			fprintf(stderr, "usage: fake-vonage --port-file F --log F [--script F] [--key K] "
			                "[--secret S] [--sig-secret S --sig-method M] [--inbound FILE] "
			                "[--page-size N]\n");
			return 64;
		}
	}
	if (!g.inbound)
		g.inbound = cJSON_CreateArray();
	g.started = fake_run_id();
	struct fake_server s = {.name = "fake-vonage", .port_file = port_file, .log_path = log_path,
	                        .handle = handle};
	return fake_serve(&s);
}
