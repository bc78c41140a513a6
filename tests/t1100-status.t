#!/usr/bin/env bash
# sms-status: listing by id and by filter (as arguments, or as one JSON object
# on stdin with --query), --sync on the sandbox and against the fake Twilio
# API (paging, prices, no backwards moves, failures), --summary counts and
# spend against the caps. Messages are made with sms-send; the
# store is read back with sql; store-tool sets states no program makes yet.
. tests/lib.sh

need "sms-status tests" jq || { done_testing; exit; }
q() { sql "$1"; }
ids() { jq -r '.id' "$1" | xargs; }
send() { # send TIME TO BODY
	SMS_TEST_NOW=$1 sms-send -o json --to "$2" --body "$3" >/dev/null 2>&1
}
NOW=2026-11-25T12:00:00Z

# ---- usage ------------------------------------------------------------------
check "--help exits 0 with usage" sh -c 'sms-status --help | grep -q "^usage: sms-status"'
check_eq "--version" "sms-status 0.1.0" "$(sms-status --version | sed 's/[0-9][0-9.]*$/0.1.0/')"
check_exit "an unknown option is a usage error" 64 sms-status --bogus
check_exit "an unknown status is a usage error" 64 sms-status --status shipped
check_grep "... naming it" shipped "$T/.err"
check_exit "received (inbound) is refused as a status" 64 sms-status --status received
check_exit "a non-numeric id is a usage error" 64 sms-status 12x
check_exit "ids and --limit do not mix" 64 sms-status --limit 3 1
check_exit "--summary takes no ids" 64 sms-status --summary 1
check_exit "--summary and --sync do not mix" 64 sms-status --summary --sync
check_exit "a bad --since is a usage error" 64 sms-status --since yesterday
check_exit "a bad -o is a usage error" 64 sms-status -o xml
check_exit "a bad --limit is a usage error" 64 sms-status --limit -1
check_exit "--sync with only final statuses is a usage error" 64 sms-status --sync --status delivered
check_exit "--sync without a provider is a configuration error" 78 sms-status --sync
check_exit "an unusable store exits 78" 78 env SMS_DB=/dev/null/x.db sms-status

# ---- sandbox: listing -------------------------------------------------------
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off SMS_TZ=UTC
send 2026-11-24T10:00:00Z +15557654321 "first"
send 2026-11-25T09:00:00Z +12125550123 "second"
send 2026-11-25T11:00:00Z +15005550001 "magic: invalid number"
check_eq "three messages stored" "1|queued 2|queued 3|failed" "$(q "select id||'|'||status from messages order by id" | xargs)"

export SMS_TEST_NOW=$NOW
check_exit "the default list exits 0" 0 sms-status -o json
check_eq "... newest first" "3 2 1" "$(ids "$T/.out")"
check_eq "... every record ok" "true true true" "$(jq -r .ok "$T/.out" | xargs)"
check_eq "... message records as stored" "+15557654321|first|GSM-7|1|0.0083|USD|sandbox|SM" \
	"$(jq -r 'select(.id == 1) | [.to, .body, .encoding, .segments, .price_estimate, .currency, .provider, .provider_id[0:2]] | join("|")' "$T/.out")"
check_eq "... every message record field present" "true" \
	"$(jq -s 'all(.[]; has("id") and has("direction") and has("status") and has("from") and has("media") and has("price") and has("sent_at") and has("delivered_at") and has("error") and has("warnings") and has("reply_to"))' "$T/.out")"
check_eq "a queued message says why it waits" "queued at sandbox; sms-status --sync asks for news" \
	"$(jq -r 'select(.id == 1) | .reason' "$T/.out")"
check_grep "a failed message says why" '"reason":"The .To. number is not a valid phone number (21211)"' "$T/.out"

