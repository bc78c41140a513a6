/* store_pg_messages — the PostgreSQL backend's messages and events
 * (store_pg.h): a message stored, read, moved along its lifecycle
 * (sms-config(5), Lifecycle), marked read or replied, claimed and given back;
 * the append-only events that record each change, and the status callbacks
 * kept for a message not stored yet; what a conversation's state and
 * WhatsApp's window ask of the messages. The same results, sentinels and
 * sentences as SQLite's store_messages.c, store_channel.c and the thread
 * state of store_auto.c. What differs, and why:
 * - a failed statement spoils the caller's transaction, so what a user's
 *   input may get wrong is asked first: the message replied to, the message
 *   an event names, another message holding a provider id;
 * - other hosts write at the same time: a status change reads its row FOR
 *   UPDATE, so that of concurrent claimers (to "sending") one wins and the
 *   others, reading the row once the winner commits, are refused;
 * - a row stored or changed and its event go in one statement (a round
 *   trip is what a webhook or a sender waits for most);
 * - the INSERT of every column and the UPDATE of each set of columns are
 *   built from store__mcols once per process and kept, so that pgs_q
 *   prepares each once per connection (it keys statements by their text's
 *   address, which must outlive every connection). */
#include "store_pg.h"
#include "clock.h"
#include "util.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Built statements ------------------------------------------------------------ */

/* The message stored, unless a message has its (provider, provider_id)
 * already, and its "created" event, in one statement (a webhook waits for
 * each round trip): $1... are the columns but the generated, each cast
 * (INSERT ... SELECT gives them no type of their own). Rows: (id, 1) for the
 * message stored; (id, 0) for the one found already; none when another
 * connection stored it meanwhile (ON CONFLICT). Asking first spares an id
 * of the sequence, which a conflict would take for nothing: a retry leaves
 * no gap in the ids. */
static char *insert_sql;
static pthread_once_t insert_once = PTHREAD_ONCE_INIT;

static void build_insert(void)
{
	struct strbuf cols, params;
	strbuf_init(&cols);
	strbuf_init(&params);
	int n = 0, provider = 0, provider_id = 0;
	for (size_t i = 0; i < NCOLS; i++) {
		const struct mcol *c = &store__mcols[i];
		if (c->flags & F_GEN)
			continue;
		n++;
		int whole = c->type == T_COUNT || c->type == T_BOOL || c->type == T_MSGID;
		strbuf_printf(&cols, "%s%s", n > 1 ? ", " : "", c->col);
		strbuf_printf(&params, "%s$%d::%s", n > 1 ? ", " : "", n, whole ? "bigint" : "text");
		if (i == C_PROVIDER)
			provider = n;
		if (i == C_PROVIDER_ID)
			provider_id = n;
	}
	struct strbuf b;
	strbuf_init(&b);
	strbuf_printf(&b,
	              "WITH f AS (SELECT id FROM messages WHERE provider = $%d::text "
	              "AND provider_id = $%d::text), "
	              "m AS (INSERT INTO messages (%s) SELECT %s WHERE NOT EXISTS (SELECT 1 FROM f) "
	              "ON CONFLICT (provider, provider_id) DO NOTHING "
	              "RETURNING id, status, direction, updated_at), "
	              "e AS (INSERT INTO events (message_id, at, kind, status, detail) "
	              "SELECT id, updated_at, 'created', status, "
	              "'{\"direction\":\"' || direction || '\"}' FROM m) "
	              "SELECT id, 1 FROM m UNION ALL SELECT id, 0 FROM f",
	              provider, provider_id, cols.s, params.s);
	strbuf_free(&cols);
	strbuf_free(&params);
	insert_sql = strbuf_detach(&b);
}

/* The UPDATEs of the sets of columns status changes assign: a sender uses
 * two or three sets, a webhook a few more. Kept for the life of the process;
 * past UPD_KEEP sets, one is built for each use and run unprepared. */
#define UPD_KEEP 32
static pthread_mutex_t upd_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint64_t cols;
	char    *sql;
} upd_kept[UPD_KEEP];
static size_t upd_n;

