/* store_list — reading messages many at a time: listings and counts (sms-status,
 * sms-inbox, the dashboard), the spend of a period (smskit-compliance(7)),
 * the approved queue and the claims of senders (sms-send), paging through a
 * status by id (sms-approve). Each query is written for an index of the
 * schema (store_schema.c); the comments say which. See store.h. */
#include "store.h"
#include "store_internal.h"
#include "clock.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static const char *const list_sql[ST__N] = {
	/* Money in millionths, exact: each price has at most 6 decimals, so the
	 * rounded double is the exact integer. The provider's price when known
	 * (Twilio's is negative), else the estimate. Without statistics the planner
	 * would rather walk messages_inbox by direction: name the index, whose
	 * WHERE (direction and SPEND_STATUS) the query's must repeat. */
	[ST_SPEND_SINCE] = "SELECT coalesce(sum(CAST(round(abs(CAST(coalesce(price, "
	                   "price_estimate) AS REAL)) * 1000000) AS INTEGER)), 0) FROM messages "
	                   "INDEXED BY messages_spend WHERE direction = 'outbound' AND "
	                   SPEND_STATUS " AND " SPEND_AT " >= ?1",
};

/* ---- Listing and counting messages ------------------------------------------
 * The listing selects ids only, on an index where one serves, and builds each
 * record with store_msg_get(), so that listed records are exactly the records
 * store_msg_get prints. Plans (checked with EXPLAIN QUERY PLAN on a store of a
 * million rows): a status list walks the covering messages_queue index and
 * sorts only the ids it finds; `since` is a range on messages_inbox (direction,
 * read, created_at), hence the no-op `read IN (0, 1)`; with neither, the rowid
 * is walked in order and `+direction` keeps the planner off messages_inbox,
 * which would sort every message to find the newest few. */

/* 1 when a message of this status can have this direction (NULL: any). */
static int status_of_direction(const char *status, const char *direction)
{
	if (!direction)
		return 1;
	return (strcmp(status, "received") == 0) == (strcmp(direction, "inbound") == 0);
}

