#!/usr/bin/env bash
# GET /metrics (sms-webhookd(1), Metrics): under wrk load the page passes
# `promtool check metrics` at every scrape, and once the load is over its
# counters equal what the store holds (messages stored = inbound rows,
# duplicates, opt-outs and opt-ins, autoresponder answers, one commit unit per
# acknowledged webhook); the gauges equal sms-status --summary; the access
# rule is the dashboard's (loopback, the token as a bearer, REMOTE_USER in
# CGI); in CGI only the gauges read from the store are shown.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
# metric FILE NAME{LABELS}: the value of one sample ("" when absent).
metric() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_DAILY_LIMIT=5.00 SMS_QUIET_HOURS=off
secs=${WEBHOOK_METRICS_SECONDS:-10}

# Something for every gauge: a message sent (spend), one approved and waiting.
SMS_PROVIDER=sandbox sms-send --to +12125550101 --body "spent" -o json >/dev/null
echo '{"to":"+12125550102","body":"waiting"}' | sms-stage -o json >/dev/null
sms-approve --all --by tester >/dev/null 2>&1
sms-auto add --trigger HOURS --response "Open 9 to 5" >/dev/null

start_webhookd
U=$WH_URL/sms/incoming
check_eq "a message: 200" 200 "$(incoming "$U" SMm0001 +15550001111 "hello")"
check_eq "...its retry: 200 (a duplicate)" 200 "$(incoming "$U" SMm0001 +15550001111 "hello")"
check_eq "STOP: 200" 200 "$(incoming "$U" SMm0002 +15550002222 "STOP")"
check_eq "START: 200" 200 "$(incoming "$U" SMm0003 +15550002222 "START")"
check_eq "a trigger: 200" 200 "$(incoming "$U" SMm0004 +15550003333 "HOURS")"
check_grep "...answered by the autoresponder" "Open 9 to 5" "$T/.body"
check_eq "a forged signature: 403" 403 "$(post_with_sig "$U" bm90LWl0 From=+1555 To=+1555 MessageSid=SMf1)"
check_eq "no signature: 403" 403 "$(post_with_sig "$U" "" From=+1555 To=+1555 MessageSid=SMf2)"

check_eq "GET /metrics from loopback: 200" 200 \
	"$(curl -s -o "$T/m0" -D "$T/m0.h" -w '%{http_code}' "$WH_URL/metrics")"
check_grep "...in Prometheus' text format" '^Content-Type: text/plain; version=0.0.4' "$T/m0.h"
check_eq "POST /metrics: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$WH_URL/metrics")"
check_eq "...through a proxy (X-Forwarded-For), without a token: 403" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 203.0.113.7' "$WH_URL/metrics")"

if need "promtool" promtool && need "load" wrk; then
	check "the page passes promtool check metrics" sh -c "promtool check metrics <'$T/m0'"
	# Scrapes every half second while wrk runs; each is checked afterwards.
	mkdir -p "$T/scrapes" "$T/acked"
	(
		i=0
		while [ ! -e "$T/wrk.done" ] && [ $i -lt $((secs * 4)) ]; do
			curl -s -o "$T/scrapes/$i" -w '%{http_code}\n' "$WH_URL/metrics" >>"$T/scrapes.codes"
			i=$((i + 1))
			sleep 0.5
		done
	) &
	spid=$!
	WH_TOKEN=$WEBHOOK_TOKEN WH_PREFIX=SMmetrics WH_ACKED="$T/acked" \
		wrk -t2 -c32 -d"${secs}s" --timeout 10s -s tests/wrk/signed-inbound.lua "$U" >"$T/wrk.out" 2>&1
	touch "$T/wrk.done"
	wait "$spid"
	sed 's/^/# /' "$T/wrk.out" | grep -E 'responses|Requests/sec|Socket'
	n=$(wc -l <"$T/scrapes.codes")
	check "scrapes during the load ($n), every one 200" \
		test "$n" -ge "$secs" -a "$(grep -vc '^200$' "$T/scrapes.codes")" = 0
	bad=0
	for f in "$T"/scrapes/*; do promtool check metrics <"$f" >/dev/null 2>&1 || bad=$((bad + 1)); done
	check_eq "...and every one passes promtool check metrics" 0 "$bad"
	ok=$(sed -n 's/^responses: 2xx \([0-9]*\) .*/\1/p' "$T/wrk.out")
	check "wrk's requests were acknowledged (${ok:-0})" test "${ok:-0}" -gt 0
	# Requests in flight when wrk stopped are still being answered: until
	# their count settles (5 s at most).
	inbound=$(q "select count(*) from messages where direction = 'inbound'")
	for _ in $(seq 50); do
		curl -s -o "$T/m" "$WH_URL/metrics"
		[ "$(metric "$T/m" sms_webhookd_messages_stored_total)" = "$inbound" ] && break
		sleep 0.1
	done
	check "the page after the load passes promtool check metrics" sh -c "promtool check metrics <'$T/m'"
	sed 's/^/# /' "$T/m" | grep -v '^# #' | grep -v '_bucket' | head -60

	check_eq "messages stored = the inbound rows ($inbound)" "$inbound" \
		"$(metric "$T/m" sms_webhookd_messages_stored_total)"
	check_eq "...= the gauge of received messages" "$inbound" \
		"$(metric "$T/m" 'sms_store_messages{direction="inbound",status="received"}')"
	check_eq "duplicates: 1" 1 "$(metric "$T/m" sms_webhookd_duplicates_total)"
	check_eq "opt-outs by keyword: 1 (= the STOP events)" \
		"$(q "select detail from events where kind = 'webhook'" | jq -r 'objects | .keyword // empty' | grep -c '^STOP$')" \
		"$(metric "$T/m" 'sms_webhookd_keyword_actions_total{action="opt_out"}')"
	check_eq "opt-ins by keyword: 1" 1 "$(metric "$T/m" 'sms_webhookd_keyword_actions_total{action="opt_in"}')"
	check_eq "autoresponder answers = the rules' trigger counts" \
		"$(q "select sum(trigger_count) from autoresponders")" \
		"$(metric "$T/m" sms_webhookd_autoresponder_answers_total)"
	check_eq "signature failures of twilio: 2" 2 \
		"$(metric "$T/m" 'sms_webhookd_signature_failures_total{provider="twilio"}')"
	# A request whose client left before its answer (wrk stopping) is
	# stored but not answered.
	answered=$(metric "$T/m" 'sms_webhookd_requests_total{route="/sms/incoming",code="200"}')
	check "requests to /sms/incoming answered 200 ($answered): at least wrk's 2xx and the first 5, at most the rows and the duplicate" \
		test "$answered" -ge $((ok + 5)) -a "$answered" -le $((inbound + 1))
	check_eq "...403: 2" 2 "$(metric "$T/m" 'sms_webhookd_requests_total{route="/sms/incoming",code="403"}')"
	check_eq "commit group sizes add up to the webhooks stored (rows + the duplicate)" $((inbound + 1)) \
		"$(metric "$T/m" sms_webhookd_commit_group_size_sum)"
	commits=$(metric "$T/m" sms_webhookd_commit_group_size_count)
	check "...in fewer transactions ($commits) than webhooks: grouped" test "$commits" -lt $((inbound + 1))
	check_eq "one commit time per transaction" "$commits" "$(metric "$T/m" sms_webhookd_commit_seconds_count)"
	check_eq "...every one under +Inf" "$commits" "$(metric "$T/m" 'sms_webhookd_commit_seconds_bucket{le="+Inf"}')"
	check_eq "no failed commit" 0 "$(metric "$T/m" sms_webhookd_commit_failures_total)"
	check_eq "no hook failure" 0 "$(metric "$T/m" sms_webhookd_hook_failures_total)"
