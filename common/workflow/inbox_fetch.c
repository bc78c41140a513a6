/* inbox_fetch — sms-inbox --fetch: received messages pulled page by page from
 * the provider's list API and stored once each, with the cursor (see inbox.h).
 * Apart from the rest of inbox.c because it alone needs HTTP: a program that
 * only lists the inbox does not load libcurl and its libraries at start. */
#include "inbox.h"
#include "clock.h"
#include "inbound.h"
#include "records.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#define FETCH_MAX_PAGES 100000   /* a provider that pages forever is stopped */
#define FETCH_FIRST_DAYS 7       /* how far back the first fetch looks */
#define FETCH_OVERLAP_S 3600     /* a fetch starts an hour before the last one */

/* ---- --fetch ---------------------------------------------------------------------- */

static void utc_date(time_t t, char out[11])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Oldest first; messages without a time (stored as now) last; ties by id. */
static int by_created(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	const char *tx = rec_str(x, "created_at"), *ty = rec_str(y, "created_at");
	if (tx && ty && strcmp(tx, ty) != 0)
		return strcmp(tx, ty);
	if ((tx != NULL) != (ty != NULL))
		return tx ? -1 : 1;
	const char *px = rec_str(x, "provider_id"), *py = rec_str(y, "provider_id");
	return strcmp(px ? px : "", py ? py : "");
}

int inbox_fetch(struct store *st, struct provider *p, const struct inbox_fetch_options *o,
                void (*fn)(cJSON *rec, void *arg), void *arg, struct inbox_fetch_stats *stats,
                char *err, size_t errlen)
{
	memset(stats, 0, sizeof *stats);
	err[0] = '\0';
	if (!p->ops || !p->ops->inbox_prepare || !p->ops->inbox_parse) {
		snprintf(err, errlen, "--fetch is not supported by the %s provider: it cannot list "
		         "received messages (use SMS_PROVIDER=twilio, or receive through "
		         "sms-webhookd)", p->name ? p->name : "configured");
		return EX_CONFIG;
	}
	time_t started = clock_now();
	char key[160], now[32], date[11];
	snprintf(key, sizeof key, "inbox.fetch.%s.%s", p->name, o->to ? o->to : "any");
	clock_format(started, now, sizeof now);
	if (o->since) {
		time_t t;
		if (clock_parse(o->since, &t) != 0) {
			snprintf(err, errlen, "%s: not an RFC 3339 time", o->since);
			return EX_USAGE;
		}
		utc_date(t, date);
	} else {
		char *cursor = NULL;
		time_t t;
		int rc = store_kv_get(st, key, &cursor);
		if (rc == STORE_OK && clock_parse(cursor, &t) == 0)
			utc_date(t - FETCH_OVERLAP_S, date);
		else if (rc == STORE_OK || rc == STORE_NOTFOUND)
			utc_date(started - FETCH_FIRST_DAYS * 86400, date);
		free(cursor);
		if (rc != STORE_OK && rc != STORE_NOTFOUND) {
			snprintf(err, errlen, "store: %s", store_errmsg(st));
			return EX_TEMPFAIL;
		}
	}

	/* Every page first: the inserts then go in one transaction, oldest first. */
	struct http_client *h = http_new(NULL);
	cJSON *all = cJSON_CreateArray();
	char *next = NULL;
	int fail = 0;
	for (;;) {
		struct inbox_request q = {
			.to = o->to,
			.since_date = date,
			.page_size = o->page_size ? o->page_size : 1000,
			.next = next,
		};
		struct http_request req;
		struct inbox_page pg;
		memset(&req, 0, sizeof req);
		memset(&pg, 0, sizeof pg);
		if (p->ops->inbox_prepare(p, &q, &req, &pg) == 0) {
			struct http_response resp;
			memset(&resp, 0, sizeof resp);
			http_do(h, &req, &resp);
			p->ops->inbox_parse(p, &resp, &pg);
			free(resp.body);
		}
		if (!pg.ok) {
			snprintf(err, errlen, "fetching page %zu: %s (%s)", stats->pages + 1, pg.message,
			         pg.code ? pg.code : "provider_error");
			fail = pg.exit_hint ? pg.exit_hint : 1;
			cJSON_Delete(pg.messages);
			free(pg.next);
			break;
		}
		stats->pages++;
		stats->items += pg.nitems;
		while (pg.messages && pg.messages->child) {
			stats->inbound++;
			cJSON_AddItemToArray(all, cJSON_DetachItemViaPointer(pg.messages, pg.messages->child));
		}
		cJSON_Delete(pg.messages);
		if (o->progress)
			fprintf(stderr, "\r%s: page %zu, %zu messages, %zu received   ", util_progname(),
			        stats->pages, stats->items, stats->inbound);
		int same = pg.next && next && strcmp(pg.next, next) == 0;
		free(next);
		next = pg.next;
		if (!next)
			break;
		if (same || stats->pages >= FETCH_MAX_PAGES) {
			snprintf(err, errlen, "the provider kept naming a next page after %zu pages; "
			         "stopped", stats->pages);
			fail = 1;
			break;
		}
	}
	free(next);
	http_free(h);
	if (o->progress && stats->pages)
		fputc('\n', stderr);

	size_t n = (size_t)cJSON_GetArraySize(all), k = 0;
	cJSON **recs = xcalloc(n ? n : 1, sizeof *recs);
	for (cJSON *m = all->child; m; m = m->next)
		recs[k++] = m;
	qsort(recs, n, sizeof *recs, by_created);
	int64_t *ids = xcalloc(n ? n : 1, sizeof *ids);
	int ret = fail;
	if (store_begin_immediate(st) != STORE_OK) {
		if (!fail)
			snprintf(err, errlen, "store: %s", store_errmsg(st));
		ret = rec_exit_graver(ret, EX_TEMPFAIL);
		goto out;
	}
	/* Each message as the webhook would have stored it (inbound.c): once per
	 * provider id, and STOP/START honoured, but never answered now. */
	struct inbound_settings is = {.provider = p->name, .no_answer = 1};
	for (size_t i = 0; i < n; i++) {
		struct inbound_result res = {0};
		cJSON *params = cJSON_Duplicate(recs[i], 1);
		cJSON_AddStringToObject(params, "via", "fetch");
		int rc = store_savepoint(st);
		if (rc == STORE_OK)
			rc = inbound_apply(st, &is, recs[i], params, NULL, clock_now(), &res);
		cJSON_Delete(params);
		if (rc == STORE_OK && store_savepoint_release(st) == STORE_OK) {
			if (!res.duplicate)
				ids[stats->added++] = res.id;
		} else {
			/* One bad message (its own savepoint rolled back) stops no other. */
			store_savepoint_rollback(st);
			warnmsg("%s message %s: not stored: %s", p->name, rec_str(recs[i], "provider_id"),
			        store_errmsg(st));
			ret = ret ? ret : 1;
		}
		inbound_result_free(&res);
	}
	/* The cursor moves only when every page came. */
	if (!fail && store_kv_set(st, key, now) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(st));
		ret = rec_exit_graver(ret, EX_TEMPFAIL);
	}
	if (store_commit(st) != STORE_OK) {
		if (!fail)
			snprintf(err, errlen, "store: %s", store_errmsg(st));
		ret = rec_exit_graver(ret, EX_TEMPFAIL);
		stats->added = 0;
	}
out:
	for (size_t i = 0; i < stats->added; i++) {
		cJSON *rec;
		if (store_msg_get(st, ids[i], &rec) == STORE_OK)
			fn(rec, arg);
	}
	free(ids);
	free(recs);
	cJSON_Delete(all);
	return ret;
}
