#!/usr/bin/env bash
# sms-inbox: the listing (newest first by the time received, --since forms,
# --from, --unread, --limit, and the same as one JSON object with --query),
# --mark-read and --mark-unread by argument and on stdin, --thread (both
# directions, the last N oldest first, the text laid out as a conversation),
# and --fetch against the fake Twilio list API
# (paging, the exact requests, idempotence, the cursor, failures).
# Received messages are stored with store-tool, as the webhook would.
. tests/lib.sh

need "sms-inbox tests" "$([ "$SMSKIT_STORE" = pg ] && echo psql || echo sqlite3)" jq || { done_testing; exit; }
q() { sql "$1"; }
ids() { jq -r '.id' "$1" | xargs; }
ME=+15550006666
recv() { # recv FROM BODY CREATED_AT [EXTRA_JSON_FIELDS]
	store-tool msg-insert "{\"direction\":\"inbound\",\"to\":\"$ME\",\"from\":\"$1\",\"body\":\"$2\",\"created_at\":\"$3\"${4:+,$4}}" >/dev/null
}
sent() { # sent TO BODY CREATED_AT [STATUS]
	store-tool msg-insert "{\"direction\":\"outbound\",\"status\":\"${4:-delivered}\",\"to\":\"$1\",\"from\":\"$ME\",\"body\":\"$2\",\"created_at\":\"$3\"}" >/dev/null
}
export SMS_TZ=UTC SMS_TEST_NOW=2026-11-25T12:00:00Z

# ---- usage ------------------------------------------------------------------
check "--help exits 0 with usage" sh -c 'sms-inbox --help | grep -q "^usage: sms-inbox"'
check_eq "--version" "sms-inbox 0.1.0" "$(sms-inbox --version | sed 's/[0-9][0-9.]*$/0.1.0/')"
check_exit "an unknown option is a usage error" 64 sms-inbox --bogus
check_exit "a bad --since is a usage error" 64 sms-inbox --since yesterday
check_grep "... naming it" yesterday "$T/.err"
check_exit "a --from that is no number is a usage error" 64 sms-inbox --from "not-a-number!"
check_exit "a bad --limit is a usage error" 64 sms-inbox --limit -1
check_exit "ids without --mark-read are a usage error" 64 sms-inbox 12
check_exit "a non-numeric id to --mark-read is a usage error" 64 sms-inbox --mark-read 12x
check_exit "--mark-read with a filter is a usage error" 64 sms-inbox --mark-read --unread 1
check_exit "--mark-read and --mark-unread do not mix" 64 sms-inbox --mark-read --mark-unread 1
check_exit "--thread takes no --unread" 64 sms-inbox --thread +15551234567 --unread
check_exit "--fetch takes no --limit" 64 sms-inbox --fetch --limit 3
check_exit "--page-size goes with --fetch" 64 sms-inbox --page-size 10
check_exit "--page-size is 1 to 1000" 64 sms-inbox --fetch --page-size 1001
check_exit "a bad -o is a usage error" 64 sms-inbox -o xml
check_exit "an unusable store exits 78" 78 env SMS_DB=/dev/null/x.db sms-inbox
check_exit "an empty inbox exits 0" 0 sms-inbox -o json
check_eq "... and prints nothing" "" "$(cat "$T/.out")"

# ---- the listing ------------------------------------------------------------
# ids follow storage, not time: message 5 was received first (a late fetch).
recv +15551234567 "What are your hours?" 2026-11-24T09:30:00Z                      # 1
sent +15551234567 "We're open Mon-Fri 9am-6pm" 2026-11-24T09:31:00Z                 # 2
recv +12125550123 "Is the shop open Sunday?" 2026-11-25T10:00:00Z                   # 3
recv +15551234567 "Thanks!" 2026-11-25T11:30:00Z                                     # 4
recv +447700900123 "hello from London" 2026-11-23T08:00:00Z '"read":true,"replied":true' # 5
check_exit "the default listing exits 0" 0 sms-inbox -o json
check_eq "... received messages only, newest first by time received" "4 3 1 5" "$(ids "$T/.out")"
check_eq "... every record ok" "true true true true" "$(jq -r .ok "$T/.out" | xargs)"
check_eq "... message records" "inbound|received|+15551234567|$ME|Thanks!|false|false" \
	"$(jq -r 'select(.id == 4) | [.direction, .status, .from, .to, .body, .read, .replied] | join("|")' "$T/.out")"