/* UPDATE messages SET <each column in cols> = $1, $2... WHERE id = $<n + 1>,
 * and the "status" event (at, status, detail: $<n + 2>...) in the same
 * statement (one round trip). */
static char *build_update(uint64_t cols)
{
	struct strbuf b;
	strbuf_init(&b);
	strbuf_puts(&b, "WITH u AS (UPDATE messages SET ");
	int n = 0;
	for (size_t i = 0; i < NCOLS; i++)
		if (cols >> i & 1) {
			n++;
			strbuf_printf(&b, "%s%s = $%d", n > 1 ? ", " : "", store__mcols[i].col, n);
		}
	strbuf_printf(&b, " WHERE id = $%d RETURNING id) "
	              "INSERT INTO events (message_id, at, kind, status, detail) "
	              "SELECT id, $%d::text, 'status', $%d::text, $%d::text FROM u",
	              n + 1, n + 2, n + 3, n + 4);
	return strbuf_detach(&b);
}

/* The kept UPDATE of cols, or NULL with *own a text to run with pgs_q1 and free. */
static const char *update_sql(uint64_t cols, char **own)
{
	*own = NULL;
	const char *sql = NULL;
	pthread_mutex_lock(&upd_mu);
	for (size_t i = 0; i < upd_n && !sql; i++)
		if (upd_kept[i].cols == cols)
			sql = upd_kept[i].sql;
	if (!sql && upd_n < UPD_KEEP) {
		upd_kept[upd_n].cols = cols;
		upd_kept[upd_n].sql = build_update(cols);
		sql = upd_kept[upd_n++].sql;
	}
	pthread_mutex_unlock(&upd_mu);
	if (!sql)
		*own = build_update(cols);
	return sql;
}

/* ---- Events -------------------------------------------------------------------- */

/* An event of no message (NULL), or of one that exists: asked in the same
 * statement, so that an unknown id inserts nothing rather than failing. */
int pgs_event_insert(struct store *s, int64_t message_id, const char *kind, const char *status,
                     const char *detail, int64_t *id)
{
	char now[TIME_LEN];
	store__now(now);
	struct pgs_args a = {0};
	if (message_id > 0)
		pgs_argi(&a, message_id);
	else
		pgs_arg(&a, NULL);
	pgs_arg(&a, now);
	pgs_arg(&a, kind);
	pgs_arg(&a, status);
	pgs_arg(&a, detail);
	PGresult *r = pgs_q(s, "appending an event",
	                    "INSERT INTO events (message_id, at, kind, status, detail) "
	                    "SELECT $1::bigint, $2::text, $3::text, $4::text, $5::text "
	                    "WHERE $1::bigint IS NULL OR "
	                    "EXISTS (SELECT 1 FROM messages WHERE id = $1::bigint) RETURNING id",
	                    &a);
	if (!r) {
		if (pgs_fk_violation(s)) /* the message went in between */
			store__seterr(s, "message %" PRId64 ": no such message", message_id);
		return STORE_ERR;
	}
	int found = PQntuples(r) == 1;
	if (found && id)
		*id = pgs_int(r, 0, 0);
	PQclear(r);
	if (!found) {
		store__seterr(s, "message %" PRId64 ": no such message", message_id);
		return STORE_ERR;
	}
	return STORE_OK;
}

int pgs_event_append(struct store *s, int64_t message_id, const char *kind, const char *status,
                     const cJSON *detail, int64_t *id)
{
	if (!kind || !*kind) {
		store__seterr(s, "an event needs a kind");
		return STORE_ERR;
	}
	if (message_id < 0) {
		store__seterr(s, "message %" PRId64 ": no such message", message_id);
		return STORE_ERR;
	}
	char *d = detail ? cJSON_PrintUnformatted(detail) : NULL;
	int own, rc = pgs_op_begin(s, &own);
	if (rc == STORE_OK)
		rc = pgs_op_end(s, own, pgs_event_insert(s, message_id, kind, status, d, id));
	cJSON_free(d);
	return rc;
}

/* The detail is text (as in SQLite), read as json, not jsonb, so that the
 * pending object comes back as it was written, its keys in their order. */
