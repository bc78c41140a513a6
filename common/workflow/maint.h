/* maint — what sms-store(1) does with the store, verb by verb: each verb's
 * arguments read (a number normalised as everywhere, a --older-than age),
 * the store's upkeep called (store_maint.h), its records written, progress
 * on stderr, and the exit code chosen. Owns no state beyond struct maint. */
#ifndef SMSKIT_MAINT_H
#define SMSKIT_MAINT_H

#include <stdio.h>
#include <cjson/cJSON.h>

#include "progress.h"
#include "records.h"
#include "store.h"

struct maint {
	struct store   *st;
	struct rec_out *out;
	const char     *region;   /* SMS_DEFAULT_COUNTRY, for numbers */
	int             dry;      /* --dry-run: count only */
	int             force;    /* --force: backup replaces FILE */
	int             progress; /* progress lines on stderr (a terminal) */
	struct progress pace;
	const char     *verb;     /* for the progress line */
};

/* Each returns the exit code (sms-store(1), EXIT STATUS) after writing its
 * records to m->out. */
int maint_backup(struct maint *m, const char *file);
int maint_check(struct maint *m);
int maint_stats(struct maint *m);
int maint_export(struct maint *m, const char *number);
int maint_erase(struct maint *m, const char *number);
int maint_prune(struct maint *m, const char *older_than);
/* Copies the SQLite store at source into the PostgreSQL store m->st. */
int maint_migrate(struct maint *m, const char *source);
/* migrate's refusal of a destination that is not PostgreSQL, before it is
 * opened (opening a SQLite path would make a store there): its record, and
 * EX_CONFIG. */
int maint_migrate_not_pg(struct maint *m, const char *db);

/* --older-than as people write it: "90d", "12w", "1y" (365 days), "36h",
 * "30m" before now, or a date or RFC 3339 time (clock_since); out gets RFC
 * 3339 UTC. -1 on anything else. */
int maint_older_than(const char *s, char out[32]);

/* -o text: one record as a line (or a few) people read. */
void maint_print_text(FILE *fp, const cJSON *rec, void *arg);

#endif
