/* store_pg_list — the PostgreSQL backend's reading of messages many at a
 * time (store_pg.h): listings (sms-status, sms-inbox, the dashboard), counts
 * by status, the spend of a period (smskit-compliance(7)), the approved
 * queue and the claims of senders (sms-send), paging through a status by id
 * (sms-approve). The same results, order and error sentences as the SQLite
 * backend's store_list.c; each query is written for an index of
 * store_pg_schema.c, and the comments say which. See store.h. */
#include "store_pg.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A listing is read a page at a time: each page is one statement whose rows
 * are all in memory, turned into records, before fn sees the first of them,
 * so that fn may call back into the store (no result or cursor is open on
 * the connection while it runs). The next page goes on after the last key
 * of the page before (keyset paging), so a listing of any length costs a
 * page's rows at a time. */
#define PAGE 500

/* The message columns and the time key the merge and the paging read. */
#define LIST_COLS PGS_MSG_COLS ", created_at AS list_at"
#define COL_AT ((int)NCOLS + 1) /* list_at: after id and the NCOLS columns */

/* 1 when a message of this status can have this direction (NULL: any). */
static int status_of_direction(const char *status, const char *direction)
{
	if (!direction)
		return 1;
	return (strcmp(status, "received") == 0) == (strcmp(direction, "inbound") == 0);
}

/* Where a listing has got to: the rows still wanted, and the key of the last
 * row given (id order: its id; time order: its created_at and id). */
struct cursor {
	size_t  left;      /* rows still wanted; 0 with no limit */
	int64_t last_id;   /* 0: from the beginning */
	char    last_at[32];
	int     started;   /* a page was read: last_id and last_at are a row's */
	int     stopped;   /* fn asked to stop, or the rows ran out */
};

/* Runs one page's statement and calls fn with its records, after the result
 * is cleared. want: the page's LIMIT. STORE_OK or STORE_ERR. */
static int run_page(struct store *s, const char *sql, const struct pgs_args *a, size_t want,
                    struct cursor *c, int (*fn)(cJSON *rec, void *arg), void *arg)
{
	PGresult *r = pgs_q1(s, "listing messages", sql, a);
	if (!r)
		return STORE_ERR;
	int n = PQntuples(r);
	cJSON **recs = xcalloc(n > 0 ? (size_t)n : 1, sizeof *recs);
	for (int i = 0; i < n; i++)
		recs[i] = pgs_msg_rec(r, i, 0);
	if (n > 0) {
		c->last_id = pgs_int(r, n - 1, 0);
		const char *at = pgs_text(r, n - 1, COL_AT);
		snprintf(c->last_at, sizeof c->last_at, "%s", at ? at : "");
		c->started = 1;
	}
	PQclear(r);
	if ((size_t)n < want)
		c->stopped = 1;
	if (c->left > 0) {
		c->left -= (size_t)n < c->left ? (size_t)n : c->left;
		if (c->left == 0)
			c->stopped = 1;
	}
	int i = 0;
	while (i < n)
		if (fn(recs[i++], arg)) {
			c->stopped = 1;
			break;
		}
	for (; i < n; i++) /* those fn did not take */
		cJSON_Delete(recs[i]);
	free(recs);
	return STORE_OK;
}

/* The LIMIT of the next page. */
static size_t page_size(const struct cursor *c)
{
	return c->left > 0 && c->left < PAGE ? c->left : PAGE;
}

/* The filters of a query as parameters, shared by both orders: ids and
 * statuses as one array parameter each, so that a query of any number of
 * them is one statement. The array texts live here until the query ran. */
struct filt {
	struct pgs_args a;
	struct strbuf   ids, statuses;
	int             p_ids, p_statuses; /* their parameter numbers, 0: none */
};

static void filt_init(struct filt *f, const struct store_query *q, size_t nstatus)
{
	memset(&f->a, 0, sizeof f->a);
	strbuf_init(&f->ids);
	strbuf_init(&f->statuses);
	f->p_ids = f->p_statuses = 0;
	if (q->nids) {
		strbuf_putc(&f->ids, '{');
		for (size_t i = 0; i < q->nids; i++)
			strbuf_printf(&f->ids, "%s%lld", i ? "," : "", (long long)q->ids[i]);
		strbuf_putc(&f->ids, '}');
		pgs_arg(&f->a, f->ids.s);
		f->p_ids = f->a.n;
	}
	if (nstatus) {
		/* Checked statuses: plain words, safe in an array literal. */
		strbuf_putc(&f->statuses, '{');
		for (size_t i = 0, k = 0; i < q->nstatuses; i++)
			if (status_of_direction(q->statuses[i], q->direction))
				strbuf_printf(&f->statuses, "%s%s", k++ ? "," : "", q->statuses[i]);
		strbuf_putc(&f->statuses, '}');
		pgs_arg(&f->a, f->statuses.s);
		f->p_statuses = f->a.n;
	}
}

