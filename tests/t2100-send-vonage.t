#!/usr/bin/env bash
# SMS_PROVIDER=vonage against the fake Vonage API: the exact send request
# (unicode, callback, client-ref, signed requests), price and balance, every
# status code mapped, retries and timeouts that must not resend, --sync and
# --fetch through the Reports API, configuration errors.
. tests/lib.sh
. tests/providers.sh
use_fake_vonage_account
start_fake_vonage || exit 1
q() { sql "$1"; }
MAIN_DB=$SMS_DB
K=$VONAGE_TEST_KEY

# Vonage's SDK signature vectors (doc/providers.md, Vonage signatures), through
# smskit's own code.
while read -r method secret want params; do
	# shellcheck disable=SC2086 # params are NAME=VALUE words
	check_eq "signature vector: $method, $secret" "$want" "$(fake-vonage --sign "$method" "$secret" $params)"
done <<'V'
md5hash secret 6af838ef94998832dbfc29020b564830 a=1 b=2 timestamp=1461605396
md5 secret c15c21ced558c93a226c305f58f902f2 a=1 b=2 timestamp=1461605396
sha1 secret 3e19a4e6880fdc2c1426bfd0587c98b9532f0210 a=1 b=2 timestamp=1461605396
sha256 secret a321e824b9b816be7c3f28859a31749a098713d39f613c80d455bbaffae1cd24 a=1 b=2 timestamp=1461605396
sha512 secret 812a18f76680fa0fe1b8bd9ee1625466ceb1bd96242e4d050d2cfd9a7b40166c63ed26ec9702168781b6edcf1633db8ff95af9341701004eec3fcf9550572ee8 a=1 b=2 timestamp=1461605396
sha256 signature_secret 280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287 param1=value1 param2=value2 timestamp=1234567890
md5 signature_secret 724c2bf6ca423c36e20631b11d1c5753 param1=value1 param2=value2 timestamp=1234567890
md5 signature_secret 2bbf0abafb2c55e5af6231513896a2ac param1=value&1 param2=value=2 timestamp=1234567890
md5 signature_secret 655a4d0b7f064dff438defc52b012cf5 param=value timestamp=1234567890 sig=ignored
V
check_eq "...and the test's own openssl computation agrees" "6af838ef94998832dbfc29020b564830 a321e824b9b816be7c3f28859a31749a098713d39f613c80d455bbaffae1cd24" \
	"$(vonage_sig md5hash secret a=1 b=2 timestamp=1461605396) $(vonage_sig sha256 secret a=1 b=2 timestamp=1461605396)"

check_exit "send one SMS from flags" 0 sms-send -o json --to "(555) 123-4567" --body "Hello & welcome"
check_eq "exactly one request" 1 "$(wc -l <"$FAKE_LOG")"
r=$(head -n 1 "$FAKE_LOG")
check_eq "POST /sms/json" "POST /sms/json" "$(jq -r '"\(.method) \(.path)"' <<<"$r")"
check_eq "form-encoded, asking for JSON" "application/x-www-form-urlencoded application/json" "$(jq -r '"\(.["Content-Type"]) \(.Accept)"' <<<"$r")"
check_eq "exactly api_key, api_secret, from and to without +, text, client-ref naming the stored id" \
	"[[\"api_key\",\"$K\"],[\"api_secret\",\"$VONAGE_TEST_SECRET\"],[\"from\",\"15550006666\"],[\"to\",\"15551234567\"],[\"text\",\"Hello & welcome\"],[\"client-ref\",\"smskit-1\"]]" \
	"$(jq -c .params <<<"$r")"
check_eq "no basic auth, no query" "null []" "$(jq -c '[.user, .query] | map(tojson) | join(" ")' -r <<<"$r")"
check_eq "the result: queued, vonage, the message-id, the price" "1 queued vonage 16 0.0333" \
	"$(jq -r '"\(.id) \(.status) \(.provider) \(.provider_id | length) \(.price)"' "$T/.out")"
