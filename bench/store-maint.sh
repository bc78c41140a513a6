#!/usr/bin/env bash
# bench/store-maint.sh [BUILD_DIR] — sms-store on a store of a million
# messages: builds the store with the sqlite3 CLI (both directions, 10,000
# numbers of about 100 messages each and one of about 10,000, two events a
# message, one message every 63 s over two years, one outbound in 20 still in
# flight), then times stats, check, backup, export and erase of one number,
# and prune --older-than 1y (dry run, then for real, while another program
# writes: how long its writes wait), one run each, wall clock, with the
# command that reproduces each. N (messages) may be set.
set -euo pipefail
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench/store-maint.sh: needs bash 5 (EPOCHREALTIME)" >&2; exit 1; }
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$(cd "$build/bin" && pwd)
n=${N:-1000000}
command -v sqlite3 >/dev/null || { echo "bench/store-maint.sh: needs the sqlite3 CLI" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/smskit-bench-store.XXXXXX")
trap 'rm -rf "$w"' EXIT
export SMS_DB="$w/sms.db" SMS_CONFIG="$w/config" SMS_TZ=UTC
unset SMS_PROVIDER SMS_TEST_NOW

# The store as smskit creates it, then the rows, the indexes dropped while
# they go in and made again. Message i: inbound when i % 5 = 0 (received,
# from the peer), else outbound to the peer: delivered, or one in 20 queued,
# approved or pending (in flight). The peer: +13125550001 when i % 97 = 0,
# else +1212555 and i % 10000 in four digits. Events: "created", and a
# "status" one for each delivered message.
"$bin/sms-optout" list -o json >/dev/null
gen() {
	local indexes drops
	indexes=$(sqlite3 -batch "$SMS_DB" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index'
		AND tbl_name IN ('messages', 'events') AND sql IS NOT NULL")
	drops=$(sqlite3 -batch "$SMS_DB" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master
		WHERE type = 'index' AND tbl_name IN ('messages', 'events') AND sql IS NOT NULL")
	sqlite3 -batch "$SMS_DB" <<SQL
PRAGMA synchronous = OFF;
BEGIN;
$drops
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n),
m(i, inbound, peer, at, st) AS (
  SELECT i, i % 5 = 0,
         CASE WHEN i % 97 = 0 THEN '+13125550001' ELSE printf('+1212555%04d', i % 10000) END,
         strftime('%Y-%m-%dT%H:%M:%SZ', unixepoch('now') - ($n - i) * 63, 'unixepoch'),
         CASE i % 20 WHEN 1 THEN 'queued' WHEN 2 THEN 'approved' WHEN 3 THEN 'pending'
                     ELSE 'delivered' END FROM k)
INSERT INTO messages (id, direction, status, to_number, from_number, body, encoding, segments,
                      price_estimate, currency, priority, created_at, updated_at, sent_at)
SELECT i, CASE WHEN inbound THEN 'inbound' ELSE 'outbound' END,
       CASE WHEN inbound THEN 'received' ELSE st END,
       CASE WHEN inbound THEN '+15550006666' ELSE peer END,
       CASE WHEN inbound THEN peer ELSE '+15550006666' END,
       'message ' || i || ': your order has shipped', 'GSM-7', 1,
       CASE WHEN inbound THEN NULL ELSE '0.0083' END, 'USD', 'normal', at, at,
       CASE WHEN inbound OR st IN ('approved', 'pending') THEN NULL ELSE at END
FROM m;
INSERT INTO events (message_id, at, kind, status, detail)
  SELECT id, created_at, 'created', status, '{"direction":"' || direction || '"}' FROM messages;
INSERT INTO events (message_id, at, kind, status, detail)
  SELECT id, created_at, 'status', 'delivered', '{"previous":"queued"}' FROM messages
  WHERE status = 'delivered';
$indexes
COMMIT;
SQL
}
t0=${EPOCHREALTIME/[.,]/}
gen
t1=${EPOCHREALTIME/[.,]/}
rows=$(sqlite3 -batch "$SMS_DB" "SELECT count(*) FROM messages")
events=$(sqlite3 -batch "$SMS_DB" "SELECT count(*) FROM events")
echo "== sms-store on a store of $rows messages, $events events, $(($(stat -c %s "$SMS_DB") / 1000000)) MB (built in $(((t1 - t0) / 1000)) ms) =="

# timed LABEL CMD...: one run, wall clock; the output record in $w/out.
timed() {
	local label=$1 a b
	shift
	a=${EPOCHREALTIME/[.,]/}
	"$@" >"$w/out"
	b=${EPOCHREALTIME/[.,]/}
	printf '%-52s %8.2f s  %s\n' "$label" "$(echo "$((b - a)) / 1000000" | bc -l)" \
		"$(tail -n 1 "$w/out" | cut -c1-150)"
}
big=+13125550001 one=+12125550042
timed "sms-store stats" "$bin/sms-store" stats -o json
timed "sms-store check" "$bin/sms-store" check -o json
timed "sms-store backup $w/copy.db" "$bin/sms-store" backup -o json "$w/copy.db"
timed "sms-store export --number $one" "$bin/sms-store" export --number "$one" -o json
echo "    ($(wc -l <"$w/out") records exported)"
timed "sms-store export --number $big" "$bin/sms-store" export --number "$big" -o json
echo "    ($(wc -l <"$w/out") records exported)"
timed "sms-store erase --number $one --dry-run" "$bin/sms-store" erase --number "$one" --dry-run -o json
timed "sms-store erase --number $one" "$bin/sms-store" erase --number "$one" -o json
timed "sms-store erase --number $big" "$bin/sms-store" erase --number "$big" -o json
timed "sms-store prune --older-than 1y --dry-run" "$bin/sms-store" prune --older-than 1y --dry-run -o json
# While prune runs, another writer (sms-optout add, one process each) notes
# how long each of its writes takes: how long prune's batches hold it up.
writer() {
	local i=0 a b
	: >"$w/waits"
	while [ ! -e "$w/stop" ]; do
		a=${EPOCHREALTIME/[.,]/}
		"$bin/sms-optout" add -o json "+1646555$(printf %04d $((i % 10000)))" >/dev/null
		b=${EPOCHREALTIME/[.,]/}
		echo $((b - a)) >>"$w/waits"
		i=$((i + 1))
	done
}
writer &
writer_pid=$!
timed "sms-store prune --older-than 1y" "$bin/sms-store" prune --older-than 1y -o json
touch "$w/stop"
wait "$writer_pid"
sort -n "$w/waits" | awk '{ t[NR] = $1 } END {
	printf "    meanwhile %d writes by sms-optout add: median %.1f ms, max %.1f ms\n",
	       NR, t[int((NR + 1) / 2)] / 1000, t[NR] / 1000 }'
left=$(sqlite3 -batch "$SMS_DB" "SELECT count(*) FROM messages")
echo "    ($left messages left; $(sqlite3 -batch "$SMS_DB" "SELECT count(*) FROM messages WHERE
	created_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-365 days')") of them older than a year, in flight)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "reproduce: N=$n bash bench/store-maint.sh $build"
