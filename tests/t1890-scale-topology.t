#!/usr/bin/env bash
# The topology of smskit-scale(7) under load: nginx with
# contrib/scale/nginx-two-nodes.conf balancing two sms-webhookd daemons on one
# store, while four `sms-send --approved` drain 5,000 approved messages
# against the fake Twilio and the dashboard, through nginx, approves more:
# every webhook answered 2xx stored once, every message sent once, the daily
# cap not crossed, nothing left sending. Then one daemon killed with -9 under
# load (nginx sends the rest to the other; nothing acknowledged is lost) and,
# on PostgreSQL, the server restarted under load (requests in flight get 5xx,
# none acknowledged is lost, both daemons answer again by themselves).
# On SQLite the two daemons share one file on one host, which works too.
# SCALE_LOAD_SECONDS (default 10) is the first load's length; bench/scale.sh
# runs 30 s.
if [ "${SMSKIT_STORE:-}" = pg ]; then
	# A server of this file's own (tests/lib.sh starts it): restarting it
	# below disturbs no other test.
	unset SMSKIT_PG_SOCKET
fi
. tests/lib.sh
. tests/webhook.sh
need "two daemons behind nginx under load" nginx wrk jq || { done_testing; exit; }

secs=${SCALE_LOAD_SECONDS:-10}
n=5000
cap=25.00 # dollars: 3,012 messages at 0.0083, partway through the queue
use_fake_twilio_account
# One token: the fake's account and the webhooks' signing key.
export TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_TZ=UTC SMS_DAILY_LIMIT=$cap
DTOKEN=dashboard-token-0123456789abcdef
lua=$SMSKIT_SRC/tests/wrk/signed-inbound.lua
NPORT=$(free-port)
N=http://127.0.0.1:$NPORT
# What wrk and the provider sign; nginx passes Host without its port.
export SMS_PUBLIC_URL=$N

# ---- The queue: 5,000 approved, 200 urgent ones left for the dashboard ----------------------------
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"to\":\"+1212555%04d\",\"body\":\"Reminder %d: see you at 10\"}\n", i % 10000, i }' |
	sms-stage -o json >"$T/stage.out" 2>"$T/stage.err"
check_eq "$n messages staged" "$n" "$(grep -c '"ok":true' "$T/stage.out")"
sms-approve --all --by loader -o json >/dev/null 2>"$T/approve.err"
check_eq "...and approved" "$n" "$(sql "SELECT count(*) FROM messages WHERE status = 'approved'")"
awk 'BEGIN { for (i = 1; i <= 200; i++)
	printf "{\"to\":\"+1646555%04d\",\"body\":\"Urgent %d: your table is ready\",\"priority\":\"urgent\"}\n", i, i }' |
	sms-stage -o json >/dev/null 2>>"$T/stage.err"
check_eq "200 urgent ones staged, pending" 200 "$(sql "SELECT count(*) FROM messages WHERE status = 'pending'")"

