/* inbox — received messages as people read and answer them. See inbox.h. */
#include "inbox.h"
#include "clip.h"
#include "clock.h"
#include "msgid.h"
#include "phone.h"
#include "provider.h"
#include "recmerge.h"
#include "records.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

/* ---- Arguments ------------------------------------------------------------- */

/* 1 to 11 letters, digits and spaces with a letter: an alphanumeric sender id. */
static int sender_id(const char *s)
{
	size_t n = strlen(s);
	int letter = 0;
	if (n < 1 || n > 11)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != ' ')
			return 0;
		letter |= isalpha((unsigned char)s[i]) != 0;
	}
	return letter;
}

int inbox_number(const char *arg, const char *region, char out[24], const char **why)
{
	struct phone_result pr;
	size_t n = strlen(arg);
	if (n >= 3 && n <= 8 && strspn(arg, "0123456789") == n) {
		snprintf(out, 24, "%s", arg); /* a short code, as the provider gives it */
		return 0;
	}
	if (phone_parse(arg, region, &pr) != PHONE_NOT_A_NUMBER && pr.e164[0]) {
		snprintf(out, 24, "%s", pr.e164);
		return 0;
	}
	if (sender_id(arg)) {
		snprintf(out, 24, "%s", arg);
		return 0;
	}
	*why = pr.reason ? pr.reason : "not a phone number";
	return -1;
}

int inbox_address(const char *arg, const char *region, char out[ADDRESS_LEN], const char **why)
{
	int wa = address_channel(arg) == CHANNEL_WHATSAPP;
	const char *num = address_number(arg);
	char n[24];
	if (inbox_number(num + strspn(num, " \t"), region, n, why) != 0)
		return -1;
	snprintf(out, ADDRESS_LEN, "%s%s", wa ? ADDRESS_WHATSAPP_PREFIX : "", n);
	return 0;
}

/* ---- Text --------------------------------------------------------------------- */

static long long id_of(const cJSON *rec)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "id");
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static void error_row(FILE *fp, const cJSON *rec)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
	char id[24] = "-";
	if (id_of(rec))
		snprintf(id, sizeof id, "%lld", id_of(rec));
	fprintf(fp, "%6s  ERROR  %s: %s\n", id, rec_str(e, "code") ? rec_str(e, "code") : "error",
	        rec_str(e, "message") ? rec_str(e, "message") : "");
}

void inbox_text_list(FILE *fp, const cJSON *rec, void *arg)
{
	struct inbox_text *t = arg;
	if (!t->header) {
		t->header = 1;
		fprintf(fp, "%6s  %-16s  %-16s  %-7s  %s\n", "ID", "RECEIVED", "FROM", "STATE", "BODY");
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		error_row(fp, rec);
		return;
	}
	char when[32], body[256], id[24];
	snprintf(id, sizeof id, "%lld", id_of(rec));
	clock_local_display(rec_str(rec, "created_at"), when, sizeof when);
	const char *from = rec_str(rec, "from"), *dir = rec_str(rec, "direction");
	const char *state;
	if (dir && strcmp(dir, "outbound") == 0)
		state = "sent";
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "replied")))
		state = "replied";
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "read")))
		state = "read";
	else
		state = "unread";
	clip_text(rec_str(rec, "body"), 60, body, sizeof body);
	int nmedia = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rec, "media"));
	char line[512];
	snprintf(line, sizeof line, "%6s  %-16s  %-16s  %-7s  %s%s%.0d%s", id, when, from ? from : "-",
	         state, body, nmedia ? (*body ? " [+" : "[+") : "", nmedia, nmedia ? " media]" : "");
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == ' ')
		line[--n] = '\0';
	fprintf(fp, "%s\n", line);
}

/* Outbound statuses that mean the message went, or is on its way. */
static int on_its_way(const char *status)
{
	static const char *const ok[] = {"sending", "queued", "scheduled", "sent", "delivered"};
	for (size_t i = 0; status && i < sizeof ok / sizeof *ok; i++)
		if (strcmp(ok[i], status) == 0)
			return 1;
	return 0;
}

void inbox_text_thread(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		error_row(fp, rec);
		return;
	}
	char when[32];
	clock_local_display(rec_str(rec, "created_at"), when, sizeof when);
	const char *dir = rec_str(rec, "direction"), *status = rec_str(rec, "status");
	int in = dir && strcmp(dir, "inbound") == 0;
	const char *body = rec_str(rec, "body");
	const char *indent = "                        "; /* under the text: 16 + 2 + 4 + 2 */
	fprintf(fp, "%-16s  %-4s  ", when, in ? "Them" : "You");
	/* One line per line of the body, the later ones indented under the first. */
	const char *p = body ? body : "";
	int first = 1;
	do {
		size_t n = strcspn(p, "\n");
		size_t k = n;
		while (k > 0 && p[k - 1] == '\r')
			k--;
		fprintf(fp, "%s%.*s", first ? "" : indent, (int)k, p);
		if (first && !in && !on_its_way(status))
			fprintf(fp, "  [%s]", status ? status : "?");
		fputc('\n', fp);
		first = 0;
		p += n;
	} while (*p && *++p);
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(rec, "media"))
		if (cJSON_IsString(m))
			fprintf(fp, "%s[media] %s\n", indent, m->valuestring);
	const char *lat = rec_str(rec, "latitude"), *lon = rec_str(rec, "longitude");
	if (lat && lon) /* a location shared on WhatsApp */
		fprintf(fp, "%s[location] %s,%s\n", indent, lat, lon);
}

