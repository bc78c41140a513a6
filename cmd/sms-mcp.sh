#!/bin/sh
# sms-mcp — the MCP shim: JSON-RPC 2.0 over stdio, one message a line, that
# offers smskit's programs to an AI assistant as tools (sms-mcp(1)).
#
# One pipeline, started once, so that a request costs no jq start-up:
#
#   stdin -> [sed (cuts long lines)] -> awk (reader) -> jq (dispatch)
#         -> awk (runs the programs) -> jq (answers) -> stdout
#
# The reader hands each line to jq as a JSON string (jq 1.6's own raw reader
# breaks UTF-8 characters in lines over 4 KB), with every number in it spelt
# out as text in an object of its own, so that ids come back byte for byte
# (jq 1.6 reads numbers into doubles); a line over the size limit is not
# handed on, only its length and its id. The dispatch jq parses the line,
# answers what needs no program (initialize, ping, tools/list, every error)
# and turns a tools/call into a run order: the program, its fixed options,
# and the NDJSON records for its standard input, which carry every value of
# the client's (the listing programs read theirs with --query): no value ever
# becomes an argument. The loop writes the records to a file, runs the program
# with a constant command line that reads its options from another (no
# argument ever goes through a shell), and passes its output, stderr and exit
# status on as one JSON value; the answering jq builds the result and writes
# it out with the numbers' text put back. Every answer is produced by jq; awk
# only escapes raw lines into JSON strings for jq to read. Every step takes
# time in proportion to the length of a line.
set -u

version=@VERSION@  # filled in by make from the Makefile's VERSION

usage() {
	cat <<'EOF'
usage: sms-mcp [-h | --help | --version]

The MCP server of smskit: JSON-RPC 2.0 on standard input and output, one
message per line, for AI assistants (Claude Desktop, Claude Code, Cursor...).
It offers the tools send_sms, send_mms, stage_sms, list_staged_sms,
send_approved_sms, get_incoming_sms, reply_to_sms, mark_sms_read,
create_sms_autoresponder, list_sms_autoresponders, delete_sms_autoresponder,
get_sms_conversation, get_sms_status, preview_sms, get_consent,
list_sms_templates, stage_sms_template, send_sms_template and
wait_for_sms_reply, each running
an smskit program and answering in text a person reads, the records in
structuredContent. SMS_MCP_DIRECT_SEND=off leaves out send_sms, send_mms,
send_sms_template and reply_to_sms, and stores autoresponders disabled. Logs go to
standard error. Configure it in an MCP client as {"command": "sms-mcp",
"env": {"SMS_PROVIDER": ...}}; see sms-mcp(1).

  -h, --help     this help
      --version  print the version
EOF
}

case $# in
0) ;;
*)
	case $1 in
	-h | --help) usage; exit 0 ;;
	--version) echo "sms-mcp $version"; exit 0 ;;
	*) echo "sms-mcp: unexpected argument '$1'" >&2; usage >&2; exit 64 ;;
	esac
	;;
esac

command -v jq >/dev/null 2>&1 || {
	echo "sms-mcp: jq is needed (Debian: apt-get install jq)" >&2
	exit 69
}

