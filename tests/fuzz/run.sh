#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz smoke test for the test suite: builds every libFuzzer target and runs
# each for its time: FUZZ_SECONDS (default 60), half that for the parsers of
# operator input (fuzz.mk; FUZZ_SECONDS_<target> sets one). Exits 0 when no
# target found anything, 1 otherwise (build failure, crash, sanitizer report,
# leak, timeout).
set -u
cd "$(dirname "$0")/../.."
export O=${O:-build} FUZZ_SECONDS=${FUZZ_SECONDS:-60}
# The control-path oracles that once caught known bugs are all live now.
export LTS_FUZZ_STRICT=1

if make --no-print-directory O="$O" FUZZ_SECONDS="$FUZZ_SECONDS" fuzz-smoke; then
	echo "fuzz: no findings (the time of each target is above)"
	exit 0
fi
echo "fuzz: FAILED (reproducers, if any: $O/tests/fuzz/fuzz_*-crash-*)" >&2
exit 1
