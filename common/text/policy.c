/* policy — outbound validation. See policy.h. */
#include "policy.h"
#include "clock.h"
#include "address.h"
#include "utf8.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

size_t policy_utf16_units(const struct gsm_info *g)
{
	return g->encoding == GSM_ENC_UCS2 ? g->units : g->chars;
}

/* http(s)://host[...] with a non-empty host and no spaces or controls. */
static int media_url_ok(const char *u)
{
	const char *host;
	if (strncasecmp(u, "https://", 8) == 0)
		host = u + 8;
	else if (strncasecmp(u, "http://", 7) == 0)
		host = u + 7;
	else
		return 0;
	if (*host == '\0' || *host == '/' || *host == ':' || *host == '?')
		return 0;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

int policy_from_ok(const char *f)
{
	size_t n = strlen(f);
	if (f[0] == '+') {
		if (n < 3 || n > 16)
			return 0;
		for (size_t i = 1; i < n; i++)
			if (!isdigit((unsigned char)f[i]))
				return 0;
		return 1;
	}
	int letters = 0, ok = n >= 1 && n <= 11;
	for (size_t i = 0; ok && i < n; i++) {
		letters |= isalpha((unsigned char)f[i]);
		ok = isalnum((unsigned char)f[i]) || f[i] == ' ';
	}
	int all_digits = ok && !letters;
	return ok && (letters || (all_digits && n >= 3 && n <= 8));
}

static int fail(const char **code, const char *c, char *msg, size_t msglen, const char *fmt,
                const char *arg)
{
	*code = c;
	snprintf(msg, msglen, fmt, arg);
	return -1;
}

/* Present and not null. */
static const cJSON *given(const cJSON *rec, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
	return v && !cJSON_IsNull(v) ? v : NULL;
}

int policy_content_sid_ok(const char *s)
{
	if (strlen(s) != POLICY_CONTENT_SID_LEN || s[0] != 'H' || s[1] != 'X')
		return 0;
	for (size_t i = 2; i < POLICY_CONTENT_SID_LEN; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static const char *const categories[] = {"service", "utility", "authentication", "marketing",
                                         "unknown"};

const char *wa_category_name(enum wa_category c) { return categories[c]; }

size_t policy_code_points(const char *s) { return utf8_count(s); }

enum wa_category policy_wa_category(const cJSON *rec)
{
	if (!given(rec, "content_sid"))
		return WA_SERVICE;
	const cJSON *cat = given(rec, "template_category");
	for (int i = WA_UTILITY; cJSON_IsString(cat) && i <= WA_MARKETING; i++)
		if (strcmp(cat->valuestring, categories[i]) == 0)
			return (enum wa_category)i;
	return WA_UNKNOWN;
}

/* The sender of a WhatsApp message: whatsapp:+number, as the recipient's
 * channel requires; and no WhatsApp sender for an SMS. */
static int check_from(const char *f, struct outbound *out, const char **code, char *msg,
                      size_t msglen)
{
	enum channel fc = address_channel(f);
	if (out->channel == CHANNEL_SMS && fc == CHANNEL_WHATSAPP)
		return fail(code, "invalid_from", msg, msglen, "\"from\" %s is a WhatsApp sender and "
		            "the recipient an SMS number: write the recipient as whatsapp:+number, or "
		            "send the SMS from a phone number", f);
	if (out->channel == CHANNEL_SMS) {
		if (!policy_from_ok(f))
			return fail(code, "invalid_from", msg, msglen, "%s",
			            "\"from\" must be an E.164 number, a short code or a sender id of "
			            "up to 11 letters and digits");
		out->from = f;
		return 0;
	}
	struct address a;
	char why[256];
	if (fc != CHANNEL_WHATSAPP || address_parse(f, NULL, &a, why, sizeof why) != 0 ||
	    a.e164[0] != '+')
		return fail(code, "invalid_from", msg, msglen, "\"from\" %s: a WhatsApp message "
		            "goes from a WhatsApp sender, written whatsapp:+ and the number in "
		            "international form, such as whatsapp:+15551234567", f);
	snprintf(out->from_buf, sizeof out->from_buf, "%s", a.text);
	out->from = out->from_buf;
	return 0;
}

/* content_sid, content_variables and template_category: a WhatsApp template. */
static int check_template(const cJSON *rec, struct outbound *out, const char **code, char *msg,
                          size_t msglen)
{
	const cJSON *cs = given(rec, "content_sid"), *cv = given(rec, "content_variables");
	const cJSON *cat = given(rec, "template_category");
	out->category = WA_SERVICE;
	if (!cs && (cv || cat))
		return fail(code, "invalid_field", msg, msglen, "%s", cv
		            ? "content_variables fill a template: give its content_sid too"
		            : "template_category is a template's: give its content_sid too");
	if (!cs)
		return 0;
	if (!cJSON_IsString(cs) || !policy_content_sid_ok(cs->valuestring))
		return fail(code, "invalid_field", msg, msglen, "content_sid must be an approved "
		            "template's Content SID, HX and 32 hexadecimal digits such as "
		            "HX0123456789abcdef0123456789abcdef, not %s",
		            cJSON_IsString(cs) ? cs->valuestring : "a value of another type");
	if (out->channel != CHANNEL_WHATSAPP)
		return fail(code, "invalid_field", msg, msglen, "content_sid names a WhatsApp "
		            "template, and %s is an SMS number: write the recipient as "
		            "whatsapp:+number to send the template, or send a body as SMS", out->to);
	out->content_sid = cs->valuestring;
	out->category = WA_UNKNOWN;
	if (cat) {
		int k = -1;
		for (int i = WA_UTILITY; cJSON_IsString(cat) && i <= WA_MARKETING; i++)
			if (strcmp(cat->valuestring, categories[i]) == 0)
				k = i;
		if (k < 0)
			return fail(code, "invalid_field", msg, msglen, "%s", "template_category must be "
			            "marketing, utility or authentication, as the template was approved");
		out->category = (enum wa_category)k;
	}
	if (cv) {
		/* A JSON object of strings or numbers, or the same as a string of JSON. */
		cJSON *parsed = cJSON_IsString(cv) ? cJSON_Parse(cv->valuestring) : NULL;
		const cJSON *obj = parsed ? parsed : cv;
		int ok = cJSON_IsObject(obj);
		if (ok) {
			const cJSON *v;
			cJSON_ArrayForEach(v, obj)
				ok = ok && (cJSON_IsString(v) || cJSON_IsNumber(v));
		}
		if (ok)
			out->content_variables = cJSON_PrintUnformatted(obj);
		cJSON_Delete(parsed);
		if (!ok)
			return fail(code, "invalid_field", msg, msglen, "%s", "content_variables must be "
			            "a JSON object of the template's variables, strings by number or "
			            "name, such as {\"1\":\"Ada\",\"2\":\"3pm\"}");
	}
	return 0;
}

int outbound_check(const cJSON *rec, const char *default_region, struct outbound *out,
                   const char **code, char *msg, size_t msglen)
{
	memset(out, 0, sizeof *out);
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(rec, "to");
	if (!cJSON_IsString(to) || !*to->valuestring)
		return fail(code, "invalid_number", msg, msglen, "%s", "record has no \"to\" number");
	struct address a;
	if (address_parse(to->valuestring, default_region, &a, msg, msglen)) {
		*code = "invalid_number"; /* msg: the parse's reason, letters, a prefix, NANP */
		return -1;
	}
	snprintf(out->to, sizeof out->to, "%s", a.text);
	memcpy(out->region, a.region, sizeof out->region);
	out->channel = a.channel;

	const cJSON *from = cJSON_GetObjectItemCaseSensitive(rec, "from");
	if (from && !cJSON_IsNull(from)) {
		if (!cJSON_IsString(from))
			return fail(code, "invalid_from", msg, msglen, "%s",
			            "\"from\" must be an E.164 number, a short code or a sender id of "
			            "up to 11 letters and digits");
		if (check_from(from->valuestring, out, code, msg, msglen) != 0)
			return -1;
	}

	const cJSON *media = cJSON_GetObjectItemCaseSensitive(rec, "media");
	if (media && !cJSON_IsNull(media)) {
		if (!cJSON_IsArray(media))
			return fail(code, "invalid_media", msg, msglen, "%s",
			            "\"media\" must be an array of URLs");
		int n = cJSON_GetArraySize(media);
		if (n > POLICY_MAX_MEDIA) {
			char num[16];
			snprintf(num, sizeof num, "%d", n);
			return fail(code, "too_many_media", msg, msglen,
			            "%s media URLs: at most 10 per message", num);
		}
		const cJSON *u;
		cJSON_ArrayForEach(u, media) {
			if (!cJSON_IsString(u) || !media_url_ok(u->valuestring))
				return fail(code, "invalid_media", msg, msglen,
				            "media URL `%s` is not an http:// or https:// URL",
				            cJSON_IsString(u) ? u->valuestring : "(not a string)");
			out->media[out->nmedia++] = u->valuestring;
		}
	}

	if (check_template(rec, out, code, msg, msglen) != 0) {
		outbound_free(out);
		return -1;
	}
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(rec, "body");
	if (body && !cJSON_IsNull(body) && !cJSON_IsString(body)) {
		outbound_free(out);
		return fail(code, "invalid_body", msg, msglen, "%s", "\"body\" must be a string");
	}
	out->body = cJSON_IsString(body) ? body->valuestring : "";
	if (out->content_sid && (*out->body || out->nmedia)) {
		outbound_free(out);
		return fail(code, "invalid_field", msg, msglen, "%s", "a template message "
		            "(content_sid) is the template's text and media: leave body and media "
		            "out, and give the variables in content_variables");
	}
	if (!*out->body && out->nmedia == 0 && !out->content_sid)
		return fail(code, "missing_body", msg, msglen, "%s", out->channel == CHANNEL_WHATSAPP
		            ? "nothing to send: the record has no body, no media and no content_sid"
		            : "nothing to send: the record has no body and no media");
	if (gsm_analyze(out->body, strlen(out->body), &out->gsm) != 0) {
		outbound_free(out);
		return fail(code, "invalid_body", msg, msglen, "%s", "body is not valid UTF-8");
	}
	if (out->channel == CHANNEL_WHATSAPP) {
		/* No segments on WhatsApp: one message up to its own limit. */
		out->wa_chars = policy_code_points(out->body);
		if (out->wa_chars <= POLICY_WA_MAX_BODY)
			return 0;
		char num[24];
		snprintf(num, sizeof num, "%zu", out->wa_chars);
		outbound_free(out);
		return fail(code, "body_too_long", msg, msglen,
		            "body has %s characters; a WhatsApp message takes at most 1600", num);
	}
	size_t n16 = policy_utf16_units(&out->gsm);
	if (n16 > POLICY_MAX_BODY) {
		char num[24];
		snprintf(num, sizeof num, "%zu", n16);
		outbound_free(out);
		return fail(code, "body_too_long", msg, msglen,
		            "body has %s characters; the limit is 1600", num);
	}
	return 0;
}

static const char *const priorities[] = {"urgent", "high", "normal", "low", NULL};

int policy_priority_valid(const char *s)
{
	for (size_t i = 0; s && priorities[i]; i++)
		if (strcmp(s, priorities[i]) == 0)
			return 1;
	return 0;
}

/* send_at: RFC 3339 with a zone, or a local "YYYY-MM-DD HH:MM[:SS]" (a space
 * or a T) in SMS_TZ. A bare date is refused: midnight is rarely meant. */
static int parse_send_at(const char *s, time_t *out)
{
	size_t n = strlen(s);
	if (n < 16)
		return -1;
	if (clock_parse(s, out) == 0)
		return 0;
	int y, mo, d, h, mi, sec = 0, used = 0;
	char sep;
	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &used) != 6 ||
	    (sep != ' ' && sep != 'T') || used != 16)
		return -1;
	if (s[16] == ':') {
		int used2 = 0;
		if (sscanf(s + 16, ":%2d%n", &sec, &used2) != 1 || used2 != 3 || s[19] ||
		    s[17] < '0' || s[17] > '9' || s[18] < '0' || s[18] > '9')
			return -1;
	} else if (s[16]) {
		return -1;
	}
	for (size_t i = 0; i < 16; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && (s[i] < '0' || s[i] > '9'))
			return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
	                .tm_min = mi, .tm_sec = sec, .tm_isdst = -1};
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1; /* 31 February */
	*out = t;
	return 0;
}

