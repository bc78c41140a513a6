/* store_backend — the backend seam as one list (doc/store.md): every function
 * of store.h and store_maint.h that a backend implements, so that the list
 * makes the table each backend fills (struct store_ops), the prototypes of
 * its functions (lite_* for SQLite, store_lite_*.c and store_*.c; pgs_* for
 * PostgreSQL, store_pg_*.c) and the public functions that call through the
 * table (store_front.c). Every backend's struct store begins with a struct
 * store_head: its table, its error, its path, its schema version. store_open
 * picks the backend by SMS_DB's form (sms-config(5)): a postgresql:// or
 * postgres:// URI is PostgreSQL, anything else a SQLite file. */
#ifndef SMSKIT_STORE_BACKEND_H
#define SMSKIT_STORE_BACKEND_H

#include "store.h"
#include "store_maint.h"

/* X(return type, name, parameters, arguments): store_<name> calls the
 * backend's <name>. (store_close, with no value to return, is apart.) */
#define STORE_FNS(X) \
	X(int, others_version, (struct store *s, long long *v), (s, v)) \
	X(int, watch_fd, (struct store *s), (s)) \
	X(int, watch_drain, (struct store *s), (s)) \
	X(int, begin_immediate, (struct store *s), (s)) \
	X(int, commit, (struct store *s), (s)) \
	X(int, rollback, (struct store *s), (s)) \
	X(int, savepoint, (struct store *s), (s)) \
	X(int, txn_open, (const struct store *s), (s)) \
	X(int, savepoint_release, (struct store *s), (s)) \
	X(int, savepoint_rollback, (struct store *s), (s)) \
	X(int, msg_insert, (struct store *s, const cJSON *rec, int64_t *id), (s, rec, id)) \
	X(int, thread_state, (struct store *s, const char *address, char *tag, size_t tag_len, \
	                      time_t *at), (s, address, tag, tag_len, at)) \
	X(int, msg_get, (struct store *s, int64_t id, cJSON **rec), (s, id, rec)) \
	X(int, msg_mark_read, (struct store *s, int64_t id, int read), (s, id, read)) \
	X(int, msg_mark_replied, (struct store *s, int64_t id), (s, id)) \
	X(int, msg_find_provider_id, (struct store *s, const char *provider, \
	                              const char *provider_id, int64_t *id), \
	  (s, provider, provider_id, id)) \
	X(int, msg_set_status, (struct store *s, int64_t id, const char *status, \
	                        const cJSON *fields, const cJSON *detail), \
	  (s, id, status, fields, detail)) \
	X(int, event_append, (struct store *s, int64_t message_id, const char *kind, \
	                      const char *status, const cJSON *detail, int64_t *id), \
	  (s, message_id, kind, status, detail, id)) \
	X(int, events_pending_status, (struct store *s, const char *provider, \
	                               const char *provider_id, \
	                               int (*fn)(int64_t event_id, const cJSON *pending, void *arg), \
	                               void *arg), (s, provider, provider_id, fn, arg)) \
	X(int, optout_add, (struct store *s, const char *number, const char *source), \
	  (s, number, source)) \
	X(int, optout_remove, (struct store *s, const char *number, const char *source), \
	  (s, number, source)) \
	X(int, optout_check, (struct store *s, const char *number), (s, number)) \
	X(int, optout_list, (struct store *s, int (*fn)(const struct store_optout *o, void *arg), \
	                     void *arg), (s, fn, arg)) \
	X(int, spend_since, (struct store *s, const char *since, long long *spent), \
	  (s, since, spent)) \
	X(int, kv_get, (struct store *s, const char *key, char **value), (s, key, value)) \
	X(int, kv_set, (struct store *s, const char *key, const char *value), (s, key, value)) \
	X(int, msg_list, (struct store *s, const struct store_query *q, \
	                  int (*fn)(cJSON *rec, void *arg), void *arg), (s, q, fn, arg)) \
	X(int, status_counts, (struct store *s, const char *direction, \
	                       int (*fn)(const char *status, long long n, void *arg), void *arg), \
	  (s, direction, fn, arg)) \
	X(int, queue_due, (struct store *s, const char *now, int64_t *ids, size_t max, size_t *n), \
	  (s, now, ids, max, n)) \
	X(int, queue_note, (struct store *s, const char *now, const char *reason, size_t *n), \
	  (s, now, reason, n)) \
	X(int, claims, (struct store *s, \
	                int (*fn)(int64_t id, const char *claimed_by, int requested, void *arg), \
	                void *arg), (s, fn, arg)) \
	X(int, msg_requested, (struct store *s, int64_t id), (s, id)) \
	X(int, msg_unclaim, (struct store *s, int64_t id, const char *reason), (s, id, reason)) \
	X(int, template_put, (struct store *s, const struct store_template *t, int replace), \
	  (s, t, replace)) \
	X(int, template_find, (struct store *s, const char *name, struct store_template **out), \
	  (s, name, out)) \
	X(int, template_remove, (struct store *s, const char *name), (s, name)) \
	X(int, template_list, (struct store *s, \
	                       int (*fn)(const struct store_template *t, void *arg), void *arg), \
	  (s, fn, arg)) \
	X(int, msg_insert_many, (struct store *s, const cJSON *const *recs, size_t n, \
	                         int64_t *ids), (s, recs, n, ids)) \
	X(int, msg_id_range, (struct store *s, const char *status, int64_t *min, int64_t *max), \
	  (s, status, min, max)) \
	X(int, msg_ids, (struct store *s, const char *status, const char *priority, int64_t after, \
	                 int64_t upto, int64_t *ids, size_t max, size_t *n), \
	  (s, status, priority, after, upto, ids, max, n)) \
	X(int, auto_add, (struct store *s, const struct store_auto *a, int64_t *id), (s, a, id)) \
	X(int, auto_remove, (struct store *s, int64_t id), (s, id)) \
	X(int, auto_set_enabled, (struct store *s, int64_t id, int enabled), (s, id, enabled)) \
	X(int, auto_fired, (struct store *s, int64_t id, const char *at), (s, id, at)) \
	X(int, auto_list, (struct store *s, int enabled_only, \
	                   int (*fn)(const struct store_auto *a, void *arg), void *arg), \
	  (s, enabled_only, fn, arg)) \
	X(int, auto_get, (struct store *s, int64_t id, cJSON **rec), (s, id, rec)) \
	X(int, auto_answers_since, (struct store *s, const char *number, const char *since, \
	                            long long max, long long *n), (s, number, since, max, n)) \
	X(int, last_inbound, (struct store *s, const char *address, time_t *at), (s, address, at)) \
	X(int, consent_add, (struct store *s, const char *number, const char *at, \
	                     const char *source, const char *evidence, int *lifted), \
	  (s, number, at, source, evidence, lifted)) \
	X(int, consent_check, (struct store *s, const char *number), (s, number)) \
	X(int, consent_list, (struct store *s, const char *number, \
	                      int (*fn)(const struct store_consent *c, void *arg), void *arg), \
	  (s, number, fn, arg)) \
	X(int, backup, (struct store *s, const char *dest, int force, store_progress_fn fn, \
	                void *arg, long long *bytes), (s, dest, force, fn, arg, bytes)) \
	X(int, check, (struct store *s, int (*fn)(const struct store_problem *p, void *arg), \
	               void *arg, long long *problems), (s, fn, arg, problems)) \
	X(int, stats, (struct store *s, struct store_stats *out), (s, out)) \
	X(int, export_number, (struct store *s, const char *number, \
	                       int (*fn)(cJSON *rec, void *arg), void *arg), (s, number, fn, arg)) \
	X(int, erase_number, (struct store *s, const char *number, int dry, \
	                      store_progress_fn fn, void *arg, struct store_removed *out), \
	  (s, number, dry, fn, arg, out)) \
	X(int, prune, (struct store *s, const char *before, int dry, store_progress_fn fn, \
	               void *arg, struct store_removed *out), (s, before, dry, fn, arg, out))

