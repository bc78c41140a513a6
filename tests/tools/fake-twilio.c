/* fake-twilio — a scripted stand-in for Twilio's Messages API on loopback, for
 * tests and benchmarks. Logs every request as one NDJSON line (method, path,
 * query, basic-auth user and password, headers, form parameters in order,
 * repeats kept) and answers each POST with the next line of a script:
 *
 *   ok [STATUS]            201 with a Message (status queued by default)
 *   ok-then STATUS CODE [MSG]  201 queued; fetches then say sent, then STATUS
 *                          with error_code CODE (and error_message MSG)
 *   error HTTP CODE [MSG]  Twilio's error JSON
 *   429 [RETRY_AFTER]      20429 with a Retry-After header
 *   500 | 503              20500 / 20503
 *   hang                   never answer (the client must time out)
 *   drop                   close the connection without an answer
 *   delay MS               wait, then ok
 *
 * A script line "to=NUMBER ACTION..." applies to every POST to that number;
 * other lines are used once each, in order; then every POST gets ok.
 * GET .../Messages/SID.json answers the message, its status moving one step
 * (queued -> sent -> delivered) per fetch.
 *
 * GET .../Messages.json lists the messages of --inbound FILE (one Message
 * resource per line, served as given, in file order: newest first, as Twilio
 * lists), narrowed by To, From and DateSent> (on or after a YYYY-MM-DD, read
 * from each item's date_sent), PageSize items a page (default 50, at most
 * 1000), Page the page index; next_page_uri names the next page as Twilio
 * does (the query again, with Page and a PageToken), null on the last.
 * --list-error PAGE:HTTP:CODE answers that page (0 the first) with Twilio's
 * error CODE and status HTTP instead.
 * The log line of every request carries its query as [[name, value], ...].
 *
 * usage: fake-twilio --port-file F --log F [--script F] [--auth USER:PASS]...
 *                    [--delay-ms N] [--listen PORT] [--inbound FILE]
 *                    [--list-error PAGE:HTTP:CODE] */
#include <getopt.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fake-common.h"

struct msg {
	char  sid[35];
	char *json;   /* the created message */
	int   fetches;
	char *final;  /* ok-then: the status of the second fetch on, NULL: delivered */
	long  error_code;
	char *error_message; /* NULL: none */
};

static struct {
	pthread_mutex_t lock;
	char          **auth;
	size_t          nauth;
	long            delay_ms;
	unsigned long   counter;
	struct msg     *msgs;
	size_t          nmsgs;
	cJSON          *inbound;  /* --inbound: the list Messages.json serves */
	long            list_error[3]; /* --list-error: page, HTTP status, code */
	unsigned long   started;  /* fake_run_id() */
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *json,
                             const char *retry_after)
{
	return fake_reply(c, code, "application/json", json, retry_after);
}

static enum MHD_Result twilio_error(struct MHD_Connection *c, unsigned http, long code,
                                    const char *msg, const char *retry_after)
{
	char buf[1024];
	cJSON *e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "code", (double)code);
	cJSON_AddStringToObject(e, "message", msg);
	snprintf(buf, sizeof buf, "https://www.twilio.com/docs/errors/%ld", code);
	cJSON_AddStringToObject(e, "more_info", buf);
	cJSON_AddNumberToObject(e, "status", http);
	char *s = cJSON_PrintUnformatted(e);
	enum MHD_Result ret = reply(c, http, s, retry_after);
	free(s);
	cJSON_Delete(e);
	return ret;
}

static void log_request(struct MHD_Connection *c, const char *method, const char *url,
                        const cJSON *params)
{
	static const char *const hdrs[] = {"Content-Type", "Accept", "User-Agent", "Host"};
	cJSON *l = cJSON_CreateObject();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	cJSON_AddNumberToObject(l, "t_ms", (double)ts.tv_sec * 1000 + (double)(ts.tv_nsec / 1000000));
	fake_log_request(l, c, method, url, hdrs, sizeof hdrs / sizeof *hdrs, params);
}

