#!/usr/bin/env bash
# sms-auto: add, list, rm, enable, disable, test; keyword and regex triggers,
# active hours in SMS_TZ, NDJSON in; and, below the program, autoresp_pick and
# store_auto_fired through tests/tools/auto-check.
# shellcheck disable=SC2016 # backquotes and $ in single quotes are meant literally
. tests/lib.sh

q() { sql "$1"; }
j() { jq -r "$1" "$T/.out" | paste -sd ' ' -; }

# ---- add, list -------------------------------------------------------------------
check_exit "add with options" 0 sms-auto add --trigger HOURS --response "We're open Mon-Fri 9am-5pm" --active-hours "9am-5pm Mon-Fri"
check_eq "...prints the rule's record (sms-auto(1))" '["id","trigger","response","enabled","active_hours","created_at","last_triggered_at","trigger_count","ok"]' "$(jq -c keys_unsorted "$T/.out")"
check_eq "...id 1, enabled, never fired" "1 true null 0 true" "$(j '.id, .enabled, .last_triggered_at, .trigger_count, .ok')"
check_eq "...stored in autoresponders" "HOURS|We're open Mon-Fri 9am-5pm|1|9am-5pm Mon-Fri|0" \
	"$(q "select trigger, response, enabled, active_hours, trigger_count from autoresponders")"
check_eq "...with an autoresponder event" '{"action":"add","id":1,"trigger":"HOURS"}' \
	"$(q "select detail from events where kind = 'autoresponder'")"
check_exit "add short options, --disabled" 0 sms-auto add -t '/price|cost/i' -r "Prices: example.com/prices" -d
check_eq "...stored disabled, no active hours (null)" "0|1" "$(q "select enabled, case when active_hours is null then 1 else 0 end from autoresponders where id = 2")"
check_exit "the trigger is trimmed" 0 sms-auto add --trigger "  LOCATION " --response "12 Main St"
check_eq "...stored as LOCATION" "LOCATION" "$(q "select trigger from autoresponders where id = 3")"

check_exit "list" 0 sms-auto list -o json
check_eq "...every rule, in id order" "1 2 3" "$(j .id)"
check_eq "...enabled flags" "true false true" "$(j .enabled)"
check_eq "...active_hours null when unset" "9am-5pm Mon-Fri null null" "$(j .active_hours)"
check_exit "list as text" 0 sms-auto list -o text
check_grep "...a header" '^ *ID  ON  *TRIGGER' "$T/.out"
check_grep "...one line per rule" '^ *1  yes  HOURS  *9am-5pm Mon-Fri  *0  We.re open' "$T/.out"
check_grep "...always for no hours" '^ *2  no   /price|cost/i  *always' "$T/.out"

# ---- refused rules ------------------------------------------------------------------
n_before=$(q "select count(*) from autoresponders")
check_exit "a keyword with a space is refused, exit 1" 1 sms-auto add -t "opening hours" -r x
check_eq "...invalid_trigger" "invalid_trigger false" "$(j '.error.code, .ok')"
check_grep "...saying why" 'holds a space' "$T/.err"
check_exit "a regex that does not compile" 1 sms-auto add -t '/(unclosed/' -r x
check_grep "...is refused with a clear message" 'does not compile as a POSIX extended regex' "$T/.err"
check_exit "an empty regex" 1 sms-auto add -t '//' -r x
check_grep "...is refused" 'regex between the slashes is empty' "$T/.err"
check_exit "a slash that is not a regex" 1 sms-auto add -t '/abc' -r x
check_grep "...is refused" 'write /regex/ or /regex/i' "$T/.err"
check_exit "a keyword ending in stripped punctuation" 1 sms-auto add -t 'HOURS?' -r x
check_grep "...could never match" 'could never' "$T/.err"
check_exit "an empty trigger" 1 sms-auto add -t '  ' -r x
check_exit "bad active hours" 1 sms-auto add -t X -r x -a "9am-5pmm"
check_eq "...invalid_active_hours" "invalid_active_hours" "$(j .error.code)"
check_grep "...naming the bad word" '`5pmm` is not a time' "$T/.err"
check_exit "an unknown day" 1 sms-auto add -t X -r x -a "9am-5pm Mon-Fry"
check_grep "...says what days are" '`Fry` is not a day' "$T/.err"
check_exit "an hour out of range" 1 sms-auto add -t X -r x -a "13pm-2pm"
check_exit "a bare hour is ambiguous" 1 sms-auto add -t X -r x -a "9-17"
check_grep "...asks for am/pm or minutes" 'add am or pm' "$T/.err"
check_exit "a lone time is not a window" 1 sms-auto add -t X -r x -a "9am"
check_exit "two windows" 1 sms-auto add -t X -r x -a "9am-12pm 1pm-5pm"
check_grep "...suggest a second rule" 'add another rule' "$T/.err"
check_exit "a blank response" 1 sms-auto add -t X -r "   "
check_eq "...invalid_response" "invalid_response" "$(j .error.code)"
check_exit "a response over 1600 characters" 1 sms-auto add -t X -r "$(printf '%01601d' 0)"
check_eq "...body_too_long" "body_too_long" "$(j .error.code)"
check_eq "none of them stored" "$n_before" "$(q "select count(*) from autoresponders")"

