/* sandbox_receive — an inbound message made to arrive; see sandbox_receive.h. */
#include "sandbox_receive.h"
#include "address.h"
#include "form.h"
#include "http.h"
#include "phone.h"
#include "policy.h"
#include "provider.h"
#include "records.h"
#include "sandbox_key.h"
#include "signature.h"
#include "subprog.h"
#include "util.h"
#include "xml.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sysexits.h>

extern char **environ;

/* Where the CGI program is, as the URL a web server would serve it at (the
 * program rebuilds the signed URL from these variables, cgi.c). */
#define CGI_SERVER "localhost"
#define CGI_SCRIPT "/cgi-bin/sms-webhookd"
#define ROUTE      "/sms/incoming"

struct sandbox_rx {
	char               *key;        /* a secret */
	char               *url;        /* where to POST (not with cgi) */
	char               *signed_url; /* the URL the webhook checks the signature over */
	char               *cgi;
	char               *to;         /* our number, E.164 */
	char               *wa_to;      /* our WhatsApp address, whatsapp:E.164 */
	char               *account;    /* AccountSid */
	char               *region;     /* SMS_DEFAULT_COUNTRY */
	struct http_client *http;
};

/* SMS_PUBLIC_URL without its trailing slashes, or NULL. */
static char *public_base(const struct sms_config *c)
{
	const char *base = config_get(c, "SMS_PUBLIC_URL");
	if (!base)
		return NULL;
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	return xstrndup(base, n);
}

/* The URL the webhook checks the signature over, as sms-webhookd rebuilds it
 * (sms-webhookd(1), Signatures): SMS_PUBLIC_URL followed by the route (and
 * the query string of the URL called), else the URL called; for CGI, the URL
 * of the script as CGI_SERVER serves it. */
static char *signed_url(const char *base, const char *url, int cgi)
{
	struct strbuf b;
	strbuf_init(&b);
	const char *q = url ? strchr(url, '?') : NULL;
	if (base)
		strbuf_printf(&b, "%s%s%s", base, ROUTE, q ? q : "");
	else if (cgi)
		strbuf_puts(&b, "http://" CGI_SERVER CGI_SCRIPT ROUTE);
	else
		strbuf_puts(&b, url);
	return strbuf_detach(&b);
}

struct sandbox_rx *sandbox_rx_new(const struct sms_config *c, const struct sandbox_rx_options *o,
                                  char *err, size_t errlen)
{
	const char *prov = config_get(c, "SMS_PROVIDER");
	if (!prov || strcmp(prov, "sandbox") != 0) {
		snprintf(err, errlen, "%s%s: sms-sandbox works with the sandbox provider only; for a "
		         "real provider it would forge that provider's webhooks (set "
		         "SMS_PROVIDER=sandbox)", prov ? "SMS_PROVIDER=" : "SMS_PROVIDER is not set",
		         prov ? prov : "");
		return NULL;
	}
	struct provider p;
	if (provider_open(&p, c, err, errlen) != 0)
		return NULL;
	const char *to = o->to ? o->to : p.default_from;
	/* On WhatsApp, our number is --to's, else TWILIO_WHATSAPP_NUMBER's, else
	 * the SMS one's (sms-sandbox(1)). */
	const char *wa = o->to ? o->to : config_get_or(c, "TWILIO_WHATSAPP_NUMBER", to);
	struct address ours, ours_wa;
	char why[256];
	if (address_parse(to, config_default_country(c), &ours, why, sizeof why) != 0 ||
	    address_parse(wa, config_default_country(c), &ours_wa, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s",
		         o->to ? "--to" : strcmp(wa, to) != 0 ? "TWILIO_WHATSAPP_NUMBER"
		                                               : "TWILIO_PHONE_NUMBER", why);
		provider_close(&p);
		return NULL;
	}
	provider_close(&p);
	char *key = sandbox_key_get(c, err, errlen);
	if (!key)
		return NULL;
	struct sandbox_rx *r = xcalloc(1, sizeof *r);
	r->key = key;
	r->to = xstrdup(ours.e164);
	r->wa_to = xmalloc(ADDRESS_LEN);
	snprintf(r->wa_to, ADDRESS_LEN, "%s%s", ADDRESS_WHATSAPP_PREFIX, ours_wa.e164);
	r->region = xstrdup(config_default_country(c));
	/* The sandbox has no account; Twilio's form always names one. */
	r->account = xstrdup(config_get_or(c, "TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"));
	char *base = public_base(c);
	if (o->cgi) {
		r->cgi = xstrdup(o->cgi);
	} else if (o->url) {
		r->url = xstrdup(o->url);
	} else if (base) {
		struct strbuf b;
		strbuf_init(&b);
		strbuf_printf(&b, "%s%s", base, ROUTE);
		r->url = strbuf_detach(&b);
	} else {
		r->url = xstrdup(SANDBOX_DEFAULT_URL);
	}
	r->signed_url = signed_url(base, r->url, r->cgi != NULL);
	free(base);
	if (r->url) {
		/* One attempt: what the webhook answered is the report, not a
		 * reason to post the message again. */
		struct http_options ho = {.max_attempts = 1};
		r->http = http_new(&ho);
	}
	return r;
}

