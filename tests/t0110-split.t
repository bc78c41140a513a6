#!/usr/bin/env bash
# sms-split(1): arguments or NDJSON, figures, pricing, options, config.
. tests/lib.sh

check_exit "--help exits 0" 0 sms-split --help
check_grep "...and prints usage on stdout" '^usage: sms-split' "$T/.out"
check_exit "--version exits 0" 0 sms-split --version
check_grep "...and prints NAME VERSION" '^sms-split [0-9]' "$T/.out"
check_exit "unknown option exits 64" 64 sms-split --bogus
check_exit "bad -o value exits 64" 64 sms-split -o xml hi

check_exit "text from arguments" 0 sms-split -o json Hello world
check_eq "...words joined by a space" "Hello world GSM-7 1 11 149" "$(jq -r '"\(.body) \(.encoding) \(.segments) \(.chars) \(.remaining)"' "$T/.out")"
check_eq "...no line field for argument input" null "$(jq -r .line "$T/.out")"
check_eq "...price for one US segment" "0.0083 USD" "$(jq -r '"\(.price_estimate) \(.currency)"' "$T/.out")"

body161=$(printf 'x%.0s' $(seq 1 161))
check_exit "161 GSM-7 characters" 0 sms-split -o json "$body161"
check_eq "...2 segments of 153 + 8, 145 left" "2 153 8 145" "$(jq -r '"\(.segments) \(.parts[0]|length) \(.parts[1]|length) \(.remaining)"' "$T/.out")"
check_eq "...a warning about segments" "will be sent as 2 segments" "$(jq -r '.warnings[0]' "$T/.out")"
check_eq "...price of two segments" 0.0166 "$(jq -r .price_estimate "$T/.out")"

check_exit "an emoji makes it UCS-2" 0 sms-split -o json "Hi 😀"
check_eq "...UCS-2, 4 chars, 5 units" "UCS-2 4 5" "$(jq -r '"\(.encoding) \(.chars) \(.units)"' "$T/.out")"

check_exit "an extension character costs two septets" 0 sms-split -o json "€5"
check_eq "...GSM-7, 2 chars, 3 septets" "GSM-7 2 3" "$(jq -r '"\(.encoding) \(.chars) \(.units)"' "$T/.out")"

long=$(printf 'y%.0s' $(seq 1 1700))
check_exit "a 1,700-character body is analysed" 0 sms-split -o json "$long"
check_grep "...with a too-long warning" 'too long to send: 1700 characters, the limit is 1600' "$T/.out"

# Pricing: --country, the record's "to", SMS_DEFAULT_COUNTRY, MMS, overrides.
check_exit "--country GB" 0 sms-split -o json --country GB hi
check_eq "...GB price" 0.0524 "$(jq -r .price_estimate "$T/.out")"
printf '%s\n' '{"body":"hi","to":"+447911123456"}' '{"body":"hi","to":"+15551234567"}' '{"body":"hi","media":["https://example.com/a.jpg"],"to":"+15551234567"}' >"$T/in"
check_exit "price follows the record's to" 0 sms-split -o json <"$T/in"
check_eq "...GB, US, US MMS" "0.0524 0.0083 0.0220" "$(jq -r .price_estimate "$T/.out" | xargs)"
SMS_DEFAULT_COUNTRY=DE sms-split -o json hi >"$T/de"
check_eq "SMS_DEFAULT_COUNTRY picks the price" 0.0887 "$(jq -r .price_estimate "$T/de")"
check_exit "unknown country uses the default row" 0 sms-split -o json --country ZZ hi
check_eq "...0.1000" 0.1000 "$(jq -r .price_estimate "$T/.out")"

printf 'price.US.sms = 0.01\nprice.*.sms = 0.2\ncurrency = EUR\n' >"$SMS_CONFIG"
check_exit "price overrides from the config file" 0 sms-split -o json hi
check_eq "...US at 0.01 EUR" "0.0100 EUR" "$(jq -r '"\(.price_estimate) \(.currency)"' "$T/.out")"
printf 'price.US.sms = cheap\n' >"$SMS_CONFIG"
check_exit "a bad price override exits 78" 78 sms-split -o json hi
check_grep "...naming the line" 'bad price override' "$T/.err"
printf 'TWILIO_AUTH_TOKEN = s3cret\n' >"$SMS_CONFIG"; chmod 644 "$SMS_CONFIG"
check_exit "a world-readable config holding a secret exits 78" 78 sms-split hi
check_grep "...and says to chmod 600" 'chmod 600' "$T/.err"
check "...without printing the secret" bash -c "! grep -q s3cret '$T/.err'"
chmod 600 "$SMS_CONFIG"
check_exit "the same file at 0600 is accepted" 0 sms-split -o json hi
printf 'just words\n' >"$SMS_CONFIG"
check_exit "a malformed config line exits 78" 78 sms-split hi
rm -f "$SMS_CONFIG"

# Smart encoding.
check_exit "--smart replaces curly quotes and dashes" 0 sms-split -o json --smart "“Hi” — it’s"
check_eq "...original is UCS-2" UCS-2 "$(jq -r .encoding "$T/.out")"
check_eq "...smart body is GSM-7" "GSM-7" "$(jq -r .smart.encoding "$T/.out")"
check_eq "...with plain quotes and a dash" "\"Hi\" - it's" "$(jq -r .smart.body "$T/.out")"

# Text output for people.
check_exit "-o text" 0 sms-split -o text "$body161"
check_grep "...says GSM-7 and 2 segments" 'GSM-7, 2 segments, 161 characters' "$T/.out"
check_grep "...lists the parts" '\[2\] xxxxxxxx$' "$T/.out"
check_grep "...and the estimate" 'estimate: 0.0166 USD' "$T/.out"

# NDJSON input takes a fast path that writes the input through byte for byte;
# it must print exactly what the general path prints.
same=0 n=0
while IFS= read -r b; do
	n=$((n + 1))
	a=$(sms-split -o json --smart "$b" | jq -cS .)
	f=$(jq -nc --arg b "$b" '{body: $b}' | sms-split -o json --smart | jq -cS 'del(.line)')
	[ "$a" = "$f" ] && same=$((same + 1))
done <<'BODIES'
plain text
quotes " and backslash \ and tab	here
“curly” — dash… ‘single’
😀 emoji 🇮🇹 flag 👍🏽 tone
€ extension [chars] {here} ~|^
xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
控制字符和中文
BODIES
check_eq "fast and general paths print the same records" "$n" "$same"
printf '%s\n' '{"body":"a","segments":"mine"}' '{"body":"b","line":99}' '{}' '{"body":"c"}   ' >"$T/keys"
sms-split -o json <"$T/keys" >"$T/keys.out" 2>/dev/null
check_eq "input fields named like ours are replaced, not doubled" "1 2 4 1" "$(jq -r 'select(.ok) | .line' "$T/keys.out" | xargs) $(jq -r 'select(.line==1) | .segments' "$T/keys.out")"
check "every output line is one JSON object with unique keys" sh -c "jq -c . '$T/keys.out' >/dev/null && ! grep -q '\"line\":[0-9]*,.*\"line\"' '$T/keys.out'"

check_exit "-o text with an input field named smart (not ours) and odd warnings" 0 sh -c 'echo "{\"body\":\"x\",\"smart\":1,\"warnings\":[1]}" | sms-split -o text'
check_grep "...prints the record" '^  \[1\] x' "$T/.out"
done_testing
