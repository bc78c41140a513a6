/* store_pg_todo — the functions of the seam (store_backend.h) the PostgreSQL
 * backend does not have yet: each fails with a sentence that says so. Each
 * leaves this file when it gets its own (issue 19, in progress); made by
 * tools/pg-todo.py. */
#include "store_pg.h"

static int todo(struct store *s, const char *what)
{
	store__seterr(s, "%s: not available on PostgreSQL yet", what);
	return STORE_ERR;
}

int pgs_optout_add(struct store *s, const char *number, const char *source)
{
	(void)number;
	(void)source;
	return todo(s, "optout add");
}

int pgs_optout_remove(struct store *s, const char *number, const char *source)
{
	(void)number;
	(void)source;
	return todo(s, "optout remove");
}

int pgs_optout_check(struct store *s, const char *number)
{
	(void)number;
	return todo(s, "optout check");
}

int pgs_optout_list(struct store *s, int (*fn)(const struct store_optout *o, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
	return todo(s, "optout list");
}

int pgs_template_put(struct store *s, const struct store_template *t, int replace)
{
	(void)t;
	(void)replace;
	return todo(s, "template put");
}

int pgs_template_find(struct store *s, const char *name, struct store_template **out)
{
	(void)name;
	(void)out;
	return todo(s, "template find");
}

int pgs_template_remove(struct store *s, const char *name)
{
	(void)name;
	return todo(s, "template remove");
}

int pgs_template_list(struct store *s, int (*fn)(const struct store_template *t, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
	return todo(s, "template list");
}

int pgs_auto_add(struct store *s, const struct store_auto *a, int64_t *id)
{
	(void)a;
	(void)id;
	return todo(s, "auto add");
}

int pgs_auto_remove(struct store *s, int64_t id)
{
	(void)id;
	return todo(s, "auto remove");
}

int pgs_auto_set_enabled(struct store *s, int64_t id, int enabled)
{
	(void)id;
	(void)enabled;
	return todo(s, "auto set enabled");
}

int pgs_auto_fired(struct store *s, int64_t id, const char *at)
{
	(void)id;
	(void)at;
	return todo(s, "auto fired");
}

int pgs_auto_list(struct store *s, int enabled_only, int (*fn)(const struct store_auto *a, void *arg), void *arg)
{
	(void)enabled_only;
	(void)fn;
	(void)arg;
	return todo(s, "auto list");
}

int pgs_auto_get(struct store *s, int64_t id, cJSON **rec)
{
	(void)id;
	(void)rec;
	return todo(s, "auto get");
}

int pgs_auto_answers_since(struct store *s, const char *number, const char *since, long long max, long long *n)
{
	(void)number;
	(void)since;
	(void)max;
	(void)n;
	return todo(s, "auto answers since");
}

int pgs_consent_add(struct store *s, const char *number, const char *at, const char *source, const char *evidence, int *lifted)
{
	(void)number;
	(void)at;
	(void)source;
	(void)evidence;
	(void)lifted;
	return todo(s, "consent add");
}

int pgs_consent_check(struct store *s, const char *number)
{
	(void)number;
	return todo(s, "consent check");
}

int pgs_consent_list(struct store *s, const char *number, int (*fn)(const struct store_consent *c, void *arg), void *arg)
{
	(void)number;
	(void)fn;
	(void)arg;
	return todo(s, "consent list");
}

int pgs_backup(struct store *s, const char *dest, int force, store_progress_fn fn, void *arg, long long *bytes)
{
	(void)dest;
	(void)force;
	(void)fn;
	(void)arg;
	(void)bytes;
	return todo(s, "backup");
}

int pgs_check(struct store *s, int (*fn)(const struct store_problem *p, void *arg), void *arg, long long *problems)
{
	(void)fn;
	(void)arg;
	(void)problems;
	return todo(s, "check");
}

int pgs_stats(struct store *s, struct store_stats *out)
{
	(void)out;
	return todo(s, "stats");
}

int pgs_export_number(struct store *s, const char *number, int (*fn)(cJSON *rec, void *arg), void *arg)
{
	(void)number;
	(void)fn;
	(void)arg;
	return todo(s, "export number");
}

int pgs_erase_number(struct store *s, const char *number, int dry, store_progress_fn fn, void *arg, struct store_removed *out)
{
	(void)number;
	(void)dry;
	(void)fn;
	(void)arg;
	(void)out;
	return todo(s, "erase number");
}

int pgs_prune(struct store *s, const char *before, int dry, store_progress_fn fn, void *arg, struct store_removed *out)
{
	(void)before;
	(void)dry;
	(void)fn;
	(void)arg;
	(void)out;
	return todo(s, "prune");
}
