#!/usr/bin/env bash
# Keyword-safe prompts (smskit-practices(7), Reply words): sms-split warns of
# a body that asks for an opt-out keyword as a reply, and not of the opt-out
# notice that offers one as the way to opt out. One row a case: the keywords
# warned of ("-" none), a tab, the body.
. tests/lib.sh

cat >"$T/table" <<'TABLE'
CANCEL	Reminder: your appointment is tomorrow at 2pm. Reply CONFIRM or CANCEL
CANCEL	Reply CONFIRM or CANCEL.
CANCEL	Reply CANCEL to cancel your appointment
CANCEL	Reply YES to confirm or CANCEL to cancel.
CANCEL	Please reply CANCEL if you cannot make it
CANCEL	You can reply CANCEL anytime to cancel your booking
CANCEL	If you need to cancel, reply CANCEL
CANCEL	Reply "cancel" to cancel your order
CANCEL	Reply “cancel” to call off the visit
CANCEL	reply cancel to cancel your booking
CANCEL	Reply with CANCEL to drop your reservation
CANCEL	Reply with the word CANCEL to cancel
CANCEL	Reply CANCEL to cancel your visit or STOP to opt out
CANCEL	Reply CONFIRM or CANCEL, STOP to opt out
CANCEL	Reply STOP to opt out or text CANCEL to cancel your appointment
END	text END to finish
END	Text END to end this survey.
END	Answer END when you are done
END	Type END to leave the game
END	Respond END to close your ticket
QUIT	Send QUIT to leave the quiz
QUIT	Reply QUIT to quit.
STOP	Reply STOP to pause your deliveries
STOP	Reply PAUSE or STOP to skip a week
CANCEL,END	Reply CANCEL to cancel or END to end the chat
REMOVE	Reply REMOVE to remove an item from your cart
STOP	Reply NEXT for more, STOP when you've read enough
CANCEL	Reply 'CANCEL' to cancel
-	Reply STOP to opt out
-	reply stop to opt out
-	Reply STOP to opt-out
-	Reply STOP to unsubscribe
-	Text STOP to opt out. Msg&data rates may apply.
-	Reply HELP for help, STOP to cancel. Msg&data rates may apply.
-	Reply STOP to cancel
-	Reply STOP to end
-	Reply STOP to stop
-	Reply STOP to stop receiving messages
-	Reply STOP to stop reminders
-	Reply STOP to end all messages
-	Reply STOP.
-	Reply STOP
-	Don't want these texts? Reply STOP
-	To opt out, reply STOP
-	To unsubscribe, text STOP to 55555
-	Opt out: reply STOP
-	Text STOP to 55555 to opt out
-	Reply STOP or QUIT to unsubscribe
-	Reply CANCEL to opt out of reminders
-	Reply END to stop all messages
-	Reply QUIT to be removed
-	Reply STOPALL to stop all texts from us
-	Reply STOP to cancel, HELP for help
-	Text STOP to cancel or HELP for help
-	Reply UNSUBSCRIBE
-	Reply STOP for no more messages
-	Reply STOP 2 end
-	we'll cancel your appointment
-	We'll cancel your appointment if we do not hear from you
-	If you reply, we'll cancel your appointment
-	Reply CONFIRM. We will CANCEL unconfirmed bookings at noon.
-	Reply YES to confirm, NO to cancel
-	Reply 1-5
-	How was your visit? Reply 1-5
-	Reply A) Consultation B) Installation C) Repair
-	Reply C to confirm.
-	Reply YES or NO
-	Reply DIRECTIONS if you need directions
-	Text HOURS or LOCATION
-	Reply CONFIRM, or call us to CANCEL
-	Your order has shipped
-	The END of season sale starts now
-	STOP by our store this weekend
-	We'll text END of month statements
-	Your reply STOP was received; you are unsubscribed
-	Send us a photo. Cancel anytime in the app
-	Reply HELP for help
-	Reply to end the chat
-	Text us to cancel your order
-	Send END-OF-YEAR greetings to your friends
-	IF YOU DO NOT REPLY BY FRIDAY WE WILL CANCEL YOUR BOOKING
CANCEL	REPLY CANCEL TO CANCEL YOUR BOOKING
-	REPLY STOP TO OPT OUT
-	Reply CONFIRM or STOP.
REMOVE	Reply REMOVE to take your name off the list
TD	Reply TD for the details
-	Reply INFO for the details
-	Reply ARRET
-	Reply STOP to opt out.
-	Your parcel arrives today. Reply STOP to end delivery notifications.
-	Reply CANCEL to cancel your subscription
-	Reply STOP to unsubscribe from our newsletter
-	Msg frequency varies. Reply STOP to cancel, HELP for help.
-	Text JOIN to 55555 to get alerts. Reply STOP to cancel.
-	Reply YES to receive updates, STOP to opt out
-	Text QUIT to quit receiving texts
-	Type STOP at any time to stop receiving messages
-	Reply STOP anytime to opt out
-	Text STOP to us to unsubscribe
END	Reply END at any time to finish the quiz
CANCEL	Reply CANCEL to cancel your appointment and STOP to stop messages
CANCEL	Reply CANCEL to cancel the booking you made
CANCEL	Reply CONFIRM or CANCEL. Reply STOP to opt out.
TABLE

