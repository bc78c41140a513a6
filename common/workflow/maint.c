/* maint — sms-store's verbs over the store's upkeep; see maint.h. */
#include "maint.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "address.h"
#include "clock.h"
#include "phone.h"
#include "store_maint.h"
#include "util.h"

/* ---- Progress --------------------------------------------------------------------- */

static void progress_line(long long done, long long total, void *arg)
{
	struct maint *m = arg;
	if (!progress_due(&m->pace, 0))
		return;
	/* A backup copies SQLite's pages, or a PostgreSQL store's rows (a URI). */
	const char *unit = strcmp(m->verb, "backup") == 0
	                           ? (strstr(store_path(m->st), "://") ? "rows" : "pages")
	                   : strcmp(m->verb, "migrate") == 0 ? "rows"
	                                                     : "messages";
	if (total > 0)
		fprintf(stderr, "\r%s: %s: %lld of %lld %s (%.0f%%)   ", util_progname(), m->verb, done,
		        total, unit, 100.0 * (double)done / (double)total);
	else
		fprintf(stderr, "\r%s: %s: %lld %s   ", util_progname(), m->verb, done, unit);
}

static void progress_end(struct maint *m)
{
	if (progress_due(&m->pace, 1))
		fprintf(stderr, "\r%s: %s: done in %.1f s%20s\n", util_progname(), m->verb,
		        progress_secs(&m->pace), "");
}

/* A record of the store's failure (exit 75: it may be locked, or full). */
static int store_failed(struct maint *m, cJSON *rec)
{
	rec_fail(rec, "store_error", 1, "%s", store_errmsg(m->st));
	rec_emit(m->out, rec);
	return EX_TEMPFAIL;
}

/* ---- backup ------------------------------------------------------------------------ */

int maint_backup(struct maint *m, const char *file)
{
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "file", file);
	long long bytes = 0;
	progress_start(&m->pace, m->progress);
	int rc = store_backup(m->st, file, m->force, m->progress ? progress_line : NULL, m, &bytes);
	progress_end(m);
	if (rc == STORE_EXISTS) {
		rec_fail(rec, "exists", 0, "%s", store_errmsg(m->st));
		rec_emit(m->out, rec);
		return EX_CANTCREAT;
	}
	if (rc != STORE_OK) {
		rec_fail(rec, "backup_failed", 0, "%s", store_errmsg(m->st));
		rec_emit(m->out, rec);
		return EX_IOERR;
	}
	rec_put_num(rec, "bytes", (double)bytes);
	rec_put_num(rec, "schema_version", store_version(m->st));
	rec_set_ok(rec);
	rec_emit(m->out, rec);
	return 0;
}

/* ---- check -------------------------------------------------------------------------- */

static int one_problem(const struct store_problem *p, void *arg)
{
	struct maint *m = arg;
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "check", p->check);
	if (p->note) { /* what could not be checked: said, not a failure */
		rec_put_str(rec, "note", p->message);
		rec_set_ok(rec);
		rec_emit(m->out, rec);
		return 0;
	}
	if (p->table) {
		rec_put_str(rec, "table", p->table);
		rec_put_num(rec, "rowid", (double)p->rowid);
		rec_put_str(rec, "parent", p->parent);
	}
	rec_fail(rec, p->table ? "foreign_key" : "store_corrupt", 0, "%s", p->message);
	rec_emit(m->out, rec);
	return 0;
}

int maint_check(struct maint *m)
{
	long long problems = 0;
	int rc = store_check(m->st, one_problem, m, &problems);
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "check", "summary");
	rec_put_num(rec, "problems", (double)problems);
	rec_put_num(rec, "schema_version", store_version(m->st));
	rec_put_num(rec, "schema_version_expected", STORE_SCHEMA_VERSION);
	if (rc != STORE_OK) {
		/* The checks themselves failed to read the file: that is damage too. */
		rec_fail(rec, "store_corrupt", 0, "the check could not finish: %s", store_errmsg(m->st));
	} else if (problems > 0) {
		rec_fail(rec, "store_corrupt", 0, "%lld problem(s) found", problems);
	} else if (store_version(m->st) != STORE_SCHEMA_VERSION) {
		rec_fail(rec, "store_corrupt", 0, "schema version %d, expected %d",
		         store_version(m->st), STORE_SCHEMA_VERSION);
	} else {
		rec_set_ok(rec);
	}
	int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"));
	rec_emit(m->out, rec);
	return ok ? 0 : EX_DATAERR;
}

/* ---- stats -------------------------------------------------------------------------- */

static int put_count(const char *status, long long n, void *arg)
{
	cJSON_AddNumberToObject(arg, status, (double)n);
	return 0;
}

