/* sms-auto — autoresponders (SPEC 7): add, list, rm, enable, disable, and test
 * TEXT, which says which rule would answer a message now and, when none would,
 * why not. Rules are added from options or as NDJSON records on stdin. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoresp.h"
#include "clock.h"
#include "config.h"
#include "gsm.h"
#include "policy.h"
#include "records.h"
#include "store.h"
#include "util.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-auto add --trigger WORD|/regex/ --response TEXT\n"
	      "                    [--active-hours SPEC] [--disabled]\n"
	      "       ... | sms-auto add\n"
	      "       sms-auto list [-o json|text]\n"
	      "       sms-auto rm ID...\n"
	      "       sms-auto enable ID...\n"
	      "       sms-auto disable ID...\n"
	      "       sms-auto test [--at TIME] TEXT\n"
	      "\n"
	      "Autoresponders answer inbound messages in sms-webhookd. A keyword trigger\n"
	      "matches the first word of a message, case-insensitively, trailing .,!?:;\n"
	      "ignored; /regex/ (or /regex/i, ignoring case) searches the whole message.\n"
	      "Rules are tried in id order; the first enabled one that matches inside its\n"
	      "active hours (\"9am-5pm Mon-Fri\", in SMS_TZ) answers. Without --trigger, add\n"
	      "reads NDJSON records {\"trigger\", \"response\", \"active_hours\", \"enabled\"};\n"
	      "without IDs, rm, enable and disable read records with \"id\"; without TEXT,\n"
	      "test reads records with \"body\". test says which rule would answer now.\n"
	      "\n"
	      "  -t, --trigger WORD|/regex/  add: what the rule answers\n"
	      "  -r, --response TEXT         add: the answer\n"
	      "  -a, --active-hours SPEC     add: when it answers (default always)\n"
	      "  -d, --disabled              add: store the rule disabled\n"
	      "      --at TIME               test: as if now were TIME (RFC 3339)\n"
	      "  -o, --output FORMAT         json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help                  this help\n"
	      "      --version               print the version\n",
	      fp);
}

enum verb { V_ADD, V_LIST, V_RM, V_ENABLE, V_DISABLE, V_TEST };

static const char *const verb_names[] = {"add", "list", "rm", "enable", "disable", "test"};

struct opts {
	const char *trigger, *response, *hours, *at, *format;
	int         disabled;
};

struct ctx {
	struct store   *st;
	struct rec_out *out;
	enum verb       verb;
	time_t          now;
	int             header_done; /* -o text of list: the header line is out */
};

/* ---- Helpers ----------------------------------------------------------------------- */

static struct store *open_store(const struct sms_config *cfg, int *rc)
{
	char err[512];
	char *path = config_db_path(cfg);
	struct store *st = store_open(path, 0, err, sizeof err);
	free(path);
	if (!st) {
		warnmsg("%s", err);
		*rc = errno == EAGAIN ? EX_TEMPFAIL : EX_CONFIG;
	}
	return st;
}

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