check_exit "--limit 2" 0 sms-status -o json --limit 2
check_eq "... the two newest" "3 2" "$(ids "$T/.out")"
check_exit "by id" 0 sms-status -o json 2 1
check_eq "... in the order asked" "2 1" "$(ids "$T/.out")"
check_exit "an unknown id exits 1" 1 sms-status -o json 1 99 2
check_eq "... the others still listed, in order" "1 99 2" "$(ids "$T/.out")"
check_eq "... an error record for it" "false not_found" "$(jq -r 'select(.id == 99) | "\(.ok) \(.error.code)"' "$T/.out")"
check_grep "... and a line on stderr" "message 99: no such message" "$T/.err"

check_exit "--status failed" 0 sms-status -o json --status failed
check_eq "... only the failed one" "3" "$(ids "$T/.out")"
check_exit "--status as a comma list" 0 sms-status -o json --status queued,failed
check_eq "... all three" "3 2 1" "$(ids "$T/.out")"
check_exit "--status repeated" 0 sms-status -o json --status queued --status failed --limit 2
check_eq "... with --limit" "3 2" "$(ids "$T/.out")"
check_exit "--status with nothing in it" 0 sms-status -o json --status delivered
check_eq "... prints nothing" "" "$(cat "$T/.out")"

check_exit "--since 2h" 0 sms-status -o json --since 2h
check_eq "... the message of 11:00 only" "3" "$(ids "$T/.out")"
check_exit "--since 1d" 0 sms-status -o json --since 1d
check_eq "... today's two" "3 2" "$(ids "$T/.out")"
check_exit "--since a date" 0 sms-status -o json --since 2026-11-25
check_eq "... from midnight" "3 2" "$(ids "$T/.out")"
check_exit "--since a date in SMS_TZ (Kiritimati, UTC+14)" 0 env SMS_TZ=Pacific/Kiritimati sms-status -o json --since 2026-11-25
check_eq "... from local midnight (2026-11-24T10:00Z)" "3 2 1" "$(ids "$T/.out")"
check_exit "--since RFC 3339 with an offset" 0 sms-status -o json --since 2026-11-25T10:00:00+01:00
check_eq "... 09:00Z and later" "3 2" "$(ids "$T/.out")"
check_exit "--since and --status together" 0 sms-status -o json --since 1d --status queued
check_eq "... both apply" "2" "$(ids "$T/.out")"

# ---- --query: the selection as one JSON object on stdin ---------------------------
qin() { printf '%s' "$1" | sms-status --query "${@:2}"; } # qin JSON [OPTION...|ID...]
same() { # same DESC JSON [OPTION...|ID...]: --query with JSON prints what the arguments print
	local want got
	want=$(sms-status -o json "${@:3}" 2>&1; echo "exit $?")
	got=$(qin "$2" -o json 2>&1; echo "exit $?")
	check_eq "$1" "$want" "$got"
}
same "--query id: as an ID argument" '{"id":2}' 2
same "--query ids: as ID arguments, in order" '{"ids":[2,1]}' 2 1
same "--query ids with an unknown one: exit 1 as with arguments" '{"ids":[1,99,2]}' 1 99 2
same "--query status: as --status" '{"status":"failed"}' --status failed
same "--query status as a comma list" '{"status":"queued,failed"}' --status queued,failed
same "--query status as an array" '{"status":["queued","failed"],"limit":2}' --status queued --status failed --limit 2
same "--query since: as --since" '{"since":"1d"}' --since 1d
same "--query since and status" '{"since":"1d","status":"queued"}' --since 1d --status queued
same "--query limit: as --limit" '{"limit":2}' --limit 2
same "--query limit 0: all" '{"limit":0}' --limit 0
same "--query with an empty stdin: as no query" ''
same "--query {}: as no query" '{}'
same "--query null counts as left out" '{"id":null,"limit":null}'
check_exit "--query id replaces the ID arguments" 0 qin '{"id":3}' -o json 1 2
check_eq "... only 3" "3" "$(ids "$T/.out")"
check_exit "--query ids replace them too" 0 qin '{"ids":[3,2]}' -o json 1
check_eq "... 3 then 2" "3 2" "$(ids "$T/.out")"
check_exit "--query status replaces every --status" 0 qin '{"status":"failed"}' -o json --status queued --status delivered
check_eq "... only the failed one" "3" "$(ids "$T/.out")"
check_exit "--query limit overrides --limit" 0 qin '{"limit":1}' -o json --limit 3 --status queued
check_eq "... one, of the command line's status" "2" "$(ids "$T/.out")"
check_exit "--query -o text" 0 qin '{"id":1}' -o text
check_grep "... the row" "^ *1  queued .*+15557654321" "$T/.out"

