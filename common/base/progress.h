/* progress — when a batch program shows its progress line on stderr: not in
 * the first second (a short run shows none), then at most every 250 ms, and a
 * final one, ending the line, only when a line was shown. The caller decides
 * whether there is a line at all (a terminal) and prints it. */
#ifndef SMSKIT_PROGRESS_H
#define SMSKIT_PROGRESS_H

struct progress {
	int       on;
	long long started_us, last_us;
};

/* Starts the clock; on 0: the line is never due. */
void progress_start(struct progress *p, int on);

/* 1 when the caller should print the line now (final: the closing one). */
int progress_due(struct progress *p, int final);

/* Seconds from progress_start to the line now due, for a rate. */
double progress_secs(const struct progress *p);

#endif
