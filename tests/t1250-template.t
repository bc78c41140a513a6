#!/usr/bin/env bash
# sms-template: add, list, rm, render (mail-merge) into requests for sms-send.
. tests/lib.sh

check_exit "add a template" 0 sms-template add reminder "Hi {{name}}, your appointment is {{ when }}. Reply C to confirm."
check_eq "...prints it with its variables" '["name","when"]' "$(jq -c .vars "$T/.out")"
check_eq "stored in the templates table" "reminder" "$(sql "select name from templates")"
check_exit "adding the same name again exits 1" 1 sms-template add reminder "other"
check_grep "...and says --replace" 'use --replace' "$T/.err"
check_exit "--replace overwrites" 0 sms-template add --replace reminder "Hi {{name}}, see you {{when}}."
check_eq "...the new body is stored" "Hi {{name}}, see you {{when}}." "$(sql "select body from templates where name='reminder'")"
check_exit "a body from stdin" 0 sh -c 'printf "Order {{order}} has shipped.\n" | sms-template add shipped'
check_eq "...without the trailing newline" "Order {{order}} has shipped." "$(sql "select body from templates where name='shipped'")"
check_exit "a bad placeholder is refused" 65 sms-template add broken "Hi {{ }} there"
check_exit "an unclosed one too" 65 sms-template add broken "Hi {{name"
check_exit "an empty body too" 65 sms-template add broken ""
check_eq "...none of them stored" 0 "$(sql "select count(*) from templates where name='broken'")"

check_exit "list" 0 sms-template list -o json
check_eq "...both, by name" "reminder shipped" "$(jq -r .name "$T/.out" | xargs)"
check_exit "list as text" 0 sms-template list -o text
check_grep "...one line each" '^shipped  *Order {{order}} has shipped.$' "$T/.out"

printf '%s\n' '{"to":"+12125550123","vars":{"name":"Sam","when":"Tue 3pm"},"ref":"a-1"}' \
	'{"to":"+12125550124","name":"Ann","when":"Wed","priority":"high"}' \
	'{"to":"+12125550125","vars":{"name":"Bo"}}' \
	'not json' \
	'{"to":"+12125550126","vars":{"name":"Cy","when":{"day":"Thu"}}}' \
	'{"to":"+12125550127","vars":{"name":"Di","when":3}}' >"$T/in"
check_exit "render: a batch with bad records exits 1" 1 sms-template render reminder <"$T/in"
cp "$T/.out" "$T/out"
check_eq "one record per line, in order" "1 2 3 4 5 6" "$(jq -r .line "$T/out" | xargs)"
check_eq "vars filled in" "Hi Sam, see you Tue 3pm." "$(sed -n 1p "$T/out" | jq -r .body)"
check_eq "...from the record's own fields too" "Hi Ann, see you Wed." "$(sed -n 2p "$T/out" | jq -r .body)"
check_eq "...numbers as written" "Hi Di, see you 3." "$(sed -n 6p "$T/out" | jq -r .body)"
check_eq "vars removed, other fields kept, template named" '{"to":"+12125550123","ref":"a-1","template":"reminder"}' "$(sed -n 1p "$T/out" | jq -c '{to, ref, template, vars}' | jq -c 'del(.vars)')"
check_eq "a missing variable is an error record naming it" "missing_var" "$(sed -n 3p "$T/out" | jq -r .error.code)"
check_grep "...{{when}}" 'missing variable {{when}}' "$T/out"
check_eq "an object value is refused" "missing_var" "$(sed -n 5p "$T/out" | jq -r .error.code)"
check_exit "render an unknown template exits 65" 65 sms-template render nosuch </dev/null

# Numbers go in exactly as written: cJSON keeps a double, which would print 2.50 as 2.5
# and 9007199254740993 as 9.00719925474099e+15.
check_exit "a template of numbers" 0 sms-template add nums "{{a}}|{{b}}|{{c}}|{{d}}|{{e}}|{{f}}|{{g}}"
printf '%s\n' '{"to":"+12125550123","vars":{"a":2.50,"b":9007199254740993,"c":1e3,"d":-0,"e":0.10,"f":-1.5E+2,"g":1e400}}' \
	'{"to":"+12125550123","n":[7,{"k":8}],"s":"9 \"10\" 11","a":2.50,"b":9007199254740993,"vars":{"c":1e3,"d":-0,"e":0.10,"f":-1.5E+2,"g":true}}' \
	'{"line":"first","to":"+12125550123","vars":{"a":1,"a":2.0,"b":0.10,"c":1e3,"d":-0,"e":false,"f":"3.0","g":10}}' \
	'{"to":"+12125550123","vars":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":null}}' \
	'{"to":"+12125550123","vars":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":[7]}}' >"$T/nums"
