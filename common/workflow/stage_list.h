/* stage_list — sms-stage --list: outbound messages from the store, oldest
 * first (pending unless other statuses are asked for), only the priorities
 * asked for and at most a limit, each with the reason it waits; the
 * selection's words checked; the listing as a text table. All state is the
 * caller's struct stage_list. */
#ifndef SMSKIT_STAGE_LIST_H
#define SMSKIT_STAGE_LIST_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "query.h"
#include "records.h"
#include "store.h"

/* One listing: zeroed by the caller, filled by stage_list_run(). It is also
 * the text printer's argument (rec_out_format()), set before the run. */
struct stage_list {
	struct rec_out *out;
	const char     *prios[4];
	size_t          nprios, limit, n;
	int             header, show_status;
};

/* Adds the words of val ("a,b c") to list: each an outbound message's status
 * or "all". Returns 0, or the exit status once the first other word is
 * reported through o. */
int stage_list_statuses(cJSON *list, const char *val, const struct query_origin *o);

/* The same for priorities (urgent, high, normal, low); none at all is
 * refused too. */
int stage_list_priorities(cJSON *list, const char *val, const struct query_origin *o);

/* Lists on out the messages of statuses (the strings of stage_list_statuses;
 * none: pending) and of priorities (none: any), at most limit (0: all).
 * Returns 0, or EX_TEMPFAIL once a store error is on stderr. */
int stage_list_run(struct stage_list *l, struct store *st, struct rec_out *out,
                   const cJSON *statuses, const cJSON *priorities, size_t limit);

/* -o text: a table, its header before the first message (with a STATUS
 * column unless only pending ones are listed); FAILED for a bad --query.
 * arg is the struct stage_list. */
void stage_list_print(FILE *fp, const cJSON *rec, void *arg);

#endif
