#!/usr/bin/env bash
# sms-reply against the fake Twilio API: the request goes from the number the
# message was received on to its sender; the reply is stored and linked
# (reply_to); the original becomes replied and read (or stays unread with
# --keep-unread) only once the provider accepted the reply. Errors: unknown
# and sent ids, refusals, quiet hours. sms-send's and the approved queue's
# reply_to do the same. Received messages are stored with store-tool.
. tests/lib.sh

need "sms-reply tests" "$([ "$SMSKIT_STORE" = pg ] && echo psql || echo sqlite3)" jq || { done_testing; exit; }
q() { sql "$1"; }
ME=+15550006666
recv() { # recv TO FROM BODY [EXTRA_JSON_FIELDS]: prints the id
	store-tool msg-insert "{\"direction\":\"inbound\",\"to\":\"$1\",\"from\":\"$2\",\"body\":\"$3\"${4:+,$4}}" | jq -r .id
}
flags() { q "select read || '' || replied from messages where id = $1"; }
export SMS_TZ=UTC SMS_TEST_NOW=2026-11-25T12:00:00Z

# ---- usage --------------------------------------------------------------------
check "--help exits 0 with usage" sh -c 'sms-reply --help | grep -q "^usage: sms-reply"'
check_eq "--version" "sms-reply 0.1.0" "$(sms-reply --version | sed 's/[0-9][0-9.]*$/0.1.0/')"
check_exit "an unknown option is a usage error" 64 sms-reply --bogus
check_exit "an id without a body is a usage error" 64 sms-reply 1
check_exit "a body without an id is a usage error" 64 sms-reply --body hi
check_exit "two ids are a usage error" 64 sms-reply 1 2 --body hi
check_exit "a bad id is a usage error" 64 sms-reply 1x --body hi
check_exit "a bad -o is a usage error" 64 sms-reply 1 --body hi -o xml
check_exit "no provider is a configuration error" 78 sms-reply 1 --body hi

# ---- against the fake Twilio ----------------------------------------------------
use_fake_twilio_account
start_fake_twilio || exit 1
# Received on a second number of ours, so that From is visibly the original's To.
a=$(recv +15550007777 +15551234567 "What are your hours?")
b=$(recv $ME +12125550123 "Open Sunday?")
c=$(recv $ME +447700900123 "Already read" '"read":true')
check_eq "three received messages" "1 2 3" "$a $b $c"

check_exit "sms-reply ID --body" 0 sms-reply -o json "$a" --body "We're open Mon-Fri 9am-6pm"
check_eq "one request" 1 "$(wc -l <"$FAKE_LOG")"
check_eq "... To the sender, From the number it was received on" \
	'[["To","+15551234567"],["From","+15550007777"],["Body","We'"'"'re open Mon-Fri 9am-6pm"]]' "$(jq -c .params "$FAKE_LOG")"
check_eq "... the stored reply, linked" "true 4 outbound queued +15551234567 +15550007777 $a" \
	"$(jq -r '"\(.ok) \(.id) \(.direction) \(.status) \(.to) \(.from) \(.reply_to)"' "$T/.out")"
check_eq "... reply_to in the store" "$a" "$(q "select reply_to from messages where id = 4")"
check_eq "... the original read and replied" 11 "$(flags "$a")"
check_eq "... events: replied, then read" "replied read" "$(q "select kind from events where message_id = $a and kind in ('read','replied') order by id" | xargs)"
check_eq "... in the transaction of the accepted answer (same second, after the status)" "status replied read" \
	"$(q "select kind from events where (message_id = 4 and kind = 'status') or (message_id = $a and kind in ('read','replied')) order by id" | xargs)"
check_exit "sms-inbox shows it replied" 0 sms-inbox -o json --thread +15551234567
check_eq "... the conversation" "inbound:true outbound:false" "$(jq -r '"\(.direction):\(.replied)"' "$T/.out" | xargs)"

: >"$FAKE_LOG"
check_exit "--keep-unread" 0 sms-reply -o json "$b" --keep-unread --body "Yes, 10-4"
check_eq "... From our number" '[["To","+12125550123"],["From","+15550006666"],["Body","Yes, 10-4"]]' "$(jq -c .params "$FAKE_LOG")"
check_eq "... replied, still unread" 01 "$(flags "$b")"
check_exit "--keep-unread on a message already read" 0 sms-reply -o json "$c" -k --body "Hello"
check_eq "... stays read" 11 "$(flags "$c")"

: >"$FAKE_LOG"
check_exit "--media" 0 sms-reply -o json "$a" --media https://example.com/map.png
check_eq "... an MMS" '[["To","+15551234567"],["From","+15550007777"],["MediaUrl","https://example.com/map.png"]]' "$(jq -c .params "$FAKE_LOG")"