# ---- the active-hours language (autoresp_hours_parse) -------------------------------
hours_is() { # DESC SPEC EXPECTED
	check_eq "active hours $2: $1" "$3" "$(auto-check hours "$2" 2026-11-27T12:00:00Z | head -n 1)"
}
hours_is "minutes and days" "9:30am-5pm Mon-Fri" "570 1020 0111110"
hours_is "24-hour" "09:00-17:30" "540 1050 1111111"
hours_is "12am is midnight" "12am-6am" "0 360 1111111"
hours_is "12pm is noon" "12pm-1pm" "720 780 1111111"
hours_is "12:30am" "12:30am-1am" "30 60 1111111"
hours_is "24:00 as an end" "18:00-24:00" "1080 1440 1111111"
hours_is "crossing midnight" "10pm-6am" "1320 360 1111111"
hours_is "days alone" "Sat-Sun" "0 0 1000001"
hours_is "a wrapping range" "Fri-Mon" "0 0 1100011"
hours_is "a list" "Mon,Wed,Fri" "0 0 0101010"
hours_is "full names, any case, spaces" "monday , WEDNESDAY-thu" "0 0 0101100"
hours_is "days first, a.m./to" "Tue 9 a.m. to 5 p.m." "540 1020 0010000"
hours_is "weekends" "10am-2pm weekends" "600 840 1000001"
hours_is "empty is always" "" "always"

# ---- keyword and regex triggers (sms-auto test) --------------------------------------
SMS_DB=$(new_store match); export SMS_DB
sms-auto add -t HOURS -r "open 9-5" >/dev/null
sms-auto add -t '/price|cost/i' -r "see the site" >/dev/null
sms-auto add -t '/^yes$/' -r "confirmed" >/dev/null
fires() { # DESC BODY EXPECTED_ID (or none)
	local got
	got=$(sms-auto test -o json "$2" | jq -r 'if .would_fire then .id else "none" end')
	check_eq "$1" "$3" "$got"
}
fires "HOURS answers hours?" "hours?" 1
fires "...and '  Hours please' (first word, leading space)" "  Hours please" 1
fires "...and HOURS!!" "HOURS!!" 1
fires "...and hours, (comma)" "hours, please" 1
fires "...not 'what are your hours'" "what are your hours" none
fires "...not hourss" "hourss" none
fires "...not an empty message" "" none
fires "/price|cost/i anywhere, any case" "What's the PRICE of that?" 2
fires "/^yes\$/ is case-sensitive and anchored" "YES" none
fires "...matches yes" "yes" 3
fires "...not 'yes please'" "yes please" none
check_exit "test with no match exits 0" 0 sms-auto test -o json "what are your hours"
check_eq "...would_fire false, saying why" "false no rule's trigger matches" "$(j '.would_fire, .reason')"
check_exit "test words are one message" 0 sms-auto test -o json hours please
check_eq "...joined by spaces" "hours please true" "$(j '.body, .would_fire')"
check_eq "UTF-8 in a keyword compares bytewise: CAFÉ matches cafÉ" "match" "$(auto-check match CAFÉ "cafÉ latte")"
check_eq "...but not café (ASCII case folding only)" "no match" "$(auto-check match CAFÉ "café latte")"
check_eq "a keyword with inner punctuation" "match" "$(auto-check match C.O.D "c.o.d.")"
check_eq "a regex with a slash inside" "match" "$(auto-check match '/a/b/' "xa/by")"
check_eq "a tab before the first word" "match" "$(auto-check match HOURS "$(printf '\tHours')")"