check_eq "... every message record field present" true \
	"$(jq -s 'all(.[]; has("id") and has("media") and has("created_at") and has("read") and has("replied") and has("reply_to") and has("provider_id"))' "$T/.out")"
check_exit "--limit 2" 0 sms-inbox -o json --limit 2
check_eq "... the two newest" "4 3" "$(ids "$T/.out")"
check_exit "--limit 0 lists all" 0 sms-inbox -o json --limit 0
check_eq "... four" 4 "$(wc -l <"$T/.out")"

check_exit "--since 1h" 0 sms-inbox -o json --since 1h
check_eq "... the one of 11:30" "4" "$(ids "$T/.out")"
check_exit "--since 30m" 0 sms-inbox -o json --since 30m
check_eq "... the one of 11:30" "4" "$(ids "$T/.out")"
check_exit "--since 2d" 0 sms-inbox -o json --since 2d
check_eq "... since 23 Nov 12:00" "4 3 1" "$(ids "$T/.out")"
check_exit "--since a date" 0 sms-inbox -o json --since 2026-11-24
check_eq "... from its midnight" "4 3 1" "$(ids "$T/.out")"
check_exit "--since a date in SMS_TZ (Kiritimati, UTC+14)" 0 env SMS_TZ=Pacific/Kiritimati sms-inbox -o json --since 2026-11-24
check_eq "... from local midnight (2026-11-23T10:00Z)" "4 3 1" "$(ids "$T/.out")"
check_exit "--since a date in SMS_TZ (Honolulu, UTC-10)" 0 env SMS_TZ=Pacific/Honolulu sms-inbox -o json --since 2026-11-25
check_eq "... from local midnight (2026-11-25T10:00Z)" "4 3" "$(ids "$T/.out")"
check_exit "--since RFC 3339 with an offset" 0 sms-inbox -o json --since 2026-11-25T11:00:00+01:00
check_eq "... 10:00Z and later" "4 3" "$(ids "$T/.out")"

check_exit "--from in national format" 0 sms-inbox -o json --from "(555) 123-4567"
check_eq "... that sender's messages, received only" "4 1" "$(ids "$T/.out")"
check_exit "--from an international number" 0 sms-inbox -o json --from "+44 7700 900123"
check_eq "... found" "5" "$(ids "$T/.out")"
check_exit "--from with SMS_DEFAULT_COUNTRY=GB" 0 env SMS_DEFAULT_COUNTRY=GB sms-inbox -o json --from "07700 900123"
check_eq "... found" "5" "$(ids "$T/.out")"
check_exit "--from and --since together" 0 sms-inbox -o json --from +15551234567 --since 2026-11-25
check_eq "... both apply" "4" "$(ids "$T/.out")"

check_exit "--unread" 0 sms-inbox -o json --unread
check_eq "... the three unread" "4 3 1" "$(ids "$T/.out")"

check_exit "-o text" 0 sms-inbox -o text
check_eq "... a header and a row per message" 5 "$(wc -l <"$T/.out")"
check_grep "... the header" "^ *ID  RECEIVED  *FROM  *STATE  *BODY$" "$T/.out"
check_grep "... a row: id, local time, sender, state, body" "^ *4  2026-11-25 11:30  +15551234567  *unread   Thanks!$" "$T/.out"
check_grep "... replied shown" "^ *5  2026-11-23 08:00  +447700900123  *replied  hello from London$" "$T/.out"
check_exit "-o text in another zone" 0 env SMS_TZ=America/New_York sms-inbox -o text --limit 1
check_grep "... local time" "^ *4  2026-11-25 06:30 " "$T/.out"

# ---- --mark-read, --mark-unread -----------------------------------------------
check_exit "--mark-read 1 3" 0 sms-inbox -o json --mark-read 1 3
check_eq "... prints each record, read" "1:true:true 3:true:true" "$(jq -r '"\(.id):\(.ok):\(.read)"' "$T/.out" | xargs)"
check_eq "... stored" "1|1 3|1 4|0" "$(q "select id||'|'||read from messages where id in (1,3,4) order by id" | xargs)"
check_eq "... one read event each" "1:{\"read\":true} 3:{\"read\":true}" "$(q "select message_id||':'||detail from events where kind = 'read' order by id" | paste -sd' ')"
check_exit "--unread after --mark-read" 0 sms-inbox -o json --unread
check_eq "... only 4 is left" "4" "$(ids "$T/.out")"
check_exit "marking a read message read again" 0 sms-inbox -o json --mark-read 1
check_eq "... appends no event" 2 "$(q "select count(*) from events where kind = 'read'")"
check_exit "--mark-unread 3, a comma list with 4" 0 sms-inbox -o json --mark-unread 3,4
check_eq "... unread" "3:false 4:false" "$(jq -r '"\(.id):\(.read)"' "$T/.out" | xargs)"
check_exit "--unread" 0 sms-inbox -o json --unread
check_eq "... 4 and 3" "4 3" "$(ids "$T/.out")"
check_eq "... an unread event" '{"read":false}' "$(q "select detail from events where kind = 'read' and message_id = 3 order by id desc limit 1")"
check_exit "an unknown id and a sent message: exit 1" 1 sms-inbox -o json --mark-read 99 2 4
check_eq "... error records for them, the other marked" "99:false:not_found 2:false:invalid_request 4:true:true" \
	"$(jq -r '"\(.id):\(.ok):\(if .ok then .read else .error.code end)"' "$T/.out" | xargs)"
