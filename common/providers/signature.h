/* signature — libcrypto's set-up (provider.c) and Twilio's X-Twilio-Signature
 * (twilio_webhook.c): HMAC-SHA1 over the webhook URL and its
 * sorted POST parameters (doc/providers.md, Twilio request signatures), computed
 * with libcrypto and compared in constant time, trying the URL with and without its
 * default port. Owns no state. */
#ifndef SMSKIT_SIGNATURE_H
#define SMSKIT_SIGNATURE_H

struct form;

/* Sets libcrypto up for what smskit uses it for (HMAC, digests, SNS's RSA
 * signatures, all in the default provider): without reading the system's
 * openssl.cnf or loading error strings, which cost a CGI process, started
 * once per request, about a millisecond. Call first thing in main(). */
void signature_lib_init(void);

/* Base64 (28 characters) of HMAC-SHA1 keyed by auth_token over url followed by every
 * parameter as name+value: names in byte order, each name's values de-duplicated and
 * sorted (twilio-node/python). params may be NULL (no parameters). malloc'd; NULL
 * only if libcrypto fails. */
char *twilio_signature(const char *auth_token, const char *url, const struct form *params);

/* 1 when header is the signature for url as given, for url with its port removed, or
 * for url with the default port added (https :443, http :80) when it has none;
 * otherwise 0 (also for a NULL or empty header or token). */
int twilio_signature_valid(const char *auth_token, const char *url, const struct form *params,
                           const char *header);

#endif
