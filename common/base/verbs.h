/* verbs — the command line of a program whose first word is a verb (sms-auto
 * add --trigger ..., sms-optout rm NUMBER): the program's option table
 * (cli.h's, with its --help and --version) before and after the verb, the
 * verb found in the program's table. Owns no state of its own: getopt's
 * optind and opterr, reset on each call. */
#ifndef SMSKIT_VERBS_H
#define SMSKIT_VERBS_H

#include <stddef.h>

#include "cli.h"

/* A verb and what runs it: run(ctx, nargs, args) with the words left after the
 * options, returning the exit code. */
struct verb_def {
	const char *name;
	const char *alias; /* another name for it, or NULL */
	int (*run)(void *ctx, int nargs, char **args);
};

/* A program's command line. */
struct verb_cli {
	/* The options: cli.shortopts starts with '+' (getopt stops at the verb);
	 * cli.option may return EX_USAGE after saying why. */
	struct cli             cli;
	const struct verb_def *verbs;     /* in the order the error message lists them */
	size_t                 nverbs;
	/* The verbs' arguments are free text (a template body: "-20% off"):
	 * options after the verb come before them, and the first argument ends
	 * the options. Otherwise options may also follow the arguments. */
	int                    free_text_args;
};

/* What verbs_parse found: the verb and the words left after the options. */
struct verb_args {
	size_t verb;  /* its index in cli->verbs */
	int    nargs;
	char **args;
};

/* verbs_parse's return when the program goes on to run the verb. */
#define VERBS_GO_ON (-1)

/* Parses argv: options, then the verb, then options and arguments in any order
 * (with free_text_args: options, then arguments).
 * Returns VERBS_GO_ON with *a filled in; else the exit code for main to return
 * at once: 0 after --help or --version, EX_USAGE with the complaint already on
 * stderr. A missing verb gets the usage, an unknown one "unknown command
 * `WORD`: add, list or rm" from the table; but an option after the verb is
 * acted on first, so that `prog WORD --help` helps. */
int verbs_parse(const struct verb_cli *cli, int argc, char **argv, void *opts,
                struct verb_args *a);

#endif
