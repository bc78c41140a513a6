#!/usr/bin/env bash
# sms-webhookd as a daemon: signatures (computed here with openssl), storing
# once per MessageSid, STOP/START/HELP, autoresponders and their hours, status
# callbacks that never go backwards, size and form errors, hooks, SIGTERM.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_TZ=America/New_York
# Wednesday 2026-11-25 10:00 in New York.
export SMS_TEST_NOW=2026-11-25T15:00:00Z

check_exit "--help" 0 sms-webhookd --help
check_grep "...names the routes" '/sms/incoming' "$T/.out"
check_exit "--version" 0 sms-webhookd --version
check_eq "...prints the version" "sms-webhookd 0.1.0" "$(cat "$T/.out")"
check_exit "an unknown option is a usage error" 64 sms-webhookd --bogus
check_exit "a bad --listen is a usage error" 64 env SMS_DB="$(new_store x)" sms-webhookd --listen nonsense
check_grep "...saying what is expected" 'HOST:PORT' "$T/.err"
check_exit "without TWILIO_AUTH_TOKEN it refuses to start" 78 env -u TWILIO_AUTH_TOKEN sms-webhookd
check_grep "...naming the variable and the way out" 'TWILIO_AUTH_TOKEN.*--no-verify' "$T/.err"

sms-auto add --trigger HOURS --response "We're open Mon-Fri 9am-6pm <& \"fun\" '>" \
	--active-hours "9am-5pm Mon-Fri" >/dev/null
start_webhookd
check_grep "the daemon says where it listens" "listening on 127.0.0.1:0 (port" "$T/webhookd.log"

check_eq "GET /healthz is ok" "200" "$(curl -s -o "$T/.body" -w '%{http_code}' "$WH_URL/healthz")"
check_eq "...saying ok" "ok" "$(cat "$T/.body")"
check_eq "an unknown route is 404" "404" "$(curl -s -o /dev/null -w '%{http_code}' "$WH_URL/nope")"
check_eq "GET on /sms/incoming is 405" "405" "$(curl -s -o /dev/null -D "$T/.h" -w '%{http_code}' "$WH_URL/sms/incoming")"
check_grep "...with Allow: POST" '^Allow: POST' "$T/.h"

U="$WH_URL/sms/incoming"
check_eq "a signed inbound message is accepted" 200 "$(incoming "$U" SM0001 +15551230001 "Hello there")"
check_eq "...answered with an empty TwiML response" '<?xml version="1.0" encoding="UTF-8"?><Response/>' "$(cat "$T/.body")"
check_grep "...as text/xml" '^Content-Type: text/xml' "$T/.headers"
check_eq "...stored once, inbound, received, unread" "inbound|received|+15551230001|+15550006666|Hello there|twilio|SM0001|0" \
	"$(q "select direction, status, from_number, to_number, body, provider, provider_id, read from messages")"
check_grep "...the stored id in X-Message-Id" '^X-Message-Id: 1' "$T/.headers"
check_eq "...every parameter kept in a webhook event" "AC0123456789abcdef0123456789abcdef received" \
	"$(q "select detail from events where kind = 'webhook'" | jq -r '"\(.AccountSid) \(.SmsStatus)"')"


# The daemon's writer keeps the rules between messages (autoresp.c): a rule
# added, disabled, enabled or removed by another program meanwhile is seen by
# the very next message.
check_eq "PING before any rule for it: no answer" '<?xml version="1.0" encoding="UTF-8"?><Response/>' \
	"$(incoming "$U" SMrc01 +15551230002 "PING" >/dev/null; cat "$T/.body")"
sms-auto add --trigger PING --response "PONG" -o json >"$T/ping.json"
ping_id=$(jq -r .id "$T/ping.json")
check_grep "a rule added by sms-auto while the daemon runs answers the next message" 'PONG' \
	"$(incoming "$U" SMrc02 +15551230002 "PING" >/dev/null; echo "$T/.body")"
sms-auto disable "$ping_id" >/dev/null
check_eq "...disabled, no longer" '<?xml version="1.0" encoding="UTF-8"?><Response/>' \
	"$(incoming "$U" SMrc03 +15551230002 "PING" >/dev/null; cat "$T/.body")"
