/* store_record — the backend-neutral half of the store: a message record
 * (smskit(7)) checked and turned into column values and back, the statuses
 * and their lifecycle (sms-config(5)), the stored form of times. No SQL and
 * no sqlite3 type: a second backend would use it as it is. Only for the
 * store's own files (store_internal.h includes it). */
#ifndef SMSKIT_STORE_RECORD_H
#define SMSKIT_STORE_RECORD_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "store.h"

#define TIME_LEN 21 /* "2026-11-25T14:00:00Z" and NUL */

/* The message record <-> the messages table.
 * One row per column: the record key (and sub-key inside "error"), its type,
 * and whether callers may give it on insert, on a status update, and whether
 * store_msg_get prints it. INSERT, UPDATE and SELECT are all built from this. */

enum ctype {
	T_STR, T_TIME, T_MONEY, T_CURRENCY, T_COUNT, T_BOOL, T_MSGID, T_REF, T_ARRAY,
	T_DIRECTION, T_STATUS, T_PRIORITY, T_ENCODING, T_PCODE, T_OBJECT, T_TAG,
};

#define F_INS 1u
#define F_UPD 2u
#define F_OUT 4u
#define F_SET 8u  /* printed only when not NULL */
#define F_GEN 16u /* made by the store from other columns: never written */

struct mcol {
	const char *key, *sub, *col;
	enum ctype  type;
	unsigned    flags;
};

enum {
	C_DIRECTION, C_STATUS, C_TO, C_FROM, C_BODY, C_MEDIA, C_ENCODING, C_SEGMENTS,
	C_PRICE_ESTIMATE, C_PRICE, C_CURRENCY, C_PROVIDER, C_PROVIDER_ID, C_PRIORITY,
	C_NOTES, C_CREATED_AT, C_SEND_AT, C_SENT_AT, C_DELIVERED_AT, C_REVIEWED_BY,
	C_REVIEWED_AT, C_REVIEW_REASON, C_READ, C_REPLIED, C_REPLY_TO, C_REF,
	C_ERROR_CODE, C_ERROR_MESSAGE, C_PROVIDER_CODE, C_ERROR_RETRYABLE, C_REASON,
	C_WARNINGS, C_UPDATED_AT, C_CLAIMED_BY, C_CLAIMED_AT, C_REQUESTED_AT,
	C_CHANNEL, C_CONTENT_SID, C_CONTENT_VARIABLES, C_PROFILE_NAME, C_WA_ID,
	C_BUTTON_PAYLOAD, C_BUTTON_TEXT, C_LATITUDE, C_LONGITUDE, C_READ_AT,
	C_PURPOSE, C_TAG, C_STATE, NCOLS
};

/* The columns, in C_ order. */
extern const struct mcol store__mcols[NCOLS];

/* The words of a status, direction and priority, each list ending in NULL;
 * statuses in lifecycle order. */
#define STORE_NSTATUS 14
extern const char *const store__statuses[STORE_NSTATUS + 1];
extern const char *const store__directions[];
extern const char *const store__priorities[];
/* 1 when w is one of set's words. */
int store__word_in(const char *w, const char *const *set);
/* 1 when w is one of the words of list, " a b c ". */
int store__in_list(const char *w, const char *list);

/* One column's value, from a record, for a statement. */
enum { V_NULL, V_INT, V_TEXT };
struct val {
	int         set;  /* for UPDATE: this column is assigned */
	int         type; /* V_NULL (0: unset), V_INT, V_TEXT */
	int64_t     i;
	const char *t;
	char       *own;  /* freed after binding */
	char        buf[TIME_LEN];
};

void store__val_text(struct val *v, const char *t); /* t NULL: V_NULL */
void store__val_int(struct val *v, int64_t i);
void store__vals_free(struct val *v); /* NCOLS values */

/* The values of a record to insert (v: NCOLS zeroed values): each given
 * column checked and converted, then the defaults of those left out, and
 * the checks they make possible (a status that fits the direction, a
 * recipient); now must outlive the values. -1 with the store's error set. */
int store__insert_vals(struct store *s, const cJSON *rec, struct val *v, const char *now);
/* The values a status update's fields set (v: NCOLS zeroed values, .set on
 * each column given); -1 with the store's error set on an unknown key or a
 * bad value. */
int store__update_vals(struct store *s, const cJSON *fields, struct val *v);

/* Now (clock_now) as "YYYY-MM-DDTHH:MM:SSZ". */
void store__now(char out[TIME_LEN]);
/* Any RFC 3339 time to the stored form; -1 when it does not parse. */
int store__time_norm(const char *in, char out[TIME_LEN]);

/* An address as the tables' CHECK wants it (address_stored_ok: E.164, alone
 * or after "whatsapp:"): 1, else 0 with the sentence set, said before the
 * engine would say less (or, on PostgreSQL, spoil the transaction). */
int store__address_ok(struct store *s, const char *n);
/* A bare E.164 number (sms-store's export and erase): STORE_OK, or STORE_ERR
 * with the sentence set. */
int store__e164_check(struct store *s, const char *number);
/* An opt-in's arguments (store_consent_add): the address, the source and
 * evidence, and `at` (NULL: now) normalised into when, not in the future;
 * now is set. 0, or -1 with the sentence set. */
int store__consent_args(struct store *s, const char *number, const char *at, const char *source,
                        const char *evidence, char when[TIME_LEN], char now[TIME_LEN]);

/* Sets the store's error (one sentence): each backend has its own. */
void store__seterr(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
