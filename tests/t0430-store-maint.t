#!/usr/bin/env bash
# sms-store: backup (while sms-webhookd takes a wrk load), check, stats,
# export, erase (the opt-out kept and honoured by sms-send) and prune (never
# a message in flight), read back with sql. Export, erase, prune, check and
# stats run on either backend; what is about the SQLite file (a missing or
# empty file, a damaged copy, backup) only on SQLite: t0435 is PostgreSQL's.
. tests/lib.sh
. tests/webhook.sh

if [ "$SMSKIT_STORE" = sqlite ]; then
	need "the store maintenance tests" sqlite3 jq || { done_testing; exit; }
else
	need "the store maintenance tests" jq || { done_testing; exit; }
fi
q() { sql "$1"; }
# utc OFFSET: the time OFFSET from now (date -d), as the store writes times.
utc() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
schema_version() {
	if [ "$SMSKIT_STORE" = sqlite ]; then q 'PRAGMA user_version'
	else q "SELECT value FROM smskit_meta WHERE key = 'schema_version'"; fi
}
export SMS_QUIET_HOURS=off

# ---- usage and a missing store ------------------------------------------------------
check_exit "no verb is a usage error" 64 sms-store
check_exit "--help" 0 sms-store --help
check_grep "...lists the verbs" 'sms-store prune --older-than AGE' "$T/.out"
check_exit "--version" 0 sms-store --version
check_exit "export without --number is a usage error" 64 sms-store export
check_exit "--dry-run with backup is a usage error" 64 sms-store backup --dry-run "$T/x.db"
check_exit "backup without FILE is a usage error" 64 sms-store backup
if [ "$SMSKIT_STORE" = sqlite ]; then
	check_exit "a store that is not there: exit 66" 66 sms-store check
	check_grep "...said on stderr" 'No such file or directory (SMS_DB' "$T/.err"
	check "...and not made" test ! -e "$SMS_DB"
fi
check_exit "SMS_DB that is a URI with a password: 78, as for every program" 78 env SMS_DB=postgresql://u:secret@db.example/sms sms-store stats
check "...without the password" sh -c "! grep -q secret '$T/.err'"
if [ "$SMSKIT_STORE" = sqlite ]; then
	: >"$T/empty.db"
	check_exit "an empty file at SMS_DB: 78" 78 env SMS_DB="$T/empty.db" sms-store check
fi

# ---- the people: A (+12125550101) and B (+12125550102) ----------------------------------
A=+12125550101 B=+12125550102
export TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN
start_webhookd
for i in 1 2; do
	check_eq "A texts us ($i)" 200 "$(SMS_PROVIDER=twilio incoming "$WH_URL/sms/incoming" SMa$i "$A" "hello $i")"
done
check_eq "B texts us" 200 "$(SMS_PROVIDER=twilio incoming "$WH_URL/sms/incoming" SMb1 "$B" "from B")"
check_eq "A texts STOP" 200 "$(SMS_PROVIDER=twilio incoming "$WH_URL/sms/incoming" SMa3 "$A" "STOP")"
stop_webhookd
check_exit "we sent B a message (sandbox)" 0 env SMS_PROVIDER=sandbox sms-send -o json --to "$B" --body "to B"
# What else may name A: a part of a long message held (key/value) and a
# webhook notice of no message; the same for B, which must stay.
q "INSERT INTO kv (key, value, updated_at) VALUES
	('vonage.concat.12125550101.r1', '{\"1\":{\"text\":\"part\"}}', '2026-01-01T00:00:00Z'),
	('vonage.concat.12125550102.r2', '{}', '2026-01-01T00:00:00Z');
   INSERT INTO events (message_id, at, kind, detail) VALUES
	(NULL, '2026-01-01T00:00:00Z', 'webhook', '{\"msisdn\":\"12125550101\",\"outcome\":\"unknown message\"}'),
	(NULL, '2026-01-01T00:00:00Z', 'webhook', '{\"From\":\"+12125550102\",\"outcome\":\"unknown message\"}')"