/* Steps through a listing of ids (column 0), calling fn with each record. */
static int list_rows(struct store *s, sqlite3_stmt *st, int (*fn)(cJSON *rec, void *arg),
                     void *arg)
{
	int rc, ret = STORE_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *rec;
		int r = store_msg_get(s, sqlite3_column_int64(st, 0), &rec);
		if (r != STORE_OK) {
			ret = STORE_ERR; /* STORE_NOTFOUND cannot happen inside one read */
			break;
		}
		if (fn(rec, arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (ret == STORE_OK && rc != SQLITE_DONE)
		ret = store__dberr(s, "listing messages");
	sqlite3_finalize(st);
	return ret;
}

/* Time order (the inbox). Each branch is one range of one index, read in
 * index order and cut at the limit; the branches are merged by a compound
 * SELECT that sorts at most (branches x limit) rows. The index of a branch is
 * its key; the other conditions are filters, written with a unary + so that
 * the planner keeps to the key's index (without statistics it would rather
 * take messages_inbox for a thread's unread messages, say, and read every
 * unread message). A thread is a UNION: a message from a number to itself is
 * in both branches once. */
static int list_by_time(struct store *s, const struct store_query *q, const char *since,
                        size_t nstatus, int (*fn)(cJSON *rec, void *arg), void *arg)
{
	if (q->after_id > 0) {
		store__seterr(s, "after_id pages in id order only, not with the inbox members of a "
		                 "query");
		return STORE_ERR;
	}
	const char *keys[4];
	size_t nkeys = 0;
	int key_from = 0, key_unread = 0, key_dir = 0, key_state = 0;
	if (q->number) {
		keys[nkeys++] = "to_number = :num";
		keys[nkeys++] = "from_number = :num";
	} else if (q->from) {
		keys[nkeys++] = "from_number = :from";
		key_from = 1;
	} else if (q->unread) {
		keys[nkeys++] = "direction = 'inbound' AND read = 0";
		key_unread = 1;
	} else if (q->state) {
		keys[nkeys++] = "state = :state"; /* messages_state */
		key_state = 1;
	} else {
		/* Each direction and read flag: the ranges of messages_inbox. */
		key_dir = 1;
		if (!q->direction || strcmp(q->direction, "outbound") == 0) {
			keys[nkeys++] = "direction = 'outbound' AND read = 0";
			keys[nkeys++] = "direction = 'outbound' AND read = 1";
		}
		if (!q->direction || strcmp(q->direction, "inbound") == 0) {
			keys[nkeys++] = "direction = 'inbound' AND read = 0";
			keys[nkeys++] = "direction = 'inbound' AND read = 1";
		}
	}
	/* Newest first, or oldest first; a tail takes the newest and turns them. */
	int desc = q->newest_first || (q->tail && q->limit > 0);
	const char *order = desc ? " ORDER BY created_at DESC, id DESC" : " ORDER BY created_at, id";

	struct strbuf f; /* the filters every branch shares */
	strbuf_init(&f);
	if (q->nids) {
		strbuf_puts(&f, " AND id IN (");
		for (size_t i = 0; i < q->nids; i++)
			strbuf_printf(&f, "%s:i%zu", i ? ", " : "", i);
		strbuf_puts(&f, ")");
	}
	if (nstatus) {
		strbuf_puts(&f, " AND +status IN (");
		for (size_t i = 0; i < nstatus; i++)
			strbuf_printf(&f, "%s:s%zu", i ? ", " : "", i);
		strbuf_puts(&f, ")");
	}
	if (since)
		strbuf_puts(&f, " AND created_at >= :since");
	if (q->direction && !key_dir)
		strbuf_puts(&f, " AND +direction = :dir");
	if (q->unread && !key_unread)
		strbuf_puts(&f, " AND +direction = 'inbound' AND +read = 0");
	if (q->from && !key_from)
		strbuf_puts(&f, " AND +from_number = :from");
	if (q->channel)
		strbuf_puts(&f, " AND +channel = :chan");
	if (q->state && !key_state)
		strbuf_puts(&f, " AND +state = :state");

	struct strbuf b;
	strbuf_init(&b);
	if (q->tail && q->limit > 0 && !q->newest_first)
		strbuf_puts(&b, "SELECT id, created_at FROM (");
	for (size_t k = 0; k < nkeys; k++) {
		if (k)
			strbuf_puts(&b, q->number ? " UNION " : " UNION ALL ");
		strbuf_printf(&b, "SELECT id, created_at FROM (SELECT id, created_at FROM messages "
		              "WHERE %s%s%s%s)", keys[k], f.s ? f.s : "", order,
		              q->limit > 0 ? " LIMIT :lim" : "");
	}
	strbuf_puts(&b, desc ? " ORDER BY 2 DESC, 1 DESC" : " ORDER BY 2, 1");
	if (q->limit > 0)
		strbuf_puts(&b, " LIMIT :lim");
	if (q->tail && q->limit > 0 && !q->newest_first)
		strbuf_puts(&b, ") ORDER BY 2, 1");
	strbuf_free(&f);

	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, b.s, -1, &st, NULL);
	strbuf_free(&b);
	if (rc != SQLITE_OK)
		return store__dberr(s, "listing messages");
	char name[32];
	for (size_t i = 0; i < q->nids; i++) {
		snprintf(name, sizeof name, ":i%zu", i);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), q->ids[i]);
	}
	for (size_t i = 0, k = 0; i < q->nstatuses; i++) {
		if (!status_of_direction(q->statuses[i], q->direction))
			continue;
		snprintf(name, sizeof name, ":s%zu", k++);
		store__bind_text(st, sqlite3_bind_parameter_index(st, name), q->statuses[i]);
	}
	int i;
	if ((i = sqlite3_bind_parameter_index(st, ":since")))
		store__bind_text(st, i, since);
	if ((i = sqlite3_bind_parameter_index(st, ":dir")))
		store__bind_text(st, i, q->direction);
	if ((i = sqlite3_bind_parameter_index(st, ":from")))
		store__bind_text(st, i, q->from);
	if ((i = sqlite3_bind_parameter_index(st, ":num")))
		store__bind_text(st, i, q->number);
	if ((i = sqlite3_bind_parameter_index(st, ":chan")))
		store__bind_text(st, i, q->channel);
	if ((i = sqlite3_bind_parameter_index(st, ":state")))
		store__bind_text(st, i, q->state);
	if ((i = sqlite3_bind_parameter_index(st, ":lim")))
		sqlite3_bind_int64(st, i, q->limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)q->limit);
	return list_rows(s, st, fn, arg);
}