static void filt_free(struct filt *f)
{
	strbuf_free(&f->ids);
	strbuf_free(&f->statuses);
}

/* Adds a text parameter and returns its number. */
static int par(struct pgs_args *a, const char *t)
{
	pgs_arg(a, t);
	return a->n;
}

/* ---- Id order ------------------------------------------------------------------
 * Plans (EXPLAIN on a store of a million messages): a status list is a range
 * of messages_queue per status (= ANY of an array), its ids sorted; since is
 * ranges of messages_inbox (direction, read, created_at), hence the no-op
 * read IN (0, 1); with neither, the primary key is walked in order from the
 * last id, the other conditions filters. */
static int list_by_id(struct store *s, const struct store_query *q, const char *since,
                      size_t nstatus, int (*fn)(cJSON *rec, void *arg), void *arg)
{
	struct cursor c = {.left = q->limit, .last_id = q->after_id > 0 ? q->after_id : 0};
	int rc = STORE_OK;
	while (rc == STORE_OK && !c.stopped) {
		struct filt f;
		filt_init(&f, q, nstatus);
		struct strbuf b;
		strbuf_init(&b);
		strbuf_puts(&b, "SELECT " LIST_COLS " FROM messages WHERE TRUE");
		if (f.p_ids)
			strbuf_printf(&b, " AND id = ANY ($%d::bigint[])", f.p_ids);
		if (f.p_statuses)
			strbuf_printf(&b, " AND status = ANY ($%d::text[])", f.p_statuses);
		if (since) {
			if (q->direction)
				strbuf_printf(&b, " AND direction = $%d", par(&f.a, q->direction));
			else
				strbuf_puts(&b, " AND direction IN ('outbound', 'inbound')");
			strbuf_printf(&b, " AND read IN (0, 1) AND created_at >= $%d", par(&f.a, since));
		} else if (q->direction && !nstatus) {
			/* With statuses the direction is implied: those of the other
			 * direction were dropped. */
			strbuf_printf(&b, " AND direction = $%d", par(&f.a, q->direction));
		}
		if (q->channel)
			strbuf_printf(&b, " AND channel = $%d", par(&f.a, q->channel));
		if (c.last_id > 0) {
			pgs_argi(&f.a, c.last_id);
			strbuf_printf(&b, q->newest_first ? " AND id < $%d" : " AND id > $%d", f.a.n);
		}
		size_t want = page_size(&c);
		pgs_argi(&f.a, (int64_t)want);
		strbuf_printf(&b, "%s LIMIT $%d", q->newest_first ? " ORDER BY id DESC" : " ORDER BY id",
		              f.a.n);
		rc = run_page(s, b.s, &f.a, want, &c, fn, arg);
		strbuf_free(&b);
		filt_free(&f);
	}
	return rc;
}

/* ---- Time order (the inbox) -------------------------------------------------------
 * Each branch is one range of one index, read in index order (created_at,
 * then an incremental sort by id among equal times) and cut at the page; the
 * branches are merged by a UNION ALL that sorts at most (branches x page)
 * rows. unread is one range of messages_inbox, a direction two (read 0 and
 * 1), from one of messages_from, a thread one of messages_to and one of
 * messages_from; the second leaves out a message from the number to itself,
 * which the first has. */