int maint_stats(struct maint *m)
{
	struct store_stats s;
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "path", store_path(m->st));
	rec_put_num(rec, "schema_version", store_version(m->st));
	if (store_stats(m->st, &s) != STORE_OK)
		return store_failed(m, rec);
	rec_put_num(rec, "bytes", (double)s.bytes);
	rec_put_num(rec, "wal_bytes", (double)s.wal_bytes);
	rec_put_num(rec, "free_bytes", (double)s.free_bytes);
	rec_put_num(rec, "messages", (double)s.messages);
	static const char *const dirs[] = {"outbound", "inbound"};
	for (size_t i = 0; i < 2; i++) {
		cJSON *by = cJSON_CreateObject();
		rec_put(rec, dirs[i], by);
		if (store_status_counts(m->st, dirs[i], put_count, by) != STORE_OK)
			return store_failed(m, rec);
	}
	rec_put(rec, "oldest", s.oldest[0] ? cJSON_CreateString(s.oldest) : cJSON_CreateNull());
	rec_put(rec, "newest", s.newest[0] ? cJSON_CreateString(s.newest) : cJSON_CreateNull());
	rec_put_num(rec, "events", (double)s.events);
	rec_put_num(rec, "optouts", (double)s.optouts);
	rec_put_num(rec, "templates", (double)s.templates);
	rec_put_num(rec, "autoresponders", (double)s.autoresponders);
	rec_put_num(rec, "kv", (double)s.kv);
	rec_set_ok(rec);
	rec_emit(m->out, rec);
	return 0;
}

/* ---- export and erase: one number ------------------------------------------------------ */

/* number normalised as sms-optout does (E.164 against SMS_DEFAULT_COUNTRY;
 * letters and extensions refused: acting on a guess would touch a stranger's
 * data). 0, or -1 with rec failed. */
static int read_number(struct maint *m, const char *raw, cJSON *rec, char e164[24])
{
	struct phone_result pr;
	if (!raw || !*raw) {
		rec_fail(rec, "invalid_number", 0, "--number is empty");
		return -1;
	}
	/* A WhatsApp address names the same person: both channels are theirs. */
	const char *num = raw;
	if (strncasecmp(num, ADDRESS_WHATSAPP_PREFIX, strlen(ADDRESS_WHATSAPP_PREFIX)) == 0)
		num += strspn(num + strlen(ADDRESS_WHATSAPP_PREFIX), " ") +
		       strlen(ADDRESS_WHATSAPP_PREFIX);
	if (phone_parse(num, m->region, &pr) != PHONE_OK) {
		rec_fail(rec, "invalid_number", 0, "%s: %s", raw, pr.reason ? pr.reason : "not a phone number");
		return -1;
	}
	if (pr.extra[0]) {
		rec_fail(rec, "invalid_number", 0, "%s: %s", raw, pr.extra);
		return -1;
	}
	if (!phone_e164_fits(pr.e164)) {
		rec_fail(rec, "invalid_number", 0, "%s: longer than the 15 digits an E.164 number may have",
		         raw);
		return -1;
	}
	memcpy(e164, pr.e164, sizeof pr.e164);
	return 0;
}

static int export_one(cJSON *rec, void *arg)
{
	struct maint *m = arg;
	rec_set_ok(rec);
	rec_emit(m->out, rec);
	return 0;
}

int maint_export(struct maint *m, const char *number)
{
	char e164[24];
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "number", number);
	if (read_number(m, number, rec, e164)) {
		rec_emit(m->out, rec);
		return EX_DATAERR;
	}
	if (store_export_number(m->st, e164, export_one, m) != STORE_OK)
		return store_failed(m, rec);
	cJSON_Delete(rec);
	return 0;
}

static void put_removed(cJSON *rec, const struct store_removed *r, int prune)
{
	rec_put_num(rec, "messages", (double)r->messages);
	rec_put_num(rec, "events", (double)r->events);
	rec_put_num(rec, "other_events", (double)r->other_events);
	if (prune)
		rec_put_num(rec, "kept_in_flight", (double)r->kept_in_flight);
	else
		rec_put_num(rec, "kv", (double)r->kv);
}

int maint_erase(struct maint *m, const char *number)
{
	char e164[24];
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "number", number);
	if (read_number(m, number, rec, e164)) {
		rec_emit(m->out, rec);
		return EX_DATAERR;
	}
	rec_put_str(rec, "number", e164);
	rec_put(rec, "dry_run", cJSON_CreateBool(m->dry));
	struct store_removed r;
	progress_start(&m->pace, m->progress);
	int rc = store_erase_number(m->st, e164, m->dry, m->progress ? progress_line : NULL, m, &r);
	progress_end(m);
	put_removed(rec, &r, 0); /* what went before a failure, too */
	if (rc != STORE_OK)
		return store_failed(m, rec);
	int out = store_optout_check(m->st, e164);
	if (out == STORE_ERR)
		return store_failed(m, rec);
	rec_put(rec, "opted_out", cJSON_CreateBool(out == 1));
	rec_set_ok(rec);
	rec_emit(m->out, rec);
	return 0;
}

