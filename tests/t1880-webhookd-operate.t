#!/usr/bin/env bash
# Operating sms-webhookd (sms-webhookd(1), Checking the configuration,
# Signals, Access log): -n checks the configuration and the store and exits 0
# or 78 with a sentence; a key
# rotation (TWILIO_AUTH_TOKEN_SECONDARY, VONAGE_SIGNATURE_SECRET_SECONDARY):
# a request signed with the secondary key is accepted, then refused once the
# key is taken out of the file and SIGHUP sent, with requests running through
# the reload and none dropped; the access log, text and JSON, one line per
# request, with no secret and no message text in it.
# shellcheck disable=SC2119 # start_webhookd takes arguments of its own, not the script's
. tests/lib.sh
. tests/webhook.sh
. tests/providers.sh

q() { sql "$1"; }
PRIMARY=primary-token-0123456789
SECONDARY=secondary-token-9876543210
export SMS_PROVIDER=twilio
# config_file LINES...: the configuration file, mode 600 (it holds secrets),
# replaced at once (rename) so that a reload never reads half of it.
config_file() {
	printf '%s\n' "$@" >"$SMS_CONFIG.new"
	chmod 600 "$SMS_CONFIG.new"
	mv "$SMS_CONFIG.new" "$SMS_CONFIG"
}

# ---- -n ---------------------------------------------------------------------------------
config_file "TWILIO_AUTH_TOKEN = $PRIMARY"
check_exit "-n with a good configuration: exit 0" 0 sms-webhookd -n
check_grep "...saying so, with the provider and the store" \
	"the configuration is ok: provider twilio, store $SMS_DB" "$T/.err"
check_exit "--check is -n" 0 sms-webhookd --check
check_exit "-n with an unknown SMS_PROVIDER: exit 78" 78 env SMS_PROVIDER=bogus sms-webhookd -n
check_grep "...naming it" "SMS_PROVIDER=bogus" "$T/.err"
check_grep "...and the verdict" "the configuration is not valid: the daemon would not start" "$T/.err"
: >"$T/afile"
check_exit "-n with a store that cannot be made (its directory is a file): exit 78" 78 \
	env SMS_DB="$T/afile/sms.db" sms-webhookd -n
check_grep "...saying why" "afile/sms.db" "$T/.err"
check_grep "...and the verdict" "the configuration is not valid" "$T/.err"
check_exit "-n with an unknown SMS_LOG_FORMAT: exit 78" 78 env SMS_LOG_FORMAT=xml sms-webhookd -n
check_grep "...naming it" "SMS_LOG_FORMAT=xml: expected text or json" "$T/.err"
check_exit "-n with an access log that cannot be opened: exit 78" 78 \
	env SMS_ACCESS_LOG="$T/afile/access.log" sms-webhookd -n
check_exit "-n without TWILIO_AUTH_TOKEN: exit 78" 78 env SMS_CONFIG="$T/none" sms-webhookd -n
check_grep "...naming it" "TWILIO_AUTH_TOKEN is not set" "$T/.err"
check "...and no key appears in what -n says" sh -c "! grep -q '$PRIMARY' '$T/.out' '$T/.err'"
unit=contrib/sms-webhookd.service
reload=$(sed -n 's|^ExecReload=/usr/local/bin/sms-webhookd ||p' "$unit")
check_eq "the systemd unit checks with -n before it reloads" "-n --listen 127.0.0.1:3001" "$reload"
read -ra reload_args <<<"$reload"
check_exit "...a command line that works" 0 sms-webhookd "${reload_args[@]}"

# ---- Rotation and SIGHUP -------------------------------------------------------------------
config_file "TWILIO_AUTH_TOKEN = $PRIMARY" "TWILIO_AUTH_TOKEN_SECONDARY = $SECONDARY"
start_webhookd || exit 1
U=$WH_URL/sms/incoming
# signed_by TOKEN SID: an inbound message signed with TOKEN; prints the status
# (000 when the connection failed).
signed_by() {
	local p=(From=+15550001111 To=+15550006666 "MessageSid=$2" Body=rotation)
	post_with_sig "$U" "$(twilio_sig "$U" "$1" "${p[@]}")" "${p[@]}"
}
check_eq "signed with the primary token: 200" 200 "$(signed_by "$PRIMARY" SMrot0001)"
check_eq "signed with the secondary token: 200" 200 "$(signed_by "$SECONDARY" SMrot0002)"
check_eq "signed with another: 403" 403 "$(signed_by other-token-000000000 SMrot0003)"

