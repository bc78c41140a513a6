#!/usr/bin/env bash
# sms-send --approved killed (kill -9) while it holds claimed messages: those
# whose request had started may have gone out and become unknown; those it
# claimed and never requested go back to approved, with the reason, and the
# next run sends them, once. The fake provider's log proves which went out.
. tests/lib.sh
use_fake_twilio_account
q() { sql "$1"; }
bodies() { jq -r '.params[] | select(.[0]=="Body") | .[1]' "$@" | sort; }

# Answers take 5 s: the four requests --concurrency 4 starts stay in flight
# (the HTTP client may still hold some of them back), the four more claimed
# (a claim takes twice the concurrency) wait.
start_fake_twilio --delay-ms 5000 || exit 1
awk 'BEGIN { for (i = 0; i < 12; i++) printf "{\"to\":\"+1212557%04d\",\"body\":\"k%02d\"}\n", i, i }' |
	sms-stage -o json >/dev/null
sms-approve --all >/dev/null
sms-send --approved -o json --concurrency 4 >"$T/killed" 2>/dev/null &
pid=$!
wait_for_file "$FAKE_LOG"
sleep 0.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "the killed sender had made requests" test -s "$FAKE_LOG"
check_eq "...and held eight messages: four requested, four not" "0 4|1 4" \
	"$(q "select case when requested_at is not null then 1 else 0 end, count(*) from messages
	      where status = 'sending' group by 1 order by 1" | tr '|' ' ' | paste -sd'|')"
requested=$(q "select body from messages where status = 'sending' and requested_at is not null" | sort)
check_eq "every one the provider received is among the requested ones" "" \
	"$(comm -23 <(bodies "$FAKE_LOG") <(echo "$requested"))"
stop_fake_twilio
cp "$FAKE_LOG" "$T/before"
never=$(q "select body from messages where status = 'sending' and requested_at is null" | sort)

start_fake_twilio || exit 1
check_exit "the next run sends the queue" 0 sms-send --approved -o json
check_grep "...saying four went back to the queue" '4 messages claimed by sms-send/.* back in the approved queue' "$T/.err"
check_grep "...and four are unknown" '4 messages held by sms-send/.* marked unknown' "$T/.err"
check_eq "the four in flight are unknown, not resent" "$requested" \
	"$(q "select body from messages where status = 'unknown'" | sort)"
check_eq "the four never requested were sent by this run" "$never" \
	"$(comm -12 <(bodies "$FAKE_LOG") <(echo "$never"))"
check_eq "...and the rest of the queue" 8 "$(q "select count(*) from messages where status = 'queued'")"
check_eq "nothing went out twice" "" "$(bodies "$T/before" "$FAKE_LOG" | uniq -d)"
check_eq "nothing in flight was sent again" "" "$(comm -12 <(echo "$requested") <(bodies "$FAKE_LOG"))"
check_eq "the way back to approved is an event with the reason" 4 \
	"$(q "select detail from events where kind = 'status' and status = 'approved'" |
	   jq -s '[.[] | select(.previous == "sending" and (.fields.reason // "" | contains("died before making its request")))] | length')"
check_eq "a run after that has nothing to do" "0 0" \
	"$(sms-send --approved -o json | wc -l) $(q "select count(*) from messages where status in ('approved', 'sending')")"
done_testing
