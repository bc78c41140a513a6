/* recwrite — compact NDJSON through one reused buffer. See recwrite.h. */
#include "recwrite.h"
#include "util.h"

#include <math.h>
#include <string.h>

/* A number as cJSON prints it: whole numbers as digits, the rest by cJSON. */
static void put_number(struct strbuf *b, const cJSON *j)
{
	double d = j->valuedouble;
	if (isfinite(d) && d > -1e15 && d < 1e15 && d == (double)(long long)d && !(d == 0 && signbit(d))) {
		if (d < 0)
			strbuf_putc(b, '-');
		strbuf_put_uint(b, (unsigned long long)(d < 0 ? -d : d));
		return;
	}
	char buf[64];
	if (cJSON_PrintPreallocated((cJSON *)j, buf, (int)sizeof buf, 0))
		strbuf_puts(b, buf);
	else
		strbuf_puts(b, "null");
}

/* Compact JSON exactly as cJSON_PrintUnformatted writes it, without its
 * allocations and its printf/sscanf round trip for every number. */
static void put_json(struct strbuf *b, const cJSON *j)
{
	switch (j->type & 0xff) {
	case cJSON_False: strbuf_add(b, "false", 5); break;
	case cJSON_True: strbuf_add(b, "true", 4); break;
	case cJSON_Number: put_number(b, j); break;
	case cJSON_String:
		json_str(b, j->valuestring ? j->valuestring : "", j->valuestring ? strlen(j->valuestring) : 0);
		break;
	case cJSON_Raw:
		if (j->valuestring)
			strbuf_puts(b, j->valuestring);
		break;
	case cJSON_Array:
	case cJSON_Object: {
		int obj = (j->type & 0xff) == cJSON_Object;
		strbuf_putc(b, obj ? '{' : '[');
		for (const cJSON *c = j->child; c; c = c->next) {
			if (c != j->child)
				strbuf_putc(b, ',');
			if (obj) {
				const char *k = c->string ? c->string : "";
				json_str(b, k, strlen(k));
				strbuf_putc(b, ':');
			}
			put_json(b, c);
		}
		strbuf_putc(b, obj ? '}' : ']');
		break;
	}
	default: strbuf_add(b, "null", 4); break;
	}
}

void rec_write(struct rec_out *o, cJSON *rec)
{
	static struct strbuf b;
	if (o->text) {
		rec_emit(o, rec);
		return;
	}
	b.len = 0;
	put_json(&b, rec);
	strbuf_putc(&b, '\n');
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok")))
		o->nok++;
	else
		o->nfail++;
	fwrite(b.s, 1, b.len, o->fp);
	cJSON_Delete(rec);
}
