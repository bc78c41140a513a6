#!/usr/bin/env bash
# sms-store on whichever backend SMSKIT_STORE selects (SQLite by default,
# PostgreSQL with SMSKIT_STORE=pg): stats, check, export, erase (the opt-out
# and the consent log kept), prune (never a message in flight), in batches
# past 1,000 messages, and backup, whose copy is an SQLite store file on both
# (read back with sqlite3), taken while sms-stage and sms-optout write: every
# row they acknowledged before it began is in it. The store is filled with
# SQL both engines take and read back with `sql` (tests/lib.sh).
. tests/lib.sh

need "the store maintenance tests" sqlite3 jq || { done_testing; exit; }
export SMS_QUIET_HOURS=off
pg() { [ "$SMSKIT_STORE" = pg ]; }

# A store that exists: any program makes it.
check_exit "sms-optout makes the store" 0 sms-optout list -o json

# ---- the people: A (+12125550101) and B (+12125550102) -----------------------------------
# A: two messages in, one out on WhatsApp, their events, a notice naming A's
# digits (msisdn), one naming A's WhatsApp address in an array, one detail
# that is not JSON at all (names nobody: skipped, as SQLite's json_valid
# skips it), an opt-out by SMS and on WhatsApp with its event and consent
# log entry, a part of a long message held (kv). B: one message each way, a
# notice, a kv entry: all kept.
A=+12125550101 B=+12125550102
OLD=2020-01-01T00:00:00Z
sql "INSERT INTO messages (direction, status, to_number, from_number, body, created_at, updated_at) VALUES
	('inbound', 'received', '+15550006666', '$A', 'hello 1', '2026-01-01T00:00:01Z', '2026-01-01T00:00:01Z'),
	('inbound', 'received', '+15550006666', '$A', 'hello 2', '2026-01-01T00:00:02Z', '2026-01-01T00:00:02Z'),
	('outbound', 'read', 'whatsapp:$A', 'whatsapp:+15550006666', 'on WhatsApp', '2026-01-01T00:00:03Z', '2026-01-01T00:00:03Z'),
	('inbound', 'received', '+15550006666', '$B', 'from B', '2026-01-01T00:00:04Z', '2026-01-01T00:00:04Z'),
	('outbound', 'sent', '$B', '+15550006666', 'to B', '2026-01-01T00:00:05Z', '2026-01-01T00:00:05Z');
INSERT INTO events (message_id, at, kind, status) SELECT id, created_at, 'created', status FROM messages;
INSERT INTO events (message_id, at, kind, status) SELECT id, created_at, 'read', status FROM messages WHERE body = 'on WhatsApp';
INSERT INTO events (message_id, at, kind, detail) VALUES
	(NULL, '$OLD', 'webhook', '{\"msisdn\":\"12125550101\",\"outcome\":\"unknown message\"}'),
	(NULL, '$OLD', 'webhook', '[\"whatsapp:$A\"]'),
	(NULL, '$OLD', 'webhook', 'not JSON, though it says 12125550101'),
	(NULL, '$OLD', 'webhook', '{\"From\":\"$B\",\"outcome\":\"unknown message\"}'),
	(NULL, '2026-01-01T00:00:00Z', 'optout', '{\"number\":\"$A\",\"source\":\"STOP\"}');
INSERT INTO optouts (number, at, source) VALUES ('$A', '2026-01-01T00:00:00Z', 'STOP'),
	('whatsapp:$A', '2026-01-01T00:00:00Z', 'STOP');
INSERT INTO consents (number, at, kind, source, recorded_at) VALUES
	('$A', '2026-01-01T00:00:00Z', 'opt_out', 'keyword STOP', '2026-01-01T00:00:00Z');
INSERT INTO kv (key, value, updated_at) VALUES
	('vonage.concat.12125550101.r1', '{\"1\":{\"text\":\"part\"}}', '2026-01-01T00:00:00Z'),
	('vonage.concat.12125550102.r2', '{}', '2026-01-01T00:00:00Z')"
AA="(to_number IN ('$A', 'whatsapp:$A') OR from_number IN ('$A', 'whatsapp:$A'))"
check_eq "A has 3 messages with 4 events" "3 4" \
	"$(sql "SELECT count(*) FROM messages WHERE $AA") $(sql "SELECT count(*) FROM events WHERE message_id IN (SELECT id FROM messages WHERE $AA)")"

