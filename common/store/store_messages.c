/* store_messages — the messages and events tables: a message stored, read,
 * moved along its lifecycle (sms-config(5), Lifecycle), marked read or
 * replied, claimed and given back; the append-only events that record each
 * change. The SQL of both tables lives here, most of it built from the
 * columns of store_record.c. See store.h. */
#include "store.h"
#include "store_internal.h"
#include "util.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const msg_sql[ST__N] = {
	[ST_MSG_STATE] = "SELECT direction, status, sent_at, delivered_at, reviewed_at, read_at "
	                 "FROM messages WHERE id = ?1",
	[ST_MSG_BY_PROVIDER_ID] = "SELECT id FROM messages WHERE provider = ?1 AND provider_id = ?2",
	[ST_EVENT_INSERT] = "INSERT INTO events (message_id, at, kind, status, detail) "
	                    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_MSG_FLAGS] = "SELECT direction, read, replied FROM messages WHERE id = ?1",
	[ST_MSG_SET_READ] = "UPDATE messages SET read = ?2, updated_at = ?3 WHERE id = ?1",
	[ST_MSG_SET_REPLIED] = "UPDATE messages SET replied = 1, updated_at = ?2 WHERE id = ?1",
	[ST_MSG_REQUESTED] = "UPDATE messages SET requested_at = ?3 WHERE id = ?1 AND "
	                     "status = 'sending' AND requested_at IS NULL",
	/* Only a message that was approved (reviewed_at) and never requested. */
	[ST_MSG_UNCLAIM] = "UPDATE messages SET status = 'approved', reason = ?2, updated_at = ?3, "
	                   "claimed_by = NULL, claimed_at = NULL WHERE id = ?1 AND "
	                   "direction = 'outbound' AND status = 'sending' AND "
	                   "requested_at IS NULL AND reviewed_at IS NOT NULL",
};

/* ---- Statements ------------------------------------------------------------ */

/* The SQL of ST_MSG_INSERT or ST_MSG_GET, with every column of store__mcols. */
static char *build_sql(enum store_st id)
{
	struct strbuf b;
	strbuf_init(&b);
	if (id == ST_MSG_INSERT) {
		/* Parameter i + 1 is column i; a generated column's is left unused. */
		strbuf_puts(&b, "INSERT INTO messages (id");
		for (size_t i = 0; i < NCOLS; i++)
			if (!(store__mcols[i].flags & F_GEN))
				strbuf_printf(&b, ", %s", store__mcols[i].col);
		strbuf_puts(&b, ") VALUES (NULL");
		for (size_t i = 0; i < NCOLS; i++)
			if (!(store__mcols[i].flags & F_GEN))
				strbuf_printf(&b, ", ?%zu", i + 1);
		strbuf_puts(&b, ") ON CONFLICT (provider, provider_id) DO NOTHING");
	} else {
		strbuf_puts(&b, "SELECT id");
		for (size_t i = 0; i < NCOLS; i++)
			strbuf_printf(&b, ", %s", store__mcols[i].col);
		strbuf_puts(&b, " FROM messages WHERE id = ?1");
	}
	return strbuf_detach(&b);
}

/* A cached statement of this file's: the message table's two are built from
 * store__mcols. */
static sqlite3_stmt *stmt(struct store *s, enum store_st id)
{
	if (s->st[id] || (id != ST_MSG_INSERT && id != ST_MSG_GET))
		return store__stmt(s, msg_sql, id);
	char *sql = build_sql(id);
	const char *built[ST__N] = {[ST_MSG_INSERT] = sql, [ST_MSG_GET] = sql};
	sqlite3_stmt *st = store__stmt(s, built, id);
	free(sql);
	return st;
}

