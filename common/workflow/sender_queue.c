/* sender_queue — the approved queue of sms-send --approved (sms-send(1)): what
 * dead senders held given back or failed, then messages claimed in order,
 * urgent first, for the engine of sender.c to send. See sender.h. */
#include "sender.h"
#include "sender_int.h"
#include "clock.h"
#include "consent.h"
#include "records.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dead {
	struct sender *s;
	int64_t       *ids;      /* requested: may have gone out */
	size_t         n, cap;
	int64_t       *idle;     /* claimed, never requested */
	size_t         nidle, capidle;
	char           who[96];
};

static void push_id(int64_t **v, size_t *n, size_t *cap, int64_t id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = id;
}

struct claim {
	int64_t id;
	int     requested;
	char    by[64];
};

struct claims {
	struct claim *v;
	size_t        n, cap;
};

/* Every claim first, the leases looked up after: a listing's callback must
 * not call back into the store. */
static int collect_claim(int64_t id, const char *by, int requested, void *arg)
{
	struct claims *c = arg;
	if (!by)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	struct claim *k = &c->v[c->n++];
	k->id = id;
	k->requested = requested;
	snprintf(k->by, sizeof k->by, "%s", by);
	return 0;
}

/* The claims of dead senders (lease_dead), sorted into d. -1 on a store error. */
static int collect_dead(struct sender *s, const struct claims *c, struct dead *d)
{
	time_t now = clock_now();
	char last[64] = "";
	int last_dead = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct claim *k = &c->v[i];
		if (strcmp(k->by, last) != 0) {
			last_dead = lease_dead(&s->lease, s->st, k->by, now);
			if (last_dead < 0)
				return -1;
			snprintf(last, sizeof last, "%s", k->by);
		}
		if (!last_dead)
			continue;
		if (k->requested)
			push_id(&d->ids, &d->n, &d->cap, k->id);
		else
			push_id(&d->idle, &d->nidle, &d->capidle, k->id);
		snprintf(d->who, sizeof d->who, "%s", k->by);
	}
	return 0;
}

/* Inside the caller's transaction: the claims never requested go back to the
 * queue; one the store refuses to give back (it was never approved) joins
 * the unknown ones. Returns how many went back. */
static size_t give_back(struct sender *s, struct dead *d)
{
	char reason[256];
	size_t back = 0;
	snprintf(reason, sizeof reason, "its sender (%s) died before making its request: not "
	         "sent; back in the approved queue", d->who);
	for (size_t i = 0; i < d->nidle; i++) {
		int rc = store_msg_unclaim(s->st, d->idle[i], reason);
		if (rc == STORE_OK)
			back++;
		else if (rc == STORE_REFUSED)
			push_id(&d->ids, &d->n, &d->cap, d->idle[i]);
		else
			warnmsg("store: message %lld: %s", (long long)d->idle[i], store_errmsg(s->st));
	}
	return back;
}

size_t sender_recover(struct sender *s)
{
	struct dead d = {.s = s};
	struct claims c = {0};
	s->next_recover = clock_now() + (s->lease.seconds + 1) / 2;
	if (store_claims(s->st, collect_claim, &c) != STORE_OK || collect_dead(s, &c, &d) != 0) {
		warnmsg("store: %s", store_errmsg(s->st));
		free(c.v);
		free(d.ids);
		free(d.idle);
		return 0;
	}
	free(c.v);
	size_t back = 0;
	if ((d.n || d.nidle) && store_begin_immediate(s->st) == STORE_OK) {
		back = give_back(s, &d);
		cJSON *fields = cJSON_CreateObject();
		char reason[256];
		snprintf(reason, sizeof reason,
		         "the sender died while sending it (%s): it may or may not have gone out; "
		         "sms-status --sync asks the provider, then resend by hand if needed", d.who);
		cJSON_AddStringToObject(fields, "reason", reason);
		for (size_t i = 0; i < d.n; i++)
			if (store_msg_set_status(s->st, d.ids[i], "unknown", fields, NULL) != STORE_OK)
				warnmsg("store: message %lld: %s", (long long)d.ids[i], store_errmsg(s->st));
		cJSON_Delete(fields);
		if (store_commit(s->st) != STORE_OK) {
			warnmsg("store: %s", store_errmsg(s->st));
			back = 0;
		} else {
			if (d.n)
				warnmsg("%zu message%s held by %s, a sender that died, marked unknown "
				        "(not resent; see sms-status --status unknown)", d.n,
				        d.n == 1 ? "" : "s", d.who);
			if (back)
				warnmsg("%zu message%s claimed by %s, a sender that died before requesting "
				        "them, back in the approved queue", back, back == 1 ? "" : "s",
				        d.who);
		}
	}
	free(d.ids);
	free(d.idle);
	return d.n + back;
}

const char *sender_queue_wait(const struct sender *s) { return s->queue_wait; }

/* A claimed message as a job: the stored record, checked again. */
/* A claimed message that cannot be sent after all: answered with the reason,
 * without a request, and stored as failed with the batch. */
