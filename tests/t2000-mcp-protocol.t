#!/usr/bin/env bash
# sms-mcp speaking raw JSON-RPC on a pipe (no SDK): options, version
# negotiation and what each version shows, ping, errors (-32700, -32600,
# -32601, -32602), notifications left unanswered, batches, bad input that
# never ends the session, logs only on stderr, injection (every argument on
# the program's stdin, none in its command line), SMS_MCP_DIRECT_SEND,
# finding the programs, dash and bash alike, make install.
. tests/lib.sh
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
q() { sql "$1"; }
mcp=$SMSKIT_BIN/sms-mcp

# rpc LINE...: the lines on sms-mcp's stdin; its answers in $T/out (one a
# line), its stderr in $T/err, its exit status in $rc.
rpc() {
	rc=0
	printf '%s\n' "$@" | "$mcp" >"$T/out" 2>"$T/err" || rc=$?
}
# answer ID: the answer with that id (compact JSON).
answer() { jq -c --argjson id "$1" 'select(type == "object" and .id == $id)' "$T/out"; }
init() { printf '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' "$1"; }
call() { # call ID TOOL ARGS_JSON
	jq -nc --argjson id "$1" --arg n "$2" --argjson a "$3" '{jsonrpc: "2.0", id: $id, method: "tools/call", params: {name: $n, arguments: $a}}'
}
ping() { printf '{"jsonrpc":"2.0","id":%s,"method":"ping"}' "$1"; }
list() { printf '{"jsonrpc":"2.0","id":%s,"method":"tools/list"}' "$1"; }
INITIALIZED='{"jsonrpc":"2.0","method":"notifications/initialized"}'

# ---- options ------------------------------------------------------------------
check "--help exits 0 with usage" sh -c "'$mcp' --help | grep -q '^usage: sms-mcp'"
check_eq "--version is the toolkit's" "$(sms-send --version | sed 's/^sms-send/sms-mcp/')" "$("$mcp" --version)"
check_exit "an argument is a usage error" 64 "$mcp" --bogus
check_exit "without jq it says so and exits 69" 69 env PATH="$SMSKIT_BIN" "$mcp"
check_grep "...naming jq" 'jq is needed' "$T/.err"
if command -v shellcheck >/dev/null; then
	check "shellcheck finds nothing (POSIX sh)" shellcheck -s sh "$SMSKIT_SRC/cmd/sms-mcp.sh"
else skip "shellcheck" "$(missing shellcheck)"; fi

# ---- initialize and version negotiation -----------------------------------------
for v in 2024-11-05 2025-03-26 2025-06-18 2025-11-25; do
	rpc "$(init $v)" "$INITIALIZED" "$(ping 1)"
	check_eq "initialize $v is answered with $v" "$v" "$(answer 0 | jq -r .result.protocolVersion)"
