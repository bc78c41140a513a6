#!/usr/bin/env bash
# t0310-phone-cases — the phone module case by case: the spec's examples, national and
# international notation, IDDs, vanity numbers, extensions, lengths, garbage, the NANP
# sendability rules, regions of numbers, and the reasons people read.
. tests/lib.sh

# Each case: the phone-check input line, TAB, "e164 verdict country sendability", TAB, what
# it shows. Expected results are libphonenumber's (parse, format E164, isPossibleNumber).
cat >"$T/cases" <<'EOF'
{"input":"(555) 123-4567","region":"US"}	+15551234567 ok US sendable	spec: (555) 123-4567 (the exchange is deliberately not checked)
{"input":"555.123.4567","region":"US"}	+15551234567 ok US sendable	spec: 555.123.4567
{"input":"1-555-123-4567","region":"US"}	+15551234567 ok US sendable	spec: 1-555-123-4567
{"input":"+1 555 123 4567","region":"GB"}	+15551234567 ok US sendable	+1 whatever the default region
{"input":"(212) 555-0123","region":"US"}	+12125550123 ok US sendable	a sendable US number
{"input":"2125550123","region":"us"}	+12125550123 ok US sendable	the default region in lower case
{"input":"212 555 0123","region":"CA"}	+12125550123 ok US sendable	national NANP number from CA
{"input":"020 7946 0018","region":"GB"}	+442079460018 ok GB sendable	UK national: trunk prefix 0 dropped
{"input":"+44 (0)20 7946 0018","region":"US"}	+442079460018 ok GB sendable	+44 (0)...: the (0) dropped
{"input":"011 44 20 7946 0018","region":"US"}	+442079460018 ok GB sendable	IDD 011 from the US
{"input":"00 44 20 7946 0018","region":"DE"}	+442079460018 ok GB sendable	IDD 00 from Germany
{"input":"0011 44 20 7946 0018","region":"AU"}	+442079460018 ok GB sendable	IDD 0011 from Australia
{"input":"010 44 20 7946 0018","region":"JP"}	+442079460018 ok GB sendable	IDD 010 from Japan
{"input":"+00 44 20 7946 0018","region":"GB"}	+442079460018 ok GB sendable	a plus before the IDD
{"input":"\uff0b44 20 7946 0018","region":"US"}	+442079460018 ok GB sendable	fullwidth plus sign
{"input":"\uff12\uff11\uff12\uff15\uff15\uff15\uff10\uff11\uff12\uff13","region":"US"}	+12125550123 ok US sendable	fullwidth digits
{"input":"0612345678","region":"FR"}	+33612345678 ok FR sendable	French mobile, national
{"input":"030 123456","region":"DE"}	+4930123456 ok DE sendable	German landline, national
{"input":"0 11 15 2345 6789","region":"AR"}	+5491123456789 ok AR sendable	Argentina: 0 and 15 become the mobile 9
{"input":"+91 98765 43210","region":"IN"}	+919876543210 ok IN sendable	India
{"input":"1-800-FLOWERS","region":"US"}	+18003569377 ok US unsendable	vanity number: read on the keypad as libphonenumber does, but letters are not sent to
{"input":"(212) 555-0123 ext. 45","region":"US"}	+12125550123 ok US unsendable	extension "ext. 45" stripped, and not sent to: a text cannot reach it
{"input":"212-555-0123 x7","region":"US"}	+12125550123 ok US unsendable	extension "x7" stripped, not sent to
{"input":"tel:+1-212-555-0123;ext=42","region":"ZZ"}	+12125550123 ok US unsendable	RFC 3966 URI with ;ext=, not sent to
{"input":"tel:020-7946-0018;phone-context=+44","region":"US"}	+442079460018 ok GB unsendable	RFC 3966 phone-context: the parameter is letters, not sent to
{"input":"tel:+1-212-555-0123","region":"US"}	+12125550123 ok US sendable	RFC 3966 URI: the tel: scheme is the one word a number may carry
{"input":"TEL:+1-212-555-0123","region":"US"}	+12125550123 ok US sendable	...in any case
{"input":"212-555 home","region":"US"}	+12125554663 ok US unsendable	a word after a number is read on the keypad: a stranger, not sent to
{"input":"212-555-0123 45#","region":"US"}	+12125550123 ok US unsendable	an extension without letters ("45#") is not sent to either
{"input":"212-555-0123,,45","region":"US"}	+12125550123 ok US unsendable	...nor one after pauses (",,45")
{"input":"212 555 0123 \u0434\u043e\u043c","region":"US"}	+12125550123 ok US unsendable	Cyrillic letters are letters too
{"input":"212 555 0123 \uff48\uff4f\uff4d\uff45","region":"US"}	+12125550123 ok US unsendable	fullwidth letters too
{"input":"1-800-356-9377","region":"US"}	+18003569377 ok US sendable	the vanity number written in digits is sent to
{"input":"Call 212.555.0123.","region":"US"}	+12125550123 ok US unsendable	text before the number, a full stop after: words are not sent to
{"input":"Call 212.555.0123 now!","region":"US"}	+12125550123669 impossible US unsendable	words after a number are read as keypad letters
{"input":"+44 207","region":"US"}	+44207 impossible GB unsendable	too short for +44
{"input":"+44 20 7946 00181","region":"US"}	+4420794600181 impossible GB unsendable	too long for +44
{"input":"+1 212 555 012","region":"US"}	+1212555012 impossible US unsendable	too short for +1
{"input":"+52 1 55 1234 5678","region":"US"}	+5215512345678 impossible MX unsendable	Mexico's old mobile 1 is too long now
{"input":"555-1234","region":"US"}	+15551234 ok US unsendable	7-digit local US number: possible, not sendable
{"input":"+49 30 1","region":"US"}	+49301 ok DE unsendable	a length possible only for local dialling
{"input":"+1 012 555 0123","region":"US"}	+10125550123 ok US unsendable	NANP area code starting with 0
{"input":"12","region":"US"}	+112 impossible US unsendable	two digits parse, impossibly short
{"input":"212 555 0123","region":""}	- not_a_number - unsendable	national number and no default region
{"input":"212 555 0123","region":"ZZ"}	- not_a_number - unsendable	national number and an unknown region
{"input":"+999 1234 5678","region":"US"}	- not_a_number - unsendable	unknown country calling code
{"input":"","region":"US"}	- not_a_number - unsendable	empty
{"input":"+","region":"US"}	- not_a_number - unsendable	a lone plus
{"input":"-- ( ) ..","region":"US"}	- not_a_number - unsendable	punctuation only
{"input":"hello world","region":"US"}	- not_a_number - unsendable	letters only
{"input":"\ud83d\udcf1\ud83d\udcf1","region":"US"}	- not_a_number - unsendable	emoji
{"input":"'; DROP TABLE messages; --","region":"US"}	- not_a_number - unsendable	SQL
{"input":"1","region":"US"}	- not_a_number - unsendable	one digit
{"input":"1234567890123456789","region":"US"}	- not_a_number - unsendable	19 digits
{"input":"123456789012345678","region":"US"}	+123456789012345680 impossible US unsendable	17 digits after +1, rounded as JavaScript rounds
{"input":"+1 604 555 1234","region":"US"}	+16045551234 ok CA sendable	region of +1 by area code: CA
{"input":"+1 876 555 0123","region":"US"}	+18765550123 ok JM sendable	region of +1 by area code: JM
{"input":"+1 787 555 0101","region":"US"}	+17875550101 ok PR sendable	region of +1 by area code: PR
{"input":"+7 701 123 4567","region":"US"}	+77011234567 ok KZ sendable	+7 7...: KZ
{"input":"+7 495 123 4567","region":"US"}	+74951234567 ok RU sendable	+7 4...: RU
{"input":"+44 7624 123456","region":"US"}	+447624123456 ok IM sendable	+44 7624: Isle of Man
{"input":"+39 06 698 12345","region":"US"}	+390669812345 ok VA sendable	+39 06698: Vatican
{"input":"+358 18 12345","region":"US"}	+3581812345 ok AX sendable	+358 18: Åland
{"input":"+800 1234 5678","region":"US"}	+80012345678 ok - sendable	non-geographic +800: no region
EOF

