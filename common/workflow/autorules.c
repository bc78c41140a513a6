/* autorules — sms-auto's add, rm, enable, disable and test on records: the
 * checks before a rule is stored and the explanation of a test. See autorules.h. */
#include "autorules.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "autoresp.h"
#include "gsm.h"
#include "inbound.h"
#include "policy.h"
#include "records.h"
#include "util.h"

/* ---- Helpers ----------------------------------------------------------------------- */

/* s without the ASCII white space around it, malloc'd. */
static char *trim(const char *s)
{
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r')))
		n--;
	return xstrndup(s, n);
}

/* A rule id: a whole number from 1, as a number or a string of digits. */
static int parse_id(const cJSON *v, int64_t *id)
{
	long long n;
	if (cJSON_IsString(v)) {
		if (parse_whole(v->valuestring, INT64_MAX, &n) != 0 || n < 1)
			return -1;
		*id = n;
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return -1;
	double d = v->valuedouble;
	if (!(d >= 1 && d <= 9007199254740992.0) || d != (double)(long long)d)
		return -1;
	*id = (int64_t)d;
	return 0;
}

/* Copies every field of the stored rule into rec (replacing the input's). */
static void merge(cJSON *rec, const cJSON *rule)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, rule) rec_put(rec, f->string, cJSON_Duplicate(f, 1));
}

cJSON *autorules_ordered(cJSON *rec)
{
	static const char *const keys[] = {
		"id", "name", "trigger", "match", "after", "within", "end", "response", "enabled",
		"active_hours", "created_at", "last_triggered_at", "trigger_count",
	};
	cJSON *out = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		cJSON *f = cJSON_DetachItemFromObjectCaseSensitive(rec, keys[i]);
		if (f)
			cJSON_AddItemToObject(out, keys[i], f);
	}
	cJSON *f;
	while ((f = rec->child) != NULL) {
		cJSON_DetachItemViaPointer(rec, f);
		char *k = xstrdup(f->string ? f->string : "");
		cJSON_AddItemToObject(out, k, f);
		free(k);
	}
	cJSON_Delete(rec);
	return out;
}

cJSON *autorules_record(const struct store_auto *a)
{
	cJSON *j = cJSON_CreateObject();
	rec_put_num(j, "id", (double)a->id);
	rec_put_str(j, "trigger", a->trigger);
	rec_put_str(j, "response", a->response);
	rec_put(j, "enabled", cJSON_CreateBool(a->enabled));
	rec_put_str(j, "active_hours", a->active_hours);
	rec_put_str(j, "created_at", a->created_at);
	rec_put_str(j, "last_triggered_at", a->last_triggered_at);
	rec_put_num(j, "trigger_count", (double)a->trigger_count);
	store_auto_flow_fields(j, a);
	char why[400];
	if (autorules_skipped(a, why, sizeof why))
		rec_put_str(j, "skipped", why);
	return j;
}

int autorules_skipped(const struct store_auto *a, char *why, size_t len)
{
	char err[320];
	struct autoresp_hours h;
	if (autoresp_trigger_check(a->trigger, a->match, err, sizeof err) != 0) {
		snprintf(why, len, "its trigger fails the checks of sms-auto add: %s", err);
		return 1;
	}
	if (autoresp_hours_parse(a->active_hours, &h, err, sizeof err) != 0) {
		snprintf(why, len, "its active hours \"%s\" no longer parse: %s", a->active_hours, err);
		return 1;
	}
	return 0;
}

/* A store failure: rec becomes an error record; the batch stops with 75. */
static int store_failed(struct store *st, cJSON *rec)
{
	rec_fail(rec, "store_error", 1, "%s", store_errmsg(st));
	return EX_TEMPFAIL;
}

/* ---- add ------------------------------------------------------------------------------ */

