/* sms-store — the store's upkeep (sms-store(1)): backup, check, stats, export
 * and erase what is held about a number, prune old messages. The work is
 * maint.c's over store_maint.h; this reads the command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "maint.h"
#include "progenv.h"
#include "records.h"
#include "util.h"
#include "verbs.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-store backup [--force] FILE\n"
	      "       sms-store check\n"
	      "       sms-store stats\n"
	      "       sms-store export --number NUMBER\n"
	      "       sms-store erase --number NUMBER [--dry-run]\n"
	      "       sms-store prune --older-than AGE [--dry-run]\n"
	      "       sms-store migrate SQLITE_FILE\n"
	      "\n"
	      "The store's upkeep. backup copies the store to FILE while other programs\n"
	      "write; check runs the store's integrity and foreign key checks (exit 65 on a\n"
	      "problem); stats counts; export prints everything held about a number;\n"
	      "erase removes it, keeping the opt-out; prune removes messages older than\n"
	      "AGE (90d, 12w, 1y, a date) that are no longer in flight; migrate copies a\n"
	      "SQLite store into the PostgreSQL store SMS_DB names. SMS_DB names the\n"
	      "store; numbers are normalised against SMS_DEFAULT_COUNTRY.\n"
	      "\n"
	      "  -n, --number NUMBER   export, erase: whose data\n"
	      "  -t, --older-than AGE  prune: what is old\n"
	      "      --dry-run         erase, prune: count, remove nothing\n"
	      "  -f, --force           backup: replace FILE when it exists\n"
	      "  -o, --output FORMAT   json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help            this help\n"
	      "      --version         print the version\n",
	      fp);
}

enum verb { V_BACKUP, V_CHECK, V_STATS, V_EXPORT, V_ERASE, V_PRUNE, V_MIGRATE };
enum { OPT_DRY = 1000 };

struct opts {
	const char *number, *older_than, *format;
	int         dry, force;
};

struct ctx {
	struct maint       m;
	const struct opts *o;
};

static int run_backup(void *arg, int n, char **a)
{
	(void)n; /* main() checked: one FILE */
	return maint_backup(&((struct ctx *)arg)->m, a[0]);
}
static int run_check(void *arg, int n, char **a)
{
	(void)n, (void)a;
	return maint_check(&((struct ctx *)arg)->m);
}
static int run_stats(void *arg, int n, char **a)
{
	(void)n, (void)a;
	return maint_stats(&((struct ctx *)arg)->m);
}
static int run_export(void *arg, int n, char **a)
{
	(void)n, (void)a;
	struct ctx *c = arg;
	return maint_export(&c->m, c->o->number);
}
static int run_erase(void *arg, int n, char **a)
{
	(void)n, (void)a;
	struct ctx *c = arg;
	return maint_erase(&c->m, c->o->number);
}
static int run_prune(void *arg, int n, char **a)
{
	(void)n, (void)a;
	struct ctx *c = arg;
	return maint_prune(&c->m, c->o->older_than);
}

static int run_migrate(void *arg, int n, char **a)
{
	(void)n; /* main() checked: one SQLITE_FILE */
	return maint_migrate(&((struct ctx *)arg)->m, a[0]);
}

static const struct verb_def verbs[] = {
	[V_BACKUP] = {"backup", NULL, run_backup}, [V_CHECK] = {"check", NULL, run_check},
	[V_STATS] = {"stats", NULL, run_stats},    [V_EXPORT] = {"export", NULL, run_export},
	[V_ERASE] = {"erase", NULL, run_erase},    [V_PRUNE] = {"prune", NULL, run_prune},
	[V_MIGRATE] = {"migrate", NULL, run_migrate},
};

static int option(void *arg, int ch, const char *val)
{
	struct opts *o = arg;
	if (ch == 'n')
		o->number = val;
	else if (ch == 't')
		o->older_than = val;
	else if (ch == 'o')
		o->format = val;
	else if (ch == 'f')
		o->force = 1;
	else if (ch == OPT_DRY)
		o->dry = 1;
	return 0;
}

