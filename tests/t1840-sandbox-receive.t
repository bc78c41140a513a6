#!/usr/bin/env bash
# Receiving on the sandbox provider with no Twilio account: sms-webhookd
# (daemon and CGI) checks signatures with a key it keeps beside the store,
# sms-sandbox receive makes messages arrive signed with it — with media, with
# an autoresponder's answer, from NDJSON with bad records among them — and the
# inbox, a reply and the thread work on them. Signatures are also computed
# here with openssl, from the key file, independently of smskit's code.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
# The key beside the store; a PostgreSQL store has no file to be beside: the
# key is then in the user's data directory (config_side_path).
KEY=$SMS_DB.sandbox-key
[ "$SMSKIT_STORE" = pg ] && KEY=$XDG_DATA_HOME/sms/pg.sandbox-key

check "no Twilio credentials in this test's environment" sh -c '! env | grep -q "^TWILIO_"'

check_exit "--help" 0 sms-sandbox --help
check_grep "...names the verb" '^usage: sms-sandbox receive' "$T/.out"
check_exit "--version" 0 sms-sandbox --version
check_eq "...prints the version" "sms-sandbox 0.1.0" "$(cat "$T/.out")"
check_exit "no verb is a usage error" 64 sms-sandbox
check_exit "an unknown verb is a usage error" 64 sms-sandbox send
check_grep "...naming the verbs" "unknown command \`send\`: receive" "$T/.err"
check_exit "--body without --from is a usage error" 64 sms-sandbox receive --body hi
check_exit "--url and --cgi together are a usage error" 64 sms-sandbox receive --from +15551230001 --body hi --url http://127.0.0.1:1/ --cgi sms-webhookd
check_exit "a stray argument is a usage error" 64 sms-sandbox receive hello
check_exit "-o takes json or text" 64 sms-sandbox receive -o xml --from +15551230001 --body hi

check_exit "SMS_PROVIDER=twilio: sms-sandbox refuses (78)" 78 env SMS_PROVIDER=twilio sms-sandbox receive --from +15551230001 --body hi
check_grep "...saying it would forge the real provider's webhooks" "would forge that provider's webhooks" "$T/.err"
check_exit "SMS_PROVIDER unset: refused too" 78 env -u SMS_PROVIDER sms-sandbox receive --from +15551230001 --body hi
check_exit "sms-webhookd for twilio without TWILIO_AUTH_TOKEN still refuses to start (78)" 78 env SMS_PROVIDER=twilio sms-webhookd --listen 127.0.0.1:0
check_grep "...naming the variable" 'TWILIO_AUTH_TOKEN is not set' "$T/.err"
check "...and no sandbox key was made for any of them" test ! -e "$KEY"

# The daemon makes the key.
sms-auto add --trigger HOURS --response "We're open Mon-Fri 9am-6pm & Sat <10-2>" >/dev/null
start_webhookd
check "with no TWILIO_AUTH_TOKEN the sandbox daemon starts" kill -0 "$WH_PID"
check_eq "...having made its key beside the store, mode 600" "600" "$(stat -c %a "$KEY" 2>&1)"
check_grep "...64 hexadecimal digits" '^[0-9a-f]\{64\}$' "$KEY"
if [ "$SMSKIT_STORE" = sqlite ]; then
	check_eq "...and nothing else beside the store" "sms.db sms.db-shm sms.db-wal sms.db.sandbox-key" "$(cd "$T" && echo sms.db*)"
else
	check_eq "...and nothing else in the data directory" "pg.sandbox-key" "$(cd "$XDG_DATA_HOME/sms" && echo *)"
fi
key=$(cat "$KEY")
U="$WH_URL/sms/incoming"

