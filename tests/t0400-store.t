#!/usr/bin/env bash
# The store (common/store/store_*.c through tests/tools/store-tool): a new file's mode,
# pragmas, tables and indexes; foreign keys; migration from a hand-built
# version 1 and from version 3; refusal of newer, foreign and non-SQLite files; concurrent
# writers; a status never moving backwards; opt-outs. Read back with sql, on
# either backend; what is the SQLite file's own (its mode, pragmas, WAL,
# migrations from older files) only on SQLite, with PostgreSQL's counterpart
# (smskit_meta, its plans, a database holding other tables) beside it.
. tests/lib.sh

if [ "$SMSKIT_STORE" = sqlite ]; then
	need "the store tests" sqlite3 || { done_testing; exit; }
fi

q() { sql "$@"; }
words() { paste -sd' ' -; } # rows as one line of words
# refused [-s STORE] SQL: the store's own client refuses SQL (exit codes vary).
refused() { ! sql "$@" >/dev/null 2>&1; }
# The schema version the store records: user_version, or smskit_meta on PostgreSQL.
schema_version() {
	if [ "$SMSKIT_STORE" = sqlite ]; then sql -s "${1:-$SMS_DB}" 'PRAGMA user_version'
	else sql -s "${1:-$SMS_DB}" "SELECT value FROM smskit_meta WHERE key = 'schema_version'"; fi
}
# A table's columns in order, one per line (generated ones too).
columns() {
	if [ "$SMSKIT_STORE" = sqlite ]; then q "SELECT name FROM pragma_table_xinfo('$1')"
	else q "SELECT column_name FROM information_schema.columns
	        WHERE table_schema = current_schema() AND table_name = '$1' ORDER BY ordinal_position"; fi
}
current=$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$SMSKIT_SRC/common/store/store.h")

# ---- a new store ------------------------------------------------------------
[ "$SMSKIT_STORE" = sqlite ] && export SMS_DB="$T/data/sms/sms.db"
main_db=$SMS_DB
check "open creates the store and its directories" store-tool open
check_eq "open reports the current schema version" "$current" "$(cat "$T/.out")"
if [ "$SMSKIT_STORE" = sqlite ]; then
	check_eq "the store file is private (0600)" 600 "$(stat -c %a "$SMS_DB")"
	check_eq "created parent directories are 0700" "700 700" \
		"$(stat -c %a "$T/data" "$T/data/sms" | tr '\n' ' ' | sed 's/ $//')"
	check_eq "journal_mode is wal" wal "$(q 'PRAGMA journal_mode')"
	check_eq "user_version is the current schema version" "$current" "$(q 'PRAGMA user_version')"
	check_eq "application_id marks an smskit store" 1397576523 "$(q 'PRAGMA application_id')"
	tables="SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	indexes="SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name"
else
	check_eq "smskit_meta marks an smskit store at the current schema version" "application|smskit schema_version|$current" \
		"$(q "SELECT key, value FROM smskit_meta ORDER BY key" | words)"
	# smskit_meta and smskit_version are PostgreSQL's own (user_version,
	# application_id, data_version); the primary keys' indexes SQLite's autoindexes.
	tables="SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
	        AND tablename NOT LIKE 'smskit_%' ORDER BY tablename"
	indexes="SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
	         AND indexname NOT LIKE '%_pkey' ORDER BY indexname"
fi
check_eq "every table of sms-config(5) exists" "autoresponders consents events kv messages optouts templates" \
	"$(q "$tables" | words)"
check_eq "the indexes exist" \
	"autoresponders_name consents_number events_message messages_from messages_inbox messages_provider_id messages_queue messages_reply_to messages_spend messages_state messages_to templates_name" \
	"$(q "$indexes" | words)"
check_eq "messages has every column" \
	"id direction status to_number from_number body media encoding segments price_estimate price currency provider provider_id priority priority_rank notes ref reply_to read replied created_at updated_at send_at sent_at delivered_at reviewed_by reviewed_at review_reason reason error_code error_message error_retryable provider_code warnings claimed_by claimed_at requested_at channel content_sid content_variables profile_name wa_id button_payload button_text latitude longitude read_at purpose tag state" \
	"$(columns messages | words)"
check_eq "events columns" "id message_id at kind status detail" "$(columns events | words)"
check_eq "autoresponders columns" \
	"id trigger response enabled active_hours created_at last_triggered_at trigger_count name after within match ends" \
	"$(columns autoresponders | words)"
check_eq "templates columns" "id name body created_at updated_at content_sid template_category" \
	"$(columns templates | words)"
check_eq "optouts columns" "number at source" "$(columns optouts | words)"
check_eq "kv columns" "key value updated_at" "$(columns kv | words)"
check_eq "consents columns (version 6)" "id number at kind source evidence recorded_at" \
	"$(columns consents | words)"
# A refused INSERT still takes an id on PostgreSQL (a sequence is not rolled
# back), so the constraints are tried on a scratch store: the messages of the
# main store keep the ids the checks below name.
scratch=$(new_store scratch) || exit 1
SMS_DB=$scratch store-tool open >/dev/null
check "the consents log is append-only" refused -s "$scratch" \
	"INSERT INTO consents (number, at, kind, source, evidence, recorded_at) VALUES ('+15550001111', '2026-01-02T03:04:05Z', 'opt_in', 'web', 'form', '2026-01-02T03:04:05Z'); UPDATE consents SET evidence = 'forged'"