done
rpc "$(init 2024-11-05)"
check_eq "2024-11-05: serverInfo, tools capability, no instructions" '{"name":"sms-mcp","version":"0.1.0"} {"tools":{"listChanged":false}} null' \
	"$(answer 0 | jq -c '.result | .serverInfo, .capabilities, .instructions' | sed 's/"version":"[^"]*"/"version":"0.1.0"/' | tr '\n' ' ' | sed 's/ $//')"
rpc "$(init 2025-06-18)"
check "2025-06-18: instructions for the model, a title" jq -e '.result | (.instructions | test("stage_sms")) and .serverInfo.title == "smskit"' "$T/out"
rpc "$(init 1999-01-01)" "$(init 2099-12-31)"
check_eq "an unknown version, older or newer, gets our latest" "2025-11-25 2025-11-25" "$(jq -r .result.protocolVersion "$T/out" | tr '\n' ' ' | sed 's/ $//')"
rpc '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}'
check_eq "initialize without protocolVersion is -32602" -32602 "$(answer 0 | jq .error.code)"
rpc "$(ping 7)"
check_eq "ping answers an empty result" '{"jsonrpc":"2.0","id":7,"result":{}}' "$(answer 7)"
check_eq "sms-mcp exits 0 at the end of its input" 0 "$rc"

# ---- what each version shows ------------------------------------------------------
shape() { # shape VERSION: tools, and how many have annotations, titles, outputSchemas; structuredContent?
	rpc "$(init "$1")" "$(list 1)" "$(call 2 preview_sms '{"message":"hi"}')"
	echo "$(answer 1 | jq -c '.result.tools | [length, (map(select(.annotations)) | length), (map(select(.title)) | length), (map(select(.outputSchema)) | length)]')" \
		"$(answer 2 | jq -c '.result | has("structuredContent")')"
}
check_eq "2024-11-05: 19 tools, no annotations, titles or output schemas; no structuredContent" "[19,0,0,0] false" "$(shape 2024-11-05)"
check_eq "2025-03-26: annotations" "[19,19,0,0] false" "$(shape 2025-03-26)"
check_eq "2025-06-18: titles, output schemas, structuredContent" "[19,19,19,19] true" "$(shape 2025-06-18)"
check_eq "2025-11-25: the same" "[19,19,19,19] true" "$(shape 2025-11-25)"
rpc "$(list 1)"
check_eq "before initialize, tools/list answers as for the latest version" "[19,19,19,19]" \
	"$(answer 1 | jq -c '.result.tools | [length, (map(select(.annotations)) | length), (map(select(.title)) | length), (map(select(.outputSchema)) | length)]')"
rpc "$(init 2025-06-18)" "$(list 1)"
check_eq "the tools, in the order of sms-mcp(1)" \
	"send_sms send_mms stage_sms list_staged_sms send_approved_sms get_incoming_sms reply_to_sms mark_sms_read create_sms_autoresponder list_sms_autoresponders delete_sms_autoresponder get_sms_conversation get_sms_status preview_sms get_consent list_sms_templates stage_sms_template send_sms_template wait_for_sms_reply" \
	"$(answer 1 | jq -r '[.result.tools[].name] | join(" ")')"
check_eq "stage_sms: its parameters, required ones, and the priority enum" \
	'["to","message","priority","notes","mediaUrl","contentSid","contentVariables","tag"] ["to"] ["urgent","high","normal","low"] false' \
	"$(answer 1 | jq -c '.result.tools[] | select(.name == "stage_sms") | .inputSchema | (.properties | keys_unsorted), .required, .properties.priority.enum, .additionalProperties' | tr '\n' ' ' | sed 's/ $//')"
check_eq "list_staged_sms: the status enum" '["pending","approved","rejected","sending","queued","scheduled","sent","delivered","undelivered","failed","canceled","unknown","all"]' \
	"$(answer 1 | jq -c '.result.tools[] | select(.name == "list_staged_sms") | .inputSchema.properties.status.enum')"
check_eq "the parameters of sms-mcp(1)" \
	'send_sms:to,message,from,contentSid,contentVariables,ignoreQuietHours,tag send_mms:to,message,mediaUrl,from stage_sms:to,message,priority,notes,mediaUrl,contentSid,contentVariables,tag list_staged_sms:status send_approved_sms: get_incoming_sms:since,from,unread,state,limit reply_to_sms:messageId,reply,markRead,contentSid,contentVariables,tag mark_sms_read:messageIds create_sms_autoresponder:trigger,response,enabled,activeHours,name,after,within,match,end list_sms_autoresponders: delete_sms_autoresponder:id get_sms_conversation:phone get_sms_status:messageId preview_sms:message get_consent:phone list_sms_templates: stage_sms_template:template,recipients,tag send_sms_template:template,recipients,tag wait_for_sms_reply:from,timeoutSeconds' \
	"$(answer 1 | jq -r '[.result.tools[] | "\(.name):\(.inputSchema.properties | keys_unsorted | join(","))"] | join(" ")')"
check_eq "mediaUrl: a URL or a list of URLs" '["string","array"] ["uri","uri"]' \
	"$(answer 1 | jq -c '.result.tools[] | select(.name == "send_mms") | .inputSchema.properties.mediaUrl.anyOf | map(.type), map(.format // .items.format)' | tr '\n' ' ' | sed 's/ $//')"
check_eq "contentSid: HX and 32 hex digits; contentVariables: a map of strings or numbers" \
	'"^HX[0-9a-fA-F]{32}$" {"anyOf":[{"type":"string","maxLength":1600},{"type":"number"}]}' \
	"$(answer 1 | jq -c '.result.tools[] | select(.name == "stage_sms") | .inputSchema.properties | .contentSid.pattern, .contentVariables.additionalProperties' | tr '\n' ' ' | sed 's/ $//')"
check_eq "send_sms, stage_sms and reply_to_sms say when a template is needed (the 24-hour window)" "3" \
	"$(answer 1 | jq '[.result.tools[] | select(.description | test("whatsapp:") and test("24 hours") and test("contentSid"))] | length')"
check_eq "every tag parameter says which autoresponders answer the reply" "5 5" \
	"$(answer 1 | jq -r '[.result.tools[].inputSchema.properties.tag | select(.)] | "\(length) \(map(select(.description | test("after=survey"))) | length)"')"
check_eq "the instructions say how to address WhatsApp" true \
	"$(rpc "$(init 2025-06-18)"; answer 0 | jq '.result.instructions | test("whatsapp:\\+15551234567")')"
rpc "$(init 2025-06-18)" "$(list 1)"
check_eq "annotations: reads are read-only, deleting is destructive, sending reaches out" \
	"get_incoming_sms:true delete_sms_autoresponder:true send_sms:true" \
	"$(answer 1 | jq -r '.result.tools | map(select(.name == "get_incoming_sms") | "\(.name):\(.annotations.readOnlyHint)")
		+ map(select(.name == "delete_sms_autoresponder") | "\(.name):\(.annotations.destructiveHint)")
		+ map(select(.name == "send_sms") | "\(.name):\(.annotations.openWorldHint)") | join(" ")')"

# ---- errors -----------------------------------------------------------------------
rpc 'this is not JSON' '{"jsonrpc":"2.0","id":1,"method":"ping"'
check_eq "not JSON is -32700 with id null, each line" '-32700 null -32700 null' "$(jq -r '"\(.error.code) \(.id)"' "$T/out" | tr '\n' ' ' | sed 's/ $//')"
rpc '{"jsonrpc":"2.0","id":"abc","method":"resources/list"}'
check_eq "an unknown method is -32601, the id kept" '-32601 "abc"' "$(jq -c '.error.code, .id' "$T/out" | tr '\n' ' ' | sed 's/ $//')"
rpc '{"jsonrpc":"2.0","method":"notifications/initialized"}' '{"jsonrpc":"2.0","method":"no/such/thing"}' \
	'{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}' '{"jsonrpc":"2.0","id":5,"result":{}}' "$(ping 2)"
check_eq "notifications (known or not) and responses get no answer" '{"jsonrpc":"2.0","id":2,"result":{}}' "$(cat "$T/out")"
rpc '{"id":1,"method":"ping"}' '{"jsonrpc":"2.0","id":null,"method":"ping"}' '{"jsonrpc":"2.0","id":{},"method":"ping"}' \
	'{"jsonrpc":"2.0","id":3,"method":7}' '{}' '42' '"ping"'
check_eq "invalid requests are -32600 (id kept when it is one)" '-32600:1 -32600:null -32600:null -32600:3 -32600:null -32600:null -32600:null' \
	"$(jq -r '"\(.error.code):\(.id)"' "$T/out" | tr '\n' ' ' | sed 's/ $//')"
rpc '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}' '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"arguments":{}}}' \
	"$(call 3 no_such_tool '{}')" '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"preview_sms","arguments":"hi"}}'
check_eq "bad params, no tool name, an unknown tool, arguments not an object: -32602" '-32602 -32602 -32602 -32602' \
	"$(jq -r .error.code "$T/out" | tr '\n' ' ' | sed 's/ $//')"
check_grep "...saying which tool is unknown" 'Unknown tool: \\"no_such_tool\\"' "$T/out"
rpc "$(init 2025-06-18)" "$(call 1 stage_sms '{"to":"+15551234567","message":"hi","priority":"asap","colour":"red"}')"
check_eq "2025-06-18: invalid arguments are -32602, every problem said" \
	'-32602 ["unknown parameter \"colour\" (the parameters are: to, message, priority, notes, mediaUrl, contentSid, contentVariables, tag)","priority must be one of urgent, high, normal, low, not \"asap\""]' \
	"$(answer 1 | jq -c '.error.code, .error.data.errors' | tr '\n' ' ' | sed 's/ $//')"
rpc "$(init 2025-11-25)" "$(call 1 stage_sms '{"message":"hi"}')"
check_eq "2025-11-25: invalid arguments are a tool error the model reads (SEP-1303)" \
	'true "Invalid arguments for stage_sms: to is required."' "$(answer 1 | jq -c '.result.isError, .result.content[0].text' | tr '\n' ' ' | sed 's/ $//')"
rpc "$(init 2025-11-25)" "$(call 1 send_sms '{"to":"whatsapp:+15551234567"}')" \
	"$(call 2 stage_sms '{"to":"whatsapp:+15551234567","contentSid":"HX12","contentVariables":{"1":true,"x":"y"}}')" \
	"$(call 3 reply_to_sms '{"messageId":1,"markRead":false}')"
check_eq "neither a message nor a contentSid: said, nothing run" \
	"Invalid arguments for send_sms: message or contentSid is required." "$(answer 1 | jq -r '.result.content[0].text')"
check_eq "a malformed contentSid, a variable neither text nor number: each said" \
	'Invalid arguments for stage_sms: contentSid "HX12" is not in the expected form: WhatsApp only: the Content SID of an approved message template, HX and 32 hex digits (from the Twilio Console). Needed outside the 24-hour window; the template is sent instead of a text.; contentVariables.1 must be a string, or a number, not true.' \
	"$(answer 2 | jq -r '.result.content[0].text')"
check_eq "reply_to_sms: a reply or a contentSid" "Invalid arguments for reply_to_sms: reply or contentSid is required." "$(answer 3 | jq -r '.result.content[0].text')"
rpc "$(call 1 get_sms_status '{"messageId":null}')"
check_eq "a parameter given as null counts as left out" false "$(answer 1 | jq .result.isError)"
check_eq "nothing was stored by invalid calls" 0 "$(q 'SELECT count(*) FROM messages')"

# ---- batches ----------------------------------------------------------------------
rpc "[$(ping 1),$INITIALIZED,$(call 2 preview_sms '{"message":"hi"}'),$(call 3 preview_sms '{}'),{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"nope\"}]"
check_eq "a batch is answered with one array, in order, notifications left out" '[1,2,3,4]' "$(jq -c 'map(.id)' "$T/out")"
check_eq "...each answer as alone" '[{},false,true,-32601]' "$(jq -c '[.[0].result, .[1].result.isError, .[2].result.isError, .[3].error.code]' "$T/out")"
rpc "[$INITIALIZED,$INITIALIZED]" "$(ping 9)"
check_eq "a batch of notifications gets no answer" '{"jsonrpc":"2.0","id":9,"result":{}}' "$(cat "$T/out")"
rpc '[]' '[1,"x"]' "[$(init 2025-06-18)]"
check_eq "an empty batch is -32600; bad members and initialize in a batch each -32600" \
	'{"code":-32600} [-32600,-32600] [-32600]' "$(jq -c 'if type == "array" then map(.error.code) else {code: .error.code} end' "$T/out" | tr '\n' ' ' | sed 's/ $//')"

# ---- bad input never ends the session -----------------------------------------------
mkfifo "$T/to" "$T/from"
"$mcp" <"$T/to" >"$T/from" 2>"$T/live.err" &
pid=$!
exec {to}>"$T/to" {from}<"$T/from"
{
	printf 'garbage\n\n   \r\n{\n]\n[1,2\nnan\n-\n\x00\x01binary\n\xff\xfe\xfd\n'
	printf '{"jsonrpc":"2.0","id":1,"method":"ping"}\x00tail\n'
	head -c 1048576 /dev/zero | tr '\0' 'x'; echo
	printf '"%s"\n' "$(head -c 300000 /dev/zero | tr '\0' 'y')"
	printf '%.0s[' $(seq 1 3000); echo
	printf '{"jsonrpc":"2.0","id":"\xc3\xa9\xe9","method":"ping"}\n'
	ping 99; echo
} >&"$to"
got=0 line=
while IFS= read -r -t 60 line <&"$from"; do
	got=$((got + 1))
	case $line in *'"id":99,'*) break ;; esac
