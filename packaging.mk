# SPDX-License-Identifier: GPL-2.0
#
# Installation and Debian packaging, included by the top Makefile.
#
#   make install [DESTDIR=...] [PREFIX=/usr/local] [SBINDIR=...] [SYSCONFDIR=...]
#                [MANDIR=...] [UNITDIR=...] [BASHCOMPDIR=...]
#   make uninstall             (same variables; the configuration is kept)
#   make deb                   .deb from a copy of the tree, into $(O)/deb/
#   make man-lint              mandoc and man(1) warnings on docs/man/
#
# Layout (GNU conventions; SYSCONFDIR is /etc for PREFIX=/usr, as CMake's
# GNUInstallDirs does):
#   $(SBINDIR)/ltsd, $(SBINDIR)/ltsctl    both in sbin: ltsd runs as root with
#                                          CAP_BPF & co, and ltsctl's socket
#                                          answers root only
#   $(MANDIR)/man8/ltsd.8, ltsctl.8, man5/ltsd.yaml.5 (+ alias lts.yaml.5)
#   $(SYSCONFDIR)/lts/ltsd.yaml           config/examples/ltsd.yaml, mode 0600,
#                                          only if no file is there yet
#   $(UNITDIR)/ltsd.service               scripts/ltsd.service, its paths
#                                          rewritten to SBINDIR and SYSCONFDIR
#   $(BASHCOMPDIR)/ltsctl                 scripts/bash-completion/ltsctl (loaded
#                                          on demand by bash-completion)
# The XDP object is embedded in ltsd by its skeleton: nothing else is read at
# run time. `make install` does not strip (dh_strip does, for the package).

ifndef LTS_PACKAGING_MK
LTS_PACKAGING_MK := 1
# Wherever the top Makefile includes this, `make` alone still builds `all`.
lts_saved_goal := $(.DEFAULT_GOAL)

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
MANDIR ?= $(PREFIX)/share/man
# systemd reads /usr/local/lib/systemd/system and /usr/lib/systemd/system.
UNITDIR ?= $(PREFIX)/lib/systemd/system
# bash-completion looks in $XDG_DATA_DIRS (/usr/local/share, /usr/share).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL ?= install

MAN8 := docs/man/ltsd.8 docs/man/ltsctl.8
MAN5 := docs/man/ltsd.yaml.5
LTS_CONF := $(DESTDIR)$(SYSCONFDIR)/lts/ltsd.yaml

.PHONY: install uninstall deb man-lint

install: all
	$(msg) INSTALL '$(DESTDIR)$(SBINDIR)/ltsd ltsctl'
	$(Q)$(INSTALL) -d -m 0755 '$(DESTDIR)$(SBINDIR)' '$(DESTDIR)$(MANDIR)/man8' \
		'$(DESTDIR)$(MANDIR)/man5' '$(DESTDIR)$(UNITDIR)' '$(DESTDIR)$(SYSCONFDIR)/lts' \
		'$(DESTDIR)$(BASHCOMPDIR)'
	$(Q)$(INSTALL) -m 0755 $(O)/ltsd $(O)/ltsctl '$(DESTDIR)$(SBINDIR)/'
	$(msg) INSTALL '$(DESTDIR)$(MANDIR)'
	$(Q)$(INSTALL) -m 0644 $(MAN8) '$(DESTDIR)$(MANDIR)/man8/'
	$(Q)$(INSTALL) -m 0644 $(MAN5) '$(DESTDIR)$(MANDIR)/man5/'
	$(Q)ln -sf ltsd.yaml.5 '$(DESTDIR)$(MANDIR)/man5/lts.yaml.5'
	$(msg) INSTALL '$(DESTDIR)$(BASHCOMPDIR)/ltsctl'
	$(Q)$(INSTALL) -m 0644 scripts/bash-completion/ltsctl '$(DESTDIR)$(BASHCOMPDIR)/ltsctl'
	$(msg) INSTALL '$(DESTDIR)$(UNITDIR)/ltsd.service'
	$(Q)sed -e 's|/usr/sbin/ltsd|$(SBINDIR)/ltsd|g' -e 's|/usr/sbin/ltsctl|$(SBINDIR)/ltsctl|g' \
		-e 's|/etc/lts/|$(SYSCONFDIR)/lts/|g' \
		scripts/ltsd.service > '$(DESTDIR)$(UNITDIR)/ltsd.service.tmp'
	$(Q)chmod 0644 '$(DESTDIR)$(UNITDIR)/ltsd.service.tmp'
	$(Q)mv -f '$(DESTDIR)$(UNITDIR)/ltsd.service.tmp' '$(DESTDIR)$(UNITDIR)/ltsd.service'
	$(Q)if [ -e '$(LTS_CONF)' ]; then \
		echo '  KEEP     $(LTS_CONF) (exists; the example is config/examples/ltsd.yaml)'; \
	else \
		printf '  %-8s %s\n' INSTALL '$(LTS_CONF)'; \
		$(INSTALL) -m 0600 config/examples/ltsd.yaml '$(LTS_CONF)'; \
	fi

# The configuration is the operator's: never removed.
uninstall:
	$(msg) RM '$(DESTDIR)$(PREFIX) (ltsd files)'
	$(Q)rm -f '$(DESTDIR)$(SBINDIR)/ltsd' '$(DESTDIR)$(SBINDIR)/ltsctl' \
		'$(DESTDIR)$(MANDIR)/man8/ltsd.8' '$(DESTDIR)$(MANDIR)/man8/ltsctl.8' \
		'$(DESTDIR)$(MANDIR)/man5/ltsd.yaml.5' '$(DESTDIR)$(MANDIR)/man5/lts.yaml.5' \
		'$(DESTDIR)$(UNITDIR)/ltsd.service' '$(DESTDIR)$(BASHCOMPDIR)/ltsctl'
	$(Q)if [ -e '$(LTS_CONF)' ]; then echo '  KEEP     $(LTS_CONF)'; fi

# A binary package built in a copy of the working tree (tracked and untracked
# files, not what .gitignore excludes), so that the source tree keeps no
# build products and dpkg-buildpackage's output (written to the parent of
# the tree it builds) lands in $(O)/deb/. Needs dpkg-dev, debhelper and the
# build dependencies in debian/control. This make's variables stay out of it.
deb:
	$(Q)rm -rf $(O)/deb && mkdir -p $(O)/deb/src
	$(Q)git ls-files -z -co --exclude-standard | \
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C $(O)/deb/src
	$(Q)cd $(O)/deb/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR \
		dpkg-buildpackage -us -uc -b
	$(Q)rm -rf $(O)/deb/src
	$(Q)ls -1 $(O)/deb/*.deb

man-lint:
	$(Q)mandoc -T lint -W warning $(MAN8) $(MAN5)
	$(Q)for f in $(MAN8) $(MAN5); do \
		out=$$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l $$f 2>&1 >/dev/null); \
		[ -z "$$out" ] || { echo "$$f: $$out"; exit 1; }; \
	done

.DEFAULT_GOAL := $(lts_saved_goal)
endif
