/* recloop — read, work, emit, exit by the worst record. See recloop.h. */
#include "recloop.h"

static int one(cJSON *rec, const struct rec_in *in, struct rec_out *out, rec_worker work,
               void *arg)
{
	int hint = work(rec, in, arg);
	rec_emit(out, rec);
	return hint;
}

int rec_one(cJSON *rec, struct rec_out *out, rec_worker work, void *arg)
{
	return one(rec, NULL, out, work, arg);
}

int rec_loop(FILE *fp, struct rec_out *out, rec_worker work, void *arg, unsigned flags)
{
	struct rec_in in;
	rec_in_init(&in, fp);
	cJSON *rec, *bad;
	int hint = 0, hard = 0;
	while (!hard && rec_next(&in, &rec, &bad)) {
		if (bad) {
			rec_emit(out, bad);
			continue;
		}
		int h = one(rec, &in, out, work, arg);
		if (flags & REC_LOOP_HARD)
			hard = h;
		else
			hint = rec_exit_graver(hint, h);
		if (flags & REC_LOOP_FLUSH)
			fflush(out->fp);
	}
	int rc = hard ? hard : rec_exit_graver(rec_exit_code(out, &in), hint);
	rec_in_free(&in);
	return rc;
}