# A on WhatsApp too: a message to A's WhatsApp address, and an opt-out there.
q "INSERT INTO messages (direction, status, to_number, from_number, body, created_at, updated_at)
	VALUES ('outbound', 'read', 'whatsapp:$A', 'whatsapp:+15550006666', 'on WhatsApp',
	        '$(utc '+1 second')', '$(utc '+1 second')');
   INSERT INTO events (message_id, at, kind, status) SELECT max(id), '2026-01-01T00:00:00Z', 'created', 'read' FROM messages;
   INSERT INTO optouts (number, at, source) VALUES ('whatsapp:$A', '2026-01-01T00:00:00Z', 'STOP')"
AA="(to_number IN ('$A', 'whatsapp:$A') OR from_number IN ('$A', 'whatsapp:$A'))"
a_msgs=$(q "SELECT count(*) FROM messages WHERE $AA")
a_events=$(q "SELECT count(*) FROM events WHERE message_id IN (SELECT id FROM messages WHERE $AA)")
check_eq "A has 4 messages in the store, one on WhatsApp" 4 "$a_msgs"

# ---- export ---------------------------------------------------------------------------
check_exit "export A, written as people write it" 0 sms-store export --number "(212) 555-0101" -o json
cp "$T/.out" "$T/export"
check_eq "...A's 4 messages, on both channels, oldest first" "hello 1|hello 2|STOP|on WhatsApp" \
	"$(jq -r 'select(.type == "message") | .body' "$T/export" | paste -sd'|')"
check_eq "...none of B's" 0 "$(grep -c "$B" "$T/export")"
check_eq "...the events of A's messages" "$a_events" "$(jq -r 'select(.type == "event" and .message_id != null) | .id' "$T/export" | wc -l)"
check_eq "...A's optout event and the notice naming A" "optout webhook" \
	"$(jq -r 'select(.type == "event" and .message_id == null) | .kind' "$T/export" | sort | xargs)"
check_eq "...the opt-outs, SMS and WhatsApp" "$A whatsapp:$A" "$(jq -r 'select(.type == "optout") | .number' "$T/export" | xargs)"
check_eq "...the key/value entry naming A" "vonage.concat.12125550101.r1" "$(jq -r 'select(.type == "kv") | .key' "$T/export")"
check_eq "...the consent log: A's STOP" "$A opt_out keyword STOP" "$(jq -r 'select(.type == "consent") | "\(.number) \(.kind) \(.source)"' "$T/export")"
check_eq "...every record ok" 0 "$(jq -c 'select(.ok != true)' "$T/export" | wc -l)"
check_eq "export of A's WhatsApp address gives the same" "$(cat "$T/export")" "$(sms-store export --number "whatsapp: +1 212 555 0101" -o json)"
check_exit "export of an invalid number: 65" 65 sms-store export --number "212-555 home" -o json
check_eq "...invalid_number" invalid_number "$(jq -r .error.code "$T/.out")"
check_eq "export with SMS_DEFAULT_COUNTRY=GB reads a national number as British (no data)" "" \
	"$(SMS_DEFAULT_COUNTRY=GB sms-store export --number "212 555 0101" -o json)"

# ---- erase ----------------------------------------------------------------------------
before=$(q "SELECT count(*) FROM messages") before_ev=$(q "SELECT count(*) FROM events")
check_exit "erase --dry-run" 0 sms-store erase --number "$A" --dry-run -o json
check_eq "...counts A's messages, their events, the notice, the kv entry" \
	"4 $a_events 1 1 true true" "$(jq -r '[.messages, .events, .other_events, .kv, .dry_run, .opted_out] | join(" ")' "$T/.out")"