int lite_msg_list(struct store *s, const struct store_query *q,
                   int (*fn)(cJSON *rec, void *arg), void *arg)
{
	char since[TIME_LEN];
	if (q->direction && !store__word_in(q->direction, store__directions)) {
		store__seterr(s, "direction: %s is not outbound or inbound", q->direction);
		return STORE_ERR;
	}
	if (q->channel && strcmp(q->channel, "sms") != 0 && strcmp(q->channel, "whatsapp") != 0) {
		store__seterr(s, "channel: %s is not sms or whatsapp", q->channel);
		return STORE_ERR;
	}
	if (q->since && store__time_norm(q->since, since)) {
		store__seterr(s, "since: %s is not an RFC 3339 time", q->since);
		return STORE_ERR;
	}
	size_t nstatus = 0;
	for (size_t i = 0; i < q->nstatuses; i++) {
		if (!store_status_valid(q->statuses[i])) {
			store__seterr(s, "status: %s is not a message status",
			              q->statuses[i] ? q->statuses[i] : "(none)");
			return STORE_ERR;
		}
		nstatus += status_of_direction(q->statuses[i], q->direction);
	}
	if (q->nstatuses > 0 && nstatus == 0)
		return STORE_OK; /* only store__statuses of the other direction: nothing */
	int maxvars = sqlite3_limit(s->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	if (q->nids + nstatus + 8 > (size_t)maxvars) {
		store__seterr(s, "too many ids in one query (at most %d)", maxvars - (int)nstatus - 8);
		return STORE_ERR;
	}
	if (q->from || q->number || q->unread || q->by_time || q->state)
		return list_by_time(s, q, q->since ? since : NULL, nstatus, fn, arg);

	struct strbuf b;
	strbuf_init(&b);
	strbuf_puts(&b, "SELECT id FROM messages WHERE 1");
	if (q->nids) {
		strbuf_puts(&b, " AND id IN (");
		for (size_t i = 0; i < q->nids; i++)
			strbuf_puts(&b, i ? ", ?" : "?");
		strbuf_puts(&b, ")");
	}
	if (nstatus) {
		strbuf_puts(&b, " AND status IN (");
		for (size_t i = 0; i < nstatus; i++)
			strbuf_puts(&b, i ? ", ?" : "?");
		strbuf_puts(&b, ")");
	}
	if (q->since)
		strbuf_puts(&b, q->direction ? " AND direction = ? AND read IN (0, 1) AND created_at >= ?"
		                             : " AND direction IN ('outbound', 'inbound') "
		                               "AND read IN (0, 1) AND created_at >= ?");
	else if (q->direction && !nstatus)
		strbuf_puts(&b, " AND +direction = ?");
	/* With store__statuses the direction is implied: those of the other one are dropped. */
	if (q->channel)
		strbuf_puts(&b, " AND +channel = ?");
	if (q->after_id > 0)
		strbuf_puts(&b, q->newest_first ? " AND id < ?" : " AND id > ?");
	strbuf_puts(&b, q->newest_first ? " ORDER BY id DESC" : " ORDER BY id");
	if (q->limit > 0)
		strbuf_puts(&b, " LIMIT ?");

	/* Not cached: the shape varies, and fn may call back into the store. */
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, b.s, -1, &st, NULL);
	strbuf_free(&b);
	if (rc != SQLITE_OK)
		return store__dberr(s, "listing messages");
	int k = 1;
	for (size_t i = 0; i < q->nids; i++)
		sqlite3_bind_int64(st, k++, q->ids[i]);
	for (size_t i = 0; i < q->nstatuses; i++)
		if (status_of_direction(q->statuses[i], q->direction))
			store__bind_text(st, k++, q->statuses[i]);
	if (q->since) {
		if (q->direction)
			store__bind_text(st, k++, q->direction);
		store__bind_text(st, k++, since);
	} else if (q->direction && !nstatus) {
		store__bind_text(st, k++, q->direction);
	}
	if (q->channel)
		store__bind_text(st, k++, q->channel);
	if (q->after_id > 0)
		sqlite3_bind_int64(st, k++, q->after_id);
	if (q->limit > 0)
		sqlite3_bind_int64(st, k++, q->limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)q->limit);

	return list_rows(s, st, fn, arg);
}

int lite_status_counts(struct store *s, const char *direction,
                        int (*fn)(const char *status, long long n, void *arg), void *arg)
{
	if (direction && !store__word_in(direction, store__directions)) {
		store__seterr(s, "direction: %s is not outbound or inbound", direction);
		return STORE_ERR;
	}
	/* The status implies the direction, so the covering status index answers. */
	const char *sql = !direction ? "SELECT status, count(*) FROM messages GROUP BY status"
	                  : strcmp(direction, "inbound") == 0
	                          ? "SELECT status, count(*) FROM messages "
	                            "WHERE status = 'received' GROUP BY status"
	                          : "SELECT status, count(*) FROM messages "
	                            "WHERE status <> 'received' GROUP BY status";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store__dberr(s, "counting messages");
	enum { NSTATUS = STORE_NSTATUS };
	long long n[NSTATUS] = {0};
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 0);
		for (size_t i = 0; status && i < NSTATUS; i++)
			if (strcmp(store__statuses[i], status) == 0)
				n[i] = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE) {
		store__dberr(s, "counting messages");
		sqlite3_finalize(st);
		return STORE_ERR;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < NSTATUS; i++)
		if (n[i] > 0 && fn(store__statuses[i], n[i], arg))
			break;
	return STORE_OK;
}

/* ---- The approved queue ----------------------------------------------------------- */

/* The order the queue is sent in; messages_queue (status, priority_rank DESC,
 * created_at) serves it without a sort. */
