#!/usr/bin/env bash
# The review dashboard and WhatsApp (smskit-whatsapp(7)), over HTTP on
# loopback: the channel shown on every message (inbox, conversations, staged,
# sent), a conversation per channel and number with the state of its 24-hour
# window, the reply form offering free text inside the window and a template
# (content_sid, content_variables) outside it, the template's fields checked
# and kept on a refusal, and the record the form hands to sms-send (read from
# a stub sms-send put next to a copy of sms-webhookd). The messages are put
# in the store with store-tool, at the times the window needs.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
get() { local u=$1; shift; curl -s -o "$T/.body" -D "$T/.h" -w '%{http_code}' "$@" "$u"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'; }
header() { tr -d '\r' <"$T/.h" | sed -n "s/^$1: //Ip" | head -n 1; }
ago() { date -u -d "@$(($(date +%s) - $1))" +%Y-%m-%dT%H:%M:%SZ; }
plus_day() { date -u -d "$1 + 24 hours" +%Y-%m-%dT%H:%M:%SZ; }
# card ID: the inbox's article of message ID, alone
card() { sed 's/<article/\n<article/g; s/<\/article>/<\/article>\n/g' "$T/.body" | grep "<article[^>]* id=\"m$1\""; }
insert() { store-tool msg-insert "$1" | jq -r .id; }

export SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_QUIET_HOURS=off SMS_TZ=UTC

# Ann wrote on WhatsApp two hours ago (window open); Bob 30 hours ago (closed);
# Ann also by SMS, from the same number; one of ours to Ann was read.
t_ann=$(ago 7200) t_bob=$(ago 108000)
ann=$(insert "{\"direction\":\"inbound\",\"status\":\"received\",\"to\":\"whatsapp:+15550006666\",\"from\":\"whatsapp:+15551230001\",\"body\":\"Is my order ready?\",\"profile_name\":\"Ann <A>\",\"provider\":\"sandbox\",\"provider_id\":\"SMwa1\",\"created_at\":\"$t_ann\"}")
bob=$(insert "{\"direction\":\"inbound\",\"status\":\"received\",\"to\":\"whatsapp:+15550006666\",\"from\":\"whatsapp:+15551230002\",\"body\":\"Thanks!\",\"button_text\":\"Yes, please\",\"button_payload\":\"CONFIRM\",\"provider\":\"sandbox\",\"provider_id\":\"SMwa2\",\"created_at\":\"$t_bob\"}")
sms=$(insert '{"direction":"inbound","status":"received","to":"+15550006666","from":"+15551230001","body":"Same number by SMS","provider":"sandbox","provider_id":"SMsms1"}')
seen=$(insert '{"direction":"outbound","status":"read","to":"whatsapp:+15551230001","from":"whatsapp:+15550006666","body":"Seen it?","provider":"sandbox","provider_id":"SMwa3"}')
tmpl=$(insert '{"direction":"outbound","status":"delivered","to":"whatsapp:+15551230002","from":"whatsapp:+15550006666","content_sid":"HXabcdefabcdefabcdefabcdefabcdefab","content_variables":{"1":"Bob"},"provider":"sandbox","provider_id":"SMwa4"}')
check_eq "five messages put in the store, four on WhatsApp" "whatsapp whatsapp sms whatsapp whatsapp" \
	"$(q "select channel from messages order by id" | xargs)"
printf '%s\n' '{"to":"whatsapp:+15551230003","body":"Hello on WhatsApp"}' '{"to":"+15551230004","body":"Hello by SMS"}' |
	sms-stage -o json >/dev/null
# A template staged (the sender's part, sms-stage(1)): when this build stages one.
wa_tmpl=$(echo '{"to":"whatsapp:+15551230005","content_sid":"HX00000000000000000000000000000001","content_variables":{"1":"Cy"}}' |
	sms-stage -o json 2>/dev/null | jq -r 'select(.ok) | .id')
wa_staged=$(q "select id from messages where to_number = 'whatsapp:+15551230003'")
sms_staged=$(q "select id from messages where to_number = '+15551230004'")
check "two staged, one on each channel" test -n "$wa_staged" -a -n "$sms_staged"

start_webhookd
R=$WH_URL/review
jar=$T/jar

# ---- The channel on every message -----------------------------------------------------------
check_eq "the inbox opens" 200 "$(get "$R/inbox" -c "$jar")"
c=$(csrf_of "$T/.body")
check_grep "a WhatsApp message says so" "id=\"m$ann\" data-id=\"$ann\"><header><span class=\"channel ch-whatsapp\">WhatsApp</span> <span class=\"from\">whatsapp:+15551230001</span>" "$T/.body"
check_grep "...with the WhatsApp profile's name, escaped" '<span class="profile">Ann &lt;A&gt;</span>' "$T/.body"
check_grep "an SMS says so" "id=\"m$sms\" data-id=\"$sms\"><header><span class=\"channel ch-sms\">SMS</span> <span class=\"from\">+15551230001</span>" "$T/.body"
check_grep "a quick reply shows the button pressed and its payload" 'Quick reply: Yes, please (payload <code>CONFIRM</code>)' "$T/.body"
get "$R/staged" -b "$jar" >/dev/null
check_grep "staged: the WhatsApp message's channel" "<span class=\"channel ch-whatsapp\">WhatsApp</span> <span class=\"to\">whatsapp:+15551230003</span>" "$T/.body"
check_grep "...and the SMS's" "<span class=\"channel ch-sms\">SMS</span> <span class=\"to\">+15551230004</span>" "$T/.body"
if [ -n "$wa_tmpl" ]; then
	check_grep "staged: a template shows its Content SID and variables" \
		"<tr id=\"m$wa_tmpl\".*Template <code class=\"sid\">HX00000000000000000000000000000001</code> with <code class=\"vars\">{&quot;1&quot;:&quot;Cy&quot;}</code>" "$T/.body"
	check_eq "...and a WhatsApp text WhatsApp's figures, as sms-stage counted them: UTF-8, one message" "UTF-8 1" \
		"$(sed "s/.*<tr id=\"m$wa_staged\"//; s/<\/tr>.*//" "$T/.body" | grep -o '<td class="enc">[^<]*</td><td class="num segs">[0-9]*' | sed 's/<[^>]*>/ /g' | xargs)"
