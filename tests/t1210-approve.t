#!/usr/bin/env bash
# sms-approve: approve and reject by id, by filter and from NDJSON; reviewer
# and reason stored; only pending messages change and the others go on;
# 10,000 approvals by --all.
. tests/lib.sh
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
q() { sql "$1"; }
j() { jq -r "$1" "$T/.out"; }
stage() { sms-stage -o json >/dev/null; }
status_of() { q "select status from messages where id = $1"; }

printf '{"to":"+1212555010%d","body":"message %d"}\n' 1 1 2 2 3 3 4 4 5 5 6 6 7 7 | stage

# ---- By id ---------------------------------------------------------------------------
check_exit "approve two by id" 0 sms-approve -o json --by alice --reason "checked the date" 1 2
check_eq "...two approved records, ok" "1:approved:true 2:approved:true" "$(j '"\(.id):\(.status):\(.ok)"' | paste -sd' ')"
check_eq "...reviewer, reason, time and the reason it waits" \
	"alice|checked the date|true|approved; waiting for sms-send --approved" \
	"$(jq -r -s '.[0] | "\(.reviewed_by)|\(.review_reason)|\(.reviewed_at != null)|\(.reason)"' "$T/.out")"
check_eq "...stored" "approved|alice|checked the date|1" \
	"$(q "select status, reviewed_by, review_reason, case when reviewed_at is not null then 1 else 0 end from messages where id = 1")"
check_eq "...with a status event" 'approved|pending|alice|sms-approve' \
	"$(q "select status, detail from events where message_id = 1 and kind = 'status'" |
	   while IFS='|' read -r st detail; do
		   jq -r --arg st "$st" '[$st, .previous, .fields.reviewed_by, .via] | join("|")' <<<"$detail"
	   done)"
check_exit "the reviewer defaults to \$USER" 0 env USER=bob sms-approve -o json 3
check_eq "...bob, no reason" "bob null" "$(j '"\(.reviewed_by) \(.review_reason)"')"
check_exit "...else unknown" 0 env -u USER sms-approve -o json 7
check_eq "...unknown" unknown "$(j .reviewed_by)"

check_exit "reject with a reason" 0 sms-approve -o json --reject --by carol --reason "wrong clinic" 4
check_eq "...rejected, with why in reason" "rejected rejected in review by carol: wrong clinic" "$(j '"\(.status) \(.reason)"')"
check_eq "...stored" "rejected|carol|wrong clinic" "$(q "select status, reviewed_by, review_reason from messages where id = 4")"

check_exit "approving a rejected one among others exits 1" 1 sms-approve -o json --by dave 4 5
check_eq "...an error record for 4, showing its status" "4 false not_pending rejected" \
	"$(jq -r 'select(.id == 4) | "\(.id) \(.ok) \(.error.code) \(.status)"' "$T/.out")"