sms-auto enable "$ping_id" >/dev/null
check_grep "...enabled again, answers" 'PONG' "$(incoming "$U" SMrc04 +15551230002 "PING" >/dev/null; echo "$T/.body")"
sms-auto rm "$ping_id" >/dev/null
check_eq "...removed, no longer" '<?xml version="1.0" encoding="UTF-8"?><Response/>' \
	"$(incoming "$U" SMrc05 +15551230002 "PING" >/dev/null; cat "$T/.body")"

check_eq "the same MessageSid again is acknowledged" 200 "$(incoming "$U" SM0001 +15551230001 "Hello there")"
check_eq "...and leaves one row" 1 "$(q "select count(*) from messages where provider_id = 'SM0001'")"

n0=$(q "select count(*) from messages")
e0=$(q "select count(*) from events")
check_eq "an unsigned request gets 403" 403 "$(post_with_sig "$U" "" Body=x From=+15551230002 MessageSid=SM0002 To=+15550006666)"
sig=$(twilio_sig "$U" wrong-token Body=x From=+15551230002 MessageSid=SM0002 To=+15550006666)
check_eq "a request signed with another key gets 403" 403 "$(post_with_sig "$U" "$sig" Body=x From=+15551230002 MessageSid=SM0002 To=+15550006666)"
sig=$(twilio_sig "$U" "$WEBHOOK_TOKEN" Body=x From=+15551230002 MessageSid=SM0002 To=+15550006666)
check_eq "a tampered body gets 403" 403 "$(post_with_sig "$U" "$sig" Body=y From=+15551230002 MessageSid=SM0002 To=+15550006666)"
check_eq "a parameter added after signing gets 403" 403 "$(post_with_sig "$U" "$sig" Body=x From=+15551230002 MessageSid=SM0002 To=+15550006666 Extra=1)"
check_eq "a signature for another URL gets 403" 403 "$(post_with_sig "$U?x=1" "$sig" Body=x From=+15551230002 MessageSid=SM0002 To=+15550006666)"
check_eq "a garbage signature gets 403" 403 "$(post_with_sig "$U" "AAAA" Body=x From=+15551230002 MessageSid=SM0002 To=+15550006666)"
check_eq "...none of them stored anything" "$n0 $e0" "$(q "select count(*) from messages") $(q "select count(*) from events")"
check_eq "the same parameters, properly signed, are accepted" 200 "$(post_with_sig "$U" "$sig" Body=x From=+15551230002 MessageSid=SM0002 To=+15550006666)"
sig=$(twilio_sig "$U?a=1&b=two" "$WEBHOOK_TOKEN" Body=q From=+15551230002 MessageSid=SM0003 To=+15550006666)
check_eq "a URL with a query string is signed with it" 200 "$(post_with_sig "$U?a=1&b=two" "$sig" Body=q From=+15551230002 MessageSid=SM0003 To=+15550006666)"
port=${WH_URL##*:}
sig=$(twilio_sig "http://127.0.0.1/sms/incoming" "$WEBHOOK_TOKEN" Body=p From=+15551230002 MessageSid=SM0004 To=+15550006666)
check_eq "a signature over the URL without its port is accepted" 200 "$(post_with_sig "$U" "$sig" Body=p From=+15551230002 MessageSid=SM0004 To=+15550006666)"

check_eq "malformed form encoding gets 400" 400 "$(curl -s -o "$T/.body" -w '%{http_code}' -H "X-Twilio-Signature: x" --data-binary 'Body=%zz&From=1' "$U")"
check_grep "...saying why" 'malformed form body' "$T/.body"
check_eq "a NUL byte gets 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary 'Body=a%00b' "$U")"
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/Body=/' >"$T/big"
check_eq "a body over 64 KiB gets 413" 413 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" "$U")"
check_eq "...also when sent chunked, without a length" 413 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$U")"
check_eq "a signed request without MessageSid gets 400" 400 "$(post_signed "$U" Body=x From=+15551230002 To=+15550006666)"
check_eq "...nothing stored" "$((n0 + 3))" "$(q "select count(*) from messages")"

# Keywords.
check_eq "STOP is accepted" 200 "$(incoming "$U" SM0010 +15551230010 "  stop ")"
check_eq "...and opts the number out, saying how" "+15551230010|keyword STOP" "$(q "select number, source from optouts")"
check_eq "...with no answer of ours" '<?xml version="1.0" encoding="UTF-8"?><Response/>' "$(cat "$T/.body")"
check_exit "sms-send then refuses the number" 1 env SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-send --to +15551230010 --body "still there?" -o json
check_eq "...as opted_out" "opted_out" "$(jq -r .error.code "$T/.out")"
check_eq "an opted-out number gets no autoresponse" 200 "$(incoming "$U" SM0011 +15551230010 "HOURS")"
check_eq "...an empty answer" '<?xml version="1.0" encoding="UTF-8"?><Response/>' "$(cat "$T/.body")"
check_eq "START is accepted" 200 "$(incoming "$U" SM0012 +15551230010 "Start")"
check_eq "...and resubscribes the number" 0 "$(q "select count(*) from optouts")"
check_exit "sms-send sends to it again" 0 env SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-send --to +15551230010 --body "welcome back" -o json
check_eq "'STOP please' is an ordinary message" 200 "$(incoming "$U" SM0013 +15551230011 "STOP please")"
check_eq "...nobody opted out" 0 "$(q "select count(*) from optouts")"
check_eq "Twilio's own OptOutType=STOP opts out too" 200 "$(incoming "$U" SM0014 +15551230012 "arret" OptOutType=STOP)"
check_eq "...the number is on the list" 1 "$(q "select count(*) from optouts where number = '+15551230012'")"
check_eq "HELP without SMS_HELP_TEXT gets no answer of ours" 200 "$(incoming "$U" SM0015 +15551230013 "help")"
check_eq "...empty TwiML" '<?xml version="1.0" encoding="UTF-8"?><Response/>' "$(cat "$T/.body")"

check_eq "an MMS with two media" 200 "$(post_signed "$U" Body=look From=+15551230014 MessageSid=MM0016 \
	To=+15550006666 NumMedia=2 MediaUrl0=https://api.twilio.com/media/ME1 MediaContentType0=image/jpeg \
	MediaUrl1=https://api.twilio.com/media/ME2 MediaContentType1=image/png)"
check_eq "...keeps both media URLs, in order" '["https://api.twilio.com/media/ME1","https://api.twilio.com/media/ME2"]' \
	"$(q "select media from messages where provider_id = 'MM0016'")"

# The autoresponder, inside its hours (Wednesday 10:00 New York).
check_eq "HOURS is accepted" 200 "$(incoming "$U" SM0020 +15551230020 "hours?")"
check_eq "...answered with the configured text, XML-escaped" \
	'<?xml version="1.0" encoding="UTF-8"?><Response><Message>We&apos;re open Mon-Fri 9am-6pm &lt;&amp; &quot;fun&quot; &apos;&gt;</Message></Response>' \
	"$(cat "$T/.body")"
check_eq "...the rule counted once, at now" "1|2026-11-25T15:00:00Z" "$(q "select trigger_count, last_triggered_at from autoresponders")"
check_eq "...the answer stored as an outbound reply to it" "outbound|sent|+15551230020|+15550006666|1" \
	"$(q "select m.direction, m.status, m.to_number, m.from_number, case when m.reply_to = i.id then 1 else 0 end from messages m join messages i on i.provider_id = 'SM0020' where m.reply_to = i.id")"
check_eq "a retry of HOURS is not answered twice" 200 "$(incoming "$U" SM0020 +15551230020 "hours?")"
check_eq "...empty TwiML, the count unchanged" '<?xml version="1.0" encoding="UTF-8"?><Response/> 1' "$(cat "$T/.body") $(q "select trigger_count from autoresponders")"
stop_webhookd
check_eq "SIGTERM stops the daemon cleanly" 0 "$WH_EXIT"

# Outside the hours: Saturday.
SMS_TEST_NOW=2026-11-28T15:00:00Z start_webhookd
check_eq "HOURS on a Saturday is accepted" 200 "$(incoming "$WH_URL/sms/incoming" SM0021 +15551230020 "HOURS")"
check_eq "...with no reply" '<?xml version="1.0" encoding="UTF-8"?><Response/>' "$(cat "$T/.body")"
check_eq "...and the rule not counted" 1 "$(q "select trigger_count from autoresponders")"
stop_webhookd

# Status callbacks.
env SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-send --to +15551230030 --body "status me" -o json >"$T/sent.json"
sid=$(jq -r .provider_id "$T/sent.json")
id=$(jq -r .id "$T/sent.json")
export SMS_PROVIDER=sandbox
start_webhookd
S="$WH_URL/sms/status"
check_eq "a status callback is accepted" 200 "$(post_signed "$S" "MessageSid=$sid" MessageStatus=delivered AccountSid=AC1 Price=-0.0079 PriceUnit=USD)"
check_eq "...the message is delivered, with the price" "delivered|-0.0079|USD" "$(q "select status, price, currency from messages where id = $id")"
check_eq "a late 'sent' is acknowledged" 200 "$(post_signed "$S" "MessageSid=$sid" MessageStatus=sent)"
check_eq "...and does not move the message backwards" "delivered" "$(q "select status from messages where id = $id")"
check_eq "...but is logged" 1 "$(q "select detail from events where kind = 'webhook'" | jq -r 'objects | .outcome // empty' | grep -c '^ignored')"
env SMS_QUIET_HOURS=off sms-send --to +15551230031 --body "fail me" -o json >"$T/sent2.json"
sid2=$(jq -r .provider_id "$T/sent2.json")
check_eq "an undelivered callback with ErrorCode 30007" 200 "$(post_signed "$S" "MessageSid=$sid2" MessageStatus=undelivered ErrorCode=30007)"
check_eq "...stores the status, the error and a reason" "undelivered|filtered|30007|carrier rejected: 30007 filtered" \
	"$(q "select status, error_code, provider_code, reason from messages where provider_id = '$sid2'")"
env SMS_QUIET_HOURS=off sms-send --to +15551230032 --body "blocked" -o json >"$T/sent3.json"
sid3=$(jq -r .provider_id "$T/sent3.json")
check_eq "a failed callback with ErrorCode 21610" 200 "$(post_signed "$S" "MessageSid=$sid3" MessageStatus=failed ErrorCode=21610 To=+15551230032)"
check_eq "...opts the recipient out" "provider 21610" "$(q "select source from optouts where number = '+15551230032'")"
check_eq "a status for an unknown message is acknowledged" 200 "$(post_signed "$S" MessageSid=SMunknown MessageStatus=delivered)"
check_eq "...and logged" 1 "$(q "select detail from events where detail is not null" | jq -r 'objects | .outcome // empty' | grep -c '^unknown message$')"
check_eq "an unsigned status callback gets 403" 403 "$(post_with_sig "$S" "" "MessageSid=$sid2" MessageStatus=delivered)"
check_eq "...and changes nothing" undelivered "$(q "select status from messages where provider_id = '$sid2'")"
stop_webhookd

# SMS_PUBLIC_URL: the URL behind a proxy is the one signed.
export SMS_PROVIDER=twilio
SMS_PUBLIC_URL=https://sms.example.com/hooks/ start_webhookd
sig=$(twilio_sig "https://sms.example.com/hooks/sms/incoming" "$WEBHOOK_TOKEN" Body=pub From=+15551230040 MessageSid=SM0040 To=+15550006666)
check_eq "with SMS_PUBLIC_URL the public URL is verified" 200 "$(post_with_sig "$WH_URL/sms/incoming" "$sig" Body=pub From=+15551230040 MessageSid=SM0040 To=+15550006666)"
sig=$(twilio_sig "https://sms.example.com:443/hooks/sms/incoming" "$WEBHOOK_TOKEN" Body=pub From=+15551230040 MessageSid=SM0041 To=+15550006666)
check_eq "...also signed with the default port added" 200 "$(post_with_sig "$WH_URL/sms/incoming" "$sig" Body=pub From=+15551230040 MessageSid=SM0041 To=+15550006666)"
check_eq "...and the local URL no longer is" 403 "$(post_signed "$WH_URL/sms/incoming" Body=pub From=+15551230040 MessageSid=SM0042 To=+15550006666)"
stop_webhookd

# Hooks: SMS_ON_RECEIVE gets the stored record on stdin.
SMS_ON_RECEIVE="cat > '$T/hook.out'" SMS_ON_STATUS="exit 3" start_webhookd
check_eq "with SMS_ON_RECEIVE set, a message is accepted" 200 "$(incoming "$WH_URL/sms/incoming" SM0050 +15551230050 "hook me")"
wait_for_file "$T/hook.out" 50
check_eq "...the hook got the stored record as one NDJSON line" "hook me|inbound|SM0050|1" \
	"$(jq -r '[.body, .direction, .provider_id, (.id > 0)] | map(tostring) | join("|")' "$T/hook.out" | sed 's/true/1/')"
stop_webhookd

# SMS_HELP_TEXT answers HELP and INFO (escaped), but not an opted-out number.
SMS_HELP_TEXT="Acme: reminders & news. Reply STOP to end." start_webhookd
check_eq "with SMS_HELP_TEXT, INFO is answered" 200 "$(incoming "$WH_URL/sms/incoming" SM0070 +15551230070 " info ")"
check_eq "...with the help text, XML-escaped" '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Acme: reminders &amp; news. Reply STOP to end.</Message></Response>' "$(cat "$T/.body")"
incoming "$WH_URL/sms/incoming" SM0071 +15551230071 STOP >/dev/null
check_eq "an opted-out number's HELP" 200 "$(incoming "$WH_URL/sms/incoming" SM0072 +15551230071 HELP)"
check_eq "...gets no answer" '<?xml version="1.0" encoding="UTF-8"?><Response/>' "$(cat "$T/.body")"
stop_webhookd

# --no-verify warns at every start.
start_webhookd --no-verify
check_grep "--no-verify prints a warning" 'WARNING: --no-verify' "$T/webhookd.log"
check_eq "...and accepts an unsigned message" 200 "$(post_with_sig "$WH_URL/sms/incoming" "" Body=open From=+15551230060 MessageSid=SM0060 To=+15550006666)"
stop_webhookd

# SIGTERM with requests in flight: every acknowledged message is stored.
start_webhookd
for i in $(seq 1 400); do
	printf 'SMterm%03d %s\n' "$i" "$(twilio_sig "$WH_URL/sms/incoming" "$WEBHOOK_TOKEN" Body=load From=+15551239999 "MessageSid=$(printf 'SMterm%03d' "$i")" To=+15550006666)"
done >"$T/term.sigs"
export WH_URL
xargs -P 16 -L 1 sh -c 'printf "%s %s\n" "$0" "$(curl -s -o /dev/null -w "%{http_code}" \
	--data "Body=load&From=%2B15551239999&To=%2B15550006666&MessageSid=$0" \
	-H "X-Twilio-Signature: $1" "$WH_URL/sms/incoming")"' <"$T/term.sigs" >"$T/term.codes" 2>/dev/null &
xpid=$!
until [ "$(wc -l <"$T/term.codes")" -ge 40 ]; do sleep 0.02; done
stop_webhookd
while kill -0 "$xpid" 2>/dev/null; do sleep 0.1; done
acked=$(awk '$2 == 200 {print $1}' "$T/term.codes" | sort)
stored=$(q "select provider_id from messages where provider_id like 'SMterm%'" | sort)
nacked=$(echo "$acked" | grep -c . || true)
missing=$(comm -23 <(echo "$acked") <(echo "$stored") | grep -c . || true)
check "SIGTERM came while requests were being answered ($nacked of 400 acknowledged)" test "$nacked" -ge 40 -a "$nacked" -lt 400
check_eq "...every 200 has its row" 0 "$missing"
check_eq "...no 5xx" 0 "$(awk '$2 >= 500' "$T/term.codes" | wc -l)"
check_eq "...and it exited 0" 0 "$WH_EXIT"

done_testing