check_grep "... a line on stderr" "message 99: no such message" "$T/.err"
check_eq "... the sent message untouched" 0 "$(q "select read from messages where id = 2")"
printf '%s\n' '{"id":3,"mine":"x"}' '{"id":"1"}' 'oops' '{"id":true}' >"$T/in"
check_exit "--mark-read on stdin" 1 sms-inbox -o json --mark-read <"$T/in"
check_eq "... one record per line, in order" "1:true 2:true 3:false 4:false" "$(jq -r '"\(.line):\(.ok)"' "$T/.out" | xargs)"
check_eq "... own fields pass through" "x" "$(jq -r 'select(.line == 1) | .mine' "$T/.out")"
check_eq "... bad JSON and a bad id are errors" "bad_json invalid_id" "$(jq -r 'select(.ok == false) | .error.code' "$T/.out" | xargs)"
check_eq "... 3 is read" 1 "$(q "select read from messages where id = 3")"
check_exit "-o text for --mark-unread" 0 sms-inbox -o text --mark-unread 1
check_grep "... the row" "^ *1  2026-11-24 09:30  +15551234567  *unread " "$T/.out"

# ---- --thread -------------------------------------------------------------------
sent +15551234567 "See you Saturday" 2026-11-25T11:45:00Z failed                   # 6
store-tool msg-insert "{\"direction\":\"outbound\",\"status\":\"queued\",\"to\":\"+15551234567\",\"from\":\"$ME\",\"body\":\"Line one\\nline two\",\"media\":[\"https://example.com/map.png\"],\"created_at\":\"2026-11-25T11:50:00Z\"}" >/dev/null # 7
check_exit "--thread in national format" 0 sms-inbox -o json --thread "555.123.4567"
check_eq "... both directions, oldest first" "1 2 4 6 7" "$(ids "$T/.out")"
check_eq "... directions" "inbound outbound inbound outbound outbound" "$(jq -r .direction "$T/.out" | xargs)"
check_exit "--thread --limit 2" 0 sms-inbox -o json --thread +15551234567 --limit 2
check_eq "... the last two, oldest first" "6 7" "$(ids "$T/.out")"
check_exit "--thread --since" 0 sms-inbox -o json --thread +15551234567 --since 2026-11-25
check_eq "... today's" "4 6 7" "$(ids "$T/.out")"
check_exit "--thread with nobody" 0 sms-inbox -o json --thread +15559990000
check_eq "... prints nothing" "" "$(cat "$T/.out")"
check_exit "--thread -o text" 0 sms-inbox -o text --thread +15551234567
cat >"$T/want" <<'EOF'
2026-11-24 09:30  Them  What are your hours?
2026-11-24 09:31  You   We're open Mon-Fri 9am-6pm
2026-11-25 11:30  Them  Thanks!
2026-11-25 11:45  You   See you Saturday  [failed]
2026-11-25 11:50  You   Line one
                        line two
                        [media] https://example.com/map.png
EOF
check_eq "... laid out as a conversation" "$(cat "$T/want")" "$(cat "$T/.out")"
check_exit "--thread -o text in New York" 0 env SMS_TZ=America/New_York sms-inbox -o text --thread +15551234567 --limit 1
check_eq "... local time" "2026-11-25 06:50  You   Line one" "$(head -n 1 "$T/.out")"