int pgs_events_pending_status(struct store *s, const char *provider, const char *provider_id,
                              int (*fn)(int64_t event_id, const cJSON *pending, void *arg),
                              void *arg)
{
	struct pgs_args a = {0};
	pgs_arg(&a, provider);
	pgs_arg(&a, provider_id);
	/* message_id IS NULL walks the NULL end of events_message only. */
	PGresult *r = pgs_q(s, "reading status callbacks",
	                    "SELECT id, detail::json->'pending' FROM events "
	                    "WHERE message_id IS NULL AND kind = 'webhook' AND "
	                    "detail::json->'pending'->>'provider' = $1::text AND "
	                    "detail::json->'pending'->>'provider_id' = $2::text ORDER BY id",
	                    &a);
	if (!r)
		return STORE_ERR;
	int stop = 0;
	for (int i = 0; i < PQntuples(r) && !stop; i++) {
		const char *t = pgs_text(r, i, 1);
		cJSON *p = t ? cJSON_Parse(t) : NULL;
		if (cJSON_IsObject(p))
			stop = fn(pgs_int(r, i, 0), p, arg);
		cJSON_Delete(p);
	}
	PQclear(r);
	return STORE_OK;
}

/* ---- Messages ----------------------------------------------------------------- */

static int msg_by_provider_id(struct store *s, const char *provider, const char *pid,
                              int64_t *id)
{
	struct pgs_args a = {0};
	pgs_arg(&a, provider);
	pgs_arg(&a, pid);
	PGresult *r = pgs_q(s, "looking up a provider id",
	                    "SELECT id FROM messages WHERE provider = $1 AND provider_id = $2", &a);
	if (!r)
		return STORE_ERR;
	int found = PQntuples(r) > 0;
	if (found)
		*id = pgs_int(r, 0, 0);
	PQclear(r);
	return found ? STORE_OK : STORE_NOTFOUND;
}

int pgs_msg_find_provider_id(struct store *s, const char *provider, const char *provider_id,
                             int64_t *id)
{
	if (!provider || !provider_id) {
		store__seterr(s, "a provider and a provider id are needed");
		return STORE_ERR;
	}
	int rc = msg_by_provider_id(s, provider, provider_id, id);
	if (rc == STORE_NOTFOUND)
		store__seterr(s, "%s message %s: not in the store", provider, provider_id);
	return rc;
}

/* 1 when message id is stored, 0 when not, STORE_ERR. */
static int msg_exists(struct store *s, int64_t id)
{
	struct pgs_args a = {0};
	pgs_argi(&a, id);
	PGresult *r = pgs_q(s, "reading a message", "SELECT 1 FROM messages WHERE id = $1", &a);
	if (!r)
		return STORE_ERR;
	int n = PQntuples(r) > 0;
	PQclear(r);
	return n;
}

static int existing(struct store *s, const struct val *v, int64_t id)
{
	store__seterr(s, "%s message %s: already stored as message %" PRId64, v[C_PROVIDER].t,
	              v[C_PROVIDER_ID].t, id);
	return STORE_EXISTS;
}

/* Stores the row; STORE_EXISTS when (provider, provider_id) is already there. */
static int msg_insert_row(struct store *s, const struct val *v, int64_t *id)
{
	if (v[C_REPLY_TO].type == V_INT) {
		int e = msg_exists(s, v[C_REPLY_TO].i);
		if (e < 0)
			return STORE_ERR;
		if (e == 0) {
			store__seterr(s, "reply_to %" PRId64 ": no such message", v[C_REPLY_TO].i);
			return STORE_ERR;
		}
	}
	pthread_once(&insert_once, build_insert);
	struct pgs_args a = {0};
	for (size_t i = 0; i < NCOLS; i++)
		if (!(store__mcols[i].flags & F_GEN))
			pgs_arg_val(&a, &v[i]);
	PGresult *r = pgs_q(s, "storing the message", insert_sql, &a);
	if (!r) {
		if (pgs_fk_violation(s)) /* the message replied to went in between */
			store__seterr(s, "reply_to %" PRId64 ": no such message", v[C_REPLY_TO].i);
		return STORE_ERR;
	}
	int got = PQntuples(r) == 1, stored = got && pgs_int(r, 0, 1) == 1;
	if (got)
		*id = pgs_int(r, 0, 0);
	PQclear(r);
	if (got && !stored)
		return existing(s, v, *id);
	if (!got) {
		int rc = msg_by_provider_id(s, v[C_PROVIDER].t, v[C_PROVIDER_ID].t, id);
		if (rc == STORE_NOTFOUND) {
			store__seterr(s, "storing the message: a conflict with no conflicting message");
			return STORE_ERR;
		}
		return rc == STORE_OK ? existing(s, v, *id) : rc;
	}
	return STORE_OK;
}