static int auth_ok(struct MHD_Connection *c)
{
	if (g.nauth == 0)
		return 1;
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	int ok = 0;
	for (size_t i = 0; user && pass && i < g.nauth && !ok; i++) {
		const char *colon = strchr(g.auth[i], ':');
		ok = strncmp(g.auth[i], user, (size_t)(colon - g.auth[i])) == 0 &&
		     strlen(user) == (size_t)(colon - g.auth[i]) && strcmp(colon + 1, pass) == 0;
	}
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

/* then, code, emsg: an ok-then line's final status, error code and message. */
static enum MHD_Result create_message(struct MHD_Connection *c, const char *account,
                                      const cJSON *params, const char *status,
                                      const char *then, long code, const char *emsg)
{
	const char *to = fake_param(params, "To"), *from = fake_param(params, "From"),
	           *body = fake_param(params, "Body");
	int nmedia = 0;
	const cJSON *pair;
	cJSON_ArrayForEach(pair, params)
		nmedia += strcmp(cJSON_GetArrayItem(pair, 0)->valuestring, "MediaUrl") == 0;
	pthread_mutex_lock(&g.lock);
	unsigned long n = ++g.counter;
	pthread_mutex_unlock(&g.lock);
	char sid[35], uri[256], seg[16], med[16];
	/* Unique across restarts of the fake: the start time, then a counter. */
	snprintf(sid, sizeof sid, "%s%016lx%016lx", nmedia ? "MM" : "SM", g.started, n);
	snprintf(uri, sizeof uri, "/2010-04-01/Accounts/%s/Messages/%s.json", account, sid);
	snprintf(seg, sizeof seg, "%d", 1);
	snprintf(med, sizeof med, "%d", nmedia);
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "account_sid", account);
	cJSON_AddStringToObject(m, "api_version", "2010-04-01");
	cJSON_AddItemToObject(m, "body", body ? cJSON_CreateString(body) : cJSON_CreateNull());
	cJSON_AddStringToObject(m, "date_created", "Wed, 25 Nov 2026 12:00:00 +0000");
	cJSON_AddNullToObject(m, "date_sent");
	cJSON_AddStringToObject(m, "date_updated", "Wed, 25 Nov 2026 12:00:00 +0000");
	cJSON_AddStringToObject(m, "direction", "outbound-api");
	cJSON_AddNullToObject(m, "error_code");
	cJSON_AddNullToObject(m, "error_message");
	cJSON_AddItemToObject(m, "from", from ? cJSON_CreateString(from) : cJSON_CreateNull());
	cJSON_AddItemToObject(m, "messaging_service_sid",
	                      fake_param(params, "MessagingServiceSid")
	                              ? cJSON_CreateString(fake_param(params, "MessagingServiceSid"))
	                              : cJSON_CreateNull());
	cJSON_AddStringToObject(m, "num_media", med);
	cJSON_AddStringToObject(m, "num_segments", seg);
	cJSON_AddNullToObject(m, "price");
	cJSON_AddStringToObject(m, "price_unit", "USD");
	cJSON_AddStringToObject(m, "sid", sid);
	cJSON_AddStringToObject(m, "status", status);
	cJSON_AddItemToObject(m, "to", to ? cJSON_CreateString(to) : cJSON_CreateNull());
	cJSON_AddStringToObject(m, "uri", uri);
	char *s = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	pthread_mutex_lock(&g.lock);
	g.msgs = realloc(g.msgs, (g.nmsgs + 1) * sizeof *g.msgs);
	struct msg *rec = &g.msgs[g.nmsgs++];
	memcpy(rec->sid, sid, sizeof sid);
	rec->json = strdup(s);
	rec->fetches = 0;
	rec->final = then ? strdup(then) : NULL;
	rec->error_code = code;
	rec->error_message = emsg ? strdup(emsg) : NULL;
	pthread_mutex_unlock(&g.lock);
	enum MHD_Result ret = reply(c, 201, s, NULL);
	free(s);
	return ret;
}

