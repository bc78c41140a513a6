#!/bin/sh
# gen-gs-overrides.sh — print the "gs-overrides" block of common/text/gsm_ucs2.c: where the grapheme
# break classes of grapheme-splitter 1.0.4 (Unicode 10, what the calculator uses) differ
# from the classes libutf8proc reports, plus grapheme-splitter's emoji classes (E_Base,
# E_Modifier, Glue_After_Zwj, E_Base_GAZ), which utf8proc no longer has. Needs cc,
# pkg-config libutf8proc, node and `npm ci` here. Check the committed block with
#   diff <(sh gen-gs-overrides.sh) <(sed -n '/BEGIN gs-overrides/,/END gs-overrides/p' ../../../common/text/gsm_ucs2.c)
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gsov.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/dump.c" <<'C'
#include <stdio.h>
#include <utf8proc.h>
int main(void)
{
	int lo = 0, cur = utf8proc_get_property(0)->boundclass;
	printf("# utf8proc %s (Unicode %s)\n", utf8proc_version(), utf8proc_unicode_version());
	for (int c = 1; c <= 0x110000; c++) {
		int b = c < 0x110000 ? utf8proc_get_property(c)->boundclass : -1;
		if (b != cur) { printf("%x %x %d\n", lo, c - 1, cur); lo = c; cur = b; }
	}
	return 0;
}
C
# shellcheck disable=SC2046 # pkg-config prints several words
${CC:-cc} -o "$tmp/dump" "$tmp/dump.c" $(pkg-config --cflags --libs libutf8proc)
"$tmp/dump" >"$tmp/utf8proc.txt"
node gs-overrides.js "$tmp/utf8proc.txt"
