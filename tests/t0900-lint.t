#!/usr/bin/env bash
# What we ship is lint-clean: cppcheck on the C, shellcheck on the shell,
# mandoc on the man pages, and every program has --help, --version and a page.
. tests/lib.sh
cd "$SMSKIT_SRC" || exit 1

if command -v cppcheck >/dev/null; then
	# cJSON's header alone, so that cppcheck knows its iteration macro without
	# wading through every system header.
	mkdir -p "$T/inc/cjson" && cp /usr/include/cjson/cJSON.h "$T/inc/cjson/"
	check "cppcheck finds nothing in common/ cmd/ tests/" \
		cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--std=c11 --inline-suppr -D__GNUC__ -I"$T/inc" $(printf -- '-I%s ' common/*/) common cmd tests/tools tests/fuzz
else skip "cppcheck" "$(missing cppcheck)"; fi

if command -v shellcheck >/dev/null; then
	mapfile -t sh < <(ls contrib/*.sh cmd/*.sh bench/run bench/*.sh tests/run tests/lib.sh tests/webhook.sh .ci/run .ci/install-deps .ci/fresh-check .ci/deb-check debian/smskit.postinst debian/smskit.postrm debian/smskit.prerm tools/compare-builds.sh tools/compare-record-webhooks.sh 2>/dev/null)
	check "shellcheck finds nothing in ${#sh[@]} scripts" shellcheck -x "${sh[@]}"
else skip "shellcheck" "$(missing shellcheck)"; fi

if command -v mandoc >/dev/null; then
	check "mandoc -T lint finds no warnings in man/" mandoc -T lint -W warning man/*.[157]
else skip "mandoc" "$(missing mandoc)"; fi

# Everything a comment, a test or a tool cites is in the repository: man
# pages, doc/, tools/. No file names the old outside documents (the shared
# folder beside the repository, its SPEC, PROVIDERS and STYLE files), nor cites
# one of them bare, as "SPEC 5", "PROVIDERS.md 9.4", "Read STYLE". An
# upper-case SPEC alone is fine: it is a metavariable ("--active-hours SPEC").
if git -C "$SMSKIT_SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	outside='\.\./shared|(^|[[:space:](])shared/|(SPEC|PROVIDERS|STYLE)\.md'
	outside+='|\<(SPEC|PROVIDERS|STYLE)( ?§| [0-9]|'\''s\>| (status|error|word|record|one|code|table|section)s?\>)'
	outside+='|\<([Ss]ee|[Pp]er|[Rr]ead|[Ii]n|[Oo]f) (SPEC|PROVIDERS|STYLE)\>'
	cites=$(git ls-files -z | grep -zv -e '^tests/t0900-lint\.t$' |
		xargs -0 grep -nIE "$outside" -- 2>/dev/null | cut -c1-160)
	[ -n "$cites" ] && printf '%s\n' "$cites" | sed 's/^/#   /'
	check "no file cites a document outside the repository (${cites:+$(printf '%s\n' "$cites" | wc -l) citations})" \
		test -z "$cites"
else skip "outside citations" "not a git checkout"; fi

# The C programs and the shell ones (cmd/*.sh, installed without .sh) alike.
for c in cmd/*.c cmd/*.sh; do
	p=$(basename "$c")
	p=${p%.*}
	check "$p has a man page" test -f "man/$p.1"
	check "$p --help exits 0 with usage" sh -c "$p --help | grep -q '^usage: $p'"
	check "$p --version prints '$p VERSION'" sh -c "$p --version | grep -Eq '^$p [0-9]+\.[0-9]+'"
	check "$p's --help and man page name the same long options" sh -c "
		h=\$($p --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
		for o in \$h; do grep -q -- \"Fl \${o#-}\" man/$p.1 || { echo \"\$o not in man/$p.1\"; exit 1; }; done"
done

# The layers of common/ (doc/ARCHITECTURE.md): no circle of includes, no
# module including a layer above its own. The script must see both on a tree
# made to have them before its word on ours counts.
mkdir -p "$T/ig/common/low" "$T/ig/common/high"
printf 'LAYERS = low high\n' > "$T/ig/Makefile"
printf '#include "b.h"\n' > "$T/ig/common/high/a.c"; : > "$T/ig/common/high/a.h"
printf '#include "c.h"\n' > "$T/ig/common/high/b.c"; : > "$T/ig/common/high/b.h"
printf '#include "a.h"\n' > "$T/ig/common/high/c.c"; : > "$T/ig/common/high/c.h"
printf '#include "d.h"\n' > "$T/ig/common/low/d.c"; printf '#include "a.h"\n' > "$T/ig/common/low/d.h"
sh tools/include-graph.sh "$T/ig" > "$T/ig.out" 2> "$T/ig.err"; rc=$?
check_eq "include-graph fails on a tree with a circle" "$rc" 1
check_grep "include-graph names the circle" "^circle: [abc] [abc] [abc]$" "$T/ig.err"
check_grep "include-graph names the include of a layer above" "layer: low/d includes high/a.h" "$T/ig.err"
if sh tools/include-graph.sh . > "$T/graph" 2> "$T/graph.err"; then rc=0; else rc=$?; fi
sed 's/^/#   /' "$T/graph.err"
check_eq "common/ has no circle of includes and no include of a layer above" "$rc" 0
check "include-graph lists every module of common/" \
	test "$(grep -c . "$T/graph")" -eq "$(ls common/*/*.c | wc -l)"

# One place owns SQL text (doc/store.md): the store's files. No other file of
# common/ or cmd/ holds a statement or includes sqlite3.h.
sql=$(grep -rl 'SELECT\|INSERT\|UPDATE \|DELETE FROM\|sqlite3\.h' common cmd --include='*.[ch]' |
	grep -v -e '^common/store/store_' -e '^common/store/store\.h$' | tr '\n' ' ')
check_eq "no SQL outside the store's files (doc/store.md)" "$sql" ""

done_testing
