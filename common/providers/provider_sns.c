/* provider_sns — AWS SNS's Query API (doc/providers.md, AWS SNS): Publish to a phone
 * number with the SMSType, SenderID, OriginationNumber and MaxPrice
 * attributes, each send preceded by CheckIfPhoneNumberIsOptedOut (Publish does
 * not refuse an opted-out number), every request signed with SigV4 by libcurl
 * (CURLOPT_AWS_SIGV4), the XML answers and errors read with expat (xml.c).
 * SNS keeps no message to ask about later: sms-status --sync and sms-inbox
 * --fetch say so. */
#include "price.h"
#include "provider.h"
#include "util.h"
#include "xml.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

struct sns {
	char *url;        /* SNS_ENDPOINT or https://sns.REGION.amazonaws.com, then "/" */
	char *userpwd;    /* "AKID:SECRET": a secret */
	char *sigv4;      /* "aws:amz:REGION:sns" */
	char *token;      /* AWS_SESSION_TOKEN, or NULL: a secret */
	char *sms_type;   /* SNS_SMS_TYPE: Promotional or Transactional, or NULL */
	char *sender_id;  /* SNS_SENDER_ID, or NULL */
	char *max_price;  /* SNS_MAX_PRICE (USD), or NULL */
	int   check_optout;
};

static void sns_close(struct provider *p)
{
	struct sns *s = p->state;
	if (!s)
		return;
	free(s->url);
	free_secret(s->userpwd);
	free(s->sigv4);
	free_secret(s->token);
	free(s->sms_type);
	free(s->sender_id);
	free(s->max_price);
	free(s);
	p->state = NULL;
}

/* AWS.SNS.SMS.SenderID: 3 to 11 letters, digits or hyphens, one letter at least. */
static int sender_id_ok(const char *s)
{
	size_t n = strlen(s), letters = 0;
	if (n < 3 || n > 11)
		return 0;
	for (const char *c = s; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-')
			return 0;
		letters += isalpha((unsigned char)*c) != 0;
	}
	return letters > 0;
}

static int sns_open(struct provider *p, const struct sms_config *c, char *err, size_t errlen)
{
	const char *id = config_get(c, "AWS_ACCESS_KEY_ID");
	const char *secret = config_get(c, "AWS_SECRET_ACCESS_KEY");
	const char *region = config_get(c, "AWS_REGION");
	const char *type = config_get(c, "SNS_SMS_TYPE");
	const char *sid = config_get(c, "SNS_SENDER_ID");
	const char *max = config_get(c, "SNS_MAX_PRICE");
	const char *check = config_get_or(c, "SNS_CHECK_OPTOUT", "on");
	if (!id || !secret) {
		snprintf(err, errlen, "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (in the "
		                      "environment or a mode-600 config file; see smskit-sns(7))");
		return -1;
	}
	if (!region || !*region || strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	                                   strlen(region)) {
		snprintf(err, errlen, "set AWS_REGION to a region that sends SMS, e.g. us-east-1");
		return -1;
	}
	if (strchr(id, ':')) {
		snprintf(err, errlen, "AWS_ACCESS_KEY_ID holds a ':', which no access key does");
		return -1;
	}
	if (type && strcasecmp(type, "Promotional") != 0 && strcasecmp(type, "Transactional") != 0) {
		snprintf(err, errlen, "SNS_SMS_TYPE=%s: expected Promotional or Transactional", type);
		return -1;
	}
	if (sid && !sender_id_ok(sid)) {
		snprintf(err, errlen, "SNS_SENDER_ID=%s: expected 3 to 11 letters, digits or hyphens, "
		         "with a letter", sid);
		return -1;
	}
	money_t m;
	if (max && (money_parse(max, &m) != 0 || m <= 0)) {
		snprintf(err, errlen, "SNS_MAX_PRICE=%s is not an amount such as 0.05 (USD)", max);
		return -1;
	}
	if (strcmp(check, "on") != 0 && strcmp(check, "off") != 0) {
		snprintf(err, errlen, "SNS_CHECK_OPTOUT=%s: expected on or off", check);
		return -1;
	}
	struct sns *s = xcalloc(1, sizeof *s);
	struct strbuf b;
	strbuf_init(&b);
	const char *ep = config_get(c, "SNS_ENDPOINT");
	if (ep)
		strbuf_puts(&b, ep);
	else
		strbuf_printf(&b, "https://sns.%s.amazonaws.com", region);
	while (b.len && b.s[b.len - 1] == '/')
		b.s[--b.len] = '\0';
	strbuf_putc(&b, '/');
	s->url = strbuf_detach(&b);
	strbuf_printf(&b, "%s:%s", id, secret);
	s->userpwd = strbuf_detach(&b);
	strbuf_printf(&b, "aws:amz:%s:sns", region);
	s->sigv4 = strbuf_detach(&b);
	const char *tok = config_get(c, "AWS_SESSION_TOKEN");
	s->token = tok && *tok ? xstrdup(tok) : NULL;
	if (type)
		s->sms_type = xstrdup(strcasecmp(type, "Promotional") == 0 ? "Promotional"
		                                                           : "Transactional");
	s->sender_id = sid ? xstrdup(sid) : NULL;
	s->max_price = max ? xstrdup(max) : NULL;
	s->check_optout = strcmp(check, "on") == 0;
	p->state = s;
	p->default_from = config_get(c, "SNS_ORIGINATION_NUMBER");
	return 0;
}

