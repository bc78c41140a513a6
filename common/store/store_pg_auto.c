/* store_pg_auto — the autoresponders table on PostgreSQL (store_pg.h):
 * adding, removing, enabling and listing rules, and counting their triggers,
 * as store_auto.c does on SQLite (sms-auto(1)). The SQL of the table lives
 * here; trigger and active-hours syntax belong to autoresp.c. A change to a
 * rule bumps smskit_version through the schema's trigger (store_pg_schema.c),
 * which store_others_version reads; counting a trigger does not. */
#include "store_pg.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>

#define AUTO_COLS "id, trigger, response, enabled, active_hours, created_at, " \
	"last_triggered_at, trigger_count, name, after, within, match, ends"

static void row_to_auto(const PGresult *r, int i, struct store_auto *a)
{
	a->id = pgs_int(r, i, 0);
	a->trigger = pgs_text(r, i, 1);
	a->response = pgs_text(r, i, 2);
	a->enabled = pgs_int(r, i, 3) != 0;
	a->active_hours = pgs_text(r, i, 4);
	a->created_at = pgs_text(r, i, 5);
	a->last_triggered_at = pgs_text(r, i, 6);
	a->trigger_count = pgs_int(r, i, 7);
	a->name = pgs_text(r, i, 8);
	a->after = pgs_text(r, i, 9);
	a->within = pgs_int(r, i, 10);
	a->match = pgs_text(r, i, 11);
	a->ends = pgs_int(r, i, 12) != 0;
}

/* An "autoresponder" event: what happened to which rule. */
static int auto_event(struct store *s, const char *action, int64_t id, const char *trigger)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "action", action);
	cJSON_AddNumberToObject(d, "id", (double)id);
	if (trigger)
		cJSON_AddStringToObject(d, "trigger", trigger);
	char *text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	int rc = pgs_event_insert(s, 0, "autoresponder", NULL, text, NULL);
	cJSON_free(text);
	return rc;
}

static int no_rule(struct store *s, int64_t id)
{
	store__seterr(s, "autoresponder %" PRId64 ": no such rule", id);
	return STORE_NOTFOUND;
}

