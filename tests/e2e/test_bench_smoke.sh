#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke run of the benchmarks (issue #5, tests/bench/run.sh with tiny
# counts) so that they don't rot: every part must print its table with
# numeric figures, and the plots must be written. The figures themselves
# are never checked: a benchmark never fails the suite on a figure.
#
#      ns gen                     ns lts                               ns sink
#   +-------------+     +-----------------------------------+     +-------------+
#   |    lac0     |veth |  lts-a   [ ltsd / reference ]   lts-b |veth |    lns0     |
#   | 10.0.1.1/24 |-----| 10.0.1.2/24               10.0.2.2/24 |-----| 10.0.2.1/24 |
#   +-------------+     +-----------------------------------+     +-------------+
#    ring bouncer / l2tp_gen (live frames)                 ring bouncer / sink.bpf.c
#
# (run.sh builds that topology itself; parts 1 and 3 run in private
# namespaces of their own.)
#
# Part 2 (the packet ring) runs on every kernel. Part 2b needs
# BPF_F_TEST_XDP_LIVE_FRAMES, which some kernels refuse (lockdown, DESIGN 6).
# run.sh then prints "SKIPPED: the kernel refuses BPF_F_TEST_XDP_LIVE_FRAMES
# (...)" under part 2b's heading; here its table check becomes a
# "SKIP  part 2b: <reason>" line, every other check still runs (the ring's
# table and plot included), and the test passes if they do. Exit 77 is kept for the whole
# test being skipped (not root). LTS_BENCH_FORCE_NO_LIVE=1 simulates the
# refusal (l2tp_gen acts as if the kernel answered EPERM).
set -u -o pipefail

