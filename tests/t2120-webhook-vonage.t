#!/usr/bin/env bash
# sms-webhookd with SMS_PROVIDER=vonage: Vonage's inbound messages (POST form,
# POST JSON, GET) and delivery receipts on the same routes, its signatures
# (every method, computed here with openssl), once per messageId, STOP/START,
# an autoresponder and HELP answered through the API after the
# acknowledgement, concatenated parts, and the same through CGI.
# shellcheck disable=SC2119 # start_webhookd takes arguments of its own, not the script's
. tests/lib.sh
. tests/webhook.sh
. tests/providers.sh

q() { sql "$1"; }
use_fake_vonage_account
start_fake_vonage || exit 1
export VONAGE_SIGNATURE_SECRET=$VONAGE_TEST_SIG

check_exit "without VONAGE_SIGNATURE_SECRET it refuses to start" 78 env -u VONAGE_SIGNATURE_SECRET sms-webhookd
check_grep "...naming it and the way out" 'VONAGE_SIGNATURE_SECRET is not set.*--no-verify' "$T/.err"
check_exit "a bad VONAGE_SIGNATURE_METHOD is refused" 78 env VONAGE_SIGNATURE_METHOD=crc32 sms-webhookd

sms-auto add --trigger HOURS --response "We're open Mon-Fri 9am-6pm" >/dev/null
export SMS_HELP_TEXT="Acme: reply STOP to stop"
start_webhookd || exit 1
U="$WH_URL/sms/incoming"
S="$WH_URL/sms/status"

check_eq "a signed inbound message (POST form) is accepted" 200 "$(vonage_inbound "$U" 0A0000001 +447700900001 "Hello there")"
check_eq "...answered ok (no TwiML)" ok "$(cat "$T/.body")"
check_eq "...stored once: inbound, E.164 numbers, Vonage's id, unread" \
	"inbound|received|+447700900001|+15550006666|Hello there|vonage|0A0000001|0" \
	"$(q "select direction, status, from_number, to_number, body, provider, provider_id, read from messages")"
check_eq "...every parameter kept in the webhook event" "447700900001 HELLO" \
	"$(q "select detail from events where kind = 'webhook'" | jq -r '"\(.msisdn) \(.keyword)"')"
check_eq "the same messageId again (Vonage retries for 24 h)" 200 "$(vonage_inbound "$U" 0A0000001 +447700900001 "Hello there")"
check_eq "...one row" 1 "$(q "select count(*) from messages where provider_id = '0A0000001'")"

# GET and POST-JSON, as the dashboard's HTTP method setting chooses.
ts=$(date +%s)
params=("api-key=$VONAGE_TEST_KEY" msisdn=447700900002 to=15550006666 messageId=0A0000002 "text=by GET & more" type=text "timestamp=$ts")
gargs=(); for p in "${params[@]}" "sig=$(vonage_sig md5hash "$VONAGE_TEST_SIG" "${params[@]}")"; do gargs+=(--data-urlencode "$p"); done
check_eq "a signed GET" 200 "$(curl -s -o "$T/.body" -w '%{http_code}' -G "${gargs[@]}" "$U")"
check_eq "...stored" "by GET & more" "$(q "select body from messages where provider_id = '0A0000002'")"
json=$(jq -cn --arg ts "$ts" '{"api-key":"abcd1234","msisdn":"447700900003","to":"15550006666","messageId":"0A0000003","text":"by JSON","type":"text","timestamp":$ts}')
sig=$(vonage_sig sha256 "$VONAGE_TEST_SIG" api-key=abcd1234 msisdn=447700900003 to=15550006666 messageId=0A0000003 "text=by JSON" type=text "timestamp=$ts")
check_eq "a signed POST-JSON (HMAC-SHA256)" 200 "$(curl -s -o "$T/.body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$(jq -c --arg s "$sig" '. + {sig: $s}' <<<"$json")" "$U")"
check_eq "...stored" "by JSON" "$(q "select body from messages where provider_id = '0A0000003'")"

