/* store_schema — the SQLite schema of the store (sms-config(5)): the tables,
 * indexes and triggers, as the forward migrations that make them, one per
 * schema version. store_open.c applies them. */
#include "store_internal.h"

/* ---- Schema ------------------------------------------------------------------
 * store__migrations[i] takes a file from user_version i to i + 1, in one
 * transaction.
 * Never edit a released step: append a new one and bump STORE_SCHEMA_VERSION.
 * Times are UTC RFC 3339 text with whole seconds, so text order is time order. */

#define TIME_CHECK(c) "CHECK (" c " GLOB " \
	"'[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z')"

static const char migration_1[] =
	"PRAGMA application_id = 1397576523;\n"
	"CREATE TABLE messages (\n"
	"  id              INTEGER PRIMARY KEY,\n"
	"  direction       TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),\n"
	"  status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected',\n"
	"                  'sending', 'queued', 'scheduled', 'sent', 'delivered', 'undelivered',\n"
	"                  'failed', 'canceled', 'unknown', 'received')),\n"
	"  to_number       TEXT NOT NULL CHECK (to_number <> ''),\n"
	"  from_number     TEXT,\n"
	"  body            TEXT NOT NULL DEFAULT '',\n"
	"  media           TEXT,\n"
	"  encoding        TEXT CHECK (encoding IN ('GSM-7', 'UCS-2')),\n"
	"  segments        INTEGER CHECK (segments >= 0),\n"
	"  price_estimate  TEXT,\n"
	"  price           TEXT,\n"
	"  currency        TEXT,\n"
	"  provider        TEXT,\n"
	"  provider_id     TEXT CHECK (provider_id IS NULL OR provider IS NOT NULL),\n"
	"  priority        TEXT NOT NULL DEFAULT 'normal'\n"
	"                  CHECK (priority IN ('urgent', 'high', 'normal', 'low')),\n"
	"  priority_rank   INTEGER GENERATED ALWAYS AS (CASE priority WHEN 'urgent' THEN 3\n"
	"                  WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END) VIRTUAL,\n"
	"  notes           TEXT,\n"
	"  ref             TEXT,\n"
	"  reply_to        INTEGER REFERENCES messages (id) ON DELETE SET NULL,\n"
	"  read            INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),\n"
	"  replied         INTEGER NOT NULL DEFAULT 0 CHECK (replied IN (0, 1)),\n"
	"  created_at      TEXT NOT NULL " TIME_CHECK("created_at") ",\n"
	"  updated_at      TEXT NOT NULL " TIME_CHECK("updated_at") ",\n"
	"  send_at         TEXT " TIME_CHECK("send_at") ",\n"
	"  sent_at         TEXT " TIME_CHECK("sent_at") ",\n"
	"  delivered_at    TEXT " TIME_CHECK("delivered_at") ",\n"
	"  reviewed_by     TEXT,\n"
	"  reviewed_at     TEXT " TIME_CHECK("reviewed_at") ",\n"
	"  review_reason   TEXT,\n"
	"  reason          TEXT,\n"
	"  error_code      TEXT,\n"
	"  error_message   TEXT,\n"
	"  error_retryable INTEGER CHECK (error_retryable IN (0, 1)),\n"
	"  provider_code   NUMERIC,\n"
	"  warnings        TEXT\n"
	");\n"
	"CREATE UNIQUE INDEX messages_provider_id ON messages (provider, provider_id);\n"
	"CREATE INDEX messages_inbox ON messages (direction, read, created_at);\n"
	"CREATE INDEX messages_to ON messages (to_number, created_at);\n"
	"CREATE INDEX messages_from ON messages (from_number, created_at);\n"
	"CREATE INDEX messages_queue ON messages (status, priority_rank DESC, created_at);\n"
	"CREATE INDEX messages_reply_to ON messages (reply_to);\n"
	"CREATE TABLE events (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  message_id  INTEGER REFERENCES messages (id) ON DELETE CASCADE,\n"
	"  at          TEXT NOT NULL " TIME_CHECK("at") ",\n"
	"  kind        TEXT NOT NULL CHECK (kind <> ''),\n"
	"  status      TEXT,\n"
	"  detail      TEXT\n"
	");\n"
	"CREATE INDEX events_message ON events (message_id, id);\n"
	"CREATE TRIGGER events_append_only BEFORE UPDATE ON events\n"
	"BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;\n"
	"CREATE TABLE autoresponders (\n"
	"  id                INTEGER PRIMARY KEY,\n"
	"  trigger           TEXT NOT NULL CHECK (trigger <> ''),\n"
	"  response          TEXT NOT NULL,\n"
	"  enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),\n"
	"  active_hours      TEXT,\n"
	"  created_at        TEXT NOT NULL " TIME_CHECK("created_at") ",\n"
	"  last_triggered_at TEXT " TIME_CHECK("last_triggered_at") ",\n"
	"  trigger_count     INTEGER NOT NULL DEFAULT 0 CHECK (trigger_count >= 0)\n"
	");\n"
	"CREATE TABLE templates (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  name        TEXT NOT NULL CHECK (name <> ''),\n"
	"  body        TEXT NOT NULL,\n"
	"  created_at  TEXT NOT NULL " TIME_CHECK("created_at") ",\n"
	"  updated_at  TEXT NOT NULL " TIME_CHECK("updated_at") "\n"
	");\n"
	"CREATE UNIQUE INDEX templates_name ON templates (name);\n"
	"CREATE TABLE optouts (\n"
	"  number  TEXT PRIMARY KEY CHECK (number GLOB '+[1-9]*' AND length(number) <= 16\n"
	"          AND substr(number, 2) NOT GLOB '*[^0-9]*'),\n"
	"  at      TEXT NOT NULL " TIME_CHECK("at") ",\n"
	"  source  TEXT NOT NULL\n"
	");\n";

