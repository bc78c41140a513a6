#!/usr/bin/env bash
# sms-send against the fake Twilio API: the exact request, success stored,
# every mapped error, retries, timeouts that must not resend.
. tests/lib.sh
use_fake_twilio_account
start_fake_twilio || exit 1
A=$TWILIO_ACCOUNT_SID
q() { sql "$1"; }

check_exit "send one SMS from flags" 0 sms-send -o json --to "(555) 123-4567" --body "Hello & welcome"
check_eq "exactly one request" 1 "$(wc -l <"$FAKE_LOG")"
r=$(head -n 1 "$FAKE_LOG")
check_eq "POST to the account's Messages.json" "POST /2010-04-01/Accounts/$A/Messages.json" "$(jq -r '"\(.method) \(.path)"' <<<"$r")"
check_eq "basic auth with the Account SID and auth token" "$A test-token-not-secret" "$(jq -r '"\(.user) \(.pass)"' <<<"$r")"
check_eq "form-encoded" "application/x-www-form-urlencoded" "$(jq -r '.["Content-Type"]' <<<"$r")"
check_eq "asks for JSON" "application/json" "$(jq -r .Accept <<<"$r")"
check_eq "exactly To, From, Body" '[["To","+15551234567"],["From","+15550006666"],["Body","Hello & welcome"]]' "$(jq -c .params <<<"$r")"
check_grep "User-Agent names smskit" 'smskit/' "$FAKE_LOG"
check_eq "the result carries id, status, provider id" "1 queued twilio SM" "$(jq -r '"\(.id) \(.status) \(.provider) \(.provider_id[0:2])"' "$T/.out")"
check_eq "stored as queued with the provider's sid" "queued|+15551234567|+15550006666|$(jq -r .provider_id "$T/.out")" "$(q "select status,to_number,from_number,provider_id from messages where id=1")"
check_eq "events record sending then queued" "created:sending status:queued" "$(q "select kind||':'||status from events where message_id=1 order by id" | paste -sd' ' -)"

: >"$FAKE_LOG"
check_exit "an MMS with two media and a sender" 0 sms-send -o json --to +15551234567 --from +15550007777 --media https://example.com/a.jpg --media "https://example.com/b.png?size=large&x=1" --body "pics"
check_eq "MediaUrl repeated in order" '[["To","+15551234567"],["From","+15550007777"],["Body","pics"],["MediaUrl","https://example.com/a.jpg"],["MediaUrl","https://example.com/b.png?size=large&x=1"]]' "$(jq -c .params "$FAKE_LOG")"
check_eq "stored with its media" '["https://example.com/a.jpg","https://example.com/b.png?size=large&x=1"]' "$(q "select media from messages where id=2" | jq -c .)"

: >"$FAKE_LOG"
check_exit "media only, no body" 0 sms-send -o json --to +15551234567 --media https://example.com/a.jpg
check_eq "no Body parameter" '["To","From","MediaUrl"]' "$(jq -c '[.params[][0]]' "$FAKE_LOG")"

: >"$FAKE_LOG"
SMS_PUBLIC_URL=https://sms.example.com/ TWILIO_MESSAGING_SERVICE_SID=MG0123456789abcdef0123456789abcdef \
	sms-send -o json --to +15551234567 --body hi >/dev/null
check_eq "StatusCallback from SMS_PUBLIC_URL, MessagingServiceSid" '[["To","+15551234567"],["From","+15550006666"],["MessagingServiceSid","MG0123456789abcdef0123456789abcdef"],["Body","hi"],["StatusCallback","https://sms.example.com/sms/status"]]' "$(jq -c .params "$FAKE_LOG")"

stop_fake_twilio
start_fake_twilio --auth SK0123456789abcdef0123456789abcdef:key-secret || exit 1
: >"$FAKE_LOG"
TWILIO_API_KEY=SK0123456789abcdef0123456789abcdef TWILIO_API_SECRET=key-secret \
	sms-send -o json --to +15551234567 --body hi >"$T/out"
check_eq "API key auth: the key and secret, the account still in the path" "SK0123456789abcdef0123456789abcdef key-secret /2010-04-01/Accounts/$A/Messages.json" "$(jq -r '"\(.user) \(.pass) \(.path)"' "$FAKE_LOG")"
check "...and it succeeds" jq -e '.ok' "$T/out"

# Each mapped Twilio error, one batch; the batch goes on past each.
stop_fake_twilio
cat >"$T/script" <<'S'
to=+15551110001 error 400 21211 The 'To' number +15551110001 is not a valid phone number.
to=+15551110002 error 400 21610 Attempt to send to unsubscribed recipient
to=+15551110003 error 400 21614 'To' number is not a valid mobile number
to=+15551110004 error 400 21408 Permission to send an SMS has not been enabled
to=+15551110005 error 400 21612 The 'To' phone number is not currently reachable
to=+15551110006 error 400 21617 The concatenated message body exceeds the 1600 character limit
to=+15551110007 error 400 21606 The 'From' phone number provided is not a valid message-capable Twilio phone number
to=+15551110008 error 400 30999 Something new
S
start_fake_twilio --script "$T/script" || exit 1
for i in 1 2 3 4 5 6 7 8 9; do echo "{\"to\":\"+1555111000$i\",\"body\":\"n$i\"}"; done >"$T/in"
check_exit "a batch with eight provider errors exits 1" 1 sms-send -o json <"$T/in"
check_eq "codes mapped, provider codes kept" "invalid_number:21211 opted_out:21610 not_sms_capable:21614 no_permission:21408 unroutable:21612 body_too_long:21617 invalid_from:21606 provider_error:30999 ok" \
	"$(jq -r 'if .ok then "ok" else "\(.error.code):\(.error.provider_code)" end' "$T/.out" | xargs)"
