#!/usr/bin/env bash
# Conversations that flow (sms-auto(1), Flows): the appointment, survey and
# lead-qualification flows step by step through signed Twilio webhooks, once
# to the daemon (sms-webhookd on loopback) and once to the CGI program run as
# a server runs it; the same words outside a flow; a flow that times out with
# the test clock; STOP in the middle of a flow; two customers in two states at
# once; START, YES and UNSTOP as ordinary words from a number not opted out;
# sms-auto add's refusals, sms-auto test --from/--state, sms-inbox --state.
# shellcheck disable=SC2016 # $ in single quotes is meant literally
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_TZ=America/New_York SMS_QUIET_HOURS=off
NOW=2026-11-25T15:00:00Z   # Wednesday 10:00 in New York
LATER=2026-11-26T16:00:01Z # 25 hours on: past the default window of 24h
export SMS_TEST_NOW=$NOW

CONFIRM_ANSWER="Great! See you tomorrow at 2pm. Reply DIRECTIONS if you need directions."
ADDRESS="We are at 12 Main St, Springfield. Parking is behind the building."
RATED="Thank you! Would you like to leave a review? Reply YES or NO"
REVIEW="Thank you! Leave your review here: https://g.page/r/example/review"
NO_THANKS="No problem. Thanks for visiting, see you soon!"
MENU="What service are you interested in? Reply A) Consultation B) Installation C) Repair"
CONSULT="Perfect! Our consultations are \$50. Reply with a day that suits you."
HOURS_ANSWER="We are open Mon-Fri 9am-6pm."
YES_ANSWER="Thanks! Reply HOURS for our opening hours."

# ---- sms-auto add: the flow options and their refusals ---------------------------
check_exit "a rule for an opt-out keyword is refused" 1 sms-auto add --trigger CANCEL --response x -o json
check_eq "...as opt_out_keyword" opt_out_keyword "$(jq -r .error.code "$T/.out")"
check_grep "...with a sentence saying why" 'opts the sender out of all messages' "$T/.out"
check_exit "...STOP too, in any case" 1 sms-auto add --trigger stop --response x -o json
check_exit "...and as an exact trigger" 1 sms-auto add --trigger Unsubscribe --match exact --response x -o json
check_exit "a bad name is refused" 1 sms-auto add --trigger A --name "two words" --response x -o json
check_eq "...as invalid_name" invalid_name "$(jq -r .error.code "$T/.out")"
check_exit "--within without --after is refused" 1 sms-auto add --trigger A --within 1h --response x -o json
check_eq "...as invalid_within" invalid_within "$(jq -r .error.code "$T/.out")"
check_exit "a bad --within is refused" 1 sms-auto add --trigger A --after x --within soon --response x -o json
check_exit "--match exact with a /regex/ is refused" 1 sms-auto add --trigger /a/ --match exact --response x -o json
check_exit "an exact trigger ending in ')' is refused: the ')' is stripped from messages" 1 sms-auto add --trigger "A)" --match exact --response x -o json
check_eq "...as invalid_trigger" invalid_trigger "$(jq -r .error.code "$T/.out")"
check_exit "--after goes with add only (usage)" 64 sms-auto list --after x
check_eq "nothing was stored" 0 "$(q "select count(*) from autoresponders")"

# ---- The rules of the three flows, and two global ones -------------------------------
add() { sms-auto add -o json "$@" >"$T/add.out" || { cat "$T/add.out" >&2; return 1; }; }
check "appointment: CONFIRM after appt" add --name confirmed --after appt --trigger CONFIRM --response "$CONFIRM_ANSWER"
check "...DIRECTIONS after confirmed, ending it" add --after confirmed --trigger DIRECTIONS --end --response "$ADDRESS"
check "survey: 4-5 after survey" add --name rated --after survey --trigger 4-5 --response "$RATED"
check "...1-3 after survey, ending it" add --after survey --trigger 1-3 --end --response "Sorry to hear that. A manager will call you today."
check "...YES after rated, ending it" add --after rated --trigger YES --end --response "$REVIEW"
check "...NO after rated, ending it" add --after rated --trigger NO --end --response "$NO_THANKS"
check "lead: /interested/i names lead-menu" add --name lead-menu --trigger '/interested/i' --response "$MENU"
check "...A after lead-menu, ending it" add --after lead-menu --trigger A --end --response "$CONSULT"
check "...B after lead-menu" add --after lead-menu --trigger B --end --response "Installation starts at \$200. Reply with your address."
check "global: HOURS" add --trigger HOURS --response "$HOURS_ANSWER"
check "global: YES (a rule may answer YES)" add --trigger YES --response "$YES_ANSWER"
check_eq "the rules are stored with their flow fields" \
	"1|confirmed|appt||CONFIRM|0 2||confirmed||DIRECTIONS|1 3|rated|survey||4-5|0 7|lead-menu|||/interested/i|0" \
	"$(q "select id, name, after, match, trigger, ends from autoresponders where id in (1, 2, 3, 7) order by id" | paste -sd' ')"
