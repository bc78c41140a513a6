/* store-tool — a test driver for the store module: calls one store function per
 * command, for what no program exposes yet. The store is -f PATH or $SMS_DB.
 * Exit: 0 ok, 1 error, 3 not found, 4 exists, 5 refused, 64 usage, 75/78 open. */
#include "store.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *fp)
{
	fputs("usage: store-tool [-f PATH] [-n] COMMAND [ARG...]\n"
	      "  open | version               open (create, migrate); print the schema version\n"
	      "  msg-insert JSON              store a message; print {\"id\":N,\"existing\":B}\n"
	      "  msg-get ID                   print the message record\n"
	      "  msg-find PROVIDER PID        print the id of a provider's message\n"
	      "  msg-status ID STATUS [FIELDS [DETAIL]]\n"
	      "  can-move FROM TO             exit 0 when the lifecycle allows it\n"
	      "  event-append MSGID KIND [STATUS [DETAIL]]   (MSGID 0: none)\n"
	      "  optout-add NUM [SOURCE] | optout-remove NUM [SOURCE] | optout-check NUM\n"
	      "  optout-list                  NDJSON, oldest first\n"
	      "  optout-bulk PREFIX N         add N numbers, one transaction each\n"
	      "  spend-since TIME             outbound spend in millionths\n"
	      "  kv-get KEY | kv-set KEY [VALUE]\n"
	      "  hold SECONDS READYFILE       hold the write lock; READYFILE appears once held\n"
	      "  msg-insert-many JSONARRAY    store the records at once; print their ids\n"
	      "  msg-read ID 0|1 | msg-replied ID | msg-requested ID | msg-unclaim ID REASON\n"
	      "  claim NAME DIR ID...         make DIR/ready.NAME, wait for DIR/go, then move\n"
	      "                               each to sending (claimed_by NAME), one\n"
	      "                               transaction each; print the ids won\n"
	      "  pending PROVIDER PID         the pending status callbacks: EVENTID PENDING\n"
	      "  thread-state ADDRESS         print TAG AT (AT: seconds, 0 for none)\n"
	      "  last-inbound ADDRESS         print the latest inbound message's time (seconds)\n"
	      "  -n: synchronous=NORMAL (STORE_SYNC_NORMAL)\n",
	      fp);
}

static int code(int rc)
{
	switch (rc) {
	case STORE_OK: return 0;
	case STORE_NOTFOUND: return 3;
	case STORE_EXISTS: return 4;
	case STORE_REFUSED: return 5;
	default: return 1;
	}
}

static int report(struct store *s, int rc)
{
	if (rc != STORE_OK)
		warnmsg("%s", store_errmsg(s));
	return code(rc);
}

static cJSON *parse_arg(const char *what, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	if (!j)
		warnmsg("%s: not JSON: %s", what, text);
	return j;
}

static int64_t parse_id(const char *arg)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (errno || *end || end == arg || v < 0) {
		warnmsg("%s: not an id", arg);
		exit(EX_USAGE);
	}
	return v;
}

static int print_optout(const struct store_optout *o, void *arg)
{
	(void)arg;
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "number", o->number);
	cJSON_AddStringToObject(r, "at", o->at);
	cJSON_AddStringToObject(r, "source", o->source);
	char *t = cJSON_PrintUnformatted(r);
	puts(t);
	cJSON_free(t);
	cJSON_Delete(r);
	return 0;
}

static int print_pending(int64_t event_id, const cJSON *pending, void *arg)
{
	(void)arg;
	char *t = cJSON_PrintUnformatted(pending);
	printf("%" PRId64 " %s\n", event_id, t);
	cJSON_free(t);
	return 0;
}

/* The commands of the messages' other functions (store_msg_insert_many, the
 * inbox's flags, a sender's claims, a conversation); -1 for none of them. */
