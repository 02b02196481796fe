#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile network (issue 9): a live call keeps carrying PPP frames both
# ways, and a second LAC can still come in, while an attacker on the
# LAC-side segment floods ltsd with spoofed SCCRQs, malformed control
# messages, spoofed data frames and WEN/SLI messages.
#
#  ns $NS_ATK           ns $NS_LAC                 ns $NS_LTS                  ns $NS_LNS
# +------------+   +--------------------+   +-------------------------+   +------------------+
# | atk0       |   | br0 (bridge)       |   |                         |   | lns0             |
# | 10.0.1.66  |---|lac-atk     lac-lts |---| lts-a             lts-b |---| 10.0.2.1 xl2tpd  |
# | attacker:  |   | 10.0.1.1 xl2tpd    |   | 10.0.1.2       10.0.2.2 |   |  LNS lns1        |
# | hostile_   |   |  LAC "live"        |   |  ltsd, XDP native       |   | 10.0.2.3 scapy_  |
# | flood.py   |   | 10.0.1.3 xl2tpd    |   |  10.96.0.0/14 via       |   |  lns.py: LNS     |
# |            |   |  LAC "second"      |   |   10.0.1.66 (spoofed    |   |  lns2 (the       |
# +------------+   | tshark on lac-lts: |   |   sources' answers go   |   |  attacker's call)|
#                  |  ltsd's answers to |   |   to the attacker, who  |   | tshark on lns0   |
#                  |  spoofed sources   |   |   drops them)           |   +------------------+
#                  +--------------------+   +-------------------------+
#
# lac_peers: attacker 10.0.1.66 (its WEN/SLI call goes to lns2), lacs
# 10.0.1.0/24 (live, second: to lns1), flood 10.99.0.0/16 (spoofed sources
# "inside"); 10.98.0.0/16 matches none ("outside"). ltsd's answers to
# 10.96.0.0/14 are routed to the attacker's MAC, where the kernel drops them
# (no forwarding): nothing leaves the test's namespaces.
#
# While the live call's stand-ins send sequence-numbered frames both ways
# (a batch every second), the attacker sends, each bounded in count and time:
#   a  SCCRQs from 8000 spoofed addresses (half in the lac_peer prefix, half
#      outside), plus 16 addresses that send 200 each (rate limiting); the
#      second xl2tpd LAC dials during this flood and must get its call up
#   b  malformed control messages: the datagram cut in the header, every
#      Length field too short and too long, every AVP length 0..len+8, hidden
#      AVPs without Random Vector, bad Message Types, non-SCCRQs where a
#      tunnel starts, StopCCN/Hello/CDN for the live tunnel from strangers
#      (hostile_flood.py's catalogue), from both prefixes
#   c  data frames with the live call's IDs from wrong addresses and ports,
#      for unknown sessions and tunnels, and with the LNS leg's IDs; also
#      from the LNS's own address and port with the LNS leg's IDs, which XDP
#      switches (its key has no ingress interface): printed, not checked
#   d  a WEN/SLI flood on a call of its own (lac_peer attacker -> lns2)
# Checks: ltsd alive and answering ltsctl; no live frame lost or spoofed
# frame delivered (stand-in logs, sequence numbers in the payloads); at most
# one packet from ltsd per spoofed packet per spoofed source; rate-limited
# sources get no more than the bucket allows; WEN/SLI relayed at most at
# 5/s after a burst of 10; once the flood is over no tunnel is left to a
# spoofed address and the live tunnels are all established.
# Figures printed: attacker packets per kind, RSS before/peak/after,
# tunnels held, ltsd packets per spoofed packet, XDP verdicts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xl2tpd_lib.sh"

NS_ATK=lts-atk-$$
ATK_IP=10.0.1.66
LIVE_IP=$V4_A_PEER # 10.0.1.1
SECOND_IP=10.0.1.3
LNS1_IP=$V4_B_PEER # 10.0.2.1
LNS2_IP=10.0.2.3
SPOOF_NET=10.96.0.0/14 # covers the inside (10.99/16) and outside (10.98/16) ranges
FLOOD=$E2E_DIR/hostile_flood.py
LTSCTL=$BUILD/ltsctl
# Rate of the floods (packets per second) and their time bounds.
H_RATE=${H_RATE:-3000}
# limits.sccrq_rate / sccrq_burst defaults (docs/config.md).
SCCRQ_RATE=20 SCCRQ_BURST=40
# limits.max_half_open, set below the default (1024) so the flood reaches it.
HALF_OPEN_MAX=256

e2e_init
xl2tpd_check
[ -x "$LTSCTL" ] || die "$LTSCTL not built: run make"
T_START=$SECONDS

# Exit: the attacker's processes go with the other background jobs; the
# attacker's namespace is ours to delete (lib.sh knows only its three).
hostile_exit() {
	local rc=$? p
	trap '' PIPE
	trap - EXIT
	for p in "${E2E_BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	ip netns del "$NS_ATK" 2>/dev/null
	(exit "$rc")
	_xl2tpd_exit
}
trap hostile_exit EXIT

