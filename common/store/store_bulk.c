/* store_bulk — many messages stored at once (sms-stage): the same checks,
 * defaults and "created" events as one store_msg_insert each, with many rows
 * to each INSERT. See store.h. */
#include "store.h"
#include "store_internal.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* Rows per INSERT. SQLite sets a statement up, and builds the lookup tables of
 * the CHECK (... IN (...)) lists, once per execution: for a staged message
 * that costs more than the row itself, so many rows share one execution. */
#define BULK_ROWS 20

/* The values of one record, checked and defaulted as store_msg_insert does
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

static sqlite3_stmt *bulk_prepare(struct store *s, int events, size_t rows)
{
	struct strbuf b;
	strbuf_init(&b);
	if (events) {
		strbuf_puts(&b, "INSERT INTO events (message_id, at, kind, status, detail) VALUES ");
		for (size_t r = 0; r < rows; r++)
			strbuf_puts(&b, r ? ", (?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?)");
	} else {
		strbuf_puts(&b, "INSERT INTO messages (id");
		/* Parameter r * (NCOLS + 1) + 1 is row r's id, the next NCOLS its
		 * columns; a generated column's is left unused. */
		for (size_t i = 0; i < NCOLS; i++)
			if (!(store__mcols[i].flags & F_GEN))
				strbuf_printf(&b, ", %s", store__mcols[i].col);
		strbuf_puts(&b, ") VALUES ");
		for (size_t r = 0; r < rows; r++) {
			size_t p = r * (NCOLS + 1) + 1;
			strbuf_printf(&b, r ? ", (?%zu" : "(?%zu", p);
			for (size_t i = 0; i < NCOLS; i++)
				if (!(store__mcols[i].flags & F_GEN))
					strbuf_printf(&b, ", ?%zu", p + 1 + i);
			strbuf_putc(&b, ')');
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, b.s, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store__dberr(s, "preparing a statement");
		sqlite3_finalize(st);
		st = NULL;
	}
	strbuf_free(&b);
	return st;
}

/* Inside op_begin/op_end: the rows and their "created" events, BULK_ROWS at
 * a time, each group checked as it goes (a bad record rolls all back). */
static int bulk_insert(struct store *s, const cJSON *const *recs, size_t n, int64_t *ids,
                       const char *now)
{
	int64_t base = 0;
	sqlite3_stmt *st = NULL, *ev = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) FROM messages", -1, &st,
	                       NULL) != SQLITE_OK)
		return store__dberr(s, "preparing a statement");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		base = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_ROW)
		return store__dberr(s, "reading the last message id");
	if (base > INT64_MAX - (int64_t)n) {
		store__seterr(s, "storing messages: message ids are exhausted");
		return STORE_ERR;
	}
	int maxvars = sqlite3_limit(s->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	size_t per = (size_t)maxvars / (NCOLS + 1);
	if (per > BULK_ROWS)
		per = BULK_ROWS;
	if (per < 1)
		per = 1;
	struct val v[BULK_ROWS][NCOLS];
	char detail[BULK_ROWS][64];
	size_t have = 0;
	rc = STORE_OK;
	for (size_t off = 0; off < n && rc == STORE_OK; off += have) {
		size_t k = n - off < per ? n - off : per;
		if (k != have || !st) {
			sqlite3_finalize(st);
			sqlite3_finalize(ev);
			st = bulk_prepare(s, 0, k);
			ev = st ? bulk_prepare(s, 1, k) : NULL;
			if (!ev) {
				rc = STORE_ERR;
				break;
			}
			have = k;
		}
		memset(v, 0, sizeof v);
		for (size_t r = 0; r < k && rc == STORE_OK; r++) {
			if (bulk_vals(s, recs[off + r], v[r], now) != 0) {
				char keep[sizeof s->h.errbuf];
				memcpy(keep, s->h.errbuf, sizeof keep);
				store__seterr(s, "record %zu: %s", off + r + 1, keep);
				rc = STORE_ERR;
				break;
			}
			int col = (int)(r * (NCOLS + 1)) + 1;
			sqlite3_bind_int64(st, col, base + 1 + (int64_t)(off + r));
			for (size_t i = 0; i < NCOLS; i++)
				store__bind_val(st, col + 1 + (int)i, &v[r][i]);
			int e = (int)r * 5 + 1;
			snprintf(detail[r], sizeof detail[r], "{\"direction\":\"%s\"}", v[r][C_DIRECTION].t);
			sqlite3_bind_int64(ev, e, base + 1 + (int64_t)(off + r));
			store__bind_text(ev, e + 1, now);
			store__bind_text(ev, e + 2, "created");
			store__bind_text(ev, e + 3, v[r][C_STATUS].t);
			store__bind_text(ev, e + 4, detail[r]);
		}
		if (rc == STORE_OK && sqlite3_step(st) != SQLITE_DONE) {
			if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
				store__seterr(s, "reply_to: one of the messages replied to does not "
				                 "exist");
			else
				store__dberr(s, "storing the messages");
			rc = STORE_ERR;
		} else if (rc == STORE_OK && sqlite3_step(ev) != SQLITE_DONE) {
			rc = store__dberr(s, "appending events");
		}
		sqlite3_reset(st);
		sqlite3_reset(ev);
		for (size_t r = 0; r < k; r++)
			store__vals_free(v[r]);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ev);
	if (rc == STORE_OK)
		for (size_t i = 0; i < n; i++)
			ids[i] = base + 1 + (int64_t)i;
	return rc;
}

int lite_msg_insert_many(struct store *s, const cJSON *const *recs, size_t n, int64_t *ids)
{
	if (n == 0)
		return STORE_OK;
	char now[TIME_LEN];
	store__now(now);
	int own, rc = store__op_begin(s, &own);
	if (rc == STORE_OK)
		rc = store__op_end(s, own, bulk_insert(s, recs, n, ids, now));
	return rc;
}

/* Opt-outs of many numbers (sms-stage's batch): SQLite has no round trips
 * to save, so one check each. */
int lite_optout_check_many(struct store *s, const char *const *numbers, size_t n,
                           unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int rc = lite_optout_check(s, numbers[i]);
		if (rc < 0)
			return STORE_ERR;
		out[i] = rc == 1;
	}
	return STORE_OK;
}
