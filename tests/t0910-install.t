#!/usr/bin/env bash
# make install / uninstall with PREFIX and DESTDIR put programs and pages in
# place and take them away again.
. tests/lib.sh
cd "$SMSKIT_SRC" || exit 1
root=$T/root
check "make install" make -s install O="$SMSKIT_BUILD" PREFIX=/usr DESTDIR="$root"
check "sms-split installed executable" test -x "$root/usr/bin/sms-split"
check "sms-split(1) installed" test -f "$root/usr/share/man/man1/sms-split.1"
check "smskit(7) installed" test -f "$root/usr/share/man/man7/smskit.7"
check "smskit-whatsapp(7) installed" test -f "$root/usr/share/man/man7/smskit-whatsapp.7"
check "installed program runs" "$root/usr/bin/sms-split" --version
check "make uninstall" make -s uninstall PREFIX=/usr DESTDIR="$root"
check_eq "nothing left but directories" "" "$(find "$root" -type f)"
done_testing
