#!/usr/bin/env bash
# bench/webhook-pg.sh SOCKETDIR [BUILD_DIR] — bench/webhook.sh's (e) and (f) on
# PostgreSQL: signed inbound requests through sms-webhookd into a store on
# the server whose unix socket is in SOCKETDIR (start it with fsync on for
# figures that matter: tests/pg-cluster's server has fsync off). Each run
# gets a fresh database. Prints req/s, p50, p99, the load average, and the
# statements the server ran per request (when pg_stat_statements is loaded).
set -euo pipefail
cd "$(dirname "$0")/.."
sock=${1:?usage: bench/webhook-pg.sh SOCKETDIR [BUILD_DIR]}
build=${2:-build}
SMSKIT_BIN=$(cd "$build/bin" && pwd)
PATH="$SMSKIT_BIN:$(cd "$build" && pwd)/tests:$PATH"
T=$(mktemp -d "${TMPDIR:-/tmp}/smskit-bench-whpg.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
db=bench_wh_$$
psql_() { psql -X -q -h "$sock" -U smskit "$@"; }
psql_ -d postgres -c "CREATE DATABASE $db"
export SMS_DB="postgresql:///$db?host=$sock&user=smskit" SMS_CONFIG="$T/config" SMS_PROVIDER=twilio
wait_for_file() { for _ in $(seq 50); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
# shellcheck source=tests/webhook.sh
. tests/webhook.sh
export TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN WH_TOKEN=$WEBHOOK_TOKEN
lua=tests/wrk/signed-inbound.lua
pgss=$(psql_ -d "$db" -tAc "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'" 2>/dev/null || echo 0)
[ "$pgss" = 0 ] && psql_ -d "$db" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" 2>/dev/null && pgss=1

# cpu_ticks [webhookd]: CPU (user + system, clock ticks) used so far by the
# server's processes (the postmaster's children), or by sms-webhookd.
cpu_ticks() {
	local pm pids
	pm=$(head -1 "$(psql_ -d postgres -tAc "SHOW data_directory")/postmaster.pid" 2>/dev/null || true)
	pids="${pm:+$pm $(pgrep -P "$pm" | tr '\n' ' ')}"
	[ "${1:-}" = webhookd ] && pids=$WH_PID
	# shellcheck disable=SC2086 # a list of pids
	for p in $pids; do cat "/proc/$p/stat" 2>/dev/null; done | awk '{ sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}

wrk_run() {
	local name=$1 c=$2 d=$3 rate=$4 url=$5 c0 c1 w0 w1
	[ "$pgss" = 1 ] && psql_ -d "$db" -tAc "SELECT pg_stat_statements_reset()" >/dev/null
	local before
	before=$(psql_ -d "$db" -tAc "SELECT count(*) FROM messages")
	c0=$(cpu_ticks) w0=$(cpu_ticks webhookd)
	WH_PREFIX="SM$name$$" WH_RATE=$rate WH_THREADS=2 wrk -t2 -c"$c" -d"${d}s" --timeout 10s -s "$lua" "$url" >"$T/wrk.$name" 2>&1
	c1=$(cpu_ticks) w1=$(cpu_ticks webhookd)
	awk -v name="$name" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -v cpu=$((c1 - c0)) -v wcpu=$((w1 - w0)) -v hz="$(getconf CLK_TCK)" '
		/^Requests\/sec:/ { rps = $2 }
		/^responses:/ { ok = $3; c4 = $5; c5 = $7 }
		/^latency:/ { p50 = $3; p99 = $9 }
		END { printf "%s: %.0f req/s  p50 %s ms  p99 %s ms  (2xx %s, 4xx %s, 5xx %s)  load %s\n", name, rps, p50, p99, ok, c4, c5, load
		      if (ok > 0) printf "%s: CPU per request: %.3f ms in sms-webhookd, %.3f ms in the server\n", name,
		                         1000 * wcpu / hz / ok, 1000 * cpu / hz / ok }' "$T/wrk.$name"
	local after
	after=$(psql_ -d "$db" -tAc "SELECT count(*) FROM messages")
	if [ "$pgss" = 1 ]; then
		psql_ -d "$db" -tAc "SELECT '$name: ' || sum(calls) || ' statements for ' || ($after - $before) || ' messages: ' ||
			round(sum(calls)::numeric / greatest($after - $before, 1), 2) || ' a message' FROM pg_stat_statements
			WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE 'SELECT count(*) FROM messages%'"
		[ -n "${VERBOSE:-}" ] && psql_ -d "$db" -tAc "SELECT calls, left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements ORDER BY calls DESC LIMIT 30"
	fi
	return 0
}

# shellcheck disable=SC2119 # no extra arguments
start_webhookd
echo "== (e) flat out (wrk -t2 -c64, 10 s) on $SMS_DB =="
wrk_run flat 64 10 0 "$WH_URL/sms/incoming"
echo "== (f) 1,000 req/s on a fixed schedule (wrk -t2 -c32, 10 s) =="
wrk_run paced 32 10 1000 "$WH_URL/sms/incoming"
stop_webhookd
psql_ -d postgres -c "DROP DATABASE $db"