else
	skip "staged: a WhatsApp template" "this sms-stage does not stage a template yet"
fi
get "$R/sent" -b "$jar" >/dev/null
check_grep "sent: the channel, and read counted" 'read <span class="count">1</span>' "$T/.body"
check_grep "...the read message shown with its channel" "<tr id=\"m$seen\"><td class=\"num\">$seen</td><td><span class=\"channel ch-whatsapp\">WhatsApp</span> whatsapp:+15551230001</td><td><span class=\"status st-read\">read</span>" "$T/.body"
check_grep "...a template send shows its Content SID and variables" 'Template <code class="sid">HXabcdefabcdefabcdefabcdefabcdefab</code> with <code class="vars">{&quot;1&quot;:&quot;Bob&quot;}</code>' "$T/.body"
get "$R/sent?status=read" -b "$jar" >/dev/null
check_eq "...and filters by read" "$seen" "$(grep -o '<tr id="m[0-9]*"' "$T/.body" | sed 's/.*m//; s/"//' | tr '\n' ' ' | sed 's/ $//')"

# ---- Conversations per channel and number, and the window -------------------------------------
get "$R/conversations" -b "$jar" >/dev/null
check_grep "recent conversations: WhatsApp and SMS of one number apart" \
	'<span class="channel ch-whatsapp">WhatsApp</span> <span class="number">whatsapp:+15551230001</span>' "$T/.body"
check_grep "...the SMS one" '<span class="channel ch-sms">SMS</span> <span class="number">+15551230001</span>' "$T/.body"
check_eq "Ann's WhatsApp conversation opens" 200 "$(get "$R/conversations?number=whatsapp%3A%2B15551230001" -b "$jar")"
check_eq "...holds her WhatsApp messages only, not her SMS" "m$ann m$seen" \
	"$(sed 's/.*<ol class="bubbles">//; s/<\/ol>.*//' "$T/.body" | grep -o 'id="m[0-9]*"' | sed 's/id="//; s/"//' | tr '\n' ' ' | sed 's/ $//')"
check_grep "...the window open until 24 hours after her message" \
	"<p class=\"window open\" id=\"window\">WhatsApp window open until <time datetime=\"$(plus_day "$t_ann")\">" "$T/.body"
check_grep "...a free-text reply form" '<textarea id="reply-[0-9]*t" name="body"' "$T/.body"
check "...and no template fields" sh -c "! grep -q 'name=\"content_sid\"' '$T/.body'"
get "$R/conversations?number=whatsapp%3A%28555%29%20123-0002" -b "$jar" >/dev/null
check_grep "a WhatsApp address typed nationally is read as one" '<h3 id="thread-h">whatsapp:+15551230002</h3>' "$T/.body"
check_grep "...Bob's window closed 24 hours after his message" \
	"<p class=\"window closed\" id=\"window\">WhatsApp window closed at <time datetime=\"$(plus_day "$t_bob")\">.*only a template can be sent" "$T/.body"
