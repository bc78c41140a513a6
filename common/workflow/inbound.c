/* inbound — an inbound message into the store, keywords, autoresponders,
 * TwiML; see inbound.h. */
#include "inbound.h"
#include "address.h"
#include "autoresp.h"
#include "clock.h"
#include "consent.h"
#include "gsm.h"
#include "phone.h"
#include "records.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const stop_words[] = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END",
                                         "QUIT", "REVOKE", "OPTOUT", NULL};
static const char *const start_words[] = {"START", "YES", "UNSTOP", NULL};
static const char *const help_words[] = {"HELP", "INFO", NULL};

static int in_words(const char *w, size_t n, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == n && strncasecmp(w, *set, n) == 0)
			return 1;
	return 0;
}

/* Twilio's rule (doc/providers.md, Opt-out keywords): the keyword alone, any
 * case, surrounding whitespace ignored; "STOP PLEASE" is an ordinary message. */
enum inbound_keyword inbound_keyword(const char *body)
{
	if (!body)
		return KW_NONE;
	while (isspace((unsigned char)*body))
		body++;
	size_t n = strlen(body);
	while (n && isspace((unsigned char)body[n - 1]))
		n--;
	if (in_words(body, n, stop_words))
		return KW_STOP;
	if (in_words(body, n, start_words))
		return KW_START;
	if (in_words(body, n, help_words))
		return KW_HELP;
	return KW_NONE;
}

/* The keyword as texted, trimmed and upper-cased ("STOP"), for the record of
 * how an opt-out came about; "OptOutType" when the provider said so. */
static const char *keyword_word(const char *body, char w[16])
{
	while (isspace((unsigned char)*body))
		body++;
	size_t n = 0;
	while (body[n] && !isspace((unsigned char)body[n]) && n < 15) {
		w[n] = (char)toupper((unsigned char)body[n]);
		n++;
	}
	w[n] = '\0';
	return inbound_keyword(body) != KW_NONE ? w : "OptOutType STOP";
}

static enum inbound_keyword keyword_of_type(const char *t)
{
	if (!t || !*t)
		return KW_NONE;
	if (strcasecmp(t, "STOP") == 0)
		return KW_STOP;
	if (strcasecmp(t, "START") == 0)
		return KW_START;
	if (strcasecmp(t, "HELP") == 0)
		return KW_HELP;
	return KW_NONE;
}

/* Encoding and segments of a body, as sms-split would say them. */
static void put_figures(cJSON *rec, const char *body, size_t *segments)
{
	struct gsm_info g;
	*segments = 1;
	if (gsm_analyze(body, strlen(body), &g) != 0)
		return;
	rec_put_str(rec, "encoding", gsm_encoding_name(g.encoding));
	rec_put_num(rec, "segments", (double)g.segments);
	*segments = g.segments;
	gsm_info_free(&g);
}

int inbound_flow_window(const struct sms_config *c, long long *secs, char *err,
                        size_t errlen)
{
	const char *v = config_get(c, "SMS_FLOW_WINDOW");
	*secs = 86400;
	if (v && *v && autoresp_duration_parse(v, secs) != 0) {
		snprintf(err, errlen, "SMS_FLOW_WINDOW=%s: give how long a conversation's state "
		         "lasts, such as 24h, 30m, 7d or whole seconds", v);
		return -1;
	}
	return 0;
}

int inbound_limits_load(const struct sms_config *c, struct inbound_limits *l, char *err,
                        size_t errlen)
{
	const char *v = config_get(c, "SMS_AUTO_REPLY_LIMIT");
	long long n = 5;
	if (v && strcasecmp(v, "off") == 0) {
		n = 0;
	} else if (v && (parse_whole(v, 1000000, &n) != 0 || n < 1)) {
		snprintf(err, errlen, "SMS_AUTO_REPLY_LIMIT=%s: give the most automatic answers one "
		         "number gets in an hour, a whole number from 1, or off", v);
		return -1;
	}
	l->per_number = (int)n;
	if (inbound_flow_window(c, &l->flow_window, err, errlen) != 0)
		return -1;
	if (price_cap(c, "SMS_DAILY_LIMIT", &l->daily_cap, err, errlen) != 0 ||
	    price_cap(c, "SMS_MONTHLY_LIMIT", &l->monthly_cap, err, errlen) != 0)
		return -1;
	return 0;
}

