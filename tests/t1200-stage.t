#!/usr/bin/env bash
# sms-stage: staging from options and NDJSON, fields passed through, the
# checks that refuse a request, the warnings a reviewer sees, --list (and its
# selection as one JSON object with --query), a slow producer, and 10,000
# records in one go.
. tests/lib.sh
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
q() { sql "$1"; }
count() { q "select count(*) from messages"; }
j() { jq -r "$1" "$T/.out"; }

# ---- From options -------------------------------------------------------------
check_exit "stage from options" 0 sms-stage -o json --to "(212) 555-0123" --body "Your table is ready" \
	--priority high --notes "for Bob"
check_eq "...ok, pending, the number in E.164" "true pending +12125550123" "$(j '"\(.ok) \(.status) \(.to)"')"
check_eq "...priority and notes" "high for Bob" "$(j '"\(.priority) \(.notes)"')"
check_eq "...encoding, segments, estimate, currency, provider" "GSM-7 1 0.0083 USD sandbox" \
	"$(j '"\(.encoding) \(.segments) \(.price_estimate) \(.currency) \(.provider)"')"
check_eq "...the reason it waits" "awaiting approval (sms-approve 1)" "$(j .reason)"
check_eq "...one warning: the cost" '["estimated cost 0.0083 USD"]' "$(j '.warnings | tojson')"
check_eq "...the whole stored record" "1 null null false []" "$(j '"\(.id) \(.sent_at) \(.reviewed_by) \(.read) \(.media | tojson)"')"
check_eq "stored as pending" "pending|high|for Bob|+12125550123|0.0083|sandbox" \
	"$(q "select status, priority, notes, to_number, price_estimate, provider from messages where id = 1")"
check_eq "...with its warnings" '["estimated cost 0.0083 USD"]' "$(q "select warnings from messages where id = 1")"
check_eq "...and a created event" "created|pending" "$(q "select kind, status from events where message_id = 1")"
check_exit "the default priority is normal" 0 sms-stage -o json --to +12125550123 --body x
check_eq "...normal" normal "$(j .priority)"
check_exit "an MMS" 0 sms-stage -o json --to +12125550123 --media https://example.com/a.jpg --media https://example.com/b.png
check_eq "...priced per message, no segment warning" '0.0220 ["https://example.com/a.jpg","https://example.com/b.png"] ["estimated cost 0.0220 USD"]' \
	"$(j '"\(.price_estimate) \(.media | tojson) \(.warnings | tojson)"')"
check_exit "--from is kept" 0 sms-stage -o json --to +12125550123 --body x --from +15005550006
check_eq "...as from" +15005550006 "$(j .from)"
check_exit "without SMS_PROVIDER, no provider is recorded" 0 env -u SMS_PROVIDER sms-stage -o json --to +12125550123 --body x
check_eq "...null" null "$(j .provider)"

# ---- From NDJSON: order, line numbers, fields passed through ---------------------
n0=$(count)
printf '%s\n' '{"to":"+12125550124","body":"one","ref":"a-1","campaign":"nov","extra":{"k":[1,2]}}' \
	'{"to":"+12125550125","body":"two","ref":7,"priority":"low","send_at":"2026-12-01T10:00:00+01:00"}' \
	'{"to":"+12125550126","body":"three","status":"approved","id":999,"reviewed_by":"me","price":"0.0001"}' >"$T/in.ndjson"
check_exit "three records from stdin" 0 sms-stage -o json <"$T/in.ndjson"
check_eq "...three results, in order, with their lines" "1 2 3" "$(jq -r .line "$T/.out" | paste -sd' ')"
check_eq "...unknown fields pass through untouched" '"nov" {"k":[1,2]}' "$(jq -c -r 'select(.line == 1) | "\(.campaign | tojson) \(.extra | tojson)"' "$T/.out")"
check_eq "...ref kept (numbers as the store keeps them: text)" "a-1 7" "$(jq -r '.ref' "$T/.out" | head -2 | paste -sd' ')"
check_eq "...send_at stored in UTC" 2026-12-01T09:00:00Z "$(jq -r 'select(.line == 2) | .send_at' "$T/.out")"
check_eq "...priority from the record" low "$(jq -r 'select(.line == 2) | .priority' "$T/.out")"
check_eq "a record cannot skip review or set its own id, reviewer or price" "pending false null null" \
	"$(jq -r 'select(.line == 3) | "\(.status) \(.id == 999) \(.reviewed_by) \(.price)"' "$T/.out")"
