#!/usr/bin/env bash
# sms-mcp hardened: with SMS_MCP_DIRECT_SEND=off nothing an assistant writes
# reaches a phone without a person (an autoresponder it makes is stored
# disabled, and an inbound message through sms-webhookd gets no answer from
# it until a person enables it); every string parameter bounded by its
# schema, an 8 MB line answered in seconds; ids echoed byte for byte, even
# beyond 2^53, and too large an id refused in a sentence that quotes it.
# SMS_MCP_SHIM runs it against another shim (an older one, to see it fail).
. tests/lib.sh
. tests/webhook.sh
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
q() { sql "$1"; }
mcp=${SMS_MCP_SHIM:-$SMSKIT_BIN/sms-mcp}

# rpc LINE...: the lines on the shim's stdin; its answers in $T/out, one a line.
rpc() { printf '%s\n' "$@" | "$mcp" >"$T/out" 2>"$T/err"; }
# line N: the Nth line of the answers, as the shim wrote it (not through jq,
# which would round the big numbers this test is about).
line() { sed -n "${1}p" "$T/out"; }
call() { # call ID TOOL ARGS_JSON: the ID and ARGS as written
	printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s}}' "$1" "$2" "$3"
}
text() { sed -n "${1}p" "$T/out" | jq -r '.result.content[0].text // .error.message'; }
INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'

# ---- SMS_MCP_DIRECT_SEND=off: no autoresponder answers before a person ------------
PHISH='Your account is locked, verify at http://evil.example/x'
SMS_MCP_DIRECT_SEND=off rpc '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' \
	"$(call 2 create_sms_autoresponder "{\"trigger\":\"/.*/\",\"response\":\"$PHISH\"}")" \
	"$(call 3 create_sms_autoresponder '{"trigger":"HOURS","response":"x","enabled":true}')" \
	"$(call 4 create_sms_autoresponder '{"trigger":"OPEN","response":"y","enabled":false}')" \
	"$(call 5 create_sms_autoresponder '{"name":"verify","after":["survey"],"trigger":"/.*/","match":"regex","response":"z"}')"
check_eq "off: the tools listed, none that sends at once or turns a rule on" \
	"stage_sms list_staged_sms send_approved_sms get_incoming_sms mark_sms_read create_sms_autoresponder list_sms_autoresponders delete_sms_autoresponder get_sms_conversation get_sms_status preview_sms get_consent list_sms_templates stage_sms_template wait_for_sms_reply" \
	"$(line 1 | jq -r '[.result.tools[].name] | join(" ")')"
check_eq "off: create_sms_autoresponder takes enabled false only, and says a person enables the rule" 'false true' \
	"$(line 1 | jq -r '.result.tools[] | select(.name == "create_sms_autoresponder") | "\(.inputSchema.properties.enabled.const) \(.description | test("stored disabled.*sms-auto enable"))"')"
rule=$(line 2 | jq -r '.result.structuredContent.records[0].id')
check_eq "off: the rule with /.*/ is stored, disabled" "/.*/|$PHISH|0" "$(q "SELECT trigger, response, enabled FROM autoresponders WHERE id = ${rule:-0}")"
check_eq "...and the result says it waits for a person, and how they enable it" "false yes" \
	"$(line 2 | jq -r --arg id "$rule" '"\(.result.isError) \(if (.result.content[1].text | contains("stored disabled") and contains("sms-auto enable \($id)") and contains("/review/autoresponders")) then "yes" else .result.content end)"')"
check_eq "off: enabled true is refused, saying why" "true yes" \
	"$(line 3 | jq -r '"\(.result.isError) \(if (.result.content[0].text | test("enabled must be false, not true: with SMS_MCP_DIRECT_SEND=off a rule is stored disabled")) then "yes" else .result.content end)"')"
