/* store_record — the message record and the messages table's columns, the
 * statuses and their lifecycle, times in their stored form: the checks every
 * backend makes alike, without SQL. See store_record.h. */
#include "store_record.h"
#include "address.h"
#include "clock.h"
#include "policy.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The columns ------------------------------------------------------------- */

const struct mcol store__mcols[NCOLS] = {
	{"direction", NULL, "direction", T_DIRECTION, F_INS | F_OUT},
	{"status", NULL, "status", T_STATUS, F_INS | F_OUT},
	{"to", NULL, "to_number", T_STR, F_INS | F_OUT},
	{"from", NULL, "from_number", T_STR, F_INS | F_UPD | F_OUT},
	{"body", NULL, "body", T_STR, F_INS | F_OUT},
	{"media", NULL, "media", T_ARRAY, F_INS | F_OUT},
	{"encoding", NULL, "encoding", T_ENCODING, F_INS | F_UPD | F_OUT},
	{"segments", NULL, "segments", T_COUNT, F_INS | F_UPD | F_OUT},
	{"price_estimate", NULL, "price_estimate", T_MONEY, F_INS | F_UPD | F_OUT},
	{"price", NULL, "price", T_MONEY, F_INS | F_UPD | F_OUT},
	{"currency", NULL, "currency", T_CURRENCY, F_INS | F_UPD | F_OUT},
	{"provider", NULL, "provider", T_STR, F_INS | F_UPD | F_OUT},
	{"provider_id", NULL, "provider_id", T_STR, F_INS | F_UPD | F_OUT},
	{"priority", NULL, "priority", T_PRIORITY, F_INS | F_OUT},
	{"notes", NULL, "notes", T_STR, F_INS | F_OUT},
	{"created_at", NULL, "created_at", T_TIME, F_INS | F_OUT},
	{"send_at", NULL, "send_at", T_TIME, F_INS | F_UPD | F_OUT},
	{"sent_at", NULL, "sent_at", T_TIME, F_INS | F_UPD | F_OUT},
	{"delivered_at", NULL, "delivered_at", T_TIME, F_INS | F_UPD | F_OUT},
	{"reviewed_by", NULL, "reviewed_by", T_STR, F_INS | F_UPD | F_OUT},
	{"reviewed_at", NULL, "reviewed_at", T_TIME, F_INS | F_UPD | F_OUT},
	{"review_reason", NULL, "review_reason", T_STR, F_INS | F_UPD | F_OUT},
	{"read", NULL, "read", T_BOOL, F_INS | F_OUT},
	{"replied", NULL, "replied", T_BOOL, F_INS | F_OUT},
	{"reply_to", NULL, "reply_to", T_MSGID, F_INS | F_OUT},
	{"ref", NULL, "ref", T_REF, F_INS | F_OUT},
	{"error", "code", "error_code", T_STR, F_INS | F_UPD | F_OUT},
	{"error", "message", "error_message", T_STR, F_INS | F_UPD | F_OUT},
	{"error", "provider_code", "provider_code", T_PCODE, F_INS | F_UPD | F_OUT},
	{"error", "retryable", "error_retryable", T_BOOL, F_INS | F_UPD | F_OUT},
	{"reason", NULL, "reason", T_STR, F_INS | F_UPD | F_OUT},
	{"warnings", NULL, "warnings", T_ARRAY, F_INS | F_UPD | F_OUT},
	{"updated_at", NULL, "updated_at", T_TIME, F_OUT},
	{"claimed_by", NULL, "claimed_by", T_STR, F_INS | F_UPD},
	{"claimed_at", NULL, "claimed_at", T_TIME, 0},
	{"requested_at", NULL, "requested_at", T_TIME, 0},
	/* Schema version 5: channels (smskit-whatsapp(7)). channel is made by the
	 * store from to_number; the others are printed only when set. */
	{"channel", NULL, "channel", T_STR, F_OUT | F_GEN},
	{"content_sid", NULL, "content_sid", T_STR, F_INS | F_OUT | F_SET},
	{"content_variables", NULL, "content_variables", T_OBJECT, F_INS | F_OUT | F_SET},
	{"profile_name", NULL, "profile_name", T_STR, F_INS | F_OUT | F_SET},
	{"wa_id", NULL, "wa_id", T_STR, F_INS | F_OUT | F_SET},
	{"button_payload", NULL, "button_payload", T_STR, F_INS | F_OUT | F_SET},
	{"button_text", NULL, "button_text", T_STR, F_INS | F_OUT | F_SET},
	{"latitude", NULL, "latitude", T_STR, F_INS | F_OUT | F_SET},
	{"longitude", NULL, "longitude", T_STR, F_INS | F_OUT | F_SET},
	{"read_at", NULL, "read_at", T_TIME, F_INS | F_UPD | F_OUT | F_SET},
	/* Schema version 6: marketing or transactional (SMS_REQUIRE_CONSENT). */
	{"purpose", NULL, "purpose", T_STR, F_INS | F_OUT | F_SET},
	/* Schema version 8: conversation state (sms-auto(1), Flows). */
	{"tag", NULL, "tag", T_TAG, F_INS | F_OUT | F_SET},
	{"state", NULL, "state", T_TAG, F_INS | F_OUT | F_SET},
};

