#!/usr/bin/env bash
# The review dashboard behind a reverse proxy on the same machine: a real
# nginx on a free loopback port in front of the daemon. The proxy connects
# from loopback, and nginx's plain proxy_pass names 127.0.0.1:PORT in Host,
# as a browser on the machine would: without SMS_DASHBOARD_TOKEN the
# dashboard must still refuse it (403), through contrib's example too, and
# with the token ask for it; a browser on the machine itself keeps its
# no-login dashboard. The proxy's tell-tales one by one against the daemon,
# and the same rule in CGI mode.
. tests/lib.sh
. tests/webhook.sh

get() { local u=$1; shift; curl -s -o "$T/.body" -w '%{http_code}' "$@" "$u"; }
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -n 1 | sed 's/.*value="//; s/"$//'; }

export SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_QUIET_HOURS=off
TOKEN=proxy-dashboard-token-0123456789
sms-stage --to +15551230001 --body "queued behind the proxy" >/dev/null

# ---- The daemon alone: what shows a proxy --------------------------------------------------------
start_webhookd
R=$WH_URL/review
check_grep "started on loopback without a token, the daemon says the dashboard needs no login" \
	'opens without a login to a browser on this machine; set SMS_DASHBOARD_TOKEN' "$T/webhookd.log"
check_eq "a browser on this machine: no login" 200 "$(get "$R/staged")"
check_grep "...showing the queue" 'queued behind the proxy' "$T/.body"
for h in "Forwarded: for=203.0.113.9" "X-Forwarded-For: 203.0.113.9" "X-Forwarded-Host: sms.example.com" \
	"X-Forwarded-Proto: https" "X-Real-IP: 203.0.113.9" "Via: 1.1 proxy.example"; do
	check_eq "with ${h%%:*} (a proxy's header) and no token: 403" 403 "$(get "$R/staged" -H "$h")"
done
check_grep "...saying it came through a proxy and to set SMS_DASHBOARD_TOKEN" \
	'came through a proxy (Via header): set SMS_DASHBOARD_TOKEN' "$T/.body"
check "...and showing nothing of the queue" sh -c "! grep -q 'queued behind the proxy' '$T/.body'"
check_eq "HTTP/1.0, which no browser speaks: 403" 403 "$(get "$R/staged" --http1.0)"
check_grep "...saying so" 'came through a proxy (HTTP/1.0, which nginx' "$T/.body"
check_eq "the webhooks do not care: /healthz over HTTP/1.0" 200 "$(get "$WH_URL/healthz" --http1.0)"
stop_webhookd

need "the dashboard behind nginx" nginx || { done_testing; exit; }

# proxy SITE_FILE: nginx on $NPORT with the location blocks of SITE_FILE, in front of
# the daemon (started first) on $WPORT.
D=$T/nginx
mkdir -p "$D"
NPORT=$(free-port)
proxy_start() {
	nginx_conf "$D" "$1" "$NPORT" >"$D/nginx.conf"
	nginx -p "$D" -c "$D/nginx.conf" 2>>"$D/error.log" &
	NGINX_PID=$!
	wait_http "http://127.0.0.1:$NPORT/" || sed 's/^/#   /' "$D/error.log"
}
proxy_stop() { kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; }

