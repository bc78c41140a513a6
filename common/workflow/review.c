/* review — shared by sms-stage and sms-approve. See review.h. */
#include "review.h"
#include "clock.h"
#include "records.h"
#include "utf8.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

void review_merge(cJSON *rec, cJSON *stored)
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

void review_emit(struct rec_out *o, cJSON *rec)
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


int review_decide(struct store *st, int64_t id, const char *status, const cJSON *fields,
                  const cJSON *detail, int known_pending, cJSON **rec)
{
	*rec = NULL;
	if (!known_pending) {
		int rc = store_msg_get(st, id, rec);
		if (rc != STORE_OK)
			return rc;
		const char *now = rec_str(*rec, "status");
		if (!now || strcmp(now, "pending") != 0)
			return STORE_REFUSED;
		cJSON_Delete(*rec);
		*rec = NULL;
	}
	int rc = store_msg_set_status(st, id, status, fields, detail);
	if (rc != STORE_OK)
		return rc;
	return store_msg_get(st, id, rec) == STORE_OK ? STORE_OK : STORE_ERR;
}

void review_fill_reason(cJSON *rec)
{
	const char *status = rec_str(rec, "status");
	const char *have = rec_str(rec, "reason");
	if (!status || (have && *have))
		return;
	const char *send_at = rec_str(rec, "send_at");
	char when[32] = "", buf[512] = "";
	time_t at;
	int later = send_at && clock_parse(send_at, &at) == 0 && at > clock_now();
	if (later)
		clock_local_display(send_at, when, sizeof when);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	if (strcmp(status, "pending") == 0) {
		snprintf(buf, sizeof buf, "awaiting approval (sms-approve %lld)%s%s",
		         cJSON_IsNumber(id) ? (long long)id->valuedouble : 0LL,
		         later ? "; to go out at " : "", when);
	} else if (strcmp(status, "approved") == 0) {
		if (later)
			snprintf(buf, sizeof buf, "approved; deferred to %s", when);
		else
			snprintf(buf, sizeof buf, "approved; waiting for sms-send --approved");
	} else if (strcmp(status, "rejected") == 0) {
		const char *by = rec_str(rec, "reviewed_by"), *why = rec_str(rec, "review_reason");
		snprintf(buf, sizeof buf, "rejected in review%s%s%s%s", by ? " by " : "", by ? by : "",
		         why ? ": " : "", why ? why : "");
	}
	if (*buf)
		rec_put_str(rec, "reason", buf);
}

int review_input_ready(FILE *fp)
{
#ifdef __GLIBC__
	/* Bytes already in stdio's buffer: a line may be waiting there. */
	if (fp->_IO_read_ptr < fp->_IO_read_end)
		return 1;
#endif
	if (feof(fp) || ferror(fp))
		return 1;
	struct pollfd p = {.fd = fileno(fp), .events = POLLIN};
	int n;
	while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR)
		;
	/* POLLHUP: end of input, which rec_next reports at once. Anything else
	 * unreadable (an error, a descriptor poll cannot watch) counts as ready:
	 * reading will say what it is. */
	return n != 0;
}

void review_clip(const char *s, size_t width, char *buf, size_t len)
{
	size_t o = 0, cols = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	if (!s || width == 0)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	/* Does it all fit? Then no mark is needed. */
	size_t total = 0;
	for (size_t i = 0; i < n;) {
		int32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);
		if (k == 0)
			break;
		int w = cp < 0x20 ? 1 : utf8proc_charwidth(cp);
		total += w < 0 ? 0 : (size_t)w;
		i += k;
	}
	size_t room = total <= width ? width : width - 1; /* leave a column for the mark */
	for (size_t i = 0; i < n;) {
		int32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);
		if (k == 0)
			break;
		int w = cp < 0x20 ? 1 : utf8proc_charwidth(cp);
		size_t cw = w < 0 ? 0 : (size_t)w;
		if (cols + cw > room || o + k + 4 > len)
			break;
		if (cp < 0x20 || cp == 0x7f) {
			buf[o++] = ' ';
		} else {
			memcpy(buf + o, p + i, k);
			o += k;
		}
		cols += cw;
		i += k;
	}
	if (total > width && o + 4 <= len) {
		memcpy(buf + o, "\xe2\x80\xa6", 3); /* … */
		o += 3;
	}
	buf[o] = '\0';
}

/* 2^53 - 1: the largest id a JSON number holds exactly. 2^53 itself is also what
 * 2^53 + 1 reads as, so taking it would act on another message than the one meant. */
#define MAX_ID 9007199254740991LL

int review_parse_id_str(const char *s, long long *id)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno || v < 1 || v > MAX_ID)
		return -1;
	*id = v;
	return 0;
}

int review_parse_id(const cJSON *v, long long *id)
{
	if (cJSON_IsString(v))
		return review_parse_id_str(v->valuestring, id);
	if (!cJSON_IsNumber(v))
		return -1;
	double d = v->valuedouble;
	if (!(d >= 1 && d <= (double)MAX_ID) || d != (double)(long long)d)
		return -1;
	*id = (long long)d;
	return 0;
}

int review_words(const char *list, int (*fn)(const char *word, void *arg), void *arg)
{
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;
	for (char *w = strtok_r(copy, ", ", &save); w && !rc; w = strtok_r(NULL, ", ", &save))
		rc = fn(w, arg);
	free(copy);
	return rc;
}
