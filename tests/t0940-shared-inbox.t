#!/usr/bin/env bash
# One inbox for the operator, the daemon and the assistant (smskit-deploy(7)):
# in a directory that is setgid and group-writable, the store, its -wal and
# -shm files and the recovery file are made 0660, so that every user of the
# group can open them; elsewhere they stay 0600. Then, as root, with two real
# users made here: sms-webhookd runs as the daemon's user and stores a signed
# inbound message; a second user in the group lists it with sms-inbox and
# sms-mcp and answers with sms-reply; the daemon, restarted on the files the
# second user made, stores the next one. The configuration is 640 root:GROUP.
# All of it is about the SQLite file and its -wal, -shm and recovery files
# (their modes, their owners): it runs on SQLite also when the suite runs on
# PostgreSQL (SMSKIT_STORE=pg), whose users share a server, not files.
SMSKIT_STORE=sqlite
. tests/lib.sh
. tests/webhook.sh

# The second part makes users: a user who may use sudo without a password
# (as README's new user may) runs the whole test as root.
if [ "$(id -u)" != 0 ] && [ -z "${SMSKIT_T0940_SUDO:-}" ] && command -v sudo >/dev/null &&
	sudo -n true 2>/dev/null; then
	rm -rf "$T"
	exec sudo -n env SMSKIT_T0940_SUDO=1 SMSKIT_BUILD="$SMSKIT_BUILD" PATH="$PATH" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" bash "$0"
fi

need "the shared inbox" sqlite3 jq curl openssl || { done_testing; exit; }
mode() { stat -c '%a %G' "$1"; }
q() { sql -s "$1" "$2"; }

# ---- the modes, as any user -------------------------------------------------------
mkdir -p "$T/private" "$T/shared" "$T/g2"
chmod 700 "$T/private"
chmod 2770 "$T/shared"
chmod 2750 "$T/g2"
g=$(stat -c %G "$T/shared")
(umask 077 && SMS_DB=$T/private/sms.db sms-inbox -o json >/dev/null 2>&1)
check_eq "a store made in a private directory is 0600" "600" "$(stat -c %a "$T/private/sms.db")"
(umask 077 && SMS_DB=$T/g2/sms.db sms-inbox -o json >/dev/null 2>&1)
check_eq "...and in a setgid directory the group cannot write" "600" "$(stat -c %a "$T/g2/sms.db")"
# sms-webhookd keeps the store open: its -wal and -shm files stay to be seen.
export SMS_PROVIDER=twilio TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN
umask 077
SMS_DB=$T/shared/sms.db start_webhookd
umask 022
check_eq "in a setgid, group-writable directory, under umask 077, the store is 0660" "660 $g" "$(mode "$T/shared/sms.db")"
check_eq "...its -wal file too" "660 $g" "$(mode "$T/shared/sms.db-wal")"
check_eq "...and its -shm file" "660 $g" "$(mode "$T/shared/sms.db-shm")"
check_eq "...which the daemon writes" 200 "$(incoming "$WH_URL/sms/incoming" SM0001 +15551230001 "hi")"
stop_webhookd
(umask 077 && SMS_DB=$T/shared/sms.db SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off \
	sms-send --to +15551230001 --body hi -o json >/dev/null 2>&1)
check_eq "a recovery file made there is 0660 too" "660 $g" "$(mode "$T/shared/sms.db.recovery.ndjson")"
(umask 077 && SMS_DB=$T/private/sms.db SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off \
	sms-send --to +15551230001 --body hi -o json >/dev/null 2>&1)
check_eq "...and 0600 in a private directory" "600" "$(stat -c %a "$T/private/sms.db.recovery.ndjson")"
unset SMS_PROVIDER TWILIO_AUTH_TOKEN

if [ "$(id -u)" != 0 ]; then
	skip "the shared inbox with two real users" "it makes users and groups: run as root (CI does), or with sudo without a password"
	done_testing
	exit
fi
for c in useradd userdel groupadd groupdel setpriv; do
	need "the shared inbox with two real users" "$c" || { done_testing; exit; }
done

# ---- two real users ----------------------------------------------------------------
G=smsg$$ D=smsd$$ O=smso$$
cleanup_users() {
	userdel "$D" 2>/dev/null
	userdel -r "$O" 2>/dev/null
	groupdel "$G" 2>/dev/null
}
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; cleanup_users; rm -rf "$T"' EXIT
check "a group for the inbox" groupadd --system "$G"
check "the daemon's user, in it" useradd --system --gid "$G" --no-create-home --shell /usr/sbin/nologin "$D"
check "an operator, in it too" useradd --create-home --groups "$G" --shell /bin/sh "$O"

