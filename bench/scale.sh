#!/usr/bin/env bash
# bench/scale.sh [BUILD_DIR] — the figures of smskit-scale(7) on PostgreSQL,
# beside the same figures on SQLite in the same run, same machine:
#  (s1) webhook ingest across two sms-webhookd nodes behind nginx
#       (contrib/scale/nginx-two-nodes.conf, TLS left out): wrk -t2 -c32 for
#       SECS (30) seconds, flat out, signed inbound messages: req/s and p99;
#  (s2) the same at 1,000 req/s on a fixed schedule (tests/wrk/signed-inbound.lua,
#       WH_RATE, as bench/webhook.sh measures it), RATE_SECS (10) seconds: p99;
#  (s3) `sms-inbox --unread --limit 50 -o json` on a store of N (1,000,000)
#       messages, filled as bench/inbox.sh fills it (SQL in the engine itself:
#       a recursive CTE in sqlite3, generate_series in psql): median and max
#       of RUNS (20) runs, one process each;
#  (s4) the dashboard's staged page (/review/staged) with 10,000 staged
#       (sms-stage), as bench/dashboard.sh asks it: the median and max of RUNS
#       requests' Server-Timing.
# PostgreSQL: a server this script starts in a scratch directory with
# tests/pg-cluster, then restarted with fsync on (pg-cluster turns it off for
# the tests), so that its commits are durable as SQLite's synchronous=FULL.
# On SQLite the two nodes share one file on this host. bench/webhook.sh,
# bench/inbox.sh and bench/dashboard.sh give the one-node SQLite figures.
# STORES ("sqlite pg") chooses the stores. Targets (issue 19): ingest across
# two nodes >= 5,000 req/s; p99 < 20 ms at 1,000 req/s; inbox --unread over
# 1,000,000 messages < 20 ms; the staged page with 10,000 staged < 200 ms.
set -euo pipefail
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench/scale.sh: needs bash 5 (EPOCHREALTIME)" >&2; exit 1; }
cd "$(dirname "$0")/.."
src=$(pwd)
build=${1:-build}
SMSKIT_BIN=$(cd "$build/bin" && pwd)
PATH="$SMSKIT_BIN:$(cd "$build" && pwd)/tests:$PATH:/usr/sbin:/sbin"
secs=${SECS:-30}
rate_secs=${RATE_SECS:-10}
n=${N:-1000000}
runs=${RUNS:-20}
stores=${STORES:-sqlite pg}
for t in nginx wrk curl sqlite3 jq; do
	command -v "$t" >/dev/null || { echo "bench/scale.sh: skipped: needs $t"; exit 0; }
done
pgbin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ ! -x "$pgbin/initdb" ] || ! command -v psql >/dev/null; then
	echo "bench/scale.sh: PostgreSQL is not installed (apt-get install postgresql-15): SQLite only"
	stores=sqlite
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/smskit-bench-scale.XXXXXX")
chmod 755 "$T"
pgdir=$T/pg
cleanup() {
	jobs -p | xargs -r kill 2>/dev/null || true
	wait 2>/dev/null || true
	[ -d "$pgdir/data" ] && "$src/tests/pg-cluster" stop "$pgdir"
	rm -rf "$T"
}
trap cleanup EXIT
# shellcheck source=tests/webhook.sh
. tests/webhook.sh
export SMS_CONFIG="$T/config" SMS_TZ=UTC XDG_CONFIG_HOME="$T/xdg" XDG_DATA_HOME="$T/xdg-data"
unset SMS_PROVIDER SMS_TEST_NOW SMS_DASHBOARD_TOKEN SMS_DAILY_LIMIT SMS_MONTHLY_LIMIT
wait_for_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# ---- PostgreSQL: a server of its own, durable -----------------------------------------------------
if [[ " $stores " == *" pg "* ]]; then
	"$src/tests/pg-cluster" start "$pgdir" >/dev/null
	as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null
	as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 30 \
		-o "-k $pgdir -c listen_addresses= -c max_connections=300 -c shared_buffers=128MB" start >/dev/null
	psql_admin() { psql -X -q -A -t -h "$pgdir" -U smskit -d postgres "$@"; }
	echo "PostgreSQL: $(psql_admin -c 'SHOW server_version'), fsync $(psql_admin -c 'SHOW fsync'), synchronous_commit $(psql_admin -c 'SHOW synchronous_commit'), on a unix socket in $pgdir"
fi
# new_db STORE NAME: the SMS_DB of an empty store.
new_db() {
	if [ "$1" = sqlite ]; then echo "$T/$2.db"; return; fi
	psql_admin -c "CREATE DATABASE $2" >/dev/null
	echo "postgresql:///$2?host=$pgdir&user=smskit"
}
# q STORE SQL: one query on SMS_DB, rows one per line.
q() {
	if [ "$1" = sqlite ]; then sqlite3 -batch "$SMS_DB" "$2"; else psql -X -q -A -t -d "$SMS_DB" -c "$2"; fi
}