# ---- export -----------------------------------------------------------------------------
check_exit "export A" 0 sms-store export --number "(212) 555-0101" -o json
cp "$T/.out" "$T/export"
check_eq "...A's 3 messages, both channels, oldest first" "hello 1|hello 2|on WhatsApp" \
	"$(jq -r 'select(.type == "message") | .body' "$T/export" | paste -sd'|')"
check_eq "...their 4 events, then the notices and optout event naming A, in id order" \
	"created created created read webhook webhook optout" \
	"$(jq -r 'select(.type == "event") | .kind' "$T/export" | xargs)"
check_eq "...event ids ascending" "$(jq -r 'select(.type == "event") | .id' "$T/export" | sort -n | xargs)" \
	"$(jq -r 'select(.type == "event") | .id' "$T/export" | xargs)"
check_eq "...the notices' details as JSON" '{"msisdn":"12125550101","outcome":"unknown message"} ["whatsapp:+12125550101"]' \
	"$(jq -c 'select(.type == "event" and .kind == "webhook") | .detail' "$T/export" | paste -sd' ')"
check_eq "...the opt-outs, SMS then WhatsApp" "$A whatsapp:$A" "$(jq -r 'select(.type == "optout") | .number' "$T/export" | xargs)"
check_eq "...the consent log" "$A opt_out keyword STOP" "$(jq -r 'select(.type == "consent") | "\(.number) \(.kind) \(.source)"' "$T/export")"
check_eq "...the kv entry naming A" "vonage.concat.12125550101.r1" "$(jq -r 'select(.type == "kv") | .key' "$T/export")"
check_eq "...14 records, every one ok, none of B's" "14 0 0" \
	"$(wc -l <"$T/export") $(jq -c 'select(.ok != true)' "$T/export" | wc -l) $(grep -c "$B" "$T/export")"
check_eq "...a message record as sms-inbox gives it" "inbound received $A +15550006666 false sms" \
	"$(jq -r 'select(.type == "message") | "\(.direction) \(.status) \(.from) \(.to) \(.read) \(.channel)"' "$T/export" | head -n 1)"
check_eq "export of A's WhatsApp address gives the same" "$(cat "$T/export")" "$(sms-store export --number "whatsapp:$A" -o json)"
check_eq "export of a number with nothing: nothing" "" "$(sms-store export --number +12125550199 -o json)"

# ---- erase ------------------------------------------------------------------------------
msgs=$(sql "SELECT count(*) FROM messages") evs=$(sql "SELECT count(*) FROM events")
check_exit "erase --dry-run" 0 sms-store erase --number "$A" --dry-run -o json
check_eq "...3 messages, 4 events, 2 notices, 1 kv entry; still opted out" "3 4 2 1 true true" \
	"$(jq -r '[.messages, .events, .other_events, .kv, .dry_run, .opted_out] | join(" ")' "$T/.out")"
check_eq "...removes nothing" "$msgs $evs" "$(sql "SELECT count(*) FROM messages") $(sql "SELECT count(*) FROM events")"
check_exit "erase" 0 sms-store erase --number "$A" -o json
check_eq "...the same counts" "3 4 2 1 false true" \
	"$(jq -r '[.messages, .events, .other_events, .kv, .dry_run, .opted_out] | join(" ")' "$T/.out")"
check_eq "...A's messages gone, B's kept" "0 2" \
	"$(sql "SELECT count(*) FROM messages WHERE $AA") $(sql "SELECT count(*) FROM messages WHERE '$B' IN (to_number, from_number)")"
check_eq "...exactly 6 events gone" $((evs - 6)) "$(sql "SELECT count(*) FROM events")"
check_eq "...the detail that is not JSON kept, B's notice kept" "1 1" \
	"$(sql "SELECT count(*) FROM events WHERE detail LIKE 'not JSON%'") $(sql "SELECT count(*) FROM events WHERE detail LIKE '%$B%'")"