done
check_eq "after 15 bad lines (binary, NULs, invalid UTF-8, 1 MB, deep nesting) a ping is still answered" \
	'{"jsonrpc":"2.0","id":99,"result":{}}' "$line"
check "...the process is alive" kill -0 "$pid"
check_eq "...and every line but the blank ones got one answer" 14 "$got"
exec {to}>&-
t0=$SECONDS
rc=0
wait "$pid" || rc=$?
check_eq "at the end of input it exits 0" 0 "$rc"
check "...at once" test $((SECONDS - t0)) -lt 5
exec {from}<&-

# ---- WhatsApp: the address in to -------------------------------------------------------------
rpc "$(init 2025-06-18)" "$(call 1 stage_sms '{"to":"whatsapp:+1 (555) 123-4567","message":"Your table is ready"}')"
wid=$(answer 1 | jq -r '.result.structuredContent.records[0].id')
check_eq "stage_sms to whatsapp:+1 (555) 123-4567 reaches sms-stage: stored on WhatsApp, pending" \
	"whatsapp|whatsapp:+15551234567|pending|Your table is ready" \
	"$(q "SELECT channel, to_number, status, body FROM messages WHERE id = $wid")"
check_eq "...its record says the channel" whatsapp "$(answer 1 | jq -r '.result.structuredContent.records[0].channel')"
rpc "$(call 1 stage_sms '{"to":"fax:+15551234567","message":"x"}')"
check_eq "an address with another prefix is the program's invalid_number" "true invalid_number" \
	"$(answer 1 | jq -r '"\(.result.isError) \(.result.structuredContent.records[0].error.code)"')"