int pgs_auto_add(struct store *s, const struct store_auto *a, int64_t *id)
{
	if (!a->trigger || !*a->trigger) {
		store__seterr(s, "an autoresponder needs a trigger");
		return STORE_ERR;
	}
	if (!a->response) {
		store__seterr(s, "an autoresponder needs a response");
		return STORE_ERR;
	}
	const char *hours = a->active_hours && *a->active_hours ? a->active_hours : NULL;
	const char *name = a->name && *a->name ? a->name : NULL;
	char now[TIME_LEN];
	store__now(now);
	int own;
	if (pgs_op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	/* A name taken is said before the INSERT, which would otherwise spend
	 * an id and bump the rules' version for nothing; its ON CONFLICT still
	 * covers another writer's rule of that name coming in between. */
	if (name) {
		struct pgs_args n = {0};
		pgs_arg(&n, name);
		PGresult *r = pgs_q(s, "adding an autoresponder",
		                    "SELECT 1 FROM autoresponders WHERE name = $1", &n);
		int taken = r ? PQntuples(r) > 0 : -1;
		PQclear(r);
		if (taken) {
			if (taken > 0)
				store__seterr(s, "there is already a rule named %s", name);
			return pgs_op_end(s, own, taken > 0 ? STORE_EXISTS : STORE_ERR);
		}
	}
	struct pgs_args q = {0};
	pgs_arg(&q, a->trigger);
	pgs_arg(&q, a->response);
	pgs_argi(&q, a->enabled != 0);
	pgs_arg(&q, hours);
	pgs_arg(&q, now);
	pgs_arg(&q, name);
	pgs_arg(&q, a->after && *a->after ? a->after : NULL);
	if (a->within > 0)
		pgs_argi(&q, a->within);
	else
		pgs_arg(&q, NULL);
	pgs_arg(&q, a->match);
	pgs_argi(&q, a->ends != 0);
	/* A name taken is a row not inserted (no id back), never a unique
	 * violation that would spoil the caller's transaction. */
	PGresult *r = pgs_q(s, "adding an autoresponder",
	                    "INSERT INTO autoresponders (trigger, response, enabled, active_hours, "
	                    "created_at, name, after, within, match, ends) "
	                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
	                    "ON CONFLICT (name) WHERE name IS NOT NULL DO NOTHING RETURNING id",
	                    &q);
	int rc = STORE_OK;
	int64_t rid = 0;
	if (!r) {
		rc = STORE_ERR;
	} else if (PQntuples(r) == 0) {
		store__seterr(s, "there is already a rule named %s", name);
		rc = STORE_EXISTS;
	} else {
		rid = pgs_int(r, 0, 0);
	}
	PQclear(r);
	if (rc == STORE_OK)
		rc = auto_event(s, "add", rid, a->trigger);
	rc = pgs_op_end(s, own, rc);
	if (rc == STORE_OK && id)
		*id = rid;
	return rc;
}

int pgs_auto_remove(struct store *s, int64_t id)
{
	int own;
	if (pgs_op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	struct pgs_args a = {0};
	pgs_argi(&a, id);
	PGresult *r = pgs_q(s, "removing an autoresponder",
	                    "DELETE FROM autoresponders WHERE id = $1 RETURNING trigger", &a);
	int rc = !r ? STORE_ERR : PQntuples(r) == 0 ? no_rule(s, id) : STORE_OK;
	if (rc == STORE_OK)
		rc = auto_event(s, "remove", id, pgs_text(r, 0, 0));
	PQclear(r);
	return pgs_op_end(s, own, rc);
}

int pgs_auto_set_enabled(struct store *s, int64_t id, int enabled)
{
	int own;
	if (pgs_op_begin(s, &own) != STORE_OK)
		return STORE_ERR;
	/* Only a change is written and logged; the same state again is a no-op.
	 * The row is locked from its reading to its writing: another host may
	 * flip it meanwhile. */
	struct pgs_args a = {0};
	pgs_argi(&a, id);
	PGresult *r = pgs_q(s, "reading an autoresponder",
	                    "SELECT enabled, trigger FROM autoresponders WHERE id = $1 FOR UPDATE",
	                    &a);
	int rc = !r ? STORE_ERR : PQntuples(r) == 0 ? no_rule(s, id) : STORE_OK;
	if (rc == STORE_OK && (pgs_int(r, 0, 0) != 0) != (enabled != 0)) {
		struct pgs_args u = {0};
		pgs_argi(&u, id);
		pgs_argi(&u, enabled != 0);
		rc = pgs_exec(s, "updating an autoresponder",
		              "UPDATE autoresponders SET enabled = $2 WHERE id = $1", &u, NULL);
		if (rc == STORE_OK)
			rc = auto_event(s, enabled ? "enable" : "disable", id, pgs_text(r, 0, 1));
	}
	PQclear(r);
	return pgs_op_end(s, own, rc);
}

int pgs_auto_fired(struct store *s, int64_t id, const char *at)
{
	char when[TIME_LEN];
	if (!at)
		store__now(when);
	else if (store__time_norm(at, when) != 0) {
		store__seterr(s, "%s: not an RFC 3339 time", at);
		return STORE_ERR;
	}
	/* last_triggered_at never moves backwards (text order is time order).
	 * The columns it sets are no part of the rules' version (the schema's
	 * trigger leaves them out): a rule firing reloads no cache. */
	struct pgs_args a = {0};
	pgs_argi(&a, id);
	pgs_arg(&a, when);
	long long changed = 0;
	if (pgs_exec(s, "counting an autoresponder's trigger",
	             "UPDATE autoresponders SET trigger_count = trigger_count + 1, "
	             "last_triggered_at = CASE WHEN last_triggered_at IS NULL OR "
	             "last_triggered_at COLLATE \"C\" < $2 THEN $2 ELSE last_triggered_at END "
	             "WHERE id = $1",
	             &a, &changed))
		return STORE_ERR;
	return changed ? STORE_OK : no_rule(s, id);
}

int pgs_auto_list(struct store *s, int enabled_only,
                  int (*fn)(const struct store_auto *a, void *arg), void *arg)
{
	PGresult *r = enabled_only
	        ? pgs_q(s, "listing autoresponders",
	                "SELECT " AUTO_COLS " FROM autoresponders WHERE enabled = 1 ORDER BY id", NULL)
	        : pgs_q(s, "listing autoresponders",
	                "SELECT " AUTO_COLS " FROM autoresponders ORDER BY id", NULL);
	if (!r)
		return STORE_ERR;
	for (int i = 0, n = PQntuples(r); i < n; i++) {
		struct store_auto a;
		row_to_auto(r, i, &a);
		if (fn(&a, arg))
			break;
	}
	PQclear(r);
	return STORE_OK;
}

static void put_text(cJSON *rec, const char *key, const char *v)
{
	cJSON_AddItemToObject(rec, key, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

int pgs_auto_get(struct store *s, int64_t id, cJSON **rec)
{
	*rec = NULL;
	struct pgs_args q = {0};
	pgs_argi(&q, id);
	PGresult *r = pgs_q(s, "reading an autoresponder",
	                    "SELECT " AUTO_COLS " FROM autoresponders WHERE id = $1", &q);
	if (!r)
		return STORE_ERR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return no_rule(s, id);
	}
	struct store_auto a;
	row_to_auto(r, 0, &a);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)a.id);
	put_text(j, "trigger", a.trigger);
	put_text(j, "response", a.response);
	cJSON_AddBoolToObject(j, "enabled", a.enabled);
	put_text(j, "active_hours", a.active_hours);
	put_text(j, "created_at", a.created_at);
	put_text(j, "last_triggered_at", a.last_triggered_at);
	cJSON_AddNumberToObject(j, "trigger_count", (double)a.trigger_count);
	store_auto_flow_fields(j, &a);
	PQclear(r);
	*rec = j;
	return STORE_OK;
}

int pgs_auto_answers_since(struct store *s, const char *number, const char *since,
                           long long max, long long *n)
{
	*n = 0;
	/* messages_from (from_number, created_at), then events_message; the scan
	 * stops at max, wherever the messages of a busy number go on. detail is
	 * text: cast to jsonb only where it names an autoresponder at all, so
	 * that no other event's detail is parsed (and none that is not JSON can
	 * fail the statement). ->> gives NULL for a JSON null, as SQLite's
	 * json_extract does. */
	struct pgs_args a = {0};
	pgs_arg(&a, number);
	pgs_arg(&a, since);
	pgs_argi(&a, max);
	PGresult *r = pgs_q(s, "counting automatic answers",
	                    "SELECT count(*) FROM (SELECT 1 FROM messages m "
	                    "JOIN events e ON e.message_id = m.id "
	                    "WHERE m.from_number = $1 AND m.created_at >= $2 "
	                    "AND m.direction = 'inbound' AND e.kind = 'webhook' "
	                    "AND CASE WHEN e.detail LIKE '%\"autoresponder\"%' "
	                    "THEN e.detail::jsonb ->> 'autoresponder' END IS NOT NULL "
	                    "LIMIT $3) x",
	                    &a);
	if (!r)
		return STORE_ERR;
	*n = pgs_int(r, 0, 0);
	PQclear(r);
	return STORE_OK;
}
