#!/usr/bin/env bash
# The store's listings, counts, spend, approved queue, paging by id and kv
# cursors, through the programs, on whichever backend SMSKIT_STORE selects:
# sms-inbox (time order, ties by id, unread, from, a thread, its tail, a
# channel, a state) and sms-status (id order, statuses, since, ids) against
# the same selection written in SQL; listings longer than the backend's page;
# counts in lifecycle order; spend by the store's rule; sms-approve paging;
# the queue's sending order; a daily cap; four senders draining one queue.
. tests/lib.sh
if [ "$SMSKIT_STORE" = pg ]; then client=psql; else client=sqlite3; fi
need "the listing tests" jq "$client" || { done_testing; exit; }
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off SMS_TZ=UTC
ids() { jq -r .id | paste -sd' '; }
sqlids() { sql "$1" | paste -sd' '; }
# t2 X: a time of 2026-11-20 X seconds after 10:00:00, in SQL both engines take.
t2() {
	echo "'2026-11-20T10:' || substr(CAST(100 + ($1) / 60 AS TEXT), 2) || ':' || substr(CAST(100 + ($1) % 60 AS TEXT), 2) || 'Z'"
}

# ---- A store to list: 1200 inbound messages from four numbers (a few on
# WhatsApp), 600 outbound to them, in times that do not follow the ids and
# that three messages share each; every fifth inbound unread, every tenth
# answering state "asked".
store-tool open >/dev/null
sql "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1200)
INSERT INTO messages (direction, status, to_number, from_number, body, read, state, created_at, updated_at)
SELECT 'inbound', 'received',
       CASE WHEN n % 25 = 0 THEN 'whatsapp:+15005550006' ELSE '+15005550006' END,
       CASE WHEN n % 25 = 0 THEN 'whatsapp:' ELSE '' END || '+1212555100' || CAST(n % 4 AS TEXT),
       'in ' || CAST(n AS TEXT), CASE WHEN n % 5 = 0 THEN 0 ELSE 1 END,
       CASE WHEN n % 10 = 0 THEN 'asked' END,
       $(t2 "((n * 7) % 1200) / 3"), $(t2 "((n * 7) % 1200) / 3") FROM g"
sql "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 600)
INSERT INTO messages (direction, status, to_number, from_number, body, read, price, price_estimate,
                      sent_at, created_at, updated_at)
SELECT 'outbound', CASE n % 4 WHEN 0 THEN 'delivered' WHEN 1 THEN 'sent' WHEN 2 THEN 'failed' ELSE 'canceled' END,
       '+1212555100' || CAST(n % 4 AS TEXT), '+15005550006', 'out ' || CAST(n AS TEXT), 1,
       CASE WHEN n % 3 = 0 THEN '-0.0079' END, '0.0083',
       CASE WHEN n % 4 < 2 THEN $(t2 "1800 + n") END,
       $(t2 "((n * 11) % 600) / 3"), $(t2 "((n * 11) % 600) / 3") FROM g"
# A message from a number to itself is in its thread once.
sql "INSERT INTO messages (direction, status, to_number, from_number, body, read, created_at, updated_at)
     VALUES ('outbound', 'delivered', '+12125551000', '+12125551000', 'self', 1, '2026-11-20T10:03:20Z', '2026-11-20T10:03:20Z')"
check_eq "1801 messages stored" 1801 "$(sql "SELECT count(*) FROM messages")"

# ---- sms-inbox: time order, newest first, ties by id.
check "sms-inbox -n 0 lists every inbound message" sms-inbox -n 0 -o json
check_eq "...newest first, ties by id, across pages" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' ORDER BY created_at DESC, id DESC")" \
	"$(ids <"$T/.out")"
check "sms-inbox (50)" sms-inbox -o json
check_eq "...the newest 50" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' ORDER BY created_at DESC, id DESC LIMIT 50")" \
	"$(ids <"$T/.out")"
check "sms-inbox -n 700" sms-inbox -n 700 -o json
check_eq "...the newest 700, a page and a part" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' ORDER BY created_at DESC, id DESC LIMIT 700")" \
	"$(ids <"$T/.out")"
check "sms-inbox --unread -n 0" sms-inbox --unread -n 0 -o json
check_eq "...the unread ones, newest first" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' AND read = 0 ORDER BY created_at DESC, id DESC")" \
	"$(ids <"$T/.out")"
check_eq "...240 of them" 240 "$(jq -s length "$T/.out")"
check "sms-inbox --unread -n 7" sms-inbox --unread -n 7 -o json
check_eq "...the newest 7" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' AND read = 0 ORDER BY created_at DESC, id DESC LIMIT 7")" \
	"$(ids <"$T/.out")"