# Verification is on, with that key.
check_eq "an unsigned request gets 403" 403 "$(post_with_sig "$U" "" Body=x From=+15551230002 MessageSid=SMf0001 To=+15005550006)"
sig=$(twilio_sig "$U" "$WEBHOOK_TOKEN" Body=x From=+15551230002 MessageSid=SMf0001 To=+15005550006)
check_eq "a request signed with another key gets 403" 403 "$(post_with_sig "$U" "$sig" Body=x From=+15551230002 MessageSid=SMf0001 To=+15005550006)"
sig=$(twilio_sig "$U" "$key" Body=x From=+15551230002 MessageSid=SMf0001 To=+15005550006)
check_eq "a tampered body gets 403" 403 "$(post_with_sig "$U" "$sig" Body=y From=+15551230002 MessageSid=SMf0001 To=+15005550006)"
check_eq "...none of them stored anything" 0 "$(q "select count(*) from messages")"
check_eq "signed (here, with openssl) with the key in the file: accepted" 200 "$(post_with_sig "$U" "$sig" Body=x From=+15551230002 MessageSid=SMf0001 To=+15005550006)"

# sms-sandbox receive through the daemon.
check_exit "a message with media arrives" 0 sms-sandbox receive --from "(555) 123-4567" --body "Look at this" \
	--media https://example.com/cat.jpg --media "https://example.com/doc,application/pdf" --url "$U" -o json
id=$(jq -r .id "$T/.out")
sid=$(jq -r .sid "$T/.out")
check_eq "...its record: numbers in E.164, status 200, no answer, ok" "+15551234567 +15005550006 200 null true" \
	"$(jq -r '[.from, .to, .http_status, .reply, .ok] | map(tostring) | join(" ")' "$T/.out")"
check_grep "...a new MessageSid, MM and 32 hexadecimal digits for an MMS" '"sid":"MM[0-9a-f]\{32\}"' "$T/.out"
check_eq "...stored as the webhook stores it, with the id it printed" "inbound|received|+15551234567|+15005550006|Look at this|sandbox|$sid|0" \
	"$(q "select direction, status, from_number, to_number, body, provider, provider_id, read from messages where id = '$id'")"
check_eq "...both media URLs kept, in order" '["https://example.com/cat.jpg","https://example.com/doc"]' "$(q "select media from messages where id = '$id'")"
check_eq "...the provider's parameters in the webhook event: NumMedia, each type (given, or by extension)" \
	"2|image/jpeg|application/pdf|MessageSid=SmsSid" \
	"$(q "select detail from events where kind = 'webhook' and message_id = '$id'" | jq -r '"\(.NumMedia)|\(.MediaContentType0)|\(.MediaContentType1)|\(if .MessageSid == .SmsSid then "MessageSid=SmsSid" else "differ" end)"')"
check_exit "the same --sid again, as a provider's retry" 0 sms-sandbox receive --from "(555) 123-4567" --body "Look at this" --sid "$sid" --url "$U" -o json
check_eq "...acknowledged, stored once" "1" "$(q "select count(*) from messages where provider_id = '$sid'")"

check_exit "HOURS" 0 sms-sandbox receive --from +15551230020 --body "  hours " --url "$U" -o json
check_eq "...the autoresponder's answer comes back, as text" "We're open Mon-Fri 9am-6pm & Sat <10-2>" "$(jq -r .reply "$T/.out")"
check_eq "...and is stored as the reply to the message" 1 "$(q "select count(*) from messages where direction = 'outbound' and reply_to = $(jq .id "$T/.out")")"
check_exit "-o text" 0 sms-sandbox receive --from +15551230021 --body HOURS --url "$U" -o text
check_grep "...says what came in and the answer" "^received  message [0-9]* from +15551230021 to +15005550006 (SM[0-9a-f]*): answered \"We're open" "$T/.out"
check_exit "--to: another of our numbers" 0 sms-sandbox receive --from +15551230022 --to "(555) 000-6666" --body hi --url "$U" -o json
check_eq "...stored to it" "+15550006666" "$(q "select to_number from messages where provider_id = '$(jq -r .sid "$T/.out")'")"