check_eq "...nor in the store" "pending||" "$(q "select status, reviewed_by, price from messages where to_number = '+12125550126'")"
check_eq "three more messages stored" $((n0 + 3)) "$(count)"
check_exit "options fill in what records leave out" 0 sh -c 'printf "%s\n" "{\"to\":\"+12125550127\",\"body\":\"a\"}" "{\"to\":\"+12125550128\",\"body\":\"b\",\"priority\":\"urgent\",\"notes\":\"own\"}" |
	sms-stage -o json --priority high --notes campaign --from +15005550006'
check_eq "...priority, notes, from" "high campaign +15005550006|urgent own +15005550006" \
	"$(jq -r '"\(.priority) \(.notes) \(.from)"' "$T/.out" | paste -sd'|')"

# ---- Refused: error records, nothing stored, the batch goes on ----------------------
n0=$(count)
check_exit "an impossible number is refused" 1 sms-stage -o json --to +1 --body x
check_eq "...invalid_number, not stored" "false invalid_number $n0" "$(j '"\(.ok) \(.error.code)"') $(count)"
check_grep "...said on stderr" 'sms-stage: ' "$T/.err"
check_exit "no body and no media" 1 sms-stage -o json --to +12125550123
check_eq "...missing_body" missing_body "$(j .error.code)"
check_exit "a body over 1,600 characters" 1 sms-stage -o json --to +12125550123 --body "$(head -c 1601 /dev/zero | tr '\0' x)"
check_eq "...body_too_long" body_too_long "$(j .error.code)"
check_exit "a media URL that is not http(s)" 1 sms-stage -o json --to +12125550123 --media ftp://example.com/a.jpg
check_eq "...invalid_media" invalid_media "$(j .error.code)"
check_exit "a bad priority" 1 sms-stage -o json --to +12125550123 --body x --priority soon
check_eq "...invalid_priority" "invalid_priority false" "$(j '"\(.error.code) \(.error.retryable)"')"
for t in tomorrow 2026-11-25 "2026-02-31 10:00" "2026-11-25 25:00" "25/11/2026 10:00" 2026-11-25T10:00:00+2; do
	check_exit "send_at '$t' is refused" 1 sms-stage -o json --to +12125550123 --body x --send-at "$t"
	check_eq "...invalid_send_at" invalid_send_at "$(j .error.code)"
done
check_exit "reply_to an unknown message" 1 sh -c \
	'echo "{\"to\":\"+12125550123\",\"body\":\"x\",\"reply_to\":424242}" | sms-stage -o json'
check_eq "...not_found" not_found "$(j .error.code)"
check_exit "notes that are not text" 1 sh -c \
	'echo "{\"to\":\"+12125550123\",\"body\":\"x\",\"notes\":42}" | sms-stage -o json'
check_eq "...invalid_field" invalid_field "$(j .error.code)"
check_eq "none of these was stored" "$n0" "$(count)"
printf '%s\n' '{"to":"+12125550123","body":"good 1"}' 'oops' '{"to":"12","body":"bad number"}' \
	'{"to":"+12125550123","body":"x","priority":"asap"}' '{"to":"+12125550123","body":"good 2"}' >"$T/mixed.ndjson"
check_exit "a mixed batch exits 1" 1 sms-stage -o json <"$T/mixed.ndjson"
check_eq "...every line answered in order" "1:true 2:false 3:false 4:false 5:true" "$(jq -r '"\(.line):\(.ok)"' "$T/.out" | paste -sd' ')"
check_eq "...bad_json, invalid_number, invalid_priority" "bad_json invalid_number invalid_priority" \
	"$(jq -r 'select(.ok | not) | .error.code' "$T/.out" | paste -sd' ')"