cut -f1 "$T/cases" | phone-check -t >"$T/got" 2>"$T/err"
check_eq "phone-check answers every case" "$(wc -l <"$T/cases")" "$(wc -l <"$T/got")"
i=0
while IFS=$'\t' read -r _ want desc; do
	i=$((i + 1))
	got=$(sed -n "${i}p" "$T/got" | cut -f1-4 | tr '\t' ' ')
	check_eq "$desc" "$want" "$got"
done <"$T/cases"

# Reasons are sentences a person can act on.
reason() { printf '%s\n' "$1" | phone-check -t | cut -f5; }
check_eq "too short names the country code and the lengths" \
	"too short for +44 (GB numbers have 7, 9 or 10 digits after the country code)" \
	"$(reason '{"input":"+44 207","region":"US"}')"
check_eq "too long for NANP" \
	"too long for +1 (NANP numbers have 10 digits after the country code)" \
	"$(reason '{"input":"+1 212 555 01234","region":"US"}')"
check_eq "no default region says what to do" \
	"no country code: write the number with + and its country code, or set a default region (an ISO code such as US or GB)" \
	"$(reason '{"input":"212 555 0123","region":""}')"
check_eq "unknown calling code" \
	"unknown country calling code after the + or the international prefix" \
	"$(reason '{"input":"+999 1234 5678","region":"US"}')"
