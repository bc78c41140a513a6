/* sender_int — the send engine's own state, shared by its two files: sender.c
 * (requests from input: checked, sent, answers stored) and sender_queue.c (the
 * approved queue of sms-send --approved: claimed, recovered from dead
 * senders). Not for other modules: they use sender.h. */
#ifndef SMSKIT_SENDER_INT_H
#define SMSKIT_SENDER_INT_H

#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "http.h"
#include "policy.h"
#include "progress.h"
#include "recovery.h"
#include "sender.h"
#include "lease.h"

struct job {
	struct sender  *s;
	cJSON          *rec;
	int             done;
	int64_t         id;
	struct outbound ob;
	money_t         estimate;
	time_t          send_at;     /* the request's, or 0 */
	struct job     *next_ready;  /* in the ready queue, then in a batch */
	struct send_result res;      /* the provider's answer, once it came */
	struct job     *next_done;   /* answered, waiting to be stored */
	int             claimed;     /* taken from the approved queue: already `sending` */
	/* The answer as the store is to record it (store_msg_set_status's
	 * arguments), and how far that got. */
	const char     *status;
	cJSON          *fields;
	int             stored;      /* ANS_* */
	char            store_err[256];
};

/* An answer's way into the store. */
enum {
	ANS_NEW,      /* not written yet, or written in a transaction that failed */
	ANS_WRITTEN,  /* written in the open transaction */
	ANS_STORED,   /* committed */
	ANS_LOST,     /* the store refuses it for good (its provider id is another's) */
};

struct sender {
	const struct sms_config  *cfg;
	struct store             *st;
	struct provider          *prov;
	const struct price_table *prices;
	struct sender_options     o;
	struct http_client       *http;
	const char               *region;
	struct clock_window       quiet;
	char                      quiet_spec[32];
	money_t                   daily_cap, monthly_cap; /* < 0: none */
	int                       require_consent; /* SMS_REQUIRE_CONSENT=on */
	char                     *status_callback;
	char                      claimer[64];
	char                      host[32];
	struct lease              lease;   /* on what it claims (lease.h) */
	time_t                    next_recover; /* when to look for dead senders' claims again */
	char                      queue_wait[512]; /* why the approved queue stopped */
	struct recovery          *rcv;  /* answers the store could not record */

	struct job **ring;         /* jobs in input order, from head */
	size_t       head, tail, cap;
	struct job  *ready, *ready_last; /* validated, waiting for a request slot */
	struct job  *answered;     /* answered, to be stored in the next batch */
	size_t       inflight;
	long long    next_ok_us;   /* --rate: earliest start of the next request */
	int          halt;         /* 77 or 69: stop making requests */
	int          exit_hint;
	size_t       nsent, nfailed, next_trim;
	struct progress pace;
};

/* Queues a validated job for a request slot, in input order. */
void sender_push_job(struct sender *s, struct job *j);
/* Keeps the graver of the batch's exit hints (rec_exit_graver). */
void sender_hint(struct sender *s, int code);
/* sms-send(1): a request with reply_to answers that received message. 0 when rec
 * has none or it names an inbound message (then reply_to is set to the id as
 * a number); -1 with *code and a sentence when it names another message or
 * none; -2 when the store could not tell (store_error). */
int sender_reply_target(struct sender *s, cJSON *rec, const char **code, char *msg,
                        size_t msglen);
/* What j's channel requires before a request (smskit-whatsapp(7)): a provider
 * that carries it (not_supported), a sender (invalid_from), and on WhatsApp a
 * free-form message only inside the 24-hour window (outside_window, with when
 * it closed and what to do). 0; -1 with *code and a sentence in msg; -2 when
 * the store could not tell (store_error). */
int sender_channel_rules(struct sender *s, struct job *j, const char **code, char *msg,
                         size_t msglen);
/* The sender j goes from: its own, else the provider's for its channel. */
const char *sender_from(const struct sender *s, const struct job *j);
/* Inside the caller's transaction: would this estimate cross a cap? */
int sender_over_cap(struct sender *s, struct job *j, char *msg, size_t msglen);
/* A job answered (by the provider, or without it): to be stored in the next
 * batch. */
void sender_answered(struct job *j);
/* A job validated and priced: waits for a request slot, in input order. */
void sender_ready(struct sender *s, struct job *j);

#endif