check_eq "nine requests made" 9 "$(wc -l <"$FAKE_LOG")"
check_eq "failed ones stored as failed with the reason" "failed|Attempt to send to unsubscribed recipient (21610)" "$(q "select status, reason from messages where to_number='+15551110002'")"
check_eq "a 21610 records the opt-out" 1 "$(q "select count(*) from optouts where number='+15551110002'")"
check_exit "...and the next send to that number is refused before any request" 1 sms-send -o json --to +15551110002 --body again
check_eq "...as opted_out" opted_out "$(jq -r .error.code "$T/.out")"
check_eq "...with no new request" 9 "$(wc -l <"$FAKE_LOG")"

# Bad credentials: 77, and the rest of the batch is not attempted.
stop_fake_twilio
start_fake_twilio || exit 1
printf '%s\n' '{"to":"+15551234567","body":"a"}' '{"to":"+15551234568","body":"b"}' >"$T/in"
TWILIO_AUTH_TOKEN=wrong sms-send -o json --concurrency 1 <"$T/in" >"$T/out" 2>"$T/err"
check_eq "refused credentials exit 77" 77 "$?"
check_eq "auth_failed for both" "auth_failed auth_failed" "$(jq -r .error.code "$T/out" | xargs)"
check_eq "only one request made (the rest not attempted)" 1 "$(wc -l <"$FAKE_LOG")"
check "the token is not in the output or stderr" sh -c "! grep -q wrong '$T/out' '$T/err'"

# 429 with Retry-After, then success.
stop_fake_twilio
printf '429 1\n' >"$T/script"
start_fake_twilio --script "$T/script" || exit 1
t0=$(date +%s%N)
check_exit "429 then success" 0 sms-send -o json --to +15551234567 --body retry
t1=$(date +%s%N)
check_eq "two requests" 2 "$(wc -l <"$FAKE_LOG")"
check "Retry-After: 1 honoured (waited >= 1 s)" test $(((t1 - t0) / 1000000)) -ge 1000

# 500, then success.
stop_fake_twilio
printf '500\n' >"$T/script"
start_fake_twilio --script "$T/script" || exit 1
check_exit "500 then success" 0 sms-send -o json --to +15551234567 --body retry
check_eq "two requests" 2 "$(wc -l <"$FAKE_LOG")"

# 503 every time: give up after four attempts, retryable, exit 75.
stop_fake_twilio
printf 'to=+15551234567 503\n' >"$T/script"
start_fake_twilio --script "$T/script" || exit 1
check_exit "503 every time exits 75" 75 sms-send -o json --to +15551234567 --body retry
check_eq "four attempts" 4 "$(wc -l <"$FAKE_LOG")"
check_eq "provider_error, retryable" "provider_error true" "$(jq -r '"\(.error.code) \(.error.retryable)"' "$T/.out")"

# A hang: status unknown, exactly one request, never resent.
stop_fake_twilio
printf 'hang\n' >"$T/script"
start_fake_twilio --script "$T/script" || exit 1
SMS_HTTP_TIMEOUT=1 sms-send -o json --to +15551234567 --body hang >"$T/out" 2>/dev/null
check_eq "a hang exits 1" 1 "$?"
check_eq "unknown_outcome" unknown_outcome "$(jq -r .error.code "$T/out")"
check_eq "exactly one request" 1 "$(wc -l <"$FAKE_LOG")"
check_eq "stored as unknown" unknown "$(q "select status from messages order by id desc limit 1")"

# A dropped connection after the request arrived: unknown too, not resent.
stop_fake_twilio
printf 'ok\ndrop\n' >"$T/script"
start_fake_twilio --script "$T/script" || exit 1
printf '%s\n' '{"to":"+15551234567","body":"first"}' '{"to":"+15551234567","body":"dropped"}' >"$T/in"
sms-send -o json --concurrency 1 <"$T/in" >"$T/out" 2>/dev/null
check_eq "first ok, second unknown" "true unknown_outcome" "$(jq -r 'if .ok then "true" else .error.code end' "$T/out" | xargs)"
check_eq "exactly two requests (no silent retry on the kept-alive connection)" 2 "$(wc -l <"$FAKE_LOG")"

# Nobody listening: unreachable, 69.
stop_fake_twilio
check_exit "nothing listening exits 69" 69 env TWILIO_API_BASE=http://127.0.0.1:1 sms-send -o json --to +15551234567 --body x
check_eq "unreachable, retryable" "unreachable true" "$(jq -r '"\(.error.code) \(.error.retryable)"' "$T/.out")"

done_testing