check "... an opt-in without evidence is refused" refused -s "$scratch" \
	"INSERT INTO consents (number, at, kind, source, recorded_at) VALUES ('+15550001111', '2026-01-02T03:04:05Z', 'opt_in', 'web', '2026-01-02T03:04:05Z')"
check "... and a purpose other than marketing or transactional" refused -s "$scratch" \
	"INSERT INTO messages (direction, status, to_number, created_at, updated_at, purpose) VALUES ('outbound', 'pending', '+15551234567', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z', 'spam')"
check "a tag of version 8 is a short name: a space is refused" refused -s "$scratch" \
	"INSERT INTO messages (direction, status, to_number, created_at, updated_at, tag) VALUES ('outbound', 'pending', '+15551234567', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z', 'a survey')"
check "... and two rules of one name are refused" refused -s "$scratch" \
	"INSERT INTO autoresponders (trigger, response, created_at, name) VALUES ('A', 'x', '2026-01-02T03:04:05Z', 'menu'), ('B', 'y', '2026-01-02T03:04:05Z', 'menu')"
check "opening again changes nothing" store-tool version
check_eq "... at the current version" "$current" "$(cat "$T/.out")"
if [ "$SMSKIT_STORE" = sqlite ]; then
	check "no -wal or -shm file is left after close" test ! -e "$SMS_DB-wal" -a ! -e "$SMS_DB-shm"
fi

# The queries later programs make are served by the indexes. On PostgreSQL a
# table this small is read whole; with sequential scans priced out of reach,
# the plan shows the index it would walk at scale.
if [ "$SMSKIT_STORE" = sqlite ]; then
	plan() { q "EXPLAIN QUERY PLAN $1" | tr '\n' ' '; }
	sorts() { case $(plan "$1") in *"TEMP B-TREE"*) return 0 ;; esac; return 1; }
else
	plan() { printf 'SET enable_seqscan = off;\nEXPLAIN %s;\n' "$1" | q | tr '\n' ' '; }
	sorts() { case $(plan "$1") in *"Sort"*) return 0 ;; esac; return 1; }
fi
uses_index() { # INDEX QUERY
	local p; p=$(plan "$2")
	case "$p" in *"INDEX $1 "* | *" using $1 "* | *" on $1 "*) return 0 ;; esac
	echo "plan: $p" >&2; return 1
}
queue="SELECT id FROM messages WHERE status = 'approved' ORDER BY priority_rank DESC, created_at, id"
check "the approved queue walks messages_queue" uses_index messages_queue "$queue"
check "... and needs no sort" test ! "$(sorts "$queue" && echo sorts)"
check "the unread inbox uses messages_inbox" uses_index messages_inbox \
	"SELECT id FROM messages WHERE direction = 'inbound' AND read = 0 ORDER BY created_at DESC"
check "a thread uses messages_to" uses_index messages_to \
	"SELECT id FROM messages WHERE to_number = '+15551234567' OR from_number = '+15551234567'"
check "a thread uses messages_from" uses_index messages_from \
	"SELECT id FROM messages WHERE to_number = '+15551234567' OR from_number = '+15551234567'"
check "a provider id is looked up by index" uses_index messages_provider_id \
	"SELECT id FROM messages WHERE provider = 'twilio' AND provider_id = 'SM1'"

# ---- messages ---------------------------------------------------------------
check "an outbound message is stored" store-tool msg-insert \
	'{"to":"+15551234567","from":"+15557654321","body":"Your table is ready","media":["https://example.com/a.jpg"],"priority":"high","notes":"VIP","send_at":"2026-11-25T15:00:00.250+01:00","ref":"order-7","price_estimate":"0.0220","currency":"USD","warnings":["inside quiet hours: deferred to 08:00"],"line":3,"ok":true,"custom":1}'
check_eq "it gets id 1" '{"id":1,"existing":false}' "$(cat "$T/.out")"
check_eq "columns hold the record, times in UTC Z" \
	'outbound|pending|+15551234567|+15557654321|["https://example.com/a.jpg"]|high|2|2026-11-25T14:00:00Z|0.0220|order-7' \
	"$(q "SELECT direction, status, to_number, from_number, media, priority, priority_rank,
	      send_at, price_estimate, ref FROM messages WHERE id = 1")"
check_eq "created_at and updated_at are RFC 3339 UTC" 1 \
	"$(q "SELECT CASE WHEN created_at LIKE '20__-%T%Z' AND created_at = updated_at THEN 1 ELSE 0 END
	      FROM messages WHERE id = 1")"
store-tool msg-get 1 >"$T/m1.json"
check_eq "msg-get gives the message record" \
	'1 outbound pending +15551234567 Your table is ready ["https://example.com/a.jpg"] false false null null ["inside quiet hours: deferred to 08:00"] high 0.0220' \
	"$(jq -r '[.id, .direction, .status, .to, .body, (.media|tojson), .read, .replied, .reply_to, .error, (.warnings|tojson), .priority, .price_estimate] | map(tostring) | join(" ")' "$T/m1.json")"
