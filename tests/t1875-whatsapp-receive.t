#!/usr/bin/env bash
# Receiving WhatsApp through Twilio: signed inbound WhatsApp messages through
# the daemon and the CGI program (signatures computed here with openssl),
# stored once with their channel, profile name, WhatsApp id, quick-reply button
# and location (read back with sql); an autoresponder answering in TwiML on
# WhatsApp; a quick reply's payload reaching a rule; STOP and START per channel
# and number; the read status of a WhatsApp message, never moved backwards;
# sms-sandbox receive from a whatsapp: sender; sms-inbox --channel and a
# thread per channel and number.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_TZ=America/New_York SMS_QUIET_HOURS=off
# Wednesday 2026-11-25 10:00 in New York, for every program of the test: the
# WhatsApp window of a number opens at its inbound message's time.
export SMS_TEST_NOW=2026-11-25T15:00:00Z
EMPTY='<?xml version="1.0" encoding="UTF-8"?><Response/>'
OURS=whatsapp:+14155238886

# wa URL SID FROM BODY [NAME=VALUE...]: a signed inbound WhatsApp message to
# our WhatsApp number, as Twilio posts one; prints the HTTP status.
wa() {
	local url=$1 sid=$2 from=$3 body=$4
	shift 4
	post_signed "$url" AccountSid=AC0123456789abcdef0123456789abcdef ApiVersion=2010-04-01 \
		"Body=$body" "From=$from" "MessageSid=$sid" NumMedia=0 NumSegments=1 SmsStatus=received \
		"To=$OURS" "WaId=${from#whatsapp:+}" "$@"
}

sms-auto add --trigger HOURS --response "Open 9-5 <weekdays> & Sat" >/dev/null
sms-auto add --trigger CONFIRM_42 --response "Booked for Thursday." >/dev/null
start_webhookd
U="$WH_URL/sms/incoming"

# Stored once, with the channel and WhatsApp's fields.
check_eq "a signed inbound WhatsApp message is accepted" 200 \
	"$(wa "$U" SMwa0001 whatsapp:+15551230001 "Hola" ProfileName="Ana Lima" MessageType=text)"
check_eq "...answered with an empty TwiML response" "$EMPTY" "$(cat "$T/.body")"
check_eq "...stored with its channel, addresses, profile name and WhatsApp id" \
	"inbound|received|whatsapp|whatsapp:+15551230001|whatsapp:+14155238886|Hola|Ana Lima|15551230001" \
	"$(q "select direction, status, channel, from_number, to_number, body, profile_name, wa_id from messages where provider_id = 'SMwa0001'")"
check_eq "...no button and no location on it" "|||" \
	"$(q "select button_payload, button_text, latitude, longitude from messages where provider_id = 'SMwa0001'")"
check_eq "...every parameter kept in the webhook event" "Ana Lima|text" \
	"$(q "select detail from events where kind = 'webhook' and message_id = (select id from messages where provider_id = 'SMwa0001')" | jq -r '"\(.ProfileName)|\(.MessageType)"')"
check_eq "the same MessageSid again (Twilio's retry) is acknowledged" 200 \
	"$(wa "$U" SMwa0001 whatsapp:+15551230001 "Hola" ProfileName="Ana Lima" MessageType=text)"
check_eq "...and leaves one row" 1 "$(q "select count(*) from messages where provider_id = 'SMwa0001'")"
check_exit "sms-inbox prints the stored record" 0 sms-inbox --thread whatsapp:+15551230001 -o json
check_eq "...with its channel and profile fields" "whatsapp Ana Lima 15551230001 whatsapp:+15551230001" \
	"$(jq -r '[.channel, .profile_name, .wa_id, .from] | join(" ")' "$T/.out")"

n0=$(q "select count(*) from messages")
e0=$(q "select count(*) from events")
check_eq "an unsigned WhatsApp message gets 403" 403 \
	"$(post_with_sig "$U" "" Body=x From=whatsapp:+15551230002 MessageSid=SMwa0002 To=$OURS ProfileName=Eve)"
sig=$(twilio_sig "$U" "$WEBHOOK_TOKEN" Body=x From=whatsapp:+15551230002 MessageSid=SMwa0002 To=$OURS ProfileName=Eve)
check_eq "a profile name changed after signing gets 403" 403 \
	"$(post_with_sig "$U" "$sig" Body=x From=whatsapp:+15551230002 MessageSid=SMwa0002 To=$OURS ProfileName=Mallory)"
