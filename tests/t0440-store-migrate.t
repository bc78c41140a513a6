#!/usr/bin/env bash
# sms-store migrate (sms-store(1)): a SQLite store made by the programs
# (staged, sent to the sandbox, opted out, a consent, a template, an
# autoresponder that answered a signed inbound through sms-webhookd's CGI
# mode, key/value entries) copied into a PostgreSQL store; every table
# compared row for row (sqlite3 and psql giving the same SELECT ordered by
# id); run again, nothing doubles; the sequences past the ids; the refusals
# (a source newer than this build, none, a destination that is not
# PostgreSQL, a row a unique name keeps out: all rolled back); the programs
# on the result. Always on PostgreSQL, whatever SMSKIT_STORE says: the
# source is a SQLite file by nature, the destination a PostgreSQL database.
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then have_pg=1; SMSKIT_STORE=pg; else have_pg=0; fi
. tests/lib.sh
. tests/webhook.sh
[ "$have_pg" = 1 ] || { skip "sms-store migrate" "no PostgreSQL server: run sudo .ci/install-deps"; done_testing; exit; }
need "the migrate tests" sqlite3 psql jq openssl || { done_testing; exit; }

# ---- the source, made by the programs ---------------------------------------------------
src=$T/old.db
dst=$SMS_DB
export SMS_QUIET_HOURS=off
s() { SMS_DB=$src "$@"; }
printf 'TWILIO_AUTH_TOKEN = %s\n' "$WEBHOOK_TOKEN" >"$SMS_CONFIG"
chmod 600 "$SMS_CONFIG"
s sms-stage -o json --to +12125550101 --body 'staged: a tab	a backslash \ a quote '"'"' an é' >/dev/null
printf '{"to":"+12125550102","body":"line one\\nline two\\r\\n\\\\N is no NULL"}\n' | s sms-stage -o json >/dev/null
s env SMS_PROVIDER=sandbox sms-send -o json --to +12125550103 --body "sent one" >/dev/null
s env SMS_PROVIDER=sandbox sms-send -o json --to +12125550104 --body "sent two" >/dev/null
s sms-optout add -o json +12125550105 >/dev/null
s sms-optout in -o json --source web --evidence "https://example.com/join 203.0.113.7" +12125550106 >/dev/null
s sms-template add -o json greet 'Hello {name}, from us' >/dev/null
s sms-auto add -o json --trigger HOURS --response "Open 9-5" >/dev/null
s sms-auto add -o json --trigger MENU --response "Our menu" --name menu --disabled >/dev/null
# A signed inbound through the CGI program, as a web server runs it: the
# autoresponder answers it and counts it.
body='Body=HOURS&From=%2B12125550107&MessageSid=SMmig1&To=%2B15550006666'
sig=$(twilio_sig "https://hooks.example.com/cgi-bin/sms-webhookd/sms/incoming" "$WEBHOOK_TOKEN" \
	Body=HOURS From=+12125550107 MessageSid=SMmig1 To=+15550006666)
printf '%s' "$body" | env SMS_DB="$src" SMS_PROVIDER=twilio GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	SERVER_NAME=hooks.example.com SERVER_PORT=443 HTTPS=on SCRIPT_NAME=/cgi-bin/sms-webhookd \
	PATH_INFO=/sms/incoming CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} \
	HTTP_X_TWILIO_SIGNATURE="$sig" sms-webhookd >"$T/cgi.out" 2>"$T/cgi.err"
check_grep "the source: a signed inbound stored through the CGI program" '^Status: 200' "$T/cgi.out"
check_eq "...the autoresponder counted it" 1 "$(sql -s "$src" "select trigger_count from autoresponders where trigger = 'HOURS'")"
# Key/value entries (a fetch cursor, a held part of a long message), one with
# every character COPY's text form escapes.
sql -s "$src" "INSERT INTO kv VALUES ('fetch.twilio.cursor', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z'),
	('vonage.concat.+12125550108.7', 'a' || char(9) || 'b' || char(10) || 'c' || char(13) || 'd\\e', '2026-12-01T00:00:00Z')"