check_eq "every field of the message record is present" \
	'body channel created_at currency delivered_at direction encoding error from id media notes price price_estimate priority provider provider_id read reason ref replied reply_to review_reason reviewed_at reviewed_by segments send_at sent_at status to updated_at warnings' \
	"$(jq -r 'keys | join(" ")' "$T/m1.json")"
check_eq "a created event was appended" "1|created|pending" \
	"$(q "SELECT message_id, kind, status FROM events WHERE message_id = 1")"

check_exit "money as a float is refused" 1 store-tool msg-insert '{"to":"+15551234567","price":0.0079}'
check_grep "... saying why" "price: must be a decimal string" "$T/.err"
check_exit "an unknown priority is refused" 1 store-tool msg-insert '{"to":"+15551234567","priority":"asap"}'
check_exit "an impossible date is refused" 1 store-tool msg-insert '{"to":"+15551234567","send_at":"2026-02-30T10:00:00Z"}'
check_exit "an outbound message cannot be received" 1 store-tool msg-insert '{"to":"+15551234567","status":"received"}'
check_exit "a message needs to" 1 store-tool msg-insert '{"body":"x"}'
check_eq "bad records stored nothing" 1 "$(q 'SELECT count(*) FROM messages')"
check "the CHECK constraints guard the store's own client (sqlite3, psql) too" \
	refused -s "$scratch" "INSERT INTO messages (direction, status, to_number, created_at, updated_at)
	   VALUES ('outbound', 'bogus', '+1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"

# Inbound storage is idempotent on the provider's id (webhook retries).
in='{"direction":"inbound","to":"+15557654321","from":"+15551234567","body":"HOURS?","provider":"twilio","provider_id":"SMin1"}'
check "an inbound message is stored" store-tool msg-insert "$in"
check_eq "... as received" '{"id":2,"existing":false}' "$(cat "$T/.out")"
check "the same provider id again" store-tool msg-insert "$in"
check_eq "... is acknowledged, not duplicated" '{"id":2,"existing":true}' "$(cat "$T/.out")"
check_eq "one row for it" 1 "$(q "SELECT count(*) FROM messages WHERE provider_id = 'SMin1'")"
check "it is found by provider id" store-tool msg-find twilio SMin1
check_eq "... as message 2" 2 "$(cat "$T/.out")"
check_exit "an unknown provider id is not found" 3 store-tool msg-find twilio SMnope
check_eq "inbound status is received" received "$(q 'SELECT status FROM messages WHERE id = 2')"

# ---- foreign keys -------------------------------------------------------------
check "a reply linked to message 2 is stored" store-tool msg-insert \
	'{"to":"+15551234567","from":"+15557654321","body":"9-5","reply_to":2}'
check_eq "... with reply_to 2" 2 "$(q 'SELECT reply_to FROM messages WHERE id = 3')"
check_exit "a reply to a missing message is refused" 1 store-tool msg-insert '{"to":"+15551234567","reply_to":999}'
check_grep "... naming it" "reply_to 999: no such message" "$T/.err"
check_exit "an event for a missing message is refused" 1 store-tool event-append 999 webhook
check_grep "... naming it" "message 999: no such message" "$T/.err"
check "an event without a message is fine" store-tool event-append 0 webhook received '{"MessageSid":"SMx"}'
check_eq "... and keeps its detail" '{"MessageSid":"SMx"}' \
	"$(q "SELECT detail FROM events WHERE kind = 'webhook' AND message_id IS NULL")"
check "events are append-only" refused "UPDATE events SET kind = 'x' WHERE id = 1"

# ---- the lifecycle: never backwards -----------------------------------------
check_exit "pending cannot skip review to sending" 5 store-tool msg-status 1 sending
check "pending -> approved" store-tool msg-status 1 approved '{"reviewed_by":"ann"}'
check_eq "the reviewer and review time are kept" "ann|1" \
	"$(q 'SELECT reviewed_by, CASE WHEN reviewed_at IS NOT NULL THEN 1 ELSE 0 END FROM messages WHERE id = 1')"
check "approved -> sending, claimed" store-tool msg-status 1 sending '{"claimed_by":"host:42"}'
check_exit "a second claim is refused" 5 store-tool msg-status 1 sending '{"claimed_by":"host:43"}'
check_eq "the claim is recorded" "host:42|1" \
	"$(q 'SELECT claimed_by, CASE WHEN claimed_at IS NOT NULL THEN 1 ELSE 0 END FROM messages WHERE id = 1')"
check "sending -> queued with the provider id" store-tool msg-status 1 queued '{"provider":"twilio","provider_id":"SMout1"}'
check_eq "sent_at is set when the provider takes it" 1 "$(q 'SELECT CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END FROM messages WHERE id = 1')"
check "queued -> delivered" store-tool msg-status 1 delivered '{"price":"-0.02200","currency":"USD"}' '{"MessageStatus":"delivered"}'
check_exit "a late sent does not overwrite delivered" 5 store-tool msg-status 1 sent
check_grep "... saying so" "cannot move from delivered to sent" "$T/.err"
check_exit "nor does a late failed" 5 store-tool msg-status 1 failed
check_eq "the message is still delivered" "delivered|-0.02200|1" \
	"$(q 'SELECT status, price, CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END FROM messages WHERE id = 1')"
check "delivered again may add fields" store-tool msg-status 1 delivered '{"segments":1}'
check_exit "a status update cannot change the body" 1 store-tool msg-status 1 delivered '{"body":"x"}'
check_exit "an inbound message has no outbound status" 5 store-tool msg-status 2 sent
check_exit "an unknown id is not found" 3 store-tool msg-status 999 approved
check_exit "a status that does not exist is an error" 1 store-tool msg-status 1 lost
check_eq "each status change is one event with the previous status" \
	"approved:pending sending:approved queued:sending delivered:queued delivered:delivered" \
	"$(q "SELECT status, detail FROM events WHERE message_id = 1 AND kind = 'status' ORDER BY id" |
	   while IFS='|' read -r st detail; do echo "$st:$(jq -r .previous <<<"$detail")"; done | words)"