static enum MHD_Result fetch_message(struct MHD_Connection *c, const char *sid)
{
	static const char *const steps[] = {"queued", "sent", "delivered"};
	char *s = NULL;
	pthread_mutex_lock(&g.lock);
	for (size_t i = 0; i < g.nmsgs; i++) {
		if (strcmp(g.msgs[i].sid, sid) != 0)
			continue;
		int k = ++g.msgs[i].fetches;
		cJSON *m = cJSON_Parse(g.msgs[i].json);
		cJSON_ReplaceItemInObject(m, "status", cJSON_CreateString(steps[k > 2 ? 2 : k]));
		if (k >= 2)
			cJSON_ReplaceItemInObject(m, "price", cJSON_CreateString("-0.00830"));
		if (k >= 2 && g.msgs[i].final) {
			cJSON_ReplaceItemInObject(m, "status", cJSON_CreateString(g.msgs[i].final));
			cJSON_ReplaceItemInObject(m, "error_code",
			                          cJSON_CreateNumber((double)g.msgs[i].error_code));
			if (g.msgs[i].error_message)
				cJSON_ReplaceItemInObject(m, "error_message",
				                          cJSON_CreateString(g.msgs[i].error_message));
		}
		s = cJSON_PrintUnformatted(m);
		cJSON_Delete(m);
	}
	pthread_mutex_unlock(&g.lock);
	if (!s)
		return twilio_error(c, 404, 20404, "The requested resource was not found", NULL);
	enum MHD_Result ret = reply(c, 200, s, NULL);
	free(s);
	return ret;
}

/* "Thu, 24 Aug 2023 05:01:45 +0000" -> "2023-08-24"; "" when it does not read. */
static void date_of(const char *rfc2822, char out[16])
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = rfc2822 ? strchr(rfc2822, ',') : NULL;
	int d, y;
	char mon[4];
	out[0] = '\0';
	if (!p || sscanf(p + 1, " %d %3s %d", &d, mon, &y) != 3)
		return;
	const char *m = strstr(months, mon);
	if (m && (m - months) % 3 == 0 && y >= 1000 && y <= 9999 && d >= 1 && d <= 31)
		snprintf(out, 16, "%04u-%02u-%02u", (unsigned)y % 10000u,
		         (unsigned)(m - months) / 3u % 100u + 1u, (unsigned)d % 100u);
}

static void add_query(char *buf, size_t len, const char *name, const char *value)
{
	if (!value)
		return;
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s=", n ? "&" : "", name);
	for (const unsigned char *v = (const unsigned char *)value; *v; v++) {
		n = strlen(buf);
		if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
		    strchr("-._~", *v))
			snprintf(buf + n, len - n, "%c", *v);
		else
			snprintf(buf + n, len - n, "%%%02X", *v);
	}
}

