/* consent — the consent policy. See consent.h. */
#include "consent.h"
#include "policy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int consent_policy_load(const struct sms_config *c, int *on, char *err, size_t errlen)
{
	const char *v = config_get_or(c, "SMS_REQUIRE_CONSENT", "off");
	*on = strcasecmp(v, "on") == 0;
	if (*on || strcasecmp(v, "off") == 0)
		return 0;
	snprintf(err, errlen, "SMS_REQUIRE_CONSENT=%s: on (marketing messages need a recorded "
	         "opt-in) or off", v);
	return -1;
}

int consent_refused(struct store *st, int on, const cJSON *rec, const char *to,
                    const char *outcome, char *msg, size_t msglen)
{
	if (!on || strcmp(policy_purpose(rec), "marketing") != 0)
		return 0;
	int r = store_consent_check(st, to);
	if (r != 0)
		return r == 1 ? 0 : STORE_ERR;
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rec, "purpose")))
		snprintf(msg, msglen, "%s has no recorded opt-in, and under SMS_REQUIRE_CONSENT=on a "
		         "marketing message needs one; %s (record it with sms-optout in)", to, outcome);
	else
		snprintf(msg, msglen, "%s has no recorded opt-in, and under SMS_REQUIRE_CONSENT=on a "
		         "message that does not say its purpose is marketing, which needs one; %s "
		         "(record it with sms-optout in, or give \"purpose\": \"transactional\" if it "
		         "is one)", to, outcome);
	return 1;
}

int consent_keyword(struct store *st, const char *from, int64_t message_id, const char *body)
{
	char evidence[2048];
	snprintf(evidence, sizeof evidence, "message %lld: %s", (long long)message_id,
	         body ? body : "");
	return store_consent_add(st, from, NULL, "keyword", evidence, NULL) == STORE_OK ? STORE_OK
	                                                                                : STORE_ERR;
}
