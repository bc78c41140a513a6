#!/usr/bin/env bash
# make demo (contrib/demo.sh) off a terminal: it runs every section, exits 0,
# leaves no scratch folder behind, prints no escape codes, and fetches the
# dashboard itself instead of waiting for Enter.
. tests/lib.sh
need "the demo" jq curl || { done_testing; exit; }
mkdir -p "$T/tmp"
check_exit "contrib/demo.sh exits 0 off a terminal, stdin at its end" 0 \
	env TMPDIR="$T/tmp" HOME="$T/home" contrib/demo.sh "$SMSKIT_BUILD" </dev/null
cp "$T/.out" "$T/demo.out"
check_eq "...and leaves nothing in TMPDIR" "" "$(ls -A "$T/tmp")"
check_eq "...with no escape codes in its output" 0 "$(grep -c $'\033' "$T/demo.out")"
check_grep "...through to the dashboard, fetched" "GET http://127.0.0.1:[0-9]*/review: .*awaiting review" "$T/demo.out"
check_grep "...having received on the sandbox and answered" "Of course, dogs are welcome" "$T/demo.out"
check_eq "...touching no store of the user's" "" "$(ls -A "$T/home" 2>/dev/null)"
done_testing
