/* store_consent — the consents table (smskit-compliance(7), Consent): the
 * append-only log of each number's opt-ins, with their source and evidence,
 * and opt-outs; the latest row is the number's state. The SQL of the table
 * lives here. See store.h. */
#include "store.h"
#include "store_internal.h"
#include "address.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* The latest row of a number first: consents_number (number, at, id) read
 * backwards. */
#define LATEST "ORDER BY at DESC, id DESC LIMIT 1"

static int insert(struct store *s, const char *number, const char *at, const char *kind,
                  const char *source, const char *evidence)
{
	char now[TIME_LEN];
	store__now(now);
	sqlite3_stmt *st = store__prep(s, "INSERT INTO consents (number, at, kind, source, "
	                                  "evidence, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, number);
	store__bind_text(st, 2, at ? at : now);
	store__bind_text(st, 3, kind);
	store__bind_text(st, 4, source);
	store__bind_text(st, 5, evidence);
	store__bind_text(st, 6, now);
	int rc = sqlite3_step(st) == SQLITE_DONE ? STORE_OK : store__dberr(s, "recording consent");
	sqlite3_finalize(st);
	return rc;
}

int store__consent_out(struct store *s, const char *number, const char *at, const char *source)
{
	return insert(s, number, at, "opt_out", source && *source ? source : "manual", NULL);
}

int lite_consent_add(struct store *s, const char *number, const char *at, const char *source,
                      const char *evidence, int *lifted)
{
	char when[TIME_LEN], now[TIME_LEN];
	if (lifted)
		*lifted = 0;
	if (store__consent_args(s, number, at, source, evidence, when, now))
		return STORE_ERR;
	int own;
	if (store__op_begin(s, &own))
		return STORE_ERR;
	int rc = insert(s, number, at ? when : now, "opt_in", source, evidence);
	/* An opt-out older than this opt-in gives way to it, as a START does; one
	 * made after it (an import of old forms) stays. */
	int latest = rc == STORE_OK ? store_consent_check(s, number) : STORE_ERR;
	int out = latest == 1 ? store_optout_check(s, number) : 0;
	if (latest == STORE_ERR || out == STORE_ERR)
		rc = STORE_ERR;
	else if (out == 1) {
		char why[96];
		snprintf(why, sizeof why, "consent %s", source);
		rc = store_optout_remove(s, number, why) == STORE_ERR ? STORE_ERR : STORE_OK;
		if (rc == STORE_OK && lifted)
			*lifted = 1;
	}
	return store__op_end(s, own, rc);
}

int lite_consent_check(struct store *s, const char *number)
{
	sqlite3_stmt *st = store__prep(s, "SELECT kind = 'opt_in' FROM consents "
	                                  "WHERE number = ?1 " LATEST);
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, number);
	int r = sqlite3_step(st);
	int rc = r == SQLITE_ROW ? sqlite3_column_int(st, 0)
	         : r == SQLITE_DONE ? 0 : store__dberr(s, "checking consent");
	sqlite3_finalize(st);
	return rc;
}

int lite_consent_list(struct store *s, const char *number,
                       int (*fn)(const struct store_consent *c, void *arg), void *arg)
{
	/* Every number's latest row: the greatest (at, id) of its own. */
	sqlite3_stmt *st = store__prep(
	        s, number ? "SELECT number, at, kind, source, evidence, recorded_at FROM consents "
	                    "WHERE number = ?1 ORDER BY at, id"
	                  : "SELECT number, at, kind, source, evidence, recorded_at FROM consents c "
	                    "WHERE id = (SELECT id FROM consents WHERE number = c.number " LATEST ") "
	                    "ORDER BY number");
	if (!st)
		return STORE_ERR;
	if (number)
		store__bind_text(st, 1, number);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_consent c = {
			.number = (const char *)sqlite3_column_text(st, 0),
			.at = (const char *)sqlite3_column_text(st, 1),
			.kind = (const char *)sqlite3_column_text(st, 2),
			.source = (const char *)sqlite3_column_text(st, 3),
			.evidence = (const char *)sqlite3_column_text(st, 4),
			.recorded_at = (const char *)sqlite3_column_text(st, 5),
		};
		if (fn(&c, arg)) {
			r = SQLITE_DONE;
			break;
		}
	}
	int rc = r == SQLITE_DONE ? STORE_OK : store__dberr(s, "listing consents");
	sqlite3_finalize(st);
	return rc;
}
