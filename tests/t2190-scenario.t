#!/usr/bin/env bash
# One scenario, every provider: the sandbox, Twilio, Vonage and SNS (the
# three against their fakes). Send a reminder; learn its delivery the way the
# provider tells it; an inbound "HOURS?" fires the autoresponder (answered in
# TwiML, or sent through the API after the acknowledgement); a STOP opts the
# sender out and the next send to it is refused before any request; the
# dashboard and the MCP shim on top. Only the provider's own plumbing differs
# (the functions below); the checks are the same.
# shellcheck disable=SC2119 # start_webhookd takes arguments of its own, not the script's
. tests/lib.sh
. tests/webhook.sh
. tests/providers.sh

q() { sql "$1"; }
ME=+15550006666
SNS_SECRET=scenario-sns-secret

# ---- per provider: setup, how a delivery is learned, how an inbound SMS arrives ----

setup_sandbox() {
	export SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN TWILIO_PHONE_NUMBER=$ME SMS_QUIET_HOURS=off
	FAKE_LOG=$T/none.log
	: >"$FAKE_LOG"
}
setup_twilio() {
	use_fake_twilio_account
	export TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN
	start_fake_twilio || return 1
}
setup_vonage() {
	use_fake_vonage_account
	export VONAGE_SIGNATURE_SECRET=$VONAGE_TEST_SIG
	start_fake_vonage || return 1
}
setup_sns() {
	use_fake_sns_account
	export SNS_WEBHOOK_SECRET=$SNS_SECRET
	start_fake_sns || return 1
}
teardown() {
	stop_webhookd
	if [ "$1" != sandbox ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	unset SMS_PROVIDER TWILIO_AUTH_TOKEN TWILIO_ACCOUNT_SID TWILIO_PHONE_NUMBER TWILIO_API_BASE \
		VONAGE_API_KEY VONAGE_API_SECRET VONAGE_FROM VONAGE_SIGNATURE_SECRET VONAGE_API_BASE \
		AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION SNS_ORIGINATION_NUMBER SNS_ENDPOINT \
		SNS_WEBHOOK_SECRET
}

# deliver_P ID PROVIDER_ID: the provider says the message was delivered.
deliver_sandbox() { sms-status -o json --sync "$1" >/dev/null; sms-status -o json --sync "$1" >"$T/sync.out"; }
deliver_twilio() { post_signed "$WH_URL/sms/status" "MessageSid=$2" MessageStatus=delivered >/dev/null; }
deliver_vonage() {
	vonage_post "$WH_URL/sms/status" msisdn=15551230001 to=15550006666 "messageId=$2" status=delivered \
		err-code=0 price=0.03330000 api-key=$VONAGE_TEST_KEY "client-ref=smskit-$1" >/dev/null
}
deliver_sns() { sms-status -o json --sync "$1" >"$T/sync.out"; } # SNS cannot tell: see below

# inbound_P ID FROM BODY: an inbound SMS to $ME as the provider posts it;
# prints the HTTP status.
inbound_sandbox() { incoming "$WH_URL/sms/incoming" "SM$1" "$2" "$3"; }
inbound_twilio() { incoming "$WH_URL/sms/incoming" "SM$1" "$2" "$3"; }
inbound_vonage() { vonage_inbound "$WH_URL/sms/incoming" "0A$1" "$2" "$3"; }
inbound_sns() {
	local sms
	sms=$(jq -cn --arg from "$2" --arg body "$3" --arg id "in-$1" --arg me "$ME" \
		'{originationNumber: $from, destinationNumber: $me, messageBody: $body, inboundMessageId: $id}')
	curl -s -o "$T/.body" -w '%{http_code}' --data-binary \
		"$(jq -cn --arg msg "$sms" --arg id "n-$1" '{Type: "Notification", MessageId: $id, TopicArn: "arn:aws:sns:us-east-1:123456789012:in", Message: $msg, Timestamp: "2026-11-25T15:00:00.000Z"}')" \
		"$WH_URL/sms/incoming?token=$SNS_SECRET"
}

# What differs in the outcome.
declare -A FIRST=([sandbox]=queued [twilio]=queued [vonage]=queued [sns]=sent)
declare -A FINAL=([sandbox]=delivered [twilio]=delivered [vonage]=delivered [sns]=sent)
declare -A REPLY=([sandbox]=sent [twilio]=sent [vonage]=queued [sns]=sent)
declare -A REQS=([sandbox]=0 [twilio]=1 [vonage]=1 [sns]=2) # provider requests per send

for P in sandbox twilio vonage sns; do
	SMS_DB=$(new_store "$P"); export SMS_DB
	"setup_$P" || { echo "# $P: setup failed"; exit 1; }
	sms-auto add --trigger HOURS --response "We're open Mon-Fri 9am-6pm" >/dev/null
	start_webhookd || exit 1

	# 1. Send.
	check_exit "$P: send a reminder" 0 sms-send -o json --to +15551230001 --body "Reminder: your appointment is tomorrow at 10"
	id=$(jq -r .id "$T/.out")
	pid=$(jq -r .provider_id "$T/.out")
	check_eq "$P: ...accepted as ${FIRST[$P]}, with the provider's id" "${FIRST[$P]} $P true" \
		"$(jq -r '"\(.status) \(.provider) \(.provider_id | length > 8)"' "$T/.out")"
	check_eq "$P: ...${REQS[$P]} request(s) to the provider" "${REQS[$P]}" "$(wc -l <"$FAKE_LOG")"

	# 2. Its status, as the provider tells it.
	"deliver_$P" "$id" "$pid"
	check_eq "$P: the status ends ${FINAL[$P]}" "${FINAL[$P]}" "$(sms-status -o json "$id" | jq -r .status)"
	if [ "$P" = sns ]; then
		check_eq "$P: ...--sync says why: not supported by this provider" not_supported "$(jq -r .error.code "$T/sync.out")"
	fi

	# 3. An inbound message fires the autoresponder.
	: >"$FAKE_LOG"
	check_eq "$P: an inbound HOURS? is acknowledged" 200 "$("inbound_$P" 1001 +15551230002 "HOURS?")"
	in_id=$(q "select id from messages where direction = 'inbound' and from_number = '+15551230002'")
	for _ in $(seq 80); do [ -n "$(q "select status from messages where reply_to = $in_id and status = '${REPLY[$P]}'")" ] && break; sleep 0.1; done
	check_eq "$P: ...answered by the autoresponder: stored ${REPLY[$P]}, to the sender, from our number" \
		"outbound|${REPLY[$P]}|+15551230002|We're open Mon-Fri 9am-6pm" \
		"$(q "select direction, status, to_number, body from messages where reply_to = $in_id")"
	check_eq "$P: ...the rule counted once" 1 "$(q "select trigger_count from autoresponders")"
	case $P in
	sandbox | twilio)
		check_grep "$P: ...the answer in the TwiML" "<Message>We&apos;re open Mon-Fri 9am-6pm</Message>" "$T/.body" ;;
	*)
		check_eq "$P: ...the answer sent through the provider's API" 1 "$(grep -c "open Mon-Fri" "$FAKE_LOG")" ;;
	esac

	# The dashboard and the MCP shim, unchanged.
	check_eq "$P: the dashboard's inbox shows the message" 200 "$(curl -s -o "$T/dash.html" -w '%{http_code}' "$WH_URL/review/inbox")"
	check_grep "$P: ...its text" "HOURS?" "$T/dash.html"
	: >"$FAKE_LOG"
	printf '%s\n' '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
		'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_sms","arguments":{"to":"+15551230004","message":"Sent by an assistant"}}}' |
		sms-mcp >"$T/mcp.out" 2>/dev/null
	check_eq "$P: send_sms through the MCP shim: no error, sent by $P" "false $P ${FIRST[$P]}" \
		"$(jq -r 'select(.id == 1) | .result | "\(.isError) \(.structuredContent.records[0].provider) \(.structuredContent.records[0].status)"' "$T/mcp.out")"
	check_eq "$P: ...one send's worth of requests" "${REQS[$P]}" "$(wc -l <"$FAKE_LOG")"

	# 4. A STOP.
	check_eq "$P: STOP is acknowledged" 200 "$("inbound_$P" 1002 +15551230003 "STOP")"
	check_eq "$P: ...the sender is opted out" "+15551230003|keyword STOP" "$(q "select number, source from optouts")"
	: >"$FAKE_LOG"
	check_exit "$P: ...a send to it is refused" 1 sms-send -o json --to +15551230003 --body "Still there?"
	check_eq "$P: ...as opted_out, before any request" "opted_out 0" "$(jq -r .error.code "$T/.out") $(wc -l <"$FAKE_LOG")"

	teardown "$P"
done

done_testing