fi

# The gauges, against sms-status --summary (the same store, read by another program).
curl -s -o "$T/m" "$WH_URL/metrics"
sms-status --summary -o json >"$T/summary"
check_eq "approved messages waiting: 1" 1 "$(metric "$T/m" sms_approved_waiting)"
check_eq "spend today = sms-status --summary's" "$(jq -r .spend.today "$T/summary")" \
	"$(printf '%.4f' "$(metric "$T/m" 'sms_spend{period="day",currency="USD"}')")"
check_eq "spend this month = sms-status --summary's" "$(jq -r .spend.month "$T/summary")" \
	"$(printf '%.4f' "$(metric "$T/m" 'sms_spend{period="month",currency="USD"}')")"
check_eq "the daily cap" 5.000000 "$(metric "$T/m" 'sms_spend_cap{period="day",currency="USD"}')"
check_eq "...no monthly cap: no sample" "" "$(metric "$T/m" 'sms_spend_cap{period="month",currency="USD"}')"
check_eq "the store was read" 1 "$(metric "$T/m" sms_store_up)"
stop_webhookd
check_eq "the daemon stopped cleanly" 0 "$WH_EXIT"

# With SMS_DASHBOARD_TOKEN: the token as a bearer token, nothing else.
TOKEN=metrics-token-0123456789abcdef
SMS_DASHBOARD_TOKEN=$TOKEN start_webhookd
check_eq "with a token set: no token, 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$WH_URL/metrics")"
check_eq "...a wrong one, 401" 401 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong-token-0123456789' "$WH_URL/metrics")"
check_eq "...the token, 200" 200 \
	"$(curl -s -o "$T/m" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$WH_URL/metrics")"
check_grep "...the page" '^sms_webhookd_messages_stored_total 0$' "$T/m"
stop_webhookd

# CGI: the gauges from the store, none of the process counters.
cgi() {
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/metrics SERVER_NAME=localhost \
		SERVER_PORT=80 SERVER_PROTOCOL=HTTP/1.1 "$@" sms-webhookd </dev/null >"$T/cgi.out" 2>"$T/cgi.err"
	sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/cgi.out"
}
check_eq "CGI from loopback: 200" 200 "$(cgi REMOTE_ADDR=127.0.0.1)"
sed '1,/^\r$/d' "$T/cgi.out" >"$T/cgi.body"
check_grep "...the gauges read from the store" '^sms_approved_waiting 1$' "$T/cgi.body"
check_grep "...says it is CGI" '^sms_webhookd_info{mode="cgi",provider="twilio"' "$T/cgi.body"
check "...no process counter" sh -c "! grep -q '^sms_webhookd_requests_total\|^sms_webhookd_commit' '$T/cgi.body'"
if need "promtool" promtool; then
	check "...passes promtool check metrics" sh -c "promtool check metrics <'$T/cgi.body'"
fi
check_eq "CGI from elsewhere, no login: 401" 401 "$(cgi REMOTE_ADDR=203.0.113.9)"
check_eq "...with the web server's login (REMOTE_USER): 200" 200 \
	"$(cgi REMOTE_ADDR=203.0.113.9 REMOTE_USER=alice)"

done_testing
