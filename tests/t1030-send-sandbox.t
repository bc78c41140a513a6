#!/usr/bin/env bash
# The sandbox provider: no network, Twilio's magic numbers, quiet hours,
# provider selection and configuration errors.
. tests/lib.sh
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
q() { sql "$1"; }

check_exit "a sandbox send succeeds" 0 sms-send -o json --to +12125550123 --body hello
check_eq "queued, with an SM id" "queued SM sandbox" "$(jq -r '"\(.status) \(.provider_id[0:2]) \(.provider)"' "$T/.out")"
check_eq "the default sender is Twilio's test number" "+15005550006" "$(jq -r .from "$T/.out")"
check_exit "an MMS gets an MM id" 0 sms-send -o json --to +12125550123 --media https://example.com/a.jpg
check_eq "...MM" MM "$(jq -r '.provider_id[0:2]' "$T/.out")"

for pair in 1:invalid_number:21211 2:unroutable:21612 3:no_permission:21408 4:opted_out:21610 9:not_sms_capable:21614; do
	IFS=: read -r n code pc <<<"$pair"
	check_exit "To +1500555000$n fails" 1 sms-send -o json --to "+1500555000$n" --body x
	check_eq "...as $code ($pc)" "$code $pc" "$(jq -r '"\(.error.code) \(.error.provider_code)"' "$T/.out")"
done
check_eq "the 21610 magic number is now opted out locally" 1 "$(q "select count(*) from optouts where number='+15005550004'")"
for pair in 1:invalid_from:21212 7:invalid_from:21606 8:queue_full:21611; do
	IFS=: read -r n code pc <<<"$pair"
	check_exit "From +1500555000$n fails" 1 sms-send -o json --from "+1500555000$n" --to +12125550123 --body x
	check_eq "...as $code ($pc)" "$code $pc" "$(jq -r '"\(.error.code) \(.error.provider_code)"' "$T/.out")"
done
check_eq "failed sends are stored as failed with the reason" "failed" "$(q "select status from messages where to_number='+15005550002'")"

# Quiet hours: a direct send inside the window is refused unless forced.
export SMS_QUIET_HOURS=21:00-08:00 SMS_TZ=UTC SMS_TEST_NOW=2026-11-25T22:30:00Z
check_exit "inside quiet hours: refused" 1 sms-send -o json --to +12125550123 --body late
check_eq "...quiet_hours, retryable" "quiet_hours true" "$(jq -r '"\(.error.code) \(.error.retryable)"' "$T/.out")"
check_grep "...saying when the window ends" 'send after 08:00' "$T/.out"
check_exit "--ignore-quiet-hours sends" 0 sms-send -o json --ignore-quiet-hours --to +12125550123 --body late
check_exit "outside the window: sent" 0 env SMS_TEST_NOW=2026-11-25T12:00:00Z sms-send -o json --to +12125550123 --body day
check_exit "SMS_TZ moves the window: 22:30 UTC is 17:30 in New York" 0 env SMS_TZ=America/New_York sms-send -o json --to +12125550123 --body ny
check_exit "a bad SMS_QUIET_HOURS exits 78" 78 env SMS_QUIET_HOURS=late sms-send -o json --to +12125550123 --body x
unset SMS_TEST_NOW SMS_TZ
export SMS_QUIET_HOURS=off

# Spend caps: the daily cap counts what was already sent today. On a store of
# their own, at fixed times (2026-11-25, UTC), so that the figures do not
# depend on the day the suite runs.
caps_db=$(new_store caps) || exit 1
caps() { env SMS_DB="$caps_db" SMS_TZ=UTC SMS_TEST_NOW="$1" "${@:2}"; }
for h in 09 12 15; do caps "2026-11-25T$h:00:00Z" sms-send -o json --to +12125550123 --body "at $h" >/dev/null; done
check_eq "three sends on 2026-11-25 (the spend the cap sees)" 0.0249 \
	"$(sql -s "$caps_db" "select sum(cast(price_estimate as numeric)) from messages where status = 'queued'" |
	   awk '{ printf "%.4f", $1 }')"