# ---- --query: the selection as one JSON object on stdin ------------------------------
qin() { printf '%s' "$1" | sms-inbox --query "${@:2}"; } # qin JSON [OPTION...]
same() { # same DESC JSON [OPTION...]: --query with JSON prints what the options print
	local want got
	want=$(sms-inbox -o json "${@:3}" 2>&1; echo "exit $?")
	got=$(qin "$2" -o json 2>&1; echo "exit $?")
	check_eq "$1" "$want" "$got"
}
same "--query since: as --since" '{"since":"2026-11-25"}' --since 2026-11-25
same "--query since, a span" '{"since":"2d"}' --since 2d
same "--query from: as --from" '{"from":"(555) 123-4567"}' --from "(555) 123-4567"
same "--query unread true: as --unread" '{"unread":true}' --unread
same "--query unread false: as without it" '{"unread":false}'
same "--query limit: as --limit" '{"limit":2}' --limit 2
same "--query limit 0: all" '{"limit":0}' --limit 0
same "--query thread: as --thread" '{"thread":"555.123.4567"}' --thread 555.123.4567
same "--query thread, since and limit" '{"thread":"+15551234567","since":"2026-11-25","limit":2}' \
	--thread +15551234567 --since 2026-11-25 --limit 2
same "--query all four listing keys" '{"since":"2d","from":"+15551234567","unread":true,"limit":5}' \
	--since 2d --from +15551234567 --unread --limit 5
same "--query with an empty stdin: as no query" ''
same "--query {}: as no query" '{}'
same "--query over several lines, white space around" $'\n  {\n  "limit": 1\n  }\n\n' --limit 1
same "--query: a key set to null counts as left out" '{"since":null,"limit":1}' --limit 1
check_exit "--query overrides the option: limit" 0 qin '{"limit":1}' -o json --limit 3
check_eq "... one message" "4" "$(ids "$T/.out")"
check_exit "--query overrides the option: unread false" 0 qin '{"unread":false}' -o json --unread
check_eq "... read ones too" "4 3 1 5" "$(ids "$T/.out")"
check_exit "--query adds to the options" 0 qin '{"from":"+15551234567"}' -o json --since 2026-11-25
check_eq "... both apply" "4" "$(ids "$T/.out")"
check_exit "--query thread with --since on the command line" 0 qin '{"thread":"+15551234567"}' -o json --since 2026-11-25
check_eq "... the thread since then" "4 6 7" "$(ids "$T/.out")"
check_exit "--query thread -o text: laid out as a conversation" 0 qin '{"thread":"+15551234567","limit":1}' -o text
check_grep "... the conversation's form" "^2026-11-25 11:50  You   Line one$" "$T/.out"

qerr() { # qerr DESC JSON CODE MESSAGE_PATTERN [OPTION...]: refused with exit 65 and one error record
	check_exit "$1: exit 65" 65 qin "$2" -o json "${@:5}"
	check_eq "... one error record, nothing listed" "1 false $3" "$(jq -rs '"\(length) \(.[0].ok) \(.[0].error.code)"' "$T/.out")"
	check_eq "... saying why" "yes" "$(jq -r --arg re "$4" 'if .error.message | test($re) then "yes" else .error.message end' "$T/.out")"
	check_grep "... on stderr too" "^sms-inbox: query: " "$T/.err"
}
qerr "--query with an unknown key" '{"colour":"red"}' invalid_query '^query: unknown key "colour" \(the keys are: since, from, unread, limit, thread, channel, wait, state\)$'
qerr "--query limit as a string" '{"limit":"x"}' invalid_query '^query: "limit" must be a whole number, not "x"$'
qerr "--query limit not whole" '{"limit":1.5}' invalid_query '^query: "limit" must be a whole number, not 1.5$'
qerr "--query unread as a string" '{"unread":"yes"}' invalid_query '^query: "unread" must be true or false, not "yes"$'
qerr "--query since as a number" '{"since":1}' invalid_query '^query: "since" must be a string, not 1$'
qerr "--query limit below 0" '{"limit":-1}' invalid_query '^query: "limit" takes a whole number \(0 for all\), not `-1`$'
qerr "--query since refused as --since refuses it" '{"since":"yesterday"}' invalid_query '^query: "since" takes 30m, .* not `yesterday`$'
qerr "--query from that is no number" '{"from":"not-a-number!"}' invalid_query '^query: "from" `not-a-number!`: '
qerr "--query thread that is an option" '{"thread":"--help"}' invalid_query '^query: "thread" `--help`: '
qerr "--query thread with unread" '{"thread":"+15551234567","unread":true}' invalid_query '^query: "thread" shows a whole conversation: it takes no "from", "unread" or "state"$'
qerr "--query thread with --from on the command line" '{"thread":"+15551234567"}' invalid_query 'whole conversation' --from +15551234567
qerr "--query with a key given twice" '{"limit":1,"limit":2}' invalid_query '^query: "limit" is given twice$'
qerr "--query that is not JSON" '{"limit":' bad_json '^query: the input is not JSON$'
qerr "--query with two objects" '{"limit":1} {"limit":2}' bad_json '^query: the input holds more than one JSON value'
qerr "--query with two objects on two lines" $'{}\n{}\n' bad_json 'more than one JSON value'
qerr "--query that is an array" '[{"limit":1}]' bad_json '^query: the input is JSON but not an object$'
qerr "--query that is a string" '"limit"' bad_json 'not an object'
qerr "--query with a \\u0000 escape" '{"from":"+1555\u0000"}' nul_byte 'u0000'
qerr "--query that is not UTF-8" "$(printf '{"from":"\xff"}')" invalid_utf8 'not valid UTF-8'
check_exit "--query error -o text" 65 qin '{"limit":"x"}' -o text
check_grep "... an error row" 'ERROR  invalid_query: query: "limit" must be a whole number' "$T/.out"
check_exit "--query with --mark-read is a usage error" 64 qin '{}' --mark-read 1
check_exit "--query with --fetch is a usage error" 64 qin '{}' --fetch
check_eq "... and marked nothing" 0 "$(q "select read from messages where id = 1")"

