/* recmerge — the stored record merged into the caller's. See recmerge.h. */
#include "recmerge.h"

#include <string.h>

void rec_merge(cJSON *rec, cJSON *stored)
{
	/* Stored names are unique, so only the caller's fields (the first `own`
	 * ones) need searching. */
	int own = cJSON_GetArraySize(rec);
	cJSON *f = stored->child;
	stored->child = NULL;
	cJSON_Delete(stored);
	while (f) {
		cJSON *next = f->next;
		f->next = f->prev = NULL;
		cJSON *old = NULL, *o = rec->child;
		for (int i = 0; o && i < own && !old; i++, o = o->next)
			if (o->string && strcmp(o->string, f->string) == 0)
				old = o;
		if (old)
			cJSON_ReplaceItemViaPointer(rec, old, f);
		else
			cJSON_AddItemToObject(rec, f->string, f);
		f = next;
	}
}