# ---- active hours in SMS_TZ ---------------------------------------------------------
SMS_DB=$(new_store hours); export SMS_DB SMS_TZ=America/New_York
sms-auto add -t HOURS -r "We're open" -a "9am-5pm Mon-Fri" >/dev/null
sms-auto add -t HOURS -r "We're closed" >/dev/null
sms-auto add -t NIGHT -r "night owl" -a "10pm-6am Fri" >/dev/null
at() { # DESC UTC BODY EXPECTED_ID (or none)
	local got
	got=$(SMS_TEST_NOW=$2 sms-auto test -o json "$3" | jq -r 'if .would_fire then .id else "none" end')
	check_eq "$1" "$4" "$got"
}
at "Fri 16:59 New York: inside 9am-5pm" 2026-11-27T21:59:00Z hours 1
at "Fri 17:00: outside (the end is not included), the fallback answers" 2026-11-27T22:00:00Z hours 2
at "Fri 08:59: outside" 2026-11-27T13:59:00Z hours 2
at "Fri 09:00: inside" 2026-11-27T14:00:00Z hours 1
at "Sat 10:00: not a weekday" 2026-11-28T15:00:00Z hours 2
at "summer time: Fri 3 July 16:30 EDT is inside" 2026-07-03T20:30:00Z hours 1
at "crossing midnight: Fri 23:30" 2026-11-28T04:30:00Z night 3
at "...Sat 05:59 still belongs to Friday's window" 2026-11-28T10:59:00Z night 3
at "...Sat 06:00: over" 2026-11-28T11:00:00Z night none
at "...Sat 23:00: Saturday's window is not active" 2026-11-29T04:00:00Z night none
at "...Fri 02:00 belongs to Thursday" 2026-11-27T07:00:00Z night none
check_exit "the fallback answering on Saturday" 0 env SMS_TEST_NOW=2026-11-28T15:00:00Z sms-auto test -o json hours
check_eq "...passes over rule 1, saying why" "1 HOURS" "$(j '.passed_over[] | .id, .trigger')"
check_grep "...outside its hours, at Sat 10:00 local" 'outside its active hours (9am-5pm Mon-Fri): now is Sat 10:00 EST' "$T/.out"
check_exit "with the fallback disabled" 0 sms-auto disable 2
check_exit "...nothing fires on Saturday" 0 env SMS_TEST_NOW=2026-11-28T15:00:00Z sms-auto test -o json hours
check_eq "...and the record names the rule that matched" "false 1 HOURS" "$(j '.would_fire, .id, .trigger')"
check_grep "...and why it did not fire" '"reason":"it is outside its active hours (9am-5pm Mon-Fri): now is Sat 10:00 EST"' "$T/.out"
check_eq "...the disabled fallback is passed over too" "it is disabled" "$(jq -r '.passed_over[1].reason' "$T/.out")"
check_exit "--at instead of SMS_TEST_NOW" 0 sms-auto test -o json --at 2026-11-27T20:00:00Z hours
check_eq "...rule 1 fires" "true 1" "$(j '.would_fire, .id')"
check_exit "test as text" 0 env SMS_TEST_NOW=2026-11-28T15:00:00Z sms-auto test -o text hours
check_grep "...says what matched and why not" '^would not fire: rule 1 (HOURS) matches, but it is outside' "$T/.out"
check_grep "...and lists the others" '^  passed over rule 2 (HOURS): it is disabled' "$T/.out"
sms-auto enable 2 >/dev/null
check_eq "without SMS_TZ the same instant is in the process's zone (TZ=UTC: 21:00, outside)" "2" \
	"$(env -u SMS_TZ TZ=UTC SMS_TEST_NOW=2026-11-27T21:00:00Z sms-auto test -o json hours | jq -r .id)"
check_eq "...in New York it is 16:00, inside" "1" \
	"$(SMS_TEST_NOW=2026-11-27T21:00:00Z sms-auto test -o json hours | jq -r .id)"
echo "SMS_TZ = America/New_York" >"$SMS_CONFIG"
check_eq "SMS_TZ from the config file" "1" \
	"$(env -u SMS_TZ TZ=UTC SMS_TEST_NOW=2026-11-27T21:00:00Z sms-auto test -o json hours | jq -r .id)"
rm -f "$SMS_CONFIG"

