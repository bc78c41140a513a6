/* store_pg_row — a row of the messages table read back as the message record
 * (smskit(7)) that store_msg_get gives, the same on both backends: every
 * column typed by store__mcols (store_record.h), since PostgreSQL's text
 * results carry no type of their own. */
#include "store_pg.h"

#include <stdlib.h>
#include <string.h>

/* A provider's code as SQLite's NUMERIC column gives it back: a number when
 * it is a whole number, else the text. */
static cJSON *pcode(const char *t)
{
	char *end;
	long long n = strtoll(t, &end, 10);
	if (*t && *end == '\0' && (t[0] != '0' || t[1] == '\0'))
		return cJSON_CreateNumber((double)n);
	return cJSON_CreateString(t);
}

static cJSON *column_json(const char *t, const struct mcol *c)
{
	switch (c->type) {
	case T_BOOL:
		return cJSON_CreateBool(t && strtoll(t, NULL, 10) != 0);
	case T_OBJECT: {
		cJSON *o = t ? cJSON_Parse(t) : NULL;
		if (!cJSON_IsObject(o)) {
			cJSON_Delete(o);
			o = cJSON_CreateNull();
		}
		return o;
	}
	case T_ARRAY: {
		cJSON *a = t ? cJSON_Parse(t) : NULL;
		if (!cJSON_IsArray(a)) {
			cJSON_Delete(a);
			a = cJSON_CreateArray();
		}
		return a;
	}
	default:
		break;
	}
	if (!t)
		return cJSON_CreateNull();
	if (c->type == T_COUNT || c->type == T_MSGID)
		return cJSON_CreateNumber((double)strtoll(t, NULL, 10));
	if (c->type == T_PCODE)
		return pcode(t);
	return cJSON_CreateString(t);
}

cJSON *pgs_msg_rec(const PGresult *r, int row, int col)
{
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddNumberToObject(rec, "id", (double)pgs_int(r, row, col));
	cJSON *err = NULL;
	for (size_t i = 0; i < NCOLS; i++) {
		const struct mcol *c = &store__mcols[i];
		const char *t = pgs_text(r, row, col + 1 + (int)i);
		if (!(c->flags & F_OUT) || ((c->flags & F_SET) && !t))
			continue;
		cJSON *j = column_json(t, c);
		if (!c->sub) {
			cJSON_AddItemToObject(rec, c->key, j);
			continue;
		}
		/* The error object: present when there is an error code. */
		if (i == C_ERROR_CODE) {
			if (cJSON_IsNull(j)) {
				cJSON_AddNullToObject(rec, c->key);
			} else {
				err = cJSON_CreateObject();
				cJSON_AddItemToObject(rec, c->key, err);
			}
		}
		if (err && !(i == C_PROVIDER_CODE && cJSON_IsNull(j)))
			cJSON_AddItemToObject(err, c->sub, j);
		else
			cJSON_Delete(j);
	}
	return rec;
}
