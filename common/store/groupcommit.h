/* groupcommit — many threads' small writes in one transaction and one fsync.
 * A writer thread owns the store; callers hand it a unit of work and block
 * until the transaction holding it has committed (durable: synchronous=FULL)
 * or failed. Each unit runs under its own savepoint, so one that fails undoes
 * only itself. This is how sms-webhookd acknowledges a webhook only after its
 * row is on disk and still answers thousands of them a second. */
#ifndef SMSKIT_GROUPCOMMIT_H
#define SMSKIT_GROUPCOMMIT_H

#include <stddef.h>
#include "store.h"

struct groupcommit;

/* Takes over st (the writer thread uses it; nobody else may). max_batch: at
 * most this many units per transaction. NULL when the thread cannot start. */
struct groupcommit *groupcommit_start(struct store *st, size_t max_batch);
/* The same thread and queue without transactions: units run one at a time,
 * each on its own (it may open transactions of its own). sms-webhookd runs the
 * dashboard on one, with a store connection of its own, so that reading a page
 * never holds the webhooks' write lock. */
struct groupcommit *groupcommit_start_serial(struct store *st);
/* Finishes the units already handed in, stops the thread, closes nothing. */
void groupcommit_stop(struct groupcommit *g);

/* A unit of work: runs on the writer thread inside the transaction; returns
 * >= 0 to keep what it did, < 0 to undo it (its savepoint is rolled back). */
typedef int (*groupcommit_fn)(struct store *st, void *arg);

/* Runs fn(st, arg) in the next transaction and waits for its commit.
 * Returns fn's result once committed; GROUPCOMMIT_FAILED when the
 * transaction could not begin or commit (nothing of it is stored; the
 * reason in errbuf); fn's negative result when it undid itself. */
#define GROUPCOMMIT_FAILED (-1000)
int groupcommit_run(struct groupcommit *g, groupcommit_fn fn, void *arg, char *errbuf,
                    size_t errlen);

/* The same without waiting: done(rc, err, done_arg) is called on the writer
 * thread once the transaction holding the unit committed or failed (rc as
 * groupcommit_run returns it; err a sentence when it failed, else ""). For
 * servers that park the request meanwhile (libmicrohttpd's suspend/resume).
 * Returns 0, or -1 when stopping (done is then not called). */
typedef void (*groupcommit_done)(int rc, const char *err, void *done_arg);
int groupcommit_submit(struct groupcommit *g, groupcommit_fn fn, void *arg,
                       groupcommit_done done, void *done_arg);

/* Called on the writer thread after each transaction (never for a serial
 * queue): the units it held, its time from begin to commit (or to the
 * failure) in seconds, and whether it failed; sms-webhookd's /metrics. Set
 * it before the first unit is handed in. */
typedef void (*groupcommit_observer)(size_t units, double seconds, int failed);
void groupcommit_observe(struct groupcommit *g, groupcommit_observer fn);

/* Figures since start, for the log at exit: units, transactions. */
void groupcommit_counts(struct groupcommit *g, unsigned long long *units,
                        unsigned long long *commits);

#endif