declare -A R
# wrk_run STORE NAME SECONDS RATE URL: R[STORE.NAME.rps|p50|p99|ok|c5]; RATE 0 is flat out.
wrk_run() {
	local store=$1 name=$2 d=$3 rate=$4 url=$5 line
	WH_TOKEN=$WEBHOOK_TOKEN WH_PREFIX="SM$name" WH_RATE=$rate WH_THREADS=2 \
		wrk -t2 -c32 -d"${d}s" --timeout 10s -s tests/wrk/signed-inbound.lua "$url" >"$T/wrk.$store.$name" 2>&1
	line=$(awk '/^Requests\/sec:/ { rps = $2 } /^responses:/ { ok = $3; c4 = $5; c5 = $7 }
		/^latency:/ { p50 = $3; p99 = $9 } END { printf "%.0f %s %s %s %s %s", rps, p50, p99, ok, c4, c5 }' "$T/wrk.$store.$name")
	read -r "R[$store.$name.rps]" "R[$store.$name.p50]" "R[$store.$name.p99]" "R[$store.$name.ok]" \
		"R[$store.$name.c4]" "R[$store.$name.c5]" <<<"$line"
	printf '%-10s %-6s %6s req/s  p50 %s ms  p99 %s ms  (2xx %s, 4xx %s, 5xx %s)\n' "$store" "$name" \
		"${R[$store.$name.rps]}" "${R[$store.$name.p50]}" "${R[$store.$name.p99]}" \
		"${R[$store.$name.ok]}" "${R[$store.$name.c4]}" "${R[$store.$name.c5]}"
}

# median_max FILE: "median max" of the numbers in FILE.
median_max() {
	sort -n "$1" | awk '{ t[NR] = $1 } END {
		med = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "%.1f %.1f", med, t[NR] }'
}

# ---- (s1), (s2): two nodes behind nginx --------------------------------------------------------------
ingest() {
	local store=$1 nport i
	export SMS_DB
	SMS_DB=$(new_db "$store" ingest)
	nport=$(free-port)
	local -a port pid
	for i in 1 2; do
		port[i]=$(free-port)
		rm -f "$T/node$i.port"
		SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_PUBLIC_URL=http://127.0.0.1:$nport \
			sms-webhookd --listen "127.0.0.1:${port[$i]}" 2>>"$T/node$i.$store.log" &
		pid[i]=$!
		wait_http "http://127.0.0.1:${port[$i]}/healthz" || { echo "node $i did not start:"; cat "$T/node$i.$store.log"; exit 1; }
	done
	mkdir -p "$T/nginx.$store"
	sed -e "s|listen 443 ssl;|listen 127.0.0.1:$nport;|" -e '/^\tssl_certificate/d' \
	    -e "s|127\.0\.0\.1:3001|127.0.0.1:${port[1]}|" -e "s|127\.0\.0\.1:3002|127.0.0.1:${port[2]}|" \
	    contrib/scale/nginx-two-nodes.conf >"$T/nginx.$store/site.conf"
	nginx_site_conf "$T/nginx.$store" "$T/nginx.$store/site.conf" "${NGINX_WORKERS:-auto}" >"$T/nginx.$store/nginx.conf"
	nginx -p "$T/nginx.$store" -c "$T/nginx.$store/nginx.conf" 2>>"$T/nginx.$store/error.log" &
	local npid=$!
	wait_http "http://127.0.0.1:$nport/healthz" || { echo "nginx did not start:"; cat "$T/nginx.$store/error.log"; exit 1; }
	wrk_run "$store" flat "$secs" 0 "http://127.0.0.1:$nport/sms/incoming"
	wrk_run "$store" paced "$rate_secs" 1000 "http://127.0.0.1:$nport/sms/incoming"
	# Each node's group commit: its transactions, their mean time and size.
	for i in 1 2; do
		curl -s "http://127.0.0.1:${port[i]}/metrics" | awk -v store="$store" -v i="$i" '
			$1 == "sms_webhookd_commit_seconds_sum" { cs = $2 } $1 == "sms_webhookd_commit_seconds_count" { cn = $2 }
			$1 == "sms_webhookd_commit_group_size_sum" { gs = $2 }
			$1 == "sms_webhookd_commit_failures_total" { f = $2 }
			END { if (cn > 0) printf "%-10s node %d: %d commits, %.2f ms each, %.1f webhooks each, %d failed\n",
			                         store, i, cn, 1000 * cs / cn, gs / cn, f }'
	done
	kill "$npid" "${pid[1]}" "${pid[2]}"
	wait "$npid" "${pid[1]}" "${pid[2]}" 2>/dev/null || true
	local rows acked
	rows=$(q "$store" "SELECT count(*) FROM messages")
	acked=$((R[$store.flat.ok] + R[$store.paced.ok]))
	echo "$store     stored: $rows messages for $acked acknowledged"
}

