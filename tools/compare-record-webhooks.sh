#!/usr/bin/env bash
# tools/compare-record-webhooks.sh BUILD [TEST...] — collects the webhook
# requests the test suite makes into tests/compare/webhooks/*.txt, for
# tools/compare-builds.sh to replay through two builds' sms-webhookd in CGI mode.
#
# The tests build their form, Vonage and SNS bodies inline, so they are taken
# from the wire: the named tests (default: the webhook tests below) run against
# a shadow of BUILD whose bin/ holds two shims ahead of the real programs:
#   curl          a request to a port where sms-webhookd listens is traced
#                 (curl --trace, lossless hex) and kept with the daemon's
#                 environment, read from /proc/PID/environ, and its config file;
#   sms-webhookd  in CGI mode (GATEWAY_INTERFACE set: run by a test or by
#                 lighttpd), the request's CGI variables and stdin are kept.
# Each request becomes one file: KEY=VALUE lines (the environment sms-webhookd
# is run with, CGI variables included), "config: LINE" lines (its config file),
# "sandbox-key: BASE64" (the sandbox's signing key, kept beside the store),
# an empty line, then the body byte for byte. Hooks (SMS_ON_RECEIVE,
# SMS_ON_STATUS) are left out, and provider API bases point at a closed port:
# a replay never runs a test's commands or reaches a provider. A file named in
# the environment under a test's scratch directory (SNS_SIGNING_CERT) is
# copied beside the requests, in files/. Requests
# with the same environment and body are kept once. Needs root or the same
# user as the daemons (for /proc/PID/environ), ss, xxd.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD [TEST...]" >&2; exit 64; }
cd "$(dirname "$0")/.."
BUILD=$(cd "$1" && pwd)
shift
[ $# -gt 0 ] || set -- t0420-config-checks t1000-send-twilio t1500-signature t1710-auto-bombs \
	t1800-webhookd t1810-webhook-cgi t1815-cgi-host t1840-sandbox-receive t2120-webhook-vonage \
	t2130-webhook-sns t2190-scenario
OUT=tests/compare/webhooks
S=$(mktemp -d "${TMPDIR:-/tmp}/compare-record.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$S"' EXIT
mkdir -p "$S/bin" "$S/rec/files" "$OUT"
ln -s "$BUILD/tests" "$S/tests"
for p in "$BUILD"/bin/*; do ln -s "$p" "$S/bin/${p##*/}"; done
rm "$S/bin/sms-webhookd"
REAL_CURL=$(command -v curl)

# The settings a request is replayed with, from an environment (NUL-separated
# on stdin): the provider's, SMS_*, never the store, the config file's path,
# hooks or API bases (those follow).
# A file in a test's scratch directory is gone when the test ends: it is
# copied now, and named @WEBHOOKS@/files/... (compare-builds.sh fills that in).
cat >"$S/envfilter" <<EOF
#!/usr/bin/env bash
tr '\\0' '\\n' | grep -E '^(SMS|TWILIO|VONAGE|SNS|AWS)_[A-Z_]*=' |
	grep -vE '^(AWS_CA_BUNDLE|SMS_DB|SMS_CONFIG|SMS_ON_RECEIVE|SMS_ON_STATUS|TWILIO_API_BASE|VONAGE_API_BASE|SNS_ENDPOINT)=' |
	while IFS= read -r kv; do
		v=\${kv#*=}
		case \$v in
		"\${TMPDIR:-/tmp}"/smskit-test.*)
			if [ -f "\$v" ]; then
				f=\$(sha1sum <"\$v" | cut -c1-12)-\${v##*/}
				cp "\$v" "$S/rec/files/\$f"
				kv=\${kv%%=*}=@WEBHOOKS@/files/\$f
			fi ;;
		esac
		printf '%s\\n' "\$kv"
	done
echo "TWILIO_API_BASE=http://127.0.0.1:1"
echo "VONAGE_API_BASE=http://127.0.0.1:1"
echo "SNS_ENDPOINT=http://127.0.0.1:1"
EOF
# sandboxkey STORE: the sandbox's signing key kept beside STORE (a random
# one per test), as "sandbox-key: BASE64".
cat >"$S/sandboxkey" <<'EOF'
#!/usr/bin/env bash
[ -n "${1:-}" ] && [ -f "$1.sandbox-key" ] || exit 0
echo "sandbox-key: $(base64 -w0 <"$1.sandbox-key")"
EOF
# config FILE: its lines as "config: LINE" (hook commands left out).
cat >"$S/configlines" <<'EOF'
#!/usr/bin/env bash
[ -n "${1:-}" ] && [ -r "$1" ] || exit 0
grep -viE '^[[:space:]]*(SMS_ON_RECEIVE|SMS_ON_STATUS|[A-Z_]*API_BASE|SNS_ENDPOINT)[[:space:]]*=' "$1" | sed 's/^/config: /' || true
EOF

cat >"$S/bin/curl" <<EOF
#!/usr/bin/env bash
# Traces a request to a port where sms-webhookd listens; any other goes as is.
port=""
for a in "\$@"; do
	case \$a in http://127.0.0.1:*/* | http://localhost:*/*) port=\${a#http://*:}; port=\${port%%/*} ;; esac
done
pid=""
[ -n "\$port" ] && pid=\$(ss -Hltnp "sport = :\$port" 2>/dev/null | grep -o '"sms-webhookd",pid=[0-9]*' | head -n 1 | cut -d= -f2)
[ -n "\$pid" ] || exec "$REAL_CURL" "\$@"
r=\$(mktemp "$S/rec/curl.XXXXXX")
{
	"$S/envfilter" </proc/\$pid/environ
	cfg=\$(tr '\0' '\n' </proc/\$pid/environ | sed -n 's/^SMS_CONFIG=//p')
	"$S/configlines" "\$cfg"
	"$S/sandboxkey" "\$(tr '\0' '\n' </proc/\$pid/environ | sed -n 's/^SMS_DB=//p')"
	echo "now=\$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "test=\$(cat "$S/current-test")"
} >"\$r.env"
exec "$REAL_CURL" --trace "\$r.trace" "\$@"
EOF

cat >"$S/bin/sms-webhookd" <<EOF
#!/usr/bin/env bash
# In CGI mode (run directly or by a web server): keeps the request, then runs
# the real program on it.
if [ -z "\${GATEWAY_INTERFACE:-}" ]; then
	exec "$BUILD/bin/sms-webhookd" "\$@"
fi
r=\$(mktemp "$S/rec/cgi.XXXXXX")
{
	env | grep -E '^(GATEWAY_INTERFACE|REQUEST_METHOD|SERVER_NAME|SERVER_PORT|HTTPS|SCRIPT_NAME|PATH_INFO|QUERY_STRING|CONTENT_TYPE|CONTENT_LENGTH|REMOTE_ADDR|HTTP_[A-Z0-9_]*)=' || true
	env -0 | "$S/envfilter"
	"$S/configlines" "\${SMS_CONFIG:-}"
	"$S/sandboxkey" "\${SMS_DB:-}"
	echo "now=\$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "test=\$(cat "$S/current-test")"
	[ \$# = 0 ] || echo "args=\$*"
} >"\$r.env"
cat >"\$r.body"
exec "$BUILD/bin/sms-webhookd" "\$@" <"\$r.body"
EOF
chmod +x "$S/bin/curl" "$S/bin/sms-webhookd" "$S/envfilter" "$S/configlines" "$S/sandboxkey"

for t in "$@"; do
	echo "recording $t" >&2
	echo "$t" >"$S/current-test"
	SMSKIT_BUILD=$S bash "tests/$t.t" >"$S/$t.tap" 2>&1 || echo "  ($t did not pass under the shims: $(grep -c '^not ok' "$S/$t.tap") failed)" >&2
done

# trace_part FILE KIND: the bytes of every "=> Send KIND" block of a curl --trace.
trace_part() {
	awk -v want="=> Send $2" '
		/^[=<]= |^=> |^<= / { on = (index($0, want) == 1); next }
		on && /^[0-9a-f]+: / { sub(/^[0-9a-f]+: /, ""); print substr($0, 1, 48) }' "$1" | xxd -r -p
}

# emit ENVFILE HEADERS BODYFILE: one request file, unless one like it exists.
emit() {
	local env=$1 hdr=$2 body=$3 f sum
	f=$S/req
	{
		echo "# recorded by tools/compare-record-webhooks.sh from $(sed -n 's/^test=//p' "$env" | head -n 1)"
		printf '%s\n' "$hdr" | LC_ALL=C sort
		grep -q '^SMS_TEST_NOW=' "$env" || sed -n 's/^now=/SMS_TEST_NOW=/p' "$env"
		grep -vE '^(now|test|args)=' "$env" | while IFS= read -r line; do
			case $line in *=@WEBHOOKS@/files/*) cp "$S/rec/files/${line##*/}" "$OUT/files/" ;; esac
			echo "$line"
		done
		echo
		cat "$body"
	} >"$f"
	sum=$(grep -v '^# recorded' "$f" | sha1sum | cut -c1-12)
	cp "$f" "$OUT/$sum.txt"
}

# keep BODY: false for the 4th and later of t1810's series of 60 alike
# requests (Body=walN, Body=heldN), which test the WAL's size, not the answer.
keep() { ! grep -qE '^Body=(wal|held)([4-9]|[0-9]{2})&' "$1"; }

mkdir -p "$OUT/files"
for tr in "$S"/rec/curl.*.trace; do
	[ -f "$tr" ] || continue
	r=${tr%.trace}
	trace_part "$tr" header | tr -d '\r' >"$S/h"
	trace_part "$tr" data >"$S/b"
	req=$(head -n 1 "$S/h")
	method=${req%% *} target=${req#* } target=${target% HTTP/*}
	path=${target%%\?*} query=""
	[ "$path" = "$target" ] || query=${target#*\?}
	case $path in /sms/* | /healthz) ;; *) continue ;; esac
	host=$(sed -n 's/^[Hh]ost: //p' "$S/h" | head -n 1)
	hdr="GATEWAY_INTERFACE=CGI/1.1
REQUEST_METHOD=$method
SERVER_NAME=${host%:*}
SERVER_PORT=${host##*:}
SCRIPT_NAME=
PATH_INFO=$path
QUERY_STRING=$query
REMOTE_ADDR=127.0.0.1"
	ct=$(sed -n 's/^[Cc]ontent-[Tt]ype: //p' "$S/h" | head -n 1)
	[ -z "$ct" ] || hdr+="
CONTENT_TYPE=$ct"
	if [ -s "$S/b" ] || [ "$method" = POST ]; then hdr+="
CONTENT_LENGTH=$(wc -c <"$S/b")"; fi
	while IFS= read -r line; do
		k=${line%%:*} v=${line#*: }
		case ${k,,} in host | content-type | content-length | user-agent | accept | expect) continue ;; esac
		k=$(printf '%s' "$k" | tr 'a-z-' 'A-Z_')
		hdr+="
HTTP_$k=$v"
	done < <(sed 1d "$S/h" | grep ': ')
	keep "$S/b" && emit "$r.env" "$hdr" "$S/b"
done
for e in "$S"/rec/cgi.*.env; do
	[ -f "$e" ] || continue
	r=${e%.env}
	hdr=$(grep -E '^(GATEWAY_INTERFACE|REQUEST_METHOD|SERVER_NAME|SERVER_PORT|HTTPS|SCRIPT_NAME|PATH_INFO|QUERY_STRING|CONTENT_TYPE|CONTENT_LENGTH|REMOTE_ADDR|HTTP_[A-Z0-9_]*)=' "$e")
	grep -vE '^(GATEWAY_INTERFACE|REQUEST_METHOD|SERVER_NAME|SERVER_PORT|HTTPS|SCRIPT_NAME|PATH_INFO|QUERY_STRING|CONTENT_TYPE|CONTENT_LENGTH|REMOTE_ADDR|HTTP_[A-Z0-9_]*)=' "$e" >"$e.rest"
	keep "$r.body" && emit "$e.rest" "$hdr" "$r.body"
done
echo "$(find "$OUT" -name '*.txt' | wc -l) requests in $OUT" >&2
