/* store_pg_maint_rows — the PostgreSQL side of the store's upkeep row by row
 * (store_pg.h): everything held about one number (export and erase) and the
 * pruning of old messages, both in batches of STORE_MAINT_BATCH messages per
 * transaction. The same records, order and counts as the SQLite side
 * (store_maint_rows.c, sms-store(1)); events.detail, text in the store, is
 * read as jsonb here where SQLite reads it with json_each. See store_maint.h. */
#include "store_maint.h"
#include "store_pg.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- What names a number ----------------------------------------------------------
 * $1 is the number in E.164 ("+15551234567"), $2 its digits without the "+",
 * as some providers write it (Vonage's msisdn). A person's number is also
 * their WhatsApp address, "whatsapp:" and the number: both are theirs. */
#define ADDRESSES "($1::text, 'whatsapp:' || $1::text)"

/* A message to or from the number, on either channel: on messages_to and
 * messages_from. Takes $1 only. */
#define MSG_OF_NUMBER "SELECT id FROM messages WHERE to_number IN " ADDRESSES \
                      " UNION SELECT id FROM messages WHERE from_number IN " ADDRESSES

/* The events of no message whose detail names the number: a top-level
 * string that is the number, its digits or its WhatsApp address (a
 * provider's From, To, msisdn; an opt-out's number), as SQLite's json_each
 * finds them: the values of an object, the elements of an array, or the
 * detail itself when it is a string. The LIKE on the digits, which every
 * form holds, finds the few that may; each is then read as JSON here, not
 * cast to jsonb in the query, since one detail that is not JSON would make
 * the cast, and with it the whole statement, fail (SQLite's json_valid
 * passes it by). Takes $1, the digits. */
#define EVENT_MAY_NAME "FROM events WHERE message_id IS NULL AND detail LIKE '%' || $1::text || '%'"

/* A key/value entry whose key has the number as one of its dot-separated
 * words ("vonage.concat.15551234567.ref"). Takes $1 and $2. */
#define KV_NAMES_NUMBER "(strpos('.' || key || '.', '.' || $1::text || '.') > 0 " \
                        "OR strpos('.' || key || '.', '.' || $2::text || '.') > 0)"

#define EVENT_COLS "id, message_id, at, kind, status, detail"

/* The number's parameters: $1, and $2 (its digits) when digits. */
static void number_args(struct pgs_args *a, const char *number, int digits)
{
	a->n = 0;
	pgs_arg(a, number);
	if (digits)
		pgs_arg(a, number[0] == '+' ? number + 1 : number);
}

/* 1 when the JSON value v is a string that names number. */
static int names(const cJSON *v, const char *number)
{
	if (!cJSON_IsString(v))
		return 0;
	const char *t = v->valuestring;
	return strcmp(t, number) == 0 || strcmp(t, number + 1) == 0 ||
	       (strncmp(t, "whatsapp:", 9) == 0 && strcmp(t + 9, number) == 0);
}

/* The ids of the events of no message whose detail names number, as a
 * PostgreSQL array's text ("{1,2}", to free), all of them or (erase) all but
 * the "optout" and "optin" events; *n: how many. */
static char *named_events(struct store *s, const char *number, int erase, long long *n)
{
	static const char *const sql[2] = {
		"SELECT id, detail " EVENT_MAY_NAME " ORDER BY id",
		"SELECT id, detail " EVENT_MAY_NAME " AND kind NOT IN ('optout', 'optin') ORDER BY id",
	};
	*n = 0;
	struct pgs_args a = {0};
	pgs_arg(&a, number + 1);
	PGresult *r = pgs_q(s, "reading events", sql[erase != 0], &a);
	if (!r)
		return NULL;
	struct strbuf b;
	strbuf_init(&b);
	strbuf_putc(&b, '{');
	for (int i = 0; i < PQntuples(r); i++) {
		cJSON *d = cJSON_Parse(PQgetvalue(r, i, 1));
		int hit = names(d, number);
		const cJSON *v;
		if (cJSON_IsObject(d) || cJSON_IsArray(d))
			cJSON_ArrayForEach(v, d) hit = hit || names(v, number);
		cJSON_Delete(d);
		if (!hit)
			continue;
		if ((*n)++)
			strbuf_putc(&b, ',');
		strbuf_puts(&b, PQgetvalue(r, i, 0));
	}
	PQclear(r);
	strbuf_putc(&b, '}');
	return strbuf_detach(&b);
}

/* One count from sql with a's parameters. */
static int count_of(struct store *s, const char *sql, const struct pgs_args *a, long long *n)
{
	PGresult *r = pgs_q(s, "counting", sql, a);
	*n = r && PQntuples(r) == 1 ? pgs_int(r, 0, 0) : 0;
	PQclear(r);
	return r ? STORE_OK : STORE_ERR;
}

/* ---- Export ------------------------------------------------------------------------ */

static cJSON *text_or_null(const PGresult *r, int row, int col)
{
	const char *t = pgs_text(r, row, col);
	return t ? cJSON_CreateString(t) : cJSON_CreateNull();
}

/* A new object: "type" first, then rec's members (rec is freed). */
static cJSON *typed(const char *type, cJSON *rec)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", type);
	while (rec && rec->child) {
		cJSON *it = cJSON_DetachItemViaPointer(rec, rec->child);
		cJSON_AddItemToObject(o, it->string, it);
	}
	cJSON_Delete(rec);
	return o;
}