# ---- on a terminal ------------------------------------------------------------------
if command -v script >/dev/null; then
	script -qec "sms-inbox --limit 1" /dev/null >"$T/tty" 2>&1
	check_grep "text by default on a terminal" "RECEIVED" "$T/tty"
else skip "text on a terminal" "$(missing script)"; fi
check_exit "NDJSON by default into a pipe" 0 sms-inbox --limit 1
check "... is JSON" jq -e .id "$T/.out"

# ---- --fetch ---------------------------------------------------------------------------
check_exit "--fetch on the sandbox: not supported, exit 78" 78 env SMS_PROVIDER=sandbox sms-inbox --fetch
check_grep "... saying so" "not supported by the sandbox provider" "$T/.err"
check_exit "--fetch without a provider exits 78" 78 sms-inbox --fetch

SMS_DB=$(new_store fetch); export SMS_DB
use_fake_twilio_account
A=$TWILIO_ACCOUNT_SID
# Twilio lists newest first; 8 inbound and an outbound reply, dates in RFC 2822.
item() { # item SID DIR TO FROM BODY DATE [NUM_MEDIA]
	jq -cn --arg sid "$1" --arg dir "$2" --arg to "$3" --arg from "$4" --arg body "$5" --arg d "$6" --arg nm "${7:-0}" \
		'{sid: $sid, account_sid: "'"$A"'", direction: $dir, to: $to, from: $from, body: $body,
		  status: (if $dir == "inbound" then "received" else "delivered" end), num_segments: "1",
		  num_media: $nm, price: "-0.00790", price_unit: "USD", date_created: $d, date_sent: $d,
		  date_updated: $d, error_code: null, error_message: null, api_version: "2010-04-01"}'
}
{
	item SM08 inbound $ME +15551234567 "eight" "Wed, 25 Nov 2026 11:00:00 +0000"
	item SM07 outbound-reply +15551234567 $ME "a reply" "Wed, 25 Nov 2026 10:30:00 +0000"
	item MM06 inbound $ME +12125550123 "a picture" "Wed, 25 Nov 2026 10:00:00 +0000" 2
	item SM05 inbound $ME +15551234567 "five" "Wed, 25 Nov 2026 09:00:00 +0000"
	item SM04 inbound $ME +15551234567 "four" "Tue, 24 Nov 2026 23:59:59 -0500"
	item SM03 inbound $ME +15551234567 "three" "Tue, 24 Nov 2026 08:00:00 +0000"
	item SM02 inbound $ME +15551234567 "two" "Mon, 23 Nov 2026 08:00:00 +0000"
	item SM01 inbound $ME +15551234567 "one" "Sun, 22 Nov 2026 08:00:00 +0000"
	item SMother inbound +15550007777 +15551234567 "to another number" "Wed, 25 Nov 2026 08:00:00 +0000"
	item SM00 inbound $ME +15551234567 "too old" "Mon, 02 Nov 2026 08:00:00 +0000"
} >"$T/inbound"
start_fake_twilio --inbound "$T/inbound" || exit 1
recv +15551234567 "five, from the webhook" 2026-11-25T09:00:00Z '"provider":"twilio","provider_id":"SM05"'
check_exit "--fetch --page-size 3 exits 0" 0 sms-inbox --fetch --page-size 3 -o json
L=/2010-04-01/Accounts/$A/Messages.json
check_eq "... three GET requests to the list" "GET $L GET $L GET $L" "$(jq -r '"\(.method) \(.path)"' "$FAKE_LOG" | xargs)"
check_eq "... the first: To, DateSent> (7 days back) and PageSize" \
	"[[\"To\",\"$ME\"],[\"DateSent>\",\"2026-11-18\"],[\"PageSize\",\"3\"]]" "$(jq -c .query "$FAKE_LOG" | head -n 1)"