check_eq "...the opt-outs kept" "$A whatsapp:$A" "$(sql "SELECT number FROM optouts ORDER BY number" | xargs)"
check_eq "...and their optout event" 1 "$(sql "SELECT count(*) FROM events WHERE kind = 'optout' AND detail LIKE '%$A%'")"
check_eq "...and the consent log" "opt_out|keyword STOP" "$(sql "SELECT kind, source FROM consents WHERE number = '$A'")"
check_eq "...the kv entry naming A gone, B's kept" "vonage.concat.12125550102.r2" "$(sql "SELECT key FROM kv")"
check_exit "erase again: nothing left" 0 sms-store erase --number "$A" -o json
check_eq "...zero counts" "0 0 0 0" "$(jq -r '[.messages, .events, .other_events, .kv] | join(" ")' "$T/.out")"

# Past one batch: 2,500 messages of C, each with an event, removed in three
# transactions of at most 1,000.
C=+13125550100
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
	INSERT INTO messages (direction, status, to_number, from_number, body, created_at, updated_at)
	SELECT 'outbound', 'delivered', '$C', '+15550006666', 'bulk ' || i, '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z' FROM n;
	INSERT INTO events (message_id, at, kind, status) SELECT id, created_at, 'created', status FROM messages WHERE to_number = '$C'"
check_exit "erase C's 2,500 messages" 0 sms-store erase --number "$C" -o json
check_eq "...2500 messages, 2500 events, none left" "2500 2500 0 0" \
	"$(jq -r '[.messages, .events] | join(" ")' "$T/.out") $(sql "SELECT count(*) FROM messages WHERE to_number = '$C'") $(sql "SELECT count(*) FROM events WHERE message_id IS NOT NULL AND message_id NOT IN (SELECT id FROM messages)")"

# ---- prune ------------------------------------------------------------------------------
# One old message of each status and one recent (dated ahead, so never old),
# each with an event; 2,500 old delivered ones besides; an old notice and an
# old optout event of no message.
statuses=$(for s in pending approved rejected sending queued scheduled sent delivered undelivered \
	failed canceled unknown received read; do echo "SELECT '$s' AS s"; done | paste -sd'|' | sed 's/|/ UNION ALL /g')
sql "INSERT INTO messages (direction, status, to_number, from_number, body, created_at, updated_at)
	SELECT CASE s WHEN 'received' THEN 'inbound' ELSE 'outbound' END, s, '+13125550000', '+15550006666',
	       'prune ' || s || ' ' || w, w, w
	FROM ($statuses) st, (SELECT '$OLD' AS w UNION ALL SELECT '2099-01-01T00:00:00Z') ag;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
	INSERT INTO messages (direction, status, to_number, from_number, body, created_at, updated_at)
	SELECT 'outbound', 'delivered', '+13125550001', '+15550006666', 'old bulk ' || i, '$OLD', '$OLD' FROM n;
	INSERT INTO events (message_id, at, kind, status) SELECT id, created_at, 'created', status FROM messages
	WHERE body LIKE 'prune %' OR body LIKE 'old bulk %';
	INSERT INTO events (message_id, at, kind, detail) VALUES
	(NULL, '$OLD', 'webhook', '{\"outcome\":\"old notice\"}'),
	(NULL, '$OLD', 'optout', '{\"number\":\"+13125550009\",\"source\":\"STOP\"}')"
msgs=$(sql "SELECT count(*) FROM messages") evs=$(sql "SELECT count(*) FROM events")
# The old webhook notices: the one above and the three from A's and B's part.
check_exit "prune --older-than 1y --dry-run" 0 sms-store prune --older-than 1y --dry-run -o json
check_eq "...2509 old in final statuses, their 2509 events, 3 notices; 5 in flight kept" "2509 2509 3 5" \
	"$(jq -r '[.messages, .events, .other_events, .kept_in_flight] | join(" ")' "$T/.out")"
check_eq "...removes nothing" "$msgs $evs" "$(sql "SELECT count(*) FROM messages") $(sql "SELECT count(*) FROM events")"
check_exit "prune --older-than 1y" 0 sms-store prune --older-than 1y -o json
check_eq "...the same counts" "2509 2509 3 5" \
	"$(jq -r '[.messages, .events, .other_events, .kept_in_flight] | join(" ")' "$T/.out")"