/* Version 2: senders record their claim; a key/value table for cursors; an
 * index for summing spend by day and month (SPEND_AT, see store_spend_since). */
static const char migration_2[] =
	"ALTER TABLE messages ADD COLUMN claimed_by TEXT;\n"
	"ALTER TABLE messages ADD COLUMN claimed_at TEXT " TIME_CHECK("claimed_at") ";\n"
	"CREATE INDEX messages_spend ON messages (" SPEND_AT ") WHERE direction = 'outbound';\n"
	"CREATE TABLE kv (\n"
	"  key         TEXT PRIMARY KEY,\n"
	"  value       TEXT NOT NULL,\n"
	"  updated_at  TEXT NOT NULL " TIME_CHECK("updated_at") "\n"
	");\n";

/* Version 3: the spend index holds only the messages that count as spend
 * (SPEND_STATUS, see store_spend_since): staged (pending, approved, rejected),
 * failed and canceled ones, many of them created today, are no longer read
 * one by one to be thrown away. The query repeats SPEND_STATUS, so that SQLite
 * may use the partial index. */
static const char migration_3[] =
	"DROP INDEX messages_spend;\n"
	"CREATE INDEX messages_spend ON messages (" SPEND_AT ") "
	"WHERE direction = 'outbound' AND status IN ('sending', 'queued', 'scheduled', "
	"'sent', 'delivered', 'undelivered', 'unknown');\n";

/* Version 4: a sender notes when a message's request starts (requested_at),
 * in the transaction that commits right before it; so that, after the sender
 * died, a claimed message never requested can go back to the approved queue
 * instead of becoming unknown. Messages already sending when the store is
 * migrated count as requested: nobody can tell. */
static const char migration_4[] =
	"ALTER TABLE messages ADD COLUMN requested_at TEXT " TIME_CHECK("requested_at") ";\n"
	"UPDATE messages SET requested_at = coalesce(claimed_at, updated_at) "
	"WHERE status = 'sending';\n";

