#!/usr/bin/env bash
# sms-send --approved: drains the approved queue, urgent first then oldest,
# exactly once even with several senders at once or after a kill -9; send_at,
# quiet hours and caps defer messages instead of dropping them.
. tests/lib.sh
use_fake_twilio_account
q() { sql "$1"; }
stage() { sms-stage -o json >/dev/null; }

# Order: priority first, then age.
start_fake_twilio || exit 1
printf '%s\n' '{"to":"+12125550101","body":"low","priority":"low"}' \
	'{"to":"+12125550102","body":"normal 1"}' '{"to":"+12125550103","body":"urgent","priority":"urgent"}' \
	'{"to":"+12125550104","body":"high","priority":"high"}' '{"to":"+12125550105","body":"normal 2"}' | stage
check_exit "a pending message is not sent" 0 sms-send --approved -o json
check_eq "...no request" 0 "$(wc -l <"$FAKE_LOG")"
sms-approve --all --by tester >/dev/null
check_exit "sms-send --approved sends the queue" 0 sms-send --approved -o json --concurrency 1
check_eq "urgent, high, then normal oldest first, then low" "urgent|high|normal 1|normal 2|low" \
	"$(jq -r '.params[] | select(.[0]=="Body") | .[1]' "$FAKE_LOG" | paste -sd'|')"
check_eq "all queued" "queued:5" "$(q "select status||':'||count(*) from messages group by status")"
check_eq "...each with its reviewer kept" 5 "$(q "select count(*) from messages where reviewed_by='tester'")"
check_exit "a second run finds nothing to do" 0 sms-send --approved -o json
check_eq "...and sends nothing" 5 "$(wc -l <"$FAKE_LOG")"
check_exit "--approved takes no stdin requests and no --to" 64 sms-send --approved --to +12125550101 --body x
stop_fake_twilio

# send_at: not before its time (SMS_TEST_NOW moves the clock).
SMS_DB=$(new_store fresh1) || exit 1 # a fresh, empty store
start_fake_twilio || exit 1
export SMS_TEST_NOW=2026-11-25T12:00:00Z SMS_TZ=UTC
echo '{"to":"+12125550110","body":"at two","send_at":"2026-11-25T14:00:00Z"}' | stage
sms-approve --all >/dev/null
sms-send --approved -o json >/dev/null
check_eq "send_at in the future: not sent yet" "approved 0" "$(q "select status from messages") $(wc -l <"$FAKE_LOG")"
SMS_TEST_NOW=2026-11-25T14:00:05Z sms-send --approved -o json >/dev/null
check_eq "...sent once due" "queued 1" "$(q "select status from messages") $(wc -l <"$FAKE_LOG")"

# Quiet hours defer, never drop.
export SMS_QUIET_HOURS=21:00-08:00
echo '{"to":"+12125550111","body":"late"}' | stage
sms-approve --all >/dev/null
SMS_TEST_NOW=2026-11-25T22:00:00Z sms-send --approved -o json >/dev/null 2>"$T/err"
check_eq "inside quiet hours: stays approved" approved "$(q "select status from messages where to_number='+12125550111'")"
check_eq "...with the reason" "deferred to 08:00 by quiet hours" "$(q "select reason from messages where to_number='+12125550111'")"
check_grep "...and says so on stderr" 'deferred to 08:00 by quiet hours' "$T/err"
SMS_TEST_NOW=2026-11-26T08:01:00Z sms-send --approved -o json >/dev/null
check_eq "after the window: sent" queued "$(q "select status from messages where to_number='+12125550111'")"
export SMS_QUIET_HOURS=off

# Caps: what would cross the cap waits, approved, with the reason.
printf '%s\n' '{"to":"+12125550120","body":"one"}' '{"to":"+12125550121","body":"two"}' '{"to":"+12125550122","body":"three"}' | stage
sms-approve --all >/dev/null
SMS_DAILY_LIMIT=0.03 sms-send --approved -o json --concurrency 1 >/dev/null 2>&1
check_eq "a 0.03 daily cap lets one more through after 0.0166 spent" "1 2" \
	"$(q "select count(*) from messages where to_number like '+1212555012%' and status='queued'") $(q "select count(*) from messages where status='approved'")"
