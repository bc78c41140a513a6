/* price — decimal money and the price table. See price.h. */
#include "price.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct price_row {
	char    country[3]; /* ISO alpha-2, or "*" for every other country */
	money_t sms;        /* per segment */
	money_t mms;        /* per message */
	money_t wa[4];      /* WhatsApp, per message, by enum wa_category up to marketing */
};

/* WhatsApp, indicative (2026, USD): Twilio's fee per message (0.005) plus
 * Meta's per-message rate of the template's category; free-form text inside
 * the window (service) pays Twilio's fee only. doc/providers.md, Prices. */
#define WA_US {5000, 8400, 18500, 30000}
#define WA_ANY {5000, 13000, 23000, 65000}

/* Indicative Twilio list prices in USD (2026, outbound, long code, carrier fees
 * not included); doc/providers.md, Prices. They are estimates only:
 * the provider's own price lands in "price" after sending. */
static const struct price_row builtin[] = {
	{"*", 100000, 220000, WA_ANY},  {"AU", 51500, 220000, WA_ANY}, {"BR", 75000, 220000, WA_ANY},
	{"CA", 8300, 22000, WA_US},     {"CN", 45000, 220000, WA_ANY}, {"DE", 88700, 220000, WA_ANY},
	{"ES", 82200, 220000, WA_ANY},  {"FR", 82700, 220000, WA_ANY}, {"GB", 52400, 220000, WA_ANY},
	{"IE", 79700, 220000, WA_ANY},  {"IN", 83200, 220000, WA_ANY}, {"IT", 88600, 220000, WA_ANY},
	{"JP", 93200, 220000, WA_ANY},  {"MX", 99500, 220000, WA_ANY}, {"NL", 108300, 220000, WA_ANY},
	{"PR", 8300, 22000, WA_US},     {"US", 8300, 22000, WA_US},
};

struct price_table {
	struct price_row *rows;
	size_t            n;
	char              currency[8];
};

int money_parse(const char *s, money_t *out)
{
	int neg = 0;
	money_t whole = 0, frac = 0;
	int nfrac = 0, ndig = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; isdigit((unsigned char)*s); s++, ndig++) {
		if (whole > 1000000000000LL)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++, ndig++) {
			if (++nfrac > 6)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
	if (*s || ndig == 0)
		return -1;
	while (nfrac++ < 6)
		frac *= 10;
	*out = (whole * MONEY_SCALE + frac) * (neg ? -1 : 1);
	return 0;
}

void money_format(money_t m, char buf[32])
{
	/* By hand, not printf: sms-split formats a price for every record. */
	unsigned long long a = m < 0 ? (unsigned long long)-m : (unsigned long long)m;
	unsigned long long whole = a / MONEY_SCALE, frac = a % MONEY_SCALE;
	char digits[24];
	int n = 0;
	do
		digits[n++] = (char)('0' + whole % 10);
	while ((whole /= 10) != 0);
	char *o = buf;
	if (m < 0)
		*o++ = '-';
	while (n > 0)
		*o++ = digits[--n];
	*o++ = '.';
	char f[6];
	for (int i = 5; i >= 0; i--, frac /= 10)
		f[i] = (char)('0' + frac % 10);
	int keep = 6;
	while (keep > 4 && f[keep - 1] == '0')
		keep--;
	memcpy(o, f, (size_t)keep);
	o[keep] = '\0';
}

static struct price_row *row_for(struct price_table *t, const char *country)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcasecmp(t->rows[i].country, country) == 0)
			return &t->rows[i];
	t->rows = xrealloc(t->rows, (t->n + 1) * sizeof *t->rows);
	struct price_row *r = &t->rows[t->n++];
	const struct price_row *def = &t->rows[0]; /* "*" is always first */
	snprintf(r->country, sizeof r->country, "%s", country);
	for (char *p = r->country; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	r->sms = def->sms;
	r->mms = def->mms;
	memcpy(r->wa, def->wa, sizeof r->wa);
	return r;
}

