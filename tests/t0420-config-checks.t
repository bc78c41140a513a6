#!/usr/bin/env bash
# Configuration that used to be silently wrong is refused with exit 78 and a
# sentence, through the real programs: an SMS_TZ that names no zone (glibc
# runs such a process in UTC without a word), a default sender from the
# configuration file that --from would refuse, an SMS_DB that is a URI (it
# became directories named after its scheme), and an empty file at the
# store's path (SQLite made it a new store). A store smskit makes is never
# empty, even when many processes make it at once. On PostgreSQL: a database
# that holds other tables is refused the same way, and many processes make
# one store in an empty database at once.
. tests/lib.sh
. tests/webhook.sh

# no_store: true when no program has made the store yet (no file; on
# PostgreSQL, the test's database holds no table).
no_store() {
	if [ "$SMSKIT_STORE" = sqlite ]; then test ! -e "$SMS_DB"
	else test "$(sql "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")" = 0; fi
}

export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
# prog COMMAND_LINE: the program it runs (the daemon runs under timeout, so
# that a build that takes the bad setting fails the check instead of hanging).
prog() { local p=${1#timeout 10 }; echo "${p%% *}"; }

# ---- SMS_TZ ------------------------------------------------------------------------------------
for tz in America/New_Yrok Mars/Olympus_Mons zone.tab ../../etc/passwd; do
	check_exit "SMS_TZ=$tz: sms-stage exits 78" 78 env SMS_TZ="$tz" sms-stage --to +15551230001 --body hi
	check_grep "...naming the zone and what it would have done" "SMS_TZ=$tz: no such time zone.*counted in UTC" "$T/.err"
done
check "...and made no store" no_store
export SMS_TZ=America/New_Yrok
for p in "sms-send --to +15551230001 --body hi" "sms-reply 1 --body hi" "sms-inbox" "sms-status --summary" \
	"sms-approve 1" "sms-auto list" "sms-fetch" "timeout 10 sms-webhookd --listen 127.0.0.1:0"; do
	# shellcheck disable=SC2086 # the words of the command line
	check_exit "SMS_TZ=$SMS_TZ: $(prog "$p") exits 78" 78 $p
	check_grep "...saying why" 'SMS_TZ=America/New_Yrok: no such time zone' "$T/.err"
done
printf 'SMS_TZ = America/New_Yrok\n' >"$SMS_CONFIG"
check_exit "SMS_TZ from the configuration file: 78 as well" 78 env -u SMS_TZ sms-inbox
rm -f "$SMS_CONFIG"
check_exit "in CGI mode: 78" 78 env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/healthz sms-webhookd
check_grep "...after a 500 for the web server" '^Status: 500' "$T/.out"
check_grep "...and the sentence in its error log" 'SMS_TZ=America/New_Yrok' "$T/.err"
for tz in America/New_York :America/New_York Europe/Paris EST5EDT UTC UTC0 '<+0330>-3:30' /usr/share/zoneinfo/Asia/Tokyo; do
	check_exit "SMS_TZ=$tz is taken" 0 env SMS_TZ="$tz" sms-inbox
done
# It matters: at 12:00 UTC it is 07:00 in New York, inside quiet hours 21:00-08:00.
quiet() { env SMS_TZ="$1" SMS_QUIET_HOURS=21:00-08:00 SMS_TEST_NOW=2026-11-25T12:00:00Z \
	sms-stage --to +15551230001 --body "quiet in $1" | jq -r '.warnings | join("; ")'; }
check_eq "SMS_TZ=America/New_York: 12:00 UTC is inside the quiet hours" \
	"estimated cost 0.0083 USD; inside quiet hours: will be deferred to 08:00" "$(quiet America/New_York)"
check_eq "...as UTC it would not be" "estimated cost 0.0083 USD" "$(quiet UTC)"
unset SMS_TZ

# ---- The default sender ------------------------------------------------------------------------
# config KEY VALUE...: a configuration file (mode 600) with these lines.
config() {
	: >"$SMS_CONFIG"
	while [ $# -gt 1 ]; do printf '%s = %s\n' "$1" "$2" >>"$SMS_CONFIG"; shift 2; done
	chmod 600 "$SMS_CONFIG"
}
n0=$(sql "select count(*) from messages")
config TWILIO_PHONE_NUMBER "555-0100"
check_exit "TWILIO_PHONE_NUMBER = 555-0100 in the config file: sms-send exits 78" 78 \
	sms-send --to +15551230002 --body hi
check_grep "...naming the setting and what a sender is" \
	'TWILIO_PHONE_NUMBER=555-0100 is not a sender: write an E.164 number' "$T/.err"
check_eq "...having sent and stored nothing" "$n0" "$(sql "select count(*) from messages")"
check_exit "...sms-reply exits 78 too" 78 sms-reply 1 --body hi
check_exit "...and sms-status --sync" 78 sms-status --sync
check_exit "--from with the same value is refused as it always was (exit 1, a record)" 1 \
	env -u SMS_CONFIG sms-send --to +15551230002 --body hi --from 555-0100
check_eq "...invalid_from" invalid_from "$(jq -r .error.code "$T/.out")"
config TWILIO_PHONE_NUMBER "+1 (555) 010-0200"
check_exit "a number with spaces and brackets: 78" 78 sms-send --to +15551230002 --body hi
config TWILIO_PHONE_NUMBER "AcmeDental"
check_exit "an alphanumeric sender id is a sender: sent" 0 sms-send --to +15551230002 --body hi
check_eq "...from AcmeDental" AcmeDental "$(jq -r .from "$T/.out")"
config TWILIO_PHONE_NUMBER "+15550006666"
check_exit "an E.164 number: sent" 0 sms-send --to +15551230002 --body hi
config SMS_PROVIDER vonage VONAGE_API_KEY key VONAGE_API_SECRET secret VONAGE_FROM "447700 900001x"
check_exit "VONAGE_FROM that is not a sender: 78" 78 env -u SMS_PROVIDER sms-send --to +15551230002 --body hi
check_grep "...naming VONAGE_FROM" 'VONAGE_FROM=447700 900001x is not a sender' "$T/.err"
config SMS_PROVIDER sns AWS_ACCESS_KEY_ID AKIAEXAMPLE AWS_SECRET_ACCESS_KEY secret AWS_REGION us-east-1 \
	SNS_ORIGINATION_NUMBER "tel:+15550006666"
check_exit "SNS_ORIGINATION_NUMBER that is not a sender: 78" 78 env -u SMS_PROVIDER sms-send --to +15551230002 --body hi
check_grep "...naming SNS_ORIGINATION_NUMBER" 'SNS_ORIGINATION_NUMBER=tel:+15550006666 is not a sender' "$T/.err"
rm -f "$SMS_CONFIG"

# ---- SMS_DB that is a URI ----------------------------------------------------------------------
mkdir "$T/cwd"
cd "$T/cwd" || exit 1
url='postgresql://smskit:pg-pass-0123@db.example:5432/sms'
for p in "sms-send --to +15551230003 --body hi" "sms-stage --to +15551230003 --body hi" "sms-inbox" \
	"sms-optout list" "timeout 10 sms-webhookd --listen 127.0.0.1:0"; do
	# shellcheck disable=SC2086
	check_exit "SMS_DB=postgresql://user:password@...: $(prog "$p") exits 78" 78 env SMS_DB="$url" $p
	check_grep "...saying a password does not belong in the URI" \
		"SMS_DB: the PostgreSQL URI holds a password.*~/.pgpass" "$T/.err"
	check "...without the password or the rest of the URI" sh -c "! grep -q -e pg-pass -e db.example '$T/.err' '$T/.out'"
done
check_exit "in CGI mode: 78" 78 env SMS_DB="$url" GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/healthz sms-webhookd
check_grep "...after a 500" '^Status: 500' "$T/.out"
check_exit "a password= parameter is refused too" 78 env SMS_DB='postgres:///sms?host=/run/postgresql&password=pg-pass-0123' sms-inbox
check "...and not shown" sh -c "! grep -q pg-pass '$T/.err'"
check_exit "postgres:// with no server there: 75, try again later" 75 env SMS_DB="postgres:///sms?host=$T/no-server" sms-inbox
check_grep "...saying it cannot connect" "cannot connect to PostgreSQL" "$T/.err"
check_exit "another scheme (mysql://)" 78 env SMS_DB=mysql://u:p@h/sms sms-inbox
check_grep "...a URI, but not a PostgreSQL one" 'SMS_DB=mysql://\.\.\.: a URI, but not a PostgreSQL one' "$T/.err"
check_exit "an SQLite file: URI" 78 env SMS_DB='file:sms.db?mode=rwc' sms-inbox
check_grep "...the same" 'SMS_DB=file:\.\.\.: a URI' "$T/.err"
check_exit "SMS_DB=postgresql://... in the configuration file" 78 \
	sh -c "printf 'SMS_DB = %s\n' '$url' >'$SMS_CONFIG'; chmod 600 '$SMS_CONFIG'; env -u SMS_DB sms-inbox"
rm -f "$SMS_CONFIG"
check_eq "no directory or file was made in the current directory" "" "$(ls -A)"
check_exit "a path with a colon that is no URI is still a path" 0 env SMS_DB="$T/cwd/odd:name.db" sms-inbox
check "...and the store is there" test -s "$T/cwd/odd:name.db"
cd "$SMSKIT_SRC" || exit 1

# ---- An empty file at the store's path ---------------------------------------------------------
# The SQLite file: an empty one is refused; a new one is made whole.
if [ "$SMSKIT_STORE" = sqlite ]; then
	E=$T/empty/sms.db
	mkdir -p "$T/empty"
	: >"$E"
	for p in "sms-inbox" "sms-stage --to +15551230004 --body hi" "sms-send --to +15551230004 --body hi" \
		"timeout 10 sms-webhookd --listen 127.0.0.1:0"; do
		# shellcheck disable=SC2086
		check_exit "an empty file at SMS_DB: $(prog "$p") exits 78" 78 env SMS_DB="$E" $p
		check_grep "...saying smskit never makes one and how to start afresh" \
			"$E: an empty file, which smskit never makes.*remove the file" "$T/.err"
	done
	check_eq "...and the file is left empty" 0 "$(stat -c %s "$E")"
	sig=$(twilio_sig "http://localhost/sms/incoming" "$WEBHOOK_TOKEN" Body=x From=+15551230005 MessageSid=SMempty To=+15550006666)
	body='Body=x&From=%2B15551230005&MessageSid=SMempty&To=%2B15550006666'
	printf '%s' "$body" | env SMS_DB="$E" TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN GATEWAY_INTERFACE=CGI/1.1 \
		REQUEST_METHOD=POST PATH_INFO=/sms/incoming CONTENT_LENGTH=${#body} HTTP_X_TWILIO_SIGNATURE="$sig" \
		sms-webhookd >"$T/cgi.out" 2>"$T/cgi.err"
	check_grep "a signed webhook in CGI mode with an empty store file: 503, not stored in a new store" '^Status: 503' "$T/cgi.out"
	check_grep "...the reason in the server's log" 'an empty file, which smskit never makes' "$T/cgi.err"
	check_eq "...the file still empty" 0 "$(stat -c %s "$E")"
	rm "$E"
	check_exit "once removed, the next program makes a store there" 0 env SMS_DB="$E" sms-inbox
	check "...which is not empty" test -s "$E"
	check_eq "...mode 600" 600 "$(stat -c %a "$E")"
	check_eq "...and no temporary file left beside it" 0 "$(ls "$T/empty" | grep -c '^sms\.db\.[A-Za-z0-9]\{6\}$')"

	# Sixteen processes make the same new store at once: every one opens it.
	F=$T/race/sms.db
	for i in $(seq 16); do
		env SMS_DB="$F" sms-stage --to "+1555123$((1000 + i))" --body "race $i" >/dev/null 2>"$T/race.$i.err" &
	done
	fails=0
	for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
	check_eq "16 programs creating one store at once: none refused" 0 "$fails"
	check_eq "...16 messages in it" 16 "$(sql -s "$F" "select count(*) from messages")"
	check_eq "...no temporary file left" 0 "$(ls "$T/race" | grep -c '^sms\.db\.[A-Za-z0-9]\{6\}$')"
else
	# A database that holds another program's tables is not taken for a new
	# store: every program refuses it and leaves it alone.
	E=$(new_store other)
	sql -s "$E" 'CREATE TABLE notes (x text)'
	for p in "sms-inbox" "sms-stage --to +15551230004 --body hi" "sms-send --to +15551230004 --body hi" \
		"timeout 10 sms-webhookd --listen 127.0.0.1:0"; do
		# shellcheck disable=SC2086
		check_exit "a database of other tables at SMS_DB: $(prog "$p") exits 78" 78 env SMS_DB="$E" $p
		check_grep "...saying it is not an smskit store" "not an smskit store" "$T/.err"
	done
	check_eq "...and the database is left as it was" notes \
		"$(sql -s "$E" "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()" | paste -sd' ' -)"
	sig=$(twilio_sig "http://localhost/sms/incoming" "$WEBHOOK_TOKEN" Body=x From=+15551230005 MessageSid=SMempty To=+15550006666)
	body='Body=x&From=%2B15551230005&MessageSid=SMempty&To=%2B15550006666'
	printf '%s' "$body" | env SMS_DB="$E" TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN GATEWAY_INTERFACE=CGI/1.1 \
		REQUEST_METHOD=POST PATH_INFO=/sms/incoming CONTENT_LENGTH=${#body} HTTP_X_TWILIO_SIGNATURE="$sig" \
		sms-webhookd >"$T/cgi.out" 2>"$T/cgi.err"
	check_grep "a signed webhook in CGI mode with another program's database: 503, not stored" '^Status: 503' "$T/cgi.out"
	check_grep "...the reason in the server's log" 'not an smskit store' "$T/cgi.err"

	# Sixteen processes make the same new store in an empty database at once.
	F=$(new_store race)
	for i in $(seq 16); do
		env SMS_DB="$F" sms-stage --to "+1555123$((1000 + i))" --body "race $i" >/dev/null 2>"$T/race.$i.err" &
	done
	fails=0
	for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
	check_eq "16 programs creating one store at once: none refused" 0 "$fails"
	check_eq "...16 messages in it" 16 "$(sql -s "$F" "select count(*) from messages")"
fi
done_testing