# Signatures: every method Vonage offers; refused ones change nothing.
for m in md5 sha1 sha512; do
	check_eq "signed with $m: accepted" 200 "$(VONAGE_SIG_METHOD=$m vonage_inbound "$U" "0A00000$m" +447700900004 "via $m")"
done
n0=$(q "select count(*) from messages")
e0=$(q "select count(*) from events")
form=("api-key=$VONAGE_TEST_KEY" msisdn=447700900005 to=15550006666 messageId=0A0000005 text=forged "timestamp=$(date +%s)")
args=(); for p in "${form[@]}"; do args+=(--data-urlencode "$p"); done
check_eq "unsigned: 403" 403 "$(curl -s -o "$T/.body" -w '%{http_code}' "${args[@]}" "$U")"
check_grep "...saying why" "not signed" "$T/.body"
check_eq "signed with another secret: 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' "${args[@]}" --data-urlencode "sig=$(vonage_sig md5hash other-secret "${form[@]}")" "$U")"
good=$(vonage_sig md5hash "$VONAGE_TEST_SIG" "${form[@]}")
check_eq "a tampered text: 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' "${args[@]/forged/changed}" --data-urlencode "sig=$good" "$U")"
check_eq "a parameter added after signing: 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' "${args[@]}" --data-urlencode extra=1 --data-urlencode "sig=$good" "$U")"
old=("api-key=$VONAGE_TEST_KEY" msisdn=447700900005 to=15550006666 messageId=0A0000005 text=old "timestamp=$(($(date +%s) - 600))")
check_eq "a timestamp ten minutes old: 403 (replay)" 403 "$(VONAGE_SIG_METHOD=md5hash vonage_post "$U" "${old[@]}")"
check_grep "...saying so" "away from now" "$T/.body"
check_eq "...none of them stored anything" "$n0 $e0" "$(q "select count(*) from messages") $(q "select count(*) from events")"
check_eq "the properly signed request is accepted" 200 "$(curl -s -o /dev/null -w '%{http_code}' "${args[@]}" --data-urlencode "sig=$good" "$U")"
check_eq "a Twilio-format request gets 400" 400 "$(post_signed "$U" Body=x From=+15551230002 MessageSid=SM0002 To=+15550006666)"
check_grep "...naming the mismatch" "Twilio webhook, but SMS_PROVIDER is vonage" "$T/.body"
check_eq "PUT is 405" 405 "$(curl -s -o /dev/null -D "$T/.h" -w '%{http_code}' -X PUT "$U")"
check_grep "...Allow: GET, POST" '^Allow: GET, POST' "$T/.h"

# Keywords.
check_eq "STOP" 200 "$(vonage_inbound "$U" 0A0000010 +447700900010 "Stop")"
check_eq "...opts the sender out" "+447700900010|keyword STOP" "$(q "select number, source from optouts")"
check_eq "START" 200 "$(vonage_inbound "$U" 0A0000011 +447700900010 "start")"
check_eq "...opts back in" 0 "$(q "select count(*) from optouts")"

# Answers go out through Vonage's API, after the acknowledgement.
: >"$FAKE_LOG"
t0=$(date +%s%N)
check_eq "HOURS is accepted" 200 "$(vonage_inbound "$U" 0A0000020 +447700900020 "hours?")"
t1=$(date +%s%N)
check_eq "...answered ok, the answer not in the response" ok "$(cat "$T/.body")"
wait_for_lines "$FAKE_LOG" 1
check_eq "...then sent through Vonage: to the sender, from our number, the rule's text" \
	'[["from","15550006666"],["to","447700900020"],["text","We'"'"'re open Mon-Fri 9am-6pm"]]' \
	"$(jq -c '[.params[] | select(.[0] == "to" or .[0] == "from" or .[0] == "text")]' "$FAKE_LOG")"
in_id=$(q "select id from messages where provider_id = '0A0000020'")
for _ in $(seq 50); do [ "$(q "select count(*) from messages where reply_to = $in_id and status = 'queued'")" = 1 ] && break; sleep 0.1; done
check_eq "...stored as an outbound reply to it, queued at Vonage, the rule noted" "outbound|queued|+447700900020|+15550006666|autoresponder 1" \
	"$(q "select direction, status, to_number, from_number, notes from messages where reply_to = $in_id")"
