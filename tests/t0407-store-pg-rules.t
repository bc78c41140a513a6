#!/usr/bin/env bash
# The store's rules on whichever backend SMSKIT_STORE selects (SQLite, or
# PostgreSQL's store_pg_optout.c, store_pg_consent.c, store_pg_templates.c,
# store_pg_auto.c): opt-outs and their events and consent rows through
# sms-optout, the consents log (in, consent, consents), templates through
# sms-template (WhatsApp ones too), autoresponders through sms-auto and
# auto-check fired, the rules' version (PostgreSQL's smskit_version), and
# sms-webhookd answering STOP, START and a rule that sms-auto adds, disables,
# enables and removes while the daemon runs. Read back with `sql`.
# shellcheck disable=SC2016 # $ in single quotes is meant literally
. tests/lib.sh
. tests/webhook.sh

need "the rules of the store" jq curl openssl || { done_testing; exit; }
case $SMS_DB in postgres*) need "the rules of the store" psql || { done_testing; exit; } ;;
*) need "the rules of the store" sqlite3 || { done_testing; exit; } ;; esac

export SMS_TZ=UTC SMS_QUIET_HOURS=off
T0=2026-11-25T15:00:00Z T1=2026-11-25T16:00:00Z T2=2026-11-25T17:00:00Z
export SMS_TEST_NOW=$T0
j() { jq -r "$1" "$T/.out" | paste -sd ' ' -; }
pg() { case $SMS_DB in postgres*) return 0 ;; *) return 1 ;; esac; }
# The rules' version PostgreSQL keeps (store_others_version); SQLite's is
# per connection (PRAGMA data_version), read through the daemon below.
version() { sql "select n from smskit_version"; }

# ---- opt-outs ----------------------------------------------------------------------
A=+15551230001 B=+15551230002 C=+15551230003 WA=whatsapp:+15551230001
check_exit "sms-optout add" 0 sms-optout add --source "keyword STOP" "$A" -o json
check_eq "...changed" "true keyword STOP" "$(j '.changed, .source')"
check_eq "...the row, at now" "$A|$T0|keyword STOP" "$(sql "select number, at, source from optouts")"
check_eq "...an optout event naming number and source" \
	"optout|{\"number\":\"$A\",\"source\":\"keyword STOP\"}|1" \
	"$(sql "select kind, detail, CASE WHEN message_id IS NULL THEN 1 ELSE 0 END from events")"
check_eq "...and an opt_out row in the consents log" "$A|$T0|opt_out|keyword STOP||$T0" \
	"$(sql "select number, at, kind, source, evidence, recorded_at from consents")"
export SMS_TEST_NOW=$T1
check_exit "adding it again is no error" 0 sms-optout add --source manual "$A" -o json
check_eq "...changed false" false "$(j .changed)"
check_eq "...the opt-out keeps its date and source" "$A|$T0|keyword STOP" \
	"$(sql "select number, at, source from optouts")"
check_eq "...no second event nor consent row" "1 1" \
	"$(sql "select count(*) from events") $(sql "select count(*) from consents")"
check_exit "a WhatsApp opt-out is apart from the SMS one" 0 sms-optout add "$WA" -o json
check_eq "...changed, source manual by default" "true manual" "$(j '.changed, .source')"
check_exit "two more at once" 0 sms-optout add "$C" "$B"
check_exit "list" 0 sms-optout list -o json
check_eq "...oldest first, then by number (byte order)" "$A $B $C $WA" "$(j .number)"
check_eq "...with their dates" "$T0 $T1 $T1 $T1" "$(j .at)"
check_exit "check" 0 sms-optout check "$A" +15551230009 -o json
check_eq "...opted out or not" "true false" "$(j .opted_out)"
check_exit "rm" 0 sms-optout rm "$B" -o json
check_eq "...changed" true "$(j .changed)"
check_eq "...the row gone" 0 "$(sql "select count(*) from optouts where number = '$B'")"
check_eq "...an optin event" "{\"number\":\"$B\",\"source\":\"manual\"}" \
	"$(sql "select detail from events where kind = 'optin'")"
check_exit "rm of a number not opted out is no error" 0 sms-optout rm "$B" -o json
check_eq "...changed false, no event" "false 1" "$(j .changed) $(sql "select count(*) from events where kind = 'optin'")"

D=+15551230006
for i in 1 2 3 4; do sms-optout add --source "race $i" "$D" -o json >"$T/race$i" 2>/dev/null & done
wait
check_eq "four opt-outs of one number at once: each answered, one changed" "1 1 1 1|1" \
	"$(for i in 1 2 3 4; do jq -r 'if .ok then 1 else 0 end' "$T/race$i"; done | paste -sd ' ' -)|$(cat "$T"/race? | jq -r 'select(.changed) | 1' | wc -l)"
