/* provider — choosing a provider, and what every provider shares. See provider.h. */
#include "provider.h"
#include "policy.h"
#include "util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define SENDER(name) &provider_##name,
static const struct provider_ops *const all[] = {PROVIDER_DRIVERS(SENDER)};
#undef SENDER

int provider_open(struct provider *p, const struct sms_config *c, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	const char *name = config_get(c, "SMS_PROVIDER");
	if (!name && config_get(c, "TWILIO_ACCOUNT_SID"))
		name = "twilio";
	if (!name) {
		snprintf(err, errlen, "no provider configured: set SMS_PROVIDER to twilio or sandbox "
		                      "(sandbox needs no account), vonage or sns, or set "
		                      "TWILIO_ACCOUNT_SID");
		return -1;
	}
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		if (strcmp(all[i]->name, name) != 0)
			continue;
		p->ops = all[i];
		p->name = all[i]->name;
		if (p->ops->open(p, c, err, errlen) != 0)
			return -1;
		if (p->default_from && !policy_from_ok(p->default_from)) {
			snprintf(err, errlen, "%s=%s is not a sender: write an E.164 number such as "
			         "+15557654321, a short code of 3 to 8 digits or a sender id of up to 11 "
			         "letters and digits, as --from takes", p->ops->from_key, p->default_from);
			provider_close(p);
			return -1;
		}
		return 0;
	}
	char names[128];
	provider_names(names, sizeof names);
	snprintf(err, errlen, "SMS_PROVIDER=%s is unknown; the choices are %s", name, names);
	return -1;
}

void provider_close(struct provider *p)
{
	if (p->ops && p->ops->close)
		p->ops->close(p);
	memset(p, 0, sizeof *p);
}

void provider_transport_failure(const struct http_response *resp, struct send_result *res)
{
	if (resp->maybe_sent) {
		res->outcome = SEND_UNKNOWN;
		res->code = "unknown_outcome";
		res->retryable = 0;
		res->exit_hint = 1; /* not 75: "try again" would invite a resend */
		snprintf(res->message, sizeof res->message,
		         "no answer from the provider after the request was sent (%s): the message "
		         "may or may not have been accepted; not resent", resp->error);
		return;
	}
	res->outcome = SEND_REJECTED;
	res->code = "unreachable";
	res->retryable = 1;
	res->exit_hint = EX_UNAVAILABLE;
	snprintf(res->message, sizeof res->message, "provider unreachable after %d attempt%s: %s",
	         resp->attempts, resp->attempts == 1 ? "" : "s", resp->error);
}

void provider_status_unsupported(const struct provider *p, const char *why,
                                 struct status_result *res)
{
	res->ok = 0;
	res->code = "not_supported";
	res->exit_hint = EX_CONFIG;
	snprintf(res->message, sizeof res->message, "not supported by the %s provider: %s",
	         p->name, why);
}
