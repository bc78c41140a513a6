/* sms-stage — stage outbound messages for review (SPEC 7): each request is
 * checked and priced as sms-send would check it, stored as `pending` with its
 * warnings, and printed as the stored record; --list shows what waits for
 * sms-approve(1), selected by options or by one JSON object on stdin (--query,
 * for sms-mcp). Batches of records share one transaction. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "gsm.h"
#include "policy.h"
#include "price.h"
#include "query.h"
#include "records.h"
#include "review.h"
#include "store.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-stage [options] --to NUMBER (--body TEXT | --media URL...)\n"
	      "       ... | sms-stage [options]\n"
	      "       sms-stage --list [--status S]... [--priority P] [--limit N] [--query]\n"
	      "\n"
	      "Stages outbound messages for review: each is checked and priced as sms-send\n"
	      "would, stored as pending with its warnings (segments, cost, quiet hours,\n"
	      "opt-out) and printed; sms-approve releases it to sms-send --approved.\n"
	      "Without --to, reads NDJSON requests from stdin: {\"to\": ..., \"body\": ...,\n"
	      "\"media\": [...], \"from\": ..., \"priority\": ..., \"notes\": ..., \"send_at\": ...,\n"
	      "\"ref\": ..., \"reply_to\": ...}; the options below then fill in what a record\n"
	      "leaves out.\n"
	      "\n"
	      "  -t, --to NUMBER          recipient (E.164, or national for SMS_DEFAULT_COUNTRY)\n"
	      "  -b, --body TEXT          the message text\n"
	      "  -m, --media URL          media URL (http/https), up to 10: makes it an MMS\n"
	      "  -f, --from NUMBER        sender (default: the provider's when sent)\n"
	      "  -p, --priority P         urgent, high, normal (default) or low\n"
	      "      --notes TEXT         a note for the reviewer\n"
	      "      --send-at TIME       not before TIME: RFC 3339, or local \"2026-11-25 14:00\"\n"
	      "                           in SMS_TZ\n"
	      "  -l, --list               list staged messages, oldest first\n"
	      "  -s, --status S[,S...]    with --list: these statuses (default pending; all for\n"
	      "                           every outbound message); repeatable\n"
	      "  -p, --priority P[,P...]  with --list: only these priorities\n"
	      "  -n, --limit N            with --list: at most N messages (default: all)\n"
	      "      --query              with --list: read the selection from stdin too, as one\n"
	      "                           JSON object {\"status\", \"priority\", \"limit\"} that\n"
	      "                           overrides these options\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}

static const char *const priorities[] = {"urgent", "high", "normal", "low", NULL};

static int is_priority(const char *s)
{
	for (size_t i = 0; s && priorities[i]; i++)
		if (strcmp(s, priorities[i]) == 0)
			return 1;
	return 0;
}

static long long now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Present and not null. */
static const cJSON *given(const cJSON *rec, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
	return v && !cJSON_IsNull(v) ? v : NULL;
}

/* send_at: RFC 3339 with a zone, or a local "YYYY-MM-DD HH:MM[:SS]" (a space
 * or a T) in SMS_TZ. A bare date is refused: midnight is rarely meant. */
static int parse_send_at(const char *s, time_t *out)
{
	size_t n = strlen(s);
	if (n < 16)
		return -1;
	if (clock_parse(s, out) == 0)
		return 0;
	int y, mo, d, h, mi, sec = 0, used = 0;
	char sep;
	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &used) != 6 ||
	    (sep != ' ' && sep != 'T') || used != 16)
		return -1;
	if (s[16] == ':') {
		int used2 = 0;
		if (sscanf(s + 16, ":%2d%n", &sec, &used2) != 1 || used2 != 3 || s[19] ||
		    s[17] < '0' || s[17] > '9' || s[18] < '0' || s[18] > '9')
			return -1;
	} else if (s[16]) {
		return -1;
	}
	for (size_t i = 0; i < 16; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && (s[i] < '0' || s[i] > '9'))
			return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
	                .tm_min = mi, .tm_sec = sec, .tm_isdst = -1};
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1; /* 31 February */
	*out = t;
	return 0;
}

/* ---- Staging ------------------------------------------------------------------ */