check_eq "...the good ones stored" $((n0 + 2)) "$(count)"
check_exit "nothing but bad JSON exits 65" 65 sh -c 'printf "oops\n{\n" | sms-stage -o json'
n0=$(count)
check_exit "an upstream error record passes through" 1 sh -c \
	'echo "{\"to\":\"+12125550123\",\"ok\":false,\"error\":{\"code\":\"missing_var\",\"message\":\"no name\",\"retryable\":false}}" | sms-stage -o json'
check_eq "...as it was, nothing stored" "missing_var $n0" "$(j .error.code) $(count)"

# ---- Warnings ----------------------------------------------------------------------------
check_exit "a 200-character body" 0 sms-stage -o json --to +12125550123 --body "$(head -c 200 /dev/zero | tr '\0' x)"
check_eq "...segments and cost" '["will be sent as 2 segments","estimated cost 0.0166 USD"]' "$(j '.warnings | tojson')"
check_exit "UCS-2" 0 sms-stage -o json --to +12125550123 --body "Ça va? 😀"
check_eq "...70 characters per segment" '["UCS-2: 70 characters per segment","estimated cost 0.0083 USD"]' "$(j '.warnings | tojson')"
check_exit "a long UCS-2 body" 0 sms-stage -o json --to +12125550123 --body "$(printf 'ж%.0s' $(seq 100))"
check_eq "...2 segments of 67" '["will be sent as 2 segments","UCS-2: 67 characters per segment","estimated cost 0.0166 USD"]' "$(j '.warnings | tojson')"
check_exit "another country's price" 0 sms-stage -o json --to +447700900123 --body hi
check_eq "...GB" '0.0524 ["estimated cost 0.0524 USD"]' "$(j '"\(.price_estimate) \(.warnings | tojson)"')"

export SMS_QUIET_HOURS=21:00-08:00 SMS_TZ=UTC SMS_TEST_NOW=2026-11-25T22:30:00Z
check_exit "staged inside quiet hours" 0 sms-stage -o json --to +12125550123 --body late
check_eq "...will be deferred" '["estimated cost 0.0083 USD","inside quiet hours: will be deferred to 08:00"]' "$(j '.warnings | tojson')"
check_eq "...still staged" pending "$(q "select status from messages where id = $(j .id)")"
check_exit "send_at outside the window" 0 sms-stage -o json --to +12125550123 --body x --send-at 2026-11-26T12:00:00Z
check_eq "...no quiet-hours warning" '["estimated cost 0.0083 USD"]' "$(j '.warnings | tojson')"
check_eq "...reason says when it goes" "awaiting approval (sms-approve $(j .id)); to go out at 2026-11-26 12:00" "$(j .reason)"
check_exit "a local send_at inside the window" 0 sms-stage -o json --to +12125550123 --body x --send-at "2026-11-26 23:00"
check_eq "...in UTC, with the warning" '2026-11-26T23:00:00Z ["estimated cost 0.0083 USD","inside quiet hours: will be deferred to 08:00"]' \
	"$(j '"\(.send_at) \(.warnings | tojson)"')"
check_exit "a local send_at with a T" 0 sms-stage -o json --to +12125550123 --body x --send-at 2026-11-26T23:30:00
check_eq "...is local too" 2026-11-26T23:30:00Z "$(j .send_at)"
check_exit "a local send_at in SMS_TZ" 0 env SMS_TZ=America/New_York sms-stage -o json --to +12125550123 --body x --send-at "2026-11-26 14:00"
check_eq "...stored in UTC" 2026-11-26T19:00:00Z "$(j .send_at)"
check_exit "SMS_TZ moves the window: 22:30 UTC is 17:30 in New York" 0 env SMS_TZ=America/New_York sms-stage -o json --to +12125550123 --body ny
check_eq "...no warning" '["estimated cost 0.0083 USD"]' "$(j '.warnings | tojson')"
check_exit "a send_at in the past" 0 sms-stage -o json --to +12125550123 --body x --send-at 2026-11-25T12:00:00Z
check_grep "...says it goes out once approved" 'send_at is in the past' "$T/.out"
check_exit "SMS_QUIET_HOURS=off: no warning" 0 env SMS_QUIET_HOURS=off sms-stage -o json --to +12125550123 --body x
check_eq "...just the cost" '["estimated cost 0.0083 USD"]' "$(j '.warnings | tojson')"
check_exit "a bad SMS_QUIET_HOURS exits 78" 78 env SMS_QUIET_HOURS=late sms-stage -o json --to +12125550123 --body x
unset SMS_TEST_NOW SMS_TZ
export SMS_QUIET_HOURS=off

