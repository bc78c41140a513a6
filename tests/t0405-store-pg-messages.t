#!/usr/bin/env bash
# The messages and events of the store on either backend (SMSKIT_STORE), through
# tests/tools/store-tool and read back with sql: a message stored once per provider
# id, the sentences of what is refused, the status moves and what they set, the
# events, the inbox's flags, a claim given back, the pending status callbacks, a
# conversation's state, the bulk insert (all or nothing, ids in order), and eight
# processes claiming the same approved messages: each claimed exactly once, and eight
# storing the same provider id: stored once.
. tests/lib.sh

st() { store-tool "$@"; }
first_line() { head -n 1 "$T/.err" | sed 's/^store-tool: //'; }

# ---- one message at a time ----------------------------------------------------------
check "a message is stored" st msg-insert '{"to":"+15551230001","body":"one"}'
check_eq "...as message 1" '{"id":1,"existing":false}' "$(cat "$T/.out")"
in2='{"direction":"inbound","to":"+15550000000","from":"+15551230002","body":"hi","provider":"twilio","provider_id":"SM2"}'
check "an inbound message with its provider id" st msg-insert "$in2"
check "...a retry of the same provider id" st msg-insert "$in2"
check_eq "...is the message already stored" '{"id":2,"existing":true}' "$(cat "$T/.out")"
check_eq "...stored once, with one created event" "1 1" \
	"$(sql "SELECT count(*) FROM messages WHERE provider_id = 'SM2'") $(sql "SELECT count(*) FROM events WHERE kind = 'created' AND message_id = 2")"
check_exit "a reply to no message is refused" 1 st msg-insert '{"to":"+15551230001","body":"r","reply_to":99}'
check_eq "...with the sentence" "reply_to 99: no such message" "$(first_line)"
check_exit "a provider id without a provider is refused" 1 st msg-insert '{"to":"+15551230001","provider_id":"x"}'
check_eq "...with the sentence" "provider_id: given without a provider" "$(first_line)"
check "a reply to message 2" st msg-insert '{"to":"+15551230002","body":"re","reply_to":2,"tag":"menu","media":["https://e.example/a.jpg"]}'
check_eq "...takes the next id: neither a retry nor a refusal used one" '{"id":3,"existing":false}' "$(cat "$T/.out")"
check "message 3 reads back" st msg-get 3
check_eq "...every field as stored" '[2,"menu",["https://e.example/a.jpg"],false,"sms"]' \
	"$(jq -c '[.reply_to, .tag, .media, .read, .channel]' "$T/.out")"
check_exit "an unknown message is not found" 3 st msg-get 99
check_eq "...with the sentence" "message 99: no such message" "$(first_line)"
check "a provider id is found" st msg-find twilio SM2
check_eq "...as message 2" 2 "$(cat "$T/.out")"
check_exit "an unknown provider id is not found" 3 st msg-find twilio SM9
check_eq "...with the sentence" "twilio message SM9: not in the store" "$(first_line)"

# ---- status moves ----------------------------------------------------------------------
check "pending -> approved" st msg-status 1 approved '{"reviewed_by":"ann"}'
check_eq "...reviewed_at set, reason cleared" "approved ann 1" \
	"$(sql "SELECT status, reviewed_by, CASE WHEN reviewed_at IS NULL THEN 0 ELSE 1 END FROM messages WHERE id = 1" | tr '|' ' ')"
check "approved -> sending, claimed" st msg-status 1 sending '{"claimed_by":"host-a 1"}'
check_exit "...a second claim is refused" 5 st msg-status 1 sending '{"claimed_by":"host-b 2"}'
check_eq "...with the sentence" "message 1: cannot move from sending to sending" "$(first_line)"
check_eq "...the first claim kept" "host-a 1 1" \
	"$(sql "SELECT claimed_by, CASE WHEN claimed_at IS NULL THEN 0 ELSE 1 END FROM messages WHERE id = 1" | tr '|' ' ')"
check "a request is noted" st msg-requested 1
check_exit "...so the claim is not given back" 5 st msg-unclaim 1 "sender died"
check_eq "...with the sentence" "message 1: not an approved message claimed and never requested" "$(first_line)"
check_exit "a provider id another message has is refused" 1 st msg-status 1 queued '{"provider":"twilio","provider_id":"SM2"}'
check_eq "...with the sentence" "provider_id: another message already has it" "$(first_line)"
check_eq "...and nothing changed" "sending|" "$(sql "SELECT status, provider_id FROM messages WHERE id = 1")"
check "sending -> queued with the provider's id" st msg-status 1 queued '{"provider":"twilio","provider_id":"SM1","price":"0.0079"}' '{"via":"test"}'
check_eq "...sent_at set" 1 "$(sql "SELECT count(*) FROM messages WHERE id = 1 AND sent_at IS NOT NULL AND provider_id = 'SM1'")"
check_eq "...the event: the caller's detail, previous and fields" \
	'{"via":"test","previous":"sending","fields":{"provider":"twilio","provider_id":"SM1","price":"0.0079"}}' \
	"$(sql "SELECT detail FROM events WHERE message_id = 1 AND kind = 'status' AND status = 'queued'")"
