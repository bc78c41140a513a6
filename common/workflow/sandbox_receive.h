/* sandbox_receive — what `sms-sandbox receive` does: an inbound message, from
 * any number, made to arrive exactly as the sandbox provider posts it —
 * Twilio's form parameters, media included, signed with the sandbox's key
 * (sandbox_key.h) — through the running sms-webhookd (an HTTP POST) or
 * through sms-webhookd run as a CGI program with the environment a web server
 * gives it; then what the webhook answered: the stored message's id and the
 * text of the TwiML answer (an autoresponder's, HELP's). Owns the key (wiped
 * when freed) and its HTTP client; nothing global. */
#ifndef SMSKIT_SANDBOX_RECEIVE_H
#define SMSKIT_SANDBOX_RECEIVE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "config.h"

/* Where sms-webhookd listens by default (sms-webhookd(1), --listen). */
#define SANDBOX_DEFAULT_URL "http://127.0.0.1:3001/sms/incoming"

struct sandbox_rx_options {
	const char *url; /* sms-webhookd's /sms/incoming; NULL: SMS_PUBLIC_URL's, else
	                  * SANDBOX_DEFAULT_URL */
	const char *cgi; /* instead, the sms-webhookd to run as a CGI program, or NULL */
	const char *to;  /* our number, for records without "to"; NULL: the sandbox
	                  * provider's sender (TWILIO_PHONE_NUMBER, else its own) */
};

struct sandbox_rx;

/* NULL with a sentence in err when it cannot work (exit 78): SMS_PROVIDER is
 * not sandbox (for a real provider this would forge its webhooks), the key
 * cannot be read or made, o->to is not a number. */
struct sandbox_rx *sandbox_rx_new(const struct sms_config *c, const struct sandbox_rx_options *o,
                                  char *err, size_t errlen);
void sandbox_rx_free(struct sandbox_rx *r);

/* Makes the message rec describes arrive: "from" (any way a person writes a
 * number), "body", "to", "media" (strings "URL" or "URL,TYPE", or objects
 * {"url", "type"}) and "sid" (a MessageSid to use again, as a provider's
 * retry would; else a new one). Fills rec in: "from" and "to" in E.164,
 * "sid", "http_status", "id" (the stored message), "reply" (the answer's text,
 * or null) and "ok"; or makes it an error record. Returns the exit code the
 * record earns beyond 1: 69 when the webhook could not be reached (or the CGI
 * program run), 75 when it answered 5xx, else 0. */
int sandbox_rx_receive(struct sandbox_rx *r, cJSON *rec);

#endif
