/* progress — the pace of a progress line; see progress.h. */
#include "progress.h"

#include "clock.h"

void progress_start(struct progress *p, int on)
{
	p->on = on;
	p->started_us = p->last_us = clock_us();
}

int progress_due(struct progress *p, int final)
{
	if (!p->on)
		return 0;
	long long now = clock_us();
	if (final ? p->last_us == p->started_us
	          : now - p->started_us < 1000000 || now - p->last_us < 250000)
		return 0;
	p->last_us = now;
	return 1;
}

double progress_secs(const struct progress *p)
{
	return (double)(p->last_us - p->started_us) / 1e6;
}
