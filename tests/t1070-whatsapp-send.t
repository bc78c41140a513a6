#!/usr/bin/env bash
# WhatsApp out (smskit-whatsapp(7)): the exact request the fake Twilio receives
# (To and From whatsapp:+..., Body or ContentSid+ContentVariables, MediaUrl,
# StatusCallback), the sender (TWILIO_WHATSAPP_NUMBER, the Messaging Service,
# neither), the 24-hour window checked before any request (inside, outside,
# a template outside, 63016 mapped), the template fields refused when wrong,
# providers that cannot carry WhatsApp (Vonage, SNS) refusing it before any
# request in a batch that goes on past garbage addresses, staging and the
# approved queue, the sandbox's imitation, sms-split's and sms-reply's part.
. tests/lib.sh
. tests/providers.sh
unset TWILIO_WHATSAPP_NUMBER
q() { sql "$1"; }
use_fake_twilio_account
export TWILIO_WHATSAPP_NUMBER=+15550009999 SMS_TZ=America/New_York
start_fake_twilio || exit 1
HX=HX0123456789abcdef0123456789abcdef
NOW=2026-12-07T15:00:00Z
export SMS_TEST_NOW=$NOW
# inbound FROM AGO_HOURS: a WhatsApp message from FROM, received AGO_HOURS
# before $NOW (what opens the window; the receiving side stores it so).
n_in=0
inbound() {
	n_in=$((n_in + 1))
	local at
	at=$(date -u -d "$NOW - $2 hours" +%Y-%m-%dT%H:%M:%SZ)
	store-tool msg-insert "{\"direction\":\"inbound\",\"status\":\"received\",\"to\":\"whatsapp:+15550009999\",\"from\":\"$1\",\"body\":\"hello\",\"provider\":\"twilio\",\"provider_id\":\"SMin$n_in\",\"created_at\":\"$at\"}" >/dev/null
}
requests() { wc -l <"$FAKE_LOG"; }
params() { jq -c .params "$FAKE_LOG"; }

# ---- outside the window: refused before any request -----------------------------
check_exit "free-form to a number that never wrote: exit 1" 1 sms-send -o json --to whatsapp:+15551234567 --body "Hi there"
check_eq "...outside_window" outside_window "$(jq -r .error.code "$T/.out")"
check_grep "...the sentence says no window is open" "never written to us on WhatsApp, so no window is open" "$T/.out"
check_grep "...and what to do: a template" "send an approved template instead (content_sid" "$T/.out"
check_eq "...no request made" 0 "$(requests)"
check_eq "...nothing stored" 0 "$(q "select count(*) from messages where direction='outbound'")"

inbound whatsapp:+15551234567 30
closed=$(TZ=America/New_York date -d "$NOW - 6 hours" '+%Y-%m-%d %H:%M %Z')
check_exit "free-form 30 hours after their last message: exit 1" 1 sms-send -o json --to "whatsapp:+1 (555) 123-4567" --body "Hi there"
check_eq "...outside_window" outside_window "$(jq -r .error.code "$T/.out")"
check_grep "...names when the window closed, in SMS_TZ ($closed)" "which closed at $closed, 24 hours after whatsapp:+15551234567 last wrote" "$T/.out"
check_eq "...no request made" 0 "$(requests)"

# ---- inside the window: free-form goes, with media and the status callback ------
inbound whatsapp:+15551234567 2
check_exit "free-form 2 hours after their last message: sent" 0 sms-send -o json --to whatsapp:+15551234567 --body "Hi there"
check_eq "exactly To=whatsapp:, From=whatsapp: (TWILIO_WHATSAPP_NUMBER), Body" \
	'[["To","whatsapp:+15551234567"],["From","whatsapp:+15550009999"],["Body","Hi there"]]' "$(params)"
check_eq "stored: channel whatsapp, the addresses as sent, one message of UTF-8" \
	"whatsapp|whatsapp:+15551234567|whatsapp:+15550009999|queued|1|" \
	"$(q "select channel,to_number,from_number,status,segments,encoding from messages where direction='outbound'")"
