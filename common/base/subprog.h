/* subprog — runs another smskit program as a child: the one installed next to
 * the running program (its /proc/self/exe directory), else the one on PATH,
 * with input on its stdin and its stdout collected. So that a program that
 * must not load libcurl (sms-webhookd, whose CGI mode starts once per
 * request) can still have something sent: it asks sms-send. */
#ifndef SMSKIT_SUBPROG_H
#define SMSKIT_SUBPROG_H

#include <stddef.h>

/* Runs name with args (argv[1..], NULL-terminated) and input on stdin; waits.
 * Returns its stdout (malloc'd, NUL-terminated) with *status its exit status,
 * or NULL with a sentence in err when it could not run or was killed. Its
 * stderr is ours. */
char *subprog_run(const char *name, const char *const *args, const char *input, int *status,
                  char *err, size_t errlen);

/* The same for the program at path (looked up on PATH when it holds no '/'),
 * with the environment envp instead of ours: as a web server runs a CGI
 * program. */
char *subprog_run_env(const char *path, const char *const *args, char *const *envp,
                      const char *input, int *status, char *err, size_t errlen);

#endif