qerr() { # qerr DESC JSON CODE MESSAGE_PATTERN [OPTION...]: refused with exit 65 and one error record
	check_exit "$1: exit 65" 65 qin "$2" -o json "${@:5}"
	check_eq "... one error record, nothing listed" "1 false $3" "$(jq -rs '"\(length) \(.[0].ok) \(.[0].error.code)"' "$T/.out")"
	check_eq "... saying why" "yes" "$(jq -r --arg re "$4" 'if .error.message | test($re) then "yes" else .error.message end' "$T/.out")"
	check_grep "... on stderr too" "^sms-status: query: " "$T/.err"
}
qerr "--query with an unknown key" '{"messageId":1}' invalid_query '^query: unknown key "messageId" \(the keys are: id, ids, status, since, limit, provider_id\)$'
qerr "--query id as a string" '{"id":"2"}' invalid_query '^query: "id" must be a whole number, not "2"$'
qerr "--query id not whole" '{"id":2.5}' invalid_query '^query: "id" must be a whole number, not 2.5$'
qerr "--query ids not an array" '{"ids":2}' invalid_query '^query: "ids" must be an array of whole numbers, not 2$'
qerr "--query ids with a string" '{"ids":[1,"2"]}' invalid_query '^query: "ids" must be an array of whole numbers'
qerr "--query id 0, as an ID argument 0 is refused" '{"id":0}' invalid_query '^query: "id": `0` is not a message id \(a whole number such as 42\)$'
qerr "--query ids with a negative one" '{"ids":[1,-4]}' invalid_query '^query: "ids": `-4` is not a message id'
qerr "--query id and ids" '{"id":1,"ids":[2]}' invalid_query '^query: give "id" or "ids", not both$'
qerr "--query id with a limit" '{"id":1,"limit":3}' invalid_query 'give them or message ids, not both'
qerr "--query limit with ID arguments" '{"limit":3}' invalid_query 'give them or message ids, not both' 1
qerr "--query status shipped" '{"status":"shipped"}' invalid_query '^query: "status": `shipped` is not a status'
qerr "--query status received" '{"status":"received"}' invalid_query '^query: "status": received is the status of inbound messages'
qerr "--query status empty" '{"status":[]}' invalid_query '^query: "status" takes one or more statuses'
qerr "--query since yesterday" '{"since":"yesterday"}' invalid_query '^query: "since" takes 30m, .* not `yesterday`$'
qerr "--query limit below 0" '{"limit":-1}' invalid_query '^query: "limit" takes a whole number \(0 for all\), not `-1`$'
qerr "--query with a key given twice" '{"id":1,"id":2}' invalid_query 'given twice'
qerr "--query that is not JSON" '{"id":1' bad_json '^query: the input is not JSON$'
qerr "--query with two objects" '{"id":1}'$'\n''{"id":2}' bad_json 'more than one JSON value'
qerr "--query that is a number" '42' bad_json 'not an object'
qerr "--query with --summary and a selection" '{"status":"queued"}' invalid_query '^query: --summary takes no selection' --summary
check_exit "--query {} with --summary" 0 qin '{}' --summary -o json
check_eq "... the summary" "true" "$(jq -r 'has("counts")' "$T/.out")"
check_exit "--query error -o text" 65 qin '{"id":"x"}' -o text
check_grep "... an ERROR row" 'ERROR .*invalid_query: query: "id" must be a whole number' "$T/.out"

