#!/usr/bin/env bash
# The dashboard's autoresponders tab and flows (sms-auto(1), Flows; sms-webhookd(1),
# The review dashboard): the survey flow added with sms-auto shows as its chain of
# rules, in order, each step nested under the rule whose name it waits for,
# with its window and "ends the conversation"; a global rule starts a flow of
# its own; a flow rule added through the form is stored with its name, after,
# within, match and ends (read back with sql); what sms-auto add refuses,
# the form refuses with the same sentence (an opt-out keyword, a bad name,
# within without after, a name taken); a loop is shown once round.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
get() { local u=$1; shift; curl -s -o "$T/.body" -D "$T/.h" -w '%{http_code}' "$@" "$u"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'; }
header() { tr -d '\r' <"$T/.h" | sed -n "s/^$1: //Ip" | head -n 1; }
# The flows section's steps, one a line: "DEPTH NESTING rule:ID" or "DEPTH NESTING state:TAG",
# NESTING being how many <ul> are open around the step (1 for the outer list).
steps() {
	tr -d '\n' <"$T/.body" | sed -n 's/.*\(<ul class="flows">\)/\1/p' | sed 's/<h3>Add a rule.*//' |
		grep -o '<ul[^>]*>\|</ul>\|<li class="step[^"]*" data-depth="[0-9]*" data-[a-z]*="[^"]*"' |
		awk '/^<ul/ { n++; next } /^<\/ul>/ { n--; next }
		     { match($0, /data-depth="[0-9]*"/); d = substr($0, RSTART + 12, RLENGTH - 13)
		       match($0, /data-(rule|state)="[^"]*"/); k = substr($0, RSTART + 5, RLENGTH - 6)
		       sub(/="/, ":", k); print d, n, k }'
}

export SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_TZ=UTC SMS_FLOW_WINDOW=12h

# The survey of smskit-practices(7): three steps (the rating, the review question, its answer).
sms-auto add --name review-ask --after survey --within 2d --trigger 5 \
	--response "Thank you! Would you like to leave a review? Reply YES or NO" >/dev/null
sms-auto add --name rated --after survey --within 2d --match regex \
	--trigger '/^[1-4]$/' --end --response "Thank you for telling us." >/dev/null
sms-auto add --name review-yes --after review-ask --trigger YES --end \
	--response "Thank you! <https://acme.example/review?a=1&b=2>" >/dev/null
sms-auto add --name review-no --after review-ask --trigger NO --end \
	--response "No problem. Thank you for your visit!" >/dev/null
# A global rule, in no flow, and one that starts a flow of its own.
sms-auto add --trigger HOURS --response "We're open 9-5" >/dev/null
sms-auto add --name lead-menu --match regex --trigger '/interested/i' \
	--response "Thanks! Reply A) Consultation B) Installation" >/dev/null
sms-auto add --name lead-consult --after lead-menu --within 1d --trigger A --end \
	--response "Consultations are \$50." >/dev/null
check_eq "seven rules stored with sms-auto" 7 "$(q "select count(*) from autoresponders")"

start_webhookd
R=$WH_URL/review
jar=$T/jar
check_eq "the autoresponders tab opens" 200 "$(get "$R/autoresponders" -c "$jar")"
c=$(csrf_of "$T/.body")
check "...with a CSRF token in its form" test ${#c} = 64

# ---- The chain ---------------------------------------------------------------------------------
check_eq "the flows, in order, each step nested under the rule whose name it waits for" \
"0 1 state:survey
1 2 rule:1
2 3 rule:3
2 3 rule:4
1 2 rule:2
0 1 rule:6
1 2 rule:7" "$(steps)"
steps >"$T/steps"
check "...the global rule in no flow is not in the chain" sh -c "! grep -q 'rule:5' '$T/steps'"
check_grep "...which is in the table" '<tr id="rule-5"' "$T/.body"
check_grep "...the flow a tagged message starts says so" \
	'state <code>survey</code>, set by an outbound message with that tag (sms-send --tag survey)' "$T/.body"
check_grep "...an indented step carries the marker" \
	'<li class="step" data-depth="2" data-rule="3"><span class="marker">&#8627; </span>' "$T/.body"
check_grep "...a step at the top carries none" \
	'<li class="step" data-depth="0" data-rule="6"><span class="marker"></span>' "$T/.body"
check_grep "...review-ask: its own window, and the state it sets" \
	'data-rule="1">.*<code>5</code> <span class="match">(exact)</span> <span class="within">within 2d</span>.*<span class="sets">sets <code>review-ask</code></span>' "$T/.body"
check_grep "...review-yes: SMS_FLOW_WINDOW's window, escaped, and it ends the conversation" \
	'data-rule="3">.*<code>YES</code> <span class="match">(word)</span> <span class="within">within 12h (SMS_FLOW_WINDOW)</span> &rarr; <span class="body">Thank you! &lt;https://acme.example/review?a=1&amp;b=2&gt;</span> <strong class="ends">ends the conversation</strong>' "$T/.body"
check_grep "...rated matches by regex and ends the conversation" \
	'data-rule="2">.*<span class="match">(regex)</span> <span class="within">within 2d</span>.*ends the conversation' "$T/.body"

# ---- The table ---------------------------------------------------------------------------------
row() { grep -o "<tr id=\"rule-$1\".*" "$T/.body" | sed 's,</tr>.*,,'; }
check_eq "the table lists review-ask's flow fields" \
	'<td class="flow"><div class="name">name <code>review-ask</code></div><div class="match">match exact (by its form)</div><div class="after">after <code>survey</code> within 2d</div></td>' \
	"$(row 1 | grep -o '<td class="flow">.*</td><td class="text">' | sed 's,<td class="text">$,,')"
check_grep "...review-no's: the default window, ends" \
	'<div class="after">after <code>review-ask</code> within 12h (SMS_FLOW_WINDOW)</div><div class="ends">ends the conversation</div>' \
	<(row 4)
check_grep "...HOURS: no name, no after" '<td class="flow"><div class="match">match word (by its form)</div></td>' <(row 5)

# ---- The form ----------------------------------------------------------------------------------
check_eq "add a flow rule through the form" "303 autoresponders?note=auto&act=0&id=8" \
	"$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=add -d trigger=B \
		--data-urlencode 'response=An installer will call you.' -d name=lead-install \
		--data-urlencode 'after= lead-menu , review-ask ' -d within=90m -d match=exact -d end=1 -d enabled=1) $(header Location)"
check_eq "...stored with its name, after, within, match and ends" \
	"B|lead-install|lead-menu,review-ask|5400|exact|1|1" \
	"$(q "select trigger, name, after, within, match, ends, enabled from autoresponders where id = 8")"
get "$R/autoresponders" -b "$jar" >/dev/null
check_eq "...and shown under both states it waits for" \
"0 1 state:survey
1 2 rule:1
2 3 rule:3
2 3 rule:4
2 3 rule:8
1 2 rule:2
0 1 rule:6
1 2 rule:7
1 2 rule:8" "$(steps)"
check_eq "a rule with no flow fields from the form: all of them unset" "303" \
	"$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=add -d trigger=PARKING \
		-d 'response=Free parking behind the building.' -d name= -d after= -d within= -d match= -d enabled=1)"
check_eq "...stored so" "PARKING|||||0" "$(q "select trigger, name, after, within, match, ends from autoresponders where id = 9")"

before=$(q "select count(*) from autoresponders")
check_eq "an opt-out keyword as a trigger is refused (400)" 400 \
	"$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=add -d trigger=STOP -d response=Bye -d after=survey)"
sentence=$(sms-auto add --trigger STOP --response Bye --after survey 2>/dev/null | jq -r .error.message)
check "...sms-auto add refuses it with a sentence" test -n "$sentence"
esc=$(printf '%s' "$sentence" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'"; s/'/\\\&#39;/g" | sed 's/[][\.*^$/]/\\&/g')
check_grep "...the form says the same sentence" "Not added: $esc\." "$T/.body"
check_grep "...with what was typed kept" 'name="after" placeholder="[^"]*" value="survey"' "$T/.body"
check_eq "a name that is not a tag is refused (400)" 400 \
	"$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=add -d trigger=X -d response=x -d 'name=two words')"
check_grep "...saying what a name is" "Not added: a rule&#39;s name is a tag" "$T/.body"
check_eq "within without after is refused (400)" 400 \
	"$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=add -d trigger=X -d response=x -d within=2h)"
check_grep "...saying within goes with after" 'goes with' "$T/.body"
check_eq "a name already taken is refused (400)" 400 \
	"$(get "$R/autoresponders" -b "$jar" -d "csrf=$c" -d action=add -d trigger=X -d response=x -d name=rated)"
check_grep "...saying so" 'there is already a rule named rated' "$T/.body"
check_eq "...none of the refused ones was stored" "$before" "$(q "select count(*) from autoresponders")"

# ---- A loop ------------------------------------------------------------------------------------
sms-auto add --name maybe --after review-ask,maybe --trigger MAYBE \
	--response "Take your time: reply YES or NO" >/dev/null
get "$R/autoresponders" -b "$jar" >/dev/null
steps >"$T/steps"
check_eq "a rule that waits for its own name shows once round, then stops" \
	"2 3 rule:10 3 4 rule:10" "$(grep -A1 '^2 3 rule:10$' "$T/steps" | tr '\n' ' ' | sed 's/ $//')"
check_grep "...saying it goes back" 'data-depth="3" data-rule="10">.*(back to an earlier step)' "$T/.body"
stop_webhookd
done_testing