# The programs installed next to this script win over PATH: MCP clients often
# start servers with a PATH of their own.
bindir=
case $0 in */*) [ -x "${0%/*}/sms-send" ] && bindir=${0%/*}/ ;; esac

case ${SMS_MCP_DIRECT_SEND:-on} in
on | yes | true | 1) direct=on ;;
off | no | false | 0) direct=off ;;
*)
	echo "sms-mcp: SMS_MCP_DIRECT_SEND=$SMS_MCP_DIRECT_SEND: neither on nor off; taken as off" >&2
	direct=off
	;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sms-mcp.XXXXXX") || exit 75
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- numbers, for both jq programs ------------------------------------------------
# The reader writes every number of the client's as {TAG: "its text"}, TAG
# being SMS_MCP_TAG, a key drawn at random for the session, which no client
# can know; such a number counts as a number (kind), and wire writes it out
# as its text again.
numbers=$(cat <<'JQ'
def tag: $ENV.SMS_MCP_TAG;
def isnum: type == "object" and has(tag);
def kind: if isnum then "number" else type end;
def num($text): {(tag): $text};
# wire: the JSON text of a value, numbers spelt as the client spelt them. A
# number's object is written {"TAG":"TEXT"}, TEXT being digits, sign, point
# and exponent, and no string holds an unescaped quote: so every {"TAG":"
# in the text starts one, and the first "} after it ends it.
def wire:
  tojson
  | ("{\"" + tag + "\":\"") as $k
  | if index($k) == null then .
    else split($k) | .[0] + ([.[1:][] | index("\"}") as $i | .[:$i] + .[$i + 2:]] | add) end;
JQ
)

# ---- the dispatch program ------------------------------------------------------
# Reads each line of the client's as a JSON string; one state (the negotiated
# protocol version) across them. For each it prints lines for the loop:
#   =JSON                 a finished answer
#   [ and ]               the start and end of a batch's answers
#   R<TAB>TOOL<TAB>META<TAB>PROG<TAB>ARG...   a program to run (META is JSON
#                         for the answering jq), then <RECORD lines, then "."
dispatch=$(cat <<'JQ'
def versions: ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
def latest: versions[0];

def rpc_result($id; $r): {jsonrpc: "2.0", id: $id, result: $r};
def rpc_error($id; $code; $msg): {jsonrpc: "2.0", id: $id, error: {code: $code, message: $msg}};
def rpc_error($id; $code; $msg; $data): rpc_error($id; $code; $msg) | .error.data = $data;
def answer: "=" + tojson;

# ---- the tools ----
def number_text: "E.164 such as +15551234567, or a national number such as (555) 123-4567 read against SMS_DEFAULT_COUNTRY; in digits (letters are refused, not read on the keypad), with no extension";
# WhatsApp is chosen by the address, as everywhere in smskit and in what the
# tools return (a WhatsApp message's from is whatsapp:+...): no channel
# parameter that could contradict it (sms-mcp(1), WhatsApp).
def address_text: "\(number_text). For WhatsApp, the same number after whatsapp: (whatsapp:+15551234567); without that prefix the message goes by SMS";
def window_text: "On WhatsApp (to whatsapp:+...), free text and media may be sent only within 24 hours of that person's last WhatsApp message to us (the customer-service window); outside it send an approved template with contentSid instead of the text, or the send is refused with outside_window.";
def content_sid: {type: "string", maxLength: 34, pattern: "^HX[0-9a-fA-F]{32}$",
  description: "WhatsApp only: the Content SID of an approved message template, HX and 32 hex digits (from the Twilio Console). Needed outside the 24-hour window; the template is sent instead of a text."};
def content_variables: {type: "object", maxProperties: 100, propertyNames: {maxLength: 64},
  additionalProperties: {anyOf: [{type: "string", maxLength: 1600}, {type: "number"}]},
  description: "With contentSid: the template's variables by position or name, e.g. {\"1\": \"Ann\", \"2\": \"10:00\"}."};
# Every string has a maxLength, so that no argument costs more than a message's
# worth of work: texts 6400 characters (four times the 1600 that a message
# may have, so that a text somewhat too long is the program's to refuse, with
# its reasons; a note or a text to preview 16000), phone numbers 64, URLs 2048.
def text_max: 6400;
def phone_param($what): {type: "string", minLength: 1, maxLength: 64, description: $what};
def url: {type: "string", format: "uri", maxLength: 2048, pattern: "^https?://\\S+$"};
def media_schema: {
  anyOf: [url, {type: "array", items: url, minItems: 1, maxItems: 10}],
  description: "Public http or https URL of the picture (or other media) to attach, or an array of up to 10 such URLs. The provider fetches it when sending."
};
# A message id as assistants write it: 42, "42", or the provider's own id
# (Twilio's SM..., a Vonage or SNS id), which the programs look up.
def message_id($what): {anyOf: [{type: "integer", minimum: 1, maximum: 9007199254740991},
                                {type: "string", minLength: 1, maxLength: 64, pattern: "^[0-9A-Za-z][0-9A-Za-z._:-]{0,63}$"}],
  description: "\($what) The id shown as #42 (42 or \"42\"), or the provider's id of the message (SM..., a Vonage or SNS id)."};
def rule_id($what): {type: "integer", minimum: 1, maximum: 9007199254740991, description: $what};
def no_params: {type: "object", properties: {}, additionalProperties: false};
def ro: {readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false};

# wait_for_sms_reply (sms-mcp(1)): its entry in the tool list; its plan
# (sms-inbox --wait, the seconds and the sender in the query record) is with
# the other plans, and its result (wait_for_sms_reply_result) in the answering
# program. The default stays under
# the 60 s after which SDK clients give up on a request by default.
def wait_for_sms_reply_tool:
 {name: "wait_for_sms_reply", title: "Wait for a reply",
  description: "Wait up to timeoutSeconds (default 50, at most 300) for a new SMS or WhatsApp message to arrive, from one number (from) or from anyone, and return it as soon as it is stored: who sent it, when, the text, and its id for reply_to_sms. Only messages received after the wait began count (get_incoming_sms lists the earlier ones); waiting marks nothing read. When nothing comes in time the result says so (not an error): wait again or move on. While it waits this server answers no other request, and the client must allow the request that long.",
  inputSchema: {type: "object", properties: {
    from: {type: "string", maxLength: 49, pattern: "^(whatsapp:)?[0-9A-Za-z+(][0-9A-Za-z +().-]{0,39}$", description: "Only a message from this number: \(address_text). Leave it out to take the first message from anyone."},
    timeoutSeconds: {type: "integer", minimum: 1, maximum: 300, default: 50, description: "How long to wait, in seconds (1 to 300; default 50)."}},
   additionalProperties: false},
  annotations: ro};

# A conversation state (sms-auto(1), Flows): a tag, as the programs take it.
def tag_pattern: "^[A-Za-z0-9_.-]{1,64}$";
def tag_param: {type: "string", minLength: 1, maxLength: 64, pattern: tag_pattern,
  description: "The conversation state this message opens, e.g. survey: autoresponders with after=survey answer the reply (create_sms_autoresponder). 1 to 64 letters, digits, -, _ or .; leave it out for none (a message without a tag ends any state the conversation was in)."};
def template_name: {type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$", description: "The template's name, as list_sms_templates shows it."};
def recipients: {type: "array", minItems: 1, maxItems: 1000, description: "One entry per message: to, and the variables of the template for that recipient.",
  items: {type: "object", properties: {
    to: phone_param("Recipient: \(address_text)."),
    variables: {type: "object", maxProperties: 100, propertyNames: {maxLength: 64},
      additionalProperties: {anyOf: [{type: "string", maxLength: 1600}, {type: "number"}]},
      description: "The template's variables by name, e.g. {\"name\": \"Ann\", \"when\": \"10:00\"}."}},
   required: ["to"], additionalProperties: false}};
def tools: [
 {name: "send_sms", title: "Send an SMS now", direct: true,
  description: "Send an SMS, or a WhatsApp message (to whatsapp:+...), now through the configured provider, and store it. Prefer stage_sms when a person should review the text first. A send is refused (isError, with the reason in error.message) inside quiet hours (unless ignoreQuietHours, for a message the recipient asked for), to a number that opted out (STOP), over a spend cap, or over 1600 characters. \(window_text) Answers in text (what was sent, its id for get_sms_status, status, segments, cost, warnings); structuredContent.records holds the stored record: id, channel (sms or whatsapp), status (queued, sent...), segments, price_estimate, warnings.",
  needs_one: ["message", "contentSid"],
  inputSchema: {type: "object", properties: {
    to: phone_param("Recipient: \(address_text)."),
    message: {type: "string", minLength: 1, maxLength: text_max, description: "The text of the SMS. Over 160 GSM-7 characters (70 with emoji or non-Latin letters) it is billed as several segments; preview_sms tells how many. Give message, or contentSid for a WhatsApp template."},
    from: phone_param("Sender number; leave it out to use the configured one (for WhatsApp, TWILIO_WHATSAPP_NUMBER)."),
    contentSid: content_sid,
    contentVariables: content_variables,
    ignoreQuietHours: {type: "boolean", default: false, description: "Send even inside the quiet hours (SMS_QUIET_HOURS). Only for a message the recipient asked for and expects now: a one-time code, an alert they signed up for, an answer to what they just wrote. Never for marketing or reminders: stage those, and they go out when the quiet hours end."},
    tag: tag_param},
   required: ["to"], additionalProperties: false},
  annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true}},
 {name: "send_mms", title: "Send an MMS now", direct: true,
  description: "Send an MMS (text with a picture or other media) now through the configured provider, and store it. Prefer stage_sms (it takes mediaUrl too) when a person should review it first. Refused (isError) inside quiet hours, to a number that opted out, over a spend cap. Returns the stored message record as JSON: id, status, price_estimate, warnings.",
  inputSchema: {type: "object", properties: {
    to: phone_param("Recipient: \(address_text). On WhatsApp, media only within the 24-hour window."),
    message: {type: "string", maxLength: text_max, description: "The text sent with the media (may be empty)."},
    mediaUrl: media_schema,
    from: phone_param("Sender number; leave it out to use the configured one (for WhatsApp, TWILIO_WHATSAPP_NUMBER).")},
   required: ["to", "message", "mediaUrl"], additionalProperties: false},
  annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true}},
 {name: "stage_sms", title: "Stage an SMS for approval",
  description: "Stage an SMS (or, with mediaUrl, an MMS; or, to whatsapp:+..., a WhatsApp message) for a person to review: it is checked and priced as a send would be and stored as pending; nothing goes out until a person approves it (sms-approve or the review dashboard) and send_approved_sms, or cron, sends it. \(window_text) The window is checked again when it is sent. to may be a list of up to 1000 numbers, staged in one go. Answers how many were staged, how many refused and why, the total cost, and one numbered entry per message (id, status pending, segments, cost, warnings worth telling the user: several segments, quiet hours, an opted-out number); structuredContent.records holds the staged records. An invalid number or an empty text is refused.",
  needs_one: ["message", "contentSid"],
  inputSchema: {type: "object", properties: {
    to: {anyOf: [{type: "string", minLength: 1, maxLength: 64}, {type: "array", items: {type: "string", minLength: 1, maxLength: 64}, minItems: 1, maxItems: 1000}],
         description: "Recipient, or a list of up to 1000 recipients (each gets the same message, staged once however often it is listed; each number is checked, and those refused are counted and named in the answer): \(address_text)."},
    message: {type: "string", minLength: 1, maxLength: text_max, description: "The text of the message. Give message, or contentSid for a WhatsApp template."},
    priority: {type: "string", enum: ["urgent", "high", "normal", "low"], default: "normal", description: "Review and send order: urgent first, then high, normal, low."},
    notes: {type: "string", maxLength: 16000, description: "A note for the reviewer: why this message, what it answers."},
    mediaUrl: media_schema,
    contentSid: content_sid,
    contentVariables: content_variables,
    tag: tag_param},
   required: ["to"], additionalProperties: false},
  annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false}},
 {name: "list_staged_sms", title: "List staged messages",
  description: "List staged outbound messages, oldest first: by default those still awaiting a person's approval (status pending). Each record has id, to, body, priority, notes, segments, price_estimate, status, and reason (why it waits or what happened).",
  inputSchema: {type: "object", properties: {
    status: {type: "string", enum: ["pending", "approved", "rejected", "sending", "queued", "scheduled", "sent", "delivered", "undelivered", "failed", "canceled", "unknown", "all"], default: "pending", description: "Only messages in this status; all for every outbound message."}},
   additionalProperties: false},
  annotations: ro},
 {name: "send_approved_sms", title: "Send the approved messages",
  description: "Send every staged message a person has approved and that is due, urgent first, then oldest; each is sent at most once however often this runs. Messages deferred by quiet hours, a spend cap or a send-at time keep waiting. Answers how many were sent, and how many wait and why (\"deferred to 08:00 by quiet hours\", a cap, a send-at time); structuredContent.records holds one record per message sent, structuredContent.waiting the approved messages still waiting.",
  inputSchema: no_params,
  annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true}},
 {name: "get_incoming_sms", title: "Received messages",
  description: "List received SMS, MMS and WhatsApp messages, newest first: by default those of the last 24 hours, at most 50. Answers a count and one numbered entry per message: its id (#42) to act on, the sender, the local time and how long ago, the text in quotes. Each record has id (for reply_to_sms and mark_sms_read), channel (sms or whatsapp), from (whatsapp:+... on WhatsApp), to, body, media, created_at (when received, UTC), read and replied, state (the conversation state it answered, when there was one); a WhatsApp message may have profile_name, button_text and button_payload (a quick reply), latitude and longitude. Listing marks nothing read.",
  inputSchema: {type: "object", properties: {
    since: {type: "string", maxLength: 40, pattern: "^[0-9][0-9A-Za-z:.+-]{0,39}$", default: "24h", description: "Only messages received since then: a span back from now (30m, 2h, 2d, 1w), a date (2026-11-24, from its local midnight) or an RFC 3339 time (2026-11-24T09:30:00Z). Default 24h."},
    from: {type: "string", maxLength: 49, pattern: "^(whatsapp:)?[0-9A-Za-z+(][0-9A-Za-z +().-]{0,39}$", description: "Only messages from this number: \(address_text)."},
    unread: {type: "boolean", default: false, description: "Only messages not yet read."},
    state: {type: "string", minLength: 1, maxLength: 64, pattern: tag_pattern, description: "Only the answers to this conversation state: messages that came while the conversation was in it, e.g. survey for the replies to messages sent with tag survey."},
    limit: {type: "integer", minimum: 1, maximum: 1000, default: 50, description: "At most this many messages (default 50)."}},
   additionalProperties: false},
  annotations: ro},
 {name: "reply_to_sms", title: "Reply to a received message", direct: true,
  description: "Answer a received message (messageId from get_incoming_sms: 42, \"42\" or the provider's id): the reply goes to its sender on the channel it came by (SMS, or WhatsApp for a message from whatsapp:+...), from the number it was received on, is sent now and stored, linked to it, and the original is marked replied and read (unless markRead is false). Refused (isError) inside quiet hours, to a number that opted out, over a spend cap. On WhatsApp a text reply may be sent only within 24 hours of that person's last message; later, answer with contentSid (an approved template) instead of reply, or it is refused with outside_window. Returns the stored reply record: id, status, to, reply_to.",
  needs_one: ["reply", "contentSid"],
  inputSchema: {type: "object", properties: {
    messageId: message_id("The id of the received message to answer."),
    reply: {type: "string", minLength: 1, maxLength: text_max, description: "The text of the reply. Give reply, or contentSid for a WhatsApp template."},
    markRead: {type: "boolean", default: true, description: "Mark the original read as well as replied (default true)."},
    contentSid: content_sid,
    contentVariables: content_variables,
    tag: tag_param},
   required: ["messageId"], additionalProperties: false},
  annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true}},
 {name: "mark_sms_read", title: "Mark messages read",
  description: "Mark received messages read, by id. Returns each message after the change; an id that is unknown, or that of a sent message, gets an error record and the others are marked all the same.",
  inputSchema: {type: "object", properties: {
    messageIds: {type: "array", items: message_id("A received message id."), minItems: 1, maxItems: 1000, description: "The ids of the received messages (from get_incoming_sms): numbers, strings of digits or provider ids, mixed as you like."}},
   required: ["messageIds"], additionalProperties: false},
  annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false}},
 {name: "create_sms_autoresponder", title: "Create an autoresponder",
  description: (if $direct == "on" then
    "Create an autoresponder: when a received SMS matches trigger, sms-webhookd answers it with response at once. Rules are tried in id order and the first enabled one that matches inside its active hours answers. With after, a rule answers only a reply in a conversation state (a message sent with tag survey opens survey; a rule with name review-ask opens review-ask with its answer), and those rules are tried first: a few such rules make a survey or another conversation of several steps. Returns the stored rule with its id."
  else
    "Create an autoresponder, stored disabled: this server runs with SMS_MCP_DIRECT_SEND=off, so nothing an assistant writes reaches a phone before a person has seen it, and the rule answers nothing until a person enables it (sms-auto enable ID, or the review dashboard's autoresponders page). Once enabled, a received SMS that matches trigger is answered with response at once by sms-webhookd; rules are tried in id order and the first enabled one that matches inside its active hours answers. With after, a rule answers only a reply in a conversation state (a message sent with tag survey opens survey; a rule with name review-ask opens review-ask with its answer), and those rules are tried first. Returns the stored rule with its id; tell the user it waits for them to enable it."
  end),
  inputSchema: {type: "object", properties: {
    trigger: {type: "string", minLength: 1, maxLength: 500, description: "A keyword matched against the first word of the message, ignoring case and trailing punctuation (HOURS), or /regex/ (/regex/i to ignore case) searched in the whole message; with match exact, the whole message (A, 5, or a range such as 4-5). Never an opt-out word (STOP, CANCEL, END...): those always opt the number out."},
    response: {type: "string", minLength: 1, maxLength: text_max, description: "The text sent back."},
    enabled: (if $direct == "on" then {type: "boolean", default: true, description: "Store the rule enabled (default) or disabled."}
              else {type: "boolean", const: false, default: false, description: "With SMS_MCP_DIRECT_SEND=off a rule is stored disabled and a person enables it (sms-auto enable ID, or the review dashboard): false is the only value."} end),
    activeHours: {type: "string", minLength: 1, maxLength: 100, description: "When the rule answers, in SMS_TZ, e.g. \"9am-5pm Mon-Fri\"; leave it out for always."},
    name: {type: "string", minLength: 1, maxLength: 64, pattern: tag_pattern, description: "The rule's name, which is also the conversation state its answer opens, so that rules chain: a rule with after set to this name answers the reply to this rule's answer (e.g. rated). 1 to 64 letters, digits, -, _ or .; two rules cannot share one. Leave it out and the answer keeps the state the conversation was in."},
    after: {anyOf: [{type: "string", minLength: 1, maxLength: 650, pattern: "^[A-Za-z0-9_.-]{1,64}( *, *[A-Za-z0-9_.-]{1,64})*$"},
                    {type: "array", items: {type: "string", minLength: 1, maxLength: 64, pattern: tag_pattern}, minItems: 1, maxItems: 10}],
            description: "Answer only a reply in one of these conversation states: a state (survey), a comma list (survey,rated) or a list of them. The state is the tag of the last message sent to that number (send_sms, stage_sms... with tag) or the name of the rule that answered last. Rules waiting for the present state are tried before those waiting for none. Leave it out to answer in any state."},
    within: {type: "string", minLength: 1, maxLength: 20, pattern: "^[0-9]{1,10}[smhd]?$", description: "With after: how long those states last for this rule, counted from the message that opened them: 90s, 30m, 24h, 7d, or whole seconds (default SMS_FLOW_WINDOW, 24 hours)."},
    match: {type: "string", enum: ["word", "exact", "regex"], description: "How the trigger matches: word, the first word of the message (HOURS); exact, the whole message, ignoring case, surrounding space and trailing punctuation (A, 5, or a range of whole numbers such as 4-5); regex, a /regex/ searched in the message. Default by the trigger's form: /.../ a regex, one word a word."},
    end: {type: "boolean", default: false, description: "The rule's answer ends the conversation (it opens no state), as the last step of a survey does."}},
   required: ["trigger", "response"], additionalProperties: false},
  annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false}},
 {name: "list_sms_autoresponders", title: "List autoresponders",
  description: "List the autoresponders in the order they are tried: id, name, trigger, match, after (the conversation states it waits for), within, end, response, enabled, active_hours, trigger_count, last_triggered_at.",
  inputSchema: no_params,
  annotations: ro},
 {name: "delete_sms_autoresponder", title: "Delete an autoresponder",
  description: "Delete an autoresponder by its id (from list_sms_autoresponders). Returns the deleted rule with removed true; an unknown id is an error.",
  inputSchema: {type: "object", properties: {
    id: rule_id("The autoresponder id.")},
   required: ["id"], additionalProperties: false},
  annotations: {readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false}},
 {name: "get_sms_conversation", title: "Conversation with a number",
  description: "The conversation with one phone number on one channel, both directions, oldest first (its last 50 messages): each record has direction (inbound or outbound), channel, status, body, media, created_at. SMS and WhatsApp are separate conversations: give whatsapp:+... for the WhatsApp one.",
  inputSchema: {type: "object", properties: {
    phone: {type: "string", maxLength: 49, pattern: "^(whatsapp:)?[0-9A-Za-z+(][0-9A-Za-z +().-]{0,39}$", description: "The other party: \(address_text)."}},
   required: ["phone"], additionalProperties: false},
  annotations: ro},
 {name: "get_sms_status", title: "Status of sent messages",
  description: "Status of outbound messages as the store holds it: one message by messageId, or the 50 most recent. Each record has status (pending, approved, queued, sent, delivered, undelivered, failed..., and read for a WhatsApp message the person opened), reason (why it waits or failed, in words to relay to the user), price_estimate or price, error. Statuses move as the provider reports them.",
  inputSchema: {type: "object", properties: {
    messageId: message_id("The id of one outbound message; leave it out for the most recent ones.")},
   additionalProperties: false},
  annotations: ro},
 {name: "preview_sms", title: "Preview segments and cost",
  description: "Show how a text would travel as SMS before sending it: encoding (GSM-7 or UCS-2), segments billed, the parts, units left in the last part, the cost estimate and warnings. Sends and stores nothing.",
  inputSchema: {type: "object", properties: {
    message: {type: "string", minLength: 1, maxLength: 16000, description: "The text to analyse (up to ten times what a message may be, to see how far over it is)."}},
   required: ["message"], additionalProperties: false},
  annotations: ro},
 {name: "get_consent", title: "Consent of a number",
  description: "Whether a phone number agreed to get marketing messages, as recorded: consent (true when its latest word is an opt-in), at, source (web, keyword, paper, import...) and evidence of that word, opted_out, and history (every opt-in and opt-out, oldest first). With SMS_REQUIRE_CONSENT=on a marketing message to a number without consent is refused (no_consent).",
  inputSchema: {type: "object", properties: {
    phone: phone_param("The number: \(number_text).")},
   required: ["phone"], additionalProperties: false},
  annotations: ro},
 {name: "list_sms_templates", title: "List message templates",
  description: "List the stored message templates (sms-template(1)): name, body with {{variable}} placeholders, and the variables it uses. stage_sms_template and send_sms_template fill them in per recipient.",
  inputSchema: no_params,
  annotations: ro},
 {name: "stage_sms_template", title: "Stage a template for many recipients",
  description: "Fill a stored template (list_sms_templates) in for each recipient with that recipient's variables, and stage one message per recipient for a person to approve, as stage_sms does. Answers how many were staged, how many refused and why (a missing variable, an invalid number), and the total cost.",
  inputSchema: {type: "object", properties: {
    template: template_name,
    recipients: recipients,
    tag: (tag_param | .description = "The conversation state every one of these messages opens, e.g. survey: autoresponders with after=survey answer the replies (create_sms_autoresponder). 1 to 64 letters, digits, -, _ or .; leave it out for none.")},
   required: ["template", "recipients"], additionalProperties: false},
  annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false}},
 {name: "send_sms_template", title: "Send a template to many recipients now", direct: true,
  description: "Fill a stored template (list_sms_templates) in for each recipient with that recipient's variables and send the messages now, as send_sms does (quiet hours, opt-outs and spend caps refuse one). Prefer stage_sms_template when a person should review them first. Answers how many were sent, how many refused and why, and the total cost.",
  inputSchema: {type: "object", properties: {
    template: template_name,
    recipients: recipients,
    tag: (tag_param | .description = "The conversation state every one of these messages opens, e.g. survey: autoresponders with after=survey answer the replies (create_sms_autoresponder). 1 to 64 letters, digits, -, _ or .; leave it out for none.")},
   required: ["template", "recipients"], additionalProperties: false},
  annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true}},
 wait_for_sms_reply_tool
];

# What a tool's records hold (smskit(7)): every record has ok, and error when
# it was refused; the fields named here are those the text shows.
def record_schema($name):
  ({ok: {type: "boolean", description: "false when this one was refused"},
    error: {description: "why it was refused: {code (smskit(7)), message}; null or absent when it was not"}}
   + if $name == "preview_sms" then {segments: {type: "integer"}, encoding: {type: "string"}, parts: {type: "array", items: {type: "string"}}, price_estimate: {type: "string"}}
     elif $name | test("autoresponder") then {trigger: {type: "string"}, response: {type: "string"}, enabled: {type: "boolean"}}
     elif $name == "list_sms_templates" then {name: {type: "string"}, body: {type: "string"}, vars: {type: "array", items: {type: "string"}}}
     elif $name == "get_consent" then {number: {type: "string"}, consent: {type: "boolean"}, opted_out: {type: "boolean"}, history: {type: "array", items: {type: "object"}}}
     else {status: {type: "string"}, body: {description: "the text (null for a WhatsApp template)"}, created_at: {description: "when it was stored, UTC"}} end) as $p
  | {type: "object", properties: $p, required: ["ok"]};
def output_schema($name): {type: "object", properties: ({
  ok: {type: "boolean", description: "true when the program succeeded for every record"},
  exit_status: {type: "integer", description: "the program's exit status (sysexits; 1: some records failed)"},
  records: {type: "array", items: record_schema($name), description: "the program's NDJSON output records, in full; each has ok, and error when not ok"},
  stderr: {type: "array", items: {type: "string"}, description: "the program's messages on standard error"}}
  + if $name == "send_approved_sms" then {waiting: {type: "array", items: record_schema($name), description: "the approved messages still waiting, each with its reason (quiet hours, a spend cap, send_at)"}} else {} end),
 required: (["ok", "exit_status", "records", "stderr"] + if $name == "send_approved_sms" then ["waiting"] else [] end)};

def offered: tools[] | select($direct == "on" or (.direct | not));

def listed($v):
  offered
  | {name, description, inputSchema}
    + (if $v >= "2025-06-18" then {title, outputSchema: output_schema(.name)} else {} end)
    + (if $v >= "2025-03-26" then {annotations} else {} end);

# ---- numbers, as the client spelt them ----
# The text of a number checked against JSON's grammar (the reader has checked
# those it wrapped, not the id it found in a line too long).
def numok: .[tag] | test("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$");
# whole: the whole number a (checked) number is, as {neg, d: its digits}, or
# null when it has a fraction: 3.0 and 3e0 are 3, 3.5 and 3e-1 are none. Done
# on the digits, so that 9007199254740993 stays itself (a double cannot hold
# it); an exponent beyond 64 stands for 10^64, more than any bound here.
def zeros($n): [range($n) | "0"] | join("");
def whole:
  [.[tag] | capture("^(?<s>-?)(?<i>[0-9]+)(\\.(?<f>[0-9]+))?([eE](?<e>[+-]?[0-9]+))?$")
  | (.s == "-") as $neg
  | (.i + (.f // "")) as $m
  | ((.i | length) + ((.e // "0") | tonumber)) as $p
  | if $m | test("^0*$") then {neg: false, d: "0"}
    elif $p <= 0 then null
    elif $p > 64 then {neg: $neg, d: ("1" + zeros(64))}
    elif ($m | length) <= $p then {neg: $neg, d: ($m + zeros($p - ($m | length)) | sub("^0+"; ""))}
    elif $m[$p:] | test("^0*$") then {neg: $neg, d: ($m[:$p] | sub("^0+"; ""))}
    else null end][0];
def bound: {neg: (. < 0), d: (if . < 0 then -. else . end | tostring)};
def dcmp($a; $b):
  if ($a | length) != ($b | length) then ($a | length) - ($b | length)
  elif $a < $b then -1 elif $a > $b then 1 else 0 end;
def icmp($x; $y):
  if $x.neg != $y.neg then (if $x.neg then -1 else 1 end)
  elif $x.neg then dcmp($y.d; $x.d) else dcmp($x.d; $y.d) end;
# int: a checked whole number as the number the programs get (its digits).
def int: whole | num((if .neg then "-" else "" end) + .d);

# ---- argument validation: the subset of JSON Schema the tools use ----
def shown: wire | if length > 40 then .[:37] + "..." else . end;
def want($s):
  if $s.enum then "one of \($s.enum | join(", "))"
  elif $s.type == "array" then "a list of \($s.minItems) to \($s.maxItems) items, each \(want($s.items))"
  elif $s.type == "integer" then "a whole number from \($s.minimum) to \($s.maximum)"
  elif $s.format == "uri" then "an http or https URL"
  elif $s.type == "string" and $s.pattern then "a string in the form \($s.pattern)"
  elif $s.type == "string" then "a string"
  elif $s.type == "boolean" then "true or false"
  elif $s.type == "number" then "a number"
  else "an object" end;
def typed($t):
  if $t == "integer" then isnum and whole != null
  elif $t == "boolean" then type == "boolean"
  elif $t == "array" then type == "array"
  elif $t == "object" then kind == "object"
  elif $t == "number" then isnum
  else type == "string" end;
def errs($s; $p):
  . as $v
  | if $s.anyOf and $s.type == null then
      # A number given for an id: what is wrong with it as a number.
      [$s.anyOf[] | select(.type == "integer")][0] as $int
      | if [$s.anyOf[] as $a | $v | errs($a; $p) | length == 0] | any then []
      elif $int and ($v | isnum) then $v | errs($int; $p)
      else ["\($p) must be \([$s.anyOf[] | want(.)] | join(", or ")), not \($v | shown)"] end
    elif ($v | typed($s.type) | not) then ["\($p) must be \(want($s)), not \($v | shown)"]
    elif $s.type == "object" and $s.properties == null then
      # a map (contentVariables): its size, its keys, each value
      (if $s.maxProperties and ($v | length) > $s.maxProperties then ["\($p) must have at most \($s.maxProperties) entries"] else [] end)
      + [$v | keys_unsorted[] | select(length > $s.propertyNames.maxLength) | "\($p): the name \(shown) is longer than \($s.propertyNames.maxLength) characters"]
      + [$v | to_entries[] | .key as $k | .value | errs($s.additionalProperties; "\($p).\($k)")[]]
    elif $s.type == "object" then
      [$s.required[]? | select(. as $k | $v | has($k) | not) | "\(.) is required"]
      + [$v | keys_unsorted[] | select(. as $k | $s.properties | has($k) | not)
         | "unknown parameter \(tojson) ("
           + if $s.properties == {} then "this tool takes none)"
             else "the parameters are: \($s.properties | keys_unsorted | join(", ")))" end]
      + [$v | to_entries[] | select(.key as $k | $s.properties | has($k)) | .key as $k
         | .value | errs($s.properties[$k]; $k)[]]
    elif $s.enum and ([$s.enum[] | . == $v] | any | not) then
      ["\($p) must be \(want($s)), not \($v | shown)"]
    elif ($s | has("const")) and $v != $s.const then
      ($s.description | rtrimstr(".")) as $why
      | ["\($p) must be \($s.const | tojson), not \($v | shown): \($why[:1] | ascii_downcase)\($why[1:])"]
    elif $s.type == "string" then
      # The length first: a long string goes through no pattern.
      ($v | length) as $n
      | if $s.maxLength and $n > $s.maxLength then ["\($p) must be at most \($s.maxLength) characters long, not \($n)"]
      elif $s.minLength and $n < $s.minLength then ["\($p) must not be empty"]
      elif $s.pattern and ($v | test($s.pattern) | not) then
        if $s.format == "uri" then ["\($p) must be \(want($s)), not \($v | shown)"]
        else ["\($p) \($v | shown) is not in the expected form: \($s.description)"] end
      else [] end
    elif $s.type == "integer" then
      ($v | whole) as $w
      | if ($s.minimum != null and icmp($w; $s.minimum | bound) < 0)
         or ($s.maximum != null and icmp($w; $s.maximum | bound) > 0) then
        ["\($p) must be \(want($s)), not \($v | shown)"]
      else [] end
    elif $s.type == "array" then
      if ($s.minItems and ($v | length) < $s.minItems) or ($s.maxItems and ($v | length) > $s.maxItems) then
        ["\($p) must be \(want($s))"]
      else [range($v | length) as $i | $v[$i] | errs($s.items; "\($p)[\($i)]")[]] end
    else [] end;

# ---- what each tool runs ----
# The arguments go in the records, never in args: a tool that lists hands its
# selection to the program as one record read with --query ({} for none).
# (Whole numbers go through int, so that 42.0 reaches a program as 42, and
# every id as its digits.)
def media: if type == "array" then . else [.] end;
def some($k; $f): if has($k) then {($f): .[$k]} else {} end;
# A WhatsApp template: content_sid, and content_variables with each number
# given as the client's text (Twilio takes the values as strings).
def content:
  some("contentSid"; "content_sid")
  + if has("contentVariables") then
      {content_variables: (.contentVariables | map_values(if isnum then .[tag] else . end))}
    else {} end;
# wait_for_sms_reply's plan (its tool entry is with the tools above).
def wait_for_sms_reply_plan:
  {prog: "sms-inbox", args: ["--query", "-o", "json"],
   records: [{wait: (if has("timeoutSeconds") then .timeoutSeconds | int else num("50") end)} + some("from"; "from")],
   empty: "No message came."};
# msgid: a message id as the programs take it: a number as its digits, a
# string (digits, or a provider's id) as it is.
def msgid: if isnum then int else . end;
def plan($n):
  . as $a
  | if $n == "send_sms" then
      {prog: "sms-send", args: (["-o", "json"] + if .ignoreQuietHours == true then ["--ignore-quiet-hours"] else [] end),
       records: [{to} + some("message"; "body") + some("from"; "from") + content + some("tag"; "tag")]}
    elif $n == "send_mms" then
      {prog: "sms-send", args: ["-o", "json"],
       records: [{to, body: .message, media: (.mediaUrl | media)} + some("from"; "from")]}
    elif $n == "stage_sms" then
      # One run for the whole list, each number once, in the order given.
      {prog: "sms-stage", args: ["-o", "json"],
       records: [(.to | if type == "array" then reduce .[] as $t ({s: {}, l: []}; if .s[$t] then . else .s[$t] = true | .l += [$t] end) | .l[] else . end) as $to
                 | {to: $to} + ($a | some("message"; "body") + some("priority"; "priority") + some("notes"; "notes")
                 + (if has("mediaUrl") then {media: (.mediaUrl | media)} else {} end) + content + some("tag"; "tag"))],
       meta: {repeated: (if (.to | type) == "array" then (.to | length) - (.to | unique | length) else 0 end)}}
    elif $n == "list_staged_sms" then
      {prog: "sms-stage", args: ["--list", "--query", "-o", "json"], records: [some("status"; "status")],
       meta: {status: (.status // "pending")}}
    elif $n == "send_approved_sms" then
      # Then sms-status for the approved messages still waiting, with why.
      {prog: "sms-send", args: ["--approved", "-o", "json"], records: [],
       then: {mode: "then", prog: "sms-status", args: ["--query", "-o", "json"], records: [{status: "approved", limit: num("1000")}]}}
    elif $n == "get_incoming_sms" then
      {prog: "sms-inbox", args: ["--query", "-o", "json"],
       records: [{since: (.since // "24h")} + some("from"; "from") + some("unread"; "unread") + some("state"; "state")
                 + (if has("limit") then {limit: (.limit | int)} else {} end)],
       meta: {scope: ("since \(if has("since") then .since else "24 hours ago" end)" + (if has("from") then " from \(.from)" else "" end) + (if has("state") then " answering \(.state)" else "" end) + (if .unread then ", unread" else "" end))}}
    elif $n == "reply_to_sms" then
      {prog: "sms-reply", args: ["-o", "json"],
       records: [{id: (.messageId | msgid)} + some("reply"; "body") + {keep_unread: (.markRead == false)} + content + some("tag"; "tag")],
       meta: {read_note: (if .markRead == false then "; the original is marked replied and left unread" else "; the original is marked replied and read" end)}}
    elif $n == "mark_sms_read" then
      {prog: "sms-inbox", args: ["--mark-read", "-o", "json"], records: [.messageIds[] | {id: msgid}]}
    elif $n == "create_sms_autoresponder" then
      # With SMS_MCP_DIRECT_SEND=off the rule is stored disabled whatever
      # was asked (the schema refuses true), and the result says so.
      {prog: "sms-auto", args: ["add", "-o", "json"],
       records: [{trigger, response} + some("activeHours"; "active_hours")
                 + some("name"; "name") + some("after"; "after") + some("within"; "within") + some("match"; "match")
                 + (if .end == true then {end: true} else {} end)
                 + {enabled: ($direct == "on" and .enabled != false)}],
       note: (if $direct == "on" then null else
         "The rule is stored disabled and answers nothing yet: with SMS_MCP_DIRECT_SEND=off nothing an assistant writes reaches a phone before a person has seen it. A person enables the rule with `sms-auto enable {id}`, or with Enable on the review dashboard's autoresponders page (/review/autoresponders): tell the user so." end)}
    elif $n == "list_sms_autoresponders" then
      {prog: "sms-auto", args: ["list", "-o", "json"], records: [], empty: "No autoresponders."}
    elif $n == "delete_sms_autoresponder" then
      {prog: "sms-auto", args: ["rm", "-o", "json"], records: [{id: (.id | int)}]}
    elif $n == "get_sms_conversation" then
      {prog: "sms-inbox", args: ["--query", "-o", "json"], records: [{thread: .phone}], meta: {phone}}
    elif $n == "get_sms_status" then
      {prog: "sms-status", args: ["--query", "-o", "json"],
       records: [if has("messageId") then
                   (.messageId | if isnum then {id: int} elif test("^[0-9]+$") then {id: num(.)} else {provider_id: .} end)
                 else {} end],
       meta: {one: has("messageId")}}
    elif $n == "list_sms_templates" then
      {prog: "sms-template", args: ["list", "-o", "json"], records: []}
    elif $n == "stage_sms_template" or $n == "send_sms_template" then
      # sms-template renders (its own placeholders and checks), piped into
      # sms-stage or sms-send; the name is an argument, checked against its
      # pattern (no leading "-"), and goes through no shell.
      {prog: "sms-template", args: ["render", .template],
       records: [$a.recipients[] | {to} + {vars: (.variables // {} | map_values(if isnum then .[tag] else . end))} + ($a | some("tag"; "tag"))],
       then: {mode: "pipe", prog: (if $n == "send_sms_template" then "sms-send" else "sms-stage" end), args: ["-o", "json"], records: []}}
    elif $n == "get_consent" then
      {prog: "sms-optout", args: ["consent", "-o", "json"], records: [{number: .phone}]}
    elif $n == "wait_for_sms_reply" then wait_for_sms_reply_plan
    elif $n == "preview_sms" then
      {prog: "sms-split", args: ["-o", "json"], records: [{body: .message}]}
    else error("no plan for the tool \($n)") end;

# ---- requests ----
def call($id; $p; $v):
  ($p.name // null) as $n
  | [tools[] | select(.name == $n)][0] as $t
  | if ($n | kind) != "string" then [rpc_error($id; -32602; "Invalid params: tools/call needs the name of a tool") | answer]
    elif $t == null then [rpc_error($id; -32602; "Unknown tool: \($n | shown)") | answer]
    elif ($t.direct and $direct != "on") then
      [rpc_error($id; -32602; "Unknown tool: \($n) is turned off (SMS_MCP_DIRECT_SEND=off): stage the message with stage_sms for a person to approve") | answer]
    elif ($p | has("arguments")) and ($p.arguments | kind) != "object" and $p.arguments != null then
      [rpc_error($id; -32602; "Invalid params: the arguments of \($n) must be an object") | answer]
    else
      ($p.arguments // {} | with_entries(select(.value != null))) as $a
      | ($a | errs($t.inputSchema; "arguments")
         + if $t.needs_one and ([$t.needs_one[] as $k | $a | has($k)] | any | not) then
             ["\($t.needs_one | join(" or ")) is required"] else [] end) as $e
      | if $e != [] then
          ("Invalid arguments for \($n): " + ($e | join("; ")) + ".") as $msg
          | if $v >= "2025-11-25" then
              [rpc_result($id; {content: [{type: "text", text: $msg}], isError: true}) | answer]
            else [rpc_error($id; -32602; $msg; {tool: $n, errors: $e}) | answer] end
        else
          ($a | plan($n)) as $r
          | ["R\t\($n)\t" + ({id: $id, tool: $n, prog: (if $r.then.mode == "pipe" then "\($r.prog) | \($r.then.prog)" else $r.prog end), sc: ($v >= "2025-06-18"), direct: ($direct == "on"),
                              note: $r.note} + ($r.meta // {}) | tojson)
             + "\t" + ([$r.prog] + $r.args | join("\t"))]
            + [$r.records[] | "<" + wire]
            + if $r.then then ["P\t\($r.then.mode)\t" + ([$r.then.prog] + $r.then.args | join("\t"))] + [$r.then.records[] | "+" + wire] else [] end
            + ["."]
        end
    end;

def instructions:
  "smskit sends and receives SMS and MMS, and WhatsApp messages through Twilio. Prefer stage_sms: a person reviews and approves staged messages before they go out. Phone numbers may be E.164 (+15551234567) or national; a WhatsApp address is the number after whatsapp: (whatsapp:+15551234567), in to and wherever a number is taken. On WhatsApp, free text only within 24 hours of the person's last message; outside that window, an approved template (contentSid). Ids are the store's whole numbers shown as #42 in every result (42 and \"42\" both work), or the provider's id of a message (SM...). Every result is text to read: a count, numbered entries, what to do next; the full records are in structuredContent.records, each with ok, and error {code, message} when something was refused.";

def request($m; $v; $inbatch):
  $m.id as $id
  | ($m.params // {}) as $p
  | if ($p | kind) != "object" then {v: $v, out: [rpc_error($id; -32602; "Invalid params: params must be an object") | answer]}
    elif $m.method == "initialize" then
      if $inbatch then {v: $v, out: [rpc_error($id; -32600; "Invalid Request: initialize must not be part of a batch") | answer]}
      elif ($p.protocolVersion | kind) != "string" then
        {v: $v, out: [rpc_error($id; -32602; "Invalid params: initialize needs protocolVersion") | answer]}
      else
        (if [versions[] | . == $p.protocolVersion] | any then $p.protocolVersion else latest end) as $nv
        | {v: $nv, out: [rpc_result($id;
            {protocolVersion: $nv, capabilities: {tools: {listChanged: false}},
             serverInfo: ({name: "sms-mcp", version: $version}
                          + if $nv >= "2025-06-18" then {title: "smskit"} else {} end)}
            + if $nv >= "2025-03-26" then {instructions: instructions} else {} end) | answer]}
      end
    elif $m.method == "ping" then {v: $v, out: [rpc_result($id; {}) | answer]}
    elif $m.method == "tools/list" then {v: $v, out: [rpc_result($id; {tools: [listed($v)]}) | answer]}
    elif $m.method == "tools/call" then {v: $v, out: call($id; $p; $v)}
    else {v: $v, out: [rpc_error($id; -32601; "Method not found: \($m.method | shown)") | answer]} end;

# One message (any JSON value): {v, out}.
def message($v; $inbatch):
  . as $m
  | if kind != "object" then {v: $v, out: [rpc_error(null; -32600; "Invalid Request: a message is a JSON object") | answer]}
    else
      (if has("id") and ((.id | kind) == "string" or (.id | kind) == "number") then .id else null end) as $id
      | if has("method") | not then
          # A response to a request of ours (we send none) is ignored.
          if has("id") and (has("result") or has("error")) then {v: $v, out: []}
          else {v: $v, out: [rpc_error($id; -32600; "Invalid Request: no method") | answer]} end
        elif .jsonrpc != "2.0" or (.method | kind) != "string" or (has("id") and $id == null) then
          {v: $v, out: [rpc_error($id; -32600; "Invalid Request: not a JSON-RPC 2.0 request (jsonrpc \"2.0\", a method, an id that is a string or a number)") | answer]}
        elif has("id") | not then {v: $v, out: []}
        else request($m; $v; $inbatch) end
    end;

# The reader's notice of a line over the size limit: {bytes, id: the text of
# the id it found at the line's start or end, "" for none}. The line was not
# read: an id found this way is answered, as the client waits for it.
def too_long($v):
  [.id | if startswith("\"") then (try fromjson catch null) | strings
         elif . != "" then num(.) | select(numok)
         else empty end][0] as $id
  | {v: $v, out: [rpc_error($id; -32600; "Invalid Request: the message is \(.bytes) bytes long; sms-mcp reads messages of up to \($ENV.SMS_MCP_MAX) bytes") | answer]};

def line($v):
  . as $l
  | (try [fromjson] catch null) as $w
  # jq 1.6 reads nan as a number, and stops reading at a NUL byte.
  | if $w == null or ($w[0] | type == "number" and isnan) or ($l | index("\u0000")) != null then
      {v: $v, out: [rpc_error(null; -32700; "Parse error: not JSON") | answer]}
    elif ($w[0] | type) == "array" then
      $w[0] as $j
      | if $j == [] then {v: $v, out: [rpc_error(null; -32600; "Invalid Request: an empty batch") | answer]}
      else {v: $v, out: (["["] + [$j[] | message($v; true) | .out[]] + ["]"])} end
    else $w[0] | message($v; false) end;

# Each input is one line of the client's, as a JSON string, or the notice of
# one too long (see the reader). A bug here must not end the session: it
# becomes an Internal error.
foreach inputs as $l ({v: latest, out: []};
  .v as $v
  | try ($l | if type == "object" then too_long($v) else line($v) end)
    catch {v: $v, out: [rpc_error(null; -32603; "Internal error: \(.)") | answer]};
  .out[])
JQ
)

# ---- the answering program ------------------------------------------------------
# Reads what the loop prints, one JSON value a line: an answer (an object with
# jsonrpc, or an array), "[" and "]" around a batch, and for each program run
# {"ran": true, "status": N, "meta": META, "out": STDOUT, "err": STDERR}.
answering=$(cat <<'JQ'
def why($st):
  if $st == 1 then "some records failed: see their error"
  elif $st == 64 then "usage error"
  elif $st == 65 then "the program refused its input: see its message"
  elif $st == 69 then "the provider is unreachable"
  elif $st == 75 then "temporary failure: try again later"
  elif $st == 77 then "the provider refused the credentials"
  elif $st == 78 then "configuration missing or invalid (see sms-config(5))"
  elif $st == 126 or $st == 127 then "the program could not be run: is smskit installed and on PATH?"
  elif $st > 128 then "killed by signal \($st - 128)"
  else "failed" end;
# ---- text a person or a model reads (sms-mcp(1), Results) ----
# Times: the store's UTC RFC 3339 times, shown in SMS_TZ (the jq runs with
# TZ set to it) with their age against now, SMS_TEST_NOW when set, as the
# programs' clock reads it.
def epoch:
  (try capture("^(?<d>[0-9]{4}-[0-9]{2}-[0-9]{2})([Tt ](?<t>[0-9]{2}:[0-9]{2})(?<s>:[0-9]{2})?(\\.[0-9]+)?(?<z>[Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$") catch null) as $c
  | if $c == null then null
    else ("\($c.d)T\($c.t // "00:00")\($c.s // ":00")Z" | fromdateiso8601)
      - (if $c.z == null or $c.z == "Z" or $c.z == "z" then 0
         else ($c.z | sub(":"; "")) as $o
           | (if $o[:1] == "-" then -1 else 1 end) * (($o[1:3] | tonumber) * 3600 + ($o[3:5] | tonumber) * 60) end)
    end;
def clock: (($ENV.SMS_TEST_NOW // "") | if . == "" then null else epoch end) // now;
def plural($n; $w): "\($n) \($w)\(if $n == 1 then "" else "s" end)";
def span($d):
  if $d < 60 then plural($d | floor; "second")
  elif $d < 3600 then plural($d / 60 | floor; "minute")
  elif $d < 86400 then plural($d / 3600 | floor; "hour")
  else plural($d / 86400 | floor; "day") end;
def age($e; $now):
  ($now - $e) as $d
  | if $d > -1 and $d < 1 then "just now" elif $d > 0 then "\(span($d)) ago" else "in \(span(-$d))" end;
# when: "2026-12-07 08:15 EST (2 minutes ago)"; anything else as it is.
def when($now):
  if type != "string" then "-"
  else epoch as $e | if $e == null then . else "\($e | strflocaltime("%Y-%m-%d %H:%M %Z")) (\(age($e; $now)))" end end;
def q: tojson;
def cost: if .price then "\(.price) \(.currency // "")" elif .price_estimate then "~\(.price_estimate) \(.currency // "")" else null end;
def segs: if .segments then plural(.segments; "segment") else null end;
def media_txt: if (.media | type) == "array" and (.media | length) > 0 then " [media: \(.media | join(", "))]" else "" end;
def opt($s): if $s == null or $s == "" then "" else $s end;
def channel_txt: if .channel == "whatsapp" then " (WhatsApp)" else "" end;

# What to do about a refusal: the program's message, and the way on.
def fix($m):
  if .code == "invalid_number" then "write the number in E.164, such as +15551234567"
  elif .code == "opted_out" then "the person texted STOP: do not message them unless they text START"
  elif .code == "quiet_hours" then
    if $m.tool == "send_sms" and $m.direct then "wait until the quiet hours end, stage it with stage_sms to have it sent then, or, only for a message the recipient asked for (a one-time code, an alert they signed up for), call send_sms again with ignoreQuietHours true"
    else "wait until the quiet hours end, or stage it with stage_sms to have it sent then" end
  elif .code == "not_found" then "check the id: get_incoming_sms lists received messages with their ids, get_sms_status sent ones"
  elif .code == "invalid_id" then "give the message id shown as #N (42, \"42\") or the provider's id (SM...)"
  elif .code == "outside_window" then "more than 24 hours since their last WhatsApp message: send an approved template with contentSid"
  elif .code == "no_consent" then "the number has no recorded consent to marketing messages (see get_consent)"
  elif .code == "missing_var" then "give that variable for this recipient in variables"
  elif .code == "spend_cap" or .code == "cap_reached" then "a spend cap is reached (SMS_DAILY_CAP, SMS_MONTHLY_CAP): wait, or ask the user to raise it"
  elif .retryable == true then "it may work if tried again later"
  else null end;
def refusal($m): (.error // {}) as $e
  # (the programs' own way round quiet hours is an option no tool has)
  | "refused (\($e.code // "error")): \($e.message // "no reason given" | sub("use --ignore-quiet-hours, "; ""))" + opt($e | fix($m) | if . then ". To fix: \(.)" else null end);

def outbound($now):
  "#\(.id) to \(.to)\(channel_txt): \(.status)\(opt(.reason | if . then " (\(.)) " else null end) | rtrimstr(" "))"
  + "\n   \(if .content_sid then "template \(.content_sid)" else .body | q end)\(media_txt)"
  + "\n   " + ([segs, cost, "created \(.created_at | when($now))", (if .send_at then "send at \(.send_at | when($now))" else null end)] | map(select(.)) | join(", "))
  + opt([.warnings[]? | select(startswith("estimated cost") | not)] | if length > 0 then "\n   warnings: \(join("; "))" else null end);
def inbound($now):
  "#\(.id) from \(.from)\(opt(.profile_name | if . then " (\(.))" else null end))\(channel_txt), \(.created_at | when($now))\(if .read == false then ", unread" else "" end)\(if .replied then ", replied" else "" end)"
  + "\n   \(.body | q)\(media_txt)"
  + opt(if .state then "\n   answering state \(.state)" else null end)
  + opt(if .button_text then "\n   button: \(.button_text | q)" else null end)
  + opt(if .latitude then "\n   location: \(.latitude),\(.longitude)" else null end);
def message($now): if .direction == "inbound" then inbound($now) else outbound($now) end;
def rule: "#\(.id)\(opt(if .name then " \(.name)" else null end)) \(if .enabled then "enabled" else "disabled" end): \(opt(if .match then "\(.match) " else null end))trigger \(.trigger | q)"
  + opt(if .after then " after \(.after)\(opt(if .within then " (within \(.within | if type == "number" then span(.) else . end))" else null end))" else null end)
  + " answers \(.response | q)"
  + opt(if .end == true then ", ending the conversation" elif .name then ", opening state \(.name)" else null end)
  + opt(if .active_hours then ", \(.active_hours)" else null end)
  + opt(if (.trigger_count // 0) > 0 then ", used \(plural(.trigger_count; "time"))" else null end);
def template: "\(.name | q): \(.body | q)" + opt(if (.vars | length) > 0 then " (variables: \(.vars | join(", ")))" else null end);
def preview: "\(segs), \(.encoding), \(.chars // "?") characters, \(cost // "no price")"
  + opt(if (.parts | length) > 1 then "\n   parts: \(.parts | map(q) | join(", "))" else null end)
  + opt(if (.warnings | length) > 0 then "\n   warnings: \(.warnings | join("; "))" else null end);
def consent($now): "\(.number): \(if .consent then "consent given \(.at | when($now)) (\(.source // "?"))" else "no consent to marketing messages recorded" end)\(if .opted_out then "; OPTED OUT (texted STOP): send nothing" else "; not opted out" end)"
  + opt(if (.history | length) > 0 then "\n   history: " + (.history | map("\(.kind) \(.at | when($now)) (\(.source // "?"))") | join("; ")) else null end);
def entry($m; $now):
  if .ok == false then
    (if (.id | type) == "number" then "#\(.id)" elif .id then "message \(.id)" elif .to then "to \(.to)" elif .number then .number elif .name then .name else "line \(.line // "?")" end) + " " + refusal($m)
  elif $m.tool == "get_incoming_sms" or $m.tool == "get_sms_conversation" or $m.tool == "mark_sms_read" then message($now)
  elif $m.tool | test("autoresponder") then rule
  elif $m.tool == "list_sms_templates" then template
  elif $m.tool == "preview_sms" then preview
  elif $m.tool == "get_consent" then consent($now)
  else message($now) end;
# numbered: the records, one numbered entry each; past 20, a count of the rest.
def numbered($recs; $m; $now):
  [$recs | to_entries[] | select(.key < 20) | "\(.key + 1). \(.value | entry($m; $now))"]
  + if ($recs | length) > 20 then ["... and \(($recs | length) - 20) more (all in structuredContent.records)"] else [] end;
def tally: group_by(.) | map("\(length) \(.[0])") | join(", ");
def total_cost: [.[] | (.price // .price_estimate) | select(.) | tonumber] | add // 0 | . * 10000 | round / 10000;
def currency: (map(.currency | select(.)) | first) // "USD";

# text($recs; $more; $m): the tool's text; $more: the second program's records.
def text($recs; $more; $m; $st):
  clock as $now
  | [$recs[] | select(.ok != false)] as $good
  | [$recs[] | select(.ok == false)] as $bad
  | ($recs | length) as $n
  | (if $bad != [] then "; \($bad | length) refused (\([$bad[] | .error.code // "error"] | tally))" else "" end) as $refused
  | ($good | "\(total_cost) \(currency)") as $total
  | (if $m.tool == "stage_sms" or $m.tool == "stage_sms_template" then
      [$good[] | select([.warnings[]? | startswith("opted out")] | any)] as $oo
      | ["Staged \($good | length) of \(plural($n; "message")) for a person to approve\($refused); total cost ~\($total)."
         + opt(if ($m.repeated // 0) > 0 then " \(plural($m.repeated; "number")) listed more than once: staged once." else null end)
         + opt(if $oo != [] then " \($oo | length) of those went to numbers that opted out: they will not be sent unless the number texts START." else null end)]
        + numbered($recs; $m; $now)
        + if $good != [] then ["Next: nothing is sent until a person approves (sms-approve \($good | map(.id) | .[:5] | join(" "))\(if ($good | length) > 5 then " ..." else "" end), or the review dashboard); then send_approved_sms sends them."] else [] end
    elif $m.tool == "send_sms" or $m.tool == "send_mms" or $m.tool == "send_sms_template" then
      ["Sent \($good | length) of \(plural($n; "message"))\($refused)\(if $good != [] then "; cost ~\($total)" else "" end)."]
      + numbered($recs; $m; $now)
      + if $good != [] then ["Next: get_sms_status messageId \($good[0].id) tells whether it was delivered."] else [] end
    elif $m.tool == "send_approved_sms" then
      [$more[] | select(.ok != false and .status == "approved")] as $wait
      | ["Sent \(plural($good | length; "approved message"))\($refused)\(if $good != [] then "; cost ~\($total)" else "" end)."
         + if $wait == [] then " None waits." else " \($wait | length) \(if ($wait | length) == 1 then "waits" else "wait" end): \([$wait[] | .reason // "waiting"] | tally)." end]
        + numbered($recs; $m; $now)
        + if $wait != [] then ["Waiting:"] + numbered($wait; $m; $now) else [] end
        + if $good == [] and $wait == [] and $bad == [] then ["No approved message was waiting to be sent (list_staged_sms shows those awaiting approval)."] else [] end
    elif $m.tool == "get_incoming_sms" then
      ["\(plural($n; "received message")) \($m.scope), newest first\(if $n > 0 then ":" else "." end)"]
      + numbered($recs; $m; $now)
      + if $good != [] then ["Next: answer one with reply_to_sms messageId \($good[0].id); mark them read with mark_sms_read messageIds [\($good | map(.id) | .[:5] | join(", "))]."] else [] end
    elif $m.tool == "get_sms_conversation" then
      ["\(plural($n; "message")) with \($m.phone), oldest first\(if $n > 0 then ":" else "." end)"]
      + numbered($recs; $m; $now)
      + ([$good[] | select(.direction == "inbound")] | last | if . then ["Next: reply_to_sms messageId \(.id) answers their last message."] else [] end)
    elif $m.tool == "reply_to_sms" then
      (if $good != [] then ["Replied to #\($good[0].reply_to) from \($good[0].to)\($m.read_note)."] else ["The reply was not sent."] end)
      + numbered($recs; $m; $now)
    elif $m.tool == "mark_sms_read" then
      ["Marked \(plural($good | length; "message")) read\($refused)."] + numbered($recs; $m; $now)
    elif $m.tool == "create_sms_autoresponder" then
      (if $good != [] then ["Created autoresponder #\($good[0].id) (\(if $good[0].enabled then "enabled: it answers from now on" else "disabled: it answers nothing until enabled" end))."] else ["The autoresponder was not created."] end)
      + numbered($recs; $m; $now)
    elif $m.tool == "list_sms_autoresponders" then
      ["\(plural($n; "autoresponder"))\(if $n > 0 then ", tried in this order:" else "." end)"] + numbered($recs; $m; $now)
      + if $good != [] then ["Next: delete_sms_autoresponder id \($good[0].id) removes one; create_sms_autoresponder adds one."] else [] end
    elif $m.tool == "delete_sms_autoresponder" then
      (if $good != [] then ["Deleted autoresponder #\($good[0].id) (trigger \($good[0].trigger | q))."] else ["Nothing was deleted."] end)
      + if $bad != [] then numbered($recs; $m; $now) else [] end
    elif $m.tool == "get_sms_status" then
      ["\(plural($n; "outbound message"))\(if $m.one then "" else ", newest first" end)\(if $n > 0 then ":" else "." end)"] + numbered($recs; $m; $now)
    elif $m.tool == "list_staged_sms" then
      ["\(plural($n; "staged message")) with status \($m.status), oldest first\(if $n > 0 then "; total cost ~\($total):" else "." end)"] + numbered($recs; $m; $now)
      + if $m.status == "pending" and $good != [] then ["Next: a person approves them (sms-approve \($good | map(.id) | .[:5] | join(" ")), or the review dashboard); send_approved_sms then sends."] else [] end
    elif $m.tool == "preview_sms" then
      ["Preview (nothing sent or stored):"] + numbered($recs; $m; $now)
    elif $m.tool == "get_consent" then
      ["Consent:"] + numbered($recs; $m; $now)
    elif $m.tool == "list_sms_templates" then
      ["\(plural($n; "template"))\(if $n > 0 then ":" else "." end)"] + numbered($recs; $m; $now)
      + if $good != [] then ["Next: stage_sms_template template \($good[0].name | q) with recipients [{to, variables}] stages one message per recipient."] else [] end
    else numbered($recs; $m; $now) end)
  + if $st != 0 and $recs == [] then [] else [] end
  | join("\n");
# A tool's note (what a person has to do next) is added to a success, {id}
# in it standing for the id of the program's first record. Clients before
# 2025-06-18 have no structuredContent: the records come to them as NDJSON in
# a last text block.
def result:
  .status as $st | .meta as $m
  | [.err | split("\n")[] | select(length > 0)] as $err
  | [.out | split("\n")[] | try fromjson catch null | objects] as $recs
  | [(.out2 // "") | split("\n")[] | try fromjson catch null | objects] as $more
  | (if $recs == [] and $st != 0 then "\($m.tool) failed: \(why($st)) (\($m.prog), exit status \($st))." + ($err | map("\n" + .) | add // "")
       + if $m.tool | test("template") then "\nlist_sms_templates shows the templates there are." else "" end
     else text($recs; $more; $m; $st) end) as $text
  | {content: ([{type: "text", text: $text}]
               + if $st != 0 then [{type: "text", text: ([$m.prog + " exited with status \($st): " + why($st)] + $err | join("\n"))}]
                 elif $m.note then [{type: "text", text: ($m.note | sub("{id}"; "\($recs[0].id // "ID")"))}]
                 else [] end
               + if ($m.sc | not) and ($recs != [] or $more != []) then [{type: "text", text: (.out + .out2 | rtrimstr("\n"))}] else [] end),
     isError: ($st != 0)}
    + if $m.sc then {structuredContent: ({ok: ($st == 0), exit_status: $st, records: $recs, stderr: $err}
                                         + if $m.tool == "send_approved_sms" then {waiting: [$more[] | select(.ok != false and .status == "approved")]} else {} end)}
      else {} end
  | {jsonrpc: "2.0", id: $m.id, result: .};
# wait_for_sms_reply's result: each message that came, as a person reads it,
# with what to do next; the timeout (sms-inbox's exit 75 and its sentence) a
# plain answer, not an error; any other failure as every tool's.
def wait_for_sms_reply_result:
  .status as $st | .meta as $m
  | [.err | split("\n")[] | select(length > 0)] as $err
  | [.out | split("\n")[] | try fromjson catch null | objects] as $recs
  | def who: .from + (if .profile_name then " (\(.profile_name))" else "" end)
      + (if .channel == "whatsapp" then " on WhatsApp" else "" end);
    def one: "From \(who), received \(.created_at | when(clock)):\n"
      + "  \(.body // "" | tojson)"
      + (if (.media // []) != [] then "\n  with \(.media | length) attachment(s): \(.media | map(tostring) | join(" "))" else "" end)
      + "\nMessage id \(.id): reply with reply_to_sms messageId \(.id).";
    if $st == 0 and $recs != [] then
      {content: [{type: "text", text: (if ($recs | length) == 1 then "A new message came.\n\n" + ($recs[0] | one)
                   else "\($recs | length) new messages came.\n\n" + ([range($recs | length) as $i | "\($i + 1). " + ($recs[$i] | one)] | join("\n\n")) end)}],
       isError: false}
      + if $m.sc then {structuredContent: {ok: true, exit_status: 0, records: $recs, stderr: $err}} else {} end
      | {jsonrpc: "2.0", id: $m.id, result: .}
    elif $st == 75 and $recs == [] and ($err | map(test("no new message")) | any) then
      {content: [{type: "text", text: (($err[-1] | sub("^sms-inbox: no new message"; "No new message") | sub(" within "; " came within "))
                 + ". Call wait_for_sms_reply again to keep waiting; a message that arrives between two waits is not returned by the next one, so look with get_incoming_sms (unread: true) too.")}],
       isError: false}
      + if $m.sc then {structuredContent: {ok: false, timed_out: true, exit_status: $st, records: [], stderr: $err}} else {} end
      | {jsonrpc: "2.0", id: $m.id, result: .}
    else result end;
def step($l):
  .emit = null
  | if ($l | type) == "object" and $l.ran == true and $l.meta.tool == "wait_for_sms_reply" then .emit = ($l | wait_for_sms_reply_result)
    elif ($l | type) == "object" and $l.ran == true then .emit = ($l | result)
    elif $l == "[" then .batch = []
    elif $l == "]" then .emit = (if .batch == [] then null else .batch end) | .batch = null
    elif ($l | type) == "string" then .
    else .emit = $l end
  | if .batch != null and .emit != null then .batch += [.emit] | .emit = null else . end;
foreach inputs as $l ({batch: null, emit: null}; step($l); .emit // empty) | wire
JQ
)

# ---- awk: the reader and the loop that runs the programs -------------------------
nl='
'
# jq 1.6 reads a raw (-R) line longer than 4 KB in pieces and breaks the UTF-8
# characters that straddle them; JSON text it reads whole. So awk hands each
# line to jq as a JSON string, escaped here, and jq parses it.
jstr=$(cat <<'AWK'
# jesc(s): s escaped for a JSON string (jbq: its backslashes and quotes,
# jctl: its control characters); jstr(s): s as a JSON string.
function jesc(s) { return jctl(jbq(s)) }
function jbq(s) {
	gsub(/\\/, "\\\\\\\\", s)
	gsub(/"/, "\\\"", s)
	return s
}
function jctl(s,   i, c) {
	if (s ~ /[\001-\037]/ || index(s, sprintf("%c", 0)))
		for (i = 0; i < 32; i++) {
			c = sprintf("%c", i)
			if (index(s, c)) gsub(c, sprintf("\\\\u%04x", i), s)
		}
	return s
}
function jstr(s) { return "\"" jesc(s) "\"" }
# file(name): the file's lines as one JSON string, printed bit by bit.
function file(name,   line) {
	printf "\""
	while ((getline line < name) > 0) printf "%s\\n", jesc(line)
	close(name)
	printf "\""
}
AWK
)
# The reader takes a line whole, or, through sed (see below), cut into pieces
# of exactly SMS_MCP_CHUNK bytes and a shorter last one, maybe empty. Up to
# SMS_MCP_MAX bytes it gathers the pieces and hands the line on (emit); past
# that it keeps only the line's first 4 KB and its last 8 KB, to find the id
# in, and hands on a notice {"bytes", "id"}: a line of any length costs time
# in proportion to it. Blank lines are no messages.
reader=$jstr$nl$(cat <<'AWK'
BEGIN {
	max = ENVIRON["SMS_MCP_MAX"] + 0
	chunk = ENVIRON["SMS_MCP_CHUNK"] + 0
	numtag = "{\\\"" ENVIRON["SMS_MCP_TAG"] "\\\":\\\"&\\\"}"
}
{
	n = length($0)
	if (!over && size + n > max) {
		over = 1
		head = substr(join(1, pieces) $0, 1, 4096)
		split("", piece)
	}
	if (over) {
		tail = tail $0
		if (length(tail) > 8192) tail = substr(tail, length(tail) - 8191)
	} else
		piece[++pieces] = $0
	size += n
	if (chunk && n == chunk) next
	finish()
}
END { if (pieces || over) finish() }
function finish(   line) {
	if (over) notice()
	else if ((line = join(1, pieces)) !~ /^[ \t\r]*$/) emit(line)
	split("", piece)
	head = tail = ""
	size = over = pieces = 0
}
# join(lo, hi): the pieces from lo to hi, joined half by half, so that each
# byte is copied a few times, not once for every piece after it.
function join(lo, hi,   mid) {
	if (lo > hi) return ""
	if (lo == hi) return piece[lo]
	mid = int((lo + hi) / 2)
	return join(lo, mid) join(mid + 1, hi)
}
# emit(s): s as a JSON string, each number outside its strings wrapped as
# {"TAG":"NUMBER"}. Escaped, s splits at its quotes (each now \") into parts
# that are in turn outside and inside a string, but for an escaped quote of
# the client's (after an odd number of backslashes, doubled here: 2, 6, 10...
# of them) that goes on with the string. A number that is no JSON number
# (01, 1.2.3, 1e) makes the line none: it is handed on as "\u0000", which jq
# takes for no JSON (jq 1.6 would read some of them). Control characters are
# escaped last, so that the digits of \u0001 are taken for no number. The
# text is printed in bits, for joining parts costs time in proportion to what
# is joined.
function emit(s,   n, p, i, instr, t, k, j, tok, out) {
	n = split(jbq(s), p, /\\"/)
	for (i = 1; i <= n; i++) {
		t = p[i]
		if (instr) {
			for (k = length(t); k > 0 && substr(t, k, 1) == "\\"; k--)
				;
			if ((length(t) - k) % 4 == 0) instr = 0
			continue
		}
		instr = 1
		if (t !~ /[0-9]/) continue
		k = split(t, tok, /[^-+.0-9eE]+/)
		for (j = 1; j <= k; j++)
			if (tok[j] ~ /^[-0-9]/ && tok[j] !~ /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/) {
				print "\"\\u0000\""
				fflush()
				return
			}
		gsub(/[-0-9][-+.0-9eE]*/, numtag, t)
		p[i] = t
	}
	out = "\""
	for (i = 1; i <= n; i++) {
		out = out p[i] (i < n ? "\\\"" : "\"")
		if (length(out) > 512) {
			printf "%s", jctl(out)
			out = ""
		}
	}
	print jctl(out)
	fflush()
}
# notice(): the id of a line too long to read, when it stands first (maybe
# after "jsonrpc": "2.0") or last in the line's object, as clients write it.
function notice(   id, t) {
	id = ""
	if (match(head, /^[ \t\r]*\{[ \t\r]*("jsonrpc"[ \t\r]*:[ \t\r]*"2\.0"[ \t\r]*,[ \t\r]*)?"id"[ \t\r]*:[ \t\r]*/)) {
		t = substr(head, RLENGTH + 1)
		if (match(t, /^([-0-9][-+.0-9eE]*|"([^"\\]|\\.)*")/)) id = substr(t, 1, RLENGTH)
	}
	if (id == "" && match(tail, /[,{][ \t\r]*"id"[ \t\r]*:[ \t\r]*([-0-9][-+.0-9eE]*|"([^"\\]|\\.)*")[ \t\r]*\}[ \t\r]*$/)) {
		id = substr(tail, RSTART + 1, RLENGTH - 1)
		sub(/^[ \t\r]*"id"[ \t\r]*:[ \t\r]*/, "", id)
		sub(/[ \t\r]*\}[ \t\r]*$/, "", id)
	}
	printf "{\"bytes\":%.0f,\"id\":%s}\n", size, jstr(id)
	fflush()
}
AWK
)
# The loop reads the dispatch program's output. For a run order it writes the
# records to $tmp/in and the program and its arguments, one a line, to
# $tmp/order, and calls system() with a command line that is a constant: the
# runner below reads both files, so that no argument is ever parsed by a shell.
# shellcheck disable=SC2016,SC2089 # quotes and $ are for the runner's shell
# A tool may run a second program (order2; mode says how): "pipe", the first's
# output into it (sms-template render | sms-stage), or "then", after it on its
# own input (in2), its output in out2 (sms-send --approved, then sms-status
# for what still waits). The first program's exit status is the run's, but
# for a pipe, the second's unless the first failed as a whole (over 1: an
# unknown template), which it then is.
runner='d=$SMS_MCP_TMP b=$SMS_MCP_BINDIR; unset SMS_MCP_TMP SMS_MCP_BINDIR SMS_MCP_RUNNER SMS_MCP_TAG SMS_MCP_MAX SMS_MCP_CHUNK
run() { { IFS= read -r p; set --; while IFS= read -r a; do set -- "$@" "$a"; done; } <"$1"; exec "$b$p" "$@"; }
: >"$d/err"; : >"$d/out2"; IFS= read -r mode <"$d/mode" || mode=
case $mode in
pipe) { (run "$d/order") <"$d/in" 2>>"$d/err"; echo $? >"$d/st1"; } | (run "$d/order2") >"$d/out" 2>>"$d/err"
	st=$?; read -r st1 <"$d/st1"; [ "$st1" -gt 1 ] && st=$st1; exit $st ;;