# A gap in the ids, kept in the copy.
sql -s "$src" "INSERT INTO templates (id, name, body, created_at, updated_at) VALUES
	(40, 'late', 'far id', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')"
for t in messages events optouts consents templates autoresponders kv; do
	check "the source has $t" test "$(sql -s "$src" "select count(*) from $t")" -gt 0
done

# ---- the copy ----------------------------------------------------------------------
check_exit "sms-store migrate: exit 0" 0 sms-store migrate -o json "$src"
check_eq "...its record: ok, the source, the store, the schema version" "true $src $dst 8 8" \
	"$(jq -r '"\(.ok) \(.source) \(.store) \(.schema_version) \(.source_schema_version)"' "$T/.out")"
check_eq "...seconds, a number" number "$(jq -r '.seconds | type' "$T/.out")"
cp "$T/.out" "$T/first.json"
same_rows() { test -s "$1" && cmp "$1" "$2"; } # and not two empty answers
ids() { # the key column of table $1
	case $1 in optouts) echo number ;; kv) echo key ;; *) echo id ;; esac
}
for t in messages events optouts consents templates autoresponders kv; do
	n=$(sql -s "$src" "select count(*) from $t")
	check_eq "...$t: $n in the source, copied, found" "$n $n $n" \
		"$(jq -r --arg t "$t" '"\(.[$t].source) \(.[$t].copied) \(.[$t].found)"' "$T/first.json")"
	# Every column both stores have, generated ones too, row for row.
	cols=$(sql -s "$src" "SELECT group_concat('\"' || name || '\"', ', ') FROM pragma_table_xinfo('$t')")
	sql -s "$src" "SELECT $cols FROM $t ORDER BY \"$(ids "$t")\"" >"$T/$t.sqlite"
	sql -s "$dst" "SELECT $cols FROM $t ORDER BY \"$(ids "$t")\"" >"$T/$t.pg"
	check "...$t: the same rows, column for column" same_rows "$T/$t.sqlite" "$T/$t.pg"
done
check_grep "...the value with a tab, a newline, a CR and a backslash, intact" 'a	b' "$T/kv.pg"
check_eq "...the statuses: staged, sent, received, the autoresponder's answer" \
	"pending pending queued queued received sent" \
	"$(sql -s "$dst" "select status from messages order by status" | xargs)"
check_eq "...the autoresponder's count" "HOURS|1|1 MENU|0|0" \
	"$(sql -s "$dst" "select trigger, trigger_count, enabled from autoresponders order by id" | xargs)"

# The sequences: a new row takes the id after the greatest copied one.
for t in messages events consents templates autoresponders; do
	max=$(sql -s "$src" "select max(id) from $t")
	check_eq "...$t's next id is $((max + 1))" $((max + 1)) \
		"$(sql -s "$dst" "select nextval(pg_get_serial_sequence('$t', 'id'))")"
done

check_exit "migrate again: exit 0" 0 sms-store migrate -o json "$src"
check_eq "...copied nothing, found every one" "0 0 0 0 0 0 0" \
	"$(jq -r '[.messages, .events, .optouts, .consents, .templates, .autoresponders, .kv] | map(.copied) | join(" ")' "$T/.out")"
check_eq "...found every one" "$(jq -r '[.messages, .events, .optouts, .consents, .templates, .autoresponders, .kv] | map(.source) | join(" ")' "$T/.out")" \
	"$(jq -r '[.messages, .events, .optouts, .consents, .templates, .autoresponders, .kv] | map(.found) | join(" ")' "$T/.out")"
for t in messages events optouts consents templates autoresponders kv; do
	check_eq "...$t: nothing doubled" "$(sql -s "$src" "select count(*) from $t")" "$(sql -s "$dst" "select count(*) from $t")"
done
check_exit "-o text: one line a table" 0 sms-store migrate -o text "$src"
check_grep "...the source, the store and the seconds" "^$src -> .*: schema version 8, [0-9.]* s$" "$T/.out"
check_grep "...each table's counts" '^  events  *[0-9][0-9]* in the source, 0 copied, [0-9][0-9]* found$' "$T/.out"

# A row the source added since is copied by a second run, its id kept.
sql -s "$src" "INSERT INTO optouts VALUES ('+12125550199', '2026-12-02T00:00:00Z', 'manual')"
check_exit "a row added to the source since: exit 0" 0 sms-store migrate -o json "$src"
check_eq "...that one copied, all found" "1 true" "$(jq -r '"\(.optouts.copied) \(.optouts.source == .optouts.found)"' "$T/.out")"

# ---- refusals ----------------------------------------------------------------------
cp "$src" "$T/newer.db"
sql -s "$T/newer.db" "PRAGMA user_version = 99"
check_exit "a source newer than this build: exit 65" 65 sms-store migrate -o json "$T/newer.db"
check_eq "...bad_source, with a sentence" "bad_source" "$(jq -r .error.code "$T/.out")"
check_grep "...that says so" 'schema version 99 is newer' "$T/.out"
# A store of schema version 7 (version 8's migration undone by hand): brought
# up to date in place, then copied.
SMS_DB="$T/v7.db" sms-optout add -o json +12125550111 >/dev/null
sql -s "$T/v7.db" "DROP INDEX autoresponders_name; DROP INDEX messages_state;
	ALTER TABLE messages DROP COLUMN tag; ALTER TABLE messages DROP COLUMN state;
	ALTER TABLE autoresponders DROP COLUMN name; ALTER TABLE autoresponders DROP COLUMN after;
	ALTER TABLE autoresponders DROP COLUMN within; ALTER TABLE autoresponders DROP COLUMN match;
	ALTER TABLE autoresponders DROP COLUMN ends; PRAGMA user_version = 7"