# A template with no body is stored once this build's sms-stage stages one (sms-stage(1)).
rpc "$(call 1 stage_sms '{"to":"whatsapp:+15551234567","contentSid":"HX0123456789abcdef0123456789abcdef","contentVariables":{"1":"Ann"}}')"
if [ "$(answer 1 | jq -r .result.isError)" = false ]; then
	tid=$(answer 1 | jq -r '.result.structuredContent.records[0].id')
	check_eq "stage_sms with contentSid: the template stored with its variables" \
		'whatsapp|HX0123456789abcdef0123456789abcdef|{"1":"Ann"}' \
		"$(q "SELECT channel, content_sid, content_variables FROM messages WHERE id = $tid")"
else
	skip "stage_sms with contentSid: the template stored" "this sms-stage does not stage a template without a body yet"
fi

# ---- logs on stderr only; the programs' failures ---------------------------------------
rpc "$(init 2025-06-18)" "$(call 1 stage_sms '{"to":"12","message":"hi"}')" "$(call 2 get_incoming_sms '{"since":"1x"}')"
check "stdout is nothing but JSON-RPC answers" jq -e -s 'all(.jsonrpc == "2.0")' "$T/out"
check_eq "a record the program refuses: isError, its error record, exit status 1" 'true "invalid_number" 1' \
	"$(answer 1 | jq -c '.result.isError, .result.structuredContent.records[0].error.code, .result.structuredContent.exit_status' | tr '\n' ' ' | sed 's/ $//')"