check_eq "...the rule counted once" 1 "$(q "select trigger_count from autoresponders")"
check_eq "...the message stays unread for a person (replied)" "0|1" "$(q "select read, replied from messages where id = $in_id")"
check_eq "a retry of HOURS is not answered twice" 200 "$(vonage_inbound "$U" 0A0000020 +447700900020 "hours?")"
sleep 0.5
check_eq "...one send, one count" "1 1" "$(wc -l <"$FAKE_LOG") $(q "select trigger_count from autoresponders")"
check_eq "HELP with SMS_HELP_TEXT" 200 "$(vonage_inbound "$U" 0A0000021 +447700900021 "HELP")"
wait_for_lines "$FAKE_LOG" 2
check_eq "...answered through Vonage with the help text" "447700900021 Acme: reply STOP to stop" \
	"$(tail -n 1 "$FAKE_LOG" | jq -r '[.params[] | select(.[0] == "to" or .[0] == "text") | .[1]] | join(" ")')"
stop_webhookd
check_eq "SIGTERM stops the daemon cleanly" 0 "$WH_EXIT"

# The acknowledgement does not wait on the send: Vonage hangs, the webhook does not.
stop_fake
printf 'to=447700900030 hang\n' >"$T/script"
start_fake_vonage --script "$T/script" || exit 1
SMS_HTTP_TIMEOUT=3 start_webhookd || exit 1
t0=$(date +%s%N)
check_eq "HOURS while Vonage hangs" 200 "$(vonage_inbound "$WH_URL/sms/incoming" 0A0000030 +447700900030 "HOURS")"
t1=$(date +%s%N)
check "...acknowledged at once ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 1500
wait_for_lines "$FAKE_LOG" 1
in_id=$(q "select id from messages where provider_id = '0A0000030'")
for _ in $(seq 80); do [ "$(q "select status from messages where reply_to = $in_id")" = unknown ] && break; sleep 0.1; done
check_eq "...the send timed out later, stored unknown (never resent)" "unknown 1" "$(q "select status from messages where reply_to = $in_id") $(wc -l <"$FAKE_LOG")"
stop_webhookd
stop_fake
start_fake_vonage || exit 1

# Concatenated parts (smskit-vonage(7), Inbound messages): held until all came, then one message.
start_webhookd || exit 1
U="$WH_URL/sms/incoming"
check_eq "part 2 of 2 first" 200 "$(vonage_inbound "$U" 0A0000042 +447700900040 " are you open?" concat=true concat-ref=77 concat-total=2 concat-part=2)"
check_eq "...held: no message yet" 0 "$(q "select count(*) from messages where from_number = '+447700900040'")"
check_eq "part 1 of 2" 200 "$(vonage_inbound "$U" 0A0000041 +447700900040 "Hours: when" concat=true concat-ref=77 concat-total=2 concat-part=1)"
check_eq "...one message, the text in part order, part 1's id" "Hours: when are you open?|0A0000041" \
	"$(q "select body, provider_id from messages where from_number = '+447700900040'")"
check_eq "...nothing left held" 0 "$(q "select count(*) from kv where key like 'vonage.concat.%'")"