check_eq "...and removes nothing" "$before $before_ev" "$(q "SELECT count(*) FROM messages") $(q "SELECT count(*) FROM events")"
check_exit "erase" 0 sms-store erase --number "$A" -o json
check_eq "...the same counts" "4 $a_events 1 1 false true" "$(jq -r '[.messages, .events, .other_events, .kv, .dry_run, .opted_out] | join(" ")' "$T/.out")"
check_eq "...A's messages gone, on both channels" 0 "$(q "SELECT count(*) FROM messages WHERE $AA")"
check_eq "...no event left of a message that is gone" 0 "$(q "SELECT count(*) FROM events WHERE message_id IS NOT NULL AND message_id NOT IN (SELECT id FROM messages)")"
check_eq "...the events removed are exactly A's" $((before_ev - a_events - 1)) "$(q "SELECT count(*) FROM events")"
check_eq "...the notice and kv entry naming A gone, B's kept" "0 1 0 1" \
	"$(q "SELECT count(*) FROM events WHERE detail LIKE '%12125550101%' AND kind = 'webhook'") $(q "SELECT count(*) FROM events WHERE detail LIKE '%12125550102%' AND message_id IS NULL") $(q "SELECT count(*) FROM kv WHERE key LIKE '%12125550101%'") $(q "SELECT count(*) FROM kv WHERE key LIKE '%12125550102%'")"
check_eq "...B's messages kept" 2 "$(q "SELECT count(*) FROM messages WHERE to_number = '$B' OR from_number = '$B'")"
check_eq "...the opt-outs kept" "$A whatsapp:$A" "$(q "SELECT number FROM optouts ORDER BY number" | xargs)"
check_eq "...and its optout event" 1 "$(q "SELECT count(*) FROM events WHERE kind = 'optout' AND detail LIKE '%$A%'")"
check_eq "...and the consent log, the proof of the opt-out" "opt_out|keyword STOP" "$(q "SELECT kind, source FROM consents WHERE number = '$A'")"
check_exit "sms-send still refuses A" 1 env SMS_PROVIDER=sandbox sms-send -o json --to "(212) 555-0101" --body "are you there?"
check_eq "...opted_out" opted_out "$(jq -r .error.code "$T/.out")"
check_exit "erase again: nothing left, exit 0" 0 sms-store erase --number "$A" -o json
check_eq "...zero counts" "0 0 0 0" "$(jq -r '[.messages, .events, .other_events, .kv] | join(" ")' "$T/.out")"
check_exit "erase as text" 0 sms-store erase --number "$A" -o text
check_grep "...one line" "^$A: 0 messages, .* still opted out$" "$T/.out"

# ---- prune ----------------------------------------------------------------------------
# One old message (400 days) of each outbound status, one received; and the same
# recent; each with a "created" event; an old webhook notice and an old optout event.
rows=
for age in '-400 days' '-10 days'; do
	for s in pending approved rejected sending queued scheduled sent delivered undelivered failed \
		canceled unknown received read; do
		dir=outbound; [ "$s" = received ] && dir=inbound
		rows+="${rows:+, }('$dir', '$s', '+13125550000', '+15550006666', 'prune $s $age', '$(utc "$age")', '$(utc "$age")')"
	done
done
q "INSERT INTO messages (direction, status, to_number, from_number, body, created_at, updated_at)
   VALUES $rows;
   INSERT INTO events (message_id, at, kind, status)
   SELECT id, created_at, 'created', status FROM messages WHERE body LIKE 'prune %';
   INSERT INTO events (message_id, at, kind, detail) VALUES
	(NULL, '$(utc '-400 days')', 'webhook', '{\"outcome\":\"old notice\"}'),
	(NULL, '$(utc '-400 days')', 'optout', '{\"number\":\"+13125550009\",\"source\":\"STOP\"}')"
msgs=$(q "SELECT count(*) FROM messages") evs=$(q "SELECT count(*) FROM events")
check_exit "prune --older-than 1y --dry-run" 0 sms-store prune --older-than 1y --dry-run -o json
check_eq "...9 old messages in final statuses, their 9 events, 1 notice; 5 in flight kept" "9 9 1 5" \
	"$(jq -r '[.messages, .events, .other_events, .kept_in_flight] | join(" ")' "$T/.out")"