check "opt a number out" store-tool optout-add +12125550199 STOP
check_exit "an opted-out number is staged all the same" 0 sms-stage -o json --to +12125550199 --body "hi"
check_eq "...with the warning" '["estimated cost 0.0083 USD","opted out: will not be sent unless the number texts START"]' "$(j '.warnings | tojson')"
check_eq "...stored with it" pending "$(q "select status from messages where to_number = '+12125550199'")"

# ---- --list ------------------------------------------------------------------------------
SMS_DB=$(new_store fresh1) || exit 1 # a fresh, empty store
printf '%s\n' '{"to":"+12125550101","body":"first","priority":"low","notes":"a note that is much too long for its column"}' \
	'{"to":"+12125550102","body":"second","priority":"high"}' \
	"{\"to\":\"+12125550103\",\"body\":\"$(head -c 300 /dev/zero | tr '\0' y)\"}" \
	'{"to":"+12125550104","body":"fourth","priority":"high"}' | sms-stage -o json >/dev/null
store-tool msg-status 4 approved >/dev/null
check_exit "--list" 0 sms-stage --list -o json
check_eq "...the pending ones, oldest first" "1 2 3" "$(j .id | paste -sd' ')"
check_eq "...ok, with their reason" "true awaiting approval (sms-approve 1)" "$(jq -r -s '.[0] | "\(.ok) \(.reason)"' "$T/.out")"
check_exit "--list --priority high" 0 sms-stage --list --priority high -o json
check_eq "...only high" 2 "$(j .id | paste -sd' ')"
check_exit "--list --status approved" 0 sms-stage --list --status approved -o json
check_eq "...the approved one" "4 approved; waiting for sms-send --approved" "$(j '"\(.id) \(.reason)"')"
check_exit "--list --status all" 0 sms-stage --list -s all -o json
check_eq "...every outbound message" "1 2 3 4" "$(j .id | paste -sd' ')"
check_exit "--list --status pending,approved --priority low,high" 0 sms-stage --list --status pending,approved --priority low,high -o json
check_eq "...both filters" "1 2 4" "$(j .id | paste -sd' ')"
check_exit "--list --limit 2" 0 sms-stage --list --limit 2 -o json
check_eq "...two" "1 2" "$(j .id | paste -sd' ')"
check_exit "--list -o text" 0 sms-stage --list -o text
check_grep "...a header" '^ *ID  PRI *TO *CREATED *CHARS SEG ENC *EST *NOTES *BODY' "$T/.out"
check_grep "...a row per message" '^ *1  low .*+12125550101 .* 5 *1 GSM *0.0083 ' "$T/.out"
check_grep "...notes cut to fit" 'a note that is much…' "$T/.out"
check_grep "...bodies cut to fit, with their length" ' 300 *2 GSM *0.0166 .*yyyy…$' "$T/.out"
check_eq "...three rows and the header" 4 "$(wc -l <"$T/.out")"
check_exit "--list -o text with other statuses" 0 sms-stage --list --status all -o text
check_grep "...shows the status" '^ *4  approved *high' "$T/.out"
check_exit "an empty listing" 0 sms-stage --list --status rejected -o json
check_eq "...prints nothing" "" "$(cat "$T/.out")"