static int list_by_time(struct store *s, const struct store_query *q, const char *since,
                        size_t nstatus, int (*fn)(cJSON *rec, void *arg), void *arg)
{
	if (q->after_id > 0) {
		store__seterr(s, "after_id pages in id order only, not with the inbox members of a "
		                 "query");
		return STORE_ERR;
	}
	/* Newest first, or oldest first; a tail takes the newest and turns them,
	 * in one statement (its limit is the caller's). */
	int tail = q->tail && q->limit > 0 && !q->newest_first;
	int desc = q->newest_first || tail;
	const char *order = desc ? " ORDER BY created_at DESC, id DESC"
	                         : " ORDER BY created_at, id";
	struct cursor c = {.left = q->limit};
	int rc = STORE_OK;
	while (rc == STORE_OK && !c.stopped) {
		struct filt f;
		filt_init(&f, q, nstatus);
		char keys[4][128];
		size_t nkeys = 0;
		int key_from = 0, key_unread = 0, key_dir = 0, key_state = 0;
		if (q->number) {
			int p = par(&f.a, q->number);
			snprintf(keys[nkeys++], sizeof keys[0], "to_number = $%d", p);
			snprintf(keys[nkeys++], sizeof keys[0], "from_number = $%d AND to_number <> $%d",
			         p, p);
		} else if (q->from) {
			snprintf(keys[nkeys++], sizeof keys[0], "from_number = $%d", par(&f.a, q->from));
			key_from = 1;
		} else if (q->unread) {
			snprintf(keys[nkeys++], sizeof keys[0], "direction = 'inbound' AND read = 0");
			key_unread = 1;
		} else {
			/* Each direction and read flag: the ranges of messages_inbox. A
			 * state is a condition of each: PostgreSQL's statistics tell
			 * whether to walk the range for it or to sort what messages_state
			 * finds (a state of many messages, or of few). */
			char st[32] = "";
			if (q->state) {
				snprintf(st, sizeof st, " AND state = $%d", par(&f.a, q->state));
				key_state = 1;
			}
			key_dir = 1;
			for (int d = 0; d < 2; d++) {
				const char *dir = d ? "inbound" : "outbound";
				if (q->direction && strcmp(q->direction, dir) != 0)
					continue;
				for (int rd = 0; rd < 2; rd++)
					snprintf(keys[nkeys++], sizeof keys[0],
					         "direction = '%s' AND read = %d%s", dir, rd, st);
			}
		}

		struct strbuf w; /* the conditions every branch shares */
		strbuf_init(&w);
		if (f.p_ids)
			strbuf_printf(&w, " AND id = ANY ($%d::bigint[])", f.p_ids);
		if (f.p_statuses)
			strbuf_printf(&w, " AND status = ANY ($%d::text[])", f.p_statuses);
		if (since)
			strbuf_printf(&w, " AND created_at >= $%d", par(&f.a, since));
		if (q->direction && !key_dir)
			strbuf_printf(&w, " AND direction = $%d", par(&f.a, q->direction));
		if (q->unread && !key_unread)
			strbuf_puts(&w, " AND direction = 'inbound' AND read = 0");
		if (q->from && !key_from)
			strbuf_printf(&w, " AND from_number = $%d", par(&f.a, q->from));
		if (q->channel)
			strbuf_printf(&w, " AND channel = $%d", par(&f.a, q->channel));
		if (q->state && !key_state)
			strbuf_printf(&w, " AND state = $%d", par(&f.a, q->state));
		if (c.started) {
			/* After the last row given: a range of the index's created_at,
			 * and among rows of its very time, the ids past its id. */
			int pa = par(&f.a, c.last_at);
			pgs_argi(&f.a, c.last_id);
			strbuf_printf(&w, desc ? " AND created_at <= $%d AND (created_at < $%d OR id < $%d)"
			                       : " AND created_at >= $%d AND (created_at > $%d OR id > $%d)",
			              pa, pa, f.a.n);
		}
		size_t want = tail ? q->limit : page_size(&c);
		pgs_argi(&f.a, want > (size_t)INT64_MAX ? INT64_MAX : (int64_t)want);
		int p_lim = f.a.n;

		struct strbuf b;
		strbuf_init(&b);
		if (tail)
			strbuf_puts(&b, "SELECT * FROM (");
		strbuf_puts(&b, "SELECT * FROM (");
		for (size_t k = 0; k < nkeys; k++)
			strbuf_printf(&b, "%s(SELECT " LIST_COLS " FROM messages WHERE %s%s%s LIMIT $%d)",
			              k ? " UNION ALL " : "", keys[k], w.s ? w.s : "", order, p_lim);
		strbuf_printf(&b, desc ? ") AS branches ORDER BY list_at DESC, id DESC LIMIT $%d"
		                       : ") AS branches ORDER BY list_at, id LIMIT $%d", p_lim);
		if (tail)
			strbuf_puts(&b, ") AS newest ORDER BY list_at, id");
		rc = run_page(s, b.s, &f.a, want, &c, fn, arg);
		if (tail)
			c.stopped = 1;
		strbuf_free(&b);
		strbuf_free(&w);
		filt_free(&f);
	}
	return rc;
}