check_eq "...removes nothing" "$msgs $evs" "$(q "SELECT count(*) FROM messages") $(q "SELECT count(*) FROM events")"
check_exit "prune --older-than 1y" 0 sms-store prune --older-than 1y -o json
check_eq "...the same counts" "9 9 1 5" "$(jq -r '[.messages, .events, .other_events, .kept_in_flight] | join(" ")' "$T/.out")"
check_eq "...the old ones left are the ones in flight" "approved pending queued scheduled sending" \
	"$(q "SELECT status FROM messages WHERE body LIKE 'prune %-400 days' ORDER BY status" | xargs)"
check_eq "...every recent one kept" 14 "$(q "SELECT count(*) FROM messages WHERE body LIKE 'prune %-10 days'")"
check_eq "...the old notice gone, the old optout event kept" "0 1" \
	"$(q "SELECT count(*) FROM events WHERE detail LIKE '%old notice%'") $(q "SELECT count(*) FROM events WHERE detail LIKE '%+13125550009%'")"
check_eq "...events removed: the 9 messages' and the notice" $((evs - 10)) "$(q "SELECT count(*) FROM events")"
check_exit "prune --older-than 12w removes the recent-enough rest? none older than 12 weeks" 0 sms-store prune --older-than 12w -o json
check_eq "...nothing" 0 "$(jq -r .messages "$T/.out")"
check_exit "prune --older-than 9d takes the 10-day-old final ones" 0 sms-store prune --older-than 9d -o json
check_eq "...9 of them" 9 "$(jq -r .messages "$T/.out")"
check_exit "--older-than that does not parse: 64" 64 sms-store prune --older-than soon -o json
check_eq "...invalid_field" invalid_field "$(jq -r .error.code "$T/.out")"

# ---- check and stats -------------------------------------------------------------------
check_exit "check a sound store" 0 sms-store check -o json
check_eq "...one summary record, ok, the store's schema version" "summary true 0 $(schema_version)" \
	"$(jq -r '[.check, .ok, .problems, .schema_version] | join(" ")' "$T/.out")"
check_exit "stats" 0 sms-store stats -o json
check_eq "...counts as the store has them" \
	"$(q "SELECT count(*) FROM messages") $(q "SELECT count(*) FROM events") $(q "SELECT count(*) FROM optouts") $(q "SELECT count(*) FROM kv")" \
	"$(jq -r '[.messages, .events, .optouts, .kv] | join(" ")' "$T/.out")"
check_eq "...by status" "$(q "SELECT count(*) FROM messages WHERE status = 'pending'") $(q "SELECT count(*) FROM messages WHERE status = 'received'")" \
	"$(jq -r '[.outbound.pending, .inbound.received] | join(" ")' "$T/.out")"
check_eq "...oldest" "$(q "SELECT min(created_at) FROM messages")" "$(jq -r .oldest "$T/.out")"
check_exit "stats as text" 0 sms-store stats -o text
check_grep "...names the schema version" "schema version $(schema_version)" "$T/.out"

# The rest is about the SQLite file: a damaged copy, a backup (t0435 is PostgreSQL's).
[ "$SMSKIT_STORE" = sqlite ] || { done_testing; exit; }
cp "$SMS_DB" "$T/broken.db"
sqlite3 "$T/broken.db" "PRAGMA foreign_keys = OFF; INSERT INTO events (message_id, at, kind) VALUES (999999, '2026-01-01T00:00:00Z', 'created')"
check_exit "check a store with an event of no such message: 65" 65 env SMS_DB="$T/broken.db" sms-store check -o json
check_eq "...a foreign_key record, then the summary" "foreign_key events store_corrupt" \
	"$(jq -r '.error.code' "$T/.out" | head -n 1) $(head -n 1 "$T/.out" | jq -r .table) $(tail -n 1 "$T/.out" | jq -r .error.code)"
