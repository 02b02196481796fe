#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Static sessions switched by ltsd: XDP fast path (mode native) and the
# userspace relay (mode off) must put the same frames on the wire.
#
#      ns lac                             ns lts                            ns lns
#  +-------------+      +----------------------------------------+      +-------------+
#  |    lac0     | veth | lts-a       ltsd + lts_xdp       lts-b | veth |    lns0     |
#  | 10.0.1.1/24 |------| 10.0.1.2/24                10.0.2.2/24 |------| 10.0.2.1/24 |
#  | fd00:1::1   |      | fd00:1::2                    fd00:2::2 |      | fd00:2::1   |
#  +-------------+      +----------------------------------------+      +-------------+
#   scapy sends,                      ip_forward = 0                     scapy sends,
#  tshark captures                                                      tshark captures
#
# Sessions (static_sessions index = counter index):
#   0 s1  IPv4 <-> IPv4  a: 10.0.1.1:1701  tun 100/ses 1 (peer 200/2)
#                        b: 10.0.2.1:1701  tun 300/ses 3 (peer 400/4)
#   1 s6  IPv6 <-> IPv6  a: fd00:1::1:1703 tun 110/ses 11 (peer 210/21)
#                        b: fd00:2::1:1702 tun 310/ses 31 (peer 410/41)
#   2 mix IPv4 <-> IPv6  a: 10.0.1.1:1701  tun 120/ses 12 (peer 220/22)
#                        b: fd00:2::1:1701 tun 320/ses 32 (peer 420/42)
#
# Each direction of each session: K frames cycling every L/S/O/P flag
# combination, offset padding of 0/2/5 bytes, PPP IP/ICMP and LCP payloads of
# varying size, sent with TTL 50. Every captured frame must carry the
# rewritten addresses, ports and IDs, valid checksums and the unchanged
# L2TP/PPP bytes; the counters must match what was sent.
#
# Slow path vs XDP: the decoded addresses, ports, IDs and UDP payloads must be
# identical, and both decrement the TTL / hop limit (50 -> 49). The IP ID is
# the kernel's choice on the slow path and is not compared; checksum values
# are not compared either, only verified.
. "$(dirname "$0")/lib.sh"

K=${E2E_FRAMES:-50}

e2e_init
topo_create
bpffs_mount

sessions() {
	cat <<EOF
static_sessions:
  - name: s1
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, peer_port: 1701, tunnel_id: 100, session_id: 1, peer_tunnel_id: 200, peer_session_id: 2 }
    b: { local: $V4_B_LOCAL, peer: $V4_B_PEER, peer_port: 1701, tunnel_id: 300, session_id: 3, peer_tunnel_id: 400, peer_session_id: 4 }
  - name: s6
    a: { local: "$V6_A_LOCAL", peer: "$V6_A_PEER", peer_port: 1703, tunnel_id: 110, session_id: 11, peer_tunnel_id: 210, peer_session_id: 21 }
    b: { local: "$V6_B_LOCAL", peer: "$V6_B_PEER", peer_port: 1702, tunnel_id: 310, session_id: 31, peer_tunnel_id: 410, peer_session_id: 41 }
  - name: mix
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, peer_port: 1701, tunnel_id: 120, session_id: 12, peer_tunnel_id: 220, peer_session_id: 22 }
    b: { local: "$V6_B_LOCAL", peer: "$V6_B_PEER", peer_port: 1701, tunnel_id: 320, session_id: 32, peer_tunnel_id: 420, peer_session_id: 42 }
EOF
}
{ cfg_head native; sessions; } >"$E2E_TMP/native.yaml"
{ cfg_head off; sessions; } >"$E2E_TMP/off.yaml"