/* rec with the fields of a rule first, in SPEC 5 order, then the rest. */
static cJSON *spec_order(cJSON *rec)
{
	static const char *const keys[] = {
		"id", "trigger", "response", "enabled", "active_hours", "created_at",
		"last_triggered_at", "trigger_count",
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

static cJSON *rule_record(const struct store_auto *a)
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
	return j;
}

/* A store failure: rec becomes an error record; the batch stops with 75. */
static int store_failed(struct ctx *c, cJSON *rec)
{
	rec_fail(rec, "store_error", 1, "%s", store_errmsg(c->st));
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

/* Stores the rule rec describes and fills rec in with the stored record.
 * Returns 0, or EX_TEMPFAIL when the store failed. */
static int add_one(struct ctx *c, cJSON *rec)
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
	char err[256];
	char *trigger = trim(tv->valuestring);
	char *hours = cJSON_IsString(hv) ? trim(hv->valuestring) : NULL;
	struct autoresp_hours h;
	int rc = 0;
	int64_t id = 0;
	if (autoresp_trigger_check(trigger, err, sizeof err) != 0) {
		rec_fail(rec, "invalid_trigger", 0, "%s", err);
	} else if (!response_ok(rec, rv->valuestring)) {
		/* rec is the error record */
	} else if (hours && autoresp_hours_parse(hours, &h, err, sizeof err) != 0) {
		rec_fail(rec, "invalid_active_hours", 0, "active hours \"%s\": %s", hours, err);
	} else if (store_auto_add(c->st, trigger, rv->valuestring, !cJSON_IsFalse(ev),
	                          hours && *hours ? hours : NULL, &id) != STORE_OK) {
		rc = store_failed(c, rec);
	} else {
		cJSON *rule = NULL;
		if (store_auto_get(c->st, id, &rule) != STORE_OK) {
			rc = store_failed(c, rec);
		} else {
			merge(rec, rule);
			rec_set_ok(rec);
		}
		cJSON_Delete(rule);
	}
	free(trigger);
	free(hours);
	return rc;
}

/* ---- rm, enable, disable ------------------------------------------------------------ */

static int change_one(struct ctx *c, cJSON *rec)
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
	int r = store_auto_get(c->st, id, &before), rc = 0;
	if (r == STORE_OK) {
		if (c->verb == V_RM)
			r = store_auto_remove(c->st, id);
		else
			r = store_auto_set_enabled(c->st, id, c->verb == V_ENABLE);
	}
	if (r == STORE_OK && c->verb != V_RM)
		r = store_auto_get(c->st, id, &after);
	if (r == STORE_NOTFOUND) {
		rec_fail(rec, "not_found", 0, "autoresponder %lld: no such rule (sms-auto list "
		         "shows them)", (long long)id);
	} else if (r != STORE_OK) {
		rc = store_failed(c, rec);
	} else {
		merge(rec, after ? after : before);
		if (c->verb == V_RM) {
			rec_put(rec, "removed", cJSON_CreateTrue());
		} else {
			int was = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(before, "enabled"));
			rec_put(rec, "changed", cJSON_CreateBool(was != (c->verb == V_ENABLE)));
		}
		rec_set_ok(rec);
	}
	cJSON_Delete(before);
	cJSON_Delete(after);
	return rc;
}

/* ---- test ------------------------------------------------------------------------------ */

struct walk {
	struct ctx *c;
	const char *body;
	cJSON      *matched; /* records of the rules whose trigger matches, in id order */
};

/* Why rule a, whose trigger matches, would not answer now; NULL when it would. */
static char *why_not(const struct store_auto *a, time_t now)
{
	char err[256], buf[512];
	struct autoresp_hours h;
	if (!a->enabled)
		return xstrdup("it is disabled");
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
	if (!autoresp_trigger_matches(a->trigger, w->body))
		return 0;
	cJSON *r = rule_record(a);
	char *why = why_not(a, w->c->now);
	if (why)
		rec_put_str(r, "reason", why);
	free(why);
	cJSON_AddItemToArray(w->matched, r);
	return 0;
}

static int test_one(struct ctx *c, cJSON *rec)
{
	const char *body = rec_str(rec, "body");
	if (!body) {
		rec_fail(rec, "invalid_body", 0, "no \"body\" to test (a string)");
		return 0;
	}
	int64_t id = 0;
	char *response = NULL;
	int fires = autoresp_pick(c->st, body, c->now, &id, &response);
	free(response);
	struct walk w = {c, body, cJSON_CreateArray()};
	if (fires < 0 || store_auto_list(c->st, 0, walk_one, &w) != STORE_OK) {
		cJSON_Delete(w.matched);
		return store_failed(c, rec);
	}
	/* The rules tried before the answer (all of them when none answers). */
	cJSON *passed = cJSON_CreateArray(), *m, *top = NULL;
	cJSON_ArrayForEach(m, w.matched) {
		const cJSON *mid = cJSON_GetObjectItemCaseSensitive(m, "id");
		if (fires && mid && (int64_t)mid->valuedouble == id) {
			top = m;
			break;
		}
		if (!top && !fires)
			top = m;
		if (!rec_str(m, "reason"))
			continue; /* it would answer: only when the store changed between the reads */
		cJSON *p = cJSON_CreateObject();
		rec_put(p, "id", cJSON_Duplicate(mid, 1));
		rec_put_str(p, "trigger", rec_str(m, "trigger"));
		rec_put_str(p, "reason", rec_str(m, "reason"));
		cJSON_AddItemToArray(passed, p);
	}
	cJSON *fetched = NULL;
	if (fires && !top && store_auto_get(c->st, id, &fetched) == STORE_OK)
		top = fetched; /* changed under us between the two reads */
	if (top)
		merge(rec, top);
	else
		rec_put_str(rec, "reason", "no rule's trigger matches");
	rec_put(rec, "would_fire", cJSON_CreateBool(fires == 1));
	rec_put(rec, "passed_over", passed);
	rec_set_ok(rec);
	cJSON_Delete(fetched);
	cJSON_Delete(w.matched);
	return 0;
}

