#!/usr/bin/env bash
# Consent records (smskit-compliance(7), Consent): sms-optout in, consent and
# consents, an import batch with bad records; SMS_REQUIRE_CONSENT refusing
# marketing without an opt-in in sms-send, sms-stage and the approved queue,
# against the fake Twilio API; START through a signed webhook recorded as
# consent. The store read back with sql.
. tests/lib.sh
. tests/webhook.sh

need "the consent tests" "$([ "$SMSKIT_STORE" = pg ] && echo psql || echo sqlite3)" jq curl openssl || { done_testing; exit; }
q() { sql "$1"; }
requests() { wc -l <"$FAKE_LOG"; }
use_fake_twilio_account
start_fake_twilio || exit 1

# ---- recording opt-ins -----------------------------------------------------------
check_exit "in: one opt-in from the options" 0 sms-optout in -o json --source web \
	--evidence "https://example.com/join 203.0.113.7" "(212) 555-0100"
check_eq "...normalised, with its source, evidence and time" \
	"+12125550100 true web https://example.com/join 203.0.113.7 false" \
	"$(jq -r '"\(.number) \(.consent) \(.source) \(.evidence) \(.lifted_optout)"' "$T/.out")"
check_eq "...stored as an opt_in row" "+12125550100|opt_in|web|https://example.com/join 203.0.113.7" \
	"$(q "select number, kind, source, evidence from consents")"
check_eq "...at and recorded_at are now, RFC 3339" 1 \
	"$(q "select count(*) from consents where at = recorded_at and at like '20__-__-__T__:__:__Z'")"

# An import: a batch with its own source, evidence and time per record, a bad
# number, a record without evidence and one dated in the future among them.
cat >"$T/import" <<'EOF'
{"number":"+12125550101","source":"paper","evidence":"signed form #123","at":"2026-03-01T10:00:00-05:00","ref":"a"}
{"number":"555","source":"paper","evidence":"signed form #124"}
{"number":"+12125550102","source":"web"}
{"to":"212 555 0103","evidence":"keyword JOIN, message 7"}
{"number":"+12125550104","source":"paper","evidence":"signed form #125","at":"2999-01-01T00:00:00Z"}
not json
{"number":"whatsapp:+12125550105","source":"web","evidence":"WhatsApp opt-in checkbox, https://example.com/wa"}
EOF
check_exit "in: an import batch with bad records exits 1" 1 sms-optout in -o json --source import <"$T/import"
cp "$T/.out" "$T/imported"
check_eq "...one record out per line, in order" "1 2 3 4 5 6 7" "$(jq -r .line "$T/imported" | xargs)"
check_eq "...ok, bad number, no evidence, ok, future, bad JSON, ok" \
	"true invalid_number invalid_field true invalid_field bad_json true" \
	"$(jq -r 'if .ok then "true" else .error.code end' "$T/imported" | xargs)"
check_grep "...the record without evidence is told what an opt-in needs" 'needs its source.*and its evidence' "$T/imported"
check_grep "...the future one is told so" 'in the future' "$T/imported"
check_eq "...a record's source wins over --source, which fills the rest; fields pass through" \
	"paper a|import null" "$(jq -r 'select(.ok and .line != 7) | "\(.source) \(.ref)"' "$T/imported" | paste -sd'|')"
check_eq "...the good ones stored, the time as UTC" \
	"+12125550101|2026-03-01T15:00:00Z|paper|signed form #123 +12125550103||import|keyword JOIN, message 7 whatsapp:+12125550105||web|WhatsApp opt-in checkbox, https://example.com/wa" \
	"$(q "select number, case when number = '+12125550101' then at else '' end, source, evidence from consents where id > 1 order by id" | xargs -d '\n')"
check_eq "...and none of the bad ones" 0 "$(q "select count(*) from consents where number in ('+12125550102', '+12125550104')")"

check_exit "consent: a number's state and history" 0 sms-optout consent -o json 2125550101 2125550199
check_eq "...consent true from its opt-in, false for a number never recorded" \
	"true paper signed form #123 1|false null null 0" \
	"$(jq -r '"\(.consent) \(.source) \(.evidence) \(.history | length)"' "$T/.out" | paste -sd'|')"