static int run_msgs(struct store *s, int argc, char **argv)
{
	const char *cmd = argv[0];
	int rc;
	if (strcmp(cmd, "msg-insert-many") == 0 && argc == 2) {
		cJSON *arr = parse_arg("records", argv[1]);
		if (!cJSON_IsArray(arr)) {
			cJSON_Delete(arr);
			return 1;
		}
		size_t n = (size_t)cJSON_GetArraySize(arr);
		const cJSON **recs = xcalloc(n + 1, sizeof *recs);
		int64_t *ids = xcalloc(n + 1, sizeof *ids);
		size_t i = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, arr)
			recs[i++] = e;
		rc = store_msg_insert_many(s, recs, n, ids);
		for (i = 0; rc == STORE_OK && i < n; i++)
			printf("%" PRId64 "\n", ids[i]);
		free(recs);
		free(ids);
		cJSON_Delete(arr);
		return report(s, rc);
	}
	if (strcmp(cmd, "msg-read") == 0 && argc == 3)
		return report(s, store_msg_mark_read(s, parse_id(argv[1]), atoi(argv[2])));
	if (strcmp(cmd, "msg-replied") == 0 && argc == 2)
		return report(s, store_msg_mark_replied(s, parse_id(argv[1])));
	if (strcmp(cmd, "msg-requested") == 0 && argc == 2)
		return report(s, store_msg_requested(s, parse_id(argv[1])));
	if (strcmp(cmd, "msg-unclaim") == 0 && argc == 3)
		return report(s, store_msg_unclaim(s, parse_id(argv[1]), argv[2]));
	if (strcmp(cmd, "claim") == 0 && argc >= 4) {
		/* Ready, then all at once: DIR/ready.NAME made, DIR/go awaited. */
		char path[4096];
		snprintf(path, sizeof path, "%s/ready.%s", argv[2], argv[1]);
		FILE *fp = fopen(path, "w");
		if (fp)
			fclose(fp);
		snprintf(path, sizeof path, "%s/go", argv[2]);
		for (int i = 0; i < 30000 && access(path, F_OK) != 0; i++)
			usleep(1000);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "claimed_by", argv[1]);
		int bad = 0;
		for (int i = 3; i < argc && !bad; i++) {
			int64_t id = parse_id(argv[i]);
			rc = store_msg_set_status(s, id, "sending", f, NULL);
			if (rc == STORE_OK)
				printf("%" PRId64 "\n", id);
			else if (rc != STORE_REFUSED)
				bad = report(s, rc);
		}
		cJSON_Delete(f);
		return bad;
	}
	if (strcmp(cmd, "pending") == 0 && argc == 3)
		return report(s, store_events_pending_status(s, argv[1], argv[2], print_pending, NULL));
	if (strcmp(cmd, "thread-state") == 0 && argc == 2) {
		char tag[80];
		time_t at;
		rc = store_thread_state(s, argv[1], tag, sizeof tag, &at);
		if (rc == STORE_OK)
			printf("%s %lld\n", tag, (long long)at);
		return report(s, rc);
	}
	if (strcmp(cmd, "last-inbound") == 0 && argc == 2) {
		time_t at;
		rc = store_last_inbound(s, argv[1], &at);
		if (rc == STORE_OK)
			printf("%lld\n", (long long)at);
		return report(s, rc);
	}
	return -1;
}