struct stage {
	struct store             *st;     /* writes: the store thread's */
	struct store             *reader; /* reads: this thread's (st without a thread) */
	const struct price_table *prices;
	const char               *region, *provider;
	struct clock_window       quiet;
	const char               *from, *priority, *notes, *send_at; /* option defaults */
	struct rec_out           *out;
	int                       tempfail;
	int                       progress;
	size_t                    nstaged, nfailed;
	long long                 started_us, last_us;
};

struct item {
	cJSON  *rec; /* the caller's record; the output */
	cJSON  *row; /* what to store; NULL once rec is finished (failed) */
	int64_t id;  /* once stored */
};

static void warn_add(cJSON *warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_add(cJSON *warnings, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cJSON_AddItemToArray(warnings, cJSON_CreateString(buf));
}

/* Refers to rec's value under key in row (no copy), when rec has one. */
static void row_ref(cJSON *row, const cJSON *rec, const char *key)
{
	const cJSON *v = given(rec, key);
	if (v)
		cJSON_AddItemReferenceToObject(row, key, (cJSON *)v);
}

/* Checks and prices one record and builds the row to store; on failure rec
 * becomes an error record and row stays NULL. Reads the store only to find
 * the message a reply answers. */
static void prepare(struct stage *sg, struct item *it)
{
	cJSON *rec = it->rec;
	if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(rec, "ok")) &&
	    cJSON_GetObjectItemCaseSensitive(rec, "error"))
		return; /* the reader's or an upstream program's error record */
	if (sg->from && !given(rec, "from"))
		rec_put_str(rec, "from", sg->from);
	if (sg->priority && !given(rec, "priority"))
		rec_put_str(rec, "priority", sg->priority);
	if (sg->notes && !given(rec, "notes"))
		rec_put_str(rec, "notes", sg->notes);
	if (sg->send_at && !given(rec, "send_at"))
		rec_put_str(rec, "send_at", sg->send_at);

	struct outbound ob;
	const char *code;
	char msg[512];
	if (outbound_check(rec, sg->region, &ob, &code, msg, sizeof msg) != 0) {
		rec_fail(rec, code, 0, "%s", msg);
		return;
	}
	const cJSON *pr = given(rec, "priority");
	if (pr && !(cJSON_IsString(pr) && is_priority(pr->valuestring))) {
		rec_fail(rec, "invalid_priority", 0, "priority must be urgent, high, normal or low, "
		         "not %s", cJSON_IsString(pr) ? pr->valuestring : "a non-string");
		goto out;
	}
	const cJSON *sa = given(rec, "send_at");
	time_t at = 0;
	if (sa && !(cJSON_IsString(sa) && parse_send_at(sa->valuestring, &at) == 0)) {
		rec_fail(rec, "invalid_send_at", 0, "send_at must be an RFC 3339 time such as "
		         "2026-11-25T14:00:00Z or a local time such as \"2026-11-25 14:00\", not %s",
		         cJSON_IsString(sa) ? sa->valuestring : "a non-string");
		goto out;
	}
	const cJSON *notes = given(rec, "notes"), *ref = given(rec, "ref");
	const cJSON *reply = given(rec, "reply_to");
	long long reply_id = 0;
	if (notes && !cJSON_IsString(notes)) {
		rec_fail(rec, "invalid_field", 0, "notes must be a string");
		goto out;
	}
	if (ref && !cJSON_IsString(ref) && !cJSON_IsNumber(ref)) {
		rec_fail(rec, "invalid_field", 0, "ref must be a string or a number");
		goto out;
	}
	if (reply && review_parse_id(reply, &reply_id) != 0) {
		rec_fail(rec, "invalid_field", 0, "reply_to must be a message id such as 42");
		goto out;
	}
	if (reply) {
		/* Messages are never deleted: what exists now exists at the insert. */
		cJSON *orig = NULL;
		int rc = store_msg_get(sg->reader, reply_id, &orig);
		cJSON_Delete(orig);
		if (rc != STORE_OK) {
			if (rc == STORE_NOTFOUND)
				rec_fail(rec, "not_found", 0, "reply_to %lld: no such message", reply_id);
			else
				rec_fail(rec, "store_error", 1, "store: %s", store_errmsg(sg->reader));
			goto out;
		}
	}

	money_t est = price_estimate(sg->prices, ob.region, ob.nmedia > 0, ob.gsm.segments);
	char money[32];
	money_format(est, money);
	cJSON *w = cJSON_CreateArray();
	if (ob.nmedia == 0 && ob.gsm.segments >= 2)
		warn_add(w, "will be sent as %zu segments", ob.gsm.segments);
	if (ob.nmedia == 0 && ob.gsm.encoding == GSM_ENC_UCS2)
		warn_add(w, "UCS-2: %zu characters per segment", ob.gsm.per_part);
	warn_add(w, "estimated cost %s %s", money, price_currency(sg->prices));
	time_t now = clock_now(), end;
	if (clock_window_inside(&sg->quiet, sa ? at : now, &end)) {
		char hhmm[8];
		clock_local_hhmm(end, hhmm);
		warn_add(w, "inside quiet hours: will be deferred to %s", hhmm);
	}
	if (sa && at < now)
		warn_add(w, "send_at is in the past: it goes out as soon as it is approved");

	cJSON *row = cJSON_CreateObject();
	cJSON_AddStringToObject(row, "direction", "outbound");
	cJSON_AddStringToObject(row, "status", "pending");
	cJSON_AddStringToObject(row, "to", ob.to);
	row_ref(row, rec, "from");
	row_ref(row, rec, "body"); /* none: the store keeps "" (media only) */
	row_ref(row, rec, "media");
	cJSON_AddStringToObject(row, "priority", pr ? pr->valuestring : "normal");
	row_ref(row, rec, "notes");
	row_ref(row, rec, "ref");
	if (sa) {
		char t[32];
		clock_format(at, t, sizeof t);
		cJSON_AddStringToObject(row, "send_at", t);
	}
	if (reply)
		cJSON_AddNumberToObject(row, "reply_to", (double)reply_id);
	cJSON_AddStringToObject(row, "encoding", gsm_encoding_name(ob.gsm.encoding));
	cJSON_AddNumberToObject(row, "segments", (double)ob.gsm.segments);
	cJSON_AddStringToObject(row, "price_estimate", money);
	cJSON_AddStringToObject(row, "currency", price_currency(sg->prices));
	if (sg->provider)
		cJSON_AddStringToObject(row, "provider", sg->provider);
	cJSON_AddItemToObject(row, "warnings", w);
	it->row = row;
