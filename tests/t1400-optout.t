#!/usr/bin/env bash
# sms-optout: list, add, rm, check; normalisation, idempotence, NDJSON in, and
# sms-send refusing an opted-out number.
. tests/lib.sh

q() { sql "$1"; }

check_exit "add a national-format number" 0 sms-optout add "(212) 555-0123"
check_eq "...normalised to E.164, changed, source manual" '{"number":"+12125550123","changed":true,"source":"manual","ok":true}' "$(cat "$T/.out")"
check_eq "...stored in optouts" "+12125550123|manual" "$(q "select number, source from optouts")"
check_eq "...with an optout event" "optout" "$(q "select kind from events where kind like 'opt%'")"
check_exit "add again is not an error" 0 sms-optout add 212.555.0123
check_eq "...changed: false" "false" "$(jq -r .changed "$T/.out")"
check_eq "...still one row, no new event" "1 1" "$(q "select count(*) from optouts") $(q "select count(*) from events where kind like 'opt%'")"

check_exit "an invalid number among others exits 1" 1 sms-optout add 2125550124 123 +442079460018 --source email
check_eq "...one record per number, in order" "+12125550124 123 +442079460018" "$(jq -r .number "$T/.out" | xargs)"
check_eq "...ok, failed, ok" "true false true" "$(jq -r .ok "$T/.out" | xargs)"
check_eq "...invalid_number with the phone module's reason" "invalid_number" "$(sed -n 2p "$T/.out" | jq -r .error.code)"
check_grep "...the reason says why" 'too short' "$T/.out"
check_eq "...the others stored with --source" "+12125550124|email +442079460018|email" "$(q "select number || '|' || source from optouts where source = 'email' order by number" | xargs)"
check_eq "SMS_DEFAULT_COUNTRY sets the region" "+442079460019" "$(SMS_DEFAULT_COUNTRY=GB sms-optout add "020 7946 0019" | jq -r .number)"

check_exit "list" 0 sms-optout list -o json
check_eq "...every number, oldest first" 4 "$(wc -l <"$T/.out")"
check_eq "...the first added first" "+12125550123" "$(head -n 1 "$T/.out" | jq -r .number)"
check_eq "...with number, at, source, ok" '["at","number","ok","source"]' "$(head -n 1 "$T/.out" | jq -c keys)"
check_exit "list as text" 0 sms-optout list -o text
check_grep "...one line each" '^+12125550123  *[0-9-]*T[0-9:]*Z manual$' "$T/.out"

check_exit "check" 0 sms-optout check 2125550123 2125550199
check_eq "...true, false" "true false" "$(jq -r .opted_out "$T/.out" | xargs)"

check_exit "rm" 0 sms-optout rm 212-555-0124
check_eq "...changed" "true" "$(jq -r .changed "$T/.out")"
check_eq "...gone from the store" 0 "$(q "select count(*) from optouts where number = '+12125550124'")"
check_eq "...with an optin event" 1 "$(q "select count(*) from events where kind = 'optin'")"
check_exit "remove (the alias) of a number not opted out is not an error" 0 sms-optout remove 2125550124
check_eq "...changed: false" "false" "$(jq -r .changed "$T/.out")"

printf '%s\n' '{"to":"212 555 0150","ref":"r-1"}' '{"from":"+1 212 555 0151"}' \
	'{"number":"99"}' 'not json' '{"body":"no number"}' '{"number":"+12125550152","x":[1]}' >"$T/in"
check_exit "NDJSON on stdin, with bad records, exits 1" 1 sms-optout add <"$T/in"
cp "$T/.out" "$T/out"
check_eq "...one record per line, in order" "1 2 3 4 5 6" "$(jq -r .line "$T/out" | xargs)"
check_eq "...to, from and number read, normalised" "+12125550150 +12125550151 +12125550152" \
	"$(jq -r 'select(.ok) | .number' "$T/out" | xargs)"
