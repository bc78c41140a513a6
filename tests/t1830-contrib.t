#!/usr/bin/env bash
# contrib/: the example configurations say what they are, pass the servers'
# own checks, and — with each server that is installed here — really run
# sms-webhookd: lighttpd, nginx with fcgiwrap and as a reverse proxy, Apache,
# and the systemd unit through systemd-analyze. Paths are substituted, nothing
# else: what is tested is what a user copies.
. tests/lib.sh
. tests/webhook.sh

C=$SMSKIT_SRC/contrib
BIN=$SMSKIT_BIN/sms-webhookd
PUBLIC=https://sms.example.com

# --- The files themselves ------------------------------------------------------

for f in sms-webhookd.service nginx-fcgiwrap.conf apache-cgi.conf lighttpd-cgi.conf; do
	check "contrib/$f starts with a comment naming it" sh -c "head -n 1 '$C/$f' | grep -q '^# $f — '"
	check "...says how to install it" grep -q '^# Install' "$C/$f"
	check "...uses the store in /var/lib/smskit" grep -q '/var/lib/smskit' "$C/$f"
	check_eq "...sets no token outside comments" "" "$(grep -n '^[^#]*TWILIO_AUTH_TOKEN' "$C/$f")"
	check "contrib/README lists it" grep -q "^$f\$" "$C/README"
done
check "contrib/README lists demo.sh" grep -q '^demo.sh$' "$C/README"

# mkconfig DIR PUBLIC_URL [NAME]: DIR/config (mode 600) for a new store: DIR/sms.db,
# or on PostgreSQL a database of its own (NAME, else DIR's name); its SMS_DB in DIR/store.
mkconfig() {
	local db=$1/sms.db
	mkdir -p "$1"
	if [ "$SMSKIT_STORE" = pg ]; then db=$(new_store "${3:-${1##*/}}") || return 1; fi
	echo "$db" >"$1/store"
	printf 'TWILIO_AUTH_TOKEN = %s\nSMS_PROVIDER = twilio\nSMS_DB = %s\nSMS_PUBLIC_URL = %s\n' \
		"$WEBHOOK_TOKEN" "$db" "$2" >"$1/config"
	chmod 600 "$1/config"
}

# via LOCAL_URL PUBLIC_URL SID: an inbound message posted to LOCAL_URL and
# signed for PUBLIC_URL, as Twilio signs the URL it was given; prints the
# HTTP status.
via() {
	local sig
	set -- "$1" "$2" AccountSid=AC0123456789abcdef0123456789abcdef "Body=contrib test" \
		From=+15551238300 "MessageSid=$3" To=+15550006666
	sig=$(twilio_sig "$2" "$WEBHOOK_TOKEN" "${@:3}")
	post_with_sig "$1" "$sig" "${@:3}"
}

# stored DIR SID: 1 when the store in DIR holds the message SID.
stored() { sql -s "$(cat "$1/store")" "select count(*) from messages where provider_id = '$2'" 2>/dev/null; }

# Environment a server must not pass on by accident: the files set these.
clean_env=(env -u SMS_DB -u SMS_CONFIG -u XDG_CONFIG_HOME -u XDG_DATA_HOME)

# --- systemd -------------------------------------------------------------------

U=$C/sms-webhookd.service
check "the unit runs the daemon on loopback" grep -qx 'ExecStart=/usr/local/bin/sms-webhookd --listen 127.0.0.1:3001' "$U"
check "...as a simple service" grep -qx 'Type=simple' "$U"
check "...as user sms" grep -qx 'User=sms' "$U"
check "...with SMS_CONFIG" grep -qx 'Environment=SMS_CONFIG=/etc/smskit/config' "$U"
check "...stopped by SIGTERM" grep -qx 'KillSignal=SIGTERM' "$U"
check "...with the store's directory the only one writable" grep -qx 'ReadWritePaths=/var/lib/smskit' "$U"
for k in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes Restart=on-failure; do
	check "...$k" grep -qx "$k" "$U"
done

# The options of ExecStart work: the same line, on a free port.
read -ra unit_args <<<"$(sed -n 's|^ExecStart=/usr/local/bin/sms-webhookd ||p' "$U" |
	sed 's/127\.0\.0\.1:3001/127.0.0.1:0/')"