static int run(struct store *s, int argc, char **argv)
{
	const char *cmd = argv[0];
	int rc;
	if (strcmp(cmd, "open") == 0 || strcmp(cmd, "version") == 0) {
		printf("%d\n", store_version(s));
		return 0;
	}
	if (strcmp(cmd, "msg-insert") == 0 && argc == 2) {
		cJSON *rec = parse_arg("record", argv[1]);
		if (!rec)
			return 1;
		int64_t id = 0;
		rc = store_msg_insert(s, rec, &id);
		cJSON_Delete(rec);
		if (rc == STORE_OK || rc == STORE_EXISTS) {
			printf("{\"id\":%" PRId64 ",\"existing\":%s}\n", id,
			       rc == STORE_EXISTS ? "true" : "false");
			return 0;
		}
		return report(s, rc);
	}
	if (strcmp(cmd, "msg-get") == 0 && argc == 2) {
		cJSON *rec;
		rc = store_msg_get(s, parse_id(argv[1]), &rec);
		if (rc != STORE_OK)
			return report(s, rc);
		char *t = cJSON_PrintUnformatted(rec);
		puts(t);
		cJSON_free(t);
		cJSON_Delete(rec);
		return 0;
	}
	if (strcmp(cmd, "msg-find") == 0 && argc == 3) {
		int64_t id;
		rc = store_msg_find_provider_id(s, argv[1], argv[2], &id);
		if (rc == STORE_OK)
			printf("%" PRId64 "\n", id);
		return report(s, rc);
	}
	if (strcmp(cmd, "msg-status") == 0 && argc >= 3 && argc <= 5) {
		cJSON *fields = NULL, *detail = NULL;
		if ((argc > 3 && !(fields = parse_arg("fields", argv[3]))) ||
		    (argc > 4 && !(detail = parse_arg("detail", argv[4])))) {
			cJSON_Delete(fields);
			return 1;
		}
		rc = store_msg_set_status(s, parse_id(argv[1]), argv[2], fields, detail);
		cJSON_Delete(fields);
		cJSON_Delete(detail);
		return report(s, rc);
	}
	if (strcmp(cmd, "event-append") == 0 && argc >= 3 && argc <= 5) {
		cJSON *detail = NULL;
		if (argc > 4 && !(detail = parse_arg("detail", argv[4])))
			return 1;
		int64_t id;
		rc = store_event_append(s, parse_id(argv[1]), argv[2], argc > 3 ? argv[3] : NULL,
		                        detail, &id);
		cJSON_Delete(detail);
		if (rc == STORE_OK)
			printf("%" PRId64 "\n", id);
		return report(s, rc);
	}
	if (strcmp(cmd, "optout-add") == 0 && (argc == 2 || argc == 3))
		return report(s, store_optout_add(s, argv[1], argc > 2 ? argv[2] : NULL));
	if (strcmp(cmd, "optout-remove") == 0 && (argc == 2 || argc == 3))
		return report(s, store_optout_remove(s, argv[1], argc > 2 ? argv[2] : NULL));
	if (strcmp(cmd, "optout-check") == 0 && argc == 2) {
		rc = store_optout_check(s, argv[1]);
		if (rc < 0)
			return report(s, rc);
		puts(rc ? "opted out" : "not opted out");
		return rc ? 0 : 3;
	}
	if (strcmp(cmd, "optout-list") == 0 && argc == 1)
		return report(s, store_optout_list(s, print_optout, NULL));
	if (strcmp(cmd, "optout-bulk") == 0 && argc == 3) {
		int64_t n = parse_id(argv[2]);
		for (int64_t i = 0; i < n; i++) {
			char num[32];
			snprintf(num, sizeof num, "%s%04" PRId64, argv[1], i);
			if ((rc = store_optout_add(s, num, "bulk")) != STORE_OK)
				return report(s, rc);
		}
		return 0;
	}
	if (strcmp(cmd, "spend-since") == 0 && argc == 2) {
		long long spent;
		rc = store_spend_since(s, argv[1], &spent);
		if (rc == STORE_OK)
			printf("%lld\n", spent);
		return report(s, rc);
	}
	if (strcmp(cmd, "kv-get") == 0 && argc == 2) {
		char *v;
		rc = store_kv_get(s, argv[1], &v);
		if (rc == STORE_OK)
			puts(v);
		free(v);
		return report(s, rc);
	}
	if (strcmp(cmd, "kv-set") == 0 && (argc == 2 || argc == 3))
		return report(s, store_kv_set(s, argv[1], argc > 2 ? argv[2] : NULL));
	if (strcmp(cmd, "hold") == 0 && argc == 3) {
		if ((rc = store_begin_immediate(s)) != STORE_OK ||
		    (rc = store_kv_set(s, "store-tool.hold", "held")) != STORE_OK)
			return report(s, rc);
		FILE *fp = fopen(argv[2], "w");
		if (fp)
			fclose(fp);
		sleep((unsigned)parse_id(argv[1]));
		return report(s, store_commit(s));
	}
	if ((rc = run_msgs(s, argc, argv)) >= 0)
		return rc;
	usage(stderr);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	util_set_progname(argv[0]);
	const char *path = getenv("SMS_DB");
	unsigned flags = 0;
	int c;
	while ((c = getopt(argc, argv, "f:nh")) != -1) {
		switch (c) {
		case 'f': path = optarg; break;
		case 'n': flags |= STORE_SYNC_NORMAL; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[0], "can-move") == 0) {
		if (argc != 3) {
			usage(stderr);
			return EX_USAGE;
		}
		return store_status_next_ok(argv[1], argv[2]) ? 0 : 5;
	}
	char err[512];
	struct store *s = store_open(path, flags, err, sizeof err);
	if (!s) {
		int e = errno;
		warnmsg("%s", err);
		return e == EAGAIN ? EX_TEMPFAIL : EX_CONFIG;
	}
	int rc = run(s, argc, argv);
	store_close(s);
	return rc;
}