# ---- (s3): sms-inbox --unread over N messages ----------------------------------------------------------
# The rows of bench/inbox.sh: message i: odd ids received from, even ids sent
# to, number i/2 mod 1000; one every 30 s from 2025-01-01; a received message
# read, replied to when i mod 3 = 0, except one in 97 unread.
fill_sqlite() {
	local indexes drops
	indexes=$(sqlite3 -batch "$SMS_DB" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index'
		AND tbl_name = 'messages' AND sql IS NOT NULL")
	drops=$(sqlite3 -batch "$SMS_DB" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master
		WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL")
	sqlite3 -batch "$SMS_DB" <<SQL
PRAGMA synchronous = OFF;
BEGIN;
$drops
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n),
m(i, inbound, peer, at) AS (
  SELECT i, i % 2, printf('+1555%07d', 2000000 + (i / 2) % 1000),
         strftime('%Y-%m-%dT%H:%M:%SZ', 1735689600 + i * 30, 'unixepoch') FROM k)
INSERT INTO messages (id, direction, status, to_number, from_number, body, encoding, segments,
                      price_estimate, currency, provider, provider_id, priority, read, replied,
                      created_at, updated_at, sent_at)
SELECT i, CASE WHEN inbound THEN 'inbound' ELSE 'outbound' END,
       CASE WHEN inbound THEN 'received' ELSE 'delivered' END,
       CASE WHEN inbound THEN '+15550006666' ELSE peer END,
       CASE WHEN inbound THEN peer ELSE '+15550006666' END,
       'message ' || i || ': are you open on Saturday afternoon?', 'GSM-7', 1,
       CASE WHEN inbound THEN NULL ELSE '0.0083' END, 'USD', 'twilio', printf('SM%032x', i),
       'normal', CASE WHEN inbound AND i % 97 <> 1 THEN 1 ELSE 0 END,
       CASE WHEN inbound AND i % 97 <> 1 AND i % 3 = 0 THEN 1 ELSE 0 END,
       at, at, CASE WHEN inbound THEN NULL ELSE at END
FROM m;
$indexes
COMMIT;
SQL
}
fill_pg() {
	local indexes drops
	indexes=$(q pg "SELECT indexdef || ';' FROM pg_indexes WHERE tablename = 'messages'
		AND indexname <> 'messages_pkey'")
	drops=$(q pg "SELECT 'DROP INDEX ' || indexname || ';' FROM pg_indexes WHERE tablename = 'messages'
		AND indexname <> 'messages_pkey'")
	psql -X -q -v ON_ERROR_STOP=1 -d "$SMS_DB" >/dev/null <<SQL
SET synchronous_commit = off;
BEGIN;
$drops
INSERT INTO messages (id, direction, status, to_number, from_number, body, encoding, segments,
                      price_estimate, currency, provider, provider_id, priority, read, replied,
                      created_at, updated_at, sent_at)
SELECT i, CASE WHEN inbound THEN 'inbound' ELSE 'outbound' END,
       CASE WHEN inbound THEN 'received' ELSE 'delivered' END,
       CASE WHEN inbound THEN '+15550006666' ELSE peer END,
       CASE WHEN inbound THEN peer ELSE '+15550006666' END,
       'message ' || i || ': are you open on Saturday afternoon?', 'GSM-7', 1,
       CASE WHEN inbound THEN NULL ELSE '0.0083' END, 'USD', 'twilio', 'SM' || lpad(to_hex(i), 32, '0'),
       'normal', CASE WHEN inbound AND i % 97 <> 1 THEN 1 ELSE 0 END,
       CASE WHEN inbound AND i % 97 <> 1 AND i % 3 = 0 THEN 1 ELSE 0 END,
       at, at, CASE WHEN inbound THEN NULL ELSE at END
FROM (SELECT i, i % 2 = 1 AS inbound, '+1555' || lpad((2000000 + (i / 2) % 1000)::text, 7, '0') AS peer,
             to_char(timestamp '2025-01-01' + i * interval '30 seconds', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at
      FROM generate_series(1, $n) AS i) AS m;
$indexes
SELECT setval(pg_get_serial_sequence('messages', 'id'), $n);
COMMIT;
ANALYZE messages;
SQL
}
inbox() {
	local store=$1 t0 t1 a b i
	export SMS_DB
	SMS_DB=$(new_db "$store" inbox)
	sms-inbox -o json --limit 1 >/dev/null # the store as smskit makes it
	t0=${EPOCHREALTIME/[.,]/}
	"fill_$store"
	t1=${EPOCHREALTIME/[.,]/}
	echo "$store     inbox store: $(q "$store" "SELECT count(*) FROM messages") messages, $(q "$store" "SELECT count(*) FROM messages WHERE direction = 'inbound' AND read = 0") unread (filled in $(((t1 - t0) / 1000)) ms)"
	sms-inbox --unread --limit 50 -o json >/dev/null
	: >"$T/times"
	for ((i = 0; i < runs; i++)); do
		a=${EPOCHREALTIME/[.,]/}
		sms-inbox --unread --limit 50 -o json >"$T/out"
		b=${EPOCHREALTIME/[.,]/}
		awk -v t=$((b - a)) 'BEGIN { printf "%.3f\n", t / 1000 }' >>"$T/times"
	done
	read -r "R[$store.inbox.med]" "R[$store.inbox.max]" <<<"$(median_max "$T/times")"
	printf '%-10s sms-inbox --unread --limit 50: median %s ms  max %s ms  (%d runs, %d records)\n' "$store" \
		"${R[$store.inbox.med]}" "${R[$store.inbox.max]}" "$runs" "$(wc -l <"$T/out")"
}

# ---- (s4): the staged page with 10,000 staged --------------------------------------------------------
staged() {
	local store=$1 port pid i
	export SMS_DB
	SMS_DB=$(new_db "$store" dash)
	awk 'BEGIN { split("urgent high normal low", p, " ");
		for (i = 0; i < 10000; i++)
			printf "{\"to\":\"+1212555%04d\",\"body\":\"Hi, your appointment %d is confirmed for Tuesday at 10:00. Reply C to confirm or R to reschedule.\",\"priority\":\"%s\",\"notes\":\"batch %d\"}\n", i % 10000, i, p[i % 4 + 1], i / 100 }' |
		SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-stage -o json >/dev/null
	rm -f "$T/dash.port"
	SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=bench-token sms-webhookd --listen 127.0.0.1:0 \
		--port-file "$T/dash.port" 2>>"$T/dash.$store.log" &
	pid=$!
	wait_for_file "$T/dash.port"
	port=$(cat "$T/dash.port")
	curl -s -o /dev/null "http://127.0.0.1:$port/review/staged" # the dashboard's secret is made on the first
	: >"$T/times"
	for ((i = 0; i < runs; i++)); do
		curl -s -o "$T/body" -D "$T/h" "http://127.0.0.1:$port/review/staged"
		tr -d '\r' <"$T/h" | sed -n 's/^Server-Timing: app;dur=//p' >>"$T/times"
	done
	kill "$pid"; wait "$pid" 2>/dev/null || true
	read -r "R[$store.staged.med]" "R[$store.staged.max]" <<<"$(median_max "$T/times")"
	printf '%-10s /review/staged, %s pending: median %s ms  max %s ms server time  (%d requests, %d rows)\n' "$store" \
		"$(q "$store" "SELECT count(*) FROM messages WHERE status = 'pending'")" \
		"${R[$store.staged.med]}" "${R[$store.staged.max]}" "$runs" "$(grep -o '<tr id="m' "$T/body" | wc -l)"
}

echo "== smskit-scale(7): the same figures on each store ($stores), load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs =="
for store in $stores; do
	echo "-- $store: (s1) two nodes behind nginx, flat out ${secs} s; (s2) 1,000 req/s ${rate_secs} s"
	ingest "$store"
	echo "-- $store: (s3) sms-inbox --unread over $n messages"
	inbox "$store"
	echo "-- $store: (s4) the staged page with 10,000 staged"
	staged "$store"
done

echo
# The table: one column a store, the target last.
col() { local v=${R[$1]:-}; printf '%14s' "${v:--}"; }
printf '%-44s' "figure"; for s in $stores; do printf '%14s' "$s"; done; printf '   %s\n' "target"
row() { # row LABEL KEY TARGET
	printf '%-44s' "$1"; for s in $stores; do col "$s.$2"; done; printf '   %s\n' "$3"
}
row "ingest, two nodes, flat (req/s)" flat.rps ">= 5000"
row "...its p99 (ms)" flat.p99 ""
row "ingest at 1,000 req/s: p99 (ms)" paced.p99 "< 20"
row "...its 5xx" paced.c5 "0"
row "inbox --unread over $n: median (ms)" inbox.med "< 20"
row "...max (ms)" inbox.max ""
row "staged page, 10,000 staged: median (ms)" staged.med "< 200"
row "...max (ms)" staged.max ""
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
cat <<EOS
reproduce:
  STORES="$stores" SECS=$secs RATE_SECS=$rate_secs N=$n RUNS=$runs bash bench/scale.sh $build
  (one store: STORES=pg or STORES=sqlite; the one-node SQLite figures: bench/webhook.sh, bench/inbox.sh, bench/dashboard.sh)
EOS