mkconfig "$T/unit" "$PUBLIC"
rm -f "$T/unit/port"
"${clean_env[@]}" SMS_CONFIG="$T/unit/config" "$BIN" "${unit_args[@]}" --port-file "$T/unit/port" 2>"$T/unit/log" &
upid=$!
if wait_for_file "$T/unit/port"; then
	check_eq "the unit's command line starts the daemon" ok "$(curl -s "http://127.0.0.1:$(cat "$T/unit/port")/healthz")"
else
	check "the unit's command line starts the daemon" false
	sed 's/^/#   /' "$T/unit/log"
fi
kill -TERM "$upid" 2>/dev/null
uexit=0
wait "$upid" || uexit=$?
check_eq "...and SIGTERM stops it with 0" 0 "$uexit"

if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify contrib/sms-webhookd.service" "$(missing systemd-analyze)"
else
	mkdir -p "$T/sd"
	printf '[Service]\nExecStart=/bin/true\n' >"$T/sd/probe.service"
	if ! systemd-analyze verify --man=no "$T/sd/probe.service" >/dev/null 2>&1; then
		skip "systemd-analyze verify contrib/sms-webhookd.service" "systemd-analyze cannot verify units here"
	else
		# The real program for ExecStart: verify checks that it is executable.
		sed "s|/usr/local/bin/sms-webhookd|$BIN|" "$U" >"$T/sd/sms-webhookd.service"
		check_exit "systemd-analyze verify accepts contrib/sms-webhookd.service" 0 \
			systemd-analyze verify --man=no "$T/sd/sms-webhookd.service"
		check_eq "...with no warning" "" "$(cat "$T/.err")"
	fi
fi

# --- lighttpd ------------------------------------------------------------------

if ! command -v lighttpd >/dev/null; then
	skip "contrib/lighttpd-cgi.conf under lighttpd" "$(missing lighttpd)"
else
	D=$T/lighttpd
	mkconfig "$D" "$PUBLIC/webhook"
	mkdir -p "$D/www"
	port=$(free-port)
	sed -e "s|\"/var/www/html\"|\"$D/www\"|" \
	    -e "s|^server.port *=.*|server.port = $port|" \
	    -e "s|^server.errorlog *=.*|server.errorlog = \"$D/error.log\"|" \
	    -e '/^server.username/d' -e '/^server.groupname/d' \
	    -e "s|/usr/local/bin/sms-webhookd|$BIN|" \
	    -e "s|/etc/smskit/config|$D/config|" \
	    "$C/lighttpd-cgi.conf" >"$D/lighttpd.conf"
	check_eq "every installed path was substituted" "" \
		"$(grep -v '^#' "$D/lighttpd.conf" | grep -e /var/www -e /usr/local -e /etc/smskit -e /var/log -e '= 80$')"
	check "lighttpd -tt accepts contrib/lighttpd-cgi.conf" lighttpd -tt -f "$D/lighttpd.conf"
	"${clean_env[@]}" lighttpd -D -f "$D/lighttpd.conf" 2>>"$D/error.log" &
	lpid=$!
	L=http://127.0.0.1:$port
	if wait_http "$L/"; then
		check_eq "GET /webhook/healthz through it" ok "$(curl -s "$L/webhook/healthz")"
		check_eq "a message signed for $PUBLIC/webhook/sms/incoming is accepted" 200 \
			"$(via "$L/webhook/sms/incoming" "$PUBLIC/webhook/sms/incoming" SMlt1)"
		check_eq "...and stored" 1 "$(stored "$D" SMlt1)"
		check_eq "an unsigned one gets 403" 403 \
			"$(post_with_sig "$L/webhook/sms/incoming" "" Body=x From=+15551238301 MessageSid=SMlt2 To=+15550006666)"
	else
		check "lighttpd starts with contrib/lighttpd-cgi.conf" false
		sed 's/^/#   /' "$D/error.log"
	fi
	kill "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
fi

# --- nginx ---------------------------------------------------------------------

if ! command -v nginx >/dev/null; then
	skip "contrib/nginx-fcgiwrap.conf under nginx" "$(missing nginx)"