check_eq "...and the balance Vonage reported" "9.9667" "$(jq -r .balance "$T/.out")"
check_eq "stored as queued with the message-id and price" "queued|+15551234567|+15550006666|$(jq -r .provider_id "$T/.out")|0.0333" \
	"$(q "select status, to_number, from_number, provider_id, price from messages where id = 1")"
check "the secret is not in the output" sh -c "! grep -q '$VONAGE_TEST_SECRET' '$T/.out' '$T/.err'"

: >"$FAKE_LOG"
check_exit "a body that needs UCS-2" 0 sms-send -o json --to +15551234567 --body "Grüße 👋"
check_eq "...goes as type=unicode" '[["text","Grüße 👋"],["type","unicode"]]' \
	"$(jq -c '[.params[] | select(.[0] == "text" or .[0] == "type")]' "$FAKE_LOG")"
: >"$FAKE_LOG"
check_exit "a GSM-7 body with an extension character" 0 sms-send -o json --to +15551234567 --body "cost: 5€ [ok]"
check_eq "...has no type (text, Vonage's default)" '["api_key","api_secret","from","to","text","client-ref"]' "$(jq -c '[.params[][0]]' "$FAKE_LOG")"

: >"$FAKE_LOG"
SMS_PUBLIC_URL=https://sms.example.com/ sms-send -o json --to +15551234567 --from ACME --body hi >"$T/out"
check_eq "the callback from SMS_PUBLIC_URL; an alphanumeric sender as it is" '["ACME","https://sms.example.com/sms/status"]' \
	"$(jq -c '[.params[] | select(.[0] == "from" or .[0] == "callback") | .[1]]' "$FAKE_LOG")"

: >"$FAKE_LOG"
printf 'ok 3\n' >"$T/script"
stop_fake; start_fake_vonage --script "$T/script" || exit 1
check_exit "a message Vonage sent in three parts" 0 sms-send -o json --to +15551234567 --body "$(printf 'x%.0s' $(seq 1 400))"
check_eq "...priced as the sum of the parts, the first part's id kept" "0.0999 00000001" \
	"$(jq -r '"\(.price) \(.provider_id[8:])"' "$T/.out")"

: >"$FAKE_LOG"
check_exit "an MMS is refused before any request" 1 sms-send -o json --to +15551234567 --media https://example.com/a.jpg --body pic
check_eq "...not_supported, saying why" "not_supported" "$(jq -r .error.code "$T/.out")"
check_grep "...in words" "not supported by the vonage provider: Vonage's SMS API sends no MMS" "$T/.out"
check_eq "...no request" 0 "$(wc -l <"$FAKE_LOG")"

# Every status code of the SMS API, one batch; the batch goes on past each.
stop_fake
cat >"$T/script" <<'S'
to=15551110001 status 1 Throughput Rate Exceeded
to=15551110002 status 2 Missing to param
to=15551110003 status 3 Invalid to param
to=15551110005 status 5 Internal Error
to=15551110006 status 6 Invalid Message
to=15551110007 status 7 Number barred
to=15551110008 status 8 Partner account barred
to=15551110009 status 9 Partner quota exceeded
to=15551110010 status 12 Message too long
to=15551110011 status 15 Illegal Sender Address - rejected
to=15551110012 status 22 Invalid network code
to=15551110013 status 29 Non White-listed Destination
to=15551110014 status 33 Number de-activated
to=15551110015 status 99 Something new
S
start_fake_vonage --script "$T/script" || exit 1
for i in $(seq -w 1 15); do echo "{\"to\":\"+155511100$i\",\"body\":\"n$i\"}"; done >"$T/in"
check_exit "a batch with fourteen Vonage errors, some retryable, exits 75" 75 sms-send -o json <"$T/in"
check_eq "status codes mapped, Vonage's status kept as provider_code" \
	"rate_limited:1 invalid_request:2 invalid_request:3 ok provider_error:5 invalid_number:6 opted_out:7 account_inactive:8 insufficient_funds:9 body_too_long:12 invalid_from:15 unroutable:22 unverified_number:29 invalid_number:33 provider_error:99" \
	"$(jq -r 'if .ok then "ok" else "\(.error.code):\(.error.provider_code)" end' "$T/.out" | xargs)"
