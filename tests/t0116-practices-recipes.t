#!/usr/bin/env bash
# smskit-practices(7): its recipes run as the
# page prints them (keyword information, Black Friday staged in bulk, a
# verification code, the three flows), on the sandbox provider; and no body, answer or template
# the page recommends asks for an opt-out keyword as a reply.
. tests/lib.sh
need "the recipes" jq || { done_testing; exit; }
page="$SMSKIT_SRC/man/smskit-practices.7"
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off USER=sam

# The commands of the literal display after ".Ss TITLE", as a shell script:
# "$ " dropped, \e made \ again.
recipe() {
	awk -v t=".Ss $1" '$0 == t { on = 1; next } on && /^\.Ss / { exit }
		on && /^\.Bd/ { bd = 1; next } on && /^\.Ed/ { bd = 0; next }
		bd { sub(/^\$ /, ""); gsub(/\\e/, "\\"); print }' "$page"
}

recipe "Keyword information" >"$T/info.sh"
check_grep "the keyword-information recipe is found" 'sms-auto add --trigger HOURS' "$T/info.sh"
check_exit "...and runs" 0 bash -e "$T/info.sh"
check_grep "...HOURS? answered by its rule" 'Acme Dental is open Mon-Fri 8am-6pm' "$T/.out"
check_exit "...LOCATION too" 0 sms-auto test -o json LOCATION
check_grep "...with the map" 'https://acme.example/map' "$T/.out"

cd "$T" || exit 1
printf '%s\n' '{"phone":"+15551230001","first":"Ann"}' '{"phone":"+15551230002","first":"Bob"}' >customers.json
recipe "Black Friday, staged in bulk" >"$T/bf.sh"
check_grep "the Black Friday recipe is found" 'sms-template render black-friday' "$T/bf.sh"
check_exit "...and runs" 0 bash -e "$T/bf.sh"
check_eq "...two messages staged, approved and sent, low priority, marketing" "2|2" \
	"$(sql "select count(*), sum(CASE WHEN priority = 'low' and purpose = 'marketing' and status in ('queued', 'sent', 'delivered') and reviewed_by = 'sam' THEN 1 ELSE 0 END) from messages where body like 'Acme: %Black Friday%'")"
check_eq "...each with its name" "Acme: Ann, Black Friday!" \
	"$(sql "select substr(body, 1, 24) from messages where to_number = '+15551230001'")"

recipe "A verification code" >"$T/code.sh"
check_exit "the verification-code recipe runs" 0 bash -e "$T/code.sh"
check_eq "...one transactional message, one segment" "transactional|1" \
	"$(sql "select purpose, segments from messages where body like 'Acme: your code is%'")"

# Every quoted body, answer and template of the page: one segment, and no
# keyword warning (the page's own advice).
grep -oE -- '(--body|--response|black-friday \\e) *$|(--body|--response) "[^"]*"|(--response|--body) '"'"'[^'"'"']*'"'"'|^    "Acme[^"]*"' "$page" |
	sed -E 's/^(--body|--response) //; s/^ *//; s/^["'"'"']//; s/["'"'"']$//' | grep -v '^--\|\\e$' >"$T/bodies"
check "the page's bodies and answers are found" test "$(wc -l <"$T/bodies")" -ge 15
jq -cR '{body: .}' "$T/bodies" | sms-split -o json >"$T/split"
check_eq "...none asks for an opt-out keyword" "" "$(jq -r 'select(.warnings | any(startswith("asks for"))) | .body' "$T/split")"
check_eq "...each is one segment" "" "$(jq -r 'select(.segments > 1) | .body' "$T/split")"
# The three flows run whole, as the page prints them (the reminder and the
# survey sent on the sandbox); sms-auto test says which rule answers in which
# state.
for flow in "Appointment confirmation" "Survey" "Lead qualification"; do
	recipe "$flow" | grep -v '^sms-inbox ' >"$T/flow.sh"
	check_exit "the $flow recipe runs" 0 bash -e "$T/flow.sh"
done
while read -r state text want; do
	sms-auto test -o json --state "$state" "$text" >"$T/t.json"
	check_eq "in state $state, \"$text\" is answered by $want" "$want" \
		"$(jq -r 'if .would_fire then .name else "none" end' "$T/t.json")"
done <<'CASES'
appt C confirmed
appt R rescheduling
confirmed DIRECTIONS directions
survey 5 review-ask
survey 3 rated
review-ask YES review-yes
review-ask NO review-no
lead-menu A lead-consult
lead-menu C lead-repair
none 5 none
none A none
CASES
check_exit "a message that says it is interested starts the lead flow" 0 sms-auto test -o json "I'm interested in your services"
check_eq "...with the menu" "lead-menu true" "$(jq -r '"\(.name) \(.would_fire)"' "$T/.out")"

done_testing