else
	D=$T/nginx
	mkconfig "$D" "$PUBLIC"
	port=$(free-port)
	sed -e "s|unix:/run/fcgiwrap.socket|unix:$D/fcgiwrap.sock|" \
	    -e "s|/usr/local/bin/sms-webhookd|$BIN|" \
	    -e "s|/etc/smskit/config|$D/config|" \
	    "$C/nginx-fcgiwrap.conf" >"$D/fcgi-site.conf"
	nginx_conf "$D" "$D/fcgi-site.conf" "$port" >"$D/fcgi.conf"
	check "nginx -t accepts the fcgiwrap locations" nginx -t -p "$D" -c "$D/fcgi.conf"

	# The commented alternative, uncommented, in front of a daemon.
	wport=$(free-port)
	sed -n '/^#location \/sms\//,$ s/^#//p' "$C/nginx-fcgiwrap.conf" |
		sed "s|127\.0\.0\.1:3001|127.0.0.1:$wport|" >"$D/proxy-site.conf"
	check "the commented reverse-proxy alternative is there" grep -q proxy_set_header "$D/proxy-site.conf"
	nginx_conf "$D" "$D/proxy-site.conf" "$port" >"$D/proxy.conf"
	check "nginx -t accepts the reverse-proxy locations" nginx -t -p "$D" -c "$D/proxy.conf"

	N=http://127.0.0.1:$port
	if ! command -v fcgiwrap >/dev/null; then
		skip "nginx with fcgiwrap, end to end" "$(missing fcgiwrap)"
	else
		"${clean_env[@]}" fcgiwrap -s "unix:$D/fcgiwrap.sock" 2>>"$D/fcgiwrap.log" &
		fpid=$!
		"${clean_env[@]}" nginx -p "$D" -c "$D/fcgi.conf" 2>>"$D/error.log" &
		npid=$!
		if wait_http "$N/"; then
			check_eq "GET /healthz through nginx and fcgiwrap" ok "$(curl -s "$N/healthz")"
			check_eq "a message signed for $PUBLIC/sms/incoming is accepted" 200 \
				"$(via "$N/sms/incoming" "$PUBLIC/sms/incoming" SMng1)"
			check_eq "...and stored" 1 "$(stored "$D" SMng1)"
			check_eq "an unsigned one gets 403" 403 \
				"$(post_with_sig "$N/sms/incoming" "" Body=x From=+15551238301 MessageSid=SMng2 To=+15550006666)"
		else
			check "nginx starts with the fcgiwrap locations" false
			sed 's/^/#   /' "$D/error.log"
		fi
		kill "$npid" "$fpid" 2>/dev/null
		wait "$npid" "$fpid" 2>/dev/null
	fi

	# The daemon behind the proxy: SMS_PUBLIC_URL is what Twilio signed.
	if [ "$SMSKIT_STORE" = sqlite ]; then rm -f "$D/sms.db"*; else mkconfig "$D" "$PUBLIC" nginx_proxy; fi
	"${clean_env[@]}" SMS_CONFIG="$D/config" "$BIN" --listen "127.0.0.1:$wport" 2>>"$D/webhookd.log" &
	wpid=$!
	"${clean_env[@]}" nginx -p "$D" -c "$D/proxy.conf" 2>>"$D/error.log" &
	npid=$!
	if wait_http "$N/" && wait_http "http://127.0.0.1:$wport/"; then
		check_eq "GET /healthz through nginx to the daemon" ok "$(curl -s "$N/healthz")"
		check_eq "a message signed for $PUBLIC/sms/incoming reaches the daemon" 200 \
			"$(via "$N/sms/incoming?x=1" "$PUBLIC/sms/incoming?x=1" SMpx1)"
		check_eq "...and is stored" 1 "$(stored "$D" SMpx1)"
	else
		check "nginx and the daemon start" false
		sed 's/^/#   /' "$D/error.log" "$D/webhookd.log"
	fi
	kill "$npid" 2>/dev/null
	kill -TERM "$wpid" 2>/dev/null
	wait "$npid" "$wpid" 2>/dev/null
fi

# --- Apache --------------------------------------------------------------------

httpd=$(command -v apache2 || command -v httpd || true)
if [ -z "$httpd" ]; then
	skip "contrib/apache-cgi.conf under Apache" "$(missing apache2)"