check_eq "... then next_page_uri followed as given" \
	"[[\"To\",\"$ME\"],[\"DateSent>\",\"2026-11-18\"],[\"PageSize\",\"3\"],[\"Page\",\"1\"],[\"PageToken\",\"PASM00000003\"]] [[\"To\",\"$ME\"],[\"DateSent>\",\"2026-11-18\"],[\"PageSize\",\"3\"],[\"Page\",\"2\"],[\"PageToken\",\"PASM00000006\"]]" \
	"$(jq -c .query "$FAKE_LOG" | tail -n 2 | xargs -d '\n')"
check_eq "... with basic auth" "$A test-token-not-secret" "$(jq -r '"\(.user) \(.pass)"' "$FAKE_LOG" | sort -u)"
check_eq "... prints the six new ones, oldest first" "SM01 SM02 SM03 SM04 MM06 SM08" "$(jq -r .provider_id "$T/.out" | xargs)"
check_eq "... received, from Twilio" "true|inbound|received|twilio|$ME" "$(jq -r '[.ok, .direction, .status, .provider, .to] | map(tostring) | join("|")' "$T/.out" | sort -u)"
check_eq "... the time received kept, in UTC" "2026-11-22T08:00:00Z 2026-11-23T08:00:00Z 2026-11-24T08:00:00Z 2026-11-25T04:59:59Z 2026-11-25T10:00:00Z 2026-11-25T11:00:00Z" \
	"$(jq -r .created_at "$T/.out" | xargs)"
check_eq "... segments and the price, as a positive decimal" "1 0.0079 USD" "$(jq -r 'select(.provider_id == "SM01") | "\(.segments) \(.price) \(.currency)"' "$T/.out")"
check_eq "... media not fetched, said in warnings" "2 media items not fetched: see the message in Twilio's console (sms-webhookd stores media URLs)" \
	"$(jq -r 'select(.provider_id == "MM06") | .warnings[0]' "$T/.out")"
check_eq "... the outbound item is not stored" 0 "$(q "select count(*) from messages where provider_id = 'SM07'")"
check_eq "... the one the webhook stored is not stored twice" 1 "$(q "select count(*) from messages where provider_id = 'SM05'")"
check_eq "... seven received messages in the store" 7 "$(q "select count(*) from messages where direction = 'inbound'")"
check_eq "... stored oldest first" "SM01 SM02 SM03 SM04 MM06 SM08" "$(q "select provider_id from messages where id > 1 order by id" | xargs)"
check_eq "... the cursor kept" "2026-11-25T12:00:00Z" "$(q "select value from kv where key = 'inbox.fetch.twilio.$ME'")"
check "... the token is not in the output" sh -c "! grep -q test-token '$T/.out' '$T/.err'"
check_exit "the listing shows them, newest first" 0 sms-inbox -o json --limit 3
check_eq "... by the time received" "eight a picture five, from the webhook" "$(jq -r .body "$T/.out" | xargs)"

: >"$FAKE_LOG"
export SMS_TEST_NOW=2026-11-25T12:30:00Z
check_exit "a second --fetch exits 0" 0 sms-inbox --fetch --page-size 3 -o json
check_eq "... prints nothing" "" "$(cat "$T/.out")"
check_eq "... stores nothing" 7 "$(q "select count(*) from messages where direction = 'inbound'")"
check_eq "... asks from the day of the last fetch, an hour before" \
	"[[\"To\",\"$ME\"],[\"DateSent>\",\"2026-11-25\"],[\"PageSize\",\"3\"]]" "$(jq -c .query "$FAKE_LOG" | head -n 1)"
check_eq "... one page for that day" 1 "$(wc -l <"$FAKE_LOG")"
check_eq "... the cursor moved" "2026-11-25T12:30:00Z" "$(q "select value from kv where key = 'inbox.fetch.twilio.$ME'")"