check_eq "...the old ones left are the ones in flight" "approved pending queued scheduled sending" \
	"$(sql "SELECT status FROM messages WHERE created_at < '2021-01-01' ORDER BY status" | xargs)"
check_eq "...every recent one kept" 14 "$(sql "SELECT count(*) FROM messages WHERE body LIKE 'prune % 2099%'")"
check_eq "...the old optout event and A's kept, the old notices gone" "2 0" \
	"$(sql "SELECT count(*) FROM events WHERE kind = 'optout'") $(sql "SELECT count(*) FROM events WHERE kind = 'webhook' AND at < '2021-01-01'")"
check_eq "...exactly those events gone" $((evs - 2512)) "$(sql "SELECT count(*) FROM events")"
check_exit "prune again: nothing" 0 sms-store prune --older-than 1y -o json
check_eq "...zero, the 5 still kept" "0 0 0 5" "$(jq -r '[.messages, .events, .other_events, .kept_in_flight] | join(" ")' "$T/.out")"

# ---- stats ------------------------------------------------------------------------------
check_exit "stats" 0 sms-store stats -o json
cp "$T/.out" "$T/stats"
check_eq "...counts as the store has them" \
	"$(for t in messages events optouts templates autoresponders kv; do sql "SELECT count(*) FROM $t"; done | xargs)" \
	"$(jq -r '[.messages, .events, .optouts, .templates, .autoresponders, .kv] | join(" ")' "$T/stats")"
check_eq "...by status" \
	"$(sql "SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'pending'") $(sql "SELECT count(*) FROM messages WHERE direction = 'outbound' AND status = 'sent'") $(sql "SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'received'")" \
	"$(jq -r '[.outbound.pending, .outbound.sent, .inbound.received] | join(" ")' "$T/stats")"
check_eq "...oldest and newest" "$OLD 2099-01-01T00:00:00Z" "$(jq -r '"\(.oldest) \(.newest)"' "$T/stats")"
check "...a size" test "$(jq -r .bytes "$T/stats")" -gt 0
pg && check_eq "...on PostgreSQL no write-ahead log or free space of its own" "0 0" "$(jq -r '"\(.wal_bytes) \(.free_bytes)"' "$T/stats")"

# ---- check ------------------------------------------------------------------------------
check_exit "check a sound store" 0 sms-store check -o json
check_eq "...a summary, ok, no problem, this build's schema" "summary true 0 8" \
	"$(tail -n 1 "$T/.out" | jq -r '[.check, .ok, .problems, .schema_version] | join(" ")')"
check_eq "...no record that is not ok" 0 "$(jq -c 'select(.ok != true)' "$T/.out" | wc -l)"
# Rows the foreign keys would refuse, written with their enforcement off.
if pg; then
	sql "SET session_replication_role = replica;
	     INSERT INTO events (message_id, at, kind) VALUES (999999, '$OLD', 'created')" >/dev/null
else
	sql "PRAGMA foreign_keys = OFF; INSERT INTO events (message_id, at, kind) VALUES (999999, '$OLD', 'created')"
fi
orphan=$(sql "SELECT id FROM events WHERE message_id = 999999")
check_exit "check a store with an event of no such message: 65" 65 sms-store check -o json
check_eq "...one foreign_key record naming the row, then the summary" "foreign_key events $orphan messages 1" \
	"$(jq -r 'select(.check == "foreign_key_check") | "\(.error.code) \(.table) \(.rowid) \(.parent)"' "$T/.out") $(tail -n 1 "$T/.out" | jq -r .problems)"