/* A value as the message names it: a string as it is, anything else as JSON. */
static void shown(const cJSON *v, char *buf, size_t len)
{
	if (cJSON_IsString(v)) {
		snprintf(buf, len, "%s", v->valuestring);
		return;
	}
	char *j = cJSON_PrintUnformatted(v);
	snprintf(buf, len, "%s", j ? j : "?");
	cJSON_free(j);
}

int outbound_check_fields(const cJSON *rec, time_t *send_at, const char **code, char *msg,
                          size_t msglen)
{
	char val[64];
	const cJSON *pr = given(rec, "priority"), *sa = given(rec, "send_at");
	const cJSON *notes = given(rec, "notes"), *ref = given(rec, "ref");
	*send_at = 0;
	if (pr && !(cJSON_IsString(pr) && policy_priority_valid(pr->valuestring))) {
		*code = "invalid_priority";
		shown(pr, val, sizeof val);
		snprintf(msg, msglen, "priority must be urgent, high, normal or low, not %s", val);
		return -1;
	}
	if (sa && !(cJSON_IsString(sa) && parse_send_at(sa->valuestring, send_at) == 0)) {
		*code = "invalid_send_at";
		shown(sa, val, sizeof val);
		snprintf(msg, msglen, "send_at must be an RFC 3339 time such as 2026-11-25T14:00:00Z "
		         "or a local time such as \"2026-11-25 14:00\", not %s", val);
		return -1;
	}
	if (notes && !cJSON_IsString(notes))
		return fail(code, "invalid_field", msg, msglen, "%s", "notes must be a string");
	if (ref && !cJSON_IsString(ref) && !cJSON_IsNumber(ref))
		return fail(code, "invalid_field", msg, msglen, "%s", "ref must be a string or a number");
	const cJSON *pu = given(rec, "purpose");
	if (pu && !(cJSON_IsString(pu) && policy_purpose_valid(pu->valuestring))) {
		*code = "invalid_field";
		shown(pu, val, sizeof val);
		snprintf(msg, msglen, "purpose must be marketing or transactional, not %s", val);
		return -1;
	}
	const cJSON *tag = given(rec, "tag");
	if (tag && !(cJSON_IsString(tag) && policy_tag_valid(tag->valuestring))) {
		*code = "invalid_tag";
		shown(tag, val, sizeof val);
		snprintf(msg, msglen, "tag is a conversation state's short name: 1 to 64 letters, "
		         "digits, '-', '_' or '.' (such as survey), not %s", val);
		return -1;
	}
	return 0;
}