check_eq "...retryable where a later try may work (1, 2, 5, 7)" "true false true false" \
	"$(jq -r 'select(.error.provider_code == 1 or .error.provider_code == 2 or .error.provider_code == 7 or .error.provider_code == 5) | .error.retryable' "$T/.out" | xargs)"
check_eq "fifteen requests made" 15 "$(wc -l <"$FAKE_LOG")"
check_eq "the error text kept as the reason" "failed|Number barred (7)" "$(q "select status, reason from messages where to_number = '+15551110007'")"
check_eq "status 7 (barred) records the opt-out" 1 "$(q "select count(*) from optouts where number = '+15551110007'")"
check_exit "...and the next send to that number is refused before any request" 1 sms-send -o json --to +15551110007 --body again
check_eq "...with no new request" 15 "$(wc -l <"$FAKE_LOG")"

# Refused credentials: 77, the rest of the batch not attempted.
printf '%s\n' '{"to":"+15551234567","body":"a"}' '{"to":"+15551234568","body":"b"}' >"$T/in"
: >"$FAKE_LOG"
VONAGE_API_SECRET=wrong-secret sms-send -o json --concurrency 1 <"$T/in" >"$T/out" 2>"$T/err"
check_eq "bad credentials (status 4) exit 77" 77 "$?"
check_eq "auth_failed for both" "auth_failed auth_failed" "$(jq -r .error.code "$T/out" | xargs)"
check_eq "only one request" 1 "$(wc -l <"$FAKE_LOG")"
check "the wrong secret is not in the output or stderr" sh -c "! grep -q wrong-secret '$T/out' '$T/err'"

# Signed requests: only the signature secret, no api_secret on the wire.
stop_fake
start_fake_vonage --sig-secret "$VONAGE_TEST_SIG" --sig-method sha256 || exit 1
check_exit "signed with sha256 when only VONAGE_SIGNATURE_SECRET is set" 0 \
	env -u VONAGE_API_SECRET VONAGE_SIGNATURE_SECRET=$VONAGE_TEST_SIG VONAGE_SIGNATURE_METHOD=sha256 \
	SMS_TEST_NOW=2026-11-25T15:00:00Z sms-send -o json --to +15551234567 --body "signed"
r=$(tail -n 1 "$FAKE_LOG")
check_eq "...the fake verified the sig; the parameters are the key, the message, a timestamp and sig" \
	'["api_key","from","to","text","client-ref","timestamp","sig"]' "$(jq -c '[.params[][0]]' <<<"$r")"
check_eq "...the timestamp is now (SMS_TEST_NOW)" 1795618800 "$(jq -r '.params[] | select(.[0] == "timestamp") | .[1]' <<<"$r")"
sig=$(jq -r '.params[] | select(.[0] == "sig") | .[1]' <<<"$r")
mapfile -t kv < <(jq -r '.params[] | select(.[0] != "sig") | "\(.[0])=\(.[1])"' <<<"$r")
check_eq "...the same sig computed here with openssl" "$sig" "$(vonage_sig sha256 "$VONAGE_TEST_SIG" "${kv[@]}")"
check_exit "a wrong signature secret is refused (status 14) with 77" 77 \
	env -u VONAGE_API_SECRET VONAGE_SIGNATURE_SECRET=not-it VONAGE_SIGNATURE_METHOD=sha256 sms-send -o json --to +15551234567 --body "signed"
check_eq "...auth_failed, Vonage's 14" "auth_failed 14" "$(jq -r '"\(.error.code) \(.error.provider_code)"' "$T/.out")"
check_exit "the method must match the dashboard's (md5hash here is refused)" 77 \
	env -u VONAGE_API_SECRET VONAGE_SIGNATURE_SECRET=$VONAGE_TEST_SIG sms-send -o json --to +15551234567 --body "signed"