check_grep "...saying what it is" 'message 4 is rejected, not pending' "$T/.out"
check_eq "...the other one goes on" "5 true approved" "$(jq -r 'select(.id == 5) | "\(.id) \(.ok) \(.status)"' "$T/.out")"
check_eq "...4 is still rejected by carol" "rejected|carol" "$(q "select status, reviewed_by from messages where id = 4")"
check_exit "approving an approved one again" 1 sms-approve -o json --by eve 1
check_eq "...not_pending, approved" "not_pending approved" "$(j '"\(.error.code) \(.status)"')"
check_eq "...the first reviewer is kept" alice "$(q "select reviewed_by from messages where id = 1")"
check_exit "rejecting an approved one" 1 sms-approve -o json --reject 2
check_eq "...not_pending" "not_pending approved" "$(j '"\(.error.code) \(.status)"')"
check_exit "an unknown id" 1 sms-approve -o json 6 4242
check_eq "...not_found, and 6 approved" "6:true 4242:not_found" "$(j '"\(.id):\(.error.code // .ok)"' | paste -sd' ')"
check_exit "the same id twice" 1 sms-approve -o json 2 2
check_eq "...both answered" 2 "$(wc -l <"$T/.out")"
store-tool msg-insert '{"direction":"inbound","to":"+15005550006","from":"+12125550101","body":"hi"}' >/dev/null
in_id=$(q "select id from messages where direction = 'inbound'")
check_exit "an inbound message is not reviewed" 1 sms-approve -o json "$in_id"
check_eq "...not_pending, received" "not_pending received" "$(j '"\(.error.code) \(.status)"')"
check_exit "-o text" 1 sms-approve -o text 1
check_grep "...a line per message" "^FAILED *1 *+12125550101 *not_pending: message 1 is approved" "$T/.out"

# ---- From NDJSON records with "id" ---------------------------------------------------------
SMS_DB=$(new_store fresh1) || exit 1 # a fresh, empty store
printf '{"to":"+1212555020%d","body":"m%d"}\n' 1 1 2 2 3 3 4 4 | stage
printf '%s\n' '{"id":1,"ticket":"T-9"}' '{"id":"2"}' '{"nothing":"here"}' 'oops' '{"id":3.5}' >"$T/ids.ndjson"
check_exit "ids from stdin" 1 sms-approve -o json --by frank <"$T/ids.ndjson"
check_eq "...in order, with their lines" "1:true 2:true 3:false 4:false 5:false" "$(j '"\(.line):\(.ok)"' | paste -sd' ')"
check_eq "...the caller's fields pass through" "T-9 approved frank" "$(jq -r 'select(.line == 1) | "\(.ticket) \(.status) \(.reviewed_by)"' "$T/.out")"
check_eq "...invalid_id, bad_json, invalid_id" "invalid_id bad_json invalid_id" "$(jq -r 'select(.ok | not) | .error.code' "$T/.out" | paste -sd' ')"
check_exit "only bad JSON on stdin exits 65" 65 sh -c 'echo oops | sms-approve -o json'
check_exit "a listing fed back approves exactly what it lists" 0 sh -c 'sms-stage --list -o json | sms-approve -o json'
check_eq "...3 and 4" "3 4" "$(j .id | paste -sd' ')"
check_eq "...all approved now" "approved|4" "$(q "select status, count(*) from messages group by status")"

# ---- By filter -------------------------------------------------------------------------------
SMS_DB=$(new_store fresh2) || exit 1 # a fresh, empty store
printf '%s\n' '{"to":"+12125550301","body":"l1","priority":"low"}' '{"to":"+12125550302","body":"h1","priority":"high"}' \
	'{"to":"+12125550303","body":"l2","priority":"low"}' '{"to":"+12125550304","body":"n1"}' \
	'{"to":"+12125550305","body":"h2","priority":"high"}' '{"to":"+12125550306","body":"u1","priority":"urgent"}' | stage
check_exit "--priority high" 0 sms-approve -o json --priority high --by gina
check_eq "...the two high ones" "2 5" "$(j .id | paste -sd' ')"
check_grep "...a summary on stderr" 'approved 2 messages' "$T/.err"
check_eq "...the others still pending" "1 3 4 6" "$(q "select id from messages where status = 'pending' order by id" | paste -sd' ' -)"
check_exit "reject without ids: --reject --priority low" 0 sms-approve -o json --reject --priority low --reason "campaign cancelled"
check_eq "...both lows rejected with the reason" "1|campaign cancelled 3|campaign cancelled" \
	"$(q "select id, review_reason from messages where status = 'rejected' order by id" | paste -sd' ' -)"
check_grep "...summary" 'rejected 2 messages' "$T/.err"
check_exit "--priority urgent,normal" 0 sms-approve -o json -p urgent,normal
check_eq "...urgent first, then normal" "6 4" "$(j .id | paste -sd' ')"
check_exit "--all with nothing pending" 0 sms-approve -o json --all
check_eq "...prints nothing" "" "$(cat "$T/.out")"
check_grep "...and says so" 'no pending messages' "$T/.err"
printf '{"to":"+1212555040%d","body":"x%d"}\n' 1 1 2 2 3 3 | stage
check_exit "--reject --all" 0 sms-approve -o json --reject --all
check_eq "...rejects every pending message" "3 rejected" "$(q "select count(*) from messages where id > 6 and status = 'rejected'") rejected"

# ---- 10,000 at once ----------------------------------------------------------------------------
SMS_DB=$(new_store fresh3) || exit 1 # a fresh, empty store
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{\"to\":\"+1212555%04d\",\"body\":\"Campaign message %d\"}\n", i, i }' | stage
t0=$(date +%s%N)
check_exit "--all approves 10,000 staged messages" 0 sms-approve -o json --all --by load
t1=$(date +%s%N)
echo "# approved 10000 messages in $(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.2f s (%.0f/s)", n / 1e9, 10000 / (n / 1e9) }')"
check_eq "...10,000 ok records, in id order" "10000 1 10000" "$(jq -r 'select(.ok and .status == "approved") | .id' "$T/.out" | awk 'NR == $1 { n++ } END { printf "%d ", n }'; j .id | sed -n '1p;$p' | paste -sd' ')"
check_grep "...the summary" 'approved 10000 messages' "$T/.err"
check_eq "...all approved by load in the store" "10000" "$(q "select count(*) from messages where status = 'approved' and reviewed_by = 'load'")"
check "...within a minute (generous: see bench/run)" test $((t1 - t0)) -lt 60000000000

# ---- Usage ----------------------------------------------------------------------------------------
check_exit "--help" 0 sms-approve --help
check_grep "...usage" '^usage: sms-approve' "$T/.out"
check_exit "--version" 0 sms-approve --version
check_grep "...name and version" '^sms-approve [0-9]' "$T/.out"
check_exit "an id that is not a number: 64" 64 sms-approve 12x
check_exit "id 0: 64" 64 sms-approve 0
check_exit "ids and --all: 64" 64 sms-approve --all 3
check_exit "a bad --priority: 64" 64 sms-approve --priority soon
check_exit "an empty --by: 64" 64 sms-approve --by "" 1
check_exit "-o xml: 64" 64 sms-approve -o xml 1
check_exit "an unknown option: 64" 64 sms-approve --frobnicate
done_testing
