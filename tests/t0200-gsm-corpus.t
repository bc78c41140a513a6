#!/usr/bin/env bash
# The oracle corpus: tests/data/segments.ndjson holds what Twilio's segment calculator
# (npm sms-segments-calculator, pinned in tests/oracle/segments) says about a few thousand
# bodies, without and with Smart Encoding. sms-split must agree on every one of them:
# encoding and segment count first, then characters, units and the parts themselves.
# shellcheck disable=SC2016 # the $x, $y in single quotes are jq's
. tests/lib.sh

corpus=$SMSKIT_SRC/tests/data/segments.ndjson
n=$(wc -l <"$corpus")
check "the corpus has at least 2,000 bodies ($n)" test "$n" -ge 2000
jq -c '{id, body}' "$corpus" >"$T/in"

check_exit "sms-split -o json reads the whole corpus" 0 sms-split -o json <"$T/in"
mv "$T/.out" "$T/plain"
check_exit "sms-split --smart -o json reads the whole corpus" 0 sms-split --smart -o json <"$T/in"
mv "$T/.out" "$T/smart"
check_eq "...one output record per body" "$n $n" "$(wc -l <"$T/plain") $(wc -l <"$T/smart")"

# disagree TITLE OUTPUT JQ-EXPR: JQ-EXPR sees $x (the corpus record) and $y (sms-split's
# record for it) and yields a description for each disagreement. Reports how many of the
# bodies agree and shows the first few that do not.
disagree() {
	local title=$1 got=$2 expr=$3
	jq -rn --slurpfile e "$corpus" --slurpfile g "$got" '
		def slices(s; lens): reduce lens[] as $l ({o: 0, r: []};
			.r += [s[.o:.o + $l]] | .o += $l) | .r;
		range(0; $e | length) as $i | $e[$i] as $x | $g[$i] as $y
		| if $y.id != $x.id then "record \($i + 1): id \($y.id), expected \($x.id)"
		  else ('"$expr"') | "id \($x.id) (\($x.category)): \(.)" end' >"$T/disagree"
	local bad
	bad=$(wc -l <"$T/disagree")
	echo "# $title: $((n - bad)) of $n agree"
	head -n 5 "$T/disagree" | sed 's/^/#   /'
	check_eq "$title: every body agrees" 0 "$bad"
}

disagree "encoding and segments" "$T/plain" '
	select($y.encoding != $x.encoding or $y.segments != $x.segments)
	| "calculator \($x.encoding) \($x.segments), sms-split \($y.encoding) \($y.segments)"'
disagree "characters and units" "$T/plain" '
	select($y.chars != $x.chars or $y.units != $x.units)
	| "calculator \($x.chars) chars \($x.units) units, sms-split \($y.chars) \($y.units)"'
disagree "the parts" "$T/plain" '
	slices($x.body; $x.part_lengths) as $want
	| select($y.parts != $want) | "calculator \($want | tojson), sms-split \($y.parts | tojson)"'
disagree "parts join back to the body" "$T/plain" '
	select(($y.parts | join("")) != $x.body) | "parts \($y.parts | tojson)"'

disagree "smart: encoding and segments" "$T/smart" '
	select($y.smart.encoding != $x.smart_encoding or $y.smart.segments != $x.smart_segments)
	| "calculator \($x.smart_encoding) \($x.smart_segments), sms-split \($y.smart.encoding) \($y.smart.segments)"'
disagree "smart: the smart-encoded body" "$T/smart" '
	($x.smart_body // $x.body) as $want
	| select($y.smart.body != $want) | "calculator \($want | tojson), sms-split \($y.smart.body | tojson)"'
disagree "smart: characters, units and parts" "$T/smart" '
	($x.smart_body // $x.body) as $b
	| slices($b; $x.smart_part_lengths // $x.part_lengths) as $want
	| select($y.smart.chars != ($x.smart_chars // $x.chars) or
	         $y.smart.units != ($x.smart_units // $x.units) or $y.smart.parts != $want)
	| "calculator \($x.smart_chars // $x.chars) \($x.smart_units // $x.units) \($want | tojson), sms-split \($y.smart.chars) \($y.smart.units) \($y.smart.parts | tojson)"'
disagree "smart: the plain figures are unchanged" "$T/smart" '
	select($y.encoding != $x.encoding or $y.segments != $x.segments)
	| "calculator \($x.encoding) \($x.segments), sms-split \($y.encoding) \($y.segments)"'

done_testing
