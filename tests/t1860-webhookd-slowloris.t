#!/usr/bin/env bash
# sms-webhookd against slow clients, with its default limits (sms-webhookd(1),
# Limits). A slowloris (1,200 connections from one address, each sending a
# header line every 5 s, and opening again when closed) does not keep signed
# requests from another address from being answered, and none of its
# connections is held past --request-timeout. 400 connections that send
# nothing, from four addresses, fill --max-connections: those over it are
# refused at once, and once the 400 close, /healthz answers straight away.
# The attackers are tests/tools/slow-client, from 127.0.0.2 and up; the
# provider is curl, from 127.0.0.1.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN

# timed_incoming SID: a signed inbound message, at most 5 s; prints the HTTP
# status and the seconds it took.
timed_incoming() {
	local u="$WH_URL/sms/incoming" sig
	sig=$(twilio_sig "$u" "$WEBHOOK_TOKEN" Body=hi From=+15551230001 "MessageSid=$1" To=+15550006666)
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 5 -H "X-Twilio-Signature: $sig" \
		--data-urlencode Body=hi --data-urlencode From=+15551230001 --data-urlencode "MessageSid=$1" \
		--data-urlencode To=+15550006666 "$u"
}

# field NAME FILE: a figure from slow-client's line ("connected 1200").
field() { grep -o "$1 [0-9.]*" "$2" | head -n 1 | awk '{print $NF}'; }

check_exit "--max-client-connections takes a number" 64 sms-webhookd --max-client-connections lots
check_grep "...saying which" 'from 0 to 100000' "$T/.err"
check_exit "--request-timeout takes seconds" 64 sms-webhookd --request-timeout -1

start_webhookd
port=${WH_URL##*:}

# The slowloris, 15 s; signed requests every half second meanwhile.
slow-client -b 127.0.0.2 -r trickle 127.0.0.1 "$port" 1200 15 5 >"$T/slow.out" 2>&1 &
spid=$!
sleep 1
for i in $(seq -w 1 24); do
	timed_incoming "SMslow$i"
	sleep 0.5
done >"$T/timed"
wait "$spid"
sed 's/^/# /' "$T/slow.out"
check_eq "during the slowloris, every signed request was answered 200" 24 "$(grep -c '^200 ' "$T/timed")"
slowest=$(sort -k2 -n "$T/timed" | tail -n 1 | awk '{print $2}')
check "...each within 2 s (the slowest: $slowest s)" awk '$2 >= 2 { exit 1 }' "$T/timed"
check_eq "...and stored" 24 "$(q "select count(*) from messages where provider_id like 'SMslow%'")"
check "the slowloris's connections were closed by the server ($(field 'closed by the server' "$T/slow.out"))" \
	test "$(field 'closed by the server' "$T/slow.out")" -gt 1072
check "...none held past --request-timeout (10 s): at most $(field 'held at most' "$T/slow.out") s" \
	awk -v h="$(field 'held at most' "$T/slow.out")" 'BEGIN { exit !(h > 0 && h < 12) }'
held=$(sed -n 's/.*open at the end [0-9]* (held \([0-9.]*\) s).*/\1/p' "$T/slow.out")
check "...nor the ones open when it stopped (${held:-?} s)" awk -v h="${held:-99}" 'BEGIN { exit !(h < 12) }'
check_grep "the log says what was refused and closed" \
	'connections refused: .* over --max-client-connections 128; closed: [1-9][0-9]* whose request took over --request-timeout 10 s' \
	"$T/webhookd.log"

# 400 silent connections from 127.0.0.2 to 127.0.0.5, held 5 s, then closed.
slow-client -b 127.0.0.2 -k 4 idle 127.0.0.1 "$port" 400 5 >"$T/idle.out" 2>&1
sed 's/^/# /' "$T/idle.out"
for i in 1 2 3 4 5; do
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 5 "$WH_URL/healthz"
done >"$T/healthz"
sed 's/^/# healthz after: /' "$T/healthz"
check "connections over --max-connections (256) were refused at once ($(field 'closed by the server' "$T/idle.out"))" \
	test "$(field 'closed by the server' "$T/idle.out")" -ge 140
check "...not held in the listen queue (at most $(field 'held at most' "$T/idle.out") s)" \
	awk -v h="$(field 'held at most' "$T/idle.out")" -v n="$(field 'closed by the server' "$T/idle.out")" \
	'BEGIN { exit !(n > 0 && h < 1) }'
check_eq "after the 400 closed, /healthz answered 200 every time" 5 "$(grep -c '^200 ' "$T/healthz")"
check "...each within 2 s" awk '$2 >= 2 { exit 1 }' "$T/healthz"
if need "connection states" ss; then
	sleep 1
	n=$(ss -tanH state close-wait "( sport = :$port )" | wc -l)
	check_eq "...and the daemon holds none of the closed connections" 0 "$n"
fi
stop_webhookd
check_eq "the daemon stopped cleanly" 0 "$WH_EXIT"

done_testing
