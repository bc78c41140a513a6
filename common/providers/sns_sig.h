/* sns_sig — the signature AWS SNS puts on every message it POSTs to an HTTP(S)
 * subscription (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA, over the
 * canonical "Key\nvalue\n" string of the message's fields), checked offline
 * against AWS's signing certificate saved on disk (SNS_SIGNING_CERT): the
 * certificate is never fetched from the URL a message names. libcrypto. */
#ifndef SMSKIT_SNS_SIG_H
#define SMSKIT_SNS_SIG_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct sns_cert;

/* Reads a PEM certificate; NULL with a sentence in err. */
struct sns_cert *sns_cert_load(const char *path, char *err, size_t errlen);
void sns_cert_free(struct sns_cert *c);

/* 0 when msg (the parsed JSON body: Type, Message, MessageId, Timestamp,
 * TopicArn, Subject or SubscribeURL and Token, SignatureVersion, Signature)
 * is signed by the certificate's key; -1 with the reason in why. */
int sns_signature_check(const struct sns_cert *c, const cJSON *msg, char *why, size_t whylen);

/* The string SNS signs for msg (malloc'd), NULL when a field it needs is
 * missing: for the test tools too. */
char *sns_string_to_sign(const cJSON *msg);

#endif