check_exit "a cap that this message would cross" 1 caps 2026-11-25T23:00:00Z env SMS_DAILY_LIMIT=0.03 sms-send -o json --to +12125550123 --body "over"
check_eq "...spend_limit" spend_limit "$(jq -r .error.code "$T/.out")"
check_grep "...saying what was spent" '0.0249 spent' "$T/.err"
check_exit "...a cap that it would not cross sends" 0 caps 2026-11-25T23:00:00Z env SMS_DAILY_LIMIT=0.04 sms-send -o json --to +12125550123 --body "under"
check_exit "...and the next day starts from nothing" 0 caps 2026-11-26T00:30:00Z env SMS_DAILY_LIMIT=0.01 sms-send -o json --to +12125550123 --body "next day"
check_exit "a bad cap exits 78" 78 env SMS_DAILY_LIMIT=lots sms-send -o json --to +12125550123 --body x

# The progress line (common/base/progress.c, shared by sms-send, sms-stage,
# sms-approve and sms-status --sync): on a terminal only, none in a run
# shorter than a second, and the last one ends the line. script(1) gives
# the program a terminal for stderr.
if command -v script >/dev/null; then
	for i in 1 2 3 4 5 6 7 8; do echo "{\"to\":\"+1212555013$i\",\"body\":\"p $i\"}"; done >"$T/eight"
	script -qec "sms-send -o json --rate 4 <'$T/eight' >'$T/eight.out'" /dev/null >"$T/tty" </dev/null
	check_eq "a run of 2 s on a terminal: all 8 sent" 8 "$(grep -c '"ok":true' "$T/eight.out")"
	check_grep "...with a progress line on stderr" 'sms-send: [0-9]* ok, 0 failed' "$T/tty"
	check_grep "...whose last one counts them all and ends the line" 'sms-send: 8 ok, 0 failed, 0 in flight, [0-9]*/s *.$' "$T/tty"
	script -qec "head -n 1 '$T/eight' | sms-send -o json >'$T/one.out'" /dev/null >"$T/tty1" </dev/null
	check_eq "a run shorter than a second: sent" 1 "$(grep -c '"ok":true' "$T/one.out")"
	check_eq "...and nothing on the terminal" 0 "$(wc -c <"$T/tty1")"
	check_exit "not on a terminal: no progress line" 0 sh -c "sms-send -o json --rate 4 <'$T/eight' >/dev/null 2>'$T/noterm'; test ! -s '$T/noterm'"
else
	skip "the progress line" "$(missing script)"
fi

# Provider choice and configuration.
check_exit "no provider configured exits 78" 78 env -u SMS_PROVIDER sms-send -o json --to +12125550123 --body x
check_grep "...naming the choices" 'SMS_PROVIDER to twilio or sandbox' "$T/.err"
check_exit "an unknown provider exits 78" 78 env SMS_PROVIDER=carrier-pigeon sms-send --to +12125550123 --body x
check_exit "twilio without a token exits 78" 78 env SMS_PROVIDER=twilio TWILIO_ACCOUNT_SID=ACx sms-send --to +12125550123 --body x
check_grep "...saying what to set" 'TWILIO_AUTH_TOKEN' "$T/.err"
check_exit "TWILIO_ACCOUNT_SID alone picks twilio" 78 env -u SMS_PROVIDER TWILIO_ACCOUNT_SID=ACx sms-send --to +12125550123 --body x
check_grep "...(and then wants its token)" 'TWILIO_AUTH_TOKEN' "$T/.err"

# Usage errors.
check_exit "--body without --to exits 64" 64 sms-send --body hi
check_exit "a stray argument exits 64" 64 sms-send --to +12125550123 hello
check_exit "--rate 0 exits 64" 64 sms-send --rate 0 --to +12125550123 --body x
check_exit "--concurrency 1.5 exits 64" 64 sms-send --concurrency 1.5 --to +12125550123 --body x

# -o text for people.
check_exit "-o text" 0 sms-send -o text --to +12125550123 --body "hi there"
check_grep "...one line per message" '^queued  +12125550123' "$T/.out"
done_testing
