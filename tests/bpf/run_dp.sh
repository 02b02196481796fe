#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The data-plane module on real maps ($O/tests/bpf/test_dp_install), in
# private network and mount namespaces with a bpffs of its own:
#
#   unshare --net --mount: lo only; bpffs mounted on a temporary directory
#
# Exit 77 = skipped (not root).
set -euo pipefail

cd "$(dirname "$0")/../.."
O=${O:-build}
t=$O/tests/bpf/test_dp_install

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP dp install: needs root"
	exit 77
fi
[ -x "$t" ] || { echo "$t missing: run make $t" >&2; exit 1; }
exec unshare --net --mount -- /bin/sh -ec '
	mount --make-rprivate /
	d=$(mktemp -d /tmp/lts-dp-test.XXXXXX)
	mount -t bpf bpf "$d"
	ip link set lo up
	LTS_TEST_BPFFS=$d/lts "$1"; rc=$?
	umount "$d"; rmdir "$d"
	exit $rc
' run_dp.sh "$t"
