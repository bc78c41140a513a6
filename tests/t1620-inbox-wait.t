#!/usr/bin/env bash
# sms-inbox --wait: started before a signed webhook reaches sms-webhookd (the
# daemon) and the CGI program under lighttpd, it prints the message and exits
# within 250 ms of the webhook's 200; a message from another number does not
# end a --from wait; an older message does not count; the timeout's exit 75
# and sentence; usage errors; SIGTERM; and the CPU time of a wait (~0).
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
need "sms-inbox --wait" "$([ "$SMSKIT_STORE" = pg ] && echo psql || echo sqlite3)" curl openssl jq || { done_testing; exit; }
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# watching PID: true once the process has its watch set: on SQLite its inotify
# descriptor open; on PostgreSQL, where it LISTENs then reads its baseline,
# once its session (named smskit-wait by PGAPPNAME) has sat idle for 50 ms:
# between its queries it never does.
watching() {
	local f
	if [ "$SMSKIT_STORE" = pg ]; then
		[ "$(sql "select count(*) from pg_stat_activity where application_name = 'smskit-wait' and state = 'idle' and state_change < now() - interval '50 milliseconds'")" = 1 ]
		return
	fi
	for f in /proc/"$1"/fd/*; do [ "$(readlink "$f" 2>/dev/null)" = anon_inode:inotify ] && return 0; done
	return 1
}
# ours: the pid of an sms-inbox of this test's store (other tests may run one).
ours() {
	local p
	for p in $(pgrep -x sms-inbox); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "SMS_DB=$SMS_DB" && { echo "$p"; return 0; }
	done
	return 1
}

# start_wait NAME ARGS...: sms-inbox --wait in the background, its records in
# $T/NAME.out, its stderr in $T/NAME.err, its exit status and the time it
# exited (ms) in $T/NAME.rc and $T/NAME.at; returns once it is asleep with its
# watch set (see watching, then the baseline read: a moment).
start_wait() {
	local name=$1 i
	shift
	rm -f "$T/$name".*
	( PGAPPNAME=smskit-wait sms-inbox "$@" >"$T/$name.out" 2>"$T/$name.err"; echo $? >"$T/$name.rc"; now_ms >"$T/$name.at" ) 2>/dev/null &
	for ((i = 0; i < 100; i++)); do
		WAIT_PID=$(pgrep -P $! -x sms-inbox) && watching "$WAIT_PID" && break
		sleep 0.02
	done
	sleep 0.2
}

# finished NAME [TENTHS]: until the waiter of NAME has exited (default 5 s).
finished() { wait_for_file "$T/$1.at" "${2:-50}"; }

# ---- usage -----------------------------------------------------------------
check_exit "--wait 0 is a usage error" 64 sms-inbox --wait 0
check_grep "...saying the range" 'from 1 to 3600' "$T/.err"
check_exit "--wait 3601 is a usage error" 64 sms-inbox --wait 3601
check_exit "--wait x is a usage error" 64 sms-inbox --wait x
check_exit "--wait with --unread is a usage error" 64 sms-inbox --wait 5 --unread
check_grep "...saying what it takes" 'takes only --from, --channel' "$T/.err"
check_exit "--wait with --thread is a usage error" 64 sms-inbox --wait 5 --thread +15551230001
check_exit "--wait in a query with since is refused" 65 sh -c 'echo "{\"wait\": 5, \"since\": \"2h\"}" | sms-inbox --query -o json'
check_eq "...as an invalid_query record" invalid_query "$(jq -r .error.code "$T/.out")"
sms-inbox --help >"$T/help"
check_grep "--help tells of --wait" 'wait SECONDS' "$T/help"

# ---- the daemon ---------------------------------------------------------------
start_webhookd
U="$WH_URL/sms/incoming"
check_eq "an older message is stored first" 200 "$(incoming "$U" SMold1 +15551230001 "old and unread")"

start_wait d1 --wait 10 -o json
t200=0
code=$(incoming "$U" SMw0001 +15551230001 "Are you there?") && t200=$(now_ms)
check_eq "a wait started before the webhook: the webhook is accepted" 200 "$code"
finished d1
check_eq "...sms-inbox exits 0" 0 "$(cat "$T/d1.rc")"
check_eq "...printing the new message only (not the older unread one)" "SMw0001|Are you there?|+15551230001" \
	"$(jq -r '[.provider_id, .body, .from] | join("|")' "$T/d1.out")"
check_eq "...one record, ok" "1 true" "$(wc -l <"$T/d1.out") $(jq -r .ok "$T/d1.out")"
lat=$(($(cat "$T/d1.at") - t200))
# (below zero when sms-inbox was out before curl had read the 200)
echo "# daemon: from the webhook's 200 to sms-inbox's exit: $lat ms"
check "...within 250 ms of the webhook's 200 ($lat ms)" test "$lat" -lt 250

start_wait d2 --wait 10 --from +15551230002 -o json
code=$(incoming "$U" SMw0002 +15551239999 "someone else")
check_eq "a --from wait: a message from another number is accepted" 200 "$code"
sleep 0.5
check "...and does not end the wait" test ! -e "$T/d2.rc"
code=$(incoming "$U" SMw0003 +15551230002 "it is me") && t200=$(now_ms)
finished d2
check_eq "...the message from that number does" "0 SMw0003" "$(cat "$T/d2.rc") $(jq -r .provider_id "$T/d2.out")"
lat=$(($(cat "$T/d2.at") - t200))
echo "# daemon, --from: $lat ms"
check "...within 250 ms ($lat ms)" test "$lat" -lt 250

start_wait d3 --wait 10 --from whatsapp:+15551230003 -o json
incoming "$U" SMw0004 +15551230003 "by SMS" >/dev/null
sleep 0.3
check "a whatsapp: wait is not ended by an SMS of that number" test ! -e "$T/d3.rc"
post_signed "$U" AccountSid=AC0123456789abcdef0123456789abcdef ApiVersion=2010-04-01 \
	"Body=by WhatsApp" From=whatsapp:+15551230003 MessageSid=SMw0005 NumMedia=0 SmsStatus=received \
	To=whatsapp:+15550006666 WaId=15551230003 >/dev/null
finished d3
check_eq "...but by its WhatsApp message" "0 whatsapp:+15551230003|by WhatsApp" \
	"$(cat "$T/d3.rc") $(jq -r '[.from, .body] | join("|")' "$T/d3.out")"

start_wait d4 --wait 10 -o text
incoming "$U" SMw0006 +15551230004 "in text" >/dev/null
finished d4
check_grep "-o text prints the listing's table" 'in text' "$T/d4.out"

start_wait d5 --wait 30
kill -TERM "$WAIT_PID"
finished d5
check_eq "SIGTERM ends a wait as the signal (143), printing nothing" "143 0" \
	"$(cat "$T/d5.rc") $(wc -c <"$T/d5.out")"

# ---- the MCP tool, wait_for_sms_reply, on a live sms-mcp ------------------------------
mkfifo "$T/to" "$T/from"
PGAPPNAME=smskit-wait sms-mcp <"$T/to" >"$T/from" 2>"$T/mcp.err" &
mpid=$!
exec {to}>"$T/to" {from}<"$T/from"
mcp_line() { IFS= read -r -t 20 line <&"$from" && printf '%s\n' "$line"; }
echo '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' >&"$to"
mcp_line >/dev/null
echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"wait_for_sms_reply","arguments":{"from":"+1 555 123 0021","timeoutSeconds":10}}}' >&"$to"
for ((i = 0; i < 100; i++)); do
	WAIT_PID=$(ours) && watching "$WAIT_PID" && break
	sleep 0.02
done
sleep 0.2
incoming "$U" SMm0001 +15551230029 "not this one" >/dev/null
code=$(incoming "$U" SMm0002 +15551230021 'Yes, "Thursday" works') && t200=$(now_ms)
mcp_line >"$T/m1"
tans=$(now_ms)
check_eq "wait_for_sms_reply started before the webhook: its answer" "200 false" "$code $(jq -r .result.isError "$T/m1")"
lat=$((tans - t200))
echo "# MCP: from the webhook's 200 to wait_for_sms_reply's answer: $lat ms"
check "...within 250 ms of the webhook's 200 ($lat ms)" test "$lat" -lt 250
id=$(q "select id from messages where provider_id = 'SMm0002'")
check_eq "...the text: who, when, the body quoted, the id and what to do next" \
	"A new message came.||From +15551230021, received (just now):|  \"Yes, \\\"Thursday\\\" works\"|Message id $id: reply with reply_to_sms messageId $id." \
	"$(jq -r '.result.content[0].text' "$T/m1" | sed 's/received [0-9-]* [0-9:]* [A-Z+0-9-]* /received /' | paste -sd'|')"
check_eq "...the record in structuredContent" "true SMm0002 1" \
	"$(jq -r '.result.structuredContent | "\(.ok) \(.records[0].provider_id) \(.records | length)"' "$T/m1")"
echo '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait_for_sms_reply","arguments":{"timeoutSeconds":1}}}' >&"$to"
mcp_line >"$T/m2"
check_eq "nothing comes: a sentence, not an error" \
	"false|No new message came within 1 second. Call wait_for_sms_reply again to keep waiting; a message that arrives between two waits is not returned by the next one, so look with get_incoming_sms (unread: true) too." \
	"$(jq -r '"\(.result.isError)|\(.result.content[0].text)"' "$T/m2")"
check_eq "...structuredContent says it timed out" "true 0" "$(jq -r '.result.structuredContent | "\(.timed_out) \(.records | length)"' "$T/m2")"
exec {to}>&- {from}<&-
wait "$mpid"
stop_webhookd

# ---- the timeout and the cost of waiting -----------------------------------------
check_exit "nothing comes: exit 75" 75 sms-inbox --wait 1 --from +15551230009 -o json
check_eq "...nothing on stdout" "" "$(cat "$T/.out")"
check_grep "...and a sentence on stderr" '^sms-inbox: no new message from +15551230009 within 1 second$' "$T/.err"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%e %U %S' -o "$T/time" sms-inbox --wait 3 >/dev/null 2>&1
	read -r el us sy < <(tail -n 1 "$T/time")
	echo "# a 3 s wait: $el s elapsed, $us s user, $sy s system"
	check "a 3 s wait lasts 3 s" awk -v e="$el" 'BEGIN { exit !(e >= 2.9 && e < 4) }'
	check "...and costs next to no CPU (< 50 ms)" awk -v u="$us" -v s="$sy" 'BEGIN { exit !(u + s < 0.05) }'
else
	skip "the CPU time of a wait" "/usr/bin/time is not installed"
fi

# ---- the CGI program ----------------------------------------------------------------
if need "--wait with the CGI program" lighttpd; then
	printf 'TWILIO_AUTH_TOKEN = %s\nSMS_PROVIDER = twilio\n' "$WEBHOOK_TOKEN" >"$SMS_CONFIG"
	chmod 600 "$SMS_CONFIG"
	start_lighttpd
	start_wait c1 --wait 10 -o json
	code=$(incoming "$CGI_URL/sms/incoming" SMcgiw1 +15551230011 "through CGI") && t200=$(now_ms)
	check_eq "the CGI program: the webhook is accepted" 200 "$code"
	finished c1
	check_eq "...sms-inbox prints it" "0 SMcgiw1" "$(cat "$T/c1.rc") $(jq -r .provider_id "$T/c1.out")"
	lat=$(($(cat "$T/c1.at") - t200))
	echo "# CGI: from the webhook's 200 to sms-inbox's exit: $lat ms"
	check "...within 250 ms of the webhook's 200 ($lat ms)" test "$lat" -lt 250
	stop_lighttpd
fi
check_eq "every message stored once" 10 "$(q "select count(*) from messages where direction = 'inbound'")"

done_testing