check "sms-inbox --from -n 0" sms-inbox --from +12125551001 -n 0 -o json
check_eq "...that number's SMS, newest first" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' AND from_number = '+12125551001' ORDER BY created_at DESC, id DESC")" \
	"$(ids <"$T/.out")"
check "sms-inbox --from --unread" sms-inbox --from +12125551002 --unread -n 0 -o json
check_eq "...both conditions" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' AND from_number = '+12125551002' AND read = 0 ORDER BY created_at DESC, id DESC")" \
	"$(ids <"$T/.out")"
check "sms-inbox --channel whatsapp" sms-inbox --channel whatsapp -n 0 -o json
check_eq "...the WhatsApp ones" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' AND to_number LIKE 'whatsapp:%' ORDER BY created_at DESC, id DESC")" \
	"$(ids <"$T/.out")"
check "sms-inbox --state asked -n 9" sms-inbox --state asked -n 9 -o json
check_eq "...the answers to that state" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' AND state = 'asked' ORDER BY created_at DESC, id DESC LIMIT 9")" \
	"$(ids <"$T/.out")"
check "sms-inbox --since" sms-inbox --since 2026-11-20T10:06:00Z -n 0 -o json
check_eq "...created at or after it" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'inbound' AND created_at >= '2026-11-20T10:06:00Z' ORDER BY created_at DESC, id DESC")" \
	"$(ids <"$T/.out")"

# ---- A thread: both directions, oldest first, its tail.
thread="SELECT id FROM messages WHERE (to_number = '+12125551000' OR from_number = '+12125551000')"
check "sms-inbox --thread -n 0" sms-inbox --thread +12125551000 -n 0 -o json
check_eq "...both directions, oldest first, each message once" \
	"$(sqlids "$thread ORDER BY created_at, id")" "$(ids <"$T/.out")"
check_eq "...the message to itself once" 1 "$(jq -s 'map(select(.body == "self")) | length' "$T/.out")"
check "sms-inbox --thread -n 7" sms-inbox --thread +12125551000 -n 7 -o json
check_eq "...its last 7, oldest first" \
	"$(sqlids "SELECT id FROM (SELECT id, created_at FROM messages WHERE (to_number = '+12125551000' OR from_number = '+12125551000') ORDER BY created_at DESC, id DESC LIMIT 7) AS t ORDER BY created_at, id")" \
	"$(ids <"$T/.out")"
check "sms-inbox --thread whatsapp:" sms-inbox --thread whatsapp:+12125551000 -n 0 -o json
check_eq "...the WhatsApp conversation alone" \
	"$(sqlids "SELECT id FROM messages WHERE (to_number = 'whatsapp:+12125551000' OR from_number = 'whatsapp:+12125551000') ORDER BY created_at, id")" \
	"$(ids <"$T/.out")"

# ---- sms-status: id order, newest first.
check "sms-status -n 0 lists every outbound message" sms-status -n 0 -o json
check_eq "...by id, newest first, across pages" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'outbound' ORDER BY id DESC")" "$(ids <"$T/.out")"
check "sms-status -n 555" sms-status -n 555 -o json
check_eq "...the newest 555, a page and a part" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'outbound' ORDER BY id DESC LIMIT 555")" "$(ids <"$T/.out")"
check "sms-status -s failed,canceled -n 0" sms-status -s failed,canceled -n 0 -o json
check_eq "...those statuses" \
	"$(sqlids "SELECT id FROM messages WHERE status IN ('failed', 'canceled') ORDER BY id DESC")" "$(ids <"$T/.out")"
check "sms-status -s sent -n 5" sms-status -s sent -n 5 -o json
check_eq "...the newest 5" \
	"$(sqlids "SELECT id FROM messages WHERE status = 'sent' ORDER BY id DESC LIMIT 5")" "$(ids <"$T/.out")"
check "sms-status --since" sms-status --since 2026-11-20T10:02:30Z -n 0 -o json
check_eq "...created at or after it" \
	"$(sqlids "SELECT id FROM messages WHERE direction = 'outbound' AND created_at >= '2026-11-20T10:02:30Z' ORDER BY id DESC")" \
	"$(ids <"$T/.out")"
some=$(sqlids "SELECT id FROM messages WHERE direction = 'outbound' AND id % 97 = 0 ORDER BY id" | tr ' ' ',')
check "sms-status --query with ids" sh -c "echo '{\"ids\":[$some]}' | sms-status --query -o json"
check_eq "...those ids" \
	"$(sqlids "SELECT id FROM messages WHERE id IN ($some) ORDER BY id")" \
	"$(ids <"$T/.out")"
check_exit "sms-status --status bogus: a usage error" 64 sms-status -s bogus -o json