/* ---- Message ids ------------------------------------------------------------------ */

/* A message id as a record gives it (sms-inbox(1), sms-reply(1)): a number, a
 * string of digits, or the provider's own id (Twilio's SM..., a Vonage or SNS
 * id), which assistants copy from what they were shown. A provider id is looked
 * up under each driver's name, on the store's (provider, provider_id) index.
 * 0 and *id set; 1: a provider id no message has; -1: no id at all. */
static int message_id(struct store *st, const cJSON *v, long long *id)
{
	if (msgid_parse(v, id) == 0)
		return 0;
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > 64)
		return -1;
	int64_t found;
#define TRY(name)                                                                        \
	if (store_msg_find_provider_id(st, #name, v->valuestring, &found) == STORE_OK) { \
		*id = (long long)found;                                                  \
		return 0;                                                                \
	}
	PROVIDER_DRIVERS(TRY)
#undef TRY
	return 1;
}

/* ---- Read flags ------------------------------------------------------------------ */

cJSON *inbox_mark(struct store *st, cJSON *rec, int read, int *hard)
{
	long long id;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "id");
	int found = v ? message_id(st, v, &id) : -1;
	if (found == 1) {
		rec_fail(rec, "not_found", 0, "message %s: no such message (neither a message id nor "
		         "a provider's id in the store)", v->valuestring);
		return rec;
	}
	if (found != 0) {
		rec_fail(rec, "invalid_id", 0, "a message id is a whole number such as 42, or the "
		         "provider's id of a stored message");
		return rec;
	}
	int rc = store_msg_mark_read(st, id, read);
	if (rc == STORE_NOTFOUND) {
		rec_fail(rec, "not_found", 0, "message %lld: no such message", id);
		return rec;
	}
	if (rc == STORE_REFUSED) {
		rec_fail(rec, "invalid_request", 0, "%s", store_errmsg(st));
		return rec;
	}
	cJSON *stored = NULL;
	if (rc != STORE_OK || store_msg_get(st, id, &stored) != STORE_OK) {
		rec_fail(rec, "store_error", 1, "store: %s", store_errmsg(st));
		*hard = EX_TEMPFAIL;
		return rec;
	}
	rec_merge(rec, stored);
	rec_set_ok(rec);
	return rec;
}

/* ---- Replies --------------------------------------------------------------------- */

static int refuse(const char **code, const char *c, char *msg, size_t msglen, const char *fmt,
                  long long id)
{
	*code = c;
	snprintf(msg, msglen, fmt, id);
	return -1;
}

int inbox_reply_request(struct store *st, cJSON *rec, const char **code, char *msg,
                        size_t msglen)
{
	long long id;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "id");
	int found = v ? message_id(st, v, &id) : -1;
	if (found == 1) {
		*code = "not_found";
		snprintf(msg, msglen, "message %s: no such message (neither a message id nor a "
		         "provider's id in the store)", v->valuestring);
		return -1;
	}
	if (found != 0) {
		*code = "invalid_id";
		snprintf(msg, msglen, "%s", v ? "\"id\" must be a message id, a whole number such as 42, or "
		                              "the provider's id of a stored message"
		                              : "no \"id\": a reply needs the id of the received "
		                                "message it answers");
		return -1;
	}
	cJSON *orig = NULL;
	int rc = store_msg_get(st, id, &orig);
	if (rc == STORE_NOTFOUND)
		return refuse(code, "not_found", msg, msglen, "message %lld: no such message", id);
	if (rc != STORE_OK) {
		*code = "store_error";
		snprintf(msg, msglen, "store: %s", store_errmsg(st));
		return -1;
	}
	const char *dir = rec_str(orig, "direction"), *to = rec_str(orig, "to"),
	           *from = rec_str(orig, "from");
	int ret = 0;
	if (!dir || strcmp(dir, "inbound") != 0)
		ret = refuse(code, "invalid_request", msg, msglen,
		             "message %lld is a message we sent, not one we received: only a "
		             "received message can be replied to", id);
	else if (!from || !*from)
		ret = refuse(code, "invalid_request", msg, msglen,
		             "message %lld has no sender number to answer", id);
	const char *want[2][2] = {{"to", from}, {"from", to}};
	for (int i = 0; i < 2 && ret == 0; i++) {
		const char *given = rec_str(rec, want[i][0]);
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(rec, want[i][0]);
		if (g && !cJSON_IsNull(g) && !(given && want[i][1] && strcmp(given, want[i][1]) == 0)) {
			*code = "invalid_request";
			snprintf(msg, msglen, "a reply goes %s %s, %s message %lld was %s: no \"%s\" in "
			         "the record", i ? "from" : "to", want[i][1] ? want[i][1] : "-",
			         i ? "the number" : "the sender of", id, i ? "received on" : "from",
			         want[i][0]);
			ret = -1;
		}
	}
	if (ret == 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(rec, "id");
		rec_put_str(rec, "to", from);
		if (to && *to)
			rec_put_str(rec, "from", to);
		rec_put_num(rec, "reply_to", (double)id);
	}
	cJSON_Delete(orig);
	return ret;
}