int pgs_msg_insert(struct store *s, const cJSON *rec, int64_t *id)
{
	struct val v[NCOLS];
	memset(v, 0, sizeof v);
	int rc = STORE_ERR, own;
	char now[TIME_LEN];
	store__now(now);
	if (store__insert_vals(s, rec, v, now))
		goto out;
	if (v[C_PROVIDER_ID].t && !v[C_PROVIDER].t) {
		store__seterr(s, "provider_id: given without a provider");
		goto out;
	}
	if (pgs_op_begin(s, &own))
		goto out;
	rc = pgs_op_end(s, own, msg_insert_row(s, v, id));
out:
	store__vals_free(v);
	return rc;
}

int pgs_msg_get(struct store *s, int64_t id, cJSON **out)
{
	*out = NULL;
	struct pgs_args a = {0};
	pgs_argi(&a, id);
	PGresult *r = pgs_q(s, "reading a message",
	                    "SELECT " PGS_MSG_COLS " FROM messages WHERE id = $1", &a);
	if (!r)
		return STORE_ERR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		store__seterr(s, "message %" PRId64 ": no such message", id);
		return STORE_NOTFOUND;
	}
	*out = pgs_msg_rec(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}

/* ---- Status ------------------------------------------------------------------- */

struct msg_state {
	char direction[16], status[16], provider[64];
	int  has_sent_at, has_delivered_at, has_reviewed_at, has_read_at, has_provider;
};

/* The row, locked until the operation ends: a concurrent change waits for
 * this one, and this one reads the row as the last committed change left it. */
static int msg_state(struct store *s, int64_t id, struct msg_state *m)
{
	struct pgs_args a = {0};
	pgs_argi(&a, id);
	PGresult *r = pgs_q(s, "reading a message",
	                    "SELECT direction, status, sent_at, delivered_at, reviewed_at, read_at, "
	                    "provider FROM messages WHERE id = $1 FOR UPDATE",
	                    &a);
	if (!r)
		return STORE_ERR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		store__seterr(s, "message %" PRId64 ": no such message", id);
		return STORE_NOTFOUND;
	}
	snprintf(m->direction, sizeof m->direction, "%s", PQgetvalue(r, 0, 0));
	snprintf(m->status, sizeof m->status, "%s", PQgetvalue(r, 0, 1));
	m->has_sent_at = !pgs_null(r, 0, 2);
	m->has_delivered_at = !pgs_null(r, 0, 3);
	m->has_reviewed_at = !pgs_null(r, 0, 4);
	m->has_read_at = !pgs_null(r, 0, 5);
	m->has_provider = !pgs_null(r, 0, 6);
	snprintf(m->provider, sizeof m->provider, "%s", PQgetvalue(r, 0, 6));
	PQclear(r);
	return STORE_OK;
}

/* 1 when a message other than id already has the provider id the update
 * gives (SQLite's unique index would refuse it), 0 when none, STORE_ERR. */
static int provider_id_taken(struct store *s, int64_t id, const struct val *v,
                             const struct msg_state *m)
{
	if (!v[C_PROVIDER_ID].set || v[C_PROVIDER_ID].type == V_NULL)
		return 0;
	const char *provider = v[C_PROVIDER].set ? v[C_PROVIDER].t
	                       : m->has_provider ? m->provider
	                                         : NULL;
	if (!provider)
		return 0; /* the schema's check refuses it */
	struct pgs_args a = {0};
	pgs_arg(&a, provider);
	pgs_arg_val(&a, &v[C_PROVIDER_ID]);
	pgs_argi(&a, id);
	PGresult *r = pgs_q(s, "looking up a provider id",
	                    "SELECT 1 FROM messages WHERE provider = $1 AND provider_id = $2 "
	                    "AND id <> $3",
	                    &a);
	if (!r)
		return STORE_ERR;
	int n = PQntuples(r) > 0;
	PQclear(r);
	return n;
}

