/* store_pg_templates — the templates table on PostgreSQL (store_pg.h): named
 * bodies, added, replaced, read, removed and listed, as store_templates.c
 * keeps them on SQLite (sms-template(1)). The SQL of the table lives here.
 * See store.h. */
#include "store_pg.h"
#include "util.h"

#include <string.h>

#define TEMPLATE_COLS "name, body, created_at, updated_at, content_sid, template_category"

int pgs_template_put(struct store *s, const struct store_template *t, int replace)
{
	char now[TIME_LEN];
	store__now(now);
	struct pgs_args a = {0};
	pgs_arg(&a, t->name);
	pgs_arg(&a, t->body);
	pgs_arg(&a, now);
	pgs_arg(&a, t->content_sid);
	pgs_arg(&a, t->category);
	/* A name taken is a row not inserted (DO NOTHING), never a unique
	 * violation that would spoil the caller's transaction. */
	long long changed = 0;
	int rc = pgs_exec(s, "storing a template", replace
	        ? "INSERT INTO templates (" TEMPLATE_COLS ") VALUES ($1, $2, $3, $3, $4, $5) "
	          "ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = "
	          "excluded.updated_at, content_sid = excluded.content_sid, "
	          "template_category = excluded.template_category"
	        : "INSERT INTO templates (" TEMPLATE_COLS ") VALUES ($1, $2, $3, $3, $4, $5) "
	          "ON CONFLICT (name) DO NOTHING",
	        &a, &changed);
	if (rc != STORE_OK)
		return STORE_ERR;
	if (!changed) {
		store__seterr(s, "template %s exists", t->name);
		return STORE_EXISTS;
	}
	return STORE_OK;
}

int pgs_template_find(struct store *s, const char *name, struct store_template **out)
{
	*out = NULL;
	struct pgs_args a = {0};
	pgs_arg(&a, name);
	PGresult *r = pgs_q(s, "reading a template",
	                    "SELECT " TEMPLATE_COLS " FROM templates WHERE name = $1", &a);
	if (!r)
		return STORE_ERR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		store__seterr(s, "no template named %s", name);
		return STORE_NOTFOUND;
	}
	/* One block: the struct, then its strings (NULL columns stay NULL). */
	size_t len[6], total = sizeof **out;
	for (int i = 0; i < 6; i++)
		total += (len[i] = strlen(PQgetvalue(r, 0, i)) + 1);
	struct store_template *t = xcalloc(1, total);
	char *p = (char *)(t + 1);
	const char **f[6] = {&t->name, &t->body, &t->created_at, &t->updated_at,
	                     &t->content_sid, &t->category};
	for (int i = 0; i < 6; i++) {
		memcpy(p, PQgetvalue(r, 0, i), len[i]);
		*f[i] = pgs_null(r, 0, i) ? NULL : p;
		p += len[i];
	}
	PQclear(r);
	*out = t;
	return STORE_OK;
}

int pgs_template_remove(struct store *s, const char *name)
{
	struct pgs_args a = {0};
	pgs_arg(&a, name);
	long long removed = 0;
	if (pgs_exec(s, "removing a template", "DELETE FROM templates WHERE name = $1", &a,
	             &removed))
		return STORE_ERR;
	if (!removed) {
		store__seterr(s, "no template named %s", name);
		return STORE_NOTFOUND;
	}
	return STORE_OK;
}

int pgs_template_list(struct store *s, int (*fn)(const struct store_template *t, void *arg),
                      void *arg)
{
	/* Names in byte order, as SQLite sorts them. */
	PGresult *r = pgs_q(s, "listing templates",
	                    "SELECT " TEMPLATE_COLS " FROM templates ORDER BY name COLLATE \"C\"",
	                    NULL);
	if (!r)
		return STORE_ERR;
	for (int i = 0, n = PQntuples(r); i < n; i++) {
		struct store_template t = {
			pgs_text(r, i, 0), pgs_text(r, i, 1), pgs_text(r, i, 2),
			pgs_text(r, i, 3), pgs_text(r, i, 4), pgs_text(r, i, 5),
		};
		if (fn(&t, arg))
			break;
	}
	PQclear(r);
	return STORE_OK;
}
