/* store_pg_bulk — the PostgreSQL backend's bulk insert (sms-stage): many
 * messages stored at once with the same checks, defaults, sentences and
 * "created" events as one pgs_msg_insert each (store.h, and SQLite's
 * store_bulk.c). Up to PGS_BULK_ROWS rows go to the server as one JSON
 * parameter, and one statement stores them and their events: a round trip
 * and a statement per row would cost more than the rows themselves. */
#include "store_pg.h"
#include "records.h"
#include "util.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PGS_BULK_ROWS 1000 /* rows per statement */

/* $1: a JSON array of rows, each an object of column names (json_str, or a
 * number), NULL columns left out; $2: now. The rows are inserted in their
 * order (ORDER BY ordinality), so that their ids rise with it, and each
 * gets its event in the same statement. Built from store__mcols once per
 * process (pgs_q keys its statements by the text's address). */
static char *bulk_sql;
static pthread_once_t bulk_once = PTHREAD_ONCE_INIT;

static void build_bulk(void)
{
	struct strbuf cols;
	strbuf_init(&cols);
	for (size_t i = 0; i < NCOLS; i++)
		if (!(store__mcols[i].flags & F_GEN))
			strbuf_printf(&cols, "%s%s", cols.len ? ", " : "", store__mcols[i].col);
	struct strbuf b;
	strbuf_init(&b);
	strbuf_printf(&b,
	              "WITH m AS (INSERT INTO messages (%s) SELECT %s "
	              "FROM json_populate_recordset(NULL::messages, $1::json) WITH ORDINALITY AS r "
	              "ORDER BY r.ordinality RETURNING id, status, direction), "
	              "e AS (INSERT INTO events (message_id, at, kind, status, detail) "
	              "SELECT id, $2::text, 'created', status, "
	              "'{\"direction\":\"' || direction || '\"}' FROM m ORDER BY id) "
	              "SELECT id FROM m ORDER BY id",
	              cols.s, cols.s);
	strbuf_free(&cols);
	bulk_sql = strbuf_detach(&b);
}

/* The values of one record, checked and defaulted as pgs_msg_insert does
 * (store__insert_vals); now must outlive the values. */
static int bulk_vals(struct store *s, const cJSON *rec, struct val *v, const char *now)
{
	if (store__insert_vals(s, rec, v, now))
		return -1;
	if (v[C_PROVIDER_ID].t) {
		/* Those may already be stored (a webhook retry): store_msg_insert. */
		store__seterr(s, "provider_id: a bulk insert takes messages without one");
		return -1;
	}
	return 0;
}

/* Appends the row of values v to the JSON array in b, and its reply_to, if
 * any, to the array literal in replies. */
static void bulk_row(struct strbuf *b, struct strbuf *replies, const struct val *v)
{
	if (b->len > 1)
		strbuf_putc(b, ',');
	strbuf_putc(b, '{');
	int n = 0;
	for (size_t i = 0; i < NCOLS; i++) {
		if ((store__mcols[i].flags & F_GEN) || v[i].type == V_NULL)
			continue;
		if (n++)
			strbuf_putc(b, ',');
		json_str(b, store__mcols[i].col, strlen(store__mcols[i].col));
		strbuf_putc(b, ':');
		if (v[i].type == V_INT)
			strbuf_printf(b, "%" PRId64, v[i].i);
		else
			json_str(b, v[i].t, strlen(v[i].t));
	}
	strbuf_putc(b, '}');
	if (v[C_REPLY_TO].type == V_INT)
		strbuf_printf(replies, "%s%" PRId64, replies->len > 1 ? "," : "", v[C_REPLY_TO].i);
}

/* 1 when every message replied to ("{id,...}") is stored, 0 when one is
 * not, STORE_ERR: asked first, since a failed statement would spoil the
 * caller's transaction. */
static int replies_exist(struct store *s, const char *ids)
{
	struct pgs_args a = {0};
	pgs_arg(&a, ids);
	PGresult *r = pgs_q(s, "reading the messages replied to",
	                    "SELECT 1 FROM unnest($1::bigint[]) AS x "
	                    "WHERE NOT EXISTS (SELECT 1 FROM messages WHERE id = x) LIMIT 1",
	                    &a);
	if (!r)
		return STORE_ERR;
	int missing = PQntuples(r) > 0;
	PQclear(r);
	return !missing;
}

/* Stores recs[0..k) (the first numbered first + 1 in sentences), ids in order. */
static int bulk_chunk(struct store *s, const cJSON *const *recs, size_t k, size_t first,
                      int64_t *ids, const char *now)
{
	struct strbuf b, replies;
	strbuf_init(&b);
	strbuf_init(&replies);
	strbuf_putc(&b, '[');
	strbuf_putc(&replies, '{');
	int rc = STORE_OK;
	for (size_t r = 0; r < k && rc == STORE_OK; r++) {
		struct val v[NCOLS];
		memset(v, 0, sizeof v);
		if (bulk_vals(s, recs[r], v, now) != 0) {
			char keep[sizeof s->h.errbuf];
			memcpy(keep, s->h.errbuf, sizeof keep);
			store__seterr(s, "record %zu: %s", first + r + 1, keep);
			rc = STORE_ERR;
		} else {
			bulk_row(&b, &replies, v);
		}
		store__vals_free(v);
	}
	strbuf_putc(&b, ']');
	strbuf_putc(&replies, '}');
	if (rc == STORE_OK && replies.len > 2) {
		int ok = replies_exist(s, replies.s);
		if (ok == 0)
			store__seterr(s, "reply_to: one of the messages replied to does not exist");
		if (ok != 1)
			rc = STORE_ERR;
	}
	PGresult *res = NULL;
	if (rc == STORE_OK) {
		struct pgs_args a = {0};
		pgs_arg(&a, b.s);
		pgs_arg(&a, now);
		res = pgs_q(s, "storing the messages", bulk_sql, &a);
		if (!res) {
			if (pgs_fk_violation(s)) /* one went in between */
				store__seterr(s, "reply_to: one of the messages replied to does not exist");
			rc = STORE_ERR;
		}
	}
	if (res && (size_t)PQntuples(res) != k) {
		store__seterr(s, "storing the messages: %d of %zu stored", PQntuples(res), k);
		rc = STORE_ERR;
	}
	for (size_t r = 0; rc == STORE_OK && r < k; r++)
		ids[r] = pgs_int(res, (int)r, 0);
	if (res)
		PQclear(res);
	strbuf_free(&b);
	strbuf_free(&replies);
	return rc;
}

int pgs_msg_insert_many(struct store *s, const cJSON *const *recs, size_t n, int64_t *ids)
{
	if (n == 0)
		return STORE_OK;
	pthread_once(&bulk_once, build_bulk);
	char now[TIME_LEN];
	store__now(now);
	int own, rc = pgs_op_begin(s, &own);
	if (rc != STORE_OK)
		return rc;
	for (size_t off = 0; off < n && rc == STORE_OK; off += PGS_BULK_ROWS) {
		size_t k = n - off < PGS_BULK_ROWS ? n - off : PGS_BULK_ROWS;
		rc = bulk_chunk(s, recs + off, k, off, ids + off, now);
	}
	return pgs_op_end(s, own, rc);
}
