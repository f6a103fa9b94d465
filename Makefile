# ksmtuned: build, test and install.
#
#   make                  build ./ksmtuned
#   make check            build and run every test (root runs the namespace and kernel tests)
#   make install          install under $(DESTDIR)$(PREFIX); make uninstall removes it again
#   make bench            compare KSM tuners on this host's kernel and write docs/benchmarks.md
#                         (root; bench/install-deps installs what it needs; BENCH_FLAGS=--quick)
#
# Paths follow Debian and Fedora: the binary in /usr/sbin, the unit in
# /usr/lib/systemd/system, the config in /etc.

VERSION      ?= 0.1.0
PREFIX       ?= /usr
SYSCONFDIR   ?= /etc
SBINDIR      ?= $(PREFIX)/sbin
MANDIR       ?= $(PREFIX)/share/man
UNITDIR      ?= $(PREFIX)/lib/systemd/system
DESTDIR      ?=

CC           ?= cc
PKG_CONFIG   ?= pkg-config
PACKAGES     := libsystemd libvirt inih libproc2

WARNINGS     := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wstrict-prototypes \
                -Wmissing-prototypes -Wwrite-strings -Wundef -Wvla -Wcast-align \
                -Wnull-dereference -Wimplicit-fallthrough
CFLAGS       ?= -O2 -g
# WERROR=1 turns warnings into errors, as the tests build with both compilers.
ifeq ($(WERROR),1)
WARNINGS     += -Werror
endif

DEPS_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PACKAGES))
DEPS_LIBS    := $(shell $(PKG_CONFIG) --libs $(PACKAGES))
ALL_CFLAGS   := -std=c11 -D_GNU_SOURCE $(WARNINGS) $(DEPS_CFLAGS) \
                -DVERSION='"$(VERSION)"' -DSYSCONFDIR='"$(SYSCONFDIR)"' $(CFLAGS)

BUILD        := build
SOURCES      := $(wildcard daemon/*.c)
OBJECTS      := $(SOURCES:daemon/%.c=$(BUILD)/%.o)
# Everything but main(), linked into the unit tests as well.
LIB_OBJECTS  := $(filter-out $(BUILD)/main.o,$(OBJECTS))

UNIT_TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test-*.c))
HELPERS      := $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(wildcard tests/helpers/*.c))

.PHONY: all check install uninstall clean

all: ksmtuned

ksmtuned: $(OBJECTS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS)

$(BUILD)/%.o: daemon/%.c daemon/*.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

$(BUILD)/tests/test-%: tests/unit/test-%.c tests/unit/test.h $(LIB_OBJECTS) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Idaemon $(LDFLAGS) -o $@ $< $(LIB_OBJECTS) $(DEPS_LIBS)

$(BUILD)/tests/%: tests/helpers/%.c | $(BUILD)/tests
	$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

check: ksmtuned $(UNIT_TESTS) $(HELPERS)
	tests/run $(UNIT_TESTS)

# The benchmark changes the host's real KSM settings and restores them at the end.
BENCH_TOOLS  := $(BUILD)/bench/workload $(BUILD)/bench/sampler
BENCH_FLAGS  ?=

.PHONY: bench

$(BUILD)/bench:
	mkdir -p $@

$(BUILD)/bench/%: bench/%.c | $(BUILD)/bench
	$(CC) -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

bench: ksmtuned $(BENCH_TOOLS)
	bench/run $(BENCH_FLAGS)
	bench/report

install: ksmtuned
	install -D -m 0755 ksmtuned $(DESTDIR)$(SBINDIR)/ksmtuned
	install -D -m 0644 man/ksmtuned.8 $(DESTDIR)$(MANDIR)/man8/ksmtuned.8
	install -D -m 0644 man/ksmtuned.conf.5 $(DESTDIR)$(MANDIR)/man5/ksmtuned.conf.5
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		systemd/ksmtuned.service.in > $(DESTDIR)$(UNITDIR)/ksmtuned.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ksmtuned.service
	# An administrator's existing config file is kept.
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/ksmtuned.conf ]; then \
		install -D -m 0644 ksmtuned.conf $(DESTDIR)$(SYSCONFDIR)/ksmtuned.conf; fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ksmtuned $(DESTDIR)$(MANDIR)/man8/ksmtuned.8 \
		$(DESTDIR)$(MANDIR)/man5/ksmtuned.conf.5 $(DESTDIR)$(UNITDIR)/ksmtuned.service
	# The config file stays if it differs from the shipped default.
	if cmp -s ksmtuned.conf $(DESTDIR)$(SYSCONFDIR)/ksmtuned.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/ksmtuned.conf; fi

clean:
	rm -rf $(BUILD) ksmtuned
