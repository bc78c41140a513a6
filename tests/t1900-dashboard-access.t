#!/usr/bin/env bash
# The review dashboard's doors: who gets in (loopback without a login; the
# token by Bearer header or login form everywhere else; the refusal to start
# beyond loopback without one), the Host check against DNS rebinding, the
# headers every answer carries (Content-Security-Policy, no framing), routes,
# methods, and that the token never shows in an answer or the log.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
# get URL [CURL ARGS...]: prints the status; body in $T/.body, headers in $T/.h
get() { local u=$1; shift; curl -s -o "$T/.body" -D "$T/.h" -w '%{http_code}' "$@" "$u"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'; }
header() { tr -d '\r' <"$T/.h" | sed -n "s/^$1: //Ip" | head -n 1; }

export SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_QUIET_HOURS=off
TOKEN=dashboard-token-0123456789abcdef
sms-stage --to +15551230001 --body "hello from the queue" >/dev/null
sms-stage --to +15551230002 --body "second" >/dev/null

# ---- Start-up -------------------------------------------------------------------------------
check_exit "listening on 0.0.0.0 without SMS_DASHBOARD_TOKEN refuses to start (78)" 78 \
	sms-webhookd --listen 0.0.0.0:0
check_grep "...naming SMS_DASHBOARD_TOKEN" 'needs SMS_DASHBOARD_TOKEN' "$T/.err"
check_exit "...and so does [::]" 78 sms-webhookd --listen '[::]:0'
check_exit "a token shorter than 16 characters refuses to start (78)" 78 \
	env SMS_DASHBOARD_TOKEN=short sms-webhookd --listen 127.0.0.1:0
check_grep "...saying how to make one" 'openssl rand' "$T/.err"
check "...without printing the token" sh -c "! grep -q short '$T/.err'"

# ---- Loopback, no token: no login --------------------------------------------------------------
start_webhookd
R=$WH_URL/review
check_eq "GET /review redirects to the staged tab" "303 review/staged" "$(get "$R") $(header Location)"
check_eq "GET /review/ redirects too" "303 staged" "$(get "$R/") $(header Location)"
check_eq "on loopback the staged tab opens without a login" 200 "$(get "$R/staged")"
check_grep "...showing the queue" 'hello from the queue' "$T/.body"
check_grep "...and the reviewer's name" 'id="reviewer">dashboard<' "$T/.body"
check_grep "the answer is HTML" '^Content-Type: text/html; charset=utf-8' "$T/.h"
csp=$(header Content-Security-Policy)
check_eq "a Content-Security-Policy with no inline script or style" \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" "$csp"
check_eq "no framing (X-Frame-Options)" DENY "$(header X-Frame-Options)"
check_eq "no sniffing" nosniff "$(header X-Content-Type-Options)"
check_eq "no Referer to the media hosts" no-referrer "$(header Referrer-Policy)"
check_grep "a session cookie, HttpOnly, SameSite=Lax, no Path (the dashboard's own directory)" \
	'^Set-Cookie: smskit_sid=[0-9a-f]\{32\}; HttpOnly; SameSite=Lax' "$T/.h"
check "the page has no inline script" sh -c "! grep -o '<script[^>]*>' '$T/.body' | grep -v 'src=\"app.js\"'"
check "...no style attribute and no <style>" sh -c "! grep -q -e ' style=' -e '<style' '$T/.body'"
check_eq "GET /review/app.css" "200 text/css; charset=utf-8" "$(get "$R/app.css") $(header Content-Type)"
check_eq "GET /review/app.js" "200 text/javascript; charset=utf-8" "$(get "$R/app.js") $(header Content-Type)"
check_grep "...which carries the CSP as well" '^Content-Security-Policy: ' "$T/.h"
check_eq "an unknown page is 404" 404 "$(get "$R/nope")"
check_eq "PUT is 405" 405 "$(get "$R/staged" -X PUT)"
check_eq "...with Allow" "GET, HEAD, POST" "$(header Allow)"
check_eq "GET on a POST-only page (decide) is 405" "405 POST" "$(get "$R/decide") $(header Allow)"
check_eq "POST on a GET-only page is 405" 405 "$(get "$R/staged" -d x=1)"
check_eq "every tab opens: inbox" 200 "$(get "$R/inbox")"
check_eq "...conversations" 200 "$(get "$R/conversations")"
check_eq "...sent" 200 "$(get "$R/sent")"
check_eq "...autoresponders" 200 "$(get "$R/autoresponders")"
check_eq "...spend" 200 "$(get "$R/spend")"
check_eq "...the counter's data" 200 "$(get "$R/split?body=hi")"
check_eq "...which is JSON from the codec" "2 GSM-7 1" "$(jq -r '"\(.chars) \(.encoding) \(.segments)"' "$T/.body")"
check_eq "...with no warnings for a plain body" null "$(jq -c .warnings "$T/.body")"
check_eq "...and the keyword warning for \"Reply CONFIRM or CANCEL\"" 200 "$(get "$R/split?body=Reply%20CONFIRM%20or%20CANCEL")"
check_eq "...as sms-split gives it" '["asks for the reply CANCEL, which opts the customer out of all messages; ask for another word"]' \
	"$(jq -c .warnings "$T/.body")"
check_eq "GET /review/login without a token set goes to the dashboard" 303 "$(get "$R/login")"
port=${WH_URL##*:}
check_eq "Host: localhost:PORT is loopback" 200 "$(get "$R/staged" -H "Host: localhost:$port")"
check_eq "Host: [::1]:PORT is loopback" 200 "$(get "$R/staged" -H "Host: [::1]:$port")"
check_eq "another Host (DNS rebinding, a proxy) gets 403 without a token" 403 \
	"$(get "$R/staged" -H "Host: evil.example:$port")"
check_grep "...saying to set SMS_DASHBOARD_TOKEN" 'set SMS_DASHBOARD_TOKEN' "$T/.body"
check "...and shows nothing of the queue" sh -c "! grep -q 'hello from the queue' '$T/.body'"
stop_webhookd

# ---- A token set: it is required, on loopback too ------------------------------------------------
SMS_DASHBOARD_TOKEN=$TOKEN start_webhookd
R=$WH_URL/review
check_eq "with SMS_DASHBOARD_TOKEN a request without it gets 401" 401 "$(get "$R/staged")"
check_grep "...and the login form" 'name="token"' "$T/.body"
check "...but not the queue" sh -c "! grep -q 'hello from the queue' '$T/.body'"
check_grep "...WWW-Authenticate: Bearer" '^WWW-Authenticate: Bearer' "$T/.h"
check_eq "a wrong Bearer token gets 401" 401 "$(get "$R/staged" -H "Authorization: Bearer wrong-token-0123456789")"
check_grep "...saying so" 'Wrong dashboard token' "$T/.body"
check_eq "a token that only starts right gets 401" 401 "$(get "$R/staged" -H "Authorization: Bearer ${TOKEN}x")"
check_eq "the right Bearer token opens it" 200 "$(get "$R/staged" -H "Authorization: Bearer $TOKEN")"
check_grep "...showing the queue" 'hello from the queue' "$T/.body"
check_eq "the assets need no token (the login page uses them)" 200 "$(get "$R/app.css")"

# The login form.
jar=$T/jar
check_eq "GET /review/login shows the form" 200 "$(get "$R/login" -c "$jar")"
c=$(csrf_of "$T/.body")
check_eq "a login POST without the CSRF token gets 403" 403 \
	"$(get "$R/login" -b "$jar" --data-urlencode "token=$TOKEN")"
check_eq "a login with a wrong token gets 401" 401 \
	"$(get "$R/login" -b "$jar" -d "csrf=$c" --data-urlencode "token=not-the-token-at-all")"
check_grep "...and the form again, saying so" 'Wrong token' "$T/.body"
check_eq "the right token logs in (303 to the staged tab)" "303 staged" \
	"$(get "$R/login" -b "$jar" -c "$jar" -d "csrf=$c" --data-urlencode "token=$TOKEN" -d name=alice) $(header Location)"
check_grep "...with a cookie, HttpOnly, SameSite=Lax, for 24 hours" \
	'^Set-Cookie: smskit_auth=[0-9]*\.[0-9a-f]*\.[0-9a-f]\{64\}; HttpOnly; SameSite=Lax; Max-Age=86400' "$T/.h"
check "...that does not hold the token" sh -c "! grep -q '$TOKEN' '$T/.h' '$jar'"
check_eq "the cookie opens the dashboard" 200 "$(get "$R/staged" -b "$jar")"
check_grep "...as alice, the name given" 'id="reviewer">alice<' "$T/.body"
c=$(csrf_of "$T/.body")
check_eq "alice approves #1 with a form" 303 "$(get "$R/decide" -b "$jar" -d "csrf=$c" -d approve=1)"
check_eq "...recorded as alice" "approved|alice" "$(q "select status, reviewed_by from messages where id = 1")"
auth=$(awk '$6 == "smskit_auth" { print $7 }' "$jar")
forged=${auth%%.*}.$(printf 'mallory' | od -An -tx1 | tr -d ' \n').${auth##*.}
check_eq "a cookie with another name in it gets 401" 401 \
	"$(get "$R/staged" -H "Cookie: smskit_sid=$(awk '$6 == "smskit_sid" { print $7 }' "$jar"); smskit_auth=$forged")"
check_eq "the cookie with another session's id gets 401" 401 \
	"$(get "$R/staged" -H "Cookie: smskit_sid=0123456789abcdef0123456789abcdef; smskit_auth=$auth")"
later=$(( ${auth%%.*} + 1 ))
check_eq "a cookie whose expiry was pushed back gets 401" 401 \
	"$(get "$R/staged" -H "Cookie: smskit_sid=$(awk '$6 == "smskit_sid" { print $7 }' "$jar"); smskit_auth=$later.${auth#*.}")"
get "$R/staged" -b "$jar" >/dev/null
c=$(csrf_of "$T/.body")
check_eq "Sign out (POST) clears the cookie" 303 "$(get "$R/logout" -b "$jar" -c "$jar" -d "csrf=$c")"
check_grep "...Max-Age=0" '^Set-Cookie: smskit_auth=; HttpOnly; SameSite=Lax; Max-Age=0' "$T/.h"
check_eq "...after which the dashboard asks again (401)" 401 "$(get "$R/staged" -b "$jar")"
stop_webhookd
check "the token never appears in the log" sh -c "! grep -q '$TOKEN' '$T/webhookd.log'"
check_eq "...and the store holds only the dashboard's own secret" 1 \
	"$(q "select count(*) from kv where key = 'dashboard.secret' and length(value) = 64")"
check_eq "...not the token" 0 "$(q "select count(*) from kv where lower(value) like lower('%$TOKEN%')")"

# A changed token ends every login made with the old one.
SMS_DASHBOARD_TOKEN=${TOKEN}-rotated start_webhookd
R=$WH_URL/review
get "$R/login" -c "$jar" >/dev/null
c=$(csrf_of "$T/.body")
get "$R/login" -b "$jar" -c "$jar" -d "csrf=$c" --data-urlencode "token=${TOKEN}-rotated" >/dev/null
check_eq "a login with the new token works" 200 "$(get "$R/staged" -b "$jar")"
stop_webhookd
SMS_DASHBOARD_TOKEN=$TOKEN start_webhookd
check_eq "...and stops working when the token changes back" 401 "$(get "$WH_URL/review/staged" -b "$jar")"
stop_webhookd

# ---- Beyond loopback, with a token ------------------------------------------------------------
rm -f "$T/any.port"
SMS_DASHBOARD_TOKEN=$TOKEN sms-webhookd --listen 0.0.0.0:0 --port-file "$T/any.port" 2>>"$T/webhookd.log" &
WH_PID=$!
wait_for_file "$T/any.port"
U=http://127.0.0.1:$(cat "$T/any.port")/review
check_eq "listening on 0.0.0.0 with a token starts, and asks for it" 401 "$(get "$U/staged")"
check_eq "...a wrong token gets 401" 401 "$(get "$U/staged" -H "Authorization: Bearer wrong-token-0123456789")"
check_eq "...the token opens it" 200 "$(get "$U/staged" -H "Authorization: Bearer $TOKEN")"
stop_webhookd
done_testing