check_eq "...one row, one event, one consent row" "1 1 1" \
	"$(sql "select count(*) from optouts where number = '$D'") $(sql "select count(*) from events where detail like '%$D%'") $(sql "select count(*) from consents where number = '$D'")"
sms-optout rm "$D" >/dev/null

# ---- consent ---------------------------------------------------------------------------
export SMS_TEST_NOW=$T2
check_exit "an opt-in of an opted-out number" 0 sms-optout in --source web --evidence "form #1, 198.51.100.7" "$A" -o json
check_eq "...lifts the older opt-out" "true true" "$(j '.consent, .lifted_optout')"
check_eq "...the opt-out gone" 0 "$(sql "select count(*) from optouts where number = '$A'")"
check_eq "...with an optin event saying why" "{\"number\":\"$A\",\"source\":\"consent web\"}" \
	"$(sql "select detail from events where kind = 'optin' and detail like '%consent%'")"
check_eq "...the opt_in row, its evidence" "opt_in|web|form #1, 198.51.100.7|$T2" \
	"$(sql "select kind, source, evidence, at from consents where number = '$A' and kind = 'opt_in'")"
check_exit "an opt-in older than the opt-out (an import)" 0 sms-optout in --source paper --evidence "signed form #9" --at 2026-01-02T03:04:05+01:00 "$C" -o json
check_eq "...is recorded but lifts nothing" "true false 2026-01-02T02:04:05Z" "$(j '.consent, .lifted_optout, .at')"
check_eq "...the number stays opted out" 1 "$(sql "select count(*) from optouts where number = '$C'")"
check_exit "an opt-in without evidence is refused" 1 sms-optout in --source web "$B" -o json
check_exit "an opt-in in the future is refused" 1 sms-optout in --source web --evidence x --at 2099-01-01T00:00:00Z "$B" -o json
check_grep "...saying why" 'is in the future: consent is recorded once given' "$T/.out"
check_exit "consent shows a number's history" 0 sms-optout consent "$A" "$C" -o json
check_eq "...oldest first" "opt_out,opt_in opt_in,opt_out" "$(jq -r '[.history[].kind] | join(",")' "$T/.out" | paste -sd ' ' -)"
check_eq "...the latest word of each" "true false" "$(j .consent)"
check_exit "consents: every number's latest word" 0 sms-optout consents -o json
check_eq "...by number, byte order" "$A $B $C $D $WA" "$(j .number)"
check_eq "...their latest kinds" "opt_in opt_out opt_out opt_out opt_out" "$(j .kind)"

# ---- templates -------------------------------------------------------------------------
export SMS_TEST_NOW=$T0
check_exit "sms-template add" 0 sms-template add welcome 'Hi {{name}}'
check_eq "...stored" "welcome|Hi {{name}}|$T0|$T0||" \
	"$(sql "select name, body, created_at, updated_at, content_sid, template_category from templates")"
check_exit "the same name again is refused, exit 1" 1 sms-template add welcome 'Other'
check_grep "...saying it exists" 'template welcome exists' "$T/.err"
check_eq "...the body kept" "Hi {{name}}" "$(sql "select body from templates where name = 'welcome'")"
export SMS_TEST_NOW=$T1
check_exit "--replace" 0 sms-template add --replace welcome 'Hello {{name}}'
check_eq "...the body replaced, created_at kept, updated_at now" "Hello {{name}}|$T0|$T1" \
	"$(sql "select body, created_at, updated_at from templates where name = 'welcome'")"
SID=HX0123456789abcdef0123456789abcdef
check_exit "a WhatsApp template" 0 sms-template add --content-sid "$SID" --category utility wa_ship 'Shipped {{1}}'
check_eq "...its Content SID and category stored" "$SID|utility" \
	"$(sql "select content_sid, template_category from templates where name = 'wa_ship'")"
check_exit "another" 0 sms-template add Zeta 'z'
check_exit "list" 0 sms-template list -o json
check_eq "...by name, byte order" "Zeta wa_ship welcome" "$(j .name)"
check_eq "...the WhatsApp fields only where set" "null $SID null" "$(j .content_sid)"
check_exit "render a plain template" 0 sh -c 'echo "{\"to\":\"+15551230001\",\"vars\":{\"name\":\"Ann\"}}" | sms-template render welcome'
check_eq "...its body, no content_sid" "Hello Ann null" "$(j '.body, .content_sid')"
check_exit "render the WhatsApp one" 0 sh -c 'echo "{\"to\":\"whatsapp:+15551230001\",\"vars\":{\"1\":\"today\"}}" | sms-template render wa_ship'
check_eq "...as content_sid and content_variables" "$SID today utility" "$(j '.content_sid, .content_variables["1"], .template_category')"
check_exit "rm" 0 sms-template rm Zeta
check_eq "...gone" "wa_ship welcome" "$(sql "select name from templates order by name" | paste -sd ' ' -)"
check_exit "rm of a missing template, exit 1" 1 sms-template rm Zeta
check_grep "...no template named" 'no template named Zeta' "$T/.err"

