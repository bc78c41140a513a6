/* recwrite — NDJSON output without an allocation per record: compact JSON
 * exactly as cJSON_PrintUnformatted writes it, printed through one buffer
 * reused for every record, for the programs that print many stored records
 * (listings, staging). The buffer is this module's, for the process's one
 * output thread. */
#ifndef SMSKIT_RECWRITE_H
#define SMSKIT_RECWRITE_H

#include <cjson/cJSON.h>

#include "records.h"

/* rec_emit() through the reused buffer: the same bytes, the same counting;
 * frees rec. */
void rec_write(struct rec_out *o, cJSON *rec);

#endif