# One function per direction: TAG TTL COUNT [l2tp_send options]. The sender
# addresses the switch; the far peer must receive the rewritten frame.
s1_ab() {
	flow "$1" "$NS_LAC" lac0 "$NS_LNS" lns0 4 $V4_A_PEER $V4_A_LOCAL 1701 1701 100 1 \
		$V4_B_LOCAL $V4_B_PEER 1701 1701 400 4 "$2" "$3" "${@:4}"
}
s1_ba() {
	flow "$1" "$NS_LNS" lns0 "$NS_LAC" lac0 4 $V4_B_PEER $V4_B_LOCAL 1701 1701 300 3 \
		$V4_A_LOCAL $V4_A_PEER 1701 1701 200 2 "$2" "$3" "${@:4}"
}
s6_ab() {
	flow "$1" "$NS_LAC" lac0 "$NS_LNS" lns0 6 $V6_A_PEER $V6_A_LOCAL 1703 1701 110 11 \
		$V6_B_LOCAL $V6_B_PEER 1701 1702 410 41 "$2" "$3" "${@:4}"
}
s6_ba() {
	flow "$1" "$NS_LNS" lns0 "$NS_LAC" lac0 6 $V6_B_PEER $V6_B_LOCAL 1702 1701 310 31 \
		$V6_A_LOCAL $V6_A_PEER 1701 1703 210 21 "$2" "$3" "${@:4}"
}
mix_ab() {
	flow "$1" "$NS_LAC" lac0 "$NS_LNS" lns0 6 $V4_A_PEER $V4_A_LOCAL 1701 1701 120 12 \
		$V6_B_LOCAL $V6_B_PEER 1701 1701 420 42 "$2" "$3" "${@:4}"
}
mix_ba() {
	flow "$1" "$NS_LNS" lns0 "$NS_LAC" lac0 4 $V6_B_PEER $V6_B_LOCAL 1701 1701 320 32 \
		$V4_A_LOCAL $V4_A_PEER 1701 1701 220 22 "$2" "$3" "${@:4}"
}

# name       fn      session index, direction
FLOWS="s1-ab:s1_ab:0:0 s1-ba:s1_ba:0:1 s6-ab:s6_ab:1:0 s6-ba:s6_ba:1:1 mix-ab:mix_ab:2:0 mix-ba:mix_ba:2:1"
declare -A FRAMES BYTES

# run_flows MODE TTL: every direction of every session; records FRAMES/BYTES.
run_flows() {
	local f name fn
	for f in $FLOWS; do
		IFS=: read -r name fn _ _ <<<"$f"
		$fn "$1-$name" "$2" "$K"
		FRAMES[$1-$name]=$FLOW_FRAMES BYTES[$1-$name]=$FLOW_BYTES
	done
}

# check_counters MODE SNAPSHOT MAP: per session and direction, MAP counted
# exactly the frames and L2TP bytes sent in MODE.
check_counters() {
	local f name idx dir
	for f in $FLOWS; do
		IFS=: read -r name _ idx dir <<<"$f"
		check_eq "$3[$idx].dir[$dir].packets ($name)" "${FRAMES[$1-$name]}" \
			"$(snap_get "$2" "$3.$idx.$dir.packets")"
		check_eq "$3[$idx].dir[$dir].bytes ($name)" "${BYTES[$1-$name]}" \
			"$(snap_get "$2" "$3.$idx.$dir.bytes")"
	done
}

total_frames() {
	local t=0 f name
	for f in $FLOWS; do
		IFS=: read -r name _ _ _ <<<"$f"
		t=$((t + ${FRAMES[$1-$name]}))
	done
	echo $t
}

###########################################################################
heading "mode native: XDP fast path"
ltsd_start "$E2E_TMP/native.yaml" ltsd-native
for ifc in lts-a lts-b; do
	check_match "$ifc has a native XDP program" 'prog/xdp id [0-9]+' \
		"$(ip -n "$NS_LTS" -d link show dev "$ifc")"
done
wait_next_hops 6
stats_snapshot "$E2E_TMP/native.before"
run_flows xdp 49
stats_snapshot "$E2E_TMP/native.after"
check_ltsd_alive "after the XDP flows"

total=$(total_frames xdp)
check_counters xdp "$E2E_TMP/native.after" session_stats
# pass_not_l2tp and pass_ipv6_exthdr also count ARP, ND and MLD: not checked.
check_eq "reason switched_redirect (all $total frames)" "$total" \
	"$(snap_delta "$E2E_TMP/native.before" "$E2E_TMP/native.after" reason.switched_redirect)"
