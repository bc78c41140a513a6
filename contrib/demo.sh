#!/bin/sh
# contrib/demo.sh [BUILD_DIR] — the smskit demo. Runs on a scratch store and
# config, touching nothing of the user's: sms-split on sample messages, sends
# on the sandbox provider and their statuses moving to delivered, then the
# review workflow: a template, staged messages, approval, the approved queue.
set -eu
build=${1:-build}
bin=$(cd "$build/bin" && pwd)
PATH="$bin:$PATH"
demo=$(mktemp -d "${TMPDIR:-/tmp}/smskit-demo.XXXXXX")
webhookd=
# Whatever happens, the daemon stops and the scratch folder goes. (A kill of a
# daemon already stopped must not fail the exit under set -e.)
cleanup() {
	if [ -n "$webhookd" ]; then kill "$webhookd" 2>/dev/null || true; fi
	rm -rf "$demo"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export SMS_DB="$demo/sms.db" SMS_CONFIG="$demo/config"

# Headings in bold on a terminal only: no escape codes in a pipe or a log.
if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi

say "How will a reminder travel? (sms-split, text from arguments)"
sms-split -o text "Hi Sam, this is a reminder of your appointment on Tue 3pm. Reply C to confirm or R to reschedule."

say "Three bodies from NDJSON: GSM-7, an emoji (UCS-2), curly quotes fixed by --smart"
cat <<'NDJSON' | sms-split --smart -o text
{"to":"+15551234567","body":"Your order #1234 has shipped and will arrive Thursday."}
{"to":"+447911123456","body":"Thanks for visiting! 😀 See you soon."}
{"to":"(555) 123-4567","body":"“Doors open at 9” — don’t be late…"}
NDJSON

say "The same as NDJSON for scripts (first record, selected fields)"
echo '{"to":"+15551234567","body":"Your code is 482913","ref":"otp-77"}' |
	sms-split -o json | jq -c '{ref, encoding, segments, remaining, price_estimate}'

say "Send through the sandbox provider (no account, no network)"
export SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
sms-send -o text --to "(555) 123-4567" --body "Your table for two is ready."
printf '%s\n' '{"to":"+12125550123","body":"Order #1234 has shipped","ref":"o-1234"}' \
              '{"to":"+15005550001","body":"This number is Twilio'"'"'s magic invalid one"}' |
	sms-send -o text || true

say "Watch the status move: queued -> sent -> delivered (sms-status --sync)"
sms-status -o text
sms-status -o text --sync >/dev/null
sms-status -o text --sync
sms-status -o text --summary

say "Review first: a template, three reminders staged, one rejected, the rest approved and sent"
sms-template add reminder "Hi {{name}}, a reminder of your appointment {{when}}. Reply C to confirm." >/dev/null
cat <<'NDJSON' | sms-template render reminder | sms-stage -o json >/dev/null
{"to":"+12125550101","vars":{"name":"Sam","when":"tomorrow at 3pm"},"priority":"high"}
{"to":"+12125550102","vars":{"name":"Ann","when":"Friday at 9am"}}
{"to":"+12125550103","vars":{"name":"Bo","when":"Monday at noon"},"notes":"check the date"}
NDJSON
sms-stage --list -o text
sms-approve --reject --reason "wrong date" -o json "$(sms-stage --list -o json | jq -r 'select(.notes) | .id')" >/dev/null
sms-approve --all --by demo -o json >/dev/null
sms-send --approved -o text
sms-status -o text --summary

say "Receiving: sms-webhookd on a free local port, an autoresponder for HOURS"
# No account and no token: the sandbox signs its webhooks with a key of its
# own kept beside the store, and sms-sandbox posts as the provider would.
sms-auto add --trigger HOURS --response "We're open Mon-Fri 9am-6pm, Sat 10am-2pm." -o text
sms-webhookd --listen 127.0.0.1:0 --port-file "$demo/port" 2>"$demo/webhookd.log" &
webhookd=$!
i=0
while [ ! -s "$demo/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cat "$demo/port")/sms/incoming"

echo "(555) 123-4567 texts HOURS; the autoresponder answers:"
sms-sandbox receive -o text --url "$url" --from "(555) 123-4567" --body "HOURS"
echo "(555) 123-4567 texts a question and a photo; no rule matches, so no answer:"
sms-sandbox receive -o text --url "$url" --from "(555) 123-4567" --body "Can I bring my dog?" \
	--media https://example.com/dog.jpg
kill "$webhookd"
wait "$webhookd" 2>/dev/null || true
webhookd=

say "The inbox, a reply, and the conversation (sms-inbox, sms-reply)"
sms-inbox --unread -o text
question=$(sms-inbox -o json | jq -r 'select(.body | test("dog")) | .id')
sms-reply "$question" --body "Of course, dogs are welcome!" -o text
sms-inbox --thread +15551234567 -o text

say "The review dashboard (sms-webhookd serves /review; no login on loopback)"
sms-template render reminder <<'NDJSON' | sms-stage -o json >/dev/null
{"to":"+12125550104","vars":{"name":"Cy","when":"Tuesday at 4pm"},"priority":"urgent","notes":"new patient"}
{"to":"+12125550105","vars":{"name":"Di","when":"Wednesday at 10am"}}
NDJSON
rm -f "$demo/port"
sms-webhookd --listen 127.0.0.1:0 --port-file "$demo/port" 2>>"$demo/webhookd.log" &
webhookd=$!
i=0
while [ ! -s "$demo/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
review="http://127.0.0.1:$(cat "$demo/port")/review"
if [ -t 0 ] && [ -t 1 ]; then
	echo "Open $review in a browser: two staged reminders wait for approval,"
	echo "and the inbox holds the conversation above. Press Enter to stop the demo."
	read -r _
else
	curl -s -L "$review" >"$demo/review.html"
	echo "GET $review: $(sed -n 's|.*<title>\([^<]*\)</title>.*|\1|p' "$demo/review.html"), \
$(grep -o '<tr id="m[0-9]*"' "$demo/review.html" | wc -l) messages awaiting review"
	echo "(run the demo on a terminal to look at it in a browser)"
fi
kill "$webhookd"
wait "$webhookd" 2>/dev/null || true
webhookd=
