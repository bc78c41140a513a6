/* store_pg_lib — libpq loaded at run time; see store_pg_lib.h. */
#define PGS_PQ_NO_MACROS
#include "store_pg_lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#ifndef PQ_SONAME
#define PQ_SONAME "libpq.so.5"
#endif

struct pgs_pq pgs_pq;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int            loaded;
static char           load_err[256]; /* why it did not load */

static void load(void)
{
	void *lib = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		lib = dlopen("libpq.so", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(load_err, sizeof load_err, "cannot load libpq (%s), which a PostgreSQL store "
		         "needs: %s (apt-get install libpq5)", PQ_SONAME, dlerror());
		return;
	}
#define PGS_PQ_SYM(f) \
	if (!(*(void **)&pgs_pq.f = dlsym(lib, #f))) { \
		snprintf(load_err, sizeof load_err, "libpq (%s) has no %s: too old", PQ_SONAME, #f); \
		return; \
	}
	PGS_PQ_FUNCS(PGS_PQ_SYM)
	loaded = 1;
}

int pgs_pq_load(char *err, size_t errlen)
{
	pthread_once(&once, load);
	if (loaded)
		return 0;
	snprintf(err, errlen, "%s", load_err);
	return -1;
}