check_eq "off: enabled false is taken" false "$(line 4 | jq .result.isError)"
check_eq "off: a rule of a conversation (name, after) is stored disabled too" "false|verify|survey|0" \
	"$(line 5 | jq -r '.result.isError')|$(q "SELECT name, after, enabled FROM autoresponders WHERE id = $(line 5 | jq -r '.result.structuredContent.records[0].id // 0')")"
check_eq "...three rules stored, none enabled" "3|0" "$(q "SELECT count(*), coalesce(sum(enabled), 0) FROM autoresponders")"

# A texter writes in, through the real daemon, as Twilio would post it.
SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN start_webhookd || exit 1
check_eq "an inbound message is accepted" 200 "$(incoming "$WH_URL/sms/incoming" SM2020A +15551232020 "hello, is this the bank?")"
check_eq "...and gets no answer from the assistant's rule: empty TwiML" '<?xml version="1.0" encoding="UTF-8"?><Response/>' "$(cat "$T/.body")"
check_eq "...nothing stored as sent to the texter, the rule never fired" "0 0" \
	"$(q "SELECT count(*) FROM messages WHERE direction = 'outbound'") $(q "SELECT coalesce(sum(trigger_count), 0) FROM autoresponders")"
check "a person enables the rule" sms-auto enable "${rule:-0}"
check_eq "...then the next message is answered with it (the daemon would answer)" 200 "$(incoming "$WH_URL/sms/incoming" SM2020B +15551232020 "hello?")"
check_grep "...in the TwiML" "<Message>$PHISH</Message>" "$T/.body"
stop_webhookd
q "DELETE FROM autoresponders"

SMS_MCP_DIRECT_SEND=on rpc "$(call 1 create_sms_autoresponder '{"trigger":"HOURS","response":"9-5"}')"
check_eq "on: a rule is stored enabled as before, with no note" "1 1" \
	"$(q "SELECT enabled FROM autoresponders WHERE trigger = 'HOURS'") $(line 1 | jq '.result.content | length')"
q "DELETE FROM autoresponders"

# ---- argument sizes: bounded by the schemas, answered in time -------------------
rpc '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
check_eq "every string parameter has a maxLength" "[]" \
	"$(line 1 | jq -c '[.result.tools[] | .name as $n | .inputSchema.properties | to_entries[]
		| .key as $k | .value | (., .items?, (.anyOf[]? | (., .items?))) | objects
		| select(.type == "string" and (has("enum") | not) and (has("maxLength") | not)) | "\($n).\($k)"]')"
check_eq "...texts 6400, numbers 64, a note or a text to preview 16000" "6400 6400 64 16000 16000" \
	"$(line 1 | jq -r '[.result.tools[] | select(.name == "stage_sms" or .name == "preview_sms" or .name == "reply_to_sms") | .inputSchema.properties]
		| "\(.[0].message.maxLength) \(.[1].reply.maxLength) \(.[0].to.anyOf[0].maxLength) \(.[0].notes.maxLength) \(.[2].message.maxLength)"' 2>/dev/null)"
n0=$(q "SELECT count(*) FROM messages")
rpc "$INIT" "$(call 1 stage_sms "$(jq -nc '{to: "+15551234567", message: ("é" * 6401)}')")" \
	"$(call 2 stage_sms "$(jq -nc '{to: "+15551234567", message: ("é" * 6400)}')")"
check_eq "a text of 6401 characters is refused in a sentence" 'true|Invalid arguments for stage_sms: message must be at most 6400 characters long, not 6401.' \
	"$(line 2 | jq -r '"\(.result.isError)|\(.result.content[0].text)"')"
check_eq "...one of 6400 is the program's to judge" 1 "$(line 3 | jq '.result.structuredContent.exit_status')"
check_eq "...nothing stored" "$n0" "$(q "SELECT count(*) FROM messages")"

