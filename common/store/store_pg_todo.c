/* store_pg_todo — the functions of the seam (store_backend.h) the PostgreSQL
 * backend does not have yet: each fails with a sentence that says so. Each
 * leaves this file when it gets its own (issue 19, in progress); made by
 * tools/pg-todo.py. */
#include "store_pg.h"

static int todo(struct store *s, const char *what)
{
	store__seterr(s, "%s: not available on PostgreSQL yet", what);
	return STORE_ERR;
}

int pgs_msg_insert(struct store *s, const cJSON *rec, int64_t *id)
{
	(void)rec;
	(void)id;
	return todo(s, "msg insert");
}

int pgs_thread_state(struct store *s, const char *address, char *tag, size_t tag_len, time_t *at)
{
	(void)address;
	(void)tag;
	(void)tag_len;
	(void)at;
	return todo(s, "thread state");
}

int pgs_msg_get(struct store *s, int64_t id, cJSON **rec)
{
	(void)id;
	(void)rec;
	return todo(s, "msg get");
}

int pgs_msg_mark_read(struct store *s, int64_t id, int read)
{
	(void)id;
	(void)read;
	return todo(s, "msg mark read");
}

int pgs_msg_mark_replied(struct store *s, int64_t id)
{
	(void)id;
	return todo(s, "msg mark replied");
}

int pgs_msg_find_provider_id(struct store *s, const char *provider, const char *provider_id, int64_t *id)
{
	(void)provider;
	(void)provider_id;
	(void)id;
	return todo(s, "msg find provider id");
}

int pgs_msg_set_status(struct store *s, int64_t id, const char *status, const cJSON *fields, const cJSON *detail)
{
	(void)id;
	(void)status;
	(void)fields;
	(void)detail;
	return todo(s, "msg set status");
}

int pgs_event_append(struct store *s, int64_t message_id, const char *kind, const char *status, const cJSON *detail, int64_t *id)
{
	(void)message_id;
	(void)kind;
	(void)status;
	(void)detail;
	(void)id;
	return todo(s, "event append");
}

int pgs_events_pending_status(struct store *s, const char *provider, const char *provider_id, int (*fn)(int64_t event_id, const cJSON *pending, void *arg), void *arg)
{
	(void)provider;
	(void)provider_id;
	(void)fn;
	(void)arg;
	return todo(s, "events pending status");
}

int pgs_optout_add(struct store *s, const char *number, const char *source)
{
	(void)number;
	(void)source;
	return todo(s, "optout add");
}

int pgs_optout_remove(struct store *s, const char *number, const char *source)
{
	(void)number;
	(void)source;
	return todo(s, "optout remove");
}

int pgs_optout_check(struct store *s, const char *number)
{
	(void)number;
	return todo(s, "optout check");
}