/* Checks the response as a message body: UTF-8, not blank, within 1,600. */
static int response_ok(cJSON *rec, const char *response)
{
	const char *p = response;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (!*p) {
		rec_fail(rec, "invalid_response", 0, "the response is empty");
		return 0;
	}
	struct gsm_info g;
	if (gsm_analyze(response, strlen(response), &g) != 0) {
		rec_fail(rec, "invalid_response", 0, "the response is not valid UTF-8");
		return 0;
	}
	size_t n = policy_utf16_units(&g);
	gsm_info_free(&g);
	if (n > POLICY_MAX_BODY) {
		rec_fail(rec, "body_too_long", 0, "the response has %zu characters; the limit is %d",
		         n, POLICY_MAX_BODY);
		return 0;
	}
	return 1;
}

/* The flow fields of an add (sms-auto(1), Flows) into a: "name", "after"
 * (a comma list or an array of tags), "within" (seconds, or "30m", "24h"),
 * "match" and "end". 1 when they are good, else 0 with rec the error record.
 * *after_buf is malloc'd for the caller to free. */
static int flow_fields(cJSON *rec, struct store_auto *a, char **after_buf)
{
	const cJSON *nv = cJSON_GetObjectItemCaseSensitive(rec, "name");
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(rec, "after");
	const cJSON *wv = cJSON_GetObjectItemCaseSensitive(rec, "within");
	const cJSON *mv = cJSON_GetObjectItemCaseSensitive(rec, "match");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rec, "end");
	*after_buf = NULL;
	if (nv && !cJSON_IsNull(nv)) {
		if (!cJSON_IsString(nv) || !store_tag_ok(nv->valuestring)) {
			rec_fail(rec, "invalid_name", 0, "a rule's name is a tag: 1 to 64 letters, "
			         "digits, '-', '_' or '.' (such as rated)");
			return 0;
		}
		a->name = nv->valuestring;
	}
	if (av && !cJSON_IsNull(av)) {
		struct strbuf b = {0};
		const cJSON *t;
		int bad = 0;
		if (cJSON_IsString(av)) {
			char *list = xstrdup(av->valuestring), *save = NULL;
			for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
				char *tag = trim(p);
				bad |= !store_tag_ok(tag);
				strbuf_printf(&b, "%s%s", b.len ? "," : "", tag);
				free(tag);
			}
			free(list);
		} else if (cJSON_IsArray(av)) {
			cJSON_ArrayForEach(t, av) {
				bad |= !cJSON_IsString(t) || !store_tag_ok(t->valuestring);
				if (cJSON_IsString(t))
					strbuf_printf(&b, "%s%s", b.len ? "," : "", t->valuestring);
			}
		} else {
			bad = 1;
		}
		*after_buf = strbuf_detach(&b);
		if (bad || !**after_buf) {
			rec_fail(rec, "invalid_after", 0, "\"after\" is a comma list of tags (the "
			         "states the rule waits for, such as survey or survey,rated), each 1 to "
			         "64 letters, digits, '-', '_' or '.'");
			return 0;
		}
		a->after = *after_buf;
	}
	if (wv && !cJSON_IsNull(wv)) {
		long long secs = 0;
		int ok = cJSON_IsString(wv) ? autoresp_duration_parse(wv->valuestring, &secs) == 0
		       : cJSON_IsNumber(wv) && wv->valuedouble >= 1 && wv->valuedouble <= 1e9 &&
		         (secs = (long long)wv->valuedouble) == wv->valuedouble;
		if (!ok) {
			rec_fail(rec, "invalid_within", 0, "\"within\" is how long a state lasts for "
			         "this rule: 90s, 30m, 24h, 7d or whole seconds");
			return 0;
		}
		if (!a->after) {
			rec_fail(rec, "invalid_within", 0, "\"within\" goes with \"after\": it is how "
			         "long the states a rule waits for last");
			return 0;
		}
		a->within = secs;
	}
	if (mv && !cJSON_IsNull(mv)) {
		if (!cJSON_IsString(mv) || (strcmp(mv->valuestring, "word") != 0 &&
		    strcmp(mv->valuestring, "exact") != 0 && strcmp(mv->valuestring, "regex") != 0)) {
			rec_fail(rec, "invalid_match", 0, "\"match\" is word, exact or regex");
			return 0;
		}
		a->match = mv->valuestring;
	}
	if (ev && !cJSON_IsNull(ev) && !cJSON_IsBool(ev)) {
		rec_fail(rec, "invalid_field", 0, "\"end\" must be true or false");
		return 0;
	}
	a->ends = cJSON_IsTrue(ev);
	return 1;
}