hostile_topo() {
	local ns
	for ns in "$NS_LAC" "$NS_LTS" "$NS_LNS" "$NS_ATK"; do
		ip netns add "$ns" || die "ip netns add $ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
		ip -n "$ns" link set lo up
	done
	ip netns exec "$NS_LTS" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	ip netns exec "$NS_ATK" sysctl -qw net.ipv4.ip_forward=0
	ip -n "$NS_LAC" link add br0 type bridge || die "bridge br0"
	ip link add lac-lts netns "$NS_LAC" type veth peer name lts-a netns "$NS_LTS" ||
		die "veth lac-lts/lts-a"
	ip link add lac-atk netns "$NS_LAC" type veth peer name atk0 netns "$NS_ATK" ||
		die "veth lac-atk/atk0"
	ip link add lns0 netns "$NS_LNS" type veth peer name lts-b netns "$NS_LTS" ||
		die "veth lns0/lts-b"
	ip -n "$NS_LAC" link set lac-lts master br0
	ip -n "$NS_LAC" link set lac-atk master br0
	ip -n "$NS_LAC" addr add $LIVE_IP/24 dev br0
	ip -n "$NS_LAC" addr add $SECOND_IP/24 dev br0
	ip -n "$NS_ATK" addr add $ATK_IP/24 dev atk0
	ip -n "$NS_LTS" addr add $V4_A_LOCAL/24 dev lts-a
	ip -n "$NS_LTS" addr add $V4_B_LOCAL/24 dev lts-b
	ip -n "$NS_LNS" addr add $LNS1_IP/24 dev lns0
	ip -n "$NS_LNS" addr add $LNS2_IP/24 dev lns0
	# Kernel-sent UDP leaves with a full checksum, as from a NIC (lib.sh).
	tx_csum_off "$NS_LTS" lts-a && tx_csum_off "$NS_LTS" lts-b &&
		tx_csum_off "$NS_ATK" atk0 && tx_csum_off "$NS_LNS" lns0 ||
		die "cannot turn off TX checksum offload"
	# Frames ltsd redirects into lts-a / lts-b need an XDP program on the peer.
	ip -n "$NS_LAC" link set dev lac-lts xdp obj "$XDP_PASS_OBJ" sec xdp || die "xdp_pass lac-lts"
	ip -n "$NS_LNS" link set dev lns0 xdp obj "$XDP_PASS_OBJ" sec xdp || die "xdp_pass lns0"
	local l
	for l in "$NS_LAC br0" "$NS_LAC lac-lts" "$NS_LAC lac-atk" "$NS_ATK atk0" \
		"$NS_LTS lts-a" "$NS_LTS lts-b" "$NS_LNS lns0"; do
		# shellcheck disable=SC2086
		ip -n ${l% *} link set ${l#* } up
	done
	for l in "$NS_LAC lac-lts" "$NS_LAC lac-atk" "$NS_ATK atk0" "$NS_LTS lts-a" \
		"$NS_LTS lts-b" "$NS_LNS lns0"; do
		# shellcheck disable=SC2086
		wait_for 5 link_up $l || die "link ${l#* } in ${l% *} did not come up"
	done
	# ltsd's answers to spoofed sources: to the attacker, who drops them.
	ip -n "$NS_LTS" route add $SPOOF_NET via $ATK_IP dev lts-a || die "route $SPOOF_NET"
	# The bridge forwards: a datagram from the LAC side resolves the attacker's MAC.
	ip netns exec "$NS_LAC" "$PY" -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (sys.argv[1], 9))' $ATK_IP
	wait_for 5 eval "ip -n $NS_LAC neigh show $ATK_IP | grep -q lladdr" ||
		die "the bridge does not forward: no neighbour entry for $ATK_IP in $NS_LAC"
}

hostile_cfg() {
	cfg_head native | sed "/^  bpffs:/a\\
  control_socket: $E2E_TMP/ltsd.sock"
	cat <<EOF
control: {retransmit_initial: 1000, retransmit_max: 8000, retries: 2}
limits: {max_half_open: $HALF_OPEN_MAX}
lac_peers:
  - {name: attacker, address: $ATK_IP}
  - {name: lacs, address: 10.0.1.0/24}
  - {name: flood, address: 10.99.0.0/16}
lns_peers:
  - {name: lns1, address: $LNS1_IP, local: $V4_B_LOCAL, hostname: lts-to-lns1}
  - {name: lns2, address: $LNS2_IP, local: $V4_B_LOCAL, hostname: lts-to-lns2}
rules:
  - {name: attacker, match: {lac_peer: attacker}, pool: [{lns: lns2}]}
  - {name: default, pool: [{lns: lns1}]}
EOF
}

# ---------------------------------------------------------------- helpers

ltsctl_json() { timeout 5 "$LTSCTL" -s "$E2E_TMP/ltsd.sock" --json show "$1"; }

# summary_get KEY...: values of summary keys ("tunnels", "control.sccrq_refused").
summary_get() {
	ltsctl_json summary 2>/dev/null | "$PY" -c '
import json, sys
s = json.load(sys.stdin)["summary"]
out = []
for k in sys.argv[1:]:
    v = s
    for p in k.split("."):
        v = v.get(p, "?") if isinstance(v, dict) else "?"
    out.append(str(v))
print(" ".join(out))' "$@" 2>/dev/null || echo "?"
}