# NDJSON on stdin, bad records among good ones.
cat >"$T/in.ndjson" <<'NDJSON'
{"from":"+15551230030","body":"one","ref":"r1"}
{"from":"12","body":"a bad number"}
{"from":"+15551230031","body":""}
{"from":"+15551230032","media":["https://example.com/a.png",{"url":"https://example.com/b","type":"image/gif"}]}
not json
{"body":"no sender"}
{"from":"+15551230033","body":"x","media":[42]}
{"from":"+15551230034","body":"x","to":"nonsense"}
NDJSON
check_exit "NDJSON on stdin: bad records fail alone (exit 1)" 1 sh -c "sms-sandbox receive --url '$U' <'$T/in.ndjson'"
check_eq "...one result per line, in order, errors as error records" \
	"1 true r1|2 false invalid_number|3 false missing_body|4 true |5 false bad_json|6 false invalid_number|7 false invalid_media|8 false invalid_number" \
	"$(jq -r '[.line, .ok, (if .ok then (.ref // "") else .error.code end)] | map(tostring) | join(" ")' "$T/.out" | paste -sd'|')"
check_grep "...each bad one said on stderr with its line" '^sms-sandbox: line 2: 12: ' "$T/.err"
check_eq "...the good ones stored, the bad ones not" "+15551230030|one|
+15551230032||[\"https://example.com/a.png\",\"https://example.com/b\"]" \
	"$(q "select from_number, body, media from messages where from_number between '+15551230030' and '+15551230039' order by id")"
check_eq "...the object's type kept" "image/png image/gif" \
	"$(q "select detail from events e join messages m on m.id = e.message_id where e.kind = 'webhook' and m.from_number = '+15551230032'" | jq -r '"\(.MediaContentType0) \(.MediaContentType1)"')"

check "the key appears in no output, error or log" sh -c "! grep -qF '$key' '$T/.out' '$T/.err' '$T/webhookd.log'"

# The key outlives the daemon.
stop_webhookd
start_webhookd
check_eq "after a restart the key file is the same" "$key" "$(cat "$KEY")"
check_exit "...and sms-sandbox's messages still arrive" 0 sms-sandbox receive --from +15551230040 --body "after restart" --url "$WH_URL/sms/incoming" -o json
check_eq "...stored" 1 "$(q "select count(*) from messages where body = 'after restart'")"
stop_webhookd

# TWILIO_AUTH_TOKEN, when set, is the key (for both).
TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN start_webhookd
check_eq "with TWILIO_AUTH_TOKEN set, the daemon checks with it" 200 "$(incoming "$WH_URL/sms/incoming" SMtok1 +15551230050 "token")"
sig=$(twilio_sig "$WH_URL/sms/incoming" "$key" Body=x From=+15551230051 MessageSid=SMtok2 To=+15005550006)
check_eq "...and not with the sandbox key" 403 "$(post_with_sig "$WH_URL/sms/incoming" "$sig" Body=x From=+15551230051 MessageSid=SMtok2 To=+15005550006)"
check_exit "sms-sandbox with the same token: arrives" 0 env TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN sms-sandbox receive --from +15551230052 --body x --url "$WH_URL/sms/incoming" -o json
check_exit "sms-sandbox without it: the record fails (exit 1)" 1 sms-sandbox receive --from +15551230053 --body x --url "$WH_URL/sms/incoming" -o json
check_eq "...as webhook_rejected, 403" "webhook_rejected 403" "$(jq -r '.error.code + " " + (.http_status | tostring)' "$T/.out")"
check_grep "...suggesting why" 'checks signatures with another key' "$T/.err"
stop_webhookd

# Behind a proxy: both sign the public URL, whatever URL is called.
SMS_PUBLIC_URL=https://sms.example.org/in start_webhookd
check_exit "SMS_PUBLIC_URL set for both: the public URL is signed, the daemon called" 0 \
	env SMS_PUBLIC_URL=https://sms.example.org/in/ sms-sandbox receive --from +15551230054 --body public --url "$WH_URL/sms/incoming" -o json
check_eq "...stored" 1 "$(q "select count(*) from messages where body = 'public'")"
check_exit "...and through CGI" 0 env SMS_PUBLIC_URL=https://sms.example.org/in sms-sandbox receive --from +15551230055 --body public-cgi --cgi sms-webhookd -o json
check_exit "SMS_PUBLIC_URL for the daemon only: 403, exit 1" 1 sms-sandbox receive --from +15551230056 --body x --url "$WH_URL/sms/incoming" -o json
stop_webhookd

port=$(free-port)
check_exit "sms-webhookd not running: exit 69" 69 sms-sandbox receive --from "(555) 123-4567" --body hi --url "http://127.0.0.1:$port/sms/incoming" -o json
check_eq "...an unreachable record, retryable" "unreachable true" "$(jq -r '.error.code + " " + (.error.retryable | tostring)' "$T/.out")"
check_grep "...telling how to start sms-webhookd" "sms-webhookd --listen 127.0.0.1:3001" "$T/.err"
check_exit "...the default URL is 127.0.0.1:3001" 69 env SMS_PUBLIC_URL= sms-sandbox receive --from "(555) 123-4567" --body hi
check_grep "...said" "http://127.0.0.1:3001/sms/incoming" "$T/.err"

# The CGI way in, as a web server runs sms-webhookd.
check_exit "--cgi: a message with media arrives through sms-webhookd as a CGI program" 0 \
	sms-sandbox receive --from "+44 7911 123456" --body "via CGI" --media https://example.com/v.mp4 --cgi sms-webhookd -o json
check_eq "...stored" "+447911123456|via CGI|[\"https://example.com/v.mp4\"]|$(jq -r .id "$T/.out")" \
	"$(q "select from_number, body, media, id from messages where provider_id = '$(jq -r .sid "$T/.out")'")"
check_eq "...its type by extension" "video/mp4" "$(q "select detail from events where kind = 'webhook' and message_id = $(jq .id "$T/.out")" | jq -r .MediaContentType0)"
check_exit "HOURS through CGI" 0 sms-sandbox receive --from +15551230060 --body HOURS --cgi "$SMSKIT_BIN/sms-webhookd" -o json
check_eq "...gets the answer" "We're open Mon-Fri 9am-6pm & Sat <10-2>" "$(jq -r .reply "$T/.out")"
printf 'Body=forged&From=%%2B15551230061&MessageSid=SMcgi9&To=%%2B15005550006' >"$T/forged"
env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST SERVER_NAME=localhost SERVER_PORT=80 PATH_INFO=/sms/incoming \
	CONTENT_LENGTH="$(wc -c <"$T/forged")" HTTP_X_TWILIO_SIGNATURE=AAAA sms-webhookd <"$T/forged" >"$T/cgi.out" 2>/dev/null
check_grep "a forged request to the CGI program gets 403" '^Status: 403' "$T/cgi.out"
check_eq "...nothing stored" 0 "$(q "select count(*) from messages where provider_id = 'SMcgi9'")"
check_exit "--cgi with a program that is not there: exit 69" 69 sms-sandbox receive --from +15551230062 --body x --cgi "$T/no-such-program"
check_grep "...saying so" "cannot run $T/no-such-program" "$T/.err"
# A CGI program that answers without reading its request, as sms-webhookd does
# when it refuses its configuration: its answer is said, where sms-sandbox was
# killed by SIGPIPE (exit 141) writing a request bigger than a pipe holds.
printf '#!/bin/sh\nexec 0<&-\nsleep 0.2\nprintf "Status: 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\nrefused\\n"\n' >"$T/closer"
chmod +x "$T/closer"
long=$(head -c 100000 /dev/zero | tr '\0' a)
check_exit "--cgi with a program that leaves its stdin unread: exit 75, not 141" 75 \
	sms-sandbox receive --from +15551230063 --media "https://example.com/$long.jpg" --cgi "$T/closer" -o json
check_grep "...saying what it answered" "closer answered 500: refused" "$T/.err"

# The whole loop, no Twilio credentials anywhere.
check_exit "a question arrives" 0 sms-sandbox receive --from "(555) 123-4599" --body "Can I bring my dog?" --cgi sms-webhookd -o json
dog=$(jq .id "$T/.out")
sms-inbox --unread -o json >"$T/unread" 2>&1
check_eq "sms-inbox --unread shows it" "+15551234599 Can I bring my dog?" "$(jq -r "select(.id == $dog) | .from + \" \" + .body" "$T/unread")"
check_exit "sms-reply answers it on the sandbox" 0 sms-reply "$dog" --body "Of course, dogs are welcome!" -o json
check_eq "...from our number to the sender, sent" "+15005550006 +15551234599 $dog true" "$(jq -r '[.from, .to, .reply_to, .ok] | map(tostring) | join(" ")' "$T/.out")"
check_eq "sms-inbox --thread shows both, in order" "inbound Can I bring my dog?|outbound Of course, dogs are welcome!" \
	"$(sms-inbox --thread "(555) 123-4599" -o json | jq -r '.direction + " " + .body' | paste -sd'|')"
