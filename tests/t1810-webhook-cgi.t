#!/usr/bin/env bash
# sms-webhookd as a CGI program under a real lighttpd: the same checks as the
# daemon — signatures, once per MessageSid, STOP/START, HOURS inside and
# outside its hours, 413, 400 — through the web server.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
need "CGI under lighttpd" lighttpd || { done_testing; exit; }

# The secret goes in the config file (mode 0600), not in the server's config.
printf 'TWILIO_AUTH_TOKEN = %s\nSMS_PROVIDER = twilio\nSMS_TZ = America/New_York\n' "$WEBHOOK_TOKEN" >"$SMS_CONFIG"
chmod 600 "$SMS_CONFIG"
sms-auto add --trigger HOURS --response "Open 9-5 <weekdays>" --active-hours "9am-5pm Mon-Fri" >/dev/null

export SMS_TEST_NOW=2026-11-25T15:00:00Z   # Wednesday 10:00 in New York
LIGHTTPD_ENV="SMS_TEST_NOW" start_lighttpd
U="$CGI_URL/sms/incoming"

check_eq "GET /healthz through lighttpd" 200 "$(curl -s -o "$T/.body" -w '%{http_code}' "$CGI_URL/healthz")"
check_eq "...ok" ok "$(cat "$T/.body")"
check_eq "a signed inbound message is accepted" 200 "$(incoming "$U" SMcgi1 +15551231001 "Hello CGI")"
check_eq "...stored" "inbound|received|Hello CGI|SMcgi1" "$(q "select direction, status, body, provider_id from messages")"
check_grep "...TwiML as text/xml" '^Content-Type: text/xml' "$T/.headers"
check_eq "the same MessageSid again" 200 "$(incoming "$U" SMcgi1 +15551231001 "Hello CGI")"
check_eq "...one row" 1 "$(q "select count(*) from messages where provider_id = 'SMcgi1'")"

n0=$(q "select count(*) from messages")
e0=$(q "select count(*) from events")
check_eq "unsigned: 403" 403 "$(post_with_sig "$U" "" Body=x From=+15551231002 MessageSid=SMcgi2 To=+15550006666)"
sig=$(twilio_sig "$U" "$WEBHOOK_TOKEN" Body=x From=+15551231002 MessageSid=SMcgi2 To=+15550006666)
check_eq "tampered: 403" 403 "$(post_with_sig "$U" "$sig" Body=X From=+15551231002 MessageSid=SMcgi2 To=+15550006666)"
sig=$(twilio_sig "$U" not-the-token Body=x From=+15551231002 MessageSid=SMcgi2 To=+15550006666)
check_eq "forged (another key): 403" 403 "$(post_with_sig "$U" "$sig" Body=x From=+15551231002 MessageSid=SMcgi2 To=+15550006666)"
check_eq "...nothing stored" "$n0 $e0" "$(q "select count(*) from messages") $(q "select count(*) from events")"
check_eq "malformed form encoding: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary 'Body=%G1' "$U")"
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/Body=/' >"$T/big"
check_eq "a body over 64 KiB: 413" 413 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" "$U")"
check_eq "GET /sms/incoming: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' "$U")"

check_eq "STOP" 200 "$(incoming "$U" SMcgi3 +15551231003 STOP)"
check_eq "...opts out" "+15551231003" "$(q "select number from optouts")"
check_exit "...and sms-send refuses the number" 1 env SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-send --to +15551231003 --body "hello?"
check_eq "START" 200 "$(incoming "$U" SMcgi4 +15551231003 start)"
check_eq "...resubscribes" 0 "$(q "select count(*) from optouts")"

check_eq "HOURS inside its hours" 200 "$(incoming "$U" SMcgi5 +15551231005 HOURS)"
check_eq "...gets the TwiML reply, escaped" '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Open 9-5 &lt;weekdays&gt;</Message></Response>' "$(cat "$T/.body")"
stop_lighttpd

export SMS_TEST_NOW=2026-11-25T23:30:00Z   # Wednesday 18:30 in New York
LIGHTTPD_ENV="SMS_TEST_NOW" start_lighttpd
check_eq "HOURS after hours" 200 "$(incoming "$CGI_URL/sms/incoming" SMcgi6 +15551231005 HOURS)"
check_eq "...gets no reply" '<?xml version="1.0" encoding="UTF-8"?><Response/>' "$(cat "$T/.body")"
check_eq "...the rule counted once in all" 1 "$(q "select trigger_count from autoresponders")"

