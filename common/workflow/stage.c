/* stage — a request made a pending row and stored for review. See stage.h. */
#include "stage.h"
#include "batch.h"
#include "consent.h"
#include "gsm.h"
#include "keywordwarn.h"
#include "msgid.h"
#include "policy.h"
#include "provider.h"
#include "recmerge.h"
#include "recwrite.h"
#include "review.h"
#include "util.h"
#include "wawindow.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

int stage_priority_valid(const char *s) { return policy_priority_valid(s); }

/* Present and not null. */
static const cJSON *given(const cJSON *rec, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
	return v && !cJSON_IsNull(v) ? v : NULL;
}

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

/* "Reply CONFIRM or CANCEL": smskit-practices(7), Reply words. */
static void keyword_warnings(cJSON *w, const char *body)
{
	const char *kw[KEYWORDWARN_MAX];
	char buf[KEYWORDWARN_LEN];
	for (size_t i = 0, n = keyword_prompts(body, kw, KEYWORDWARN_MAX); i < n; i++) {
		keyword_prompt_warning(kw[i], buf, sizeof buf);
		cJSON_AddItemToArray(w, cJSON_CreateString(buf));
	}
}

/* Refers to rec's value under key in row (no copy), when rec has one. */
static void row_ref(cJSON *row, const cJSON *rec, const char *key)
{
	const cJSON *v = given(rec, key);
	if (v)
		cJSON_AddItemReferenceToObject(row, key, (cJSON *)v);
}

/* A free-form WhatsApp message is staged whatever its window says now (it may
 * open before approval, or close), with a warning: the sender checks the
 * window again when it sends. -1 when the store could not tell. */
