#!/usr/bin/env bash
# README's tour, run as README prints it: every "$ command" line of the tour
# (with its continuation lines) is read from README itself, the commands run in
# order in one bash session on a terminal (script(1)), from a folder that looks
# like the top of a clone, with a new HOME and the default store. Each must exit
# 0, and each output line README shows under a command must be among what that
# command printed, in order (dates and times match any date and time).
# One change is made to the commands: README's port 3001 becomes a free one
# (tests run servers on free ports only), with SMS_PUBLIC_URL saying so, which
# is how a user would tell sms-sandbox of another port. In what README shows,
# dates, times and message SIDs match any, and "by sam" the user's name.
. tests/lib.sh
need "README's tour" script jq curl || { done_testing; exit; }

# The tour: from the line "A tour" to the next heading underlined with dashes.
awk 'on && /^-+$/ { exit } /^A tour$/ { on = 1; getline; next } on { print }' README |
	sed '$d' >"$T/tour"
# Each "$ " line starts a command; an indented line after one that ends in | or
# \ continues it; other indented lines after a command are its shown output.
n=0 mode='' cont=0
while IFS= read -r line; do
	case $line in
	'    $ '*)
		n=$((n + 1)) mode=cmd
		printf '%s\n' "${line#    \$ }" >"$T/cmd.$n"
		: >"$T/want.$n"
		;;
	'    '*)
		if [ "$mode" = cmd ] && [ "$cont" = 1 ]; then
			printf '%s\n' "$line" >>"$T/cmd.$n"
		elif [ -n "$mode" ]; then
			mode=out
			printf '%s\n' "${line#    }" >>"$T/want.$n"
		fi
		;;
	*) mode= ;;
	esac
	cont=0
	case $line in *'|' | *\\) cont=1 ;; esac
done <"$T/tour"
check "README's tour has commands" test "$n" -gt 10

port=$(free-port)
# shellcheck disable=SC2016 # the script's own expansions, run later
{
	echo 'set +e'
	for ((i = 1; i <= n; i++)); do
		printf 'echo "@@ %d"\n' "$i"
		sed "s/3001/$port/g" "$T/cmd.$i"
		# Exit statuses to a file of their own: a terminal may lose the last output.
		printf 'echo "%d $?" >>%q\n' "$i" "$T/rc"
		# A server started in the background: wait for it as a person would.
		if grep -q '&[^&]*$' "$T/cmd.$i" && ! grep -q '&&' "$T/cmd.$i"; then
			printf 'for _ in $(seq 50); do curl -sf http://127.0.0.1:%s/healthz >/dev/null && break; sleep 0.1; done\n' "$port"
		fi
	done
	echo 'echo "@@ end"; kill $(jobs -p) 2>/dev/null; wait 2>/dev/null'
} >"$T/script"

# A folder like the top of a clone: the build as build/, the examples.
mkdir -p "$T/clone" "$T/home"
ln -s "$(cd "$SMSKIT_BUILD" && pwd)" "$T/clone/build"
ln -s "$SMSKIT_SRC/examples" "$T/clone/examples"
unset SMS_DB SMS_CONFIG
(cd "$T/clone" && env HOME="$T/home" USER="${USER:-tour}" PATH="/usr/local/bin:/usr/bin:/bin" \
	XDG_CONFIG_HOME= XDG_DATA_HOME= SMS_PUBLIC_URL="http://127.0.0.1:$port" TERM=dumb \
	script -qec "bash '$T/script'" /dev/null) </dev/null |
	# What a terminal shows: colours (jq's) and carriage returns dropped.
	tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g' >"$T/got"

# Each command's output, between its markers.
for ((i = 1; i <= n; i++)); do
	awk -v i="$i" '$0 == "@@ " i { on = 1; next } /^@@ / { if (on) exit } on' "$T/got" >"$T/got.$i"
	rc=$(sed -n "s/^$i //p" "$T/rc")
	c=$(head -n 1 "$T/cmd.$i")
	check_eq "tour: $c (exit)" 0 "${rc:-none}"
	[ -z "${TOUR_SHOW:-}" ] || { echo "== $c"; cat "$T/got.$i"; }
	[ -s "$T/want.$i" ] || continue
	# README's lines in order among the output; spaces collapsed; dates, times, SIDs any.
	ok=0
	norm() { sed -e 's/[[:space:]]\+/ /g' -e 's/ $//' "$@"; }
	pat() { sed -e 's/[][\.*^$/]/\\&/g' -e 's/[0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}/[0-9-]\\{10\\}/g' \
		-e 's/[0-9]\{2\}:[0-9]\{2\}/[0-9:]\\{5\\}/g' -e 's/SM[0-9a-f]\{32\}/SM[0-9a-f]\\{32\\}/g' \
		-e "s/by sam\$/by ${USER:-tour}/"; }
	norm "$T/got.$i" >"$T/g"
	j=1
	while IFS= read -r w; do
		p=$(printf '%s\n' "$w" | norm | pat)
		k=$(tail -n +"$j" "$T/g" | grep -n -m 1 -x -e "$p" | cut -d: -f1)
		[ -n "$k" ] || { ok=1; echo "#   not printed: $w"; break; }
		j=$((j + k))
	done <"$T/want.$i"
	check_eq "tour: $c (prints what README shows)" 0 "$ok"
	[ "$ok" = 0 ] || sed 's/^/#   got: /' "$T/got.$i" | head -n 20
done
done_testing