# ---- autoresponders --------------------------------------------------------------------
export SMS_TEST_NOW=$T0
pg && v0=$(version)
check_exit "sms-auto add" 0 sms-auto add --trigger SURVEY --response "Rate us 1-5" --name survey -o json
check_eq "...id 1" "1 survey" "$(j '.id, .name')"
pg && check "...bumps the rules' version" test "$(version)" -gt "$v0"
check_exit "add a flow's step" 0 sms-auto add --trigger '/^[1-5]$/' --response Thanks --name rated \
	--after survey --within 30m --match regex --end --active-hours "9am-5pm" -o json
check_eq "...every field stored" "2|/^[1-5]\$/|Thanks|1|9am-5pm|$T0||0|rated|survey|1800|regex|1" \
	"$(sql "select id, trigger, response, enabled, active_hours, created_at, last_triggered_at, trigger_count, name, after, within, match, ends from autoresponders where id = 2")"
check_eq "...an autoresponder event" '{"action":"add","id":2,"trigger":"/^[1-5]$/"}' \
	"$(sql "select detail from events where kind = 'autoresponder' order by id desc limit 1")"
pg && v1=$(version)
check_exit "a name taken is refused, exit 1" 1 sms-auto add --trigger OTHER --response x --name survey -o json
check_eq "...as name_taken" name_taken "$(j .error.code)"
check_grep "...with the store's sentence" 'there is already a rule named survey' "$T/.out"
pg && check_eq "...the rules' version unchanged" "$v1" "$(version)"
check_exit "the next rule" 0 sms-auto add --trigger HOURS --response "9 to 5" --disabled -o json
check_eq "...takes the next id (the refusal spent none), disabled" "3 false" "$(j '.id, .enabled')"
check_exit "list" 0 sms-auto list -o json
check_eq "...in id order" "1 2 3" "$(j .id)"
check_eq "...names where set" "survey rated null" "$(j .name)"
check_eq "...after where set" "null survey null" "$(j .after)"
check_eq "...within where set" "null 1800 null" "$(j .within)"
pg && v2=$(version)
check_exit "enable" 0 sms-auto enable 3 -o json
check_eq "...changed" "true true" "$(j '.changed, .enabled')"
pg && check "...bumps the rules' version" test "$(version)" -gt "$v2"
pg && v3=$(version)
check_exit "enable again" 0 sms-auto enable 3 -o json
check_eq "...changes nothing" "false" "$(j .changed)"
pg && check_eq "...the rules' version unchanged" "$v3" "$(version)"
check_exit "disable" 0 sms-auto disable 3 -o json
check_eq "...stored" 0 "$(sql "select enabled from autoresponders where id = 3")"
pg && check "...bumps the rules' version" test "$(version)" -gt "$v3"
check_eq "enable, enable again, disable: two events" "enable disable" \
	"$(sql "select detail from events where kind = 'autoresponder' and detail like '%\"id\":3%' order by id" | jq -r .action | tail -n 2 | paste -sd ' ' -)"
check_exit "disable of no rule, exit 1" 1 sms-auto disable 99 -o json
check_grep "...no such rule" 'autoresponder 99: no such rule' "$T/.out"
pg && v4=$(version)
check_exit "a trigger counted (store_auto_fired)" 0 auto-check fired 1 2026-11-25T15:30:00Z
check_exit "...an older one" 0 auto-check fired 1 2026-11-25T15:10:00+00:00
check_eq "...counts twice, last_triggered_at never moves back" "2|2026-11-25T15:30:00Z" \
	"$(sql "select trigger_count, last_triggered_at from autoresponders where id = 1")"
pg && check_eq "...the rules' version unchanged" "$v4" "$(version)"
check_exit "...no rule 99: not found (3)" 3 auto-check fired 99
check_exit "rm" 0 sms-auto rm 3 -o json
check_eq "...gone" "1 2" "$(sql "select id from autoresponders order by id" | paste -sd ' ' -)"
check_eq "...a remove event with its trigger" '{"action":"remove","id":3,"trigger":"HOURS"}' \
	"$(sql "select detail from events where kind = 'autoresponder' order by id desc limit 1")"