# HTTP-level failures.
stop_fake
printf 'http 500\n' >"$T/script"
start_fake_vonage --script "$T/script" || exit 1
check_exit "a 500 is retried, then sent" 0 sms-send -o json --to +15551234567 --body retry
check_eq "two requests" 2 "$(wc -l <"$FAKE_LOG")"
stop_fake
printf 'to=15551234567 http 503\n' >"$T/script"
start_fake_vonage --script "$T/script" || exit 1
check_exit "503 every time exits 75" 75 sms-send -o json --to +15551234567 --body retry
check_eq "...four attempts, provider_error, retryable" "4 provider_error true" "$(wc -l <"$FAKE_LOG") $(jq -r '"\(.error.code) \(.error.retryable)"' "$T/.out")"
stop_fake
printf 'hang\n' >"$T/script"
start_fake_vonage --script "$T/script" || exit 1
SMS_HTTP_TIMEOUT=1 sms-send -o json --to +15551234567 --body hang >"$T/out" 2>/dev/null
check_eq "a hang: unknown_outcome, exactly one request" "unknown_outcome 1" "$(jq -r .error.code "$T/out") $(wc -l <"$FAKE_LOG")"
stop_fake
printf 'empty\n' >"$T/script"
start_fake_vonage --script "$T/script" || exit 1
check_exit "a 200 without a message status is unknown, not resent" 1 sms-send -o json --to +15551234567 --body empty
check_eq "...unknown_outcome, stored as unknown" "unknown_outcome unknown" "$(jq -r .error.code "$T/.out") $(q "select status from messages order by id desc limit 1")"
check_exit "nothing listening exits 69" 69 env VONAGE_API_BASE=http://127.0.0.1:1 sms-send -o json --to +15551234567 --body x

# sms-status --sync through the Reports API.
stop_fake
printf 'to=15552220002 ok-then rejected 6\n' >"$T/script"
start_fake_vonage --script "$T/script" || exit 1
SMS_DB=$(new_store sync); export SMS_DB
sms-send -o json --to +15552220001 --body one >"$T/s1"
sms-send -o json --to +15552220002 --body two >"$T/s2"
id1=$(jq -r .provider_id "$T/s1")
check_exit "--sync without the API secret: not supported that way, exit 1" 1 env -u VONAGE_API_SECRET VONAGE_SIGNATURE_SECRET=x sms-status -o json --sync 1
check_eq "...not_supported, saying what to set" "not_supported" "$(jq -r .error.code "$T/.out")"
check_grep "...in words" "set VONAGE_API_SECRET" "$T/.out"
check_exit "--sync with a wrong secret exits 77" 77 env VONAGE_API_SECRET=wrong sms-status -o json --sync 1
check_eq "...auth_failed" auth_failed "$(jq -r .error.code "$T/.out")"
: >"$FAKE_LOG"
check_exit "--sync exits 0" 0 sms-status -o json --sync
check_eq "two GETs of the Reports API" 2 "$(wc -l <"$FAKE_LOG")"
r=$(head -n 1 "$FAKE_LOG")
check_eq "...with basic auth (key, secret)" "GET /v2/reports/records $K $VONAGE_TEST_SECRET" "$(jq -r '"\(.method) \(.path) \(.user) \(.pass)"' <<<"$r")"
check_eq "...asking exactly for that outbound SMS" "[[\"account_id\",\"$K\"],[\"product\",\"SMS\"],[\"direction\",\"outbound\"],[\"id\",\"$id1\"]]" "$(jq -c .query <<<"$r")"
check_eq "accepted reads as sent" "sent sent" "$(jq -r .status "$T/.out" | xargs)"
check_exit "a second --sync" 0 sms-status -o json --sync
check_eq "delivered, and rejected reads as failed" "delivered failed" "$(jq -r .status "$T/.out" | xargs)"
check_eq "...with Vonage's price and currency" "0.0333|EUR" "$(sql "select price, currency from messages where id = 1")"
check_eq "...the err-code and its meaning kept" "6|failed: 6 Anti-Spam Rejection" "$(sql "select provider_code, reason from messages where id = 2")"