: >"$FAKE_LOG"
check_exit "--fetch --since an older date" 0 sms-inbox --fetch --since 2026-11-01 -o json
check_eq "... asks from that date, default page size" "[[\"To\",\"$ME\"],[\"DateSent>\",\"2026-11-01\"],[\"PageSize\",\"1000\"]]" "$(jq -c .query "$FAKE_LOG")"
check_eq "... and stores only the one that was missing" "SM00" "$(jq -r .provider_id "$T/.out")"
check_exit "--fetch -o text" 0 sms-inbox --fetch -o text
check_eq "... nothing new: no rows" "" "$(cat "$T/.out")"

# With a Messaging Service and no number: every number of the account.
: >"$FAKE_LOG"
check_exit "--fetch with only a Messaging Service" 0 env -u TWILIO_PHONE_NUMBER TWILIO_MESSAGING_SERVICE_SID=MG0123456789abcdef0123456789abcdef sms-inbox --fetch -o json
check_eq "... no To filter" '[["DateSent>","2026-11-18"],["PageSize","1000"]]' "$(jq -c .query "$FAKE_LOG")"
check_eq "... the message to the other number stored, the outbound one still not" "SMother" "$(jq -r .provider_id "$T/.out" | xargs)"
check_eq "... a cursor of its own" "2026-11-25T12:30:00Z" "$(q "select value from kv where key = 'inbox.fetch.twilio.any'")"

: >"$FAKE_LOG"
check_exit "sms-fetch itself, what --fetch runs" 0 sms-fetch -o json --page-size 2
check_eq "... the same request" "[[\"To\",\"$ME\"],[\"DateSent>\",\"2026-11-25\"],[\"PageSize\",\"2\"]]" "$(jq -c .query "$FAKE_LOG" | head -n 1)"
check_eq "... nothing new" "" "$(cat "$T/.out")"
if valgrind_ready "valgrind: sms-fetch"; then
	: >"$FAKE_LOG"
	check_exit "valgrind: sms-fetch over five pages, nothing new" 0 valgrind -q --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite,indirect sms-fetch -o json --page-size 1 --since 2026-11-24
	check_eq "... five requests" 5 "$(wc -l <"$FAKE_LOG")"
fi
mkdir -p "$T/lonely" && cp "$SMSKIT_BIN/sms-inbox" "$T/lonely/"
check_exit "--fetch without sms-fetch next to it or on PATH exits 78" 78 env PATH="$T/lonely:/usr/bin:/bin" sms-inbox --fetch
check_grep "... saying so" "sms-inbox: --fetch runs sms-fetch, which is not installed" "$T/.err"
if command -v ldd >/dev/null; then
	check "sms-inbox itself does not load libcurl (it starts fast)" sh -c "! ldd '$SMSKIT_BIN/sms-inbox' | grep -q libcurl"
else skip "sms-inbox without libcurl" "$(missing ldd)"; fi

# Failures: nothing stored, the cursor left alone, the status says why.
before=$(q "select count(*) from messages")
check_exit "refused credentials exit 77" 77 env TWILIO_AUTH_TOKEN=wrong sms-inbox --fetch -o json --since 2026-11-01
check_grep "... saying so, as sms-inbox" "^sms-inbox: fetching page 1" "$T/.err"
check "... the token is not in the output" sh -c "! grep -q wrong '$T/.out' '$T/.err'"
check_exit "an unreachable provider exits 69" 69 env TWILIO_API_BASE=http://127.0.0.1:1 sms-inbox --fetch -o json
check_eq "... nothing stored" "$before" "$(q "select count(*) from messages")"
check_eq "... the cursor unchanged" "2026-11-25T12:30:00Z" "$(q "select value from kv where key = 'inbox.fetch.twilio.$ME'")"
stop_fake_twilio

# Keywords pulled by --fetch count as if the webhook had stored them.
SMS_DB=$(new_store keywords); export SMS_DB
{
	item SMk2 inbound $ME +15559990002 "start" "Wed, 25 Nov 2026 11:00:00 +0000"
	item SMk1 inbound $ME +15559990001 " Stop " "Wed, 25 Nov 2026 10:00:00 +0000"
	item SMk0 inbound $ME +15559990002 "UNSUBSCRIBE" "Wed, 25 Nov 2026 09:00:00 +0000"
} >"$T/keywords"
start_fake_twilio --inbound "$T/keywords" || exit 1
check_exit "--fetch of STOP, UNSUBSCRIBE then START" 0 sms-inbox --fetch -o json
check_eq "... STOP opts out, UNSUBSCRIBE then START (later) leaves the other in" "+15559990001|keyword STOP" \
	"$(q "select number, source from optouts")"
