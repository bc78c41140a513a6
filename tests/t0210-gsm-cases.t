#!/usr/bin/env bash
# GSM-7 / UCS-2 segmenting case by case (doc/segments.md, sms-split(1)): the calculator's
# own test vectors, parts that join back to the body, nothing that reads as one character
# split across parts, units left in the last part, and Smart Encoding.
. tests/lib.sh

# The bodies are made by jq from JSON escapes, so nothing here depends on the locale.
# D(n) = "1234567890123..." (n digits); E(n) = D(n) with its first digit replaced by 😜.
jq -nc '
	def D(n): ("1234567890" * 200)[0:n];
	def E(n): "\ud83d\ude1c" + D(n)[1:];
	def c(name; body): {name: name, body: body};
	c("D160"; D(160)), c("D161"; D(161)), c("D306"; D(306)), c("D307"; D(307)),
	c("E69"; E(69)), c("E70"; E(70)), c("E134"; E(134)),
	c("flag68"; "\ud83c\uddee\ud83c\uddf9" + ("2345678901" * 7)[0:66]),
	c("flag69"; "\ud83c\uddee\ud83c\uddf9" + ("2345678901" * 7)[0:67]),
	c("rainbow68"; "\ud83c\udff3\ufe0f\u200d\ud83c\udf08" + ("2345678901" * 7)[0:64]),
	c("rainbow69"; "\ud83c\udff3\ufe0f\u200d\ud83c\udf08" + ("2345678901" * 7)[0:65]),
	(["^", "\u20ac", "{", "}", "[", "]", "~", "\\", "|", "\f"] | to_entries[] |
		c("esc158-\(.key)"; .value + D(158)), c("esc159-\(.key)"; .value + D(159))),
	c("grin68"; "\ud83d\ude00" + ("]" * 68)), c("grin69"; "\ud83d\ude00" + ("]" * 69)),
	(["\u00c1", "\u00da", "\u00fa", "\u00e7", "\u00ed", "\u00cd", "\u00f3", "\u00d3"] | to_entries[] |
		c("x70-\(.key)"; .value * 70), c("x71-\(.key)"; .value * 71)),
	c("acute66"; "e\u0301\u0301\u0301" + ("a" * 66)), c("acute67"; "e\u0301\u0301\u0301" + ("a" * 67)),
	c("mas"; "m\u00e1s"),
	c("cr"; "\rabcde\r\n123"), c("lf"; "\nabcde\n\n123\n"),
	c("esc-edge"; D(152) + "\u20ac" + D(10)),
	c("pair-edge"; "\u00e7" + D(65) + "\ud83d\ude00" + D(5)),
	c("flag-edge"; D(65) + "\ud83c\uddee\ud83c\uddf9" + D(5)),
	c("family-edge"; D(60) + "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66" + D(5)),
	c("skin-fits"; D(65) + "\ud83d\udc4d\ud83c\udffd" + "x"),
	c("skin-edge"; D(66) + "\ud83d\udc4d\ud83c\udffd" + "x"),
	c("mark-edge"; D(66) + "e\u0301" + D(3)),
	c("crlf-edge"; D(152) + "\r\n" + D(10)),
	c("hello"; "Hello"), c("empty"; ""), c("grin"; "\ud83d\ude00"),
	c("grin-bracket"; "\ud83d\ude00]"), c("euro-grin"; "\u20ac\ud83d\ude00"),
	c("a-skin"; "a\ud83c\udffb"), c("thumb-skin"; "\ud83d\udc4d\ud83c\udffb"),
	c("people-holding-hands"; "\ud83e\uddd1\u200d\ud83e\udd1d\u200d\ud83e\uddd1"),
	c("huge-cluster"; "e" + ("\u0301" * 79)),
	c("smart-quotes"; "\u201cHi\u201d \u2014 it\u2019s"),
	c("smart-mix"; "\u2018a\u2019 \u201cb\u201d en\u2013dash em\u2014dash\u2026"),
	c("smart-angles"; "\u2039x\u203a"), c("smart-zwnj"; "a\u200cb"),
	c("smart-nbsp"; "a\u00a0b"), c("smart-tab"; "a\tb"), c("smart-tilde"; "n\u0303"),
	c("smart-emoji"; "\ud83d\ude00 \u201cok\u201d"),
	c("smart-saves"; "\u201c" + D(150) + "\u201d"), c("smart-keeps"; "\u00e1")
' >"$T/cases"

check_exit "sms-split --smart reads the cases" 0 sms-split --smart -o json <"$T/cases"
mv "$T/.out" "$T/out"

# q NAME JQ-EXPR: JQ-EXPR applied to the output record of case NAME.
q() { jq -r --arg n "$1" "select(.name == \$n) | $2" "$T/out"; }
# fig NAME: "encoding segments chars units remaining"
fig() { q "$1" '"\(.encoding) \(.segments) \(.chars) \(.units) \(.remaining)"'; }
# lens NAME: code points in each part
lens() { q "$1" '[.parts[] | length] | map(tostring) | join(" ")'; }