check_eq "NANP area-code rule" \
	"not a valid NANP (+1) number: area codes cannot start with 0 or 1" \
	"$(reason '{"input":"(155) 523-4567","region":"US"}')"
check_eq "the exchange is not checked (sms-config(5)'s own example sends)" "-" \
	"$(reason '{"input":"(555) 123-4567","region":"US"}')"
check_eq "NANP needs 10 digits" \
	"NANP (+1) numbers need 10 digits after the country code: a 3-digit area code and a 7-digit number" \
	"$(reason '{"input":"555-1234","region":"US"}')"
check_eq "no digits" "not a phone number: it has no digits" \
	"$(reason '{"input":"hello world","region":"US"}')"
check_eq "ok has no reason" "-" "$(reason '{"input":"(212) 555-0123","region":"US"}')"
check_eq "letters: the word is named" \
	"contains letters: home (write the number in digits; letters are not read as keypad digits)" \
	"$(reason '{"input":"212-555 home","region":"US"}')"
check_eq "...the first word, past the tel: scheme" \
	"contains letters: FLOWERS (write the number in digits; letters are not read as keypad digits)" \
	"$(reason '{"input":"tel:1-800-FLOWERS","region":"US"}')"
check_eq "...cut short when long, between characters" \
	"contains letters: $(printf '\xd0\xb4%.0s' $(seq 12)) (write the number in digits; letters are not read as keypad digits)" \
	"$(reason '{"input":"+1 212 555 0123 \u0434\u0434\u0434\u0434\u0434\u0434\u0434\u0434\u0434\u0434\u0434\u0434\u0434\u0434\u0434\u0434","region":"US"}')"
check_eq "an extension says a text cannot reach it" \
	"has an extension, which a text message cannot reach: give the number alone" \
	"$(reason '{"input":"(212) 555-0123 ext. 45","region":"US"}')"
check_eq "an impossible number with letters: libphonenumber's reason stays" \
	"too long for +1 (NANP numbers have 10 digits after the country code)" \
	"$(reason '{"input":"Call 212.555.0123 now!","region":"US"}')"
check_eq "...and the sendability check names the letters" \
	"contains letters: Call (write the number in digits; letters are not read as keypad digits)" \
	"$(printf '%s\n' '{"input":"Call 212.555.0123 now!","region":"US"}' | phone-check -v | jq -r .why)"

# The five-field NDJSON that other tools read.
check_eq "NDJSON output" \
	'{"input":"+44 207","region":"US","e164":"+44207","possible":false,"reason":"too short for +44 (GB numbers have 7, 9 or 10 digits after the country code)"}' \
	"$(printf '%s\n' '{"input":"+44 207","region":"US"}' | phone-check)"
check_eq "NDJSON output, not a number" \
	'{"input":"x","region":null,"e164":null,"possible":false,"reason":"not a phone number: it has no digits"}' \
	"$(printf '%s\n' '{"input":"x"}' | phone-check)"
check_eq "-r supplies the region of lines without one" "+442079460018" \
	"$(printf '%s\n' '{"input":"020 7946 0018"}' | phone-check -r GB -t | cut -f1)"

# Hostile input: malformed UTF-8, very long lines, NUL-free binary.
printf '{"input":"212\xff555\xfe0123\xc0","region":"US"}\n' >"$T/bad-utf8"
check "malformed UTF-8 does not upset it" phone-check -t <"$T/bad-utf8"
check_eq "more than 250 characters is not a number" \
	"- not_a_number longer than 250 characters: not a phone number" \
	"$(printf '{"input":"+1 212 555 0123%0300d","region":"US"}\n' 0 | phone-check -t | cut -f1,2,5 | tr '\t' ' ')"
check_exit "a line that is not JSON is an input error" 65 phone-check <<<'not json'

# The tables, the corpus and their generators come from one pinned libphonenumber.
data=$(phone-check --data)
for pkg in tools/phone-data/package.json tests/oracle/phone/package.json; do
	check_grep "$pkg pins the version phone_data.c was made from ($data)" \
		"\"google-libphonenumber\": \"${data#google-libphonenumber }\"" "$SMSKIT_SRC/$pkg"
done

done_testing
