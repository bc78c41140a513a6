/* msgid — a message id as a user or a record gives it: a JSON number or a
 * string of digits, a whole number from 1 to 2^53 - 1 (the largest a JSON
 * number holds exactly). Owns no state. */
#ifndef SMSKIT_MSGID_H
#define SMSKIT_MSGID_H

#include <cjson/cJSON.h>

/* 0 and *id set, or -1. */
int msgid_parse(const cJSON *v, long long *id);
int msgid_parse_str(const char *s, long long *id);

#endif
