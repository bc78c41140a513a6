/* stage — staging outbound messages for review (sms-stage(1)): a request
 * checked and priced as sms-send would check it, plus what staging adds
 * (priority, send_at, notes, ref, reply_to), made the pending row with its
 * warnings (segments, cost, quiet hours, opt-out); rows stored a batch per
 * transaction, read back and printed in input order; the staged record as
 * text. stage_stream.c overlaps reading a stream with storing it. All state is
 * the caller's struct stage. */
#ifndef SMSKIT_STAGE_H
#define SMSKIT_STAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "clock.h"
#include "price.h"
#include "progress.h"
#include "records.h"
#include "store.h"

struct stage {
	/* Set by the caller (the rest zero), then stage_start(). */
	struct store             *st;     /* writes: the store thread's */
	struct store             *reader; /* reads: this thread's (st without a thread) */
	const struct price_table *prices;
	const char               *region, *provider; /* SMS_DEFAULT_COUNTRY, SMS_PROVIDER */
	struct clock_window       quiet;             /* SMS_QUIET_HOURS */
	const char               *from, *priority, *notes, *send_at, *purpose; /* what a
	                                          * record leaves out */
	const char               *tag;  /* the conversation state it sets (sms-auto(1)) */
	int                       require_consent; /* SMS_REQUIRE_CONSENT=on */
	struct rec_out           *out;
	int                       progress; /* a progress line on stderr */
	/* Set here: 1 once a store error failed a record that may stage later
	 * (exit EX_TEMPFAIL). */
	int                       tempfail;
	/* stage's own. */
	size_t                    nstaged, nfailed;
	struct progress           pace;
};

/* Starts the clock of the progress line. */
void stage_start(struct stage *sg);

/* Stages one record (the caller's; printed and freed): checked, stored,
 * printed as the store holds it or as an error record. */
void stage_one(struct stage *sg, cJSON *rec);

/* Stages every record of in, in order: reading, checking and printing on
 * this thread (through sg->reader), storing on a thread of its own (through
 * sg->st), a batch at a time. Returns -1 with errno when that thread could
 * not start (then nothing was read), else 0. */
int stage_stream(struct stage *sg, struct rec_in *in);

/* Ends the progress line, when there is one. */
void stage_finish(struct stage *sg);

/* 1 for urgent, high, normal or low. */
int stage_priority_valid(const char *s);

/* -o text: a staged message with its warnings, or FAILED with the error. */
void stage_print_text(FILE *fp, const cJSON *rec, void *arg);

/* ---- Batches: what stage_one() and stage_stream() are made of ---------------- */

struct stage_item {
	cJSON  *rec; /* the caller's record; the output */
	cJSON  *row; /* what to store; NULL once rec is finished (failed) */
	int64_t id;  /* once stored */
};

/* Checks and prices it->rec and builds it->row; on failure rec becomes an
 * error record and row stays NULL. Reads the store (sg->reader) only to find
 * the message a reply answers and, for a free-form WhatsApp message, the
 * state of its 24-hour window (a warning). */
void stage_prepare(struct stage *sg, struct stage_item *it);

/* Stores the prepared rows of items in one transaction (sg->st), checking
 * each recipient's opt-out inside it. */
void stage_store_batch(struct stage *sg, struct stage_item *items, size_t n);

/* Prints items in order, each stored one read back (sg->reader), and clears
 * them for reuse. Only this thread parses JSON: cJSON's parser keeps its
 * error position in a global. */
void stage_emit_batch(struct stage *sg, struct stage_item *items, size_t n);

#endif
