/* address — a recipient or a sender as smskit takes it (smskit(7), Addresses): a
 * phone number alone on the SMS channel, or "whatsapp:" and a number on WhatsApp
 * (smskit-whatsapp(7)). An address is stored and sent as written here,
 * "+15551234567" or "whatsapp:+15551234567", so that a thread and an opt-out are
 * per channel and number. Any other prefix ("fax:", "sms:") and anything around
 * the number ("call me +1 555 ...") is refused: no address is ever silently
 * changed into another. Owns no state. */
#ifndef SMSKIT_ADDRESS_H
#define SMSKIT_ADDRESS_H

#include <stddef.h>

enum channel { CHANNEL_SMS = 0, CHANNEL_WHATSAPP };

#define ADDRESS_WHATSAPP_PREFIX "whatsapp:"
#define ADDRESS_LEN 40 /* "whatsapp:" (9) + E.164 (16) + NUL, with room */

struct address {
	enum channel channel;
	char         e164[24];          /* the number, "+15551234567" */
	char         text[ADDRESS_LEN]; /* as stored and sent: e164, or "whatsapp:" e164 */
	char         region[3];         /* ISO region of the number, "" if unknown (prices) */
};

/* Reads a recipient as a person writes it: a number in any form phone_parse()
 * takes (national against default_region, international, tel: URI), after an
 * optional channel prefix "whatsapp:" (any case, spaces allowed after it). Fills
 * *out and returns 0 when the number is sendable (phone_sendable, at most 15
 * digits); otherwise returns -1 with a sentence in why (smskit(7) code
 * invalid_number) that names the input. */
int address_parse(const char *input, const char *default_region, struct address *out,
                  char *why, size_t whylen);

/* The channel of a stored address (whatsapp: prefix or not); NULL is SMS. */
enum channel address_channel(const char *stored);

/* The number of a stored address: past "whatsapp:", else the address itself. */
const char *address_number(const char *stored);

/* 1 when s is an address as the store keeps it, and as its CHECK constraints
 * want it (optouts, consents): "+" and 1 to 15 digits, the first not 0, alone
 * or after "whatsapp:" (lower case, as address_parse writes it). */
int address_stored_ok(const char *s);

/* "sms" or "whatsapp": the channel's name in records and the store. */
const char *channel_name(enum channel ch);

/* The channel named name ("sms", "whatsapp"; any case); -1 when none. */
int channel_from_name(const char *name, enum channel *ch);

#endif
