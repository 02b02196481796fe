#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Per-session policing and DSCP marking in the XDP fast path (issue 11),
# on static sessions (the rule's police:/dscp_copy: reach a call's pair the
# same way: tests/unit/test_switch.c), with real frames through lts_xdp:
#
#    ns $NS_LAC                         ns $NS_LTS                        ns $NS_LNS
#  +-------------+      +----------------------------------------+      +-------------+
#  |    lac0     | veth | lts-a       ltsd + lts_xdp       lts-b | veth |    lns0     |
#  | 10.0.1.1/24 |------| 10.0.1.2/24                10.0.2.2/24 |------| 10.0.2.1/24 |
#  +-------------+      +----------------------------------------+      +-------------+
#   l2tp_send.py          pol:  leg b police {rate 1 kbit/s, burst 2000}   tshark
#                         mark: leg b dscp_copy, leg a dscp 10
#                         plain: nothing (one flag test)
#
# pol: frames LAC -> LNS beyond the bucket are dropped in XDP (drop_police),
# counted per session (ltsctl counters.policed), and what passes fits the
# bucket; LNS -> LAC (leg a, not policed) all pass. mark: the outer DSCP of
# frames toward the LNS becomes the inner IPv4 packet's, toward the LAC 10.
# spread (second ltsd, dataplane.spread_cpus: [0, 1], 2+ CPUs): the sessions
# of one tunnel are switched on both CPUs (redirect_cpu counted), every
# frame arrives, rewritten, each session's frames in order (Ns).
set -u -o pipefail
. "$(dirname "$0")/lib.sh"

LTSCTL=$BUILD/ltsctl
N=24
e2e_init
[ -x "$LTSCTL" ] || die "$LTSCTL not built: run make"
topo_create
bpffs_mount

SOCK=$E2E_TMP/ltsd.sock
cfg_head native >"$E2E_TMP/qos.yaml"
sed -i "s|^  hostname: lts-e2e|&\n  control_socket: $SOCK|" "$E2E_TMP/qos.yaml"
cat >>"$E2E_TMP/qos.yaml" <<EOC
static_sessions:
  - name: pol
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, tunnel_id: 100, session_id: 1, peer_tunnel_id: 200, peer_session_id: 2 }
    b: { local: $V4_B_LOCAL, peer: $V4_B_PEER, tunnel_id: 300, session_id: 3, peer_tunnel_id: 400, peer_session_id: 4,
         police: { rate: 1, burst: 2000 } }
  - name: mark
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, tunnel_id: 110, session_id: 11, peer_tunnel_id: 210, peer_session_id: 21, dscp: 10 }
    b: { local: $V4_B_LOCAL, peer: $V4_B_PEER, tunnel_id: 310, session_id: 31, peer_tunnel_id: 410, peer_session_id: 41, dscp_copy: true }
  - name: plain
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, tunnel_id: 120, session_id: 12, peer_tunnel_id: 220, peer_session_id: 22 }
    b: { local: $V4_B_LOCAL, peer: $V4_B_PEER, tunnel_id: 320, session_id: 32, peer_tunnel_id: 420, peer_session_id: 42 }
EOC

# jget FILE SESSION PATH...: values of one static session in ltsctl --json show sessions.
jget() {
	"$PY" - "$@" <<'EOP'
import json, sys
doc = json.load(open(sys.argv[1]))
s = next(e for e in doc["sessions"] if e.get("rule") == "static:" + sys.argv[2])
out = []
for path in sys.argv[3:]:
    v = s
    for p in path.split("."):
        v = v[p]
    out.append(str(v))
print(" ".join(out))
EOP
}

# dscps TAG: the outer DSCP of every captured frame, one line each.
dscps() {
	tshark -n -r "$E2E_TMP/$1.pcapng" -T fields -E occurrence=f -e ip.dsfield.dscp 2>/dev/null |
		sort | uniq -c | awk '{ printf "%s x%s ", $2, $1 }'
}