# ---- enable, disable, rm -----------------------------------------------------------------
check_exit "disable" 0 sms-auto disable 1
check_eq "...changed, enabled false" "true false" "$(j '.changed, .enabled')"
check_eq "...stored" 0 "$(q "select enabled from autoresponders where id = 1")"
check_exit "disable again is not an error" 0 sms-auto disable 1
check_eq "...changed false" "false" "$(j .changed)"
check_eq "...one disable event, not two" 1 "$(q "select count(*) from events where kind = 'autoresponder' and detail like '%\"disable\",\"id\":1,%'")"
check_exit "enable several, one unknown and one malformed: exit 1" 1 sms-auto enable 1 99 x 3
check_eq "...one record each, in order" "1 99 x 3" "$(j .id)"
check_eq "...ok, failed, failed, ok" "true false false true" "$(j .ok)"
check_eq "...not_found and invalid_id" "not_found invalid_id" "$(j 'select(.ok | not) | .error.code')"
check_eq "...the known one enabled" 1 "$(q "select enabled from autoresponders where id = 1")"
check_exit "rm" 0 sms-auto rm 3
check_eq "...prints the rule as it was, removed" "3 NIGHT true" "$(j '.id, .trigger, .removed')"
check_eq "...gone from the store" 0 "$(q "select count(*) from autoresponders where id = 3")"
check_eq "...with a remove event" 1 "$(q "select count(*) from events where kind = 'autoresponder' and detail like '%\"remove\"%'")"
check_exit "rm of a missing id exits 1" 1 sms-auto rm 3
check_eq "...not_found" "not_found" "$(j .error.code)"
check_exit "rm from NDJSON records (the MCP shim's way)" 0 sh -c 'echo "{\"id\": 2, \"ref\": \"x\"}" | sms-auto rm'
check_eq "...removed, line and ref kept" "2 true 1 x" "$(j '.id, .removed, .line, .ref')"
check_exit "rm as text" 0 sms-auto rm -o text 1
check_grep "...says what was removed" '^removed rule 1 (HOURS)$' "$T/.out"

# ---- NDJSON input for add -----------------------------------------------------------------
SMS_DB=$(new_store ndjson); export SMS_DB
printf '%s\n' '{"trigger":"HOURS","response":"9-5","ref":"r1"}' \
	'not json' \
	'{"trigger":"LOCATION","response":"12 Main St","activeHours":"Sat-Sun","enabled":false,"x":[1]}' \
	'{"trigger":"two words","response":"x"}' \
	'' \
	'{"response":"no trigger"}' \
	'{"trigger":"CONFIRM","response":"ok","enabled":"yes"}' \
	'{"trigger":"/^stop me$/i","response":"bye","active_hours":"  9am-5pm  "}' >"$T/in"
check_exit "add from NDJSON with bad lines exits 1" 1 sms-auto add <"$T/in"
cp "$T/.out" "$T/out"
check_eq "...one record per line, blank skipped, in order" "1 2 3 4 6 7 8" "$(jq -r .line "$T/out" | xargs)"
check_eq "...ok, bad, ok, bad, bad, bad, ok" "true false true false false false true" "$(jq -r .ok "$T/out" | xargs)"
check_eq "...error codes" "bad_json invalid_trigger invalid_trigger invalid_field" "$(jq -r 'select(.ok | not) | .error.code' "$T/out" | xargs)"
check_eq "...unknown fields pass through" "r1 [1]" "$(sed -n 1p "$T/out" | jq -r .ref) $(sed -n 3p "$T/out" | jq -c .x)"
check_eq "...activeHours read, enabled false kept" "Sat-Sun false" "$(sed -n 3p "$T/out" | jq -r '.active_hours, .enabled' | xargs)"
check_eq "...the good ones stored, hours trimmed" "HOURS||1 LOCATION|Sat-Sun|0 /^stop me\$/i|9am-5pm|1" \
	"$(q "select trigger || '|' || coalesce(active_hours, '') || '|' || enabled from autoresponders order by id" | xargs)"
check_exit "input with no JSON line at all exits 65" 65 sh -c 'echo nope | sms-auto add'
check_exit "test from NDJSON records" 0 sh -c 'printf "%s\n" "{\"body\":\"Hours?\",\"from\":\"+12125550123\"}" "{\"body\":\"STOP ME\"}" | sms-auto test'
check_eq "...one record each, fields kept" "1 +12125550123 3 null" "$(j '.id, .from')"
check_exit "a test record without a body" 1 sh -c 'echo "{\"text\":\"hours\"}" | sms-auto test'
check_eq "...invalid_body" "invalid_body" "$(j .error.code)"