out:
	outbound_free(&ob);
}

static void fail_store(struct stage *sg, struct item *it, const char *code)
{
	rec_fail(it->rec, code, 1, "store: %s", store_errmsg(sg->st));
	cJSON_Delete(it->row);
	it->row = NULL;
	it->id = 0;
	sg->tempfail = 1;
}

/* Inside the batch's transaction: the opt-out, checked where it cannot change
 * before the insert. */
static void check_one(struct stage *sg, struct item *it)
{
	int out = store_optout_check(sg->st, rec_str(it->row, "to"));
	if (out == 1)
		warn_add(cJSON_GetObjectItemCaseSensitive(it->row, "warnings"),
		         "opted out: will not be sent unless the number texts START");
	else if (out != 0)
		fail_store(sg, it, "store_error");
}

/* Inside the batch's transaction: stores the rows that passed, all in one
 * go, or one by one when that fails, to tell which record is at fault. */
static void insert_all(struct stage *sg, struct item *items, size_t n)
{
	const cJSON *rows[REVIEW_BATCH];
	int64_t ids[REVIEW_BATCH];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].row)
			rows[k++] = items[i].row;
	if (k == 0)
		return;
	int bulk = store_msg_insert_many(sg->st, rows, k, ids) == STORE_OK;
	k = 0;
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		if (!it->row)
			continue;
		if (bulk)
			it->id = ids[k++];
		else if (store_msg_insert(sg->st, it->row, &it->id) != STORE_OK)
			fail_store(sg, it, "store_error");
	}
}

static void progress(struct stage *sg, int final)
{
	if (!sg->progress)
		return;
	long long now = now_us();
	if (final ? sg->last_us == sg->started_us
	          : now - sg->started_us < 1000000 || now - sg->last_us < 250000)
		return;
	sg->last_us = now;
	double secs = (double)(now - sg->started_us) / 1e6;
	fprintf(stderr, "\r%s: %zu staged, %zu failed, %.0f/s   %s", util_progname(), sg->nstaged,
	        sg->nfailed, secs > 0 ? (double)(sg->nstaged + sg->nfailed) / secs : 0,
	        final ? "\n" : "");
}