# ---- --list --query: the selection as one JSON object on stdin ---------------------------
qin() { printf '%s' "$1" | sms-stage --list --query "${@:2}"; } # qin JSON [OPTION...]
same() { # same DESC JSON [OPTION...]: --query with JSON lists what the options list
	local want got
	want=$(sms-stage --list -o json "${@:3}" 2>&1; echo "exit $?")
	got=$(qin "$2" -o json 2>&1; echo "exit $?")
	check_eq "$1" "$want" "$got"
}
same "--query status: as --status" '{"status":"approved"}' --status approved
same "--query status all" '{"status":"all"}' --status all
same "--query status as a comma list" '{"status":"pending,approved"}' --status pending,approved
same "--query status as an array" '{"status":["pending","approved"]}' --status pending --status approved
same "--query priority: as --priority" '{"priority":"high"}' --priority high
same "--query priority as an array" '{"priority":["low","high"],"status":"all"}' --priority low,high --status all
same "--query limit: as --limit" '{"limit":2}' --limit 2
same "--query limit 0: all" '{"limit":0}' --limit 0
same "--query with an empty stdin: as no query" ''
same "--query {}: as no query" '{}'
same "--query null counts as left out" '{"status":null}'
same "--query: an empty listing" '{"status":"rejected"}' --status rejected
check_eq "... which prints nothing" "" "$(qin '{"status":"rejected"}' -o json)"
check_exit "--query status replaces every --status" 0 qin '{"status":"approved"}' -o json --status pending --status approved
check_eq "...only the approved one" 4 "$(j .id | paste -sd' ')"
check_exit "--query priority overrides --priority" 0 qin '{"priority":"low"}' -o json --priority high
check_eq "...only low" 1 "$(j .id | paste -sd' ')"
check_exit "--query limit with --status on the command line" 0 qin '{"limit":1}' -o json --status all
check_eq "...both apply" 1 "$(j .id | paste -sd' ')"
check_exit "--query -o text" 0 qin '{"status":"all","priority":"high"}' -o text
check_grep "...the status column" '^ *4  approved *high' "$T/.out"

qerr() { # qerr DESC JSON CODE MESSAGE_PATTERN [OPTION...]: refused with exit 65 and one error record
	check_exit "$1: exit 65" 65 qin "$2" -o json "${@:5}"
	check_eq "... one error record, nothing listed" "1 false $3" "$(jq -rs '"\(length) \(.[0].ok) \(.[0].error.code)"' "$T/.out")"
	check_eq "... saying why" "yes" "$(jq -r --arg re "$4" 'if .error.message | test($re) then "yes" else .error.message end' "$T/.out")"
	check_grep "... on stderr too" "^sms-stage: query: " "$T/.err"
}
qerr "--query with an unknown key" '{"to":"+12125550101"}' invalid_query '^query: unknown key "to" \(the keys are: status, priority, limit\)$'
qerr "--query status as a number" '{"status":1}' invalid_query '^query: "status" must be a string or an array of strings, not 1$'
qerr "--query status array of numbers" '{"status":[1]}' invalid_query '^query: "status" must be a string or an array of strings, not \[1\]$'
qerr "--query limit as a string" '{"limit":"2"}' invalid_query '^query: "limit" must be a whole number, not "2"$'
qerr "--query status bogus, as --status refuses it" '{"status":"bogus"}' invalid_query '^query: "status": `bogus` is not a status of an outbound message'
qerr "--query status received" '{"status":["pending","received"]}' invalid_query '`received` is not a status'
qerr "--query priority soon" '{"priority":"soon"}' invalid_query '^query: "priority": `soon` is not urgent, high, normal or low$'
qerr "--query priority empty" '{"priority":[]}' invalid_query '^query: "priority" takes urgent, high, normal or low$'
qerr "--query limit below 0" '{"limit":-2}' invalid_query '^query: "limit" takes a whole number \(0 for all\), not `-2`$'
qerr "--query with a key given twice" '{"status":"all","status":"pending"}' invalid_query 'given twice'
qerr "--query that is not JSON" 'status=all' bad_json '^query: the input is not JSON$'
qerr "--query with two objects" '{}{}' bad_json 'more than one JSON value'
qerr "--query that is an array" '["all"]' bad_json 'not an object'
check_exit "--query error -o text" 65 qin '{"status":"bogus"}' -o text
check_grep "...a FAILED line" '^FAILED  invalid_query: query: "status": `bogus`' "$T/.out"
check_eq "...and nothing else" 1 "$(wc -l <"$T/.out")"
check_exit "--query without --list: 64" 64 sh -c 'echo {} | sms-stage --query --to +12125550123 --body x'
check_grep "...saying so" "query goes with --list" "$T/.err"
check_eq "...nothing staged" 4 "$(count)"
if valgrind_ready "valgrind: --list --query"; then
	vq() { printf '%s' "$1" | valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect sms-stage --list --query -o json; }
	check_exit "valgrind: --list --query" 0 vq '{"status":["pending","approved"],"priority":"high","limit":5}'
	check_exit "valgrind: --list --query refused" 65 vq '{"priority":"soon"}'
	check_exit "valgrind: --list --query with status twice" 65 vq '{"status":"all","status":"pending"}'