# The URL rebuilt from the CGI variables is the one lighttpd was asked for.
sig=$(twilio_sig "$CGI_URL/sms/incoming?tag=a%20b" "$WEBHOOK_TOKEN" Body=q From=+15551231007 MessageSid=SMcgi7 To=+15550006666)
check_eq "a query string is part of the signed URL" 200 "$(post_with_sig "$CGI_URL/sms/incoming?tag=a%20b" "$sig" Body=q From=+15551231007 MessageSid=SMcgi7 To=+15550006666)"
stop_lighttpd

# The CGI program run directly, as any server runs it (RFC 3875): environment
# and stdin in, a CGI response out.
cgi() { # BODY SIGNATURE [ARGS...]: runs it on BODY; the response in $T/cgi.out
	local body=$1 sig=$2
	shift 2
	printf '%s' "$body" | env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST SERVER_NAME=hooks.example.com \
		SERVER_PORT=443 HTTPS=on SCRIPT_NAME=/cgi-bin/sms-webhookd PATH_INFO=/sms/incoming \
		CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} \
		HTTP_X_TWILIO_SIGNATURE="$sig" sms-webhookd "$@" >"$T/cgi.out" 2>"$T/cgi.err"
}
cgi 'Body=argv&From=%2B15551231010&MessageSid=SMcgi10&To=%2B15550006666' "" --no-verify
check_grep "arguments cannot switch verification off in CGI mode (a query string without '=')" '^Status: 403' "$T/cgi.out"
check_eq "...nothing stored" 0 "$(q "select count(*) from messages where provider_id = 'SMcgi10'")"
sig=$(twilio_sig "https://hooks.example.com/cgi-bin/sms-webhookd/sms/incoming" "$WEBHOOK_TOKEN" Body=direct From=+15551231011 MessageSid=SMcgi11 To=+15550006666)
cgi 'Body=direct&From=%2B15551231011&MessageSid=SMcgi11&To=%2B15550006666' "$sig"
check_grep "the URL is rebuilt from HTTPS, SERVER_NAME, SCRIPT_NAME and PATH_INFO (port 443 left out)" '^Status: 200' "$T/cgi.out"
check_grep "...with the stored id in X-Message-Id" '^X-Message-Id: [0-9]' "$T/cgi.out"
sig=$(twilio_sig "https://public.example.org/in/sms/incoming" "$WEBHOOK_TOKEN" Body=pub From=+15551231012 MessageSid=SMcgi12 To=+15550006666)
SMS_PUBLIC_URL=https://public.example.org/in cgi 'Body=pub&From=%2B15551231012&MessageSid=SMcgi12&To=%2B15550006666' "$sig"
check_grep "with SMS_PUBLIC_URL, that URL and the route are what is signed" '^Status: 200' "$T/cgi.out"
sig=$(twilio_sig "https://public.example.org/sms/incoming" "$WEBHOOK_TOKEN" Body=pub From=+15551231013 MessageSid=SMcgi13 To=+15550006666)
printf '%s' 'Body=pub&From=%2B15551231013&MessageSid=SMcgi13&To=%2B15550006666' | env GATEWAY_INTERFACE=CGI/1.1 \
	REQUEST_METHOD=POST SCRIPT_NAME=/sms/incoming CONTENT_LENGTH=68 HTTP_X_TWILIO_SIGNATURE="$sig" \
	SMS_PUBLIC_URL=https://public.example.org sms-webhookd >"$T/cgi.out" 2>/dev/null
check_grep "...also when the program is mapped at the route itself (no PATH_INFO)" '^Status: 200' "$T/cgi.out"

# A slow hook never holds the answer: it runs detached, after the response.
sig=$(twilio_sig "https://hooks.example.com/cgi-bin/sms-webhookd/sms/incoming" "$WEBHOOK_TOKEN" Body=hook From=+15551231014 MessageSid=SMcgi14 To=+15550006666)
start=$(date +%s%N)
SMS_ON_RECEIVE="sleep 2; cat > '$T/cgi-hook.out'" cgi 'Body=hook&From=%2B15551231014&MessageSid=SMcgi14&To=%2B15550006666' "$sig"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "with a 2 s SMS_ON_RECEIVE hook the CGI program exits at once (${ms} ms)" test "$ms" -lt 1500
check_grep "...having answered 200" '^Status: 200' "$T/cgi.out"
wait_for_file "$T/cgi-hook.out" 60
check_eq "...and the hook got the record afterwards" "hook" "$(jq -r .body "$T/cgi-hook.out")"

