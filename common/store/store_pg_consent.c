/* store_pg_consent — the consents table on PostgreSQL (store_pg.h): the
 * append-only log of each number's opt-ins, with their source and evidence,
 * and opt-outs; the latest row is the number's state (smskit-compliance(7),
 * Consent), as store_consent.c keeps it on SQLite. The SQL of the table
 * lives here. See store.h. */
#include "store_pg.h"
#include "address.h"

#include <stdio.h>
#include <string.h>

/* The latest row of a number first: consents_number (number, at, id) read
 * backwards. */
#define LATEST "ORDER BY at DESC, id DESC LIMIT 1"
#define CONSENT_COLS "number, at, kind, source, evidence, recorded_at"

static int insert(struct store *s, const char *number, const char *at, const char *kind,
                  const char *source, const char *evidence)
{
	char now[TIME_LEN];
	store__now(now);
	struct pgs_args a = {0};
	pgs_arg(&a, number);
	pgs_arg(&a, at ? at : now);
	pgs_arg(&a, kind);
	pgs_arg(&a, source);
	pgs_arg(&a, evidence);
	pgs_arg(&a, now);
	return pgs_exec(s, "recording consent",
	                "INSERT INTO consents (number, at, kind, source, evidence, recorded_at) "
	                "VALUES ($1, $2, $3, $4, $5, $6)",
	                &a, NULL);
}

int pgs_consent_out(struct store *s, const char *number, const char *at, const char *source)
{
	return insert(s, number, at, "opt_out", source && *source ? source : "manual", NULL);
}

/* 1 when number is opted out, its opt-out locked until the end of the
 * transaction; 0 when it is not; STORE_ERR. */
static int optout_locked(struct store *s, const char *number)
{
	struct pgs_args a = {0};
	pgs_arg(&a, number);
	PGresult *r = pgs_q(s, "checking opt-outs",
	                    "SELECT 1 FROM optouts WHERE number = $1 FOR UPDATE", &a);
	if (!r)
		return STORE_ERR;
	int out = PQntuples(r) > 0;
	PQclear(r);
	return out;
}

int pgs_consent_add(struct store *s, const char *number, const char *at, const char *source,
                    const char *evidence, int *lifted)
{
	char when[TIME_LEN], now[TIME_LEN];
	if (lifted)
		*lifted = 0;
	if (store__consent_args(s, number, at, source, evidence, when, now))
		return STORE_ERR;
	int own;
	if (pgs_op_begin(s, &own))
		return STORE_ERR;
	int rc = insert(s, number, at ? when : now, "opt_in", source, evidence);
	/* An opt-out older than this opt-in gives way to it, as a START does; one
	 * made after it (an import of old forms) stays. The opt-out is locked
	 * before the log is read, so that a STOP another host records meanwhile
	 * is either in what is read or finds the number opted out. */
	int out = rc == STORE_OK ? optout_locked(s, number) : STORE_ERR;
	int latest = out == 1 ? pgs_consent_check(s, number) : 0;
	if (latest == STORE_ERR || out == STORE_ERR)
		rc = STORE_ERR;
	else if (latest == 1) {
		char why[96];
		snprintf(why, sizeof why, "consent %s", source);
		rc = pgs_optout_remove(s, number, why) == STORE_ERR ? STORE_ERR : STORE_OK;
		if (rc == STORE_OK && lifted)
			*lifted = 1;
	}
	return pgs_op_end(s, own, rc);
}

int pgs_consent_check(struct store *s, const char *number)
{
	struct pgs_args a = {0};
	pgs_arg(&a, number);
	PGresult *r = pgs_q(s, "checking consent",
	                    "SELECT (kind = 'opt_in')::int FROM consents WHERE number = $1 " LATEST,
	                    &a);
	if (!r)
		return STORE_ERR;
	int in = PQntuples(r) > 0 ? (int)pgs_int(r, 0, 0) : 0;
	PQclear(r);
	return in;
}

int pgs_consent_list(struct store *s, const char *number,
                     int (*fn)(const struct store_consent *c, void *arg), void *arg)
{
	struct pgs_args a = {0};
	PGresult *r;
	if (number) {
		pgs_arg(&a, number);
		r = pgs_q(s, "listing consents",
		          "SELECT " CONSENT_COLS " FROM consents WHERE number = $1 ORDER BY at, id", &a);
	} else {
		/* Every number's latest row: the greatest (at, id) of its own;
		 * numbers in byte order, as SQLite sorts them. */
		r = pgs_q(s, "listing consents",
		          "SELECT " CONSENT_COLS " FROM consents c "
		          "WHERE id = (SELECT id FROM consents WHERE number = c.number " LATEST ") "
		          "ORDER BY number COLLATE \"C\"",
		          NULL);
	}
	if (!r)
		return STORE_ERR;
	for (int i = 0, n = PQntuples(r); i < n; i++) {
		struct store_consent c = {
			.number = pgs_text(r, i, 0),
			.at = pgs_text(r, i, 1),
			.kind = pgs_text(r, i, 2),
			.source = pgs_text(r, i, 3),
			.evidence = pgs_text(r, i, 4),
			.recorded_at = pgs_text(r, i, 5),
		};
		if (fn(&c, arg))
			break;
	}
	PQclear(r);
	return STORE_OK;
}