heading "ltsd with policed, marked and plain static sessions"
ltsd_start "$E2E_TMP/qos.yaml"
wait_next_hops 6
stats_snapshot "$E2E_TMP/before.snap"
SW_A_MAC=$(mac_of "$NS_LTS" lts-a) SW_B_MAC=$(mac_of "$NS_LTS" lts-b)

heading "pol: LAC -> LNS over the bucket"
CAPTURE_TIMEOUT=4 capture_start pol-ab "$NS_LNS" lns0 "$N"
t0=$(date +%s.%N)
out=$(l2tp_send "$NS_LAC" --iface lac0 --dst-mac "$SW_A_MAC" --src "$V4_A_PEER" \
	--dst "$V4_A_LOCAL" --tunnel 100 --session 1 --count "$N" --payload icmp --flags "")
t1=$(date +%s.%N)
capture_wait
SENT_BYTES=$(printf '%s' "$out" | sed -n 's/.* bytes=\([0-9]*\).*/\1/p')
DELIVERED=$(tshark -n -r "$E2E_TMP/pol-ab.pcapng" 2>/dev/null | wc -l)
"$LTSCTL" -s "$SOCK" --json show sessions >"$E2E_TMP/s1.json" 2>&1 ||
	fail "ltsctl --json show sessions"
read -r PKTS BYTES POLICED <<<"$(jget "$E2E_TMP/s1.json" pol counters.fast.lac_to_lns.packets \
	counters.fast.lac_to_lns.bytes counters.policed.lac_to_lns)"
log "    sent $N frames ($SENT_BYTES L2TP bytes): $PKTS switched ($BYTES bytes), $POLICED policed"
check_eq "pol: switched + policed = sent" "$N" "$((PKTS + POLICED))"
check_eq "pol: the LNS received what was switched" "$PKTS" "$DELIVERED"
[ "$POLICED" -gt 0 ] && ok "pol: frames over the bucket were dropped ($POLICED)" ||
	fail "pol: nothing was policed ($SENT_BYTES bytes into a 2000-byte bucket)"
[ "$PKTS" -gt 0 ] && ok "pol: the bucket let frames through ($PKTS)" || fail "pol: nothing passed"
# Within the bucket plus what 1 kbit/s refilled while sending (+1 s of slack).
limit=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", 2000 + 125 * (b - a + 1) }')
[ "$BYTES" -le "$limit" ] && ok "pol: switched bytes $BYTES <= burst + rate x time ($limit)" ||
	fail "pol: switched $BYTES L2TP bytes, more than burst + rate x time ($limit)"
stats_snapshot "$E2E_TMP/after.snap"
check_eq "reason drop_police counted every policed frame" "$POLICED" \
	"$(snap_delta "$E2E_TMP/before.snap" "$E2E_TMP/after.snap" reason.drop_police)"

heading "pol: LNS -> LAC is not policed"
flow pol-ba "$NS_LNS" lns0 "$NS_LAC" lac0 4 "$V4_B_PEER" "$V4_B_LOCAL" 1701 1701 300 3 \
	"$V4_A_LOCAL" "$V4_A_PEER" 1701 1701 200 2 49 "$N" --payload icmp
"$LTSCTL" -s "$SOCK" --json show sessions >"$E2E_TMP/s2.json" 2>&1
check_eq "pol: lns_to_lac switched, policed" "$N 0" "$(jget "$E2E_TMP/s2.json" pol \
	counters.fast.lns_to_lac.packets counters.policed.lns_to_lac)"

heading "mark: DSCP copied toward the LNS, set toward the LAC"
flow mark-ab "$NS_LAC" lac0 "$NS_LNS" lns0 4 "$V4_A_PEER" "$V4_A_LOCAL" 1701 1701 110 11 \
	"$V4_B_LOCAL" "$V4_B_PEER" 1701 1701 410 41 49 8 --payload icmp --inner-tos 184
