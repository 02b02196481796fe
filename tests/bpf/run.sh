#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# BPF_PROG_TEST_RUN fixtures of the XDP program lts_xdp.
#
#   private network namespace (unshare --net, gone when the runner exits)
#
#     lo   up      ingress of every test run; egress of XDP_TX entries
#     fx0 ---- fx1  veth pair, both up; fx0 is in the tx_ports devmap and
#                   is the egress of XDP_REDIRECT entries (test runs do not
#                   transmit, the verdict and the rewritten frame come back)
#
# Generates $O/tests/bpf/fixtures.txt with scapy, then runs
# $O/tests/bpf/run_fixtures, which prints "ok N name" / "not ok N name: why"
# and "N passed, N failed". Extra arguments go to the runner (--match NAME,
# --verbose). Exit 77 = skipped.
set -euo pipefail

cd "$(dirname "$0")/../.."
O=${O:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
runner=$O/tests/bpf/run_fixtures
fixtures=$O/tests/bpf/fixtures.txt

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP bpf fixtures: needs root"
	exit 77
fi
if ! "$PYTHON" -c 'import scapy' 2>/dev/null; then
	echo "SKIP bpf fixtures: scapy does not import under $PYTHON"
	exit 77
fi
if [ ! -x "$runner" ]; then
	echo "bpf fixtures: $runner missing; run 'make $runner' first" >&2
	exit 1
fi

mkdir -p "$(dirname "$fixtures")"
"$PYTHON" tests/bpf/gen_fixtures.py -o "$fixtures"

# The namespace lives as long as the runner: nothing to clean up on exit.
exec unshare --net -- /bin/sh -ec '
	ip link set lo up
	ip link add fx0 type veth peer name fx1
	ip link set fx0 up
	ip link set fx1 up
	runner=$1 fixtures=$2
	shift 2
	exec "$runner" --fixtures "$fixtures" --tx-if lo --redirect-if fx0 "$@"
' run.sh "$runner" "$fixtures" "$@"