rss_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$LTSD_PID/status" 2>/dev/null; }

# sampler: every 0.5 s one line "RSS_KB TUNNELS ESTABLISHED" into sampler.txt
# until $E2E_TMP/sampler.stop exists (at most 150 s).
sampler_start() {
	(
		end=$((SECONDS + 150))
		while [ ! -e "$E2E_TMP/sampler.stop" ] && [ $SECONDS -lt $end ]; do
			echo "$(rss_kb VmRSS) $(summary_get tunnels tunnels_established)"
			sleep 0.5
		done
	) >"$E2E_TMP/sampler.txt" 2>/dev/null &
	E2E_BG_PIDS+=($!)
	SAMPLER_PID=$!
}

# kicker: a batch of frames from both live stand-ins every second until
# $E2E_TMP/kick.stop exists (at most 150 s).
kicker_start() {
	(
		end=$((SECONDS + 150))
		while [ ! -e "$E2E_TMP/kick.stop" ] && [ $SECONDS -lt $end ]; do
			standin_kick live "$LIVE_LAC_PID" && standin_kick lns1 "$LIVE_LNS_PID" ||
				echo "kick failed" >>"$E2E_TMP/kick.err"
			sleep 1
		done
	) &
	E2E_BG_PIDS+=($!)
	KICKER_PID=$!
}

# atk KIND ARGS...: hostile_flood.py in the attacker's namespace; its JSON
# result goes to $E2E_TMP/atk-KIND.json.
atk() {
	local kind=$1
	shift
	ip netns exec "$NS_ATK" "$PY" "$FLOOD" "$kind" "$@" >"$E2E_TMP/atk-$kind.json" \
		2>"$E2E_TMP/atk-$kind.err"
}

atk_wire() { echo --iface atk0 --dst-mac "$LTS_A_MAC" --dst "$V4_A_LOCAL" --ledger "$E2E_TMP/ledger"; }