/* A signed POST of body to the endpoint. */
static void sns_request(const struct sns *s, char *body, struct http_request *req)
{
	req->method = "POST";
	req->url = xstrdup(s->url);
	req->body = body;
	req->userpwd = xstrdup(s->userpwd);
	req->sigv4 = xstrdup(s->sigv4);
	/* Named, so that SigV4 signs it (doc/providers.md, SigV4); XML, not JSON, back. */
	req->headers[req->nheaders++] = xstrdup("Content-Type: application/x-www-form-urlencoded");
	req->headers[req->nheaders++] = xstrdup("Accept: text/xml");
	if (s->token) {
		struct strbuf h;
		strbuf_init(&h);
		strbuf_printf(&h, "X-Amz-Security-Token: %s", s->token);
		req->headers[req->nheaders++] = strbuf_detach(&h);
	}
}

/* A request never made: its strings freed, the secret ones wiped first. */
static void drop_request(struct http_request *r)
{
	free(r->url);
	free(r->body);
	free_secret(r->userpwd);
	free(r->sigv4);
	for (size_t i = 0; i < r->nheaders; i++)
		free_secret(r->headers[i]);
	memset(r, 0, sizeof *r);
}

static void attribute(struct strbuf *b, int n, const char *name, const char *type,
                      const char *value)
{
	char k[64];
	snprintf(k, sizeof k, "MessageAttributes.entry.%d.Name", n);
	http_form_add(b, k, name);
	snprintf(k, sizeof k, "MessageAttributes.entry.%d.Value.DataType", n);
	http_form_add(b, k, type);
	snprintf(k, sizeof k, "MessageAttributes.entry.%d.Value.StringValue", n);
	http_form_add(b, k, value);
}

/* An origination number: E.164, or 5 to 14 digits (a short or long code). */
static int is_number(const char *f)
{
	const char *d = f[0] == '+' ? f + 1 : f;
	size_t n = strlen(d);
	return n >= 5 && n <= 15 && strspn(d, "0123456789") == n;
}

