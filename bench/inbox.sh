#!/usr/bin/env bash
# bench/inbox.sh [BUILD_DIR] — sms-inbox on a store of a million messages:
# builds the store with the sqlite3 CLI (valid rows: both directions, about
# 1000 numbers, some inbound unread), then times `sms-inbox --unread` and
# `sms-inbox --thread NUM`, one process per run, wall clock, and prints the
# median and the maximum of each with the command that reproduces them.
# Targets: each under 20 ms. N (messages) and RUNS may be set in the environment.
# Then `sms-inbox --wait` on that store: WAIT_RUNS (default 50) times, a wait
# started, a webhook posted to sms-webhookd (a daemon on a loopback port), and
# the time from the webhook's 200 to sms-inbox's exit; median and max.
# Target: under 250 ms (sms-inbox(1), --wait).
set -euo pipefail
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench/inbox.sh: needs bash 5 (EPOCHREALTIME)" >&2; exit 1; }
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$(cd "$build/bin" && pwd)
n=${N:-1000000}
runs=${RUNS:-20}
command -v sqlite3 >/dev/null || { echo "bench/inbox.sh: needs the sqlite3 CLI" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/smskit-bench-inbox.XXXXXX")
trap 'rm -rf "$w"' EXIT
export SMS_DB="$w/sms.db" SMS_CONFIG="$w/config" SMS_TZ=UTC
unset SMS_PROVIDER SMS_TEST_NOW

# The store as smskit creates it (schema, pragmas), then the rows. The
# indexes are dropped while the rows go in and made again from their own
# definitions, which is quicker than keeping them up to date row by row.
# Message i: odd ids are received from, even ids sent to, number i/2 mod
# 1000 (+15552000000 and on); one every 30 s from 2025-01-01; a received
# message is read, and replied to when i mod 3 = 0, except one in 97 unread.
"$bin/sms-inbox" -o json --limit 1 >/dev/null
t0=${EPOCHREALTIME/[.,]/}
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
t1=${EPOCHREALTIME/[.,]/}
rows=$(sqlite3 -batch "$SMS_DB" "SELECT count(*) FROM messages")
unread=$(sqlite3 -batch "$SMS_DB" "SELECT count(*) FROM messages WHERE direction = 'inbound' AND read = 0")
echo "== sms-inbox on a store of $rows messages ($unread unread; built in $(((t1 - t0) / 1000)) ms) =="

# time_runs CMD...: runs it RUNS times after one warm-up; prints median and max
# in ms. Bash's own clock ($EPOCHREALTIME, microseconds): no process is started
# to read the time, so a run counts only the program's own process.
time_runs() {
	local a b i
	"$@" >/dev/null
	: >"$w/times"
	for ((i = 0; i < runs; i++)); do
		a=${EPOCHREALTIME/[.,]/}
		"$@" >"$w/out"
		b=${EPOCHREALTIME/[.,]/}
		echo $((b - a)) >>"$w/times"
	done
	sort -n "$w/times" | awk -v runs="$runs" '{ t[NR] = $1 } END {
		med = runs % 2 ? t[(runs + 1) / 2] : (t[runs / 2] + t[runs / 2 + 1]) / 2
		printf "median %.1f ms  max %.1f ms  (%d runs)", med / 1000, t[NR] / 1000, runs }'
}

num=+15552000123
printf '%-44s %s, %s records\n' "sms-inbox --unread --limit 50 -o json" \
	"$(time_runs "$bin/sms-inbox" --unread --limit 50 -o json)" "$(wc -l <"$w/out")"
printf '%-44s %s, %s records\n' "sms-inbox --thread $num -o json" \
	"$(time_runs "$bin/sms-inbox" --thread "$num" -o json)" "$(wc -l <"$w/out")"
printf '%-44s %s, %s records\n' "sms-inbox -o json (newest 50)" \
	"$(time_runs "$bin/sms-inbox" -o json)" "$(wc -l <"$w/out")"
printf '%-44s %s\n' "/bin/true (starting any process, for scale)" "$(time_runs /bin/true)"

# ---- sms-inbox --wait: from the webhook's 200 to the waiter's exit ----------------
# The waiter is asleep once its inotify watch is open (its baseline follows at
# once; 0.1 s more covers it). Its exit time is taken by the subshell that ran it.
wait_runs=${WAIT_RUNS:-50}
watching() {
	local f
	for f in /proc/"$1"/fd/*; do [ "$(readlink "$f" 2>/dev/null)" = anon_inode:inotify ] && return 0; done
	return 1
}
"$bin/sms-webhookd" --no-verify --listen 127.0.0.1:0 --port-file "$w/port" 2>"$w/webhookd.log" &
wh=$!
for ((i = 0; i < 50; i++)); do [ -s "$w/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$w/port")/sms/incoming"
: >"$w/lat"
for ((i = 0; i < wait_runs; i++)); do
	rm -f "$w/woke"
	( "$bin/sms-inbox" --wait 10 --from +15553000001 -o json >"$w/wout"
	  echo "${EPOCHREALTIME/[.,]/}" >"$w/woke" ) &
	waiter=$!
	for ((k = 0; k < 200; k++)); do
		p=$(pgrep -P "$waiter" -x sms-inbox) && watching "$p" && break
		sleep 0.01
	done
	sleep 0.1
	curl -s -o /dev/null -d "From=%2B15553000001&To=%2B15550006666&Body=wait+$i&MessageSid=SMwait$i&AccountSid=AC1" "$url"
	a=${EPOCHREALTIME/[.,]/}
	wait "$waiter"
	echo $(($(cat "$w/woke") - a)) >>"$w/lat"
done
kill "$wh"; wait "$wh" 2>/dev/null || true
printf '%-44s %s\n' "sms-inbox --wait: webhook's 200 to exit" "$(sort -n "$w/lat" | awk -v runs="$wait_runs" '{ t[NR] = $1 } END {
	med = runs % 2 ? t[(runs + 1) / 2] : (t[runs / 2] + t[runs / 2 + 1]) / 2
	printf "median %.1f ms  max %.1f ms  (%d runs; below 0: out before curl had read the 200)", med / 1000, t[NR] / 1000, runs }')"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "targets: --unread and --thread each under 20 ms; --wait's wake-up under 250 ms"
echo "reproduce: N=$n RUNS=$runs WAIT_RUNS=$wait_runs bash bench/inbox.sh $build"
