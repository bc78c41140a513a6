#!/usr/bin/env bash
# Autoresponder regexes that would stall or swell: refused when added (from
# sms-auto, the dashboard's form and MCP, with code unsafe_regex), quick to
# refuse and small in memory; planted in the store by hand they are skipped
# with a log line while sms-webhookd answers a 1,600-character message at
# once and every other webhook meanwhile; a heavy regex that passes is still
# matched quickly. Then the limits on automatic answers: per number per hour
# (SMS_AUTO_REPLY_LIMIT) and the spend caps.
# shellcheck disable=SC2016 # backquotes and $ in single quotes are meant literally
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# answer: the text of the TwiML answer in $T/.body ("" when none).
answer() { sed -n 's|.*<Message>\(.*\)</Message>.*|\1|p' "$T/.body"; }
plant() { # plant ID TRIGGER RESPONSE: a rule stored without the checks of add; the
	# store numbers it (ID says which number that is: the rules are planted in order)
	sql "insert into autoresponders (trigger, response, created_at) values ('$2', '$3', '2026-11-25T00:00:00Z')"
	[ "$(sql "select max(id) from autoresponders")" = "$1" ] || echo "# planted as $(sql "select max(id) from autoresponders"), not $1" >&2
}
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_TZ=UTC SMS_TEST_NOW=2026-11-25T15:00:00Z
A1600=$(printf 'a%.0s' $(seq 1600))

# ---- Refused when added ---------------------------------------------------------------
refused() { # refused DESC TRIGGER SENTENCE
	local t0 ms
	t0=$(now_ms)
	check_exit "$1 is refused by sms-auto add" 1 timeout 20 sms-auto add -o json -t "$2" -r x
	ms=$(($(now_ms) - t0))
	check_eq "...as unsafe_regex" "unsafe_regex" "$(jq -r .error.code "$T/.out")"
	check_grep "...saying why" "$3" "$T/.out"
	check "...at once (${ms} ms)" test "$ms" -lt 2000
}
refused "a back-reference, /(a*)\\1b/" '/(a*)\1b/' 'back-reference'
refused "stacked counts, /a{1,1000}{1,1000}/" '/a{1,1000}{1,1000}/' 'counts above 100'
refused "a nested quantifier, /(a+)+\$/" '/(a+)+$/' 'nested quantifiers'
refused "a stacked quantifier, /a**/" '/a**/' 'right after another'
refused "a count over 100, /x{101}/" '/x{101}/' 'counts above 100'
refused "a regex of 257 bytes" "/$(printf 'b%.0s' $(seq 257))/" 'at most 256'
refused "a regex too complex, /(.|a){100}(.|b){100}(.|c){100}/" '/(.|a){100}(.|b){100}(.|c){100}/' 'too complex'
check_eq "...none of them stored" 0 "$(q "select count(*) from autoresponders")"
if sanitized; then
	not_applicable "refused inside 200 MB of address space" "ASan reserves more address space"
else
	check_exit "/a{1,1000}{1,1000}/ refused inside 200 MB of address space" 1 \
		timeout 20 bash -c 'ulimit -v 200000; sms-auto add -o json -t "/a{1,1000}{1,1000}/" -r x'
	check_eq "...still as unsafe_regex" "unsafe_regex" "$(jq -r .error.code "$T/.out")"
fi
check_exit "a heavy regex that passes is stored" 0 sms-auto add -o json -t '/(a|b)*a(a|b){100}c/' -r heavy
check_exit "...a syntax error is still invalid_trigger" 1 sms-auto add -o json -t '/a{2/' -r x
check_eq "...saying it does not compile" "invalid_trigger" "$(jq -r .error.code "$T/.out")"