# The programs where both users can run them (the clone may be in root's home).
chmod 711 "$T"
mkdir -p "$T/bin"
cp "$SMSKIT_BIN"/* "$SMSKIT_TOOLS/fake-twilio" "$T/bin/"
chmod -R a+rX "$T/bin"
S=$T/inbox E=$T/etc R=$T/run
install -d -o "$D" -g "$G" -m 2770 "$S"
install -d -o root -g "$G" -m 750 "$E"
install -d -o "$D" -m 700 "$R"
ACCOUNT=AC0123456789abcdef0123456789abcdef ME=+15550006666
cat >"$E/config" <<EOF
SMS_DB = $S/sms.db
SMS_PROVIDER = twilio
TWILIO_ACCOUNT_SID = $ACCOUNT
TWILIO_AUTH_TOKEN = $WEBHOOK_TOKEN
TWILIO_PHONE_NUMBER = $ME
SMS_QUIET_HOURS = off
EOF
chown root:"$G" "$E/config"
chmod 640 "$E/config"

# as USER CMD...: CMD as USER with the groups of USER, umask 077, and no
# environment but what a user of the package would have. AS_EXEC=1: in place
# of the shell (so that $! of `as ... &` is the program's own pid).
as() {
	local u=$1
	shift
	${AS_EXEC:+exec} setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- \
		env -i PATH="$T/bin:/usr/bin:/bin" HOME=/ LANG=C.UTF-8 SMS_CONFIG="$E/config" \
		TWILIO_API_BASE="${TWILIO_API_BASE:-}" sh -c 'umask 077 && exec "$@"' sh "$@"
}
start_daemon() {
	rm -f "$R/port"
	AS_EXEC=1 as "$D" sms-webhookd --listen 127.0.0.1:0 --port-file "$R/port" 2>>"$T/webhookd.log" 8>&- &
	WH_PID=$!
	wait_for_file "$R/port" || return 1
	WH_URL="http://127.0.0.1:$(cat "$R/port")"
}

check "the daemon starts as its user on the shared store" start_daemon
check_eq "...running as that user" "$D" "$(ps -o user= -p "$WH_PID" | tr -d ' ')"
check_eq "a signed inbound message is stored" 200 "$(incoming "$WH_URL/sms/incoming" SM0001 +15551230001 "Are you open today?")"
check_eq "...in a store the daemon made 0660, owned by it, of the group" "660 $D $G" "$(stat -c '%a %U %G' "$S/sms.db")"
check_eq "...with its -wal file 0660 of the group" "660 $D $G" "$(stat -c '%a %U %G' "$S/sms.db-wal")"

# The operator reads and answers while the daemon runs.
TWILIO_ACCOUNT_SID=$ACCOUNT TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN start_fake_twilio || exit 1
check_exit "the operator lists the inbox with sms-inbox" 0 as "$O" sms-inbox -o json
check_eq "...seeing the daemon's message" "1 +15551230001 Are you open today?" "$(jq -r '"\(.id) \(.from) \(.body)"' "$T/.out")"
check_exit "the operator answers with sms-reply" 0 as "$O" sms-reply 1 --body "Yes, 9 to 6" -o json
check_eq "...the provider got the reply" 1 "$(wc -l <"$FAKE_LOG")"
check_eq "...stored as a reply to message 1" "outbound|1|Yes, 9 to 6" "$(q "$S/sms.db" "select direction, reply_to, body from messages where id = 2")"
check_eq "...and message 1 is read and replied" "1|1" "$(q "$S/sms.db" "select read, replied from messages where id = 1")"
{
	printf '%s\n' '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
	printf '%s\n' '{"jsonrpc":"2.0","method":"notifications/initialized"}'
	printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_incoming_sms","arguments":{}}}'
} >"$T/mcp.in"
as "$O" sms-mcp <"$T/mcp.in" >"$T/mcp.out" 2>"$T/mcp.err"
check_eq "the assistant, through sms-mcp as the operator, sees the message" "false true" \
	"$(jq -r 'select(.id == 1) | "\(.result.isError) \(.result.content[0].text | contains("Are you open today?"))"' "$T/mcp.out")"

# The daemon stops (its last connection removes the -wal); the operator
# then opens the store with sqlite3 (umask 077) and writes with sms-reply,
# so that the -wal and -shm files are the operator's; the daemon must use
# them when it starts again.
kill -TERM "$WH_PID"
wait "$WH_PID"
check "the daemon stopped, its -wal removed" test ! -e "$S/sms.db-wal"
mkfifo -m 600 "$T/hold"
AS_EXEC=1 as "$O" sqlite3 "$S/sms.db" <"$T/hold" >/dev/null 2>&1 &
hold=$!
exec 8>"$T/hold"
printf 'select count(*) from messages;\n' >&8
for ((i = 0; i < 50; i++)); do
	[ "$(stat -c %U "$S/sms.db-shm" 2>/dev/null)" = "$O" ] && break
	sleep 0.1
done
check_exit "the operator writes while the daemon is stopped (sms-reply)" 0 as "$O" sms-reply 1 --body "And tomorrow too" -o json
check_eq "...the -wal file the operator made is 0660 of the group" "660 $O $G" "$(stat -c '%a %U %G' "$S/sms.db-wal")"
check_eq "...and the -shm file" "660 $O $G" "$(stat -c '%a %U %G' "$S/sms.db-shm")"
check "the daemon starts again on the operator's files" start_daemon
check_eq "...and stores the next message" 200 "$(incoming "$WH_URL/sms/incoming" SM0002 +15551230001 "Thanks!")"
exec 8>&-
wait "$hold"
check_exit "the operator sees both messages" 0 as "$O" sms-inbox -o json
check_eq "...Thanks! among them" 1 "$(grep -c 'Thanks!' "$T/.out")"
stop_fake_twilio
kill -TERM "$WH_PID"
wait "$WH_PID"
check_eq "no file in the store's directory is closed to the group" "" \
	"$(find "$S" -type f ! -perm -660 -printf '%p %m\n')"
check_eq "...and each belongs to the group" "" "$(find "$S" ! -group "$G" -printf '%p\n')"
check "the daemon's user reads the store the operator last wrote" as "$D" sms-inbox -o json

# The configuration: 640 root:GROUP is accepted with a secret in it (above);
# the same mode owned by a user is not.
chown "$O" "$E/config"
check_exit "a 640 config holding a secret, owned by a user, is refused" 78 as "$O" sms-inbox
check_grep "...saying so" 'readable by others' "$T/.err"
chown root "$E/config"
chmod 644 "$E/config"
check_exit "...and root's, readable by all, too" 78 as "$O" sms-inbox
done_testing
