#!/usr/bin/env bash
# sms-send when the store's disk fills up (a 2 MB tmpfs mounted here): every
# message the provider accepted is in the store with its provider id, or its
# record says "stored": false, stderr names it and the recovery file beside
# the store holds it (exit 75); none printed ok while missing from the store.
# The next sms-send records them, with the status callbacks that came
# meanwhile. A provider id another message holds is treated the same way.
# A full file system under the SQLite file: it runs on SQLite also when the
# suite runs on PostgreSQL (SMSKIT_STORE=pg), whose disk is the server's.
SMSKIT_STORE=sqlite
if [ "$(id -u)" != 0 ] && [ -z "${SMSKIT_UNSHARED:-}" ] && unshare -rm true 2>/dev/null; then
	# Not root: a user and mount namespace of its own may mount a tmpfs.
	SMSKIT_UNSHARED=1 exec unshare -rm bash "$0" "$@"
fi
. tests/lib.sh
. tests/webhook.sh
use_fake_twilio_account
q() { sql "$1"; }
mnt=$T/mnt
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=2m tmpfs "$mnt" 2>"$T/mount.err"; then
	_result 1 "a 2 MB tmpfs for the full disk (needs root or unshare -rm): $(cat "$T/mount.err")"
	done_testing
	exit
fi
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; umount "$mnt"; rm -rf "$T"' EXIT
export SMS_DB=$mnt/sms.db
rec=$SMS_DB.recovery.ndjson

# fill KB: leaves about KB kilobytes free on the tmpfs.
fill() {
	dd if=/dev/zero of="$mnt/fill" bs=4k count=1000 2>/dev/null
	truncate -s $(($(stat -c %s "$mnt/fill") - $1 * 1024)) "$mnt/fill"
}
requests() { # requests N PREFIX
	awk -v n="$1" -v p="$2" 'BEGIN { for (i = 0; i < n; i++) printf "{\"to\":\"+1212556%04d\",\"body\":\"%s%d\"}\n", i, p, i }'
}
posted() { jq -r '.params[] | select(.[0]=="Body") | .[1]' "$FAKE_LOG" | sort; }

# ---- The shape of the report: a store filling up during a batch --------------
start_fake_twilio || exit 1
sms-send -o json --to +12125550100 --body warm-up >/dev/null
fill 300
requests 400 m >"$T/in"
sms-send -o json -c 4 <"$T/in" >"$T/out" 2>"$T/err"
rc=$?
check "the disk filled up: some requests failed on the store" grep -q '"store_error"' "$T/out"
check "...after some went out" test "$(posted | grep -c '^m')" -gt 0
silent=0
while read -r id pid; do
	[ "$(q "select provider_id from messages where id = $id")" = "$pid" ] || silent=$((silent + 1))
done < <(jq -r 'select(.ok == true and .stored != false) | "\(.id) \(.provider_id)"' "$T/out")
check_eq "every record printed ok (and not stored: false) is in the store with its provider id" 0 "$silent"
stored=$(q "select body from messages where provider_id is not null" | sort)
kept=$(jq -r 'select(.stored == false) | "\(.body) \(.provider_id)"' "$T/out" |
	while read -r b pid; do [ -s "$rec" ] && grep -qF "\"$pid\"" "$rec" && echo "$b"; done | sort)
check_eq "every request the provider took is stored with its id, or in the recovery file" "" \
	"$(comm -23 <(posted) <(sort -u <(echo "$stored") <(echo "$kept")))"
check_eq "exit 75" 75 "$rc"
echo "# accepted by the provider: $(posted | grep -c '^m'); stored: $(grep -c '^m' <<<"$stored");" \
	"stored: false: $(grep -c '^m' <<<"$kept"); printed ok but missing: $silent"
stop_fake_twilio
rm -f "$mnt/fill" "$SMS_DB"*

# ---- Answers that arrive once the disk is full ------------------------------------
start_fake_twilio --delay-ms 1500 || exit 1
requests 8 d >"$T/in"
sms-send -o json -c 4 <"$T/in" >"$T/out" 2>"$T/err" &
pid=$!
# The four requests were reserved (committed) before the first reached the
# fake; their answers come 1.5 s later, after this.
wait_for_file "$FAKE_LOG" 100
fill 0
wait "$pid"
rc=$?
check_eq "four requests went out before the disk filled" 4 "$(wc -l <"$FAKE_LOG")"
check_eq "sms-send exits 75" 75 "$rc"
check_eq "their four records say ok, and stored: false" "4 4" \
	"$(jq -s 'map(select(.ok)) | length' "$T/out") $(jq -s 'map(select(.ok and .stored == false)) | length' "$T/out")"