check_grep "...the reply form is a template send" '<input type="text" id="sid-[0-9]*t" name="content_sid" required pattern="HX\[0-9a-fA-F\]{32}"' "$T/.body"
check_grep "...with the variables" 'name="content_variables"' "$T/.body"
check "...and no free text" sh -c "! grep -q 'name=\"body\"' '$T/.body'"
get "$R/conversations?number=whatsapp%3A%2B15551230009" -b "$jar" >/dev/null
check_grep "a number that never wrote: closed, saying why" 'WhatsApp window closed: this number has not written yet' "$T/.body"
check_eq "fax:+1... is no conversation (400)" 400 "$(get "$R/conversations?number=fax%3A%2B15551230001" -b "$jar")"
get "$R/conversations?number=%2B15551230001" -b "$jar" >/dev/null
check "an SMS conversation shows no window" sh -c "! grep -q 'class=\"window' '$T/.body'"
get "$R/inbox" -b "$jar" >/dev/null
check "in the inbox, Ann's card offers free text" sh -c "printf '%s' '$(card "$ann" | tr -d "'")' | grep -q 'window open until.*name=\"body\"'"
check "...Bob's a template" sh -c "printf '%s' '$(card "$bob" | tr -d "'")' | grep -q 'Reply with a template.*window closed at.*name=\"content_sid\"'"
check "...the SMS free text, with no window" sh -c "printf '%s' '$(card "$sms" | tr -d "'")' | grep -q 'name=\"body\"' && ! printf '%s' '$(card "$sms" | tr -d "'")' | grep -q 'window'"
check_eq "the live counter counts characters only on WhatsApp" '{"chars":5,"channel":"whatsapp"}' \
	"$(curl -s -b "$jar" "$R/split?body=hello&to=whatsapp%3A%2B15551230001")"
check_eq "...and segments on SMS" 'GSM-7 1' "$(curl -s -b "$jar" "$R/split?body=hello&to=%2B15551230001" | jq -r '"\(.encoding) \(.segments)"')"

# ---- Replies ---------------------------------------------------------------------------------
# Sending WhatsApp through the sandbox is the sender's part (sms-send(1)):
# when this build's sms-send sends a WhatsApp message inside its window, the
# replies go out for real, and the window is enforced by the sender.
probe=$(new_store probe)
store-tool -f "$probe" msg-insert '{"direction":"inbound","status":"received","to":"whatsapp:+15550006666","from":"whatsapp:+15551239999","body":"hi","provider":"sandbox","provider_id":"SMprobe"}' >/dev/null
if echo '{"to":"whatsapp:+15551239999","from":"whatsapp:+15550006666","body":"probe"}' |
	SMS_DB=$probe sms-send -o json 2>/dev/null | jq -e .ok >/dev/null; then
	check_eq "a free-text reply inside the window is sent (303)" 303 \
		"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$ann" --data-urlencode number=whatsapp:+15551230001 -d 'body=Yes, it ships today')"
	rid=$(q "select id from messages where reply_to = $ann")
	check_eq "...back to the conversation" "conversations?number=whatsapp%3A%2B15551230001&note=replied&id=$rid" "$(header Location)"
	check_eq "...the store: on WhatsApp, to her, from our WhatsApp number" \
		"outbound|whatsapp|whatsapp:+15551230001|whatsapp:+15550006666|Yes, it ships today" \
		"$(q "select direction, channel, to_number, from_number, body from messages where id = $rid")"
	check_eq "free text to Bob, outside the window (a stale form), is refused by the sender (409)" 409 \
		"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$bob" -d 'body=Hello again')"
	check_grep "...the page says why, the template form shown" 'Not sent: .*(outside_window)' "$T/.body"
	check_eq "a template to Bob is sent (303)" 303 \
		"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$bob" -d content_sid=HX0123456789abcdef0123456789abcdef --data-urlencode 'content_variables={"1":"Bob"}')"
	check_eq "...the store: the template and its variables, on WhatsApp, linked" \
		'whatsapp|whatsapp:+15551230002|HX0123456789abcdef0123456789abcdef|{"1":"Bob"}|1' \
		"$(q "select channel, to_number, content_sid, content_variables, count(*) from messages where reply_to = $bob group by channel, to_number, content_sid, content_variables")"
	bob_answered=1
else
	skip "WhatsApp replies sent through the sandbox" "this sms-send does not send WhatsApp yet"
	bob_answered=0
fi
check_eq "a template without its SID is refused (400)" 400 \
	"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$bob" -d content_sid= -d content_variables=)"
check_grep "...saying what to give" "Give the template&#39;s Content SID first" "$T/.body"
check_eq "a malformed SID is refused (400)" 400 \
	"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$bob" -d content_sid=HX123 --data-urlencode 'content_variables={"1":"Bob"}')"