void sandbox_rx_free(struct sandbox_rx *r)
{
	if (!r)
		return;
	free_secret(r->key);
	free(r->url);
	free(r->signed_url);
	free(r->cgi);
	free(r->to);
	free(r->wa_to);
	free(r->account);
	free(r->region);
	http_free(r->http);
	free(r);
}

/* ---- The message ------------------------------------------------------------ */

struct media {
	char *url, *type;
};

/* The type of a media URL by its extension, as the provider would say it. */
static const char *guess_type(const char *url)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"png", "image/png"},
		{"gif", "image/gif"},  {"webp", "image/webp"}, {"mp4", "video/mp4"},
		{"3gp", "video/3gpp"}, {"mp3", "audio/mpeg"},  {"ogg", "audio/ogg"},
		{"amr", "audio/amr"},  {"pdf", "application/pdf"}, {"vcf", "text/vcard"},
		{"txt", "text/plain"},
	};
	size_t end = strcspn(url, "?#");
	const char *dot = NULL;
	for (size_t i = end; i > 0 && url[i - 1] != '/'; i--)
		if (url[i - 1] == '.') {
			dot = url + i;
			break;
		}
	for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
		if (strlen(types[i].ext) == (size_t)(url + end - dot) &&
		    strncasecmp(dot, types[i].ext, (size_t)(url + end - dot)) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* type/subtype, letters, digits and RFC 6838's punctuation. */
static int type_ok(const char *t)
{
	const char *slash = strchr(t, '/');
	if (!slash || slash == t || !slash[1])
		return 0;
	for (const char *p = t; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("!#$&^_.+-", *p) || p == slash))
			return 0;
	return 1;
}

/* One item of "media": "URL", "URL,TYPE" (TYPE after the last comma, when it
 * looks like one: a URL may hold commas too) or {"url", "type"}. 0, or -1
 * with a sentence in msg. */
static int media_item(const cJSON *it, struct media *m, char *msg, size_t msglen)
{
	const char *url = NULL, *type = NULL;
	size_t ulen = 0;
	if (cJSON_IsString(it)) {
		url = it->valuestring;
		ulen = strlen(url);
		const char *comma = strrchr(url, ',');
		if (comma && type_ok(comma + 1)) {
			ulen = (size_t)(comma - url);
			type = comma + 1;
		}
	} else if (cJSON_IsObject(it) && rec_str(it, "url")) {
		url = rec_str(it, "url");
		ulen = strlen(url);
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "type");
		if (t && !cJSON_IsNull(t) && (!cJSON_IsString(t) || !type_ok(t->valuestring))) {
			snprintf(msg, msglen, "media type of %s is not a type such as image/jpeg", url);
			return -1;
		}
		type = cJSON_IsString(t) ? t->valuestring : NULL;
	} else {
		snprintf(msg, msglen, "each media item is a URL (\"URL\" or \"URL,TYPE\") or an "
		         "object {\"url\": ..., \"type\": ...}");
		return -1;
	}
	m->url = xstrndup(url, ulen);
	m->type = xstrdup(type ? type : guess_type(m->url));
	return 0;
}

/* A MessageSid as the provider makes them: SM (MM with media) and 32
 * hexadecimal digits. */
static void new_sid(char out[35], int mms)
{
	unsigned char raw[16] = {0};
	size_t got = 0;
	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	/* Not a secret, only unique: a failing getrandom leaves whatever it got. */
	char *o = out + sprintf(out, "%s", mms ? "MM" : "SM");
	hex_lower(raw, sizeof raw, o);
}