/* ---- prune ------------------------------------------------------------------------- */

int maint_older_than(const char *s, char out[32])
{
	char *end;
	long n = strtol(s, &end, 10);
	/* clock_since has no years: "1y" is 365 days. */
	if (end != s && s[0] >= '0' && s[0] <= '9' && end[0] == 'y' && !end[1]) {
		if (n > 100)
			return -1;
		char days[32];
		snprintf(days, sizeof days, "%ldd", n * 365);
		return clock_since(days, out);
	}
	return clock_since(s, out);
}

int maint_prune(struct maint *m, const char *older_than)
{
	char before[32];
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "older_than", older_than);
	if (maint_older_than(older_than, before) != 0) {
		rec_fail(rec, "invalid_field", 0, "--older-than takes 90d, 12w, 1y, 36h, a date such as "
		         "2026-01-31, or an RFC 3339 time, not `%s`", older_than);
		rec_emit(m->out, rec);
		return EX_USAGE;
	}
	rec_put_str(rec, "before", before);
	rec_put(rec, "dry_run", cJSON_CreateBool(m->dry));
	struct store_removed r;
	progress_start(&m->pace, m->progress);
	int rc = store_prune(m->st, before, m->dry, m->progress ? progress_line : NULL, m, &r);
	progress_end(m);
	put_removed(rec, &r, 1);
	if (rc != STORE_OK)
		return store_failed(m, rec);
	rec_set_ok(rec);
	rec_emit(m->out, rec);
	return 0;
}

/* ---- migrate ------------------------------------------------------------------------ */

int maint_migrate_not_pg(struct maint *m, const char *db)
{
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "store", db);
	rec_fail(rec, "not_postgresql", 0, "%s: not a PostgreSQL store; migrate copies a SQLite "
	         "store into the PostgreSQL store SMS_DB names (SMS_DB=postgresql://...)", db);
	rec_emit(m->out, rec);
	return EX_CONFIG;
}

int maint_migrate(struct maint *m, const char *source)
{
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "source", source);
	rec_put_str(rec, "store", store_path(m->st));
	struct store_migrated r;
	progress_start(&m->pace, m->progress);
	int rc = store_migrate_from(m->st, source, m->progress ? progress_line : NULL, m, &r);
	progress_end(m);
	if (r.source_version >= 0)
		rec_put_num(rec, "source_schema_version", r.source_version);
	rec_put_num(rec, "schema_version", store_version(m->st));
	/* The counts as far as the work went, a failure's too (none when the
	 * source was refused before it was read). */
	for (int t = 0; t < STORE_MIG_TABLES && r.counted; t++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddNumberToObject(c, "source", (double)r.source[t]);
		cJSON_AddNumberToObject(c, "copied", (double)r.copied[t]);
		cJSON_AddNumberToObject(c, "found", (double)r.found[t]);
		rec_put(rec, store_migrate_tables[t], c);
	}
	rec_put_num(rec, "seconds", (double)(long long)(r.seconds * 100 + 0.5) / 100);
	if (rc == STORE_ERR)
		return store_failed(m, rec);
	if (rc == STORE_REFUSED) {
		static const struct {
			const char *code;
			int         exit;
		} why[] = {
			[STORE_MIG_NOT_PG] = {"not_postgresql", EX_CONFIG},
			[STORE_MIG_NO_SOURCE] = {"no_source", EX_NOINPUT},
			[STORE_MIG_BAD_SOURCE] = {"bad_source", EX_DATAERR},
			[STORE_MIG_COUNTS] = {"count_mismatch", EX_DATAERR},
		};
		int i = r.refused >= STORE_MIG_NOT_PG && r.refused <= STORE_MIG_COUNTS ? (int)r.refused
		                                                                        : STORE_MIG_COUNTS;
		rec_fail(rec, why[i].code, 0, "%s", store_errmsg(m->st));
		rec_emit(m->out, rec);
		return why[i].exit;
	}
	rec_set_ok(rec);
	rec_emit(m->out, rec);
	return 0;
}

/* ---- -o text ------------------------------------------------------------------------ */

static long long num(const cJSON *rec, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static const char *str(const cJSON *rec, const char *key)
{
	const char *s = rec_str(rec, key);
	return s ? s : "-";
}

static void print_counts(FILE *fp, const cJSON *by)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, by)
		fprintf(fp, " %s %lld", c->string, (long long)c->valuedouble);
	fputc('\n', fp);
}

