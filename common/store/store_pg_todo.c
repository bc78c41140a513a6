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