# jget FILE EXPR: EXPR (Python, the JSON document is d) of a JSON file.
jget() { "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }

check_alive_answering() {
	check_ltsd_alive "$1" || return 1
	local t
	t=$(summary_get tunnels)
	if [ "$t" != "?" ]; then
		ok "ltsctl show summary answered $1 (tunnels $t)"
	else
		fail "ltsctl show summary not answered $1"
	fi
}

# ---------------------------------------------------------------- setup
heading "setup: bridge with the attacker on the LAC side, ltsd (native), LNSes lns1 (xl2tpd), lns2 (scripted)"
hostile_topo
bpffs_mount
hostile_cfg >"$E2E_TMP/hostile.yaml"
ltsd_start "$E2E_TMP/hostile.yaml"
LTS_A_MAC=$(mac_of "$NS_LTS" lts-a)
ok "ltsd ready (pid $LTSD_PID)"
# The live call's ends send a batch of 36 frames 25 ms apart on each kick;
# the second call's LNS stand-in (also lns1) only logs what it gets.
xl2tpd_start lns1 "$NS_LNS" lns $LNS1_IP $V4_B_LOCAL hostname=lns-one \
	standin-wait-usr1=yes standin-send-ip=36 standin-interval-ms=25 standin-ip-size=120
# lns2 takes the attacker's call: scripted, because xl2tpd 1.3.18 drops a
# call on a WEN ("i don't know how to handle WAN-Error-Notify messages").
ip netns exec "$NS_LNS" "$PY" "$E2E_DIR/scapy_lns.py" --local $LNS2_IP --hostname lns-two \
	--max-seconds 150 --stop-file "$E2E_TMP/lns2.stop" >"$E2E_TMP/lns2.jsonl" 2>"$E2E_TMP/lns2.err" &
LNS2_PID=$!
E2E_BG_PIDS+=("$LNS2_PID")
wait_for 5 grep -qs '"ev": "listening"' "$E2E_TMP/lns2.jsonl" || die "scapy_lns.py did not start: $(cat "$E2E_TMP/lns2.err")"
xl2tpd_start live "$NS_LAC" lac $LIVE_IP $V4_A_LOCAL hostname=live \
	standin-wait-usr1=yes standin-send-ip=36 standin-interval-ms=25 standin-ip-size=200
xl2tpd_wait_call live 10 && xl2tpd_wait_call lns1 10 || die "the live call did not come up"
read -r live_call _ <<<"$(xl2tpd_call_ids live)"
wait_for 5 grep -Eq "switched: .* sess [0-9]+/$live_call <->" "$LTSD_LOG" ||
	die "ltsd logged no 'switched' line for the live call"
line=$(grep -E "switched: .* sess [0-9]+/$live_call <->" "$LTSD_LOG" | tail -n 1)
re='switched: tun ([0-9]+)/[0-9]+ sess ([0-9]+)/[0-9]+ <-> tun ([0-9]+)/[0-9]+ sess ([0-9]+)/[0-9]+ \(counters \[([0-9]+)\]\)'
[[ $line =~ $re ]] || die "cannot parse: $line"
L_TUN=${BASH_REMATCH[1]} L_SESS=${BASH_REMATCH[2]} N_TUN=${BASH_REMATCH[3]} N_SESS=${BASH_REMATCH[4]}
L_IDX=${BASH_REMATCH[5]}
ok "live call switched: LAC leg tun $L_TUN sess $L_SESS, LNS leg tun $N_TUN sess $N_SESS, counters [$L_IDX]"
NH_TIMEOUT=10 wait_next_hops 2
standin_wait_started live 1 5 && standin_wait_started lns1 1 5 || die "live stand-ins did not start"
LIVE_LAC_PID=$(standin_pids live | head -n 1)
LIVE_LNS_PID=$(standin_pids lns1 | head -n 1)

# Captures: everything ltsd sends to spoofed addresses (on the LAC-side
# segment, at the bridge port facing ltsd), and the LNS side's control messages.
cap() {
	ip netns exec "$2" tshark -n -q -B 32 -i "$3" -f "$4" -w "$E2E_TMP/$1.pcapng" \
		>"$E2E_TMP/$1.tshark.log" 2>&1 &
	E2E_BG_PIDS+=($!)
	CAP_PID[$1]=$!
	wait_for 15 grep -qs "Capturing on" "$E2E_TMP/$1.tshark.log" ||
		die "tshark on $2/$3 did not start: $(cat "$E2E_TMP/$1.tshark.log")"
}
cap_end() {
	kill -INT "${CAP_PID[$1]}" 2>/dev/null
	wait_pid_exit "${CAP_PID[$1]}" 10 || kill -KILL "${CAP_PID[$1]}" 2>/dev/null
	wait "${CAP_PID[$1]}" 2>/dev/null
}
declare -A CAP_PID=()
cap answers "$NS_LAC" lac-lts "udp and ether src $LTS_A_MAC and dst net $SPOOF_NET"
cap lnsctl "$NS_LNS" lns0 "udp port 1701 and udp[8] & 0x80 != 0"
sleep 0.3

RSS_BEFORE=$(rss_kb VmRSS)
read -r TUN_BEFORE EST_BEFORE <<<"$(summary_get tunnels tunnels_established)"
stats_snapshot "$E2E_TMP/before.snap"
log "    before the attack: ltsd VmRSS ${RSS_BEFORE} kB, tunnels $TUN_BEFORE ($EST_BEFORE established)"
# The second LAC is ready to dial (its control pipe), but dials during the flood.
xl2tpd_start second "$NS_LAC" lac $SECOND_IP $V4_A_LOCAL hostname=second autodial=no \
	standin-wait-usr1=yes standin-send-ip=5 standin-interval-ms=20
sampler_start
kicker_start
T_ATTACK=$SECONDS

# ---------------------------------------------------------------- a
heading "a: SCCRQ flood from spoofed sources, a second real LAC dials meanwhile"
t0=$SECONDS
# shellcheck disable=SC2046
atk sccrq $(atk_wire) --rate "$H_RATE" --max-seconds 15 --tid-base 1000 \
	--spec 10.99.0.0/18:4000:1 --spec 10.98.0.0/18:4000:1 \
	--spec 10.99.64.0/24:8:200 --spec 10.98.64.0/24:8:200 &
FLOOD_PID=$!
E2E_BG_PIDS+=("$FLOOD_PID")
sleep 0.5
T_SECOND=$(date +%s%N)
flood_at_dial=0 flood_at_call=0
kill -0 $FLOOD_PID 2>/dev/null && flood_at_dial=1
xl2tpd_dial second >/dev/null || fail "a: the second LAC's 'c second' not answered 00"
if xl2tpd_wait_tunnel second 20 && xl2tpd_wait_call second 10; then
	kill -0 $FLOOD_PID 2>/dev/null && flood_at_call=1
	ok "a: the second LAC's tunnel and call came up $((($(date +%s%N) - T_SECOND) / 1000000)) ms after it dialled"
else
	fail "a: the second LAC got no tunnel/call within 30s"
fi
wait_pid_exit $FLOOD_PID 30 || kill -KILL $FLOOD_PID 2>/dev/null
wait $FLOOD_PID
check_eq "a: flood exit status" 0 "$?"
head -n 5 "$E2E_TMP/atk-sccrq.err" 2>/dev/null
check_eq "a: the flood ran when the second LAC dialled, and still when its call was up" "1 1" \
	"$flood_at_dial $flood_at_call"
log "    attacker: $(cat "$E2E_TMP/atk-sccrq.json")"
# The second call switches frames too (lns1's second stand-in gets them).
if standin_wait_started second 1 5 && standin_wait_started lns1 2 5; then
	standin_kick second
	lns1_second=$(standin_pids lns1 | sed -n 2p)
	wait_for 10 eval '[ "$(standin_frames lns1 rx "$lns1_second" | wc -l)" -ge 5 ]'
	check_eq "a: frames of the second call at lns1" 5 "$(standin_frames lns1 rx "$lns1_second" | wc -l)"
else
	fail "a: the second call's stand-ins did not start"
fi
check_alive_answering "after the SCCRQ flood"
log "a: $((SECONDS - t0))s"

# ---------------------------------------------------------------- b
heading "b: malformed control messages, every header and AVP length"
t0=$SECONDS
# shellcheck disable=SC2046
atk malformed $(atk_wire) --rate "$H_RATE" --max-seconds 10 --tid-base 30000 \
	--spec 10.99.128.0/18 --spec 10.98.128.0/18 --live-tunnel "$L_TUN"
check_eq "b: malformed sender exit status" 0 "$?"
log "    attacker: $(cat "$E2E_TMP/atk-malformed.json")"
check_eq "b: messages for the live tunnel from strangers, counted as wrong peer (rx_wrong_peer)" \
	"$(jget "$E2E_TMP/atk-malformed.json" 'd["by"].get("wrong_peer", 0)')" "$(summary_get control.rx_wrong_peer)"
check_alive_answering "after the malformed messages"
log "b: $((SECONDS - t0))s"

# ---------------------------------------------------------------- c
heading "c: spoofed data frames: the live call's IDs from wrong sources, unknown sessions"
t0=$SECONDS
# shellcheck disable=SC2046
atk spoofdata $(atk_wire) --rate 500 --max-seconds 10 \
	--live-tunnel "$L_TUN" --live-session "$L_SESS" --lns-tunnel "$N_TUN" --lns-session "$N_SESS" \
	--live-src $LIVE_IP --other-lac $SECOND_IP --attacker $ATK_IP --spoof-prefix 10.99.192.0/24 \
	--lns-src $LNS1_IP --lns-local $V4_B_LOCAL --per-kind 40
check_eq "c: spoofed data sender exit status" 0 "$?"
log "    attacker: $(cat "$E2E_TMP/atk-spoofdata.json")"
check_alive_answering "after the spoofed data frames"
log "c: $((SECONDS - t0))s"

# ---------------------------------------------------------------- d
heading "d: WEN/SLI flood on the attacker's own call (lac_peer attacker -> lns2)"
t0=$SECONDS
ip netns exec "$NS_ATK" "$PY" "$FLOOD" info --local $ATK_IP --peer $V4_A_LOCAL \
	--count 3000 --window 8 --max-seconds 6 >"$E2E_TMP/atk-info.json" 2>"$E2E_TMP/atk-info.err"
check_eq "d: WEN/SLI LAC exit status" 0 "$?"
[ -s "$E2E_TMP/atk-info.json" ] || tail -n 8 "$E2E_TMP/atk-info.err"
log "    attacker: $(cat "$E2E_TMP/atk-info.json")"
check_eq "d: the attacker's call and tunnel survived its own flood" "True True True" \
	"$(jget "$E2E_TMP/atk-info.json" 'd.get("tunnel_up_after"), d.get("call_up_after"), d.get("closed")' | tr -d '(),')"
INFO_SENT=$(jget "$E2E_TMP/atk-info.json" 'd["sent_total"]')
INFO_SECONDS=$(jget "$E2E_TMP/atk-info.json" 'd["seconds"]')
check_alive_answering "after the WEN/SLI flood"
log "d: $((SECONDS - t0))s"

# ---------------------------------------------------------------- after
heading "after the attack: live frames, state, answers per spoofed packet"
touch "$E2E_TMP/kick.stop"
wait_pid_exit "$KICKER_PID" 5
ATTACK_SECONDS=$((SECONDS - T_ATTACK))
sleep 1.5 # the last batch (36 x 25 ms)
# Spoofed frames that reached a stand-in carry "SPOOF <kind> <n>": they
# are counted by kind, and left out of the live call's accounting.
SPOOF_HEX=$(printf 'SPOOF ' | od -An -tx1 | tr -d ' \n')
live_done() {
	[ "$(standin_frames live tx | wc -l)" = "$(standin_frames lns1 rx "$LIVE_LNS_PID" | grep -vc "$SPOOF_HEX")" ] &&
		[ "$(standin_frames lns1 tx "$LIVE_LNS_PID" | wc -l)" = "$(standin_frames live rx | grep -vc "$SPOOF_HEX")" ]
}
wait_for 10 live_done
standin_frames live tx >"$E2E_TMP/lac.tx"
standin_frames lns1 rx "$LIVE_LNS_PID" >"$E2E_TMP/lns.rx"
standin_frames lns1 tx "$LIVE_LNS_PID" >"$E2E_TMP/lns.tx"
standin_frames live rx >"$E2E_TMP/lac.rx"
spoofed_delivered() {
	for n in live lns1 second; do standin_frames "$n" rx; done | grep "$SPOOF_HEX" |
		"$PY" -c 'import re, sys
from collections import Counter
c = Counter(re.search(rb"SPOOF (\w+)", bytes.fromhex(l.strip())).group(1).decode() for l in sys.stdin)
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))'
}
SPOOF_GOT=$(spoofed_delivered)
# lost = sent but never received; extra = received but never sent (multisets).
frame_diff() {
	grep -v "$SPOOF_HEX" "$2" >"$2.nospoof"
	"$PY" - "$1" "$2.nospoof" <<'EOF'
import sys
from collections import Counter
a = Counter(l.strip() for l in open(sys.argv[1]) if l.strip())
b = Counter(l.strip() for l in open(sys.argv[2]) if l.strip())
print(sum(a.values()), sum(b.values()), sum((a - b).values()), sum((b - a).values()))
EOF
}
read -r up_tx up_rx up_lost up_extra <<<"$(frame_diff "$E2E_TMP/lac.tx" "$E2E_TMP/lns.rx")"
read -r dn_tx dn_rx dn_lost dn_extra <<<"$(frame_diff "$E2E_TMP/lns.tx" "$E2E_TMP/lac.rx")"
log "    live call over ${ATTACK_SECONDS}s of attack: LAC -> LNS $up_tx sent, $up_rx received; LNS -> LAC $dn_tx sent, $dn_rx received"
[ "$up_tx" -ge $((ATTACK_SECONDS * 10)) ] && [ "$dn_tx" -ge $((ATTACK_SECONDS * 10)) ] ||
	fail "live call: too few frames sent during the attack ($up_tx, $dn_tx in ${ATTACK_SECONDS}s; kicks: $(cat "$E2E_TMP/kick.err" 2>/dev/null | wc -l) failed)"