check_exit "render numbers" 1 sms-template render nums <"$T/nums"
cp "$T/.out" "$T/nums.out"
check_eq "numbers in vars kept byte for byte" '2.50|9007199254740993|1e3|-0|0.10|-1.5E+2|1e400' "$(sed -n 1p "$T/nums.out" | jq -r .body)"
check_eq "...from the record's own fields too, past numbers in arrays and strings" '2.50|9007199254740993|1e3|-0|0.10|-1.5E+2|true' "$(sed -n 2p "$T/nums.out" | jq -r .body)"
check_eq "...with a \"line\" of the input's own and a duplicate name (the first wins)" '1|0.10|1e3|-0|false|3.0|10' "$(sed -n 3p "$T/nums.out" | jq -r .body)"
check_eq "a null variable is refused, saying it is null" 'missing_var template nums: variable {{g}} is null: give it a string, number or boolean' "$(sed -n 4p "$T/nums.out" | jq -r '"\(.error.code) \(.error.message)"')"
check_eq "an array is refused, saying so" 'missing_var template nums: variable {{g}} must be a string, number or boolean, not an array' "$(sed -n 5p "$T/nums.out" | jq -r '"\(.error.code) \(.error.message)"')"
check_eq "...the rest of the batch went on" "true true true false false" "$(jq -r .ok "$T/nums.out" | xargs)"
check_exit "{{line}} is the record's line number" 0 sms-template add lineno "line {{line}}"
check_eq "...as the reader numbered it" "line 2" "$(printf '%s\n' '{"to":"+12125550123","line":9}' '{"to":"+12125550123","line":5}' | sms-template render lineno | sed -n 2p | jq -r .body)"
check_exit "rm of two names" 0 sms-template rm nums lineno

# The mail-merge pipeline: render into sms-send on the sandbox.
printf '%s\n' '{"to":"+12125550123","order":"A-17"}' '{"to":"+12125550124","order":"B-9"}' >"$T/orders"
SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-template render shipped <"$T/orders" | SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-send -o json >"$T/sent"
check_eq "render | sms-send sends both" "true true" "$(jq -r .ok "$T/sent" | xargs)"
check_eq "...with the rendered bodies stored" "Order A-17 has shipped.|Order B-9 has shipped." "$(sql "select body from messages order by id" | paste -sd'|' -)"
printf '%s\n' '{"to":"+12125550125"}' | SMS_PROVIDER=sandbox sms-template render shipped | SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off sms-send -o json >"$T/sent2" 2>/dev/null
check_eq "a render error passes through sms-send as an error, nothing sent" "missing_var 2" "$(jq -r .error.code "$T/sent2") $(sql "select count(*) from messages")"

check_exit "rm" 0 sms-template rm shipped
check_eq "...gone" "reminder" "$(sql "select name from templates order by name" | paste -sd, -)"
check_exit "rm of an unknown name exits 1" 1 sms-template rm shipped
check_exit "an unknown command exits 64" 64 sms-template frobnicate
check_grep "...and lists the commands" 'unknown command `frobnicate`: add, list, rm or render$' "$T/.err"
check_exit "no command exits 64" 64 sms-template
check_grep "...with the usage on stderr" '^usage: sms-template' "$T/.err"
check_exit "--help" 0 sms-template --help
check_grep "...prints usage" '^usage: sms-template' "$T/.out"
check_exit "--version" 0 sms-template --version
check_eq "...prints the version" "sms-template 0.1.0" "$(cat "$T/.out")"

# The command line is verbs_parse's, as in sms-auto and sms-optout: options
# before or after the verb, --help and --version there too; but a name and a
# body are free text, so the first of them ends the options.
check_exit "--help after the verb" 0 sms-template list --help
check_grep "...prints usage on stdout" '^usage: sms-template' "$T/.out"
check_exit "...after an unknown word too" 0 sms-template frobnicate --help
check_exit "--version after the verb" 0 sms-template rm --version
check_eq "...prints the version" "sms-template 0.1.0" "$(cat "$T/.out")"
check_exit "an unknown option before the verb exits 64" 64 sms-template --bogus list
check_grep "...worded as after it" 'sms-template: unknown option: --bogus$' "$T/.err"
check_exit "an option that takes no argument given one" 64 sms-template list --replace=1
check_grep "...said so" 'sms-template: --replace takes no argument$' "$T/.err"
check_exit "an unknown option after the verb exits 64" 64 sms-template list --bogus
check_grep "...named as sms-auto names it" 'sms-template: unknown option: --bogus$' "$T/.err"
check_grep "...with the usage" '^usage: sms-template' "$T/.err"
check_exit "a missing argument after the verb exits 64" 64 sms-template list -o
check_grep "...named too" 'sms-template: -o needs an argument$' "$T/.err"
check_exit "-o takes json or text" 64 sms-template list -o yaml
check_exit "options between the verb and its arguments" 0 sms-template add --replace -o json after "Hi {{name}}"
check_eq "...stored" "Hi {{name}}" "$(sql "select body from templates where name='after'")"
check_exit "a body that starts with a dash needs no --" 0 sms-template add dash "-20% for {{name}}"
check_eq "...stored as written" "-20% for {{name}}" "$(sql "select body from templates where name='dash'")"
check_exit "a word after the arguments is an argument: one too many" 64 sms-template add after2 "Hi" --replace
check_grep "...said so" 'add takes NAME and an optional BODY' "$T/.err"
check_exit "-- ends the options: a name that starts with a dash" 0 sms-template add -- -dash- "Hi {{name}}"
check_eq "...stored as written" "Hi {{name}}" "$(sql "select body from templates where name='-dash-'")"
check_exit "an unknown short option inside a group after the verb" 64 sms-template list -rx
check_grep "...is named itself" 'unknown option: -x$' "$T/.err"
check_exit "an abbreviated long option missing its argument" 64 sms-template list --out
check_grep "...is named as given" 'sms-template: --out needs an argument$' "$T/.err"
done_testing