check_eq "...fields pass through" "r-1 [1]" "$(sed -n 1p "$T/out" | jq -r .ref) $(sed -n 6p "$T/out" | jq -c .x)"
check_eq "...invalid, not JSON, no number" "invalid_number bad_json missing_number" \
	"$(jq -r 'select(.ok | not) | .error.code' "$T/out" | xargs)"
check_eq "...the good ones stored" 3 "$(q "select count(*) from optouts where number in ('+12125550150','+12125550151','+12125550152')")"
check_eq "check from stdin" "true false" "$(printf '%s\n' '{"to":"2125550150"}' '{"to":"2125550160"}' | sms-optout check | jq -r .opted_out | xargs)"

# sms-send refuses an opted-out number, and sends once it is removed.
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
check_exit "sms-send to an opted-out number exits 1" 1 sms-send -o json --to "(212) 555-0123" --body x
check_eq "...refused with opted_out" "opted_out" "$(jq -r .error.code "$T/.out")"
check_exit "rm it" 0 sms-optout rm +12125550123
check_exit "...then sms-send sends" 0 sms-send -o json --to "(212) 555-0123" --body x
check_eq "...ok" "true" "$(jq -r .ok "$T/.out")"
unset SMS_PROVIDER SMS_QUIET_HOURS

check_exit "an unknown command exits 64" 64 sms-optout frobnicate
check_exit "no command exits 64" 64 sms-optout
check_exit "list takes no numbers" 64 sms-optout list 2125550123
check_exit "--source goes with add only" 64 sms-optout rm --source x 2125550123
check_exit "an unknown option exits 64" 64 sms-optout add --bogus 2125550123
check_grep "...named" 'sms-optout: unknown option: --bogus$' "$T/.err"
check_exit "an unknown short option after an argument, in a group" 64 sms-optout check 2125550123 -xy
check_grep "...named itself, not the argument before it" 'sms-optout: unknown option: -x$' "$T/.err"
check_exit "an option after the arguments missing its argument" 64 sms-optout check 2125550123 --output
check_grep "...named" 'sms-optout: --output needs an argument$' "$T/.err"
check_exit "-o takes json or text" 64 sms-optout list -o yaml
check_exit "--help" 0 sms-optout --help
check_grep "...prints usage" '^usage: sms-optout' "$T/.out"
check_exit "--version" 0 sms-optout --version
check_grep "...prints the version" '^sms-optout [0-9]' "$T/.out"
check_exit "a store that is not SQLite exits 78" 78 env SMS_DB="$T/junk.db" sh -c 'echo junk >"$SMS_DB"; sms-optout list'
check_exit "letters in a number: refused, not read on the keypad" 1 sms-optout add -o json "212-555 home" "+12125550124"
check_eq "...invalid_number saying so, the other number added" "invalid_number contains letters: home true" \
	"$(jq -r 'if .ok then .changed else "\(.error.code) \(.error.message | capture("(?<m>contains letters: [a-z]+)").m)" end' "$T/.out" | xargs)"
check_eq "...and no stranger opted out" 0 "$(sql "select count(*) from optouts where number = '+12125554663'")"
# A number libphonenumber takes but E.164 does not (17 digits, a German plan's
# longest): refused as invalid_number, and the batch goes on. Before, the
# store refused it as store_error, exit 75, and the numbers after it were
# never read.
printf '{"number":"+4915123456789123"}\n{"number":"+12125550125"}\n' >"$T/long"
check_exit "a number of 17 digits in a batch: exit 1, not 75" 1 sms-optout add -o json <"$T/long"
check_eq "...invalid_number saying why, the next number added" \
	"invalid_number +4915123456789123: longer than the 15 digits an E.164 number may have|true" \
	"$(jq -r 'if .ok then .changed else "\(.error.code) \(.error.message)" end' "$T/.out" | paste -sd'|')"
check_eq "...stored: the second only" "1 0" "$(sql "select count(*) from optouts where number = '+12125550125'; select count(*) from optouts where number like '+49%'" | xargs)"
check_exit "sms-send refuses it too: exit 1" 1 env SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-send -o json --to +4915123456789123 --body hi
check_eq "...invalid_number" invalid_number "$(jq -r .error.code "$T/.out")"
done_testing
