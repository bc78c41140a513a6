#!/usr/bin/env bash
# SMS_PROVIDER=sns against the fake SNS Query API, which verifies every
# request's SigV4 signature itself: the opt-out check then Publish, the SMS
# attributes, session tokens, refused signatures, AWS's errors read from XML,
# what SNS cannot do (MMS, --sync, --fetch), configuration errors.
. tests/lib.sh
. tests/providers.sh
use_fake_sns_account
start_fake_sns || exit 1
q() { sql "$1"; }

# The verifier itself, on botocore's test vector (doc/providers.md, SigV4).
check_eq "fake-sns's SigV4 reproduces the documented vector" \
	"84940299e752133810cf518ec856e9b1d6b727b6add82a01d1b77150362d5dfe f8a14368cbd1c2754b958b6dcc85adb06765042af7126d7f7a8482c8ab5e4bcd d45d2055abc7490a76b9ad198be6e219507732a935fcc4c50bb22d25c20be8a2" \
	"$(fake-sns --selftest | awk '{print $2}' | xargs)"
# ...and so does openssl, step by step, here.
hmac_hex() { printf '%s' "$2" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -r | cut -d' ' -f1; }
k=$(printf '%s' 20240102 | openssl dgst -sha256 -mac HMAC -macopt "key:AWS4$AWS_TEST_SECRET" -r | cut -d' ' -f1)
for part in us-east-1 sns aws4_request; do k=$(hmac_hex "$k" "$part"); done
sts=$(printf 'AWS4-HMAC-SHA256\n20240102T030405Z\n20240102/us-east-1/sns/aws4_request\nf8a14368cbd1c2754b958b6dcc85adb06765042af7126d7f7a8482c8ab5e4bcd')
check_eq "...openssl agrees" d45d2055abc7490a76b9ad198be6e219507732a935fcc4c50bb22d25c20be8a2 "$(hmac_hex "$k" "$sts")"

check_exit "send one SMS" 0 sms-send -o json --to "(555) 123-4567" --body "Hello & welcome"
check_eq "two requests: the opt-out check, then Publish" 2 "$(wc -l <"$FAKE_LOG")"
check_eq "...both signed (SigV4 verified by the fake), form-encoded, asking for XML" \
	"POST / true accept;content-type;host;x-amz-date application/x-www-form-urlencoded text/xml
POST / true accept;content-type;host;x-amz-date application/x-www-form-urlencoded text/xml" \
	"$(jq -r '"\(.method) \(.path) \(.sig_ok) \(.signed_headers) \(.["Content-Type"]) \(.Accept)"' "$FAKE_LOG")"
check_eq "...the Host signed with its port" "127.0.0.1:${FAKE_URL##*:}" "$(head -n 1 "$FAKE_LOG" | jq -r .Host)"
check_eq "the check: exactly CheckIfPhoneNumberIsOptedOut for the number" \
	'[["Action","CheckIfPhoneNumberIsOptedOut"],["Version","2010-03-31"],["phoneNumber","+15551234567"]]' \
	"$(head -n 1 "$FAKE_LOG" | jq -c .params)"
check_eq "Publish: exactly the number, the text and the origination number" \
	'[["Action","Publish"],["Version","2010-03-31"],["PhoneNumber","+15551234567"],["Message","Hello & welcome"],["MessageAttributes.entry.1.Name","AWS.MM.SMS.OriginationNumber"],["MessageAttributes.entry.1.Value.DataType","String"],["MessageAttributes.entry.1.Value.StringValue","+15550006666"]]' \
	"$(sed -n 2p "$FAKE_LOG" | jq -c .params)"
check_eq "the result: sent (SNS tells nothing later), sns, the MessageId" "1 sent sns 36" \
	"$(jq -r '"\(.id) \(.status) \(.provider) \(.provider_id | length)"' "$T/.out")"
check_eq "stored as sent with the MessageId" "sent|+15551234567|+15550006666|$(jq -r .provider_id "$T/.out")" \
	"$(q "select status, to_number, from_number, provider_id from messages where id = 1")"

: >"$FAKE_LOG"
check_exit "with SMSType, SenderID and MaxPrice set" 0 env SNS_SMS_TYPE=transactional SNS_SENDER_ID=ACME SNS_MAX_PRICE=0.05 \
	sms-send -o json --to +15551234567 --body "Your code is 123456"
check_eq "...the attributes in order, MaxPrice a Number" \
	'[["MessageAttributes.entry.1.Name","AWS.SNS.SMS.SMSType"],["MessageAttributes.entry.1.Value.DataType","String"],["MessageAttributes.entry.1.Value.StringValue","Transactional"],["MessageAttributes.entry.2.Name","AWS.SNS.SMS.SenderID"],["MessageAttributes.entry.2.Value.DataType","String"],["MessageAttributes.entry.2.Value.StringValue","ACME"],["MessageAttributes.entry.3.Name","AWS.MM.SMS.OriginationNumber"],["MessageAttributes.entry.3.Value.DataType","String"],["MessageAttributes.entry.3.Value.StringValue","+15550006666"],["MessageAttributes.entry.4.Name","AWS.SNS.SMS.MaxPrice"],["MessageAttributes.entry.4.Value.DataType","Number"],["MessageAttributes.entry.4.Value.StringValue","0.05"]]' \
	"$(sed -n 2p "$FAKE_LOG" | jq -c '[.params[] | select(.[0] | startswith("MessageAttributes"))]')"
