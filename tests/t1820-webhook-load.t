#!/usr/bin/env bash
# Nothing lost under load: wrk for 30 s against the daemon, every request a
# distinct inbound message signed in the wrk script (LuaJIT FFI to libcrypto's
# HMAC, not smskit's code). Every 2xx must have exactly one row; no 5xx.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
need "load test" wrk || { done_testing; exit; }
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN
secs=${WEBHOOK_LOAD_SECONDS:-30}

start_webhookd
mkdir -p "$T/acked"
WH_TOKEN=$WEBHOOK_TOKEN WH_PREFIX=SMload WH_ACKED="$T/acked" \
	wrk -t2 -c32 -d"${secs}s" --timeout 10s -s tests/wrk/signed-inbound.lua "$WH_URL/sms/incoming" >"$T/wrk.out" 2>&1
stop_webhookd
sed 's/^/# /' "$T/wrk.out"

ok=$(sed -n 's/^responses: 2xx \([0-9]*\) .*/\1/p' "$T/wrk.out")
c5=$(sed -n 's/^responses: .* 5xx \([0-9]*\) .*/\1/p' "$T/wrk.out")
c4=$(sed -n 's/^responses: .* 4xx \([0-9]*\) .*/\1/p' "$T/wrk.out")
check "wrk ran ${secs} s and got answers (${ok:-0} acknowledged)" test "${ok:-0}" -gt 0
check_eq "no 5xx" 0 "${c5:-missing}"
check_eq "no 4xx (every signature verified)" 0 "${c4:-missing}"
cat "$T"/acked/acked.* | sort -n >"$T/acked.ids"
check_eq "every 2xx was recorded by the script" "$ok" "$(wc -l <"$T/acked.ids")"
check_eq "each 2xx named a different stored message" "$ok" "$(sort -u "$T/acked.ids" | wc -l)"
q "select id from messages where provider_id like 'SMload%' order by id" >"$T/stored.ids"
check_eq "every acknowledged message has its row" 0 "$(comm -23 <(sort "$T/acked.ids") <(sort "$T/stored.ids") | wc -l)"
check_eq "...exactly one row per MessageSid" "$(wc -l <"$T/stored.ids")" \
	"$(q "select count(distinct provider_id) from messages where provider_id like 'SMload%'")"
extra=$(( $(wc -l <"$T/stored.ids") - ok ))
check "...and no more rows than requests sent (${extra} stored but unanswered when wrk stopped)" \
	test "$extra" -ge 0 -a "$extra" -le 32
check_eq "the daemon stopped cleanly" 0 "$WH_EXIT"
if [ "$SMSKIT_STORE" = sqlite ]; then
	check_eq "the store is intact" ok "$(q "pragma integrity_check")"
else
	check_exit "the store is intact (sms-store check)" 0 sms-store check
fi

done_testing
