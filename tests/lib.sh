# tests/lib.sh — the shared test library: TAP out, a fresh scratch directory,
# and the programs under test first on PATH. Sourced by every tests/t*.t.
# shellcheck shell=bash
set -u

: "${SMSKIT_BUILD:=build}"
SMSKIT_BIN=$(cd "$SMSKIT_BUILD/bin" && pwd)
SMSKIT_TOOLS=$(cd "$SMSKIT_BUILD" && pwd)/tests
SMSKIT_SRC=$(pwd)
# Debian puts the servers the tests run (lighttpd, nginx, apache2) in /usr/sbin,
# which is not on an ordinary user's PATH.
PATH="$SMSKIT_BIN:$SMSKIT_TOOLS:$PATH:/usr/sbin:/sbin"
export SMSKIT_BIN SMSKIT_TOOLS SMSKIT_SRC PATH

T=$(mktemp -d "${TMPDIR:-/tmp}/smskit-test.XXXXXX")
# Servers a test started in the background stop with it.
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
# Each test file gets its own store and config, never the user's.
export SMS_DB="$T/sms.db" SMS_CONFIG="$T/config" XDG_CONFIG_HOME="$T/xdg" XDG_DATA_HOME="$T/xdg-data"
unset SMS_PROVIDER TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN SMS_DEFAULT_COUNTRY SMS_QUIET_HOURS \
      SMS_DAILY_LIMIT SMS_MONTHLY_LIMIT SMS_PUBLIC_URL SMS_TZ \
      TWILIO_API_KEY TWILIO_API_SECRET TWILIO_PHONE_NUMBER TWILIO_MESSAGING_SERVICE_SID \
      TWILIO_API_BASE SMS_TEST_NOW SMS_HTTP_TIMEOUT TWILIO_WHATSAPP_NUMBER
unset SMS_REQUIRE_CONSENT # a developer's own setting would refuse the tests' sends

