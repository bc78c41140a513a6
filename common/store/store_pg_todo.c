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