check_eq "a ButtonPayload added after signing gets 403" 403 \
	"$(post_with_sig "$U" "$sig" Body=x From=whatsapp:+15551230002 MessageSid=SMwa0002 To=$OURS ProfileName=Eve ButtonPayload=CONFIRM_42)"
check_eq "...none of them stored anything" "$n0 $e0" "$(q "select count(*) from messages") $(q "select count(*) from events")"

check_eq "a shared location with media is accepted" 200 \
	"$(wa "$U" MMwa0003 whatsapp:+15551230003 "" MessageType=location Latitude=37.7793 Longitude=-122.4193 \
		NumMedia=1 MediaUrl0=https://api.twilio.com/media/ME1 MediaContentType0=image/jpeg)"
check_eq "...stored with its coordinates and media" \
	'whatsapp|37.7793|-122.4193|["https://api.twilio.com/media/ME1"]' \
	"$(q "select channel, latitude, longitude, media from messages where provider_id = 'MMwa0003'")"
check_eq "a location out of range is stored without coordinates" 200 \
	"$(wa "$U" SMwa0004 whatsapp:+15551230003 "" Latitude=91 Longitude=10)"
check_eq "...none kept on the message" "|" "$(q "select latitude, longitude from messages where provider_id = 'SMwa0004'")"
check_eq "...but the parameters are in the event log" "91" \
	"$(q "select detail from events where kind = 'webhook' and message_id = (select id from messages where provider_id = 'SMwa0004')" | jq -r '.Latitude // ""')"

# Autoresponders answer on WhatsApp, in the TwiML.
check_eq "HOURS on WhatsApp is accepted" 200 "$(wa "$U" SMwa0010 whatsapp:+15551230010 "hours?")"
check_eq "...answered in TwiML, XML-escaped" \
	'<?xml version="1.0" encoding="UTF-8"?><Response><Message>Open 9-5 &lt;weekdays&gt; &amp; Sat</Message></Response>' \
	"$(cat "$T/.body")"
check_eq "...the answer stored as an outbound WhatsApp reply, to the whatsapp: address" \
	"outbound|sent|whatsapp|whatsapp:+15551230010|whatsapp:+14155238886|autoresponder 1" \
	"$(q "select m.direction, m.status, m.channel, m.to_number, m.from_number, m.notes from messages m join messages i on m.reply_to = i.id where i.provider_id = 'SMwa0010'")"
check_eq "a retry of it is not answered twice" 200 "$(wa "$U" SMwa0010 whatsapp:+15551230010 "hours?")"
check_eq "...empty TwiML, one answer stored" "$EMPTY 1" \
	"$(cat "$T/.body") $(q "select count(*) from messages m join messages i on m.reply_to = i.id where i.provider_id = 'SMwa0010'")"

# A quick reply: the rule matches its payload, not its text.
check_eq "a quick reply (Body Yes, ButtonPayload confirm_42) is accepted" 200 \
	"$(wa "$U" SMwa0020 whatsapp:+15551230020 "Yes" ButtonText=Yes ButtonPayload=confirm_42 MessageType=button)"
check_eq "...its payload reached the rule CONFIRM_42" \
	'<?xml version="1.0" encoding="UTF-8"?><Response><Message>Booked for Thursday.</Message></Response>' \
	"$(cat "$T/.body")"
check_eq "...stored with the button's payload and text" "confirm_42|Yes|Yes" \
	"$(q "select button_payload, button_text, body from messages where provider_id = 'SMwa0020'")"
check_eq "...its Yes was not read as the START keyword" "" \
	"$(q "select detail from events where kind = 'webhook' and message_id = (select id from messages where provider_id = 'SMwa0020')" | jq -r '.keyword // ""')"
check_eq "...the rule counted once" 1 "$(q "select trigger_count from autoresponders where id = 2")"
check_eq "a quick reply whose text says hours but whose payload does not" 200 \
	"$(wa "$U" SMwa0021 whatsapp:+15551230021 "hours" ButtonText=hours ButtonPayload=menu_3)"
