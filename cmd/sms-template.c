/* sms-template — named bodies with {{var}} placeholders (sms-template(1)): add, list,
 * rm, and render NAME, which turns NDJSON records carrying "vars" into
 * outbound requests for sms-stage or sms-send (mail-merge). A template may
 * be a WhatsApp template approved at Twilio (add --content-sid): rendered, it
 * is a request with content_sid and content_variables, its body a preview. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "policy.h"
#include "progenv.h"
#include "recloop.h"
#include "records.h"
#include "store.h"
#include "template.h"
#include "util.h"
#include "verbs.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-template add [--replace] [--content-sid SID [--category C]] NAME [BODY]\n"
	      "       sms-template list [-o json|text]\n"
	      "       sms-template rm NAME...\n"
	      "       ... | sms-template render NAME\n"
	      "\n"
	      "Named message bodies with {{var}} placeholders. add stores BODY (read from\n"
	      "stdin when not given); render reads NDJSON records and prints each as an\n"
	      "outbound request with \"body\" filled in from its \"vars\" (or its own fields),\n"
	      "ready for sms-stage or sms-send. A missing variable is an error record.\n"
	      "A WhatsApp template (--content-sid) renders as content_sid and\n"
	      "content_variables instead of a body; its BODY, which may be empty, is the\n"
	      "template's text with its variables as placeholders ({{1}}), for a preview.\n"
	      "\n"
	      "  -r, --replace        add: overwrite a template of the same name\n"
	      "      --content-sid SID  add: the WhatsApp template approved at Twilio (HX...)\n"
	      "      --category C     add: its category: marketing, utility or authentication\n"
	      "  -o, --output FORMAT  json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help           this help\n"
	      "      --version        print the version\n",
	      fp);
}

enum verb { V_ADD, V_LIST, V_RM, V_RENDER };

enum { OPT_CONTENT_SID = 256, OPT_CATEGORY };

struct opts {
	int         replace;
	const char *format;
	const char *content_sid, *category; /* add: a WhatsApp template */
};

struct ctx {
	struct store   *st;
	struct rec_out *out;
	int             replace;
	const char     *content_sid, *category;
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
	} else if (c->content_sid && !policy_content_sid_ok(c->content_sid)) {
		add_refused(name, "invalid_field", "template %s: --content-sid must be the Content "
		            "SID of a template approved at Twilio, HX and 32 hexadecimal digits, not "
		            "%s", name, c->content_sid);
		rc = EX_DATAERR;
	} else if (c->category && (!c->content_sid || (strcmp(c->category, "marketing") != 0 &&
	                                               strcmp(c->category, "utility") != 0 &&
	                                               strcmp(c->category, "authentication") != 0))) {
		add_refused(name, "invalid_field", "template %s: --category goes with --content-sid "
		            "and is marketing, utility or authentication, as the template was "
		            "approved", name);
		rc = EX_DATAERR;
	} else if (!*body && !c->content_sid) {
		add_refused(name, "missing_body", "template %s: the body is empty", name);
		rc = EX_DATAERR;
	} else if (template_check(body, err, sizeof err) != 0) {
		add_refused(name, "invalid_placeholder", "template %s: %s", name, err);
		rc = EX_DATAERR;
	} else {
		struct store_template t = {.name = name, .body = body, .content_sid = c->content_sid,
		                           .category = c->category};
		int r = store_template_put(st, &t, c->replace);
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
			if (c->content_sid)
				rec_put_str(rec, "content_sid", c->content_sid);
			if (c->category)
				rec_put_str(rec, "template_category", c->category);
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
	if (t->content_sid)
		rec_put_str(rec, "content_sid", t->content_sid);
	if (t->category)
		rec_put_str(rec, "template_category", t->category);
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
	const struct store_template *t;
};

/* A WhatsApp template's variables, each placeholder of its body filled as
 * the body would be; without placeholders, the record's "vars" as given.
 * NULL with a sentence in err for a variable the record lacks. */
static cJSON *content_variables(const struct render *r, const cJSON *rec, const char *raw,
                                size_t rawlen, char *err, size_t errlen)
{
	cJSON *names = template_vars(r->body), *vars = cJSON_CreateObject();
	const cJSON *n;
	cJSON_ArrayForEach(n, names) {
		char one[160];
		snprintf(one, sizeof one, "{{%s}}", n->valuestring);
		char *v = template_render(one, rec, raw, rawlen, err, errlen);
		if (!v) {
			cJSON_Delete(vars);
			vars = NULL;
			break;
		}
		cJSON_AddStringToObject(vars, n->valuestring, v);
		free(v);
	}
	const cJSON *given = cJSON_GetObjectItemCaseSensitive(rec, "vars");
	if (vars && cJSON_GetArraySize(names) == 0 && cJSON_IsObject(given)) {
		cJSON_Delete(vars);
		vars = cJSON_Duplicate(given, 1);
	}
	cJSON_Delete(names);
	return vars;
}

static int render_one(cJSON *rec, const struct rec_in *in, void *arg)
{
	const struct render *r = arg;
	char err[256];
	size_t rawlen;
	const char *raw = rec_in_raw(in, &rawlen);
	char *text = template_render(r->body, rec, raw, rawlen, err, sizeof err);
	cJSON *cv = text && r->t->content_sid
	                    ? content_variables(r, rec, raw, rawlen, err, sizeof err) : NULL;
	if (!text || (r->t->content_sid && !cv)) {
		rec_fail(rec, "missing_var", 0, "template %s: %s", r->name, err);
		free(text);
		return 0;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "vars");
	if (cv) {
		/* WhatsApp: Twilio fills the approved template; the text is a preview. */
		cJSON_DeleteItemFromObjectCaseSensitive(rec, "body");
		rec_put_str(rec, "content_sid", r->t->content_sid);
		rec_put(rec, "content_variables", cv);
		if (r->t->category)
			rec_put_str(rec, "template_category", r->t->category);
		if (*text)
			rec_put_str(rec, "preview", text);
	} else {
		rec_put_str(rec, "body", text);
	}
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
	struct store_template *t = NULL;
	int r = store_template_find(st, argv[0], &t);
	if (r == STORE_NOTFOUND) {
		warnmsg("no template named %s (sms-template list shows them)", argv[0]);
		return EX_DATAERR;
	}
	if (r != STORE_OK) {
		warnmsg("%s", store_errmsg(st));
		return EX_TEMPFAIL;
	}
	struct render rd = {.name = argv[0], .body = t->body, .t = t};
	int rc = rec_loop(stdin, out, render_one, &rd, 0);
	free(t);
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
	else if (ch == OPT_CONTENT_SID)
		o->content_sid = val;
	else if (ch == OPT_CATEGORY)
		o->category = val;
	else if (ch == 'o')
		o->format = val;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"replace", no_argument, NULL, 'r'},   {"output", required_argument, NULL, 'o'},
		{"content-sid", required_argument, NULL, OPT_CONTENT_SID},
		{"category", required_argument, NULL, OPT_CATEGORY},
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
		struct ctx c = {.out = &out, .replace = o.replace, .st = env.st,
		                .content_sid = o.content_sid, .category = o.category};
		rc = verbs[a.verb].run(&c, a.nargs, a.args);
	}
	progenv_close(&env);
	return cli_exit(rc);
}