# Delivery receipts on /sms/status.
S="$WH_URL/sms/status"
sms-send -o json --to +15552220001 --body "status me" >"$T/sent.json"
mid=$(jq -r .provider_id "$T/sent.json")
id=$(jq -r .id "$T/sent.json")
dlr() { vonage_post "$S" msisdn=15552220001 to=15550006666 network-code=310260 "messageId=$1" "status=$2" "err-code=$3" price=0.03330000 scts=2611251400 api-key=$VONAGE_TEST_KEY "client-ref=smskit-$id" "message-timestamp=$(date -u '+%Y-%m-%d %H:%M:%S')"; }
check_eq "a receipt: accepted" 200 "$(dlr "$mid" accepted 0)"
check_eq "...reads as sent" sent "$(q "select status from messages where id = $id")"
check_eq "a receipt: delivered" 200 "$(dlr "$mid" delivered 0)"
check_eq "...delivered, with Vonage's price" "delivered|0.0333" "$(q "select status, price from messages where id = $id")"
check_eq "a late buffered is acknowledged" 200 "$(dlr "$mid" buffered 0)"
check_eq "...and does not move it backwards" delivered "$(q "select status from messages where id = $id")"
sms-send -o json --to +15552220002 --body "part two" >"$T/sent2.json"
id2=$(jq -r .id "$T/sent2.json")
dlr2() { vonage_post "$S" msisdn=15552220002 to=15550006666 "messageId=$1" "status=$2" "err-code=$3" api-key=$VONAGE_TEST_KEY "client-ref=smskit-$id2"; }
check_eq "a receipt for a later part (its own messageId) finds the message by client-ref" 200 "$(dlr2 0B99999999999999 failed 9)"
check_eq "...failed becomes undelivered, with the err-code in words" "undelivered|opted_out|9|carrier rejected: 9 Illegal Number (the recipient opted out)" \
	"$(q "select status, error_code, provider_code, reason from messages where id = $id2")"
check_eq "...err-code 9 opts the recipient out" "provider vonage 9" "$(q "select source from optouts where number = '+15552220002'")"
check_eq "a receipt for an unknown message is acknowledged" 200 "$(vonage_post "$S" msisdn=1 to=2 messageId=0Bunknown status=delivered api-key=$VONAGE_TEST_KEY)"
check_eq "...and logged" 1 "$(q "select detail from events where detail is not null" | jq -r 'objects | .outcome // empty' | grep -c '^unknown message$')"
check_eq "an unsigned receipt gets 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' --data "messageId=$mid&status=failed" "$S")"
stop_webhookd

# CGI under lighttpd: the answer goes out from a detached process.
if command -v lighttpd >/dev/null; then
	printf 'SMS_PROVIDER = vonage\nVONAGE_API_KEY = %s\nVONAGE_API_SECRET = %s\nVONAGE_FROM = +15550006666\nVONAGE_SIGNATURE_SECRET = %s\nVONAGE_API_BASE = %s\n' \
		"$VONAGE_TEST_KEY" "$VONAGE_TEST_SECRET" "$VONAGE_TEST_SIG" "$FAKE_URL" >"$SMS_CONFIG"
	chmod 600 "$SMS_CONFIG"
	: >"$FAKE_LOG"
	start_lighttpd || exit 1
	CU=$CGI_URL
	check_eq "CGI: HOURS through lighttpd" 200 "$(vonage_inbound "$CU/sms/incoming" 0A0000050 +447700900050 "HOURS")"
	check_eq "...ok" ok "$(cat "$T/.body")"
	wait_for_lines "$FAKE_LOG" 1
	check_eq "...the answer sent through Vonage by a detached sms-send" "447700900050 We're open Mon-Fri 9am-6pm" \
		"$(jq -r '[.params[] | select(.[0] == "to" or .[0] == "text") | .[1]] | join(" ")' "$FAKE_LOG")"
	ts=$(date +%s)
	gp=("api-key=$VONAGE_TEST_KEY" msisdn=447700900051 to=15550006666 messageId=0A0000051 text=viaGET "timestamp=$ts")
	gargs=(); for p in "${gp[@]}" "sig=$(vonage_sig md5hash "$VONAGE_TEST_SIG" "${gp[@]}")"; do gargs+=(--data-urlencode "$p"); done
	check_eq "CGI: a signed GET" 200 "$(curl -s -o /dev/null -w '%{http_code}' -G "${gargs[@]}" "$CU/sms/incoming")"
	check_eq "...stored" viaGET "$(q "select body from messages where provider_id = '0A0000051'")"
	stop_lighttpd
else
	skip "CGI under lighttpd" "$(missing lighttpd)"
fi

done_testing