# --sync reads an err-code in Vonage's table (smskit-vonage(7)), not Twilio's,
# as the delivery-receipt webhook does: 9 is an opt-out, and recorded as one.
stop_fake
cat >"$T/script" <<'S'
to=15552220003 ok-then failed 9
to=15552220004 ok-then rejected 6
to=15552220005 ok-then failed 42
to=15552220006 ok-then expired 1 Unknown Network Error
S
start_fake_vonage --script "$T/script" || exit 1
SMS_DB=$(new_store sync2); export SMS_DB
for n in 3 4 5 6; do sms-send -o json --to +1555222000$n --body "n$n" >/dev/null; done
check_exit "--sync: accepted" 0 sms-status -o json --sync
check_eq "...no opt-out yet" 0 "$(q "select count(*) from optouts")"
check_exit "--sync: the err-codes" 0 sms-status -o json --sync
check_eq "...err-code 9: opted_out, not retryable, with its meaning" \
	"undelivered|opted_out|9|0|Illegal Number (the recipient opted out) (9)|carrier rejected: 9 Illegal Number (the recipient opted out)" \
	"$(q "select status, error_code, provider_code, error_retryable, error_message, reason from messages where id = 1")"
check_eq "...printed so" "opted_out false" "$(jq -r 'select(.id == 1) | "\(.error.code) \(.error.retryable)"' "$T/.out")"
check_eq "...err-code 6: filtered, not retryable" "failed|filtered|6|0|failed: 6 Anti-Spam Rejection" \
	"$(q "select status, error_code, provider_code, error_retryable, reason from messages where id = 2")"
check_eq "...an err-code of no table: delivery_failed, not retryable" \
	"undelivered|delivery_failed|42|0|carrier rejected: 42 Vonage delivery error" \
	"$(q "select status, error_code, provider_code, error_retryable, reason from messages where id = 3")"
check_eq "...err-code 1: retryable, Vonage's own words kept" \
	"delivery_failed|1|1|carrier rejected: 1 Unknown Network Error" \
	"$(q "select error_code, provider_code, error_retryable, reason from messages where id = 4")"
check_eq "...err-code 9 opted the number out, as the webhook does" "+15552220003|provider vonage 9" \
	"$(q "select number, source from optouts")"
check_eq "...with one optout event" 1 "$(q "select count(*) from events where kind = 'optout'")"
: >"$FAKE_LOG"
check_exit "...and sms-send to that number is refused" 1 sms-send -o json --to +15552220003 --body again
check_eq "...opted_out, no request made" "opted_out 0" "$(jq -r .error.code "$T/.out") $(wc -l <"$FAKE_LOG")"
sms-optout remove +15552220003 >/dev/null
check_exit "a third --sync asks again about the undelivered ones" 0 sms-status -o json --sync
check_eq "...and the same err-code 9 again does not undo an opt-in made since" "0 1" \
	"$(q "select count(*) from optouts") $(q "select count(*) from events where kind = 'optout'")"
export SMS_DB=$MAIN_DB

