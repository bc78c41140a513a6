#!/usr/bin/env bash
# The review dashboard in a real browser: headless Chromium driven by
# playwright-core (tests/browser/dashboard.mjs) loads /review, sees the staged
# messages with their counts and cost, approves one and rejects one by
# clicking, reads a hostile inbound body as text with no dialog, replies from
# the inbox while the live counter follows the typing, sees WhatsApp messages
# with their channel and window (a template form outside it), and leaves a
# screenshot in $SMSKIT_BUILD/artifacts/dashboard.png. The store is checked
# here afterwards with sql.
. tests/lib.sh
. tests/webhook.sh

q() { sql "$1"; }
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if ! command -v node >/dev/null; then
	skip "the dashboard in a browser" "node is not installed: run sudo .ci/install-deps"
	done_testing; exit
fi
if [ -z "$CHROMIUM" ]; then
	skip "the dashboard in a browser" "chromium is not installed: run sudo .ci/install-deps"
	done_testing; exit
fi
if [ ! -d "$SMSKIT_SRC/tests/node/node_modules/playwright-core" ]; then
	skip "the dashboard in a browser" "playwright-core is not installed: run (cd tests/node && npm ci)"
	done_testing; exit
fi

export SMS_PROVIDER=sandbox TWILIO_AUTH_TOKEN=$WEBHOOK_TOKEN SMS_QUIET_HOURS=off \
	SMS_DAILY_LIMIT=5.00 SMS_MONTHLY_LIMIT=50.00
sms-stage -o json >"$T/staged.json" <<'EOF'
{"to": "+15551230001", "body": "Hi Ann, your appointment is tomorrow at 10:00. Reply C to confirm.", "priority": "high", "notes": "from the booking system"}
{"to": "+15551230002", "body": "Your order #1234 has shipped 📦", "notes": "UCS-2 because of the emoji"}
{"to": "+15551230003", "body": "Here is the floor plan for Saturday.", "media": ["https://example.com/plan.png"], "priority": "urgent"}
{"to": "+15551230004", "body": "Wrong date: your appointment is on the 31st of November.", "priority": "low"}
{"to": "+447700900123", "body": "Reminder: the meeting moved to 3pm in room 4. This message is long enough to need two segments when it is sent, because it goes on for quite a while, well past 160 characters."}
EOF
check_eq "five messages staged" 5 "$(q "select count(*) from messages where status = 'pending'")"
cost=$(q "select price_estimate from messages where status = 'pending'" | awk '{ s += $1 } END { printf "%.4f", s }')

start_webhookd
incoming "$WH_URL/sms/incoming" SMxss1 +15557770001 "<script>alert(1)</script>\"'&" >/dev/null
incoming "$WH_URL/sms/incoming" SMhours +15557770002 "What are your hours on Saturday?" >/dev/null
xss_id=$(q "select id from messages where provider_id = 'SMxss1'")
reply_id=$(q "select id from messages where provider_id = 'SMhours'")
check "two inbound messages arrived" test -n "$xss_id" -a -n "$reply_id"
# Two WhatsApp messages (smskit-whatsapp(7)): one an hour ago, inside the
# 24-hour window; one two days ago, outside it.
wa() { store-tool msg-insert "{\"direction\":\"inbound\",\"status\":\"received\",\"to\":\"whatsapp:+15550006666\",\"from\":\"$1\",\"body\":\"$2\",\"provider\":\"sandbox\",\"provider_id\":\"$3\",\"created_at\":\"$(date -u -d "@$(($(date +%s) - $4))" +%Y-%m-%dT%H:%M:%SZ)\"}" | jq -r .id; }
wa_open=$(wa whatsapp:+15557770011 "Is my table ready?" SMwaopen 3600)
wa_closed=$(wa whatsapp:+15557770012 "Thanks for dinner" SMwaclosed 172800)

mkdir -p "$SMSKIT_BUILD/artifacts"
shot="$SMSKIT_BUILD/artifacts/dashboard.png"
rm -f "$shot"
DASH_URL=$WH_URL CHROMIUM=$CHROMIUM SCREENSHOT=$shot EXPECT_PENDING=5 EXPECT_COST=$cost \
	APPROVE_ID=1 REJECT_ID=4 XSS_ID=$xss_id XSS_BODY="<script>alert(1)</script>\"'&" \
	REPLY_ID=$reply_id WA_OPEN_ID=$wa_open WA_CLOSED_ID=$wa_closed timeout 120 node tests/browser/dashboard.mjs >"$T/browser.out" 2>&1
while IFS= read -r line; do
	case $line in
	"ok - "*) _result 0 "browser: ${line#ok - }" ;;
	"not ok - "*) _result 1 "browser: ${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$T/browser.out"

check_eq "the store: #1 approved by the dashboard" "approved|dashboard|" \
	"$(q "select status, reviewed_by, coalesce(review_reason, '') from messages where id = 1")"
check_eq "the store: #4 rejected with the reason typed" "rejected|dashboard|wrong date" \
	"$(q "select status, reviewed_by, review_reason from messages where id = 4")"
check_eq "the store: the other three still pending" "2 3 5" "$(q "select id from messages where status = 'pending' order by id" | xargs)"
check_eq "the store: one reply, to the sender, linked, sent through the sandbox" "1|+15557770002|+15550006666|sandbox" \
	"$(q "select count(*), to_number, from_number, provider from messages where reply_to = $reply_id group by to_number, from_number, provider")"
check_eq "...its body as typed (UCS-2, 2 segments)" "UCS-2|2" \
	"$(q "select encoding, segments from messages where reply_to = $reply_id")"
check_eq "...the original marked read and replied" "1|1" "$(q "select read, replied from messages where id = $reply_id")"
check_eq "...the hostile message untouched, unread" "0" "$(q "select read from messages where id = $xss_id")"
check_eq "...nothing sent to the WhatsApp numbers" 0 "$(q "select count(*) from messages where direction = 'outbound' and to_number like 'whatsapp:%'")"
stop_webhookd
if [ -s "$shot" ] && [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
	_result 0 "a screenshot was saved: $shot"
else
	_result 1 "a screenshot was saved: $shot"
fi
done_testing