int pgs_msg_list(struct store *s, const struct store_query *q,
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
		return STORE_OK; /* only statuses of the other direction: nothing */
	if (q->from || q->number || q->unread || q->by_time || q->state)
		return list_by_time(s, q, q->since ? since : NULL, nstatus, fn, arg);
	return list_by_id(s, q, q->since ? since : NULL, nstatus, fn, arg);
}

/* ---- Counts ------------------------------------------------------------------- */

int pgs_status_counts(struct store *s, const char *direction,
                      int (*fn)(const char *status, long long n, void *arg), void *arg)
{
	if (direction && !store__word_in(direction, store__directions)) {
		store__seterr(s, "direction: %s is not outbound or inbound", direction);
		return STORE_ERR;
	}
	/* The status implies the direction: messages_queue answers alone. */
	const char *sql = !direction ? "SELECT status, count(*) FROM messages GROUP BY status"
	                  : strcmp(direction, "inbound") == 0
	                          ? "SELECT status, count(*) FROM messages "
	                            "WHERE status = 'received' GROUP BY status"
	                          : "SELECT status, count(*) FROM messages "
	                            "WHERE status <> 'received' GROUP BY status";
	PGresult *r = pgs_q(s, "counting messages", sql, NULL);
	if (!r)
		return STORE_ERR;
	long long n[STORE_NSTATUS] = {0};
	for (int row = 0; row < PQntuples(r); row++) {
		const char *status = pgs_text(r, row, 0);
		for (size_t i = 0; status && i < STORE_NSTATUS; i++)
			if (strcmp(store__statuses[i], status) == 0)
				n[i] = pgs_int(r, row, 1);
	}
	PQclear(r);
	/* In lifecycle order (store__statuses), whatever order the groups came in. */
	for (size_t i = 0; i < STORE_NSTATUS; i++)
		if (n[i] > 0 && fn(store__statuses[i], n[i], arg))
			break;
	return STORE_OK;
}

/* ---- Spend ---------------------------------------------------------------------- */

/* Money in millionths, exact: numeric arithmetic on the decimal text, the
 * provider's price when known (Twilio's is negative), else the estimate; a
 * text that is no decimal (never stored by smskit) counts 0, as SQLite's
 * CAST makes it. The time expression and the conditions are those of the
 * messages_spend partial index, word for word, so that PostgreSQL matches
 * the index to the query and reads only the period's rows. */
#define SPEND_PRICE "coalesce(price, price_estimate)"
static const char spend_sql[] =
	"SELECT coalesce(sum(CASE WHEN " SPEND_PRICE " ~ '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)$' "
	"THEN round(abs(" SPEND_PRICE "::numeric) * 1000000) ELSE 0 END), 0)::bigint "
	"FROM messages WHERE direction = 'outbound' AND status IN ('sending', 'queued', "
	"'scheduled', 'sent', 'delivered', 'undelivered', 'unknown', 'read') "
	"AND coalesce(sent_at, claimed_at, created_at) >= $1";

int pgs_spend_since(struct store *s, const char *since, long long *spent)
{
	char t[TIME_LEN];
	*spent = 0;
	if (!since || store__time_norm(since, t)) {
		store__seterr(s, "%s: not an RFC 3339 time", since ? since : "(none)");
		return STORE_ERR;
	}
	struct pgs_args a = {0};
	pgs_arg(&a, t);
	PGresult *r = pgs_q(s, "summing spend", spend_sql, &a);
	if (!r)
		return STORE_ERR;
	*spent = PQntuples(r) == 1 ? pgs_int(r, 0, 0) : 0;
	PQclear(r);
	return STORE_OK;
}

/* ---- The approved queue ------------------------------------------------------------ */

/* The order the queue is sent in; messages_queue (status, priority_rank DESC,
 * created_at) serves it without a sort of the status. */
#define QUEUE_DUE "FROM messages WHERE status = 'approved' AND direction = 'outbound' " \
	"AND (send_at IS NULL OR send_at <= $1)"

/* FOR UPDATE SKIP LOCKED: the rows a sender takes stay locked until its
 * transaction ends, and another sender's, on any host, passes them by; a
 * row claimed and committed meanwhile is read again at its newest version
 * and no longer approved. The write lock of store_begin_immediate already
 * makes the senders take turns: this holds even for a caller without it. */