: >"$FAKE_LOG"
check_exit "a sender id as --from" 0 env -u SNS_ORIGINATION_NUMBER sms-send -o json --to +15551234567 --from Clinic1 --body hi
check_eq "...goes as SenderID, with no origination number" '["AWS.SNS.SMS.SenderID","Clinic1"]' \
	"$(sed -n 2p "$FAKE_LOG" | jq -c '[.params[] | select(.[0] | endswith("Name") or endswith("StringValue")) | .[1]]')"
: >"$FAKE_LOG"
check_exit "with no origination number, SNS chooses" 0 env -u SNS_ORIGINATION_NUMBER sms-send -o json --to +15551234567 --body hi
check_eq "...no attribute at all" '["Action","Version","PhoneNumber","Message"]' "$(sed -n 2p "$FAKE_LOG" | jq -c '[.params[][0]]')"

: >"$FAKE_LOG"
long=$(printf '%.0sa longer message, ' $(seq 1 75))
check_exit "a body of 1500 characters (curl may add Expect: 100-continue, unsigned)" 0 sms-send -o json --to +15551234567 --body "$long"
check_eq "...verified and published whole" "true ${#long}" "$(sed -n 2p "$FAKE_LOG" | jq -r '"\(.sig_ok) \(.params[3][1] | length)"')"
: >"$FAKE_LOG"
check_exit "SNS_CHECK_OPTOUT=off: Publish alone" 0 env SNS_CHECK_OPTOUT=off sms-send -o json --to +15551234567 --body hi
check_eq "...one request" "Publish" "$(jq -r '.params[0][1]' "$FAKE_LOG")"

: >"$FAKE_LOG"
check_exit "an MMS is refused before any request" 1 sms-send -o json --to +15551234567 --media https://example.com/a.jpg --body pic
check_eq "...not_supported, no request" "not_supported 0" "$(jq -r .error.code "$T/.out") $(wc -l <"$FAKE_LOG")"

# Refused signatures.
printf '%s\n' '{"to":"+15551234567","body":"a"}' '{"to":"+15551234568","body":"b"}' >"$T/in"
: >"$FAKE_LOG"
AWS_SECRET_ACCESS_KEY=wrong/secret/key sms-send -o json --concurrency 1 <"$T/in" >"$T/out" 2>"$T/err"
check_eq "a wrong secret: the fake refuses the signature, exit 77" 77 "$?"
check_eq "...SignatureDoesNotMatch read from AWS's XML, as auth_failed" "auth_failed" "$(jq -r .error.code "$T/out" | sort -u)"
check_grep "...in AWS's words" "does not match the signature you provided.*(SignatureDoesNotMatch)" "$T/out"
check_eq "...one request, unverified; the rest not attempted" "1 false" "$(wc -l <"$FAKE_LOG") $(jq -r .sig_ok "$FAKE_LOG")"
check "the secret is not in the output or stderr" sh -c "! grep -q 'wrong/secret' '$T/out' '$T/err'"
check_exit "an unknown access key exits 77 (InvalidClientTokenId)" 77 env AWS_ACCESS_KEY_ID=AKIDOTHER sms-send -o json --to +15551234567 --body x
check_grep "...saying so" "InvalidClientTokenId" "$T/.out"
check_exit "the wrong region in the scope is refused" 77 env AWS_REGION=eu-west-1 sms-send -o json --to +15551234567 --body x

# Temporary credentials: the session token goes in a signed header.
stop_fake
start_fake_sns --token "session-token-xyz" || exit 1
check_exit "with AWS_SESSION_TOKEN" 0 env AWS_SESSION_TOKEN=session-token-xyz sms-send -o json --to +15551234567 --body tok
check_eq "...X-Amz-Security-Token sent and signed" "session-token-xyz accept;content-type;host;x-amz-date;x-amz-security-token true" \
	"$(tail -n 1 "$FAKE_LOG" | jq -r '"\(.["X-Amz-Security-Token"]) \(.signed_headers) \(.sig_ok)"')"
check_exit "without it the fake refuses, 77" 77 sms-send -o json --to +15551234567 --body tok

# Opt-outs known to SNS.
stop_fake
start_fake_sns --optout +15559990001 || exit 1
check_exit "a number SNS says opted out" 1 sms-send -o json --to +15559990001 --body hello
check_eq "...opted_out, with no Publish" "opted_out CheckIfPhoneNumberIsOptedOut" "$(jq -r .error.code "$T/.out") $(jq -r '.params[0][1]' "$FAKE_LOG" | xargs)"
check_eq "...recorded in the local list" 1 "$(q "select count(*) from optouts where number = '+15559990001'")"
check_exit "...and the next send is refused before any request" 1 sms-send -o json --to +15559990001 --body again
check_eq "...still one request" 1 "$(wc -l <"$FAKE_LOG")"