check_eq "the callback's detail is kept in the event" delivered \
	"$(q "SELECT detail FROM events WHERE message_id = 1 AND kind = 'status' AND status = 'delivered' ORDER BY id LIMIT 1" |
	   jq -r .MessageStatus)"
while read -r from to want; do
	check_exit "lifecycle: $from -> $to $([ "$want" = 0 ] && echo allowed || echo refused)" \
		"$want" store-tool can-move "$from" "$to"
done <<'MOVES'
sent delivered 0
undelivered delivered 0
delivered undelivered 5
sent queued 5
rejected approved 5
canceled sending 5
unknown approved 0
sending unknown 0
scheduled queued 0
sending sending 5
failed sent 5
received received 0
MOVES
check "a failure keeps its error" store-tool msg-insert '{"to":"+15551234567","status":"sending"}'
failed_id=$(jq -r .id "$T/.out")
check "sending -> failed with an error" store-tool msg-status "$failed_id" failed '{"error":{"code":"carrier_rejected","message":"filtered","provider_code":30007,"retryable":false},"reason":"carrier rejected: 30007 filtered"}'
check_eq "the error object comes back" '{"code":"carrier_rejected","message":"filtered","provider_code":30007,"retryable":false}|carrier rejected: 30007 filtered' \
	"$(store-tool msg-get "$failed_id" | jq -c -j '.error, "|", .reason')"

# ---- spend -----------------------------------------------------------------------
# Counted: claimed, queued ... delivered, unknown; at sent_at, else claimed_at,
# else created_at; the provider's price (absolute) when known, else the estimate.
export SMS_TEST_NOW=2030-01-02T10:00:00Z
ins() { store-tool msg-insert "$1" | jq -r .id; }
a=$(ins '{"to":"+15551234567","status":"sending","price_estimate":"0.0083"}')
b=$(ins '{"to":"+15551234567","status":"sending","price_estimate":"0.0166"}')
ins '{"to":"+15551234567","status":"pending","price_estimate":"1.00"}' >/dev/null
c=$(ins '{"to":"+15551234567","status":"sending","price_estimate":"5.00"}')
check_eq "messages carry the test clock" "2030-01-02T10:00:00Z" "$(q "SELECT created_at FROM messages WHERE id = $a")"
store-tool msg-status "$b" delivered '{"price":"-0.01660"}' >/dev/null
store-tool msg-status "$c" failed >/dev/null
check "spend since today's start" store-tool spend-since 2030-01-02T00:00:00Z
check_eq "... counts claimed and delivered messages, not staged or failed ones" 24900 "$(cat "$T/.out")"
check_eq "spend since tomorrow is nothing" 0 "$(store-tool spend-since 2030-01-03T00:00:00+00:00)"
check_exit "spend since a non-time is an error" 1 store-tool spend-since yesterday
unset SMS_TEST_NOW
spend_q="SELECT count(*) FROM messages WHERE direction = 'outbound' AND status IN ('sending', 'queued', 'scheduled', 'sent', 'delivered', 'undelivered', 'unknown', 'read') AND coalesce(sent_at, claimed_at, created_at) >= '2030-01-01T00:00:00Z'"
if [ "$SMSKIT_STORE" = sqlite ]; then
	check "spend is summed through messages_spend" uses_index messages_spend \
		"${spend_q/FROM messages/FROM messages INDEXED BY messages_spend}"
	check_eq "... a partial index on the statuses that count" 1 \
		"$(q "SELECT sql LIKE '%WHERE direction = ''outbound'' AND status IN (%' FROM sqlite_master WHERE name = 'messages_spend'")"
else
	check "spend is summed through messages_spend" uses_index messages_spend "$spend_q"
	check_eq "... a partial index on the statuses that count" 1 \
		"$(q "SELECT CASE WHEN indexdef LIKE '%WHERE ((direction = ''outbound''::text) AND (status = ANY (%' THEN 1 ELSE 0 END
		      FROM pg_indexes WHERE indexname = 'messages_spend'")"
fi

