#!/usr/bin/env bash
# sms-mcp under the official MCP TypeScript SDK client (tests/mcp/sdk.mjs,
# StdioClientTransport): initialize under each protocol version, tools/list
# with valid JSON Schemas, each of the fifteen tools with valid arguments
# (effects checked in the store, the listing ones against the program run
# with the options) and invalid ones, injection, and
# SMS_MCP_DIRECT_SEND=off; on the sandbox provider, with received messages
# stored by sms-webhookd. The SDK is installed in tests/node (npm ci).
. tests/lib.sh
. tests/webhook.sh
sdk=$SMSKIT_SRC/tests/node/node_modules/@modelcontextprotocol/sdk
need "MCP SDK client" node || { done_testing; exit; }
if [ ! -d "$sdk" ]; then
	skip "MCP SDK client" "the MCP SDK is not installed: run (cd tests/node && npm ci)"; done_testing; exit
fi

# Three received messages, as Twilio would post them, to our number +15550006666.
# A fixed clock: received at 15:00 UTC (10:00 in New York), read two minutes later.
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_TEST_NOW=2026-12-07T15:00:00Z
start_webhookd || exit 1
check_eq "first message received" 200 "$(incoming "$WH_URL/sms/incoming" SM0001 +15551239001 "What are your hours?")"
check_eq "second message received" 200 "$(incoming "$WH_URL/sms/incoming" SM0002 +15551239002 "Open Sunday?")"
check_eq "third message received" 200 "$(incoming "$WH_URL/sms/incoming" SM0003 +15551239003 "Thanks!")"
stop_webhookd
unset TWILIO_AUTH_TOKEN

export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off TWILIO_PHONE_NUMBER=+15550006666
export SMS_TEST_NOW=2026-12-07T15:02:00Z SMS_TZ=America/New_York
export SMS_MCP=$SMSKIT_BIN/sms-mcp MCP_SCRATCH=$T
node "$SMSKIT_SRC/tests/mcp/sdk.mjs" >"$T/sdk.out" 2>"$T/sdk.err"
rc=$?
while IFS= read -r l; do
	case $l in
	"ok - "*) _result 0 "${l#ok - }" ;;
	"not ok - "*) _result 1 "${l#not ok - }" ;;
	*) echo "$l" ;;
	esac
done <"$T/sdk.out"
check_eq "the SDK test script ran to its end (exit 0 when all passed)" "0" "$rc"
[ "$rc" = 0 ] || sed 's/^/#   node: /' "$T/sdk.err" | head -n 30
done_testing