check_eq "(the old store is at version 7)" 7 "$(sql -s "$T/v7.db" "PRAGMA user_version")"
dst4=$(new_store older)
check_exit "a source older than this build: exit 0" 0 env SMS_DB="$dst4" sms-store migrate -o json "$T/v7.db"
check_eq "...its version before, the store's, the opt-out copied" "7 8 1" \
	"$(jq -r '"\(.source_schema_version) \(.schema_version) \(.optouts.copied)"' "$T/.out")"
check_eq "...the source brought up to date in place" 8 "$(sql -s "$T/v7.db" "PRAGMA user_version")"
check_exit "no such source: exit 66" 66 sms-store migrate -o json "$T/none.db"
check_grep "...no_source" '"code":"no_source"' "$T/.out"
check "...and none made" test ! -e "$T/none.db"
check_exit "the destination a SQLite file: exit 78" 78 env SMS_DB="$T/other.db" sms-store migrate -o json "$src"
check_grep "...not_postgresql, with a sentence" '"code":"not_postgresql".*not a PostgreSQL store' "$T/.out"
check "...and no file made there" test ! -e "$T/other.db"
check_exit "migrate without a SQLITE_FILE: exit 64" 64 sms-store migrate

# A destination in use already, where a template of the same name has
# another id: the counts differ, and nothing at all is kept.
dst2=$(new_store busy)
check_exit "(the second store made)" 66 env SMS_DB="$dst2" sms-store migrate -o json "$T/none.db"
sql -s "$dst2" "INSERT INTO templates (id, name, body, created_at, updated_at) VALUES
	(500, 'greet', 'another', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')"
check_exit "a template whose name the destination holds under another id: exit 65" 65 \
	env SMS_DB="$dst2" sms-store migrate -o json "$src"
check_eq "...count_mismatch, the templates' counts" "count_mismatch 2 1" \
	"$(jq -r '"\(.error.code) \(.templates.source) \(.templates.found)"' "$T/.out")"
check_grep "...rolled back, says the sentence" 'rolled back' "$T/.out"
check_eq "...nothing kept: no message, no event, the one template" "0 0 1" \
	"$(sql -s "$dst2" "select (select count(*) from messages), (select count(*) from events), (select count(*) from templates)" | tr '|' ' ')"

# A source with a row PostgreSQL refuses (an event of no message, which
# SQLite let in with its foreign keys off): refused, nothing kept.
cp "$src" "$T/dangling.db"
sql -s "$T/dangling.db" "INSERT INTO events (message_id, at, kind) VALUES (9999, '2026-12-01T00:00:00Z', 'created')"
dst3=$(new_store dangling)
check_exit "a source with an event of no message: exit 65" 65 env SMS_DB="$dst3" sms-store migrate -o json "$T/dangling.db"
check_grep "...bad_source, naming the foreign key" '"code":"bad_source".*events_message_id_fkey.*nothing was copied' "$T/.out"
check_eq "...nothing kept, not even the messages copied before the events" "0 0" \
	"$(sql -s "$dst3" "select (select count(*) from messages), (select count(*) from optouts)" | tr '|' ' ')"

# The first copy dropped the indexes and foreign keys of the tables it filled
# and made them again: the same as those of a store that never was copied into.
schema_of() {
	sql -s "$1" "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
	sql -s "$1" "SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
}
schema_of "$dst" >"$T/schema.dst"
schema_of "$dst2" >"$T/schema.fresh"
check "the migrated store has every index and constraint a new one has" same_rows "$T/schema.fresh" "$T/schema.dst"
check_grep "...the foreign key of the events among them" 'events|events_message_id_fkey|FOREIGN KEY (message_id) REFERENCES messages(id) ON DELETE CASCADE' "$T/schema.dst"

# ---- the programs on the result ------------------------------------------------------
if sms-inbox -o json >"$T/inbox" 2>"$T/inbox.err" || ! grep -q 'not available on PostgreSQL yet' "$T/inbox" "$T/inbox.err"; then
	check_eq "sms-inbox lists the inbound" "+12125550107 HOURS" "$(jq -r '"\(.from) \(.body)"' "$T/inbox")"
	check_exit "sms-status shows the sent ones" 0 sms-status -o json --status queued
	check_eq "...both" "+12125550103 +12125550104" "$(jq -r .to "$T/.out" | sort | xargs)"
	# The sequence gave max + 1 to the check above: the next is max + 2.
	max=$(sql -s "$src" "select max(id) from messages")
	check_exit "sms-stage adds a message after the copied ones" 0 sms-stage -o json --to +12125550109 --body new
	check_eq "...with the sequence's next id, never one it gave before" $((max + 2)) "$(jq -r .id "$T/.out")"
	check_exit "sms-send stores one too" 0 env SMS_PROVIDER=sandbox sms-send -o json --to +12125550110 --body new
	check_eq "...with the id after it" $((max + 3)) "$(jq -r .id "$T/.out")"
else
	skip "the programs on the migrated store" "the PostgreSQL backend's listings are not in this build yet"
fi

done_testing