#define QUEUE_DUE "FROM messages WHERE status = 'approved' AND direction = 'outbound' " \
	"AND (send_at IS NULL OR send_at <= ?1)"

int lite_queue_due(struct store *s, const char *now, int64_t *ids, size_t max, size_t *n)
{
	char t[TIME_LEN];
	*n = 0;
	if (store__time_norm(now, t)) {
		store__seterr(s, "%s: not an RFC 3339 time", now);
		return STORE_ERR;
	}
	sqlite3_stmt *st = store__prep(s, "SELECT id " QUEUE_DUE
	                                  " ORDER BY priority_rank DESC, created_at, id LIMIT ?2");
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, t);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store__dberr(s, "reading the queue");
}

int lite_queue_note(struct store *s, const char *now, const char *reason, size_t *n)
{
	char t[TIME_LEN];
	*n = 0;
	if (store__time_norm(now, t)) {
		store__seterr(s, "%s: not an RFC 3339 time", now);
		return STORE_ERR;
	}
	sqlite3_stmt *st = store__prep(s, "UPDATE messages SET reason = ?2 WHERE id IN (SELECT id "
	                                  QUEUE_DUE ") AND reason IS NOT ?2");
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, t);
	store__bind_text(st, 2, reason);
	int rc = sqlite3_step(st);
	*n = (size_t)sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : store__dberr(s, "noting why the queue waits");
}

int lite_claims(struct store *s,
                 int (*fn)(int64_t id, const char *claimed_by, int requested, void *arg),
                 void *arg)
{
	sqlite3_stmt *st = store__prep(s, "SELECT id, claimed_by, requested_at IS NOT NULL "
	                                  "FROM messages WHERE status = 'sending' AND "
	                                  "direction = 'outbound' ORDER BY id");
	if (!st)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		       sqlite3_column_int(st, 2), arg))
			break;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store__dberr(s, "reading claims");
}

/* ---- Paging through a status by id (sms-approve) --------------------------------- */

int lite_msg_id_range(struct store *s, const char *status, int64_t *min, int64_t *max)
{
	*min = *max = 0;
	if (!store_status_valid(status)) {
		store__seterr(s, "status: %s is not a message status", status ? status : "(none)");
		return STORE_ERR;
	}
	sqlite3_stmt *st = NULL;
	/* A covering scan of messages_queue for that status: no table rows read. */
	if (sqlite3_prepare_v2(s->db, "SELECT min(id), max(id) FROM messages WHERE status = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return store__dberr(s, "preparing a statement");
	store__bind_text(st, 1, status);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*min = sqlite3_column_int64(st, 0);
		*max = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? STORE_OK : store__dberr(s, "reading message ids");
}

int lite_msg_ids(struct store *s, const char *status, const char *priority, int64_t after,
                  int64_t upto, int64_t *ids, size_t max, size_t *n)
{
	*n = 0;
	if (!store_status_valid(status)) {
		store__seterr(s, "status: %s is not a message status", status ? status : "(none)");
		return STORE_ERR;
	}
	if (priority && !store__word_in(priority, store__priorities)) {
		store__seterr(s, "priority: %s is not urgent, high, normal or low", priority);
		return STORE_ERR;
	}
	if (max == 0 || after >= upto)
		return STORE_OK;
	/* The unary + keeps the planner on the rowid range: a page costs the
	 * rows between after and its last id, never a sort of the whole status. */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, priority
	        ? "SELECT id FROM messages WHERE id > ?1 AND id <= ?2 AND +status = ?3 "
	          "AND +priority = ?4 ORDER BY id LIMIT ?5"
	        : "SELECT id FROM messages WHERE id > ?1 AND id <= ?2 AND +status = ?3 "
	          "ORDER BY id LIMIT ?5", -1, &st, NULL) != SQLITE_OK)
		return store__dberr(s, "preparing a statement");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, upto);
	store__bind_text(st, 3, status);
	if (priority)
		store__bind_text(st, 4, priority);
	sqlite3_bind_int64(st, 5, max > (size_t)INT64_MAX ? INT64_MAX : (int64_t)max);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK
	                                             : store__dberr(s, "listing message ids");
}

/* ---- Spend -------------------------------------------------------------------- */

int lite_spend_since(struct store *s, const char *since, long long *spent)
{
	char t[TIME_LEN];
	*spent = 0;
	if (!since || store__time_norm(since, t)) {
		store__seterr(s, "%s: not an RFC 3339 time", since ? since : "(none)");
		return STORE_ERR;
	}
	sqlite3_stmt *st = store__stmt(s, list_sql, ST_SPEND_SINCE);
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, t);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*spent = sqlite3_column_int64(st, 0);
	store__done(st);
	return rc == SQLITE_ROW ? STORE_OK : store__dberr(s, "summing spend");
}

