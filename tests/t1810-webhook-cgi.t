#!/usr/bin/env bash
# sms-webhookd as a CGI program under a real lighttpd: the same checks as the
# daemon — signatures, once per MessageSid, STOP/START, HOURS inside and
# outside its hours, 413, 400 — through the web server.
. tests/lib.sh
. tests/webhook.sh

q() { sqlite3 "$SMS_DB" "$1"; }
command -v lighttpd >/dev/null || { skip "CGI under lighttpd" "lighttpd is not installed"; done_testing; exit; }

# The secret goes in the config file (mode 0600), not in the server's config.
printf 'TWILIO_AUTH_TOKEN = %s\nSMS_PROVIDER = twilio\nSMS_TZ = America/New_York\n' "$WEBHOOK_TOKEN" >"$SMS_CONFIG"
chmod 600 "$SMS_CONFIG"
sms-auto add --trigger HOURS --response "Open 9-5 <weekdays>" --active-hours "9am-5pm Mon-Fri" >/dev/null

export SMS_TEST_NOW=2026-11-25T15:00:00Z   # Wednesday 10:00 in New York
LIGHTTPD_ENV="SMS_TEST_NOW" start_lighttpd
U="$CGI_URL/sms/incoming"

check_eq "GET /healthz through lighttpd" 200 "$(curl -s -o "$T/.body" -w '%{http_code}' "$CGI_URL/healthz")"
check_eq "...ok" ok "$(cat "$T/.body")"
check_eq "a signed inbound message is accepted" 200 "$(incoming "$U" SMcgi1 +15551231001 "Hello CGI")"
check_eq "...stored" "inbound|received|Hello CGI|SMcgi1" "$(q "select direction, status, body, provider_id from messages")"
check_grep "...TwiML as text/xml" '^Content-Type: text/xml' "$T/.headers"
check_eq "the same MessageSid again" 200 "$(incoming "$U" SMcgi1 +15551231001 "Hello CGI")"
check_eq "...one row" 1 "$(q "select count(*) from messages where provider_id = 'SMcgi1'")"

n0=$(q "select count(*) from messages")
e0=$(q "select count(*) from events")
check_eq "unsigned: 403" 403 "$(post_with_sig "$U" "" Body=x From=+15551231002 MessageSid=SMcgi2 To=+15550006666)"
sig=$(twilio_sig "$U" "$WEBHOOK_TOKEN" Body=x From=+15551231002 MessageSid=SMcgi2 To=+15550006666)
check_eq "tampered: 403" 403 "$(post_with_sig "$U" "$sig" Body=X From=+15551231002 MessageSid=SMcgi2 To=+15550006666)"
sig=$(twilio_sig "$U" not-the-token Body=x From=+15551231002 MessageSid=SMcgi2 To=+15550006666)
check_eq "forged (another key): 403" 403 "$(post_with_sig "$U" "$sig" Body=x From=+15551231002 MessageSid=SMcgi2 To=+15550006666)"
check_eq "...nothing stored" "$n0 $e0" "$(q "select count(*) from messages") $(q "select count(*) from events")"
check_eq "malformed form encoding: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary 'Body=%G1' "$U")"
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/Body=/' >"$T/big"
check_eq "a body over 64 KiB: 413" 413 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" "$U")"
check_eq "GET /sms/incoming: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' "$U")"

check_eq "STOP" 200 "$(incoming "$U" SMcgi3 +15551231003 STOP)"
check_eq "...opts out" "+15551231003" "$(q "select number from optouts")"
check_exit "...and sms-send refuses the number" 1 env SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-send --to +15551231003 --body "hello?"
check_eq "START" 200 "$(incoming "$U" SMcgi4 +15551231003 start)"
check_eq "...resubscribes" 0 "$(q "select count(*) from optouts")"

check_eq "HOURS inside its hours" 200 "$(incoming "$U" SMcgi5 +15551231005 HOURS)"
check_eq "...gets the TwiML reply, escaped" '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Open 9-5 &lt;weekdays&gt;</Message></Response>' "$(cat "$T/.body")"
stop_lighttpd

export SMS_TEST_NOW=2026-11-25T23:30:00Z   # Wednesday 18:30 in New York
LIGHTTPD_ENV="SMS_TEST_NOW" start_lighttpd
check_eq "HOURS after hours" 200 "$(incoming "$CGI_URL/sms/incoming" SMcgi6 +15551231005 HOURS)"
check_eq "...gets no reply" '<?xml version="1.0" encoding="UTF-8"?><Response/>' "$(cat "$T/.body")"
check_eq "...the rule counted once in all" 1 "$(q "select trigger_count from autoresponders")"

# The URL rebuilt from the CGI variables is the one lighttpd was asked for.
sig=$(twilio_sig "$CGI_URL/sms/incoming?tag=a%20b" "$WEBHOOK_TOKEN" Body=q From=+15551231007 MessageSid=SMcgi7 To=+15550006666)
check_eq "a query string is part of the signed URL" 200 "$(post_with_sig "$CGI_URL/sms/incoming?tag=a%20b" "$sig" Body=q From=+15551231007 MessageSid=SMcgi7 To=+15550006666)"
stop_lighttpd

done_testing