/* The request's form: the decoded pairs (what is signed) and the body. */
struct post {
	struct form   form;
	struct strbuf body;
};

static void param(struct post *p, const char *name, const char *value)
{
	p->form.pairs = xrealloc(p->form.pairs, (p->form.n + 1) * sizeof *p->form.pairs);
	p->form.pairs[p->form.n].name = xstrdup(name);
	p->form.pairs[p->form.n++].value = xstrdup(value);
	http_form_add(&p->body, name, value);
}

/* WhatsApp's kind of message, as Twilio names it in MessageType. */
static const char *wa_type(const cJSON *rec, const struct media *media, size_t nmedia)
{
	if (rec_str(rec, "button_payload") || rec_str(rec, "button_text"))
		return "button";
	if (cJSON_GetObjectItemCaseSensitive(rec, "latitude"))
		return "location";
	if (nmedia == 0)
		return "text";
	const char *t = media[0].type;
	static const char *const kinds[] = {"image", "video", "audio"};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strncmp(t, kinds[i], strlen(kinds[i])) == 0 && t[strlen(kinds[i])] == '/')
			return kinds[i];
	return "document";
}

/* What WhatsApp adds (smskit-webhook(7), WhatsApp): the sender's WhatsApp id
 * (its number without "+"), the kind of message, and the record's profile
 * name, quick-reply button and location, checked before (wa_fields). */
static void build_whatsapp(struct post *p, const cJSON *rec, const char *from,
                           const struct media *media, size_t nmedia)
{
	param(p, "WaId", address_number(from) + 1);
	param(p, "MessageType", wa_type(rec, media, nmedia));
	static const char *const extras[][2] = {
		{"profile_name", "ProfileName"}, {"button_payload", "ButtonPayload"},
		{"button_text", "ButtonText"}, {"latitude", "Latitude"}, {"longitude", "Longitude"},
	};
	for (size_t i = 0; i < sizeof extras / sizeof *extras; i++) {
		const char *v = rec_str(rec, extras[i][0]);
		if (v)
			param(p, extras[i][1], v);
	}
}

/* The parameters Twilio posts for an inbound message (its city, state and
 * zip guesses left out; on WhatsApp, where Twilio sends none, no country). */
static void build(const struct sandbox_rx *r, struct post *p, const char *sid, const char *from,
                  const char *to, const struct outbound *ob, const char *body,
                  const cJSON *rec, const struct media *media, size_t nmedia)
{
	char num[24], region[3];
	int wa = address_channel(from) == CHANNEL_WHATSAPP;
	if (!wa)
		param(p, "ToCountry", phone_region_of(to, region));
	param(p, "SmsMessageSid", sid);
	snprintf(num, sizeof num, "%zu", nmedia);
	param(p, "NumMedia", num);
	param(p, "SmsSid", sid);
	param(p, "SmsStatus", "received");
	param(p, "Body", body);
	if (!wa)
		param(p, "FromCountry", phone_region_of(from, region));
	else
		build_whatsapp(p, rec, from, media, nmedia);
	param(p, "To", to);
	snprintf(num, sizeof num, "%zu", ob->gsm.segments);
	param(p, "NumSegments", num);
	param(p, "MessageSid", sid);
	param(p, "AccountSid", r->account);
	param(p, "From", from);
	param(p, "ApiVersion", "2010-04-01");
	for (size_t i = 0; i < nmedia; i++) {
		char name[48];
		snprintf(name, sizeof name, "MediaContentType%zu", i);
		param(p, name, media[i].type);
		snprintf(name, sizeof name, "MediaUrl%zu", i);
		param(p, name, media[i].url);
	}
}

/* ---- The two ways in ---------------------------------------------------------- */

/* What the webhook answered. */
struct answer {
	long   status;      /* HTTP status; 0: none (*why says why) */
	char  *text;        /* malloc'd */
	const char *body;   /* within text */
	char   id[128];     /* X-Message-Id */
	int    maybe_sent;  /* no answer, but the request went out */
	char   why[512];
};