/* Version 5: channels (smskit-whatsapp(7)). A WhatsApp message keeps its
 * address as Twilio writes it, "whatsapp:+15551234567", in to_number and
 * from_number, so that a thread is per channel and number and an opt-out is
 * per channel and number; `channel` is read off to_number (both ends of a
 * message are on one channel) and can never disagree with it. New: the
 * status `read` (WhatsApp reports it after delivered), the template of an
 * outbound WhatsApp message (content_sid, content_variables), what an inbound
 * one carries besides its text (profile_name, wa_id, button_payload,
 * button_text, latitude, longitude) and when a message was read (read_at).
 * SQLite changes a CHECK only by rebuilding the table: messages and optouts
 * are copied into new tables (foreign keys are off during a migration, so
 * events keep their rows), and every index is made again. */
static const char migration_5[] =
	"CREATE TABLE messages_v5 (\n"
	"  id              INTEGER PRIMARY KEY,\n"
	"  direction       TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),\n"
	"  status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected',\n"
	"                  'sending', 'queued', 'scheduled', 'sent', 'delivered', 'undelivered',\n"
	"                  'failed', 'canceled', 'unknown', 'received', 'read')),\n"
	"  to_number       TEXT NOT NULL CHECK (to_number <> ''),\n"
	"  from_number     TEXT,\n"
	"  body            TEXT NOT NULL DEFAULT '',\n"
	"  media           TEXT,\n"
	"  encoding        TEXT CHECK (encoding IN ('GSM-7', 'UCS-2')),\n"
	"  segments        INTEGER CHECK (segments >= 0),\n"
	"  price_estimate  TEXT,\n"
	"  price           TEXT,\n"
	"  currency        TEXT,\n"
	"  provider        TEXT,\n"
	"  provider_id     TEXT CHECK (provider_id IS NULL OR provider IS NOT NULL),\n"
	"  priority        TEXT NOT NULL DEFAULT 'normal'\n"
	"                  CHECK (priority IN ('urgent', 'high', 'normal', 'low')),\n"
	"  priority_rank   INTEGER GENERATED ALWAYS AS (CASE priority WHEN 'urgent' THEN 3\n"
	"                  WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END) VIRTUAL,\n"
	"  notes           TEXT,\n"
	"  ref             TEXT,\n"
	"  reply_to        INTEGER REFERENCES messages (id) ON DELETE SET NULL,\n"
	"  read            INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),\n"
	"  replied         INTEGER NOT NULL DEFAULT 0 CHECK (replied IN (0, 1)),\n"
	"  created_at      TEXT NOT NULL " TIME_CHECK("created_at") ",\n"
	"  updated_at      TEXT NOT NULL " TIME_CHECK("updated_at") ",\n"
	"  send_at         TEXT " TIME_CHECK("send_at") ",\n"
	"  sent_at         TEXT " TIME_CHECK("sent_at") ",\n"
	"  delivered_at    TEXT " TIME_CHECK("delivered_at") ",\n"
	"  reviewed_by     TEXT,\n"
	"  reviewed_at     TEXT " TIME_CHECK("reviewed_at") ",\n"
	"  review_reason   TEXT,\n"
	"  reason          TEXT,\n"
	"  error_code      TEXT,\n"
	"  error_message   TEXT,\n"
	"  error_retryable INTEGER CHECK (error_retryable IN (0, 1)),\n"
	"  provider_code   NUMERIC,\n"
	"  warnings        TEXT,\n"
	"  claimed_by      TEXT,\n"
	"  claimed_at      TEXT " TIME_CHECK("claimed_at") ",\n"
	"  requested_at    TEXT " TIME_CHECK("requested_at") ",\n"
	"  channel         TEXT GENERATED ALWAYS AS (CASE WHEN to_number GLOB 'whatsapp:*'\n"
	"                  THEN 'whatsapp' ELSE 'sms' END) VIRTUAL,\n"
	"  content_sid     TEXT CHECK (content_sid IS NULL OR (content_sid GLOB 'HX*'\n"
	"                  AND length(content_sid) = 34)),\n"
	"  content_variables TEXT,\n"
	"  profile_name    TEXT,\n"
	"  wa_id           TEXT,\n"
	"  button_payload  TEXT,\n"
	"  button_text     TEXT,\n"
	"  latitude        TEXT,\n"
	"  longitude       TEXT,\n"
	"  read_at         TEXT " TIME_CHECK("read_at") "\n"
	");\n"
	"INSERT INTO messages_v5 (id, direction, status, to_number, from_number, body, media,\n"
	"  encoding, segments, price_estimate, price, currency, provider, provider_id, priority,\n"
	"  notes, ref, reply_to, read, replied, created_at, updated_at, send_at, sent_at,\n"
	"  delivered_at, reviewed_by, reviewed_at, review_reason, reason, error_code,\n"
	"  error_message, error_retryable, provider_code, warnings, claimed_by, claimed_at,\n"
	"  requested_at)\n"
	"SELECT id, direction, status, to_number, from_number, body, media,\n"
	"  encoding, segments, price_estimate, price, currency, provider, provider_id, priority,\n"
	"  notes, ref, reply_to, read, replied, created_at, updated_at, send_at, sent_at,\n"
	"  delivered_at, reviewed_by, reviewed_at, review_reason, reason, error_code,\n"
	"  error_message, error_retryable, provider_code, warnings, claimed_by, claimed_at,\n"
	"  requested_at FROM messages;\n"
	"DROP TABLE messages;\n"
	"ALTER TABLE messages_v5 RENAME TO messages;\n"
	"CREATE UNIQUE INDEX messages_provider_id ON messages (provider, provider_id);\n"
	"CREATE INDEX messages_inbox ON messages (direction, read, created_at);\n"
	"CREATE INDEX messages_to ON messages (to_number, created_at);\n"
	"CREATE INDEX messages_from ON messages (from_number, created_at);\n"
	"CREATE INDEX messages_queue ON messages (status, priority_rank DESC, created_at);\n"
	"CREATE INDEX messages_reply_to ON messages (reply_to);\n"
	"CREATE INDEX messages_spend ON messages (" SPEND_AT ") "
	"WHERE direction = 'outbound' AND " SPEND_STATUS ";\n"
	"CREATE TABLE optouts_v5 (\n"
	"  number  TEXT PRIMARY KEY CHECK ((number GLOB '+[1-9]*' AND length(number) <= 16\n"
	"          AND substr(number, 2) NOT GLOB '*[^0-9]*')\n"
	"          OR (number GLOB 'whatsapp:+[1-9]*' AND length(number) <= 25\n"
	"          AND substr(number, 11) NOT GLOB '*[^0-9]*')),\n"
	"  at      TEXT NOT NULL " TIME_CHECK("at") ",\n"
	"  source  TEXT NOT NULL\n"
	");\n"
	"INSERT INTO optouts_v5 (number, at, source) SELECT number, at, source FROM optouts;\n"
	"DROP TABLE optouts;\n"
	"ALTER TABLE optouts_v5 RENAME TO optouts;\n";