then) (run "$d/order") <"$d/in" >"$d/out" 2>>"$d/err"; st=$?; (run "$d/order2") <"$d/in2" >"$d/out2" 2>>"$d/err"; exit $st ;;
*) (run "$d/order") <"$d/in" >"$d/out" 2>>"$d/err" ;;
esac'
loop=$jstr$nl$(cat <<'AWK'
BEGIN {
	d = ENVIRON["SMS_MCP_TMP"]
	infile = d "/in"; order = d "/order"; outfile = d "/out"; errfile = d "/err"
	in2file = d "/in2"; order2 = d "/order2"; out2file = d "/out2"; modefile = d "/mode"
	runner = ENVIRON["SMS_MCP_RUNNER"]
}
/^R\t/ {
	n = split($0, f, "\t")
	tool = f[2]; meta = f[3]; prog = f[4]
	for (i = 4; i <= n; i++) print f[i] > order
	close(order)
	printf "" > infile
	printf "" > in2file
	close(in2file)
	printf "" > modefile
	close(modefile)
	next
}
# P<TAB>MODE<TAB>PROG<TAB>ARG...: the second program (see the runner).
/^P\t/ {
	n = split($0, f, "\t")
	print f[2] > modefile
	close(modefile)
	for (i = 3; i <= n; i++) print f[i] > order2
	close(order2)
	next
}
/^</ { print substr($0, 2) > infile; next }
/^\+/ { print substr($0, 2) >> in2file; close(in2file); next }
$0 == "." {
	close(infile)
	st = system(runner)
	if (st > 255) st = 128 + st - 256
	printf "{\"ran\":true,\"status\":%d,\"meta\":%s,\"out\":", st, meta
	file(outfile)
	printf ",\"out2\":"
	file(out2file)
	printf ",\"err\":"
	file(errfile)
	print "}"
	fflush()
	if (st != 0) {
		printf "sms-mcp: %s: %s exited with status %d\n", tool, prog, st > "/dev/stderr"
		while ((getline line < errfile) > 0) print line > "/dev/stderr"
		close(errfile)
	}
	next
}
/^=/ { print substr($0, 2); fflush(); next }
{ print jstr($0); fflush() }
AWK
)
# mawk reads a pipe in blocks it waits to fill unless told to be interactive;
# then it reads lines with fgets(3), for which a NUL byte would end the line
# unseen, into a buffer it grows a few KB at a time, copying it each time: a
# line of 8 MB took it 10 s. So GNU sed, line-buffered, first turns NULs into
# \001 (which is no more JSON than NUL is) and cuts the lines into pieces of
# 512 bytes (its regular expression costs more per byte for longer ones),
# which the reader joins up to the size limit; without GNU sed, tr turns the
# NULs.
max=1048576
chunk=0
set --
nulfix=
case $(awk -W version </dev/null 2>&1) in
*mawk*)
	set -- -W interactive
	if command -v stdbuf >/dev/null 2>&1; then
		nulfix=1
		[ "$(printf 'a\000bc\n' | LC_ALL=C sed 's/\x00/\x01/g; s/.\{2\}/&\n/g' 2>/dev/null)" = "$(printf 'a\001\nbc')" ] &&
			chunk=512
	fi
	;;