/* The columns the move sets besides the caller's fields (store.h). */
static void status_defaults(const struct msg_state *m, const char *status, struct val *v,
                            const char *now)
{
	int changed = strcmp(m->status, status) != 0;
	v[C_STATUS].set = 1;
	store__val_text(&v[C_STATUS], status);
	v[C_UPDATED_AT].set = 1;
	store__val_text(&v[C_UPDATED_AT], now);
	if (changed && !v[C_REASON].set)
		v[C_REASON].set = 1; /* value NULL: a new status makes the old reason stale */
	if (!v[C_SENT_AT].set && !m->has_sent_at &&
	    store__in_list(status, " queued sent delivered undelivered ")) {
		v[C_SENT_AT].set = 1;
		store__val_text(&v[C_SENT_AT], now);
	}
	if (!v[C_DELIVERED_AT].set && !m->has_delivered_at && strcmp(status, "delivered") == 0) {
		v[C_DELIVERED_AT].set = 1;
		store__val_text(&v[C_DELIVERED_AT], now);
	}
	/* WhatsApp's read receipt: when it first came (a repeat keeps the time). */
	if (!v[C_READ_AT].set && !m->has_read_at && strcmp(status, "read") == 0) {
		v[C_READ_AT].set = 1;
		store__val_text(&v[C_READ_AT], now);
	}
	if (changed && !v[C_REVIEWED_AT].set && !m->has_reviewed_at &&
	    store__in_list(status, " approved rejected ")) {
		v[C_REVIEWED_AT].set = 1;
		store__val_text(&v[C_REVIEWED_AT], now);
	}
	if (changed && strcmp(status, "sending") == 0) {
		v[C_CLAIMED_AT].set = 1;
		store__val_text(&v[C_CLAIMED_AT], now);
		v[C_CLAIMED_BY].set = 1;   /* the new claimant, or nobody named */
		v[C_REQUESTED_AT].set = 1; /* a new claim: its request is still to come */
	}
}

/* The row's new values and its "status" event (detail: JSON text). */
static int update_row(struct store *s, int64_t id, const struct val *v, const char *now,
                      const char *status, const char *detail)
{
	uint64_t cols = 0;
	struct pgs_args a = {0};
	for (size_t i = 0; i < NCOLS; i++)
		if (v[i].set) {
			cols |= (uint64_t)1 << i;
			pgs_arg_val(&a, &v[i]);
		}
	pgs_argi(&a, id);
	pgs_arg(&a, now);
	pgs_arg(&a, status);
	pgs_arg(&a, detail);
	char *own;
	const char *sql = update_sql(cols, &own);
	PGresult *r = sql ? pgs_q(s, "updating the message", sql, &a)
	                  : pgs_q1(s, "updating the message", own, &a);
	free(own);
	if (!r) {
		if (pgs_unique_violation(s)) /* another host gave it in between */
			store__seterr(s, "provider_id: another message already has it");
		return STORE_ERR;
	}
	PQclear(r);
	return STORE_OK;
}