check_eq "...is not answered by HOURS" "$EMPTY" "$(cat "$T/.body")"
check_eq "a typed CONFIRM_42 (no button) matches the rule by its body" 200 \
	"$(wa "$U" SMwa0022 whatsapp:+15551230022 "confirm_42")"
check_grep "...answered" 'Booked for Thursday' "$T/.body"

# STOP and START per channel and number.
check_eq "STOP on WhatsApp is accepted" 200 "$(wa "$U" SMwa0030 whatsapp:+15551230030 " stop ")"
check_eq "...opts out the WhatsApp address, not the SMS number" "whatsapp:+15551230030|keyword STOP" \
	"$(q "select number, source from optouts")"
check_eq "...with no answer of ours" "$EMPTY" "$(cat "$T/.body")"
check_exit "sms-send then refuses the WhatsApp address" 1 \
	env SMS_PROVIDER=sandbox sms-send --to whatsapp:+15551230030 --body "still there?" -o json
check_eq "...as opted_out, naming the address" "opted_out whatsapp:+15551230030 has opted out (texted a STOP word); nothing sent" \
	"$(jq -r '.error.code + " " + .error.message' "$T/.out")"
check_exit "...and sends to the same number by SMS" 0 \
	env SMS_PROVIDER=sandbox sms-send --to +15551230030 --body "by SMS" -o json
check_eq "...stored as an SMS" "sms +15551230030" "$(jq -r '.channel + " " + .to' "$T/.out")"
check_eq "an opted-out WhatsApp address gets no autoresponse" 200 "$(wa "$U" SMwa0031 whatsapp:+15551230030 "HOURS")"
check_eq "...empty TwiML" "$EMPTY" "$(cat "$T/.body")"
check_eq "STOP by SMS from the same number" 200 "$(incoming "$U" SMsms0032 +15551230030 "STOP")"
check_eq "...opts out the SMS number as well, each on its own" "+15551230030 whatsapp:+15551230030" \
	"$(q "select number from optouts order by number" | xargs)"
check_eq "START on WhatsApp" 200 "$(wa "$U" SMwa0033 whatsapp:+15551230030 "Start")"
check_eq "...opts the WhatsApp address back in, the SMS number stays out" "+15551230030" \
	"$(q "select number from optouts order by number" | xargs)"
check_eq "a quick reply with the payload STOP" 200 \
	"$(wa "$U" SMwa0034 whatsapp:+15551230034 "No more offers" ButtonText="No more offers" ButtonPayload=STOP)"
check_eq "...opts out, by its payload" "whatsapp:+15551230034|keyword STOP" \
	"$(q "select number, source from optouts where number like 'whatsapp:%'")"
check_exit "sms-optout check tells the two channels apart" 0 \
	sms-optout check whatsapp:+15551230034 +15551230034 -o json
check_eq "...WhatsApp out, SMS in" "whatsapp:+15551230034 true,+15551230034 false" \
	"$(jq -r '.number + " " + (.opted_out | tostring)' "$T/.out" | paste -sd,)"
stop_webhookd

# The read status: a WhatsApp message read, an SMS message "read" stays delivered.
export SMS_PROVIDER=sandbox
start_webhookd
S="$WH_URL/sms/status"
U="$WH_URL/sms/incoming"
check_exit "a WhatsApp message to a number inside its window is sent" 0 \
	sms-send --to whatsapp:+15551230001 --body "Your table is ready" -o json
wsid=$(jq -r .provider_id "$T/.out")
wid=$(jq -r .id "$T/.out")
check_eq "...stored on the WhatsApp channel" "whatsapp" "$(q "select channel from messages where id = $wid")"
st() { post_signed "$S" "MessageSid=$1" "MessageStatus=$2" "To=$3" "From=$4" AccountSid=AC1; }
check_eq "a delivered callback" 200 "$(st "$wsid" delivered whatsapp:+15551230001 $OURS)"
check_eq "...delivered, not read yet" "delivered|" "$(q "select status, read_at from messages where id = $wid")"
check_eq "a read callback for the WhatsApp message" 200 "$(st "$wsid" read whatsapp:+15551230001 $OURS)"
check_eq "...moves it to read, with read_at" "read|2026-11-25T15:00:00Z" "$(q "select status, read_at from messages where id = $wid")"
check_eq "...the status event says what came before" "delivered" \
	"$(q "select detail from events where message_id = $wid and kind = 'status' and status = 'read' order by id" | jq -r '.previous // ""')"
