/* status_sync — sms-status --sync: asks the provider about outbound messages
 * not yet final, a few requests in flight at once; stores each answer, and the
 * opt-out an answer reports as sms-webhookd does; emits the records in the
 * order they came, with a progress line on a terminal. */
#ifndef SMSKIT_STATUS_SYNC_H
#define SMSKIT_STATUS_SYNC_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "provider.h"
#include "records.h"
#include "store.h"

/* The statuses --sync asks about; the others are final or not yet sent. */
#define STATUS_SYNC_NSTATUSES 5
extern const char *const status_sync_statuses[STATUS_SYNC_NSTATUSES];
int status_sync_asks(const char *status);

struct status_sync_options {
	struct store    *st;
	struct provider *prov;
	struct rec_out  *out;
	int              concurrency; /* status requests in flight at once */
	int              progress;    /* the progress line on stderr */
};

struct status_sync;
struct status_sync *status_sync_new(const struct status_sync_options *o);

/* Queues rec (a stored record, owned from here on): asked about in its turn
 * when its status and provider allow, else emitted as it is, with its reason;
 * with ask 0, emitted untouched (a not_found record). */
void status_sync_add(struct status_sync *sy, cJSON *rec, int ask);

/* Asks about the outbound messages in these statuses (none: any status)
 * created since `since` (NULL: any time), reading the store a page at a time
 * while the requests go out; another provider's messages are counted, not
 * asked, and limit (0: none) counts only the provider's own. 0, or 75 with a
 * warning when the store failed. */
int status_sync_select(struct status_sync *sy, const char *const *statuses, size_t nstatuses,
                       const char *since, size_t limit);

/* Asks about what is queued, ends the progress line, says on stderr what was
 * not asked, and frees sy. Returns hard (a failure of the caller's) when
 * non-zero, else the gravest exit status an answer earned, or 0. */
int status_sync_end(struct status_sync *sy, int hard);

#endif