static void refuse(struct job *j, const char *code, const char *msg)
{
	j->res.outcome = SEND_REJECTED;
	j->res.code = code;
	snprintf(j->res.message, sizeof j->res.message, "%s", msg);
	j->res.exit_hint = 1;
	sender_answered(j);
}

static void claimed_job(struct sender *s, int64_t id)
{
	cJSON *rec = NULL;
	struct job *j = xcalloc(1, sizeof *j);
	j->s = s;
	j->id = id;
	j->claimed = 1;
	if (store_msg_get(s->st, id, &rec) != STORE_OK)
		rec = cJSON_CreateObject();
	j->rec = rec;
	sender_push_job(s, j);
	const char *code;
	char msg[512];
	if (outbound_check(rec, s->region, &j->ob, &code, msg, sizeof msg) != 0 ||
	    sender_reply_target(s, rec, &code, msg, sizeof msg) == -1 ||
	    sender_channel_rules(s, j, &code, msg, sizeof msg) != 0) {
		refuse(j, code, msg);
		return;
	}
	j->estimate = outbound_estimate(&j->ob, s->prices);
	if (store_optout_check(s->st, j->ob.to) == 1) {
		snprintf(msg, sizeof msg, "%s opted out after it was approved; nothing sent", j->ob.to);
		refuse(j, "opted_out", msg);
		return;
	}
	/* Consent may have been withdrawn since it was staged. */
	int nc = consent_refused(s->st, s->require_consent, rec, j->ob.to, "nothing sent", msg,
	                         sizeof msg);
	if (nc != 0) {
		refuse(j, nc == 1 ? "no_consent" : "store_error", nc == 1 ? msg : store_errmsg(s->st));
		return;
	}
	sender_ready(s, j);
}

size_t sender_claim(struct sender *s)
{
	if (s->queue_wait[0] || s->halt)
		return 0;
	/* Claims of senders that died meanwhile, on any host, once their
	 * leases run out (lease.h): looked for every half lease. */
	if (clock_now() >= s->next_recover)
		sender_recover(s);
	size_t waiting = 0;
	for (const struct job *j = s->ready; j; j = j->next_ready)
		waiting++;
	size_t want = (size_t)s->o.concurrency * 2;
	if (waiting + s->inflight >= want)
		return 0;
	want -= waiting + s->inflight;

	char now[32];
	time_t t = clock_now(), end;
	clock_format(t, now, sizeof now);
	if (!s->o.ignore_quiet && clock_window_inside(&s->quiet, t, &end)) {
		char hhmm[8];
		size_t n = 0;
		clock_local_hhmm(end, hhmm);
		snprintf(s->queue_wait, sizeof s->queue_wait, "deferred to %s by quiet hours", hhmm);
		store_queue_note(s->st, now, s->queue_wait, &n);
		return 0;
	}
	if (store_begin_immediate(s->st) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(s->st));
		sender_hint(s, 75);
		return 0;
	}
	/* The lease first, in the claim's transaction: no claim without one. */
	if (lease_renew(&s->lease, s->st, 0) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(s->st));
		store_rollback(s->st);
		sender_hint(s, 75);
		return 0;
	}
	int64_t ids[2048];
	size_t n = 0, claimed = 0;
	if (want > sizeof ids / sizeof *ids)
		want = sizeof ids / sizeof *ids;
	if (store_queue_due(s->st, now, ids, want, &n) != STORE_OK)
		warnmsg("store: %s", store_errmsg(s->st));
	cJSON *claim = cJSON_CreateObject();
	cJSON_AddStringToObject(claim, "claimed_by", s->claimer);
	cJSON_AddStringToObject(claim, "provider", s->prov->name);
	for (size_t i = 0; i < n; i++) {
		/* The cap is checked on the stored estimate, in this transaction. */
		cJSON *rec = NULL;
		struct job probe = {.s = s};
		money_t est = 0;
		if (store_msg_get(s->st, ids[i], &rec) == STORE_OK) {
			const char *pe = rec_str(rec, "price_estimate");
			if (!pe || money_parse(pe, &est) != 0)
				est = 0;
		}
		cJSON_Delete(rec);
		probe.estimate = est;
		char msg[512];
		if (sender_over_cap(s, &probe, msg, sizeof msg)) {
			snprintf(s->queue_wait, sizeof s->queue_wait, "%s", msg);
			size_t noted;
			store_queue_note(s->st, now, msg, &noted);
			break;
		}
		if (store_msg_set_status(s->st, ids[i], "sending", claim, NULL) != STORE_OK) {
			warnmsg("store: message %lld: %s", (long long)ids[i], store_errmsg(s->st));
			continue;
		}
		ids[claimed++] = ids[i];
	}
	cJSON_Delete(claim);
	if (store_commit(s->st) != STORE_OK) {
		warnmsg("store: %s", store_errmsg(s->st));
		sender_hint(s, 75);
		return 0;
	}
	for (size_t i = 0; i < claimed; i++)
		claimed_job(s, ids[i]);
	return claimed;
}
