/* store — the one store every program shares (sms-config(5)): opening, schema
 * versions and forward migrations, transactions, messages, events, opt-outs,
 * spend, cursors, listings, the approved queue, templates, bulk inserts,
 * autoresponders; its upkeep (sms-store) is in store_maint.h. Callers see no
 * SQL and no sqlite3 type.
 *
 * The backend seam (doc/store.md, store_backend.h): the functions declared
 * here and in store_maint.h are what a backend implements, all but
 * store_status_next_ok and store_status_valid (store_record.c) and the few
 * of store_front.c, which are backend-neutral. store_open picks the backend
 * by SMS_DB's form: PostgreSQL for a postgresql:// URI (store_pg_*.c, see
 * store_pg.h), else SQLite, these files:
 *   store_open.c       the connection: open, pragmas, migrations applied,
 *                      close; errors, the statement cache, transactions
 *   store_schema.c     the schema, one forward migration per version
 *   store_messages.c   messages and events
 *   store_list.c       listings, counts, spend, the approved queue, paging
 *   store_bulk.c       the bulk insert (sms-stage)
 *   store_optout.c     opt-outs
 *   store_templates.c  templates
 *   store_kv.c         key/value cursors
 *   store_auto.c       autoresponders
 *   store_channel.c    what a channel's rules read (WhatsApp's window)
 *   store_maint.c      upkeep (store_maint.h, sms-store): backup, check, stats
 *   store_maint_rows.c upkeep row by row: a number's export and erasure, prune
 *   store_internal.h   what they share
 * All of smskit's SQL text is in them, each file the SQL of its own tables;
 * no other file of common/ or cmd/ holds SQL or includes sqlite3.h.
 * store_record.c (store_record.h) is backend-neutral, with no SQL: the
 * message record's columns, checks and defaults, the statuses and their
 * lifecycle, the stored form of times; a second backend reuses it as is. */
#ifndef SMSKIT_STORE_H
#define SMSKIT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>

struct store;

/* Return values. Every function returns STORE_OK or STORE_ERR (with a sentence
 * in store_errmsg()), or one of the positive sentinels it documents. */
#define STORE_OK        0
#define STORE_ERR      (-1)
#define STORE_NOTFOUND  1 /* no such message, opt-out, key */
#define STORE_EXISTS    2 /* already there: nothing was added */
#define STORE_REFUSED   3 /* a status change the lifecycle forbids: nothing changed */

/* ---- Opening -------------------------------------------------------------- */

/* The schema version this build writes (PRAGMA user_version of the file). */
#define STORE_SCHEMA_VERSION 8

/* store_open() flags. */
#define STORE_SYNC_NORMAL 0x1u /* synchronous=NORMAL instead of FULL: for bulk tools
                                * only; a power cut may lose the last commits */
#define STORE_NO_CKPT_ON_CLOSE 0x2u /* for one-request processes (CGI): the WAL is
                                * copied back only at close, never inside a
                                * commit (so never while a request waits), and
                                * only once it holds STORE_CKPT_FRAMES or more;
                                * a close would otherwise fsync the whole store
                                * every time */
#define STORE_CKPT_FRAMES 128 /* pages: 512 KiB, about a dozen webhook requests */

/* Opens (creating parent directories 0700 and the file 0600 when missing) and
 * migrates the store forward to STORE_SCHEMA_VERSION. An empty file at path
 * is refused: smskit never makes one. WAL, busy timeout 5 s,
 * foreign keys on, synchronous=FULL unless STORE_SYNC_NORMAL.
 * On failure returns NULL with one sentence naming the path in err, and errno
 * EAGAIN when the store stayed locked by another process past the busy timeout
 * (the caller exits 75, EX_TEMPFAIL); otherwise the caller exits 78 (EX_CONFIG):
 * not an SQLite file, not an smskit store, a schema newer than this build... */
struct store *store_open(const char *path, unsigned flags, char *err, size_t errlen);
void store_close(struct store *s);

int store_version(const struct store *s); /* schema version of the open file */
/* A number that changes when another connection (another program, or
 * another connection of this one) has committed a change to the store since
 * this connection last looked, and only then (PRAGMA data_version): a
 * connection's own writes leave it as it was. Never the same on two
 * connections. For caches kept beside one connection (the daemon's writer
 * keeps the autoresponders). STORE_OK or STORE_ERR. */
