#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the named suites (unit, san, bpf, fuzz, e2e) and prints one line per test
# program, then the closing line "N passed, N failed, N skipped".
# A program exiting 77 is skipped (e.g. a privileged suite when not root).
set -u
cd "$(dirname "$0")/.."
export O=${O:-build} PYTHON=${PYTHON:-/usr/bin/python3} LTS_SRC_DIR=$PWD

passed=0 failed=0 skipped=0
failures=()

run_one() {
	local name=$1; shift
	local log="$O/tests/logs/${name//\//_}.log" rc start=$SECONDS
	mkdir -p "$O/tests/logs"
	"$@" >"$log" 2>&1
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); printf 'PASS  %-40s %4ss\n' "$name" $((SECONDS - start))
	   # A part the machine refused is skipped inside a passing test: say so here too.
	   grep '^SKIP  ' "$log" | sed 's/^SKIP  /      skipped part: /' ;;
	77) skipped=$((skipped + 1)); printf 'SKIP  %-40s %s\n' "$name" "$(tail -n 1 "$log")" ;;
	*) failed=$((failed + 1)); failures+=("$name")
	   printf 'FAIL  %-40s (exit %d), last lines of %s:\n' "$name" "$rc" "$log"
	   tail -n 30 "$log" | sed 's/^/      /' ;;
	esac
}

for suite in "$@"; do
	case $suite in
	unit)
		for t in "$O"/tests/unit/test_*; do
			[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
		done ;;
	san)
		# The unit tests built with ASan + UBSan (tests/unit/san.mk): a
		# sanitizer report, a leak included, aborts the program.
		run_one san/build make --no-print-directory O="$O" san-build
		for t in "$O"/san/tests/unit/test_*; do
			[ -x "$t" ] || continue
			run_one "san/$(basename "$t")" env \
				ASAN_OPTIONS=detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
				UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS} \
				"$t"
		done ;;
	bpf)
		run_one bpf/fixtures bash tests/bpf/run.sh
		run_one bpf/dp_install bash tests/bpf/run_dp.sh ;;
	fuzz)
		run_one fuzz/smoke bash tests/fuzz/run.sh ;;
	e2e)
		for t in tests/e2e/test_*.sh; do
			[ -f "$t" ] && run_one "e2e/$(basename "$t" .sh)" bash "$t"
		done ;;
	*) echo "tests/run.sh: unknown suite '$suite'" >&2; exit 2 ;;
	esac
done

echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