check_exit "consent as text" 0 sms-optout consent -o text 2125550101 2125550199
check_grep "...opted in, time, source: evidence" '^+12125550101  *opted in  *2026-03-01T15:00:00Z paper: signed form #123$' "$T/.out"
check_grep "...or none" '^+12125550199  *no consent recorded$' "$T/.out"
check_exit "consents: every number's latest word" 0 sms-optout consents -o json
check_eq "...by number" "+12125550100 +12125550101 +12125550103 whatsapp:+12125550105" "$(jq -r .number "$T/.out" | xargs)"

# ---- opt-outs and the consent log ---------------------------------------------------
check_exit "an opt-out after an opt-in" 0 sms-optout add 2125550103
check_eq "...is a row of the log, and the number's state" "opt_in opt_out|false true" \
	"$(q "select kind from consents where number = '+12125550103' order by id" | xargs)|$(sms-optout consent -o json 2125550103 | jq -r '"\(.consent) \(.opted_out)"')"
check_exit "rm lifts the opt-out but records no consent" 0 sms-optout rm 2125550103
check_eq "...so the number is still without consent" "false false" \
	"$(sms-optout consent -o json 2125550103 | jq -r '"\(.consent) \(.opted_out)"')"
check_exit "an opt-in dated before the opt-out (an old form imported)" 0 sms-optout in -o json \
	--source paper --evidence "form #9" --at 2026-01-01T00:00:00Z 2125550106
sms-optout add 2125550106 >/dev/null
check_exit "...then one dated earlier still" 0 sms-optout in -o json --source paper --evidence "form #8" \
	--at 2026-01-02T00:00:00Z 2125550106
check_eq "...does not lift the later opt-out" "false false true" \
	"$(jq -r .lifted_optout "$T/.out") $(sms-optout consent -o json 2125550106 | jq -r '"\(.consent) \(.opted_out)"')"
check_exit "a new opt-in (now) after the opt-out" 0 sms-optout in -o json --source web --evidence "form again" 2125550106
check_eq "...lifts it, with an optin event" "true true false 1" \
	"$(jq -r .lifted_optout "$T/.out") $(sms-optout consent -o json 2125550106 | jq -r '"\(.consent) \(.opted_out)"') $(q "select count(*) from events where kind = 'optin' and lower(detail) like '%+12125550106%consent web%'")"
check_exit "consent history, oldest first" 0 sms-optout consent -o json 2125550106
check_eq "...every word kept" "opt_in opt_in opt_out opt_in" "$(jq -r '[.history[].kind] | join(" ")' "$T/.out")"

# ---- SMS_REQUIRE_CONSENT in sms-send ---------------------------------------------------
: >"$FAKE_LOG"
check_exit "policy off (the default): a send without consent goes" 0 sms-send -o json --to +12125550120 --body "Sale today"
check_eq "...one request, and the record as before: no purpose key" "1 false" "$(requests) $(jq 'has("purpose")' "$T/.out")"
check_eq "...nothing stored as its purpose" "" "$(q "select purpose from messages where to_number = '+12125550120'")"

export SMS_REQUIRE_CONSENT=on
: >"$FAKE_LOG"
check_exit "policy on: a marketing send (the default) without consent exits 1" 1 sms-send -o json --to +12125550121 --body "Sale today"
check_eq "...no_consent, saying why and what to do" "no_consent" "$(jq -r .error.code "$T/.out")"
check_grep "...naming the way out" 'no recorded opt-in.*sms-optout in.*transactional' "$T/.out"
check_eq "...nothing reached the provider, nothing stored" "0 0" \
	"$(requests) $(q "select count(*) from messages where to_number = '+12125550121'")"
