/* cli — the frame every program's main() stands in: its options read from one
 * table (getopt_long's, with the program's own handler per option; --help and
 * --version answered here, the same way in every program) and the end of its
 * output (a write error on stdout said and exited with the same way
 * everywhere: smskit(7), EXIT STATUS). Programs whose first word is a verb
 * (verbs.h) use the same table. Owns no state of its own: getopt's optind,
 * reset on each call. */
#ifndef SMSKIT_CLI_H
#define SMSKIT_CLI_H

#include <getopt.h>
#include <stdio.h>

/* The value a long option table gives --version ('h' is --help). */
#define CLI_VERSION 'V'

/* The end of every program's long option table: --help, --version and the
 * terminator. */
#define CLI_HELP_VERSION                                                             \
	{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, CLI_VERSION}, \
		{NULL, 0, NULL, 0}

/* A program's command line. */
struct cli {
	const char          *prog;      /* for --version: "sms-send 0.1.0" */
	void (*usage)(FILE *fp);
	const char          *shortopts; /* getopt_long's; 'h' is -h */
	const struct option *longopts;
	/* Stores option ch (any but 'h', CLI_VERSION and '?') with its argument in
	 * opts. Returns 0, or the exit code (EX_USAGE) after saying why. */
	int (*option)(void *opts, int ch, const char *arg);
};

/* cli_parse's return when the program goes on. */
#define CLI_GO_ON (-1)

/* Reads the options of argv (getopt's own complaints, then the usage on
 * stderr, for an unknown option or a missing argument). Returns CLI_GO_ON with
 * optind at the first operand; else the exit code for main to return at once:
 * 0 after --help or --version, EX_USAGE, or the handler's code. */
int cli_parse(const struct cli *c, int argc, char **argv, void *opts);

/* --help and --version: 1 when ch was one of them (and answered), else 0. */
int cli_builtin(const char *prog, void (*usage)(FILE *fp), int ch);

/* The end of a program that wrote stdout: flushes it; on a write error says
 * "write error on stdout" and returns EX_IOERR, else rc. */
int cli_exit(int rc);

#endif