/* Version 6: consent (smskit-compliance(7), Consent). consents is the log of
 * every opt-in (kind opt_in: its source and evidence, such as a web form's
 * URL and IP or a signed paper form) and every opt-out (kind opt_out, written
 * with each opt-out), never updated: the latest row by `at` (then id) is a
 * number's current state, so an opt-out voids the opt-ins before it without
 * deleting them. `at` is when the person agreed or withdrew (an import gives
 * it), recorded_at when smskit wrote the row. The opt-outs of the store are
 * copied in as its first rows. messages.purpose is what a request says it
 * is, marketing or transactional (NULL: not said; SMS_REQUIRE_CONSENT reads
 * it). */
static const char migration_6[] =
	"ALTER TABLE messages ADD COLUMN purpose TEXT\n"
	"  CHECK (purpose IS NULL OR purpose IN ('marketing', 'transactional'));\n"
	"CREATE TABLE consents (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  number      TEXT NOT NULL CHECK ((number GLOB '+[1-9]*' AND length(number) <= 16\n"
	"              AND substr(number, 2) NOT GLOB '*[^0-9]*')\n"
	"              OR (number GLOB 'whatsapp:+[1-9]*' AND length(number) <= 25\n"
	"              AND substr(number, 11) NOT GLOB '*[^0-9]*')),\n"
	"  at          TEXT NOT NULL " TIME_CHECK("at") ",\n"
	"  kind        TEXT NOT NULL CHECK (kind IN ('opt_in', 'opt_out')),\n"
	"  source      TEXT NOT NULL CHECK (source <> ''),\n"
	"  evidence    TEXT CHECK (kind = 'opt_out' OR coalesce(evidence, '') <> ''),\n"
	"  recorded_at TEXT NOT NULL " TIME_CHECK("recorded_at") "\n"
	");\n"
	"CREATE INDEX consents_number ON consents (number, at, id);\n"
	"CREATE TRIGGER consents_append_only BEFORE UPDATE ON consents\n"
	"BEGIN SELECT RAISE(ABORT, 'consents are append-only'); END;\n"
	"INSERT INTO consents (number, at, kind, source, recorded_at)\n"
	"  SELECT number, at, 'opt_out', source, at FROM optouts ORDER BY at, number;\n";