# The calculator's test vectors (doc/segments.md, Test vectors).
check_eq "D(160): one GSM-7 segment of 160 septets" "GSM-7 1 160 160 0" "$(fig D160)"
check_eq "D(161): two segments" "GSM-7 2 161 161 145" "$(fig D161)"
check_eq "...of 153 and 8" "153 8" "$(lens D161)"
check_eq "D(306): two full segments" "GSM-7 2 306 306 0" "$(fig D306)"
check_eq "D(307): three segments" "GSM-7 3 307 307 152" "$(fig D307)"
check_eq "...the last holds just 7" "7" "$(q D307 '.parts[2]')"
check_eq "E(69): one UCS-2 segment, the emoji counts 2 units" "UCS-2 1 69 70 0" "$(fig E69)"
check_eq "E(70): two segments" "UCS-2 2 70 71 63" "$(fig E70)"
check_eq "...the emoji and 65 digits, then 4 digits" "66 4" "$(lens E70)"
check_eq "E(134): three segments" "UCS-2 3 134 135 66" "$(fig E134)"
check_eq "...the last holds just 4" "4" "$(q E134 '.parts[2]')"
check_eq "flag + 66 digits: one segment, the flag one character" "UCS-2 1 67 70 0" "$(fig flag68)"
check_eq "flag + 67 digits: two segments" "UCS-2 2" "$(q flag69 '"\(.encoding) \(.segments)"')"
check_eq "rainbow flag + 64 digits: one segment, 65 characters" "UCS-2 1 65 70 0" "$(fig rainbow68)"
check_eq "rainbow flag + 65 digits: two segments" "UCS-2 2" "$(q rainbow69 '"\(.encoding) \(.segments)"')"
for k in 0 1 2 3 4 5 6 7 8 9; do
	ch=$(q "esc158-$k" '.body[0:1] | @json')
	check_eq "escape char $ch + D(158): 160 septets, one segment" "GSM-7 1 159 160 0" "$(fig "esc158-$k")"
	check_eq "escape char $ch + D(159): two segments" "GSM-7 2 160 161 145" "$(fig "esc159-$k")"
	check_eq "...the escape char and 151 digits, then 8" "152 8" "$(lens "esc159-$k")"
done
check_eq "😀 + 68 × ]: ] is one unit in UCS-2" "UCS-2 1 69 70 0" "$(fig grin68)"
check_eq "😀 + 69 × ]: two segments" "UCS-2 2 70 71 63" "$(fig grin69)"
for k in 0 1 2 3 4 5 6 7; do
	ch=$(q "x70-$k" '.body[0:1]')
	check_eq "70 × $ch: one UCS-2 segment" "UCS-2 1 70 70 0" "$(fig "x70-$k")"
	check_eq "71 × $ch: two UCS-2 segments" "UCS-2 2 71 71 63" "$(fig "x71-$k")"
done
check_eq "e + 3 combining acutes + 66 a: one character of 4 units, UCS-2" "UCS-2 1 67 70 0" "$(fig acute66)"
check_eq "e + 3 combining acutes + 67 a: two segments" "UCS-2 2 68 71 63" "$(fig acute67)"
check_eq "más is UCS-2" "UCS-2 1 3 3 67" "$(fig mas)"
check_eq "CR, CRLF: a CRLF counts two characters" "GSM-7 1 11 11 149" "$(fig cr)"
check_eq "LF only: 12 characters" "GSM-7 1 12 12 148" "$(fig lf)"

# Parts join back to the body.
check_eq "every case's parts join back to its body" "" \
	"$(jq -r 'select((.parts | join("")) != .body) | .name' "$T/out")"
check_eq "...and so do the smart-encoded ones" "" \
	"$(jq -r 'select((.smart.parts | join("")) != .smart.body) | .name' "$T/out")"
check_eq "...and there are as many parts as segments" "" \
	"$(jq -r 'select((.parts | length) != .segments or (.smart.parts | length) != .smart.segments) | .name' "$T/out")"

# Nothing that reads as one character is split across parts.
check_eq "an escape pair at 153 septets moves whole to the next part" "152 11 141" \
	"$(q esc-edge '"\(.parts[0] | length) \(.parts[1] | length) \(.remaining)"')"
check_eq "...which starts with it" "€" "$(q esc-edge '.parts[1][0:1]')"
check_eq "a surrogate pair at unit 67 moves whole" "66 6 60" \
	"$(q pair-edge '"\(.parts[0] | length) \(.parts[1] | length) \(.remaining)"')"
