/* verbs — verb-then-options command lines through getopt_long. See verbs.h. */
#include "verbs.h"

#include <string.h>
#include <sysexits.h>

#include "util.h"

/* The word getopt_long just refused. A long option is the element it stepped
 * past (optopt 0 when unknown, else the option's value when its argument is
 * missing); a short one is optopt, since within "-xy" optind has not moved
 * past the element yet. */
static const char *refused(const struct verb_cli *cli, char **argv, char buf[3])
{
	const char *w = optind > 0 ? argv[optind - 1] : NULL;
	if (w && strncmp(w, "--", 2) == 0) {
		if (optopt == 0)
			return w;
		size_t n = strcspn(w + 2, "="); /* as given: perhaps abbreviated */
		for (const struct option *o = cli->longopts; o->name; o++)
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
 * --version, else EX_USAGE. getopt words its own complaints while opterr is
 * set; after the verb it is not (its argv[0] is the verb), so this does. */
static int options(const struct verb_cli *cli, int argc, char **argv, void *opts,
                   const char *shortopts)
{
	int ch;
	while ((ch = getopt_long(argc, argv, shortopts, cli->longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': cli->usage(stdout); return -1;
		case 'V': printf("%s %s\n", cli->prog, SMSKIT_VERSION); return -1;
		case '?':
			if (!opterr) {
				char buf[3];
				warnmsg("unknown option or missing argument: %s", refused(cli, argv, buf));
			}
			cli->usage(stderr);
			return EX_USAGE;
		default: cli->option(opts, ch, optarg); break;
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
	opterr = 1;
	int r = options(cli, argc, argv, opts, cli->shortopts);
	if (r)
		return r < 0 ? 0 : r;
	if (optind >= argc) {
		cli->usage(stderr);
		return EX_USAGE;
	}
	const char *word = argv[optind++];
	/* Options may also follow the verb, before or after its arguments: getopt
	 * starts afresh (optind 0) on the words after the verb, the verb standing in
	 * for argv[0], so that it permutes them (without the '+'; with it, for
	 * free_text_args, it stops at the first argument); it reports errors
	 * itself no more. */
	int vi = optind - 1;
	optind = 0;
	opterr = 0;
	r = options(cli, argc - vi, argv + vi, opts,
	            cli->free_text_args ? cli->shortopts : cli->shortopts + 1);
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