# ---- errors ------------------------------------------------------------------------
: >"$FAKE_LOG"
check_exit "an unknown id exits 1" 1 sms-reply -o json 99 --body hi
check_eq "... not_found" "false not_found" "$(jq -r '"\(.ok) \(.error.code)"' "$T/.out")"
check_grep "... a line on stderr" "message 99: no such message" "$T/.err"
check_exit "a message we sent exits 1" 1 sms-reply -o json 4 --body hi
check_eq "... invalid_request" "false invalid_request" "$(jq -r '"\(.ok) \(.error.code)"' "$T/.out")"
check_grep "... saying why" "only a received message can be replied to" "$T/.out"
check_eq "... no request for either" 0 "$(wc -l <"$FAKE_LOG")"
check_eq "... nothing stored" 7 "$(q "select count(*) from messages")"

d=$(recv $ME +15557654321 "Help")
check_exit "--dry-run" 0 sms-reply -o json "$d" -n --body "We'll call you"
check_eq "... checked and priced" "true true +15557654321 $ME $d 0.0083" "$(jq -r '"\(.ok) \(.dry_run) \(.to) \(.from) \(.reply_to) \(.price_estimate)"' "$T/.out")"
check_eq "... no request, nothing stored, the original untouched" "0 8 00" "$(wc -l <"$FAKE_LOG") $(q "select count(*) from messages") $(flags "$d")"

check_exit "inside quiet hours a reply is refused" 1 env SMS_QUIET_HOURS=09:00-17:00 sms-reply -o json "$d" --body "We'll call you"
check_eq "... quiet_hours" quiet_hours "$(jq -r .error.code "$T/.out")"
check_eq "... the original untouched" 00 "$(flags "$d")"
check_exit "--ignore-quiet-hours sends it" 0 env SMS_QUIET_HOURS=09:00-17:00 sms-reply -o json "$d" --ignore-quiet-hours --body "We'll call you"
check_eq "... replied" 11 "$(flags "$d")"

stop_fake_twilio
printf 'to=+15559990001 error 400 21610 Attempt to send to unsubscribed recipient\n' >"$T/script"
start_fake_twilio --script "$T/script" || exit 1
e=$(recv $ME +15559990001 "STOP? no, just a question")
check_exit "a reply the provider refuses exits 1" 1 sms-reply -o json "$e" --body "Answer"
check_eq "... opted_out, stored as failed, linked" "opted_out failed $e" "$(jq -r '"\(.error.code) \(.status) \(.reply_to)"' "$T/.out")"
check_eq "... the original neither read nor replied" 00 "$(flags "$e")"

# ---- NDJSON on stdin ------------------------------------------------------------------
f=$(recv $ME +15551112222 "one")
g=$(recv $ME +15551113333 "two")
cat >"$T/in" <<EOF
{"id":$f,"body":"first","mine":"kept"}
{"id":"$g","body":"second","keep_unread":true}
not json
{"id":4,"body":"to a message we sent"}
{"id":$f,"to":"+15550000000","body":"elsewhere"}
{"body":"no id"}
EOF
: >"$FAKE_LOG"
check_exit "a batch on stdin exits 1 (some failed)" 1 sms-reply -o json <"$T/in"
check_eq "... a record per line, in order" "1:true 2:true 3:bad_json 4:invalid_request 5:invalid_request 6:invalid_id" \
	"$(jq -r '"\(.line):\(if .ok then "true" else .error.code end)"' "$T/.out" | xargs)"
check_eq "... own fields pass through" kept "$(jq -r 'select(.line == 1) | .mine' "$T/.out")"
check_eq "... two requests, to each sender" "+15551112222 +15551113333" "$(jq -r '.params[] | select(.[0] == "To") | .[1]' "$FAKE_LOG" | sort | xargs)"
check_eq "... keep_unread per record" "11 01" "$(flags "$f") $(flags "$g")"
check_exit "--keep-unread applies to records that do not say" 0 sh -c "echo '{\"id\":$f,\"body\":\"again\"}' | sms-reply -o json --keep-unread"

# ---- -o text -----------------------------------------------------------------------------
check_exit "-o text" 0 sms-reply -o text "$g" --body "third"
check_grep "... one line" "^queued  reply to $g: +15551113333 *id [0-9]*$" "$T/.out"
check_exit "-o text, a failure" 1 sms-reply -o text 99 --body x
check_grep "... one line" "^FAILED  reply to 99 (-): not_found: message 99: no such message$" "$T/.out"
check "the token is not in the output" sh -c "! grep -q test-token '$T/.out' '$T/.err'"