/* The price estimate of text to number to, as the stored answer carries it. */
static money_t estimate(const struct inbound_settings *s, const char *to, const char *text)
{
	char region[3] = "";
	size_t segments = 1;
	struct gsm_info g;
	if (gsm_analyze(text, strlen(text), &g) == 0) {
		segments = g.segments;
		gsm_info_free(&g);
	}
	to = to ? address_number(to) : NULL;
	if (to && *to == '+')
		phone_region_of(to, region);
	return price_estimate(s->prices, region, 0, segments);
}

/* 1 with why (and a code) when an answer of text to number `to` would go over
 * a limit, 0 when it may go, STORE_ERR. Inside the transaction that stores
 * the message, so that two messages cannot both take the last answer. */
static int over_limit(struct store *st, const struct inbound_settings *s, const char *to,
                      const char *text, time_t now, const char **code, char *why, size_t len)
{
	const struct inbound_limits *l = s->limits;
	if (!l)
		return 0;
	if (l->per_number > 0 && to) {
		char since[24];
		long long n = 0;
		clock_format(now - 3600, since, sizeof since);
		if (store_auto_answers_since(st, to, since, l->per_number, &n) != STORE_OK)
			return STORE_ERR;
		if (n >= l->per_number) {
			*code = "reply_limit";
			snprintf(why, len, "%s had %lld automatic answers in the last hour, "
			         "SMS_AUTO_REPLY_LIMIT=%d", to, n, l->per_number);
			return 1;
		}
	}
	money_t caps[2] = {l->daily_cap, l->monthly_cap};
	unsigned want = (caps[0] >= 0 ? STORE_SPEND_DAY : 0) | (caps[1] >= 0 ? STORE_SPEND_MONTH : 0);
	if (!want || !s->prices)
		return 0;
	struct store_spend sp;
	if (store_spend_periods(st, now, want, &sp) != STORE_OK)
		return STORE_ERR;
	money_t cost = estimate(s, to, text);
	for (int m = 0; m < 2; m++) {
		if (caps[m] < 0 || sp.spent[m] + cost <= caps[m])
			continue;
		char a[32], b[32], c[32];
		money_format(caps[m], a);
		money_format(sp.spent[m], b);
		money_format(cost, c);
		*code = "spend_limit";
		snprintf(why, len, "the %s cap of %s %s is reached: %s spent, this answer %s",
		         m ? "monthly" : "daily", a, price_currency(s->prices), b, c);
		return 1;
	}
	return 0;
}

/* Rule did not answer, over a limit: an event on the inbound message, and
 * the sentence for the log. */
static int held_back(struct store *st, struct inbound_result *out, int64_t rule,
                     const char *code, const char *why)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "action", "held");
	cJSON_AddNumberToObject(d, "id", (double)rule);
	cJSON_AddStringToObject(d, "reason", code);
	cJSON_AddStringToObject(d, "message", why);
	int rc = store_event_append(st, out->id, "autoresponder", NULL, d, NULL);
	cJSON_Delete(d);
	snprintf(out->held, sizeof out->held, "message %lld: autoresponder %lld did not answer: %s",
	         (long long)out->id, (long long)rule, why);
	return rc == STORE_OK ? STORE_OK : STORE_ERR;
}

/* The autoresponder's answer goes out in the TwiML, through the provider;
 * it is stored as an outbound message (status sent, linked by reply_to) so
 * that threads, spend and the dashboard show it. */