else
	moddir=
	for d in "$(dirname "$(readlink -f "$httpd")")/../lib/apache2/modules" \
		/usr/lib/apache2/modules /usr/lib64/httpd/modules /usr/lib/httpd/modules; do
		[ -f "$d/mod_cgi.so" ] && { moddir=$d; break; }
	done
	builtin=$("$httpd" -l 2>/dev/null)
	D=$T/apache
	mkconfig "$D" "$PUBLIC/webhook"
	port=$(free-port)
	run_user=$(id -un)
	if [ "$(id -u)" = 0 ]; then
		# Apache runs CGI programs as an unprivileged user: give it the files.
		run_user=nobody
		chmod 755 "$T"
		chown -R nobody "$D"
	fi
	{
		echo "ServerRoot $D"
		for m in mpm_prefork unixd authz_core alias cgi env; do
			grep -q "mod_$m.c" <<<"$builtin" && continue
			[ -f "$moddir/mod_$m.so" ] && echo "LoadModule ${m}_module $moddir/mod_$m.so"
		done
		cat <<CONF
Listen 127.0.0.1:$port
ServerName localhost
PidFile $D/httpd.pid
ErrorLog $D/error.log
DefaultRuntimeDir $D
User $run_user
Group $(id -gn "$run_user")
<Directory />
	Require all denied
</Directory>
Include $D/site.conf
CONF
	} >"$D/httpd.conf"
	sed -e "s|/usr/local/bin/sms-webhookd|$BIN|" -e "s|/etc/smskit/config|$D/config|" \
		"$C/apache-cgi.conf" >"$D/site.conf"
	check "apache -t accepts contrib/apache-cgi.conf" "$httpd" -t -f "$D/httpd.conf"
	# A session of its own: on SIGTERM Apache signals its whole process group.
	setsid "${clean_env[@]}" "$httpd" -f "$D/httpd.conf" -DFOREGROUND 2>>"$D/stderr.log" &
	apid=$!
	A=http://127.0.0.1:$port
	if wait_http "$A/"; then
		check_eq "GET /webhook/healthz through Apache" ok "$(curl -s "$A/webhook/healthz")"
		check_eq "a message signed for $PUBLIC/webhook/sms/incoming is accepted" 200 \
			"$(via "$A/webhook/sms/incoming" "$PUBLIC/webhook/sms/incoming" SMap1)"
		check_eq "...and stored" 1 "$(stored "$D" SMap1)"
		check_eq "an unsigned one gets 403" 403 \
			"$(post_with_sig "$A/webhook/sms/incoming" "" Body=x From=+15551238301 MessageSid=SMap2 To=+15550006666)"
		check_eq "?--no-verify (mod_cgi would make it an option) gets 403" 403 \
			"$(post_with_sig "$A/webhook/sms/incoming?--no-verify" "" Body=x From=+15551238301 MessageSid=SMap3 To=+15550006666)"
		check_eq "...and stores nothing" 0 "$(stored "$D" SMap3)"
	else
		check "Apache starts with contrib/apache-cgi.conf" false
		sed 's/^/#   /' "$D/error.log" "$D/stderr.log"
	fi
	kill "$apid" 2>/dev/null
	wait "$apid" 2>/dev/null
fi

# --- contrib/scale: two nodes behind nginx, senders on a timer -------------------
# (tests/t1890-scale-topology.t runs them under load.)

S=$C/scale
for f in nginx-two-nodes.conf sms-webhookd@.service sms-send-approved.service sms-send-approved.timer; do
	check "contrib/scale/$f starts with a comment naming it" sh -c "head -n 1 '$S/$f' | grep -q '^# $f — '"
	check "...says how to install it" grep -q '^# Install' "$S/$f"
	check_eq "...sets no secret outside comments" "" "$(grep -n -e '^[^#]*TOKEN' -e '^[^#]*PASSWORD' "$S/$f")"
	check "contrib/README lists it" grep -q "^scale/$f\$" "$C/README"
done
U=$S/sms-webhookd@.service
check "the node unit listens on loopback at its instance's port" \
	grep -qx 'ExecStart=/usr/local/bin/sms-webhookd --listen 127.0.0.1:%i' "$U"
check "...and reloads the same way" grep -qx 'ExecReload=/usr/local/bin/sms-webhookd -n --listen 127.0.0.1:%i' "$U"
# The hardening of contrib/sms-webhookd.service, line for line, less the
# store's directory: on PostgreSQL a node writes no file.
while IFS= read -r k; do
	check "...$k as contrib/sms-webhookd.service" grep -qxF "$k" "$U"
done < <(sed -n '/^NoNewPrivileges=/,/^LockPersonality=/p' "$C/sms-webhookd.service" | grep -v '^ReadWritePaths=')
for k in User=sms Environment=SMS_CONFIG=/etc/smskit/config KillSignal=SIGTERM Restart=on-failure; do
	check "...$k" grep -qx "$k" "$U"
