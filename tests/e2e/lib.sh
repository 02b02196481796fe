# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # FLOW_* etc. are results for the callers
#
# Shared helpers of the e2e tests and the demo: source it, don't run it.
#
#    ns $NS_LAC                         ns $NS_LTS                        ns $NS_LNS
#  +-------------+      +----------------------------------------+      +-------------+
#  |    lac0     | veth | lts-a       ltsd + lts_xdp       lts-b | veth |    lns0     |
#  | 10.0.1.1/24 |------| 10.0.1.2/24                10.0.2.2/24 |------| 10.0.2.1/24 |
#  | fd00:1::1   |      | fd00:1::2                    fd00:2::2 |      | fd00:2::1   |
#  +-------------+      +----------------------------------------+      +-------------+
#     xdp_pass            ip_forward = 0: only ltsd moves frames           xdp_pass
#
# The peers' veth ends run xdp_pass because a frame redirected into a veth is
# only delivered when its peer has an XDP program. Namespace names end in $$
# so that parallel runs never collide; everything is torn down on exit.
#
# bpffs: `ip netns exec` gives each command its own /sys, so pins made under
# /sys/fs/bpf by ltsd would be invisible to a later bpftool. The tests mount a
# private bpffs on a directory under their temp dir in the caller's mount
# namespace instead; every `ip netns exec` inherits that mount, so ltsd pins
# there and bpftool reads the same pins from anywhere. It is unmounted on exit.