cd "$(dirname "$0")/../.."
O=${O:-build}
case $O in /*) BUILD=$O ;; *) BUILD=$PWD/$O ;; esac
BENCH=$BUILD/tests/bench
FAILS=0

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}
ok() { echo "ok    $*"; }

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in bench_prog l2tp_gen bench_attach l2tp_emul; do
	[ -x "$BENCH/$t" ] || { echo "FAIL: $BENCH/$t not built: run make bench-tools"; exit 1; }
done

OUT_DIR=$(mktemp -d /tmp/lts-bench-smoke.XXXXXX) || exit 1
trap 'rm -rf "$OUT_DIR"' EXIT
LOG=$OUT_DIR/run.log

start=$SECONDS
BENCH_SMOKE=1 BENCH_OUT=$OUT_DIR O=$O timeout 300 tests/bench/run.sh >"$LOG" 2>&1
rc=$?
took=$((SECONDS - start))
if [ "$rc" -eq 0 ]; then
	ok "BENCH_SMOKE=1 tests/bench/run.sh exits 0 (${took}s)"
else
	fail "BENCH_SMOKE=1 tests/bench/run.sh exited $rc; last lines:"
	tail -n 40 "$LOG" | sed 's/^/      | /'
fi
[ "$took" -lt 60 ] || echo "NOTE  the smoke run took ${took}s (meant to stay under 60s)"

# P2_SKIP: why run.sh skipped part 2b, empty if it did not. Only the kernel's
# refusal of live frames is a reason; any other gap in part 2b is a failure.
P2_SKIP=$(awk '
	index($0, "### Part 2b:") == 1 { in_part = 1; next }
	in_part && /^#/ { exit }
	in_part && index($0, "SKIPPED: the kernel refuses BPF_F_TEST_XDP_LIVE_FRAMES") == 1 {
		sub(/^SKIPPED: /, ""); print; exit
	}' "$LOG")
if [ -z "$P2_SKIP" ] && [ "${LTS_BENCH_FORCE_NO_LIVE:-}" = 1 ]; then
	# The override must reach run.sh's probe, or the skip path went untested.
	fail "LTS_BENCH_FORCE_NO_LIVE=1 but run.sh did not skip part 2b"
fi

# table_rows HEADING: the data rows of the markdown table under HEADING.
table_rows() {
	awk -v h="$1" '
		index($0, h) == 1 { in_part = 1; next }
		in_part && /^#/ { exit }
		in_part && /^\|/ && !/^\|---/ && !/^\|[ ]*(frame|sessions|pipeline|operation|calls|generator) / { print }
	' "$LOG"
}

# check_table HEADING MIN_ROWS COLUMNS...: at least MIN_ROWS rows, and in
# each the given columns (1-based, between the pipes) start with a number.
check_table() {
	local heading=$1 min=$2 rows n bad
	shift 2
	rows=$(table_rows "$heading")
	n=$(printf '%s' "$rows" | grep -c '^|')
	if [ "$n" -lt "$min" ]; then
		fail "'$heading': $n table rows, expected at least $min"
		return
	fi
	bad=$(printf '%s\n' "$rows" | awk -F'|' -v cols="$*" '
		BEGIN { nc = split(cols, c, " ") }
		{ for (i = 1; i <= nc; i++) {
			v = $(c[i] + 1); gsub(/^ +| +$/, "", v)
			if (v !~ /^-?[0-9]+(\.[0-9]+)?/) { print "column " c[i] " = \"" v "\" in: " $0; exit }
		} }')
	if [ -n "$bad" ]; then
		fail "'$heading': non-numeric figure: $bad"
	else
		ok "'$heading': $n rows with numeric figures"
	fi
}

grep -q '^## Machine' "$LOG" && grep -q '^- CPUs: [0-9]' "$LOG" && grep -q '^- kernel: ' "$LOG" &&
	grep -q '^- memory: [0-9]' "$LOG" && ok "machine description printed" ||
	fail "machine description (CPUs, kernel, memory) missing"
#                                                        columns: figure reference ratio
check_table "### Part 1:" 3 2 3 4
check_table "#### Where lts_xdp spends its time" 6 2
#   frame sessions XDP ref XDP/ref (packet ring: every kernel)
check_table "### Part 2:" 6 1 2 3 4 5
#   frame sessions XDP ref XDP/ref slow XDP/slow
if [ -n "$P2_SKIP" ]; then
	echo "SKIP  part 2b: $P2_SKIP (table not checked)"
else
	check_table "### Part 2b:" 6 1 2 3 4 5 7 8
fi
#   generator 1-core spread ratio (skipped with a reason on a 1-CPU machine)
if grep -A2 '^### Part 2c:' "$LOG" | grep -q '^SKIPPED: one CPU'; then
	echo "SKIP  part 2c: one CPU on this machine"
else
	check_table "### Part 2c:" 1 2 3 4
fi
#   sessions entries in-wide ns reference growth memory bytes/session
check_table "### Part 3:" 3 1 2 3 4 5 6 8 9
#   calls setups/s setup-s RSS/call teardown-StopCCN teardown-CDN
check_table "### Part 4:" 1 1 2 4 5 7 8

if command -v gnuplot >/dev/null 2>&1; then
	# The ring's plot is drawn on every kernel; without live frames it
	# lacks the slow path, and run.sh must say why.
	if [ -n "$P2_SKIP" ]; then
		grep -q "^(plot rate_vs_size.png without the slow path: part 2b skipped: " "$LOG" &&
			ok "rate_vs_size.png drawn without the slow path, reason given" ||
			fail "part 2b skipped, but run.sh gave no reason for the plot's missing slow path"
	fi
	for p in rate_vs_size cost_vs_sessions; do
		if [ "$(head -c 4 "$OUT_DIR/$p.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e47 ]; then
			ok "plot $p.png written"
		else
			fail "plot $p.png missing or not a PNG"
		fi
	done
else
	echo "NOTE  gnuplot not installed: plots not checked (apt-get install gnuplot-nox)"
fi

echo
if [ "$FAILS" -eq 0 ]; then
	# Part 2 skipped for the kernel's refusal is a pass (the suite's 77 means
	# the whole test was skipped), with the reason on the closing line.
	echo "PASS: $(basename "$0")${P2_SKIP:+ (part 2b skipped: $P2_SKIP)}"
	exit 0
fi
echo "FAIL: $(basename "$0"): $FAILS check(s) failed"
exit 1
