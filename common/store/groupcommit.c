/* groupcommit — one writer thread, one transaction per batch; see groupcommit.h. */
#include "groupcommit.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct unit {
	groupcommit_fn      fn;
	void               *arg;
	int                 rc;
	int                 done;
	char               *err;
	size_t              errlen;
	groupcommit_done    on_done;   /* set: an asynchronous unit, malloc'd */
	void               *done_arg;
	struct unit        *next;
};

struct groupcommit {
	struct store      *st;
	size_t             max_batch;
	int                serial;  /* no transactions: see groupcommit_start_serial */
	groupcommit_observer observe; /* or NULL */
	pthread_t          thread;
	pthread_mutex_t    mu;
	pthread_cond_t     work;   /* the writer waits for units */
	pthread_cond_t     done;   /* callers wait for their unit's commit */
	struct unit       *head, **tail;
	int                stopping;
	unsigned long long units, commits;
};

/* Every unit of batch answered: rc (GROUPCOMMIT_FAILED for all when the
 * transaction failed), asynchronous ones called back, waiting ones woken. */
static void finish_batch(struct groupcommit *g, struct unit *batch, int failed, const char *why)
{
	size_t n = 0;
	for (struct unit *u = batch; u; u = u->next)
		n++;
	pthread_mutex_lock(&g->mu);
	g->units += n;
	pthread_mutex_unlock(&g->mu);
	/* Asynchronous units are answered first, outside the lock; the waiting
	 * ones are woken together below. */
	int waiters = 0;
	struct unit **up = &batch;
	while (*up) {
		struct unit *u = *up;
		if (failed)
			u->rc = GROUPCOMMIT_FAILED;
		if (!u->on_done) {
			waiters = 1;
			up = &u->next;
			continue;
		}
		*up = u->next;
		u->on_done(u->rc, failed ? (why[0] ? why : "the store refused the write") : "",
		           u->done_arg);
		free(u);
	}
	pthread_mutex_lock(&g->mu);
	g->commits += !failed;
	for (struct unit *u = batch; u; u = u->next) {
		if (failed && u->errlen)
			snprintf(u->err, u->errlen, "%s", why[0] ? why : "the store refused the write");
		u->done = 1;
	}
	if (waiters)
		pthread_cond_broadcast(&g->done);
	pthread_mutex_unlock(&g->mu);
}

/* One transaction over the units of batch (a list), then every rc set. */
static void run_batch(struct groupcommit *g, struct unit *batch)
{
	struct store *st = g->st;
	if (g->serial) {
		for (struct unit *u = batch; u; u = u->next)
			u->rc = u->fn(st, u->arg);
		finish_batch(g, batch, 0, "");
		return;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int failed = store_begin_immediate(st) != STORE_OK;
	char why[256] = "";
	if (failed)
		snprintf(why, sizeof why, "%s", store_errmsg(st));
	for (struct unit *u = batch; u && !failed; u = u->next) {
		if (store_savepoint(st) != STORE_OK) {
			failed = 1;
			snprintf(why, sizeof why, "%s", store_errmsg(st));
			break;
		}
		u->rc = u->fn(st, u->arg);
		if (u->rc < 0 ? store_savepoint_rollback(st) : store_savepoint_release(st)) {
			failed = 1;
			snprintf(why, sizeof why, "%s", store_errmsg(st));
		}
	}
	if (!failed && store_commit(st) != STORE_OK) {
		failed = 1;
		snprintf(why, sizeof why, "%s", store_errmsg(st));
	}
	if (failed)
		store_rollback(st);
	if (g->observe) {
		size_t n = 0;
		for (struct unit *u = batch; u; u = u->next)
			n++;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		g->observe(n, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		           failed);
	}
	finish_batch(g, batch, failed, why);
}

static void *writer(void *arg)
{
	struct groupcommit *g = arg;
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->head && !g->stopping)
			pthread_cond_wait(&g->work, &g->mu);
		if (!g->head)
			break;
		/* Take up to max_batch units off the queue; later ones wait for the
		 * next transaction, which they will share with whatever arrives
		 * while this one commits. */
		struct unit *batch = g->head, *last = batch;
		for (size_t n = 1; n < g->max_batch && last->next; n++)
			last = last->next;
		g->head = last->next;
		if (!g->head)
			g->tail = &g->head;
		last->next = NULL;
		pthread_mutex_unlock(&g->mu);
		run_batch(g, batch);
		pthread_mutex_lock(&g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

static struct groupcommit *start(struct store *st, size_t max_batch, int serial)
{
	struct groupcommit *g = xcalloc(1, sizeof *g);
	g->st = st;
	g->serial = serial;
	g->max_batch = max_batch ? max_batch : 1;
	g->tail = &g->head;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->work, NULL);
	pthread_cond_init(&g->done, NULL);
	if (pthread_create(&g->thread, NULL, writer, g) != 0) {
		pthread_mutex_destroy(&g->mu);
		pthread_cond_destroy(&g->work);
		pthread_cond_destroy(&g->done);
		free(g);
		return NULL;
	}
	return g;
}

struct groupcommit *groupcommit_start(struct store *st, size_t max_batch)
{
	return start(st, max_batch, 0);
}

struct groupcommit *groupcommit_start_serial(struct store *st)
{
	return start(st, 1, 1);
}

void groupcommit_stop(struct groupcommit *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->stopping = 1;
	pthread_cond_signal(&g->work);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->work);
	pthread_cond_destroy(&g->done);
	free(g);
}

int groupcommit_run(struct groupcommit *g, groupcommit_fn fn, void *arg, char *errbuf,
                    size_t errlen)
{
	struct unit *u = xcalloc(1, sizeof *u);
	u->fn = fn;
	u->arg = arg;
	u->err = errbuf;
	u->errlen = errlen;
	if (errlen)
		errbuf[0] = '\0';
	pthread_mutex_lock(&g->mu);
	if (g->stopping) {
		pthread_mutex_unlock(&g->mu);
		free(u);
		if (errlen)
			snprintf(errbuf, errlen, "shutting down");
		return GROUPCOMMIT_FAILED;
	}
	*g->tail = u;
	g->tail = &u->next;
	pthread_cond_signal(&g->work);
	while (!u->done)
		pthread_cond_wait(&g->done, &g->mu);
	pthread_mutex_unlock(&g->mu);
	int rc = u->rc;
	free(u);
	return rc;
}

int groupcommit_submit(struct groupcommit *g, groupcommit_fn fn, void *arg,
                       groupcommit_done done, void *done_arg)
{
	struct unit *u = xcalloc(1, sizeof *u);
	u->fn = fn;
	u->arg = arg;
	u->on_done = done;
	u->done_arg = done_arg;
	pthread_mutex_lock(&g->mu);
	if (g->stopping) {
		pthread_mutex_unlock(&g->mu);
		free(u);
		return -1;
	}
	*g->tail = u;
	g->tail = &u->next;
	pthread_cond_signal(&g->work);
	pthread_mutex_unlock(&g->mu);
	return 0;
}

void groupcommit_counts(struct groupcommit *g, unsigned long long *units,
                        unsigned long long *commits)
{
	pthread_mutex_lock(&g->mu);
	*units = g->units;
	*commits = g->commits;
	pthread_mutex_unlock(&g->mu);
}

void groupcommit_observe(struct groupcommit *g, groupcommit_observer fn)
{
	pthread_mutex_lock(&g->mu);
	g->observe = fn;
	pthread_mutex_unlock(&g->mu);
}