check "queued -> delivered, an error cleared" st msg-status 1 delivered '{"error":null}'
check_eq "...delivered_at set" 1 "$(sql "SELECT count(*) FROM messages WHERE id = 1 AND delivered_at IS NOT NULL")"
check_exit "delivered -> failed is refused" 5 st msg-status 1 failed
check_eq "...with the sentence" "message 1: cannot move from delivered to failed" "$(first_line)"
check_exit "an inbound message cannot be sent" 5 st msg-status 2 sent
check_eq "...with the sentence" "message 2: an inbound message cannot be sent" "$(first_line)"
check_exit "an unknown message" 3 st msg-status 99 sent
check_exit "a field a status update does not set" 1 st msg-status 1 read '{"body":"x"}'
check_eq "...with the sentence" "body: cannot be changed with a status update" "$(first_line)"
check_eq "the status events of message 1, in order" "approved sending queued delivered" \
	"$(sql "SELECT status FROM events WHERE message_id = 1 AND kind = 'status' ORDER BY id" | xargs)"

# A claim given back: approved and never requested.
check "message 4, approved and claimed" st msg-insert '{"to":"+15551230004","body":"four"}'
st msg-status 4 approved >/dev/null && st msg-status 4 sending '{"claimed_by":"gone 9"}' >/dev/null
check "...its claim given back" st msg-unclaim 4 "the sender died before its request"
check_eq "...approved again, unclaimed, with the reason" "approved||the sender died before its request" \
	"$(sql "SELECT status, claimed_by, reason FROM messages WHERE id = 4")"
check_eq "...and a status event" '{"previous":"sending","fields":{"reason":"the sender died before its request"}}' \
	"$(sql "SELECT detail FROM events WHERE message_id = 4 AND kind = 'status' ORDER BY id DESC LIMIT 1")"

# ---- the inbox's flags -------------------------------------------------------------
check "an inbound message marked read" st msg-read 2 1
check "...twice" st msg-read 2 1
check "...replied" st msg-replied 2
check_eq "...flags set, one event each" "1 1 read replied" \
	"$(sql "SELECT read, replied FROM messages WHERE id = 2" | tr '|' ' ') $(sql "SELECT kind FROM events WHERE message_id = 2 AND kind IN ('read', 'replied') ORDER BY id" | xargs)"
check_exit "an outbound message is not marked read" 5 st msg-read 1 1
check_eq "...with the sentence" "message 1: an outbound message; only received (inbound) messages are marked read or unread" "$(first_line)"
check_exit "an unknown message" 3 st msg-replied 99

# ---- events ------------------------------------------------------------------------
pend='{"pending":{"provider":"twilio","provider_id":"SMX","status":"delivered","fields":{"price":"0.01","error":null}}}'
check "a status callback for a message not stored yet" st event-append 0 webhook '' "$pend"
ev=$(cat "$T/.out")
check "...another provider's" st event-append 0 webhook '' '{"pending":{"provider":"vonage","provider_id":"SMX","status":"failed"}}'
check "...found by its provider and id" st pending twilio SMX
check_eq "...as written, its keys in order" "$ev $(jq -c .pending <<<"$pend")" "$(cat "$T/.out")"
check_exit "an event of an unknown message is refused" 1 st event-append 99 note
check_eq "...with the sentence" "message 99: no such message" "$(first_line)"
check_exit "an event needs a kind" 1 st event-append 1 ''

# ---- a conversation ------------------------------------------------------------------
check "no conversation yet" st thread-state +15551239999
check_eq "...no tag, no time" " 0" "$(cat "$T/.out")"
check "the latest outbound message's tag" st thread-state +15551230002
check_eq "...menu" menu "$(cut -d' ' -f1 "$T/.out")"
check "the latest inbound message of an address" st last-inbound +15551230002
check_eq "...its created_at" "$(date -d "$(sql "SELECT created_at FROM messages WHERE id = 2")" +%s)" "$(cat "$T/.out")"

# ---- many at once ----------------------------------------------------------------------
check "three records stored at once" st msg-insert-many '[{"to":"+15551230010","body":"a"},{"to":"+15551230011","body":"b","priority":"high"},{"to":"+15551230012","body":"c","reply_to":2}]'
check_eq "...their ids in order" "5 6 7" "$(xargs <"$T/.out")"
check_eq "...each its body, and a created event" "5:a:created 6:b:created 7:c:created" \
	"$(sql "SELECT m.id || ':' || m.body || ':' || e.kind FROM messages m JOIN events e ON e.message_id = m.id WHERE m.id >= 5 ORDER BY m.id" | xargs)"