check_eq "mark: outer DSCP toward the LNS (inner TOS 184: DSCP 46)" "46 x8 " "$(dscps mark-ab)"
flow mark-ba "$NS_LNS" lns0 "$NS_LAC" lac0 4 "$V4_B_PEER" "$V4_B_LOCAL" 1701 1701 310 31 \
	"$V4_A_LOCAL" "$V4_A_PEER" 1701 1701 210 21 49 8 --payload icmp --inner-tos 184
check_eq "mark: outer DSCP toward the LAC (dscp: 10)" "10 x8 " "$(dscps mark-ba)"
flow plain-ab "$NS_LAC" lac0 "$NS_LNS" lns0 4 "$V4_A_PEER" "$V4_A_LOCAL" 1701 1701 120 12 \
	"$V4_B_LOCAL" "$V4_B_PEER" 1701 1701 420 42 49 8 --payload icmp --inner-tos 184
check_eq "plain: outer DSCP kept (0)" "0 x8 " "$(dscps plain-ab)"

check_ltsd_alive "after the QoS flows"
ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
check_ltsd_gone_clean

heading "spread: one tunnel's sessions over CPUs 0 and 1"
if [ "$(nproc)" -lt 2 ]; then
	echo "SKIP  spread: needs 2 CPUs, this machine has $(nproc)"
	e2e_done
fi
cfg_head native | sed "s/^  l2tp_ports: \[1701\]/&\n  spread_cpus: [0, 1]/" >"$E2E_TMP/spread.yaml"
{
	echo "static_sessions:"
	for i in 1 2 3 4 5 6 7 8; do
		echo "  - name: s$i"
		echo "    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, tunnel_id: 100, session_id: $i, peer_tunnel_id: 200, peer_session_id: $i }"
		echo "    b: { local: $V4_B_LOCAL, peer: $V4_B_PEER, tunnel_id: 300, session_id: $i, peer_tunnel_id: 400, peer_session_id: $i }"
	done
} >>"$E2E_TMP/spread.yaml"
ltsd_start "$E2E_TMP/spread.yaml" ltsd-spread
wait_next_hops 16
stats_snapshot "$E2E_TMP/spread.before"
CAPTURE_TIMEOUT=10 capture_start spread "$NS_LNS" lns0 $((8 * 12))
for i in 1 2 3 4 5 6 7 8; do
	l2tp_send "$NS_LAC" --iface lac0 --dst-mac "$SW_A_MAC" --src "$V4_A_PEER" \
		--dst "$V4_A_LOCAL" --tunnel 100 --session "$i" --count 12 --flags S \
		--ns-start 1000 >/dev/null || fail "spread: l2tp_send session $i"
done
capture_wait
stats_snapshot "$E2E_TMP/spread.after"
# Per session at the LNS: IDs rewritten, Ns 1000..1011 in order.
got=$(tshark -n -r "$E2E_TMP/spread.pcapng" -d udp.port==1701,l2tp -T fields -E occurrence=f \
	-e l2tp.tunnel -e l2tp.session -e l2tp.Ns 2>/dev/null | awk '
	$1 != 400 { bad++ }
	{ n[$2]++; if ($3 != 1000 + n[$2] - 1) order++ }
	END { s = 0; for (k in n) if (n[k] == 12) s++; printf "%d %d %d", s, bad + 0, order + 0 }')
check_eq "spread: sessions with all 12 frames, frames with other IDs, out of order" "8 0 0" "$got"
n=$(snap_delta "$E2E_TMP/spread.before" "$E2E_TMP/spread.after" reason.redirect_cpu)
[ "$n" -gt 0 ] && ok "spread: $n frames handed to the other CPU (redirect_cpu)" ||
	fail "spread: no frame was handed to another CPU"
check_eq "spread: every frame switched (switched_redirect)" 96 \
	"$(snap_delta "$E2E_TMP/spread.before" "$E2E_TMP/spread.after" reason.switched_redirect)"
check_ltsd_alive "after the spread flows"
ltsd_stop
check_eq "ltsd (spread) exit status" 0 "$LTSD_RC"
check_ltsd_gone_clean
e2e_done