check_eq "...the question is now read and replied" "1|1" "$(q "select read, replied from messages where id = $dog")"

# Several programs making the key at once agree on one.
# (A new data directory too: there a PostgreSQL store's key is made.)
if [ "$SMSKIT_STORE" = sqlite ]; then fresh=$T/fresh/sms.db; else fresh=$(new_store fresh); fi
pids=()
for i in 1 2 3 4 5 6; do
	XDG_DATA_HOME=$T/fresh-data SMS_DB=$fresh sms-sandbox receive --from "+1555123010$i" --body "n$i" --cgi sms-webhookd -o json >"$T/par.$i" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
check_eq "six at once on a new store, each needing the key: every message arrives" 6 "$(cat "$T"/par.* | jq -s 'map(select(.ok)) | length')"
if [ "$SMSKIT_STORE" = sqlite ]; then
	check_eq "...one key file, mode 600, no half-made ones left" "sms.db.sandbox-key 600" "$(cd "$T/fresh" && echo *sandbox* "$(stat -c %a sms.db.sandbox-key)")"
else
	check_eq "...one key file, mode 600, no half-made ones left" "pg.sandbox-key 600" "$(cd "$T/fresh-data/sms" && echo *sandbox* "$(stat -c %a pg.sandbox-key)")"
fi
check_exit "without SMS_DB, the key goes beside the default store, its directory made" 0 \
	env -u SMS_DB sms-sandbox receive --from +15551230070 --body x --cgi sms-webhookd -o json
check_eq "...in XDG_DATA_HOME/sms" "600" "$(stat -c %a "$XDG_DATA_HOME/sms/sms.db.sandbox-key" 2>&1)"

# A key others can read is refused, by both.
chmod 644 "$KEY"
check_exit "a key file others can read: sms-webhookd refuses to start (78)" 78 sms-webhookd --listen 127.0.0.1:0
check_grep "...saying chmod 600" "chmod 600 $KEY" "$T/.err"
check_exit "...sms-sandbox too" 78 sms-sandbox receive --from +15551230080 --body x --cgi sms-webhookd
check "...without showing the key" sh -c "! grep -qF '$key' '$T/.err'"
chmod 600 "$KEY"
echo "not a key" >"$KEY"
check_exit "a key file that holds no key: refused (78)" 78 sms-sandbox receive --from +15551230081 --body x --cgi sms-webhookd
check_grep "...saying what to do" 'remove it, and a new one is made' "$T/.err"

done_testing