int autorules_add(struct store *st, cJSON *rec)
{
	const cJSON *tv = cJSON_GetObjectItemCaseSensitive(rec, "trigger");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(rec, "response");
	const cJSON *hv = cJSON_GetObjectItemCaseSensitive(rec, "active_hours");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rec, "enabled");
	if (!hv || cJSON_IsNull(hv)) /* the MCP tool's name for it */
		hv = cJSON_GetObjectItemCaseSensitive(rec, "activeHours");
	if (!cJSON_IsString(tv)) {
		rec_fail(rec, "invalid_trigger", 0, tv ? "\"trigger\" must be a string"
		                                      : "no \"trigger\": give a keyword or /regex/");
		return 0;
	}
	if (!cJSON_IsString(rv)) {
		rec_fail(rec, "invalid_response", 0, rv ? "\"response\" must be a string"
		                                        : "no \"response\": give the answer to send");
		return 0;
	}
	if (hv && !cJSON_IsNull(hv) && !cJSON_IsString(hv)) {
		rec_fail(rec, "invalid_active_hours", 0, "\"active_hours\" must be a string "
		         "such as \"9am-5pm Mon-Fri\"");
		return 0;
	}
	if (ev && !cJSON_IsNull(ev) && !cJSON_IsBool(ev)) {
		rec_fail(rec, "invalid_field", 0, "\"enabled\" must be true or false");
		return 0;
	}
	struct store_auto a = {0};
	char *after = NULL;
	if (!flow_fields(rec, &a, &after)) {
		free(after);
		return 0;
	}
	char err[400];
	char *trigger = trim(tv->valuestring);
	if (a.match && strcmp(a.match, "regex") == 0 && trigger[0] != '/') {
		/* --match regex with a bare pattern: the pattern, case ignored. */
		size_t n = strlen(trigger);
		char *re = xmalloc(n + 4);
		snprintf(re, n + 4, "/%s/i", trigger);
		free(trigger);
		trigger = re;
	}
	char *hours = cJSON_IsString(hv) ? trim(hv->valuestring) : NULL;
	struct autoresp_hours h;
	int rc = 0, r;
	int64_t id = 0;
	int bad = autoresp_trigger_check(trigger, a.match, err, sizeof err);
	int kind = autoresp_match_of(trigger, a.match);
	if (bad) {
		rec_fail(rec, bad == AUTORESP_UNSAFE ? "unsafe_regex" : "invalid_trigger", 0, "%s", err);
	} else if (kind != AUTORESP_REGEX && inbound_keyword(trigger) == KW_STOP) {
		rec_fail(rec, "opt_out_keyword", 0, "`%s` is an opt-out keyword: a message that says "
		         "it alone opts the sender out of all messages, always, so a rule for it could "
		         "never answer; ask for another word (sms-auto(1), Keywords)", trigger);
	} else if (!response_ok(rec, rv->valuestring)) {
		/* rec is the error record */
	} else if (hours && autoresp_hours_parse(hours, &h, err, sizeof err) != 0) {
		rec_fail(rec, "invalid_active_hours", 0, "active hours \"%s\": %s", hours, err);
	} else {
		a.trigger = trigger;
		a.response = rv->valuestring;
		a.enabled = !cJSON_IsFalse(ev);
		a.active_hours = hours && *hours ? hours : NULL;
		if ((r = store_auto_add(st, &a, &id)) == STORE_EXISTS) {
			rec_fail(rec, "name_taken", 0, "there is already a rule named %s (sms-auto list "
			         "shows it): a name is the state its answer sets, so it is one rule's",
			         a.name);
		} else if (r != STORE_OK) {
			rc = store_failed(st, rec);
		} else {
			cJSON *rule = NULL;
			if (store_auto_get(st, id, &rule) != STORE_OK) {
				rc = store_failed(st, rec);
			} else {
				merge(rec, rule);
				rec_set_ok(rec);
			}
			cJSON_Delete(rule);
		}
	}
	free(trigger);
	free(hours);
	free(after);
	return rc;
}

