/* stage_list — sms-stage --list. See stage_list.h. */
#include "stage_list.h"
#include "clip.h"
#include "clock.h"
#include "address.h"
#include "gsm.h"
#include "recwrite.h"
#include "review.h"
#include "stage.h"
#include "utf8.h"
#include "util.h"
#include "words.h"

#include <stdlib.h>
#include <string.h>

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
	if (!stage_priority_valid(w))
		return query_bad(ws->o, ": `%s` is not urgent, high, normal or low", w);
	cJSON_AddItemToArray(ws->list, cJSON_CreateString(w));
	return 0;
}

int stage_list_statuses(cJSON *list, const char *val, const struct query_origin *o)
{
	struct words ws = {list, o};
	return words_each(val, add_status, &ws);
}

int stage_list_priorities(cJSON *list, const char *val, const struct query_origin *o)
{
	struct words ws = {list, o};
	int rc = words_each(val, add_priority, &ws);
	if (rc == 0 && cJSON_GetArraySize(list) == 0)
		rc = query_bad(o, " takes urgent, high, normal or low");
	return rc;
}

static int emit_listed(cJSON *rec, void *arg)
{
	struct stage_list *l = arg;
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
	rec_write(l->out, rec);
	return l->limit && ++l->n >= l->limit;
}

void stage_list_print(FILE *fp, const cJSON *rec, void *arg)
{
	struct stage_list *l = arg;
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
	clip_text(rec_str(rec, "notes"), 20, notes, sizeof notes);
	clip_text(body, 40, text, sizeof text);
	const char *sid = rec_str(rec, "content_sid");
	if (sid && !*text) /* a WhatsApp template: Twilio holds its text */
		snprintf(text, sizeof text, "[template %.34s]", sid);
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
	         enc ? (strcmp(enc, "GSM-7") == 0 ? "GSM" : "UCS2")
	             : address_channel(rec_str(rec, "to")) == CHANNEL_WHATSAPP ? "UTF8" : "-",
	         rec_str(rec, "price_estimate") ? rec_str(rec, "price_estimate") : "-");
	fputs(line, fp);
	fputs(notes, fp);
	size_t w = utf8_count(notes); /* code points: close enough for padding */
	for (; w < 21; w++)
		fputc(' ', fp);
	fputs(text, fp);
	fputc('\n', fp);
}

int stage_list_run(struct stage_list *l, struct store *st, struct rec_out *out,
                   const cJSON *status_list, const cJSON *priorities, size_t limit)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, priorities)
		if (l->nprios < 4)
			l->prios[l->nprios++] = p->valuestring;
	l->limit = limit;
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