static int sns_send(struct provider *p, const struct send_request *m, struct http_request *req,
                    struct send_result *res)
{
	struct sns *s = p->state;
	if (m->nmedia) {
		res->outcome = SEND_REJECTED;
		res->code = "not_supported";
		res->exit_hint = 1;
		snprintf(res->message, sizeof res->message, "not supported by the sns provider: SNS "
		         "sends no MMS; send the text without media, or use twilio");
		return 1;
	}
	const char *from = m->from ? m->from : p->default_from;
	struct strbuf b;
	strbuf_init(&b);
	http_form_add(&b, "Action", "Publish");
	http_form_add(&b, "Version", "2010-03-31");
	http_form_add(&b, "PhoneNumber", m->to);
	http_form_add(&b, "Message", m->body ? m->body : "");
	int n = 0;
	if (s->sms_type)
		attribute(&b, ++n, "AWS.SNS.SMS.SMSType", "String", s->sms_type);
	const char *sid = from && !is_number(from) ? from : s->sender_id;
	if (sid)
		attribute(&b, ++n, "AWS.SNS.SMS.SenderID", "String", sid);
	if (from && is_number(from))
		attribute(&b, ++n, "AWS.MM.SMS.OriginationNumber", "String", from);
	if (s->max_price)
		attribute(&b, ++n, "AWS.SNS.SMS.MaxPrice", "Number", s->max_price);
	if (!s->check_optout) {
		res->step = 1; /* the answer that comes is Publish's */
		sns_request(s, strbuf_detach(&b), req);
		return 0;
	}
	/* First the opt-out check; Publish waits in res->next for its answer. */
	sns_request(s, strbuf_detach(&b), &res->next);
	strbuf_init(&b);
	http_form_add(&b, "Action", "CheckIfPhoneNumberIsOptedOut");
	http_form_add(&b, "Version", "2010-03-31");
	http_form_add(&b, "phoneNumber", m->to);
	sns_request(s, strbuf_detach(&b), req);
	return 0;
}

struct errmap {
	const char *aws, *spec;
	int         retryable;
};

/* AWS's error codes (doc/providers.md, SNS error codes) in smskit's words; anything else is
 * provider_error, retryable when the HTTP status is 5xx. */
static const struct errmap errors[] = {
	{"InvalidParameter", "invalid_request", 0},
	{"InvalidParameterValue", "invalid_request", 0},
	{"ParameterValueInvalid", "invalid_request", 0},
	{"ValidationException", "invalid_request", 0},
	{"OptedOut", "opted_out", 0},
	{"Throttled", "rate_limited", 1},
	{"Throttling", "rate_limited", 1},
	{"ThrottlingException", "rate_limited", 1},
	{"InternalError", "provider_error", 1},
	{"InternalFailure", "provider_error", 1},
	{"ServiceUnavailable", "provider_error", 1},
	{"AuthorizationError", "auth_failed", 0},
	{"InvalidSecurity", "auth_failed", 0},
	{"SignatureDoesNotMatch", "auth_failed", 0},
	{"InvalidClientTokenId", "auth_failed", 0},
	{"UnrecognizedClientException", "auth_failed", 0},
	{"ExpiredToken", "auth_failed", 0},
	{"IncompleteSignature", "auth_failed", 0},
	{"MissingAuthenticationToken", "auth_failed", 0},
	{"AccessDenied", "auth_failed", 0},
	{"AccessDeniedException", "auth_failed", 0},
};

/* A failed answer: AWS's ErrorResponse when it is one. */
static void map_error(const struct http_response *resp, const struct xml_doc *x,
                      const char **code, int *retryable, int *exit_hint, char *msg, size_t msglen)
{
	const char *aws = xml_get(x, "ErrorResponse/Error/Code");
	const char *text = xml_get(x, "ErrorResponse/Error/Message");
	long http = resp->status;
	*code = http == 429 ? "rate_limited" : http == 401 || http == 403 ? "auth_failed"
	                                                                  : "provider_error";
	*retryable = http == 429 || http >= 500;
	for (size_t i = 0; aws && i < sizeof errors / sizeof *errors; i++)
		if (strcmp(aws, errors[i].aws) == 0) {
			*code = errors[i].spec;
			*retryable = errors[i].retryable;
		}
	/* A bad phone number is InvalidParameter naming PhoneNumber. */
	if (aws && strncmp(aws, "InvalidParameter", 16) == 0 && text && strstr(text, "PhoneNumber"))
		*code = "invalid_number";
	*exit_hint = strcmp(*code, "auth_failed") == 0 ? EX_NOPERM : *retryable ? EX_TEMPFAIL : 1;
	if (aws)
		snprintf(msg, msglen, "%s (%s)", text && *text ? text : "no message", aws);
	else
		snprintf(msg, msglen, "HTTP %ld from SNS without an AWS error", http);
}