# big BYTES ID ORDER: a preview_sms call whose message is BYTES bytes, its id
# first (the Python SDK's order) or last (the TypeScript SDK's).
big() {
	if [ "$3" = first ]; then printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"preview_sms","arguments":{"message":"' "$2"
	else printf '{"method":"tools/call","params":{"name":"preview_sms","arguments":{"message":"'; fi
	head -c "$1" /dev/zero | tr '\0' a
	if [ "$3" = first ]; then printf '"}}}\n'; else printf '"}},"jsonrpc":"2.0","id":%s}\n' "$2"; fi
}
# timed FILE: the shim on FILE then a ping, at most 30 s; the seconds in $secs.
timed() {
	local t0=$SECONDS
	{ cat "$1"; echo '{"jsonrpc":"2.0","id":"after","method":"ping"}'; } | timeout 30 "$mcp" >"$T/out" 2>"$T/err"
	secs=$((SECONDS - t0))
}
big 1000000 1 first >"$T/1m"
timed "$T/1m"
check_eq "a 1 MB argument: refused by its schema" 'Invalid arguments for preview_sms: message must be at most 16000 characters long, not 1000000.' "$(text 1)"
check "...within 10 s ($secs s)" test "$secs" -lt 10
big 8388608 8 first >"$T/8m"
timed "$T/8m"
check_eq "an 8 MB line: refused with its id, as -32600, saying the limit" \
	'{"jsonrpc":"2.0","id":8,"error":{"code":-32600,"message":"Invalid Request: the message is 8388713 bytes long; sms-mcp reads messages of up to 1048576 bytes"}}' "$(line 1)"
check "...within 10 s ($secs s)" test "$secs" -lt 10
check_eq "...and the session goes on" '{"jsonrpc":"2.0","id":"after","result":{}}' "$(line 2)"
big 8388608 9007199254740993 last >"$T/8m"
timed "$T/8m"
check_grep "its id last (as the TypeScript SDK writes it), and big: found and echoed byte for byte" \
	'^{"jsonrpc":"2.0","id":9007199254740993,"error":{"code":-32600,' "$T/out"
check "...within 10 s ($secs s)" test "$secs" -lt 10
{ printf '{"jsonrpc":"2.0","id":"a \\"quoted\\" id","method":"ping","params":{"x":"'; head -c 2000000 /dev/zero | tr '\0' x; printf '"}}\n'; } >"$T/2m"
timed "$T/2m"
check_eq "a string id of a line too long comes back as it was" '"a \"quoted\" id"' "$(line 1 | jq -c .id)"
{ printf '[{"jsonrpc":"2.0","id":1,"method":"ping"}'; for i in $(seq 1 40); do printf ',{"jsonrpc":"2.0","id":%s,"method":"ping","params":{"x":"%s"}}' "$i" "$(head -c 30000 /dev/zero | tr '\0' y)"; done; printf ']\n'; } >"$T/batch"
timed "$T/batch"
check_eq "a batch of 1.2 MB: one refusal, id null" '-32600 null' "$(line 1 | jq -r '"\(.error.code) \(.id)"')"

# ---- ids byte for byte ------------------------------------------------------------
rpc '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}' '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}' \
	'{"jsonrpc":"2.0","id":1.50,"method":"ping"}' '{"jsonrpc":"2.0","id":-7E+2,"method":"ping"}' \
	'[{"jsonrpc":"2.0","id":18446744073709551617,"method":"ping"},{"jsonrpc":"2.0","id":2.000,"method":"nope"}]'
check_eq "request ids beyond 2^53, or spelt 1.50 or -7E+2, are echoed byte for byte" \
	'{"jsonrpc":"2.0","id":9007199254740993,"result":{}}
{"jsonrpc":"2.0","id":123456789012345678901234567890,"result":{}}
{"jsonrpc":"2.0","id":1.50,"result":{}}
{"jsonrpc":"2.0","id":-7E+2,"result":{}}
[{"jsonrpc":"2.0","id":18446744073709551617,"result":{}},{"jsonrpc":"2.0","id":2.000,"error":{"code":-32601,"message":"Method not found: \"nope\""}}]' "$(cat "$T/out")"
rpc '{"jsonrpc":"2.0","id":01,"method":"ping"}' '{"jsonrpc":"2.0","id":2,"method":"ping","params":{"n":1.2.3}}'
check_eq "a number JSON does not have (01, 1.2.3) is a parse error, not another id" '-32700 null
-32700 null' "$(jq -r '"\(.error.code) \(.id)"' "$T/out")"

n0=$(q "SELECT count(*) FROM messages")
SMS_MCP_DIRECT_SEND=on rpc "$INIT" \
	"$(call 9007199254740995 get_sms_status '{"messageId":9007199254740993}')" \
	"$(call 2 mark_sms_read '{"messageIds":[1,9007199254740993]}')" \
	"$(call 3 reply_to_sms '{"messageId":9007199254740993,"reply":"hi"}')" \
	"$(call 4 delete_sms_autoresponder '{"id":12345678901234567890}')" \
	"$(call 5 get_incoming_sms '{"limit":1e400}')"
check_grep "the answer to a call keeps its big id" '^{"jsonrpc":"2.0","id":9007199254740995,"result":' "$T/out"
check_eq "get_sms_status: an id beyond 2^53 is refused, quoted as given" \
	'Invalid arguments for get_sms_status: messageId must be a whole number from 1 to 9007199254740991, not 9007199254740993.' "$(text 2)"
check_eq "mark_sms_read: the same, saying which" \
	'Invalid arguments for mark_sms_read: messageIds[1] must be a whole number from 1 to 9007199254740991, not 9007199254740993.' "$(text 3)"
check_eq "reply_to_sms: the same" \
	'Invalid arguments for reply_to_sms: messageId must be a whole number from 1 to 9007199254740991, not 9007199254740993.' "$(text 4)"
check_eq "delete_sms_autoresponder: the same" \
	'Invalid arguments for delete_sms_autoresponder: id must be a whole number from 1 to 9007199254740991, not 12345678901234567890.' "$(text 5)"
check_eq "get_incoming_sms: a limit of 1e400 too" \
	'Invalid arguments for get_incoming_sms: limit must be a whole number from 1 to 1000, not 1e400.' "$(text 6)"
check_eq "...nothing was sent or stored" "$n0" "$(q "SELECT count(*) FROM messages")"

# The program gets each id as its digits: stub programs next to a copy of the
# shim record their standard input.
mkdir -p "$T/stub"
cp "$mcp" "$T/stub/sms-mcp"
for p in sms-send sms-inbox sms-status sms-auto; do
	printf '#!/bin/sh\ncat >"${0%%/*}/${0##*/}.stdin"\n' >"$T/stub/$p"
	chmod +x "$T/stub/$p"
done
got() { paste -sd' ' "$T/stub/$1.stdin"; rm -f "$T/stub/$1.stdin"; }
mcp=$T/stub/sms-mcp rpc "$(call 1 mark_sms_read '{"messageIds":[9007199254740991,3.0,30e-1,1E1,0.5e1]}')"
check_eq "mark_sms_read: 2^53-1, 3.0, 30e-1, 1E1 and 0.5e1 reach sms-inbox as their digits" \
	'{"id":9007199254740991} {"id":3} {"id":3} {"id":10} {"id":5}' "$(got sms-inbox)"
mcp=$T/stub/sms-mcp rpc "$(call 1 get_sms_status '{"messageId":9007199254740991}')" "$(call 2 delete_sms_autoresponder '{"id":4.0}')"
check_eq "get_sms_status and delete_sms_autoresponder: the same" '{"id":9007199254740991} {"id":4}' "$(got sms-status) $(got sms-auto)"
mcp=$T/stub/sms-mcp rpc "$(call 1 mark_sms_read '{"messageIds":[2.5]}')"
check_eq "...a fraction is refused, not rounded" 'Invalid arguments for mark_sms_read: messageIds[0] must be a whole number from 1 to 9007199254740991, not 2.5.' "$(text 1)"

done_testing
