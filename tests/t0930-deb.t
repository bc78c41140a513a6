#!/usr/bin/env bash
# make deb builds the Debian package (smskit-deploy(7)) from the repository,
# without the network; its contents (dpkg-deb -c), its control data, conffile
# and maintainer scripts (dpkg-deb -I, -e) are what the page says, its unit
# passes systemd-analyze, and lintian finds no error and no warning.
# Installing it (apt install, remove, purge) is .ci/deb-check's, which
# .ci/fresh-check runs in a fresh Debian 12 root.
# It tests the package, not a store: it runs once, on the default backend
# (SQLite), also when the suite runs on PostgreSQL (SMSKIT_STORE=pg).
SMSKIT_STORE=sqlite
. tests/lib.sh
cd "$SMSKIT_SRC" || exit 1

if sanitized; then
	not_applicable "the Debian package" "it builds its own programs, not the sanitizer build's"
	done_testing
	exit
fi
need "the Debian package" dpkg-buildpackage dh lintian dpkg-deb || { done_testing; exit; }

version=$(sed -n 's/^VERSION *= *//p' Makefile)
check_eq "debian/changelog has the Makefile's version" "$version" "$(dpkg-parsechangelog -S Version)"

# No network: the build runs in a network namespace of its own when one can
# be made (unshare -n as root), which has nothing but a loopback that is down.
nonet=()
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then nonet=(unshare -n); fi
check "make deb" "${nonet[@]}" make -s deb O="$T/b"
cp "$T/.out" "$T/build.log"
deb=$(ls "$T"/b/deb/smskit_"$version"_*.deb 2>/dev/null)
check "...leaves smskit_${version}_ARCH.deb in O/deb" test -f "$deb"
check "...and no copy of the tree" test ! -e "$T/b/deb/smskit-$version"
[ -f "$deb" ] || { sed 's/^/#   /' "$T/.err" | tail -n 30; done_testing; exit; }

dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' | sed 's|^\(.*\) \./|\1 /|' >"$T/contents"
for p in cmd/*.c cmd/*.sh; do
	b=$(basename "$p"); b=${b%.*}
	check_grep "/usr/bin/$b, executable" "^-rwxr-xr-x root/root /usr/bin/$b\$" "$T/contents"
done
for m in man/*.[157]; do
	check_grep "$m as /usr/share/man/man${m##*.}/$(basename "$m").gz" \
		" /usr/share/man/man${m##*.}/$(basename "$m").gz\$" "$T/contents"
done
check_grep "the unit in /lib/systemd/system" ' /lib/systemd/system/sms-webhookd.service$' "$T/contents"
check_grep "/etc/smskit/config" '^-rw-r--r-- root/root /etc/smskit/config$' "$T/contents"
check_grep "the copyright file" ' /usr/share/doc/smskit/copyright$' "$T/contents"
check_eq "no /var/lib/smskit shipped (postinst makes it, purge removes it)" "" "$(grep ' /var/' "$T/contents")"
check_eq "nothing under /usr/local" "" "$(grep ' /usr/local' "$T/contents")"

dpkg-deb -I "$deb" >"$T/info"
dpkg-deb -e "$deb" "$T/ctl"
dpkg-deb -x "$deb" "$T/root"
check_eq "/etc/smskit/config is the one conffile" "/etc/smskit/config" "$(cat "$T/ctl/conffiles")"
depends=$(dpkg-deb -f "$deb" Depends)
# libpq as libmicrohttpd: opened (dlopen) when SMS_DB names a PostgreSQL store.
for d in jq adduser procps libmicrohttpd libsqlite3 libpq libssl libcurl; do
	check "Depends names $d" grep -q "\<$d" <<<"$depends"
done
check_grep "postinst makes the user and group sms" 'adduser --system .*sms' "$T/ctl/postinst"
check_grep ".../etc/smskit/config 640 root:sms, kept by dpkg-statoverride" 'statoverride --update --add root sms 0640 /etc/smskit/config' "$T/ctl/postinst"
check_grep "...and /var/lib/smskit 2770 sms:sms" 'install -d -o sms -g sms -m 2770 /var/lib/smskit' "$T/ctl/postinst"
check_eq "...and never starts the unit" "" "$(grep -E 'deb-systemd-invoke|systemctl' "$T/ctl/postinst")"
check_eq "...nor enables it" "1" "$(grep -c 'deb-systemd-helper enable' "$T/ctl/postinst")"
check "...unless the administrator had (was-enabled)" grep -q "was-enabled 'sms-webhookd.service'" "$T/ctl/postinst"
check_grep "postrm removes the store, the config and the user on purge" 'rm -rf /var/lib/smskit /etc/smskit' "$T/ctl/postrm"
check_grep "...the user" 'deluser --system .*sms' "$T/ctl/postrm"
check "...on purge only" sh -c "sed -n '/^if \\[ \"\\\$1\" = purge \\]/,/^fi/p' '$T/ctl/postrm' | grep -q 'rm -rf /var/lib/smskit'"

check_grep "prerm stops the daemon on remove" 'deb-systemd-invoke stop sms-webhookd.service' "$T/ctl/prerm"

U=$T/root/lib/systemd/system/sms-webhookd.service
check_grep "the unit runs /usr/bin/sms-webhookd" '^ExecStart=/usr/bin/sms-webhookd --listen 127.0.0.1:3001$' "$U"
check_eq "...and is contrib's otherwise" "" "$(sed 's|/usr/local/bin/|/usr/bin/|g' contrib/sms-webhookd.service | diff - "$U")"
check_eq "the programs run: sms-send --version" "sms-send $version" "$("$T/root/usr/bin/sms-send" --version)"
check "sms-webhookd links libssl and libsqlite3 as shared libraries" \
	sh -c "objdump -p '$T/root/usr/bin/sms-webhookd' | grep -q 'NEEDED.*libsqlite3' && objdump -p '$T/root/usr/bin/sms-webhookd' | grep -q 'NEEDED.*libcrypto'"
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify on the package's unit" "$(missing systemd-analyze)"
else
	mkdir -p "$T/sd"
	printf '[Service]\nExecStart=/bin/true\n' >"$T/sd/probe.service"
	systemd-analyze verify --man=no "$T/sd/probe.service" >/dev/null 2>&1 ||
		skip "systemd-analyze verify on the package's unit" "systemd-analyze cannot verify units here"
	sed "s|/usr/bin/sms-webhookd|$T/root/usr/bin/sms-webhookd|" "$U" >"$T/sd/sms-webhookd.service"
	systemd-analyze verify --man=no "$T/sd/probe.service" >/dev/null 2>&1 &&
		check_exit "systemd-analyze verify accepts the package's unit" 0 systemd-analyze verify --man=no "$T/sd/sms-webhookd.service"
fi

lintian --tag-display-limit 0 "$deb" >"$T/lintian" 2>&1
check_eq "lintian: no error" "" "$(grep '^E: ' "$T/lintian")"
check_eq "lintian: no warning" "" "$(grep '^W: ' "$T/lintian")"
done_testing
