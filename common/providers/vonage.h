/* vonage — the Vonage driver: its webhook side (vonage.c: inbound messages and
 * delivery receipts, vonage_webhooks in provider.h) and what its sending side
 * (provider_vonage.c) shares with it about Vonage's SMS API (doc/providers.md,
 * Vonage): request and webhook signatures in every method Vonage offers,
 * delivery-receipt statuses in smskit's words, prices. What a delivery
 * err-code means is delivery.h's, beside Twilio's. libcrypto for the hashes. */
#ifndef SMSKIT_VONAGE_H
#define SMSKIT_VONAGE_H

#include <stddef.h>
#include <time.h>

#include "price.h"

struct form;

/* The signature methods of Vonage's dashboard: "md5hash" (its default: MD5 of
 * the string and the secret), "md5", "sha1", "sha256", "sha512" (HMACs keyed
 * by the secret). 1 when name is one of them. */
int vonage_method_valid(const char *name);

/* Lower-case hex signature of params (every pair but "sig"; '&' and '=' in
 * values read as '_'; sorted by name; "&name=value..."), malloc'd; NULL on an
 * unknown method. drop_empty leaves out parameters whose value is empty (the
 * Java SDK's reading). */
char *vonage_signature(const char *method, const char *secret, const struct form *params,
                       int drop_empty);

/* 0 when params carry a "sig" that verifies with secret by method (NULL: any
 * method whose digest has the signature's length), and a "timestamp" (Unix
 * seconds) within 5 minutes of now; otherwise -1 with the reason in why. The
 * comparison is constant-time and ignores case. */
int vonage_signature_check(const char *method, const char *secret, const struct form *params,
                           time_t now, char *why, size_t whylen);

/* A delivery-receipt status ("delivered", "expired", "failed", "rejected",
 * "accepted", "buffered", "unknown"; the Reports API adds "deleted") in smskit's
 * words; NULL when it is none of them. */
const char *vonage_spec_status(const char *dlr);

/* Vonage's price text ("0.03330000", eight decimals) as money, digits past
 * the sixth decimal dropped; -1 when it is not a decimal. */
int vonage_money(const char *s, money_t *out);

#endif