check_grep "...the program's message in the content" 'sms-stage exited with status 1: some records failed' "$T/out"
check_eq "a since the program refuses (sms-inbox --query) is isError, status 65, its error record" 'true 65 "invalid_query"' \
	"$(answer 2 | jq -c '.result.isError, .result.structuredContent.exit_status, .result.structuredContent.records[0].error.code' | tr '\n' ' ' | sed 's/ $//')"
check_eq "...with its message, naming the key" 'yes' \
	"$(answer 2 | jq -r 'if (.result.content[1].text | contains("sms-inbox exited with status 65") and contains("query: \"since\" takes 30m")) then "yes" else .result.content end')"
check_grep "failures are logged on stderr" 'sms-mcp: stage_sms: sms-stage exited with status 1' "$T/err"

# ---- injection: verbatim, nothing run ----------------------------------------------------
# shellcheck disable=SC2016 # the $(...) and `...` are the point
nasty=$(printf 'say "hi" & '\''bye'\''; $(touch %s/pwned1) `touch %s/pwned2` ${HOME} \\ \\\\ %%s\nline two\ttab | > < * ; touch %s/pwned3' "$T" "$T" "$T")
args=$(jq -nc --arg m "$nasty" --arg n "$(printf '%s' "$nasty"; head -c 10240 /dev/zero | tr '\0' 'z')" '{to: "+15551234567", message: $m, notes: $n}')
rpc "$(call 1 stage_sms "$args")"
id=$(answer 1 | jq -r '.result.structuredContent.records[0].id')
check_eq "stage_sms: the body stored byte for byte" "$(printf '%s' "$nasty" | od -An -tx1 | tr -d ' \n')" \
	"$(printf '%s' "$(q "SELECT body FROM messages WHERE id = $id")" | od -An -tx1 | tr -d ' \n')"
check_eq "...and the 10 KB note" "$(( ${#nasty} + 10240 ))" "$(q "SELECT length(notes) FROM messages WHERE id = $id")"
rpc "$(call 1 get_sms_conversation "$(jq -nc --arg p "\$(touch $T/pwned4)" '{phone: $p}')")" \
	"$(call 2 get_incoming_sms "$(jq -nc --arg s "1d;touch $T/pwned5" --arg f "--help" '{since: $s, from: $f}')")"
check_eq "shell in a phone, a since or an option as from: refused, not run" "true true" \
	"$(jq -r .result.isError "$T/out" | tr '\n' ' ' | sed 's/ $//')"
check_eq "nothing was executed" "" "$(find "$T" -name 'pwned*')"

# Every tool passes its arguments on the program's stdin, the listing ones too
# (read with --query): the command line is the tool's constant. Stub programs
# next to a copy of the shim record what they were given.
mkdir -p "$T/stub"
cp "$mcp" "$T/stub/sms-mcp"
for p in sms-send sms-stage sms-inbox sms-status sms-optout sms-reply sms-auto sms-template; do
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"${0%%/*}/${0##*/}.argv"\ncat >"${0%%/*}/${0##*/}.stdin"\n' >"$T/stub/$p"
	chmod +x "$T/stub/$p"
done
nl='
'
ran() { # ran PROG: its arguments on one line, then its stdin
	printf '%s|%s' "$(paste -sd' ' "$T/stub/$1.argv")" "$(cat "$T/stub/$1.stdin")"
	rm -f "$T/stub/$1.argv" "$T/stub/$1.stdin"
}
stub() { mcp=$T/stub/sms-mcp rpc "$(call 1 "$1" "$2")"; }
stub list_staged_sms '{}'
check_eq "list_staged_sms: sms-stage --list --query, {} on stdin" '--list --query -o json|{}' "$(ran sms-stage)"
stub list_staged_sms '{"status":"approved"}'
check_eq "list_staged_sms status: on stdin" '--list --query -o json|{"status":"approved"}' "$(ran sms-stage)"
stub get_incoming_sms '{}'
check_eq "get_incoming_sms: sms-inbox --query, the default since (24h) on stdin" '--query -o json|{"since":"24h"}' "$(ran sms-inbox)"
stub get_incoming_sms '{"since":"2d","from":"(555) 123-4567","unread":true,"limit":10}'
check_eq "get_incoming_sms since, from, unread, limit: on stdin" \
	'--query -o json|{"since":"2d","from":"(555) 123-4567","unread":true,"limit":10}' "$(ran sms-inbox)"
stub get_incoming_sms '{"unread":false,"limit":3.0}'
check_eq "get_incoming_sms unread false, limit 3.0: as given, a whole 3" '--query -o json|{"since":"24h","unread":false,"limit":3}' "$(ran sms-inbox)"
stub get_sms_conversation '{"phone":"+44 20 7946 0018"}'
check_eq "get_sms_conversation phone: thread on stdin" '--query -o json|{"thread":"+44 20 7946 0018"}' "$(ran sms-inbox)"
# (the line by hand: jq would write 10.50 as 10.5)
mcp=$T/stub/sms-mcp rpc '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"stage_sms","arguments":{"to":"whatsapp:+15551234567","contentSid":"HX0123456789abcdef0123456789abcdef","contentVariables":{"1":"Ann","2":10.50}}}}'
check_eq "stage_sms contentSid, contentVariables: content_sid and content_variables on stdin, numbers as written, no body" \
	'-o json|{"to":"whatsapp:+15551234567","content_sid":"HX0123456789abcdef0123456789abcdef","content_variables":{"1":"Ann","2":"10.50"}}' "$(ran sms-stage)"
stub send_sms '{"to":"whatsapp:+15551234567","message":"hi","from":"whatsapp:+15550006666"}'
check_eq "send_sms to and from whatsapp: verbatim" '-o json|{"to":"whatsapp:+15551234567","body":"hi","from":"whatsapp:+15550006666"}' "$(ran sms-send)"
stub reply_to_sms '{"messageId":7,"contentSid":"HX0123456789abcdef0123456789abcdef"}'
check_eq "reply_to_sms with contentSid and no reply: the template on stdin" \
	'-o json|{"id":7,"keep_unread":false,"content_sid":"HX0123456789abcdef0123456789abcdef"}' "$(ran sms-reply)"
stub send_sms '{"to":"+15551234567","message":"Code 1234","ignoreQuietHours":true}'
check_eq "send_sms ignoreQuietHours true: sms-send --ignore-quiet-hours, a constant" '-o json --ignore-quiet-hours|{"to":"+15551234567","body":"Code 1234"}' "$(ran sms-send)"
stub send_sms '{"to":"+15551234567","message":"hi","ignoreQuietHours":false}'
check_eq "send_sms ignoreQuietHours false: no option" '-o json|{"to":"+15551234567","body":"hi"}' "$(ran sms-send)"
stub stage_sms '{"to":["+15551234567","+15551234568","+15551234567"],"message":"hi"}'
check_eq "stage_sms to a list: one sms-stage run, one record per number, each once" \
	"-o json|{\"to\":\"+15551234567\",\"body\":\"hi\"}$nl{\"to\":\"+15551234568\",\"body\":\"hi\"}" "$(ran sms-stage)"
stub reply_to_sms '{"messageId":"SM0123","reply":"hi"}'
check_eq "reply_to_sms messageId a provider id: as a string on stdin" '-o json|{"id":"SM0123","body":"hi","keep_unread":false}' "$(ran sms-reply)"
stub reply_to_sms '{"messageId":"42","reply":"hi"}'
check_eq "...a string of digits: as given" '-o json|{"id":"42","body":"hi","keep_unread":false}' "$(ran sms-reply)"
stub get_sms_status '{"messageId":"SM0123"}'
check_eq "get_sms_status messageId a provider id: provider_id on stdin" '--query -o json|{"provider_id":"SM0123"}' "$(ran sms-status)"
stub get_sms_status '{"messageId":"42"}'
check_eq "...a string of digits: the id as a number" '--query -o json|{"id":42}' "$(ran sms-status)"
stub reply_to_sms '{"messageId":7,"reply":"hi","markRead":false}'
check_eq "reply_to_sms with a reply: as before" '-o json|{"id":7,"body":"hi","keep_unread":true}' "$(ran sms-reply)"
stub get_sms_conversation '{"phone":"whatsapp:+15551234567"}'
check_eq "get_sms_conversation of a WhatsApp address: thread on stdin" '--query -o json|{"thread":"whatsapp:+15551234567"}' "$(ran sms-inbox)"
stub get_sms_status '{"messageId":42}'
check_eq "get_sms_status messageId: id on stdin" '--query -o json|{"id":42}' "$(ran sms-status)"
stub get_sms_status '{}'
check_eq "get_sms_status without one: {} on stdin" '--query -o json|{}' "$(ran sms-status)"
stub get_consent '{"phone":"+1 212 555 0100"}'
check_eq "get_consent phone: sms-optout consent, the number on stdin" 'consent -o json|{"number":"+1 212 555 0100"}' "$(ran sms-optout)"
stub wait_for_sms_reply '{"from":"whatsapp:+1 212 555 0100","timeoutSeconds":5}'
check_eq "wait_for_sms_reply from, timeoutSeconds: sms-inbox --query, wait and from on stdin" '--query -o json|{"wait":5,"from":"whatsapp:+1 212 555 0100"}' "$(ran sms-inbox)"
# Conversation states (sms-auto(1), Flows): a tag, a rule's flow fields and
# the state asked about go in the records like every other value.
stub send_sms '{"to":"+15551234567","message":"How was it? Reply 1-5","tag":"survey"}'
check_eq "send_sms tag: the record's tag" '-o json|{"to":"+15551234567","body":"How was it? Reply 1-5","tag":"survey"}' "$(ran sms-send)"
stub stage_sms '{"to":["+15551234567","+15551234568"],"message":"Reply 1-5","tag":"survey"}'
check_eq "stage_sms tag: on every record" \
	"-o json|{\"to\":\"+15551234567\",\"body\":\"Reply 1-5\",\"tag\":\"survey\"}$nl{\"to\":\"+15551234568\",\"body\":\"Reply 1-5\",\"tag\":\"survey\"}" "$(ran sms-stage)"
stub reply_to_sms '{"messageId":7,"reply":"Reply 1-5","tag":"survey"}'
check_eq "reply_to_sms tag" '-o json|{"id":7,"body":"Reply 1-5","keep_unread":false,"tag":"survey"}' "$(ran sms-reply)"
stub stage_sms_template '{"template":"ask","recipients":[{"to":"+15551234567","variables":{"n":1}},{"to":"+15551234568"}],"tag":"survey"}'
check_eq "stage_sms_template tag: on every recipient's record for sms-template render" \
	"render ask|{\"to\":\"+15551234567\",\"vars\":{\"n\":\"1\"},\"tag\":\"survey\"}$nl{\"to\":\"+15551234568\",\"vars\":{},\"tag\":\"survey\"}" "$(ran sms-template)"
rm -f "$T/stub/sms-stage.argv" "$T/stub/sms-stage.stdin"
stub create_sms_autoresponder '{"name":"review-ask","after":"survey","trigger":"5","match":"exact","within":"2h","response":"Thanks!","end":false}'
check_eq "create_sms_autoresponder name, after, within, match: on stdin; end false left out" \
	'add -o json|{"trigger":"5","response":"Thanks!","name":"review-ask","after":"survey","within":"2h","match":"exact","enabled":true}' "$(ran sms-auto)"
stub create_sms_autoresponder '{"after":["survey","review-ask"],"trigger":"1-3","response":"Sorry.","end":true}'
check_eq "...after a list, as a list; end true" \
	'add -o json|{"trigger":"1-3","response":"Sorry.","after":["survey","review-ask"],"end":true,"enabled":true}' "$(ran sms-auto)"
stub get_incoming_sms '{"state":"survey"}'
check_eq "get_incoming_sms state: on stdin" '--query -o json|{"since":"24h","state":"survey"}' "$(ran sms-inbox)"
rpc "$(call 1 send_sms '{"to":"+15551234567","message":"x","tag":"-a survey"}')" "$(call 2 create_sms_autoresponder '{"trigger":"5","response":"x","after":"survey;rm"}')" \
	"$(call 3 create_sms_autoresponder '{"trigger":"5","response":"x","match":"glob"}')" "$(call 4 get_incoming_sms '{"state":""}')"
check_eq "a tag, after, match or state not in its form: refused before any program runs" 'true true true true' \
	"$(jq -r .result.isError "$T/out" | paste -sd' ' -)"
stub wait_for_sms_reply '{}'
check_eq "wait_for_sms_reply: 50 seconds by default" '--query -o json|{"wait":50}' "$(ran sms-inbox)"
stub get_incoming_sms '{"since":"1d--unread","from":"+1 --help --limit 0"}'
check_eq "values that look like options reach the program verbatim on stdin, argv unchanged" \
	'--query -o json|{"since":"1d--unread","from":"+1 --help --limit 0"}' "$(ran sms-inbox)"
rpc "$(call 1 get_incoming_sms '{"from":"+1 --help --limit 0"}')" "$(call 2 get_sms_conversation '{"phone":"-1 --thread x"}')" \
	"$(call 3 get_incoming_sms '{"since":"1d--unread"}')"
check_eq "...and the real program refuses them as values (invalid_query, 65), not as options" \
	'1 true 65 invalid_query from=+1 --help --limit 0|3 true 65 invalid_query since=1d--unread' \
	"$(jq -r 'select(.id != 2) | .result.structuredContent as $r | ($r.records[0].error.message | capture("^query: \"(?<k>[a-z]+)\".*`(?<v>[^`]*)`")) as $m
		| "\(.id) \(.result.isError) \($r.exit_status) \($r.records[0].error.code) \($m.k)=\($m.v)"' "$T/out" | paste -sd'|')"