#define STORE_OPS_MEMBER(ret, name, params, args) ret (*name) params;
struct store_ops {
	void (*close)(struct store *s);
	STORE_FNS(STORE_OPS_MEMBER)
};

/* What every backend's struct store begins with. */
struct store_head {
	const struct store_ops *ops;
	char                   *path;    /* SMS_DB as given (a URI's password is never kept
	                                  * here: store_open refuses one, sms-config(5)) */
	int                     version; /* schema version */
	char                    errbuf[512];
};

/* The head of s: every backend's struct store begins with one. */
static inline struct store_head *store__head(const struct store *s)
{
	return (struct store_head *)(void *)(uintptr_t)(const void *)s;
}

/* The backends: open, close, and the functions of the list. */
struct store *lite_open(const char *path, unsigned flags, char *err, size_t errlen);
void lite_close(struct store *s);
struct store *pgs_open(const char *uri, unsigned flags, char *err, size_t errlen);
void pgs_close(struct store *s);
#define STORE_PROTO_LITE(ret, name, params, args) ret lite_##name params;
#define STORE_PROTO_PGS(ret, name, params, args) ret pgs_##name params;
STORE_FNS(STORE_PROTO_LITE)
STORE_FNS(STORE_PROTO_PGS)

/* The tables (store_open.c, store_pg_open.c). */
extern const struct store_ops store__lite_ops;
extern const struct store_ops store__pgs_ops;

/* 1 when path is a PostgreSQL connection URI (postgresql:// or postgres://). */
int store_is_pg(const char *path);

#endif