/* GET .../Messages.json: a page of the --inbound list. */
static enum MHD_Result list_messages(struct MHD_Connection *c, const char *account)
{
	const char *to = fake_arg(c, "To"), *from = fake_arg(c, "From");
	const char *since = fake_arg(c, "DateSent>");
	const char *ps = fake_arg(c, "PageSize"), *pg = fake_arg(c, "Page");
	long size = ps ? atol(ps) : 50, page = pg ? atol(pg) : 0;
	if (size < 1 || size > 1000 || page < 0)
		return twilio_error(c, 400, 20001, "Invalid PageSize or Page", NULL);
	if (g.list_error[1] && page == g.list_error[0])
		return twilio_error(c, (unsigned)g.list_error[1], g.list_error[2],
		                    "fake-twilio: scripted list error", NULL);
	cJSON *all = cJSON_CreateArray();
	const cJSON *m;
	pthread_mutex_lock(&g.lock);
	cJSON_ArrayForEach(m, g.inbound) {
		const char *mt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "to"));
		const char *mf = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "from"));
		char day[16];
		date_of(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "date_sent")), day);
		if ((to && !(mt && strcmp(mt, to) == 0)) || (from && !(mf && strcmp(mf, from) == 0)) ||
		    (since && day[0] && strcmp(day, since) < 0))
			continue;
		cJSON_AddItemToArray(all, cJSON_Duplicate(m, 1));
	}
	pthread_mutex_unlock(&g.lock);
	long total = cJSON_GetArraySize(all), first = page * size;
	cJSON *out = cJSON_CreateObject(), *list = cJSON_CreateArray();
	for (long i = first; i < total && i < first + size; i++)
		cJSON_AddItemToArray(list, cJSON_Duplicate(cJSON_GetArrayItem(all, (int)i), 1));
	cJSON_Delete(all);
	char base[1024] = "", uri[2048], path[256];
	add_query(base, sizeof base, "To", to);
	add_query(base, sizeof base, "From", from);
	add_query(base, sizeof base, "DateSent>", since);
	snprintf(path, sizeof path, "/2010-04-01/Accounts/%s/Messages.json", account);
	char *sep = base[0] ? "&" : "";
	cJSON_AddItemToObject(out, "messages", list);
	snprintf(uri, sizeof uri, "%s?%s%sPageSize=%ld&Page=0", path, base, sep, size);
	cJSON_AddStringToObject(out, "first_page_uri", uri);
	if (first + size < total) {
		snprintf(uri, sizeof uri, "%s?%s%sPageSize=%ld&Page=%ld&PageToken=PASM%08lx", path, base,
		         sep, size, page + 1, (unsigned long)(first + size));
		cJSON_AddStringToObject(out, "next_page_uri", uri);
	} else {
		cJSON_AddNullToObject(out, "next_page_uri");
	}
	if (page > 0) {
		snprintf(uri, sizeof uri, "%s?%s%sPageSize=%ld&Page=%ld", path, base, sep, size, page - 1);
		cJSON_AddStringToObject(out, "previous_page_uri", uri);
	} else {
		cJSON_AddNullToObject(out, "previous_page_uri");
	}
	cJSON_AddNumberToObject(out, "page", (double)page);
	cJSON_AddNumberToObject(out, "page_size", (double)size);
	cJSON_AddNumberToObject(out, "start", (double)first);
	cJSON_AddNumberToObject(out, "end", (double)(first + cJSON_GetArraySize(list) - 1));
	snprintf(uri, sizeof uri, "%s?%s%sPageSize=%ld&Page=%ld", path, base, sep, size, page);
	cJSON_AddStringToObject(out, "uri", uri);
	char *s = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	enum MHD_Result ret = reply(c, 200, s, NULL);
	free(s);
	return ret;
}

static enum MHD_Result handle(struct MHD_Connection *c, const char *method, const char *url,
                              const char *body, size_t len)
{
	cJSON *params = strcmp(method, "POST") == 0 ? fake_form_params(body, len) : cJSON_CreateArray();
	log_request(c, method, url, params);
	enum MHD_Result ret;
	char account[64] = "", sid[64] = "";
	int n = 0;
	if (!params) {
		ret = twilio_error(c, 400, 20001, "malformed form body", NULL);
	} else if (!auth_ok(c)) {
		ret = twilio_error(c, 401, 20003, "Authenticate", NULL);
	} else if (strcmp(method, "POST") == 0 &&
	           sscanf(url, "/2010-04-01/Accounts/%63[^/]/Messages.json%n", account, &n) == 1 &&
	           url[n] == '\0') {
		char *action = fake_next_action(fake_param(params, "To"));
		char word[32] = "", rest[512] = "";
		long a1 = 0, a2 = 0;
		sscanf(action, "%31s %511[^\n]", word, rest);
		if (strcmp(word, "ok") == 0) {
			ret = create_message(c, account, params, rest[0] ? rest : "queued", NULL, 0, NULL);
		} else if (strcmp(word, "ok-then") == 0 && sscanf(rest, "%*s %ld", &a2) == 1) {
			char then[32] = "", emsg[256] = "";
			sscanf(rest, "%31s %*s %255[^\n]", then, emsg);
			ret = create_message(c, account, params, "queued", then, a2, emsg[0] ? emsg : NULL);
		} else if (strcmp(word, "error") == 0 && sscanf(rest, "%ld %ld", &a1, &a2) == 2) {
			const char *msg = rest;
			for (int sp = 0; sp < 2 && msg; sp++)
				msg = strchr(msg, ' ') ? strchr(msg, ' ') + 1 : NULL;
			ret = twilio_error(c, (unsigned)a1, a2, msg ? msg : "scripted error", NULL);
		} else if (strcmp(word, "429") == 0) {
			ret = twilio_error(c, 429, 20429, "Too Many Requests", rest[0] ? rest : NULL);
		} else if (strcmp(word, "500") == 0) {
			ret = twilio_error(c, 500, 20500, "Internal Server Error", NULL);
		} else if (strcmp(word, "503") == 0) {
			ret = twilio_error(c, 503, 20503, "Service Unavailable", NULL);
		} else if (strcmp(word, "hang") == 0) {
			ret = fake_hang();
		} else if (strcmp(word, "drop") == 0) {
			ret = MHD_NO;
		} else if (strcmp(word, "delay") == 0) {
			fake_sleep_ms(atol(rest));
			ret = create_message(c, account, params, "queued", NULL, 0, NULL);
		} else {
			ret = twilio_error(c, 500, 20500, "fake-twilio: bad script line", NULL);
		}
		free(action);
		if (g.delay_ms > 0)
			fake_sleep_ms(g.delay_ms);
	} else if (strcmp(method, "GET") == 0 &&
	           sscanf(url, "/2010-04-01/Accounts/%63[^/]/Messages.json%n", account, &n) == 1 &&
	           url[n] == '\0') {
		ret = list_messages(c, account);
	} else if (strcmp(method, "GET") == 0 &&
	           sscanf(url, "/2010-04-01/Accounts/%63[^/]/Messages/%63[^.].json", account, sid) == 2) {
		ret = fetch_message(c, sid);
	} else {
		ret = twilio_error(c, 404, 20404, "The requested resource was not found", NULL);
	}
	cJSON_Delete(params);
	return ret;
}