set -u -o pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LTS_SRC_DIR=${LTS_SRC_DIR:-$(cd "$E2E_DIR/../.." && pwd)}
O=${O:-build}
case $O in /*) BUILD=$O ;; *) BUILD=$LTS_SRC_DIR/$O ;; esac
PY=/usr/bin/python3 # Debian's python3-scapy imports only under this interpreter
LTSD=$BUILD/ltsd
XDP_PASS_OBJ=$BUILD/bpf/xdp_pass.bpf.o
SEND=$E2E_DIR/l2tp_send.py

NS_LAC=lts-lac-$$
NS_LTS=lts-sw-$$
NS_LNS=lts-lns-$$
V4_A_PEER=10.0.1.1 V4_A_LOCAL=10.0.1.2 V4_B_LOCAL=10.0.2.2 V4_B_PEER=10.0.2.1
V6_A_PEER=fd00:1::1 V6_A_LOCAL=fd00:1::2 V6_B_LOCAL=fd00:2::2 V6_B_PEER=fd00:2::1

E2E_TMP=
BPFFS_MNT=
BPFFS_DIR=
LTSD_PID=
LTSD_LOG=
LTSD_RC=
E2E_FAILS=0
E2E_BG_PIDS=()
E2E_QUIET=${E2E_QUIET:-0}

# ---------------------------------------------------------------- reporting

log() { printf '%s\n' "$*"; }
heading() { printf '\n== %s ==\n' "$*"; }

skip() {
	echo "SKIP: $*"
	exit 77
}

die() {
	echo "FAIL: $*" >&2
	E2E_FAILS=$((E2E_FAILS + 1))
	exit 1
}

# fail WHAT: a non-fatal failed check; the test goes on and exits 1 at the end.
fail() {
	echo "FAIL: $*"
	E2E_FAILS=$((E2E_FAILS + 1))
}

ok() { [ "$E2E_QUIET" = 1 ] || echo "ok    $*"; }

# check_eq WHAT EXPECTED GOT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1 = $3"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# check_match WHAT ERE TEXT
check_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		fail "$1: expected to match /$2/, got:"
		printf '%s\n' "$3" | sed 's/^/      | /' | head -n 20
	fi
}

# check_cmd WHAT CMD...: the command must succeed.
check_cmd() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what (command failed: $*)"; fi
}

# e2e_done: exit status of the whole test.
e2e_done() {
	echo
	if [ "$E2E_FAILS" -eq 0 ]; then
		echo "PASS: $(basename "$0")"
		exit 0
	fi
	echo "FAIL: $(basename "$0"): $E2E_FAILS check(s) failed"
	exit 1
}

# ---------------------------------------------------------------- setup

# e2e_init: skip unless root and the tools exist, make a temp dir, arm cleanup.
e2e_init() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	local t
	for t in ip tshark bpftool unshare mount; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t (scripts/install-deps.sh)"
	done
	"$PY" -c 'import scapy.all' >/dev/null 2>&1 ||
		skip "needs python3-scapy under $PY (scripts/install-deps.sh)"
	[ -x "$LTSD" ] || die "$LTSD not built: run make"
	[ -f "$XDP_PASS_OBJ" ] || die "$XDP_PASS_OBJ not built: run make"
	E2E_TMP=$(mktemp -d /tmp/lts-e2e.XXXXXX) || die "mktemp"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	# Output cut short (e.g. piped into head): still clean up, silently.
	trap 'exec >/dev/null 2>&1; exit 141' PIPE
}

e2e_cleanup() {
	local rc=$? p
	trap - EXIT
	# Nothing may cut the cleanup short, not even a closed stdout.
	trap '' PIPE INT TERM HUP
	if [ -n "$LTSD_PID" ] && kill -0 "$LTSD_PID" 2>/dev/null; then
		ltsd_stop >/dev/null 2>&1
	fi
	for p in "${E2E_BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${E2E_BG_PIDS[@]}"; do
		wait_pid_exit "$p" 3 || kill -KILL "$p" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$E2E_TMP" ]; then
		local f
		for f in "$E2E_TMP"/ltsd*.log; do
			[ -s "$f" ] || continue
			echo "---- last lines of $(basename "$f") ----"
			tail -n 25 "$f"
		done
	fi
	local ns
	for ns in "$NS_LAC" "$NS_LTS" "$NS_LNS"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$BPFFS_MNT" ] && mountpoint -q "$BPFFS_MNT"; then
		umount "$BPFFS_MNT" 2>/dev/null || umount -l "$BPFFS_MNT" 2>/dev/null
	fi
	if [ -n "$E2E_TMP" ]; then
		if [ "${E2E_KEEP_TMP:-0}" = 1 ]; then
			echo "kept $E2E_TMP"
		else
			rm -rf "$E2E_TMP"
		fi
	fi
	exit "$rc"
}

# wait_pid_exit PID SECONDS: 0 once PID is gone, 1 on timeout.
wait_pid_exit() {
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		[ $SECONDS -ge "$deadline" ] && return 1
		sleep 0.1
	done
	return 0
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s; 0 when it succeeds, 1 on timeout.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge "$deadline" ] && return 1
		sleep 0.1
	done
	return 0
}

# topo_create: the three namespaces and two veth pairs of the diagram above.
topo_create() {
	local ns
	for ns in "$NS_LAC" "$NS_LTS" "$NS_LNS"; do
		ip netns add "$ns" || die "ip netns add $ns"
		# Addresses usable at once: no duplicate address detection.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
		ip -n "$ns" link set lo up
	done
	# The switch is not a router: only ltsd may move frames between legs.
	ip netns exec "$NS_LTS" sysctl -qw net.ipv4.ip_forward=0 \
		net.ipv6.conf.all.forwarding=0

	ip link add lac0 netns "$NS_LAC" type veth peer name lts-a netns "$NS_LTS" ||
		die "veth lac0/lts-a"
	ip link add lns0 netns "$NS_LNS" type veth peer name lts-b netns "$NS_LTS" ||
		die "veth lns0/lts-b"

	ip -n "$NS_LAC" addr add $V4_A_PEER/24 dev lac0
	ip -n "$NS_LAC" addr add $V6_A_PEER/64 dev lac0 nodad
	ip -n "$NS_LTS" addr add $V4_A_LOCAL/24 dev lts-a
	ip -n "$NS_LTS" addr add $V6_A_LOCAL/64 dev lts-a nodad
	ip -n "$NS_LTS" addr add $V4_B_LOCAL/24 dev lts-b
	ip -n "$NS_LTS" addr add $V6_B_LOCAL/64 dev lts-b nodad
	ip -n "$NS_LNS" addr add $V4_B_PEER/24 dev lns0
	ip -n "$NS_LNS" addr add $V6_B_PEER/64 dev lns0 nodad

	# Kernel-sent UDP (the slow path) leaves a veth with a partial checksum
	# that the receiving veth trusts but a capture shows as wrong: have the
	# kernel compute it, like a NIC would. XDP frames are not affected.
	tx_csum_off "$NS_LTS" lts-a && tx_csum_off "$NS_LTS" lts-b ||
		die "cannot turn off TX checksum offload on lts-a/lts-b"

	ip -n "$NS_LAC" link set dev lac0 xdp obj "$XDP_PASS_OBJ" sec xdp ||
		die "attach xdp_pass to lac0"
	ip -n "$NS_LNS" link set dev lns0 xdp obj "$XDP_PASS_OBJ" sec xdp ||
		die "attach xdp_pass to lns0"
	ip -n "$NS_LAC" link set lac0 up
	ip -n "$NS_LNS" link set lns0 up
	ip -n "$NS_LTS" link set lts-a up
	ip -n "$NS_LTS" link set lts-b up
	local l
	for l in "$NS_LAC lac0" "$NS_LNS lns0" "$NS_LTS lts-a" "$NS_LTS lts-b"; do
		# shellcheck disable=SC2086 # "NS IFACE"
		wait_for 5 link_up $l || die "link ${l#* } in ${l% *} did not come up"
	done
}

# tx_csum_off NS IFACE: ethtool -K IFACE tx off, without ethtool
# (SIOCETHTOOL with the legacy ETHTOOL_STXCSUM command).
tx_csum_off() {
	ip netns exec "$1" "$PY" - "$2" <<'EOF'
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL, ETHTOOL_STXCSUM = 0x8946, 0x17
val = ctypes.create_string_buffer(struct.pack("II", ETHTOOL_STXCSUM, 0))
ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(val)).ljust(40, b"\0")
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
EOF
}

link_up() { ip -n "$1" link show dev "$2" 2>/dev/null | grep -q 'LOWER_UP'; }

# mac_of NS IFACE
mac_of() { ip -n "$1" -br link show dev "$2" | awk '{print $3}'; }

# xdp_prog_id NS IFACE: id of the XDP program attached, empty when none.
xdp_prog_id() {
	ip -n "$1" -d link show dev "$2" | sed -n 's/.*prog\/xdp[a-z]* id \([0-9]*\).*/\1/p' | head -n 1
}