sql "DELETE FROM events WHERE id = $orphan"
check_exit "...sound again once it is gone" 0 sms-store check -o json
if pg; then
	# The store's user may not create amcheck: the check says so and passes.
	role="t_plain_$$"
	psql -X -q -h "$SMSKIT_PG_SOCKET" -U smskit -d postgres -c "CREATE ROLE $role LOGIN" -c "CREATE DATABASE ${role}_db OWNER $role"
	PLAIN="postgresql:///${role}_db?host=$SMSKIT_PG_SOCKET&user=$role"
	check_exit "check as a user who may not create amcheck" 0 env SMS_DB="$PLAIN" sms-store check -o json
	check_grep "...notes that the indexes were not checked" '"note":"the indexes were not checked: .*amcheck' "$T/.out"
	check_eq "...as an ok record; the summary ok" "true true" "$(jq -r .ok "$T/.out" | xargs)"
	sql "ALTER TABLE events DISABLE TRIGGER ALL"
	check_exit "check a store whose foreign keys are switched off: 65" 65 sms-store check -o json
	check_grep "...says so" 'table events: .*triggers disabled' "$T/.out"
	sql "ALTER TABLE events ENABLE TRIGGER ALL"
	sql "ALTER TABLE messages ADD CONSTRAINT t_short CHECK (length(body) < 100000) NOT VALID;
	     UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'messages_to'::regclass"
	check_exit "check a store with a constraint never validated and an invalid index: 65" 65 sms-store check -o json
	check_eq "...each an integrity_check record, then the summary" "2 2" \
		"$(jq -c 'select(.check == "integrity_check" and .ok == false)' "$T/.out" | wc -l) $(tail -n 1 "$T/.out" | jq -r .problems)"
	check_grep "...the constraint named" 'constraint t_short was added NOT VALID' "$T/.out"
	check_grep "...the index named" 'index messages_to of table messages is invalid' "$T/.out"
	sql "ALTER TABLE messages DROP CONSTRAINT t_short;
	     UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'messages_to'::regclass"
	check_exit "...sound once they are put right" 0 sms-store check -o json
	# An index that lacks a row: not maintained while a message was written.
	sql "UPDATE pg_index SET indisready = false WHERE indexrelid = 'messages_from'::regclass"
	sql "INSERT INTO messages (direction, status, to_number, from_number, body, created_at, updated_at)
	     VALUES ('inbound', 'received', '+15550006666', '+12125550177', 'unindexed', '$OLD', '$OLD')"
	sql "UPDATE pg_index SET indisready = true WHERE indexrelid = 'messages_from'::regclass"
	check_exit "check a store whose index lacks a row: 65" 65 sms-store check -o json
	check_eq "...amcheck's integrity_check record naming the index, then the summary" "integrity_check messages_from 1" \
		"$(head -n 1 "$T/.out" | jq -r '"\(.check) \(.error.message | split(":")[0] | ltrimstr("index "))"') $(tail -n 1 "$T/.out" | jq -r .problems)"
	check_grep "...what amcheck found" 'lacks matching index tuple' "$T/.out"
	sql "REINDEX INDEX messages_from; DELETE FROM messages WHERE body = 'unindexed'"
	check_exit "...sound once it is rebuilt" 0 sms-store check -o json
	check_eq "...amcheck was there to check the indexes" 1 "$(sql "SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'")"
fi

# ---- backup -----------------------------------------------------------------------------
tables="messages events optouts consents templates kv autoresponders"
sum_of() { # the rows of every table, and the sum of their ids or keys' lengths
	local db=$1 t
	for t in $tables; do
		case $t in optouts | kv) sql -s "$db" "SELECT count(*) FROM $t" ;;
		*) sql -s "$db" "SELECT count(*), coalesce(sum(id), 0) FROM $t" ;; esac
	done | xargs
}
check_exit "backup" 0 sms-store backup "$T/copy.db" -o json
check_eq "...its size said" "$(stat -c %s "$T/copy.db")" "$(jq -r .bytes "$T/.out")"
check_eq "...mode 600" 600 "$(stat -c %a "$T/copy.db")"
check_eq "...an SQLite store, sound, at this build's schema version, a single file" "ok 8 delete" \
	"$(sqlite3 "$T/copy.db" "PRAGMA integrity_check; PRAGMA user_version; PRAGMA journal_mode" | xargs)"
check_eq "...every table's rows, ids kept" "$(sum_of "$SMS_DB")" "$(sum_of "$T/copy.db")"
check_eq "...a message as it was" "$(sql "SELECT id, status, to_number, body, created_at FROM messages WHERE body = 'to B'")" \
	"$(sqlite3 "$T/copy.db" "SELECT id, status, to_number, body, created_at FROM messages WHERE body = 'to B'")"
