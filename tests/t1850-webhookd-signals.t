#!/usr/bin/env bash
# sms-webhookd's signals (sms-webhookd(1), Signals). SIGTERM under wrk load
# at 32 connections, several times over: the daemon exits 0 every time, every
# 2xx has its row, and every acknowledged inbound message's SMS_ON_RECEIVE
# hook ran (counted in the hooks' own output). Requests that never finish
# arriving hold the drain 10 s at most. SIGHUP reloads the
# configuration file (a new auth token, under load and not), keeps the old one
# when the new one is bad, and never kills the daemon.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
need "SIGTERM under load" wrk || { done_testing; exit; }
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN
rounds=${WEBHOOK_SIGNAL_ROUNDS:-3}

# wait_exit PID TENTHS: until PID has exited (at most TENTHS/10 s); its exit
# status in WH_EXIT, or "running" (then it is killed).
wait_exit() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		WH_EXIT=running
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return
	fi
	WH_EXIT=0
	wait "$1" 2>/dev/null || WH_EXIT=$?
}

# acked_count DIR: the 2xx the wrk script has recorded so far.
acked_count() { cat "$1"/acked.* 2>/dev/null | wc -l; }

for r in $(seq 1 "$rounds"); do
	: >"$T/webhookd.log"
	mkdir -p "$T/acked.$r"
	# The hook writes each record it is given, with shell builtins only: a
	# line per hook that ran.
	SMS_ON_RECEIVE="read -r l; printf '%s\\n' \"\$l\" >>'$T/hooks.$r'" start_webhookd
	WH_TOKEN=$WEBHOOK_TOKEN WH_PREFIX="SMsig${r}x" WH_ACKED="$T/acked.$r" \
		wrk -t2 -c32 -d8s --timeout 10s -s tests/wrk/signed-inbound.lua "$WH_URL/sms/incoming" \
		>"$T/wrk.$r" 2>&1 &
	wpid=$!
	for ((i = 0; i < 200; i++)); do
		[ "$(acked_count "$T/acked.$r")" -ge 300 ] && break
		sleep 0.05
	done
	before=$(acked_count "$T/acked.$r")
	kill -TERM "$WH_PID"
	wait_exit "$WH_PID" 1200
	wait "$wpid"
	sed 's/^/# /' "$T/wrk.$r" | grep -E 'responses|Requests/sec'
	sed 's/^/# /' "$T/webhookd.log"
	cat "$T/acked.$r"/acked.* | sort >"$T/acked.ids"
	acked=$(wc -l <"$T/acked.ids")
	check "round $r: SIGTERM came under load ($before acknowledged then, $acked in all)" \
		test "$before" -ge 100
	check_eq "round $r: the daemon exited 0" 0 "$WH_EXIT"
	check_grep "round $r: ...saying it drained" 'SIGTERM: no new connections' "$T/webhookd.log"
	check_eq "round $r: every 2xx named a different message" "$acked" "$(sort -u "$T/acked.ids" | wc -l)"
	q "select id from messages where provider_id like 'SMsig${r}x%'" | sort >"$T/stored.ids"
	check_eq "round $r: every acknowledged message has its row" 0 \
		"$(comm -23 "$T/acked.ids" "$T/stored.ids" | wc -l)"
	touch "$T/hooks.$r"
	jq -r .id "$T/hooks.$r" | sort >"$T/hooked.ids"
	check_eq "round $r: every acknowledged message's SMS_ON_RECEIVE hook ran ($(wc -l <"$T/hooks.$r") hooks)" \
		0 "$(comm -23 "$T/acked.ids" "$T/hooked.ids" | wc -l)"
	check_eq "round $r: ...each once" "$(wc -l <"$T/hooked.ids")" "$(sort -u "$T/hooked.ids" | wc -l)"
done
if [ "$SMSKIT_STORE" = sqlite ]; then
	check_eq "the store is intact" ok "$(q "pragma integrity_check")"
else
	check_exit "the store is intact (sms-store check)" 0 sms-store check
fi

