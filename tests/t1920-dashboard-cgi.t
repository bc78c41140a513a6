#!/usr/bin/env bash
# The review dashboard in CGI mode: under a real lighttpd (relative links and
# redirects under the /webhook prefix, loopback without a login, the web
# server's own authentication naming the reviewer through REMOTE_USER), and
# the CGI program run directly for the rest of the access rules.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
get() { local u=$1; shift; curl -s -o "$T/.body" -D "$T/.h" -w '%{http_code}' "$@" "$u"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'; }
header() { tr -d '\r' <"$T/.h" | sed -n "s/^$1: //Ip" | head -n 1; }

export SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_QUIET_HOURS=off
for i in 1 2 3 4 5 6; do
	sms-stage --to "+155512300$i$i" --body "staged message $i" >/dev/null
done

if need "the dashboard under lighttpd" lighttpd; then
	LIGHTTPD_ENV="SMS_PROVIDER TWILIO_AUTH_TOKEN SMS_QUIET_HOURS" start_lighttpd
	R=$CGI_URL/review
	jar=$T/jar
	check_eq "under lighttpd, GET /webhook/review redirects (relative) to the staged tab" "303 review/staged" \
		"$(get "$R" -c "$jar") $(header Location)"
	check_eq "...which resolves under the prefix and opens from loopback without a login" 200 \
		"$(get "$R" -L -b "$jar" -c "$jar")"
	check_grep "...showing the queue" 'staged message 1' "$T/.body"
	check_grep "...with relative links that stay under the prefix" 'href="app.css"' "$T/.body"
	check_eq "the stylesheet through the CGI" 200 "$(get "$R/app.css")"
	c=$(csrf_of "$T/.body")
	[ -n "$c" ] || get "$R/staged" -b "$jar" -c "$jar" >/dev/null
	c=$(csrf_of "$T/.body")
	check_eq "POST without the CSRF token gets 403" 403 "$(get "$R/decide" -b "$jar" -d approve=1)"
	check_eq "approve #1 through the CGI (303)" "303 staged?note=decided&a=1&r=0&s=0" \
		"$(get "$R/decide" -b "$jar" -d "csrf=$c" -d approve=1) $(header Location)"
	check_eq "...the store: approved, by the dashboard (no REMOTE_USER)" "approved|dashboard" \
		"$(q "select status, reviewed_by from messages where id = 1")"
	check_eq "...and the redirect lands on the prefixed page" 200 \
		"$(get "$R/decide" -L -b "$jar" -d "csrf=$c" -d reject=2 -d reason-2=nope)"
	check_grep "...saying so" 'Rejected 1 message' "$T/.body"
	stop_lighttpd

	# The web server's own login: REMOTE_USER is the reviewer.
	port=$(free-port)
	printf 'carol:carols-password\n' >"$T/users"
	cat >"$T/lighttpd-auth.conf" <<CONF
server.modules = ("mod_alias", "mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv")
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/lighttpd.err"
alias.url = ("/webhook" => "$SMSKIT_BIN/sms-webhookd")
\$HTTP["url"] =~ "^/webhook" { cgi.assign = ("" => "") }
auth.backend = "plain"
auth.backend.plain.userfile = "$T/users"
auth.require = ("/webhook/review" => ("method" => "basic", "realm" => "smskit", "require" => "valid-user"))
setenv.add-environment = ("SMS_DB" => "$SMS_DB", "SMS_CONFIG" => "$SMS_CONFIG",
                          "SMS_PROVIDER" => "$SMS_PROVIDER", "TWILIO_AUTH_TOKEN" => "$TWILIO_AUTH_TOKEN")
CONF
	mkdir -p "$T/www"
	lighttpd -D -f "$T/lighttpd-auth.conf" 2>>"$T/lighttpd.err" &
	LIGHTTPD_PID=$!
	for ((i = 0; i < 50; i++)); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
	R=http://127.0.0.1:$port/webhook/review
	check_eq "with lighttpd's basic auth, no password gets the server's 401" 401 "$(get "$R/staged")"
	check_eq "carol's password opens it" 200 "$(get "$R/staged" -u carol:carols-password -c "$T/jar3")"
	check_grep "...naming carol (REMOTE_USER) as the reviewer" 'id="reviewer">carol<' "$T/.body"
	c=$(csrf_of "$T/.body")
	check_eq "carol approves #3" 303 "$(get "$R/decide" -u carol:carols-password -b "$T/jar3" -d "csrf=$c" -d approve=3)"
	check_eq "...recorded as carol" "approved|carol" "$(q "select status, reviewed_by from messages where id = 3")"
	check "...whose password is nowhere in the answer" sh -c "! grep -q carols-password '$T/.body' '$T/.h'"
	stop_lighttpd
fi

# ---- The CGI program run directly (RFC 3875) ----------------------------------------------------
# cgi METHOD PATH [VAR=VALUE...] [-- BODY]: the response in $T/cgi.out
cgi() {
	local method=$1 path=$2 body=""
	shift 2
	local vars=()
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then body=$2; break; fi
		vars+=("$1"); shift
	done
	printf '%s' "$body" | env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$method" \
		SERVER_NAME=sms.example.com SERVER_PORT=443 HTTPS=on SCRIPT_NAME=/cgi-bin/sms-webhookd \
		PATH_INFO="$path" CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} \
		"${vars[@]}" sms-webhookd >"$T/cgi.out" 2>"$T/cgi.err"
}
status() { sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/cgi.out" | tr -d '\r'; }
cgi GET /review/staged REMOTE_ADDR=203.0.113.7
check_eq "CGI from another address, no REMOTE_USER, no token: 401" 401 "$(status)"
check_grep "...saying how to let people in" "REMOTE_USER), or set SMS_DASHBOARD_TOKEN" "$T/cgi.out"
cgi GET /review/staged REMOTE_ADDR=127.0.0.1 HTTP_HOST=localhost
check_eq "CGI from loopback to localhost: no login" 200 "$(status)"
cgi GET /review/staged REMOTE_ADDR=127.0.0.1 HTTP_HOST=evil.example
check_eq "...but not for another Host name (DNS rebinding)" 403 "$(status)"
cgi GET /review/staged REMOTE_ADDR=203.0.113.7 REMOTE_USER=dave
check_eq "REMOTE_USER set by the server: in, from anywhere" 200 "$(status)"
check_grep "...as dave" 'id="reviewer">dave<' "$T/cgi.out"
sid=$(sed -n 's/^Set-Cookie: smskit_sid=\([0-9a-f]*\);.*/\1/p' "$T/cgi.out" | tr -d '\r')
c=$(csrf_of "$T/cgi.out")
cgi POST /review/decide REMOTE_ADDR=203.0.113.7 REMOTE_USER=dave "HTTP_COOKIE=smskit_sid=$sid" -- "approve=4"
check_eq "dave's POST without the CSRF token: 403" 403 "$(status)"
cgi POST /review/decide REMOTE_ADDR=203.0.113.7 REMOTE_USER=dave "HTTP_COOKIE=smskit_sid=$sid" -- "csrf=$c&reject=4&reason-4=not+now"
check_eq "dave rejects #4 with the form: 303" 303 "$(status)"
check_eq "...recorded as dave, with the reason" "rejected|dave|not now" \
	"$(q "select status, reviewed_by, review_reason from messages where id = 4")"
check_eq "...and the event says it came from the dashboard" dashboard \
	"$(q "select detail from events where message_id = 4 and kind = 'status'" | jq -r .via)"
cgi GET /review/staged REMOTE_ADDR=203.0.113.7 REMOTE_USER="$(printf 'eve\tmallory<b>')"
check_grep "a REMOTE_USER with control characters and markup is cleaned and escaped" 'id="reviewer">evemallory&lt;b&gt;<' "$T/cgi.out"
TOK=cgi-dashboard-token-0123456789
cgi GET /review/staged REMOTE_ADDR=203.0.113.7 SMS_DASHBOARD_TOKEN=$TOK
check_eq "with SMS_DASHBOARD_TOKEN and no REMOTE_USER the token is asked for: 401" 401 "$(status)"
cgi GET /review/staged REMOTE_ADDR=203.0.113.7 SMS_DASHBOARD_TOKEN=$TOK "HTTP_AUTHORIZATION=Bearer nope-nope-nope-nope"
check_eq "...a wrong token: 401" 401 "$(status)"
cgi GET /review/staged REMOTE_ADDR=203.0.113.7 SMS_DASHBOARD_TOKEN=$TOK "HTTP_AUTHORIZATION=Bearer $TOK"
check_eq "...the token: 200" 200 "$(status)"
cgi GET /review/staged REMOTE_ADDR=127.0.0.1 HTTP_HOST=localhost SMS_DASHBOARD_TOKEN=$TOK
check_eq "...from loopback too (a token set is always required)" 401 "$(status)"
cgi DELETE /review/staged REMOTE_ADDR=127.0.0.1
check_eq "a DELETE: 405" 405 "$(status)"
check_grep "...with Allow" '^Allow: GET, HEAD, POST' "$T/cgi.out"
check_grep "every CGI answer carries the CSP" "^Content-Security-Policy: default-src 'none'" "$T/cgi.out"
done_testing