/* ---- rm, enable, disable ------------------------------------------------------------ */

int autorules_change(struct store *st, cJSON *rec, enum autorules_change how)
{
	int64_t id;
	const cJSON *iv = cJSON_GetObjectItemCaseSensitive(rec, "id");
	if (parse_id(iv, &id) != 0) {
		if (cJSON_IsString(iv))
			rec_fail(rec, "invalid_id", 0, "`%s` is not a rule id (a whole number such as 3)",
			         iv->valuestring);
		else
			rec_fail(rec, "invalid_id", 0, "no rule id (a whole number, as \"id\": 3)");
		return 0;
	}
	cJSON *before = NULL, *after = NULL;
	int r = store_auto_get(st, id, &before), rc = 0;
	if (r == STORE_OK) {
		if (how == AUTORULES_RM)
			r = store_auto_remove(st, id);
		else
			r = store_auto_set_enabled(st, id, how == AUTORULES_ENABLE);
	}
	if (r == STORE_OK && how != AUTORULES_RM)
		r = store_auto_get(st, id, &after);
	if (r == STORE_NOTFOUND) {
		rec_fail(rec, "not_found", 0, "autoresponder %lld: no such rule (sms-auto list "
		         "shows them)", (long long)id);
	} else if (r != STORE_OK) {
		rc = store_failed(st, rec);
	} else {
		merge(rec, after ? after : before);
		if (how == AUTORULES_RM) {
			rec_put(rec, "removed", cJSON_CreateTrue());
		} else {
			int was = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(before, "enabled"));
			rec_put(rec, "changed", cJSON_CreateBool(was != (how == AUTORULES_ENABLE)));
		}
		rec_set_ok(rec);
	}
	cJSON_Delete(before);
	cJSON_Delete(after);
	return rc;
}

/* ---- test ------------------------------------------------------------------------------ */

struct walk {
	time_t                        now;
	const char                   *body;
	const struct autoresp_thread *th;
	cJSON                        *matched; /* records of the rules whose trigger matches,
	                                         * in id order */
};

/* Why rule a, whose trigger matches, would not answer now; NULL when it would. */
static char *why_not(const struct store_auto *a, const struct autoresp_thread *th, time_t now)
{
	char err[256], buf[512];
	struct autoresp_hours h;
	if (!a->enabled)
		return xstrdup("it is disabled");
	int waits = autoresp_waits(a, th);
	if (waits == 1 && th->state && *th->state) {
		snprintf(buf, sizeof buf, "it waits for the state %s; the thread is in %s", a->after,
		         th->state);
		return xstrdup(buf);
	}
	if (waits == 1) {
		snprintf(buf, sizeof buf, "it waits for the state %s; the thread is in none "
		         "(no tagged message is open)", a->after);
		return xstrdup(buf);
	}
	if (waits == 2) {
		snprintf(buf, sizeof buf, "the thread's state %s was set %llds ago, past its window "
		         "of %llds", th->state, th->age, a->within > 0 ? a->within : th->window);
		return xstrdup(buf);
	}
	if (autoresp_hours_parse(a->active_hours, &h, err, sizeof err) != 0) {
		snprintf(buf, sizeof buf, "its active hours \"%s\" no longer parse: %s",
		         a->active_hours, err);
		return xstrdup(buf);
	}
	if (autoresp_hours_inside(&h, now))
		return NULL;
	struct tm tm;
	char when[64] = "";
	if (localtime_r(&now, &tm))
		strftime(when, sizeof when, "%a %H:%M %Z", &tm);
	snprintf(buf, sizeof buf, "it is outside its active hours (%s): now is %s",
	         a->active_hours, when);
	return xstrdup(buf);
}