check_exit "-o text" 0 sms-status -o text
check_grep "... a header" "ID  STATUS" "$T/.out"
check_grep "... a row per message with the estimate" "^ *1  queued .*+15557654321 .*2026-11-24 10:00 .*~0.0083 USD" "$T/.out"
check_eq "... four lines" 4 "$(wc -l <"$T/.out")"

# ---- sandbox: --sync ----------------------------------------------------------
check_exit "--sync exits 0" 0 sms-status -o json --sync
check_eq "... asks about the two queued ones, by id" "1 2" "$(ids "$T/.out")"
check_eq "... queued -> sent" "queued>sent queued>sent" "$(jq -r '"\(.previous_status)>\(.status)"' "$T/.out" | xargs)"
check_eq "... stored" "1|sent 2|sent 3|failed" "$(q "select id||'|'||status from messages order by id" | xargs)"
check_eq "... no delivered_at yet" 0 "$(q "select count(*) from messages where delivered_at is not null")"
check_exit "a second --sync" 0 sms-status -o json --sync
check_eq "... sent -> delivered" "sent>delivered sent>delivered" "$(jq -r '"\(.previous_status)>\(.status)"' "$T/.out" | xargs)"
check_eq "... delivered_at filled" "2026-11-25T12:00:00Z 2026-11-25T12:00:00Z" "$(q "select delivered_at from messages where id in (1, 2)" | xargs)"
check_eq "... the output is the stored record" "2026-11-25T12:00:00Z" "$(jq -r 'select(.id == 1) | .delivered_at' "$T/.out")"
check_eq "... a delivered message has no reason" "null" "$(jq -r 'select(.id == 1) | .reason' "$T/.out")"
check_eq "each change is an event from sync" 4 \
	"$(q "select detail from events where kind = 'status'" | jq -s '[.[] | select(.source == "sync")] | length')"