# bpffs_mount: a private bpffs for this test; BPFFS_DIR is the pin dir ltsd uses.
bpffs_mount() {
	BPFFS_MNT=$E2E_TMP/bpffs
	mkdir -p "$BPFFS_MNT"
	mount -t bpf bpf "$BPFFS_MNT" || die "mount -t bpf on $BPFFS_MNT"
	BPFFS_DIR=$BPFFS_MNT/lts
}

# cfg_head MODE [BPFFS_DIR]: the switch: and dataplane: part of a config.
cfg_head() {
	cat <<EOF
# generated by $(basename "$0")
switch:
  hostname: lts-e2e
  bpffs: ${2:-$BPFFS_DIR}
dataplane:
  mode: $1
  interfaces: [lts-a, lts-b]
  l2tp_ports: [1701]
  max_sessions: 16 # small maps: quick to dump with bpftool
EOF
}

# ---------------------------------------------------------------- ltsd

# ltsd_start CONFIG [TAG]: run ltsd in the lts namespace in the background
# and wait (bounded) for "ltsd: ready". Sets LTSD_PID and LTSD_LOG.
ltsd_start() {
	local cfg=$1 tag=${2:-ltsd}
	LTSD_LOG=$E2E_TMP/$tag.log
	LTSD_RC=
	# `ip netns exec` execs ltsd: $! is ltsd's own pid. LTSD_ARGS (e.g. -v)
	# is split into words on purpose.
	# shellcheck disable=SC2086
	ip netns exec "$NS_LTS" "$LTSD" -c "$cfg" ${LTSD_ARGS:-} >"$LTSD_LOG" 2>&1 &
	LTSD_PID=$!
	local deadline=$((SECONDS + ${LTSD_READY_TIMEOUT:-15}))
	until grep -qs 'ltsd: ready' "$LTSD_LOG"; do
		if ! kill -0 "$LTSD_PID" 2>/dev/null; then
			wait "$LTSD_PID"
			LTSD_RC=$?
			cat "$LTSD_LOG" >&2
			LTSD_PID=
			die "ltsd -c $cfg exited with $LTSD_RC before 'ltsd: ready'"
		fi
		if [ $SECONDS -ge "$deadline" ]; then
			cat "$LTSD_LOG" >&2
			die "ltsd -c $cfg: no 'ltsd: ready' within ${LTSD_READY_TIMEOUT:-15}s"
		fi
		sleep 0.1
	done
}