# ---- Counts in lifecycle order, and spend.
export SMS_TEST_NOW=2026-11-20T23:00:00Z
check "sms-status --summary" sms-status --summary -o json
check_eq "counts in lifecycle order" \
	'{"pending":0,"approved":0,"rejected":0,"sending":0,"queued":0,"scheduled":0,"sent":150,"delivered":151,"undelivered":0,"failed":150,"canceled":150,"unknown":0}' \
	"$(jq -c .counts "$T/.out")"
# Spend: sent and delivered count, at sent_at (else created_at); the price
# when known (its absolute value), else the estimate.
spend=$(sql "SELECT sum(CASE WHEN price IS NOT NULL THEN 7900 ELSE 8300 END) FROM messages
             WHERE direction = 'outbound' AND status IN ('sent', 'delivered') AND price_estimate IS NOT NULL")
check_eq "spend today by the store's rule" "$spend" "$(store-tool spend-since 2026-11-20T00:00:00Z)"
check_eq "...sms-status --summary says the same" \
	"$(awk -v s="$spend" 'BEGIN { printf "%.4f", s / 1000000 }')" "$(jq -r .spend.today "$T/.out")"
check_eq "spend since 10:35: those sent from then" \
	"$(sql "SELECT sum(CASE WHEN price IS NOT NULL THEN 7900 ELSE 8300 END) FROM messages
	        WHERE direction = 'outbound' AND status IN ('sent', 'delivered') AND sent_at >= '2026-11-20T10:35:00Z'")" \
	"$(store-tool spend-since 2026-11-20T10:35:00Z)"
check_eq "spend since tomorrow: 0" 0 "$(store-tool spend-since 2026-11-21T00:00:00Z)"
check_exit "spend since a bad time: an error" 1 store-tool spend-since yesterday
check_grep "...saying so" 'yesterday: not an RFC 3339 time' "$T/.err"
unset SMS_TEST_NOW

# ---- The kv cursors.
check "kv-set" store-tool kv-set inbox.cursor 2026-11-20T10:00:00Z
check_eq "kv-get reads it back" 2026-11-20T10:00:00Z "$(store-tool kv-get inbox.cursor)"
check "kv-set again replaces it" store-tool kv-set inbox.cursor 2026-11-21T10:00:00Z
check_eq "...one row, the new value" "1 2026-11-21T10:00:00Z" \
	"$(sql "SELECT count(*) FROM kv WHERE key = 'inbox.cursor'") $(store-tool kv-get inbox.cursor)"
check "kv-set without a value deletes it" store-tool kv-set inbox.cursor
check_exit "...then kv-get: not found" 3 store-tool kv-get inbox.cursor
check_grep "...saying so" 'inbox.cursor: not set' "$T/.err"
check_exit "an empty key: an error" 1 store-tool kv-set "" x

# ---- sms-approve pages through 1300 pending messages by id.
SMS_DB=$(new_store approve)
store-tool open >/dev/null
sql "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1300)
INSERT INTO messages (direction, status, to_number, body, priority, created_at, updated_at)
SELECT 'outbound', 'pending', '+1212555' || CAST(2000 + n AS TEXT), 'staged ' || CAST(n AS TEXT),
       CASE n % 4 WHEN 0 THEN 'urgent' WHEN 1 THEN 'high' WHEN 2 THEN 'normal' ELSE 'low' END,
       $(t2 "n"), $(t2 "n") FROM g"
check "sms-approve --priority urgent" sms-approve --priority urgent --by tester -o json
check_eq "...approves the 325 urgent ones, in id order" \
	"$(sqlids "SELECT id FROM messages WHERE priority = 'urgent' ORDER BY id")" "$(ids <"$T/.out")"
check_eq "...and only those" "approved:325 pending:975" \
	"$(sql "SELECT status || ':' || count(*) FROM messages GROUP BY status ORDER BY status" | paste -sd' ')"
check "sms-approve --all" sms-approve --all --by tester -o json
check_eq "...approves the 975 others once each" "975 975" \
	"$(jq -s 'length' "$T/.out") $(jq -r .id "$T/.out" | sort -u | wc -l)"
check_eq "...none left pending" "approved:1300" \
	"$(sql "SELECT status || ':' || count(*) FROM messages GROUP BY status" | paste -sd' ')"

# ---- The queue's order: urgent, high, normal, low, then oldest first;
# send_at not yet due waits.
SMS_DB=$(new_store queue)
store-tool open >/dev/null
sql "INSERT INTO messages (direction, status, to_number, body, priority, send_at, created_at, updated_at) VALUES
 ('outbound', 'approved', '+12125553001', 'low', 'low', NULL, '2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z'),
 ('outbound', 'approved', '+12125553002', 'normal new', 'normal', NULL, '2026-11-20T09:05:00Z', '2026-11-20T09:05:00Z'),
 ('outbound', 'approved', '+12125553003', 'normal old', 'normal', NULL, '2026-11-20T09:01:00Z', '2026-11-20T09:01:00Z'),
 ('outbound', 'approved', '+12125553004', 'urgent', 'urgent', NULL, '2026-11-20T09:09:00Z', '2026-11-20T09:09:00Z'),
 ('outbound', 'approved', '+12125553005', 'high', 'high', NULL, '2026-11-20T09:08:00Z', '2026-11-20T09:08:00Z'),
 ('outbound', 'approved', '+12125553006', 'later', 'urgent', '2026-11-21T09:00:00Z', '2026-11-20T08:00:00Z', '2026-11-20T08:00:00Z'),
 ('outbound', 'pending', '+12125553007', 'staged', 'urgent', NULL, '2026-11-20T08:00:00Z', '2026-11-20T08:00:00Z')"
export SMS_TEST_NOW=2026-11-20T12:00:00Z
check "sms-send --approved" sms-send --approved --concurrency 1 -o json
check_eq "...sends urgent, high, normal oldest first, low; not what is not due or not approved" \
	"urgent|high|normal old|normal new|low" \
	"$(jq -r .id "$T/.out" | while read -r i; do sql "SELECT body FROM messages WHERE id = $i"; done | paste -sd'|')"
check_eq "...the one due tomorrow still approved" "approved" "$(sql "SELECT status FROM messages WHERE body = 'later'")"
check "the next day" env SMS_TEST_NOW=2026-11-21T09:00:01Z sms-send --approved -o json
check_eq "...it goes" "later" "$(jq -r .id "$T/.out" | while read -r i; do sql "SELECT body FROM messages WHERE id = $i"; done)"

# ---- A daily cap: what would cross it waits, approved, with the reason.
SMS_DB=$(new_store cap)
store-tool open >/dev/null
sql "INSERT INTO messages (direction, status, to_number, body, price_estimate, created_at, updated_at) VALUES
 ('outbound', 'approved', '+12125554001', 'one', '0.0083', '2026-11-20T09:00:00Z', '2026-11-20T09:00:00Z'),
 ('outbound', 'approved', '+12125554002', 'two', '0.0083', '2026-11-20T09:01:00Z', '2026-11-20T09:01:00Z'),
 ('outbound', 'approved', '+12125554003', 'three', '0.0083', '2026-11-20T09:02:00Z', '2026-11-20T09:02:00Z'),
 ('outbound', 'approved', '+12125554004', 'four', '0.0083', '2026-11-20T09:03:00Z', '2026-11-20T09:03:00Z')"
SMS_DAILY_LIMIT=0.02 sms-send --approved --concurrency 1 -o json >"$T/cap.out" 2>"$T/cap.err"
check_eq "a 0.02 daily cap: two sent, the oldest" "one two" \
	"$(sql "SELECT body FROM messages WHERE status <> 'approved' ORDER BY id" | paste -sd' ')"
check_eq "...the rest wait with the cap as their reason" "2 2" \
	"$(sql "SELECT count(*) FROM messages WHERE status = 'approved'") $(sql "SELECT count(*) FROM messages WHERE status = 'approved' AND reason LIKE '%daily cap of%'")"
check_eq "...the spend counted: two estimates, in millionths" 16600 \
	"$(store-tool spend-since 2026-11-20T00:00:00Z)"
unset SMS_TEST_NOW

# ---- Four senders drain 500 approved messages, each sent once.
SMS_DB=$(new_store drain)
store-tool open >/dev/null
sql "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 500)
INSERT INTO messages (direction, status, to_number, body, priority, created_at, updated_at)
SELECT 'outbound', 'approved', '+1212556' || CAST(1000 + n AS TEXT), 'drain ' || CAST(n AS TEXT),
       CASE n % 3 WHEN 0 THEN 'high' ELSE 'normal' END, $(t2 "n % 200"), $(t2 "n % 200") FROM g"
for k in 1 2 3 4; do
	sms-send --approved -o json >"$T/drain.$k" 2>"$T/drain.$k.err" &
done
wait
check_eq "four senders: all 500 queued" "queued:500" \
	"$(sql "SELECT status || ':' || count(*) FROM messages GROUP BY status" | paste -sd' ')"
check_eq "...500 records out, 500 ids" "500 500" \
	"$(cat "$T"/drain.[1-4] | jq -s length) $(cat "$T"/drain.[1-4] | jq -r .id | sort -u | wc -l)"
check_eq "...each message claimed once" "500 500" \
	"$(sql "SELECT count(*) FROM events WHERE kind = 'status' AND status = 'sending'") $(sql "SELECT count(DISTINCT message_id) FROM events WHERE kind = 'status' AND status = 'sending'")"
check_eq "...and given one provider id each" 500 "$(sql "SELECT count(DISTINCT provider_id) FROM messages")"

done_testing