/* UPDATE messages SET <the columns in cols> = ?(i+1) WHERE id = ?(NCOLS+1). */
static sqlite3_stmt *update_stmt(struct store *s, uint64_t cols)
{
	for (size_t i = 0; i < UPD_CACHE; i++)
		if (s->upd[i].st && s->upd[i].cols == cols)
			return s->upd[i].st;
	struct strbuf b;
	strbuf_init(&b);
	strbuf_puts(&b, "UPDATE messages SET ");
	int n = 0;
	for (size_t i = 0; i < NCOLS; i++)
		if (cols >> i & 1)
			strbuf_printf(&b, "%s%s = ?%zu", n++ ? ", " : "", store__mcols[i].col, i + 1);
	strbuf_printf(&b, " WHERE id = ?%d", NCOLS + 1);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, b.s, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	strbuf_free(&b);
	if (rc != SQLITE_OK) {
		store__dberr(s, "preparing a statement");
		sqlite3_finalize(st);
		return NULL;
	}
	unsigned k = s->upd_next++ % UPD_CACHE;
	sqlite3_finalize(s->upd[k].st);
	s->upd[k].cols = cols;
	s->upd[k].st = st;
	return st;
}

/* ---- Events -------------------------------------------------------------------- */

int store__event_insert(struct store *s, int64_t message_id, const char *kind,
                         const char *status, const char *detail, int64_t *id)
{
	sqlite3_stmt *st = stmt(s, ST_EVENT_INSERT);
	if (!st)
		return STORE_ERR;
	char now[TIME_LEN];
	store__now(now);
	if (message_id > 0)
		sqlite3_bind_int64(st, 1, message_id);
	else
		sqlite3_bind_null(st, 1);
	store__bind_text(st, 2, now);
	store__bind_text(st, 3, kind);
	store__bind_text(st, 4, status);
	store__bind_text(st, 5, detail);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
			store__seterr(s, "message %" PRId64 ": no such message", message_id);
		else
			store__dberr(s, "appending an event");
		store__done(st);
		return STORE_ERR;
	}
	store__done(st);
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return STORE_OK;
}

int lite_event_append(struct store *s, int64_t message_id, const char *kind,
                       const char *status, const cJSON *detail, int64_t *id)
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
	int own, rc = store__op_begin(s, &own);
	if (rc == STORE_OK)
		rc = store__op_end(s, own, store__event_insert(s, message_id, kind, status, d, id));
	cJSON_free(d);
	return rc;
}

/* ---- Messages ----------------------------------------------------------------- */

static int msg_by_provider_id(struct store *s, const char *provider, const char *pid,
                              int64_t *id)
{
	sqlite3_stmt *st = stmt(s, ST_MSG_BY_PROVIDER_ID);
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, provider);
	store__bind_text(st, 2, pid);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	store__done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	return store__dberr(s, "looking up a provider id");
}

int lite_msg_find_provider_id(struct store *s, const char *provider, const char *provider_id,
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

/* Stores the row; STORE_EXISTS when (provider, provider_id) is already there. */
static int msg_insert_row(struct store *s, struct val *v, int64_t *id)
{
	sqlite3_stmt *st = stmt(s, ST_MSG_INSERT);
	if (!st)
		return STORE_ERR;
	for (size_t i = 0; i < NCOLS; i++)
		store__bind_val(st, (int)i + 1, &v[i]);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
			store__seterr(s, "reply_to %" PRId64 ": no such message", v[C_REPLY_TO].i);
		else
			store__dberr(s, "storing the message");
		store__done(st);
		return STORE_ERR;
	}
	store__done(st);
	if (sqlite3_changes(s->db) == 0) {
		rc = msg_by_provider_id(s, v[C_PROVIDER].t, v[C_PROVIDER_ID].t, id);
		if (rc == STORE_NOTFOUND) {
			store__seterr(s, "storing the message: a conflict with no conflicting message");
			return STORE_ERR;
		}
		if (rc == STORE_OK)
			store__seterr(s, "%s message %s: already stored as message %" PRId64,
			              v[C_PROVIDER].t, v[C_PROVIDER_ID].t, *id);
		return rc == STORE_OK ? STORE_EXISTS : rc;
	}
	*id = sqlite3_last_insert_rowid(s->db);
	char detail[96];
	snprintf(detail, sizeof detail, "{\"direction\":\"%s\"}", v[C_DIRECTION].t);
	return store__event_insert(s, *id, "created", v[C_STATUS].t, detail, NULL);
}