static void post_http(struct sandbox_rx *r, struct post *p, const char *sig, struct answer *a)
{
	struct http_request req = {.method = "POST", .url = xstrdup(r->url),
	                           .body = strbuf_detach(&p->body), .keep_header = "X-Message-Id"};
	struct strbuf h;
	strbuf_init(&h);
	strbuf_printf(&h, "X-Twilio-Signature: %s", sig);
	req.headers[req.nheaders++] = strbuf_detach(&h);
	req.headers[req.nheaders++] = xstrdup("Accept: */*");
	struct http_response resp;
	memset(&resp, 0, sizeof resp);
	http_do(r->http, &req, &resp);
	a->status = resp.status;
	a->text = resp.body;
	a->body = a->text;
	a->maybe_sent = resp.maybe_sent;
	snprintf(a->id, sizeof a->id, "%s", resp.header);
	snprintf(a->why, sizeof a->why, "%s", resp.error);
}

static int is_cgi_var(const char *e)
{
	static const char *const vars[] = {
		"GATEWAY_INTERFACE", "REQUEST_METHOD", "PATH_INFO", "PATH_TRANSLATED", "SCRIPT_NAME",
		"SCRIPT_FILENAME", "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE", "HTTPS",
		"SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "REMOTE_ADDR",
		"REMOTE_HOST", "REMOTE_USER", "AUTH_TYPE", "REQUEST_URI", "DOCUMENT_ROOT",
	};
	if (strncmp(e, "HTTP_", 5) == 0)
		return 1;
	size_t n = strcspn(e, "=");
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		if (strlen(vars[i]) == n && strncmp(e, vars[i], n) == 0)
			return 1;
	return 0;
}

/* Our environment (the store, the configuration) with the request's CGI
 * variables (RFC 3875) in place of any we had. */
static char **cgi_env(const char *sig, size_t len)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xcalloc(n + 16, sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!is_cgi_var(environ[i]))
			env[k++] = xstrdup(environ[i]);
	char cl[32];
	snprintf(cl, sizeof cl, "%zu", len);
	const char *const set[][2] = {
		{"GATEWAY_INTERFACE", "CGI/1.1"}, {"SERVER_PROTOCOL", "HTTP/1.1"},
		{"SERVER_SOFTWARE", "sms-sandbox/" SMSKIT_VERSION}, {"REQUEST_METHOD", "POST"},
		{"SERVER_NAME", CGI_SERVER}, {"SERVER_PORT", "80"}, {"HTTP_HOST", CGI_SERVER},
		{"SCRIPT_NAME", CGI_SCRIPT}, {"PATH_INFO", ROUTE}, {"REQUEST_URI", CGI_SCRIPT ROUTE},
		{"REMOTE_ADDR", "127.0.0.1"}, {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
		{"CONTENT_LENGTH", cl}, {"HTTP_X_TWILIO_SIGNATURE", sig},
	};
	for (size_t i = 0; i < sizeof set / sizeof *set; i++) {
		struct strbuf b;
		strbuf_init(&b);
		strbuf_printf(&b, "%s=%s", set[i][0], set[i][1]);
		env[k++] = strbuf_detach(&b);
	}
	return env;
}

/* A CGI response (RFC 3875 6): header lines, a blank line, the body. 0, or
 * -1 when out is not one. */
static int cgi_parse(struct answer *a)
{
	char *line = a->text;
	a->status = 200; /* no Status header: 200 (RFC 3875 6.3.3) */
	for (;;) {
		char *nl = strchr(line, '\n');
		if (!nl)
			return -1;
		char *end = nl > line && nl[-1] == '\r' ? nl - 1 : nl;
		if (end == line) {
			a->body = nl + 1;
			return 0;
		}
		*end = '\0';
		if (strncasecmp(line, "Status:", 7) == 0)
			a->status = strtol(line + 7, NULL, 10);
		else if (strncasecmp(line, "X-Message-Id:", 13) == 0)
			snprintf(a->id, sizeof a->id, "%s", line + 13 + strspn(line + 13, " \t"));
		line = nl + 1;
	}
}

static void post_cgi(struct sandbox_rx *r, struct post *p, const char *sig, struct answer *a)
{
	char **env = cgi_env(sig, p->body.len);
	int status = 0;
	char err[256];
	a->text = subprog_run_env(r->cgi, NULL, env, p->body.s ? p->body.s : "", &status, err,
	                          sizeof err);
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
	if (!a->text) {
		snprintf(a->why, sizeof a->why, "%s", err);
		return;
	}
	if (cgi_parse(a) != 0) {
		a->status = 0;
		snprintf(a->why, sizeof a->why, "%s did not answer as a CGI program does (exit %d)",
		         r->cgi, status);
	}
}