check_eq "live frames lost LAC -> LNS" 0 "$up_lost"
check_eq "live frames lost LNS -> LAC" 0 "$dn_lost"
check_eq "frames the LNS got that the LAC never sent" 0 "$up_extra"
check_eq "frames the LAC got that the LNS never sent" 0 "$dn_extra"
bad_spoof=$(printf '%s\n' $SPOOF_GOT | grep -v '^lns_src_wrong_side=' | tr '\n' ' ' | sed 's/ $//')
check_eq "c: spoofed data frames delivered to a stand-in (wrong address or port, unknown session)" \
	none "${bad_spoof:-none}"
# The LNS's own address and port with the LNS leg's IDs, sent on the LAC
# side: the switch key (source address and port, local address, IDs) has
# no ingress interface, so XDP switches these (a figure, not a check).
SPOOF_WRONG_SIDE=$(printf '%s\n' $SPOOF_GOT | sed -n 's/^lns_src_wrong_side=//p')
log "    c: frames from the LNS's address and port with the LNS leg's IDs, sent on the LAC side: ${SPOOF_WRONG_SIDE:-0} of $(jget "$E2E_TMP/atk-spoofdata.json" 'd["by"].get("lns_src_wrong_side", 0)') reached the LAC (no ingress-interface check)"
check_eq "c: ltsd's slow path relayed no spoofed frame (slow_stats of the live call)" 0 \
	"$(stats_snapshot "$E2E_TMP/after.snap" && snap_sum "$E2E_TMP/after.snap" "^slow_stats\\.$L_IDX\\.")"

