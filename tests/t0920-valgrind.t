#!/usr/bin/env bash
# The programs are valgrind-clean on good and bad input (not under the
# sanitizer build, which valgrind cannot run).
. tests/lib.sh
if sanitized || ! command -v valgrind >/dev/null; then
	skip "valgrind" "sanitizer build or no valgrind"
	done_testing; exit
fi
vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$@"; }
printf '%s\n' '{"body":"hello","to":"+15551234567"}' 'not json' '{"body":"😀 ça va","smart":1}' '{"nobody":1}' >"$T/in"
check_exit "sms-split on a mixed batch: no valgrind errors (exit 1 for the bad lines)" 1 vg sms-split -o json --smart <"$T/in"
check_exit "sms-split text output: no valgrind errors" 0 vg sms-split -o text --smart "“quoted” — text…"
done_testing