cp "$SMS_DB" "$T/bad-index.db"
sqlite3 "$T/bad-index.db" "PRAGMA writable_schema = ON; UPDATE sqlite_master
	SET sql = replace(sql, '(to_number, created_at)', '(created_at, to_number)') WHERE name = 'messages_to'"
check_exit "check a store whose index does not match its table: 65" 65 env SMS_DB="$T/bad-index.db" sms-store check -o json
check_eq "...integrity_check records naming the index, then the summary" "integrity_check store_corrupt summary" \
	"$(head -n 1 "$T/.out" | jq -r '[.check, .error.code] | join(" ")') $(tail -n 1 "$T/.out" | jq -r .check)"
check_grep "...the index named" 'messages_to' "$T/.out"

# ---- backup ---------------------------------------------------------------------------
check_exit "backup" 0 sms-store backup "$T/copy.db" -o json
check_eq "...mode 600" 600 "$(stat -c %a "$T/copy.db")"
check_eq "...opens, sound, with every message" "ok $(q "SELECT count(*) FROM messages")" \
	"$(sqlite3 "$T/copy.db" "PRAGMA integrity_check") $(sqlite3 "$T/copy.db" "SELECT count(*) FROM messages")"
check_eq "...a single file: journal mode delete in its header, not WAL" "1 1" "$(od -An -j18 -N2 -tu1 "$T/copy.db" | xargs)"
check_exit "...usable as a store" 0 env SMS_DB="$T/copy.db" sms-store check -o json
check_exit "backup over an existing file: 73" 73 sms-store backup "$T/copy.db" -o json
check_eq "...exists" exists "$(jq -r .error.code "$T/.out")"
check_exit "backup --force replaces it" 0 sms-store backup --force "$T/copy.db" -o json
check_exit "backup onto the store itself, even with --force: 74" 74 sms-store backup --force "$SMS_DB" -o json
check_grep "...said" 'the store itself' "$T/.out"
ln "$SMS_DB" "$T/link.db"
check_exit "...nor onto another name of it (a hard link): 74" 74 sms-store backup --force "$T/link.db" -o json
check_eq "...the store untouched" ok "$(q "PRAGMA integrity_check")"

# Under load: wrk posts signed inbound messages for 8 s; after 3 s the ids
# acknowledged so far are noted, then the backup runs. Every one of them is in
# the copy; the store has more by the end than the copy has.
if need "backup under a webhook load" wrk; then
	start_webhookd
	mkdir -p "$T/acked"
	SMS_PROVIDER=twilio WH_TOKEN=$WEBHOOK_TOKEN WH_PREFIX=SMbk WH_ACKED="$T/acked" \
		wrk -t2 -c16 -d8s --timeout 10s -s tests/wrk/signed-inbound.lua "$WH_URL/sms/incoming" >"$T/wrk.out" 2>&1 &
	wrk_pid=$!
	sleep 3
	cat "$T"/acked/acked.* 2>/dev/null | grep -E '^[0-9]+$' | sort >"$T/before.ids"
	check_exit "backup while the daemon takes the load" 0 sms-store backup "$T/load.db" -o json
	wait "$wrk_pid"
	stop_webhookd
	check "...messages were acknowledged before it began ($(wc -l <"$T/before.ids"))" test -s "$T/before.ids"
	check_eq "...the copy opens and is sound" ok "$(sqlite3 "$T/load.db" "PRAGMA integrity_check")"
	sqlite3 "$T/load.db" "SELECT id FROM messages ORDER BY id" >"$T/copy.ids"
	check_eq "...every message acknowledged before the backup began is in it" 0 \
		"$(comm -23 "$T/before.ids" <(sort "$T/copy.ids") | wc -l)"
	check "...the daemon went on writing: the store has more than the copy" \
		test "$(q "SELECT count(*) FROM messages")" -gt "$(wc -l <"$T/copy.ids")"
	check_eq "...and nothing failed (no 5xx)" 0 "$(sed -n 's/^responses: .* 5xx \([0-9]*\) .*/\1/p' "$T/wrk.out")"
fi

done_testing