check_grep "...the rest say the cap" 'daily cap of' <(q "select reason from messages where status='approved'")
SMS_TEST_NOW=2026-11-27T09:00:00Z SMS_DAILY_LIMIT=0.03 sms-send --approved -o json >/dev/null 2>&1
check_eq "the next day they go" 0 "$(q "select count(*) from messages where status='approved'")"
unset SMS_TEST_NOW SMS_TZ
stop_fake_twilio

# Four senders at once over 2,000 approved messages: each sent exactly once.
SMS_DB=$(new_store fresh2) || exit 1 # a fresh, empty store
start_fake_twilio --delay-ms 2 || exit 1
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "{\"to\":\"+1212556%04d\",\"body\":\"m%d\",\"priority\":\"%s\"}\n", i, i, (i % 3 ? "normal" : "high") }' | stage
sms-approve --all >/dev/null
check_eq "2000 approved" 2000 "$(q "select count(*) from messages where status='approved'")"
pids=
for k in 1 2 3 4; do sms-send --approved -o json --concurrency 8 >"$T/c$k" 2>"$T/e$k" & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
check_eq "the fake received 2000 requests" 2000 "$(wc -l <"$FAKE_LOG")"
check_eq "...for 2000 different messages" 2000 "$(jq -r '.params[] | select(.[0]=="Body") | .[1]' "$FAKE_LOG" | sort -u | wc -l)"
check_eq "none left approved, none sending" "0 0" "$(q "select count(*) from messages where status='approved'") $(q "select count(*) from messages where status='sending'")"
check_eq "2000 queued" 2000 "$(q "select count(*) from messages where status='queued'")"
check_eq "the four outputs hold 2000 results" 2000 "$(cat "$T"/c[1-4] | wc -l)"
stop_fake_twilio

# kill -9 in the middle of a batch, then a rerun: nothing sent twice, nothing lost.
SMS_DB=$(new_store fresh3) || exit 1 # a fresh, empty store
start_fake_twilio --delay-ms 300 || exit 1
awk 'BEGIN { for (i = 0; i < 60; i++) printf "{\"to\":\"+1212557%04d\",\"body\":\"k%d\"}\n", i, i }' | stage
sms-approve --all >/dev/null
sms-send --approved -o json --concurrency 4 >"$T/killed" 2>/dev/null &
pid=$!
sleep 1.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "the killed sender left messages claimed" test "$(q "select count(*) from messages where status='sending'")" -gt 0
stop_fake_twilio
cp "$FAKE_LOG" "$T/before"
start_fake_twilio || exit 1
sms-send --approved -o json >"$T/rerun" 2>"$T/rerun.err"
sent=$(cat "$T/before" "$FAKE_LOG" | jq -r '.params[] | select(.[0]=="Body") | .[1]')
check_eq "nothing sent twice" "" "$(sort <<<"$sent" | uniq -d)"
check_eq "none left approved or sending" "0" "$(q "select count(*) from messages where status in ('approved','sending')")"
check_eq "every message is queued or unknown" 60 "$(q "select count(*) from messages where status in ('queued','unknown')")"
unknown=$(q "select count(*) from messages where status='unknown'")
check "the ones the dead sender held are unknown" test "$unknown" -gt 0
check_eq "every queued message reached the provider" "" \
	"$(comm -23 <(q "select body from messages where status='queued'" | sort) <(sort -u <<<"$sent"))"
check_grep "the rerun says what it found" 'sender .* died' "$T/rerun.err"
sms-status -o json --status unknown >"$T/unknown"
check_eq "sms-status lists the unknown ones" "$unknown" "$(wc -l <"$T/unknown")"
check_eq "...and the store says why" "$unknown" "$(q "select count(*) from messages where status='unknown' and reason like '%sender died%'")"
done_testing
