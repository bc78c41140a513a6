#!/usr/bin/env bash
# tools/compare-builds.sh OLD_BUILD NEW_BUILD — runs the same invocations
# against two builds of smskit and reports every one whose stdout, stderr,
# exit code or store differs. A BUILD is a build directory with bin/ (the
# programs) and tests/ (phone-check...), e.g. `make all tools` leaves build/.
# Used to show that a change meant to keep behaviour (a restructuring) does:
#   tools/compare-builds.sh /work/base-build build
# Prints "DIFFER NAME: COMMAND" and the first lines of a diff for each
# invocation that differs, then "compare: N invocations, N identical, N
# differ". Exit 0 when every invocation is identical, 1 when any differs, 64
# on a usage error. Not part of make check: it needs a second build (make
# compare OLD=... runs it against build/). About 1,000 invocations; minutes.
# The scratch directories are under TMPDIR: a tmpfs (TMPDIR=/dev/shm) spares
# the disk the stores' fsyncs. COMPARE_ONLY="options corpora webhooks flows"
# (the default) picks sections; COMPARE_KEEP=DIR keeps each invocation's
# results there (N.old, N.new). Re-record the webhook requests after a test
# changes what it posts: tools/compare-record-webhooks.sh BUILD.
#
# The invocations:
#   - every program's --help, -h and --version; per program, each option its
#     --help names given no value, an empty one, a word, -1 and a huge number
#     (flags alone), verbs alone, and unknown options and verbs;
#   - the corpora in tests/data: sms-split (plain, --smart, text) over the
#     segment bodies; the phone numbers through phone-check --check, per
#     region through sms-send --dry-run, and through sms-optout check and add;
#   - every webhook request the test suite makes, recorded into
#     tests/compare/webhooks/*.txt by tools/compare-record-webhooks.sh, through
#     sms-webhookd in CGI mode, each against a fresh store;
#   - flows on the sandbox provider (examples/*.json, bad records among them):
#     send, template, stage, approve, send --approved, status, sandbox receive,
#     inbox, reply, auto, optout, sms-mcp, each step compared on its own.
# Each runs under `env -i` with a fixed environment: SMS_TEST_NOW, SMS_TZ, TZ,
# the locale, USER, HOME and the store and config under the scratch directory
# (no user configuration leaks in), SMS_PROVIDER=sandbox, and every provider
# API base on a closed loopback port (nothing reaches a real provider). Both
# builds run in the same scratch path, one after the other: a flow's state for
# each build is moved into place before its step runs. A store, when there is
# one, is compared as `sqlite3 .dump`.
#
# Normalised (found by comparing a build with itself, two runs): nothing the
# programs print or store differs between two runs with SMS_TEST_NOW fixed,
# but for these, each replaced by a fixed word on both sides:
#   - the sandbox provider's message ids and sms-sandbox receive's
#     MessageSids (SM or MM + 32 hex), made from random bytes: SID;
#   - the process id in a send's claim on a message (claimed_by,
#     "sms-send/PID@host"): PID.
# The scratch path is the same for both builds and never normalised. Work a
# program leaves to a detached process (sms-webhookd's reply and hooks in CGI
# mode) is waited for: the store is read once every process that inherited
# the invocation's marker pipe has closed it (at most 60 s).
# shellcheck disable=SC2016 # the snippets in single quotes expand in the bash that runs them
set -u
{ # read whole before it runs: an edit of this file cannot reach a run in progress
usage() { echo "usage: tools/compare-builds.sh OLD_BUILD NEW_BUILD" >&2; exit 64; }
[ $# = 2 ] || usage
for b in "$1" "$2"; do
	if [ ! -x "$b/bin/sms-send" ] || [ ! -d "$b/tests" ]; then
		echo "compare: $b has no bin/sms-send or tests/" >&2
		exit 64
	fi
done
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
for c in sqlite3 jq timeout diff; do
	command -v "$c" >/dev/null || { echo "compare: $c is not installed" >&2; exit 69; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/compare-builds.XXXXXX")
trap 'rm -rf "$W"' EXIT
S=$W/s         # the scratch directory: HOME, the store, the config
IN=$W/in       # inputs shared by both builds
mkdir -p "$IN"
NOW=2026-11-25T15:00:00Z   # Wednesday 10:00 in New York: no quiet hours
total=0 same=0 differ=0
start=$(date +%s)

# fresh: a new, empty scratch state for each build.
fresh() {
	rm -rf "$W/state.old" "$W/state.new"
	mkdir -p "$W/state.old" "$W/state.new"
}

# norm: what legitimately differs between two runs (see the top).
norm() {
	sed -E -e 's/(SM|MM)[0-9a-f]{32}/SID/g' -e 's#(sms-[a-z-]+)/[0-9]+@#\1/PID@#g'
}

# run_side SIDE BUILD STDIN SNIPPET: the snippet (bash) in the scratch
# directory with BUILD's programs first on PATH; its exit code, stdout,
# stderr and store in $W/SIDE.
run_side() {
	local side=$1 b=$2 stdin=$3 snippet=$4 rc=0
	mv "$W/state.$side" "$S"
	# fd 9: the marker pipe (see the top); hold reads it until every holder closed it.
	rm -f "$W/hold"
	mkfifo "$W/hold"
	timeout 60 cat "$W/hold" >/dev/null &
	local hold=$!
	(cd "$S" && exec 9>"$W/hold" && env -i PATH="$b/bin:$b/tests:/usr/local/bin:/usr/bin:/bin" HOME="$S" USER=compare \
		LC_ALL=C.UTF-8 TZ=UTC SMS_TEST_NOW="$NOW" SMS_TZ=America/New_York SMS_PROVIDER=sandbox \
		SMS_DB="$S/sms.db" SMS_CONFIG="$S/config" XDG_CONFIG_HOME="$S/xdg" XDG_DATA_HOME="$S/xdg-data" \
		TMPDIR="$S" TWILIO_API_BASE=http://127.0.0.1:1 VONAGE_API_BASE=http://127.0.0.1:1 \
		SNS_ENDPOINT=http://127.0.0.1:1 IN="$IN" SRC="$SRC" \
		timeout 60 bash -c "$snippet" <"$stdin" >"$W/out" 2>"$W/err") || rc=$?
	wait "$hold"
	{
		echo "== exit $rc"
		echo "== stdout"
		cat "$W/out"
		echo "== stderr"
		cat "$W/err"
		if [ -f "$S/sms.db" ]; then
			echo "== store"
			sqlite3 -readonly "$S/sms.db" .dump 2>&1
		fi
	} | norm >"$W/$side"
	mv "$S" "$W/state.$side"
}

# inv NAME SNIPPET [STDIN]: one invocation, on both builds; a line when they differ.
inv() {
	local name=$1 snippet=$2 stdin=$W/stdin
	total=$((total + 1))
	# Read once: a <(...) cannot be read by both builds.
	cat "${3:-/dev/null}" >"$stdin"
	run_side old "$OLD" "$stdin" "$snippet"
	run_side new "$NEW" "$stdin" "$snippet"
	if [ -n "${COMPARE_KEEP:-}" ]; then
		mkdir -p "$COMPARE_KEEP"
		{ echo "== $name: $snippet"; cat "$W/old"; } >"$COMPARE_KEEP/$total.old"
		cp "$W/new" "$COMPARE_KEEP/$total.new"
	fi
	if cmp -s "$W/old" "$W/new"; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
		echo "DIFFER $name: $snippet"
		diff "$W/old" "$W/new" | head -n 12 | sed 's/^/    /'
	fi
}

# one NAME SNIPPET [STDIN]: an invocation on a fresh state.
one() { fresh; inv "$@"; }

# section NAME: true when COMPARE_ONLY (default: all four) names it.
section() { case " ${COMPARE_ONLY:-options corpora webhooks flows} " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- every program: help, version, options -------------------------------
if section options; then
programs=()
for p in "$OLD"/bin/*; do programs+=("${p##*/}"); done

# options PROGRAM: "--name V" for an option taking a value, "--name" for a
# flag, one per line, as OLD's --help lists them.
options() {
	"$OLD/bin/$1" --help 2>/dev/null | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z-]*( [A-Z][A-Za-z|/.,\[]*)?' |
		sed -E 's/^ +(-[a-zA-Z], )?//; s/ .+/ V/' | sort -u
}

for p in "${programs[@]}"; do
	for a in --help -h --version "--version --bogus" "--help --bogus" --bogus -Z -- --help=x -o "-o yaml"; do
		[ "$p $a" = "sms-webhookd --" ] && continue   # starts the daemon
		one "$p $a" "$p $a"
	done
	[ "$p" = sms-webhookd ] && continue   # a flag alone starts the daemon
	[ "$p" = sms-mcp ] && continue        # its options are the three above
	while IFS= read -r o; do
		case $o in
		*" V")
			o=${o% V}
			for v in "" "''" zz -1 99999999999999999999; do
				one "$p $o $v" "$p $o $v"
			done ;;
		*) one "$p $o" "$p $o" ;;
		esac
	done < <(options "$p")
done
for p in sms-auto sms-template sms-optout sms-sandbox; do
	for v in "" nosuchverb "list -o json" "list -o bogus" add "add --bogus" rm remove enable disable test \
		check render receive "receive --bogus" "list extra"; do
		one "$p $v" "$p $v"
	done
done
# sms-webhookd: bad options that never start the daemon.
for a in "--listen" "--listen nohost" "--listen 127.0.0.1:99999" "--listen :x" "--port-file" \
	"--max-connections 0" "--max-connections -1" "--max-connections x" "--max-client-connections x" \
	"--request-timeout -1" "--request-timeout x" "--timeout x" "--timeout 99999999999" "--bogus-option x" \
	"extra-argument"; do
	one "sms-webhookd $a" "sms-webhookd $a"
done
fi

# ---- the corpora -----------------------------------------------------------
if section corpora; then
jq -c '{id, body}' "$SRC/tests/data/segments.ndjson" >"$IN/segments"
one "sms-split over the segment corpus" 'sms-split -o json' "$IN/segments"
one "sms-split --smart over the segment corpus" 'sms-split --smart -o json' "$IN/segments"
one "sms-split -o text over the segment corpus" 'sms-split --smart -o text' "$IN/segments"
one "sms-split --country GB over the segment corpus" 'sms-split --country GB -o json' "$IN/segments"
# Bodies as arguments too (the first 50: one process each).
head -n 50 "$SRC/tests/data/segments.ndjson" | jq -r '.body | @sh' >"$IN/bodies"
n=0
while IFS= read -r b; do
	n=$((n + 1))
	one "sms-split body $n as an argument" "sms-split -o json --smart -- $b"
done <"$IN/bodies"

one "phone-check --check over the phone corpus" 'phone-check --check' "$SRC/tests/data/phones.ndjson"
for r in $(jq -r '.region' "$SRC/tests/data/phones.ndjson" | sort -u); do
	jq -c --arg r "$r" 'select(.region == $r) | {to: .input, body: "corpus"}' \
		"$SRC/tests/data/phones.ndjson" >"$IN/phones.$r"
	one "sms-send --dry-run, phone corpus, $r" "SMS_DEFAULT_COUNTRY=$r sms-send --dry-run -o json" "$IN/phones.$r"
done
jq -c '{number: .input}' "$SRC/tests/data/phones.ndjson" >"$IN/numbers"
one "sms-optout check, the phone corpus" 'sms-optout check -o json' "$IN/numbers"
one "sms-optout add, the phone corpus" 'sms-optout add -o json' "$IN/numbers"
fi

# ---- the webhook requests of the test suite --------------------------------
# A request file: KEY=VALUE lines (the environment, CGI variables included),
# "config: LINE" lines (the config file), "sandbox-key: BASE64" (the key
# kept beside the store), an empty line, the body.
section webhooks &&
for f in "$SRC"/tests/compare/webhooks/*.txt; do
	[ -f "$f" ] || continue
	hlen=$(sed -n '1,/^$/p' "$f" | wc -c)
	tail -c +$((hlen + 1)) "$f" >"$IN/wh.body"
	sed -n '1,/^$/p' "$f" | sed -n 's/^config: //p' >"$IN/wh.config"
	chmod 600 "$IN/wh.config"
	sed -n '1,/^$/p' "$f" | grep -E '^[A-Z_][A-Z0-9_]*=' | sed "s|@WEBHOOKS@|$SRC/tests/compare/webhooks|g" |
		while IFS= read -r kv; do printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"; done >"$IN/wh.env"
	sed -n '1,/^$/p' "$f" | sed -n 's/^sandbox-key: //p' | base64 -d >"$IN/wh.key"
	one "webhook ${f##*/}" '. "$IN/wh.env"
		if [ -s "$IN/wh.key" ]; then (umask 077 && cp "$IN/wh.key" "$SMS_DB.sandbox-key"); fi
		SMS_CONFIG=$IN/wh.config sms-webhookd' "$IN/wh.body"
