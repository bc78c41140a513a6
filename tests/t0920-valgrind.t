#!/usr/bin/env bash
# The programs are valgrind-clean on good and bad input (not under the
# sanitizer build, which valgrind cannot run).
. tests/lib.sh
valgrind_ready "valgrind" || { done_testing; exit; }
vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$@"; }
printf '%s\n' '{"body":"hello","to":"+15551234567"}' 'not json' '{"body":"😀 ça va","smart":1}' '{"nobody":1}' >"$T/in"
check_exit "sms-split on a mixed batch: no valgrind errors (exit 1 for the bad lines)" 1 vg sms-split -o json --smart <"$T/in"
check_exit "sms-split text output: no valgrind errors" 0 vg sms-split -o text --smart "“quoted” — text…"
# The receiving side: the CGI program on a signed message that fires an
# autoresponder, and on a forged one; the daemon through a few requests and a
# SIGTERM; the inbox and a thread.
. tests/webhook.sh
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_QUIET_HOURS=off
sms-auto add --trigger HOURS --response "9-5 <weekdays>" >/dev/null
url=https://hooks.example.com/cgi-bin/sms-webhookd/sms/incoming
body='Body=hours&From=%2B15551230001&MessageSid=SMvg1&To=%2B15550006666'
sig=$(twilio_sig "$url" "$WEBHOOK_TOKEN" Body=hours From=+15551230001 MessageSid=SMvg1 To=+15550006666)
cgi_vg() { # SIGNATURE: the CGI program under valgrind on $body
	printf '%s' "$body" | env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST SERVER_NAME=hooks.example.com \
		SERVER_PORT=443 HTTPS=on SCRIPT_NAME=/cgi-bin/sms-webhookd PATH_INFO=/sms/incoming \
		CONTENT_LENGTH=${#body} HTTP_X_TWILIO_SIGNATURE="$1" valgrind -q --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite,indirect sms-webhookd
}
check_exit "sms-webhookd (CGI), a signed HOURS: no valgrind errors" 0 cgi_vg "$sig"
check_grep "...answered by the autoresponder" '<Message>9-5 &lt;weekdays&gt;</Message>' "$T/.out"
check_exit "sms-webhookd (CGI), a forged request: no valgrind errors" 0 cgi_vg "AAAA$sig"
check_grep "...403" '^Status: 403' "$T/.out"
rm -f "$T/wh.port"
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	sms-webhookd --listen 127.0.0.1:0 --port-file "$T/wh.port" 2>"$T/vg-daemon.err" &
WH_PID=$!
wait_for_file "$T/wh.port" 300
WH_URL="http://127.0.0.1:$(cat "$T/wh.port")"
check_eq "sms-webhookd (daemon) under valgrind answers a signed message" 200 "$(incoming "$WH_URL/sms/incoming" SMvg2 +15551230002 "HOURS")"
check_eq "...and a malformed one" 400 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary 'Body=%zz' "$WH_URL/sms/incoming")"
check_eq "...and /healthz" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$WH_URL/healthz")"
kill -TERM "$WH_PID"
vg_exit=0
wait "$WH_PID" || vg_exit=$?
check_eq "...and stops on SIGTERM with no valgrind errors" 0 "$vg_exit"
[ "$vg_exit" = 0 ] || sed 's/^/#   /' "$T/vg-daemon.err" | head -n 30
check_exit "sms-inbox --unread: no valgrind errors" 0 vg sms-inbox --unread -o json
check_exit "sms-inbox --thread -o text: no valgrind errors" 0 vg sms-inbox --thread +15551230001 -o text
done_testing
