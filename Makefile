# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build into $(O) (default build/). `make V=1` shows commands.
# Rule chain for BPF: bpf/*.bpf.c -> $(O)/bpf/*.bpf.o -> $(O)/bpf/*.skel.h.
# make never calls sudo: privileged test suites skip cleanly when not root.

O ?= build
V ?= 0
ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg = @printf '  %-8s %s\n'
endif

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PYTHON ?= /usr/bin/python3
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)

WARN := -Wall -Wextra -Werror -Wshadow
CFLAGS ?= -O2 -g
CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE -Imaps -Iconfig -Iagent -I$(O)/bpf
BPF_CFLAGS := -O2 -g -target bpf $(WARN) -Wno-unused-parameter -Imaps -Ibpf -I$(ARCH_INC)
LDLIBS := $(shell pkg-config --libs libbpf libxdp 2>/dev/null || echo -lbpf -lxdp) -lyaml -lmd -lelf -lz

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean deps test unit-test bpf-test fuzz-test e2e-test demo fmt

BPF_PROGS := lts_xdp xdp_pass
BPF_OBJS := $(BPF_PROGS:%=$(O)/bpf/%.bpf.o)
SKELS := $(O)/bpf/lts_xdp.skel.h

# Everything but the daemons' main(): linked into ltsd and into the unit tests.
LIB_SRCS := $(filter-out agent/ltsd.c agent/ltsctl.c,$(wildcard agent/*.c)) \
	    $(wildcard config/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIB := $(O)/liblts.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)
TEST_TOOLS := $(O)/tests/bpf/run_fixtures

all: $(BPF_OBJS) $(SKELS) $(O)/ltsd $(O)/ltsctl

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/lib/*.h) $(wildcard maps/*.h)
	$(msg) BPF $@
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<)) > $@

$(O)/%.o: %.c $(SKELS) $(wildcard maps/*.h agent/*.h config/*.h)
	$(msg) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(msg) AR $@
	$(Q)$(AR) rcs $@ $^

$(O)/ltsd: $(O)/agent/ltsd.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(O)/ltsctl: $(O)/agent/ltsctl.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

$(O)/tests/bpf/run_fixtures: $(O)/tests/bpf/run_fixtures.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# Test suites. tests/run.sh prints one result line per suite and the
# closing "N passed, N failed" line; privileged suites skip when not root.
unit-test: $(UNIT_BINS)
	$(Q)O=$(O) tests/run.sh unit

bpf-test: all $(TEST_TOOLS)
	$(Q)O=$(O) PYTHON=$(PYTHON) tests/run.sh bpf

fuzz-test:
	$(Q)O=$(O) tests/run.sh fuzz

e2e-test: all
	$(Q)O=$(O) PYTHON=$(PYTHON) tests/run.sh e2e

test: all $(UNIT_BINS) $(TEST_TOOLS)
	$(Q)O=$(O) PYTHON=$(PYTHON) tests/run.sh unit bpf fuzz e2e

demo: all
	$(Q)O=$(O) PYTHON=$(PYTHON) scripts/demo.sh

# Debian packages (apt-get): run as root, e.g. `sudo make deps`.
deps:
	$(Q)scripts/install-deps.sh

# Suites and tools with their own rules (bench, fuzz, e2e helpers) keep them
# in a fragment next to their sources.
include $(sort $(wildcard tests/*/*.mk))

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(O)