check_exit "a bad record refuses them all" 1 st msg-insert-many '[{"to":"+15551230013"},{"to":"+15551230014"},{"body":"no one"}]'
check_eq "...naming it" "record 3: to: missing" "$(first_line)"
check_exit "a reply to no message refuses them all" 1 st msg-insert-many '[{"to":"+15551230013"},{"to":"+15551230014","reply_to":999}]'
check_eq "...with the sentence" "reply_to: one of the messages replied to does not exist" "$(first_line)"
check_exit "a provider id is refused" 1 st msg-insert-many '[{"to":"+15551230013","provider":"twilio","provider_id":"SM7"}]'
check_eq "...naming the record" "record 1: provider_id: a bulk insert takes messages without one" "$(first_line)"
check_eq "...nothing of them stored" 7 "$(sql "SELECT count(*) FROM messages")"
jq -nc '[range(1500) | {to: ("+1555200" + (10000 + . | tostring)), body: ("bulk " + tostring + " \"q\" \\ é")}]' >"$T/bulk.json"
check "1500 records at once (more than one statement's rows)" st msg-insert-many "$(cat "$T/bulk.json")"
check_eq "...ids 8 to 1507 in order" "1500 8 1507 ok" \
	"$(wc -l <"$T/.out") $(head -n 1 "$T/.out") $(tail -n 1 "$T/.out") $(sort -n -c "$T/.out" && echo ok)"
check_eq "...each body where its id says" 'bulk 0 "q" \ é|bulk 1499 "q" \ é' \
	"$(sql "SELECT body FROM messages WHERE id IN (8, 1507) ORDER BY id" | paste -sd'|')"
check_eq "...a created event each" 1500 "$(sql "SELECT count(*) FROM events WHERE kind = 'created' AND message_id BETWEEN 8 AND 1507")"

# ---- concurrent claims -----------------------------------------------------------------
# Eight processes claim the same 40 approved messages, each in its own order: every
# message is claimed exactly once, whichever host's process wins it.
jq -nc '[range(40) | {to: ("+1555300" + (1000 + . | tostring)), body: "claim me"}]' >"$T/claims.json"
st msg-insert-many "$(cat "$T/claims.json")" >"$T/claim-ids"
for id in $(cat "$T/claim-ids"); do st msg-status "$id" approved >/dev/null; done
mkdir "$T/claim"
for p in 1 2 3 4 5 6 7 8; do
	if [ $((p % 2)) = 0 ]; then ids=$(tac "$T/claim-ids"); else ids=$(cat "$T/claim-ids"); fi
	# shellcheck disable=SC2086 # one id per argument
	st claim "p$p" "$T/claim" $ids >"$T/won.$p" 2>"$T/claim-err.$p" &
done
# All connected, then all at once: they meet on the same rows.
for _ in $(seq 100); do [ "$(find "$T/claim" -name 'ready.*' | wc -l)" = 8 ] && break; sleep 0.1; done
touch "$T/claim/go"
wait
check_eq "eight claimers: no errors" "" "$(cat "$T"/claim-err.*)"
check_eq "...40 claims won in all, each message once" "40 40" \
	"$(cat "$T"/won.* | wc -l) $(cat "$T"/won.* | sort -u | wc -l)"
check_eq "...one sending event each" 40 \
	"$(sql "SELECT count(DISTINCT message_id) FROM events WHERE kind = 'status' AND status = 'sending' AND message_id >= $(head -n 1 "$T/claim-ids")")"
check_eq "...no message claimed twice" 0 \
	"$(sql "SELECT count(*) FROM (SELECT message_id FROM events WHERE kind = 'status' AND status = 'sending' GROUP BY message_id HAVING count(*) > 1) x")"
check_eq "...each held by the process that won it" 40 \
	"$(for p in 1 2 3 4 5 6 7 8; do while read -r id; do sql "SELECT id FROM messages WHERE id = $id AND claimed_by = 'p$p'"; done <"$T/won.$p"; done | wc -l)"

# Eight nodes given the same retried provider id at once: stored once, each told its id.
for p in 1 2 3 4 5 6 7 8; do
	st msg-insert '{"direction":"inbound","to":"+15550000000","from":"+15551230099","body":"retry","provider":"twilio","provider_id":"SMRETRY"}' \
		>"$T/retry.$p" 2>&1 &
done
wait
check_eq "a provider id given to eight processes at once is stored once" 1 \
	"$(sql "SELECT count(*) FROM messages WHERE provider_id = 'SMRETRY'")"
check_eq "...each told the same id, one of them that it stored it" "1 $(sql "SELECT id FROM messages WHERE provider_id = 'SMRETRY'") 7" \
	"$(jq -r .id "$T"/retry.* | sort -u | wc -l) $(jq -r .id "$T"/retry.* | sort -u) $(jq -r 'select(.existing) | .id' "$T"/retry.* | wc -l)"
check_eq "...with one created event" 1 \
	"$(sql "SELECT count(*) FROM events e JOIN messages m ON m.id = e.message_id WHERE m.provider_id = 'SMRETRY' AND e.kind = 'created'")"

done_testing