static cJSON *message_record(const PGresult *r, int row)
{
	return typed("message", pgs_msg_rec(r, row, 0));
}

static cJSON *event_record(const PGresult *r, int row)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "event");
	cJSON_AddNumberToObject(o, "id", (double)pgs_int(r, row, 0));
	if (pgs_null(r, row, 1))
		cJSON_AddNullToObject(o, "message_id");
	else
		cJSON_AddNumberToObject(o, "message_id", (double)pgs_int(r, row, 1));
	cJSON_AddItemToObject(o, "at", text_or_null(r, row, 2));
	cJSON_AddItemToObject(o, "kind", text_or_null(r, row, 3));
	cJSON_AddItemToObject(o, "status", text_or_null(r, row, 4));
	const char *d = pgs_text(r, row, 5);
	cJSON *dj = d ? cJSON_Parse(d) : NULL;
	if (d && !dj)
		dj = cJSON_CreateString(d); /* kept as it is when it is not JSON */
	cJSON_AddItemToObject(o, "detail", dj ? dj : cJSON_CreateNull());
	return o;
}

/* Records of columns named in order (the first is "type"). */
static cJSON *columns_record(const PGresult *r, int row, const char *const *names)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", names[0]);
	for (int i = 1; names[i]; i++)
		cJSON_AddItemToObject(o, names[i], text_or_null(r, row, i - 1));
	return o;
}

static cJSON *optout_record(const PGresult *r, int row)
{
	static const char *const names[] = {"optout", "number", "at", "source", NULL};
	return columns_record(r, row, names);
}

/* A row of the consent log, which erase keeps. */
static cJSON *consent_record(const PGresult *r, int row)
{
	static const char *const names[] = {"consent", "number", "at", "kind", "source",
	                                    "evidence", "recorded_at", NULL};
	return columns_record(r, row, names);
}

static cJSON *kv_record(const PGresult *r, int row)
{
	static const char *const names[] = {"kv", "key", "value", "updated_at", NULL};
	return columns_record(r, row, names);
}

/* Calls fn with a record per row of sql, made by make. */
static int each_row(struct store *s, const char *sql, const struct pgs_args *a,
                    cJSON *(*make)(const PGresult *r, int row), int (*fn)(cJSON *, void *),
                    void *arg, int *stop)
{
	if (*stop)
		return STORE_OK;
	PGresult *r = pgs_q(s, "exporting", sql, a);
	if (!r)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r) && !*stop; i++)
		*stop = fn(make(r, i), arg);
	PQclear(r);
	return STORE_OK;
}

int pgs_export_number(struct store *s, const char *number, int (*fn)(cJSON *rec, void *arg),
                      void *arg)
{
	if (store__e164_check(s, number))
		return STORE_ERR;
	if (pgs_txn_open(s)) {
		store__seterr(s, "an export cannot run inside a transaction");
		return STORE_ERR;
	}
	/* One snapshot for every record. */
	if (pgs_exec(s, "starting the export", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	             NULL, NULL))
		return STORE_ERR;
	struct pgs_args one, two;
	number_args(&one, number, 0);
	number_args(&two, number, 1);
	int stop = 0;
	int rc = each_row(s, "SELECT " PGS_MSG_COLS " FROM messages WHERE id IN (" MSG_OF_NUMBER
	                  ") ORDER BY created_at, id", &one, message_record, fn, arg, &stop);
	long long nnamed;
	char *named = rc == STORE_OK ? named_events(s, number, 0, &nnamed) : NULL;
	if (rc == STORE_OK && !named)
		rc = STORE_ERR;
	if (rc == STORE_OK) {
		struct pgs_args ev = one;
		pgs_arg(&ev, named);
		rc = each_row(s, "SELECT " EVENT_COLS " FROM events WHERE message_id IN ("
		              MSG_OF_NUMBER ") UNION ALL SELECT " EVENT_COLS " FROM events WHERE "
		              "id = ANY ($2::bigint[]) ORDER BY id", &ev, event_record, fn, arg,
		              &stop);
	}
	free(named);
	/* COLLATE "C": in bytes, as SQLite orders text, whatever the database's locale. */
	if (rc == STORE_OK)
		rc = each_row(s, "SELECT number, at, source FROM optouts WHERE number IN " ADDRESSES
		              " ORDER BY number COLLATE \"C\"", &one, optout_record, fn, arg, &stop);
	if (rc == STORE_OK)
		rc = each_row(s, "SELECT number, at, kind, source, evidence, recorded_at FROM consents "
		              "WHERE number IN " ADDRESSES " ORDER BY number COLLATE \"C\", "
		              "at COLLATE \"C\", id", &one, consent_record, fn, arg, &stop);
	if (rc == STORE_OK)
		rc = each_row(s, "SELECT key, value, updated_at FROM kv WHERE " KV_NAMES_NUMBER
		              " ORDER BY key COLLATE \"C\"", &two, kv_record, fn, arg, &stop);
	if (rc == STORE_OK)
		return pgs_commit(s);
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	pgs_rollback(s);
	memcpy(s->h.errbuf, keep, sizeof keep);
	return rc;
}