check_eq "...which starts with it" "😀" "$(q pair-edge '.parts[1][0:1]')"
check_eq "a flag across unit 67 moves whole" "65 7 58" \
	"$(q flag-edge '"\(.parts[0] | length) \(.parts[1] | length) \(.remaining)"')"
check_eq "a ZWJ family across unit 67 moves whole" "60 12 51" \
	"$(q family-edge '"\(.parts[0] | length) \(.parts[1] | length) \(.remaining)"')"
check_eq "an emoji with a skin tone that just fits stays" "UCS-2 1 67 70 0" "$(fig skin-fits)"
check_eq "...one unit later it moves whole" "66 3 62" \
	"$(q skin-edge '"\(.parts[0] | length) \(.parts[1] | length) \(.remaining)"')"
check_eq "a letter with a combining mark across unit 67 moves whole" "66 5" "$(lens mark-edge)"
check_eq "CR and LF are two units, so a CRLF can straddle parts (as the calculator does)" \
	'153 "\r" "\n1"' "$(q crlf-edge '"\(.parts[0] | length) \(.parts[0][-1:] | @json) \(.parts[1][0:2] | @json)"')"

# Units left in the last part.
check_eq "Hello: 155 septets left" "GSM-7 1 5 5 155" "$(fig hello)"
check_eq "an empty body is one empty GSM-7 part with 160 left" "GSM-7 1 0 0 160 [\"\"]" \
	"$(q empty '"\(.encoding) \(.segments) \(.chars) \(.units) \(.remaining) \(.parts | tojson)"')"
check_eq "one emoji: 68 units left" "UCS-2 1 1 2 68" "$(fig grin)"
check_eq "a GSM extension char is one unit in UCS-2" "UCS-2 1 2 3 67" "$(fig grin-bracket)"
check_eq "...the euro sign too" "UCS-2 1 2 3 67" "$(fig euro-grin)"

# Grapheme clusters as the calculator's grapheme-splitter (Unicode 10) sees them.
check_eq "a skin tone after a letter is a character of its own" "UCS-2 1 2 3 67" "$(fig a-skin)"
check_eq "...after an emoji base it joins it" "UCS-2 1 1 4 66" "$(fig thumb-skin)"
check_eq "🧑‍🤝‍🧑 is three characters (🤝 is not Glue_After_Zwj in Unicode 10)" "UCS-2 1 3 8 62" \
	"$(fig people-holding-hands)"
check_eq "a cluster bigger than a segment: the calculator opens a second part for it" \
	"UCS-2 2 1 80 0 0 80" \
	"$(q huge-cluster '"\(.encoding) \(.segments) \(.chars) \(.units) \(.remaining) \(.parts | map(length) | map(tostring) | join(" "))"')"

# Smart Encoding (tools/smart-encoding.tsv, as sms-segments-calculator 1.3.0 has it).
check_eq "curly quotes and an em dash become GSM" "\"Hi\" - it's GSM-7 1" \
	"$(q smart-quotes '"\(.smart.body) \(.smart.encoding) \(.smart.segments)"')"
check_eq "...from a UCS-2 body" "UCS-2" "$(q smart-quotes .encoding)"
check_eq "single quotes, en dash, ellipsis" "'a' \"b\" en-dash em-dash..." "$(q smart-mix .smart.body)"
check_eq "‹ › become < > (fixed in the calculator's 1.3.0)" "<x>" "$(q smart-angles .smart.body)"
check_eq "a zero-width non-joiner is removed" "ab GSM-7" "$(q smart-zwnj '"\(.smart.body) \(.smart.encoding)"')"
check_eq "a no-break space becomes two spaces (the calculator's data)" '"a  b"' "$(q smart-nbsp '.smart.body | @json')"
check_eq "a tab becomes seven spaces" '"a       b" 9' "$(q smart-tab '"\(.smart.body | @json) \(.smart.units)"')"
check_eq "a combining tilde becomes ~ (2 septets)" "n~ GSM-7 3" \
	"$(q smart-tilde '"\(.smart.body) \(.smart.encoding) \(.smart.units)"')"
check_eq "an emoji keeps the smart body UCS-2" '"😀 \"ok\"" UCS-2' \
	"$(q smart-emoji '"\(.smart.body | @json) \(.smart.encoding)"')"
check_eq "smart encoding saves segments: 3 UCS-2 -> 1 GSM-7" "UCS-2 3 GSM-7 1 8" \
	"$(q smart-saves '"\(.encoding) \(.segments) \(.smart.encoding) \(.smart.segments) \(.smart.remaining)"')"
check_eq "á is not in the map and stays" "á UCS-2" "$(q smart-keeps '"\(.smart.body) \(.smart.encoding)"')"
check_eq "bodies without anything to replace are unchanged" "" \
	"$(jq -r 'select(.name | test("^(D|E|esc|x7|hello|empty)")) | select(.smart.body != .body) | .name' "$T/out")"

done_testing