# ---- autoresp_pick and store_auto_fired (auto-check) ----------------------------------------
SMS_DB=$(new_store pick); export SMS_DB SMS_TEST_NOW=2026-11-27T15:00:00Z
sms-auto add -t HOURS -r "first" -d >/dev/null         # 1: disabled
sms-auto add -t '/hours/i' -r "second" >/dev/null      # 2: the first enabled match
sms-auto add -t HOURS -r "third" >/dev/null            # 3: later, never reached
sms-auto add -t OTHER -r "other" -a "Sat-Sun" >/dev/null # 4: outside (a Friday)
check_exit "pick: the first enabled matching rule in id order" 0 auto-check pick "hours?"
check_eq "...rule 2, the disabled rule 1 skipped" "2 second" "$(cat "$T/.out")"
check_exit "pick: a rule outside its hours does not answer" 3 auto-check pick "other"
check_eq "...none" "none" "$(cat "$T/.out")"
check_exit "pick: enabling rule 1 makes it first" 0 sh -c 'sms-auto enable 1 >/dev/null && auto-check pick "HOURS"'
check_eq "...rule 1" "1 first" "$(cat "$T/.out")"
check_eq "sms-auto test agrees" "1" "$(sms-auto test -o json HOURS | jq -r .id)"
check_eq "pick does not count" "0" "$(q "select trigger_count from autoresponders where id = 1")"
check_exit "fire: pick and count in one transaction" 0 auto-check fire "hours"
check_eq "...trigger_count 1, last_triggered_at now" "1|2026-11-27T15:00:00Z" "$(q "select trigger_count, last_triggered_at from autoresponders where id = 1")"
check_exit "fire again, later" 0 env SMS_TEST_NOW=2026-11-27T16:30:00Z auto-check fire "hours"
check_eq "...counted twice, time moved on" "2|2026-11-27T16:30:00Z" "$(q "select trigger_count, last_triggered_at from autoresponders where id = 1")"
check_exit "fired with an earlier time (a late webhook)" 0 auto-check fired 1 2026-11-27T10:00:00-05:00
check_eq "...counts, but last_triggered_at never moves back" "3|2026-11-27T16:30:00Z" "$(q "select trigger_count, last_triggered_at from autoresponders where id = 1")"
check_exit "fired with an offset time normalises it to UTC" 0 auto-check fired 2 2026-11-27T12:00:00-05:00
check_eq "...stored as UTC" "2026-11-27T17:00:00Z" "$(q "select last_triggered_at from autoresponders where id = 2")"
check_exit "fired: an unknown rule" 3 auto-check fired 99
check_exit "fired: a bad time" 1 auto-check fired 1 yesterday
check_eq "...changes nothing" 3 "$(q "select trigger_count from autoresponders where id = 1")"
check_eq "list shows the counts" "3 1 0 0" "$(sms-auto list -o json | jq -r .trigger_count | xargs)"
check_eq "get gives the same record as list" "$(sms-auto list -o json | head -n 1 | jq -c 'del(.ok)')" "$(auto-check get 1)"
q "update autoresponders set active_hours = 'whenever' where id = 1"
check_eq "a rule whose hours no longer parse is skipped" "2 second" "$(auto-check pick hours)"
check_exit "...and sms-auto test says so" 0 sms-auto test -o json hours
check_grep "...in passed_over" 'its active hours \\"whenever\\" no longer parse' "$T/.out"
unset SMS_TEST_NOW

# ---- usage and configuration ----------------------------------------------------------------
check_exit "an unknown command exits 64" 64 sms-auto frobnicate
check_exit "no command exits 64" 64 sms-auto
check_exit "--trigger without --response exits 64" 64 sms-auto add --trigger X
check_exit "--response without --trigger exits 64" 64 sms-auto add --response X
check_exit "--trigger goes with add only" 64 sms-auto rm --trigger X 1
check_exit "--at goes with test only" 64 sms-auto list --at 2026-11-27T15:00:00Z
check_exit "--at must be RFC 3339" 64 sms-auto test --at tomorrow hours
check_exit "list takes no arguments" 64 sms-auto list 1
check_exit "add takes no arguments" 64 sms-auto add -t X -r y extra
check_exit "an unknown option exits 64" 64 sms-auto list --bogus
check_exit "-o takes json or text" 64 sms-auto list -o yaml
check_exit "options after the verb" 0 sms-auto add -t AFTER -r y -o json
check_exit "--help" 0 sms-auto --help
check_grep "...prints usage" '^usage: sms-auto' "$T/.out"
check_exit "--version" 0 sms-auto --version
check_eq "...prints the version" "sms-auto 0.1.0" "$(cat "$T/.out")"
check_exit "a store that is not SQLite exits 78" 78 env SMS_DB="$T/junk.db" sh -c 'echo junk >"$SMS_DB"; sms-auto list'
done_testing
