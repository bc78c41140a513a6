#!/usr/bin/env bash
# A sender on another host killed (kill -9) mid-batch, on a store both hosts
# share (issue 19; on SQLite the "hosts" share the file): no process table
# tells the other host that it died, its lease does (lease.h, sms-send(1),
# Crashes). Until the lease runs out its claims stay "sending" and nobody
# touches them; after, the next sender makes the requested ones unknown
# (never resent) and sends the others once. The other host is a sender
# that goes by another node name (SMS_NODE_NAME, as on a host of its own).
. tests/lib.sh
need "the lease test" jq || { done_testing; exit; }
use_fake_twilio_account
# Long enough that the run "while the lease holds" starts well before it runs
# out on a loaded machine; the test waits for the stored expiry after.
export SMS_SEND_LEASE=20
bodies() { jq -r '.params[] | select(.[0]=="Body") | .[1]' "$@" | sort; }

start_fake_twilio --delay-ms 5000 || exit 1
awk 'BEGIN { for (i = 0; i < 12; i++) printf "{\"to\":\"+1212557%04d\",\"body\":\"h%02d\"}\n", i, i }' |
	sms-stage -o json >/dev/null
sms-approve --all >/dev/null
SMS_NODE_NAME=smskit-host-b sms-send --approved -o json --concurrency 4 >"$T/killed" 2>"$T/killed.err" &
pid=$!
wait_for_file "$FAKE_LOG"
sleep 0.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
check_eq "the sender on host b held eight messages" 8 \
	"$(sql "select count(*) from messages where status = 'sending' and claimed_by like 'sms-send/%@smskit-host-b'")"
check_eq "...under a lease in the store" 1 "$(sql "select count(*) from kv where key like 'lease.sms-send/%@smskit-host-b'")"
requested=$(sql "select body from messages where status = 'sending' and requested_at is not null" | sort)
never=$(sql "select body from messages where status = 'sending' and requested_at is null" | sort)
stop_fake_twilio
cp "$FAKE_LOG" "$T/before"

start_fake_twilio || exit 1
check_exit "a sender here, while the lease holds, sends what is left" 0 sms-send --approved -o json
check "...and touches none of host b's claims" sh -c "! grep -q 'smskit-host-b' '$T/.err'"
check_eq "...which stay sending" 8 "$(sql "select count(*) from messages where status = 'sending'")"
check_eq "...while the four unclaimed ones went out" 4 "$(sql "select count(*) from messages where status = 'queued'")"

# The lease runs out at the time its entry holds (SMS_SEND_LEASE seconds after
# its last renewal).
until_s=$(date -d "$(sql "select value from kv where key like 'lease.sms-send/%@smskit-host-b'")" +%s)
while [ "$(date +%s)" -le "$until_s" ]; do sleep 0.5; done
check_exit "once the lease has run out, the next sender recovers host b's claims" 0 sms-send --approved -o json
check_grep "...four requested ones marked unknown" '4 messages held by sms-send/[0-9]*@smskit-host-b, a sender that died, marked unknown' "$T/.err"
check_grep "...four never requested back in the queue" '4 messages claimed by sms-send/[0-9]*@smskit-host-b, a sender that died before requesting them, back in the approved queue' "$T/.err"
check_eq "the unknown ones are those requested" "$requested" "$(sql "select body from messages where status = 'unknown'" | sort)"
check_eq "...and sms-status reports them" 4 "$(sms-status --status unknown -o json | jq -s 'length')"
check_grep "...with the reason" 'may or may not have gone out' <(sms-status --status unknown -o json)
check_eq "the never-requested ones were sent now" "$never" "$(comm -12 <(bodies "$FAKE_LOG") <(echo "$never"))"
check_eq "nothing went out twice" "" "$(bodies "$T/before" "$FAKE_LOG" | uniq -d)"
check_eq "nothing is left sending or approved" 0 "$(sql "select count(*) from messages where status in ('sending', 'approved')")"
check_eq "no lease is left but the dead sender's" "lease.sms-send/@smskit-host-b" \
	"$(sql "select key from kv where key like 'lease.%'" | sed 's/[0-9]*@/@/')"
check_exit "SMS_SEND_LEASE must be whole seconds" 78 env SMS_SEND_LEASE=1.5 sms-send --approved
check_grep "...saying so" 'SMS_SEND_LEASE=1.5: want whole seconds' "$T/.err"
done_testing
