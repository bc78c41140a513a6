#!/usr/bin/env bash
# sms-mcp hardened: with SMS_MCP_DIRECT_SEND=off nothing an assistant writes
# reaches a phone without a person (an autoresponder it makes is stored
# disabled, and an inbound message through sms-webhookd gets no answer from
# it until a person enables it).
# SMS_MCP_SHIM runs it against another shim (an older one, to see it fail).
. tests/lib.sh
. tests/webhook.sh
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
q() { sqlite3 -batch "$SMS_DB" "$1"; }
mcp=${SMS_MCP_SHIM:-$SMSKIT_BIN/sms-mcp}

# rpc LINE...: the lines on the shim's stdin; its answers in $T/out, one a line.
rpc() { printf '%s\n' "$@" | "$mcp" >"$T/out" 2>"$T/err"; }
# line N: the Nth line of the answers, as the shim wrote it (not through jq,
# which would round the big numbers this test is about).
line() { sed -n "${1}p" "$T/out"; }
call() { # call ID TOOL ARGS_JSON: the ID and ARGS as written
	printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s}}' "$1" "$2" "$3"
}

# ---- SMS_MCP_DIRECT_SEND=off: no autoresponder answers before a person ------------
PHISH='Your account is locked, verify at http://evil.example/x'
SMS_MCP_DIRECT_SEND=off rpc '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' \
	"$(call 2 create_sms_autoresponder "{\"trigger\":\"/.*/\",\"response\":\"$PHISH\"}")" \
	"$(call 3 create_sms_autoresponder '{"trigger":"HOURS","response":"x","enabled":true}')" \
	"$(call 4 create_sms_autoresponder '{"trigger":"OPEN","response":"y","enabled":false}')"
check_eq "off: the tools listed, none that sends at once or turns a rule on" \
	"stage_sms list_staged_sms send_approved_sms get_incoming_sms mark_sms_read create_sms_autoresponder list_sms_autoresponders delete_sms_autoresponder get_sms_conversation get_sms_status preview_sms" \
	"$(line 1 | jq -r '[.result.tools[].name] | join(" ")')"
check_eq "off: create_sms_autoresponder takes enabled false only, and says a person enables the rule" 'false true' \
	"$(line 1 | jq -r '.result.tools[] | select(.name == "create_sms_autoresponder") | "\(.inputSchema.properties.enabled.const) \(.description | test("stored disabled.*sms-auto enable"))"')"
rule=$(line 2 | jq -r '.result.content[0].text | fromjson | .id')
check_eq "off: the rule with /.*/ is stored, disabled" "/.*/|$PHISH|0" "$(q "SELECT trigger, response, enabled FROM autoresponders WHERE id = ${rule:-0}")"
check_eq "...and the result says it waits for a person, and how they enable it" "false yes" \
	"$(line 2 | jq -r --arg id "$rule" '"\(.result.isError) \(if (.result.content[1].text | contains("stored disabled") and contains("sms-auto enable \($id)") and contains("/review/autoresponders")) then "yes" else .result.content end)"')"
check_eq "off: enabled true is refused, saying why" "true yes" \
	"$(line 3 | jq -r '"\(.result.isError) \(if (.result.content[0].text | test("enabled must be false, not true: with SMS_MCP_DIRECT_SEND=off a rule is stored disabled")) then "yes" else .result.content end)"')"
check_eq "off: enabled false is taken" false "$(line 4 | jq .result.isError)"
check_eq "...two rules stored, none enabled" "2|0" "$(q "SELECT count(*), coalesce(sum(enabled), 0) FROM autoresponders")"

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

done_testing