static void print_item(FILE *fp, const cJSON *rec)
{
	const char *type = str(rec, "type");
	if (strcmp(type, "message") == 0) {
		int in = strcmp(str(rec, "direction"), "inbound") == 0;
		fprintf(fp, "message %-6lld %s %-8s %-11s %s %s\n", num(rec, "id"), str(rec, "created_at"),
		        str(rec, "direction"), str(rec, "status"), in ? "from" : "to",
		        str(rec, in ? "from" : "to"));
	} else if (strcmp(type, "event") == 0) {
		fprintf(fp, "event   %-6lld %s %-8s message %s\n", num(rec, "id"), str(rec, "at"),
		        str(rec, "kind"),
		        cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rec, "message_id"))
		                ? "linked" : "none");
	} else if (strcmp(type, "optout") == 0) {
		fprintf(fp, "optout  %s %s %s\n", str(rec, "number"), str(rec, "at"), str(rec, "source"));
	} else {
		fprintf(fp, "kv      %s\n", str(rec, "key"));
	}
}

void maint_print_text(FILE *fp, const cJSON *rec, void *arg)
{
	const char *verb = arg;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		fprintf(fp, "error: %s\n", str(e, "message"));
		return;
	}
	const char *dry = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "dry_run"))
	                          ? " (dry run: nothing removed)" : "";
	if (strcmp(verb, "backup") == 0) {
		fprintf(fp, "%s: %lld bytes, schema version %lld\n", str(rec, "file"), num(rec, "bytes"),
		        num(rec, "schema_version"));
	} else if (strcmp(verb, "check") == 0 && rec_str(rec, "note")) {
		fprintf(fp, "note: %s\n", rec_str(rec, "note"));
	} else if (strcmp(verb, "check") == 0) {
		fprintf(fp, "ok: integrity and foreign keys, schema version %lld\n",
		        num(rec, "schema_version"));
	} else if (strcmp(verb, "stats") == 0) {
		fprintf(fp, "store:          %s, schema version %lld\n", str(rec, "path"),
		        num(rec, "schema_version"));
		fprintf(fp, "size:           %lld bytes (write-ahead log %lld, unused %lld)\n",
		        num(rec, "bytes"), num(rec, "wal_bytes"), num(rec, "free_bytes"));
		fprintf(fp, "messages:       %lld, oldest %s, newest %s\n", num(rec, "messages"),
		        str(rec, "oldest"), str(rec, "newest"));
		fputs("  outbound:    ", fp);
		print_counts(fp, cJSON_GetObjectItemCaseSensitive(rec, "outbound"));
		fputs("  inbound:     ", fp);
		print_counts(fp, cJSON_GetObjectItemCaseSensitive(rec, "inbound"));
		fprintf(fp, "events:         %lld\n", num(rec, "events"));
		fprintf(fp, "opt-outs:       %lld\n", num(rec, "optouts"));
		fprintf(fp, "templates:      %lld\n", num(rec, "templates"));
		fprintf(fp, "autoresponders: %lld\n", num(rec, "autoresponders"));
		fprintf(fp, "key/value:      %lld\n", num(rec, "kv"));
	} else if (strcmp(verb, "export") == 0) {
		print_item(fp, rec);
	} else if (strcmp(verb, "erase") == 0) {
		fprintf(fp, "%s: %lld messages, %lld of their events, %lld other events, %lld key/value "
		        "entries%s; %s\n", str(rec, "number"), num(rec, "messages"), num(rec, "events"),
		        num(rec, "other_events"), num(rec, "kv"), dry,
		        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "opted_out"))
		                ? "still opted out" : "not opted out");
	} else if (strcmp(verb, "migrate") == 0) {
		fprintf(fp, "%s -> %s: schema version %lld, %.2f s\n", str(rec, "source"),
		        str(rec, "store"), num(rec, "schema_version"),
		        cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec, "seconds")));
		for (int t = 0; t < STORE_MIG_TABLES; t++) {
			const cJSON *c = cJSON_GetObjectItemCaseSensitive(rec, store_migrate_tables[t]);
			fprintf(fp, "  %-15s %lld in the source, %lld copied, %lld found\n",
			        store_migrate_tables[t], num(c, "source"), num(c, "copied"),
			        num(c, "found"));
		}
	} else {
		fprintf(fp, "before %s: %lld messages, %lld of their events, %lld other events%s; "
		        "%lld old messages kept, still in flight\n", str(rec, "before"),
		        num(rec, "messages"), num(rec, "events"), num(rec, "other_events"), dry,
		        num(rec, "kept_in_flight"));
	}
}
