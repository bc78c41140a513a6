#!/usr/bin/env bash
# A bad field is the sender's mistake, not the store's: sms-send, sms-reply,
# sms-stage and sms-template check every field that would reach the store
# and answer an error record with its own code, not retryable, the rest of
# the batch going on; never store_error and exit 75 (cron would retry forever).
. tests/lib.sh
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
q() { sql "$1"; }
codes() { jq -r '.error.code // .status' "$1" | paste -sd' '; }

cat >"$T/in" <<'EOF'
{"to":"+12125550101","body":"p","priority":5}
{"to":"+12125550101","body":"p2","priority":"URGENT"}
{"to":"+12125550101","body":"s","send_at":"tomorrow"}
{"to":"+12125550101","body":"s2","send_at":1764079200}
{"to":"+12125550101","body":"r","ref":{"order":1}}
{"to":"+12125550101","body":"n","notes":7}
{"to":"+12125550101","body":"good","priority":"high","send_at":"2026-11-25 14:00","ref":42,"notes":"n"}
{"to":"+12125550101","body":"forged","provider_id":"SMforged","status":"delivered","price":"abc","segments":"x","claimed_by":"me"}
EOF
check_exit "sms-send: a batch with bad fields exits 1, not 75" 1 env SMS_TZ=UTC sms-send -o json <"$T/in"
cp "$T/.out" "$T/send"
check_eq "...each bad field with its own code" \
	"invalid_priority invalid_priority invalid_send_at invalid_send_at invalid_field invalid_field queued queued" "$(codes "$T/send")"
check_eq "...none retryable" "false" "$(jq -r 'select(.ok == false) | .error.retryable' "$T/send" | sort -u)"
check_eq "...saying what is wrong" "priority must be urgent, high, normal or low, not 5" \
	"$(jq -r 'select(.line == 1) | .error.message' "$T/send")"
check_eq "...and nothing of them stored" "forged good" "$(q "select body from messages order by body" | paste -sd' ')"
check_eq "the good one keeps its fields, send_at in UTC" "high|2026-11-25T14:00:00Z|42|n" \
	"$(q "select priority, send_at, ref, notes from messages where body = 'good'")"
check_eq "fields a request may not set do not reach the store" "queued|SM||0|0" \
	"$(q "select status, substr(provider_id, 1, 2), price,
	      case when claimed_by = 'me' then 1 else 0 end, case when provider_id = 'SMforged' then 1 else 0 end from messages where body = 'forged'")"
check_exit "sms-send --to with a bad field from flags is no store error either" 1 \
	sms-send -o json --to +12125550101 --body x --from 'not a sender!'
check_eq "...but an error record" invalid_from "$(codes "$T/.out")"

# sms-reply passes a record's other fields to the sender.
q "insert into messages (direction, status, to_number, from_number, body, provider, created_at, updated_at)
   values ('inbound', 'received', '+15005550006', '+12125550199', 'hi', 'sandbox', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
id=$(q "select id from messages where direction = 'inbound'")
printf '%s\n' "{\"id\":$id,\"body\":\"a\",\"priority\":5}" "{\"id\":$id,\"body\":\"b\",\"notes\":[1]}" \
	"{\"id\":$id,\"body\":\"c\"}" >"$T/in"
check_exit "sms-reply: bad fields exit 1, not 75" 1 sms-reply -o json <"$T/in"
check_eq "...with their codes, the good reply sent" "invalid_priority invalid_field queued" "$(codes "$T/.out")"

printf '%s\n' '{"to":"+12125550101","body":"x","priority":5}' '{"to":"+12125550101","body":"x","send_at":"2026-02-30 10:00"}' \
	'{"to":"+12125550101","body":"x","ref":true}' >"$T/in"
check_exit "sms-stage: bad fields exit 1" 1 sms-stage -o json <"$T/in"
check_eq "...with their codes" "invalid_priority invalid_send_at invalid_field" "$(codes "$T/.out")"

check_exit "sms-template add with an empty name: exit 65, not 75" 65 sms-template add "" "Hi {{name}}"
check_eq "...an error record with its code" "invalid_name false" "$(jq -r '"\(.error.code) \(.error.retryable)"' "$T/.out")"
check_eq "...in words, not a constraint's" "" "$(grep CHECK "$T/.err")"
check_exit "an empty body: exit 65" 65 sms-template add x ""
check_eq "...missing_body" missing_body "$(jq -r .error.code "$T/.out")"
check_exit "a bad placeholder: exit 65" 65 sms-template add x "Hi {{"
check_eq "...invalid_placeholder" invalid_placeholder "$(jq -r .error.code "$T/.out")"
check_eq "no template was stored" 0 "$(q "select count(*) from templates")"
done_testing