/* ---- The record loop ---------------------------------------------------------------- */

static int apply(struct ctx *c, cJSON *rec)
{
	switch (c->verb) {
	case V_ADD: return add_one(c, rec);
	case V_TEST: return test_one(c, rec);
	default: return change_one(c, rec);
	}
}

/* Records from stdin, one output record each; stops at a store failure. */
static int run_stdin(struct ctx *c)
{
	struct rec_in in;
	rec_in_init(&in, stdin);
	cJSON *rec, *bad;
	int hint = 0;
	while (!hint && rec_next(&in, &rec, &bad)) {
		if (bad) {
			rec_emit(c->out, bad);
			continue;
		}
		hint = apply(c, rec);
		rec_emit(c->out, rec);
	}
	int rc = hint ? hint : rec_exit_code(c->out, &in);
	rec_in_free(&in);
	return rc;
}

static int run_ids(struct ctx *c, int argc, char **argv)
{
	int hint = 0;
	for (int i = 0; i < argc && !hint; i++) {
		cJSON *rec = cJSON_CreateObject();
		long long n;
		if (parse_whole(argv[i], INT64_MAX, &n) == 0 && n >= 1)
			rec_put_num(rec, "id", (double)n);
		else
			rec_put_str(rec, "id", argv[i]);
		hint = apply(c, rec);
		rec_emit(c->out, rec);
	}
	return hint ? hint : rec_exit_code(c->out, NULL);
}

static int list_one(const struct store_auto *a, void *arg)
{
	struct ctx *c = arg;
	cJSON *rec = rule_record(a);
	rec_set_ok(rec);
	rec_emit(c->out, rec);
	return 0;
}

/* ---- Text output ---------------------------------------------------------------------- */

static long long rec_id(const cJSON *rec)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "id");
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static const char *or_dash(const char *s) { return s ? s : "-"; }