# A loop of requests signed with the secondary token, and wrk signing with
# the primary one, both running while the secondary is taken out and SIGHUP
# sent several times.
(
	for i in $(seq 1 400); do
		[ -e "$T/loop.stop" ] && break
		printf '%s\n' "$(signed_by "$SECONDARY" "SMloop$i")" >>"$T/loop.codes"
	done
) &
lpid=$!
wpid=""
if need "wrk under the reload" wrk; then
	mkdir -p "$T/acked"
	WH_TOKEN=$PRIMARY WH_PREFIX=SMhup WH_ACKED="$T/acked" \
		wrk -t2 -c16 -d5s --timeout 10s -s tests/wrk/signed-inbound.lua "$U" >"$T/wrk.out" 2>&1 &
	wpid=$!
fi
sleep 1.5
config_file "TWILIO_AUTH_TOKEN = $PRIMARY"
kill -HUP "$WH_PID"
for _ in $(seq 50); do grep -q 'SIGHUP: reloaded' "$T/webhookd.log" && break; sleep 0.1; done
for _ in 1 2 3; do sleep 0.5; kill -HUP "$WH_PID"; done
sleep 1.5
touch "$T/loop.stop"
wait "$lpid"
[ -n "$wpid" ] && wait "$wpid"
codes=$(paste -sd' ' "$T/loop.codes" | tr -s ' ')
n=$(wc -l <"$T/loop.codes")
check_grep "the daemon reloaded" 'SIGHUP: reloaded the configuration' "$T/webhookd.log"
check_eq "every request of the loop ($n) was answered 200 or 403: none dropped" 0 \
	"$(grep -cv '^200$\|^403$' "$T/loop.codes")"
check "...200 before the reload" grep -q '^200$' "$T/loop.codes"
check "...403 after it" grep -q '^403$' "$T/loop.codes"
check "...never a 200 after the first 403 (${codes:0:60}...)" \
	awk '/^403$/ { seen = 1 } seen && /^200$/ { bad = 1 } END { exit bad }' "$T/loop.codes"
if [ -n "$wpid" ]; then
	sed 's/^/# /' "$T/wrk.out" | grep -E 'responses|Requests/sec'
	check_grep "wrk through the reloads: no socket error" 'socket errors: connect 0 read 0 write 0 timeout 0' "$T/wrk.out"
	check_grep "...every answer 2xx" '^responses: 2xx [1-9][0-9]* *4xx 0 *5xx 0' "$T/wrk.out"
	cat "$T"/acked/acked.* | sort >"$T/acked.ids"
	q "select id from messages where provider_id like 'SMhup%'" | sort >"$T/stored.ids"
	check_eq "...and each has its row" 0 "$(comm -23 "$T/acked.ids" "$T/stored.ids" | wc -l)"
fi
check_eq "after the reload the secondary token is refused" 403 "$(signed_by "$SECONDARY" SMrot0004)"
check_eq "...the primary one accepted" 200 "$(signed_by "$PRIMARY" SMrot0005)"
curl -s -o "$T/m" "$WH_URL/metrics"
check_grep "/metrics counts the reloads" '^sms_webhookd_config_reloads_total{result="ok"} 4$' "$T/m"
check "no key in the daemon's log" sh -c "! grep -q '$PRIMARY\|$SECONDARY' '$T/webhookd.log'"
stop_webhookd
check_eq "the daemon stopped cleanly" 0 "$WH_EXIT"

# Vonage: the same with its signature secret.
(
	use_fake_vonage_account
	export VONAGE_SIGNATURE_SECRET=$VONAGE_TEST_SIG VONAGE_SIGNATURE_SECRET_SECONDARY=vonage-second-secret
	config_file ""
	start_webhookd || exit 1
	V=$WH_URL/sms/incoming
	check_eq "Vonage: signed with the signature secret: 200" 200 \
		"$(vonage_inbound "$V" 0B0000001 +447700900001 "hello")"
	check_eq "Vonage: signed with VONAGE_SIGNATURE_SECRET_SECONDARY: 200" 200 \
		"$(VONAGE_TEST_SIG=vonage-second-secret vonage_inbound "$V" 0B0000002 +447700900001 "hello")"
	check_eq "Vonage: signed with another: 403" 403 \
		"$(VONAGE_TEST_SIG=another-secret vonage_inbound "$V" 0B0000003 +447700900001 "hello")"
	stop_webhookd
	echo "$_n $_fail" >"$T/sub.counts"
)
read -r _n _fail <"$T/sub.counts"

# ---- The access log ------------------------------------------------------------------------
config_file "TWILIO_AUTH_TOKEN = $WEBHOOK_TOKEN" "SMS_ACCESS_LOG = $T/access.log"
: >"$T/webhookd.log"
start_webhookd || exit 1
U=$WH_URL/sms/incoming
check_eq "an inbound message with a query string: 200" 200 \
	"$(incoming "$U?token=query-secret-123" SMlog0001 +15550001111 "body-words-never-logged")"