check_eq "...nothing left beside it" "copy.db" "$(cd "$T" && echo copy*)"
check_exit "...the copy is a store sms-store checks" 0 env SMS_DB="$T/copy.db" sms-store check -o json
check_eq "...and exports from as from the store" "$(sms-store export --number "$A" -o json)" \
	"$(SMS_DB="$T/copy.db" sms-store export --number "$A" -o json)"
if pg; then
	# Back into PostgreSQL: the copy moved into a new database by sms-store
	# migrate holds what the store held.
	back=$(new_store back)
	check_exit "the copy moved back into PostgreSQL by sms-store migrate" 0 env SMS_DB="$back" sms-store migrate "$T/copy.db" -o json
	check_eq "...every table's rows, ids kept" "$(sum_of "$SMS_DB")" "$(sum_of "$back")"
fi
check_exit "backup over an existing file: 73" 73 sms-store backup "$T/copy.db" -o json
check_eq "...exists" exists "$(jq -r .error.code "$T/.out")"
check_exit "backup --force replaces it" 0 sms-store backup --force "$T/copy.db" -o json
mkdir "$T/dir.db"
check_exit "backup --force onto a directory: 74" 74 sms-store backup --force "$T/dir.db" -o json

# Under load: sms-stage and sms-optout write one message or opt-out per
# process; each acknowledgement (exit 0 and its record) is noted. After a
# while those noted so far are taken, the backup runs, the writers go on a
# while more. Every row acknowledged before the backup is in the copy; the
# store has more than the copy by the end.
: >"$T/acked.stage" ; : >"$T/acked.optout"
(i=0; while [ ! -e "$T/stop" ]; do i=$((i + 1))
	id=$(sms-stage -o json --to "+1646555$(printf %04d "$i")" --body "load $i" | jq -r 'select(.ok) | .id') &&
		[ -n "$id" ] && echo "id $id ." >>"$T/acked.stage"
done) &
stage_pid=$!
(i=0; while [ ! -e "$T/stop" ]; do i=$((i + 1))
	n="+1718555$(printf %04d "$i")"
	sms-optout add -o json "$n" | jq -e 'select(.ok)' >/dev/null && echo "number $n ." >>"$T/acked.optout"
done) &
optout_pid=$!
for _ in $(seq 50); do [ "$(wc -l <"$T/acked.stage")" -ge 10 ] && [ "$(wc -l <"$T/acked.optout")" -ge 10 ] && break; sleep 0.2; done
sed -n 's/^id \([0-9]*\) \.$/\1/p' "$T/acked.stage" | sort >"$T/before.ids"
sed -n 's/^number \(+[0-9]*\) \.$/\1/p' "$T/acked.optout" | sort >"$T/before.numbers"
check_exit "backup while sms-stage and sms-optout write" 0 sms-store backup "$T/load.db" -o json
sleep 1
touch "$T/stop"
wait "$stage_pid" "$optout_pid"
check "...messages were acknowledged before it began ($(wc -l <"$T/before.ids"))" test -s "$T/before.ids"
check "...and opt-outs ($(wc -l <"$T/before.numbers"))" test -s "$T/before.numbers"
check_eq "...the copy is sound" ok "$(sqlite3 "$T/load.db" "PRAGMA integrity_check")"
check_eq "...every message acknowledged before it is in the copy" 0 \
	"$(comm -23 "$T/before.ids" <(sqlite3 "$T/load.db" "SELECT id FROM messages" | sort) | wc -l)"
check_eq "...every opt-out too" 0 \
	"$(comm -23 "$T/before.numbers" <(sqlite3 "$T/load.db" "SELECT number FROM optouts" | sort) | wc -l)"
check_eq "...one snapshot: each staged message in the copy with its event, each opt-out with its consent entry" "0 0" \
	"$(sqlite3 "$T/load.db" "SELECT count(*) FROM messages m WHERE body LIKE 'load %' AND NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = m.id)") $(sqlite3 "$T/load.db" "SELECT count(*) FROM optouts o WHERE number LIKE '+1718555%' AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.number = o.number)")"
check "...the writers went on: the store has more messages than the copy" \
	test "$(sql "SELECT count(*) FROM messages WHERE body LIKE 'load %'")" -gt "$(sqlite3 "$T/load.db" "SELECT count(*) FROM messages WHERE body LIKE 'load %'")"

done_testing