/* ---- Erase -------------------------------------------------------------------------- */

static int erase_counts(struct store *s, const char *number, struct store_removed *out)
{
	struct pgs_args one, two;
	number_args(&one, number, 0);
	number_args(&two, number, 1);
	if (count_of(s, "SELECT count(*) FROM (" MSG_OF_NUMBER ") m", &one, &out->messages) ||
	    count_of(s, "SELECT count(*) FROM events WHERE message_id IN (" MSG_OF_NUMBER ")", &one,
	             &out->events) ||
	    count_of(s, "SELECT count(*) FROM kv WHERE " KV_NAMES_NUMBER, &two, &out->kv))
		return STORE_ERR;
	/* Its events of no message that go: all but its opt-out's record. */
	char *named = named_events(s, number, 1, &out->other_events);
	int rc = named ? STORE_OK : STORE_ERR;
	free(named);
	return rc;
}

/* Rolls back the transaction a failed step left, keeping the step's error. */
static int fail_rollback(struct store *s)
{
	char keep[sizeof s->h.errbuf];
	memcpy(keep, s->h.errbuf, sizeof keep);
	store_rollback(s);
	memcpy(s->h.errbuf, keep, sizeof keep);
	return STORE_ERR;
}

/* One batch: up to STORE_MAINT_BATCH of the number's messages and their
 * events, in one transaction under the write lock; *n gets the messages
 * removed (0: none left). */
static int erase_batch(struct store *s, const char *number, struct store_removed *out,
                       long long *n)
{
	static const char ids_sql[] = "SELECT coalesce(array_agg(id), '{}') FROM (SELECT id FROM ("
	                              MSG_OF_NUMBER ") m LIMIT 1000) b";
	_Static_assert(STORE_MAINT_BATCH == 1000, "the LIMIT of ids_sql");
	*n = 0;
	if (store_begin_immediate(s))
		return STORE_ERR;
	struct pgs_args one, ids = {0};
	number_args(&one, number, 0);
	PGresult *r = pgs_q(s, "erasing messages", ids_sql, &one);
	if (!r)
		return fail_rollback(s);
	char *list = xstrdup(PQgetvalue(r, 0, 0)); /* "{1,2,3}" */
	PQclear(r);
	pgs_arg(&ids, list);
	long long events = 0;
	/* The events go by the foreign key's ON DELETE CASCADE: counted first. */
	int rc = count_of(s, "SELECT count(*) FROM events WHERE message_id = ANY ($1::bigint[])",
	                  &ids, &events);
	if (rc == STORE_OK)
		rc = pgs_exec(s, "erasing messages",
		              "DELETE FROM messages WHERE id = ANY ($1::bigint[])", &ids, n);
	free(list);
	if (rc != STORE_OK)
		return fail_rollback(s);
	if (store_commit(s))
		return STORE_ERR;
	out->messages += *n;
	out->events += events;
	return STORE_OK;
}

int pgs_erase_number(struct store *s, const char *number, int dry, store_progress_fn fn,
                     void *arg, struct store_removed *out)
{
	memset(out, 0, sizeof *out);
	if (store__e164_check(s, number))
		return STORE_ERR;
	if (dry)
		return erase_counts(s, number, out);
	struct pgs_args one, two;
	number_args(&one, number, 0);
	number_args(&two, number, 1);
	long long total = 0, n;
	if (count_of(s, "SELECT count(*) FROM (" MSG_OF_NUMBER ") m", &one, &total))
		return STORE_ERR;
	do {
		if (erase_batch(s, number, out, &n))
			return STORE_ERR;
		if (fn)
			fn(out->messages, total, arg);
	} while (n > 0);
	/* The rest is small: one transaction. */
	if (store_begin_immediate(s))
		return STORE_ERR;
	long long n_named;
	char *named = named_events(s, number, 1, &n_named);
	if (!named)
		return fail_rollback(s);
	struct pgs_args ev = {0};
	pgs_arg(&ev, named);
	int rc = pgs_exec(s, "erasing", "DELETE FROM events WHERE id = ANY ($1::bigint[])", &ev,
	                  &out->other_events);
	free(named);
	if (rc || pgs_exec(s, "erasing", "DELETE FROM kv WHERE " KV_NAMES_NUMBER, &two, &out->kv))
		return fail_rollback(s);
	return store_commit(s);
}