for r in switched_tx pass_control pass_no_session pass_fragment \
	pass_mtu pass_ttl pass_no_neigh pass_no_egress pass_csum pass_adjust \
	pass_bad_version drop_truncated; do
	check_eq "reason $r" 0 \
		"$(snap_delta "$E2E_TMP/native.before" "$E2E_TMP/native.after" "reason.$r")"
done
check_eq "slow_stats packets (all sessions)" 0 "$(snap_sum "$E2E_TMP/native.after" '^slow_stats\..*\.packets$')"

heading "mode native: IPv4 UDP checksum 0"
# IPv4 -> IPv4 keeps a zero checksum (docs/dataplane.md, UDP).
s1_ab xdp-s1-ab-csum0 49 10 --udp-csum-zero
check_eq "s1-ab checksum 0 kept" "0x0000" "$(cut -f11 "$E2E_TMP/xdp-s1-ab-csum0.fields" | sort -u | tr '\n' ' ' | sed 's/ $//')"
# IPv4 -> IPv6 needs a full checksum: pass_csum, relayed by the slow path,
# which must emit a valid IPv6 UDP checksum (verified by flow).
stats_snapshot "$E2E_TMP/csum.before"
mix_ab xdp-mix-ab-csum0 49 5 --udp-csum-zero
stats_snapshot_when "$E2E_TMP/csum.after" 5 '^slow_stats\..*\.packets$' 5
check_eq "reason pass_csum" 5 "$(snap_delta "$E2E_TMP/csum.before" "$E2E_TMP/csum.after" reason.pass_csum)"
check_eq "slow_stats[2].dir[0].packets" 5 "$(snap_delta "$E2E_TMP/csum.before" "$E2E_TMP/csum.after" slow_stats.2.0.packets)"
check_eq "slow_stats[2].dir[0].bytes" "$FLOW_BYTES" "$(snap_delta "$E2E_TMP/csum.before" "$E2E_TMP/csum.after" slow_stats.2.0.bytes)"
check_eq "session_stats[2].dir[0].packets unchanged" 0 "$(snap_delta "$E2E_TMP/csum.before" "$E2E_TMP/csum.after" session_stats.2.0.packets)"
check_ltsd_alive "after relaying frames on the slow path"

if [ -n "$LTSD_PID" ]; then
	ltsd_stop
	check_eq "ltsd (native) exit status after SIGTERM" 0 "$LTSD_RC"
fi
check_ltsd_gone_clean

###########################################################################
heading "mode off: userspace relay"
ltsd_start "$E2E_TMP/off.yaml" ltsd-off
for ifc in lts-a lts-b; do
	check_eq "$ifc has no XDP program in mode off" "" "$(xdp_prog_id "$NS_LTS" "$ifc")"
done
stats_snapshot "$E2E_TMP/off.before"
run_flows slow 49
stats_snapshot_when "$E2E_TMP/off.after" 5 '^slow_stats\..*\.packets$' "$(total_frames slow)"
check_ltsd_alive "after the slow-path flows"
[ -e "$BPFFS_DIR/slow_stats" ] || fail "mode off: $BPFFS_DIR/slow_stats is not pinned"
check_counters slow "$E2E_TMP/off.after" slow_stats
check_eq "session_stats packets (mode off, all sessions)" 0 "$(snap_sum "$E2E_TMP/off.after" '^session_stats\..*\.packets$')"
check_eq "reason_stats (mode off, all reasons)" 0 "$(snap_sum "$E2E_TMP/off.after" '^reason\.')"

heading "slow path vs XDP: same frames"
for f in $FLOWS; do
	IFS=: read -r name _ _ _ <<<"$f"
	if diff -q "$E2E_TMP/xdp-$name.norm" "$E2E_TMP/slow-$name.norm" >/dev/null; then
		ok "$name: addresses, ports, IDs and L2TP+PPP bytes identical"
	else
		fail "$name: slow path and XDP frames differ (< xdp, > slow):"
		diff "$E2E_TMP/xdp-$name.norm" "$E2E_TMP/slow-$name.norm" | head -n 6 | cut -c1-160
	fi
done

if [ -n "$LTSD_PID" ]; then
	ltsd_stop
	check_eq "ltsd (off) exit status after SIGTERM" 0 "$LTSD_RC"
fi
check_ltsd_gone_clean

e2e_done