static int msg_set_status(struct store *s, int64_t id, const char *status, struct val *v,
                          const cJSON *fields, const cJSON *detail)
{
	struct msg_state m;
	int rc = msg_state(s, id, &m);
	if (rc != STORE_OK)
		return rc;
	if (strcmp(m.direction, "inbound") == 0 ? strcmp(status, "received") != 0
	                                         : strcmp(status, "received") == 0) {
		store__seterr(s, "message %" PRId64 ": an %s message cannot be %s", id, m.direction,
		              status);
		return STORE_REFUSED;
	}
	if (!store_status_next_ok(m.status, status)) {
		store__seterr(s, "message %" PRId64 ": cannot move from %s to %s", id, m.status, status);
		return STORE_REFUSED;
	}
	char now[TIME_LEN];
	store__now(now);
	status_defaults(&m, status, v, now);
	int taken = provider_id_taken(s, id, v, &m);
	if (taken < 0)
		return STORE_ERR;
	if (taken) {
		store__seterr(s, "provider_id: another message already has it");
		return STORE_ERR;
	}
	/* The event's detail: the caller's, previous and fields. */
	cJSON *d;
	if (cJSON_IsObject(detail)) {
		d = cJSON_Duplicate(detail, 1);
	} else {
		d = cJSON_CreateObject();
		if (detail)
			cJSON_AddItemToObject(d, "detail", cJSON_Duplicate(detail, 1));
	}
	if (!cJSON_HasObjectItem(d, "previous"))
		cJSON_AddStringToObject(d, "previous", m.status);
	if (cJSON_IsObject(fields) && fields->child && !cJSON_HasObjectItem(d, "fields"))
		cJSON_AddItemToObject(d, "fields", cJSON_Duplicate(fields, 1));
	char *text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	rc = update_row(s, id, v, now, status, text);
	cJSON_free(text);
	return rc;
}

int pgs_msg_set_status(struct store *s, int64_t id, const char *status, const cJSON *fields,
                       const cJSON *detail)
{
	if (!store_status_valid(status)) {
		store__seterr(s, "status: %s is not a message status", status ? status : "(none)");
		return STORE_ERR;
	}
	struct val v[NCOLS];
	memset(v, 0, sizeof v);
	int rc = STORE_ERR, own;
	if (store__update_vals(s, fields, v) == 0 && pgs_op_begin(s, &own) == STORE_OK) {
		/* A refusal or an unknown id wrote nothing: committing is harmless
		 * (and ends the row's lock). */
		rc = pgs_op_end(s, own, msg_set_status(s, id, status, v, fields, detail));
	}
	store__vals_free(v);
	return rc;
}

/* ---- Read and replied (the inbox) ---------------------------------------------- */

/* Inside op_begin/op_end: sets flag (0 read, 1 replied) of inbound message id. */
static int msg_mark(struct store *s, int64_t id, int flag, int value)
{
	struct pgs_args a = {0};
	pgs_argi(&a, id);
	PGresult *r = pgs_q(s, "reading a message",
	                    "SELECT direction, read, replied FROM messages WHERE id = $1 FOR UPDATE",
	                    &a);
	if (!r)
		return STORE_ERR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		store__seterr(s, "message %" PRId64 ": no such message", id);
		return STORE_NOTFOUND;
	}
	char direction[16];
	snprintf(direction, sizeof direction, "%s", PQgetvalue(r, 0, 0));
	int have = (int)pgs_int(r, 0, 1 + flag);
	PQclear(r);
	if (strcmp(direction, "inbound") != 0) {
		store__seterr(s, "message %" PRId64 ": an %s message; only received (inbound) messages "
		              "are %s", id, direction, flag ? "replied to" : "marked read or unread");
		return STORE_REFUSED;
	}
	if (have == value)
		return STORE_OK;
	char now[TIME_LEN];
	store__now(now);
	struct pgs_args u = {0};
	pgs_argi(&u, id);
	if (!flag)
		pgs_argi(&u, value);
	pgs_arg(&u, now);
	if (pgs_exec(s, "updating the message",
	             flag ? "UPDATE messages SET replied = 1, updated_at = $2 WHERE id = $1"
	                  : "UPDATE messages SET read = $2, updated_at = $3 WHERE id = $1",
	             &u, NULL))
		return STORE_ERR;
	return pgs_event_insert(s, id, flag ? "replied" : "read", NULL,
	                        flag    ? "{\"replied\":true}"
	                        : value ? "{\"read\":true}"
	                                : "{\"read\":false}",
	                        NULL);
}