static int window_warning(struct stage *sg, const struct outbound *ob, cJSON *w, time_t now)
{
	time_t closes;
	int open = wa_window(sg->reader, ob->to, now, &closes);
	if (open < 0)
		return -1;
	char when[64] = "";
	struct tm tm;
	if (closes && localtime_r(&closes, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", &tm);
	if (open)
		warn_add(w, "WhatsApp window open until %s: send it before then, or it will "
		         "need a template (content_sid)", when);
	else if (closes)
		warn_add(w, "outside WhatsApp's 24-hour window (closed %s): it will be refused "
		         "when sent (outside_window) unless they write first; use a template "
		         "(content_sid)", when);
	else
		warn_add(w, "outside WhatsApp's 24-hour window (they never wrote): it will be "
		         "refused when sent (outside_window) unless they write first; use a "
		         "template (content_sid)");
	return 0;
}

void stage_prepare(struct stage *sg, struct stage_item *it)
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
	if (sg->purpose && !given(rec, "purpose"))
		rec_put_str(rec, "purpose", sg->purpose);
	if (sg->tag && !given(rec, "tag"))
		rec_put_str(rec, "tag", sg->tag);

	struct outbound ob;
	const char *code;
	char msg[512];
	if (outbound_check(rec, sg->region, &ob, &code, msg, sizeof msg) != 0) {
		rec_fail(rec, code, 0, "%s", msg);
		return;
	}
	const cJSON *pr = given(rec, "priority"), *sa = given(rec, "send_at");
	const cJSON *reply = given(rec, "reply_to");
	long long reply_id = 0;
	time_t at = 0;
	if (outbound_check_fields(rec, &at, &code, msg, sizeof msg) != 0) {
		rec_fail(rec, code, 0, "%s", msg);
		goto out;
	}
	/* A channel the configured provider cannot carry would only fail at
	 * approval: refused now. */
	if (provider_channel_check(sg->provider, ob.channel, &code, msg, sizeof msg) != 0) {
		rec_fail(rec, code, 0, "%s", msg);
		goto out;
	}
	if (reply && msgid_parse(reply, &reply_id) != 0) {
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

	money_t est = outbound_estimate(&ob, sg->prices);
	char money[32];
	money_format(est, money);
	cJSON *w = cJSON_CreateArray();
	int sms = ob.channel == CHANNEL_SMS;
	if (sms && ob.nmedia == 0 && ob.gsm.segments >= 2)
		warn_add(w, "will be sent as %zu segments", ob.gsm.segments);
	if (sms && ob.nmedia == 0 && ob.gsm.encoding == GSM_ENC_UCS2)
		warn_add(w, "UCS-2: %zu characters per segment", ob.gsm.per_part);
	if (!sms && ob.category == WA_UNKNOWN)
		warn_add(w, "WhatsApp template of no given category (template_category): priced "
		         "per message as marketing, the dearest");
	else if (!sms)
		warn_add(w, "WhatsApp: one message, priced per message (%s)",
		         wa_category_name(ob.category));
	keyword_warnings(w, ob.body);
	warn_add(w, "estimated cost %s %s", money, price_currency(sg->prices));
	time_t now = clock_now(), end;
	if (!sms && !ob.content_sid && window_warning(sg, &ob, w, now) != 0) {
		rec_fail(rec, "store_error", 1, "store: %s", store_errmsg(sg->reader));
		cJSON_Delete(w);
		goto out;
	}
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
	if (ob.from) /* as checked: a WhatsApp sender written whatsapp:+number */
		cJSON_AddStringToObject(row, "from", ob.from);
	row_ref(row, rec, "body"); /* none: the store keeps "" (media only) */
	row_ref(row, rec, "media");
	cJSON_AddStringToObject(row, "priority", pr ? pr->valuestring : "normal");
	row_ref(row, rec, "notes");
	row_ref(row, rec, "ref");
	row_ref(row, rec, "purpose");
	row_ref(row, rec, "tag");
	if (sa) {
		char t[32];
		clock_format(at, t, sizeof t);
		cJSON_AddStringToObject(row, "send_at", t);
	}
	if (reply)
		cJSON_AddNumberToObject(row, "reply_to", (double)reply_id);
	if (ob.content_sid) {
		cJSON_AddStringToObject(row, "content_sid", ob.content_sid);
		if (ob.content_variables)
			cJSON_AddItemToObject(row, "content_variables",
			                      cJSON_Parse(ob.content_variables));
	}
	if (sms) /* the column holds an SMS's encoding only */
		cJSON_AddStringToObject(row, "encoding", outbound_encoding(&ob));
	else
		rec_put_str(rec, "encoding", outbound_encoding(&ob));
	cJSON_AddNumberToObject(row, "segments", (double)outbound_segments(&ob));
	cJSON_AddStringToObject(row, "price_estimate", money);
	cJSON_AddStringToObject(row, "currency", price_currency(sg->prices));
	if (sg->provider)
		cJSON_AddStringToObject(row, "provider", sg->provider);
	cJSON_AddItemToObject(row, "warnings", w);
	it->row = row;
out:
	outbound_free(&ob);
}

static void fail_store(struct stage *sg, struct stage_item *it, const char *code)
{
	rec_fail(it->rec, code, 1, "store: %s", store_errmsg(sg->st));
	cJSON_Delete(it->row);
	it->row = NULL;
	it->id = 0;
	sg->tempfail = 1;
}

/* Inside the batch's transaction: the opt-out and the consent, checked where
 * they cannot change before the insert. An opt-out is a warning (the number
 * may text START before it is approved); a marketing message without consent
 * under SMS_REQUIRE_CONSENT is refused, so that no reviewer approves it.
 * out: the opt-out (store_optout_check's answer), checked for the whole
 * batch at once (check_all). */
static void check_one(struct stage *sg, struct stage_item *it, int out)
{
	const char *to = rec_str(it->row, "to");
	char msg[512];
	int nc = out == 0 || out == 1 ? consent_refused(sg->st, sg->require_consent, it->row, to,
	                                                "not staged", msg, sizeof msg)
	                              : STORE_ERR;
	if (nc == 1 && out != 1) {
		rec_fail(it->rec, "no_consent", 0, "%s", msg);
		cJSON_Delete(it->row);
		it->row = NULL;
	} else if (out == 1)
		warn_add(cJSON_GetObjectItemCaseSensitive(it->row, "warnings"),
		         "opted out: will not be sent unless the number texts START");
	else if (nc != 0)
		fail_store(sg, it, "store_error");
}

/* check_one of every row of the batch, their opt-outs asked in one go (one
 * round trip on PostgreSQL); a row without a number asks alone, for the
 * store's sentence. */
static void check_all(struct stage *sg, struct stage_item *items, size_t n)
{
	const char *numbers[BATCH_RECORDS] = {0};
	unsigned char out[BATCH_RECORDS];
	size_t k = 0;
	for (size_t i = 0; i < n && k < BATCH_RECORDS; i++)
		if (items[i].row && rec_str(items[i].row, "to"))
			numbers[k++] = rec_str(items[i].row, "to");
	int many = store_optout_check_many(sg->st, numbers, k, out) == STORE_OK;
	k = 0;
	for (size_t i = 0; i < n; i++) {
		struct stage_item *it = &items[i];
		if (!it->row)
			continue;
		const char *to = rec_str(it->row, "to");
		int o = !to || k >= BATCH_RECORDS ? store_optout_check(sg->st, to)
		        : many                       ? out[k]
		                                     : STORE_ERR;
		if (to)
			k++;
		check_one(sg, it, o);
	}
}

/* Inside the batch's transaction: stores the rows that passed, all in one
 * go, or one by one when that fails, to tell which record is at fault. */
static void insert_all(struct stage *sg, struct stage_item *items, size_t n)
{
	const cJSON *rows[BATCH_RECORDS];
	int64_t ids[BATCH_RECORDS];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].row)
			rows[k++] = items[i].row;
	if (k == 0)
		return;
	int bulk = store_msg_insert_many(sg->st, rows, k, ids) == STORE_OK;
	k = 0;
	for (size_t i = 0; i < n; i++) {
		struct stage_item *it = &items[i];
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
	if (!progress_due(&sg->pace, final))
		return;
	double secs = progress_secs(&sg->pace);
	fprintf(stderr, "\r%s: %zu staged, %zu failed, %.0f/s   %s", util_progname(), sg->nstaged,
	        sg->nfailed, secs > 0 ? (double)(sg->nstaged + sg->nfailed) / secs : 0,
	        final ? "\n" : "");
}

void stage_store_batch(struct stage *sg, struct stage_item *items, size_t n)
{
	size_t todo = 0;
	for (size_t i = 0; i < n; i++)
		todo += items[i].row != NULL;
	if (todo && store_begin_immediate(sg->st) != STORE_OK) {
		for (size_t i = 0; i < n; i++)
			if (items[i].row)
				fail_store(sg, &items[i], "store_busy");
	} else if (todo) {
		check_all(sg, items, n);
		insert_all(sg, items, n);
		if (store_commit(sg->st) != STORE_OK)
			for (size_t i = 0; i < n; i++)
				if (items[i].row)
					fail_store(sg, &items[i], "store_error");
	}
}

/* The batch's stored records, read back by one listing (one round trip on
 * PostgreSQL, not one a record): recs[i] is the record of items[i], or NULL
 * (none stored, or not found: store_msg_get then asks alone). */
struct readback {
	struct stage_item *items;
	size_t             n, next;
	cJSON            **recs;
};

static int keep_stored(cJSON *rec, void *arg)
{
	struct readback *rb = arg;
	const cJSON *idv = cJSON_GetObjectItemCaseSensitive(rec, "id");
	int64_t id = cJSON_IsNumber(idv) ? (int64_t)idv->valuedouble : 0;
	/* In id order, as the batch stored them: look from the last match on. */
	for (size_t k = 0; k < rb->n; k++) {
		size_t i = (rb->next + k) % rb->n;
		if (rb->items[i].id == id && !rb->recs[i]) {
			rb->recs[i] = rec;
			rb->next = i + 1;
			return 0;
		}
	}
	cJSON_Delete(rec);
	return 0;
}

static void read_back(struct stage *sg, struct stage_item *items, size_t n, cJSON **recs)
{
	int64_t ids[BATCH_RECORDS];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		recs[i] = NULL;
		if (items[i].id && k < BATCH_RECORDS)
			ids[k++] = items[i].id;
	}
	if (k == 0)
		return;
	struct store_query q = {.ids = ids, .nids = k};
	struct readback rb = {.items = items, .n = n, .recs = recs};
	if (store_msg_list(sg->reader, &q, keep_stored, &rb) == STORE_OK)
		return;
	for (size_t i = 0; i < n; i++) { /* each asks alone, and says why it fails */
		cJSON_Delete(recs[i]);
		recs[i] = NULL;
	}
}

