/* sms-sandbox — the sandbox provider's side of things, for trying smskit
 * without an account. `receive`: a message from any number arrives as the
 * provider would post it, signed, through the running sms-webhookd or through
 * sms-webhookd as a CGI program; one from the options, or NDJSON records on
 * stdin. The work is common/workflow/sandbox_receive.c's. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "progenv.h"
#include "recloop.h"
#include "records.h"
#include "sandbox_receive.h"
#include "signature.h"
#include "util.h"
#include "verbs.h"

static void usage(FILE *fp)
{
	fputs("usage: sms-sandbox receive --from NUMBER [--body TEXT] [--media URL[,TYPE]]...\n"
	      "                           [--to NUMBER] [--sid SID] [--url URL | --cgi PATH]\n"
	      "                           [--profile-name NAME] [--button-payload TEXT]\n"
	      "                           [--button-text TEXT] [--location LAT,LON]\n"
	      "       ... | sms-sandbox receive [--to NUMBER] [--url URL | --cgi PATH]\n"
	      "\n"
	      "With SMS_PROVIDER=sandbox, makes a message from any number arrive as the\n"
	      "provider would post it, signed with the sandbox's key: through sms-webhookd\n"
	      "at URL (default: SMS_PUBLIC_URL/sms/incoming, else\n"
	      "http://127.0.0.1:3001/sms/incoming), or through sms-webhookd run as a CGI\n"
	      "program. Prints the message id and sid, and the answer an autoresponder gave.\n"
	      "Without --from, reads NDJSON records on stdin:\n"
	      "{\"from\": ..., \"body\": ..., \"media\": [...], \"to\": ..., \"sid\": ...}.\n"
	      "A sender written whatsapp:NUMBER makes it a WhatsApp message.\n"
	      "\n"
	      "  -f, --from NUMBER        the sender, any way a person writes it\n"
	      "  -b, --body TEXT          the text\n"
	      "  -m, --media URL[,TYPE]   a media URL and its type (default: by its extension),\n"
	      "                           up to 10: makes it an MMS\n"
	      "  -t, --to NUMBER          our number it comes to (default TWILIO_PHONE_NUMBER,\n"
	      "                           else the sandbox's +15005550006)\n"
	      "      --sid SID            the MessageSid, to post a message again as a retry\n"
	      "                           does (default: a new one)\n"
	      "      --profile-name NAME  WhatsApp: the sender's profile name\n"
	      "      --button-payload TEXT  WhatsApp: the payload of the quick reply tapped\n"
	      "      --button-text TEXT   WhatsApp: that button's text (the body, by default)\n"
	      "      --location LAT,LON   WhatsApp: a shared location, in decimal degrees\n"
	      "  -u, --url URL            where sms-webhookd receives messages\n"
	      "      --cgi PATH           run PATH (sms-webhookd) as a web server runs a CGI\n"
	      "                           program, instead of posting to a URL\n"
	      "  -o, --output FORMAT      json (NDJSON) or text; default text on a terminal\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n",
	      fp);
}

struct opts {
	const char *from, *body, *to, *sid, *url, *cgi, *format;
	const char *profile, *payload, *button, *location; /* WhatsApp's */
	cJSON      *media;
};

enum { O_SID = 256, O_CGI, O_PROFILE, O_PAYLOAD, O_BUTTON, O_LOCATION };

static int option(void *arg, int ch, const char *val)
{
	struct opts *o = arg;
	switch (ch) {
	case 'f': o->from = val; break;
	case 'b': o->body = val; break;
	case 'm': cJSON_AddItemToArray(o->media, cJSON_CreateString(val)); break;
	case 't': o->to = val; break;
	case O_SID: o->sid = val; break;
	case 'u': o->url = val; break;
	case O_CGI: o->cgi = val; break;
	case O_PROFILE: o->profile = val; break;
	case O_PAYLOAD: o->payload = val; break;
	case O_BUTTON: o->button = val; break;
	case O_LOCATION: o->location = val; break;
	case 'o': o->format = val; break;
	default: break;
	}
	return 0;
}

static int run_receive(void *ctx, int nargs, char **args);

static const struct verb_def verbs[] = {
	{"receive", NULL, run_receive},
};

static void print_text(FILE *fp, const cJSON *rec, void *arg)
{
	(void)arg;
	const char *from = rec_str(rec, "from");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "error");
		fprintf(fp, "FAILED    from %s: %s: %s\n", from ? from : "-", rec_str(e, "code"),
		        rec_str(e, "message"));
		return;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	char idbuf[32] = "-";
	if (cJSON_IsNumber(id))
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)id->valuedouble);
	const char *reply = rec_str(rec, "reply");
	fprintf(fp, "received  message %s from %s to %s (%s): %s%s%s\n", idbuf, from,
	        rec_str(rec, "to"), rec_str(rec, "sid"), reply ? "answered \"" : "no answer",
	        reply ? reply : "", reply ? "\"" : "");
}