# sms-inbox --fetch through the Reports API: a day a request, pages followed.
stop_fake
cat >"$T/inbound" <<'J'
{"account_id":"abcd1234","message_id":"0B00000011111111","direction":"inbound","from":"447700900001","to":"15550006666","message_body":"hello from the API","date_received":"2026-11-24T10:00:00+0000","currency":"EUR","total_price":"0.00570000"}
{"account_id":"abcd1234","message_id":"0B00000022222222","direction":"inbound","from":"447700900002","to":"15550006666","message_body":"STOP","date_received":"2026-11-24T11:00:00+0000","currency":"EUR","total_price":"0"}
{"account_id":"abcd1234","message_id":"0B00000033333333","direction":"inbound","from":"447700900003","to":"15550007777","message_body":"other number","date_received":"2026-11-25T09:00:00+0000","currency":"EUR","total_price":"0"}
{"account_id":"abcd1234","message_id":"0B00000044444444","direction":"inbound","from":"447700900001","to":"15550006666","message_body":"second day","date_received":"2026-11-25T09:30:00+0000","currency":"EUR","total_price":"0"}
J
start_fake_vonage --inbound "$T/inbound" --page-size 1 || exit 1
SMS_DB=$(new_store fetch); export SMS_DB SMS_TEST_NOW=2026-11-25T12:00:00Z
check_exit "--fetch --since 2026-11-24" 0 sms-inbox --fetch --since 2026-11-24T00:00:00Z -o json
check_eq "the three messages to our number, oldest first" "hello from the API|STOP|second day" "$(jq -r .body "$T/.out" | paste -sd'|')"
check_eq "...as inbound records of vonage with E.164 numbers and Vonage's time" \
	"inbound received +447700900001 +15550006666 vonage 0B00000011111111 2026-11-24T10:00:00Z 0.0057 EUR" \
	"$(head -n 1 "$T/.out" | jq -r '"\(.direction) \(.status) \(.from) \(.to) \(.provider) \(.provider_id) \(.created_at) \(.price) \(.currency)"')"
check_eq "...one request per UTC day and page (TRUNCATED followed)" 4 "$(wc -l <"$FAKE_LOG")"
check_eq "...the first: the inbound records of 2026-11-24, messages included" \
	"[[\"account_id\",\"$K\"],[\"product\",\"SMS\"],[\"direction\",\"inbound\"],[\"include_message\",\"true\"],[\"date_start\",\"2026-11-24T00:00:00Z\"],[\"date_end\",\"2026-11-25T00:00:00Z\"]]" \
	"$(head -n 1 "$FAKE_LOG" | jq -c .query)"
check_eq "...the next page by Vonage's own link" "1 fakeiv" "$(sed -n 2p "$FAKE_LOG" | jq -r '[.query[] | select(.[0] == "cursor" or .[0] == "iv") | .[1]] | join(" ")')"
check_eq "...the STOP opted its sender out" "+447700900002" "$(sql "select number from optouts")"
check_exit "a second --fetch stores nothing new" 0 sms-inbox --fetch --since 2026-11-24T00:00:00Z -o json
check_eq "...nothing printed" "" "$(cat "$T/.out")"
check_eq "...three rows still" 3 "$(sql "select count(*) from messages")"
SMS_DB=$(new_store fetch2); export SMS_DB
check_exit "--fetch for another number of ours (VONAGE_FROM)" 0 env VONAGE_FROM=+15550007777 sms-inbox --fetch --since 2026-11-24T00:00:00Z -o json
check_eq "...only its message" "other number" "$(jq -r .body "$T/.out")"
unset SMS_TEST_NOW
export SMS_DB=$MAIN_DB

# Configuration.
check_exit "no VONAGE_API_KEY exits 78" 78 env -u VONAGE_API_KEY sms-send --to +15551234567 --body x
check_grep "...naming it" "VONAGE_API_KEY is not set" "$T/.err"
check_exit "no secret at all exits 78" 78 env -u VONAGE_API_SECRET sms-send --to +15551234567 --body x
check_grep "...naming both ways" "VONAGE_API_SECRET, or VONAGE_SIGNATURE_SECRET" "$T/.err"
check_exit "no VONAGE_FROM exits 78" 78 env -u VONAGE_FROM sms-send --to +15551234567 --body x
check_exit "an unknown signature method exits 78" 78 env VONAGE_SIGNATURE_METHOD=rot13 sms-send --to +15551234567 --body x
check_grep "...listing the methods" "md5hash, md5, sha1, sha256 or sha512" "$T/.err"
check_exit "an unknown provider names the four" 78 env SMS_PROVIDER=pigeon sms-send --to +15551234567 --body x
check_grep "...choices" "twilio, vonage, sns and sandbox" "$T/.err"

done_testing