static int store_autoreply(struct store *st, const struct inbound_settings *s, const cJSON *in,
                           int64_t in_id, int64_t rule, const char *text, const char *tag,
                           const char *now)
{
	const char *to = rec_str(in, "from"), *from = rec_str(in, "to");
	cJSON *r = cJSON_CreateObject();
	rec_put_str(r, "direction", "outbound");
	rec_put_str(r, "status", "sent");
	rec_put_str(r, "to", to ? to : "");
	if (from)
		rec_put_str(r, "from", from);
	rec_put_str(r, "body", text);
	rec_put_str(r, "provider", s->provider);
	rec_put_num(r, "reply_to", (double)in_id);
	if (tag && *tag)
		rec_put_str(r, "tag", tag);
	char notes[64];
	snprintf(notes, sizeof notes, "autoresponder %lld", (long long)rule);
	rec_put_str(r, "notes", notes);
	rec_put_str(r, "created_at", now);
	rec_put_str(r, "sent_at", now);
	size_t segments;
	put_figures(r, text, &segments);
	if (s->prices) {
		char money[32];
		money_format(estimate(s, to, text), money);
		rec_put_str(r, "price_estimate", money);
		rec_put_str(r, "currency", price_currency(s->prices));
	}
	int64_t id;
	int rc = store_msg_insert(st, r, &id);
	cJSON_Delete(r);
	return rc == STORE_OK ? STORE_OK : STORE_ERR;
}

const char *inbound_trigger_text(const cJSON *rec)
{
	const char *payload = rec_str(rec, "button_payload"), *body = rec_str(rec, "body");
	return payload && *payload ? payload : body ? body : "";
}


/* A sender an opt-out can name is address_stored_ok(): E.164, on WhatsApp
 * after "whatsapp:". An opt-out is per channel and number
 * (smskit-compliance(7)): STOP on WhatsApp opts out whatsapp:+1..., and the
 * SMS number +1... still gets texts. */
int inbound_apply(struct store *st, const struct inbound_settings *s, cJSON *rec,
                  const cJSON *params, const char *opt_out_type, time_t now_t,
                  struct inbound_result *out)
{
	memset(out, 0, sizeof *out);
	char now[24];
	clock_format(now_t, now, sizeof now);
	const char *body = rec_str(rec, "body");
	if (!body)
		body = "";
	size_t segments;
	put_figures(rec, body, &segments);

	/* The conversation's state the message answers (sms-auto(1), Flows). */
	const char *from = rec_str(rec, "from");
	char state[80] = "";
	time_t set_at = 0;
	long long window = s->limits ? s->limits->flow_window : 86400;
	if (from && *from && store_thread_state(st, from, state, sizeof state, &set_at) != STORE_OK)
		return STORE_ERR;
	struct autoresp_thread th = {state, set_at ? (long long)(now_t - set_at) : 0, window};
	if (*state && th.age <= window)
		rec_put_str(rec, "state", state);

	int rc = store_msg_insert(st, rec, &out->id);
	if (rc == STORE_EXISTS) {
		/* A retry of a message already stored: acknowledged, nothing done
		 * again, and no second answer (a reply is never sent twice). */
		out->duplicate = 1;
		snprintf(out->what, sizeof out->what, "duplicate of message %lld", (long long)out->id);
		return STORE_OK;
	}
	if (rc != STORE_OK)
		return STORE_ERR;

	/* A quick reply is read by its payload: keywords and triggers alike. */
	const char *said = inbound_trigger_text(rec);
	enum inbound_keyword kw = keyword_of_type(opt_out_type);
	if (kw == KW_NONE)
		kw = inbound_keyword(said);
	/* START, YES and UNSTOP opt back in a number that opted out; from any other
	 * they are ordinary messages, which rules may answer (YES to a survey). */
	if (kw == KW_START && !(address_stored_ok(from) && store_optout_check(st, from) == 1))
		kw = KW_NONE;
	cJSON *detail = cJSON_Duplicate(params, 1);
	snprintf(out->what, sizeof out->what, "stored as message %lld", (long long)out->id);