int pgs_optout_list(struct store *s, int (*fn)(const struct store_optout *o, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
	return todo(s, "optout list");
}

int pgs_spend_since(struct store *s, const char *since, long long *spent)
{
	(void)since;
	(void)spent;
	return todo(s, "spend since");
}

int pgs_kv_get(struct store *s, const char *key, char **value)
{
	(void)key;
	(void)value;
	return todo(s, "kv get");
}

int pgs_kv_set(struct store *s, const char *key, const char *value)
{
	(void)key;
	(void)value;
	return todo(s, "kv set");
}

int pgs_msg_list(struct store *s, const struct store_query *q, int (*fn)(cJSON *rec, void *arg), void *arg)
{
	(void)q;
	(void)fn;
	(void)arg;
	return todo(s, "msg list");
}

int pgs_status_counts(struct store *s, const char *direction, int (*fn)(const char *status, long long n, void *arg), void *arg)
{
	(void)direction;
	(void)fn;
	(void)arg;
	return todo(s, "status counts");
}

int pgs_queue_due(struct store *s, const char *now, int64_t *ids, size_t max, size_t *n)
{
	(void)now;
	(void)ids;
	(void)max;
	(void)n;
	return todo(s, "queue due");
}

int pgs_queue_note(struct store *s, const char *now, const char *reason, size_t *n)
{
	(void)now;
	(void)reason;
	(void)n;
	return todo(s, "queue note");
}

int pgs_claims(struct store *s, int (*fn)(int64_t id, const char *claimed_by, int requested, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
	return todo(s, "claims");
}

int pgs_msg_requested(struct store *s, int64_t id)
{
	(void)id;
	return todo(s, "msg requested");
}

int pgs_msg_unclaim(struct store *s, int64_t id, const char *reason)
{
	(void)id;
	(void)reason;
	return todo(s, "msg unclaim");
}

int pgs_template_put(struct store *s, const struct store_template *t, int replace)
{
	(void)t;
	(void)replace;
	return todo(s, "template put");
}

int pgs_template_find(struct store *s, const char *name, struct store_template **out)
{
	(void)name;
	(void)out;
	return todo(s, "template find");
}

int pgs_template_remove(struct store *s, const char *name)
{
	(void)name;
	return todo(s, "template remove");
}

int pgs_template_list(struct store *s, int (*fn)(const struct store_template *t, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
	return todo(s, "template list");
}

int pgs_msg_insert_many(struct store *s, const cJSON *const *recs, size_t n, int64_t *ids)
{
	(void)recs;
	(void)n;
	(void)ids;
	return todo(s, "msg insert many");
}

int pgs_msg_id_range(struct store *s, const char *status, int64_t *min, int64_t *max)
{
	(void)status;
	(void)min;
	(void)max;
	return todo(s, "msg id range");
}

int pgs_msg_ids(struct store *s, const char *status, const char *priority, int64_t after, int64_t upto, int64_t *ids, size_t max, size_t *n)
{
	(void)status;
	(void)priority;
	(void)after;
	(void)upto;
	(void)ids;
	(void)max;
	(void)n;
	return todo(s, "msg ids");
}

int pgs_auto_add(struct store *s, const struct store_auto *a, int64_t *id)
{
	(void)a;
	(void)id;
	return todo(s, "auto add");
}

int pgs_auto_remove(struct store *s, int64_t id)
{
	(void)id;
	return todo(s, "auto remove");
}

int pgs_auto_set_enabled(struct store *s, int64_t id, int enabled)
{
	(void)id;
	(void)enabled;
	return todo(s, "auto set enabled");
}

int pgs_auto_fired(struct store *s, int64_t id, const char *at)
{
	(void)id;
	(void)at;
	return todo(s, "auto fired");
}

int pgs_auto_list(struct store *s, int enabled_only, int (*fn)(const struct store_auto *a, void *arg), void *arg)
{
	(void)enabled_only;
	(void)fn;
	(void)arg;
	return todo(s, "auto list");
}

int pgs_auto_get(struct store *s, int64_t id, cJSON **rec)
{
	(void)id;
	(void)rec;
	return todo(s, "auto get");
}

int pgs_auto_answers_since(struct store *s, const char *number, const char *since, long long max, long long *n)
{
	(void)number;
	(void)since;
	(void)max;
	(void)n;
	return todo(s, "auto answers since");
}

int pgs_last_inbound(struct store *s, const char *address, time_t *at)
{
	(void)address;
	(void)at;
	return todo(s, "last inbound");
}

int pgs_consent_add(struct store *s, const char *number, const char *at, const char *source, const char *evidence, int *lifted)
{
	(void)number;
	(void)at;
	(void)source;
	(void)evidence;
	(void)lifted;
	return todo(s, "consent add");
}

int pgs_consent_check(struct store *s, const char *number)
{
	(void)number;
	return todo(s, "consent check");
}

int pgs_consent_list(struct store *s, const char *number, int (*fn)(const struct store_consent *c, void *arg), void *arg)
{
	(void)number;
	(void)fn;
	(void)arg;
	return todo(s, "consent list");
}
