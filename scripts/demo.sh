#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: one static L2TP session switched by ltsd's XDP fast path,
# between a scapy "LAC" and a scapy "LNS" in network namespaces. Needs root
# and the packages of scripts/install-deps.sh. Leaves nothing behind.
#
#      ns lac                             ns lts                            ns lns
#  +-------------+      +----------------------------------------+      +-------------+
#  |    lac0     | veth | lts-a       ltsd + lts_xdp       lts-b | veth |    lns0     |
#  | 10.0.1.1/24 |------| 10.0.1.2/24                10.0.2.2/24 |------| 10.0.2.1/24 |
#  +-------------+      +----------------------------------------+      +-------------+
. "$(dirname "$0")/../tests/e2e/lib.sh"

N=${DEMO_FRAMES:-5}

e2e_init
cat <<EOF
L2TP tunnel switch demo
=======================
A LAC (10.0.1.1) sends L2TP data frames for tunnel 100 / session 1 to the
switch (10.0.1.2). ltsd's XDP program rewrites addresses, ports and IDs and
redirects each frame to the LNS (10.0.2.1) as tunnel 400 / session 4, and
back: nothing goes through the kernel stack or userspace.

      ns lac                             ns lts                            ns lns
  +-------------+      +----------------------------------------+      +-------------+
  |    lac0     | veth | lts-a       ltsd + lts_xdp       lts-b | veth |    lns0     |
  | 10.0.1.1/24 |------| 10.0.1.2/24                10.0.2.2/24 |------| 10.0.2.1/24 |
  +-------------+      +----------------------------------------+      +-------------+
EOF

heading "Building the topology (namespaces $NS_LAC, $NS_LTS, $NS_LNS)"
topo_create
bpffs_mount
log "done; maps will be pinned in $BPFFS_DIR"

heading "Starting ltsd (mode native)"
cfg=$E2E_TMP/demo.yaml
{
	# max_sessions 2: a short map dump below.
	cfg_head native | sed 's/max_sessions: .*/max_sessions: 2/'
	cat <<EOF
static_sessions:
  - name: s1
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, tunnel_id: 100, session_id: 1, peer_tunnel_id: 200, peer_session_id: 2 }
    b: { local: $V4_B_LOCAL, peer: $V4_B_PEER, tunnel_id: 300, session_id: 3, peer_tunnel_id: 400, peer_session_id: 4 }
EOF
} >"$cfg"
sed 's/^/    /' "$cfg"
echo
ltsd_start "$cfg" ltsd-demo
sed 's/^/    /' "$LTSD_LOG"
E2E_QUIET=1 wait_next_hops 2

# show_frames TAG: what the receiving peer captured, one line per frame,
# then the L2TP and PPP layers of the first frame in full.
show_frames() {
	tshark -n -r "$E2E_TMP/$1.pcapng" -o udp.check_checksum:TRUE \
		-T fields -E header=y -E occurrence=f \
		-e frame.number -e ip.src -e ip.dst -e udp.srcport -e udp.dstport \
		-e ip.ttl -e udp.checksum.status -e l2tp.flags -e l2tp.tunnel -e l2tp.session \
		-e l2tp.Ns -e ppp.protocol 2>/dev/null |
		awk -F'\t' -v OFS='\t' '{ for (i = 1; i <= NF; i++) if ($i == "") $i = "-"; print }' |
		sed '1s/udp.checksum.status/udp.csum(1=ok)/' | column -t -s "$(printf '\t')" |
		sed 's/^/    /'
	echo
	echo "    first frame, L2TP and PPP layers:"
	tshark -n -r "$E2E_TMP/$1.pcapng" -c 1 -O l2tp,ppp 2>/dev/null |
		sed -n '/^Layer 2 Tunneling/,$p' | sed 's/^/    /'
}

# demo_flow TAG TITLE FROM_NS FROM_IF TO_NS TO_IF SRC DST TUNNEL SESSION EXP_TUNNEL EXP_SESSION
demo_flow() {
	local tag=$1 out
	heading "$2"
	log "    sending $N frames from $7 to $8, tunnel $9 / session ${10} (L/S/O flags vary)"
	capture_start "$tag" "$5" "$6" "$N"
	out=$(l2tp_send "$3" --iface "$4" --dst-mac "$(mac_of "$NS_LTS" "$( [ "$4" = lac0 ] && echo lts-a || echo lts-b)")" \
		--src "$7" --dst "$8" --tunnel "$9" --session "${10}" --count "$N" --ttl 64 \
		--expect "$E2E_TMP/$tag.expected" --expect-ids "${11},${12}") ||
		die "l2tp_send: $out"
	capture_wait
	log "    the peer captured (tshark):"
	show_frames "$tag"
	decode "$tag"
	E2E_QUIET=1 verify_frames "$tag" 4 "${13}" "${14}" 1701 1701 "${11}" "${12}" 63 \
		"$E2E_TMP/$tag.expected" ||
		die "frames did not arrive as expected (see above)"
	log "    => all $N frames arrived as tunnel ${11} / session ${12}, TTL 64 -> 63, L2TP and PPP bytes unchanged"
}

demo_flow lac-to-lns "LAC -> LNS" "$NS_LAC" lac0 "$NS_LNS" lns0 \
	$V4_A_PEER $V4_A_LOCAL 100 1 400 4 $V4_B_LOCAL $V4_B_PEER
demo_flow lns-to-lac "LNS -> LAC" "$NS_LNS" lns0 "$NS_LAC" lac0 \
	$V4_B_PEER $V4_B_LOCAL 300 3 200 2 $V4_A_LOCAL $V4_A_PEER

heading "Per-session counters: bpftool map dump pinned $BPFFS_DIR/session_stats"
dump=$(bpftool map dump pinned "$BPFFS_DIR/session_stats")
lines=$(printf '%s\n' "$dump" | wc -l)
printf '%s\n' "$dump" | head -n 80 | sed 's/^/    /'
[ "$lines" -le 80 ] || log "    ... ($lines lines: one value per CPU per session slot)"
stats_snapshot "$E2E_TMP/demo.snap"
echo
log "    summed over CPUs, session s1 (index 0):"
log "      dir 0 (LAC -> LNS): $(snap_get "$E2E_TMP/demo.snap" session_stats.0.0.packets) packets, $(snap_get "$E2E_TMP/demo.snap" session_stats.0.0.bytes) L2TP bytes"
log "      dir 1 (LNS -> LAC): $(snap_get "$E2E_TMP/demo.snap" session_stats.0.1.packets) packets, $(snap_get "$E2E_TMP/demo.snap" session_stats.0.1.bytes) L2TP bytes"

heading "Verdict counters (reason_stats, non-zero, summed over CPUs)"
awk '$1 ~ /^reason\./ && $2 > 0 { sub(/^reason\./, "", $1); printf "    %-20s %s\n", $1, $2 }' \
	"$E2E_TMP/demo.snap"
log "    (pass_*: ARP, neighbour discovery, MLD and other non-L2TP traffic left to the kernel)"

heading "Teardown"
ltsd_stop
tail -n 4 "$LTSD_LOG" | sed 's/^/    /'
[ "$LTSD_RC" = 0 ] || die "ltsd exited with $LTSD_RC"
log "    ltsd exited 0; namespaces, veths and bpffs mount are removed on exit"
