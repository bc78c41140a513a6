/* msgid — message ids from arguments and records. See msgid.h. */
#include "msgid.h"

#include <errno.h>
#include <stdlib.h>

/* 2^53 - 1: the largest id a JSON number holds exactly. 2^53 itself is also what
 * 2^53 + 1 reads as, so taking it would act on another message than the one meant. */
#define MAX_ID 9007199254740991LL

int msgid_parse_str(const char *s, long long *id)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno || v < 1 || v > MAX_ID)
		return -1;
	*id = v;
	return 0;
}

int msgid_parse(const cJSON *v, long long *id)
{
	if (cJSON_IsString(v))
		return msgid_parse_str(v->valuestring, id);
	if (!cJSON_IsNumber(v))
		return -1;
	double d = v->valuedouble;
	if (!(d >= 1 && d <= (double)MAX_ID) || d != (double)(long long)d)
		return -1;
	*id = (long long)d;
	return 0;
}