check "two rules of one name are refused" sh -c '! sms-auto add --name rated --trigger X --response y -o json >"$1"' _ "$T/dup.out"
check_eq "...as name_taken" name_taken "$(jq -r .error.code "$T/dup.out")"
check_exit "list shows the flow fields" 0 sms-auto list -o json
check_eq "...name, after, end" "rated survey null null rated true" \
	"$(jq -r 'select(.id == 3 or .id == 5) | [.name, .after, .end] | map(tostring) | join(" ")' "$T/.out" | paste -sd' ')"

check_exit "list -o text" 0 sms-auto list -o text
check_grep "...shows a flow rule's fields on a line under it" '^      after survey; sets rated;$' "$T/.out"
check_grep "...and a rule that ends the conversation" '^      after rated; ends the conversation;$' "$T/.out"

# ---- sms-auto test --state, without a webhook -------------------------------------------
check_exit "test --state survey 5" 0 sms-auto test --state survey 5 -o json
check_eq "...rule 3 would answer" "3 true survey" "$(jq -r '"\(.id) \(.would_fire) \(.state)"' "$T/.out")"
check_exit "test --state survey 5 as text" 0 sms-auto test --state survey 5 -o text
check_grep "...names the state" '^in state survey: would fire: rule 3 (4-5)' "$T/.out"
check_exit "test 5 in no state" 0 sms-auto test 5 -o json
check_eq "...nothing would answer" false "$(jq -r .would_fire "$T/.out")"
check_grep "...saying the rule waits for the state survey" 'waits for the state survey; the thread is in none' "$T/.out"
check_exit "test --state lead-menu 'a lot of people asked me'" 0 sms-auto test --state lead-menu "a lot of people asked me" -o json
check_eq "...A is exact: nothing answers" "false" "$(jq -r .would_fire "$T/.out")"
check_exit "test --state rated YES" 0 sms-auto test --state rated YES -o json
check_eq "...the flow's YES comes before the global YES (rule 11)" "5 true" "$(jq -r '"\(.id) \(.would_fire)"' "$T/.out")"
check_exit "test --state survey HOURS" 0 sms-auto test --state survey HOURS -o json
check_eq "...a global rule answers in any state" "10 true" "$(jq -r '"\(.id) \(.would_fire)"' "$T/.out")"

# ---- --tag and --state at the edges -------------------------------------------------------
check_exit "sms-send --tag with a space is a usage error" 64 env SMS_PROVIDER=sandbox sms-send --to +15551234567 --body x --tag "a b"
check_exit "...a record's bad tag fails that record" 1 sh -c 'echo "{\"to\":\"+15551234567\",\"body\":\"x\",\"tag\":\"a b\"}" | SMS_PROVIDER=sandbox sms-send -o json'
check_eq "...as invalid_tag" invalid_tag "$(jq -r .error.code "$T/.out")"
check_exit "sms-stage --tag stores the tag on the staged message" 0 sms-stage --to +15551234567 --body "How was your visit? Reply 1-5" --tag survey -o json
check_eq "...kept once approved and sent" "survey" "$(q "select tag from messages where body like 'How was%'")"
check_exit "sms-inbox --state with --thread is a usage error" 64 sms-inbox --state survey --thread +15551234567
check_exit "sms-inbox --state with a bad tag is a usage error" 64 sms-inbox --state "a b"
q "delete from messages"