check_exit "a third --sync has nothing to ask" 0 sms-status -o json --sync
check_eq "... and prints nothing" "" "$(cat "$T/.out")"
check_exit "--sync of given ids prints final ones as they are" 1 sms-status -o json --sync 1 99
check_eq "... and the unknown id as an error" "1:true:delivered 99:false:not_found" \
	"$(jq -r '"\(.id):\(.ok):\(.status // .error.code)"' "$T/.out" | xargs)"

check_exit "--sync --query id" 0 qin '{"id":1}' --sync -o json
check_eq "... as --sync 1: final, printed as it is" "1:true:delivered" "$(jq -r '"\(.id):\(.ok):\(.status)"' "$T/.out")"
qerr "--sync --query with only final statuses" '{"status":"delivered"}' invalid_query '^query: --sync asks only about queued' --sync

# unknown, no provider id: nothing to ask, shown with what to do
store-tool msg-insert '{"to":"+15557654321","body":"lost","status":"unknown","provider":"sandbox","reason":"no answer"}' >/dev/null
store-tool msg-insert '{"to":"+15557654321","body":"elsewhere","status":"queued","provider":"twilio","provider_id":"SMother"}' >/dev/null
check_exit "--sync with an unknown message without a provider id exits 0" 0 sms-status -o json --sync
check_eq "... it is shown, ok, still unknown" "4 true unknown" "$(jq -r '"\(.id) \(.ok) \(.status)"' "$T/.out")"
check_grep "... telling to check the provider's console" "check sandbox's console" "$T/.out"
check_grep "... another provider's message is not asked, and said so" "1 message sent through another provider than sandbox was not asked" "$T/.err"
check_exit "the list shows the unknown one with the same advice" 0 sms-status -o json 4
check_grep "... " "check sandbox's console" "$T/.out"

# ---- --summary ------------------------------------------------------------------
check_exit "--summary" 0 env SMS_DAILY_LIMIT=5.00 sms-status --summary -o json
check_eq "... one record" 1 "$(wc -l <"$T/.out")"
check_eq "... counts by status" "2 1 1 1 0" "$(jq -r '.counts | "\(.delivered) \(.failed) \(.unknown) \(.queued) \(.pending)"' "$T/.out")"
# spend: the two delivered at the sandbox estimate 0.0083, one yesterday; the
# failed one costs nothing.
check_eq "... spend today and this month" "0.0083 0.0166 USD" "$(jq -r '.spend | "\(.today) \(.month) \(.currency)"' "$T/.out")"
check_eq "... against the daily cap" "5.0000 4.9917 null null" \
	"$(jq -r '.spend | "\(.daily_limit) \(.daily_remaining) \(.monthly_limit) \(.monthly_remaining)"' "$T/.out")"
check_eq "... ok" true "$(jq -r .ok "$T/.out")"
check_exit "on Kiritimati (UTC+14) it is already tomorrow" 0 env SMS_TZ=Pacific/Kiritimati SMS_MONTHLY_LIMIT=0.01 sms-status --summary -o json
check_eq "... the day starts at local midnight, after the 09:00Z send" "2026-11-25T10:00:00Z 0.0000" "$(jq -r '.spend | "\(.day_start) \(.today)"' "$T/.out")"
check_eq "... the month at the local first" "2026-10-31T10:00:00Z 0.0166" "$(jq -r '.spend | "\(.month_start) \(.month)"' "$T/.out")"
check_eq "... the monthly cap is spent: nothing remains" "0.0100 0.0000" "$(jq -r '.spend | "\(.monthly_limit) \(.monthly_remaining)"' "$T/.out")"
check_exit "a bad cap exits 78" 78 env SMS_DAILY_LIMIT=lots sms-status --summary
check_grep "... naming it" "SMS_DAILY_LIMIT" "$T/.err"
check_exit "--summary -o text" 0 env SMS_DAILY_LIMIT=5.00 sms-status --summary -o text
check_grep "... counts" "^delivered *2$" "$T/.out"
check_grep "... spend against the cap" "spent today *0.0083 USD of 5.0000 (4.9917 left)" "$T/.out"

# ---- paging: more than a page of messages ------------------------------------------
many_db=$(new_store many) || exit 1
export SMS_DB=$many_db
for i in $(seq 1 450); do printf '{"to":"+15557654321","body":"n%d"}\n' "$i"; done | sms-send -o json >/dev/null 2>&1
check_eq "450 queued messages" 450 "$(q "select count(*) from messages where status = 'queued'")"
check_exit "--sync over 450 messages" 0 sms-status -o json --sync
check_eq "... each asked once, in id order" "$(seq 1 450 | xargs)" "$(ids "$T/.out")"
check_eq "... all moved" 450 "$(q "select count(*) from messages where status = 'sent'")"
check_exit "--sync --limit 250" 0 sms-status -o json --sync --limit 250 --concurrency 8
check_eq "... the first 250" "250 1 250" "$(jq -s '"\(length) \(.[0].id) \(.[-1].id)"' -r "$T/.out")"
check_eq "... the rest untouched" "250 200" "$(q "select count(*) from messages where status = 'delivered'") $(q "select count(*) from messages where status = 'sent'")"
check_exit "the default list stops at 50" 0 sms-status -o json
check_eq "... the newest 50" "50 450 401" "$(jq -s '"\(length) \(.[0].id) \(.[-1].id)"' -r "$T/.out")"
check_exit "--limit 0 lists all" 0 sms-status -o json --limit 0
check_eq "... 450" 450 "$(wc -l <"$T/.out")"

# ---- the fake Twilio API ---------------------------------------------------------------
unset SMS_PROVIDER
SMS_DB=$(new_store twilio) || exit 1
use_fake_twilio_account
start_fake_twilio || exit 1
A=$TWILIO_ACCOUNT_SID
send $NOW +15557654321 "one"
send $NOW +12125550123 "two"
check_eq "two messages queued at Twilio" "queued queued" "$(q "select status from messages order by id" | xargs)"
sid1=$(q "select provider_id from messages where id = 1")
: >"$FAKE_LOG"
check_exit "--sync against Twilio exits 0" 0 sms-status -o json --sync
check_eq "... one GET per message" "GET GET" "$(jq -r .method "$FAKE_LOG" | xargs)"
check_eq "... to the message's resource" "/2010-04-01/Accounts/$A/Messages/$sid1.json" "$(jq -r 'select(.path | contains("'"$sid1"'")) | .path' "$FAKE_LOG")"
check_eq "... with basic auth" "$A test-token-not-secret" "$(jq -r '"\(.user) \(.pass)"' "$FAKE_LOG" | head -n 1)"
check_eq "... queued -> sent, no price yet" "sent:null sent:null" "$(jq -r '"\(.status):\(.price)"' "$T/.out" | xargs)"
check_exit "a second --sync" 0 sms-status -o json --sync
check_eq "... delivered, with Twilio's price as a positive decimal" "delivered:0.0083:USD delivered:0.0083:USD" "$(jq -r '"\(.status):\(.price):\(.currency)"' "$T/.out" | xargs)"
check_eq "... stored" "delivered|0.0083|USD" "$(q "select status||'|'||price||'|'||currency from messages where id = 1")"
check "... the token is not in the output" sh -c "! grep -q test-token '$T/.out' '$T/.err'"
check_exit "-o text shows the price" 0 sms-status -o text 1
check_grep "... the charged price, no ~" " 0.0083 USD" "$T/.out"

# a status never moves backwards: stored undelivered, Twilio answers sent
send $NOW +15557654321 "three"
store-tool msg-status 3 undelivered >/dev/null
: >"$FAKE_LOG"
check_exit "--sync when Twilio's answer is behind the store" 0 sms-status -o json --sync
check_eq "... asked" 1 "$(wc -l <"$FAKE_LOG")"
check_eq "... the stored status stands" "undelivered sent undelivered" "$(jq -r '"\(.status) \(.provider_status) \(.previous_status)"' "$T/.out")"
check_eq "... in the store too" undelivered "$(q "select status from messages where id = 3")"
check_exit "a late delivery receipt still moves undelivered -> delivered" 0 sms-status -o json --sync
check_eq "... delivered" "delivered" "$(q "select status from messages where id = 3")"

# a sid Twilio does not know: an error record for it, the others go on
store-tool msg-insert '{"to":"+15557654321","body":"x","status":"queued","provider":"twilio","provider_id":"SM404"}' >/dev/null
send $NOW +15557654321 "five"
check_exit "a 404 for one message exits 1" 1 sms-status -o json --sync
check_eq "... an error for it, the next one asked" "4:false:not_found 5:true:sent" "$(jq -r '"\(.id):\(.ok):\(if .ok then .status else .error.code end)"' "$T/.out" | xargs)"
check_eq "... its status untouched" queued "$(q "select status from messages where id = 4")"

# refused credentials: 77, nothing stored
send $NOW +15557654321 "six"
check_exit "refused credentials exit 77" 77 env TWILIO_AUTH_TOKEN=wrong sms-status -o json --sync 6
check_eq "... auth_failed" "auth_failed" "$(jq -r .error.code "$T/.out")"
check "... the token is not in the output" sh -c "! grep -q wrong '$T/.out' '$T/.err'"
check_eq "... nothing changed" queued "$(q "select status from messages where id = 6")"
check_exit "an unreachable provider exits 69" 69 env TWILIO_API_BASE=http://127.0.0.1:1 sms-status -o json --sync 6
check_eq "... unreachable, retryable" "unreachable true" "$(jq -r '"\(.error.code) \(.error.retryable)"' "$T/.out")"

# a send that hung: unknown, no sid: shown, never asked about
stop_fake_twilio
printf 'hang\n' >"$T/script"
start_fake_twilio --script "$T/script" || exit 1
SMS_HTTP_TIMEOUT=1 sms-send -o json --to +15557654321 --body hang >/dev/null 2>&1
check_eq "a hung send is stored unknown without a sid" "unknown|" "$(q "select status||'|'||coalesce(provider_id, '') from messages where id = 7")"
: >"$FAKE_LOG"
check_exit "--sync 7 exits 0" 0 sms-status -o json --sync 7
check_eq "... no request for it" 0 "$(wc -l <"$FAKE_LOG")"
check_eq "... shown unknown, with advice" "true unknown" "$(jq -r '"\(.ok) \(.status)"' "$T/.out")"
check_grep "... to check the console" "check twilio's console" "$T/.out"

# an answer saying the recipient opted out (21610) records the opt-out, as the
# webhook does for the same callback, and the next send is refused
stop_fake_twilio
printf 'to=+15557650021 ok-then failed 21610 Attempt to send to unsubscribed recipient\n' >"$T/script"
start_fake_twilio --script "$T/script" || exit 1
SMS_DB=$(new_store optout) || exit 1
send $NOW +15557650021 "stop me"
send $NOW +15557650022 "fine"
check_exit "--sync: both sent" 0 sms-status -o json --sync
check_eq "... no opt-out yet" 0 "$(q "select count(*) from optouts")"
check_exit "--sync: Twilio answers failed with 21610 for one" 0 sms-status -o json --sync
check_eq "... stored as opted_out, not retryable, with Twilio's words" \
	"failed|opted_out|21610|0|failed: 21610 Attempt to send to unsubscribed recipient" \
	"$(q "select status, error_code, provider_code, error_retryable, reason from messages where id = 1")"
check_eq "... printed so" "1:failed:opted_out:false 2:delivered:null:null" \
	"$(jq -r '"\(.id):\(.status):\(.error.code):\(.error.retryable)"' "$T/.out" | xargs)"
check_eq "... the number opted out, from the provider, as the webhook says it" \
	"+15557650021|provider 21610" "$(q "select number, source from optouts")"
check_eq "... with an optout event" 1 "$(q "select count(*) from events where kind = 'optout'")"
: >"$FAKE_LOG"
check_exit "... the next send to it is refused" 1 sms-send -o json --to +15557650021 --body again
check_eq "... opted_out, no request made" "opted_out 0" "$(jq -r .error.code "$T/.out") $(wc -l <"$FAKE_LOG")"
stop_fake_twilio

# ---- valgrind ---------------------------------------------------------------------
if valgrind_ready "valgrind"; then
	vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$@"; }
	export SMS_DB=$many_db SMS_PROVIDER=sandbox
	check_exit "valgrind: list, text, an unknown id" 1 vg sms-status -o text 1 2 9999
	vq() { printf '%s' "$1" | vg sms-status -o json --query; }
	check_exit "valgrind: --query ids" 1 vq '{"ids":[1,2,9999]}'
	check_exit "valgrind: --query filter" 0 vq '{"status":["sent","queued"],"since":"30d","limit":5}'
	check_exit "valgrind: --query refused" 65 vq '{"id":1,"ids":[2]}'
	check_exit "valgrind: --sync with paging" 0 vg sms-status -o json --sync --since 2d
	export SMS_DAILY_LIMIT=1
	check_exit "valgrind: --summary" 0 vg sms-status --summary -o text
fi

# ---- --query provider_id: the message a provider knows so -----------------------------
SMS_DB=$(new_store pid) || exit 1
export SMS_PROVIDER=sandbox
sms-send -o json --to +15551234567 --body "by provider id" >/dev/null 2>&1
pid=$(sql "select provider_id from messages where id = 1")
check_eq "--query provider_id: that message" "1 queued" \
	"$(printf '{"provider_id":"%s"}' "$pid" | sms-status --query -o json | jq -r '"\(.id) \(.status)"')"
check_exit "an unknown provider id: exit 1" 1 sh -c 'echo "{\"provider_id\":\"SMnope\"}" | sms-status --query -o json'
check_eq "...a not_found record naming it" "not_found message SMnope: no message with this provider id" "$(jq -r '"\(.error.code) \(.error.message)"' "$T/.out")"
check_exit "provider_id with another selection: refused (65)" 65 sh -c "echo '{\"provider_id\":\"$pid\",\"limit\":2}' | sms-status --query -o json"

done_testing