void stage_emit_batch(struct stage *sg, struct stage_item *items, size_t n)
{
	cJSON *recs[BATCH_RECORDS]; /* (batches hold at most that: stage_stream.c) */
	read_back(sg, items, n < BATCH_RECORDS ? n : BATCH_RECORDS, recs);
	for (size_t i = 0; i < n; i++) {
		struct stage_item *it = &items[i];
		if (it->id) {
			cJSON *stored = i < BATCH_RECORDS ? recs[i] : NULL;
			if (!stored && store_msg_get(sg->reader, it->id, &stored) != STORE_OK) {
				/* Stored all the same: say so with what is known. */
				warnmsg("message %lld: staged, but reading it back failed: %s",
				        (long long)it->id, store_errmsg(sg->reader));
				stored = cJSON_CreateObject();
				cJSON_AddNumberToObject(stored, "id", (double)it->id);
				cJSON_AddStringToObject(stored, "status", "pending");
			}
			rec_merge(it->rec, stored);
			if (address_channel(rec_str(it->rec, "to")) != CHANNEL_SMS)
				rec_put_str(it->rec, "encoding", "UTF-8"); /* not stored: an SMS's only */
			review_fill_reason(it->rec);
			rec_set_ok(it->rec);
			sg->nstaged++;
		} else {
			sg->nfailed++;
		}
		cJSON_Delete(it->row);
		rec_write(sg->out, it->rec);
		memset(it, 0, sizeof *it);
	}
	progress(sg, 0);
}

void stage_start(struct stage *sg)
{
	progress_start(&sg->pace, sg->progress);
}

void stage_one(struct stage *sg, cJSON *rec)
{
	struct stage_item it = {.rec = rec};
	stage_prepare(sg, &it);
	stage_store_batch(sg, &it, 1);
	stage_emit_batch(sg, &it, 1);
}

void stage_finish(struct stage *sg)
{
	progress(sg, 1);
}

void stage_print_text(FILE *fp, const cJSON *rec, void *arg)
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
