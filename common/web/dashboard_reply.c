/* dashboard_reply — answering a received message from the dashboard, as
 * sms-reply does: inbox_reply_request() makes the outbound request and
 * sms-send, run as a child (subprog.h), sends it through the provider (quiet
 * hours, opt-outs, caps, retries, storage; the original marked replied and
 * read). The dashboard's thread waits for it meanwhile. The form is
 * dashboard_inbox.c's: a reply that fails shows its page again, the draft and
 * the reason in the form. Also the live counter's data: GET split?body=...
 * answers the codec's own count (gsm.h). */
#include "dashboard_reply.h"
#include "dashboard_inbox.h"
#include "dashboard_view.h"
#include "gsm.h"
#include "html.h"
#include "inbox.h"
#include "phone.h"
#include "policy.h"
#include "records.h"
#include "subprog.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sends one reply request through sms-send (a child process: sms-webhookd
 * itself never loads libcurl, so that its CGI mode starts fast); the finished
 * record (ok or an error record), or NULL with a sentence in err when it
 * could not run. */
static cJSON *send_one(struct dash *x, cJSON *rec, int ignore_quiet, char *err, size_t errlen)
{
	(void)x;
	char *line = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	const char *args[] = {"-o", "json", ignore_quiet ? "--ignore-quiet-hours" : NULL, NULL};
	int status = 0;
	char *out = subprog_run("sms-send", args, line, &status, err, errlen);
	free(line);
	if (!out)
		return NULL;
	cJSON *done = cJSON_Parse(out);
	free(out);
	if (!cJSON_IsObject(done)) {
		cJSON_Delete(done);
		snprintf(err, errlen, "sms-send gave no record (exit %d): see the server's log", status);
		return NULL;
	}
	return done;
}

/* The page the form came from, again, with the draft and the reason. */
static void again(struct dash *x, int64_t id, const char *body, const char *error, int status)
{
	x->draft_id = id;
	x->draft = body;
	x->draft_error = error;
	x->status = status;
	const char *number = dash_f(x, "number");
	if (number && *number)
		dash_threads_get(x);
	else
		dash_inbox_get(x);
}

void dash_reply_post(struct dash *x)
{
	int64_t id;
	if (dash_id(dash_f(x, "id"), &id) != 0) {
		dash_fail(x, 400, "Not a message id.");
		return;
	}
	char *body = dash_textarea(dash_f(x, "body"));
	const char *q = dash_f(x, "ignore_quiet");
	int ignore_quiet = q && strcmp(q, "1") == 0;
	if (!*body) {
		again(x, id, body, "Write the reply first.", 400);
		free(body);
		return;
	}
	cJSON *rec = cJSON_CreateObject();
	rec_put_num(rec, "id", (double)id);
	rec_put_str(rec, "body", body);
	const char *code;
	char msg[512];
	if (inbox_reply_request(x->st, rec, &code, msg, sizeof msg) != 0) {
		cJSON_Delete(rec);
		if (strcmp(code, "store_error") == 0)
			dash_store_fail(x);
		else
			again(x, id, body, msg, strcmp(code, "not_found") == 0 ? 404 : 400);
		free(body);
		return;
	}
	char err[512] = "";
	cJSON *done = send_one(x, rec, ignore_quiet, err, sizeof err);
	if (!done) {
		again(x, id, body, err, 503);
		free(body);
		return;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(done, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(done, "error");
		const char *m = rec_str(e, "message"), *c = rec_str(e, "code");
		snprintf(err, sizeof err, "Not sent: %s%s%s", m ? m : "the sender refused it",
		         c ? " (" : "", c ? c : "");
		if (c)
			snprintf(err + strlen(err), sizeof err - strlen(err), ")");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(done, "id");
		/* a failure the provider gave is stored: say which message it is */
		if (cJSON_IsNumber(st))
			snprintf(err + strlen(err), sizeof err - strlen(err), "; stored as #%lld",
			         (long long)st->valuedouble);
		cJSON_Delete(done);
		again(x, id, body, err, 409);
		free(body);
		return;
	}
	const cJSON *nid = cJSON_GetObjectItemCaseSensitive(done, "id");
	long long reply_id = cJSON_IsNumber(nid) ? (long long)nid->valuedouble : 0;
	cJSON_Delete(done);
	free(body);
	const char *number = dash_f(x, "number");
	if (number && *number) {
		struct strbuf b;
		strbuf_init(&b);
		html_url_esc(&b, number);
		dash_redirect(x, "conversations?number=%s&note=replied&id=%lld", b.s, reply_id);
		strbuf_free(&b);
	} else {
		dash_redirect(x, "inbox?note=replied&id=%lld", reply_id);
	}
}

/* ---- The live counter ------------------------------------------------------------------ */

void dash_split_get(struct dash *x)
{
	char *body = dash_textarea(dash_q(x, "body"));
	const char *to = dash_q(x, "to");
	struct gsm_info gi;
	cJSON *j = cJSON_CreateObject();
	if (gsm_analyze(body, strlen(body), &gi) != 0) {
		cJSON_AddStringToObject(j, "error", "not valid text");
	} else {
		cJSON_AddNumberToObject(j, "chars", (double)gi.chars);
		cJSON_AddStringToObject(j, "encoding", gsm_encoding_name(gi.encoding));
		cJSON_AddNumberToObject(j, "segments", (double)gi.segments);
		cJSON_AddNumberToObject(j, "units", (double)gi.units);
		cJSON_AddNumberToObject(j, "per_part", (double)gi.per_part);
		cJSON_AddNumberToObject(j, "remaining", (double)gi.remaining);
		cJSON_AddBoolToObject(j, "too_long", policy_utf16_units(&gi) > POLICY_MAX_BODY);
		if (x->d->prices) {
			char region[3], price[32];
			phone_region_of(to ? to : "", region);
			money_format(price_estimate(x->d->prices, region, 0, gi.segments), price);
			cJSON_AddStringToObject(j, "estimate", price);
			cJSON_AddStringToObject(j, "currency", price_currency(x->d->prices));
		}
		gsm_info_free(&gi);
	}
	free(body);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	x->out.len = 0;
	dash_raw(x, s);
	free(s);
	x->rs->status = 200;
	x->rs->content_type = "application/json";
}
