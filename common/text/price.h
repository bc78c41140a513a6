/* price — money as exact decimals and the per-country price table used for
 * estimates: per segment for SMS, per message for MMS, per message by
 * template category for WhatsApp. Built-in indicative prices, overridden by
 * `price.CC.sms` / `price.CC.mms` / `price.CC.whatsapp[.CATEGORY]` /
 * `currency` in the config (sms-config(5)). */
#ifndef SMSKIT_PRICE_H
#define SMSKIT_PRICE_H

#include <stddef.h>

#include "config.h"

/* Money in millionths of the currency unit: decimal strings in and out, never floats. */
typedef long long money_t;
#define MONEY_SCALE 1000000LL

/* "0.0083" -> 8300. Returns -1 on anything but an optional sign, digits and at
 * most six decimals. */
int money_parse(const char *s, money_t *out);
/* At least four decimals, more only when needed: 8300 -> "0.0083". */
void money_format(money_t m, char buf[32]);

struct price_table;

/* A WhatsApp message's category, for its price: WA_SERVICE is free-form text
 * inside the customer-service window; a template is utility, authentication
 * or marketing, WA_UNKNOWN when the request does not say (priced as
 * marketing, the dearest, so that a cap errs on the safe side). */
enum wa_category { WA_SERVICE, WA_UTILITY, WA_AUTHENTICATION, WA_MARKETING, WA_UNKNOWN };

/* Built-ins plus config overrides; NULL with a sentence in err when an override is bad. */
struct price_table *price_load(const struct sms_config *c, char *err, size_t errlen);
void price_free(struct price_table *t);

/* Price of one message to country (ISO alpha-2; "" or unknown uses the `*` row):
 * segments x per-segment SMS price, or the per-message MMS price when mms. */
money_t price_estimate(const struct price_table *t, const char *country, int mms, size_t segments);
const char *price_currency(const struct price_table *t);
/* Price of one WhatsApp message to country, by category. */
money_t price_whatsapp(const struct price_table *t, const char *country, enum wa_category c);

/* A spend cap (SMS_DAILY_LIMIT, SMS_MONTHLY_LIMIT): *cap is -1 when key is
 * unset; -1 with a sentence in err when it is not an amount such as 5.00. */
int price_cap(const struct sms_config *c, const char *key, money_t *cap, char *err,
              size_t errlen);

#endif