pg && check "...bumps the rules' version" test "$(version)" -gt "$v4"
check_exit "rm again, exit 1" 1 sms-auto rm 3 -o json
for i in 1 2 3 4; do sms-auto add --trigger "RACE$i" --response x --name racer -o json >"$T/race$i" 2>/dev/null & done
wait
check_eq "four rules of one name at once: one added, three name_taken" "name_taken name_taken name_taken ok" \
	"$(for i in 1 2 3 4; do jq -r 'if .ok then "ok" else .error.code end' "$T/race$i"; done | sort | paste -sd ' ' -)"
check_eq "...one stored" 1 "$(sql "select count(*) from autoresponders where name = 'racer'")"
sql "delete from autoresponders where name = 'racer'"

# ---- sms-webhookd: STOP, START, and rules changed while it runs --------------------------
export SMS_DB; SMS_DB=$(new_store hook)
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_AUTO_REPLY_LIMIT=2 SMS_TEST_NOW=$T0
answer() { sed -n 's|.*<Message>\(.*\)</Message>.*|\1|p' "$T/.body"; }
start_webhookd
U=$WH_URL/sms/incoming
check_eq "STOP" 200 "$(incoming "$U" SM01 "$A" STOP)"
check_eq "...opts the number out" "$A|keyword STOP" "$(sql "select number, source from optouts")"
check_eq "...its consent row" "opt_out|keyword STOP" "$(sql "select kind, source from consents")"
check_eq "START" 200 "$(incoming "$U" SM02 "$A" START)"
check_eq "...opts it back in" 0 "$(sql "select count(*) from optouts")"
check_eq "...an optin event" 1 "$(sql "select count(*) from events where kind = 'optin'")"
check_eq "PING before any rule gets no answer" "200 " "$(incoming "$U" SM03 "$B" ping) $(answer)"
check_exit "sms-auto adds a rule while the daemon runs" 0 sms-auto add -t PING -r pong -o json
check_eq "...the very next message gets its answer" "200 pong" "$(incoming "$U" SM04 "$B" ping) $(answer)"
check_eq "...counted once" "1|$T0" "$(sql "select trigger_count, last_triggered_at from autoresponders")"
pg && v5=$(version)
check_eq "an answer again" "200 pong" "$(incoming "$U" SM05 "$C" ping) $(answer)"
pg && check_eq "...a rule firing leaves the rules' version alone" "$v5" "$(version)"
check_exit "sms-auto disables it" 0 sms-auto disable 1
check_eq "...the next message gets no answer" "200 " "$(incoming "$U" SM06 "$C" ping) $(answer)"
check_exit "sms-auto enables it" 0 sms-auto enable 1
check_eq "...answered again" "200 pong" "$(incoming "$U" SM07 +15551230004 ping) $(answer)"
check_eq "$B's second answer" "200 pong" "$(incoming "$U" SM08 "$B" ping) $(answer)"
check_eq "...its third stops at SMS_AUTO_REPLY_LIMIT=2" "200 " "$(incoming "$U" SM10 "$B" ping) $(answer)"
check_eq "...$B had 2 (messages whose webhook event names the rule)" 2 \
	"$(sql "select count(*) from messages where direction = 'outbound' and to_number = '$B'")"
check_eq "...held, saying why" 1 "$(sql "select count(*) from events where kind = 'autoresponder' and detail like '%reply_limit%'")"
check_exit "sms-auto removes it" 0 sms-auto rm 1
check_eq "...the next message gets no answer" "200 " "$(incoming "$U" SM09 +15551230005 ping) $(answer)"
# A flow's step (the rule's after, within, match and end, read back by the
# daemon): a survey sent tagged, its rating answered, then nothing.
E=+15551230007
check_exit "sms-auto adds a flow's step while the daemon runs" 0 sms-auto add --trigger '/^[1-5]$/' \
	--match regex --response "Thanks for rating" --name rated --after survey --within 1h --end
check_exit "a survey goes out tagged survey" 0 env SMS_PROVIDER=sandbox sms-send --to "$E" --tag survey --body "Rate us 1-5"
check_eq "a rating outside the survey gets no answer" "200 " "$(incoming "$U" SM11 +15551230008 5) $(answer)"
check_eq "...inside it, the step's answer" "200 Thanks for rating" "$(incoming "$U" SM12 "$E" 5) $(answer)"
check_eq "...which ends the flow: no tag, nothing answers the next" "|200 " \
	"$(sql "select tag from messages where to_number = '$E' order by id desc limit 1")|$(incoming "$U" SM13 "$E" 4) $(answer)"
stop_webhookd
check_eq "the daemon stops cleanly" 0 "$WH_EXIT"

done_testing
