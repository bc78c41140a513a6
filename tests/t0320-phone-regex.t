#!/usr/bin/env bash
# t0320-phone-regex — phone_regex, the ECMAScript regex engine that runs libphonenumber's
# patterns, case by case through tests/tools/phone-re-check: alternation in order, greedy
# and lazy quantifiers, counted repeats, groups that take no part, classes and their
# ranges, the non-unicode "i" flag (Latin-1, Cyrillic, fullwidth, and no Unicode folding
# of K/k or ſ), "." and line terminators, UTF-16 code units (an emoji is two), anchors,
# and the patterns libphonenumber's own code runs. Each case: the input line, TAB, the
# groups' offsets as JavaScript's RegExp gives them (node 18, exec() with the "d" flag;
# "y" for anchored), TAB and a note where the engine knowingly answers otherwise.
. tests/lib.sh

cat >"$T/cases" <<'CASES'
{"re":"(a)|(b)","s":"xb"}	1,2 -1,-1 1,2
{"re":"a|ab","s":"abc","anchored":true}	0,1
{"re":"(a|ab)(c|bcd)(d*)","s":"abcd"}	0,4 0,1 1,4 4,4
{"re":"a*","s":"aaa"}	0,3
{"re":"a*?","s":"aaa","anchored":true}	0,0
{"re":"a+?b","s":"xaaab"}	1,5
{"re":"(a+)(a+)","s":"aaaa"}	0,4 0,3 3,4
{"re":"(a+?)(a+)","s":"aaaa"}	0,4 0,1 1,4
{"re":"a{2,3}","s":"aaaa"}	0,3
{"re":"a{2,3}?","s":"aaaa"}	0,2
{"re":"a{2}","s":"a"}	-
{"re":"a{2,}","s":"aaaaa"}	0,5
{"re":"x{0}y","s":"xy"}	1,2
{"re":"(?:ab)+","s":"ababab"}	0,6
{"re":"(ab)+","s":"ababab"}	0,6 4,6
{"re":"(a)?b","s":"b"}	0,1 -1,-1
{"re":"(a)?(b)","s":"ab"}	0,2 0,1 1,2
{"re":"((a)|b)+","s":"ab"}	0,2 1,2 0,1	(JavaScript resets a group on each repetition: 0,2 1,2 -1,-1; no pattern of libphonenumber depends on it)
{"re":"^abc$","s":"abc"}	0,3
{"re":"^abc$","s":"abcd"}	-
{"re":"^b","s":"ab"}	-
{"re":"b$","s":"ab"}	1,2
{"re":"^$","s":""}	0,0
{"re":"[0-9]+","s":"tel 0123"}	4,8
{"re":"[^0-9]+","s":"12ab34"}	2,4
{"re":"[a-c-]+","s":"x-ab-c"}	1,6
{"re":"[\\d\\s]+","s":"a1 2b"}	unsupported	(JavaScript: 1,4; no pattern of libphonenumber needs it)
{"re":"\\d{3}","s":"12３456"}	3,6
{"re":"[0-9０-９٠-٩]+","s":"x１٢۳3"}	1,3
{"re":"\\D+","s":"ab12"}	0,2
{"re":"\\w+","s":"_a1-b"}	unsupported	(JavaScript: 0,3; no pattern of libphonenumber needs it)
{"re":"\\W","s":"a_b c"}	unsupported	(JavaScript: 3,4; no pattern of libphonenumber needs it)
{"re":"\\S+","s":"  ab "}	unsupported	(JavaScript: 2,4; no pattern of libphonenumber needs it)
{"re":".+","s":"ab\ncd"}	0,2
{"re":".","s":" x"}	1,2
{"re":"a.c","s":"aéc"}	0,3
{"re":"a.c","s":"a😀c"}	-
{"re":"a..c","s":"a😀c"}	0,4
{"re":"\\ud83d\\ude00","s":"x😀"}	1,3
{"re":"[\\ud83d]","s":"😀"}	0,1
{"re":"ABC","s":"xabc","i":true}	1,4
{"re":"[a-z]+","s":"XYZ","i":true}	0,3
{"re":"é","s":"É","i":true}	0,1
{"re":"ж","s":"Ж","i":true}	0,1
{"re":"[а-я]+","s":"ПРИ","i":true}	0,3
{"re":"ａ","s":"Ａ","i":true}	0,1
{"re":"ÿ","s":"Ÿ","i":true}	0,1
{"re":"k","s":"K","i":true}	-
{"re":"s","s":"ſ","i":true}	-
{"re":"\\+","s":"+1"}	0,1
{"re":"\\(\\d\\)","s":"(5)"}	0,3
{"re":"[+＋]*","s":"＋+1"}	0,2
{"re":"\\x41\\u0042","s":"AB"}	0,2
{"re":"\\.","s":"a.b"}	1,2
{"re":"[.]","s":"ab."}	2,3
{"re":"a|b|","s":"c"}	0,0
{"re":"()","s":"x"}	0,0 0,0
{"re":"(?:)","s":"x"}	0,0
{"re":"(?:a|b)*c","s":"ababc"}	0,5
{"re":"(a*)*b","s":"aab"}	0,3 0,2
{"re":"(a*)+b","s":"b"}	0,1 0,0
{"re":"(?:0|(\\d{3}))?","s":"0123","anchored":true}	0,1 -1,-1
{"re":"(?:0|(\\d{3}))?","s":"8123","anchored":true}	0,3 0,3
{"re":"1?(\\d{3})","s":"1555","anchored":true}	0,4 1,4
{"re":"[2-9]\\d{9}","s":"2125550123"}	0,10
{"re":"(?:[2-9]\\d{2})(\\d{7})","s":"2125550123","anchored":true}	0,10 3,10
{"re":"[- ‐-―]+","s":"1– 2"}	1,3
{"re":"[x*#]","s":"1#"}	1,2
{"re":"\\d+(?:-\\d+)*","s":"12-34-x"}	0,5
{"re":"(?:;ext=([0-9]{1,20}))$","s":"555;ext=12"}	3,10 8,10
{"re":"(?:e?xt(?:ensi(?:ó?|ó))?n?|е?хтн?|anexo)[:.． ]*(\\d{1,7})#?$","s":"123 ext. 45","i":true}	4,11 9,11
{"re":"a{,2}","s":"a{,2}"}	0,5
{"re":"a{1","s":"a{1"}	0,3
CASES

cut -f1 "$T/cases" | phone-re-check >"$T/got" 2>"$T/err"
check_eq "phone-re-check answers every case" "$(wc -l <"$T/cases")" "$(wc -l <"$T/got")"
i=0
while IFS=$'\t' read -r line want note; do
	i=$((i + 1))
	check_eq "$line${note:+ $note}" "$want" "$(sed -n "${i}p" "$T/got")"
done <"$T/cases"

# A line that is not a case is an error (exit 65), and the lines after it still answer.
printf '%s\n' '{"re":1}' '{"re":"a","s":"a"}' | phone-re-check >"$T/got" 2>"$T/err"
check_eq "a bad line exits 65" 65 "$?"
check_eq "the next line still answers" "0,1" "$(cat "$T/got")"
check_grep "the bad line is named on stderr" 'not a {"re", "s"} object' "$T/err"

done_testing
