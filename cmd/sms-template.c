/* sms-template — named bodies with {{var}} placeholders (sms-template(1)): add, list,
 * rm, and render NAME, which turns NDJSON records carrying "vars" into
 * outbound requests for sms-stage or sms-send (mail-merge). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "progenv.h"
#include "recloop.h"
#include "records.h"
#include "store.h"
#include "template.h"
#include "util.h"
#include "verbs.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-template add [--replace] NAME [BODY]\n"
	      "       sms-template list [-o json|text]\n"
	      "       sms-template rm NAME...\n"
	      "       ... | sms-template render NAME\n"
	      "\n"
	      "Named message bodies with {{var}} placeholders. add stores BODY (read from\n"
	      "stdin when not given); render reads NDJSON records and prints each as an\n"
	      "outbound request with \"body\" filled in from its \"vars\" (or its own fields),\n"
	      "ready for sms-stage or sms-send. A missing variable is an error record.\n"
	      "\n"
	      "  -r, --replace        add: overwrite a template of the same name\n"
	      "  -o, --output FORMAT  json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help           this help\n"
	      "      --version        print the version\n",
	      fp);
}

enum verb { V_ADD, V_LIST, V_RM, V_RENDER };

struct opts {
	int         replace;
	const char *format;
};

struct ctx {
	struct store   *st;
	struct rec_out *out;
	int             replace;
};

static char *read_all(FILE *fp)
{
	struct strbuf b;
	strbuf_init(&b);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		strbuf_add(&b, buf, n);
	/* A body typed at a terminal or piped by echo ends with one newline too many. */
	if (b.len && b.s[b.len - 1] == '\n')
		b.s[--b.len] = '\0';
	return strbuf_detach(&b);
}

/* add's error record (rec_fail says it on stderr too). */
static void add_refused(const char *name, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_refused(const char *name, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "name", name);
	rec_fail(rec, code, 0, "%s", msg);
	char *s = cJSON_PrintUnformatted(rec);
	puts(s);
	free(s);
	cJSON_Delete(rec);
}

static int run_add(void *arg, int argc, char **argv)
{
	struct ctx *c = arg;
	struct store *st = c->st;
	if (argc < 1 || argc > 2) {
		warnmsg("add takes NAME and an optional BODY");
		return EX_USAGE;
	}
	const char *name = argv[0];
	char *body = argc == 2 ? xstrdup(argv[1]) : read_all(stdin);
	char err[256];
	int rc = 0;
	/* Checked here, each with its own code: the store would only refuse
	 * an empty name with a constraint's words. */
	if (!*name) {
		add_refused(name, "invalid_name", "a template needs a name, such as reminder");
		rc = EX_DATAERR;
	} else if (!*body) {
		add_refused(name, "missing_body", "template %s: the body is empty", name);
		rc = EX_DATAERR;
	} else if (template_check(body, err, sizeof err) != 0) {
		add_refused(name, "invalid_placeholder", "template %s: %s", name, err);
		rc = EX_DATAERR;
	} else {
		int r = store_template_add(st, name, body, c->replace);
		if (r == STORE_EXISTS) {
			warnmsg("template %s exists; use --replace to overwrite it", name);
			rc = 1;
		} else if (r != STORE_OK) {
			warnmsg("%s", store_errmsg(st));
			rc = EX_TEMPFAIL;
		} else {
			cJSON *rec = cJSON_CreateObject();
			rec_put_str(rec, "name", name);
			rec_put_str(rec, "body", body);
			rec_put(rec, "vars", template_vars(body));
			rec_set_ok(rec);
			char *s = cJSON_PrintUnformatted(rec);
			puts(s);
			free(s);
			cJSON_Delete(rec);
		}
	}
	free(body);
	return rc;
}

static int list_one(const struct store_template *t, void *arg)
{
	struct ctx *c = arg;
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "name", t->name);
	rec_put_str(rec, "body", t->body);
	rec_put(rec, "vars", template_vars(t->body));
	rec_put_str(rec, "created_at", t->created_at);
	rec_put_str(rec, "updated_at", t->updated_at);
	rec_set_ok(rec);
	rec_emit(c->out, rec);
	return 0;
}