check_eq "a late delivered after read is acknowledged" 200 "$(st "$wsid" delivered whatsapp:+15551230001 $OURS)"
check_eq "...and does not move the message backwards" "read" "$(q "select status from messages where id = $wid")"
check_eq "...but is logged as ignored" "ignored: a status never moves backwards" \
	"$(q "select detail from events where message_id = $wid and kind = 'webhook' and status = 'delivered' order by id" | jq -r '.outcome // ""')"
check_eq "a second read keeps the first read_at" 200 \
	"$(SMS_TEST_NOW=2026-11-25T16:00:00Z st "$wsid" read whatsapp:+15551230001 $OURS)"
check_eq "...unchanged" "read|2026-11-25T15:00:00Z" "$(q "select status, read_at from messages where id = $wid")"
check_exit "an SMS message is sent" 0 sms-send --to +15551230040 --body "SMS" -o json
ssid=$(jq -r .provider_id "$T/.out")
check_eq "a read callback for an SMS message" 200 "$(st "$ssid" read +15551230040 +15005550006)"
check_eq "...makes it delivered, as before, with no read_at" "delivered|" \
	"$(q "select status, read_at from messages where provider_id = '$ssid'")"

# sms-sandbox receive: a WhatsApp message through the running daemon.
check_exit "sms-sandbox receive from a whatsapp: sender, with a profile name and a quick reply" 0 \
	sms-sandbox receive --from "whatsapp:+1 (555) 123-0050" --profile-name "Bo Chen" \
	--button-payload CONFIRM_42 --button-text "Yes, book it" --url "$U" -o json
check_eq "...its record: addresses on WhatsApp, the rule's answer" \
	"whatsapp:+15551230050 whatsapp:+15005550006 whatsapp 200 Booked for Thursday. true" \
	"$(jq -r '[.from, .to, .channel, .http_status, .reply, .ok] | map(tostring) | join(" ")' "$T/.out")"
sbid=$(jq -r .id "$T/.out")
check_eq "...stored with the profile, WhatsApp id, button and the button's text as body" \
	"whatsapp|Bo Chen|15551230050|CONFIRM_42|Yes, book it|Yes, book it" \
	"$(q "select channel, profile_name, wa_id, button_payload, button_text, body from messages where id = $sbid")"
check_eq "...posted as Twilio does, MessageType button and no country" "button|" \
	"$(q "select detail from events where kind = 'webhook' and message_id = $sbid" | jq -r '"\(.MessageType)|\(.FromCountry // "")"')"
check_exit "sms-sandbox: a shared location" 0 \
	sms-sandbox receive --from whatsapp:+15551230050 --location "48.8584,2.2945" --url "$U" -o json
check_eq "...stored with its coordinates and an empty body" "48.8584|2.2945|" \
	"$(q "select latitude, longitude, body from messages where id = $(jq -r .id "$T/.out")")"
check_exit "sms-sandbox: WhatsApp's fields from an SMS sender are refused" 1 \
	sms-sandbox receive --from +15551230051 --profile-name "Bo" --body hi --url "$U" -o json
check_eq "...invalid_field" "invalid_field" "$(jq -r .error.code "$T/.out")"
check_exit "sms-sandbox: an SMS sender to a WhatsApp address is refused" 1 \
	sh -c "echo '{\"from\":\"+15551230051\",\"to\":\"whatsapp:+15005550006\",\"body\":\"hi\"}' | sms-sandbox receive --url '$U' -o json"
check_eq "...invalid_number" "invalid_number" "$(jq -r .error.code "$T/.out")"
check_exit "sms-sandbox: a location out of range is refused" 1 \
	sms-sandbox receive --from whatsapp:+15551230051 --location "91,0" --url "$U" -o json
check_eq "...invalid_field, nothing stored" "invalid_field 0" \
	"$(jq -r .error.code "$T/.out") $(q "select count(*) from messages where from_number = 'whatsapp:+15551230051'")"
check_exit "with TWILIO_WHATSAPP_NUMBER, a WhatsApp message comes to it" 0 \
	env TWILIO_WHATSAPP_NUMBER=whatsapp:+14155238886 sms-sandbox receive --from whatsapp:+15551230052 --body hi --url "$U" -o json
check_eq "...to that address" "$OURS" "$(jq -r .to "$T/.out")"
stop_webhookd

# The CGI program, run as a web server runs it (RFC 3875), Twilio's provider.
export SMS_PROVIDER=twilio
cgi() { # BODY SIGNATURE: runs it on BODY; the response in $T/cgi.out
	local body=$1 sig=$2
	printf '%s' "$body" | env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST SERVER_NAME=hooks.example.com \
		SERVER_PORT=443 HTTPS=on SCRIPT_NAME=/cgi-bin/sms-webhookd PATH_INFO=/sms/incoming \
		CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} \
		HTTP_X_TWILIO_SIGNATURE="$sig" sms-webhookd >"$T/cgi.out" 2>"$T/cgi.err"
}
CU=https://hooks.example.com/cgi-bin/sms-webhookd/sms/incoming
P=(Body=Yes "From=whatsapp:+15551230060" MessageSid=SMcgiwa1 "To=$OURS" "ProfileName=Zoë" WaId=15551230060
	ButtonText=Yes ButtonPayload=confirm_42)