static void reject(const struct http_response *resp, const struct xml_doc *x,
                   struct send_result *res)
{
	res->outcome = SEND_REJECTED;
	map_error(resp, x, &res->code, &res->retryable, &res->exit_hint, res->message,
	          sizeof res->message);
}

static void sns_send_parse(struct provider *p, const struct http_response *resp,
                           struct send_result *res)
{
	(void)p;
	int optout_check = res->step == 0;
	if (resp->status == 0) {
		if (optout_check) {
			/* Only a question was asked: nothing can have been sent. */
			struct http_response r = *resp;
			r.maybe_sent = 0;
			provider_transport_failure(&r, res);
			drop_request(&res->next);
		} else {
			provider_transport_failure(resp, res);
		}
		return;
	}
	char err[256];
	struct xml_doc *x = xml_parse(resp->body, resp->len, err, sizeof err);
	if (resp->status != 200) {
		reject(resp, x, res);
		if (optout_check)
			drop_request(&res->next);
		xml_free(x);
		return;
	}
	if (optout_check) {
		const char *v = xml_get(x, "CheckIfPhoneNumberIsOptedOutResponse/"
		                           "CheckIfPhoneNumberIsOptedOutResult/isOptedOut");
		if (v && strcmp(v, "false") == 0) {
			res->outcome = SEND_AGAIN;
			res->step = 1;
		} else {
			drop_request(&res->next);
			res->outcome = SEND_REJECTED;
			res->retryable = 0;
			res->exit_hint = 1;
			if (v && strcmp(v, "true") == 0) {
				res->code = "opted_out";
				snprintf(res->message, sizeof res->message, "the number opted out of SMS from "
				         "this AWS account (CheckIfPhoneNumberIsOptedOut); nothing sent");
			} else {
				res->code = "provider_error";
				snprintf(res->message, sizeof res->message, "SNS's opt-out check answered no "
				         "isOptedOut%s%s; nothing sent", x ? "" : ": ", x ? "" : err);
			}
		}
		xml_free(x);
		return;
	}
	const char *id = xml_get(x, "PublishResponse/PublishResult/MessageId");
	if (!id || !*id) {
		/* Accepted, but we cannot tell which message it is: never resent. */
		res->outcome = SEND_UNKNOWN;
		res->code = "unknown_outcome";
		res->exit_hint = 1;
		snprintf(res->message, sizeof res->message,
		         "SNS answered HTTP 200 without a MessageId%s%s", x ? "" : ": ", x ? "" : err);
	} else {
		res->outcome = SEND_ACCEPTED;
		snprintf(res->provider_id, sizeof res->provider_id, "%s", id);
		/* Handed over; SNS tells nothing more, so this is the last status. */
		snprintf(res->status, sizeof res->status, "sent");
	}
	xml_free(x);
}

static int sns_status(struct provider *p, const char *provider_id, const char *current,
                      struct http_request *req, struct status_result *res)
{
	(void)provider_id;
	(void)current;
	(void)req;
	provider_status_unsupported(p, "SNS has no API that tells a message's status after "
	                            "Publish (its delivery logs go to CloudWatch Logs when "
	                            "enabled); the message stays `sent`", res);
	return 1;
}

static void sns_status_parse(struct provider *p, const struct http_response *resp,
                             struct status_result *res)
{
	(void)p;
	(void)resp;
	(void)res; /* never called: sns_status answers without a request */
}

const struct provider_ops provider_sns = {
	.name = "sns",
	.from_key = "SNS_ORIGINATION_NUMBER",
	.open = sns_open,
	.close = sns_close,
	.send_prepare = sns_send,
	.send_parse = sns_send_parse,
	.status_prepare = sns_status,
	.status_parse = sns_status_parse,
	.webhook = &sns_webhooks,
};