done

# ---- flows on the sandbox provider -----------------------------------------
if section flows; then
printf '%s\n' '{"to":"+15551230001","body":"one"}' 'not json' '{"to":"555-01","body":"short"}' \
	'{"body":"no to"}' '{"to":"+15551230002"}' '{"to":"+15551230003","body":"x","media":["ftp://x"]}' \
	'{"to":"+15551230004","body":"ok","ref":"r4","extra":{"a":1}}' '[]' '{"to":12,"body":true}' \
	'{"to":"+15005550001","body":"magic invalid"}' '{"to":"+15005550009","body":"magic nonmobile"}' >"$IN/bad-sends"
jq -c '{to: .phone, body: "Order \(.id) has shipped", ref: .id}' "$SRC/examples/orders.json" >"$IN/orders"
jq -c '{to: .phone, vars: {name: .first, when: .time}}' "$SRC/examples/bookings.json" >"$IN/bookings"
printf '%s\n' '{"to":"+15551239999","vars":{"name":"X"}}' '{"vars":{"name":"Y","when":"now"}}' 'oops' >"$IN/bad-bookings"

fresh
inv "flow: send one" 'sms-send --to "(555) 123-4567" --body "Your table is ready"'
inv "flow: send text" 'sms-send -o text --to +15551234568 --body "Text out"'
inv "flow: orders" 'sms-send --rate 5 --concurrency 4' "$IN/orders"
inv "flow: bad sends" 'sms-send -o json' "$IN/bad-sends"
inv "flow: send dry-run" 'sms-send --dry-run -o json' "$IN/orders"
inv "flow: status" 'sms-status -o json'
inv "flow: status --sync" 'sms-status --sync -o json'
inv "flow: status --sync again" 'sms-status --sync -o json'
inv "flow: status text" 'sms-status -o text'
inv "flow: status --summary" 'sms-status --summary -o json'
inv "flow: status --summary text" 'sms-status --summary -o text'
inv "flow: status ids" 'sms-status -o json 1 2 999 x'
inv "flow: status --query" 'sms-status --query -o json' <(echo '{"status":["delivered"],"limit":2}')
inv "flow: template add" 'sms-template add reminder "Hi {{name}}, see you {{when}}. Reply C to confirm."'
inv "flow: template add again" 'sms-template add reminder "dup"'
inv "flow: template add --replace" 'sms-template add --replace other "Hello {{name}}"'
inv "flow: template add bad" 'sms-template add broken "Hi {{name"'
inv "flow: template list" 'sms-template list -o json'
inv "flow: template list text" 'sms-template list -o text'
inv "flow: template render" 'sms-template render reminder' "$IN/bookings"
inv "flow: template render bad" 'sms-template render reminder' "$IN/bad-bookings"
inv "flow: template render missing" 'sms-template render nosuch' "$IN/bookings"
inv "flow: stage" 'sms-template render reminder | sms-stage -o json' "$IN/bookings"
inv "flow: stage text" 'sms-template render reminder | sms-stage -o text --priority high --notes "check"' "$IN/bookings"
inv "flow: stage bad" 'sms-stage -o json' "$IN/bad-sends"
inv "flow: stage one" 'sms-stage --to +15551230010 --body "later" --send-at 2026-11-26T10:00:00Z --priority urgent'
inv "flow: stage bad send-at" 'sms-stage --to +15551230010 --body "later" --send-at tomorrow'
inv "flow: stage --list" 'sms-stage --list -o json'
inv "flow: stage --list text" 'sms-stage --list -o text'
inv "flow: stage --list all" 'sms-stage --list --status all -o json'
inv "flow: stage --list --query" 'sms-stage --list --query -o json' <(echo '{"priority":["high"],"limit":1}')
# ids WHERE [N]: the first N (default 1) ids of messages WHERE, for a step's arguments.
ids='ids() { sqlite3 "$SMS_DB" "select id from messages where $1 order by id limit ${2:-1}"; }; '
inv "flow: approve two" "$ids"'sms-approve -o json $(ids "status = '\''pending'\''" 2)'
inv "flow: approve again" "$ids"'sms-approve -o json $(ids "status = '\''approved'\''") 999 abc'
inv "flow: reject" "$ids"'sms-approve --reject --reason "not now" -o json $(ids "status = '\''pending'\''")'
inv "flow: approve --priority" 'sms-approve --priority urgent -o text'
inv "flow: approve stdin" "$ids"'{ ids "status = '\''pending'\''" | sed "s/.*/{\"id\":&}/"; printf "%s\n" "{\"id\":\"x\"}" oops "{}"; } | sms-approve -o json'
inv "flow: approve --all" 'sms-approve --all --by reviewer -o json'
inv "flow: send --approved" 'sms-send --approved -o json'
inv "flow: send --approved again" 'sms-send --approved -o json'
inv "flow: status after approved" 'sms-status --limit 0 -o json'
inv "flow: receive" 'sms-sandbox receive --cgi "$(command -v sms-webhookd)" --from "(555) 123-4567" --body "Hello there" --sid SMrecv1'
inv "flow: receive batch" 'sms-sandbox receive --cgi "$(command -v sms-webhookd)" -o json' \
	<(printf '%s\n' '{"from":"+15551230020","body":"first","sid":"SMrecv2"}' '{"from":"+15551230021","body":"STOP","sid":"SMrecv3"}' \
		'{"from":"+15551230022","body":"HELP","sid":"SMrecv4"}' '{"body":"no from"}' 'oops' \
		'{"from":"+15551230020","body":"again","sid":"SMrecv5","media":["https://example.com/a.jpg"]}')