# What passes matches as glibc's regexec did (fuzz_autoresp compares the two).
matches() { check_eq "$1" "$4" "$(auto-check match "$2" "$3")"; }
matches "a bracket with a class and a range" '/^[[:upper:]][a-z-]+$/' "Hello-there" match
matches "...] first is itself" '/[]x]/' "a]b" match
matches "counts {,2}" '/^ab{,2}c$/' "abbc" match
matches "...not three" '/^ab{,2}c$/' "abbbc" "no match"
matches "GNU's \w and \b" '/\bcost\w*\b/' "the costs?" match
matches "...\< needs a word's start" '/\<ost/' "cost" "no match"
matches "/i folds A to Z in brackets too" '/[A-C]x/i' "bX" match
matches "a lone ) is itself" '/a)/' "a)" match
matches "\$ at the end only (no REG_NEWLINE)" '/b$/' "$(printf 'b
c')" "no match"

# MCP's create_sms_autoresponder goes through sms-auto add.
mcp_out=$(printf '%s\n' \
	'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
	'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
	'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_sms_autoresponder","arguments":{"trigger":"/(a+)+$/","response":"x"}}}' |
	timeout 20 "$SMSKIT_BIN/sms-mcp" 2>/dev/null | jq -c 'select(.id == 1) | .result')
check_eq "MCP: create_sms_autoresponder with /(a+)+\$/ is an error" true "$(jq -r .isError <<<"$mcp_out")"
check "...naming the nested quantifier" grep -q 'nested quantifiers' <<<"$mcp_out"

# The dashboard's form.
start_webhookd
R=$WH_URL/review
curl -s -o "$T/page" -c "$T/jar" "$R/autoresponders"
c=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/page" | head -n 1 | sed 's/.*value="//; s/"$//')
t0=$(now_ms)
check_eq "the dashboard's form refuses /(a*)\\1b/ (400)" 400 \
	"$(curl -s -o "$T/page" -w '%{http_code}' -b "$T/jar" -d "csrf=$c" -d action=add \
		--data-urlencode 'trigger=/(a*)\1b/' -d response=x "$R/autoresponders")"
check "...at once" test $(($(now_ms) - t0)) -lt 2000
check_grep "...saying why" 'Not added: .*back-reference' "$T/page"
check_eq "...and /a{1,1000}{1,1000}/ (400)" 400 \
	"$(curl -s -o "$T/page" -w '%{http_code}' -b "$T/jar" -d "csrf=$c" -d action=add \
		--data-urlencode 'trigger=/a{1,1000}{1,1000}/' -d response=x "$R/autoresponders")"
check_eq "...nothing stored but the heavy rule" 1 "$(q "select count(*) from autoresponders")"
stop_webhookd

# ---- Planted in the store by hand: skipped, and nothing stalls ------------------------
SMS_DB=$(new_store planted); export SMS_DB
sms-auto list >/dev/null # creates the store
plant 1 '/(a*)\1b/' bomb1
plant 2 '/a{1,1000}{1,1000}/' bomb2
plant 3 "/$(printf 'x%.0s' $(seq 300))/" long
plant 4 '/^a+$/' 'only a'
plant 5 '/(a|b)*a(a|b){100}c/' heavy
plant 6 PING pong
check_exit "sms-auto list shows planted rules" 0 sms-auto list -o json
check_eq "...marking the three that fail the checks" "1 2 3" "$(jq -r 'select(.skipped) | .id' "$T/.out" | xargs)"
check_grep "...saying why" '"skipped":"its trigger fails the checks of sms-auto add: `/(a\*)\\\\1b/` is refused' "$T/.out"
check_exit "...and as text" 0 sms-auto list -o text
check_grep "...a line under the rule" '^ *skipped: its trigger fails the checks' "$T/.out"