B='Body=Yes&From=whatsapp%3A%2B15551230060&MessageSid=SMcgiwa1&To=whatsapp%3A%2B14155238886&ProfileName=Zo%C3%AB&WaId=15551230060&ButtonText=Yes&ButtonPayload=confirm_42'
cgi "$B" "$(twilio_sig "$CU" wrong-token "${P[@]}")"
check_grep "CGI: a WhatsApp message signed with another key gets 403" '^Status: 403' "$T/cgi.out"
check_eq "...nothing stored" 0 "$(q "select count(*) from messages where provider_id = 'SMcgiwa1'")"
cgi "$B" "$(twilio_sig "$CU" "$WEBHOOK_TOKEN" "${P[@]}")"
check_grep "CGI: a signed WhatsApp quick reply is accepted" '^Status: 200' "$T/cgi.out"
check_grep "...its payload reached the rule, answered in TwiML" '<Response><Message>Booked for Thursday.</Message></Response>' "$T/cgi.out"
check_eq "...stored with its channel and profile fields" "whatsapp|whatsapp:+15551230060|Zoë|15551230060|confirm_42|Yes" \
	"$(q "select channel, from_number, profile_name, wa_id, button_payload, button_text from messages where provider_id = 'SMcgiwa1'")"
check_eq "...and its answer, to the whatsapp: address" "whatsapp:+15551230060" \
	"$(q "select m.to_number from messages m join messages i on m.reply_to = i.id where i.provider_id = 'SMcgiwa1'")"
cgi "$B" "$(twilio_sig "$CU" "$WEBHOOK_TOKEN" "${P[@]}")"
check_grep "CGI: the retry is acknowledged" '^Status: 200' "$T/cgi.out"
check_eq "...one row, one answer" "1 1" "$(q "select count(*) from messages where provider_id = 'SMcgiwa1'") $(q "select count(*) from messages m join messages i on m.reply_to = i.id where i.provider_id = 'SMcgiwa1'")"
B='Body=STOP&From=whatsapp%3A%2B15551230060&MessageSid=SMcgiwa2&To=whatsapp%3A%2B14155238886'
cgi "$B" "$(twilio_sig "$CU" "$WEBHOOK_TOKEN" Body=STOP From=whatsapp:+15551230060 MessageSid=SMcgiwa2 "To=$OURS")"
check_grep "CGI: STOP on WhatsApp" '^Status: 200' "$T/cgi.out"
check_eq "...opts out the WhatsApp address" 1 "$(q "select count(*) from optouts where number = 'whatsapp:+15551230060'")"

