/* hook — SMS_ON_RECEIVE and SMS_ON_STATUS (sms-config(5)): a command run through
 * /bin/sh after a webhook is stored, with the record as one NDJSON line on its
 * stdin, its stdout discarded and its stderr the daemon's. It never delays the
 * webhook's answer: the daemon queues hooks to a thread of their own, CGI runs
 * them after the response is written. Failures are logged, never retried. */
#ifndef SMSKIT_HOOK_H
#define SMSKIT_HOOK_H

#include <stddef.h>

/* Runs cmd with line on stdin and waits at most timeout_s seconds (then
 * kills it). Returns its exit status, or -1 (logged) when it could not run,
 * was killed or failed. */
int hook_run(const char *cmd, const char *line, int timeout_s);

/* The same in a detached grandchild, returning at once: for CGI, where some
 * servers (Apache, fcgiwrap) finish the response only when the program exits
 * and its stderr closes. The hook's stderr, and its failures, go to syslog. */
void hook_run_detached(const char *cmd, const char *line, int timeout_s);

struct hookq;
/* A queue of hooks run one after another by a thread of their own; at most
 * max waiting (more are dropped, with a log line). NULL if no thread. */
struct hookq *hookq_start(size_t max, int timeout_s);
/* Hands over line (malloc'd; the queue frees it). cmd must outlive the queue. */
void hookq_push(struct hookq *q, const char *cmd, char *line);
/* How many wait to run. */
size_t hookq_waiting(struct hookq *q);
/* Hooks that failed (exit status not 0), could not run, were killed, or were
 * dropped from a full queue, since the start (sms-webhookd's /metrics). */
unsigned long long hookq_failures(struct hookq *q);
/* Runs what is queued, then stops the thread. */
void hookq_stop(struct hookq *q);

#endif
