# smskit — build, test, install: one static library from common/ (one folder
# per layer, doc/ARCHITECTURE.md), one program per cmd/*.c, everything found
# with pkg-config.
# The one version string: every program's --version, sms-mcp's and the
# User-Agent come from here.
VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
O       ?= build
PKGS     = libcurl libcjson sqlite3 libcrypto libmicrohttpd libutf8proc expat

ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# common/ is one folder per layer, lowest first; a module includes another by
# its file name alone, so that moving a file between layers changes no code.
LAYERS     = base text store providers workflow web
COMMON_INC = $(LAYERS:%=-Icommon/%)

override CFLAGS := -std=c17 -Wall -Wextra -Werror -Wshadow -Wvla -O2 -g \
	-D_DEFAULT_SOURCE -D_GNU_SOURCE -DSMSKIT_VERSION=\"$(VERSION)\" \
	$(COMMON_INC) $(shell pkg-config --cflags $(PKGS) libpq) $(SANFLAGS) $(CFLAGS)
override LDFLAGS := -Wl,--as-needed $(SANFLAGS) $(LDFLAGS)
LDLIBS   = $(shell pkg-config --libs $(PKGS)) -ldl -lm
# sms-webhookd loads libmicrohttpd at run time (common/web/httpd.c says why): by its soname.
MHD_SONAME := $(shell objdump -p $$(pkg-config --variable=libdir libmicrohttpd)/libmicrohttpd.so 2>/dev/null | awk '/SONAME/ { print $$2 }')
ifneq ($(MHD_SONAME),)
override CFLAGS += -DMHD_SONAME=\"$(MHD_SONAME)\"
endif
# libpq too, by the programs that open a PostgreSQL store (store_pg_lib.h says why).
PQ_SONAME := $(shell objdump -p $$(pkg-config --variable=libdir libpq)/libpq.so 2>/dev/null | awk '/SONAME/ { print $$2 }')
ifneq ($(PQ_SONAME),)
override CFLAGS += -DPQ_SONAME=\"$(PQ_SONAME)\"
endif