check_eq "... each logged as a webhook event from the fetch" "fetch fetch fetch" \
	"$(q "select detail from events where kind = 'webhook' order by id" | jq -r .via | xargs)"
check_exit "... and sms-send refuses the opted-out number" 1 env SMS_PROVIDER=sandbox sms-send --to +15559990001 --body hi -o json
check_eq "... opted_out" opted_out "$(jq -r .error.code "$T/.out")"
stop_fake_twilio

# A page that fails after one that came: the first page is kept, the cursor not moved.
SMS_DB=$(new_store partial); export SMS_DB
start_fake_twilio --inbound "$T/inbound" --list-error 1:400:20001 || exit 1
check_exit "the second page refused: exit 1" 1 sms-inbox --fetch --page-size 3 -o json
check_grep "... saying which page" "fetching page 2: fake-twilio: scripted list error" "$T/.err"
check_eq "... two requests" 2 "$(wc -l <"$FAKE_LOG")"
check_eq "... the first page's received messages stored and printed, oldest first" "SM05 MM06 SM08" "$(jq -r .provider_id "$T/.out" | xargs)"
check_eq "... in the store" 3 "$(q "select count(*) from messages")"
check_eq "... no cursor" 0 "$(q "select count(*) from kv")"
stop_fake_twilio

# ---- the queries stay on indexes ----------------------------------------------------------
# (EXPLAIN QUERY PLAN of the SQL store_list.c builds for them; bench/inbox.sh times them.
# On PostgreSQL, EXPLAIN with sequential scans off: an index can serve each.)
unread="SELECT id, created_at FROM (SELECT id, created_at FROM messages WHERE direction = 'inbound' AND read = 0 ORDER BY created_at DESC, id DESC LIMIT 50) u ORDER BY 2 DESC, 1 DESC LIMIT 50"
thread="SELECT id, created_at FROM (SELECT id, created_at FROM (SELECT id, created_at FROM messages WHERE to_number = '+1' ORDER BY created_at DESC, id DESC LIMIT 50) t UNION SELECT id, created_at FROM (SELECT id, created_at FROM messages WHERE from_number = '+1' ORDER BY created_at DESC, id DESC LIMIT 50) f ORDER BY 2 DESC, 1 DESC LIMIT 50) b ORDER BY 2, 1"
if [ "$SMSKIT_STORE" = sqlite ]; then
	plan() { q "EXPLAIN QUERY PLAN $1" | tr '\n' ' '; }
	case $(plan "$unread") in *"INDEX messages_inbox (direction=? AND read=?)"*) r=0 ;; *) r=1 ;; esac
	check_eq "--unread is a range of messages_inbox" 0 "$r"
	case $(plan "$thread") in *"INDEX messages_to (to_number=?)"*"INDEX messages_from (from_number=?)"*) r=0 ;; *) r=1 ;; esac
	check_eq "--thread merges a range of messages_to and one of messages_from" 0 "$r"
else
	plan() { q "SET enable_seqscan = off; EXPLAIN (COSTS OFF) $1" | tr -s '\n ' '  '; }
	case $(plan "$unread") in *"using messages_inbox on messages Index Cond: ((direction = 'inbound'::text) AND (read = 0))"*) r=0 ;; *) r=1 ;; esac
	check_eq "--unread is a range of messages_inbox" 0 "$r"
	case $(plan "$thread") in *"using messages_to on messages Index Cond: (to_number = '+1'::text)"*"using messages_from on messages "*"Index Cond: (from_number = '+1'::text)"*) r=0 ;; *) r=1 ;; esac
	check_eq "--thread merges a range of messages_to and one of messages_from" 0 "$r"
fi

# ---- valgrind ------------------------------------------------------------------------------
if valgrind_ready "valgrind"; then
	vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$@"; }
	check_exit "valgrind: listing, text" 0 vg sms-inbox -o text --since 30d --from +15551234567
	check_exit "valgrind: thread" 0 vg sms-inbox -o text --thread +15551234567 --limit 3
	check_exit "valgrind: mark-read with an unknown id" 1 vg sms-inbox -o json --mark-read 2 999
	vq() { printf '%s' "$1" | vg sms-inbox -o json --query; }
	check_exit "valgrind: --query" 0 vq '{"since":"30d","from":"+15551234567","unread":false,"limit":3}'
	check_exit "valgrind: --query thread" 0 vq '{"thread":"+15551234567","limit":2}'
	check_exit "valgrind: --query refused" 65 vq '{"since":"x"}'
	check_exit "valgrind: --query not JSON" 65 vq '{"since"'
fi

done_testing