int pgs_msg_mark_read(struct store *s, int64_t id, int read)
{
	int own;
	if (pgs_op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	return pgs_op_end(s, own, msg_mark(s, id, 0, read != 0));
}

int pgs_msg_mark_replied(struct store *s, int64_t id)
{
	int own;
	if (pgs_op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	return pgs_op_end(s, own, msg_mark(s, id, 1, 1));
}

/* ---- A sender's request, and its claim given back ------------------------------ */

int pgs_msg_requested(struct store *s, int64_t id)
{
	char now[TIME_LEN];
	store__now(now);
	struct pgs_args a = {0};
	pgs_argi(&a, id);
	pgs_arg(&a, now);
	return pgs_exec(s, "noting a request",
	                "UPDATE messages SET requested_at = $2 WHERE id = $1 AND "
	                "status = 'sending' AND requested_at IS NULL",
	                &a, NULL);
}

/* Only a message that was approved (reviewed_at) and never requested; the
 * UPDATE's condition is checked again on the row a concurrent change left. */
static int msg_unclaim(struct store *s, int64_t id, const char *reason)
{
	char now[TIME_LEN];
	store__now(now);
	struct pgs_args a = {0};
	pgs_argi(&a, id);
	pgs_arg(&a, reason);
	pgs_arg(&a, now);
	long long changed = 0;
	if (pgs_exec(s, "giving a claim back",
	             "UPDATE messages SET status = 'approved', reason = $2, updated_at = $3, "
	             "claimed_by = NULL, claimed_at = NULL WHERE id = $1 AND "
	             "direction = 'outbound' AND status = 'sending' AND "
	             "requested_at IS NULL AND reviewed_at IS NOT NULL",
	             &a, &changed))
		return STORE_ERR;
	if (changed == 0) {
		store__seterr(s, "message %" PRId64 ": not an approved message claimed and never "
		              "requested", id);
		return STORE_REFUSED;
	}
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "previous", "sending");
	cJSON_AddItemToObject(d, "fields", cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetObjectItem(d, "fields"), "reason", reason);
	char *text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	int rc = pgs_event_insert(s, id, "status", "approved", text, NULL);
	cJSON_free(text);
	return rc;
}

int pgs_msg_unclaim(struct store *s, int64_t id, const char *reason)
{
	int own;
	if (pgs_op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	return pgs_op_end(s, own, msg_unclaim(s, id, reason));
}

/* ---- A conversation: its state, WhatsApp's window -------------------------------- */

int pgs_thread_state(struct store *s, const char *address, char *tag, size_t tag_len,
                     time_t *at)
{
	*tag = '\0';
	*at = 0;
	/* messages_to (to_number, created_at): the newest outbound message; an
	 * opt-out since (consents_number) ends what it began. */
	struct pgs_args a = {0};
	pgs_arg(&a, address);
	PGresult *r = pgs_q(s, "reading a conversation's state",
	                    "SELECT m.tag, m.created_at FROM messages m "
	                    "WHERE m.to_number = $1 AND m.direction = 'outbound' "
	                    "AND NOT EXISTS (SELECT 1 FROM consents c "
	                    "WHERE c.number = $1 AND c.kind = 'opt_out' "
	                    "AND c.at >= m.created_at) "
	                    "ORDER BY m.created_at DESC, m.id DESC LIMIT 1",
	                    &a);
	if (!r)
		return STORE_ERR;
	if (PQntuples(r) == 1) {
		const char *t = pgs_text(r, 0, 0), *c = pgs_text(r, 0, 1);
		if (t)
			snprintf(tag, tag_len, "%s", t);
		if (!c || clock_parse_strict(c, at) != 0)
			*at = 0;
	}
	PQclear(r);
	return STORE_OK;
}

int pgs_last_inbound(struct store *s, const char *address, time_t *at)
{
	*at = 0;
	/* messages_from (from_number, created_at): one index probe, the newest. */
	struct pgs_args a = {0};
	pgs_arg(&a, address);
	PGresult *r = pgs_q(s, "reading the latest inbound message",
	                    "SELECT max(created_at) FROM messages "
	                    "WHERE from_number = $1 AND direction = 'inbound'",
	                    &a);
	if (!r)
		return STORE_ERR;
	const char *t = PQntuples(r) == 1 ? pgs_text(r, 0, 0) : NULL;
	if (t && clock_parse_strict(t, at) != 0)
		*at = 0;
	PQclear(r);
	return STORE_OK;
}