# ---- Plain proxy_pass, the issue's case: no header of its own -----------------------------------
start_webhookd
WPORT=${WH_URL##*:}
printf 'location /review/ {\n\tproxy_pass http://127.0.0.1:%s;\n}\n' "$WPORT" >"$D/plain.conf"
proxy_start "$D/plain.conf"
P=http://127.0.0.1:$NPORT/review
check_eq "through nginx's plain proxy_pass, no token set: 403" 403 "$(get "$P/staged")"
check "...showing nothing of the queue" sh -c "! grep -q 'queued behind the proxy' '$T/.body'"
check_grep "...saying it came through a proxy" 'came through a proxy' "$T/.body"
check_eq "...not even with a Host that names loopback" 403 "$(get "$P/staged" -H "Host: 127.0.0.1:$WPORT")"
# A form of the dashboard's own, with its session and CSRF token, posted through the proxy.
get "$WH_URL/review/staged" -c "$T/jar0" >/dev/null
c=$(csrf_of "$T/.body")
check_eq "...nor posting a decision with a valid form" 403 "$(get "$P/decide" -b "$T/jar0" -d "csrf=$c" -d approve=1)"
check_eq "...which changed nothing" pending "$(sql "select status from messages where id = 1")"
check_eq "the browser on the machine, straight to the daemon, still needs no login" 200 "$(get "$WH_URL/review/staged")"
proxy_stop

# ---- contrib's reverse-proxy example -----------------------------------------------------------
sed -n '/^#location \/sms\//,$ s/^#//p' "$SMSKIT_SRC/contrib/nginx-fcgiwrap.conf" |
	sed "s|127\.0\.0\.1:3001|127.0.0.1:$WPORT|" >"$D/contrib.conf"
check "contrib's example serves /review/ through the proxy" grep -q 'location /review/' "$D/contrib.conf"
check "...and sets X-Forwarded-For there" grep -q 'proxy_set_header X-Forwarded-For' "$D/contrib.conf"
proxy_start "$D/contrib.conf"
check_eq "through contrib's example, no token set: 403" 403 "$(get "$P/staged")"
check_grep "...naming the header that showed the proxy" 'came through a proxy (X-Forwarded-For header)' "$T/.body"
check_eq "...with the request's own Host: localhost as well" 403 "$(get "$P/staged" -H "Host: localhost")"
check_eq "the webhooks still pass through it" ok "$(curl -s "http://127.0.0.1:$NPORT/healthz")"
proxy_stop
stop_webhookd

# ---- A token set: through the proxy it is required, and it works ----------------------------------
said=$(grep -c 'opens without a login' "$T/webhookd.log")
SMS_DASHBOARD_TOKEN=$TOKEN start_webhookd
WPORT=${WH_URL##*:}
printf 'location /review/ {\n\tproxy_pass http://127.0.0.1:%s;\n}\n' "$WPORT" >"$D/plain.conf"
proxy_start "$D/plain.conf"
check_eq "with SMS_DASHBOARD_TOKEN, through the proxy without it: 401" 401 "$(get "$P/staged")"
check_grep "...and the login form" 'name="token"' "$T/.body"
check_eq "...a wrong token: 401" 401 "$(get "$P/staged" -H "Authorization: Bearer wrong-token-0123456789")"
check_eq "...the token: 200" 200 "$(get "$P/staged" -H "Authorization: Bearer $TOKEN")"
check_grep "...showing the queue" 'queued behind the proxy' "$T/.body"
jar=$T/jar
get "$P/login" -c "$jar" >/dev/null
c=$(csrf_of "$T/.body")
check_eq "...the login form through the proxy (303)" 303 \
	"$(get "$P/login" -b "$jar" -c "$jar" -d "csrf=$c" --data-urlencode "token=$TOKEN" -d name=pat)"
check_eq "...and its cookie opens the dashboard" 200 "$(get "$P/staged" -b "$jar")"
check_grep "...as pat" 'id="reviewer">pat<' "$T/.body"
proxy_stop
stop_webhookd
check_eq "the daemon with a token says nothing about a dashboard without login" "$said" \
	"$(grep -c 'opens without a login' "$T/webhookd.log")"

# ---- CGI mode: the same headers as HTTP_* variables ---------------------------------------------
cgi() { # VAR=VALUE...: GET /review/staged from loopback to localhost; the status
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET SERVER_NAME=localhost SERVER_PORT=80 \
		SERVER_PROTOCOL=HTTP/1.1 PATH_INFO=/review/staged REMOTE_ADDR=127.0.0.1 HTTP_HOST=localhost \
		"$@" sms-webhookd 2>/dev/null | sed -n '1s/^Status: \([0-9]*\).*/\1/p' | tr -d '\r'
}
check_eq "CGI from loopback, no proxy header: no login" 200 "$(cgi)"
check_eq "CGI with HTTP_X_FORWARDED_FOR: 403" 403 "$(cgi HTTP_X_FORWARDED_FOR=203.0.113.9)"
check_eq "CGI with HTTP_X_REAL_IP: 403" 403 "$(cgi HTTP_X_REAL_IP=203.0.113.9)"
check_eq "CGI with HTTP_FORWARDED: 403" 403 "$(cgi HTTP_FORWARDED=for=203.0.113.9)"
check_eq "CGI with SERVER_PROTOCOL=HTTP/1.0: 403" 403 "$(cgi SERVER_PROTOCOL=HTTP/1.0)"
check_eq "CGI behind a proxy with the token: 200" 200 \
	"$(cgi HTTP_X_FORWARDED_FOR=203.0.113.9 SMS_DASHBOARD_TOKEN=$TOKEN "HTTP_AUTHORIZATION=Bearer $TOKEN")"
done_testing