static void list_text(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	fprintf(fp, "%-20s %s\n", rec_str(rec, "name"), rec_str(rec, "body"));
}

static int run_list(void *arg, int argc, char **argv)
{
	(void)argc; /* list has always ignored arguments */
	(void)argv;
	struct ctx *c = arg;
	return store_template_list(c->st, list_one, c) == STORE_OK ? 0 : EX_TEMPFAIL;
}

static int run_rm(void *arg, int argc, char **argv)
{
	struct store *st = ((struct ctx *)arg)->st;
	if (argc < 1) {
		warnmsg("rm takes one or more names");
		return EX_USAGE;
	}
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		int r = store_template_remove(st, argv[i]);
		if (r == STORE_NOTFOUND) {
			warnmsg("no template named %s", argv[i]);
			rc = 1;
		} else if (r != STORE_OK) {
			warnmsg("%s", store_errmsg(st));
			return EX_TEMPFAIL;
		}
	}
	return rc;
}

/* render: the template and its name, for each record. */
struct render {
	const char *name;
	const char *body;
};

static int render_one(cJSON *rec, const struct rec_in *in, void *arg)
{
	const struct render *r = arg;
	char err[256];
	size_t rawlen;
	const char *raw = rec_in_raw(in, &rawlen);
	char *text = template_render(r->body, rec, raw, rawlen, err, sizeof err);
	if (!text) {
		rec_fail(rec, "missing_var", 0, "template %s: %s", r->name, err);
		return 0;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "vars");
	rec_put_str(rec, "body", text);
	rec_put_str(rec, "template", r->name);
	rec_set_ok(rec);
	free(text);
	return 0;
}

static int run_render(void *arg, int argc, char **argv)
{
	struct ctx *c = arg;
	struct store *st = c->st;
	struct rec_out *out = c->out;
	if (argc != 1) {
		warnmsg("render takes one template NAME");
		return EX_USAGE;
	}
	char *body = NULL;
	int r = store_template_get(st, argv[0], &body);
	if (r == STORE_NOTFOUND) {
		warnmsg("no template named %s (sms-template list shows them)", argv[0]);
		return EX_DATAERR;
	}
	if (r != STORE_OK) {
		warnmsg("%s", store_errmsg(st));
		return EX_TEMPFAIL;
	}
	struct render rd = {.name = argv[0], .body = body};
	int rc = rec_loop(stdin, out, render_one, &rd, 0);
	free(body);
	return rc;
}

static const struct verb_def verbs[] = {
	[V_ADD] = {"add", NULL, run_add},
	[V_LIST] = {"list", NULL, run_list},
	[V_RM] = {"rm", NULL, run_rm},
	[V_RENDER] = {"render", NULL, run_render},
};

static int option(void *arg, int ch, const char *val)
{
	struct opts *o = arg;
	if (ch == 'r')
		o->replace = 1;
	else if (ch == 'o')
		o->format = val;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"replace", no_argument, NULL, 'r'},   {"output", required_argument, NULL, 'o'},
		CLI_HELP_VERSION,
	};
	static const struct verb_cli cli = {
		.cli = {"sms-template", usage, "+ro:h", longopts, option},
		.verbs = verbs, .nverbs = sizeof verbs / sizeof *verbs,
		.free_text_args = 1,
	};
	util_set_progname(argv[0]);
	struct opts o = {0};
	struct verb_args a;
	int r = verbs_parse(&cli, argc, argv, &o, &a);
	if (r != VERBS_GO_ON)
		return r;
	struct rec_out out;
	if (rec_out_stdout(&out, o.format, a.verb == V_LIST ? list_text : NULL, NULL) != 0)
		return EX_USAGE;
	if (!out.text && o.format && strcmp(o.format, "text") == 0)
		warnmsg("%s prints NDJSON only", verbs[a.verb].name);
	struct progenv env = {0};
	int rc = progenv_open_store(&env, PROGENV_NO_ZONE | PROGENV_BULK);
	if (rc == 0) {
		struct ctx c = {.out = &out, .replace = o.replace, .st = env.st};
		rc = verbs[a.verb].run(&c, a.nargs, a.args);
	}
	progenv_close(&env);
	return cli_exit(rc);
}
