/* sandbox_key — the key that signs the sandbox provider's (Twilio-format)
 * webhooks when there is no Twilio account: TWILIO_AUTH_TOKEN when it is set,
 * else a random key kept beside the store, in the file "<store>.sandbox-key"
 * (for a PostgreSQL store, in the user's data directory: config_side_path;
 * sms-config(5), FILES), made on first need by whichever program needs it
 * first: sms-webhookd, which checks the signatures, or sms-sandbox, which
 * makes them. Owns no state: each call reads the file again. */
#ifndef SMSKIT_SANDBOX_KEY_H
#define SMSKIT_SANDBOX_KEY_H

#include <stddef.h>

#include "config.h"

/* The signing key of c's sandbox (malloc'd; a secret: the caller wipes it
 * before freeing), creating the file when it is missing: 32 random bytes from
 * the operating system, as 64 hexadecimal digits, in a file of mode 0600 that
 * appears whole or not at all. Of two programs creating it at once, both end
 * up with the winner's key. NULL with a sentence in err (never the key) when
 * the file cannot be read or made, or is readable by others; the caller exits
 * 78. */
char *sandbox_key_get(const struct sms_config *c, char *err, size_t errlen);

#endif