static void print_text(FILE *fp, const cJSON *rec, void *arg)
{
	struct ctx *c = arg;
	long long id = rec_id(rec);
	const char *trigger = or_dash(rec_str(rec, "trigger"));
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const char *msg = rec_str(cJSON_GetObjectItemCaseSensitive(rec, "error"), "message");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(rec, "line");
		if (cJSON_IsNumber(line))
			fprintf(fp, "line %d: error: %s\n", line->valueint, or_dash(msg));
		else if (id)
			fprintf(fp, "rule %lld: error: %s\n", id, or_dash(msg));
		else
			fprintf(fp, "error: %s\n", or_dash(msg));
		return;
	}
	int enabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "enabled"));
	const char *hours = rec_str(rec, "active_hours");
	switch (c->verb) {
	case V_LIST: {
		if (!c->header_done) {
			fprintf(fp, "%4s  %-3s  %-16s  %-20s  %5s  %s\n", "ID", "ON", "TRIGGER",
			        "ACTIVE HOURS", "FIRED", "RESPONSE");
			c->header_done = 1;
		}
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(rec, "trigger_count");
		fprintf(fp, "%4lld  %-3s  %-16s  %-20s  %5lld  %s\n", id, enabled ? "yes" : "no",
		        trigger, hours ? hours : "always",
		        cJSON_IsNumber(n) ? (long long)n->valuedouble : 0LL,
		        or_dash(rec_str(rec, "response")));
		break;
	}
	case V_ADD:
		fprintf(fp, "added rule %lld%s: %s -> %s%s%s\n", id, enabled ? "" : " (disabled)",
		        trigger, or_dash(rec_str(rec, "response")), hours ? ", active " : "",
		        hours ? hours : "");
		break;
	case V_RM:
		fprintf(fp, "removed rule %lld (%s)\n", id, trigger);
		break;
	case V_ENABLE:
	case V_DISABLE: {
		int changed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "changed"));
		fprintf(fp, "rule %lld (%s) %s%s\n", id, trigger, changed ? "" : "was already ",
		        enabled ? "enabled" : "disabled");
		break;
	}
	case V_TEST: {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "would_fire")))
			fprintf(fp, "would fire: rule %lld (%s) -> %s\n", id, trigger,
			        or_dash(rec_str(rec, "response")));
		else if (id)
			fprintf(fp, "would not fire: rule %lld (%s) matches, but %s\n", id, trigger,
			        or_dash(rec_str(rec, "reason")));
		else
			fprintf(fp, "would not fire: %s\n", or_dash(rec_str(rec, "reason")));
		const cJSON *p, *passed = cJSON_GetObjectItemCaseSensitive(rec, "passed_over");
		cJSON_ArrayForEach(p, passed) {
			if (rec_id(p) == id)
				continue;
			fprintf(fp, "  passed over rule %lld (%s): %s\n", rec_id(p),
			        or_dash(rec_str(p, "trigger")), or_dash(rec_str(p, "reason")));
		}
		break;
	}
	}
}

/* ---- main -------------------------------------------------------------------------------- */

