#!/usr/bin/env bash
# Letters and extensions in a recipient are refused, not guessed at: "212-555 home" read on
# the keypad is +1 212-555-4663, a stranger. Through sms-send, sms-stage, a mail-merge
# (sms-template render | sms-stage) and the MCP server; the rest of a batch goes on.
. tests/lib.sh
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off SMS_DEFAULT_COUNTRY=US
q() { sql "$1"; }

check_exit "sms-send --to '212-555 home' exits 1" 1 sms-send -o json --to "212-555 home" --body hi
check_eq "...invalid_number, naming the letters" \
	'invalid_number 212-555 home: contains letters: home (write the number in digits; letters are not read as keypad digits)' \
	"$(jq -r '"\(.error.code) \(.error.message)"' "$T/.out")"
check_grep "...said on stderr too" 'contains letters: home' "$T/.err"
check_eq "...nothing stored or sent, least of all to the keypad's number" 0 "$(q "select count(*) from messages")"

# One batch: what is refused, and the numbers around it still sent.
cat >"$T/batch" <<'EOF'
{"to":"+1 212 555 0101","body":"first"}
{"to":"212-555 home","body":"a word after the number"}
{"to":"1-800-FLOWERS","body":"a vanity number"}
{"to":"(212) 555-0123 ext. 45","body":"an extension"}
{"to":"212-555-0123 45#","body":"an extension without letters"}
{"to":"Call 212.555.0123 now!","body":"words around it"}
{"to":"212 555 0123 \u0434\u043e\u043c","body":"Cyrillic letters"}
{"to":"tel:+1-212-555-0102","body":"a tel: URI"}
{"to":"1-800-356-9377","body":"the vanity number in digits"}
EOF
check_exit "sms-send: a batch with refused numbers exits 1" 1 sms-send -o json <"$T/batch"
cp "$T/.out" "$T/sent"
check_eq "one record per line, the rest of the batch sent" "true false false false false false false true true" "$(jq -r .ok "$T/sent" | xargs)"
check_eq "...each refused as invalid_number" "invalid_number invalid_number invalid_number invalid_number invalid_number invalid_number" \
	"$(jq -r 'select(.ok == false) | .error.code' "$T/sent" | xargs)"
check_eq "...why: the letters, or the extension" \
	"home|FLOWERS|extension|extension|Call|дом" \
	"$(jq -r 'select(.ok == false) | .error.message | if test("has an extension") then "extension" else capture("contains letters: (?<w>[^ ]+)").w end' "$T/sent" | paste -sd '|')"
check_eq "...the extension's sentence" \
	"(212) 555-0123 ext. 45: has an extension, which a text message cannot reach: give the number alone" \
	"$(sed -n 4p "$T/sent" | jq -r .error.message)"
check_eq "only the three numbers written in digits were sent" "+12125550101 +12125550102 +18003569377" \
	"$(q "select to_number from messages order by id" | paste -sd' ' -)"

# sms-stage refuses the same, and stages the rest.
check_exit "sms-stage --to '212-555 home' exits 1" 1 sms-stage -o json --to "212-555 home" --body hi
check_eq "...invalid_number, naming the letters" "invalid_number contains letters: home" \
	"$(jq -r '"\(.error.code) \(.error.message | capture("(?<s>contains letters: [^ ]+)").s)"' "$T/.out")"
check_exit "sms-stage: the batch exits 1" 1 sms-stage -o json <"$T/batch"
cp "$T/.out" "$T/staged"
check_eq "...the same records refused" "true false false false false false false true true" "$(jq -r .ok "$T/staged" | xargs)"
check_eq "...and only the good three pending" 3 "$(q "select count(*) from messages where status = 'pending'")"
check_eq "...none to the keypad's reading of a word" 0 "$(q "select count(*) from messages where to_number in ('+12125554663', '+12125550123')")"

# A mail-merge: the renderer passes "to" through, sms-stage refuses it.
sms-template add hello "Hi {{name}}" >/dev/null
printf '%s\n' '{"to":"212-555 home","vars":{"name":"Sam"}}' '{"to":"+12125550103","vars":{"name":"Ann"}}' >"$T/merge"
check_exit "sms-template render | sms-stage exits 1" 1 sh -c 'sms-template render hello <"$1" | sms-stage -o json' sh "$T/merge"
check_eq "...the lettered number refused, the other staged" \
	"false invalid_number true" "$(jq -r '.ok, .error.code' "$T/.out" | grep -v null | xargs)"
check_grep "...naming the letters" 'contains letters: home' "$T/.out"
check_eq "...Ann's message is pending" "+12125550103 Hi Ann" "$(q "select to_number || ' ' || body from messages where status = 'pending' order by id desc limit 1")"

# The MCP server's tools go through the same check.
mcp() { printf '%s\n' "$@" | "$SMSKIT_BIN/sms-mcp" 2>/dev/null; }
init='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
call='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"stage_sms","arguments":{"to":"1-800-FLOWERS","message":"hi"}}}'
mcp "$init" "$call" >"$T/mcp"
check_eq "MCP stage_sms to 1-800-FLOWERS: isError, invalid_number" 'true "invalid_number"' \
	"$(jq -c 'select(.id == 1) | .result.isError, .result.structuredContent.records[0].error.code' "$T/mcp" | paste -sd ' ')"
check_grep "...naming the letters" 'contains letters: FLOWERS' "$T/mcp"

done_testing
