/* verbs — verb-then-options command lines through getopt_long. See verbs.h. */
#include "verbs.h"

#include <string.h>
#include <sysexits.h>

#include "util.h"

/* The word getopt_long just refused. A long option is the element it stepped
 * past (optopt 0 when unknown, else the option's value); a short one is
 * optopt, since within "-xy" optind has not moved past the element yet. */
static const char *refused(const struct verb_cli *cli, char **argv, char buf[3])
{
	const char *w = optind > 0 ? argv[optind - 1] : NULL;
	if (w && strncmp(w, "--", 2) == 0) {
		if (optopt == 0)
			return w;
		size_t n = strcspn(w + 2, "="); /* as given: perhaps abbreviated */
		for (const struct option *o = cli->cli.longopts; o->name; o++)
			if (o->val == optopt && n > 0 && strncmp(o->name, w + 2, n) == 0)
				return w;
	}
	if (optopt == 0)
		return w ? w : "?";
	buf[0] = '-';
	buf[1] = (char)optopt;
	buf[2] = '\0';
	return buf;
}

/* getopt_long over argv from optind on: 0 at the end, -1 after --help or
 * --version, else EX_USAGE. Its complaints are worded here (opterr off, ':'
 * first in the option string), the same before the verb and after it, where
 * getopt's own would name the verb as the program. */
static int options(const struct verb_cli *cli, int argc, char **argv, void *opts,
                   int permute)
{
	char optstring[64], buf[3];
	/* cli->cli.shortopts is "+...": "+:..." stops at the first word that is not
	 * an option, ":..." lets getopt permute. */
	snprintf(optstring, sizeof optstring, "%s:%s", permute ? "" : "+", cli->cli.shortopts + 1);
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, optstring, cli->cli.longopts, NULL)) != -1) {
		if (cli_builtin(cli->cli.prog, cli->cli.usage, ch))
			return -1;
		switch (ch) {
		case ':':
			warnmsg("%s needs an argument", refused(cli, argv, buf));
			cli->cli.usage(stderr);
			return EX_USAGE;
		case '?': {
			const char *w = refused(cli, argv, buf);
			if (optopt != 0 && strchr(w, '='))
				warnmsg("%.*s takes no argument", (int)strcspn(w, "="), w);
			else
				warnmsg("unknown option: %s", w);
			cli->cli.usage(stderr);
			return EX_USAGE;
		}
		default: {
			int rc = cli->cli.option(opts, ch, optarg);
			if (rc)
				return rc;
			break;
		}
		}
	}
	return 0;
}

static int find(const struct verb_cli *cli, const char *word, size_t *verb)
{
	for (size_t v = 0; v < cli->nverbs; v++) {
		const struct verb_def *e = &cli->verbs[v];
		if (strcmp(word, e->name) == 0 || (e->alias && strcmp(word, e->alias) == 0)) {
			*verb = v;
			return 0;
		}
	}
	return -1;
}

/* "unknown command `bogus`: add, list, rm or check": the names, not the aliases. */
static void unknown(const struct verb_cli *cli, const char *word)
{
	struct strbuf b;
	strbuf_init(&b);
	for (size_t v = 0; v < cli->nverbs; v++) {
		if (v)
			strbuf_puts(&b, v + 1 == cli->nverbs ? " or " : ", ");
		strbuf_puts(&b, cli->verbs[v].name);
	}
	warnmsg("unknown command `%s`: %s", word, b.s ? b.s : "");
	strbuf_free(&b);
}

int verbs_parse(const struct verb_cli *cli, int argc, char **argv, void *opts,
                struct verb_args *a)
{
	optind = 0;
	int r = options(cli, argc, argv, opts, 0);
	if (r)
		return r < 0 ? 0 : r;
	if (optind >= argc) {
		cli->cli.usage(stderr);
		return EX_USAGE;
	}
	const char *word = argv[optind++];
	/* Options may also follow the verb, before or after its arguments: getopt
	 * starts afresh (optind 0) on the words after the verb, the verb standing in
	 * for argv[0], so that it permutes them (without the '+'; with it, for
	 * free_text_args, it stops at the first argument). */
	int vi = optind - 1;
	optind = 0;
	r = options(cli, argc - vi, argv + vi, opts, !cli->free_text_args);
	if (r)
		return r < 0 ? 0 : r;
	if (find(cli, word, &a->verb) != 0) {
		unknown(cli, word);
		return EX_USAGE;
	}
	a->nargs = argc - vi - optind;
	a->args = argv + vi + optind;
	return VERBS_GO_ON;
}
