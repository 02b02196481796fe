# SPDX-License-Identifier: GPL-2.0
#
# libFuzzer targets (included by the top Makefile). `make fuzz-smoke` builds
# every target with clang's fuzzer and sanitizers and runs each for its time
# (below), starting from its committed seeds in tests/fuzz/corpus/<name>
# (fuzz_<name>.c) and with its dictionary tests/fuzz/<name>.dict if there is
# one; new inputs go to $(O)/tests/fuzz/corpus-<name>, never into the tree.
# Crash reproducers land in $(O)/tests/fuzz/.
# `make fuzz-corpus` regenerates the committed seeds of decode and
# ctrl_input from our own encoder; those of ctl_request and config are
# written by hand.

FUZZ_CLANG ?= clang
FUZZ_TARGETS := fuzz_decode fuzz_ctrl_input fuzz_ctl_request fuzz_config
# Seconds per target in the smoke run: FUZZ_SECONDS_<target>, else
# FUZZ_SECONDS. The two parsers of operator input (a request line, a config
# file) are small and run fast: half the time (30 s by default, 3 min in all).
FUZZ_SECONDS ?= 60
FUZZ_SECONDS_fuzz_ctl_request ?= $(shell expr $(FUZZ_SECONDS) / 2 \| 1)
FUZZ_SECONDS_fuzz_config ?= $(shell expr $(FUZZ_SECONDS) / 2 \| 1)
fuzz_seconds = $(or $(FUZZ_SECONDS_$(1)),$(FUZZ_SECONDS))
# Library sources linked into every target (others may append theirs).
FUZZ_LIB_SRCS := agent/l2tp/avp.c agent/l2tp/ctrl_msg.c
FUZZ_LDLIBS := -lmd
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	$(WARN) -std=gnu11 -D_GNU_SOURCE -Imaps -Iconfig -Iagent -I$(O)/bpf
FUZZ_BINS := $(FUZZ_TARGETS:%=$(O)/tests/fuzz/%)

# fuzz_ctrl_input drives the whole control plane: more of the agent, the
# config loader, and log.c's libbpf/libxdp hooks; and the fake peer it shares
# with the control-plane unit tests (tests/lib/peer_harness.c).
FUZZ_CTRL_SRCS := agent/l2tp/ctrl_plane.c agent/l2tp/tunnel.c agent/l2tp/session.c \
	agent/l2tp/ctrl_transport.c agent/l2tp/relay.c agent/lib/hashtab.c agent/lib/log.c \
	agent/lib/sidmap.c \
	$(wildcard config/*.c) tests/lib/peer_harness.c
$(O)/tests/fuzz/fuzz_ctrl_input: FUZZ_LIB_SRCS += $(FUZZ_CTRL_SRCS)
$(O)/tests/fuzz/fuzz_ctrl_input: FUZZ_LDLIBS += $(LDLIBS)
$(O)/tests/fuzz/fuzz_ctrl_input: $(FUZZ_CTRL_SRCS) $(wildcard config/*.h maps/*.h tests/lib/*.h)

# fuzz_ctl_request renders answers over a hand-built view: the operator
# socket and the JSON it speaks, and what the socket's module links against
# (the control plane's objects and state names, the switch's operator
# functions, the config).
FUZZ_CTL_SRCS := agent/ctl_server.c agent/switch.c agent/lib/json.c agent/lib/fsutil.c \
	$(FUZZ_CTRL_SRCS)
$(O)/tests/fuzz/fuzz_ctl_request: FUZZ_LIB_SRCS += $(FUZZ_CTL_SRCS)
$(O)/tests/fuzz/fuzz_ctl_request: FUZZ_LDLIBS += $(LDLIBS)
$(O)/tests/fuzz/fuzz_ctl_request: $(FUZZ_CTL_SRCS) $(wildcard config/*.h maps/*.h)

# fuzz_config is the YAML loader alone (config/, libyaml).
FUZZ_CONFIG_SRCS := $(wildcard config/*.c)
$(O)/tests/fuzz/fuzz_config: FUZZ_LIB_SRCS := $(FUZZ_CONFIG_SRCS)
$(O)/tests/fuzz/fuzz_config: FUZZ_LDLIBS := -lyaml
$(O)/tests/fuzz/fuzz_config: $(FUZZ_CONFIG_SRCS) $(wildcard config/*.h maps/*.h)

.PHONY: fuzz-build fuzz-smoke fuzz-corpus

$(O)/tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRCS) $(wildcard agent/*.h agent/*/*.h)
	$(msg) FUZZ $@
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_LIB_SRCS) -o $@ $(FUZZ_LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	$(Q)set -e; for ts in $(foreach t,$(FUZZ_TARGETS),$(t):$(call fuzz_seconds,$(t))); do \
		t=$${ts%%:*}; secs=$${ts#*:}; \
		name=$${t#fuzz_}; work=$(O)/tests/fuzz/corpus-$$name; \
		dict=tests/fuzz/$$name.dict; [ -f $$dict ] && dict=-dict=$$dict || dict=; \
		mkdir -p $$work tests/fuzz/corpus/$$name; \
		echo "  FUZZ     $$t for $${secs}s"; \
		$(O)/tests/fuzz/$$t -max_total_time=$$secs -print_final_stats=1 $$dict \
			-artifact_prefix=$(O)/tests/fuzz/$$t- \
			$$work tests/fuzz/corpus/$$name; \
	done

$(O)/tests/fuzz/gen_corpus_decode: tests/fuzz/fuzz_decode.c $(FUZZ_LIB_SRCS) $(wildcard agent/*.h agent/*/*.h)
	$(msg) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) -O1 -g $(WARN) -std=gnu11 -D_GNU_SOURCE -DLTS_FUZZ_GEN -Iagent $< \
		$(FUZZ_LIB_SRCS) -o $@ $(FUZZ_LDLIBS)

$(O)/tests/fuzz/gen_corpus_ctrl_input: tests/fuzz/fuzz_ctrl_input.c $(FUZZ_LIB_SRCS) \
		$(FUZZ_CTRL_SRCS) $(wildcard agent/*.h agent/*/*.h config/*.h maps/*.h tests/lib/*.h)
	$(msg) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) -O1 -g $(WARN) -std=gnu11 -D_GNU_SOURCE -DLTS_FUZZ_GEN -Imaps -Iconfig -Iagent \
		-I$(O)/bpf $< $(FUZZ_LIB_SRCS) $(FUZZ_CTRL_SRCS) -o $@ $(FUZZ_LDLIBS) $(LDLIBS)

fuzz-corpus: $(O)/tests/fuzz/gen_corpus_decode $(O)/tests/fuzz/gen_corpus_ctrl_input
	@mkdir -p tests/fuzz/corpus/decode tests/fuzz/corpus/ctrl_input
	$(Q)$(O)/tests/fuzz/gen_corpus_decode tests/fuzz/corpus/decode
	$(Q)$(O)/tests/fuzz/gen_corpus_ctrl_input tests/fuzz/corpus/ctrl_input