/* 0 to go on, -1 after --help or --version (exit 0), else EX_USAGE. */
static int parse_opts(int argc, char **argv, struct opts *o, const char *optstring)
{
	static const struct option longopts[] = {
		{"trigger", required_argument, NULL, 't'},
		{"response", required_argument, NULL, 'r'},
		{"active-hours", required_argument, NULL, 'a'},
		{"disabled", no_argument, NULL, 'd'},
		{"at", required_argument, NULL, 'A'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	while ((ch = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (ch) {
		case 't': o->trigger = optarg; break;
		case 'r': o->response = optarg; break;
		case 'a': o->hours = optarg; break;
		case 'd': o->disabled = 1; break;
		case 'A': o->at = optarg; break;
		case 'o': o->format = optarg; break;
		case 'h': usage(stdout); return -1;
		case 'V': printf("sms-auto %s\n", SMSKIT_VERSION); return -1;
		default:
			if (!opterr)
				warnmsg("unknown option or missing argument: %s", argv[optind - 1]);
			usage(stderr);
			return EX_USAGE;
		}
	}
	return 0;
}

/* Usage checks that need no store. Returns 0 or EX_USAGE. */
static int check_usage(enum verb v, const struct opts *o, int nargs, time_t *now)
{
	int adding = v == V_ADD;
	if (!adding && (o->trigger || o->response || o->hours || o->disabled)) {
		warnmsg("--trigger, --response, --active-hours and --disabled go with add only");
		return EX_USAGE;
	}
	if (adding && nargs > 0) {
		warnmsg("add takes no arguments: give --trigger and --response, or NDJSON on stdin");
		return EX_USAGE;
	}
	if (adding && !o->trigger && (o->response || o->hours || o->disabled)) {
		warnmsg("add needs --trigger with --response, --active-hours or --disabled");
		return EX_USAGE;
	}
	if (adding && o->trigger && !o->response) {
		warnmsg("add needs --response with --trigger");
		return EX_USAGE;
	}
	if (v == V_LIST && nargs > 0) {
		warnmsg("list takes no arguments");
		return EX_USAGE;
	}
	if (o->at && v != V_TEST) {
		warnmsg("--at goes with test only");
		return EX_USAGE;
	}
	if (o->at && clock_parse(o->at, now) != 0) {
		warnmsg("--at %s: not an RFC 3339 time such as 2026-11-28T15:00:00Z", o->at);
		return EX_USAGE;
	}
	int reads_stdin = nargs == 0 && v != V_LIST && !(adding && o->trigger);
	if (reads_stdin && isatty(STDIN_FILENO)) {
		warnmsg("%s: %s, or NDJSON records on stdin", verb_names[v],
		        adding ? "give --trigger and --response"
		        : v == V_TEST ? "give the TEXT to test" : "give one or more rule IDs");
		return EX_USAGE;
	}
	return 0;
}

static int run(struct ctx *c, const struct opts *o, int nargs, char **args)
{
	if (c->verb == V_LIST) {
		if (store_auto_list(c->st, 0, list_one, c) == STORE_OK)
			return 0;
		warnmsg("%s", store_errmsg(c->st));
		return EX_TEMPFAIL;
	}
	if (c->verb == V_ADD && o->trigger) {
		cJSON *rec = cJSON_CreateObject();
		rec_put_str(rec, "trigger", o->trigger);
		rec_put_str(rec, "response", o->response);
		rec_put_str(rec, "active_hours", o->hours);
		rec_put(rec, "enabled", cJSON_CreateBool(!o->disabled));
		int hint = add_one(c, rec);
		rec_emit(c->out, spec_order(rec));
		return hint ? hint : rec_exit_code(c->out, NULL);
	}
	if (c->verb == V_TEST && nargs > 0) {
		/* The words of TEXT, as typed without quotes, make one message. */
		struct strbuf b;
		strbuf_init(&b);
		for (int i = 0; i < nargs; i++) {
			if (i)
				strbuf_putc(&b, ' ');
			strbuf_puts(&b, args[i]);
		}
		cJSON *rec = cJSON_CreateObject();
		rec_put_str(rec, "body", b.s ? b.s : "");
		strbuf_free(&b);
		int hint = test_one(c, rec);
		rec_emit(c->out, rec);
		return hint ? hint : rec_exit_code(c->out, NULL);
	}
	if (nargs > 0)
		return run_ids(c, nargs, args);
	return run_stdin(c);
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	struct opts o = {0};
	int r = parse_opts(argc, argv, &o, "+t:r:a:do:h");
	if (r)
		return r < 0 ? 0 : r;
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	const char *word = argv[optind++];
	/* Options may also follow the verb, before or after its arguments: getopt
	 * starts afresh (optind 0) on the words after the verb, the verb standing in
	 * for argv[0], so that it permutes them; it reports errors itself no more. */
	int vi = optind - 1;
	optind = 0;
	opterr = 0;
	r = parse_opts(argc - vi, argv + vi, &o, "t:r:a:do:h");
	if (r)
		return r < 0 ? 0 : r;
	optind += vi;
	struct ctx c = {0};
	size_t nverbs = sizeof verb_names / sizeof *verb_names, v = 0;
	while (v < nverbs && strcmp(word, verb_names[v]) != 0)
		v++;
	if (v == nverbs && strcmp(word, "remove") == 0)
		v = V_RM;
	if (v == nverbs) {
		warnmsg("unknown command `%s`: add, list, rm, enable, disable or test", word);
		return EX_USAGE;
	}
	c.verb = (enum verb)v;
	int nargs = argc - optind;
	char **args = argv + optind;
	r = check_usage(c.verb, &o, nargs, &c.now);
	if (r)
		return r;
	struct rec_out out;
	rec_out_init(&out, stdout);
	if (rec_out_format(&out, o.format, print_text, &c) != 0) {
		warnmsg("-o takes json or text, not `%s`", o.format);
		return EX_USAGE;
	}
	c.out = &out;
	char err[512];
	struct sms_config *cfg = config_load(err, sizeof err);
	if (!cfg) {
		warnmsg("%s", err);
		return EX_CONFIG;
	}
	clock_use_zone(cfg);
	if (!o.at)
		c.now = clock_now();
	int rc = 0;
	c.st = open_store(cfg, &rc);
	if (c.st) {
		rc = run(&c, &o, nargs, args);
		store_close(c.st);
	}
	config_free(cfg);
	if (fflush(stdout) != 0) {
		warnmsg("write error on stdout");
		return EX_IOERR;
	}
	return rc;
}
