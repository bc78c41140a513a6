/* signature — X-Twilio-Signature computation and validation, see signature.h. */
#include "signature.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "form.h"
#include "util.h"

#define SIG_LEN 28 /* base64 of a 20-byte SHA-1 digest */

void signature_lib_init(void)
{
	/* Without the legacy tables of every cipher and digest name, the first
	 * fetch (HMAC's) has no old names to copy: half of a CGI request's
	 * instructions (callgrind). The providers still know every algorithm. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
	                        OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS,
	                    NULL);
}

static int pair_cmp(const void *a, const void *b)
{
	const struct form_pair *x = *(const struct form_pair *const *)a;
	const struct form_pair *y = *(const struct form_pair *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

/* The parameter part of the signed string: name+value in name order, each name's
 * values de-duplicated and sorted. */
static void params_string(const struct form *params, struct strbuf *b)
{
	if (!params || params->n == 0)
		return;
	const struct form_pair **v = xmalloc(params->n * sizeof *v);
	for (size_t i = 0; i < params->n; i++)
		v[i] = &params->pairs[i];
	qsort(v, params->n, sizeof *v, pair_cmp);
	for (size_t i = 0; i < params->n; i++) {
		if (i > 0 && pair_cmp(&v[i - 1], &v[i]) == 0)
			continue;
		strbuf_puts(b, v[i]->name);
		strbuf_puts(b, v[i]->value);
	}
	free(v);
}

/* Writes the base64 signature of url+ps into out[SIG_LEN + 1]; 0 or -1. */
static int sign(const char *token, const char *url, size_t urllen, const char *ps, size_t pslen,
                char out[SIG_LEN + 1])
{
	struct strbuf m;
	strbuf_init(&m);
	strbuf_add(&m, url, urllen);
	strbuf_add(&m, ps, pslen);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const unsigned char *r = HMAC(EVP_sha1(), token, (int)strlen(token),
	                              (const unsigned char *)(m.s ? m.s : ""), m.len, md, &mdlen);
	strbuf_free(&m);
	if (!r || mdlen != 20)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	out[SIG_LEN] = '\0';
	return 0;
}

char *twilio_signature(const char *auth_token, const char *url, const struct form *params)
{
	struct strbuf ps;
	strbuf_init(&ps);
	params_string(params, &ps);
	char sig[SIG_LEN + 1];
	int rc = sign(auth_token, url, strlen(url), ps.s ? ps.s : "", ps.len, sig);
	strbuf_free(&ps);
	return rc == 0 ? xstrdup(sig) : NULL;
}

/* Where url's port sits: [*pstart, *pend) is ":PORT" (empty when there is none, both
 * then at the end of the host). Returns the default port for the scheme ("443",
 * "80") or NULL for another scheme or a URL without "scheme://". */
static const char *find_port(const char *url, size_t *pstart, size_t *pend)
{
	const char *dflt;
	size_t i;
	if (strncasecmp(url, "https://", 8) == 0) {
		dflt = "443";
		i = 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		dflt = "80";
		i = 7;
	} else {
		return NULL;
	}
	size_t alen = strcspn(url + i, "/?#");
	const char *auth = url + i;
	/* userinfo ends at the last '@' of the authority */
	size_t h = 0;
	for (size_t k = 0; k < alen; k++)
		if (auth[k] == '@')
			h = k + 1;
	size_t hostend = alen;
	if (auth[h] == '[') { /* IPv6 literal: a port can only follow ']' */
		const char *rb = memchr(auth + h, ']', alen - h);
		hostend = rb ? (size_t)(rb - auth) + 1 : alen;
		if (hostend < alen && auth[hostend] != ':')
			hostend = alen;
	} else {
		const char *colon = memchr(auth + h, ':', alen - h);
		if (colon)
			hostend = (size_t)(colon - auth);
	}
	*pstart = i + hostend;
	*pend = i + alen;
	return dflt;
}

int twilio_signature_valid(const char *auth_token, const char *url, const struct form *params,
                           const char *header)
{
	if (!auth_token || !*auth_token || !url || !header || !*header)
		return 0;
	size_t hlen = strlen(header);
	struct strbuf ps;
	strbuf_init(&ps);
	params_string(params, &ps);
	const char *p = ps.s ? ps.s : "";
	char sig[SIG_LEN + 1];
	int ok = 0;

	/* the URL as given */
	if (sign(auth_token, url, strlen(url), p, ps.len, sig) == 0 && hlen == SIG_LEN)
		ok |= CRYPTO_memcmp(sig, header, SIG_LEN) == 0;

	size_t ps0 = 0, pe = 0;
	const char *dflt = find_port(url, &ps0, &pe);
	if (dflt) {
		struct strbuf u;
		strbuf_init(&u);
		strbuf_add(&u, url, ps0);
		if (pe > ps0) { /* has a port: try without it */
			strbuf_puts(&u, url + pe);
		} else { /* no port: try with the default one */
			strbuf_putc(&u, ':');
			strbuf_puts(&u, dflt);
			strbuf_puts(&u, url + ps0);
		}
		if (sign(auth_token, u.s, u.len, p, ps.len, sig) == 0 && hlen == SIG_LEN)
			ok |= CRYPTO_memcmp(sig, header, SIG_LEN) == 0;
		strbuf_free(&u);
	}
	strbuf_free(&ps);
	return ok;
}