rm -f "$T/webhookd.log"
start_webhookd
U=$WH_URL/sms/incoming
check_grep "the daemon logs each skipped rule at start" 'autoresponder 1 is skipped: `/(a\*)\\1b/` is refused' "$T/webhookd.log"
check_grep "...rule 2" 'autoresponder 2 is skipped' "$T/webhookd.log"
check_grep "...rule 3, too long" 'autoresponder 3 is skipped: .*at most 256' "$T/webhookd.log"
mkdir -p "$T/bg"
t0=$(now_ms)
(T=$T/bg incoming "$U" SMbomb +15551110001 "$A1600" >"$T/bg/code") &
bomb=$!
for i in 1 2 3; do
	t1=$(now_ms)
	code=$(curl -s -m 10 -o "$T/.body" -w '%{http_code}' --data-urlencode Body=ping --data-urlencode "From=+1555222000$i" \
		--data-urlencode "MessageSid=SMo$i" --data-urlencode To=+15550006666 \
		-H "X-Twilio-Signature: $(twilio_sig "$U" "$WEBHOOK_TOKEN" Body=ping "From=+1555222000$i" "MessageSid=SMo$i" To=+15550006666)" "$U")
	ms=$(($(now_ms) - t1))
	check_eq "another webhook meanwhile ($i) is answered" "200 pong" "$code $(answer)"
	check "...within 2 s (${ms} ms)" test "$ms" -lt 2000
done
wait "$bomb"
ms=$(($(now_ms) - t0))
check_eq "the 1,600-character message is answered by the first rule that passes" "200 only a" "$(cat "$T/bg/code") $(T=$T/bg answer)"
check "...within 2 s (${ms} ms)" test "$ms" -lt 2000
ab=$(for i in $(seq 800); do printf 'ab'; done)
t0=$(now_ms)
check_eq "the heavy regex, 1,600 characters without a c: no answer" "200 " "$(incoming "$U" SMh1 +15551110002 "$ab") $(answer)"
check "...within 2 s ($(($(now_ms) - t0)) ms)" test $(($(now_ms) - t0)) -lt 2000
t0=$(now_ms)
check_eq "...and with a c at the end: answered" "200 heavy" "$(incoming "$U" SMh2 +15551110003 "${ab}ac") $(answer)"
check "...within 2 s ($(($(now_ms) - t0)) ms)" test $(($(now_ms) - t0)) -lt 2000

# Rules that come while the daemon runs.
plant 7 '/(x+x+)+y/' bomb3
t0=$(now_ms)
check_eq "a bomb planted while it runs: the next message is not held up" "200 " \
	"$(incoming "$U" SMx1 +15551110004 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") $(answer)"
check "...within 2 s ($(($(now_ms) - t0)) ms)" test $(($(now_ms) - t0)) -lt 2000
check_grep "...and the rule is logged as skipped" 'autoresponder 7 is skipped: .*nested quantifiers' "$T/webhookd.log"
check_eq "...once" 1 "$(grep -c 'autoresponder 7 is skipped' "$T/webhookd.log")"
sms-auto add -t '/^new/' -r fresh >/dev/null
check_eq "a rule added while it runs answers the next message" "200 fresh" "$(incoming "$U" SMn1 +15551110005 "new rule?") $(answer)"
check_eq "...and the one after" "200 fresh" "$(incoming "$U" SMn2 +15551110006 "new again") $(answer)"
if sanitized; then
	not_applicable "the daemon's memory" "ASan's shadow memory"
else
	hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$WH_PID/status")
	check "the daemon's peak memory stays small (${hwm} kB)" test "$hwm" -lt 100000
fi
stop_webhookd

# ---- At most SMS_AUTO_REPLY_LIMIT answers per number per hour -------------------------
SMS_DB=$(new_store limit); export SMS_DB
sms-auto add -t PING -r pong >/dev/null
check_exit "SMS_AUTO_REPLY_LIMIT=0 is refused at start" 78 timeout 10 env SMS_AUTO_REPLY_LIMIT=0 sms-webhookd --listen 127.0.0.1:0
check_grep "...saying what it takes" 'SMS_AUTO_REPLY_LIMIT=0: .*a whole number from 1, or off' "$T/.err"
rm -f "$T/webhookd.log"
SMS_AUTO_REPLY_LIMIT=3 start_webhookd
U=$WH_URL/sms/incoming
for i in 1 2 3; do
	check_eq "message $i of +15553330001 this hour is answered" "200 pong" "$(incoming "$U" "SMl$i" +15553330001 ping) $(answer)"