id=$(tr -d '\r' <"$T/.headers" | sed -n 's/^X-Message-Id: //p')
check_eq "a forged one: 403" 403 "$(post_with_sig "$U" c2lnbmF0dXJlLXZhbHVl From=+1 To=+1 MessageSid=SMlog2)"
check_eq "a path with a space and a newline: 404" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' "$WH_URL/sms/in%20coming%0Aforged-line")"
check_eq "/metrics: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$WH_URL/metrics")"
# Rotated, as logrotate would: SIGHUP opens the file anew and lets the old one go.
mv "$T/access.log" "$T/access.log.1"
kill -HUP "$WH_PID"
for _ in $(seq 50); do grep -q 'SIGHUP: reloaded' "$T/webhookd.log" && break; sleep 0.1; done
check_eq "after a rotation and SIGHUP: /healthz 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$WH_URL/healthz")"
sleep 0.6
check "...its line in the new file" grep -q ' GET /healthz 200 ' "$T/access.log"
check "...the old file closed by the daemon" sh -c "! ls -l /proc/$WH_PID/fd | grep -q 'access.log.1'"
stop_webhookd
mv "$T/access.log.1" "$T/access.log"
sed 's/^/# /' "$T/access.log"
check_eq "one line per request" 4 "$(wc -l <"$T/access.log")"
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
check "the text format: TIME REMOTE METHOD PATH STATUS BYTES MS ID" \
	grep -Eq "^$ts 127\.0\.0\.1 POST /sms/incoming 200 [0-9]+ [0-9]+\.[0-9]{3} $id\$" "$T/access.log"
check "...the forged request, no id" \
	grep -Eq "^$ts 127\.0\.0\.1 POST /sms/incoming 403 [0-9]+ [0-9]+\.[0-9]{3} -\$" "$T/access.log"
check "...a client's odd path escaped, on its one line" \
	grep -Eq "^$ts 127\.0\.0\.1 GET /sms/in%20coming%0Aforged-line 404 " "$T/access.log"
check "no message text, query string, token or signature in it" \
	sh -c "! grep -q 'body-words\|query-secret\|$WEBHOOK_TOKEN\|c2lnbmF0dXJl' '$T/access.log'"
check "...and the error is still said on stderr (the access log is a file)" \
	grep -q 'POST /sms/incoming: 403 Forbidden' "$T/webhookd.log"

config_file "TWILIO_AUTH_TOKEN = $WEBHOOK_TOKEN" "SMS_LOG_FORMAT = json"
: >"$T/webhookd.log"
start_webhookd --log-requests || exit 1
U=$WH_URL/sms/incoming
check_eq "JSON: an inbound message: 200" 200 "$(incoming "$U" SMlog0003 +15550001111 "body-words-never-logged")"
id=$(tr -d '\r' <"$T/.headers" | sed -n 's/^X-Message-Id: //p')
check_eq "...a forged one: 403" 403 "$(post_with_sig "$U" c2lnbmF0dXJlLXZhbHVl From=+1 To=+1 MessageSid=SMlog4)"
stop_webhookd
grep '^{' "$T/webhookd.log" >"$T/access.json"
sed 's/^/# /' "$T/access.json"
check_eq "--log-requests with SMS_LOG_FORMAT=json: one JSON line per request on stderr" 2 \
	"$(jq -c . "$T/access.json" | wc -l)"
check_eq "...its fields" '["time","remote","method","path","status","bytes","duration_ms","message_id"]' \
	"$(head -1 "$T/access.json" | jq -c keys_unsorted)"
check_eq "...the message's line" "127.0.0.1 POST /sms/incoming 200 $id" \
	"$(head -1 "$T/access.json" | jq -r '"\(.remote) \(.method) \(.path) \(.status) \(.message_id)"')"
check_eq "...the refused one" "403 null" "$(sed -n 2p "$T/access.json" | jq -r '"\(.status) \(.message_id)"')"
check "...one line each: no second line for the error" sh -c "! grep -q 'POST /sms/incoming: 403' '$T/webhookd.log'"
check "no message text, token or signature in it" \
	sh -c "! grep -q 'body-words\|$WEBHOOK_TOKEN\|c2lnbmF0dXJl' '$T/webhookd.log'"

# CGI: a line in the file too.
config_file "TWILIO_AUTH_TOKEN = $WEBHOOK_TOKEN" "SMS_ACCESS_LOG = $T/cgi-access.log"
env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/healthz REMOTE_ADDR=192.0.2.4 \
	SERVER_NAME=localhost SERVER_PORT=80 sms-webhookd </dev/null >"$T/cgi.out" 2>"$T/cgi.err"
check "CGI: a line in SMS_ACCESS_LOG" \
	grep -Eq "^$ts 192\.0\.2\.4 GET /healthz 200 [0-9]+ [0-9]+\.[0-9]{3} -\$" "$T/cgi-access.log"

done_testing
