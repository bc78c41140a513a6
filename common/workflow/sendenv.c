/* sendenv — opening, feeding and closing what sending needs; see sendenv.h. */
#include "sendenv.h"
#include "util.h"

#include <string.h>
#include <sysexits.h>

int sendenv_open(struct sendenv *e, const struct sender_options *o)
{
	char err[512];
	memset(e, 0, sizeof *e);
	progenv_use_provider(&e->env);
	int rc = progenv_open_store(&e->env, PROGENV_PRICES | PROGENV_ZONE_LAST | PROGENV_BULK);
	if (rc)
		return rc;
	e->snd = sender_new(e->env.cfg, e->env.st, &e->env.prov, e->env.prices, o, err, sizeof err);
	if (!e->snd) {
		warnmsg("%s", err);
		return EX_CONFIG;
	}
	return 0;
}

void sendenv_close(struct sendenv *e)
{
	sender_free(e->snd);
	progenv_close(&e->env);
	memset(e, 0, sizeof *e);
}

static int add(struct sendenv *e, cJSON *rec, sendenv_prep prep, void *arg)
{
	int hint = prep ? prep(rec, arg) : 0;
	sender_add(e->snd, rec);
	return hint;
}

int sendenv_run(struct sendenv *e, cJSON *first, FILE *fp, struct rec_out *out,
                sendenv_prep prep, void *arg)
{
	struct sender *snd = e->snd;
	struct rec_in in;
	rec_in_init(&in, fp);
	int hint = 0, eof = first != NULL;
	if (first)
		hint = rec_exit_graver(hint, add(e, first, prep, arg));
	while (!eof || sender_pending(snd)) {
		while (!eof && sender_wants_more(snd)) {
			cJSON *rec, *bad;
			if (!rec_next(&in, &rec, &bad)) {
				eof = 1;
				break;
			}
			if (rec)
				hint = rec_exit_graver(hint, add(e, rec, prep, arg));
			else
				sender_add(snd, bad);
		}
		sender_step(snd, 50);
		cJSON *done;
		while ((done = sender_pop(snd)) != NULL)
			rec_emit(out, done);
	}
	int rc = rec_exit_code(out, first ? NULL : &in);
	hint = rec_exit_graver(hint, sender_exit_hint(snd));
	rec_in_free(&in);
	return hint ? hint : rc;
}