static void load_inbound(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		perror(path);
		exit(1);
	}
	g.inbound = cJSON_CreateArray();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, fp)) >= 0) {
		cJSON *m = cJSON_Parse(line);
		if (cJSON_IsObject(m)) {
			cJSON_AddItemToArray(g.inbound, m);
		} else {
			cJSON_Delete(m);
			if (strspn(line, " \t\r\n") != (size_t)n) {
				fprintf(stderr, "fake-twilio: %s: not a JSON object: %s", path, line);
				exit(1);
			}
		}
	}
	free(line);
	fclose(fp);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"port-file", required_argument, NULL, 'p'}, {"log", required_argument, NULL, 'l'},
		{"script", required_argument, NULL, 's'},    {"auth", required_argument, NULL, 'a'},
		{"delay-ms", required_argument, NULL, 'd'},  {"listen", required_argument, NULL, 'L'},
		{"inbound", required_argument, NULL, 'i'},   {"list-error", required_argument, NULL, 'e'},
		{NULL, 0, NULL, 0},
	};
	const char *port_file = NULL, *log_path = "/dev/null";
	unsigned port = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': port_file = optarg; break;
		case 'l': log_path = optarg; break;
		case 's': fake_script_load(optarg); break;
		case 'a':
			if (!strchr(optarg, ':')) {
				fprintf(stderr, "fake-twilio: --auth takes USER:PASS\n");
				return 64;
			}
			g.auth = realloc(g.auth, (g.nauth + 1) * sizeof *g.auth);
			g.auth[g.nauth++] = optarg;
			break;
		case 'd': g.delay_ms = atol(optarg); break;
		case 'L': port = (unsigned)atoi(optarg); break;
		case 'i': load_inbound(optarg); break;
		case 'e':
			if (sscanf(optarg, "%ld:%ld:%ld", &g.list_error[0], &g.list_error[1],
			           &g.list_error[2]) != 3 || g.list_error[1] < 400) {
				fprintf(stderr, "fake-twilio: --list-error takes PAGE:HTTP:CODE\n");
				return 64;
			}
			break;
		default:
			fprintf(stderr, "usage: fake-twilio --port-file F --log F [--script F] "
			                "[--auth USER:PASS]... [--delay-ms N] [--inbound FILE] "
			                "[--list-error PAGE:HTTP:CODE]\n");
			return 64;
		}
	}
	g.started = fake_run_id();
	struct fake_server s = {.name = "fake-twilio", .port_file = port_file, .log_path = log_path,
	                        .port = port, .conn_limit = 1000, .handle = handle};
	return fake_serve(&s);
}