esac
reader() {
	if [ "$chunk" != 0 ]; then
		LC_ALL=C stdbuf -oL sed "s/\\x00/\\x01/g; s/.\\{$chunk\\}/&\\n/g" | LC_ALL=C awk "$@" -f "$tmp/reader.awk"
	elif [ -n "$nulfix" ]; then
		stdbuf -o0 tr '\000' '\001' | LC_ALL=C awk "$@" -f "$tmp/reader.awk"
	else
		LC_ALL=C awk "$@" -f "$tmp/reader.awk"
	fi
}
# A key for numbers no client can guess (see the jq programs).
tag=n$(od -An -N16 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n')
[ ${#tag} = 33 ] || tag=n$$x$(date +%s)

# The programs go to files, not to ps(1)'s listing of arguments.
printf '%s\n' "$reader" >"$tmp/reader.awk"
printf '%s\n' "$numbers" "$dispatch" >"$tmp/dispatch.jq"
printf '%s\n' "$loop" >"$tmp/loop.awk"
printf '%s\n' "$numbers" "$answering" >"$tmp/answering.jq"
SMS_MCP_TMP=$tmp SMS_MCP_BINDIR=$bindir SMS_MCP_RUNNER=$runner
SMS_MCP_TAG=$tag SMS_MCP_MAX=$max SMS_MCP_CHUNK=$chunk
# shellcheck disable=SC2090 # the runner's quotes are for its own shell
export SMS_MCP_TMP SMS_MCP_BINDIR SMS_MCP_RUNNER SMS_MCP_TAG SMS_MCP_MAX SMS_MCP_CHUNK
reader "$@" |
	jq -nr --unbuffered --arg direct "$direct" --arg version "$version" -f "$tmp/dispatch.jq" |
	awk "$@" -f "$tmp/loop.awk" |
	if [ -n "${SMS_TZ:-}" ]; then TZ=$SMS_TZ jq -nr --unbuffered -f "$tmp/answering.jq"; else jq -nr --unbuffered -f "$tmp/answering.jq"; fi