inv "flow: receive retry" 'sms-sandbox receive --cgi "$(command -v sms-webhookd)" --from +15551230020 --body first --sid SMrecv2'
inv "flow: inbox" 'sms-inbox -o json'
inv "flow: inbox text" 'sms-inbox -o text'
inv "flow: inbox --unread --from" 'sms-inbox --unread --from +15551230020 -o json'
inv "flow: inbox --thread" 'sms-inbox --thread "(555) 123-4567" -o json'
inv "flow: inbox --since" 'sms-inbox --since 2h -o json'
inv "flow: inbox --query" 'sms-inbox --query -o json' <(echo '{"unread":true,"limit":2}')
inv "flow: inbox --mark-read" 'sms-inbox --mark-read -o json 1 9999'
inv "flow: inbox --mark-unread stdin" 'sms-inbox --mark-unread -o json' <(printf '%s\n' '{"id":1}' 'x' '{"id":-3}')
inv "flow: reply" 'sms-reply -o json --body "Thanks!" $(sqlite3 "$SMS_DB" "select min(id) from messages where direction = '\''inbound'\''")'
inv "flow: reply to outbound" 'sms-reply -o json --body "no" 1'
inv "flow: reply dry-run" 'sms-reply --dry-run -o json --body "maybe" $(sqlite3 "$SMS_DB" "select max(id) from messages where direction = '\''inbound'\''")'
inv "flow: reply stdin" 'sms-reply -o json' <(printf '%s\n' '{"id":999,"body":"x"}' '{"body":"no id"}' 'oops' '{"id":1}')
inv "flow: reply to opted out" 'sms-reply -o json --body "are you there" $(sqlite3 "$SMS_DB" "select id from messages where body = '\''STOP'\''")'
inv "flow: auto add" 'sms-auto add --trigger HOURS --response "Open 9-5 <weekdays>" --active-hours "9am-5pm Mon-Fri"'
inv "flow: auto add regex" 'sms-auto add --trigger "/price|cost/i" --response "See example.com/prices" --disabled'
inv "flow: auto add bad" 'sms-auto add --trigger "/[/" --response x; sms-auto add --trigger X --response y --active-hours "25pm-1am"'
inv "flow: auto add stdin" 'sms-auto add -o json' <(printf '%s\n' '{"trigger":"HI","response":"hello"}' '{"trigger":"","response":"x"}' 'oops' '{"trigger":"BYE","response":"bye","enabled":false}')
inv "flow: auto list" 'sms-auto list -o json; sms-auto list -o text'
inv "flow: auto test" 'sms-auto test -o json "hours please"; sms-auto test --at 2026-11-25T23:30:00Z "HOURS"; sms-auto test "nothing"'
inv "flow: auto enable/disable" 'sms-auto enable 2; sms-auto disable 1 99; sms-auto list -o json'
inv "flow: auto receive" 'sms-sandbox receive --cgi "$(command -v sms-webhookd)" --from +15551230030 --body "price?" --sid SMrecv6 -o json'
inv "flow: auto rm" 'sms-auto rm 1 99 x; sms-auto list -o json'
inv "flow: optout add" 'sms-optout add --source compare +15551230040 "(555) 123-4567" nonsense'
inv "flow: optout list" 'sms-optout list -o json; sms-optout list -o text'
inv "flow: optout check" 'sms-optout check -o json +15551230040 +15551230041 x'
inv "flow: send to opted out" 'sms-send -o json --to +15551230040 --body "hi"'
inv "flow: optout rm" 'sms-optout rm +15551230040 +15551230099; sms-optout remove -o json' \
	<(printf '%s\n' '{"number":"(555) 123-4567"}' '{"to":"bad"}' 'oops')