	if (kw == KW_STOP && address_stored_ok(from)) {
		char source[64], word[16];
		snprintf(source, sizeof source, "keyword %s", keyword_word(said, word));
		if (store_optout_add(st, from, source) < 0)
			goto fail;
		snprintf(out->what, sizeof out->what, "message %lld: %s opted out", (long long)out->id,
		         from);
		out->acted = KW_STOP;
	} else if (kw == KW_START && address_stored_ok(from)) {
		/* A number that had opted out agreed again: its consent, with the message. */
		int was = store_optout_remove(st, from, "keyword");
		if (was < 0 || (was == STORE_OK && consent_keyword(st, from, out->id, body) < 0))
			goto fail;
		snprintf(out->what, sizeof out->what, "message %lld: %s opted back in",
		         (long long)out->id, from);
		out->acted = KW_START;
	} else if (s->no_answer) {
		/* Too late to answer: the message came while nobody listened. */
	} else if (kw == KW_HELP) {
		/* Opted-out numbers get no answer, not even to HELP (smskit-compliance(7)). */
		if (s->help_text && *s->help_text && !(address_stored_ok(from) && store_optout_check(st, from) == 1))
			out->reply = xstrdup(s->help_text);
	} else if (kw == KW_NONE && !(address_stored_ok(from) && store_optout_check(st, from) == 1)) {
		struct autoresp_answer ans;
		char why[256];
		const char *code = NULL;
		int hit = autoresp_pick(st, said, now_t, &th, s->rules, s->pre, &ans);
		int64_t rule = ans.id;
		int over = hit == 1 ? over_limit(st, s, from, ans.response, now_t, &code, why,
		                                 sizeof why) : 0;
		if (hit < 0 || over < 0 || (over && held_back(st, out, rule, code, why) != STORE_OK)) {
			autoresp_answer_free(&ans);
			goto fail;
		}
		/* The answer's tag, the thread's next state: the rule's name; none
		 * when it ends the conversation; a rule without a name (HOURS, asked
		 * in the middle of a survey) keeps the state the thread is in. */
		const char *tag = ans.ends ? NULL : ans.name ? ans.name
		                : *state && th.age <= window ? state : NULL;
		if (over) {
			autoresp_answer_free(&ans);
		} else if (hit) {
			if (store_auto_fired(st, rule, now) != STORE_OK ||
			    (!s->reply_by_api &&
			     store_autoreply(st, s, rec, out->id, rule, ans.response, tag, now) !=
			         STORE_OK)) {
				autoresp_answer_free(&ans);
				goto fail;
			}
			out->reply = ans.response;
			ans.response = NULL;
			snprintf(out->reply_tag, sizeof out->reply_tag, "%s", tag ? tag : "");
			autoresp_answer_free(&ans);
			out->rule = rule;
			cJSON_AddNumberToObject(detail, "autoresponder", (double)rule);
			snprintf(out->what, sizeof out->what, "message %lld: answered by autoresponder %lld",
			         (long long)out->id, (long long)rule);
		}
	}
	if (kw != KW_NONE)
		cJSON_AddStringToObject(detail, "keyword",
		                        kw == KW_STOP ? "STOP" : kw == KW_START ? "START" : "HELP");
	if (store_event_append(st, out->id, "webhook", "received", detail, NULL) != STORE_OK)
		goto fail;
	cJSON_Delete(detail);
	if (s->want_record && store_msg_get(st, out->id, &out->record) != STORE_OK)
		out->record = NULL;
	return STORE_OK;
fail:
	cJSON_Delete(detail);
	free(out->reply);
	out->reply = NULL;
	return STORE_ERR;
}

void inbound_result_free(struct inbound_result *r)
{
	free(r->reply);
	cJSON_Delete(r->record);
	memset(r, 0, sizeof *r);
}