# AWS's errors.
stop_fake
cat >"$T/script" <<'S'
to=+15551110001 error 400 InvalidParameter Invalid parameter: PhoneNumber Reason: +15551110001 is not valid to publish to
to=+15551110002 error 400 Throttling Rate exceeded
to=+15551110003 error 403 AuthorizationError User is not authorized to perform: SNS:Publish
to=+15551110004 error 400 InvalidParameter Invalid parameter: Message too long
to=+15551110005 error 400 KMSDisabled Something new
S
start_fake_sns --script "$T/script" || exit 1
for i in 4 5 1 2; do echo "{\"to\":\"+1555111000$i\",\"body\":\"n$i\"}"; done >"$T/in"
check_exit "a batch of AWS errors, one retryable: 75" 75 sms-send -o json --concurrency 1 <"$T/in"
check_eq "codes mapped from the XML" "invalid_request provider_error invalid_number rate_limited" "$(jq -r .error.code "$T/.out" | xargs)"
check_eq "...retryable only for Throttling" "false false false true" "$(jq -r .error.retryable "$T/.out" | xargs)"
check_eq "...AWS's message and code kept as the reason" "Invalid parameter: PhoneNumber Reason: +15551110001 is not valid to publish to (InvalidParameter)" \
	"$(q "select reason from messages where to_number = '+15551110001'")"
check_exit "AuthorizationError (IAM) exits 77" 77 sms-send -o json --to +15551110003 --body x
stop_fake
printf 'error 500 InternalError We encountered an internal error\n' >"$T/script"
start_fake_sns --script "$T/script" || exit 1
check_exit "a 500 is retried, then sent" 0 sms-send -o json --to +15551234567 --body retry
check_eq "...check, failed Publish, Publish" "CheckIfPhoneNumberIsOptedOut Publish Publish" "$(jq -r '.params[0][1]' "$FAKE_LOG" | xargs)"
stop_fake
printf 'noid\n' >"$T/script"
start_fake_sns --script "$T/script" || exit 1
check_exit "a 200 without a MessageId is unknown, never resent" 1 sms-send -o json --to +15551234567 --body x
check_eq "...unknown_outcome, stored unknown" "unknown_outcome unknown" "$(jq -r .error.code "$T/.out") $(q "select status from messages order by id desc limit 1")"
stop_fake
printf 'hang\n' >"$T/script"
start_fake_sns --script "$T/script" || exit 1
SMS_HTTP_TIMEOUT=1 sms-send -o json --to +15551234567 --body hang >"$T/out" 2>/dev/null
check_eq "a hanging Publish: unknown_outcome, one Publish" "unknown_outcome 1" "$(jq -r .error.code "$T/out") $(grep -c '"Publish"' "$FAKE_LOG")"
check_exit "nothing listening exits 69" 69 env SNS_ENDPOINT=http://127.0.0.1:1 sms-send -o json --to +15551234567 --body x
check_eq "...unreachable (the opt-out check never went out)" "unreachable true" "$(jq -r '"\(.error.code) \(.error.retryable)"' "$T/.out")"

# What SNS cannot do.
check_exit "sms-status --sync: not supported by sns, exit 1" 1 sms-status -o json --sync 1
check_eq "...not_supported" not_supported "$(jq -r .error.code "$T/.out")"
check_grep "...saying why" "not supported by the sns provider: SNS has no API that tells a message's status" "$T/.out"
check_eq "...and the message is left as it was" sent "$(q "select status from messages where id = 1")"
check_exit "sms-inbox --fetch: not supported, exit 78" 78 sms-inbox --fetch
check_grep "...saying so" "not supported by the sns provider" "$T/.err"

# Configuration.
check_exit "no AWS keys exits 78" 78 env -u AWS_SECRET_ACCESS_KEY sms-send --to +15551234567 --body x
check_grep "...naming them" "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" "$T/.err"
check_exit "no AWS_REGION exits 78" 78 env -u AWS_REGION sms-send --to +15551234567 --body x
check_exit "a bad SNS_SMS_TYPE exits 78" 78 env SNS_SMS_TYPE=urgent sms-send --to +15551234567 --body x
check_exit "a bad SNS_SENDER_ID exits 78" 78 env SNS_SENDER_ID="has space" sms-send --to +15551234567 --body x
check_exit "a bad SNS_MAX_PRICE exits 78" 78 env SNS_MAX_PRICE=cheap sms-send --to +15551234567 --body x
check_exit "a bad SNS_CHECK_OPTOUT exits 78" 78 env SNS_CHECK_OPTOUT=maybe sms-send --to +15551234567 --body x
check "no secret in any error" sh -c "! grep -q '$AWS_TEST_SECRET' '$T/.err'"

done_testing
