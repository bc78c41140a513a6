#!/usr/bin/env bash
# One batch of 1,000 requests, 100 of them bad in every way sms-send(1) checks:
# exactly 900 requests reach the provider, 1,000 results come out in input
# order, and the exit status is 1.
. tests/lib.sh
use_fake_twilio_account
start_fake_twilio || exit 1
store-tool optout-add +13125550199 STOP >/dev/null
# A GB message costs 50.00 here and the daily cap is 40.00: each one crosses it.
printf 'price.GB.sms = 50.00\n' >"$SMS_CONFIG"
export SMS_DAILY_LIMIT=40.00

long=$(printf 'x%.0s' $(seq 1 2000))
eleven=$(jq -nc '[range(11) | "https://example.com/\(.).jpg"]')
awk -v long="$long" -v eleven="$eleven" 'BEGIN {
	for (i = 1; i <= 1000; i++) {
		if (i % 10 != 7) { printf "{\"to\":\"+1212555%04d\",\"body\":\"Order %d shipped\",\"ref\":%d}\n", i, i, i; continue }
		k = int(i / 10) % 10
		if (k == 0) print "not json at all {"
		else if (k == 1) printf "{\"to\":\"+1555\",\"body\":\"short number\",\"ref\":%d}\n", i
		else if (k == 2) printf "{\"to\":\"call me maybe\",\"body\":\"words\",\"ref\":%d}\n", i
		else if (k == 3) printf "{\"to\":\"+12125550123\",\"body\":\"\",\"ref\":%d}\n", i
		else if (k == 4) printf "{\"to\":\"+12125550123\",\"body\":\"%s\",\"ref\":%d}\n", long, i
		else if (k == 5) printf "{\"to\":\"+12125550123\",\"body\":\"pics\",\"media\":%s,\"ref\":%d}\n", eleven, i
		else if (k == 6) printf "{\"to\":\"+13125550199\",\"body\":\"opted out\",\"ref\":%d}\n", i
		else if (k == 7) printf "{\"to\":\"+447700900%03d\",\"body\":\"over the cap\",\"ref\":%d}\n", i % 1000, i
		else if (k == 8) printf "{\"to\":\"+12125550123\",\"media\":[\"ftp://example.com/a.jpg\"],\"ref\":%d}\n", i
		else printf "{\"to\":\"+12125550123\",\"body\":42,\"ref\":%d}\n", i
	}
}' >"$T/batch"
check_eq "the batch has 1000 lines" 1000 "$(wc -l <"$T/batch")"

sms-send -o json --concurrency 16 <"$T/batch" >"$T/out" 2>"$T/err"
check_eq "exit 1" 1 "$?"
check_eq "exactly 900 requests made" 900 "$(wc -l <"$FAKE_LOG")"
check_eq "1000 result records" 1000 "$(wc -l <"$T/out")"
check_eq "in input order" "$(seq 1 1000 | xargs)" "$(jq -r .line "$T/out" | xargs)"
check_eq "900 ok, 100 failed" "900 100" "$(jq -rs '[(map(select(.ok)) | length), (map(select(.ok | not)) | length)] | join(" ")' "$T/out")"
check_eq "the error codes of the bad ones" \
	"bad_json:10 body_too_long:10 invalid_body:10 invalid_media:10 invalid_number:20 missing_body:10 opted_out:10 spend_limit:10 too_many_media:10" \
	"$(jq -r 'select(.ok | not) | .error.code' "$T/out" | sort | uniq -c | awk '{print $2 ":" $1}' | sort | xargs)"
check_eq "refs pass through on every JSON line" 990 "$(jq -r 'select(.ref) | .ref' "$T/out" | wc -l)"
check_grep "the cap error says which cap" 'daily cap of 40.0000 USD reached' "$T/out"
check_eq "900 stored as queued" 900 "$(sql "select count(*) from messages where status='queued'")"
check_eq "nothing stored for the refused ones" 900 "$(sql "select count(*) from messages")"
check_eq "one stderr line per bad record" 100 "$(grep -c '^sms-send: line' "$T/err")"

# --dry-run: the same checks, no requests, nothing stored.
: >"$FAKE_LOG"
SMS_DB=$(new_store fresh1) || exit 1 # a fresh, empty store
store-tool optout-add +13125550199 STOP >/dev/null
sms-send -o json --dry-run <"$T/batch" >"$T/dry" 2>/dev/null
check_eq "--dry-run exits 1 on the same batch" 1 "$?"
check_eq "...makes no request" 0 "$(wc -l <"$FAKE_LOG")"
check_eq "...stores no message" 0 "$(sql "select count(*) from messages")"
check_eq "...prices the good ones" "0.0083 GSM-7 1" "$(sed -n 1p "$T/dry" | jq -r '"\(.price_estimate) \(.encoding) \(.segments)"')"
done_testing