jq -r 'select(.stored == false) | .provider_id' "$T/out" | sort >"$T/pids"
check_eq "...each with the provider id and status the provider gave" "4 queued" \
	"$(grep -c '^SM' "$T/pids") $(jq -r 'select(.stored == false) | .status' "$T/out" | sort -u)"
check_eq "the store still holds them as sending, without a provider id" "sending 4" \
	"$(q "select status, count(*) from messages where provider_id is null and body like 'd%' and status = 'sending'" | tr '|' ' ')"
check_eq "the recovery file beside the store holds their ids (written on the full disk)" \
	"$(cat "$T/pids")" "$(jq -r .provider_id "$rec" | sort)"
check_eq "...with the message ids" "$(jq -r 'select(.stored == false) | .id' "$T/out" | sort)" "$(jq -r .id "$rec" | sort)"
check_eq "stderr names every provider id" 4 "$(grep -cF -f "$T/pids" "$T/err")"
check_grep "...and the recovery file" "kept in $rec" "$T/err"
check_eq "the requests behind them were not made: store_error" 4 \
	"$(jq -s 'map(select(.error.code == "store_error")) | length' "$T/out")"
stop_fake_twilio

# Space again; a status callback for one of them comes before any sender runs.
rm -f "$mnt/fill"
first=$(head -n 1 "$T/pids")
TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN start_webhookd || exit 1
check_eq "a status callback for an id the store does not know yet is acknowledged" 200 \
	"$(post_signed "$WH_URL/sms/status" "MessageSid=$first" MessageStatus=delivered To=+12125560000)"
stop_webhookd
check_eq "...and kept, with the change it asks for" "delivered" \
	"$(q "select json_extract(detail, '\$.pending.status') from events where message_id is null and json_extract(detail, '\$.pending.provider_id') = '$first'")"
start_fake_twilio || exit 1
check_exit "the next sms-send records what the recovery file holds" 0 sms-send --approved -o json
check_grep "...and says so" '4 answers the store could not record before are now recorded' "$T/.err"
check_eq "every accepted message now has its provider id" "$(cat "$T/pids")" \
	"$(q "select provider_id from messages where provider_id is not null and body like 'd%'" | sort)"
check_eq "...queued, the one the callback spoke of delivered" "delivered 1|queued 3" \
	"$(q "select status || ' ' || count(*) from messages where provider_id is not null and body like 'd%' group by status" | paste -sd'|')"
check_eq "...its events say where the statuses came from" "recovery webhook" \
	"$(q "select group_concat(json_extract(e.detail, '\$.via'), ' ') from events e join messages m on m.id = e.message_id where m.provider_id = '$first' and e.kind = 'status' and e.status in ('queued', 'delivered')")"
check_eq "the recovery file is empty again" 0 "$(stat -c %s "$rec")"
check_exit "a run after that has nothing to recover" 0 sms-send --approved -o json
check_eq "...and says nothing" "" "$(cat "$T/.err")"

# ---- A provider id another message already holds ---------------------------------
sms-send -o json --to +12125550101 --body one >"$T/one"
sid=$(jq -r .provider_id "$T/one")
next=$(printf '%s%016x' "${sid:0:18}" $((16#${sid:18} + 1)))
q "insert into messages (direction, status, to_number, body, provider, provider_id, created_at, updated_at)
   values ('inbound', 'received', '+15550006666', 'taken', 'twilio', '$next', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
check_exit "an accepted message whose provider id another holds: exit 75" 75 \
	sms-send -o json --to +12125550102 --body two
check_eq "...ok, stored: false, with the id" "true false $next" "$(jq -r '"\(.ok) \(.stored) \(.provider_id)"' "$T/.out")"
check_grep "...stderr says which message holds it" "already message [0-9]*'s" "$T/.err"
check_grep "...and it is in the recovery file" "$next" "$rec"
check_exit "a later run cannot apply it either" 0 sms-send --approved -o json
check_grep "...says so" "could not be applied" "$T/.err"
check_grep "...and leaves the line for a person" "$next" "$rec"
done_testing