/* ---- Prune ---------------------------------------------------------------------------- */

/* store_prune_statuses, as SQL (the list itself is the SQLite side's). */
#define PRUNE_STATUS "status IN ('rejected', 'sent', 'delivered', 'undelivered', 'read', " \
                     "'failed', 'canceled', 'unknown', 'received')"
/* $1: the time before which a message is old. */
#define PRUNE_OLD "created_at < $1::text AND " PRUNE_STATUS
/* Events of no message that prune removes. */
#define PRUNE_EVENTS "FROM events WHERE message_id IS NULL AND kind = 'webhook' AND at < $1::text"

static int prune_counts(struct store *s, const struct pgs_args *b, struct store_removed *out)
{
	if (count_of(s, "SELECT count(*) FROM messages WHERE " PRUNE_OLD, b, &out->messages) ||
	    count_of(s, "SELECT count(*) FROM events WHERE message_id IN (SELECT id FROM messages "
	             "WHERE " PRUNE_OLD ")", b, &out->events) ||
	    count_of(s, "SELECT count(*) " PRUNE_EVENTS, b, &out->other_events))
		return STORE_ERR;
	return STORE_OK;
}

/* The id that ends the next batch after lo: the STORE_MAINT_BATCH-th old
 * message after it in id order, or the last; 0 when none is left. Read
 * outside the write lock: the batch's DELETE checks every row again. */
static int prune_next(struct store *s, long long lo, const char *before, long long *hi)
{
	struct pgs_args a = {0};
	pgs_arg(&a, before);
	pgs_argi(&a, lo);
	pgs_argi(&a, STORE_MAINT_BATCH);
	return count_of(s, "SELECT max(id) FROM (SELECT id FROM messages WHERE id > $2::bigint AND "
	                PRUNE_OLD " ORDER BY id LIMIT $3::bigint) b", &a, hi);
}

/* Removes the old messages with lo < id <= hi, and their events. */
static int prune_batch(struct store *s, long long lo, long long hi, const char *before,
                       struct store_removed *out)
{
	struct pgs_args a = {0};
	pgs_arg(&a, before);
	pgs_argi(&a, lo);
	pgs_argi(&a, hi);
	if (store_begin_immediate(s))
		return STORE_ERR;
	long long events = 0, messages = 0;
	if (count_of(s, "SELECT count(*) FROM events WHERE message_id IN (SELECT id FROM messages "
	             "WHERE id > $2::bigint AND id <= $3::bigint AND " PRUNE_OLD ")", &a, &events) ||
	    pgs_exec(s, "pruning", "DELETE FROM messages WHERE id > $2::bigint AND id <= $3::bigint "
	             "AND " PRUNE_OLD, &a, &messages))
		return fail_rollback(s);
	if (store_commit(s))
		return STORE_ERR;
	out->events += events;
	out->messages += messages;
	return STORE_OK;
}

int pgs_prune(struct store *s, const char *before, int dry, store_progress_fn fn, void *arg,
              struct store_removed *out)
{
	memset(out, 0, sizeof *out);
	char b[TIME_LEN];
	if (store__time_norm(before, b) != 0) {
		store__seterr(s, "%s: not a time", before);
		return STORE_ERR;
	}
	struct pgs_args a = {0};
	pgs_arg(&a, b);
	if (dry) {
		if (prune_counts(s, &a, out))
			return STORE_ERR;
	} else {
		long long lo = 0, hi, total = 0;
		if (fn && count_of(s, "SELECT count(*) FROM messages WHERE " PRUNE_OLD, &a, &total))
			return STORE_ERR;
		for (;;) {
			if (prune_next(s, lo, b, &hi))
				return STORE_ERR;
			if (hi == 0)
				break;
			if (prune_batch(s, lo, hi, b, out))
				return STORE_ERR;
			lo = hi;
			if (fn)
				fn(out->messages, total, arg);
		}
		/* Events of no message, in batches too: there may be many. */
		long long n;
		do {
			if (pgs_exec(s, "pruning", "DELETE FROM events WHERE id IN (SELECT id " PRUNE_EVENTS
			             " LIMIT 1000)", &a, &n))
				return STORE_ERR;
			out->other_events += n;
		} while (n > 0);
	}
	return count_of(s, "SELECT count(*) FROM messages WHERE created_at < $1::text AND NOT "
	                PRUNE_STATUS, &a, &out->kept_in_flight);
}