jq -cR 'split("\t") | {want: .[0], body: .[1]}' "$T/table" >"$T/in"
check_exit "sms-split reads the table" 0 sh -c "sms-split -o json <'$T/in' >'$T/got'"
# The keywords a record's warnings name, "-" for none: the word after "reply".
jq -r '[.want, (.warnings | map(select(startswith("asks for the reply ")) | .[19:] | sub(",.*"; ""))
	| if length == 0 then "-" else join(",") end), .body] | @tsv' "$T/got" >"$T/rows"
check_eq "...one record a row" "$(wc -l <"$T/table")" "$(wc -l <"$T/rows")"
while IFS=$'\t' read -r want got body; do
	check_eq "${want/-/no warning}: $body" "$want" "$got"
done <"$T/rows"

# The sentence, in JSON and on a terminal; a warning, not a refusal.
plan='Reminder: your appointment is tomorrow at 2pm. Reply CONFIRM or CANCEL'
check_exit "the plan's prompt is still split (exit 0)" 0 sms-split -o json "$plan"
check_eq "...with the warning" \
	'["asks for the reply CANCEL, which opts the customer out of all messages; ask for another word"]' \
	"$(jq -c .warnings "$T/.out")"
check_exit "...and in text" 0 sms-split -o text "$plan"
check_grep "...as a warning line" '^  warning: asks for the reply CANCEL, which opts the customer out of all messages; ask for another word$' "$T/.out"
check_exit "AWS SNS's own keywords say so" 0 sms-split -o json 'Reply REMOVE to take your name off the list'
check_grep "...on AWS SNS" 'opts the customer out of all messages on AWS SNS; ask for another word' "$T/.out"
check_exit "a body asking for two keywords" 0 sms-split -o json 'Reply CANCEL to cancel or END to end the chat. Reply QUIT to quit.'
check_eq "...warns of each once" 3 "$(jq '.warnings | length' "$T/.out")"
check_exit "on WhatsApp too" 0 sms-split -o json --whatsapp "$plan"
check_grep "...the same warning" 'asks for the reply CANCEL' "$T/.out"

# A long body (more words than the scanner keeps on its stack) and a batch
# taking sms-split's fast path give the same warnings as the general path.
long="$(printf 'word %.0s' $(seq 1 400))Reply CONFIRM or CANCEL"
check_exit "a 400-word body" 0 sms-split -o json "$long"
check_grep "...is scanned to its end" 'asks for the reply CANCEL' "$T/.out"
printf '%s\n' "{\"body\":\"$plan\"}" "{\"body\":\"$plan\",\"ref\":1}" >"$T/batch"
sms-split -o json <"$T/batch" >"$T/fast"
check_eq "the batch path writes the same warnings" 2 "$(jq -c .warnings "$T/fast" | grep -c 'reply CANCEL')"
check "...as valid JSON" jq -e . "$T/fast"

# sms-stage keeps the warning with the staged message (the dashboard and
# sms-mcp show it); sms-send puts it in its record. Neither refuses.
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
check_exit "sms-stage stages the plan's prompt" 0 sms-stage -o json --to +15551234567 --body "$plan"
check_grep "...its record warns" 'asks for the reply CANCEL, which opts the customer out' "$T/.out"
check_eq "...and so does the stored row" 1 \
	"$(sql "select count(*) from messages where status = 'pending' and warnings like '%asks for the reply CANCEL%'")"
check_exit "sms-stage: the opt-out notice" 0 sms-stage -o json --to +15551234567 --body 'Deals all week! Reply STOP to opt out'
check "...no keyword warning" sh -c "! grep -q 'asks for the reply' '$T/.out'"
check_exit "sms-send sends a prompt for END" 0 sms-send -o json --to +15551234567 --body 'Text END to finish'
check_eq "...queued, with the warning in its record" 'queued asks for the reply END, which opts the customer out of all messages; ask for another word' \
	"$(jq -r '"\(.status) \(.warnings[0])"' "$T/.out")"
done_testing