# One process per request never leaves SQLite a connection that remembers
# what was checkpointed: the WAL must still stay short, or every start reads
# more of it. 60 messages write about 600 pages; the WAL holds at most
# STORE_CKPT_FRAMES (128) and a request's worth.
cgi_signed() { # NAME: a signed inbound message with body and MessageSid from NAME
	cgi "Body=$1&From=%2B15551232000&MessageSid=SM$1&To=%2B15550006666" \
		"$(twilio_sig "https://hooks.example.com/cgi-bin/sms-webhookd/sms/incoming" "$WEBHOOK_TOKEN" Body="$1" From=+15551232000 MessageSid="SM$1" To=+15550006666)"
}
cgi_60() { # PREFIX: 60 of them, one after another; ok counts the 200s
	ok=0
	for i in $(seq 60); do
		cgi_signed "$1$i"
		grep -q '^Status: 200' "$T/cgi.out" && ok=$((ok + 1))
	done
}
# On PostgreSQL the same requests each open a session and close it with the
# process: none is left behind, and the store is as sound after them.
others() { sql "select count(*) from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()"; }
sound() {
	if [ "$SMSKIT_STORE" = sqlite ]; then
		check_eq "...the store is sound" ok "$(q "pragma integrity_check")"
	else
		check_exit "...the store is sound (sms-store check)" 0 sms-store check
	fi
}
SMS_DB=$(new_store wal); export SMS_DB
cgi_60 wal
# (Read before anything else opens the store: sqlite3's close removes the WAL.)
[ "$SMSKIT_STORE" = sqlite ] && wal=$(stat -c %s "$SMS_DB-wal" 2>/dev/null || echo 0)
check_eq "60 CGI requests one after another: 60 answered 200" 60 "$ok"
if [ "$SMSKIT_STORE" = sqlite ]; then
	check "...the WAL stayed short: $wal bytes <= $(( (128 + 32) * 4120 ))" test "$wal" -le $(( (128 + 32) * 4120 ))
else
	check_eq "...no session of theirs left open" 0 "$(others)"
fi
check_eq "...60 rows" 60 "$(q "select count(*) from messages")"
sound

# With another connection open all along (here the sqlite3 CLI; on a server,
# a dashboard or sms-inbox), no close is the last one: the WAL is copied back
# by a passive checkpoint at the close after a commit that left 128 pages or
# more, and the WAL file is then reused from its start. SQLite's own
# autocheckpoint would let it reach 1,000 pages (4 MB) first, inside a request.
# (On PostgreSQL: psql holds a session open, and the requests go on beside it.)
SMS_DB=$(new_store wal2); export SMS_DB
cgi_signed open
mkfifo "$T/hold"
sql <"$T/hold" >/dev/null &
held=$!
exec 7>"$T/hold"
echo "select count(*) from messages;" >&7
cgi_60 held
[ "$SMSKIT_STORE" = sqlite ] && wal=$(stat -c %s "$SMS_DB-wal" 2>/dev/null || echo 0)
check_eq "60 CGI requests while another connection holds the store: 60 answered 200" 60 "$ok"
if [ "$SMSKIT_STORE" = sqlite ]; then
	check "...the WAL stayed short: $wal bytes <= $(( (128 + 32) * 4120 ))" test "$wal" -le $(( (128 + 32) * 4120 ))
else
	check_eq "...none of theirs left open beside it" 1 "$(others)"
fi
check "...the other connection was open all along" kill -0 "$held"
exec 7>&-
wait "$held"
check_eq "...61 rows" 61 "$(q "select count(*) from messages")"
sound

printf 'SMS_PROVIDER = nonsense\n' >"$T/bad-config"
chmod 600 "$T/bad-config"
SMS_CONFIG="$T/bad-config" cgi 'Body=x' ""
check_grep "a configuration error still gets a CGI response (500)" '^Status: 500' "$T/cgi.out"
check_grep "...with the reason on stderr, for the server's error log" 'SMS_PROVIDER=nonsense' "$T/cgi.err"

if command -v ldd >/dev/null; then
	check "sms-webhookd does not load libcurl (a CGI request starts a process)" sh -c "! ldd '$SMSKIT_BIN/sms-webhookd' | grep -q libcurl"
	check "...nor libmicrohttpd (the daemon loads it when it starts)" sh -c "! ldd '$SMSKIT_BIN/sms-webhookd' | grep -q libmicrohttpd"
else skip "sms-webhookd without libcurl" "$(missing ldd)"; fi

done_testing