done
check_eq "the 4th gets no answer" "200 " "$(incoming "$U" SMl4 +15553330001 ping) $(answer)"
check_eq "...its rule not counted" 3 "$(q "select trigger_count from autoresponders")"
check_eq "...3 answers stored" 3 "$(q "select count(*) from messages where direction = 'outbound' and to_number = '+15553330001'")"
check_eq "...an autoresponder event on the message, saying why" "held|1|reply_limit" \
	"$(q "select detail from events where kind = 'autoresponder' and message_id = (select id from messages where provider_id = 'SMl4')" | jq -r '"\(.action)|\(.id)|\(.reason)"')"
check_grep "...and a log line" 'autoresponder 1 did not answer: +15553330001 had 3 automatic answers in the last hour, SMS_AUTO_REPLY_LIMIT=3' "$T/webhookd.log"
check_eq "another number is still answered" "200 pong" "$(incoming "$U" SMl5 +15553330002 ping) $(answer)"
stop_webhookd
SMS_AUTO_REPLY_LIMIT=3 SMS_TEST_NOW=2026-11-25T16:00:01Z start_webhookd
check_eq "an hour later +15553330001 is answered again" "200 pong" "$(incoming "$WH_URL/sms/incoming" SMl6 +15553330001 ping) $(answer)"
stop_webhookd
SMS_TEST_NOW=2026-11-25T18:00:00Z start_webhookd
for i in 1 2 3 4 5; do incoming "$WH_URL/sms/incoming" "SMd$i" +15553330003 ping >/dev/null; done
check_eq "by default 5 answers an hour: the 5th is answered" "pong" "$(answer)"
check_eq "...the 6th is not" "200 " "$(incoming "$WH_URL/sms/incoming" SMd6 +15553330003 ping) $(answer)"
stop_webhookd
SMS_AUTO_REPLY_LIMIT=off SMS_TEST_NOW=2026-11-25T20:00:00Z start_webhookd
for i in 1 2 3 4 5 6; do incoming "$WH_URL/sms/incoming" "SMo$i" +15553330004 ping >/dev/null; done
check_eq "SMS_AUTO_REPLY_LIMIT=off: the 6th is answered too" "pong" "$(answer)"
stop_webhookd

# ---- The spend caps ---------------------------------------------------------------------
# An answer is estimated at 0.0083 USD (one US segment): one fits 0.0100, two do not.
SMS_DB=$(new_store cap); export SMS_DB
sms-auto add -t PING -r pong >/dev/null
rm -f "$T/webhookd.log"
SMS_DAILY_LIMIT=0.0100 start_webhookd
U=$WH_URL/sms/incoming
check_eq "under SMS_DAILY_LIMIT the answer goes" "200 pong" "$(incoming "$U" SMc1 +15554440001 ping) $(answer)"
check_eq "...the next would cross it: no answer" "200 " "$(incoming "$U" SMc2 +15554440002 ping) $(answer)"
check_eq "...an event saying why" "held|spend_limit" \
	"$(q "select detail from events where kind = 'autoresponder' and message_id = (select id from messages where provider_id = 'SMc2')" | jq -r '"\(.action)|\(.reason)"')"
check_grep "...and a log line" 'autoresponder 1 did not answer: the daily cap of 0.0100 USD is reached: 0.0083 spent, this answer 0.0083' "$T/webhookd.log"
check_eq "...one answer stored" 1 "$(q "select count(*) from messages where direction = 'outbound'")"
stop_webhookd
SMS_MONTHLY_LIMIT=0.0100 SMS_TEST_NOW=2026-11-26T15:00:00Z start_webhookd
check_eq "the next day, SMS_MONTHLY_LIMIT holds it back" "200 " "$(incoming "$WH_URL/sms/incoming" SMc3 +15554440003 ping) $(answer)"
check_grep "...saying so" 'the monthly cap of 0.0100 USD is reached' "$T/webhookd.log"
stop_webhookd

done_testing
