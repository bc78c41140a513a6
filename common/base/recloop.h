/* recloop — the loop of a record-processing program (smskit(7), Records): read
 * records from a stream, hand each to the program's worker, emit it, and
 * choose the exit code by the worst record (smskit(7), EXIT STATUS). A short
 * main() opens what it needs and hands its worker to rec_loop(). Owns no
 * state. */
#ifndef SMSKIT_RECLOOP_H
#define SMSKIT_RECLOOP_H

#include <stdio.h>
#include <cjson/cJSON.h>

#include "records.h"

/* Fills in or fails rec (emitted after it returns); in is the stream it came
 * from (its text: rec_in_raw()), NULL for one made by rec_one(). Returns 0,
 * or an exit hint: see the flags. */
typedef int (*rec_worker)(cJSON *rec, const struct rec_in *in, void *arg);

/* A hint stops the loop at that record and is the exit code: a failure that
 * dooms the rest (the store gone). Without it, hints are graver-kept
 * (rec_exit_graver) and the batch goes on. */
#define REC_LOOP_HARD  0x1u
/* Each result flushed as it comes, for a reader at the other end of a pipe. */
#define REC_LOOP_FLUSH 0x2u

/* Records from fp through work to out; bad lines are emitted as their error
 * records. Returns the exit code: with REC_LOOP_HARD the hint when one came,
 * else rec_exit_code(); without it the graver of rec_exit_code() and the
 * hints. */
int rec_loop(FILE *fp, struct rec_out *out, rec_worker work, void *arg, unsigned flags);

/* The same for one record the program made itself (from its arguments):
 * worked on, emitted; returns the worker's hint. */
int rec_one(cJSON *rec, struct rec_out *out, rec_worker work, void *arg);

#endif
