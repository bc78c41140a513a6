/* stage_stream — stage_stream() of stage.h: reading, checking and printing
 * records (the caller's thread, with its own connection for reading) overlap
 * with storing them (a store thread that alone writes): batches go round a
 * ring of NSLOTS, each one FILLING -> QUEUED -> STORED -> printed -> FILLING.
 * Apart from stage.c because it alone knows threads. */
#include "batch.h"
#include "stage.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define NSLOTS 3
enum { FILLING, QUEUED, STORED };

struct slot {
	struct stage_item items[BATCH_RECORDS];
	size_t      n;
	int         state;
};

struct pipeline {
	struct stage   *sg;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	struct slot     slots[NSLOTS];
	int             quit;
};

static void *store_thread(void *arg)
{
	struct pipeline *pl = arg;
	size_t next = 0;
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		struct slot *sl = &pl->slots[next];
		while (sl->state != QUEUED && !pl->quit)
			pthread_cond_wait(&pl->cv, &pl->mu);
		if (sl->state != QUEUED)
			break;
		pthread_mutex_unlock(&pl->mu);
		stage_store_batch(pl->sg, sl->items, sl->n);
		pthread_mutex_lock(&pl->mu);
		sl->state = STORED;
		pthread_cond_broadcast(&pl->cv);
		next = (next + 1) % NSLOTS;
	}
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

/* Waits until slot i is stored, then prints it and frees it for filling. */
static void drain_slot(struct pipeline *pl, size_t i)
{
	struct slot *sl = &pl->slots[i];
	pthread_mutex_lock(&pl->mu);
	while (sl->state != STORED)
		pthread_cond_wait(&pl->cv, &pl->mu);
	pthread_mutex_unlock(&pl->mu);
	stage_emit_batch(pl->sg, sl->items, sl->n);
	sl->n = 0;
	sl->state = FILLING;
}

static int slot_stored(struct pipeline *pl, size_t i)
{
	pthread_mutex_lock(&pl->mu);
	int done = pl->slots[i].state == STORED;
	pthread_mutex_unlock(&pl->mu);
	return done;
}

/* Fills slot i from the input: up to a batch, or what is there without
 * waiting once it holds a record (*cut). */
static void fill_slot(struct stage *sg, struct rec_in *in, struct slot *sl, int *eof, int *cut)
{
	while (sl->n < BATCH_RECORDS) {
		if (sl->n > 0 && !batch_input_ready(in->fp)) {
			*cut = 1;
			return;
		}
		cJSON *rec, *bad;
		if (!rec_next(in, &rec, &bad)) {
			*eof = 1;
			return;
		}
		sl->items[sl->n].rec = rec ? rec : bad;
		stage_prepare(sg, &sl->items[sl->n++]);
	}
}

int stage_stream(struct stage *sg, struct rec_in *in)
{
	struct pipeline *pl = xcalloc(1, sizeof *pl);
	pl->sg = sg;
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->cv, NULL);
	pthread_t tid;
	int e = pthread_create(&tid, NULL, store_thread, pl);
	if (e != 0) {
		errno = e;
		pthread_cond_destroy(&pl->cv);
		pthread_mutex_destroy(&pl->mu);
		free(pl);
		return -1;
	}
	size_t head = 0, tail = 0, inflight = 0; /* oldest unprinted slot, next to fill */
	int eof = 0;
	while (!eof) {
		if (inflight == NSLOTS) {
			drain_slot(pl, head);
			head = (head + 1) % NSLOTS;
			inflight--;
		}
		struct slot *sl = &pl->slots[tail];
		int cut = 0;
		fill_slot(sg, in, sl, &eof, &cut);
		if (sl->n) {
			pthread_mutex_lock(&pl->mu);
			sl->state = QUEUED;
			pthread_cond_broadcast(&pl->cv);
			pthread_mutex_unlock(&pl->mu);
			tail = (tail + 1) % NSLOTS;
			inflight++;
		}
		while (inflight && slot_stored(pl, head)) {
			drain_slot(pl, head);
			head = (head + 1) % NSLOTS;
			inflight--;
		}
		if (cut) {
			/* The producer is slower than we are: print what we have now
			 * rather than when the next records come. */
			for (; inflight; inflight--, head = (head + 1) % NSLOTS)
				drain_slot(pl, head);
			fflush(sg->out->fp);
		}
	}
	for (; inflight; inflight--, head = (head + 1) % NSLOTS)
		drain_slot(pl, head);
	pthread_mutex_lock(&pl->mu);
	pl->quit = 1;
	pthread_cond_broadcast(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
	pthread_join(tid, NULL);
	pthread_cond_destroy(&pl->cv);
	pthread_mutex_destroy(&pl->mu);
	free(pl);
	return 0;
}
