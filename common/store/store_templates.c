/* store_templates — the templates table (sms-template(1)): named bodies,
 * added, replaced, read, removed and listed. The SQL of the table lives here;
 * its statements are one-off (templates are few and rarely touched, so no
 * cache). See store.h. */
#include "store.h"
#include "store_internal.h"
#include "util.h"

#include <sqlite3.h>
#include <string.h>


int lite_template_put(struct store *s, const struct store_template *t, int replace)
{
	const char *name = t->name;
	char now[TIME_LEN];
	store__now(now);
	sqlite3_stmt *st = store__prep(s, replace
	        ? "INSERT INTO templates (name, body, created_at, updated_at, content_sid, "
	          "template_category) VALUES (?1, ?2, ?3, ?3, ?4, ?5) "
	          "ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = "
	          "excluded.updated_at, content_sid = excluded.content_sid, "
	          "template_category = excluded.template_category"
	        : "INSERT INTO templates (name, body, created_at, updated_at, content_sid, "
	          "template_category) VALUES (?1, ?2, ?3, ?3, ?4, ?5) "
	          "ON CONFLICT (name) DO NOTHING");
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, name);
	store__bind_text(st, 2, t->body);
	store__bind_text(st, 3, now);
	store__bind_text(st, 4, t->content_sid);
	store__bind_text(st, 5, t->category);
	int rc = sqlite3_step(st);
	int changed = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store__dberr(s, "storing a template");
	if (!changed) {
		store__seterr(s, "template %s exists", name);
		return STORE_EXISTS;
	}
	return STORE_OK;
}


/* A column's text, "" for NULL. */
static const char *col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? v : "";
}

int lite_template_find(struct store *s, const char *name, struct store_template **out)
{
	*out = NULL;
	sqlite3_stmt *st = store__prep(s, "SELECT name, body, created_at, updated_at, content_sid, "
	                                  "template_category FROM templates WHERE name = ?1");
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, name);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/* One block: the struct, then its strings. */
		size_t len[6], total = sizeof **out;
		for (int i = 0; i < 6; i++)
			total += (len[i] = strlen(col(st, i)) + 1);
		struct store_template *t = xcalloc(1, total);
		char *p = (char *)(t + 1);
		const char **f[6] = {&t->name, &t->body, &t->created_at, &t->updated_at,
		                     &t->content_sid, &t->category};
		for (int i = 0; i < 6; i++) {
			memcpy(p, col(st, i), len[i]);
			*f[i] = sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : p;
			p += len[i];
		}
		*out = t;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE) {
		store__seterr(s, "no template named %s", name);
		return STORE_NOTFOUND;
	}
	return store__dberr(s, "reading a template");
}

int lite_template_remove(struct store *s, const char *name)
{
	sqlite3_stmt *st = store__prep(s, "DELETE FROM templates WHERE name = ?1");
	if (!st)
		return STORE_ERR;
	store__bind_text(st, 1, name);
	int rc = sqlite3_step(st);
	int changed = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store__dberr(s, "removing a template");
	if (!changed) {
		store__seterr(s, "no template named %s", name);
		return STORE_NOTFOUND;
	}
	return STORE_OK;
}

int lite_template_list(struct store *s, int (*fn)(const struct store_template *t, void *arg),
                        void *arg)
{
	sqlite3_stmt *st = store__prep(s, "SELECT name, body, created_at, updated_at, content_sid, "
	                                  "template_category FROM templates ORDER BY name");
	if (!st)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_template t = {
			(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
			(const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
			(const char *)sqlite3_column_text(st, 4), (const char *)sqlite3_column_text(st, 5),
		};
		if (fn(&t, arg))
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store__dberr(s, "listing templates");
}