/* Version 7: a template may be a WhatsApp template approved at Twilio: its
 * Content SID and its category (sms-template(1) add --content-sid). */
static const char migration_7[] =
	"ALTER TABLE templates ADD COLUMN content_sid TEXT CHECK (content_sid IS NULL OR\n"
	"  (content_sid GLOB 'HX*' AND length(content_sid) = 34));\n"
	"ALTER TABLE templates ADD COLUMN template_category TEXT CHECK (template_category IS NULL\n"
	"  OR template_category IN ('marketing', 'utility', 'authentication'));\n";

/* Version 8: conversations that flow (sms-auto(1), Flows). messages.tag is the
 * conversation state an outbound message sets (the thread's state while it is
 * the latest outbound message to that address and younger than the window);
 * messages.state is the state an inbound message answered. An autoresponder
 * may have a name (the tag of its answers: rules chain), wait for states
 * (after: a comma list of tags) for a time (within, seconds; NULL: the
 * SMS_FLOW_WINDOW), say how its trigger matches (match; NULL: by the
 * trigger's form) and end a conversation (ends: its answer carries no tag). */
static const char migration_8[] =
	"ALTER TABLE messages ADD COLUMN tag TEXT CHECK (tag IS NULL OR (tag <> ''\n"
	"  AND length(tag) <= 64 AND tag NOT GLOB '*[^A-Za-z0-9_.-]*'));\n"
	"ALTER TABLE messages ADD COLUMN state TEXT CHECK (state IS NULL OR (state <> ''\n"
	"  AND length(state) <= 64 AND state NOT GLOB '*[^A-Za-z0-9_.-]*'));\n"
	"ALTER TABLE autoresponders ADD COLUMN name TEXT CHECK (name IS NULL OR (name <> ''\n"
	"  AND length(name) <= 64 AND name NOT GLOB '*[^A-Za-z0-9_.-]*'));\n"
	"ALTER TABLE autoresponders ADD COLUMN after TEXT;\n"
	"ALTER TABLE autoresponders ADD COLUMN within INTEGER CHECK (within IS NULL OR within > 0);\n"
	"ALTER TABLE autoresponders ADD COLUMN match TEXT\n"
	"  CHECK (match IS NULL OR match IN ('word', 'exact', 'regex'));\n"
	"ALTER TABLE autoresponders ADD COLUMN ends INTEGER NOT NULL DEFAULT 0\n"
	"  CHECK (ends IN (0, 1));\n"
	"CREATE UNIQUE INDEX autoresponders_name ON autoresponders (name) WHERE name IS NOT NULL;\n"
	"CREATE INDEX messages_state ON messages (state) WHERE state IS NOT NULL;\n";

const char *const store__migrations[] = {migration_1, migration_2, migration_3, migration_4,
                                         migration_5, migration_6, migration_7, migration_8};

_Static_assert(sizeof store__migrations / sizeof *store__migrations == STORE_SCHEMA_VERSION,
               "one migration per schema version");