check_eq "the record: encoding UTF-8, 1 segment, WhatsApp's service price" "UTF-8 1 0.0050" \
	"$(jq -r '"\(.encoding) \(.segments) \(.price_estimate)"' "$T/.out")"

: >"$FAKE_LOG"
check_exit "free-form with media and SMS_PUBLIC_URL inside the window" 0 env SMS_PUBLIC_URL=https://sms.example.com \
	sms-send -o json --to whatsapp:+15551234567 --body "Your receipt" --media https://example.com/r.pdf
check_eq "exactly To, From, Body, MediaUrl, StatusCallback" \
	'[["To","whatsapp:+15551234567"],["From","whatsapp:+15550009999"],["Body","Your receipt"],["MediaUrl","https://example.com/r.pdf"],["StatusCallback","https://sms.example.com/sms/status"]]' "$(params)"

: >"$FAKE_LOG"
check_exit "a sender given as whatsapp:+number" 0 sms-send -o json --to whatsapp:+15551234567 --from "whatsapp: +1 555 000 7777" --body hi
check_eq "...is the From, normalised" '["From","whatsapp:+15550007777"]' "$(jq -c '.params[1]' "$FAKE_LOG")"

# ---- a template outside the window: ContentSid and ContentVariables, no Body -----
: >"$FAKE_LOG"
check_exit "a template to a number that never wrote: sent" 0 sms-send -o json --to whatsapp:+15557654321 \
	--content-sid $HX --content-variables '{"1":"Ada","2":"3pm"}'
check_eq "exactly To, From, ContentSid, ContentVariables (no Body)" \
	"[[\"To\",\"whatsapp:+15557654321\"],[\"From\",\"whatsapp:+15550009999\"],[\"ContentSid\",\"$HX\"],[\"ContentVariables\",\"{\\\"1\\\":\\\"Ada\\\",\\\"2\\\":\\\"3pm\\\"}\"]]" "$(params)"
id=$(jq -r .id "$T/.out")
check_eq "stored with its content_sid and content_variables" "$HX|{\"1\":\"Ada\",\"2\":\"3pm\"}|queued" \
	"$(q "select content_sid,content_variables,status from messages where id=$id")"
check_eq "priced as a template of no given category: marketing" "0.0300" "$(jq -r .price_estimate "$T/.out")"

: >"$FAKE_LOG"
echo "{\"to\":\"whatsapp:+15557654321\",\"content_sid\":\"$HX\",\"content_variables\":{\"1\":\"Ada\"},\"template_category\":\"utility\"}" >"$T/in"
check_exit "a template record (variables as an object, category utility)" 0 sms-send -o json <"$T/in"
check_eq "...ContentVariables is the object as JSON text" '["ContentVariables","{\"1\":\"Ada\"}"]' "$(jq -c '.params[3]' "$FAKE_LOG")"
check_eq "...priced as utility" "0.0084" "$(jq -r .price_estimate "$T/.out")"

# ---- 63016: Twilio's window closed though the store's is open ---------------------
stop_fake_twilio
cat >"$T/script" <<'S'
to=whatsapp:+15551230016 error 400 63016 Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.
S
start_fake_twilio --script "$T/script" || exit 1
inbound whatsapp:+15551230016 1
check_exit "Twilio answers 63016: exit 1" 1 sms-send -o json --to whatsapp:+15551230016 --body late
check_eq "...mapped to outside_window, Twilio's code kept" "outside_window 63016" "$(jq -r '"\(.error.code) \(.error.provider_code)"' "$T/.out")"
check_grep "...and what to do" "send an approved template" "$T/.out"
check_eq "...one request; the message stored failed" "1 failed" "$(requests) $(q "select status from messages where to_number='whatsapp:+15551230016'")"

# ---- the sender: a Messaging Service, or neither ----------------------------------
: >"$FAKE_LOG"
check_exit "no TWILIO_WHATSAPP_NUMBER, a Messaging Service: sent" 0 env -u TWILIO_WHATSAPP_NUMBER \
	TWILIO_MESSAGING_SERVICE_SID=MG0123456789abcdef0123456789abcdef sms-send -o json --to whatsapp:+15551234567 --body hi
