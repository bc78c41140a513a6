#!/usr/bin/env bash
# bench/dashboard.sh [BUILD_DIR] — the review dashboard on a long queue: a
# store of N (10,000) staged messages (sms-stage from NDJSON) and 2,000
# received ones (200 unread; the sqlite3 CLI), sms-webhookd on loopback, then
# RUNS (20) requests of each page: the staged tab's first, middle and last
# page, the inbox and the sent tab. Server time is what the dashboard reports
# in its Server-Timing header (the handler, from request to page); curl's
# time to first byte less its connect time is shown beside it (that adds the
# daemon's HTTP layer and its hand-over to the dashboard's thread). Prints
# the median and the maximum of each, and the commands that reproduce them.
# Target: every page under 200 ms of server time.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$(cd "$build/bin" && pwd)
n=${N:-10000}
runs=${RUNS:-20}
for t in curl sqlite3; do
	command -v "$t" >/dev/null || { echo "bench/dashboard.sh: needs $t" >&2; exit 1; }
done
w=$(mktemp -d "${TMPDIR:-/tmp}/smskit-bench-dash.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$w"' EXIT
export SMS_DB="$w/sms.db" SMS_CONFIG="$w/config" SMS_TZ=UTC SMS_PROVIDER=sandbox \
	TWILIO_AUTH_TOKEN=bench-token SMS_QUIET_HOURS=off SMS_DAILY_LIMIT=100 SMS_MONTHLY_LIMIT=1000
unset SMS_TEST_NOW SMS_DASHBOARD_TOKEN

awk -v n="$n" 'BEGIN { split("urgent high normal low", p, " ");
	for (i = 0; i < n; i++)
		printf "{\"to\":\"+1212555%04d\",\"body\":\"Hi, your appointment %d is confirmed for Tuesday at 10:00. Reply C to confirm or R to reschedule.\",\"priority\":\"%s\",\"notes\":\"batch %d\"}\n", i % 10000, i, p[i % 4 + 1], i / 100 }' \
	>"$w/stage.ndjson"
"$bin/sms-stage" -o json <"$w/stage.ndjson" >/dev/null
sqlite3 -batch "$SMS_DB" <<'SQL'
BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 2000)
INSERT INTO messages (direction, status, to_number, from_number, body, encoding, segments,
                      currency, provider, provider_id, priority, read, replied, created_at, updated_at)
SELECT 'inbound', 'received', '+15550006666', printf('+1555%07d', 3000000 + i % 300),
       'Inbound ' || i || ': are you open on Saturday?', 'GSM-7', 1, 'USD', 'sandbox',
       printf('SMbench%08d', i), 'normal', CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END, 0,
       strftime('%Y-%m-%dT%H:%M:%SZ', 1764000000 + i * 60, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%SZ', 1764000000 + i * 60, 'unixepoch')
FROM k;
COMMIT;
SQL
pending=$(sqlite3 -batch "$SMS_DB" "SELECT count(*) FROM messages WHERE status = 'pending'")
lo=$(sqlite3 -batch "$SMS_DB" "SELECT min(id) FROM messages WHERE status = 'pending'")
mid=$((lo + pending / 2))

"$bin/sms-webhookd" --listen 127.0.0.1:0 --port-file "$w/port" 2>"$w/log" &
pid=$!
for ((i = 0; i < 100; i++)); do [ -s "$w/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$w/port")/review"
curl -s -o /dev/null "$url/staged" # the store's secret is made on the first request

echo "== the review dashboard: $pending staged, 2000 received (200 unread); $runs requests each =="
printf '%-34s %18s %18s %12s\n' "page" "server ms (median" "max)" "ttfb-connect"
fail=0
for page in "staged" "staged?after=$mid" "staged?last=1" "inbox" "sent" ${EXTRA_PAGES:-}; do
	: >"$w/app" ; : >"$w/net"
	for ((i = 0; i < runs; i++)); do
		t=$(curl -s -o "$w/body" -D "$w/h" -w '%{time_starttransfer} %{time_connect}' "$url/$page")
		tr -d '\r' <"$w/h" | sed -n 's/^Server-Timing: app;dur=//p' >>"$w/app"
		awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.3f\n", (a[1] - a[2]) * 1000 }' >>"$w/net"
	done
	rows=$(grep -o '<tr id="m\|<article class="msg' "$w/body" | wc -l || true)
	med=$(sort -n "$w/app" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	max=$(sort -n "$w/app" | tail -n 1)
	net=$(sort -n "$w/net" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	printf '%-34s %18s %18s %12s   (%d rows)\n' "/review/$page" "$med" "$max" "$net" "$rows"
	awk -v m="$max" 'BEGIN { exit !(m < 200) }' || fail=1
done
[ "$fail" = 0 ] && echo "target: every page under 200 ms server time: met" \
	|| echo "target: every page under 200 ms server time: MISSED"
sed "s|BIN|$bin|g; s|MID|$mid|g" <<'EOF'
reproduce:
  export SMS_DB=/tmp/dash.db SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=x; rm -f /tmp/dash.db*
  awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{\"to\":\"+1212555%04d\",\"body\":\"Hi, your appointment %d is confirmed.\"}\n", i, i }' | BIN/sms-stage -o json > /dev/null
  BIN/sms-webhookd --listen 127.0.0.1:3001 &
  curl -s -o /dev/null -D - 'http://127.0.0.1:3001/review/staged?after=MID' | grep Server-Timing
EOF
