#!/usr/bin/env bash
# bench/migrate.sh [BUILD_DIR] — sms-store migrate of a SQLite store of a
# million messages into PostgreSQL: builds the store with the sqlite3 CLI as
# bench/store-maint.sh does (both directions, two events for most messages,
# one message every 63 s over two years), starts a throwaway PostgreSQL
# server (tests/pg-cluster: unix socket, fsync off), then times the
# migration into an empty database, and a second run (which adds nothing),
# one run each, wall clock, with the counts and the command that reproduces
# it. N (messages) may be set.
set -euo pipefail
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench/migrate.sh: needs bash 5 (EPOCHREALTIME)" >&2; exit 1; }
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$(cd "$build/bin" && pwd)
n=${N:-1000000}
command -v sqlite3 >/dev/null || { echo "bench/migrate.sh: needs the sqlite3 CLI" >&2; exit 1; }
command -v psql >/dev/null || { echo "bench/migrate.sh: needs psql" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/smskit-bench-migrate.XXXXXX")
chmod 755 "$w" # the server may run as another user (tests/pg-cluster)
pg=""
cleanup() {
	[ -z "$pg" ] || tests/pg-cluster stop "$w/pg" || true
	rm -rf "$w"
}
trap cleanup EXIT
export SMS_CONFIG="$w/config" SMS_TZ=UTC
unset SMS_PROVIDER SMS_TEST_NOW
src=$w/sms.db

# The source, as bench/store-maint.sh makes it: the store as smskit creates
# it, then the rows, the indexes dropped while they go in and made again.
SMS_DB=$src "$bin/sms-optout" list -o json >/dev/null
indexes=$(sqlite3 -batch "$src" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index'
	AND tbl_name IN ('messages', 'events') AND sql IS NOT NULL")
drops=$(sqlite3 -batch "$src" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master
	WHERE type = 'index' AND tbl_name IN ('messages', 'events') AND sql IS NOT NULL")
t0=${EPOCHREALTIME/[.,]/}
sqlite3 -batch "$src" <<SQL
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
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 1000)
INSERT INTO optouts (number, at, source)
  SELECT printf('+1646555%04d', i), '2026-01-01T00:00:00Z', 'bench' FROM k;
INSERT INTO kv (key, value, updated_at) VALUES ('bench.cursor', '42', '2026-01-01T00:00:00Z');
$indexes
COMMIT;
SQL
t1=${EPOCHREALTIME/[.,]/}
rows=$(sqlite3 -batch "$src" "SELECT count(*) FROM messages")
events=$(sqlite3 -batch "$src" "SELECT count(*) FROM events")
echo "== sms-store migrate of a store of $rows messages, $events events, $(($(stat -c %s "$src") / 1000000)) MB (built in $(((t1 - t0) / 1000)) ms) =="

sock=$(tests/pg-cluster start "$w/pg")
pg=1
psql -h "$sock" -U smskit -d postgres -qc "CREATE DATABASE bench" >/dev/null
export SMS_DB="postgresql:///bench?host=$sock&user=smskit"

# timed LABEL: one run of sms-store migrate, wall clock; its record in $w/out.
timed() {
	local a b
	a=${EPOCHREALTIME/[.,]/}
	"$bin/sms-store" migrate -o json "$src" >"$w/out"
	b=${EPOCHREALTIME/[.,]/}
	printf '%-40s %8.2f s\n' "$1" "$(echo "$((b - a)) / 1000000" | bc -l)"
	# The counts: each table's rows in the source, copied, found.
	jq -r '[.messages, .events, .optouts, .consents, .templates, .autoresponders, .kv] as $t |
		["messages", "events", "optouts", "consents", "templates", "autoresponders", "kv"] as $n |
		range(0; 7) | "    \($n[.]): \($t[.].source) in the source, \($t[.].copied) copied, \($t[.].found) found"' \
		"$w/out"
	echo "    seconds (as sms-store prints them): $(jq -r .seconds "$w/out"), ok: $(jq -r .ok "$w/out")"
}
timed "sms-store migrate (an empty database)"
timed "sms-store migrate again (adds nothing)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "reproduce: N=$n bash bench/migrate.sh $build"
