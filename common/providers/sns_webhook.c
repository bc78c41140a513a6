/* sns_sig — SNS message signatures checked offline; see sns_sig.h. */
#include "sns_sig.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct sns_cert {
	EVP_PKEY *key;
};

struct sns_cert *sns_cert_load(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "SNS_SIGNING_CERT %s: cannot be read", path);
		return NULL;
	}
	X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	EVP_PKEY *k = x ? X509_get_pubkey(x) : NULL;
	X509_free(x);
	if (!k) {
		snprintf(err, errlen, "SNS_SIGNING_CERT %s: not a PEM certificate", path);
		return NULL;
	}
	struct sns_cert *c = xcalloc(1, sizeof *c);
	c->key = k;
	return c;
}

void sns_cert_free(struct sns_cert *c)
{
	if (!c)
		return;
	EVP_PKEY_free(c->key);
	free(c);
}

static const char *str(const cJSON *m, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, k));
}

char *sns_string_to_sign(const cJSON *msg)
{
	static const char *const notification[] = {"Message", "MessageId", "Subject", "Timestamp",
	                                           "TopicArn", "Type", NULL};
	static const char *const subscription[] = {"Message", "MessageId", "SubscribeURL",
	                                           "Timestamp", "Token", "TopicArn", "Type", NULL};
	const char *type = str(msg, "Type");
	if (!type)
		return NULL;
	const char *const *keys = strcmp(type, "Notification") == 0 ? notification : subscription;
	struct strbuf b;
	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	for (; *keys; keys++) {
		const char *v = str(msg, *keys);
		if (!v) {
			if (strcmp(*keys, "Subject") == 0)
				continue; /* only when the message has one */
			strbuf_free(&b);
			return NULL;
		}
		strbuf_printf(&b, "%s\n%s\n", *keys, v);
	}
	return strbuf_detach(&b);
}

int sns_signature_check(const struct sns_cert *c, const cJSON *msg, char *why, size_t whylen)
{
	const char *ver = str(msg, "SignatureVersion"), *sig64 = str(msg, "Signature");
	const EVP_MD *md = ver && strcmp(ver, "1") == 0   ? EVP_sha1()
	                   : ver && strcmp(ver, "2") == 0 ? EVP_sha256()
	                                                  : NULL;
	if (!md || !sig64 || !*sig64) {
		snprintf(why, whylen, "the message is not signed (SignatureVersion 1 or 2)");
		return -1;
	}
	char *s = sns_string_to_sign(msg);
	if (!s) {
		snprintf(why, whylen, "the message lacks a field SNS signs");
		return -1;
	}
	size_t n64 = strlen(sig64);
	unsigned char *sig = xmalloc(n64 / 4 * 3 + 3);
	int n = EVP_DecodeBlock(sig, (const unsigned char *)sig64, (int)n64);
	if (n > 0 && n64 >= 2 && sig64[n64 - 1] == '=')
		n -= sig64[n64 - 2] == '=' ? 2 : 1;
	int ok = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (n > 0 && ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, c->key) == 1)
		ok = EVP_DigestVerify(ctx, sig, (size_t)n, (const unsigned char *)s, strlen(s)) == 1;
	EVP_MD_CTX_free(ctx);
	free(sig);
	free(s);
	if (!ok) {
		snprintf(why, whylen, "the message's Signature does not verify with SNS_SIGNING_CERT");
		return -1;
	}
	return 0;
}