check_exit "...the same said marketing" 1 sms-send -o json --to +12125550121 --body "Sale today" --purpose marketing
check_eq "...no_consent too, still no request" "no_consent 0" "$(jq -r .error.code "$T/.out") $(requests)"
check_exit "a marketing send to a number with a recorded opt-in" 0 sms-send -o json --to 2125550100 --body "Sale today"
check_eq "...sent: one request" "true 1" "$(jq -r .ok "$T/.out") $(requests)"
check_exit "a transactional send without consent" 0 sms-send -o json --to +12125550121 --body "Your code is 1234" --purpose transactional
check_eq "...passes, its purpose stored" "true 2 transactional" "$(jq -r .ok "$T/.out") $(requests) $(q "select purpose from messages where to_number = '+12125550121'")"
printf '%s\n' '{"to":"+12125550122","body":"Sale"}' '{"to":"+12125550122","body":"Receipt","purpose":"transactional"}' \
	'{"to":"+12125550101","body":"Sale","purpose":"marketing"}' '{"to":"+12125550122","body":"x","purpose":"spam"}' >"$T/batch"
: >"$FAKE_LOG"
check_exit "a batch: each record on its own" 1 sms-send -o json <"$T/batch"
check_eq "...no_consent, sent, sent (imported consent), invalid_field" "no_consent true true invalid_field" \
	"$(jq -r 'if .ok then "true" else .error.code end' "$T/.out" | xargs)"
check_eq "...two requests" 2 "$(requests)"
check_exit "--purpose fills the records that do not say" 0 sms-send -o json --purpose transactional <<<'{"to":"+12125550123","body":"Receipt"}'
check_eq "...transactional" "transactional" "$(jq -r .purpose "$T/.out")"
check_exit "a bad --purpose is a usage error" 64 sms-send --purpose spam --to +12125550123 --body x
check_exit "--dry-run says no_consent too" 1 sms-send -o json --dry-run --to +12125550124 --body "Sale"
check_eq "...no_consent" no_consent "$(jq -r .error.code "$T/.out")"
check_exit "a setting neither on nor off refuses to start (78)" 78 env SMS_REQUIRE_CONSENT=maybe sms-send --to +12125550124 --body x
check_grep "...naming it" 'SMS_REQUIRE_CONSENT=maybe' "$T/.err"

# ---- staging, then the approved queue ---------------------------------------------------
printf '%s\n' '{"to":"+12125550125","body":"Sale"}' '{"to":"+12125550100","body":"Sale","ref":"ok"}' \
	'{"to":"+12125550125","body":"Reminder","purpose":"transactional"}' >"$T/stage"
check_exit "sms-stage: marketing without consent refused, the rest staged" 1 sms-stage -o json <"$T/stage"
check_eq "...no_consent, staged, staged" "no_consent pending pending" "$(jq -r 'if .ok then .status else .error.code end' "$T/.out" | xargs)"
check_grep "...not staged" 'not staged' "$T/.out"
check_eq "...the store holds the two, one said transactional" "+12125550100| +12125550125|transactional" \
	"$(q "select to_number || '|' || coalesce(purpose, '') from messages where status = 'pending' order by id" | xargs)"
check_exit "approve both" 0 sms-approve --all -o json
# The number withdraws its consent between approval and sending.
sms-optout add 2125550100 >/dev/null && sms-optout rm 2125550100 >/dev/null
: >"$FAKE_LOG"
check_exit "send --approved: the withdrawn consent refuses the marketing one" 1 sms-send --approved -o json
check_eq "...failed no_consent, the transactional one sent" "no_consent|true" \
	"$(jq -r 'if .ok then "true" else .error.code end' "$T/.out" | paste -sd'|')"
check_eq "...one request, the refused message failed in the store" "1 failed|no_consent" \
	"$(requests) $(q "select status || '|' || error_code from messages where to_number = '+12125550100' and status = 'failed'")"
unset SMS_REQUIRE_CONSENT

# ---- START through a signed webhook --------------------------------------------------------
TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN start_webhookd
U="$WH_URL/sms/incoming"
check_eq "STOP from a number" 200 "$(incoming "$U" SM1001 +12125550130 "STOP")"
check_eq "...opted out, an opt_out row" "1 opt_out|keyword STOP" \
	"$(q "select count(*) from optouts where number = '+12125550130'") $(q "select kind || '|' || source from consents where number = '+12125550130'")"