check_eq "...no From (never the SMS number): the service picks its WhatsApp sender" \
	'[["To","whatsapp:+15551234567"],["MessagingServiceSid","MG0123456789abcdef0123456789abcdef"],["Body","hi"]]' "$(params)"
check_exit "neither TWILIO_WHATSAPP_NUMBER nor a Messaging Service: exit 1" 1 env -u TWILIO_WHATSAPP_NUMBER \
	sms-send -o json --to whatsapp:+15551234567 --body hi
check_eq "...invalid_from" invalid_from "$(jq -r .error.code "$T/.out")"
check_grep "...naming the settings" "set TWILIO_WHATSAPP_NUMBER (whatsapp:+number) or TWILIO_MESSAGING_SERVICE_SID" "$T/.out"
check_eq "...no request" 1 "$(requests)"
check_exit "a TWILIO_WHATSAPP_NUMBER that is no number: exit 78" 78 env TWILIO_WHATSAPP_NUMBER=whatsapp:abc \
	sms-send -o json --to whatsapp:+15551234567 --body hi
check_grep "...saying so" "TWILIO_WHATSAPP_NUMBER=whatsapp:abc is not a WhatsApp sender" "$T/.err"

# ---- template fields refused, each with a sentence, nothing sent -------------------
: >"$FAKE_LOG"
cat >"$T/bad" <<EOF
{"to":"+15551234567","content_sid":"$HX","ref":"sms"}
{"to":"whatsapp:+15557654321","content_sid":"HX0123","ref":"short"}
{"to":"whatsapp:+15557654321","content_sid":"HXg123456789abcdef0123456789abcdef","ref":"nothex"}
{"to":"whatsapp:+15557654321","content_sid":"$HX","content_variables":["Ada"],"ref":"array"}
{"to":"whatsapp:+15557654321","content_sid":"$HX","content_variables":"not json","ref":"text"}
{"to":"whatsapp:+15557654321","content_variables":{"1":"Ada"},"body":"x","ref":"nosid"}
{"to":"whatsapp:+15557654321","content_sid":"$HX","body":"Hello","ref":"body"}
{"to":"whatsapp:+15557654321","content_sid":"$HX","template_category":"promo","ref":"category"}
{"to":"+15551234567","from":"whatsapp:+15550009999","body":"x","ref":"wafrom"}
{"to":"whatsapp:+15551234567","from":"+15550006666","body":"x","ref":"smsfrom"}
{"to":"whatsapp:+15557654321","content_sid":"$HX","ref":"good"}
EOF
check_exit "a batch of bad template fields and one good: exit 1" 1 sms-send -o json <"$T/bad"
check_eq "each refused with its code, the good one sent" \
	"sms:invalid_field short:invalid_field nothex:invalid_field array:invalid_field text:invalid_field nosid:invalid_field body:invalid_field category:invalid_field wafrom:invalid_from smsfrom:invalid_from good:ok" \
	"$(jq -r '"\(.ref):\(.error.code // "ok")"' "$T/.out" | tr '\n' ' ' | sed 's/ $//')"
check_grep "content_sid on SMS: a sentence" "content_sid names a WhatsApp template, and +15551234567 is an SMS number" "$T/.out"
check_grep "a short content_sid: the pattern" "HX and 32 hexadecimal digits" "$T/.out"
check_grep "content_variables not an object: a sentence" "content_variables must be a JSON object" "$T/.out"
check_eq "only the good one reached Twilio" "1 $HX" "$(requests) $(jq -r '.params[2][1]' "$FAKE_LOG")"
stop_fake_twilio

# ---- Vonage and SNS: whatsapp: refused before any request; garbage refused ---------
cat >"$T/garbage" <<'EOF'
{"to":"whatsapp:+15551234567","body":"wa","ref":"wa"}
{"to":"fax:+15551234567","body":"fax","ref":"fax"}
{"to":"call me +1 555 123 4567","body":"call","ref":"call"}
{"to":"+15551112222","body":"good one","ref":"good"}
{"to":"+1 555 123 4567 ext","body":"ext","ref":"ext"}
{"to":"whatsapp:fax:+15551234567","body":"x","ref":"wafax"}
EOF
want="wa:not_supported fax:invalid_number call:invalid_number good:ok ext:invalid_number wafax:invalid_number"
codes() { jq -r '"\(.ref):\(.error.code // "ok")"' "$T/.out" | tr '\n' ' ' | sed 's/ $//'; }
(
	unset TWILIO_WHATSAPP_NUMBER
	use_fake_vonage_account
	SMS_DB=$(new_store vonage) || exit 1
	start_fake_vonage || exit 1
	check_exit "Vonage: the garbage batch exits 1" 1 sms-send -o json <"$T/garbage"
	check_eq "Vonage: each refused with its code, the batch goes on" "$want" "$(codes)"
	check_grep "Vonage: whatsapp: is not_supported, never sent as SMS" "not supported by the vonage provider: it cannot carry whatsapp messages, and none goes as an SMS instead" "$T/.out"
	check_eq "Vonage: one request, the good SMS" "1 15551112222" "$(wc -l <"$FAKE_LOG") $(jq -r '.params | map(select(.[0]=="to"))[0][1]' "$FAKE_LOG")"
	check_eq "Vonage: only the good one stored" "+15551112222" "$(sql "select to_number from messages" | paste -sd, -)"
	check_exit "Vonage: sms-stage refuses whatsapp: too" 1 sms-stage -o json --to whatsapp:+15551234567 --body hi
	check_eq "...not_supported, nothing staged" "not_supported 1" "$(jq -r .error.code "$T/.out") $(sql "select count(*) from messages")"
	stop_fake
	exit 0
) | tee "$T/sub1"
(
	unset TWILIO_WHATSAPP_NUMBER
	use_fake_sns_account
	SMS_DB=$(new_store sns) || exit 1
	start_fake_sns || exit 1
	check_exit "SNS: the garbage batch exits 1" 1 sms-send -o json <"$T/garbage"
	check_eq "SNS: each refused with its code, the batch goes on" "$want" "$(codes)"
	check_grep "SNS: whatsapp: is not_supported" "not supported by the sns provider" "$T/.out"
	check_eq "SNS: one Publish, to the good number" "+15551112222" "$(jq -r '.params | map(select(.[0]=="PhoneNumber"))[] | .[1]' "$FAKE_LOG" | sort -u | tr '\n' ' ' | sed 's/ $//')"
	check_exit "SNS: sms-stage refuses whatsapp: too" 1 sms-stage -o json --to whatsapp:+15551234567 --body hi
	check_eq "...not_supported" "not_supported" "$(jq -r .error.code "$T/.out")"
	stop_fake
	exit 0
) | tee "$T/sub2"
# the subshells' checks count here too
_n=$((_n + $(grep -c '^\(not \)\?ok ' "$T/sub1" "$T/sub2" | awk -F: '{s += $2} END {print s}')))
_fail=$((_fail + $(cat "$T/sub1" "$T/sub2" | grep -c '^not ok ')))

# ---- staging and the approved queue ----------------------------------------------
start_fake_twilio || exit 1
check_exit "staging free-form to a number whose window is closed: staged" 0 sms-stage -o json --to whatsapp:+15559990000 --body "Later"
check_grep "...with a warning that it will be refused when sent" "outside WhatsApp's 24-hour window (they never wrote): it will be refused when sent (outside_window)" "$T/.out"
check_eq "...encoding UTF-8 and one message" "UTF-8 1" "$(jq -r '"\(.encoding) \(.segments)"' "$T/.out")"
wa_id=$(jq -r .id "$T/.out")
check_exit "staging a template: staged" 0 sms-stage -o json --to whatsapp:+15559990000 --content-sid $HX --content-variables '{"1":"Bo"}'
tpl_id=$(jq -r .id "$T/.out")
check_eq "...stored with content_sid and content_variables" "$HX|{\"1\":\"Bo\"}" "$(q "select content_sid,content_variables from messages where id=$tpl_id")"
inbound whatsapp:+15551234567 1
check_exit "staging free-form inside the window" 0 sms-stage -o json --to whatsapp:+15551234567 --body "Soon"
check_grep "...warns when the window closes" "WhatsApp window open until" "$T/.out"
sms-approve -o json --all --by test >/dev/null
: >"$FAKE_LOG"
check_exit "sms-send --approved: one refused" 1 sms-send -o json --approved
check_eq "the free-form one outside its window failed outside_window, without a request" "failed outside_window" \
	"$(q "select status||' '||error_code from messages where id=$wa_id")"
check_eq "the template and the one inside its window went: two requests" 2 "$(requests)"
check_eq "...the template as ContentSid" "$HX" "$(jq -r 'select(.params[0][1]=="whatsapp:+15559990000") | .params[2][1]' "$FAKE_LOG")"
stop_fake_twilio

# ---- sms-reply answers on WhatsApp -----------------------------------------------
start_fake_twilio || exit 1
in_id=$(q "select id from messages where provider_id='SMin$n_in'")
check_exit "sms-reply to a WhatsApp message" 0 sms-reply -o json "$in_id" --body "Thanks"
check_eq "...To and From on WhatsApp, from the number it came to" \
	'[["To","whatsapp:+15551234567"],["From","whatsapp:+15550009999"],["Body","Thanks"]]' "$(params)"
stop_fake_twilio

# ---- sms-status --sync: read is WhatsApp's own status ------------------------------
echo "ok-then read 0" >"$T/script"
start_fake_twilio --script "$T/script" || exit 1
sms-send -o json --to whatsapp:+15551234567 --body "Read me" >"$T/sent"
rid=$(jq -r .id "$T/sent")
sms-status -o json --sync >/dev/null 2>&1
check_eq "--sync: sent first" sent "$(q "select status from messages where id=$rid")"
sms-status -o json --sync >/dev/null 2>&1
check_eq "--sync: then read, Twilio's status kept for a WhatsApp message" read "$(q "select status from messages where id=$rid")"
stop_fake_twilio

# ---- sms-template: a WhatsApp template by name -------------------------------------
check_exit "sms-template add --content-sid --category" 0 sms-template add --content-sid $HX --category utility table "Hi {{1}}, your table is ready at {{2}}"
check_eq "...stored with its Content SID and category" "$HX|utility" "$(q "select content_sid, template_category from templates where name='table'")"
check_exit "a malformed Content SID: exit 65" 65 sms-template add --content-sid HX12 bad "x"
check_eq "...invalid_field" invalid_field "$(jq -r .error.code "$T/.out")"
check_exit "a category without a Content SID: exit 65" 65 sms-template add --category utility bad2 "x"
printf '%s\n' '{"to":"whatsapp:+15557654321","vars":{"1":"Ada","2":"7pm"}}' '{"to":"whatsapp:+15557654321","vars":{"1":"Bo"}}' >"$T/tin"
check_exit "render: one ok, one missing a variable" 1 sms-template render table <"$T/tin"
check_eq "...a request with content_sid, content_variables, category and a preview; no body" \
	"$HX {\"1\":\"Ada\",\"2\":\"7pm\"} utility Hi Ada, your table is ready at 7pm null" \
	"$(head -n 1 "$T/.out" | jq -r '"\(.content_sid) \(.content_variables | tojson) \(.template_category) \(.preview) \(.body)"')"
check_eq "...the other missing_var" missing_var "$(sed -n 2p "$T/.out" | jq -r .error.code)"
start_fake_twilio || exit 1
head -n 1 "$T/tin" | sms-template render table | sms-send -o json >"$T/tsent"
check_eq "render | sms-send: the template goes as ContentSid and ContentVariables" \
	"[[\"To\",\"whatsapp:+15557654321\"],[\"From\",\"whatsapp:+15550009999\"],[\"ContentSid\",\"$HX\"],[\"ContentVariables\",\"{\\\"1\\\":\\\"Ada\\\",\\\"2\\\":\\\"7pm\\\"}\"]]" "$(params)"
check_eq "...priced as utility" "0.0084" "$(jq -r .price_estimate "$T/tsent")"
stop_fake_twilio

# ---- the sandbox imitates it ------------------------------------------------------
SMS_DB=$(new_store sandbox) || exit 1
export SMS_PROVIDER=sandbox
unset TWILIO_WHATSAPP_NUMBER
check_exit "sandbox: free-form outside the window refused" 1 sms-send -o json --to whatsapp:+15551234567 --body hi
check_eq "...outside_window, nothing stored" "outside_window 0" "$(jq -r .error.code "$T/.out") $(q "select count(*) from messages")"
check_exit "sandbox: a template sent" 0 sms-send -o json --to whatsapp:+15551234567 --content-sid $HX
check_eq "...from Twilio's WhatsApp sandbox number" "whatsapp:+14155238886 queued whatsapp" "$(jq -r '"\(.from) \(.status) \(.channel)"' "$T/.out")"
inbound whatsapp:+15005550016 1
check_exit "sandbox: whatsapp:+15005550016 answers free-form with 63016" 1 sms-send -o json --to whatsapp:+15005550016 --body hi
check_eq "...outside_window, provider code 63016, stored failed" "outside_window 63016 failed" \
	"$(jq -r '"\(.error.code) \(.error.provider_code)"' "$T/.out") $(q "select status from messages where to_number='whatsapp:+15005550016'")"
check_exit "sandbox: ...and takes a template" 0 sms-send -o json --to whatsapp:+15005550016 --content-sid $HX
check_exit "sandbox: whatsapp:+15005550017 refuses a template with 21655" 1 sms-send -o json --to whatsapp:+15005550017 --content-sid $HX
check_eq "...invalid_field 21655" "invalid_field 21655" "$(jq -r '"\(.error.code) \(.error.provider_code)"' "$T/.out")"

# ---- sms-split: WhatsApp's own figures and prices ---------------------------------
check_exit "sms-split --whatsapp" 0 sms-split -o json --whatsapp "Ça va? 😀"
check_eq "...UTF-8, one message, characters as code points, no GSM-7" "whatsapp UTF-8 1 8 1600 1592 service 0.0050" \
	"$(jq -r '"\(.channel) \(.encoding) \(.segments) \(.chars) \(.limit) \(.remaining) \(.category) \(.price_estimate)"' "$T/.out")"
long=$(printf 'x%.0s' $(seq 1 1700))
printf '{"to":"whatsapp:+447700900123","body":"%s"}\n{"to":"whatsapp:+15551234567","body":"x","content_sid":"%s","template_category":"authentication"}\n{"to":"+15551234567","body":"%s"}\n' "$long" "$HX" "$long" >"$T/split"
check_exit "sms-split on records" 0 sms-split -o json <"$T/split"
check_eq "a long WhatsApp body: one message, too long to send; an SMS: 12 segments" \
	"1 too long to send: 1700 characters, the WhatsApp limit is 1600|1 0.0185|12 " \
	"$(jq -r '"\(.segments) \(.warnings[0] // "")"' "$T/.out" | sed -n '1p' | tr -d '\n')|$(jq -r '"\(.segments) \(.price_estimate)"' "$T/.out" | sed -n 2p)|$(jq -r '.segments' "$T/.out" | sed -n 3p) "
printf 'price.US.whatsapp = 0.001\nprice.US.whatsapp.authentication = 0.02\nprice.*.whatsapp.marketing = 0.5\n' >"$SMS_CONFIG"
chmod 600 "$SMS_CONFIG"
sms-split -o json <"$T/split" >"$T/split.out"
check_eq "price.CC.whatsapp[.CATEGORY] in the config: the estimates follow" "0.0200" "$(jq -r .price_estimate "$T/split.out" | sed -n 2p)"
check_eq "...service in the US, marketing anywhere" "0.0010 0.5000" \
	"$(sms-split -o json --whatsapp --country US hi | jq -r .price_estimate) $(echo "{\"to\":\"whatsapp:+254712345678\",\"body\":\"x\",\"content_sid\":\"$HX\"}" | sms-split -o json | jq -r .price_estimate)"
printf 'price.US.whatsapp.promo = 0.1\n' >"$SMS_CONFIG"
check_exit "a price for an unknown category: exit 78" 78 sms-split --whatsapp hi
check_grep "...naming the keys" "price.CC.whatsapp.utility" "$T/.err"
done_testing