/* Stores a batch of prepared records in one transaction. */
static void store_batch(struct stage *sg, struct item *items, size_t n)
{
	size_t todo = 0;
	for (size_t i = 0; i < n; i++)
		todo += items[i].row != NULL;
	if (todo && store_begin_immediate(sg->st) != STORE_OK) {
		for (size_t i = 0; i < n; i++)
			if (items[i].row)
				fail_store(sg, &items[i], "store_busy");
	} else if (todo) {
		for (size_t i = 0; i < n; i++)
			if (items[i].row)
				check_one(sg, &items[i]);
		insert_all(sg, items, n);
		if (store_commit(sg->st) != STORE_OK)
			for (size_t i = 0; i < n; i++)
				if (items[i].row)
					fail_store(sg, &items[i], "store_error");
	}
}

/* Prints a stored batch in order: each staged message as the store holds it
 * (read back here, so that only this thread parses JSON: cJSON's parser
 * keeps its error position in a global). */
static void emit_batch(struct stage *sg, struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		if (it->id) {
			cJSON *stored;
			if (store_msg_get(sg->reader, it->id, &stored) != STORE_OK) {
				/* Stored all the same: say so with what is known. */
				warnmsg("message %lld: staged, but reading it back failed: %s",
				        (long long)it->id, store_errmsg(sg->reader));
				stored = cJSON_CreateObject();
				cJSON_AddNumberToObject(stored, "id", (double)it->id);
				cJSON_AddStringToObject(stored, "status", "pending");
			}
			review_merge(it->rec, stored);
			review_fill_reason(it->rec);
			rec_set_ok(it->rec);
			sg->nstaged++;
		} else {
			sg->nfailed++;
		}
		cJSON_Delete(it->row);
		review_emit(sg->out, it->rec);
		memset(it, 0, sizeof *it);
	}
	progress(sg, 0);
}

/* ---- The pipeline ----------------------------------------------------------------
 * Reading, checking and printing records (this thread, with its own
 * connection for reading) overlap with storing them (a store thread that
 * alone writes): batches go round a ring of NSLOTS, each one FILLING ->
 * QUEUED -> STORED -> printed -> FILLING. */

#define NSLOTS 3
enum { FILLING, QUEUED, STORED };

struct slot {
	struct item items[REVIEW_BATCH];
	size_t      n;
	int         state;
};

struct pipeline {
	struct stage   *sg;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	struct slot     slots[NSLOTS];
	int             quit;
};

static void *store_thread(void *arg)
{
	struct pipeline *pl = arg;
	size_t next = 0;
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		struct slot *sl = &pl->slots[next];
		while (sl->state != QUEUED && !pl->quit)
			pthread_cond_wait(&pl->cv, &pl->mu);
		if (sl->state != QUEUED)
			break;
		pthread_mutex_unlock(&pl->mu);
		store_batch(pl->sg, sl->items, sl->n);
		pthread_mutex_lock(&pl->mu);
		sl->state = STORED;
		pthread_cond_broadcast(&pl->cv);
		next = (next + 1) % NSLOTS;
	}
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

/* Waits until slot i is stored, then prints it and frees it for filling. */
static void drain_slot(struct pipeline *pl, size_t i)
{
	struct slot *sl = &pl->slots[i];
	pthread_mutex_lock(&pl->mu);
	while (sl->state != STORED)
		pthread_cond_wait(&pl->cv, &pl->mu);
	pthread_mutex_unlock(&pl->mu);
	emit_batch(pl->sg, sl->items, sl->n);
	sl->n = 0;
	sl->state = FILLING;
}

static int slot_stored(struct pipeline *pl, size_t i)
{
	pthread_mutex_lock(&pl->mu);
	int done = pl->slots[i].state == STORED;
	pthread_mutex_unlock(&pl->mu);
	return done;
}

/* Fills slot i from the input: up to a batch, or what is there without
 * waiting once it holds a record (*cut). */
static void fill_slot(struct stage *sg, struct rec_in *in, struct slot *sl, int *eof, int *cut)
{
	while (sl->n < REVIEW_BATCH) {
		if (sl->n > 0 && !review_input_ready(in->fp)) {
			*cut = 1;
			return;
		}
		cJSON *rec, *bad;
		if (!rec_next(in, &rec, &bad)) {
			*eof = 1;
			return;
		}
		sl->items[sl->n].rec = rec ? rec : bad;
		prepare(sg, &sl->items[sl->n++]);
	}
}

