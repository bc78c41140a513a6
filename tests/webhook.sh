# tests/webhook.sh — helpers for the sms-webhookd tests: Twilio signatures
# computed here with openssl (independently of smskit's own code), signed
# POSTs with curl, and the daemon started on a free loopback port.
# shellcheck shell=bash
# shellcheck disable=SC2034 # WH_URL, WH_EXIT, CGI_URL... are for the tests that source this

WEBHOOK_TOKEN=webhook-test-token

# twilio_sig URL TOKEN [NAME=VALUE...]: X-Twilio-Signature of a POST of these
# (decoded) parameters to URL (smskit-webhook(7)): URL, then name+value for
# each parameter sorted by name (then value), HMAC-SHA1, base64.
twilio_sig() {
	local url=$1 token=$2 s p
	shift 2
	s=$url
	while IFS= read -r p; do
		[ -n "$p" ] && s+="${p%%=*}${p#*=}"
	done < <(printf '%s\n' "$@" | LC_ALL=C sort -t= -k1,1)
	printf '%s' "$s" | openssl dgst -sha1 -hmac "$token" -binary | openssl base64 -A
}

# post_signed URL [NAME=VALUE...]: a signed form POST; prints the HTTP status.
# The body of the answer is in $T/.body, its headers in $T/.headers.
post_signed() {
	local url=$1 sig p
	shift
	sig=$(twilio_sig "$url" "$WEBHOOK_TOKEN" "$@")
	post_with_sig "$url" "$sig" "$@"
}

# post_with_sig URL SIGNATURE [NAME=VALUE...]: the same with a given signature
# ("" sends no signature header).
post_with_sig() {
	local url=$1 sig=$2 p
	shift 2
	local args=()
	for p in "$@"; do args+=(--data-urlencode "$p"); done
	[ -n "$sig" ] && args+=(-H "X-Twilio-Signature: $sig")
	[ $# = 0 ] && args+=(-X POST)
	curl -s -o "$T/.body" -D "$T/.headers" -w '%{http_code}' "${args[@]}" "$url"
}

# start_webhookd [ARGS...]: the daemon on a free loopback port; sets WH_URL
# (http://127.0.0.1:PORT) and WH_PID; its stderr goes to $T/webhookd.log.
start_webhookd() {
	rm -f "$T/wh.port"
	sms-webhookd --listen 127.0.0.1:0 --port-file "$T/wh.port" "$@" 2>>"$T/webhookd.log" &
	WH_PID=$!
	wait_for_file "$T/wh.port" || return 1
	WH_URL="http://127.0.0.1:$(cat "$T/wh.port")"
}

# stop_webhookd: SIGTERM, then wait for it to exit (at most 10 s); its exit
# status is in WH_EXIT.
stop_webhookd() {
	kill -TERM "$WH_PID" 2>/dev/null
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$WH_PID" 2>/dev/null || break
		sleep 0.1
	done
	WH_EXIT=0
	wait "$WH_PID" 2>/dev/null || WH_EXIT=$?
}

# incoming URL SID FROM BODY [NAME=VALUE...]: a signed inbound SMS to our
# number +15550006666, as Twilio posts it; prints the HTTP status.
incoming() {
	local url=$1 sid=$2 from=$3 body=$4
	shift 4
	post_signed "$url" AccountSid=AC0123456789abcdef0123456789abcdef ApiVersion=2010-04-01 \
		"Body=$body" "From=$from" "MessageSid=$sid" NumMedia=0 SmsStatus=received \
		To=+15550006666 "$@"
}

# start_lighttpd: a real lighttpd on a free loopback port running sms-webhookd
# as a CGI program under /webhook (PATH_INFO carries the route), with the
# environment variables named in LIGHTTPD_ENV (plus SMS_DB and SMS_CONFIG)
# passed by mod_setenv. Sets CGI_URL (http://127.0.0.1:PORT/webhook).
start_lighttpd() {
	local port v envs=""
	port=$(free-port) || return 1
	for v in SMS_DB SMS_CONFIG ${LIGHTTPD_ENV:-}; do
		envs+="\"$v\" => \"${!v}\", "
	done
	mkdir -p "$T/www"
	cat >"$T/lighttpd.conf" <<CONF
server.modules = ("mod_alias", "mod_cgi", "mod_setenv")
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/lighttpd.err"
alias.url = ("/webhook" => "$SMSKIT_BIN/sms-webhookd")
\$HTTP["url"] =~ "^/webhook" { cgi.assign = ("" => "") }
setenv.add-environment = ($envs)
CONF
	lighttpd -D -f "$T/lighttpd.conf" 2>>"$T/lighttpd.err" &
	LIGHTTPD_PID=$!
	CGI_URL="http://127.0.0.1:$port/webhook"
	local i
	for ((i = 0; i < 50; i++)); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
		sleep 0.1
	done
	echo "# lighttpd did not start:" >&2
	sed 's/^/#   /' "$T/lighttpd.err" >&2
	return 1
}

stop_lighttpd() {
	kill "$LIGHTTPD_PID" 2>/dev/null
	wait "$LIGHTTPD_PID" 2>/dev/null
	return 0
}

# nginx_conf DIR SITE PORT [SERVER_NAME]: a main configuration around the
# location blocks of SITE, everything nginx writes kept in DIR; the server is
# named localhost unless SERVER_NAME is given ("_" as in Debian's default site).
nginx_conf() {
	mkdir -p "$1/tmp"
	{
		[ "$(id -u)" = 0 ] && echo "user root;"
		cat <<CONF
daemon off;
worker_processes 1;
error_log $1/error.log;
pid $1/nginx.pid;
events { }
http {
	access_log off;
	client_body_temp_path $1/tmp/body;
	fastcgi_temp_path $1/tmp/fastcgi;
	proxy_temp_path $1/tmp/proxy;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
	server {
		listen 127.0.0.1:$3;
		server_name ${4:-localhost};
		include $2;
	}
}
CONF
	}
}

# wait_http URL: until something answers there (5 s).
wait_http() {
	local i
	for ((i = 0; i < 50; i++)); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}

# nginx_site_conf DIR SITE [WORKERS]: a main configuration that includes SITE
# in its http block, as Debian's sites-enabled files are (upstreams and server
# blocks), everything nginx writes kept in DIR; WORKERS worker processes
# (default 1).
nginx_site_conf() {
	mkdir -p "$1/tmp"
	{
		[ "$(id -u)" = 0 ] && echo "user root;"
		cat <<CONF
daemon off;
worker_processes ${3:-1};
error_log $1/error.log;
pid $1/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $1/tmp/body;
	fastcgi_temp_path $1/tmp/fastcgi;
	proxy_temp_path $1/tmp/proxy;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
	include $2;
}
CONF
	}
}