done
check_eq "...and no writable path (the store is a server)" "" "$(grep '^ReadWritePaths' "$U")"
check "...and says so" grep -q '^# No ReadWritePaths: on PostgreSQL' "$U"
check "the sender unit is a oneshot" grep -qx 'Type=oneshot' "$S/sms-send-approved.service"
check "...running sms-send --approved" grep -qx 'ExecStart=/usr/local/bin/sms-send --approved -o json' "$S/sms-send-approved.service"
check "the timer starts it every 30 s" grep -qx 'OnUnitActiveSec=30s' "$S/sms-send-approved.timer"
check "...naming it" grep -qx 'Unit=sms-send-approved.service' "$S/sms-send-approved.timer"

# The node unit's command line, instance 0: a port the kernel picks.
read -ra unit_args <<<"$(sed -n 's|^ExecStart=/usr/local/bin/sms-webhookd ||p' "$U" | sed 's/%i/0/')"
mkconfig "$T/node" "$PUBLIC"
"${clean_env[@]}" SMS_CONFIG="$T/node/config" "$BIN" "${unit_args[@]}" --port-file "$T/node/port" 2>"$T/node/log" &
upid=$!
if wait_for_file "$T/node/port"; then
	check_eq "the node unit's command line starts the daemon" ok "$(curl -s "http://127.0.0.1:$(cat "$T/node/port")/healthz")"
else
	check "the node unit's command line starts the daemon" false
	sed 's/^/#   /' "$T/node/log"
fi
kill -TERM "$upid" 2>/dev/null
wait "$upid" 2>/dev/null

if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify contrib/scale's units" "$(missing systemd-analyze)"
elif ! systemd-analyze verify --man=no "$T/sd/probe.service" >/dev/null 2>&1; then
	skip "systemd-analyze verify contrib/scale's units" "systemd-analyze cannot verify units here"
else
	mkdir -p "$T/sds"
	for f in sms-webhookd@.service sms-send-approved.service sms-send-approved.timer; do
		sed "s|/usr/local/bin/|$SMSKIT_BIN/|" "$S/$f" >"$T/sds/$f"
	done
	# A template is verified through an instance of it.
	check_exit "systemd-analyze verify accepts sms-webhookd@3001.service" 0 \
		systemd-analyze verify --man=no "$T/sds/sms-webhookd@3001.service"
	check_eq "...with no warning" "" "$(cat "$T/.err")"
	check_exit "systemd-analyze verify accepts sms-send-approved.service and .timer" 0 \
		systemd-analyze verify --man=no "$T/sds/sms-send-approved.service" "$T/sds/sms-send-approved.timer"
	check_eq "...with no warning" "" "$(cat "$T/.err")"
	# verify must be able to fail here: a unit naming a program that is not there.
	sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/sms-send|' "$T/sds/sms-send-approved.service" \
		>"$T/sds/broken-send.service"
	check "...and refuses a unit whose program is missing" \
		sh -c "! systemd-analyze verify --man=no '$T/sds/broken-send.service'"
fi

if ! command -v nginx >/dev/null; then
	skip "contrib/scale/nginx-two-nodes.conf under nginx" "$(missing nginx)"
elif ! command -v openssl >/dev/null; then
	skip "contrib/scale/nginx-two-nodes.conf under nginx" "$(missing openssl)"
else
	D=$T/nginx2
	mkdir -p "$D"
	# A certificate for the server block's TLS: the file's own paths, substituted.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj /CN=sms.example.com -keyout "$D/key.pem" -out "$D/cert.pem" 2>/dev/null
	port=$(free-port)
	sed -e "s|listen 443 ssl;|listen 127.0.0.1:$port ssl;|" \
	    -e "s|/etc/ssl/certs/sms.example.com.pem|$D/cert.pem|" \
	    -e "s|/etc/ssl/private/sms.example.com.key|$D/key.pem|" \
	    "$S/nginx-two-nodes.conf" >"$D/site.conf"
	nginx_site_conf "$D" "$D/site.conf" >"$D/nginx.conf"
	check "nginx -t accepts contrib/scale/nginx-two-nodes.conf" nginx -t -p "$D" -c "$D/nginx.conf"
	for l in '^	server 127.0.0.1:3001 ' '^	server 127.0.0.1:3002 ' \
		'proxy_next_upstream error timeout http_502 http_503 non_idempotent;' \
		'proxy_connect_timeout 1s;' 'proxy_set_header X-Forwarded-For'; do
		check_grep "...it has $l" "$l" "$S/nginx-two-nodes.conf"
	done
	for l in '/sms/' '= /healthz' '= /metrics' '/review'; do
		check_grep "...and passes location $l to the nodes" "^	location $l {" "$S/nginx-two-nodes.conf"
	done
fi

done_testing