COMMON_SRC = $(foreach l,$(LAYERS),$(wildcard common/$(l)/*.c))
COMMON_OBJ = $(COMMON_SRC:%.c=$(O)/%.o)
CMDS       = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
SCRIPTS    = $(patsubst cmd/%.sh,%,$(wildcard cmd/*.sh))
BINS       = $(CMDS:%=$(O)/bin/%)
SCRIPT_BINS = $(SCRIPTS:%=$(O)/bin/%)
# tests/tools/fake-common.c is no tool: the fake provider servers link it.
TOOLS      = $(patsubst tests/tools/%.c,$(O)/tests/%,$(filter-out tests/tools/fake-common.c,$(wildcard tests/tools/*.c)))
FAKES      = $(filter $(O)/tests/fake-%,$(TOOLS))
MAN1       = $(wildcard man/*.1)
MAN5       = $(wildcard man/*.5)
MAN7       = $(wildcard man/*.7)

all: $(BINS) $(SCRIPT_BINS)

# The test suite's tools and fake providers: built by the targets that test.
tools: $(TOOLS)

# -MMD: each object's list of the headers it read, so that a changed header
# rebuilds what includes it and nothing else.
$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(O) -name '*.d' 2>/dev/null)

$(O)/libsmskit.a: $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(O)/bin/%: $(O)/cmd/%.o $(O)/libsmskit.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# sms-webhookd is also a CGI program: a process per request. Debian's static
# archives of libcrypto, SQLite and utf8proc spare each one the dynamic loading
# and relocation of those libraries, about 5 ms of CPU (bench/webhook.sh (g));
# linked at a fixed address (-no-pie), the loader need not patch the ~20,000
# pointers in libcrypto's tables, each patched page a copy-on-write fault.
# The price: after a security update of libssl3 or libsqlite3, rebuild; and
# its own code is not at a random address (libraries, heap and stack are).
# STATIC_WEBHOOKD=0 links it like the other programs.
STATIC_WEBHOOKD ?= 1
ifeq ($(STATIC_WEBHOOKD),1)
# (What the archives need from shared libraries comes after; --as-needed drops
# the shared copies of the archived libraries themselves.)
WEBHOOKD_LDFLAGS = -no-pie
WEBHOOKD_LIBS = -Wl,-Bstatic $(shell pkg-config --libs sqlite3 libcrypto libutf8proc) -Wl,-Bdynamic \
	$(shell pkg-config --static --libs libcjson sqlite3 libcrypto libutf8proc) -ldl -lm
else
WEBHOOKD_LIBS = $(LDLIBS)
endif
$(O)/bin/sms-webhookd: $(O)/cmd/sms-webhookd.o $(O)/libsmskit.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(WEBHOOKD_LDFLAGS) -o $@ $^ $(WEBHOOKD_LIBS)

# The shell programs (cmd/*.sh) are copied with the version filled in, so
# that the tests find them on PATH.
$(SCRIPT_BINS): $(O)/bin/%: cmd/%.sh Makefile
	@mkdir -p $(@D)
	sed 's/@VERSION@/$(VERSION)/' $< > $@.tmp && chmod 755 $@.tmp && mv $@.tmp $@

$(O)/tests/%: $(O)/tests/tools/%.o $(O)/libsmskit.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(FAKES): $(O)/tests/tools/fake-common.o
$(FAKES:$(O)/tests/%=$(O)/tests/tools/%.o) $(O)/tests/tools/fake-common.o: tests/tools/fake-common.h

# The suite runs twice: the normal build, then under ASan + UBSan.
check: all tools
	tests/run $(O)
	SMSKIT_STORE=pg tests/run $(O)
	$(MAKE) O=build-san SAN=1 all tools
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run build-san

test: all tools
	tests/run $(O)

# The suite on a PostgreSQL store (a throwaway server, tests/pg-cluster).
check-pg: all tools
	SMSKIT_STORE=pg tests/run $(O)

bench: all tools
	bench/run $(O)

FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) O=build-fuzz CC=clang CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libsmskit.a
	@mkdir -p build-fuzz/fuzz
	set -e; for t in $(FUZZ_TARGETS); do \
	  clang $(CFLAGS) -fsanitize=fuzzer,address,undefined -o build-fuzz/fuzz/$$t tests/fuzz/$$t.c build-fuzz/libsmskit.a $(LDLIBS); \
	  mkdir -p build-fuzz/corpus/$$t; \
	  build-fuzz/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus/$$t; \
	done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	$(if $(SCRIPT_BINS),install -m 755 $(SCRIPT_BINS) $(DESTDIR)$(BINDIR)/)
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)

uninstall:
	rm -f $(CMDS:%=$(DESTDIR)$(BINDIR)/%) $(SCRIPTS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) \
	      $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%)

demo: all
	contrib/demo.sh $(O)

# README on a fresh Debian 12 root (debootstrap; as root; 20-40 minutes, not in check).
fresh-check:
	.ci/fresh-check

# Two builds run on the same inputs, every difference listed (not in check: it
# needs a second build, e.g. of the code before a restructuring):
# make compare OLD=/path/to/old-build [NEW=build]
compare: all tools
	@test -n "$(OLD)" || { echo "make compare OLD=BUILD_DIR [NEW=$(O)]" >&2; exit 64; }
	tools/compare-builds.sh $(OLD) $(or $(NEW),$(O))

# Every build directory this Makefile or its documentation makes: O's default,
# the sanitizer and fuzzing builds, the clang build (README), and O itself.
clean:
	rm -rf build build-san build-fuzz build-clang $(O)

# The Debian package (debian/, smskit-deploy(7)): $(O)/deb/smskit_$(VERSION)_ARCH.deb.
# dpkg-buildpackage writes beside the tree it builds, so it builds a copy
# in $(O)/deb (without .git, build directories or node_modules), not the
# clone itself, with none of this make's variables. Needs the build packages and debhelper, dpkg-dev, fakeroot
# (INSTALL); no network.
DEB_DIR = $(O)/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/smskit-$(VERSION)
	tar -cf - --exclude-vcs --exclude=node_modules --anchored --exclude='./build' \
		--exclude='./build-*' --exclude='./$(O)' --exclude=./debian/build . | \
		tar -xf - -C $(DEB_DIR)/smskit-$(VERSION)
	cd $(DEB_DIR)/smskit-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	rm -rf $(DEB_DIR)/smskit-$(VERSION)
	@ls $(DEB_DIR)/*.deb

.PHONY: check-pg all tools check test bench fuzz install uninstall demo fresh-check compare clean deb
.SECONDARY:
