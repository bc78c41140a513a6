#!/usr/bin/env bash
# sms-webhookd with SMS_PROVIDER=sns: inbound SMS as SNS notifications (AWS
# End User Messaging two-way SMS) to /sms/incoming?token=SECRET, the topic
# allow-list, AWS's message signature checked offline against a certificate
# on disk (made here with openssl), subscription messages logged and never
# followed, once per message id, STOP, and an autoresponder answered through
# SNS's Publish after the acknowledgement.
# shellcheck disable=SC2119 # start_webhookd takes arguments of its own, not the script's
. tests/lib.sh
. tests/webhook.sh
. tests/providers.sh

q() { sql "$1"; }
use_fake_sns_account
start_fake_sns || exit 1
SECRET=sns-hook-secret-0123456789
TOPIC=arn:aws:sns:us-east-1:123456789012:inbound-sms

check_exit "without SNS_WEBHOOK_SECRET it refuses to start" 78 sms-webhookd
check_grep "...naming it and the way out" 'SNS_WEBHOOK_SECRET is not set.*--no-verify' "$T/.err"
check_exit "an unreadable SNS_SIGNING_CERT is refused" 78 env SNS_WEBHOOK_SECRET=$SECRET SNS_SIGNING_CERT="$T/none.pem" sms-webhookd
check_grep "...naming it" 'SNS_SIGNING_CERT' "$T/.err"

# notification ID FROM BODY [INBOUND_ID] [TOPIC]: an SNS notification of an
# inbound SMS to our number, as JSON.
notification() {
	local sms
	sms=$(jq -cn --arg from "$2" --arg body "$3" --arg iid "${4:-$1-in}" \
		'{originationNumber: $from, destinationNumber: "+15550006666", messageKeyword: "KEYWORD_123456789012",
		  messageBody: $body, inboundMessageId: $iid, previousPublishedMessageId: "prev-1"}')
	jq -cn --arg id "$1" --arg msg "$sms" --arg topic "${5:-$TOPIC}" \
		'{Type: "Notification", MessageId: $id, TopicArn: $topic, Message: $msg,
		  Timestamp: "2026-11-25T15:00:00.000Z", SignatureVersion: "1", Signature: "",
		  SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
		  UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"}'
}
# post_json URL JSON: prints the HTTP status; the body in $T/.body.
post_json() {
	curl -s -o "$T/.body" -w '%{http_code}' -H 'Content-Type: text/plain; charset=UTF-8' \
		-H 'x-amz-sns-message-type: Notification' --data-binary "$2" "$1"
}

sms-auto add --trigger HOURS --response "We're open Mon-Fri 9am-6pm" >/dev/null
SNS_WEBHOOK_SECRET=$SECRET start_webhookd || exit 1
U="$WH_URL/sms/incoming?token=$SECRET"

check_eq "an inbound SMS notification is accepted" 200 "$(post_json "$U" "$(notification n-0001 +447700900001 'Hello there')")"
check_eq "...answered ok" ok "$(cat "$T/.body")"
check_eq "...stored once: inbound, its numbers, the inbound message id, unread" \
	"inbound|received|+447700900001|+15550006666|Hello there|sns|n-0001-in|0" \
	"$(q "select direction, status, from_number, to_number, body, provider, provider_id, read from messages")"
check_eq "...the notification kept in the event, its Message parsed" "$TOPIC KEYWORD_123456789012" \
	"$(q "select detail from events where kind = 'webhook'" | jq -r '"\(.TopicArn) \(.Message.messageKeyword)"')"
check_eq "SNS delivers it again (a retry)" 200 "$(post_json "$U" "$(notification n-0001 +447700900001 'Hello there')")"
check_eq "...one row" 1 "$(q "select count(*) from messages")"

n0=$(q "select count(*) from messages")
e0=$(q "select count(*) from events")
check_eq "without the token: 403" 403 "$(post_json "$WH_URL/sms/incoming" "$(notification n-0002 +447700900002 x)")"
check_eq "with another token: 403" 403 "$(post_json "$WH_URL/sms/incoming?token=guess" "$(notification n-0002 +447700900002 x)")"
check_grep "...saying so" "token is not SNS_WEBHOOK_SECRET" "$T/.body"
check_eq "...nothing stored" "$n0 $e0" "$(q "select count(*) from messages") $(q "select count(*) from events")"
check_eq "not an SNS message: 400" 400 "$(post_json "$U" '{"hello":"world"}')"
check_eq "a notification that is no inbound SMS: 400" 400 "$(post_json "$U" "$(jq -c '.Message = "{\"default\":\"x\"}"' <<<"$(notification n-0003 +1 x)")")"
check_eq "/sms/status: 404 (SNS sends no receipts there)" 404 "$(post_json "$WH_URL/sms/status?token=$SECRET" "$(notification n-0004 +1 x)")"

# Subscription messages: logged with the URL that confirms them; never followed.
sub=$(jq -cn --arg topic "$TOPIC" --arg url "$FAKE_URL/?Action=ConfirmSubscription&Token=tok123" \
	'{Type: "SubscriptionConfirmation", MessageId: "s-1", Token: "tok123", TopicArn: $topic,
	  Message: "You have chosen to subscribe to the topic", SubscribeURL: $url,
	  Timestamp: "2026-11-25T15:00:00.000Z", SignatureVersion: "1", Signature: "", SigningCertURL: "https://x"}')
: >"$FAKE_LOG"
check_eq "a SubscriptionConfirmation is acknowledged" 200 "$(post_json "$U" "$sub")"
check_grep "...its SubscribeURL logged for a person to open" "confirm the subscription by opening its SubscribeURL: $FAKE_URL/?Action=ConfirmSubscription&Token=tok123" "$T/webhookd.log"
check_eq "...kept in the event log" "SubscriptionConfirmation" "$(q "select detail from events where detail is not null" | jq -r 'objects | select(.MessageId == "s-1") | .Type')"
sleep 0.3
check_eq "...and never fetched by the daemon" 0 "$(wc -l <"$FAKE_LOG")"

check_eq "STOP" 200 "$(post_json "$U" "$(notification n-0010 +447700900010 STOP)")"
check_eq "...opts the sender out" "+447700900010|keyword STOP" "$(q "select number, source from optouts")"

# The autoresponder's answer goes out through SNS, after the acknowledgement.
: >"$FAKE_LOG"
check_eq "HOURS" 200 "$(post_json "$U" "$(notification n-0020 +447700900020 'hours please')")"
check_eq "...answered ok" ok "$(cat "$T/.body")"
wait_for_lines "$FAKE_LOG" 2
check_eq "...then the opt-out check and Publish, both signed" "CheckIfPhoneNumberIsOptedOut:true Publish:true" \
	"$(jq -r '"\(.params[0][1]):\(.sig_ok)"' "$FAKE_LOG" | xargs)"
check_eq "...to the sender, from the number it came to, the rule's text" \
	'["+447700900020","We'"'"'re open Mon-Fri 9am-6pm","AWS.MM.SMS.OriginationNumber","+15550006666"]' \
	"$(sed -n 2p "$FAKE_LOG" | jq -c '[.params[2:][] | .[1]] | del(.[3])')"
in_id=$(q "select id from messages where provider_id = 'n-0020-in'")
for _ in $(seq 50); do [ "$(q "select count(*) from messages where reply_to = $in_id and status = 'sent'")" = 1 ] && break; sleep 0.1; done
check_eq "...stored as a sent reply to it" "outbound|sent|+447700900020|autoresponder 1" \
	"$(q "select direction, status, to_number, notes from messages where reply_to = $in_id")"
stop_webhookd

# The topic allow-list.
SNS_WEBHOOK_SECRET=$SECRET SNS_TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:other, $TOPIC" start_webhookd || exit 1
U="$WH_URL/sms/incoming?token=$SECRET"
check_eq "SNS_TOPIC_ARN: a listed topic is accepted" 200 "$(post_json "$U" "$(notification n-0030 +447700900030 hi)")"
check_eq "...another topic gets 403" 403 "$(post_json "$U" "$(notification n-0031 +447700900031 hi n-0031-in arn:aws:sns:us-east-1:999999999999:evil)")"
check_eq "...and is not stored" 0 "$(q "select count(*) from messages where provider_id = 'n-0031-in'")"
stop_webhookd