# copy_store STORE NAME: the SMS_DB of a copy of STORE (no program has it open).
copy_store() {
	if [ "$SMSKIT_STORE" != pg ]; then cp "$1" "$T/$2.db" && echo "$T/$2.db"; return; fi
	local to from=${1#postgresql:///} db
	to=$(new_store "$2") || return 1
	db=${to#postgresql:///}
	psql -X -q -h "$SMSKIT_PG_SOCKET" -U smskit -d postgres -c "DROP DATABASE ${db%%\?*}" \
		-c "CREATE DATABASE ${db%%\?*} TEMPLATE ${from%%\?*}" >/dev/null || return 1
	echo "$to"
}
RULES_DB=$(copy_store "$SMS_DB" rules)

# ---- One run of every scenario, through the daemon or the CGI program -----------------
MODE=
CGI_U=https://hooks.example.com/cgi-bin/sms-webhookd/sms/incoming

# say FROM TEXT: a signed inbound message; prints the answer's text ("" for none).
say() {
	local from=$1 text=$2 code sid
	# A file, not a variable: say runs in $(...), and each message needs its own sid.
	sid=$(($(cat "$T/sid" 2>/dev/null || echo 0) + 1))
	echo "$sid" >"$T/sid"
	local params=(AccountSid=AC0123456789abcdef0123456789abcdef ApiVersion=2010-04-01 "Body=$text"
		"From=$from" "MessageSid=SMflow$MODE$sid" NumMedia=0 SmsStatus=received To=+15550006666)
	if [ "$MODE" = daemon ]; then
		code=$(post_signed "$WH_URL/sms/incoming" "${params[@]}")
		[ "$code" = 200 ] || { echo "HTTP $code"; return; }
		cp "$T/.body" "$T/answer"
	else
		local body="" p sig
		for p in "${params[@]}"; do
			body+="${body:+&}${p%%=*}=$(jq -rn --arg v "${p#*=}" '$v|@uri')"
		done
		sig=$(twilio_sig "$CGI_U" "$WEBHOOK_TOKEN" "${params[@]}")
		printf '%s' "$body" | env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
			SERVER_NAME=hooks.example.com SERVER_PORT=443 HTTPS=on \
			SCRIPT_NAME=/cgi-bin/sms-webhookd PATH_INFO=/sms/incoming \
			CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} \
			HTTP_X_TWILIO_SIGNATURE="$sig" sms-webhookd >"$T/answer" 2>>"$T/cgi.err"
		if grep -q '^Status:' "$T/answer" && ! grep -q '^Status: 200' "$T/answer"; then
			sed -n 1p "$T/answer"
			return
		fi
	fi
	# The TwiML answer's text, unescaped as Twilio reads it.
	sed -n 's/.*<Message>\(.*\)<\/Message>.*/\1/p' "$T/answer" | sed 's/&amp;/\&/g; s/&apos;/'"'"'/g; s/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g'
}

# prompt TO TAG BODY: our first message of a flow, sent (sandbox) with its tag.
prompt() {
	SMS_PROVIDER=sandbox sms-send --to "$1" --tag "$2" --body "$3" -o json >"$T/sent.out" 2>"$T/sent.err"
}

# at TIME: the clock of what follows (the daemon is started again on it).
at() {
	export SMS_TEST_NOW=$1
	if [ "$MODE" = daemon ]; then
		stop_webhookd
		start_webhookd
	fi
}

scenarios() {
	MODE=$1
	SMS_DB=$(copy_store "$RULES_DB" "$MODE")
	export SMS_DB SMS_TEST_NOW=$NOW
	[ "$MODE" = daemon ] && start_webhookd
	local m="$MODE:"

	# Appointment confirmation.
	local A=+15551110001
	check "$m appointment: the reminder goes out tagged appt" \
		prompt $A appt "Reminder: your appointment is tomorrow at 2pm. Reply CONFIRM or DIRECTIONS"
	check_eq "$m ...stored with its tag" "appt" "$(q "select tag from messages where to_number = '$A'")"
	check_eq "$m CONFIRM -> the confirmation" "$CONFIRM_ANSWER" "$(say $A "confirm!")"
	check_eq "$m ...the answer is stored tagged confirmed, the rule's name" "confirmed" \
		"$(q "select tag from messages where to_number = '$A' and reply_to is not null")"
	check_eq "$m ...the inbound CONFIRM answered appt" "appt" \
		"$(q "select state from messages where from_number = '$A' and body = 'confirm!'")"
	check_eq "$m DIRECTIONS -> the address" "$ADDRESS" "$(say $A DIRECTIONS)"
	check_eq "$m ...it ends the flow: the answer carries no tag" "" \
		"$(q "select tag from messages where to_number = '$A' order by id desc limit 1")"
	check_eq "$m DIRECTIONS again: the flow is over, nothing answers" "" "$(say $A DIRECTIONS)"
	check_eq "$m CONFIRM outside the flow: nothing answers" "" "$(say $A CONFIRM)"

	# The plan's own prompt asks for CANCEL: CANCEL opts the customer out.
	local A2=+15551110002
	check "$m appointment with 'Reply CONFIRM or CANCEL'" \
		prompt $A2 appt "Reminder: your appointment is tomorrow at 2pm. Reply CONFIRM or CANCEL"
	check_eq "$m CANCEL gets no answer of ours" "" "$(say $A2 CANCEL)"
	check_eq "$m ...and opts the customer out (CANCEL is an opt-out keyword)" "+15551110002|keyword CANCEL" \
		"$(q "select number, source from optouts where number = '$A2'")"
	check_eq "$m ...so CONFIRM after it gets nothing" "" "$(say $A2 CONFIRM)"

	# Survey.
	local S=+15551120001
	check "$m survey: the question goes out tagged survey" prompt $S survey "How was your visit? Reply 1-5"
	check_eq "$m HOURS in the middle of the survey: the global answer" "$HOURS_ANSWER" "$(say $S HOURS)"
	check_eq "$m ...which keeps the survey open (its answer carries the state)" "survey" \
		"$(q "select tag from messages where to_number = '$S' order by id desc limit 1")"
	check_eq "$m 5 -> the review question" "$RATED" "$(say $S 5)"
	check_eq "$m YES -> the review link (the flow's YES before the global one)" "$REVIEW" "$(say $S yes)"
	check_eq "$m ...YES from a number not opted out is no opt-in" 0 \
		"$(q "select count(*) from consents where number = '$S'")"
	check_eq "$m 5 again: the survey is over" "" "$(say $S 5)"
	local S2=+15551120002
	check "$m a second survey" prompt $S2 survey "How was your visit? Reply 1-5"
	check_eq "$m 4. -> the review question (trailing punctuation ignored)" "$RATED" "$(say $S2 "4.")"
	check_eq "$m NO -> the thank-you" "$NO_THANKS" "$(say $S2 No)"
	local S3=+15551120003
	check "$m a third survey" prompt $S3 survey "How was your visit? Reply 1-5"
	check_eq "$m 2 -> the low rating's answer" "Sorry to hear that. A manager will call you today." "$(say $S3 2)"
	check_eq "$m \"all answers to the survey\" (HOURS too, sent while it was open): sms-inbox --state survey" "2 4. 5 HOURS" \
		"$(sms-inbox --state survey -n 0 -o json | jq -r .body | sort | paste -sd' ')"
	check_eq "$m ...the ratings among them counted with jq" "3" \
		"$(sms-inbox --state survey -n 0 -o json | jq -s '[.[] | select(.body | test("^[1-5]"))] | length')"
	check_eq "$m ...the query key state does the same" "2" \
		"$(echo '{"state":"rated"}' | sms-inbox --query -n 0 -o json | jq -s length)"

	# Lead qualification.
	local L=+15551130001
	check_eq "$m lead: 'I am interested in your services' -> the menu" "$MENU" \
		"$(say $L "Hi, I'm interested in your services")"
	check_eq "$m A) -> the consultation offer" "$CONSULT" "$(say $L "A)")"
	check_eq "$m ...A again: the flow is over" "" "$(say $L A)"

	# The same words outside the flows.
	local X=+15551190001
	check_eq "$m 'a lot of people asked me': no answer (A is exact, and waits for lead-menu)" "" \
		"$(say $X "a lot of people asked me")"
	check_eq "$m '5' with no survey open: no answer" "" "$(say $X 5)"
	check_eq "$m YES from a stranger: the global YES" "$YES_ANSWER" "$(say $X YES)"
	check_eq "$m ...not taken as an opt-in" "0|" \
		"$(q "select count(*) from consents where number = '$X'")|$(q "select detail from events e join messages m on m.id = e.message_id where m.from_number = '$X' and m.body = 'YES' and e.kind = 'webhook'" | jq -r '.keyword // empty')"
	check_eq "$m ...nor are UNSTOP and START" "" "$(say $X UNSTOP)$(say $X START)"
	check_eq "$m ...and the answers outside a flow record no state" "0" \
		"$(q "select count(*) from messages where from_number = '$X' and state is not null")"

	# Two customers in two states at once.
	local P=+15551140001 R=+15551140002
	check "$m customer 1 gets the survey" prompt $P survey "How was your visit? Reply 1-5"
	check_eq "$m customer 2 asks for the menu" "$MENU" "$(say $R "interested in a repair")"
	check_eq "$m customer 2 says 5: not in the survey, nothing" "" "$(say $R 5)"
	check_eq "$m customer 1 says A: not in the menu, nothing" "" "$(say $P A)"
	check_eq "$m customer 1 says 5: the survey's answer" "$RATED" "$(say $P 5)"
	check_eq "$m customer 2 says B: the menu's answer" "Installation starts at \$200. Reply with your address." "$(say $R B)"
	check_eq "$m WhatsApp is its own thread: whatsapp:+1... is in no state" "" "$(say "whatsapp:$P" YES | grep -v "$YES_ANSWER")"

	# STOP in the middle of a flow opts out and ends it.
	local Z=+15551150001
	check "$m a survey to be stopped" prompt $Z survey "How was your visit? Reply 1-5"
	check_eq "$m STOP in the middle: no answer" "" "$(say $Z STOP)"
	check_eq "$m ...opted out" "1" "$(q "select count(*) from optouts where number = '$Z'")"
	check_eq "$m 5 while opted out: nothing" "" "$(say $Z 5)"
	say $Z START >/dev/null
	check_eq "$m START opts back in (it had opted out)" "0|1" \
		"$(q "select count(*) from optouts where number = '$Z'")|$(q "select count(*) from consents where number = '$Z' and kind = 'opt_in'")"
	check_eq "$m 5 after opting back in: the flow ended with STOP" "" "$(say $Z 5)"
	check_exit "$m sms-auto test --from says so" 0 sms-auto test --from $Z 5 -o json
	check_eq "$m ...no state, nothing would fire" "null false" "$(jq -r '"\(.state) \(.would_fire)"' "$T/.out")"

	# A flow that times out.
	local W=+15551160001
	check "$m a survey left unanswered" prompt $W survey "How was your visit? Reply 1-5"
	check_exit "$m sms-auto test --from: in the survey" 0 sms-auto test --from $W 5 -o json
	check_eq "$m ...rule 3 would answer" "survey 3 true" "$(jq -r '"\(.state) \(.id) \(.would_fire)"' "$T/.out")"
	at $LATER
	check_exit "$m 25 hours later, sms-auto test --from" 0 sms-auto test --from $W 5 -o json
	check_grep "$m ...says the window has passed" 'past its window of 86400s' "$T/.out"
	check_eq "$m 5, 25 hours later: no answer" "" "$(say $W 5)"
	check_eq "$m ...and it answered no state" "" "$(q "select state from messages where from_number = '$W'")"
	check "$m a new survey, now" prompt $W survey "How was your visit? Reply 1-5"
	check_eq "$m ...answered again" "$RATED" "$(say $W 5)"
	export SMS_FLOW_WINDOW=30d
	check_exit "$m with SMS_FLOW_WINDOW=30d the old survey of another number is still open" 0 sms-auto test --from $S3 --state survey 4 -o json
	check_eq "$m ...(test --state overrides the thread's)" "3 true" "$(jq -r '"\(.id) \(.would_fire)"' "$T/.out")"
	export SMS_FLOW_WINDOW=bogus
	check_exit "$m a bad SMS_FLOW_WINDOW is a configuration error" 78 sms-auto test 5
	unset SMS_FLOW_WINDOW

	[ "$MODE" = daemon ] && stop_webhookd
	return 0
}

scenarios daemon
check_eq "the daemon exited cleanly" 0 "$WH_EXIT"
scenarios cgi

done_testing