# ---- The nodes and nginx ------------------------------------------------------------------------
# start_node I: daemon I on a free loopback port (NODE_PORT[I], NODE_PID[I]).
declare -a NODE_PORT NODE_PID
start_node() {
	local p
	p=$(free-port)
	SMS_DASHBOARD_TOKEN=$DTOKEN sms-webhookd --listen "127.0.0.1:$p" 2>>"$T/node$1.log" &
	NODE_PID[$1]=$!
	NODE_PORT[$1]=$p
	wait_http "http://127.0.0.1:$p/healthz"
}
# settle PREFIX: until the rows of MessageSids PREFIX... stop growing (a
# request nginx still had in flight when wrk stopped), at most 15 s.
settle() {
	local a b i
	a=$(sql "SELECT count(*) FROM messages WHERE provider_id LIKE '$1%'")
	for ((i = 0; i < 15; i++)); do
		sleep 1
		b=$(sql "SELECT count(*) FROM messages WHERE provider_id LIKE '$1%'")
		[ "$a" = "$b" ] && return
		a=$b
	done
}
# once PREFIX: the check that each MessageSid PREFIX... is stored once (one
# statement, one snapshot); on a failure, the rows of the first repeated ones.
once() {
	local rows sids
	IFS='|' read -r rows sids < <(sql "SELECT count(*), count(DISTINCT provider_id) FROM messages
		WHERE provider_id LIKE '$1%'")
	check_eq "...once: $rows rows, one a MessageSid" "$rows" "$sids"
	[ "$rows" = "$sids" ] && return
	sql "SELECT id, direction, status, provider, provider_id, created_at FROM messages WHERE provider_id IN
		(SELECT provider_id FROM messages WHERE provider_id LIKE '$1%' GROUP BY provider_id HAVING count(*) > 1
		 ORDER BY provider_id LIMIT 3) ORDER BY provider_id, id" | sed 's/^/#   /'
}
# bail_out WHAT LOG...: what did not start, its logs, and the end of the test.
bail_out() {
	check "$1" false
	shift
	tail -n 20 "$@" | sed 's/^/#   /'
	done_testing
	exit
}
for i in 1 2; do
	start_node "$i" || bail_out "daemon $i starts" "$T/node$i.log"
done
# node_stored I: the messages daemon I stored since it started (its /metrics).
node_stored() {
	curl -s -H "Authorization: Bearer $DTOKEN" "http://127.0.0.1:${NODE_PORT[$1]}/metrics" |
		awk '$1 == "sms_webhookd_messages_stored_total" { print $2 }'
}
check "both daemons answer /healthz" test "$(curl -s "http://127.0.0.1:${NODE_PORT[1]}/healthz")$(curl -s "http://127.0.0.1:${NODE_PORT[2]}/healthz")" = okok

# The file as a user copies it: the nodes' ports and the listening address
# substituted, TLS left out (what is tested is the balancing).
D=$T/nginx
mkdir -p "$D"
sed -e "s|listen 443 ssl;|listen 127.0.0.1:$NPORT;|" -e '/^\tssl_certificate/d' \
    -e "s|127\.0\.0\.1:3001|127.0.0.1:${NODE_PORT[1]}|" -e "s|127\.0\.0\.1:3002|127.0.0.1:${NODE_PORT[2]}|" \
    "$SMSKIT_SRC/contrib/scale/nginx-two-nodes.conf" >"$D/site.conf"
nginx_site_conf "$D" "$D/site.conf" >"$D/nginx.conf"
check "nginx -t accepts the site" nginx -t -p "$D" -c "$D/nginx.conf"
nginx -p "$D" -c "$D/nginx.conf" 2>>"$D/error.log" &
npid=$!
wait_http "$N/healthz" || bail_out "nginx starts" "$D/error.log"
check_eq "GET /healthz through nginx" ok "$(curl -s "$N/healthz")"

# The fake provider, each request taking 5 ms.
start_fake_twilio --delay-ms 5 || exit 1

# ---- The dashboard through nginx ----------------------------------------------------------------
jar=$T/jar
dash() { local u=$1; shift; curl -s -o "$T/.body" -w '%{http_code}' -H "Authorization: Bearer $DTOKEN" -b "$jar" -c "$jar" "$@" "$N/review/$u"; }
check_eq "the staged tab through nginx, with the token" 200 "$(dash staged)"
csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/.body" | head -n 1 | sed 's/.*value="//; s/"$//')
check "...with a CSRF token" test ${#csrf} = 64
check_eq "...without the token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$N/review/staged")"
urgent=$(sql "SELECT id FROM messages WHERE status = 'pending' ORDER BY id")

# ---- Phase 1: webhooks, senders and the dashboard at once ----------------------------------------
# A sender loop: sms-send --approved again and again, as the timer of
# contrib/scale would, until told to stop; each run's exit status logged.
sender() {
	while [ ! -e "$T/stop" ]; do
		local rc=0
		timeout 120 sms-send --approved -o json >>"$T/send.$1.out" 2>>"$T/send.$1.err" || rc=$?
		echo "$rc" >>"$T/send.$1.rc"
		sleep 0.2
	done
}
mkdir -p "$T/acked1"
WH_TOKEN=$WEBHOOK_TOKEN WH_PREFIX=SMtopo WH_ACKED="$T/acked1" \
	wrk -t2 -c32 -d"${secs}s" --timeout 10s -s "$lua" "$N/sms/incoming" >"$T/wrk1.out" 2>&1 &
wrkpid=$!
spids=()
for k in 1 2 3 4; do sender "$k" & spids+=($!); done
# The dashboard approves the urgent ones, 50 at a time, while it all runs.
sleep 1
decided=""
for batch in 1 2 3 4; do
	args=()
	while read -r id; do args+=(-d "sel=$id"); done < <(sed -n "$(((batch - 1) * 50 + 1)),$((batch * 50))p" <<<"$urgent")
	decided+="$(dash decide -d "csrf=$csrf" -d bulk=approve "${args[@]}") "
	sleep 0.5
done
wait "$wrkpid"
touch "$T/stop"
wait "${spids[@]}"
sed 's/^/# /' "$T/wrk1.out"

ok=$(sed -n 's/^responses: 2xx \([0-9]*\) .*/\1/p' "$T/wrk1.out")
c5=$(sed -n 's/^responses: .* 5xx \([0-9]*\) .*/\1/p' "$T/wrk1.out")
c4=$(sed -n 's/^responses: .* 4xx \([0-9]*\) .*/\1/p' "$T/wrk1.out")
check "wrk ran ${secs} s through nginx and got answers (${ok:-0} acknowledged)" test "${ok:-0}" -gt 0
check_eq "...no 5xx" 0 "${c5:-missing}"
check_eq "...no 4xx (every signature verified behind the proxy)" 0 "${c4:-missing}"
cat "$T"/acked1/acked.* | sort -n >"$T/acked1.ids"
check_eq "every 2xx named a stored message's id" "$ok" "$(grep -c '^[0-9][0-9]*$' "$T/acked1.ids")"
settle SMtopo
sql "SELECT id FROM messages WHERE provider_id LIKE 'SMtopo%' ORDER BY id" | sort -n >"$T/stored1.ids"
check_eq "every acknowledged webhook is stored" "" "$(comm -23 "$T/acked1.ids" "$T/stored1.ids" | head -n 5)"
once SMtopo
check_eq "...and as many as acknowledged, give or take what was in flight when wrk stopped" 1 \
	"$(awk -v s="$(wc -l <"$T/stored1.ids")" -v a="$ok" 'BEGIN { print (s >= a && s <= a + 32) }')"
s1=$(node_stored 1) s2=$(node_stored 2)
check "both daemons stored webhooks ($s1 and $s2)" test "${s1:-0}" -gt 0 -a "${s2:-0}" -gt 0

check_eq "the dashboard's four approvals through nginx: 303 each" "303 303 303 303 " "$decided"
check_eq "...the 200 urgent messages approved, by the dashboard" "200|0" \
	"$(sql "SELECT count(*), sum(CASE WHEN reviewed_by = 'dashboard' THEN 0 ELSE 1 END) FROM messages WHERE body LIKE 'Urgent %' AND status <> 'pending'")"
check_eq "the senders' runs exited 0 (every message accepted)" "" "$(cat "$T"/send.*.rc | grep -vx 0 | sort -u | tr '\n' ' ')"
cat "$T"/send.*.err | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/# senders said: /'

# Sent once: the fake's log has one request per message, by its unique body.
jq -r '.params[] | select(.[0] == "Body") | .[1]' "$FAKE_LOG" >"$T/sent.bodies"
sent=$(wc -l <"$T/sent.bodies")
check_eq "no message was sent twice (the fake's log: $sent requests)" "" "$(sort "$T/sent.bodies" | uniq -d | head -n 3)"
check_eq "...and the store has one provider id per request" "$sent|$sent" \
	"$(sql "SELECT count(*), count(DISTINCT provider_id) FROM messages WHERE direction = 'outbound' AND provider_id IS NOT NULL")"
check_eq "nothing is left sending" 0 "$(sql "SELECT count(*) FROM messages WHERE status = 'sending'")"
sms-status --summary -o json >"$T/summary.json"
spend=$(jq -r .spend.today "$T/summary.json")
check_eq "the daily cap held: spend $spend <= $cap" 1 "$(awk -v s="$spend" -v c="$cap" 'BEGIN { print (s + 0 <= c + 0 && s + 0 > 0) }')"
check_eq "...and stopped the queue partway: the rest wait, approved, naming the cap" 1 \
	"$(sql "SELECT CASE WHEN count(*) > 0 AND count(*) = sum(CASE WHEN reason LIKE '%daily cap%' THEN 1 ELSE 0 END) THEN 1 ELSE 0 END FROM messages WHERE status = 'approved'")"
check_eq "...having sent what the cap allows, give or take one message" 1 \
	"$(awk -v s="$spend" -v c="$cap" 'BEGIN { print (c - s < 0.0083 * 2) }')"

# The cap lifted: the rest go out, each once.
SMS_DAILY_LIMIT='' sms-send --approved -o json --concurrency 16 >"$T/rest.out" 2>"$T/rest.err"
jq -r '.params[] | select(.[0] == "Body") | .[1]' "$FAKE_LOG" | sort >"$T/sent.bodies"
check_eq "with the cap lifted the rest are sent: $((n + 200)) requests in all" "$((n + 200))" "$(wc -l <"$T/sent.bodies")"
check_eq "...none twice" "" "$(uniq -d "$T/sent.bodies" | head -n 3)"
check_eq "...every message past sending, none approved or sending" "0|0" \
	"$(sql "SELECT sum(CASE WHEN status = 'approved' THEN 1 ELSE 0 END), sum(CASE WHEN status = 'sending' THEN 1 ELSE 0 END) FROM messages WHERE direction = 'outbound'")"
stop_fake_twilio

# ---- Phase 2: one daemon killed with -9 under load ------------------------------------------------
mkdir -p "$T/acked2"
before=$(node_stored 2)
WH_TOKEN=$WEBHOOK_TOKEN WH_PREFIX=SMkill WH_ACKED="$T/acked2" \
	wrk -t2 -c32 -d5s --timeout 10s -s "$lua" "$N/sms/incoming" >"$T/wrk2.out" 2>&1 &
wrkpid=$!
sleep 2
kill -9 "${NODE_PID[1]}"
wait "$wrkpid"
wait "${NODE_PID[1]}" 2>/dev/null
sed 's/^/# /' "$T/wrk2.out"
ok=$(sed -n 's/^responses: 2xx \([0-9]*\) .*/\1/p' "$T/wrk2.out")
c5=$(sed -n 's/^responses: .* 5xx \([0-9]*\) .*/\1/p' "$T/wrk2.out")
check "kill -9 of one daemon under load: wrk got answers (${ok:-0} acknowledged)" test "${ok:-0}" -gt 0
check_eq "...no 5xx: nginx sent the requests to the other" 0 "${c5:-missing}"
check "...the killed one is gone" sh -c "! kill -0 ${NODE_PID[1]} 2>/dev/null"
cat "$T"/acked2/acked.* | sort -n >"$T/acked2.ids"
settle SMkill
sql "SELECT id FROM messages WHERE provider_id LIKE 'SMkill%' ORDER BY id" | sort -n >"$T/stored2.ids"
check_eq "...every acknowledged webhook is stored" "" "$(comm -23 "$T/acked2.ids" "$T/stored2.ids" | head -n 5)"
once SMkill
# Daemon 1 had two seconds of five, shared with daemon 2: the survivor
# stored most of them.
took=$(($(node_stored 2) - before))
check "...and the survivor took the rest: $took of $(wc -l <"$T/stored2.ids") stored" \
	test "$((2 * took))" -gt "$(wc -l <"$T/stored2.ids")"
check_eq "the survivor still answers" ok "$(curl -s "http://127.0.0.1:${NODE_PORT[2]}/healthz")"

# The killed node back, as systemd's Restart=on-failure would.
start_node 1
check_eq "the killed node started again" ok "$(curl -s "http://127.0.0.1:${NODE_PORT[1]}/healthz")"

# ---- Phase 3 (PostgreSQL): the server restarted under load ----------------------------------------
# via PORT SID: a signed inbound webhook posted to the node on PORT itself,
# signed for the public URL; prints the status.
via() {
	local url=$N/sms/incoming sig
	set -- "$1" AccountSid=AC0123456789abcdef0123456789abcdef "Body=after the restart" \
		From=+15551238300 "MessageSid=$2" To=+15550006666
	sig=$(twilio_sig "$url" "$WEBHOOK_TOKEN" "${@:2}")
	post_with_sig "http://127.0.0.1:$1/sms/incoming" "$sig" "${@:2}"
}
if [ "$SMSKIT_STORE" != pg ]; then
	not_applicable "the store's server restarted under load" "an SQLite store has no server"
else
	pgbin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
	mkdir -p "$T/acked3"
	WH_TOKEN=$WEBHOOK_TOKEN WH_PREFIX=SMpgre WH_ACKED="$T/acked3" \
		wrk -t2 -c32 -d10s --timeout 10s -s "$lua" "$N/sms/incoming" >"$T/wrk3.out" 2>&1 &
	wrkpid=$!
	sleep 2
	# The server's own output, which it keeps after a restart, to a file.
	rc=0
	a=${EPOCHREALTIME/[.,]/}
	as_pg "$pgbin/pg_ctl" -D "$SMSKIT_PG_SOCKET/data" -m fast -w -t 30 restart >>"$T/pg-restart.log" 2>&1 || rc=$?
	b=${EPOCHREALTIME/[.,]/}
	check_eq "pg_ctl restart -m fast under load ($(((b - a) / 1000)) ms)" 0 "$rc"
	sleep 1
	back=$(sql "SELECT count(*) FROM messages WHERE provider_id LIKE 'SMpgre%'")
	wait "$wrkpid"
	sed 's/^/# /' "$T/wrk3.out"
	ok=$(sed -n 's/^responses: 2xx \([0-9]*\) .*/\1/p' "$T/wrk3.out")
	c5=$(sed -n 's/^responses: .* 5xx \([0-9]*\) .*/\1/p' "$T/wrk3.out")
	c4=$(sed -n 's/^responses: .* 4xx \([0-9]*\) .*/\1/p' "$T/wrk3.out")
	check "the restart under load: answers before and after it (${ok:-0} acknowledged, ${c5:-?} 5xx)" test "${ok:-0}" -gt 0
	check_eq "...no 4xx" 0 "${c4:-missing}"
	cat "$T"/acked3/acked.* | sort -n >"$T/acked3.ids"
	settle SMpgre
	sql "SELECT id FROM messages WHERE provider_id LIKE 'SMpgre%' ORDER BY id" | sort -n >"$T/stored3.ids"
	check_eq "...every acknowledged webhook is stored" "" "$(comm -23 "$T/acked3.ids" "$T/stored3.ids" | head -n 5)"
	once SMpgre
	check "...and stored webhooks again under the same load, by themselves ($back a second after the restart, $(wc -l <"$T/stored3.ids") at the end)" \
		test "$(wc -l <"$T/stored3.ids")" -gt "$back"
	for i in 1 2; do
		check_eq "daemon $i, not restarted, stores a webhook again" 200 "$(via "${NODE_PORT[$i]}" "SMafter$i")"
		check "...still the same process" kill -0 "${NODE_PID[$i]}"
	done
	check_eq "...both stored" 2 "$(sql "SELECT count(*) FROM messages WHERE provider_id IN ('SMafter1', 'SMafter2')")"
	cat "$T/node1.log" "$T/node2.log" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/# daemons said: /'
	sed 's/^[0-9\/: ]*\[/[/; s/ [0-9#]*: \*[0-9]* / /; s/, client.*//' "$D/error.log" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/# nginx said: /'
fi

kill "$npid" 2>/dev/null
for i in 1 2; do kill -TERM "${NODE_PID[$i]}" 2>/dev/null; done
wait "$npid" "${NODE_PID[1]}" "${NODE_PID[2]}" 2>/dev/null
done_testing