/* ---- The answer ---------------------------------------------------------------- */

/* The text of the TwiML answer's <Message>, or NULL (malloc'd). */
static char *twiml_message(const char *body)
{
	char err[128];
	struct xml_doc *d = xml_parse(body, strlen(body), err, sizeof err);
	const char *m = d ? xml_get(d, "Response/Message") : NULL;
	char *out = m ? xstrdup(m) : NULL;
	xml_free(d);
	return out;
}

static int report(const struct sandbox_rx *r, cJSON *rec, struct answer *a)
{
	const char *where = r->cgi ? r->cgi : r->url;
	if (a->status == 0 && a->maybe_sent) {
		rec_fail(rec, "unknown_outcome", 0, "no answer from %s after the request was sent "
		         "(%s): the message may or may not have arrived", where, a->why);
		return 0;
	}
	if (a->status == 0 && r->cgi) {
		rec_fail(rec, "unreachable", 1, "%s", a->why);
		return EX_UNAVAILABLE;
	}
	if (a->status == 0) {
		rec_fail(rec, "unreachable", 1, "nothing answers at %s (%s): start sms-webhookd "
		         "first, e.g. `SMS_PROVIDER=sandbox sms-webhookd --listen 127.0.0.1:3001 &`, "
		         "give its URL with --url, or run it as a CGI program with --cgi PATH",
		         where, a->why);
		return EX_UNAVAILABLE;
	}
	if (a->status < 200 || a->status > 299) {
		const char *b = a->body ? a->body : "";
		int n = (int)strcspn(b, "\r\n");
		rec_fail(rec, "webhook_rejected", a->status >= 500, "%s answered %ld: %.*s%s", where,
		         a->status, n > 300 ? 300 : n, b,
		         a->status == 403 ? " (it checks signatures with another key: does it use "
		                            "the same store and TWILIO_AUTH_TOKEN as sms-sandbox?)"
		                          : "");
		rec_put_num(rec, "http_status", (double)a->status);
		return a->status >= 500 ? EX_TEMPFAIL : 0;
	}
	rec_put_num(rec, "http_status", (double)a->status);
	long long id;
	if (parse_whole(a->id, (long long)1 << 53, &id) == 0)
		rec_put_num(rec, "id", (double)id);
	char *reply = a->body ? twiml_message(a->body) : NULL;
	rec_put(rec, "reply", reply ? cJSON_CreateString(reply) : cJSON_CreateNull());
	free(reply);
	rec_set_ok(rec);
	return 0;
}

/* ---- One message ------------------------------------------------------------------ */

/* rec's "to", normalised, or ours, on the sender's channel: a number alone
 * is our number, which a WhatsApp message comes to as whatsapp:+number; an
 * SMS never comes to a WhatsApp address. 0, or -1 with rec an error record. */
static int our_number(const struct sandbox_rx *r, cJSON *rec, enum channel ch,
                      char to[ADDRESS_LEN])
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(rec, "to");
	if (!t || cJSON_IsNull(t)) {
		snprintf(to, ADDRESS_LEN, "%s", ch == CHANNEL_WHATSAPP ? r->wa_to : r->to);
		return 0;
	}
	struct address a;
	char why[256];
	if (!cJSON_IsString(t) || address_parse(t->valuestring, r->region, &a, why, sizeof why) != 0) {
		rec_fail(rec, "invalid_number", 0, "\"to\" %s",
		         cJSON_IsString(t) ? why : "(not a string): not a phone number");
		return -1;
	}
	if (a.channel == CHANNEL_WHATSAPP && ch != CHANNEL_WHATSAPP) {
		rec_fail(rec, "invalid_number", 0, "\"to\" %s is a WhatsApp address and \"from\" an "
		         "SMS number: a message comes on one channel (write \"from\" as "
		         "whatsapp:+number, or \"to\" without the prefix)", a.text);
		return -1;
	}
	snprintf(to, ADDRESS_LEN, "%s%s", ch == CHANNEL_WHATSAPP ? ADDRESS_WHATSAPP_PREFIX : "",
	         a.e164);
	return 0;
}