_Static_assert(sizeof store__mcols / sizeof *store__mcols == NCOLS, "mcols and the C_ enum agree");
_Static_assert(NCOLS <= 64, "a status update names its columns in a 64-bit set");

int store_tag_ok(const char *t) { return policy_tag_valid(t); }

/* ---- Times --------------------------------------------------------------------- */

/* Any RFC 3339 time (clock_parse_strict) to the stored form, UTC
 * "2026-11-25T14:00:00Z", so that text order is time order. */
int store__time_norm(const char *in, char out[TIME_LEN])
{
	time_t t;
	if (clock_parse_strict(in, &t))
		return -1;
	clock_format(t, out, TIME_LEN);
	return 0;
}

void store__now(char out[TIME_LEN]) { clock_format(clock_now(), out, TIME_LEN); }

/* ---- Small checks ---------------------------------------------------------- */

int store__word_in(const char *w, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(w, *set) == 0)
			return 1;
	return 0;
}

int store__in_list(const char *w, const char *list)
{
	char word[32];
	snprintf(word, sizeof word, " %s ", w);
	return strstr(list, word) != NULL;
}

const char *const store__statuses[STORE_NSTATUS + 1] = {
	"pending", "approved", "rejected", "sending", "queued", "scheduled", "sent",
	"delivered", "undelivered", "failed", "canceled", "unknown", "received", "read", NULL,
};
const char *const store__directions[] = {"outbound", "inbound", NULL};
const char *const store__priorities[] = {"urgent", "high", "normal", "low", NULL};
static const char *const encodings[] = {"GSM-7", "UCS-2", NULL};

int store_status_valid(const char *status)
{
	return status && store__word_in(status, store__statuses);
}

/* sms-config(5), Lifecycle, as a table: each status and the store__statuses it may move to. */
static const struct {
	const char *from, *to;
} lifecycle[] = {
	{"pending", " approved rejected canceled "},
	{"approved", " sending canceled "},
	{"sending", " queued scheduled sent delivered undelivered failed unknown read "},
	{"queued", " scheduled sent delivered undelivered failed canceled read "},
	{"scheduled", " queued sent delivered undelivered failed canceled read "},
	{"sent", " delivered undelivered failed read "},
	{"delivered", " read "},
	{"undelivered", " delivered read "},
	{"unknown", " approved queued scheduled sent delivered undelivered failed canceled read "},
};

