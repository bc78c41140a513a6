/* store_front — the public face of the store (store.h, store_maint.h): opens
 * the backend SMS_DB names (store_backend.h), and every other call goes
 * through the open store's table of functions. Also what no backend does its
 * own way: the error text, the path, the version, and the few functions made
 * of others (a template's body, the spend of the day and the month, a rule's
 * flow fields). */
#include "store.h"
#include "store_backend.h"
#include "store_record.h"
#include "clock.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct store_ops *ops(const struct store *s) { return store__head(s)->ops; }

int store_is_pg(const char *path)
{
	return path && (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

struct store *store_open(const char *path, unsigned flags, char *err, size_t errlen)
{
	return store_is_pg(path) ? pgs_open(path, flags, err, errlen)
	                         : lite_open(path, flags, err, errlen);
}

void store_close(struct store *s)
{
	if (s)
		ops(s)->close(s);
}

#define STORE_FRONT(ret, name, params, args) \
	ret store_##name params { return ops(s)->name args; }
STORE_FNS(STORE_FRONT)

void store__seterr(struct store *s, const char *fmt, ...)
{
	struct store_head *h = store__head(s);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->errbuf, sizeof h->errbuf, fmt, ap);
	va_end(ap);
}

const char *store_errmsg(const struct store *s) { return s ? store__head(s)->errbuf : "no store"; }
const char *store_path(const struct store *s) { return store__head(s)->path; }
int store_version(const struct store *s) { return store__head(s)->version; }

int store_template_add(struct store *s, const char *name, const char *body, int replace)
{
	struct store_template t = {.name = name, .body = body};
	return store_template_put(s, &t, replace);
}

int store_template_get(struct store *s, const char *name, char **body)
{
	struct store_template *t = NULL;
	*body = NULL;
	int rc = store_template_find(s, name, &t);
	if (rc == STORE_OK)
		*body = xstrdup(t->body);
	free(t);
	return rc;
}

int store_spend_periods(struct store *s, time_t now, unsigned want, struct store_spend *out)
{
	memset(out, 0, sizeof *out);
	for (int m = 0; m < 2; m++) {
		if (!(want & 1u << m))
			continue;
		clock_period_start(now, m, out->since[m], sizeof out->since[m]);
		if (store_spend_since(s, out->since[m], &out->spent[m]) != STORE_OK) {
			out->spent[m] = 0;
			return STORE_ERR;
		}
	}
	return STORE_OK;
}

void store_auto_flow_fields(cJSON *j, const struct store_auto *a)
{
	if (a->name)
		cJSON_AddStringToObject(j, "name", a->name);
	if (a->after)
		cJSON_AddStringToObject(j, "after", a->after);
	if (a->within > 0)
		cJSON_AddNumberToObject(j, "within", (double)a->within);
	if (a->match)
		cJSON_AddStringToObject(j, "match", a->match);
	if (a->ends)
		cJSON_AddTrueToObject(j, "end");
}
