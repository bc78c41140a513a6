/* cli — options from a table, --help, --version, stdout's end. See cli.h. */
#include "cli.h"

#include <sysexits.h>

#include "util.h"

int cli_builtin(const char *prog, void (*usage)(FILE *fp), int ch)
{
	if (ch == 'h') {
		usage(stdout);
		return 1;
	}
	if (ch == CLI_VERSION) {
		printf("%s %s\n", prog, SMSKIT_VERSION);
		return 1;
	}
	return 0;
}

int cli_parse(const struct cli *c, int argc, char **argv, void *opts)
{
	int ch;
	optind = 0;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, c->shortopts, c->longopts, NULL)) != -1) {
		if (cli_builtin(c->prog, c->usage, ch))
			return 0;
		if (ch == '?') {
			c->usage(stderr);
			return EX_USAGE;
		}
		int rc = c->option(opts, ch, optarg);
		if (rc)
			return rc;
	}
	return CLI_GO_ON;
}

int cli_exit(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnmsg("write error on stdout");
		return EX_IOERR;
	}
	return rc;
}