static int walk_one(const struct store_auto *a, void *arg)
{
	struct walk *w = arg;
	if (!autoresp_trigger_matches(a->trigger, a->match, w->body))
		return 0;
	cJSON *r = autorules_record(a);
	char *why = why_not(a, w->th, w->now);
	if (why)
		rec_put_str(r, "reason", why);
	free(why);
	cJSON_AddItemToArray(w->matched, r);
	return 0;
}

int autorules_test(struct store *st, cJSON *rec, time_t now, long long window)
{
	const char *body = rec_str(rec, "body");
	if (!body) {
		rec_fail(rec, "invalid_body", 0, "no \"body\" to test (a string)");
		return 0;
	}
	/* The thread's state: as given, else the one of the thread with "from". */
	const char *given = rec_str(rec, "state"), *from = rec_str(rec, "from");
	char tag[80] = "";
	time_t at = 0;
	struct autoresp_thread th = {"", 0, window};
	if (given && *given && !store_tag_ok(given)) {
		rec_fail(rec, "invalid_state", 0, "`%s` is not a tag: 1 to 64 letters, digits, '-', "
		         "'_' or '.'", given);
		return 0;
	}
	if (given) {
		th.state = given;
	} else if (from && *from) {
		if (store_thread_state(st, from, tag, sizeof tag, &at) != STORE_OK)
			return store_failed(st, rec);
		th.state = tag;
		th.age = at ? (long long)(now - at) : 0;
		if (*tag)
			rec_put_str(rec, "state", tag);
	}
	struct autoresp_answer ans;
	int fires = autoresp_pick(st, body, now, &th, NULL, NULL, &ans);
	int64_t id = ans.id;
	autoresp_answer_free(&ans);
	struct walk w = {now, body, &th, cJSON_CreateArray()};
	if (fires < 0 || store_auto_list(st, 0, walk_one, &w) != STORE_OK) {
		cJSON_Delete(w.matched);
		return store_failed(st, rec);
	}
	/* The rules tried before the answer (all of them when none answers). */
	cJSON *passed = cJSON_CreateArray(), *m, *top = NULL;
	cJSON_ArrayForEach(m, w.matched) {
		const cJSON *mid = cJSON_GetObjectItemCaseSensitive(m, "id");
		if (fires && mid && (int64_t)mid->valuedouble == id) {
			top = m;
			continue;
		}
		if (!top && !fires)
			top = m;
		if (!rec_str(m, "reason"))
			continue; /* it would answer, but a rule for the thread's state comes first */
		cJSON *p = cJSON_CreateObject();
		rec_put(p, "id", cJSON_Duplicate(mid, 1));
		rec_put_str(p, "trigger", rec_str(m, "trigger"));
		rec_put_str(p, "reason", rec_str(m, "reason"));
		cJSON_AddItemToArray(passed, p);
	}
	cJSON *fetched = NULL;
	if (fires && !top && store_auto_get(st, id, &fetched) == STORE_OK)
		top = fetched; /* changed under us between the two reads */
	cJSON *state = cJSON_DetachItemFromObjectCaseSensitive(rec, "state");
	if (top)
		merge(rec, top);
	else
		rec_put_str(rec, "reason", "no rule's trigger matches");
	/* "state" stays the thread's, not a field of the rule. */
	if (state)
		rec_put(rec, "state", state);
	rec_put(rec, "would_fire", cJSON_CreateBool(fires == 1));
	rec_put(rec, "passed_over", passed);
	rec_set_ok(rec);
	cJSON_Delete(fetched);
	cJSON_Delete(w.matched);
	return 0;
}
