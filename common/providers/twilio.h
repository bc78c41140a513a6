/* twilio — what the Twilio driver (provider_twilio.c, twilio_webhook.c)
 * shares with the sandbox driver, whose webhooks are Twilio's: their reading,
 * the TwiML answer. See provider.h for the interface. */
#ifndef SMSKIT_TWILIO_H
#define SMSKIT_TWILIO_H

#include <stddef.h>

#include "provider.h"

/* Twilio's delivery error codes, which the sandbox imitates. */
extern const struct delivery_codes twilio_delivery_codes;

/* The webhook_ops members, for a driver that takes Twilio's webhooks with
 * keys of its own. The state is the keys that may sign them, made by
 * twilio_webhook_keys. */
void *twilio_webhook_keys(char *key, const char *secondary); /* takes key; secondary: or NULL */
int   twilio_webhook_check(const struct sms_config *c, int verify, char *err, size_t errlen);
void  twilio_webhook_close(void *state);
int   twilio_webhook_parse(void *state, const struct webhook_call *call,
                           struct webhook_event *ev, char *why, size_t whylen);
char *twilio_webhook_answer(const char *reply, const char **content_type);

#endif