int store_others_version(struct store *s, long long *v);
/* Waiting for messages (sms-inbox --wait): a file descriptor that becomes
 * readable when another connection may have stored a message, or -1 when
 * the backend has none (SQLite: the caller watches the store's files, whose
 * directory store_path names). On PostgreSQL the connection LISTENs on the
 * channel a trigger notifies at every insert into messages, and the
 * descriptor is its socket. store_watch_drain takes in what arrived, without
 * waiting: 1 when a notice came (look at the store again), 0 when none,
 * STORE_ERR. A notice may also arrive while another call reads the store:
 * drain before each wait. */
int store_watch_fd(struct store *s);
int store_watch_drain(struct store *s);
const char *store_path(const struct store *s);
/* The last error, one sentence without a newline; "" when none. */
const char *store_errmsg(const struct store *s);

/* ---- Transactions ---------------------------------------------------------- */

/* Every function below is atomic on its own. To group several, wrap them in
 * store_begin_immediate()/store_commit(): the write lock is taken at once, so
 * concurrent writers wait (busy timeout) instead of failing half-way.
 * store_commit() rolls back when the commit itself fails. */
int store_begin_immediate(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* Inside an open transaction, one unit of work that may fail on its own: a
 * savepoint the caller then releases (keeping the work) or rolls back (undoing
 * only it), so that many independent requests can share one commit (the
 * webhook daemon's group commit). Savepoints nest. */
int store_savepoint(struct store *s);
/* 1 while a transaction is open. SQLite may end one on its own when a statement
 * fails for a full disk or an I/O error: a caller that went on would write
 * outside it, a commit each. */
int store_txn_open(const struct store *s);
int store_savepoint_release(struct store *s);
int store_savepoint_rollback(struct store *s);

/* ---- Messages (the message records of smskit(7)) ----------------------------- */

/* Stores a message record (smskit(7)): to, from, body, media[], direction
 * (default "outbound"), status (default "pending", or "received" inbound),
 * priority, notes, send_at, ref, reply_to, encoding, segments, price_estimate,
 * price, currency, provider, provider_id, reviewed_*, read, replied, error{},
 * reason, warnings[], created_at (default now), plus "claimed_by" for a sender
 * that stores its own claim. Other fields (id, line, ok, anything unknown) are
 * ignored. Times may carry any offset or fraction; they are stored as UTC
 * "YYYY-MM-DDTHH:MM:SSZ". Money must be a decimal string. Appends a "created" event.
 * Returns STORE_OK with *id, or STORE_EXISTS with *id of the message already
 * stored under the same provider and provider_id (a webhook retry). */
int store_msg_insert(struct store *s, const cJSON *rec, int64_t *id);
/* 1 when t is a tag (a conversation state, a rule's name): 1 to 64 ASCII
 * letters, digits, '-', '_' or '.'; else 0. */
int store_tag_ok(const char *t);
/* The conversation state of the thread with address ("+1555...", or
 * "whatsapp:+1555...", its own thread): the tag of the latest outbound
 * message to it, in tag (tag_len bytes, "" when it has none) and its
 * created_at in *at (0 when there is no such message). A message older than
 * the latest opt-out of address (consents) sets nothing: STOP ends a
 * conversation. The caller applies the window (sms-auto(1), Flows). */
int store_thread_state(struct store *s, const char *address, char *tag, size_t tag_len,
                       time_t *at);

/* *rec = the message record of message id (every field present: null when unset,
 * media and warnings always arrays, read/replied booleans), or STORE_NOTFOUND. */
int store_msg_get(struct store *s, int64_t id, cJSON **rec);

/* The read and replied flags of an inbound message (smskit(7), Lifecycle). Each change sets
 * updated_at and appends an event: kind "read" (detail {"read": true|false})
 * or "replied"; setting a flag to the value it has changes nothing and
 * appends nothing. STORE_OK; STORE_NOTFOUND for an unknown id; STORE_REFUSED,
 * with a sentence and nothing changed, for an outbound message (only
 * received messages are read or replied to). */
int store_msg_mark_read(struct store *s, int64_t id, int read);
int store_msg_mark_replied(struct store *s, int64_t id);

/* The message a provider knows as provider_id; STORE_NOTFOUND when none. */
int store_msg_find_provider_id(struct store *s, const char *provider,
                               const char *provider_id, int64_t *id);

/* Moves message id to status, in one transaction with an event of kind
 * "status" (detail: the caller's detail object plus "previous" and "fields").
 * fields (may be NULL) sets more of the record at the same time, message record keys
 * among: from, encoding, segments, price_estimate, price, currency, provider,
 * provider_id, send_at, sent_at, delivered_at, reviewed_by, reviewed_at,
 * review_reason, error (an object, or null to clear), reason, warnings,
 * claimed_by. Unless given: sent_at is set on the first move to queued, sent,
 * delivered or undelivered; delivered_at on delivered; reviewed_at on approved
 * or rejected; claimed_at on sending; reason is cleared when the status changes.
 * The same status again is allowed (it only updates fields), except sending:
 * moving to sending is the claim, and of concurrent claimers exactly one wins.
 * A move the lifecycle forbids (store_status_next_ok) returns STORE_REFUSED and
 * changes nothing; an unknown id returns STORE_NOTFOUND. */
int store_msg_set_status(struct store *s, int64_t id, const char *status,
                         const cJSON *fields, const cJSON *detail);

/* 1 when a message may move from status `from` to status `to` (the same status
 * counts as allowed, except sending -> sending), 0 otherwise. The lifecycle
 * (sms-config(5), Lifecycle), outbound:
 *   pending     -> approved rejected canceled
 *   approved    -> sending canceled
 *   sending     -> queued scheduled sent delivered undelivered failed unknown read
 *                  (and approved, only through store_msg_unclaim)
 *   queued      -> scheduled sent delivered undelivered failed canceled read
 *   scheduled   -> queued sent delivered undelivered failed canceled read
 *   sent        -> delivered undelivered failed read
 *   undelivered -> delivered read      (a late receipt)
 *   delivered   -> read                (WhatsApp reports that it was read)
 *   unknown     -> approved queued scheduled sent delivered undelivered failed canceled read
 *   read, failed, rejected, canceled: final.
 * Inbound: received, final. */
int store_status_next_ok(const char *from, const char *to);

/* 1 when status is one of the statuses of smskit(7) (including "received"), else 0. */
int store_status_valid(const char *status);

/* ---- Events (append-only log of status changes, webhooks, opt-outs) -------- */

/* Appends an event. message_id 0 means none; detail may be NULL or any JSON
 * value. *id (may be NULL) receives the event id. */
int store_event_append(struct store *s, int64_t message_id, const char *kind,
                       const char *status, const cJSON *detail, int64_t *id);

/* Status callbacks (sms-webhookd) for a provider_id no message had yet are
 * kept as "webhook" events without a message, whose detail holds "pending":
 * {"provider", "provider_id", "status", "fields"}, the status change they ask
 * for. Calls fn with each one of provider and provider_id, oldest first; fn
 * returns non-zero to stop and must not write to the store. */
int store_events_pending_status(struct store *s, const char *provider, const char *provider_id,
                                int (*fn)(int64_t event_id, const cJSON *pending, void *arg),
                                void *arg);

/* ---- Opt-outs (smskit-compliance(7)) ---------------------------------------- */

/* number is E.164 ("+" and up to 15 digits; callers normalise first), or that
 * after "whatsapp:" for an opt-out on WhatsApp (address.h). source
 * says how: the keyword texted ("STOP"), "manual", "provider 21610"...
 * A change appends an "optout" or "optin" event (number and source). */
int store_optout_add(struct store *s, const char *number, const char *source);
	/* STORE_OK, or STORE_EXISTS when already opted out (date kept) */
int store_optout_remove(struct store *s, const char *number, const char *source);
	/* STORE_OK, or STORE_NOTFOUND when it was not opted out */
int store_optout_check(struct store *s, const char *number);
	/* 1 opted out, 0 not, STORE_ERR */

struct store_optout {
	const char *number, *at, *source;
};
/* Calls fn for every opt-out, oldest first; fn returns non-zero to stop, and
 * must not change opt-outs. Returns STORE_OK or STORE_ERR. */
int store_optout_list(struct store *s, int (*fn)(const struct store_optout *o, void *arg),
                      void *arg);

/* ---- Spend (smskit-compliance(7), Spend caps) ------------------------------- */

/* *spent = the outbound spend since `since` (RFC 3339), in millionths of the
 * currency unit (price.h's money_t): each message's price when the provider
 * gave one (its absolute value), else its price_estimate; counting messages
 * sending, queued, scheduled, sent, delivered, undelivered or unknown, at
 * sent_at, else claimed_at, else created_at. Inside store_begin_immediate()
 * the figure holds until commit, so a cap check cannot race another sender. */
int store_spend_since(struct store *s, const char *since, long long *spent);

/* The spend of the current day (index 0) and month (index 1): since[m] is the
 * period's start (clock_period_start of now), spent[m] its store_spend_since;
 * for the cap check (sender), sms-status --summary and the dashboard. Only the
 * periods in want are summed (the cap check skips one without a cap, whose sum
 * would cost a query per message). STORE_ERR at the first sum that fails; what
 * was not summed stays since "" and spent 0. */
#define STORE_SPEND_DAY   0x1u
#define STORE_SPEND_MONTH 0x2u
#define STORE_SPEND_BOTH  (STORE_SPEND_DAY | STORE_SPEND_MONTH)
struct store_spend {
	long long spent[2];
	char      since[2][32];
};
int store_spend_periods(struct store *s, time_t now, unsigned want, struct store_spend *out);

/* ---- Small key/value cursors (e.g. the last inbox fetch) ------------------- */

/* *value is malloc'd; STORE_NOTFOUND when the key is unset. */
int store_kv_get(struct store *s, const char *key, char **value);
/* value NULL deletes the key. */
int store_kv_set(struct store *s, const char *key, const char *value);

/* ---- Listing and counting messages (sms-status and friends) ---------------- */

/* Which messages store_msg_list() gives; every member is optional (zero/NULL:
 * no condition). Statuses tie to a direction (received is inbound, the rest
 * outbound), so a status of the other direction simply matches nothing. */
struct store_query {
	const char        *direction;    /* "outbound" or "inbound" */
	const char *const *statuses;     /* any of these statuses */
	size_t             nstatuses;
	const int64_t     *ids;          /* any of these message ids */
	size_t             nids;
	const char        *since;        /* created_at at or after this RFC 3339 time */
	int64_t            after_id;     /* keyset paging: only ids after this one in the
	                                  * listing order (greater, or smaller when
	                                  * newest_first); 0 starts from the beginning */
	size_t             limit;        /* at most this many; 0: no limit */
	int                newest_first; /* id descending instead of ascending */
	/* The inbox (sms-inbox). Any of these, or by_time, lists in time order:
	 * created_at, ties by id (a fetched message keeps the time the provider
	 * received it, so ids need not follow time); after_id is then refused. */
	const char        *from;         /* from_number is this (E.164) */
	const char        *number;       /* a thread: to_number or from_number is this,
	                                  * both directions */
	int                unread;       /* inbound messages with read = 0 */
	int                by_time;      /* time order without the filters above */
	int                tail;         /* with a limit, oldest first: the newest
	                                  * `limit` messages, still oldest first */
	const char        *channel;      /* "sms" or "whatsapp": messages of that
	                                  * channel only (read off to_number); NULL: any */
	const char        *state;        /* inbound messages that answered this
	                                  * conversation state (messages.state); NULL: any */
};

/* Calls fn with the message record (as store_msg_get builds it) of every message
 * the query selects, in id order (time order for the inbox members); fn owns
 * rec and returns non-zero to stop.
 * Queries stay on indexes (a status list on messages_queue, since on
 * messages_inbox, the rest on the rowid), so paging with after_id and a limit
 * walks a store of any size without loading it. In time order each selection
 * is a merge of index range scans, newest (or oldest) `limit` of each: unread
 * is one range of messages_inbox (direction, read, created_at), a direction
 * two (read 0 and 1), from one of messages_from, a thread one of messages_to
 * and one of messages_from; so the cost is the limit's, not the store's.
 * fn should not write to the store (the listing could see its own changes):
 * collect a page, write, and ask for the next page after its last id. Returns STORE_OK, or STORE_ERR on a
 * bad query (an unknown status or direction, a bad time) or an SQLite error. */
int store_msg_list(struct store *s, const struct store_query *q,
                   int (*fn)(cJSON *rec, void *arg), void *arg);

/* Calls fn(status, n) for every status with at least one message of direction
 * ("outbound", "inbound", or NULL for both), in lifecycle order (pending,
 * approved, rejected, sending, queued, scheduled, sent, delivered, undelivered,
 * failed, canceled, unknown, received); fn returns non-zero to stop. One pass
 * over the messages_queue index. Returns STORE_OK or STORE_ERR. */
int store_status_counts(struct store *s, const char *direction,
                        int (*fn)(const char *status, long long n, void *arg), void *arg);

/* ---- The approved queue (sms-send --approved) --------------------------------- */

/* Up to max ids of approved outbound messages that are due at `now` (no
 * send_at, or send_at at or before now), in sending order: urgent, high,
 * normal, low, then oldest first. *n receives the count. Call it inside
 * store_begin_immediate() and claim what you take (store_msg_set_status to
 * "sending" with "claimed_by") before commit: then no other sender can take
 * the same message. */
int store_queue_due(struct store *s, const char *now, int64_t *ids, size_t max, size_t *n);

/* Sets `reason` on every approved outbound message due at `now` (why it is
 * waiting, e.g. "deferred to 08:00 by quiet hours"); *n receives the count. */
int store_queue_note(struct store *s, const char *now, const char *reason, size_t *n);

/* Calls fn(id, claimed_by, requested) for every outbound message in status
 * `sending`, the messages a sender has claimed and not yet answered for;
 * requested is 1 once store_msg_requested noted its request. fn must not write. */
int store_claims(struct store *s,
                 int (*fn)(int64_t id, const char *claimed_by, int requested, void *arg),
                 void *arg);

/* Notes that the request of message id (sending) starts now: call it in the
 * transaction committed right before the request. Once noted, the message is
 * in flight: its sender's death makes it unknown, never approved again. */
int store_msg_requested(struct store *s, int64_t id);

/* Gives the claim on message id back after its sender died before making its
 * request: sending -> approved, with reason, claimed_by cleared, and a "status"
 * event. The one move back the lifecycle has, and only for a message that was
 * approved and never requested (store_msg_requested); else STORE_REFUSED and
 * nothing changed. */
int store_msg_unclaim(struct store *s, int64_t id, const char *reason);

/* ---- Templates (sms-template) ---------------------------------------------- */

struct store_template {
	const char *name, *body, *created_at, *updated_at;
	/* a WhatsApp template (schema version 6): its Content SID and category,
	 * NULL for a plain body */
	const char *content_sid, *category;
};
/* Stores t (name, body, content_sid, category; the times are set here).
 * STORE_EXISTS when the name is taken and !replace. */
int store_template_put(struct store *s, const struct store_template *t, int replace);
/* The template named name, malloc'd with its strings (free() it once);
 * STORE_NOTFOUND when there is none. */
int store_template_find(struct store *s, const char *name, struct store_template **out);
/* Stores a named body. STORE_EXISTS when the name is taken and !replace. */
int store_template_add(struct store *s, const char *name, const char *body, int replace);
/* *body is malloc'd; STORE_NOTFOUND when there is no such template. */
int store_template_get(struct store *s, const char *name, char **body);
/* STORE_OK, or STORE_NOTFOUND when there was no such template. */
int store_template_remove(struct store *s, const char *name);
/* Calls fn for every template, by name; fn returns non-zero to stop. */
int store_template_list(struct store *s, int (*fn)(const struct store_template *t, void *arg),
                        void *arg);

/* ---- Bulk inserts (sms-stage) ---------------------------------------------- */

/* Stores n records as n calls of store_msg_insert() would (same checks,
 * defaults and "created" events), much faster: many rows share each INSERT.
 * All or nothing: STORE_OK with ids[i] the id of recs[i] (consecutive, in
 * order; on PostgreSQL in order, and consecutive unless another connection
 * stores messages at the same time), or STORE_ERR with nothing stored and a
 * sentence naming the first bad record ("record 3: to: missing"); insert them
 * one by one to learn which fail. Messages with a provider_id are refused:
 * use store_msg_insert. */
int store_msg_insert_many(struct store *s, const cJSON *const *recs, size_t n, int64_t *ids);

/* ---- Paging through a status by id (sms-approve) --------------------------- */

/* *min and *max: the lowest and highest id of the messages in status (both 0
 * when there is none). One pass over that status in messages_queue. */
int store_msg_id_range(struct store *s, const char *status, int64_t *min, int64_t *max);

/* Up to max ids of the messages in status, and of that priority unless NULL,
 * with after < id <= upto, in id order; *n receives the count. A page walks
 * the ids from after on, so paging through a range (after = the last id of
 * the previous page) reads each row once, whatever the size of the status.
 * Inside store_begin_immediate() the page holds until commit. */
int store_msg_ids(struct store *s, const char *status, const char *priority, int64_t after,
                  int64_t upto, int64_t *ids, size_t max, size_t *n);

/* ---- Autoresponders (sms-auto, sms-webhookd; implemented in store_auto.c) -- */

struct store_auto {
	int64_t     id;
	const char *trigger;       /* "HOURS" (a keyword) or "/regex/" */
	const char *response;
	int         enabled;
	const char *active_hours;  /* "9am-5pm Mon-Fri", or NULL: always */
	const char *created_at, *last_triggered_at; /* last_triggered_at NULL: never */
	long long   trigger_count;
	/* Schema version 8, flows (sms-auto(1), Flows): */
	const char *name;          /* the tag of its answers, or NULL */
	const char *after;         /* "survey,rated": the states it waits for, or NULL: any */
	long long   within;        /* seconds a state lasts for it; 0: SMS_FLOW_WINDOW */
	const char *match;         /* "word", "exact", "regex", or NULL: by the trigger's form */
	int         ends;          /* its answer ends the conversation (carries no tag) */
};
/* Stores a rule (the caller has checked trigger and active_hours with
 * autoresp.h); *id receives its id. Appends an "autoresponder" event.
 * a's trigger, response, enabled, active_hours, name, after, within, match
 * and ends are stored; STORE_EXISTS when its name is another rule's. */
int store_auto_add(struct store *s, const struct store_auto *a, int64_t *id);
/* STORE_OK, or STORE_NOTFOUND when there is no rule id. */
int store_auto_remove(struct store *s, int64_t id);
int store_auto_set_enabled(struct store *s, int64_t id, int enabled);
/* Counts one trigger of rule id at time `at` (RFC 3339): trigger_count + 1,
 * last_triggered_at = at. STORE_NOTFOUND when there is no rule id. */
int store_auto_fired(struct store *s, int64_t id, const char *at);
/* Calls fn for every rule in id order (the order rules are tried in);
 * enabled_only skips disabled ones; fn returns non-zero to stop. */
int store_auto_list(struct store *s, int enabled_only,
                    int (*fn)(const struct store_auto *a, void *arg), void *arg);
/* *rec = the autoresponder record (sms-auto(1)) of rule id (id, trigger, response,
 * enabled, active_hours, created_at, last_triggered_at, trigger_count; null
 * when unset), or STORE_NOTFOUND. */
int store_auto_get(struct store *s, int64_t id, cJSON **rec);
/* Adds a's flow fields to record j, each only when set: name, after, within
 * (seconds), match, end (true). */
void store_auto_flow_fields(cJSON *j, const struct store_auto *a);
/* *n = how many messages from number received since `since` (RFC 3339) an
 * autoresponder answered (their "webhook" event names it), counting up to max
 * at most: for the limit of answers per number (SMS_AUTO_REPLY_LIMIT). */
int store_auto_answers_since(struct store *s, const char *number, const char *since,
                             long long max, long long *n);

/* ---- Channels (smskit-whatsapp(7)) --------------------------------------- */

/* The time of the latest inbound message from address (as stored:
 * "whatsapp:+15551234567"), in *at; 0 when there is none. For WhatsApp's
 * customer-service window. STORE_OK or STORE_ERR. */
int store_last_inbound(struct store *s, const char *address, time_t *at);

/* ---- Consent (smskit-compliance(7), Consent; implemented in store_consent.c) */

/* One row of the consents log: kind "opt_in" (source and evidence: how and
 * where the person agreed) or "opt_out" (written with every opt-out;
 * evidence NULL). at: when it happened; recorded_at: when it was stored. */
struct store_consent {
	const char *number, *at, *kind, *source, *evidence, *recorded_at;
};
/* Records an opt-in of number (E.164, or whatsapp:+E.164, as store_optout_add
 * takes it) at `at` (RFC 3339; NULL: now), with source (a short word: web,
 * keyword, paper, import...) and evidence (free text, not empty). When it is
 * the number's latest word and the number is opted out (an older opt-out),
 * the opt-out is lifted (store_optout_remove, source "consent") and
 * *lifted (may be NULL) is 1. STORE_OK or STORE_ERR (a bad number, time,
 * source or evidence, with a sentence). */
int store_consent_add(struct store *s, const char *number, const char *at, const char *source,
                      const char *evidence, int *lifted);
/* 1 when number's latest row (by at, then id) is an opt-in, 0 when it is an
 * opt-out or there is none, STORE_ERR. One probe of consents_number. */
int store_consent_check(struct store *s, const char *number);
/* Calls fn with every row of number, oldest first (number NULL: with the
 * latest row of every number, by number); fn returns non-zero to stop and
 * must not write. STORE_OK or STORE_ERR. */
int store_consent_list(struct store *s, const char *number,
                       int (*fn)(const struct store_consent *c, void *arg), void *arg);

#endif