# State returned: no tunnel left to a spoofed address, the live ones established.
tunnels_settled() {
	ltsctl_json tunnels >"$E2E_TMP/tunnels.json" 2>/dev/null || return 1
	"$PY" - "$E2E_TMP/tunnels.json" <<'EOF'
import ipaddress, json, sys
t = json.load(open(sys.argv[1]))["tunnels"]
spoofed = [x for x in t if ipaddress.ip_address(x["peer"]) in ipaddress.ip_network("10.96.0.0/14")]
sys.exit(1 if spoofed or any(x["state"] != "ESTABLISHED" for x in t) else 0)
EOF
}
if wait_for 25 tunnels_settled; then
	ok "state returned: no tunnel to a spoofed address left, every tunnel established ($((SECONDS - T_ATTACK - ATTACK_SECONDS))s after the attack)"
else
	fail "tunnels after the attack: $(cut -c1-600 "$E2E_TMP/tunnels.json")"
fi
check_eq "live tunnels held after the attack (peer state sessions)" \
	"$LIVE_IP ESTABLISHED 1|$SECOND_IP ESTABLISHED 1|$LNS1_IP ESTABLISHED 2" \
	"$("$PY" - "$E2E_TMP/tunnels.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["tunnels"]
want = ("10.0.1.1", "10.0.1.3", "10.0.2.1")
print("|".join("%s %s %s" % (x["peer"], x["state"], x["sessions"])
               for x in sorted(t, key=lambda x: x["peer"]) if x["peer"] in want))
EOF
)"
read -r TUN_AFTER EST_AFTER CALLS_AFTER <<<"$(summary_get tunnels tunnels_established calls_switched)"
check_eq "calls switched after the attack (live, second)" 2 "$CALLS_AFTER"
RSS_AFTER=$(rss_kb VmRSS)
RSS_PEAK=$(rss_kb VmHWM)
touch "$E2E_TMP/sampler.stop"
wait_pid_exit "$SAMPLER_PID" 5
read -r RSS_MAX TUN_MAX <<<"$(awk '$2 ~ /^[0-9]+$/ { if ($1 > r) r = $1; if ($2 > t) t = $2 } END { print r + 0, t + 0 }' "$E2E_TMP/sampler.txt")"
SAMPLES=$(awk '$2 ~ /^[0-9]+$/' "$E2E_TMP/sampler.txt" | wc -l)
UNANSWERED=$(awk '$2 !~ /^[0-9]+$/' "$E2E_TMP/sampler.txt" | wc -l)
check_eq "ltsctl show summary unanswered (of $((SAMPLES + UNANSWERED)) samples every 0.5 s during the attack)" 0 "$UNANSWERED"
# Half-open (limits.max_half_open) + the live, second, attacker and LNS tunnels.
if [ "$TUN_MAX" -le $((TUN_BEFORE + HALF_OPEN_MAX + 4)) ]; then
	ok "tunnels held at most $TUN_MAX (max_half_open $HALF_OPEN_MAX + $TUN_BEFORE before + 4)"
