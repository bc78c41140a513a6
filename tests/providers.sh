# tests/providers.sh — helpers for the Vonage and SNS tests: their settings
# cleared, accounts that exist only in the fakes, the fakes started on free
# loopback ports, and Vonage signatures and SNS messages made here with
# openssl (independently of smskit's own code).
# shellcheck shell=bash
# shellcheck disable=SC2034 # FAKE_URL, FAKE_LOG... are for the tests that source this

unset VONAGE_API_KEY VONAGE_API_SECRET VONAGE_FROM VONAGE_SIGNATURE_SECRET VONAGE_API_BASE \
      VONAGE_SIGNATURE_METHOD AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
      AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE SNS_ORIGINATION_NUMBER SNS_ENDPOINT \
      SNS_SMS_TYPE SNS_SENDER_ID SNS_MAX_PRICE SNS_CHECK_OPTOUT SNS_WEBHOOK_SECRET \
      SNS_TOPIC_ARN SNS_SIGNING_CERT SMS_HELP_TEXT SMS_ON_RECEIVE SMS_ON_STATUS

VONAGE_TEST_KEY=abcd1234
VONAGE_TEST_SECRET=vonage-secret-not-real
VONAGE_TEST_SIG=vonage-signature-secret
AWS_TEST_KEY=AKIDEXAMPLE
AWS_TEST_SECRET='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'

# Settings for a Vonage account that exists only in the fake.
use_fake_vonage_account() {
	export SMS_PROVIDER=vonage VONAGE_API_KEY=$VONAGE_TEST_KEY \
		VONAGE_API_SECRET=$VONAGE_TEST_SECRET VONAGE_FROM=+15550006666 SMS_QUIET_HOURS=off
}

# start_fake_vonage [ARGS...]: fake-vonage on a free loopback port, its log in
# $FAKE_LOG, VONAGE_API_BASE pointing at it.
start_fake_vonage() {
	FAKE_LOG=$T/fake.log
	: >"$FAKE_LOG"
	rm -f "$T/fake.port"
	fake-vonage --port-file "$T/fake.port" --log "$FAKE_LOG" --key "$VONAGE_TEST_KEY" \
		--secret "$VONAGE_TEST_SECRET" "$@" &
	FAKE_PID=$!
	wait_for_file "$T/fake.port" || return 1
	FAKE_URL="http://127.0.0.1:$(cat "$T/fake.port")"
	export VONAGE_API_BASE=$FAKE_URL
}

# Settings for an AWS account that exists only in the fake.
use_fake_sns_account() {
	export SMS_PROVIDER=sns AWS_ACCESS_KEY_ID=$AWS_TEST_KEY AWS_SECRET_ACCESS_KEY=$AWS_TEST_SECRET \
		AWS_REGION=us-east-1 SNS_ORIGINATION_NUMBER=+15550006666 SMS_QUIET_HOURS=off
}

# start_fake_sns [ARGS...]: fake-sns on a free loopback port, checking SigV4
# with the test key; its log in $FAKE_LOG, SNS_ENDPOINT pointing at it.
start_fake_sns() {
	FAKE_LOG=$T/fake.log
	: >"$FAKE_LOG"
	rm -f "$T/fake.port"
	fake-sns --port-file "$T/fake.port" --log "$FAKE_LOG" --key "$AWS_TEST_KEY" \
		--secret "$AWS_TEST_SECRET" --region us-east-1 "$@" &
	FAKE_PID=$!
	wait_for_file "$T/fake.port" || return 1
	FAKE_URL="http://127.0.0.1:$(cat "$T/fake.port")"
	export SNS_ENDPOINT=$FAKE_URL
}

stop_fake() {
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	return 0
}

# wait_for_lines FILE N [TENTHS]: until FILE has at least N lines (default 5 s).
wait_for_lines() {
	local i
	for ((i = 0; i < ${3:-50}; i++)); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "# timed out waiting for $2 lines in $1" >&2
	return 1
}

# vonage_sig METHOD SECRET NAME=VALUE...: Vonage's signature of these
# parameters (doc/providers.md, Vonage signatures) with openssl: '&' and '=' in values read as
# '_', sorted by name, "&name=value..."; md5hash appends the secret and takes
# MD5, the others are HMACs keyed by the secret; lower-case hex.
vonage_sig() {
	local method=$1 secret=$2 s="" p name value
	shift 2
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		name=${p%%=*} value=${p#*=}
		value=${value//&/_} value=${value//=/_}
		s+="&$name=$value"
	done < <(printf '%s\n' "$@" | LC_ALL=C sort -t= -k1,1)
	case $method in
	md5hash) printf '%s%s' "$s" "$secret" | openssl dgst -md5 -r | cut -d' ' -f1 ;;
	md5 | sha1 | sha256 | sha512)
		printf '%s' "$s" | openssl dgst "-$method" -hmac "$secret" -r | cut -d' ' -f1 ;;
	esac
}

# vonage_post URL NAME=VALUE...: a form POST signed with $VONAGE_TEST_SIG by
# md5hash (timestamp and sig added unless given); prints the HTTP status, the
# answer's body in $T/.body.
vonage_post() {
	local url=$1 p args=() have_ts=""
	shift
	for p in "$@"; do [ "${p%%=*}" = timestamp ] && have_ts=1; done
	[ -n "$have_ts" ] || set -- "$@" "timestamp=$(date +%s)"
	set -- "$@" "sig=$(vonage_sig "${VONAGE_SIG_METHOD:-md5hash}" "$VONAGE_TEST_SIG" "$@")"
	for p in "$@"; do args+=(--data-urlencode "$p"); done
	curl -s -o "$T/.body" -w '%{http_code}' "${args[@]}" "$url"
}

# vonage_inbound URL MESSAGEID FROM TEXT [NAME=VALUE...]: a signed inbound SMS
# to our number 15550006666, as Vonage posts it.
vonage_inbound() {
	local url=$1 id=$2 from=$3 text=$4
	shift 4
	vonage_post "$url" api-key=$VONAGE_TEST_KEY "msisdn=${from#+}" to=15550006666 \
		"messageId=$id" "text=$text" type=text "keyword=$(printf '%s' "${text%% *}" | tr '[:lower:]' '[:upper:]')" \
		"message-timestamp=$(date -u '+%Y-%m-%d %H:%M:%S')" "$@"
}