int lite_msg_insert(struct store *s, const cJSON *rec, int64_t *id)
{
	struct val v[NCOLS];
	memset(v, 0, sizeof v);
	int rc = STORE_ERR;
	char now[TIME_LEN];
	store__now(now);
	if (store__insert_vals(s, rec, v, now))
		goto out;
	if (v[C_PROVIDER_ID].t && !v[C_PROVIDER].t) {
		store__seterr(s, "provider_id: given without a provider");
		goto out;
	}

	int own;
	if (store__op_begin(s, &own))
		goto out;
	rc = store__op_end(s, own, msg_insert_row(s, v, id));
out:
	store__vals_free(v);
	return rc;
}

static cJSON *column_json(sqlite3_stmt *st, int i, const struct mcol *c)
{
	int t = sqlite3_column_type(st, i);
	switch (c->type) {
	case T_BOOL:
		return cJSON_CreateBool(t != SQLITE_NULL && sqlite3_column_int64(st, i) != 0);
	case T_OBJECT: {
		cJSON *o = t == SQLITE_NULL ? NULL : cJSON_Parse((const char *)sqlite3_column_text(st, i));
		if (!cJSON_IsObject(o)) {
			cJSON_Delete(o);
			o = cJSON_CreateNull();
		}
		return o;
	}
	case T_ARRAY: {
		cJSON *a = NULL;
		if (t != SQLITE_NULL)
			a = cJSON_Parse((const char *)sqlite3_column_text(st, i));
		if (!cJSON_IsArray(a)) {
			cJSON_Delete(a);
			a = cJSON_CreateArray();
		}
		return a;
	}
	default:
		break;
	}
	if (t == SQLITE_NULL)
		return cJSON_CreateNull();
	if (t == SQLITE_INTEGER)
		return cJSON_CreateNumber((double)sqlite3_column_int64(st, i));
	if (t == SQLITE_FLOAT)
		return cJSON_CreateNumber(sqlite3_column_double(st, i));
	return cJSON_CreateString((const char *)sqlite3_column_text(st, i));
}

int lite_msg_get(struct store *s, int64_t id, cJSON **out)
{
	*out = NULL;
	sqlite3_stmt *st = stmt(s, ST_MSG_GET);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store__done(st);
		if (rc == SQLITE_DONE) {
			store__seterr(s, "message %" PRId64 ": no such message", id);
			return STORE_NOTFOUND;
		}
		return store__dberr(s, "reading a message");
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "id", (double)sqlite3_column_int64(st, 0));
	cJSON *err = NULL;
	for (size_t i = 0; i < NCOLS; i++) {
		const struct mcol *c = &store__mcols[i];
		if (!(c->flags & F_OUT))
			continue;
		if ((c->flags & F_SET) && sqlite3_column_type(st, (int)i + 1) == SQLITE_NULL)
			continue;
		cJSON *j = column_json(st, (int)i + 1, c);
		if (!c->sub) {
			cJSON_AddItemToObject(r, c->key, j);
			continue;
		}
		/* The error object: present when there is an error code. */
		if (i == C_ERROR_CODE) {
			if (cJSON_IsNull(j)) {
				cJSON_AddNullToObject(r, c->key);
			} else {
				err = cJSON_CreateObject();
				cJSON_AddItemToObject(r, c->key, err);
			}
		}
		if (err && !(i == C_PROVIDER_CODE && cJSON_IsNull(j)))
			cJSON_AddItemToObject(err, c->sub, j);
		else
			cJSON_Delete(j);
	}
	store__done(st);
	*out = r;
	return STORE_OK;
}

struct msg_state {
	char direction[16], status[16];
	int  has_sent_at, has_delivered_at, has_reviewed_at, has_read_at;
};