struct ctx {
	struct opts      *o;
	struct sandbox_rx *rx;
	struct rec_out   *out;
};

static int receive(cJSON *rec, const struct rec_in *in, void *arg)
{
	(void)in;
	const struct ctx *c = arg;
	return sandbox_rx_receive(c->rx, rec);
}

/* WhatsApp's fields from the options; "--location LAT,LON" is split at its
 * comma, and sandbox_receive.c checks both halves. */
static void put_whatsapp(cJSON *rec, const struct opts *o)
{
	const char *const kv[][2] = {{"profile_name", o->profile}, {"button_payload", o->payload},
	                             {"button_text", o->button}};
	for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
		if (kv[i][1])
			rec_put_str(rec, kv[i][0], kv[i][1]);
	if (!o->location)
		return;
	size_t n = strcspn(o->location, ",");
	char *lat = xstrndup(o->location, n);
	rec_put_str(rec, "latitude", lat);
	rec_put_str(rec, "longitude", o->location[n] ? o->location + n + 1 : "");
	free(lat);
}

static int run_receive(void *arg, int nargs, char **args)
{
	(void)args;
	struct ctx *c = arg;
	const struct opts *o = c->o;
	(void)nargs; /* main() refused arguments */
	if (!o->from) /* one result per line as it comes, for a pipe */
		return rec_loop(stdin, c->out, receive, c, REC_LOOP_FLUSH);
	cJSON *rec = cJSON_CreateObject();
	rec_put_str(rec, "from", o->from);
	if (o->body)
		rec_put_str(rec, "body", o->body);
	if (cJSON_GetArraySize(o->media) > 0)
		rec_put(rec, "media", cJSON_Duplicate(o->media, 1));
	if (o->sid)
		rec_put_str(rec, "sid", o->sid);
	put_whatsapp(rec, o);
	int hint = rec_one(rec, c->out, receive, c);
	return rec_exit_graver(rec_exit_code(c->out, NULL), hint);
}

/* EX_USAGE after saying why, for a command line that asks the impossible;
 * else 0. */
static int refused(const struct opts *o, const struct verb_args *a)
{
	if (a->nargs > 0)
		warnmsg("unexpected argument `%s`: the message comes from --from, --body and --media, "
		        "or from NDJSON on stdin", a->args[0]);
	else if (!o->from && (o->body || o->sid || cJSON_GetArraySize(o->media) > 0 || o->profile ||
	                      o->payload || o->button || o->location))
		warnmsg("--body, --media, --sid and WhatsApp's options need --from, the number the "
		        "message comes from");
	else if (o->url && o->cgi)
		warnmsg("--url and --cgi are two ways in: give one");
	else
		return 0;
	return EX_USAGE;
}

/* With the command line checked: the configuration, the way in, the verb. */
static int run(struct opts *o, const struct verb_args *a)
{
	struct rec_out out;
	if (rec_out_stdout(&out, o->format, print_text, NULL) != 0)
		return EX_USAGE;
	char err[512];
	struct progenv env = {0};
	struct sandbox_rx *rx = NULL;
	struct sandbox_rx_options ro = {.url = o->url, .cgi = o->cgi, .to = o->to};
	int rc = progenv_open(&env, PROGENV_NO_ZONE);
	if (rc == 0 && !(rx = sandbox_rx_new(env.cfg, &ro, err, sizeof err))) {
		warnmsg("%s", err);
		rc = EX_CONFIG;
	} else if (rc == 0) {
		struct ctx c = {.o = o, .rx = rx, .out = &out};
		rc = verbs[a->verb].run(&c, a->nargs, a->args);
	}
	sandbox_rx_free(rx);
	progenv_close(&env);
	return cli_exit(rc);
}

static const struct option longopts[] = {
	{"from", required_argument, NULL, 'f'},  {"body", required_argument, NULL, 'b'},
	{"media", required_argument, NULL, 'm'}, {"to", required_argument, NULL, 't'},
	{"sid", required_argument, NULL, O_SID}, {"url", required_argument, NULL, 'u'},
	{"cgi", required_argument, NULL, O_CGI}, {"output", required_argument, NULL, 'o'},
	{"profile-name", required_argument, NULL, O_PROFILE},
	{"button-payload", required_argument, NULL, O_PAYLOAD},
	{"button-text", required_argument, NULL, O_BUTTON},
	{"location", required_argument, NULL, O_LOCATION},
	CLI_HELP_VERSION,
};

static const struct verb_cli cli = {
	.cli = {"sms-sandbox", usage, "+f:b:m:t:u:o:h", longopts, option},
	.verbs = verbs, .nverbs = sizeof verbs / sizeof *verbs,
};

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	signature_lib_init();
	struct opts o = {.media = cJSON_CreateArray()};
	struct verb_args a;
	int rc = verbs_parse(&cli, argc, argv, &o, &a);
	if (rc == VERBS_GO_ON && !(rc = refused(&o, &a)))
		rc = run(&o, &a);
	cJSON_Delete(o.media);
	return rc;
}
