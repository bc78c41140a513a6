#!/usr/bin/env bash
# t0300-phone-corpus — the phone module agrees with Google's libphonenumber on every line of
# tests/data/phones.ndjson: same E.164 (or the same refusal to parse) and the same
# isPossibleNumber verdict. The corpus is made by tests/oracle/phone/gen-corpus.js.
. tests/lib.sh

corpus=$SMSKIT_SRC/tests/data/phones.ndjson
n=$(grep -c . "$corpus")
check "the corpus has at least 500 inputs ($n)" test "$n" -ge 500

phone-check --check <"$corpus" >"$T/agree" 2>"$T/err"
summary=$(tail -n 1 "$T/agree")
echo "# phone corpus: $summary"
check_eq "all $n corpus lines agree with libphonenumber" "$n of $n agree" "$summary"
if [ "$summary" != "$n of $n agree" ]; then
	echo "# first disagreements (ours, then want_e164/want_possible):"
	grep '^disagree:' "$T/agree" | head -n 20 | sed 's/^/#   /'
	sed 's/^/#   stderr: /' "$T/err" | head -n 5
fi

# Spot checks that the corpus covers what it must.
for want in '"region":"US"' '"region":"GB"' '"region":"DE"' '"region":"FR"' '"region":"IN"' \
	'"region":"BR"' '"region":"AU"' '"region":"JP"' '"region":"CN"' '"region":"MX"' \
	'"input":"(555) 123-4567"' '"input":"555.123.4567"' '"input":"1-555-123-4567"' \
	'"input":"+1 555 123 4567"' '"input":"5551234567"' 'ext' '"e164":null' '"possible":false'; do
	check_grep "corpus has $want" "$want" "$corpus"
done
countries=$(grep -o '"e164":"+[0-9]*' "$corpus" | wc -l)
check "corpus has parsed numbers ($countries)" test "$countries" -ge 400

done_testing