# ltsd_stop: SIGTERM, wait up to 10 s (then SIGKILL). Sets LTSD_RC.
ltsd_stop() {
	[ -n "$LTSD_PID" ] || return 0
	kill -TERM "$LTSD_PID" 2>/dev/null
	if ! wait_pid_exit "$LTSD_PID" 10; then
		echo "ltsd (pid $LTSD_PID) ignored SIGTERM for 10s: SIGKILL" >&2
		kill -KILL "$LTSD_PID" 2>/dev/null
	fi
	wait "$LTSD_PID" 2>/dev/null
	LTSD_RC=$?
	LTSD_PID=
	return 0
}

# dump_entries: the installed switch entries of both tables and the next
# hops, one line each: "table flags nexthop nh_valid stats_idx dir packets
# bytes" (bpftool -j dumps decoded with BTF, raw bytes as a fallback).
dump_entries() {
	local m
	for m in switch_table switch_wide nexthops; do
		bpftool -j map dump pinned "$BPFFS_DIR/$m" >"$E2E_TMP/$m.json" 2>/dev/null ||
			echo '[]' >"$E2E_TMP/$m.json"
	done
	"$PY" - "$E2E_TMP" <<'EOF'
import json, struct, sys

tmp = sys.argv[1]
# maps/lts_maps.h: raw offsets of the fields read here, for dumps without BTF
RAW = {
    "switch_table": {"flags": (14, "B"), "nexthop": (36, "<H"), "dir": (38, "B"),
                     "stats_idx": (40, "<I"), "packets": (48, "<Q"), "bytes": (56, "<Q")},
    "switch_wide": {"flags": (1, "B"), "nexthop": (16, "<H"), "dir": (3, "B"),
                    "stats_idx": (20, "<I"), "packets": (64, "<Q"), "bytes": (72, "<Q")},
    "nexthops": {"flags": (20, "B")},
}

def fields(m, e):
    f = e.get("formatted")
    if f is not None and isinstance(f.get("value"), dict):
        return f["key"], f["value"]
    raw = bytes(int(b, 16) for b in e["value"])
    key = bytes(int(b, 16) for b in e["key"])
    return (struct.unpack("<I", key[:4])[0] if m == "nexthops" else key,
            {k: struct.unpack_from(fmt, raw, off)[0] for k, (off, fmt) in RAW[m].items()})

nh = {}
for e in json.load(open("%s/nexthops.json" % tmp)):
    k, v = fields("nexthops", e)
    nh[int(k)] = int(v["flags"])
for m in ("switch_table", "switch_wide"):
    for e in json.load(open("%s/%s.json" % (tmp, m))):
        _, v = fields(m, e)
        if not int(v["flags"]) & 1:
            continue  # an empty slot
        n = int(v["nexthop"])
        print(m, int(v["flags"]), n, nh.get(n, 0) & 1, int(v["stats_idx"]), int(v["dir"]),
              int(v["packets"]), int(v["bytes"]))
EOF
}

# swtab_count: how many switch entries are installed (both tables).
swtab_count() {
	dump_entries >"$E2E_TMP/entries.txt" 2>/dev/null && wc -l <"$E2E_TMP/entries.txt" || echo "?"
}

# nh_all_valid N: N switch entries installed, all behind a resolved next hop.
nh_all_valid() {
	dump_entries >"$E2E_TMP/entries.txt" || return 1
	awk -v want="$1" '{ n++; if (!$4) bad++ } END { exit !(n == want && !bad) }' \
		"$E2E_TMP/entries.txt"
}

