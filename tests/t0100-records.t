#!/usr/bin/env bash
# NDJSON in and out (smskit(7), Records), through sms-split: bad lines become error records
# and the batch goes on; unknown fields pass through; order and exit codes.
. tests/lib.sh

# A mixed batch: good, not JSON, JSON but not an object, good with extra fields.
printf '%s\n' '{"body":"one"}' 'not json' '[1,2]' '{"body":"two","ref":"x-9","nested":{"a":[1,2]}}' >"$T/in"
check_exit "a batch with bad lines exits 1" 1 sms-split -o json <"$T/in"
cp "$T/.out" "$T/out"
check_eq "one output record per input line" 4 "$(wc -l <"$T/out")"
check_eq "records come out in input order" "1 2 3 4" "$(jq -r .line "$T/out" | xargs)"
check_eq "good records ok, bad ones not" "true false false true" "$(jq -r .ok "$T/out" | xargs)"
check_eq "not-JSON line gives bad_json" bad_json "$(sed -n 2p "$T/out" | jq -r .error.code)"
check_eq "non-object line gives bad_json" bad_json "$(sed -n 3p "$T/out" | jq -r .error.code)"
check_eq "error records say retryable false" false "$(sed -n 2p "$T/out" | jq -r .error.retryable)"
check_eq "unknown fields pass through" '"x-9" [1,2]' "$(sed -n 4p "$T/out" | jq -c '[.ref, .nested.a]' | jq -r '"\(.[0]|tojson) \(.[1]|tojson)"')"
check_grep "stderr names the bad line" 'line 2: input line is not JSON' "$T/.err"

# Input that is not JSON at all: exit 65, still one error record per line.
printf 'a,b,c\n1,2,3\n' >"$T/csv"
check_exit "input with no JSON at all exits 65" 65 sms-split -o json <"$T/csv"
check_eq "...with an error record per line" 2 "$(jq -r 'select(.ok==false)|.line' "$T/.out" | wc -l)"

check_exit "all-good input exits 0" 0 sms-split -o json <<<'{"body":"hi"}'
check_exit "empty input exits 0" 0 sms-split -o json </dev/null
check_eq "...and prints nothing" "" "$(cat "$T/.out")"
check_exit "blank lines are skipped" 0 sms-split -o json <<<$'\n{"body":"a"}\n\n'
check_eq "...and line numbers count them" 2 "$(jq -r .line "$T/.out")"

# A record without a body, and a body that is not a string.
printf '%s\n' '{"to":"+15551234567"}' '{"body":42}' '{"body":"ok"}' >"$T/in"
check_exit "missing or non-string body fails those records" 1 sms-split -o json <"$T/in"
check_eq "codes missing_body, invalid_body" "missing_body invalid_body null" "$(jq -r '.error.code // "null"' "$T/.out" | xargs)"

# A 1 MB line works.
head -c 1048576 /dev/zero | tr '\0' 'a' | jq -Rc '{body: .}' >"$T/big"
check_exit "a 1 MB line is read" 0 sms-split -o json <"$T/big"
check_eq "...and counted (GSM-7, 1048576 chars)" "GSM-7 1048576" "$(jq -r '"\(.encoding) \(.chars)"' "$T/.out")"

# NUL bytes, raw and escaped, and invalid UTF-8 give error records, never a crash.
printf '{"body":"a\0b"}\n{"body":"fine"}\n' >"$T/nul"
check_exit "raw NUL byte: exit 1" 1 sms-split -o json <"$T/nul"
check_eq "...nul_byte then ok" "nul_byte true" "$(jq -r '.error.code // .ok' "$T/.out" | xargs)"
printf '%s\n' '{"body":"a\u0000b"}' '{"body":"a\\u0000b"}' >"$T/esc"
check_exit "\\u0000 escape: exit 1" 1 sms-split -o json <"$T/esc"
check_eq "...nul_byte, but an escaped backslash before u0000 is text" "nul_byte true" "$(jq -r '.error.code // .ok' "$T/.out" | xargs)"
printf '{"body":"caf\xe9"}\n{"body":"\xc3\x28"}\n{"body":"\xed\xa0\x80"}\n{"body":"ok"}\n' >"$T/utf8"
check_exit "invalid UTF-8: exit 1" 1 sms-split -o json <"$T/utf8"
check_eq "...invalid_utf8 three times, then ok" "invalid_utf8 invalid_utf8 invalid_utf8 true" "$(jq -r '.error.code // .ok' "$T/.out" | xargs)"
check_exit "a lone surrogate escape is refused" 1 sms-split -o json <<<$'{"body":"\\ud800x"}\n{"body":"ok"}'
check_eq "...as bad_json" "bad_json true" "$(jq -r '.error.code // .ok' "$T/.out" | xargs)"
printf '{"body":"no newline at end"}' >"$T/nonl"
check_exit "last line without a newline is read" 0 sms-split -o json <"$T/nonl"
printf '{"body":"crlf"}\r\n' >"$T/crlf"
check_exit "CRLF line endings are accepted" 0 sms-split -o json <"$T/crlf"
check_eq "...and the CR is not part of the record" crlf "$(jq -r .body "$T/.out")"
check_exit "two JSON values on one line are refused" 1 sms-split -o json <<<$'{"body":"a"} {"body":"b"}\n{"body":"c"}'
check_exit "deeply nested JSON is refused, not a crash" 1 sms-split -o json < <(printf '%0.s[' $(seq 1 5000); printf '\n{"body":"ok"}\n')

# Random bytes never crash the reader.
head -c 200000 /dev/urandom >"$T/rand"
sms-split -o json <"$T/rand" >"$T/rand.out" 2>/dev/null
rc=$?
check "random bytes: exit 1 or 65, no crash" test "$rc" = 1 -o "$rc" = 65 -o "$rc" = 0
check "random bytes: every output line is JSON" jq -e . "$T/rand.out"

done_testing