# ---- opt-outs ------------------------------------------------------------------
check_exit "a number is not opted out at first" 3 store-tool optout-check +15551230000
check "STOP opts a number out" store-tool optout-add +15551230000 STOP
check "... and it is opted out" store-tool optout-check +15551230000
check_eq "the row says when and how" "+15551230000|STOP|1" \
	"$(q "SELECT number, source, CASE WHEN at LIKE '20%Z' THEN 1 ELSE 0 END FROM optouts")"
check_exit "a second STOP changes nothing" 4 store-tool optout-add +15551230000 STOPALL
check_eq "... the first opt-out is kept" STOP "$(q "SELECT source FROM optouts")"
check "the list shows it" store-tool optout-list
check_eq "... as NDJSON" "+15551230000 STOP" "$(jq -r '.number + " " + .source' "$T/.out")"
check "START opts it back in" store-tool optout-remove +15551230000 START
check_exit "... and it is not opted out" 3 store-tool optout-check +15551230000
check_exit "removing it again: not found" 3 store-tool optout-remove +15551230000
check_eq "opt-out and opt-in are in the events" "optout:STOP optin:START" \
	"$(q "SELECT kind, detail FROM events WHERE kind IN ('optout', 'optin') ORDER BY id" |
	   while IFS='|' read -r kind detail; do echo "$kind:$(jq -r .source <<<"$detail")"; done | words)"
check_exit "a national-format number is refused (normalise first)" 1 store-tool optout-add 5551230000
check "the store's own client (sqlite3, psql) cannot add one either" refused "INSERT INTO optouts VALUES ('555', '2026-01-01T00:00:00Z', 'x')"

# ---- kv ----------------------------------------------------------------------------
check "a cursor is set" store-tool kv-set inbox.fetched 2026-11-25T14:00:00Z
check "... and read back" store-tool kv-get inbox.fetched
check_eq "... unchanged" 2026-11-25T14:00:00Z "$(cat "$T/.out")"
check "... and deleted" store-tool kv-set inbox.fetched
check_exit "... then unset" 3 store-tool kv-get inbox.fetched

# ---- two processes at once ---------------------------------------------------
store-tool hold 2 "$T/held" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do [ -e "$T/held" ] && break; sleep 0.05; done
# SQLite has one writer at a time: any write waits. On PostgreSQL rows lock
# alone, and the write lock (an advisory lock) is store_begin_immediate's:
# another transaction that takes it waits.
if [ "$SMSKIT_STORE" = sqlite ]; then writer=(store-tool optout-add +15559990000 manual)
else writer=(store-tool hold 0 "$T/held2"); fi
start=$(date +%s%N)
check "a writer waits for another process's write lock (busy timeout)" "${writer[@]}"
waited=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$holder"; hrc=$?
check_eq "the holder committed as well" "0 held" "$hrc $(q "SELECT value FROM kv WHERE key = 'store-tool.hold'")"
check "... and the writer really waited (${waited} ms)" test "$waited" -ge 500

store-tool optout-bulk +1555100 150 >"$T/w1.out" 2>&1 &
w1=$!
store-tool -n optout-bulk +1555200 150 >"$T/w2.out" 2>&1 &
w2=$!
wait "$w1"; r1=$?
wait "$w2"; r2=$?
check_eq "two writers at once both succeed" "0 0" "$r1 $r2"
check_eq "... and every row of both is there" 300 "$(q "SELECT count(*) FROM optouts WHERE source = 'bulk'")"

claim=$(store-tool msg-insert '{"to":"+15551234567","status":"approved"}' | jq -r .id)
claimers=()
for i in 1 2 3 4 5 6; do
	store-tool msg-status "$claim" sending "{\"claimed_by\":\"sender-$i\"}" >/dev/null 2>&1 &
	claimers+=($!)
done
won=0 lost=0
for p in "${claimers[@]}"; do
	if wait "$p"; then won=$((won + 1)); else lost=$((lost + 1)); fi
done
check_eq "six senders claim one message at once: exactly one wins" "1 5" "$won $lost"
check_eq "... and one claim event is logged" 1 \
	"$(q "SELECT count(*) FROM events WHERE message_id = $claim AND status = 'sending'")"

mkdir "$T/race"
race_db=$(new_store race)
[ "$SMSKIT_STORE" = sqlite ] && race_db=$T/race/sms.db
openers=()
for i in 1 2 3 4; do
	SMS_DB="$race_db" store-tool open >"$T/race/$i.out" 2>&1 &
	openers+=($!)
done
racers=0
for p in "${openers[@]}"; do wait "$p" || racers=$((racers + 1)); done
check_eq "four processes creating one store at once all succeed" 0 "$racers"
check_eq "... and it is migrated once" "$current" "$(schema_version "$race_db")"

# ---- migration from version 1 -----------------------------------------------
# The SQLite file's own history: migrations from hand-built older files.
if [ "$SMSKIT_STORE" = sqlite ]; then
	# Version 1 exactly as migration 1 of common/store/store_schema.c writes it, built by hand.
	export SMS_DB="$T/v1.db"
	sqlite3 -batch "$SMS_DB" <<'V1'