fi

# ---- A slow producer: the store is not held while sms-stage waits -----------------------
SMS_DB=$(new_store fresh2) || exit 1 # a fresh, empty store
mkfifo "$T/fifo"
sms-stage -o json <"$T/fifo" >"$T/slow.out" 2>"$T/slow.err" &
slow=$!
exec 3>"$T/fifo"
echo '{"to":"+12125550123","body":"first"}' >&3
check "the first record is printed before the next one comes" wait_for_file "$T/slow.out" 50
check "...and the store is free meanwhile" timeout 5 store-tool optout-add +12125550177
echo '{"to":"+12125550124","body":"second"}' >&3
exec 3>&-
wait "$slow"
check_eq "...both staged, in order" "1 2" "$(jq -r .line "$T/slow.out" | paste -sd' ')"

# ---- 10,000 records ------------------------------------------------------------------------
SMS_DB=$(new_store fresh3) || exit 1 # a fresh, empty store
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{\"to\":\"+1212555%04d\",\"body\":\"Order %d has shipped.\",\"ref\":\"o-%d\"}\n", i, i, i }' >"$T/10k.ndjson"
t0=$(date +%s%N)
check_exit "10,000 records" 0 sms-stage -o json <"$T/10k.ndjson"
t1=$(date +%s%N)
echo "# staged 10000 records in $(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.2f s (%.0f records/s)", n / 1e9, 10000 / (n / 1e9) }')"
check_eq "...10,000 ok results in order" "10000 10000 1 10000" \
	"$(jq -r 'select(.ok) | .line' "$T/.out" | awk 'NR == $1 { n++ } END { printf "%d %d ", NR, n }'; jq -r .id "$T/.out" | sed -n '1p;$p' | paste -sd' ')"
check_eq "...10,000 pending in the store, each with its event" "10000 10000" "$(q "select count(*) from messages where status = 'pending'") $(q "select count(*) from events where kind = 'created'")"
check_eq "...refs kept" "o-0 o-9999" "$(q "select min(ref) from messages") $(q "select ref from messages where id = 10000")"
check "...within a minute (generous: see bench/run)" test $((t1 - t0)) -lt 60000000000

# ---- Usage ----------------------------------------------------------------------------------
check_exit "--help" 0 sms-stage --help
check_grep "...usage" '^usage: sms-stage' "$T/.out"
check_exit "--version" 0 sms-stage --version
check_grep "...name and version" '^sms-stage [0-9]' "$T/.out"
check_exit "--body without --to: 64" 64 sms-stage --body hi
check_exit "a stray argument: 64" 64 sms-stage --to +12125550123 hello
check_exit "--status without --list: 64" 64 sms-stage --status pending --to +12125550123 --body x
check_exit "--list with --to: 64" 64 sms-stage --list --to +12125550123
check_exit "--list --status bogus: 64" 64 sms-stage --list --status bogus
check_exit "--list --status received: 64" 64 sms-stage --list --status received
check_exit "--list --priority soon: 64" 64 sms-stage --list --priority soon
check_exit "--list --limit x: 64" 64 sms-stage --list --limit x
check_exit "-o xml: 64" 64 sms-stage -o xml --to +12125550123 --body x
check_exit "an unknown option: 64" 64 sms-stage --frobnicate
done_testing
