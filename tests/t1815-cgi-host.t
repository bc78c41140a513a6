#!/usr/bin/env bash
# CGI mode: the URL whose signature is checked names the host the client
# called (HTTP_HOST), not the server's name for itself (SERVER_NAME, "_" in
# Debian's default nginx site). Run directly with the variables a server
# sets, then under a real nginx with server_name _ and the stock
# fastcgi_params, through fcgiwrap. A Host the signer did not sign still
# fails, and SMS_PUBLIC_URL still wins.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
printf 'TWILIO_AUTH_TOKEN = %s\nSMS_PROVIDER = twilio\n' "$WEBHOOK_TOKEN" >"$SMS_CONFIG"
chmod 600 "$SMS_CONFIG"

# cgi N SIGNED_URL [VAR=VALUE...]: inbound message N (MessageSid SMhostN)
# signed for SIGNED_URL, posted to the CGI program with nginx's variables for
# server_name _ and these; prints the Status.
cgi() {
	local n=$1 url=$2 body sig
	shift 2
	body="Body=host+$n&From=%2B15551234000&MessageSid=SMhost$n&To=%2B15550006666"
	sig=$(twilio_sig "$url" "$WEBHOOK_TOKEN" "Body=host $n" From=+15551234000 "MessageSid=SMhost$n" To=+15550006666)
	printf '%s' "$body" | env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST SERVER_NAME=_ SERVER_PORT=443 \
		SCRIPT_NAME=/sms/incoming CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} \
		HTTP_X_TWILIO_SIGNATURE="$sig" "$@" sms-webhookd 2>"$T/cgi.err" |
		sed -n '1s/^Status: \([0-9]*\).*/\1/p' | tr -d '\r'
}
stored() { q "select count(*) from messages where provider_id = 'SMhost$1'"; }

H=https://hooks.example.com/sms/incoming
check_eq "SERVER_NAME=_ and HTTP_HOST=hooks.example.com, signed for $H: 200" 200 \
	"$(cgi 1 "$H" HTTPS=on HTTP_HOST=hooks.example.com)"
check_eq "...stored" 1 "$(stored 1)"
check_eq "HTTPS from REQUEST_SCHEME=https alone (no HTTPS variable): 200" 200 \
	"$(cgi 2 "$H" REQUEST_SCHEME=https HTTP_HOST=hooks.example.com)"
check_eq "REQUEST_SCHEME=http and no HTTPS: the http:// URL is the signed one" 200 \
	"$(cgi 3 "http://hooks.example.com/sms/incoming" REQUEST_SCHEME=http SERVER_PORT=80 HTTP_HOST=hooks.example.com)"
check_eq "HTTP_HOST with its port, as Apache and lighttpd pass it: the port kept" 200 \
	"$(cgi 4 "https://hooks.example.com:8443/sms/incoming" HTTPS=on SERVER_PORT=8443 HTTP_HOST=hooks.example.com:8443)"
check_eq "HTTP_HOST without a port (nginx's \$host) on port 8443: SERVER_PORT added" 200 \
	"$(cgi 5 "https://hooks.example.com:8443/sms/incoming" HTTPS=on SERVER_PORT=8443 HTTP_HOST=hooks.example.com)"
check_eq "HTTP_HOST's own port wins over SERVER_PORT (a port forwarded to another)" 200 \
	"$(cgi 6 "http://hooks.example.com:8080/sms/incoming" SERVER_PORT=80 HTTP_HOST=hooks.example.com:8080)"
check_eq "an IPv6 Host with its port" 200 \
	"$(cgi 7 "http://[2001:db8::1]:8080/sms/incoming" SERVER_PORT=8080 "HTTP_HOST=[2001:db8::1]:8080")"

# The signer's host, not whatever the request claims.
check_eq "signed for $H, HTTP_HOST another host: 403" 403 \
	"$(cgi 8 "$H" HTTPS=on HTTP_HOST=evil.example.com)"
check_eq "...nothing stored" 0 "$(stored 8)"
check_eq "signed for $H, HTTP_HOST hooks.example.com but over http: 403" 403 \
	"$(cgi 9 "$H" SERVER_PORT=80 HTTP_HOST=hooks.example.com)"
