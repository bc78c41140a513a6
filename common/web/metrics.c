/* metrics — the process counters of sms-webhookd; see metrics.h. Every
 * counter is a relaxed atomic add: a request's path takes no lock here, and
 * a scrape reads each counter once (a histogram's count is the sum of the
 * buckets it read, so that its lines always agree). */
#include "metrics.h"

#include <stdatomic.h>
#include <string.h>

#define MAX_STATUS 600
#define MAX_PROVIDERS 8

static atomic_ulong requests[MR_COUNT][MAX_STATUS];
static _Atomic(const char *) sig_provider[MAX_PROVIDERS];
static atomic_ulong sig_failures[MAX_PROVIDERS];
static atomic_ulong sig_other;
static atomic_ulong inbound[MI_COUNT];
static atomic_ulong commit_failures;
static atomic_ulong reloads[2];

/* Upper bounds of the histograms' buckets (the last, +Inf, is implicit). */
static const double commit_le[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                   0.1,    0.2,   0.5,   1,     2,    5};
static const double group_le[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
#define N_COMMIT_LE (sizeof commit_le / sizeof *commit_le)
#define N_GROUP_LE (sizeof group_le / sizeof *group_le)
static atomic_ulong commit_bucket[N_COMMIT_LE + 1];
static atomic_ulong commit_ns_sum;
static atomic_ulong group_bucket[N_GROUP_LE + 1];
static atomic_ulong group_sum;

static const char *const route_names[MR_COUNT] = {
	"/sms/incoming", "/sms/status", "/healthz", "/review", "/metrics", "other",
};

static void add(atomic_ulong *c, unsigned long n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static unsigned long get(atomic_ulong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

enum metrics_route metrics_route_of(const char *path)
{
	if (!path)
		return MR_OTHER;
	for (int r = 0; r < MR_OTHER; r++) {
		size_t n = strlen(route_names[r]);
		/* /review counts everything under it too */
		if (strncmp(path, route_names[r], n) == 0 &&
		    (path[n] == '\0' || (r == MR_REVIEW && path[n] == '/')))
			return (enum metrics_route)r;
	}
	return MR_OTHER;
}

const char *metrics_route_name(enum metrics_route r)
{
	return r < MR_COUNT ? route_names[r] : "other";
}

void metrics_request(enum metrics_route r, int status)
{
	if (r >= MR_COUNT)
		r = MR_OTHER;
	if (status < 100 || status >= MAX_STATUS)
		status = 500;
	add(&requests[r][status], 1);
}

void metrics_signature_failure(const char *provider)
{
	/* A provider takes a slot the first time it fails; there are a handful
	 * of drivers, and SIGHUP may change the one in use. */
	for (size_t i = 0; provider && i < MAX_PROVIDERS; i++) {
		const char *p = atomic_load(&sig_provider[i]);
		if (!p) {
			const char *none = NULL;
			p = atomic_compare_exchange_strong(&sig_provider[i], &none, provider) ? provider
			                                                                     : none;
		}
		if (strcmp(p, provider) == 0) {
			add(&sig_failures[i], 1);
			return;
		}
	}
	add(&sig_other, 1);
}

void metrics_inbound(enum metrics_inbound what)
{
	if (what < MI_COUNT)
		add(&inbound[what], 1);
}

void metrics_commit(size_t units, double seconds, int failed)
{
	if (failed) {
		add(&commit_failures, 1);
		return;
	}
	size_t b = 0;
	while (b < N_COMMIT_LE && seconds > commit_le[b])
		b++;
	add(&commit_bucket[b], 1);
	add(&commit_ns_sum, seconds > 0 ? (unsigned long)(seconds * 1e9) : 0);
	b = 0;
	while (b < N_GROUP_LE && (double)units > group_le[b])
		b++;
	add(&group_bucket[b], 1);
	add(&group_sum, units);
}

void metrics_reload(int ok)
{
	add(&reloads[ok ? 1 : 0], 1);
}

static void family(struct strbuf *o, const char *name, const char *type, const char *help)
{
	strbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void histogram(struct strbuf *o, const char *name, const double *le, size_t n,
                      atomic_ulong *bucket, double sum)
{
	unsigned long cum = 0;
	for (size_t i = 0; i <= n; i++) {
		cum += get(&bucket[i]);
		if (i < n)
			strbuf_printf(o, "%s_bucket{le=\"%g\"} %lu\n", name, le[i], cum);
		else
			strbuf_printf(o, "%s_bucket{le=\"+Inf\"} %lu\n", name, cum);
	}
	strbuf_printf(o, "%s_sum %.9g\n%s_count %lu\n", name, sum, name, cum);
}

void metrics_write_process(struct strbuf *o, unsigned long long hook_failures)
{
	family(o, "sms_webhookd_requests_total", "counter",
	       "Requests answered, by route and HTTP status code.");
	for (int r = 0; r < MR_COUNT; r++)
		for (int s = 100; s < MAX_STATUS; s++) {
			unsigned long n = get(&requests[r][s]);
			if (n)
				strbuf_printf(o, "sms_webhookd_requests_total{route=\"%s\",code=\"%d\"} %lu\n",
				              route_names[r], s, n);
		}

	family(o, "sms_webhookd_signature_failures_total", "counter",
	       "Webhooks refused with 403 because their signature was missing or wrong, by provider.");
	for (size_t i = 0; i < MAX_PROVIDERS; i++) {
		const char *p = atomic_load(&sig_provider[i]);
		if (p)
			strbuf_printf(o, "sms_webhookd_signature_failures_total{provider=\"%s\"} %lu\n", p,
			              get(&sig_failures[i]));
	}
	if (get(&sig_other))
		strbuf_printf(o, "sms_webhookd_signature_failures_total{provider=\"other\"} %lu\n",
		              get(&sig_other));

	family(o, "sms_webhookd_messages_stored_total", "counter",
	       "Inbound messages stored (a new row each).");
	strbuf_printf(o, "sms_webhookd_messages_stored_total %lu\n", get(&inbound[MI_STORED]));
	family(o, "sms_webhookd_duplicates_total", "counter",
	       "Inbound webhooks for a message already stored (provider retries), acknowledged.");
	strbuf_printf(o, "sms_webhookd_duplicates_total %lu\n", get(&inbound[MI_DUPLICATE]));
	family(o, "sms_webhookd_keyword_actions_total", "counter",
	       "Opt-outs and opt-ins made by a keyword in an inbound message.");
	strbuf_printf(o, "sms_webhookd_keyword_actions_total{action=\"opt_out\"} %lu\n",
	              get(&inbound[MI_OPT_OUT]));
	strbuf_printf(o, "sms_webhookd_keyword_actions_total{action=\"opt_in\"} %lu\n",
	              get(&inbound[MI_OPT_IN]));
	family(o, "sms_webhookd_autoresponder_answers_total", "counter",
	       "Inbound messages answered by an autoresponder.");
	strbuf_printf(o, "sms_webhookd_autoresponder_answers_total %lu\n",
	              get(&inbound[MI_AUTOREPLY]));

	family(o, "sms_webhookd_commit_seconds", "histogram",
	       "Time of one group-commit transaction, begin to durable commit.");
	histogram(o, "sms_webhookd_commit_seconds", commit_le, N_COMMIT_LE, commit_bucket,
	          (double)get(&commit_ns_sum) / 1e9);
	family(o, "sms_webhookd_commit_group_size", "histogram",
	       "Requests committed together in one transaction.");
	histogram(o, "sms_webhookd_commit_group_size", group_le, N_GROUP_LE, group_bucket,
	          (double)get(&group_sum));
	family(o, "sms_webhookd_commit_failures_total", "counter",
	       "Group-commit transactions that failed (their requests answered 503).");
	strbuf_printf(o, "sms_webhookd_commit_failures_total %lu\n", get(&commit_failures));

	family(o, "sms_webhookd_hook_failures_total", "counter",
	       "SMS_ON_RECEIVE and SMS_ON_STATUS hooks that failed, were killed, or were dropped.");
	strbuf_printf(o, "sms_webhookd_hook_failures_total %llu\n", hook_failures);
	family(o, "sms_webhookd_config_reloads_total", "counter",
	       "SIGHUP reloads of the configuration, taken or refused.");
	strbuf_printf(o, "sms_webhookd_config_reloads_total{result=\"ok\"} %lu\n", get(&reloads[1]));
	strbuf_printf(o, "sms_webhookd_config_reloads_total{result=\"refused\"} %lu\n",
	              get(&reloads[0]));
}