check_eq "...one that does not even look like a phone number is refused before any program runs" \
	'true null' "$(answer 2 | jq -c '.result.isError, .result.structuredContent.exit_status' | tr '\n' ' ' | sed 's/ $//')"
check_eq "nothing was executed" "" "$(find "$T" -name 'pwned*')"

# ---- SMS_MCP_DIRECT_SEND -------------------------------------------------------------------
SMS_MCP_DIRECT_SEND=off rpc "$(list 1)" "$(call 2 send_sms '{"to":"+15551234567","message":"x"}')"
check_eq "SMS_MCP_DIRECT_SEND=off: fifteen tools, none sends directly" "15 0" \
	"$(answer 1 | jq -r '.result.tools | "\(length) \(map(select(.name | test("^(send_(sms|mms|sms_template)|reply_to_sms)$"))) | length)"')"
check_grep "...and send_sms is refused, naming stage_sms" '"code":-32602,"message":"Unknown tool: send_sms is turned off.*stage_sms' "$T/out"
SMS_MCP_DIRECT_SEND=maybe rpc "$(list 1)"
check_eq "a value neither on nor off is taken as off" 15 "$(answer 1 | jq '.result.tools | length')"
check_grep "...with a warning" 'SMS_MCP_DIRECT_SEND=maybe: neither on nor off; taken as off' "$T/err"
SMS_MCP_DIRECT_SEND=on rpc "$(list 1)"
check_eq "SMS_MCP_DIRECT_SEND=on: nineteen" 19 "$(answer 1 | jq '.result.tools | length')"

