/* address — channel addresses. See address.h. */
#include "address.h"
#include "phone.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const size_t wa_len = sizeof ADDRESS_WHATSAPP_PREFIX - 1;

const char *channel_name(enum channel ch) { return ch == CHANNEL_WHATSAPP ? "whatsapp" : "sms"; }

int channel_from_name(const char *name, enum channel *ch)
{
	if (name && strcasecmp(name, "sms") == 0)
		*ch = CHANNEL_SMS;
	else if (name && strcasecmp(name, "whatsapp") == 0)
		*ch = CHANNEL_WHATSAPP;
	else
		return -1;
	return 0;
}

enum channel address_channel(const char *stored)
{
	return stored && strncasecmp(stored, ADDRESS_WHATSAPP_PREFIX, wa_len) == 0 ? CHANNEL_WHATSAPP
	                                                                           : CHANNEL_SMS;
}

const char *address_number(const char *stored)
{
	return address_channel(stored) == CHANNEL_WHATSAPP ? stored + wa_len : stored;
}

int address_stored_ok(const char *s)
{
	if (s && strncmp(s, ADDRESS_WHATSAPP_PREFIX, wa_len) == 0)
		s += wa_len;
	if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	size_t d = strspn(s + 1, "0123456789");
	return s[1 + d] == '\0' && d <= 15;
}

/* The length of a leading "scheme:" (letters, then digits, '+', '-', '.'; RFC 3986's
 * scheme), 0 when the input has none. */
static size_t scheme_len(const char *s)
{
	size_t i = 0;
	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' ? i + 1 : 0;
}

int address_parse(const char *input, const char *default_region, struct address *out,
                  char *why, size_t whylen)
{
	memset(out, 0, sizeof *out);
	/* No number at all. (s never starts at a literal "": gcc's -Warray-bounds, in
	 * the sanitizer build, would follow it past the prefix below.) */
	if (!input) {
		snprintf(why, whylen, "no number");
		return -1;
	}
	const char *s = input + strspn(input, " \t");
	size_t sl = scheme_len(s);
	if (sl == wa_len && strncasecmp(s, ADDRESS_WHATSAPP_PREFIX, wa_len) == 0) {
		out->channel = CHANNEL_WHATSAPP;
		s += wa_len;
		s += strspn(s, " \t");
		if (scheme_len(s)) {
			snprintf(why, whylen, "%s: after whatsapp: comes a phone number, such as "
			         "whatsapp:+15551234567", input);
			return -1;
		}
	} else if (sl && strncasecmp(s, "tel:", 4) != 0) {
		snprintf(why, whylen, "%s: %.*s is not a channel smskit knows: write the number "
		         "alone for SMS, or whatsapp:+number for WhatsApp", input, (int)(sl - 1), s);
		return -1;
	}
	struct phone_result pr;
	const char *reason = NULL;
	phone_parse(s, default_region, &pr);
	if (!phone_sendable(&pr, &reason)) {
		snprintf(why, whylen, "%s: %s", input ? input : "", reason ? reason : "not a number");
		return -1;
	}
	memcpy(out->e164, pr.e164, sizeof out->e164);
	memcpy(out->region, pr.region, sizeof out->region);
	snprintf(out->text, sizeof out->text, "%s%s",
	         out->channel == CHANNEL_WHATSAPP ? ADDRESS_WHATSAPP_PREFIX : "", out->e164);
	return 0;
}
