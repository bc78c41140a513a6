/* dashboard_reply — answering a received message from the dashboard, as
 * sms-reply does: inbox_reply_request() makes the outbound request and
 * sms-send, run as a child (subprog.h), sends it through the provider (quiet
 * hours, opt-outs, caps, retries, storage; the original marked replied and
 * read). The dashboard's thread waits for it meanwhile. The form is
 * dashboard_inbox.c's: a reply that fails shows its page again, the draft and
 * the reason in the form. A WhatsApp reply outside the 24-hour window is a
 * template: content_sid and content_variables go in the request instead of
 * a body, and sms-send checks the window again (smskit-whatsapp(7)). Also
 * the live counter's data: GET split?body=... answers the codec's own count
 * (gsm.h); for a WhatsApp address, only the characters (no SMS segments). */
#include "dashboard_reply.h"
#include "dashboard_inbox.h"
#include "dashboard_view.h"
#include "address.h"
#include "gsm.h"
#include "html.h"
#include "keywordwarn.h"
#include "inbox.h"
#include "phone.h"
#include "policy.h"
#include "records.h"
#include "subprog.h"
#include "store.h"

#include <ctype.h>
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

/* A form value without the blanks around it; malloc'd. */
static char *trimmed(const char *s)
{
	char *t = dash_textarea(s), *p = t;
	while (isspace((unsigned char)*p))
		p++;
	size_t n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	memmove(t, p, n);
	t[n] = '\0';
	return t;
}

/* The template fields of a WhatsApp reply into rec (its category when the
 * form gives one): 0, or -1 with the sentence that says what to write instead. */
static int template_fields(cJSON *rec, const char *sid, const char *vars, const char *cat,
                           const char **why)
{
	if (cat && *cat) {
		if (strcmp(cat, "utility") != 0 && strcmp(cat, "marketing") != 0 &&
		    strcmp(cat, "authentication") != 0) {
			*why = "The template's category is utility, marketing or authentication.";
			return -1;
		}
		rec_put_str(rec, "template_category", cat);
	}
	size_t n = strlen(sid);
	int ok = n == 34 && sid[0] == 'H' && sid[1] == 'X';
	for (size_t i = 2; ok && i < n; i++)
		ok = isxdigit((unsigned char)sid[i]) != 0;
	if (!ok) {
		*why = "The template's Content SID is HX and 32 hexadecimal digits, as the Twilio "
		       "Console shows it (Content Template Builder).";
		return -1;
	}
	rec_put_str(rec, "content_sid", sid);
	if (!*vars)
		return 0;
	cJSON *v = cJSON_Parse(vars);
	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		*why = "The template's variables must be a JSON object, such as {\"1\": \"Ann\", \"2\": "
		       "\"10:00\"}, or nothing.";
		return -1;
	}
	cJSON_AddItemToObject(rec, "content_variables", v);
	return 0;
}

/* The reply of the form to message id: a body, or a template (sid, vars). */
static void reply(struct dash *x, int64_t id, const char *body, const char *sid,
                  const char *vars)
{
	const char *q = dash_f(x, "ignore_quiet");
	int ignore_quiet = q && strcmp(q, "1") == 0;
	int tmpl = dash_f(x, "content_sid") != NULL; /* the template form */
	if (!*body && !*sid) {
		again(x, id, body, tmpl ? "Give the template's Content SID first."
		                        : "Write the reply first.", 400);
		return;
	}
	cJSON *rec = cJSON_CreateObject();
	rec_put_num(rec, "id", (double)id);
	if (*body)
		rec_put_str(rec, "body", body);
	const char *bad = NULL;
	if (*sid && template_fields(rec, sid, vars, dash_f(x, "template_category"), &bad) != 0) {
		cJSON_Delete(rec);
		again(x, id, body, bad, 400);
		return;
	}
	const char *code;
	char msg[512];
	if (inbox_reply_request(x->st, rec, &code, msg, sizeof msg) != 0) {
		cJSON_Delete(rec);
		if (strcmp(code, "store_error") == 0)
			dash_store_fail(x);
		else
			again(x, id, body, msg, strcmp(code, "not_found") == 0 ? 404 : 400);
		return;
	}
	char err[512] = "";
	cJSON *done = send_one(x, rec, ignore_quiet, err, sizeof err);
	if (!done) {
		again(x, id, body, err, 503);
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
		return;
	}
	const cJSON *nid = cJSON_GetObjectItemCaseSensitive(done, "id");
	long long reply_id = cJSON_IsNumber(nid) ? (long long)nid->valuedouble : 0;
	cJSON_Delete(done);
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

void dash_reply_post(struct dash *x)
{
	int64_t id;
	if (dash_id(dash_f(x, "id"), &id) != 0) {
		dash_fail(x, 400, "Not a message id.");
		return;
	}
	char *body = dash_textarea(dash_f(x, "body"));
	char *sid = trimmed(dash_f(x, "content_sid")), *vars = trimmed(dash_f(x, "content_variables"));
	if (dash_f(x, "content_sid")) { /* shown again in the template form if it fails */
		x->draft_sid = sid;
		x->draft_vars = vars;
		x->draft_cat = dash_f(x, "template_category");
	}
	reply(x, id, body, sid, vars);
	x->draft_sid = x->draft_vars = x->draft_cat = NULL;
	free(body);
	free(sid);
	free(vars);
}

/* ---- The live counter ------------------------------------------------------------------ */

/* The body's keyword warnings (smskit-practices(7), Reply words), as sms-split
 * and sms-stage give them, under "warnings" when there are any. */
static void keyword_warnings(cJSON *j, const char *body)
{
	const char *kw[KEYWORDWARN_MAX];
	size_t n = keyword_prompts(body, kw, KEYWORDWARN_MAX);
	if (n == 0)
		return;
	cJSON *w = cJSON_AddArrayToObject(j, "warnings");
	for (size_t i = 0; i < n; i++) {
		char buf[KEYWORDWARN_LEN];
		keyword_prompt_warning(kw[i], buf, sizeof buf);
		cJSON_AddItemToArray(w, cJSON_CreateString(buf));
	}
}

void dash_split_get(struct dash *x)
{
	char *body = dash_textarea(dash_q(x, "body"));
	const char *to = dash_q(x, "to");
	struct gsm_info gi;
	cJSON *j = cJSON_CreateObject();
	if (gsm_analyze(body, strlen(body), &gi) != 0) {
		cJSON_AddStringToObject(j, "error", "not valid text");
	} else if (address_channel(to) == CHANNEL_WHATSAPP) {
		/* WhatsApp has no SMS segments: its length is its own (sms-split) */
		cJSON_AddNumberToObject(j, "chars", (double)gi.chars);
		cJSON_AddStringToObject(j, "channel", "whatsapp");
		gsm_info_free(&gi);
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
	if (!cJSON_HasObjectItem(j, "error"))
		keyword_warnings(j, body);
	free(body);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	x->out.len = 0;
	dash_raw(x, s);
	free(s);
	x->rs->status = 200;
	x->rs->content_type = "application/json";
}
