/* recovery — the recovery file (sms-config(5), SMS_RECOVERY_FILE): the answers
 * a provider gave that the store could not record (a full disk, a provider id
 * another message holds), one NDJSON line each, appended and fsync'd; and
 * their replay into the store, with the status callbacks that came for them
 * meanwhile (store_events_pending_status). A sender opens it at start, which
 * replays what an earlier run left. */
#ifndef SMSKIT_RECOVERY_H
#define SMSKIT_RECOVERY_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "config.h"
#include "store.h"

/* Bytes kept allocated past the end of the file, so that the lines can still
 * be written once the file system is full (a line is about 400 bytes). */
#define RECOVERY_RESERVE (64 * 1024)

struct recovery;

/* Opens (creating it 0600, empty) the file SMS_RECOVERY_FILE names, else the
 * store's path with ".recovery.ndjson" added. Never NULL: when the file cannot
 * be opened, recovery_append tries again and says why it failed. */
struct recovery *recovery_open(const struct sms_config *c, struct store *st);
void recovery_close(struct recovery *r);
const char *recovery_path(const struct recovery *r);

/* Appends one line: {"id", "to", "provider", "provider_id", "status",
 * "fields", "at", "error"}, as a sender builds it; status and fields are what
 * store_msg_set_status was to record. 0, or -1 with a sentence in err. */
int recovery_append(struct recovery *r, const cJSON *entry, char *err, size_t errlen);

/* Applies every line to the store: message id, when it is still sending or
 * unknown and its number and provider match, moves to the line's status with
 * its fields, then takes the status callbacks kept for its provider id. A line
 * whose message has moved on counts as applied. The file is emptied once every
 * line is applied; otherwise it stays whole (applying is idempotent) and each
 * line that could not be applied gets one line on stderr. Returns how many
 * lines were applied now. */
size_t recovery_replay(struct recovery *r, struct store *st);

#endif