inv "flow: optout add stdin" 'sms-optout add -o json' <(printf '%s\n' '{"from":"+15551230050","x":1}' '{"nothing":1}')
inv "flow: status --since" 'sms-status --since 1d -o json --status delivered,failed'
inv "flow: mcp" 'sms-mcp' <(printf '%s\n' \
	'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"compare","version":"1"}}}' \
	'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
	'{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
	'{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"preview_sms","arguments":{"body":"Hello there"}}}' \
	'{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_incoming_sms","arguments":{}}}' \
	'{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"send_sms","arguments":{"to":"+15551230060","body":"from mcp"}}}' \
	'{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"stage_sms","arguments":{"to":"+15551230061","body":"staged"}}}' \
	'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_staged_sms","arguments":{}}}' \
	'{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"get_sms_status","arguments":{}}}' \
	'{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"nosuch","arguments":{}}}' \
	'not json' '{"jsonrpc":"2.0","id":10,"method":"nosuch"}')

# The same flow's mistakes in a config file, and a store that is not one.
one "config: bad provider" 'printf "SMS_PROVIDER = nonsense\n" >"$SMS_CONFIG"; chmod 600 "$SMS_CONFIG"; env -u SMS_PROVIDER sms-send --to +15551230001 --body x'
one "config: secret readable by others" 'printf "TWILIO_AUTH_TOKEN = t\n" >"$SMS_CONFIG"; chmod 644 "$SMS_CONFIG"; sms-status'
one "config: twilio without credentials" 'SMS_PROVIDER=twilio sms-send --to +15551230001 --body x'
one "store: not a database" 'echo "not sqlite" >"$SMS_DB"; sms-status; sms-inbox'
one "store: a URI" 'SMS_DB=postgresql://u:p@h/db sms-status'
one "SMS_TZ refused" 'SMS_TZ=Mars/Olympus sms-stage --to +15551230001 --body x --send-at "2026-11-25 14:00"'
one "SMS_TEST_NOW refused" 'SMS_TEST_NOW=yesterday sms-status'
fi

echo "compare: $OLD and $NEW in $(($(date +%s) - start)) s"
echo "compare: $total invocations, $same identical, $differ differ"
[ "$differ" = 0 ]
exit
}