# Requests that never finish arriving (no --request-timeout to cut them) hold
# the drain 10 s, no more; then their connections are closed.
: >"$T/webhookd.log"
start_webhookd --request-timeout 0
slow-client trickle 127.0.0.1 "${WH_URL##*:}" 4 30 1 >"$T/stuck.out" 2>&1 &
spid=$!
sleep 1
t0=$(date +%s)
kill -TERM "$WH_PID"
wait_exit "$WH_PID" 300
took=$(($(date +%s) - t0))
wait "$spid"
sed 's/^/# /' "$T/stuck.out"
check_eq "SIGTERM with 4 requests that never finish: exit 0" 0 "$WH_EXIT"
check "...after the drain's 10 s, not much more (${took} s)" test "$took" -ge 9 -a "$took" -le 13
check_grep "...saying what it cut short" '4 requests still unfinished after 10 s' "$T/webhookd.log"
check "...whose connections it closed" grep -q 'closed by the server 4 ' "$T/stuck.out"

# SIGHUP: the auth token from the configuration file, changed while running.
unset TWILIO_AUTH_TOKEN SMS_PROVIDER
printf 'TWILIO_AUTH_TOKEN = old-token-aaaa\n' >"$SMS_CONFIG"
chmod 600 "$SMS_CONFIG"
: >"$T/webhookd.log"
start_webhookd
U="$WH_URL/sms/incoming"
WEBHOOK_TOKEN=old-token-aaaa
check_eq "signed with the file's token: accepted" 200 "$(incoming "$U" SMhup1 +15551230001 "before")"
printf 'TWILIO_AUTH_TOKEN = new-token-bbbb\n' >"$SMS_CONFIG"
kill -HUP "$WH_PID"
for ((i = 0; i < 50; i++)); do grep -q 'SIGHUP' "$T/webhookd.log" && break; sleep 0.1; done
check "SIGHUP: the daemon is still running" kill -0 "$WH_PID"
check_grep "...and says it reloaded the configuration" 'SIGHUP: reloaded the configuration' "$T/webhookd.log"
WEBHOOK_TOKEN=new-token-bbbb
check_eq "...a request signed with the new token is accepted" 200 "$(incoming "$U" SMhup2 +15551230001 "after")"
WEBHOOK_TOKEN=old-token-aaaa
check_eq "...one signed with the old token is refused" 403 "$(incoming "$U" SMhup3 +15551230001 "stale")"

# A configuration that cannot work is not taken: the running one stays.
: >"$T/webhookd.log"
printf 'TWILIO_AUTH_TOKEN = newer-token-cccc\nSMS_PROVIDER = nonesuch\n' >"$SMS_CONFIG"
kill -HUP "$WH_PID"
for ((i = 0; i < 50; i++)); do grep -q 'SIGHUP' "$T/webhookd.log" && break; sleep 0.1; done
check "a bad configuration on SIGHUP: the daemon is still running" kill -0 "$WH_PID"
check_grep "...says the configuration was not reloaded, and why" \
	'SIGHUP: the configuration was not reloaded.*SMS_PROVIDER=nonesuch' "$T/webhookd.log"
WEBHOOK_TOKEN=new-token-bbbb
check_eq "...and goes on with the one it had" 200 "$(incoming "$U" SMhup4 +15551230001 "still")"

# SIGHUP in the middle of a load: no request fails.
printf 'TWILIO_AUTH_TOKEN = %s\n' "$WEBHOOK_TOKEN" >"$SMS_CONFIG"
WH_TOKEN=$WEBHOOK_TOKEN WH_PREFIX=SMhupload wrk -t2 -c16 -d3s --timeout 10s \
	-s tests/wrk/signed-inbound.lua "$U" >"$T/wrk.hup" 2>&1 &
wpid=$!
sleep 1
for i in 1 2 3; do kill -HUP "$WH_PID"; sleep 0.3; done
wait "$wpid"
sed 's/^/# /' "$T/wrk.hup" | grep -E 'responses|Requests/sec'
ok=$(sed -n 's/^responses: 2xx \([0-9]*\) .*/\1/p' "$T/wrk.hup")
check "three SIGHUPs under load: requests answered (${ok:-0})" test "${ok:-0}" -gt 0
check_eq "...none refused or failed" "4xx 0  5xx 0" "$(grep -o '4xx [0-9]*  5xx [0-9]*' "$T/wrk.hup")"
check "...the daemon still running" kill -0 "$WH_PID"
kill -TERM "$WH_PID"
wait_exit "$WH_PID" 300
check_eq "...and SIGTERM then stops it with 0" 0 "$WH_EXIT"

done_testing