static const char due_sql[] =
	"SELECT id " QUEUE_DUE " ORDER BY priority_rank DESC, created_at, id LIMIT $2 "
	"FOR UPDATE SKIP LOCKED";

int pgs_queue_due(struct store *s, const char *now, int64_t *ids, size_t max, size_t *n)
{
	char t[TIME_LEN];
	*n = 0;
	if (store__time_norm(now, t)) {
		store__seterr(s, "%s: not an RFC 3339 time", now);
		return STORE_ERR;
	}
	struct pgs_args a = {0};
	pgs_arg(&a, t);
	pgs_argi(&a, max > (size_t)INT64_MAX ? INT64_MAX : (int64_t)max);
	PGresult *r = pgs_q(s, "reading the queue", due_sql, &a);
	if (!r)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r) && *n < max; i++)
		ids[(*n)++] = pgs_int(r, i, 0);
	PQclear(r);
	return STORE_OK;
}

static const char note_sql[] =
	"UPDATE messages SET reason = $2 WHERE id IN (SELECT id " QUEUE_DUE ") "
	"AND reason IS DISTINCT FROM $2";

int pgs_queue_note(struct store *s, const char *now, const char *reason, size_t *n)
{
	char t[TIME_LEN];
	*n = 0;
	if (store__time_norm(now, t)) {
		store__seterr(s, "%s: not an RFC 3339 time", now);
		return STORE_ERR;
	}
	struct pgs_args a = {0};
	pgs_arg(&a, t);
	pgs_arg(&a, reason);
	long long changed = 0;
	if (pgs_exec(s, "noting why the queue waits", note_sql, &a, &changed))
		return STORE_ERR;
	*n = changed > 0 ? (size_t)changed : 0;
	return STORE_OK;
}

int pgs_claims(struct store *s,
               int (*fn)(int64_t id, const char *claimed_by, int requested, void *arg),
               void *arg)
{
	PGresult *r = pgs_q(s, "reading claims",
	                    "SELECT id, claimed_by, requested_at IS NOT NULL FROM messages "
	                    "WHERE status = 'sending' AND direction = 'outbound' ORDER BY id",
	                    NULL);
	if (!r)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *req = pgs_text(r, i, 2);
		if (fn(pgs_int(r, i, 0), pgs_text(r, i, 1), req && req[0] == 't', arg))
			break;
	}
	PQclear(r);
	return STORE_OK;
}

/* ---- Paging through a status by id (sms-approve) --------------------------------- */

int pgs_msg_id_range(struct store *s, const char *status, int64_t *min, int64_t *max)
{
	*min = *max = 0;
	if (!store_status_valid(status)) {
		store__seterr(s, "status: %s is not a message status", status ? status : "(none)");
		return STORE_ERR;
	}
	/* Two probes: the primary key from each end, filtered by status, or
	 * messages_queue's range of the status, whichever the planner finds cheaper. */
	struct pgs_args a = {0};
	pgs_arg(&a, status);
	PGresult *r = pgs_q(s, "reading message ids",
	                    "SELECT min(id), max(id) FROM messages WHERE status = $1", &a);
	if (!r)
		return STORE_ERR;
	if (PQntuples(r) == 1 && !pgs_null(r, 0, 0)) {
		*min = pgs_int(r, 0, 0);
		*max = pgs_int(r, 0, 1);
	}
	PQclear(r);
	return STORE_OK;
}

int pgs_msg_ids(struct store *s, const char *status, const char *priority, int64_t after,
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
	/* A range of the primary key from after on: a page costs the rows
	 * between after and its last id, never a sort of the whole status. */
	struct pgs_args a = {0};
	pgs_argi(&a, after);
	pgs_argi(&a, upto);
	pgs_arg(&a, status);
	pgs_argi(&a, max > (size_t)INT64_MAX ? INT64_MAX : (int64_t)max);
	if (priority)
		pgs_arg(&a, priority);
	PGresult *r = pgs_q(s, "listing message ids", priority
	        ? "SELECT id FROM messages WHERE id > $1 AND id <= $2 AND status = $3 "
	          "AND priority = $5 ORDER BY id LIMIT $4"
	        : "SELECT id FROM messages WHERE id > $1 AND id <= $2 AND status = $3 "
	          "ORDER BY id LIMIT $4", &a);
	if (!r)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r) && *n < max; i++)
		ids[(*n)++] = pgs_int(r, i, 0);
	PQclear(r);
	return STORE_OK;
}