PRAGMA application_id = 1397576523;
CREATE TABLE messages (
  id              INTEGER PRIMARY KEY,
  direction       TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),
  status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected',
                  'sending', 'queued', 'scheduled', 'sent', 'delivered', 'undelivered',
                  'failed', 'canceled', 'unknown', 'received')),
  to_number       TEXT NOT NULL CHECK (to_number <> ''),
  from_number     TEXT,
  body            TEXT NOT NULL DEFAULT '',
  media           TEXT,
  encoding        TEXT CHECK (encoding IN ('GSM-7', 'UCS-2')),
  segments        INTEGER CHECK (segments >= 0),
  price_estimate  TEXT,
  price           TEXT,
  currency        TEXT,
  provider        TEXT,
  provider_id     TEXT CHECK (provider_id IS NULL OR provider IS NOT NULL),
  priority        TEXT NOT NULL DEFAULT 'normal'
                  CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
  priority_rank   INTEGER GENERATED ALWAYS AS (CASE priority WHEN 'urgent' THEN 3
                  WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END) VIRTUAL,
  notes           TEXT,
  ref             TEXT,
  reply_to        INTEGER REFERENCES messages (id) ON DELETE SET NULL,
  read            INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
  replied         INTEGER NOT NULL DEFAULT 0 CHECK (replied IN (0, 1)),
  created_at      TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  updated_at      TEXT NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  send_at         TEXT CHECK (send_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  sent_at         TEXT CHECK (sent_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  delivered_at    TEXT CHECK (delivered_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  reviewed_by     TEXT,
  reviewed_at     TEXT CHECK (reviewed_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  review_reason   TEXT,
  reason          TEXT,
  error_code      TEXT,
  error_message   TEXT,
  error_retryable INTEGER CHECK (error_retryable IN (0, 1)),
  provider_code   NUMERIC,
  warnings        TEXT
);
CREATE UNIQUE INDEX messages_provider_id ON messages (provider, provider_id);
CREATE INDEX messages_inbox ON messages (direction, read, created_at);
CREATE INDEX messages_to ON messages (to_number, created_at);
CREATE INDEX messages_from ON messages (from_number, created_at);
CREATE INDEX messages_queue ON messages (status, priority_rank DESC, created_at);
CREATE INDEX messages_reply_to ON messages (reply_to);
CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  message_id  INTEGER REFERENCES messages (id) ON DELETE CASCADE,
  at          TEXT NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  kind        TEXT NOT NULL CHECK (kind <> ''),
  status      TEXT,
  detail      TEXT
);
CREATE INDEX events_message ON events (message_id, id);
CREATE TRIGGER events_append_only BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE autoresponders (
  id                INTEGER PRIMARY KEY,
  trigger           TEXT NOT NULL CHECK (trigger <> ''),
  response          TEXT NOT NULL,
  enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  active_hours      TEXT,
  created_at        TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  last_triggered_at TEXT CHECK (last_triggered_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  trigger_count     INTEGER NOT NULL DEFAULT 0 CHECK (trigger_count >= 0)
);
CREATE TABLE templates (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL CHECK (name <> ''),
  body        TEXT NOT NULL,
  created_at  TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  updated_at  TEXT NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z')
);
CREATE UNIQUE INDEX templates_name ON templates (name);
CREATE TABLE optouts (
  number  TEXT PRIMARY KEY CHECK (number GLOB '+[1-9]*' AND length(number) <= 16
          AND substr(number, 2) NOT GLOB '*[^0-9]*'),
  at      TEXT NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
  source  TEXT NOT NULL
);
INSERT INTO messages (direction, status, to_number, from_number, body, priority, created_at, updated_at)
VALUES ('outbound', 'pending', '+15551234567', '+15557654321', 'from v1', 'urgent',
        '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z');
INSERT INTO events (message_id, at, kind, status) VALUES (1, '2026-01-02T03:04:05Z', 'created', 'pending');
INSERT INTO messages (direction, status, to_number, body, price_estimate, price, created_at, updated_at, sent_at)
VALUES ('outbound', 'delivered', '+15551234567', 'sent', '0.0083', '-0.00790',
        '2026-01-02T03:05:00Z', '2026-01-02T03:06:00Z', '2026-01-02T03:06:00Z'),
       ('outbound', 'failed', '+15551234567', 'failed', '1.00', NULL,
        '2026-01-02T03:05:00Z', '2026-01-02T03:06:00Z', NULL);
INSERT INTO optouts VALUES ('+15550001111', '2026-01-02T03:04:05Z', 'STOP');
PRAGMA user_version = 1;
V1
	check_eq "the fixture is a version 1 store" 1 "$(q 'PRAGMA user_version')"
	check "opening a version 1 store migrates it" store-tool version
	check_eq "... to the current version" "$current" "$(q 'PRAGMA user_version')"
	check_eq "... adding the kv table" kv "$(q "SELECT name FROM sqlite_master WHERE name = 'kv'")"
	check_eq "... and the claim columns" "claimed_by claimed_at" \
		"$(q "SELECT group_concat(name, ' ') FROM pragma_table_info('messages') WHERE name LIKE 'claimed%'")"
	check_eq "... keeping the data" "from v1|urgent|3|+15550001111" \
		"$(q "SELECT body, priority, priority_rank, (SELECT number FROM optouts) FROM messages WHERE id = 1")"
	check_eq "... rebuilding the spend index" 1 \
		"$(q "SELECT sql LIKE '%WHERE direction = ''outbound'' AND status IN (%' FROM sqlite_master WHERE name = 'messages_spend'")"
	check "... which the spend query uses" uses_index messages_spend \
		"${spend_q/FROM messages/FROM messages INDEXED BY messages_spend}"
	check "... and which holds the messages sent before" store-tool spend-since 2026-01-02T00:00:00Z
	check_eq "... their spend counted, the failed one's not" 7900 "$(cat "$T/.out")"
	check_eq "... keeping the events of the rebuilt messages table (version 5)" 1 \
		"$(q "SELECT count(*) FROM events WHERE message_id = 1")"
	check_eq "... each message on the sms channel" "sms" \
		"$(q "SELECT group_concat(DISTINCT channel) FROM messages")"
	check_eq "... the foreign keys intact" "" "$(q "PRAGMA foreign_key_check")"
	check_eq "... a WhatsApp address on the whatsapp channel" "whatsapp" \
		"$(q "INSERT INTO messages (direction, status, to_number, created_at, updated_at) VALUES ('outbound', 'read', 'whatsapp:+15551234567', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z') RETURNING channel")"
	check_eq "... an opt-out per channel and number" "+15550001111 whatsapp:+15550001111" \
		"$(q "INSERT INTO optouts VALUES ('whatsapp:+15550001111', '2026-01-02T03:04:05Z', 'STOP'); SELECT group_concat(number, ' ') FROM (SELECT number FROM optouts ORDER BY number)")"
	check_eq "... its opt-outs the first rows of the consents log (version 6)" "+15550001111|2026-01-02T03:04:05Z|opt_out|STOP" \
		"$(q "SELECT number, at, kind, source FROM consents ORDER BY id LIMIT 1")"
	check_exit "... and no other prefix (CHECK constraint failed: 19)" 19 sqlite3 "$SMS_DB" "INSERT INTO optouts VALUES ('fax:+15550001111', '2026-01-02T03:04:05Z', 'x')"
	check_eq "... in WAL mode" wal "$(q 'PRAGMA journal_mode')"
	check "the migrated message reads back" store-tool msg-get 1
	check_eq "... as a record" "from v1 2026-01-02T03:04:05Z" "$(jq -r '.body + " " + .created_at' "$T/.out")"
	check "... and moves on" store-tool msg-status 1 approved
	check_eq "the integrity check passes" ok "$(q 'PRAGMA integrity_check')"
	check_eq "no foreign key is broken" "" "$(q 'PRAGMA foreign_key_check')"

	# ---- from version 3: requested_at ---------------------------------------------
	# A version 3 store: the current schema less requested_at. A message sending
	# then may have been requested: it counts as requested; others do not.
	export SMS_DB="$T/v3.db"
	store-tool open >/dev/null
	q "INSERT INTO messages (direction, status, to_number, body, created_at, updated_at, claimed_by, claimed_at)
	   VALUES ('outbound', 'sending', '+15551234567', 'in flight', '2026-01-02T03:04:05Z', '2026-01-02T03:04:06Z',
	           'sms-send/1@host', '2026-01-02T03:04:06Z'),
	          ('outbound', 'approved', '+15551234567', 'waiting', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z', NULL, NULL);
	   ALTER TABLE messages DROP COLUMN requested_at; DROP TABLE consents;
	   ALTER TABLE templates DROP COLUMN content_sid;
	   ALTER TABLE templates DROP COLUMN template_category;
	   DROP INDEX autoresponders_name; DROP INDEX messages_state;
	   ALTER TABLE messages DROP COLUMN tag; ALTER TABLE messages DROP COLUMN state;
	   ALTER TABLE autoresponders DROP COLUMN name; ALTER TABLE autoresponders DROP COLUMN after;
	   ALTER TABLE autoresponders DROP COLUMN within; ALTER TABLE autoresponders DROP COLUMN match;
	   ALTER TABLE autoresponders DROP COLUMN ends; PRAGMA user_version = 3"
	check_eq "the fixture is a version 3 store without requested_at" "3 0" \
		"$(q "SELECT (SELECT user_version FROM pragma_user_version) || ' ' || count(*) FROM pragma_table_info('messages') WHERE name = 'requested_at'")"
	check "opening it migrates it" store-tool version
	check_eq "... to the current version" "$current" "$(q 'PRAGMA user_version')"
	check_eq "... the message sending counts as requested (at its claim), the other not" \
		"in flight|2026-01-02T03:04:06Z waiting|" "$(q "SELECT body, requested_at FROM messages ORDER BY id" | paste -sd' ')"
	check_eq "the integrity check passes" ok "$(q 'PRAGMA integrity_check')"
	check_eq "... and templates gained a WhatsApp template's columns (version 6)" "content_sid template_category" \
		"$(q "SELECT group_concat(name, ' ') FROM pragma_table_info('templates') WHERE name IN ('content_sid', 'template_category')")"
	sqlite3 "$SMS_DB" "INSERT INTO templates (name, body, created_at, updated_at, content_sid) VALUES ('t', '', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z', 'HX12')" 2>"$T/hx.err"
	check_grep "... which refuse a Content SID that is not HX and 32 characters" "CHECK constraint failed" "$T/hx.err"
	export SMS_DB=$main_db
else
	# A PostgreSQL store begins at schema version 8 (store_pg_schema.c): there
	# is no older one to migrate, and one that says it is older is not smskit's.
	old_db=$(new_store old)
	SMS_DB=$old_db store-tool open >/dev/null
	sql -s "$old_db" "UPDATE smskit_meta SET value = '7' WHERE key = 'schema_version'"
	check_exit "a store that says it is older than version 8 is refused (exit 78)" 78 store-tool -f "$old_db" open
	check_grep "... saying so" "not an smskit store" "$T/.err"
	check_eq "... and left alone" 7 "$(schema_version "$old_db")"
	# What the migrations give a SQLite store, a PostgreSQL store has from its start.
	check_eq "a WhatsApp address is on the whatsapp channel" "whatsapp" \
		"$(q "INSERT INTO messages (direction, status, to_number, created_at, updated_at) VALUES ('outbound', 'read', 'whatsapp:+15551234567', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z') RETURNING channel")"
	check_eq "... an opt-out per channel and number" "+15550001111 whatsapp:+15550001111" \
		"$(q "INSERT INTO optouts VALUES ('+15550001111', '2026-01-02T03:04:05Z', 'STOP'), ('whatsapp:+15550001111', '2026-01-02T03:04:05Z', 'STOP')" >/dev/null
		   q "SELECT number FROM optouts WHERE number LIKE '%+15550001111' ORDER BY number" | words)"
	check "... and no other prefix" refused "INSERT INTO optouts VALUES ('fax:+15550001111', '2026-01-02T03:04:05Z', 'x')"
	check "templates refuse a Content SID that is not HX and 32 characters" refused \
		"INSERT INTO templates (name, body, created_at, updated_at, content_sid) VALUES ('t', '', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z', 'HX12')"
	check_eq "... and take one that is" 1 \
		"$(q "INSERT INTO templates (name, body, created_at, updated_at, content_sid) VALUES ('t', '', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z', 'HX0123456789abcdef0123456789abcdef') RETURNING 1")"
fi

# ---- files that are not ours --------------------------------------------------
if [ "$SMSKIT_STORE" = sqlite ]; then
	sqlite3 "$T/v999.db" 'PRAGMA user_version = 999; CREATE TABLE t (x)'
	check_exit "a store from a newer smskit is refused (exit 78)" 78 store-tool -f "$T/v999.db" open
	check_grep "... saying it is newer" "schema version 999 is newer than this smskit knows" "$T/.err"
	check_eq "... and left alone" 999 "$(sqlite3 "$T/v999.db" 'PRAGMA user_version')"
	printf 'phone,body\n+15551234567,hello\n' >"$T/not.db"
	check_exit "a file that is not SQLite is refused (exit 78)" 78 store-tool -f "$T/not.db" open
	check_grep "... saying so" "not an SQLite database" "$T/.err"
	check_eq "... and left alone" "phone,body" "$(head -n 1 "$T/not.db")"
	sqlite3 "$T/other.db" 'CREATE TABLE notes (x)'
	check_exit "another program's SQLite file is refused" 78 store-tool -f "$T/other.db" open
	check_grep "... saying so" "not an smskit store" "$T/.err"
	sqlite3 "$T/app.db" 'PRAGMA application_id = 42; PRAGMA user_version = 1'
	check_exit "a file with another application_id is refused" 78 store-tool -f "$T/app.db" open
	: >"$T/empty.db"
	check_exit "an empty file is refused (exit 78): smskit never makes one" 78 store-tool -f "$T/empty.db" open
	check_grep "... saying how to start afresh" "remove the file" "$T/.err"
	check_eq "... and left empty" 0 "$(stat -c %s "$T/empty.db")"
	touch "$T/file"
	check_exit "a path under a regular file is refused" 78 store-tool -f "$T/file/sms.db" open
else
	newer=$(new_store newer)
	SMS_DB=$newer store-tool open >/dev/null
	sql -s "$newer" "UPDATE smskit_meta SET value = '999' WHERE key = 'schema_version'"
	check_exit "a store from a newer smskit is refused (exit 78)" 78 store-tool -f "$newer" open
	check_grep "... saying it is newer" "schema version 999 is newer than this smskit knows" "$T/.err"
	check_eq "... and left alone" 999 "$(schema_version "$newer")"
	other=$(new_store other)
	sql -s "$other" 'CREATE TABLE notes (x text)'
	check_exit "another program's database is refused (exit 78)" 78 store-tool -f "$other" open
	check_grep "... saying so" "not an smskit store" "$T/.err"
	check_eq "... and left alone" notes "$(sql -s "$other" "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()" | words)"
	check_exit "a database that does not exist is refused (exit 78)" 78 \
		store-tool -f "postgresql:///smskit_no_such_db?host=$SMSKIT_PG_SOCKET&user=smskit" open
	check_grep "... saying so" "does not exist" "$T/.err"
fi

done_testing