struct override_ctx {
	struct price_table *t;
	char               *err;
	size_t              errlen;
	int                 failed;
};

/* The kinds of price a row holds, as the keys name them: price.CC.KIND. */
static const char *const kinds[] = {"sms", "mms", "whatsapp", "whatsapp.utility",
                                    "whatsapp.authentication", "whatsapp.marketing"};

/* price.CC.sms = 0.0083, price.*.mms = 0.02, price.US.whatsapp.marketing = 0.03 */
static void apply_override(const char *key, const char *value, void *arg)
{
	struct override_ctx *ctx = arg;
	const char *cc = key + strlen("price.");
	const char *dot = strchr(cc, '.');
	money_t m;
	size_t cl = dot ? (size_t)(dot - cc) : 0, kind = 0;
	while (dot && kind < sizeof kinds / sizeof *kinds && strcasecmp(dot + 1, kinds[kind]) != 0)
		kind++;
	int ok = dot && (cl == 2 || (cl == 1 && *cc == '*')) && kind < sizeof kinds / sizeof *kinds &&
	         money_parse(value, &m) == 0 && m >= 0;
	if (!ok) {
		if (!ctx->failed)
			snprintf(ctx->err, ctx->errlen,
			         "config: bad price override `%s = %s` (want price.CC.sms, "
			         "price.CC.mms, price.CC.whatsapp or price.CC.whatsapp.utility, "
			         ".authentication or .marketing = a decimal such as 0.0083)", key, value);
		ctx->failed = 1;
		return;
	}
	char country[3] = {cc[0], cl == 2 ? cc[1] : '\0', '\0'};
	struct price_row *r = row_for(ctx->t, country);
	if (kind == 0)
		r->sms = m;
	else if (kind == 1)
		r->mms = m;
	else
		r->wa[kind - 2] = m; /* kinds[2..5] are WA_SERVICE..WA_MARKETING */
}

struct price_table *price_load(const struct sms_config *c, char *err, size_t errlen)
{
	struct price_table *t = xcalloc(1, sizeof *t);
	t->n = sizeof builtin / sizeof *builtin;
	t->rows = xmalloc(sizeof builtin);
	memcpy(t->rows, builtin, sizeof builtin);
	snprintf(t->currency, sizeof t->currency, "%s", config_get_or(c, "currency", "USD"));
	struct override_ctx ctx = {t, err, errlen, 0};
	config_each(c, "price.", apply_override, &ctx);
	if (ctx.failed) {
		price_free(t);
		return NULL;
	}
	return t;
}

void price_free(struct price_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t);
}

money_t price_estimate(const struct price_table *t, const char *country, int mms, size_t segments)
{
	const struct price_row *r = &t->rows[0];
	for (size_t i = 1; country && *country && i < t->n; i++)
		if (strcasecmp(t->rows[i].country, country) == 0) {
			r = &t->rows[i];
			break;
		}
	return mms ? r->mms : r->sms * (money_t)segments;
}

money_t price_whatsapp(const struct price_table *t, const char *country, enum wa_category c)
{
	const struct price_row *r = &t->rows[0];
	for (size_t i = 1; country && *country && i < t->n; i++)
		if (strcasecmp(t->rows[i].country, country) == 0) {
			r = &t->rows[i];
			break;
		}
	return r->wa[c == WA_UNKNOWN ? WA_MARKETING : c];
}

const char *price_currency(const struct price_table *t) { return t->currency; }

int price_cap(const struct sms_config *c, const char *key, money_t *cap, char *err,
              size_t errlen)
{
	const char *v = config_get(c, key);
	*cap = -1;
	if (!v)
		return 0;
	if (money_parse(v, cap) != 0 || *cap < 0) {
		*cap = -1;
		snprintf(err, errlen, "%s=%s is not an amount such as 5.00", key, v);
		return -1;
	}
	return 0;
}