# wait_next_hops N: ltsd resolves the peers' MACs itself; wait (bounded)
# until the N switch-table entries are usable by the fast path.
wait_next_hops() {
	if ! wait_for "${NH_TIMEOUT:-10}" nh_all_valid "$1"; then
		head -n 60 "$E2E_TMP/entries.txt"
		bpftool map dump pinned "$BPFFS_DIR/nexthops" 2>&1 | head -n 60
		die "switch tables: expected $1 entries behind valid next hops (flags & 1) within ${NH_TIMEOUT:-10}s"
	fi
	ok "switch tables: $1 entries, next hops resolved"
}

# check_ltsd_alive WHAT: ltsd must still be running (e.g. after traffic).
check_ltsd_alive() {
	if [ -n "$LTSD_PID" ] && kill -0 "$LTSD_PID" 2>/dev/null; then
		ok "ltsd still running $1"
		return 0
	fi
	if [ -n "$LTSD_PID" ]; then
		wait "$LTSD_PID" 2>/dev/null
		LTSD_RC=$?
	fi
	LTSD_PID=
	fail "ltsd died $1 (exit status $LTSD_RC; 139 = SIGSEGV), log: $LTSD_LOG"
	tail -n 5 "$LTSD_LOG" | sed 's/^/      | /'
	return 1
}

# check_ltsd_gone_clean: after ltsd exited, no XDP program is left on the
# switch's interfaces and no pin is left in its bpffs directory.
check_ltsd_gone_clean() {
	local ifc
	for ifc in lts-a lts-b; do
		check_eq "XDP program on $ifc after ltsd exit" "" "$(xdp_prog_id "$NS_LTS" "$ifc")"
	done
	check_eq "pins left in $BPFFS_DIR" "" "$(ls -A "$BPFFS_DIR" 2>/dev/null | tr '\n' ' ')"
	# After a failure, leave nothing behind that could switch frames in the
	# test's next phase and hide what the next ltsd does.
	for ifc in lts-a lts-b; do
		ip -n "$NS_LTS" link set dev "$ifc" xdp off 2>/dev/null
	done
}

# ---------------------------------------------------------------- counters

# stats_snapshot FILE: every counter of the pinned maps, one "name value" line:
#   session_stats.IDX.DIR.packets|bytes   (fast path: the switch entries of
#                                          session IDX and direction DIR)
#   slow_stats.IDX.DIR.packets|bytes
#   reason.NAME                           (summed over CPUs)
# A map that is not pinned yields no lines for it.
stats_snapshot() {
	local out=$1 m
	for m in slow_stats reason_stats; do
		if [ -e "$BPFFS_DIR/$m" ]; then
			bpftool -j map dump pinned "$BPFFS_DIR/$m" >"$E2E_TMP/$m.json" 2>&1 ||
				{ cat "$E2E_TMP/$m.json"; fail "bpftool map dump pinned $BPFFS_DIR/$m"; }
		else
			echo '[]' >"$E2E_TMP/$m.json"
		fi
	done
	dump_entries >"$E2E_TMP/entries.txt"
	"$PY" - "$E2E_TMP" "$LTS_SRC_DIR/maps/lts_reasons.h" >"$out" <<'EOF'
import json, re, struct, sys

tmp, reasons_h = sys.argv[1], sys.argv[2]
names = re.findall(r'\bX\(\s*\w+\s*,\s*"([^"]+)"', open(reasons_h).read())

def raw_bytes(v):
    return bytes(int(b, 16) for b in v)

def values(entry, raw_fmt):
    """Per-entry (key, [value per CPU]) from bpftool -j, BTF-formatted if there."""
    f = entry.get("formatted")
    if f is not None:
        if "values" in f:
            return int(f["key"]), [c["value"] for c in f["values"]]
        return int(f["key"]), [f["value"]]
    key = struct.unpack("<I", raw_bytes(entry["key"]))[0]
    if "values" in entry:
        raw = [raw_bytes(c["value"]) for c in entry["values"]]
    else:
        raw = [raw_bytes(entry["value"])]
    return key, [raw_fmt(r) for r in raw]

def sess_raw(b):
    p = struct.unpack("<8Q", b[:64])  # maps/lts_maps.h lts_session_stats
    return {"dir": [{"packets": p[0], "bytes": p[1]}, {"packets": p[4], "bytes": p[5]}]}

fast = {}
for line in open("%s/entries.txt" % tmp):
    _, _, _, _, idx, d, pk, by = line.split()
    c = fast.setdefault((int(idx), int(d)), [0, 0])
    c[0] += int(pk)
    c[1] += int(by)
for (idx, d), (pk, by) in sorted(fast.items()):
    print("session_stats.%d.%d.packets %d" % (idx, d, pk))
    print("session_stats.%d.%d.bytes %d" % (idx, d, by))

for e in json.load(open("%s/slow_stats.json" % tmp)):
    k, vals = values(e, sess_raw)
    for d in (0, 1):
        for fld in ("packets", "bytes"):
            print("slow_stats.%d.%d.%s %d" % (k, d, fld,
                  sum(int(v["dir"][d][fld]) for v in vals)))

for e in json.load(open("%s/reason_stats.json" % tmp)):
    k, vals = values(e, lambda b: {"packets": struct.unpack("<Q", b[:8])[0]})
    name = names[k] if k < len(names) else "reason_%d" % k
    print("reason.%s %d" % (name, sum(int(v["packets"]) for v in vals)))
EOF
}