int store_status_next_ok(const char *from, const char *to)
{
	if (!store_status_valid(from) || !store_status_valid(to))
		return 0;
	/* The same status again only updates fields, except that a claim is taken
	 * once: of two senders moving a message to sending, one is refused. */
	if (strcmp(from, to) == 0)
		return strcmp(to, "sending") != 0;
	for (size_t i = 0; i < sizeof lifecycle / sizeof *lifecycle; i++)
		if (strcmp(lifecycle[i].from, from) == 0)
			return store__in_list(to, lifecycle[i].to);
	return 0; /* final */
}

/* An optional sign, digits, optionally "." and digits: "0.0079", "-0.00750". */
static int is_decimal(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	size_t n = strspn(s, "0123456789");
	if (n == 0)
		return 0;
	s += n;
	if (*s == '.') {
		n = strspn(++s, "0123456789");
		if (n == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

static int is_currency(const char *s)
{
	return strlen(s) == 3 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3;
}

/* An integral JSON number within +-2^53. */
static int json_int(const cJSON *j, int64_t *out)
{
	if (!cJSON_IsNumber(j))
		return -1;
	double d = j->valuedouble;
	if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != (double)(int64_t)d)
		return -1;
	*out = (int64_t)d;
	return 0;
}

/* ---- Values from records ---------------------------------------------------- */

void store__val_text(struct val *v, const char *t)
{
	v->type = t ? V_TEXT : V_NULL;
	v->t = t;
}

void store__val_int(struct val *v, int64_t i)
{
	v->type = V_INT;
	v->i = i;
}

void store__vals_free(struct val *v)
{
	for (size_t i = 0; i < NCOLS; i++)
		free(v[i].own);
}

/* The record's value for a column: *present says whether the key was given
 * (an "error" sub-key counts as given when "error" is). Returns -1 on a bad shape. */
static int field(struct store *s, const cJSON *rec, const struct mcol *c, const cJSON **item,
                 int *present)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(rec, c->key);
	*present = j != NULL;
	*item = j;
	if (!c->sub || !j)
		return 0;
	if (cJSON_IsNull(j)) {
		*item = NULL;
		return 0;
	}
	if (!cJSON_IsObject(j)) {
		store__seterr(s, "%s: must be an object or null", c->key);
		return -1;
	}
	*item = cJSON_GetObjectItemCaseSensitive(j, c->sub);
	return 0;
}

static int bad(struct store *s, const struct mcol *c, const char *what)
{
	if (c->sub)
		store__seterr(s, "%s.%s: %s", c->key, c->sub, what);
	else
		store__seterr(s, "%s: %s", c->key, what);
	return -1;
}

/* Converts and checks one JSON value for column c. */
static int val_from_json(struct store *s, const struct mcol *c, const cJSON *j, struct val *v)
{
	int64_t n;
	v->type = V_NULL;
	if (!j || cJSON_IsNull(j))
		return 0;
	switch (c->type) {
	case T_STR:
		if (!cJSON_IsString(j))
			return bad(s, c, "must be a string");
		store__val_text(v, j->valuestring);
		return 0;
	case T_TAG:
		if (!cJSON_IsString(j) || !store_tag_ok(j->valuestring))
			return bad(s, c, "must be a tag: 1 to 64 letters, digits, '-', '_' or '.' "
			              "(such as survey)");
		store__val_text(v, j->valuestring);
		return 0;
	case T_TIME:
		if (!cJSON_IsString(j) || store__time_norm(j->valuestring, v->buf))
			return bad(s, c, "must be an RFC 3339 time such as 2026-11-25T14:00:00Z");
		store__val_text(v, v->buf);
		return 0;
	case T_MONEY:
		if (!cJSON_IsString(j) || !is_decimal(j->valuestring))
			return bad(s, c, "must be a decimal string such as \"0.0079\"");
		store__val_text(v, j->valuestring);
		return 0;
	case T_CURRENCY:
		if (!cJSON_IsString(j) || !is_currency(j->valuestring))
			return bad(s, c, "must be an ISO 4217 code such as \"USD\"");
		store__val_text(v, j->valuestring);
		return 0;
	case T_COUNT:
		if (json_int(j, &n) || n < 0)
			return bad(s, c, "must be a whole number, 0 or more");
		store__val_int(v, n);
		return 0;
	case T_MSGID:
		if (json_int(j, &n) || n <= 0)
			return bad(s, c, "must be a message id");
		store__val_int(v, n);
		return 0;
	case T_BOOL:
		if (cJSON_IsBool(j))
			store__val_int(v, cJSON_IsTrue(j));
		else if (json_int(j, &n) == 0 && (n == 0 || n == 1))
			store__val_int(v, n);
		else
			return bad(s, c, "must be true or false");
		return 0;
	case T_REF:
		if (cJSON_IsString(j)) {
			store__val_text(v, j->valuestring);
		} else if (cJSON_IsNumber(j)) {
			v->own = cJSON_PrintUnformatted(j);
			store__val_text(v, v->own);
		} else {
			return bad(s, c, "must be a string or a number");
		}
		return 0;
	case T_OBJECT:
		if (!cJSON_IsObject(j))
			return bad(s, c, "must be a JSON object");
		v->own = cJSON_PrintUnformatted(j);
		store__val_text(v, v->own);
		return 0;
	case T_ARRAY: {
		if (!cJSON_IsArray(j))
			return bad(s, c, "must be an array of strings");
		const cJSON *e;
		cJSON_ArrayForEach(e, j)
			if (!cJSON_IsString(e))
				return bad(s, c, "must be an array of strings");
		if (cJSON_GetArraySize(j) == 0)
			return 0; /* stored as NULL, printed as [] */
		v->own = cJSON_PrintUnformatted(j);
		store__val_text(v, v->own);
		return 0;
	}
	case T_DIRECTION:
	case T_STATUS:
	case T_PRIORITY:
	case T_ENCODING: {
		const char *const *set = c->type == T_DIRECTION ? store__directions
		                       : c->type == T_STATUS    ? store__statuses
		                       : c->type == T_PRIORITY  ? store__priorities
		                                                : encodings;
		if (!cJSON_IsString(j) || !store__word_in(j->valuestring, set)) {
			struct strbuf b;
			strbuf_init(&b);
			strbuf_puts(&b, "must be one of");
			for (; *set; set++)
				strbuf_printf(&b, " %s", *set);
			bad(s, c, b.s);
			strbuf_free(&b);
			return -1;
		}
		store__val_text(v, j->valuestring);
		return 0;
	}
	case T_PCODE:
		if (json_int(j, &n) == 0)
			store__val_int(v, n);
		else if (cJSON_IsString(j))
			store__val_text(v, j->valuestring);
		else
			return bad(s, c, "must be a number or a string");
		return 0;
	}
	return bad(s, c, "unsupported type");
}

/* The defaults of the columns a record to insert left out, and the checks they
 * make possible. */
static int vals_defaults(struct store *s, struct val *v, const char *now)
{
	if (!v[C_DIRECTION].t)
		store__val_text(&v[C_DIRECTION], "outbound");
	int inbound = strcmp(v[C_DIRECTION].t, "inbound") == 0;
	if (!v[C_STATUS].t)
		store__val_text(&v[C_STATUS], inbound ? "received" : "pending");
	if (inbound != (strcmp(v[C_STATUS].t, "received") == 0)) {
		store__seterr(s, "status: %s is not a status of an %s message", v[C_STATUS].t,
		              v[C_DIRECTION].t);
		return -1;
	}
	if (!v[C_TO].t || !*v[C_TO].t) {
		store__seterr(s, "to: missing");
		return -1;
	}
	if (!v[C_BODY].t)
		store__val_text(&v[C_BODY], "");
	if (!v[C_PRIORITY].t)
		store__val_text(&v[C_PRIORITY], "normal");
	if (v[C_READ].type == V_NULL)
		store__val_int(&v[C_READ], 0);
	if (v[C_REPLIED].type == V_NULL)
		store__val_int(&v[C_REPLIED], 0);
	if (!v[C_CREATED_AT].t)
		store__val_text(&v[C_CREATED_AT], now);
	store__val_text(&v[C_UPDATED_AT], now);
	if (strcmp(v[C_STATUS].t, "sending") == 0)
		store__val_text(&v[C_CLAIMED_AT], now);
	return 0;
}

int store__insert_vals(struct store *s, const cJSON *rec, struct val *v, const char *now)
{
	if (!cJSON_IsObject(rec)) {
		store__seterr(s, "a message must be a JSON object");
		return -1;
	}
	for (size_t i = 0; i < NCOLS; i++) {
		const cJSON *j;
		int present;
		if (!(store__mcols[i].flags & F_INS))
			continue;
		if (field(s, rec, &store__mcols[i], &j, &present) ||
		    val_from_json(s, &store__mcols[i], j, &v[i]))
			return -1;
	}
	return vals_defaults(s, v, now);
}

/* Checks fields' keys and converts the values of the columns they set. */
int store__update_vals(struct store *s, const cJSON *fields, struct val *v)
{
	if (!fields || cJSON_IsNull(fields))
		return 0;
	if (!cJSON_IsObject(fields)) {
		store__seterr(s, "the fields to update must be a JSON object");
		return -1;
	}
	const cJSON *f;
	cJSON_ArrayForEach(f, fields) {
		int ok = 0;
		for (size_t i = 0; i < NCOLS && !ok; i++)
			ok = (store__mcols[i].flags & F_UPD) &&
			     strcmp(store__mcols[i].key, f->string) == 0;
		if (!ok) {
			store__seterr(s, "%s: cannot be changed with a status update", f->string);
			return -1;
		}
	}
	for (size_t i = 0; i < NCOLS; i++) {
		const cJSON *j;
		int present;
		if (!(store__mcols[i].flags & F_UPD))
			continue;
		if (field(s, fields, &store__mcols[i], &j, &present) ||
		    val_from_json(s, &store__mcols[i], j, &v[i]))
			return -1;
		v[i].set = present;
	}
	return 0;
}

/* ---- Arguments both backends check the same way ----------------------------------- */

int store__address_ok(struct store *s, const char *n)
{
	if (address_stored_ok(n))
		return 1;
	store__seterr(s, "%s: not an E.164 number (+ and up to 15 digits, after whatsapp: on "
	              "WhatsApp)", n ? n : "(none)");
	return 0;
}

int store__e164_check(struct store *s, const char *number)
{
	size_t n = strlen(number);
	if (number[0] == '+' && n >= 2 && n <= 16 && strspn(number + 1, "0123456789") == n - 1)
		return STORE_OK;
	store__seterr(s, "%s: not an E.164 number (+ and up to 15 digits)", number);
	return STORE_ERR;
}

int store__consent_args(struct store *s, const char *number, const char *at, const char *source,
                        const char *evidence, char when[TIME_LEN], char now[TIME_LEN])
{
	if (!store__address_ok(s, number))
		return -1;
	if (!source || !*source || !evidence || !*evidence) {
		store__seterr(s, "%s: an opt-in needs its source (web, keyword, paper, import...) and "
		              "its evidence (the form's URL and IP, \"signed form #123\"...)", number);
		return -1;
	}
	store__now(now);
	if (at && store__time_norm(at, when) != 0) {
		store__seterr(s, "%s: at must be an RFC 3339 time such as 2026-11-02T14:03:00Z, not %s",
		              number, at);
		return -1;
	}
	if (at && strcmp(when, now) > 0) {
		store__seterr(s, "%s: at %s is in the future: consent is recorded once given", number,
		              when);
		return -1;
	}
	return 0;
}