# AWS's signature, checked offline against a certificate saved on disk.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj "/CN=sns.amazonaws.com" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.pem" -out "$T/other-cert.pem" -days 2 \
	-subj "/CN=someone-else" 2>/dev/null
# signed JSON VERSION KEY: the message signed as SNS does (smskit-sns(7), How a
# message is trusted): "Key\nvalue\n" for Message,
# MessageId, Subject (if any), Timestamp, TopicArn, Type; RSA with SHA1 (1)
# or SHA256 (2); base64. ($(...) drops the last newline: printed back.)
signed() {
	local json=$1 ver=$2 key=$3 s md=sha1
	[ "$ver" = 2 ] && md=sha256
	s=$(jq -j '"Message\n\(.Message)\nMessageId\n\(.MessageId)\n" + (if .Subject then "Subject\n\(.Subject)\n" else "" end) + "Timestamp\n\(.Timestamp)\nTopicArn\n\(.TopicArn)\nType\n\(.Type)\n"' <<<"$json")
	jq -c --arg v "$ver" --arg sig "$(printf '%s\n' "$s" | openssl dgst "-$md" -sign "$key" | openssl base64 -A)" \
		'.SignatureVersion = $v | .Signature = $sig' <<<"$json"
}
SNS_WEBHOOK_SECRET=$SECRET SNS_SIGNING_CERT=$T/cert.pem start_webhookd || exit 1
U="$WH_URL/sms/incoming?token=$SECRET"
check_eq "signed (SignatureVersion 2, SHA256withRSA): accepted" 200 "$(post_json "$U" "$(signed "$(notification n-0040 +447700900040 'signed two')" 2 "$T/key.pem")")"
check_eq "signed (SignatureVersion 1, SHA1withRSA): accepted" 200 "$(post_json "$U" "$(signed "$(notification n-0041 +447700900041 'signed one')" 1 "$T/key.pem")")"
check_eq "...both stored" 2 "$(q "select count(*) from messages where body like 'signed %'")"
good=$(signed "$(notification n-0042 +447700900042 'original')" 2 "$T/key.pem")
check_eq "a tampered Message: 403" 403 "$(post_json "$U" "$(jq -c '.Message |= sub("original"; "tampered")' <<<"$good")")"
check_grep "...saying so" "does not verify with SNS_SIGNING_CERT" "$T/.body"
check_eq "signed by another key: 403" 403 "$(post_json "$U" "$(signed "$(notification n-0043 +447700900043 x)" 2 "$T/other.pem")")"
check_eq "unsigned: 403" 403 "$(post_json "$U" "$(notification n-0044 +447700900044 x)")"
check_eq "...none stored" 0 "$(q "select count(*) from messages where provider_id in ('n-0042-in', 'n-0043-in', 'n-0044-in')")"
sub2=$(signed "$(jq -c '.MessageId = "s-2"' <<<"$sub")" 2 "$T/key.pem")
check_eq "a SubscriptionConfirmation is signed over its own fields" 403 "$(post_json "$U" "$sub2")"
subs=$(jq -j '"Message\n\(.Message)\nMessageId\n\(.MessageId)\nSubscribeURL\n\(.SubscribeURL)\nTimestamp\n\(.Timestamp)\nToken\n\(.Token)\nTopicArn\n\(.TopicArn)\nType\n\(.Type)\n"' <<<"$sub")
sub3=$(jq -c --arg sig "$(printf '%s\n' "$subs" | openssl dgst -sha256 -sign "$T/key.pem" | openssl base64 -A)" '.SignatureVersion = "2" | .Signature = $sig' <<<"$sub")
check_eq "...(Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type): accepted" 200 "$(post_json "$U" "$sub3")"
stop_webhookd

done_testing