/* Each verb's options and arguments: 0, or EX_USAGE after saying why. */
static int usage_ok(enum verb v, const struct opts *o, int nargs)
{
	const char *name = verbs[v].name;
	int one = v == V_BACKUP || v == V_MIGRATE;
	if (one ? nargs != 1 : nargs != 0) {
		warnmsg(v == V_BACKUP    ? "backup takes one FILE"
		        : v == V_MIGRATE ? "migrate takes one SQLITE_FILE"
		                         : "%s takes no arguments", name);
		return EX_USAGE;
	}
	if (!o->number != !(v == V_EXPORT || v == V_ERASE)) {
		warnmsg(o->number ? "--number goes with export and erase only" : "%s needs --number", name);
		return EX_USAGE;
	}
	if (!o->older_than != (v != V_PRUNE)) {
		warnmsg(o->older_than ? "--older-than goes with prune only" : "prune needs --older-than");
		return EX_USAGE;
	}
	if (o->dry && v != V_ERASE && v != V_PRUNE) {
		warnmsg("--dry-run goes with erase and prune only");
		return EX_USAGE;
	}
	if (o->force && v != V_BACKUP) {
		warnmsg("--force goes with backup only");
		return EX_USAGE;
	}
	return 0;
}

/* sms-store works on a store that is there: a mistyped SMS_DB would
 * otherwise get a new, empty store, and check would call it sound. (A
 * PostgreSQL URI, the only one config_db_path gives, names a database that
 * opening checks.) migrate writes into a PostgreSQL store only, and is
 * refused before a SQLite path is opened. */
static int store_exists(const struct sms_config *cfg, enum verb v, struct maint *m)
{
	char err[512];
	char *path = config_db_path(cfg, err, sizeof err);
	if (!path) {
		warnmsg("%s", err);
		return EX_CONFIG;
	}
	int rc = 0;
	if (v == V_MIGRATE && !strstr(path, "://"))
		rc = maint_migrate_not_pg(m, path);
	else if (!strstr(path, "://") && access(path, F_OK) != 0) {
		warnmsg("%s: %s (SMS_DB names the store)", path, strerror(errno));
		rc = EX_NOINPUT;
	}
	free(path);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"number", required_argument, NULL, 'n'}, {"older-than", required_argument, NULL, 't'},
		{"dry-run", no_argument, NULL, OPT_DRY},   {"force", no_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},  CLI_HELP_VERSION,
	};
	static const struct verb_cli cli = {
		.cli = {"sms-store", usage, "+n:t:fo:h", longopts, option},
		.verbs = verbs, .nverbs = sizeof verbs / sizeof *verbs,
	};
	util_set_progname(argv[0]);
	struct opts o = {0};
	struct verb_args a;
	int r = verbs_parse(&cli, argc, argv, &o, &a);
	if (r != VERBS_GO_ON)
		return r;
	enum verb v = (enum verb)a.verb;
	if ((r = usage_ok(v, &o, a.nargs)) != 0)
		return r;
	struct rec_out out;
	if (rec_out_stdout(&out, o.format, maint_print_text, (void *)verbs[v].name) != 0)
		return EX_USAGE;
	struct ctx c = {.o = &o, .m = {.out = &out, .dry = o.dry, .force = o.force,
	                               .progress = isatty(STDERR_FILENO), .verb = verbs[v].name}};
	/* Only prune reads a time people write (a date is local midnight). */
	unsigned what = v == V_PRUNE ? 0 : PROGENV_NO_ZONE;
	struct progenv env = {0};
	r = progenv_open(&env, what);
	if (r == 0)
		r = store_exists(env.cfg, v, &c.m);
	if (r == 0)
		r = progenv_open_store(&env, what);
	if (r == 0) {
		c.m.st = env.st;
		c.m.region = config_default_country(env.cfg);
		r = verbs[v].run(&c, a.nargs, a.args);
	}
	progenv_close(&env);
	return cli_exit(r);
}