# ---- sms-send and the approved queue honour reply_to ------------------------------------------
h=$(recv $ME +15554445555 "via sms-send")
check_exit "sms-send with reply_to" 0 sh -c "echo '{\"to\":\"+15554445555\",\"body\":\"ok\",\"reply_to\":$h}' | sms-send -o json"
check_eq "... marks the original replied and read" 11 "$(flags "$h")"
check_exit "sms-send with reply_to naming a message we sent" 1 sh -c "echo '{\"to\":\"+15554445555\",\"body\":\"ok\",\"reply_to\":4}' | sms-send -o json"
check_eq "... invalid_request" invalid_request "$(jq -r .error.code "$T/.out")"
check_exit "sms-send with an unknown reply_to" 1 sh -c "echo '{\"to\":\"+15554445555\",\"body\":\"ok\",\"reply_to\":999}' | sms-send -o json"
check_eq "... not_found" not_found "$(jq -r .error.code "$T/.out")"
check_exit "sms-send with a malformed reply_to" 1 sh -c "echo '{\"to\":\"+15554445555\",\"body\":\"ok\",\"reply_to\":\"soon\"}' | sms-send -o json"
check_eq "... invalid_request" invalid_request "$(jq -r .error.code "$T/.out")"
i=$(recv $ME +15556667777 "staged answer")
echo "{\"to\":\"+15556667777\",\"body\":\"staged reply\",\"reply_to\":$i}" | sms-stage -o json >/dev/null
check_eq "a staged reply leaves the original unread" 00 "$(flags "$i")"
sms-approve --all >/dev/null 2>&1
check_exit "sms-send --approved sends it" 0 sms-send --approved -o json
check_eq "... and marks the original replied and read" 11 "$(flags "$i")"
stop_fake_twilio

# ---- the sandbox -----------------------------------------------------------------------------
SMS_DB=$(new_store sandbox); export SMS_DB SMS_PROVIDER=sandbox
unset TWILIO_PHONE_NUMBER
s=$(recv +15005550006 +15551234567 "sandbox hello")
check_exit "a reply on the sandbox" 0 sms-reply -o json "$s" --body "hi back"
check_eq "... queued, linked, the original replied" "queued $s 11" "$(jq -r '"\(.status) \(.reply_to)"' "$T/.out") $(flags "$s")"

# ---- valgrind -----------------------------------------------------------------------------------
if valgrind_ready "valgrind"; then
	vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$@"; }
	printf '%s\n' "{\"id\":$s,\"body\":\"x\"}" '{"id":999,"body":"y"}' 'bad' >"$T/vin"
	check_exit "valgrind: a batch with errors" 1 vg sms-reply -o json <"$T/vin"
fi

# Ids at the edge of what a JSON number holds: 2^53 + 1 reads as 2^53, so no id of
# 2^53 or more is taken (it would be another message); 2^53 - 1 is echoed exactly.
printf '%s\n' '{"id":9007199254740993,"body":"x"}' '{"id":9007199254740991,"body":"x"}' >"$T/big"
check_exit "ids beyond 2^53: error records" 1 sms-reply -o json <"$T/big"
check_eq "...2^53 + 1 refused as invalid_id, 2^53 - 1 not found (and echoed as its digits)" \
	'invalid_id not_found "id":9007199254740991' \
	"$(jq -r .error.code "$T/.out" | xargs) $(sed -n 2p "$T/.out" | grep -o '"id":[0-9]*')"
# ---- the provider's id of the message, as assistants copy it (sms-reply(1)) ----------
p=$(recv $ME +15551239999 "By provider id" '"provider":"twilio","provider_id":"SMprov0001"')
printf '%s\n' '{"id":"SMprov0001","body":"x"}' '{"id":"'"$p"'","body":"y"}' '{"id":"SMnone","body":"z"}' >"$T/pid"
check_exit "records naming the message by provider id, by digits, and an unknown one" 1 sms-reply -n -o json <"$T/pid"
check_eq "...the provider id and the digits answer the same message; the unknown id is not_found, named" \
	"$p $p not_found message SMnone: no such message (neither a message id nor a provider's id in the store)" \
	"$(jq -r 'if .ok then .reply_to else "\(.error.code) \(.error.message)" end' "$T/.out" | xargs -d '\n')"
check_exit "sms-inbox --mark-read takes a provider id on stdin" 0 sh -c "echo '{\"id\":\"SMprov0001\"}' | sms-inbox --mark-read -o json"
check_eq "...and marks that message read" 1 "$(q "select read from messages where id = $p")"
done_testing