static int msg_state(struct store *s, int64_t id, struct msg_state *m)
{
	sqlite3_stmt *st = stmt(s, ST_MSG_STATE);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(m->direction, sizeof m->direction, "%s", sqlite3_column_text(st, 0));
		snprintf(m->status, sizeof m->status, "%s", sqlite3_column_text(st, 1));
		m->has_sent_at = sqlite3_column_type(st, 2) != SQLITE_NULL;
		m->has_delivered_at = sqlite3_column_type(st, 3) != SQLITE_NULL;
		m->has_reviewed_at = sqlite3_column_type(st, 4) != SQLITE_NULL;
		m->has_read_at = sqlite3_column_type(st, 5) != SQLITE_NULL;
	}
	store__done(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE) {
		store__seterr(s, "message %" PRId64 ": no such message", id);
		return STORE_NOTFOUND;
	}
	return store__dberr(s, "reading a message");
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
	int changed = strcmp(m.status, status) != 0;
	char now[TIME_LEN];
	store__now(now);
	v[C_STATUS].set = 1;
	store__val_text(&v[C_STATUS], status);
	v[C_UPDATED_AT].set = 1;
	store__val_text(&v[C_UPDATED_AT], now);
	if (changed && !v[C_REASON].set)
		v[C_REASON].set = 1; /* value NULL: a new status makes the old reason stale */
	if (!v[C_SENT_AT].set && !m.has_sent_at &&
	    store__in_list(status, " queued sent delivered undelivered ")) {
		v[C_SENT_AT].set = 1;
		store__val_text(&v[C_SENT_AT], now);
	}
	if (!v[C_DELIVERED_AT].set && !m.has_delivered_at && strcmp(status, "delivered") == 0) {
		v[C_DELIVERED_AT].set = 1;
		store__val_text(&v[C_DELIVERED_AT], now);
	}
	/* WhatsApp's read receipt: when it first came (a repeat keeps the time). */
	if (!v[C_READ_AT].set && !m.has_read_at && strcmp(status, "read") == 0) {
		v[C_READ_AT].set = 1;
		store__val_text(&v[C_READ_AT], now);
	}
	if (changed && !v[C_REVIEWED_AT].set && !m.has_reviewed_at &&
	    store__in_list(status, " approved rejected ")) {
		v[C_REVIEWED_AT].set = 1;
		store__val_text(&v[C_REVIEWED_AT], now);
	}
	if (changed && strcmp(status, "sending") == 0) {
		v[C_CLAIMED_AT].set = 1;
		store__val_text(&v[C_CLAIMED_AT], now);
		v[C_CLAIMED_BY].set = 1; /* the new claimant, or nobody named */
		v[C_REQUESTED_AT].set = 1; /* a new claim: its request is still to come */
	}

	uint64_t cols = 0;
	for (size_t i = 0; i < NCOLS; i++)
		if (v[i].set)
			cols |= (uint64_t)1 << i;
	sqlite3_stmt *st = update_stmt(s, cols);
	if (!st)
		return STORE_ERR;
	for (size_t i = 0; i < NCOLS; i++)
		if (v[i].set)
			store__bind_val(st, (int)i + 1, &v[i]);
	sqlite3_bind_int64(st, NCOLS + 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE)
			store__seterr(s, "provider_id: another message already has it");
		else
			store__dberr(s, "updating the message");
		store__done(st);
		return STORE_ERR;
	}
	store__done(st);

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
	rc = store__event_insert(s, id, "status", status, text, NULL);
	cJSON_free(text);
	return rc;
}

int lite_msg_set_status(struct store *s, int64_t id, const char *status,
                         const cJSON *fields, const cJSON *detail)
{
	if (!store_status_valid(status)) {
		store__seterr(s, "status: %s is not a message status", status ? status : "(none)");
		return STORE_ERR;
	}
	struct val v[NCOLS];
	memset(v, 0, sizeof v);
	int rc = STORE_ERR, own;
	if (store__update_vals(s, fields, v) == 0 && store__op_begin(s, &own) == STORE_OK) {
		/* A refusal or an unknown id wrote nothing: committing is harmless. */
		rc = store__op_end(s, own, msg_set_status(s, id, status, v, fields, detail));
	}
	store__vals_free(v);
	return rc;
}

/* ---- Read and replied (the inbox) ---------------------------------------------- */

