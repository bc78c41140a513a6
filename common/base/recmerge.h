/* recmerge — the output record of a stored message: the store's record with
 * the caller's own fields kept (smskit(7), Records: unknown fields pass
 * through). Owns no state. */
#ifndef SMSKIT_RECMERGE_H
#define SMSKIT_RECMERGE_H

#include <cjson/cJSON.h>

/* Moves every field of stored (a store_msg_get record, freed) into rec: a
 * stored field takes the place of the caller's field of the same name, or
 * comes after the caller's fields. */
void rec_merge(cJSON *rec, cJSON *stored);

#endif