/* A coordinate of a shared location: a number, or a string of one, within
 * max degrees either way; put back in rec as a string. 0 (also when absent),
 * or -1. */
static int coordinate(cJSON *rec, const char *key, double max)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	char buf[64];
	if (cJSON_IsNumber(v)) {
		char *t = cJSON_PrintUnformatted(v);
		snprintf(buf, sizeof buf, "%s", t ? t : "");
		cJSON_free(t);
	} else if (cJSON_IsString(v) && strlen(v->valuestring) < sizeof buf) {
		snprintf(buf, sizeof buf, "%s", v->valuestring);
	} else {
		return -1;
	}
	char *end;
	double d = strtod(buf, &end);
	if (!*buf || *end || strspn(buf, "+-0123456789.") != strlen(buf) || d < -max || d > max)
		return -1;
	rec_put_str(rec, key, buf);
	return 0;
}

/* WhatsApp's own fields of rec (sms-sandbox(1)): "profile_name",
 * "button_payload", "button_text" (strings) and a location, "latitude" and
 * "longitude" together; only from a WhatsApp sender. 0, or -1 with rec an
 * error record. */
static int wa_fields(cJSON *rec, enum channel ch)
{
	static const char *const keys[] = {"profile_name", "button_payload", "button_text",
	                                   "latitude", "longitude"};
	int any = 0;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, keys[i]);
		if (!v || cJSON_IsNull(v))
			continue;
		any = 1;
		if (i < 3 && (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > 1024)) {
			rec_fail(rec, "invalid_field", 0, "\"%s\" must be a string of 1 to 1024 bytes",
			         keys[i]);
			return -1;
		}
	}
	if (any && ch != CHANNEL_WHATSAPP) {
		rec_fail(rec, "invalid_field", 0, "profile_name, button_payload, button_text, latitude "
		         "and longitude are WhatsApp's: write \"from\" as whatsapp:+number");
		return -1;
	}
	int lat = cJSON_GetObjectItemCaseSensitive(rec, "latitude") != NULL,
	    lon = cJSON_GetObjectItemCaseSensitive(rec, "longitude") != NULL;
	if (lat != lon || coordinate(rec, "latitude", 90) != 0 ||
	    coordinate(rec, "longitude", 180) != 0) {
		rec_fail(rec, "invalid_field", 0, "a location is \"latitude\" (-90 to 90) and "
		         "\"longitude\" (-180 to 180), both, in decimal degrees");
		return -1;
	}
	return 0;
}

/* The record's "sid", when it gives one: what the provider's retry carries. */
static int given_sid(cJSON *rec, const char **sid)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(rec, "sid");
	*sid = NULL;
	if (!s || cJSON_IsNull(s))
		return 0;
	int ok = cJSON_IsString(s) && *s->valuestring && strlen(s->valuestring) <= 64;
	for (const char *p = ok ? s->valuestring : ""; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '_' || *p == '-';
	if (!ok) {
		rec_fail(rec, "invalid_field", 0, "\"sid\" must be a message id such as SM followed "
		         "by 32 hexadecimal digits (letters, digits, _ and -, at most 64)");
		return -1;
	}
	*sid = s->valuestring;
	return 0;
}

