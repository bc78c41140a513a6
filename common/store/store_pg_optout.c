/* store_pg_optout — the opt-outs table on PostgreSQL (store_pg.h): numbers
 * added, removed, checked and listed, each change with its "optout" or
 * "optin" event, as store_optout.c does on SQLite. The SQL of the table
 * lives here. See store.h. */
#include "store_pg.h"
#include "address.h"

#include <stdlib.h>


static int optout_event(struct store *s, const char *kind, const char *number,
                        const char *source)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "number", number);
	cJSON_AddStringToObject(d, "source", source);
	char *text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	int rc = pgs_event_insert(s, 0, kind, NULL, text, NULL);
	cJSON_free(text);
	return rc;
}

int pgs_optout_add(struct store *s, const char *number, const char *source)
{
	if (!store__address_ok(s, number))
		return STORE_ERR;
	if (!source || !*source)
		source = "manual";
	int own;
	if (pgs_op_begin(s, &own))
		return STORE_ERR;
	char now[TIME_LEN];
	store__now(now);
	struct pgs_args a = {0};
	pgs_arg(&a, number);
	pgs_arg(&a, now);
	pgs_arg(&a, source);
	/* ON CONFLICT: an opt-out already there keeps its date, and no unique
	 * violation spoils the transaction. */
	long long added = 0;
	int rc = pgs_exec(s, "adding an opt-out",
	                  "INSERT INTO optouts (number, at, source) VALUES ($1, $2, $3) "
	                  "ON CONFLICT (number) DO NOTHING",
	                  &a, &added);
	if (rc == STORE_OK && added == 0) {
		store__seterr(s, "%s: already opted out", number);
		rc = STORE_EXISTS;
	} else if (rc == STORE_OK) {
		rc = optout_event(s, "optout", number, source);
		if (rc == STORE_OK)
			rc = pgs_consent_out(s, number, now, source);
	}
	return pgs_op_end(s, own, rc);
}

int pgs_optout_remove(struct store *s, const char *number, const char *source)
{
	if (!store__address_ok(s, number))
		return STORE_ERR;
	if (!source || !*source)
		source = "manual";
	int own;
	if (pgs_op_begin(s, &own))
		return STORE_ERR;
	struct pgs_args a = {0};
	pgs_arg(&a, number);
	long long removed = 0;
	int rc = pgs_exec(s, "removing an opt-out", "DELETE FROM optouts WHERE number = $1", &a,
	                  &removed);
	if (rc == STORE_OK && removed == 0) {
		store__seterr(s, "%s: not opted out", number);
		rc = STORE_NOTFOUND;
	} else if (rc == STORE_OK) {
		rc = optout_event(s, "optin", number, source);
	}
	return pgs_op_end(s, own, rc);
}

int pgs_optout_check(struct store *s, const char *number)
{
	if (!number) {
		store__seterr(s, "no number to check");
		return STORE_ERR;
	}
	struct pgs_args a = {0};
	pgs_arg(&a, number);
	PGresult *r = pgs_q(s, "checking opt-outs", "SELECT 1 FROM optouts WHERE number = $1", &a);
	if (!r)
		return STORE_ERR;
	int out = PQntuples(r) > 0;
	PQclear(r);
	return out;
}

int pgs_optout_list(struct store *s, int (*fn)(const struct store_optout *o, void *arg),
                    void *arg)
{
	/* The whole result is read before fn runs: fn may call back into the
	 * store. Numbers in byte order, as SQLite sorts them. */
	PGresult *r = pgs_q(s, "listing opt-outs",
	                    "SELECT number, at, source FROM optouts "
	                    "ORDER BY at COLLATE \"C\", number COLLATE \"C\"",
	                    NULL);
	if (!r)
		return STORE_ERR;
	for (int i = 0, n = PQntuples(r); i < n; i++) {
		struct store_optout o = {
			.number = pgs_text(r, i, 0),
			.at = pgs_text(r, i, 1),
			.source = pgs_text(r, i, 2),
		};
		if (fn(&o, arg))
			break;
	}
	PQclear(r);
	return STORE_OK;
}