/* Stages every record of the input, in order. Returns -1 when the store
 * thread could not start (then nothing was read). */
static int stage_stream(struct stage *sg, struct rec_in *in)
{
	struct pipeline *pl = xcalloc(1, sizeof *pl);
	pl->sg = sg;
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->cv, NULL);
	pthread_t tid;
	int e = pthread_create(&tid, NULL, store_thread, pl);
	if (e != 0) {
		errno = e;
		pthread_cond_destroy(&pl->cv);
		pthread_mutex_destroy(&pl->mu);
		free(pl);
		return -1;
	}
	size_t head = 0, tail = 0, inflight = 0; /* oldest unprinted slot, next to fill */
	int eof = 0;
	while (!eof) {
		if (inflight == NSLOTS) {
			drain_slot(pl, head);
			head = (head + 1) % NSLOTS;
			inflight--;
		}
		struct slot *sl = &pl->slots[tail];
		int cut = 0;
		fill_slot(sg, in, sl, &eof, &cut);
		if (sl->n) {
			pthread_mutex_lock(&pl->mu);
			sl->state = QUEUED;
			pthread_cond_broadcast(&pl->cv);
			pthread_mutex_unlock(&pl->mu);
			tail = (tail + 1) % NSLOTS;
			inflight++;
		}
		while (inflight && slot_stored(pl, head)) {
			drain_slot(pl, head);
			head = (head + 1) % NSLOTS;
			inflight--;
		}
		if (cut) {
			/* The producer is slower than we are: print what we have now
			 * rather than when the next records come. */
			for (; inflight; inflight--, head = (head + 1) % NSLOTS)
				drain_slot(pl, head);
			fflush(sg->out->fp);
		}
	}
	for (; inflight; inflight--, head = (head + 1) % NSLOTS)
		drain_slot(pl, head);
	pthread_mutex_lock(&pl->mu);
	pl->quit = 1;
	pthread_cond_broadcast(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
	pthread_join(tid, NULL);
	pthread_cond_destroy(&pl->cv);
	pthread_mutex_destroy(&pl->mu);
	free(pl);
	return 0;
}

static void print_staged(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	const char *to = rec_str(rec, "to");
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(rec, "line");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		char where[32] = "";
		if (cJSON_IsNumber(line))
			snprintf(where, sizeof where, "line %d  ", line->valueint);
		fprintf(fp, "FAILED  %s%-16s %s: %s\n", where, to ? to : "-", rec_str(e, "code"),
		        rec_str(e, "message"));
		return;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	const cJSON *seg = cJSON_GetObjectItemCaseSensitive(rec, "segments");
	int nseg = cJSON_IsNumber(seg) ? seg->valueint : 0;
	fprintf(fp, "staged  id %-6lld %-16s %-6s %s, %d segment%s, est. %s %s\n",
	        cJSON_IsNumber(id) ? (long long)id->valuedouble : 0LL, to ? to : "-",
	        rec_str(rec, "priority"), rec_str(rec, "encoding"), nseg, nseg == 1 ? "" : "s",
	        rec_str(rec, "price_estimate"), rec_str(rec, "currency"));
	const cJSON *w;
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(rec, "warnings"))
		if (cJSON_IsString(w))
			fprintf(fp, "        warning: %s\n", w->valuestring);
}

/* ---- --list ------------------------------------------------------------------- */

struct lister {
	struct rec_out    *out;
	const char *const *prios;
	size_t             nprios, limit, n;
	int                header, show_status;
};

static int emit_listed(cJSON *rec, void *arg)
{
	struct lister *l = arg;
	if (l->nprios) {
		const char *p = rec_str(rec, "priority");
		size_t i = 0;
		while (i < l->nprios && !(p && strcmp(p, l->prios[i]) == 0))
			i++;
		if (i == l->nprios) {
			cJSON_Delete(rec);
			return 0;
		}
	}
	review_fill_reason(rec);
	rec_set_ok(rec);
	review_emit(l->out, rec);
	return l->limit && ++l->n >= l->limit;
}