# stats_snapshot_when FILE SECONDS ERE TOTAL: take snapshots until the
# counters matching ERE add up to at least TOTAL (ltsd copies the slow path's
# counters into slow_stats periodically), at most SECONDS long.
stats_snapshot_when() {
	local deadline=$((SECONDS + $2))
	while :; do
		stats_snapshot "$1"
		[ "$(snap_sum "$1" "$3")" -ge "$4" ] && return 0
		[ $SECONDS -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# snap_get FILE NAME: a counter from a snapshot, 0 when absent.
snap_get() {
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$1"
}

# snap_delta BEFORE AFTER NAME
snap_delta() { echo $(($(snap_get "$2" "$3") - $(snap_get "$1" "$3"))); }

# snap_sum FILE ERE: sum of the counters whose name matches ERE.
snap_sum() { awk -v re="$2" '$1 ~ re { s += $2 } END { print s + 0 }' "$1"; }

# ---------------------------------------------------------------- traffic

# capture_start TAG NS IFACE COUNT: tshark captures COUNT UDP frames arriving
# at IFACE (frames with IFACE's own MAC as source, i.e. sent by it, are not
# counted) into $E2E_TMP/TAG.pcapng and stops by itself, or after
# CAPTURE_TIMEOUT seconds. Returns once the capture is running.
capture_start() {
	local tag=$1 ns=$2 ifc=$3 count=$4 mac
	mac=$(mac_of "$ns" "$ifc")
	rm -f "$E2E_TMP/$tag.pcapng"
	ip netns exec "$ns" tshark -n -q -i "$ifc" -c "$count" \
		-a "duration:${CAPTURE_TIMEOUT:-8}" -f "udp and not ether src $mac" \
		-w "$E2E_TMP/$tag.pcapng" >"$E2E_TMP/$tag.tshark.log" 2>&1 &
	CAPTURE_PID=$!
	E2E_BG_PIDS+=("$CAPTURE_PID")
	if ! wait_for 15 grep -qs "Capturing on" "$E2E_TMP/$tag.tshark.log"; then
		cat "$E2E_TMP/$tag.tshark.log" >&2
		die "tshark on $ns/$ifc did not start within 15s"
	fi
	# dumpcap reports "Capturing on" once the socket and filter are set up;
	# a short grace period covers the rest.
	sleep 0.3
}

# capture_wait: wait for the capture started last (bounded by its own timeout).
capture_wait() {
	wait_pid_exit "$CAPTURE_PID" $((${CAPTURE_TIMEOUT:-8} + 5)) ||
		kill -INT "$CAPTURE_PID" 2>/dev/null
	wait_pid_exit "$CAPTURE_PID" 5 || kill -KILL "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
}

# l2tp_send NS ARGS...: run the scapy sender in NS; prints "frames=N bytes=B".
l2tp_send() {
	local ns=$1
	shift
	ip netns exec "$ns" "$PY" "$SEND" "$@"
}

TSHARK_FIELDS=(eth.type ip.src ip.dst ip.ttl ip.checksum.status
	ipv6.src ipv6.dst ipv6.hlim udp.srcport udp.dstport udp.checksum
	udp.checksum.status l2tp.tunnel l2tp.session udp.payload ip.id)

# decode TAG: tshark field dump of TAG.pcapng (first occurrence: the outer
# header, not the IP packet inside PPP) into TAG.fields, checksums verified.
decode() {
	local args=() f
	for f in "${TSHARK_FIELDS[@]}"; do args+=(-e "$f"); done
	tshark -n -r "$E2E_TMP/$1.pcapng" \
		-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-d udp.port==1702,l2tp -d udp.port==1703,l2tp \
		-T fields -E separator=/t -E occurrence=f "${args[@]}" \
		>"$E2E_TMP/$1.fields" 2>"$E2E_TMP/$1.decode.log" ||
		{ cat "$E2E_TMP/$1.decode.log"; fail "tshark -r $1.pcapng"; }
}

# verify_frames TAG FAMILY SRC DST SPORT DPORT TUNNEL SESSION TTL EXPECTED_HEX
# Every captured frame must carry exactly these outer fields and L2TP IDs,
# valid IP and UDP checksums, and the multiset of UDP payloads must equal
# EXPECTED_HEX (one per line). TTL "-" skips the TTL check. Writes
# TAG.norm (sorted, TTL/IP ID/checksum values left out) to compare runs.
verify_frames() {
	"$PY" - "$E2E_TMP" "$@" <<'EOF'
import sys
from collections import Counter

tmp, tag, fam, src, dst, sport, dport, tun, ses, ttl, exp_file = sys.argv[1:]
cols = ["eth.type", "ip.src", "ip.dst", "ip.ttl", "ip.checksum.status",
        "ipv6.src", "ipv6.dst", "ipv6.hlim", "udp.srcport", "udp.dstport",
        "udp.checksum", "udp.checksum.status", "l2tp.tunnel", "l2tp.session",
        "udp.payload", "ip.id"]
rows = []
for line in open("%s/%s.fields" % (tmp, tag)):
    vals = line.rstrip("\n").split("\t")
    vals += [""] * (len(cols) - len(vals))
    rows.append(dict(zip(cols, vals)))
expected = [l.strip() for l in open(exp_file) if l.strip()]
errors = []

def err(i, what, want, got):
    errors.append("frame %d: %s: expected %s, got %s" % (i + 1, what, want, got))

if len(rows) != len(expected):
    errors.append("frames: expected %d, got %d" % (len(expected), len(rows)))
norm = []
for i, r in enumerate(rows):
    v6 = fam == "6"
    pre = "ipv6" if v6 else "ip"
    want_type = "0x86dd" if v6 else "0x0800"
    if r["eth.type"].lower() != want_type:
        err(i, "eth.type", want_type, r["eth.type"])
    for fld, want in (("src", src), ("dst", dst)):
        if r[pre + "." + fld] != want:
            err(i, pre + "." + fld, want, r[pre + "." + fld])
    hop = r["ipv6.hlim" if v6 else "ip.ttl"]
    if ttl != "-" and hop != ttl:
        err(i, "ipv6.hlim" if v6 else "ip.ttl", ttl, hop)
    if not v6 and r["ip.checksum.status"] != "1":
        err(i, "ip.checksum.status (1 = good)", "1", r["ip.checksum.status"])
    for fld, want in (("udp.srcport", sport), ("udp.dstport", dport),
                      ("l2tp.tunnel", tun), ("l2tp.session", ses)):
        if r[fld] != want:
            err(i, fld, want, r[fld])
    # 1 = good; 3 = not present, legal only for IPv4 with checksum 0.
    cs = r["udp.checksum.status"]
    if not (cs == "1" or (cs == "3" and not v6 and r["udp.checksum"] == "0x0000")):
        err(i, "udp.checksum.status (1 = good)", "1", "%s (checksum %s)" % (cs, r["udp.checksum"]))
    payload = r["udp.payload"].replace(":", "").lower()
    norm.append(" ".join((fam, r[pre + ".src"], r[pre + ".dst"], r["udp.srcport"],
                          r["udp.dstport"], r["l2tp.tunnel"], r["l2tp.session"], payload)))
got_p = Counter(n.split(" ")[-1] for n in norm)
exp_p = Counter(expected)
if got_p != exp_p:
    missing = list((exp_p - got_p).elements())
    extra = list((got_p - exp_p).elements())
    errors.append("UDP payloads differ from the sent frames with rewritten IDs: "
                  "%d expected ones missing, %d unexpected ones" % (len(missing), len(extra)))
    for m in missing[:2]:
        errors.append("  missing:    " + m[:120])
    for m in extra[:2]:
        errors.append("  unexpected: " + m[:120])
with open("%s/%s.norm" % (tmp, tag), "w") as f:
    f.writelines(n + "\n" for n in sorted(norm))
for e in errors[:15]:
    print("      " + e)
if len(errors) > 15:
    print("      ... %d more" % (len(errors) - 15))
sys.exit(1 if errors else 0)
EOF
}

# flow TAG FROM_NS FROM_IF TO_NS TO_IF FAMILY \
#      SRC DST SPORT DPORT TUNNEL SESSION \
#      EXP_SRC EXP_DST EXP_SPORT EXP_DPORT EXP_TUNNEL EXP_SESSION EXP_TTL \
#      COUNT [l2tp_send options...]
# One direction of a session: capture at the far peer, send COUNT frames
# (TTL 50) from the near peer to the switch's MAC, decode and verify every
# frame. Sets FLOW_FRAMES / FLOW_BYTES (what was sent) and FLOW_OK (1/0).
flow() {
	local tag=$1 from_ns=$2 from_if=$3 to_ns=$4 to_if=$5 fam=$6
	local src=$7 dst=$8 sport=$9 dport=${10} tun=${11} ses=${12}
	local e_src=${13} e_dst=${14} e_sport=${15} e_dport=${16} e_tun=${17} e_ses=${18}
	local e_ttl=${19} count=${20}
	shift 20
	local sw_if sw_mac out
	# The switch's side of the sender's veth: frames go to its MAC directly.
	case $from_if in lac0) sw_if=lts-a ;; *) sw_if=lts-b ;; esac
	sw_mac=$(mac_of "$NS_LTS" "$sw_if")
	local t0=$SECONDS
	FLOW_OK=0 FLOW_FRAMES=0 FLOW_BYTES=0
	if [ -n "$LTSD_PID" ] && ! kill -0 "$LTSD_PID" 2>/dev/null; then
		fail "$tag: not run, ltsd is not running any more"
		return
	fi
	capture_start "$tag" "$to_ns" "$to_if" "$count"
	out=$(l2tp_send "$from_ns" --iface "$from_if" --dst-mac "$sw_mac" \
		--src "$src" --dst "$dst" --sport "$sport" --dport "$dport" \
		--tunnel "$tun" --session "$ses" --count "$count" --ttl 50 \
		--dump "$E2E_TMP/$tag.sent" --expect "$E2E_TMP/$tag.expected" \
		--expect-ids "$e_tun,$e_ses" "$@" 2>&1)
	if ! printf '%s' "$out" | grep -q '^frames='; then
		printf '%s\n' "$out"
		fail "$tag: l2tp_send failed"
		capture_wait
		return
	fi
	FLOW_FRAMES=$(printf '%s' "$out" | sed -n 's/^frames=\([0-9]*\) .*/\1/p')
	FLOW_BYTES=$(printf '%s' "$out" | sed -n 's/.* bytes=\([0-9]*\).*/\1/p')
	capture_wait
	decode "$tag"
	if verify_frames "$tag" "$fam" "$e_src" "$e_dst" "$e_sport" "$e_dport" \
		"$e_tun" "$e_ses" "$e_ttl" "$E2E_TMP/$tag.expected"; then
		FLOW_OK=1
		ok "$tag: $FLOW_FRAMES frames ($FLOW_BYTES L2TP bytes) arrived as $e_src:$e_sport -> $e_dst:$e_dport tunnel $e_tun session $e_ses, ttl $e_ttl, checksums good, payloads intact ($((SECONDS - t0))s)"
	else
		fail "$tag: $count frames $src:$sport -> $dst:$dport tunnel $tun session $ses should arrive at $to_if as $e_src:$e_sport -> $e_dst:$e_dport tunnel $e_tun session $e_ses ttl $e_ttl"
	fi
}
