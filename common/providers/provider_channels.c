/* provider_channels — which channels each driver carries (PROVIDER_CHANNELS in
 * provider.h), by the driver's name, and the refusal of one it does not. It
 * names no driver's code, so that sms-stage links none. See provider.h. */
#include "provider.h"

#include <stdio.h>
#include <string.h>

struct carries {
	const char  *driver;
	enum channel channel;
};

#define CARRIES(name, ch) {#name, ch},
static const struct carries carries[] = {PROVIDER_CHANNELS(CARRIES)};
#undef CARRIES

int provider_channel_check(const char *provider, enum channel ch, const char **code, char *msg,
                           size_t msglen)
{
	if (!provider || ch == CHANNEL_SMS)
		return 0;
	for (size_t i = 0; i < sizeof carries / sizeof *carries; i++)
		if (carries[i].channel == ch && strcmp(carries[i].driver, provider) == 0)
			return 0;
	/* Never sent as an SMS instead: the person wrote to a WhatsApp number. */
	*code = "not_supported";
	snprintf(msg, msglen, "not supported by the %s provider: it cannot carry %s messages, "
	         "and none goes as an SMS instead; use SMS_PROVIDER=twilio (or sandbox) for %s, or "
	         "write the number without %s: for an SMS", provider, channel_name(ch),
	         channel_name(ch), channel_name(ch));
	return -1;
}