static void print_listed(FILE *fp, const cJSON *rec, void *arg)
{
	struct lister *l = arg;
	char status[16] = "";
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) { /* a bad --query */
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		fprintf(fp, "FAILED  %s: %s\n", rec_str(e, "code"), rec_str(e, "message"));
		return;
	}
	if (!l->header) {
		l->header = 1;
		if (l->show_status)
			snprintf(status, sizeof status, "%-10s ", "STATUS");
		fprintf(fp, "%6s  %s%-6s  %-16s %-16s %5s %3s %-5s %-8s %-20s %s\n", "ID", status,
		        "PRI", "TO", "CREATED", "CHARS", "SEG", "ENC", "EST", "NOTES", "BODY");
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	const cJSON *seg = cJSON_GetObjectItemCaseSensitive(rec, "segments");
	const char *body = rec_str(rec, "body"), *enc = rec_str(rec, "encoding");
	char created[32], chars[16] = "-", segs[16] = "-", notes[96], text[192];
	clock_local_display(rec_str(rec, "created_at"), created, sizeof created);
	struct gsm_info g;
	if (body && gsm_analyze(body, strlen(body), &g) == 0) {
		snprintf(chars, sizeof chars, "%zu", g.chars);
		gsm_info_free(&g);
	}
	if (cJSON_IsNumber(seg))
		snprintf(segs, sizeof segs, "%d", seg->valueint);
	review_clip(rec_str(rec, "notes"), 20, notes, sizeof notes);
	review_clip(body, 40, text, sizeof text);
	const cJSON *media = cJSON_GetObjectItemCaseSensitive(rec, "media");
	int nmedia = cJSON_GetArraySize(media);
	if (nmedia > 0) {
		char tmp[sizeof text + 32];
		snprintf(tmp, sizeof tmp, "[%d media] %s", nmedia, text);
		snprintf(text, sizeof text, "%.*s", (int)sizeof text - 1, tmp); /* fits: 40 columns */
	}
	if (l->show_status)
		snprintf(status, sizeof status, "%-10s ", rec_str(rec, "status"));
	/* Clipped text may hold multi-byte characters: pad it by hand. */
	char line[1024];
	snprintf(line, sizeof line, "%6lld  %s%-6s  %-16s %-16s %5s %3s %-5s %-8s ",
	         cJSON_IsNumber(id) ? (long long)id->valuedouble : 0LL, status,
	         rec_str(rec, "priority"), rec_str(rec, "to"), created, chars, segs,
	         enc ? (strcmp(enc, "GSM-7") == 0 ? "GSM" : "UCS2") : "-",
	         rec_str(rec, "price_estimate") ? rec_str(rec, "price_estimate") : "-");
	fputs(line, fp);
	fputs(notes, fp);
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)notes; *p; p++)
		w += (*p & 0xc0) != 0x80; /* code points: close enough for padding */
	for (; w < 21; w++)
		fputc(' ', fp);
	fputs(text, fp);
	fputc('\n', fp);
}

/* ---- The listing's selection: options, or keys of the query (--query) ---------- */

enum { OPT_VERSION = 256, OPT_NOTES, OPT_SEND_AT, OPT_QUERY };

static const struct query_key query_keys[] = {
	{"status", QUERY_WORDS, 's'},
	{"priority", QUERY_WORDS, 'p'},
	{"limit", QUERY_WHOLE, 'n'},
};
#define NKEYS (sizeof query_keys / sizeof *query_keys)

struct sel {
	cJSON              *statuses;   /* strings: --status, repeatable */
	const char         *priority;   /* checked once it is known to be --list's */
	struct query_origin priority_o;
	long long           limit;
};

struct words {
	cJSON                     *list;
	const struct query_origin *o;
};

static int add_status(const char *w, void *arg)
{
	struct words *ws = arg;
	if (strcmp(w, "all") != 0 && (!store_status_valid(w) || strcmp(w, "received") == 0))
		return query_bad(ws->o, ": `%s` is not a status of an outbound message (pending "
		                 "approved rejected sending queued scheduled sent delivered undelivered "
		                 "failed canceled unknown, or all)", w);
	cJSON_AddItemToArray(ws->list, cJSON_CreateString(w));
	return 0;
}

static int add_priority(const char *w, void *arg)
{
	struct words *ws = arg;
	if (!is_priority(w))
		return query_bad(ws->o, ": `%s` is not urgent, high, normal or low", w);
	cJSON_AddItemToArray(ws->list, cJSON_CreateString(w));
	return 0;
}