check_eq "signed for https://_/sms/incoming (SERVER_NAME), HTTP_HOST set: 403" 403 \
	"$(cgi 10 "https://_/sms/incoming" HTTPS=on HTTP_HOST=hooks.example.com)"
check_eq "an HTTP_HOST that would change the path is not used: SERVER_NAME is" 200 \
	"$(cgi 11 "https://_/sms/incoming" HTTPS=on "HTTP_HOST=evil.example.com/x")"
check_eq "no HTTP_HOST: SERVER_NAME and SERVER_PORT as before" 200 \
	"$(cgi 12 "https://sms.example.org/sms/incoming" HTTPS=on SERVER_NAME=sms.example.org)"
check_eq "SMS_PUBLIC_URL wins over HTTP_HOST" 200 \
	"$(cgi 13 "https://public.example.org/in/sms/incoming" HTTPS=on HTTP_HOST=hooks.example.com SMS_PUBLIC_URL=https://public.example.org/in)"
check_eq "...so a request signed for HTTP_HOST is then refused" 403 \
	"$(cgi 14 "$H" HTTPS=on HTTP_HOST=hooks.example.com SMS_PUBLIC_URL=https://public.example.org/in)"

# ---- nginx with server_name _ and the stock fastcgi_params -------------------------------------
need "nginx with server_name _ and fastcgi_params" nginx fcgiwrap || { done_testing; exit; }
params=/etc/nginx/fastcgi_params
if [ ! -f "$params" ]; then
	skip "nginx with server_name _ and fastcgi_params" "$params is missing: run sudo .ci/install-deps"
	done_testing
	exit
fi
D=$T/nginx
mkdir -p "$D"
port=$(free-port)
cat >"$D/site.conf" <<CONF
location /sms/ {
	include $params;
	fastcgi_param SCRIPT_FILENAME $SMSKIT_BIN/sms-webhookd;
	fastcgi_param SMS_CONFIG $SMS_CONFIG;
	fastcgi_param SMS_DB "$SMS_DB";
	fastcgi_pass unix:$D/fcgiwrap.sock;
}
CONF
nginx_conf "$D" "$D/site.conf" "$port" _ >"$D/nginx.conf"
check "nginx -t accepts server_name _ with the stock fastcgi_params" nginx -t -p "$D" -c "$D/nginx.conf"
env -u SMS_DB -u SMS_CONFIG fcgiwrap -s "unix:$D/fcgiwrap.sock" 2>>"$D/fcgiwrap.log" &
fpid=$!
nginx -p "$D" -c "$D/nginx.conf" 2>>"$D/error.log" &
npid=$!
N=http://127.0.0.1:$port
if wait_http "$N/"; then
	check_eq "a message signed for $N/sms/incoming, the URL curl called: 200" 200 \
		"$(incoming "$N/sms/incoming" SMnginx1 +15551234100 "through nginx")"
	check_eq "...stored" 1 "$(q "select count(*) from messages where provider_id = 'SMnginx1'")"
	U=http://hooks.example.com:$port/sms/incoming
	sig=$(twilio_sig "$U" "$WEBHOOK_TOKEN" Body=named From=+15551234101 MessageSid=SMnginx2 To=+15550006666)
	as_host() { # HOST: the message signed for $U, posted to nginx with Host: HOST
		curl -s -o /dev/null -w '%{http_code}' -H "Host: $1" -H "X-Twilio-Signature: $sig" \
			--data-urlencode Body=named --data-urlencode From=+15551234101 \
			--data-urlencode MessageSid=SMnginx2 --data-urlencode To=+15550006666 "$N/sms/incoming"
	}
	check_eq "Host: evil.example.com:$port with the signature for $U: 403" 403 "$(as_host "evil.example.com:$port")"
	check_eq "Host: hooks.example.com:$port, signed for $U: 200" 200 "$(as_host "hooks.example.com:$port")"
	check_eq "...stored" 1 "$(q "select count(*) from messages where provider_id = 'SMnginx2'")"
else
	check "nginx and fcgiwrap start" false
	sed 's/^/#   /' "$D/error.log" "$D/fcgiwrap.log"
fi
kill "$npid" "$fpid" 2>/dev/null
wait "$npid" "$fpid" 2>/dev/null
done_testing