else
	fail "tunnels held: $TUN_MAX > max_half_open $HALF_OPEN_MAX + $TUN_BEFORE + 4"
fi

# Answers per spoofed packet, per source (ledger: what each address sent).
cap_end answers
cap_end lnsctl
tshark -n -r "$E2E_TMP/answers.pcapng" -T fields -E occurrence=f -e ip.dst -e l2tp.tunnel \
	-e l2tp.avp.message_type >"$E2E_TMP/answers.txt" 2>/dev/null
grep -h 'dropped' "$E2E_TMP/answers.tshark.log" | sed 's/^/    answers capture: /'
"$PY" - "$E2E_TMP/ledger" "$E2E_TMP/answers.txt" "$SCCRQ_BURST" "$SCCRQ_RATE" >"$E2E_TMP/ratio.txt" <<'EOF'
import sys
from collections import Counter, defaultdict
ledger, answers, burst, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sent, kind_of, times = Counter(), {}, {}
for l in open(ledger):
    f = l.split()
    sent[f[0]] += int(f[1])
    kind_of[f[0]] = f[2].split(":")[0]
    if len(f) > 3:
        times[f[0]] = [float(t) for t in f[3].split(",")]
names = {"1": "SCCRQ", "2": "SCCRP", "4": "StopCCN", "6": "HELLO", "": "ZLB"}
got, distinct, types = Counter(), defaultdict(set), defaultdict(Counter)
for l in open(answers):
    f = l.rstrip("\n").split("\t") + ["", ""]
    got[f[0]] += 1
    distinct[f[0]].add(f[1])  # one per SCCRQ answered: its Assigned Tunnel ID
    types[kind_of.get(f[0], "unknown")][names.get(f[2], "type " + f[2])] += 1

def bucket_allows(ts):
    """SCCRQs a token bucket (burst, rate/s, full at start) lets through."""
    tokens, prev, n = float(burst), ts[0], 0
    for t in ts:
        tokens = min(burst, tokens + (t - prev) * rate)
        prev = t
        if tokens >= 1:
            tokens -= 1
            n += 1
    return n

over = [s for s in got if got[s] > sent.get(s, 0)]
for k in sorted(set(kind_of.values())):
    srcs = [s for s in sent if kind_of[s] == k]
    ps, pa = sum(sent[s] for s in srcs), sum(got[s] for s in srcs)
    print("figure %-9s spoofed packets %5d from %4d sources: ltsd sent %5d back, %.3f per packet (%s), max %d per source" % (
        k, ps, len(srcs), pa, pa / ps if ps else 0,
        ", ".join("%s %d" % kv for kv in sorted(types[k].items())) or "nothing",
        max([got[s] for s in srcs] or [0])))
heavy_over, limited = 0, 0
for s in sorted(times):
    allowed = bucket_allows(times[s])
    answered = len(distinct[s])
    limited += sent[s] - answered
    if answered > allowed + allowed // 10 + 3:
        heavy_over += 1
    print("heavy %s %d %d %d" % (s, sent[s], answered, allowed))
tot_s, tot_a = sum(sent.values()), sum(got[s] for s in got)
print("figure all       spoofed packets %5d: ltsd sent %5d packets to spoofed addresses, %.3f per spoofed packet" % (
    tot_s, tot_a, tot_a / tot_s if tot_s else 0))
print("unledgered %d" % sum(got[s] for s in got if s not in sent))
print("over %d" % len(over))
print("over_max %d" % max([got[s] - sent[s] for s in over] or [0]))
for s in over[:3]:
    print("over_example %s (%s) sent %d, got %d" % (s, kind_of.get(s, "?"), sent.get(s, 0), got[s]))
print("over_by_kind %s" % " ".join("%s=%d" % kv for kv in sorted(Counter(kind_of.get(s, "?") for s in over).items())))
print("heavy_over %d" % heavy_over)
print("heavy_limited %d" % limited)
EOF
grep '^figure' "$E2E_TMP/ratio.txt" | sed 's/^figure /    /'
awk '$1 == "heavy" { n++; if (n <= 4) printf "    rate-limited source %s: %d SCCRQs, %d answered, a %d/s burst %d bucket allows %d\n", $2, $3, $4, r, b, $5 }' \
	r=$SCCRQ_RATE b=$SCCRQ_BURST "$E2E_TMP/ratio.txt"
over=$(awk '$1 == "over" { print $2 }' "$E2E_TMP/ratio.txt")
if [ "$over" = 0 ]; then
	ok "no spoofed source got more packets from ltsd than it sent"