int policy_tag_valid(const char *t)
{
	size_t n = 0;
	for (; t && t[n]; n++) {
		char c = t[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return n >= 1 && n <= 64;
}

int policy_purpose_valid(const char *p)
{
	return p && (strcmp(p, "marketing") == 0 || strcmp(p, "transactional") == 0);
}

/* sms-send(1), Consent: not said is marketing, the safe side (a refused
 * message costs nothing, one without consent may cost a fine); a reply
 * answers a person who wrote first, so it is transactional unless said. */
const char *policy_purpose(const cJSON *rec)
{
	const cJSON *pu = given(rec, "purpose");
	if (cJSON_IsString(pu) && policy_purpose_valid(pu->valuestring))
		return pu->valuestring;
	return given(rec, "reply_to") ? "transactional" : "marketing";
}

void outbound_free(struct outbound *out)
{
	gsm_info_free(&out->gsm);
	memset(&out->gsm, 0, sizeof out->gsm);
	cJSON_free(out->content_variables);
	out->content_variables = NULL;
}

const char *outbound_encoding(const struct outbound *o)
{
	return o->channel == CHANNEL_WHATSAPP ? "UTF-8" : gsm_encoding_name(o->gsm.encoding);
}

size_t outbound_segments(const struct outbound *o)
{
	return o->channel == CHANNEL_WHATSAPP ? 1 : o->gsm.segments;
}

money_t outbound_estimate(const struct outbound *o, const struct price_table *t)
{
	if (o->channel == CHANNEL_WHATSAPP)
		return price_whatsapp(t, o->region, o->category);
	return price_estimate(t, o->region, o->nmedia > 0, o->gsm.segments);
}