/* rec's media, checked; 0, or -1 with rec an error record. */
static int read_media(cJSON *rec, struct media *m, size_t *n)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(rec, "media");
	*n = 0;
	if (!list || cJSON_IsNull(list))
		return 0;
	char msg[256];
	if (!cJSON_IsArray(list)) {
		rec_fail(rec, "invalid_media", 0, "\"media\" must be an array of URLs");
		return -1;
	}
	if (cJSON_GetArraySize(list) > POLICY_MAX_MEDIA) {
		rec_fail(rec, "too_many_media", 0, "%d media URLs: at most %d per message",
		         cJSON_GetArraySize(list), POLICY_MAX_MEDIA);
		return -1;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, list) {
		if (media_item(it, &m[*n], msg, sizeof msg) != 0) {
			rec_fail(rec, "invalid_media", 0, "%s", msg);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* The checks of an outbound message (policy.h), which are the right ones
 * here too: a sendable number, a body or media, at most 1,600 characters,
 * media URLs over http(s). The sender is checked as sms-send checks a
 * recipient, and normalised the same way. *as_sent is the message as
 * sms-send would take it, which ob points into; the caller deletes it. */
static int check(const struct sandbox_rx *r, cJSON *rec, const struct media *m, size_t nm,
                 struct outbound *ob, cJSON **as_sent_p)
{
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(rec, "from");
	if (!cJSON_IsString(from) || !*from->valuestring) {
		rec_fail(rec, "invalid_number", 0, "record has no \"from\" number (the sender)");
		return -1;
	}
	cJSON *as_sent = *as_sent_p = cJSON_CreateObject();
	cJSON_AddStringToObject(as_sent, "to", from->valuestring);
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(rec, "body");
	const char *instead = rec_str(rec, "button_text") ? rec_str(rec, "button_text")
	                                                  : rec_str(rec, "button_payload");
	if ((!body || cJSON_IsNull(body)) && !instead && rec_str(rec, "latitude"))
		instead = rec_str(rec, "latitude"); /* a location alone: its Body is "" (wa_body) */
	if ((!body || cJSON_IsNull(body)) && instead)
		cJSON_AddStringToObject(as_sent, "body", instead);
	else
		cJSON_AddItemToObject(as_sent, "body", cJSON_Duplicate(body, 0));
	cJSON *urls = cJSON_AddArrayToObject(as_sent, "media");
	for (size_t i = 0; i < nm; i++)
		cJSON_AddItemToArray(urls, cJSON_CreateString(m[i].url));
	const char *code;
	char msg[512];
	int rc = outbound_check(as_sent, r->region, ob, &code, msg, sizeof msg);
	if (rc != 0 && strcmp(code, "missing_body") == 0)
		rec_fail(rec, code, 0, "nothing to receive: the record has no body and no media");
	else if (rc != 0)
		rec_fail(rec, code, 0, "%s", msg);
	return rc;
}

/* The Body posted: the record's; a quick reply without one says its button's
 * text (else its payload), as WhatsApp does; a location alone has none. */
static const char *wa_body(const cJSON *rec, const struct outbound *ob)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(rec, "body");
	if ((body && !cJSON_IsNull(body)) || rec_str(rec, "button_text") ||
	    rec_str(rec, "button_payload"))
		return ob->body;
	return rec_str(rec, "latitude") ? "" : ob->body;
}

int sandbox_rx_receive(struct sandbox_rx *r, cJSON *rec)
{
	struct media media[POLICY_MAX_MEDIA];
	size_t nmedia = 0;
	struct outbound ob;
	char to[ADDRESS_LEN];
	const char *given;
	cJSON *as_sent = NULL;
	memset(&ob, 0, sizeof ob);
	int rc = 0;
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(rec, "from");
	enum channel ch = address_channel(cJSON_IsString(f) ? f->valuestring : NULL);
	if (read_media(rec, media, &nmedia) != 0 || wa_fields(rec, ch) != 0 ||
	    check(r, rec, media, nmedia, &ob, &as_sent) != 0 ||
	    our_number(r, rec, ob.channel, to) != 0 || given_sid(rec, &given) != 0)
		goto out;
	char sid[65];
	if (given)
		snprintf(sid, sizeof sid, "%s", given);
	else
		new_sid(sid, nmedia > 0);
	struct post p = {{0}, {0}};
	strbuf_init(&p.body);
	build(r, &p, sid, ob.to, to, &ob, wa_body(rec, &ob), rec, media, nmedia);
	rec_put_str(rec, "from", ob.to);
	rec_put_str(rec, "to", to);
	rec_put_str(rec, "channel", channel_name(ob.channel));
	rec_put_str(rec, "sid", sid);
	char *sig = twilio_signature(r->key, r->signed_url, &p.form);
	struct answer a;
	memset(&a, 0, sizeof a);
	if (!sig)
		rec_fail(rec, "internal_error", 0, "libcrypto could not sign the request");
	else if (r->cgi)
		post_cgi(r, &p, sig, &a);
	else
		post_http(r, &p, sig, &a);
	if (sig)
		rc = report(r, rec, &a);
	free(sig);
	free(a.text);
	form_free(&p.form);
	strbuf_free(&p.body);
out:
	outbound_free(&ob);
	cJSON_Delete(as_sent);
	for (size_t i = 0; i < nmedia; i++) {
		free(media[i].url);
		free(media[i].type);
	}
	return rc;
}