# ---- finding the programs ------------------------------------------------------------------
jqdir=$(dirname "$(command -v jq)")
printf '%s\n' "$(call 1 preview_sms '{"message":"hi"}')" | env PATH="$jqdir:/usr/bin:/bin" "$mcp" >"$T/out" 2>"$T/err" || rc=$?
check_eq "the programs next to sms-mcp are found without PATH" false "$(answer 1 | jq .result.isError)"
mkdir -p "$T/alone" && cp "$mcp" "$T/alone/sms-mcp"
if env PATH="$jqdir:/usr/bin:/bin" sh -c 'command -v sms-split' >/dev/null; then
	skip "a program nowhere to be found" "smskit is installed in $jqdir, /usr/bin or /bin"
else
printf '%s\n' "$(call 1 preview_sms '{"message":"hi"}')" | env PATH="$jqdir:/usr/bin:/bin" "$T/alone/sms-mcp" >"$T/out" 2>"$T/err"
check_eq "a program nowhere to be found: isError, status 127, saying so" 'true 127' \
	"$(answer 1 | jq -c '.result.isError, .result.structuredContent.exit_status' | tr '\n' ' ' | sed 's/ $//')"
check_grep "...in words" 'could not be run: is smskit installed' "$T/out"
fi

# ---- the same under dash and bash -------------------------------------------------------------
session=("$(init 2025-06-18)" "$INITIALIZED" "$(list 1)" "$(call 2 preview_sms '{"message":"Ça va? 😀"}')" 'junk' "[$(ping 3)]" "$(call 4 list_sms_autoresponders '{}')")
for sh in dash bash; do
	if command -v "$sh" >/dev/null; then
		printf '%s\n' "${session[@]}" | "$sh" "$mcp" >"$T/out.$sh" 2>/dev/null
		check_eq "under $sh: six answers" 6 "$(wc -l <"$T/out.$sh")"
	else skip "under $sh" "$(missing "$sh")"; fi
done
if command -v dash >/dev/null; then
	check "dash and bash answer alike" cmp "$T/out.dash" "$T/out.bash"
fi

# ---- make install ---------------------------------------------------------------------------
root=$T/root
check "make install" make -s -C "$SMSKIT_SRC" install O="$SMSKIT_BUILD" PREFIX=/usr DESTDIR="$root"
check "sms-mcp installed executable" test -x "$root/usr/bin/sms-mcp"
check "sms-mcp(1) installed" test -f "$root/usr/share/man/man1/sms-mcp.1"
check_eq "the installed shim answers" '{"jsonrpc":"2.0","id":1,"result":{}}' "$(ping 1 | "$root/usr/bin/sms-mcp" 2>/dev/null)"
check "make uninstall removes it" sh -c "make -s -C '$SMSKIT_SRC' uninstall PREFIX=/usr DESTDIR='$root' && test ! -e '$root/usr/bin/sms-mcp'"

done_testing