/* Inside op_begin/op_end: sets flag (0 read, 1 replied) of inbound message id. */
static int msg_mark(struct store *s, int64_t id, int flag, int value)
{
	sqlite3_stmt *st = stmt(s, ST_MSG_FLAGS);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	char direction[16] = "";
	int have = 0;
	if (rc == SQLITE_ROW) {
		snprintf(direction, sizeof direction, "%s", sqlite3_column_text(st, 0));
		have = sqlite3_column_int(st, 1 + flag);
	}
	store__done(st);
	if (rc == SQLITE_DONE) {
		store__seterr(s, "message %" PRId64 ": no such message", id);
		return STORE_NOTFOUND;
	}
	if (rc != SQLITE_ROW)
		return store__dberr(s, "reading a message");
	if (strcmp(direction, "inbound") != 0) {
		store__seterr(s, "message %" PRId64 ": an %s message; only received (inbound) messages "
		              "are %s", id, direction, flag ? "replied to" : "marked read or unread");
		return STORE_REFUSED;
	}
	if (have == value)
		return STORE_OK;
	char now[TIME_LEN];
	store__now(now);
	st = stmt(s, flag ? ST_MSG_SET_REPLIED : ST_MSG_SET_READ);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	if (flag) {
		store__bind_text(st, 2, now);
	} else {
		sqlite3_bind_int(st, 2, value);
		store__bind_text(st, 3, now);
	}
	rc = sqlite3_step(st);
	store__done(st);
	if (rc != SQLITE_DONE)
		return store__dberr(s, "updating the message");
	return store__event_insert(s, id, flag ? "replied" : "read", NULL,
	                           flag    ? "{\"replied\":true}"
	                           : value ? "{\"read\":true}"
	                                   : "{\"read\":false}",
	                           NULL);
}

int lite_msg_mark_read(struct store *s, int64_t id, int read)
{
	int own;
	if (store__op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	return store__op_end(s, own, msg_mark(s, id, 0, read != 0));
}

int lite_msg_mark_replied(struct store *s, int64_t id)
{
	int own;
	if (store__op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	return store__op_end(s, own, msg_mark(s, id, 1, 1));
}

/* ---- A sender's request, and its claim given back ------------------------------ */

/* Runs statement which on message id with ?2 text (may be NULL) and ?3 now. */
static int msg_update(struct store *s, enum store_st which, int64_t id, const char *text,
                      const char *what)
{
	sqlite3_stmt *st = stmt(s, which);
	if (!st)
		return STORE_ERR;
	char now[TIME_LEN];
	store__now(now);
	sqlite3_bind_int64(st, 1, id);
	store__bind_text(st, 2, text);
	store__bind_text(st, 3, now);
	int rc = sqlite3_step(st);
	store__done(st);
	return rc == SQLITE_DONE ? STORE_OK : store__dberr(s, what);
}

int lite_msg_requested(struct store *s, int64_t id)
{
	return msg_update(s, ST_MSG_REQUESTED, id, NULL, "noting a request");
}

static int msg_unclaim(struct store *s, int64_t id, const char *reason)
{
	int rc = msg_update(s, ST_MSG_UNCLAIM, id, reason, "giving a claim back");
	if (rc != STORE_OK)
		return rc;
	if (sqlite3_changes(s->db) == 0) {
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
	rc = store__event_insert(s, id, "status", "approved", text, NULL);
	cJSON_free(text);
	return rc;
}

int lite_msg_unclaim(struct store *s, int64_t id, const char *reason)
{
	int own;
	if (store__op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	return store__op_end(s, own, msg_unclaim(s, id, reason));
}


/* ---- Status callbacks for a message the store did not know ------------------------ */

int lite_events_pending_status(struct store *s, const char *provider, const char *provider_id,
                                int (*fn)(int64_t event_id, const cJSON *pending, void *arg),
                                void *arg)
{
	/* message_id IS NULL walks the NULL end of events_message only. */
	sqlite3_stmt *st = store__prep(s, "SELECT id, json_extract(detail, '$.pending') FROM events "
	                                  "WHERE message_id IS NULL AND kind = 'webhook' AND "
	                                  "json_extract(detail, '$.pending.provider') = ?1 AND "
	                                  "json_extract(detail, '$.pending.provider_id') = ?2 ORDER BY id");
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, provider);
	store__bind_text(st, 2, provider_id);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *p = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
		if (cJSON_IsObject(p))
			stop = fn(sqlite3_column_int64(st, 0), p, arg);
		cJSON_Delete(p);
	}
	sqlite3_finalize(st);
	if (stop)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_OK : store__dberr(s, "reading status callbacks");
}