# The same under a real web server: lighttpd running the CGI program.
if need "CGI under lighttpd" lighttpd; then
	printf 'TWILIO_AUTH_TOKEN = %s\nSMS_PROVIDER = twilio\nSMS_TZ = America/New_York\n' "$WEBHOOK_TOKEN" >"$SMS_CONFIG"
	chmod 600 "$SMS_CONFIG"
	LIGHTTPD_ENV="SMS_TEST_NOW" start_lighttpd
	check_eq "lighttpd: a signed WhatsApp message asking HOURS" 200 \
		"$(wa "$CGI_URL/sms/incoming" SMlwa0001 whatsapp:+15551230080 "HOURS" ProfileName=Lu)"
	check_eq "...answered in TwiML" \
		'<?xml version="1.0" encoding="UTF-8"?><Response><Message>Open 9-5 &lt;weekdays&gt; &amp; Sat</Message></Response>' \
		"$(cat "$T/.body")"
	check_eq "...stored once with its channel and profile" "1|whatsapp|Lu|15551230080" \
		"$(q "select count(*), channel, profile_name, wa_id from messages where provider_id = 'SMlwa0001' group by channel, profile_name, wa_id")"
	check_eq "lighttpd: an unsigned one gets 403" 403 \
		"$(post_with_sig "$CGI_URL/sms/incoming" "" Body=x From=whatsapp:+15551230081 MessageSid=SMlwa0002 To=$OURS)"
	stop_lighttpd
	rm -f "$SMS_CONFIG"
fi

# sms-sandbox receive through the CGI program, on the sandbox provider.
export SMS_PROVIDER=sandbox
check_exit "sms-sandbox receive --cgi: a WhatsApp quick reply" 0 \
	sms-sandbox receive --from whatsapp:+15551230070 --profile-name "Ana" --button-payload CONFIRM_42 \
	--body "Yes" --cgi "$SMSKIT_BIN/sms-webhookd" -o json
check_eq "...answered by the rule" "Booked for Thursday." "$(jq -r .reply "$T/.out")"
check_eq "...stored once, on WhatsApp, with the profile" "1|whatsapp|Ana|CONFIRM_42" \
	"$(q "select count(*), channel, profile_name, button_payload from messages where from_number = 'whatsapp:+15551230070' group by channel, profile_name, button_payload")"

# sms-inbox: a channel filter, and a thread per channel and number.
check_exit "sms-inbox --channel whatsapp" 0 sms-inbox --channel whatsapp --limit 0 -o json
check_eq "...lists only WhatsApp messages, all of them" \
	"$(q "select count(*) from messages where direction = 'inbound' and to_number like 'whatsapp:%'") whatsapp" \
	"$(jq -r .channel "$T/.out" | sort | uniq -c | awk '{print $1, $2}')"
check_exit "sms-inbox --channel sms" 0 sms-inbox --channel sms --limit 0 -o json
check_eq "...lists only SMS" "sms" "$(jq -r .channel "$T/.out" | sort -u)"
check_exit "sms-inbox --thread whatsapp:+15551230030" 0 sms-inbox --thread whatsapp:+15551230030 -o json
check_eq "...the WhatsApp conversation only" "SMwa0030 SMwa0031 SMwa0033" "$(jq -r .provider_id "$T/.out" | paste -sd' ')"
check_exit "sms-inbox --thread +15551230030" 0 sms-inbox --thread +15551230030 -o json
check_eq "...the SMS conversation only" "sms sms" "$(jq -r .channel "$T/.out" | paste -sd' ')"
check_exit "--thread NUMBER --channel whatsapp is the WhatsApp thread" 0 \
	sms-inbox --thread "(555) 123-0030" --channel whatsapp -o json
check_eq "...the same three" "SMwa0030 SMwa0031 SMwa0033" "$(jq -r .provider_id "$T/.out" | paste -sd' ')"
check_exit "a whatsapp: thread with --channel sms is a usage error" 64 \
	sms-inbox --thread whatsapp:+15551230030 --channel sms
check_grep "...saying why" 'is a WhatsApp address, and the channel asked is sms' "$T/.err"
check_exit "--channel fax is a usage error" 64 sms-inbox --channel fax
check_exit "the query key channel" 0 sh -c 'echo "{\"channel\":\"whatsapp\",\"from\":\"+15551230030\"}" | sms-inbox --query -o json'
check_eq "...selects the WhatsApp messages of that number" "SMwa0033 SMwa0031 SMwa0030" "$(jq -r .provider_id "$T/.out" | paste -sd' ')"
check_exit "sms-inbox --thread shows a location in text" 0 sms-inbox --thread whatsapp:+15551230003 -o text
check_grep "...on a line of its own" '\[location\] 37.7793,-122.4193' "$T/.out"

done_testing