check_grep "...saying what a SID is" 'HX and 32 hexadecimal digits' "$T/.body"
check_grep "...the form open again, what was typed kept" '<details class="reply" open>' "$T/.body"
check_grep "...the SID" 'name="content_sid" required pattern="[^"]*" maxlength="34" placeholder="[^"]*" autocomplete="off" value="HX123"' "$T/.body"
check_grep "...the variables" 'name="content_variables" rows="2" placeholder="[^"]*">{&quot;1&quot;:&quot;Bob&quot;}</textarea>' "$T/.body"
check_eq "an unknown template category is refused (400)" 400 \
	"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$bob" -d content_sid=HX0123456789abcdef0123456789abcdef -d template_category=promo)"
check_grep "...saying which there are" 'category is utility, marketing or authentication' "$T/.body"
check_eq "...the SID kept, the category offered again" 1 \
	"$(grep -c 'value="HX0123456789abcdef0123456789abcdef".*name="template_category"><option value="">not given (priced as marketing)</option><option>utility</option>' "$T/.body")"
check_eq "variables that are no JSON object are refused (400)" 400 \
	"$(get "$R/reply" -b "$jar" -d "csrf=$c" -d "id=$bob" -d content_sid=HX0123456789abcdef0123456789abcdef --data-urlencode 'content_variables=["Bob"]')"
check_grep "...saying so" 'must be a JSON object' "$T/.body"
check_eq "...and nothing was sent" "$bob_answered" "$(q "select count(*) from messages where reply_to = $bob")"
stop_webhookd

# The record a template reply hands to sms-send: a stub sms-send next to a
# copy of sms-webhookd (subprog runs the one next to the program) keeps it.
mkdir -p "$T/stub"
cp "$SMSKIT_BIN/sms-webhookd" "$T/stub/"
cat >"$T/stub/sms-send" <<'EOF'
#!/bin/sh
printf '%s\n' "$@" >"${0%/*}/sms-send.argv"
cat >"${0%/*}/sms-send.stdin"
echo '{"ok":true,"id":4242,"status":"queued"}'
EOF
chmod +x "$T/stub/sms-send"
rm -f "$T/wh.port"
"$T/stub/sms-webhookd" --listen 127.0.0.1:0 --port-file "$T/wh.port" 2>>"$T/webhookd.log" &
WH_PID=$!
wait_for_file "$T/wh.port"
R=http://127.0.0.1:$(cat "$T/wh.port")/review
get "$R/inbox" -c "$T/jar2" >/dev/null
c=$(csrf_of "$T/.body")
check_eq "a template reply outside the window goes to sms-send (303)" "303 inbox?note=replied&id=4242" \
	"$(get "$R/reply" -b "$T/jar2" -d "csrf=$c" -d "id=$bob" -d content_sid=' HX0123456789abcdef0123456789abcdef ' \
		--data-urlencode $'content_variables={"1": "Bob", "2": "10:00"}\r\n' -d template_category=utility) $(header Location)"
check_eq "...as one record: the SID, variables and category, no body, to Bob from our WhatsApp number, linked" \
	'{"content_sid":"HX0123456789abcdef0123456789abcdef","content_variables":{"1":"Bob","2":"10:00"},"from":"whatsapp:+15550006666","reply_to":'"$bob"',"template_category":"utility","to":"whatsapp:+15551230002"}' \
	"$(jq -cS . "$T/stub/sms-send.stdin")"
check_eq "...run as sms-send -o json" "-o json" "$(paste -sd' ' "$T/stub/sms-send.argv")"
check_eq "a free-text reply inside the window goes to sms-send (303)" "303 conversations?number=whatsapp%3A%2B15551230001&note=replied&id=4242" \
	"$(get "$R/reply" -b "$T/jar2" -d "csrf=$c" -d "id=$ann" --data-urlencode number=whatsapp:+15551230001 -d 'body=Yes, it ships today') $(header Location)"
check_eq "...as a record with its body, to Ann from our WhatsApp number" \
	'{"body":"Yes, it ships today","from":"whatsapp:+15550006666","reply_to":'"$ann"',"to":"whatsapp:+15551230001"}' \
	"$(jq -cS . "$T/stub/sms-send.stdin")"
check_eq "a template with no variables sends none" '{"content_sid":"HX0123456789abcdef0123456789abcdef","from":"whatsapp:+15550006666","reply_to":'"$bob"',"to":"whatsapp:+15551230002"}' \
	"$(get "$R/reply" -b "$T/jar2" -d "csrf=$c" -d "id=$bob" -d content_sid=HX0123456789abcdef0123456789abcdef -d content_variables= >/dev/null; jq -cS . "$T/stub/sms-send.stdin")"
stop_webhookd
done_testing
