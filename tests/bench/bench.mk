# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks of issue #5 (docs/benchmarks.md), included by the top Makefile.
#
#   make bench         all parts, full counts (< 10 min), tables + plots
#   make bench-smoke   the same with tiny counts (< 60 s): do the tools work?
#   make bench-tools   only build the tools
#
# Rule chain as for bpf/: tests/bench/*.bpf.c -> $(O)/tests/bench/*.bpf.o ->
# $(O)/tests/bench/*.skel.h, included by the tools. Static pattern rules, so
# the top Makefile's generic $(O)/%.o rule never picks up these files.

.PHONY: bench bench-smoke bench-tools

BENCH_DIR := $(O)/tests/bench
BENCH_BPF := ref_tx ref_fwd gen_tx sink stages ring
BENCH_BPF_OBJS := $(BENCH_BPF:%=$(BENCH_DIR)/%.bpf.o)
BENCH_SKELS := $(BENCH_BPF:%=$(BENCH_DIR)/%.skel.h)
BENCH_TOOLS := $(BENCH_DIR)/bench_prog $(BENCH_DIR)/l2tp_gen $(BENCH_DIR)/bench_attach \
	$(BENCH_DIR)/l2tp_emul
BENCH_TOOL_OBJS := $(BENCH_TOOLS:%=%.o)

$(BENCH_BPF_OBJS): $(BENCH_DIR)/%.bpf.o: tests/bench/%.bpf.c $(wildcard bpf/lib/*.h maps/*.h)
	$(msg) BPF $@
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_SKELS): $(BENCH_DIR)/%.skel.h: $(BENCH_DIR)/%.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name bench_$* > $@

$(BENCH_TOOL_OBJS): $(BENCH_DIR)/%.o: tests/bench/%.c $(SKELS) $(BENCH_SKELS) \
		$(wildcard maps/*.h agent/*.h agent/*/*.h)
	$(msg) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -I$(BENCH_DIR) -c $< -o $@

$(BENCH_TOOLS): %: %.o $(LIB)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

bench-tools: $(BENCH_TOOLS)

bench: all bench-tools
	$(Q)O=$(O) tests/bench/run.sh

bench-smoke: all bench-tools
	$(Q)O=$(O) BENCH_SMOKE=1 tests/bench/run.sh

# The e2e suite runs a smoke pass of the benchmarks (tests/e2e/test_bench_smoke.sh).
test e2e-test: bench-tools