static int apply(void *arg, int opt, const char *val, const struct query_origin *o)
{
	struct sel *s = arg;
	struct words ws = {s->statuses, o};
	switch (opt) {
	case 's':
		if (o->out) { /* the query's replaces the command line's */
			cJSON_Delete(s->statuses);
			ws.list = s->statuses = cJSON_CreateArray();
		}
		return review_words(val, add_status, &ws);
	case 'p':
		s->priority = val;
		s->priority_o = *o;
		break;
	case 'n':
		if (parse_whole(val, 100000000, &s->limit) != 0)
			return query_bad(o, " takes a whole number (0 for all), not `%s`", val);
		break;
	}
	return 0;
}

static int run_list(struct store *st, struct rec_out *out, struct lister *l, cJSON *status_list)
{
	size_t n = (size_t)cJSON_GetArraySize(status_list), k = 0;
	const char **statuses = xcalloc(n + 1, sizeof *statuses);
	int all = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, status_list) {
		if (strcmp(s->valuestring, "all") == 0)
			all = 1;
		else
			statuses[k++] = s->valuestring;
	}
	if (n == 0)
		statuses[k++] = "pending";
	l->show_status = all || k != 1 || strcmp(statuses[0], "pending") != 0;
	struct store_query q = {
		.direction = "outbound",
		.statuses = all ? NULL : statuses,
		.nstatuses = all ? 0 : k,
	};
	l->out = out;
	int rc = 0;
	if (store_msg_list(st, &q, emit_listed, l) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(st));
		rc = EX_TEMPFAIL;
	}
	free(statuses);
	return rc;
}

/* ---- main ---------------------------------------------------------------------- */