check_eq "START from it" 200 "$(incoming "$U" SM1002 +12125550130 " start ")"
id=$(q "select id from messages where provider_id = 'SM1002'")
check_eq "...recorded as consent: source keyword, the message as evidence" \
	"opt_in|keyword|message $id:  start " \
	"$(q "select kind || '|' || source || '|' || evidence from consents where number = '+12125550130' order by id desc limit 1")"
check_eq "...and the opt-out lifted" 0 "$(q "select count(*) from optouts where number = '+12125550130'")"
check_eq "...sms-optout consent says so" "true keyword" "$(sms-optout consent -o json +12125550130 | jq -r '"\(.consent) \(.source)"')"
check_eq "YES from a number that never opted out" 200 "$(incoming "$U" SM1003 +12125550131 "YES")"
check_eq "...is not taken as consent (an answer to a question, not an opt-in)" 0 \
	"$(q "select count(*) from consents where number = '+12125550131'")"
check_eq "a retry of the START" 200 "$(incoming "$U" SM1002 +12125550130 " start ")"
check_eq "...records nothing twice" 1 "$(q "select count(*) from consents where number = '+12125550130' and kind = 'opt_in'")"
check_eq "a question from a number without consent" 200 "$(incoming "$U" SM1004 +12125550132 "Are you open today?")"
qid=$(q "select id from messages where provider_id = 'SM1004'")
: >"$FAKE_LOG"
check_exit "under the policy, a reply to it goes: a reply is transactional unless it says" 0 \
	env SMS_REQUIRE_CONSENT=on sms-reply -o json "$qid" --body "Yes, until 6pm"
check_eq "...one request" 1 "$(requests)"

# The dashboard shows a number's consent on its conversation.
get() { curl -s -o "$T/.body" -w '%{http_code}' "$1"; }
check_eq "the conversation with the number that texted START" 200 "$(get "$WH_URL/review/conversations?number=%2B12125550130")"
check_grep "...says its consent: source, time, the evidence" \
	"<p class=\"consent\">Consent: keyword, <time[^>]*>[^<]*</time> — <span title=\"message $id:  start \">message $id:  start *</span></p>" "$T/.body"
check_eq "a number without one" 200 "$(get "$WH_URL/review/conversations?number=%2B12125550131")"
check_grep "...says so" '<p class="consent">No consent recorded</p>' "$T/.body"
sms-optout in --source web --evidence '<script>alert(1)</script>' +12125550131 >/dev/null
get "$WH_URL/review/conversations?number=%2B12125550131" >/dev/null
check "...evidence is escaped, never raw" sh -c "grep -q 'Consent: web, .*&lt;script&gt;alert(1)' '$T/.body' && ! grep -q '<script>alert' '$T/.body'"
stop_webhookd

# MCP: get_consent runs sms-optout consent.
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
	'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
	'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_consent","arguments":{"phone":"(212) 555-0130"}}}' \
	| sms-mcp >"$T/mcp.out" 2>"$T/mcp.err"
check_eq "sms-mcp get_consent: the number's consent, source and history" "false +12125550130 true keyword 2" \
	"$(jq -r 'select(.id == 2) | .result | "\(.isError) \(.structuredContent.records[0] | "\(.number) \(.consent) \(.source) \(.history | length)")"' "$T/mcp.out")"
: >"$FAKE_LOG"
check_exit "under the policy the number that texted START gets marketing" 0 \
	env SMS_REQUIRE_CONSENT=on sms-send -o json --to +12125550130 --body "Sale"
check_eq "...one request" 1 "$(requests)"

# ---- usage -----------------------------------------------------------------------------------
check_exit "--evidence goes with in only" 64 sms-optout add --evidence x 2125550100
check_exit "consents takes no numbers" 64 sms-optout consents 2125550100
check_exit "in without evidence, from the arguments: exit 1" 1 sms-optout in --source web 2125550140
check_eq "...invalid_field, nothing stored" "0" "$(q "select count(*) from consents where number = '+12125550140'")"
check_exit "a bad --at" 1 sms-optout in -o json --source web --evidence x --at yesterday 2125550140
check_eq "...invalid_field" invalid_field "$(jq -r .error.code "$T/.out")"
stop_fake_twilio
done_testing