else
	fail "$over spoofed sources got more packets from ltsd than they sent (up to $(awk '$1 == "over_max" { print $2 }' "$E2E_TMP/ratio.txt") more; $(sed -n 's/^over_by_kind //p' "$E2E_TMP/ratio.txt")): the SCCRP to a spoofed SCCRQ is retransmitted while its half-open tunnel waits"
	sed -n 's/^over_example /      /p' "$E2E_TMP/ratio.txt"
fi
check_eq "ltsd packets to spoofed addresses that sent nothing" 0 \
	"$(awk '$1 == "unledgered" { print $2 }' "$E2E_TMP/ratio.txt")"
check_eq "rate-limited sources answered more often than their token bucket allows" 0 \
	"$(awk '$1 == "heavy_over" { print $2 }' "$E2E_TMP/ratio.txt")"
check_eq "rate-limited sources: SCCRQs not answered = ltsd's sccrq_rate_limited" \
	"$(awk '$1 == "heavy_limited" { print $2 }' "$E2E_TMP/ratio.txt")" "$(summary_get control.sccrq_rate_limited)"

# d: WEN/SLI relayed to lns2: on the wire (distinct Ns: retransmissions
# count once) and as lns2 took them in.
relayed=$(tshark -n -r "$E2E_TMP/lnsctl.pcapng" -Y "ip.src == $V4_B_LOCAL && ip.dst == $LNS2_IP && (l2tp.avp.message_type == 15 || l2tp.avp.message_type == 16)" \
	-T fields -e l2tp.Ns 2>/dev/null | sort -u | wc -l)
touch "$E2E_TMP/lns2.stop"
wait_pid_exit "$LNS2_PID" 5
lns2_info=$(grep '"ev": "done"' "$E2E_TMP/lns2.jsonl" | "$PY" -c 'import json, sys
d = json.loads(sys.stdin.readline()); print(d["wen"] + d["sli"])' 2>/dev/null)
check_eq "d: WEN/SLI lns2 took in = those on the wire" "$relayed" "$lns2_info"
INFO_BOUND=$("$PY" -c "import math; print(10 + math.ceil(5 * ($INFO_SECONDS + 0.5)))")
log "    WEN/SLI: the attacker sent $INFO_SENT in ${INFO_SECONDS}s, ltsd relayed $relayed to lns2"
if [ "$relayed" -ge 1 ] && [ "$relayed" -le "$INFO_BOUND" ]; then
	ok "d: WEN/SLI relayed within the per-call budget (1..$INFO_BOUND: burst 10 + 5/s)"
else
	fail "d: WEN/SLI relayed to lns2: $relayed, expected 1..$INFO_BOUND"
fi

# ---------------------------------------------------------------- figures
stats_snapshot "$E2E_TMP/end.snap"
heading "figures"
log "    attacker packets: sccrq $(jget "$E2E_TMP/atk-sccrq.json" 'd["sent"]'), malformed $(jget "$E2E_TMP/atk-malformed.json" 'd["sent"]'), spoofed data $(jget "$E2E_TMP/atk-spoofdata.json" 'd["sent"]'), wen/sli $INFO_SENT"
log "    malformed by kind: $(jget "$E2E_TMP/atk-malformed.json" '" ".join("%s=%d" % kv for kv in sorted(d["by"].items()))')"
log "    spoofed data by kind: $(jget "$E2E_TMP/atk-spoofdata.json" '" ".join("%s=%d" % kv for kv in sorted(d["by"].items()))')"
log "    crashes: $([ -n "$LTSD_PID" ] && kill -0 "$LTSD_PID" 2>/dev/null && echo 0 || echo 1)"
log "    live frames lost: LAC -> LNS $up_lost of $up_tx, LNS -> LAC $dn_lost of $dn_tx"
log "    ltsd RSS: before ${RSS_BEFORE} kB, peak ${RSS_PEAK} kB (VmHWM; sampled max ${RSS_MAX} kB), after ${RSS_AFTER} kB"
log "    tunnels held: before $TUN_BEFORE, max sampled during the attack $TUN_MAX, after $TUN_AFTER ($EST_AFTER established)"
log "    summary: $(summary_get control.rx_packets control.rx_malformed control.rx_no_tunnel control.rx_wrong_peer control.sccrq_rate_limited control.sccrq_refused control.tunnels_opened |
	awk '{ printf "rx_packets %s rx_malformed %s rx_no_tunnel %s rx_wrong_peer %s sccrq_rate_limited %s sccrq_refused %s tunnels_opened %s", $1, $2, $3, $4, $5, $6, $7 }')"
log "    XDP verdicts during the test: $(awk 'NR == FNR { b[$1] = $2; next } $1 ~ /^reason\./ && $2 - b[$1] > 0 { printf "%s %d ", substr($1, 8), $2 - b[$1] }' \
	"$E2E_TMP/before.snap" "$E2E_TMP/end.snap")"
log "    ltsd log: $(wc -l <"$LTSD_LOG") lines"

heading "ltsd exits cleanly"
check_ltsd_alive "after the attack"
ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
log "total: $((SECONDS - T_START))s"
e2e_done
