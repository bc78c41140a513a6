/* sendenv — everything a sending program opens before its first record
 * (progenv.h: configuration, prices, the provider, the time zone, the store;
 * then the send engine), and the loop that feeds the engine records and emits
 * its results in input order. Used by sms-send and sms-reply (and anything
 * else that sends). */
#ifndef SMSKIT_SENDENV_H
#define SMSKIT_SENDENV_H

#include "progenv.h"
#include "records.h"
#include "sender.h"

struct sendenv {
	struct progenv env;
	struct sender *snd;
};

/* Opens all of it (the store with STORE_SYNC_NORMAL, as bulk senders do).
 * Returns 0, or the sysexits code to exit with after saying why on stderr:
 * 78 for a configuration that cannot work, 75 when the store stayed locked.
 * Whatever was opened is closed by sendenv_close() either way. */
int sendenv_open(struct sendenv *e, const struct sender_options *o);
void sendenv_close(struct sendenv *e);

/* Turns one request into what the engine sends, or fails it (rec_fail) for
 * the engine to hand back in its place; returns 0 or an exit hint. */
typedef int (*sendenv_prep)(cJSON *rec, void *arg);

/* Sends first (a request made from the arguments) or else every record of fp,
 * each through prep (NULL: as it is), the results emitted to out as they
 * finish, in input order. Returns the exit code: the graver of the hints
 * (prep's, the engine's) when there is one, else rec_exit_code(). */
int sendenv_run(struct sendenv *e, cJSON *first, FILE *fp, struct rec_out *out,
                sendenv_prep prep, void *arg);

#endif