# ---- The store's backend ----------------------------------------------------------------------
# SMSKIT_STORE=pg runs a test file against PostgreSQL: a database of its own on
# the server tests/run started (SMSKIT_PG_SOCKET), or on one started here for
# this file alone, and SMS_DB its URI. A test of the SQLite file itself (its
# pragmas, its modes, its copy) sets SMSKIT_STORE=sqlite before sourcing this
# file. Tests read the store back with `sql`, which speaks to either.
SMSKIT_STORE=${SMSKIT_STORE:-sqlite}
export SMSKIT_STORE
_pg_db=0
# new_store NAME: the SMS_DB of another, empty store of the same backend.
new_store() {
	if [ "$SMSKIT_STORE" != pg ]; then echo "$T/$1.db"; return; fi
	# A counter in a file: new_store runs in a subshell, $(new_store x).
	_pg_db=$(($(cat "$T/.new_store" 2>/dev/null || echo 0) + 1))
	echo "$_pg_db" >"$T/.new_store"
	local db="t_$$_${_pg_db}_$1"
	db=${db//[^A-Za-z0-9_]/_}
	psql -X -q -h "$SMSKIT_PG_SOCKET" -U smskit -d postgres -c "CREATE DATABASE $db" >/dev/null ||
		{ echo "new_store: cannot make the database $db" >&2; return 1; }
	echo "postgresql:///$db?host=$SMSKIT_PG_SOCKET&user=smskit"
}
if [ "$SMSKIT_STORE" = pg ]; then
	if [ -z "${SMSKIT_PG_SOCKET:-}" ]; then
		_pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/smskit-pg.XXXXXX") && chmod 755 "$_pg_dir"
		SMSKIT_PG_SOCKET=$("$SMSKIT_SRC/tests/pg-cluster" start "$_pg_dir/s") ||
			{ echo "Bail out! no PostgreSQL server for SMSKIT_STORE=pg"; exit 1; }
		trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; "$SMSKIT_SRC/tests/pg-cluster" stop "$_pg_dir/s"; rm -rf "$T" "$_pg_dir"' EXIT
	fi
	export SMSKIT_PG_SOCKET
	SMS_DB=$(new_store main) || { echo "Bail out! no database for SMSKIT_STORE=pg"; exit 1; }
	export SMS_DB
fi

# sql [-s STORE] SQL...: runs SQL on the store (SMS_DB, or STORE) with sqlite3 or psql,
# rows one per line, columns separated by |, NULL as nothing; SQL from stdin
# when none is given. Write SQL both engines take (sum(CASE ...) rather than
# sum(a = b), lower(x) LIKE for SQLite's case-blind LIKE).
sql() {
	local db=$SMS_DB
	if [ "${1:-}" = -s ]; then db=$2; shift 2; fi
	case $db in
	postgres://* | postgresql://*)
		if [ $# -eq 0 ]; then psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" -f -
		else psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$db" -c "$*"; fi ;;
	*)
		if [ $# -eq 0 ]; then sqlite3 -batch "$db"; else sqlite3 -batch "$db" "$*"; fi ;;
	esac
}

_n=0
_fail=0

_result() { # _result STATUS DESC
	_n=$((_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_fail=$((_fail + 1))
	fi
}

# check DESC CMD...: passes when CMD exits 0.
check() {
	local desc=$1; shift
	if "$@" >"$T/.out" 2>"$T/.err"; then _result 0 "$desc"; else
		_result 1 "$desc"
		sed 's/^/#   /' "$T/.err" | head -n 20
	fi
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then _result 0 "$1"; else
		_result 1 "$1"
		printf '#   expected: %s\n#   actual:   %s\n' "$2" "$3" | head -n 40
	fi
}

# check_exit DESC CODE CMD...: passes when CMD exits with CODE. Output in $T/.out, $T/.err.
check_exit() {
	local desc=$1 want=$2; shift 2
	local got=0
	"$@" >"$T/.out" 2>"$T/.err" || got=$?
	if [ "$got" = "$want" ]; then _result 0 "$desc"; else
		_result 1 "$desc"
		echo "#   exit $got, expected $want"
		sed 's/^/#   stderr: /' "$T/.err" | head -n 10
	fi
}

# check_grep DESC PATTERN FILE
check_grep() {
	if grep -q -e "$2" "$3"; then _result 0 "$1"; else
		_result 1 "$1"
		echo "#   /$2/ not in $3:"; head -c 600 "$3" | sed 's/^/#   /'
	fi
}

done_testing() {
	echo "1..$_n"
	[ "$_fail" = 0 ]
}

# skip DESC REASON: a check that could not run here. tests/run counts it as
# skipped, lists it with REASON, and fails the run under CI=true: REASON says what
# is missing and the one command that brings it (see missing).
skip() { _n=$((_n + 1)); echo "ok $_n - $1 # SKIP $2"; }

# missing CMD: the skip reason for a tool that .ci/install-deps installs.
missing() { echo "$1 is not installed: run sudo .ci/install-deps"; }

# need DESC CMD...: true when every CMD is installed, else one skip naming the
# first missing. Use: need "the store tests" sqlite3 || { done_testing; exit; }
# SMSKIT_TEST_MISSING="cmd ...": need takes these as not installed (t0960 shows
# what a missing tool does to a run without uninstalling it).
need() {
	local desc=$1 c; shift
	for c in "$@"; do
		case " ${SMSKIT_TEST_MISSING:-} " in *" $c "*) ;; *) command -v "$c" >/dev/null && continue ;; esac
		skip "$desc" "$(missing "$c")"
		return 1
	done
}

# not_applicable DESC WHY: a check that does not belong to this build (valgrind
# on the sanitizer build): a TAP comment, neither run nor skipped.
not_applicable() { echo "# not applicable: $1 ($2)"; }

# valgrind_ready DESC: true when valgrind checks run on this build. Not on the
# sanitizer build (valgrind cannot run ASan's programs) nor on a clang build
# (its DWARF 5 is more than some valgrind versions read); a skip without valgrind.
valgrind_ready() {
	if sanitized; then not_applicable "$1" "the sanitizer build: ASan and UBSan check it"; return 1; fi
	case $SMSKIT_BUILD in *clang*) not_applicable "$1" "a clang build"; return 1 ;; esac
	need "$1" valgrind
}

# True when the programs under test were built with sanitizers.
sanitized() { case "$SMSKIT_BUILD" in *san*) return 0 ;; *) return 1 ;; esac; }

# wait_for_file FILE [TENTHS]: until FILE is non-empty (default 5 s).
wait_for_file() {
	local i
	for ((i = 0; i < ${2:-50}; i++)); do [ -s "$1" ] && return 0; sleep 0.1; done
	echo "# timed out waiting for $1" >&2
	return 1
}

# start_fake_twilio [ARGS...]: the fake Twilio API on a free loopback port, its
# request log in $FAKE_LOG, and Twilio settings pointing at it.
start_fake_twilio() {
	FAKE_LOG=$T/fake.log
	: >"$FAKE_LOG"
	rm -f "$T/fake.port"
	fake-twilio --port-file "$T/fake.port" --log "$FAKE_LOG" \
		--auth "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" "$@" &
	FAKE_PID=$!
	wait_for_file "$T/fake.port" || return 1
	FAKE_URL="http://127.0.0.1:$(cat "$T/fake.port")"
	export TWILIO_API_BASE=$FAKE_URL
}

stop_fake_twilio() {
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	return 0
}

# Settings for a Twilio account that exists only in the fake.
use_fake_twilio_account() {
	export SMS_PROVIDER=twilio TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef \
		TWILIO_AUTH_TOKEN=test-token-not-secret TWILIO_PHONE_NUMBER=+15550006666 SMS_QUIET_HOURS=off
}
