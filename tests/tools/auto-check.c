/* auto-check — a test driver for autoresp.c and store_auto.c below sms-auto:
 * the rule the webhook would pick, counting a trigger as the webhook does, and
 * the trigger and active-hours parsers on their own. Store: $SMS_DB; zone: SMS_TZ;
 * now: SMS_TEST_NOW. Exit: 0 ok / picked / match / inside, 1 error, 3 none /
 * no match / outside / not found, 64 usage. */
#include "autoresp.h"
#include "clock.h"
#include "config.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void usage(FILE *fp)
{
	fputs("usage: auto-check pick BODY       print \"ID RESPONSE\" of the rule that answers now\n"
	      "       auto-check fire BODY       pick, then count the trigger (store_auto_fired at\n"
	      "                                  now), in one transaction as sms-webhookd does\n"
	      "       auto-check fired ID [AT]   store_auto_fired\n"
	      "       auto-check get ID          the rule's record (store_auto_get)\n"
	      "       auto-check match TRIGGER BODY\n"
	      "       auto-check trigger TRIGGER check it; print the error sentence if bad\n"
	      "       auto-check hours SPEC [TIME]  print \"START END DAYS\" (DAYS: Sun..Sat as\n"
	      "                                  0/1), then inside or outside at TIME (or now)\n",
	      fp);
}

static struct store *open_store(void)
{
	char err[512];
	struct sms_config *cfg = config_load(err, sizeof err);
	if (!cfg) {
		warnmsg("%s", err);
		exit(EX_CONFIG);
	}
	char *path = config_db_path(cfg, err, sizeof err);
	struct store *s = path ? store_open(path, 0, err, sizeof err) : NULL;
	free(path);
	config_free(cfg);
	if (!s) {
		warnmsg("%s", err);
		exit(errno == EAGAIN ? EX_TEMPFAIL : EX_CONFIG);
	}
	return s;
}

static int64_t parse_id(const char *arg)
{
	long long v;
	if (parse_whole(arg, INT64_MAX, &v) != 0) {
		warnmsg("%s: not an id", arg);
		exit(EX_USAGE);
	}
	return v;
}

static int pick(const char *body, int fire)
{
	struct store *s = open_store();
	time_t now = clock_now();
	struct autoresp_answer ans = {0};
	int rc = fire ? store_begin_immediate(s) : STORE_OK;
	if (rc == STORE_OK)
		rc = autoresp_pick(s, body, now, NULL, NULL, NULL, &ans);
	int64_t id = ans.id;
	const char *response = ans.response;
	if (rc == 1 && fire) {
		char at[32];
		clock_format(now, at, sizeof at);
		if (store_auto_fired(s, id, at) != STORE_OK)
			rc = STORE_ERR;
	}
	if (fire && rc >= 0 && store_commit(s) != STORE_OK)
		rc = STORE_ERR;
	if (rc < 0) {
		warnmsg("%s", store_errmsg(s));
		if (fire)
			store_rollback(s);
	} else if (rc == 1) {
		printf("%" PRId64 " %s\n", id, response);
	} else {
		puts("none");
	}
	autoresp_answer_free(&ans);
	store_close(s);
	return rc < 0 ? 1 : rc == 1 ? 0 : 3;
}

static int hours(const char *spec, const char *at)
{
	struct autoresp_hours h;
	char err[256];
	if (autoresp_hours_parse(spec, &h, err, sizeof err) != 0) {
		puts(err);
		return 1;
	}
	time_t t = clock_now();
	if (at && clock_parse(at, &t) != 0) {
		warnmsg("%s: not an RFC 3339 time", at);
		return EX_USAGE;
	}
	if (h.always) {
		puts("always");
	} else {
		char days[8];
		for (int d = 0; d < 7; d++)
			days[d] = (h.days >> d) & 1u ? '1' : '0';
		days[7] = '\0';
		printf("%d %d %s\n", h.start_min, h.end_min, days);
	}
	int in = autoresp_hours_inside(&h, t);
	puts(in ? "inside" : "outside");
	return in ? 0 : 3;
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	/* SMS_TZ, as the programs select it (config_load reads the environment). */
	char err[512];
	struct sms_config *cfg = config_load(err, sizeof err);
	if (cfg && clock_use_zone(cfg, err, sizeof err) != 0) {
		warnmsg("%s", err);
		config_free(cfg);
		return EX_CONFIG;
	}
	config_free(cfg);
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	const char *cmd = argv[1];
	if ((strcmp(cmd, "pick") == 0 || strcmp(cmd, "fire") == 0) && argc == 3)
		return pick(argv[2], cmd[0] == 'f');
	if (strcmp(cmd, "fired") == 0 && (argc == 3 || argc == 4)) {
		struct store *s = open_store();
		int rc = store_auto_fired(s, parse_id(argv[2]), argc > 3 ? argv[3] : NULL);
		if (rc != STORE_OK)
			warnmsg("%s", store_errmsg(s));
		store_close(s);
		return rc == STORE_OK ? 0 : rc == STORE_NOTFOUND ? 3 : 1;
	}
	if (strcmp(cmd, "get") == 0 && argc == 3) {
		struct store *s = open_store();
		cJSON *rec = NULL;
		int rc = store_auto_get(s, parse_id(argv[2]), &rec);
		if (rc == STORE_OK) {
			char *t = cJSON_PrintUnformatted(rec);
			puts(t);
			cJSON_free(t);
		} else {
			warnmsg("%s", store_errmsg(s));
		}
		cJSON_Delete(rec);
		store_close(s);
		return rc == STORE_OK ? 0 : rc == STORE_NOTFOUND ? 3 : 1;
	}
	if (strcmp(cmd, "match") == 0 && argc == 4) {
		int m = autoresp_trigger_matches(argv[2], NULL, argv[3]);
		puts(m ? "match" : "no match");
		return m ? 0 : 3;
	}
	if (strcmp(cmd, "trigger") == 0 && argc == 3) {
		if (autoresp_trigger_check(argv[2], NULL, err, sizeof err) == 0)
			return 0;
		puts(err);
		return 1;
	}
	if (strcmp(cmd, "hours") == 0 && (argc == 3 || argc == 4))
		return hours(argv[2], argc > 3 ? argv[3] : NULL);
	usage(stderr);
	return EX_USAGE;
}
