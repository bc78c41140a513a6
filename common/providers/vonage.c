/* vonage — Vonage's signatures and statuses; see vonage.h. */
#include "vonage.h"
#include "form.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MAX_SKEW_S 300 /* the Java SDK's MAX_ALLOWABLE_TIME_DELTA */

static const EVP_MD *method_md(const char *m)
{
	if (strcmp(m, "md5hash") == 0 || strcmp(m, "md5") == 0)
		return EVP_md5();
	if (strcmp(m, "sha1") == 0)
		return EVP_sha1();
	if (strcmp(m, "sha256") == 0)
		return EVP_sha256();
	if (strcmp(m, "sha512") == 0)
		return EVP_sha512();
	return NULL;
}

int vonage_method_valid(const char *name) { return name && method_md(name) != NULL; }

static int pair_cmp(const void *a, const void *b)
{
	const struct form_pair *x = *(const struct form_pair *const *)a;
	const struct form_pair *y = *(const struct form_pair *const *)b;
	return strcmp(x->name, y->name);
}

static void put_clean(struct strbuf *b, const char *s)
{
	for (; *s; s++)
		strbuf_putc(b, *s == '&' || *s == '=' ? '_' : *s);
}

char *vonage_signature(const char *method, const char *secret, const struct form *params,
                       int drop_empty)
{
	const EVP_MD *md = method ? method_md(method) : NULL;
	if (!md || !secret)
		return NULL;
	const struct form_pair **v = xmalloc((params->n ? params->n : 1) * sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < params->n; i++) {
		const struct form_pair *p = &params->pairs[i];
		if (strcmp(p->name, "sig") == 0 || (drop_empty && !*p->value))
			continue;
		v[n++] = p;
	}
	qsort(v, n, sizeof *v, pair_cmp);
	struct strbuf s;
	strbuf_init(&s);
	strbuf_add(&s, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i - 1]->name, v[i]->name) == 0)
			continue; /* a repeated name is signed once, with its first value */
		strbuf_putc(&s, '&');
		put_clean(&s, v[i]->name);
		strbuf_putc(&s, '=');
		put_clean(&s, v[i]->value);
	}
	free(v);
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	int ok;
	if (strcmp(method, "md5hash") == 0) {
		strbuf_puts(&s, secret);
		ok = EVP_Digest(s.s, s.len, dg, &dlen, md, NULL) == 1;
		OPENSSL_cleanse(s.s, s.len); /* the secret was in it */
	} else {
		ok = HMAC(md, secret, (int)strlen(secret), (const unsigned char *)s.s, s.len, dg,
		          &dlen) != NULL;
	}
	strbuf_free(&s);
	if (!ok)
		return NULL;
	char *hex = xmalloc(dlen * 2 + 1);
	for (unsigned i = 0; i < dlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", dg[i]);
	return hex;
}

/* Constant time in the length of a, case-insensitive for hex. */
static int hex_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (strlen(b) != n)
		return 0;
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(tolower((unsigned char)a[i]) ^ tolower((unsigned char)b[i]));
	return diff == 0;
}

int vonage_signature_check(const char *method, const char *secret, const struct form *params,
                           time_t now, char *why, size_t whylen)
{
	const char *sig = form_get(params, "sig"), *ts = form_get(params, "timestamp");
	if (!sig || !*sig) {
		snprintf(why, whylen, "the request is not signed (no sig parameter)");
		return -1;
	}
	long long t;
	if (!ts || parse_whole(ts, 99999999999LL, &t) != 0) {
		snprintf(why, whylen, "the signed request has no timestamp");
		return -1;
	}
	static const char *const all[] = {"md5hash", "md5", "sha1", "sha256", "sha512"};
	int match = 0;
	for (size_t i = 0; i < sizeof all / sizeof *all && !match; i++) {
		if (method && strcmp(method, all[i]) != 0)
			continue;
		if ((size_t)EVP_MD_get_size(method_md(all[i])) * 2 != strlen(sig))
			continue;
		for (int drop = 0; drop < 2 && !match; drop++) {
			char *want = vonage_signature(all[i], secret, params, drop);
			match = want && hex_equal(want, sig);
			free(want);
		}
	}
	if (!match) {
		snprintf(why, whylen, "the sig parameter does not match this request");
		return -1;
	}
	long long skew = (long long)now - t;
	if (skew > MAX_SKEW_S || skew < -MAX_SKEW_S) {
		snprintf(why, whylen, "the signed timestamp is %lld s away from now (at most %d)",
		         skew < 0 ? -skew : skew, MAX_SKEW_S);
		return -1;
	}
	return 0;
}

const char *vonage_spec_status(const char *dlr)
{
	static const struct {
		const char *vonage, *spec;
	} map[] = {
		{"delivered", "delivered"}, {"accepted", "sent"},     {"buffered", "sent"},
		{"expired", "undelivered"}, {"failed", "undelivered"}, {"unknown", "undelivered"},
		{"rejected", "failed"},     {"deleted", "failed"},
	};
	for (size_t i = 0; dlr && i < sizeof map / sizeof *map; i++)
		if (strcasecmp(dlr, map[i].vonage) == 0)
			return map[i].spec;
	return NULL;
}

void vonage_e164(const char *in, char *out, size_t outlen)
{
	size_t n = strlen(in);
	if (n >= 1 && n <= 15 && strspn(in, "0123456789") == n)
		snprintf(out, outlen, "+%s", in);
	else
		snprintf(out, outlen, "%s", in);
}

int vonage_money(const char *s, money_t *out)
{
	char buf[64];
	if (!s || strlen(s) >= sizeof buf)
		return -1;
	snprintf(buf, sizeof buf, "%s", s);
	char *dot = strchr(buf, '.');
	if (dot && strlen(dot + 1) > 6)
		dot[7] = '\0';
	return money_parse(buf, out);
}