int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"to", required_argument, NULL, 't'},      {"body", required_argument, NULL, 'b'},
		{"media", required_argument, NULL, 'm'},   {"from", required_argument, NULL, 'f'},
		{"priority", required_argument, NULL, 'p'},
		{"notes", required_argument, NULL, OPT_NOTES},
		{"send-at", required_argument, NULL, OPT_SEND_AT},
		{"list", no_argument, NULL, 'l'},          {"status", required_argument, NULL, 's'},
		{"limit", required_argument, NULL, 'n'},   {"query", no_argument, NULL, OPT_QUERY},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	util_set_progname(argv[0]);
	const char *to = NULL, *body = NULL, *format = NULL;
	struct stage sg = {0};
	struct sel sel = {.statuses = cJSON_CreateArray()};
	struct query qr = {0};
	cJSON *media = cJSON_CreateArray(), *prio_list = cJSON_CreateArray();
	int c, flags = 0, list = 0, query = 0, rc = EX_USAGE;
	const char *list_only = NULL;
	while ((c = getopt_long(argc, argv, "t:b:m:f:p:ls:n:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; flags = 1; break;
		case 'b': body = optarg; flags = 1; break;
		case 'm': cJSON_AddItemToArray(media, cJSON_CreateString(optarg)); flags = 1; break;
		case 'f': sg.from = optarg; break;
		case OPT_NOTES: sg.notes = optarg; break;
		case OPT_SEND_AT: sg.send_at = optarg; break;
		case 'l': list = 1; break;
		case 's':
		case 'n':
			list_only = c == 's' ? "--status" : "--limit";
			/* fall through */
		case 'p':
			if ((rc = query_option(query_keys, NKEYS, c, optarg, apply, &sel)) != 0)
				goto done;
			rc = EX_USAGE;
			break;
		case OPT_QUERY: query = 1; list_only = "--query"; break;
		case 'o': format = optarg; break;
		case 'h': usage(stdout); rc = 0; goto done;
		case OPT_VERSION: printf("sms-stage %s\n", SMSKIT_VERSION); rc = 0; goto done;
		default: usage(stderr); goto done;
		}
	}
	if (optind < argc) {
		warnmsg("unexpected argument `%s` (the text goes in --body)", argv[optind]);
		goto done;
	}
	if (list && (flags || sg.from || sg.notes || sg.send_at)) {
		warnmsg("--list takes only --status, --priority, --limit, --query and --output");
		goto done;
	}
	if (!list && list_only) {
		warnmsg("%s goes with --list", list_only);
		goto done;
	}
	if (flags && !to) {
		warnmsg("--body and --media need --to");
		goto done;
	}
	struct rec_out out;
	struct lister lister = {0};
	rec_out_init(&out, stdout);
	if (rec_out_format(&out, format, list ? print_listed : print_staged, &lister) != 0) {
		warnmsg("-o takes json or text, not `%s`", format);
		goto done;
	}
	if (query && (rc = query_run(&qr, stdin, query_keys, NKEYS, apply, &sel, &out)) != 0)
		goto done;
	if (list && sel.priority) {
		struct words ws = {prio_list, &sel.priority_o};
		if ((rc = review_words(sel.priority, add_priority, &ws)) != 0)
			goto done;
		if (cJSON_GetArraySize(prio_list) == 0) {
			rc = query_bad(&sel.priority_o, " takes urgent, high, normal or low");
			goto done;
		}
	} else {
		sg.priority = sel.priority; /* checked with each record: invalid_priority */
	}
	lister.limit = (size_t)sel.limit;

	char err[512];
	struct sms_config *cfg = config_load(err, sizeof err);
	struct price_table *prices = NULL;
	struct store *st = NULL, *reader = NULL;
	rc = EX_CONFIG;
	if (!cfg || (!list && !(prices = price_load(cfg, err, sizeof err)))) {
		warnmsg("%s", err);
		goto out;
	}
	clock_use_zone(cfg);
	if (!list && clock_window_parse(config_get_or(cfg, "SMS_QUIET_HOURS", "21:00-08:00"),
	                                &sg.quiet, err, sizeof err) != 0) {
		warnmsg("SMS_QUIET_HOURS: %s", err);
		goto out;
	}
	char *dbpath = config_db_path(cfg);
	st = store_open(dbpath, list ? 0 : STORE_SYNC_NORMAL, err, sizeof err);
	/* Records from stdin are stored by a thread of their own: this thread
	 * reads them back through a second connection. */
	if (st && !list && !flags)
		reader = store_open(dbpath, 0, err, sizeof err);
	free(dbpath);
	if (!st || (!list && !flags && !reader)) {
		warnmsg("%s", err);
		rc = errno == EAGAIN ? EX_TEMPFAIL : EX_CONFIG;
		goto out;
	}

	if (list) {
		const char **prios = xcalloc(5, sizeof *prios);
		size_t k = 0;
		const cJSON *p;
		cJSON_ArrayForEach(p, prio_list)
			if (k < 4)
				prios[k++] = p->valuestring;
		lister.prios = prios;
		lister.nprios = k;
		int hard = run_list(st, &out, &lister, sel.statuses);
		free(prios);
		rc = hard ? hard : rec_exit_code(&out, NULL);
		goto out;
	}

	sg.st = st;
	sg.reader = reader ? reader : st;
	sg.prices = prices;
	sg.region = config_default_country(cfg);
	sg.provider = config_get(cfg, "SMS_PROVIDER");
	sg.out = &out;
	sg.progress = isatty(STDERR_FILENO);
	sg.started_us = sg.last_us = now_us();
	struct rec_in in;
	rec_in_init(&in, stdin);
	if (flags) {
		struct item it = {0};
		it.rec = cJSON_CreateObject();
		rec_put_str(it.rec, "to", to);
		if (body)
			rec_put_str(it.rec, "body", body);
		if (cJSON_GetArraySize(media) > 0) {
			rec_put(it.rec, "media", media);
			media = NULL;
		}
		prepare(&sg, &it);
		store_batch(&sg, &it, 1);
		emit_batch(&sg, &it, 1);
	} else if (stage_stream(&sg, &in) != 0) {
		warnmsg("cannot start a thread: %s", strerror(errno));
		rc = EX_OSERR;
		rec_in_free(&in);
		goto out;
	}
	progress(&sg, 1);
	rc = rec_exit_code(&out, flags ? NULL : &in);
	if (sg.tempfail)
		rc = EX_TEMPFAIL;
	rec_in_free(&in);
out:
	store_close(reader);
	store_close(st);
	price_free(prices);
	config_free(cfg);
done:
	cJSON_Delete(media);
	cJSON_Delete(sel.statuses);
	cJSON_Delete(prio_list);
	query_free(&qr);
	if (fflush(stdout) != 0) {
		warnmsg("write error on stdout");
		return EX_IOERR;
	}
	return rc;
}
