/* fake-common — what the fake provider servers (fake-twilio, fake-vonage,
 * fake-sns) share, so that each holds only its provider's protocol: the
 * libmicrohttpd daemon on loopback, the gathering of a request's body across
 * access-handler calls (the fake's handler sees each request once, whole),
 * the port file, the NDJSON request log, the run until SIGTERM or SIGINT;
 * around those, form bodies, replies and the "[to=NUMBER ]ACTION" scripts.
 * Each fake still chooses its log line's fields and reads its own actions. */
#ifndef FAKE_COMMON_H
#define FAKE_COMMON_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

/* A body's limit: an upload chunk that would take it past is dropped. */
#define FAKE_MAX_BODY (1 << 20)

/* A request, its body complete: body is never NULL (NUL-terminated, len bytes). */
typedef enum MHD_Result (*fake_handler)(struct MHD_Connection *c, const char *method,
                                        const char *url, const char *body, size_t len);

struct fake_server {
	const char  *name;       /* for messages: "fake-twilio" */
	const char  *port_file;  /* NULL: none */
	const char  *log_path;   /* opened for appending */
	unsigned     port;       /* 0: any free one */
	unsigned     conn_limit; /* 0: libmicrohttpd's default */
	fake_handler handle;
};

/* Opens the log, listens on loopback, writes the port file, then serves until
 * SIGTERM or SIGINT. The exit status for main: 0, or 1 when one of those fails
 * (said on stderr). */
int fake_serve(const struct fake_server *s);

void fake_sleep_ms(long ms);
/* This run's mark for the ids it makes (with a counter): nanoseconds since the
 * epoch at the call, so that a fake restarted within the same second never
 * hands out an id an earlier run gave (a test that stored both got a UNIQUE
 * error on the provider id). */
unsigned long fake_run_id(void);
/* A "hang" action: no answer until the fake stops, then the connection closed. */
enum MHD_Result fake_hang(void);

/* [[name, value], ...] in body order; NULL when malformed. */
cJSON *fake_form_params(const char *body, size_t len);
/* The first value of name in fake_form_params' list; NULL: none. */
const char *fake_param(const cJSON *params, const char *name);
/* The query argument name; NULL: none. */
const char *fake_arg(struct MHD_Connection *c, const char *name);

/* Queues body as the answer, with a Retry-After header unless retry_after is NULL. */
enum MHD_Result fake_reply(struct MHD_Connection *c, unsigned code, const char *type,
                           const char *body, const char *retry_after);

/* Adds to line the headers named, null when absent. */
void fake_log_headers(cJSON *line, struct MHD_Connection *c, const char *const *names, size_t n);
/* Completes line (empty, or holding the fake's own first fields) with method,
 * path, basic auth's "user" and "pass", the headers named, "params" (null when
 * NULL) and the "query" as [[name, value], ...], and writes it. */
void fake_log_request(cJSON *line, struct MHD_Connection *c, const char *method, const char *url,
                      const char *const *hdrs, size_t nhdrs, const cJSON *params);
/* Appends line to the log as one line (under a lock), and deletes it. */
void fake_log_write(cJSON *line);

/* Calls fn on each line of path, its line end cut, but for the empty ones and
 * those that begin with "#". Exits 1 when path does not open. */
void fake_read_lines(const char *path, void (*fn)(const char *path, char *line));
/* Reads a script: "to=NUMBER ACTION" lines apply to every request to NUMBER,
 * other lines are used once each, in order (read by fake_read_lines). */
void fake_script_load(const char *path);
/* The action for a request to `to` (NULL: none); "ok" when the script has
 * none left. A malloc'd copy. */
char *fake_next_action(const char *to);

#endif
