#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6 peers in signalling (issue 9): calls whose LAC or LNS speaks L2TP
# over IPv6, switched by ltsd within and across families, PPP frames both
# ways, on the XDP fast path (session_stats count every frame seen on the
# wire, slow_stats stay 0, ltsctl shows them as fast).
#
# xl2tpd 1.3.18 (Debian 12) is IPv4-only: it resolves peers with
# gethostbyname() and binds AF_INET sockets ("set_ip: host 'fd00:1::1' not
# found"). The IPv6 LAC is therefore tests/e2e/scapy_lac6.py (scapy_lac.py
# over an AF_INET6 socket), the IPv6 LNS tests/e2e/scapy_lns.py.
#
#      ns $NS_LAC                    ns $NS_LTS                     ns $NS_LNS
#  +------------------+    +------------------------------+    +------------------+
#  | fd00:1::1        |    |                              |    | 10.0.2.1 xl2tpd  |
#  |  scapy_lac6.py   |    |  ltsd, XDP native on lts-a   |    |  LNS "lns4x"     |
#  |  LAC (IPv6)      |veth|  and lts-b                   |veth| 10.0.2.3 scapy_  |
#  | 10.0.1.1 xl2tpd  |----| lts-a                  lts-b |----|  lns.py "lns4s"  |
#  |  LAC "v4-lac"    |    | 10.0.1.2         10.0.2.2    |    | fd00:2::1 scapy_ |
#  |  (IPv4)          |    | fd00:1::2        fd00:2::2   |    |  lns.py "lns6"   |
#  |  lac0            |    |                              |    |  lns0            |
#  +------------------+    +------------------------------+    +------------------+
#   tshark on lac0 (whole test)                      tshark on lns0 (whole test)
#
#  a  IPv6 LAC -> ltsd -> IPv4 LNS (scripted): Called Number 401
#  b  IPv6 LAC -> ltsd -> IPv6 LNS (scripted): Called Number 402
#  c  IPv6 LAC -> ltsd -> IPv4 LNS (xl2tpd): Called Number 403
#  d  IPv4 LAC (xl2tpd) -> ltsd -> IPv6 LNS (scripted): LAC Host Name v4-lac
# In each: tunnel and call up on both legs in their families, the LAC's
# frames reach the LNS byte-exact and the LNS's echoes come back byte-exact,
# valid UDP checksums on both wires (mandatory over IPv6), the per-session
# counters equal the frames and bytes on the LNS-side wire, and after the
# LAC's CDN the switch table is empty. In a and b every frame is switched
# by XDP. xl2tpd sends UDP over IPv4 without a checksum (0), which the XDP
# rewrite cannot turn into the full checksum IPv6 requires: its frames
# toward an IPv6 leg (c: LNS -> LAC, d: LAC -> LNS) are passed to ltsd's
# userspace relay with verdict pass_csum (bpf/lib, maps/lts_reasons.h), the
# other direction stays on the fast path; c and d check exactly that split.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xl2tpd_lib.sh"

LAC6=$E2E_DIR/scapy_lac6.py
LNS6=$E2E_DIR/scapy_lns.py
LTSCTL=$BUILD/ltsctl
LNS4X_IP=$V4_B_PEER # 10.0.2.1, xl2tpd
LNS4S_IP=10.0.2.3   # scripted
LNS6_IP=$V6_B_PEER  # fd00:2::1, scripted

e2e_init
xl2tpd_check
xl2tpd_trap_exit
[ -x "$LTSCTL" ] || die "$LTSCTL not built: run make"
T_START=$SECONDS

v6_cfg() {
	cfg_head native | sed "/^  bpffs:/a\\
  control_socket: $E2E_TMP/ltsd.sock"
	cat <<EOF
control: {hello_interval: 5, retransmit_initial: 500, retransmit_max: 8000, retries: 3}
lac_peers:
  - {name: v6-lacs, address: "fd00:1::/64"}
  - {name: v4-lacs, address: 10.0.1.0/24}
lns_peers:
  - {name: lns4x, address: $LNS4X_IP, local: $V4_B_LOCAL, hostname: lts-to-lns4x, linger: 0}
  - {name: lns4s, address: $LNS4S_IP, local: $V4_B_LOCAL, hostname: lts-to-lns4s, linger: 0}
  - {name: lns6, address: "$LNS6_IP", local: "$V6_B_LOCAL", hostname: lts-to-lns6, linger: 0}
rules:
  - {name: to-v4, match: {called_number: "401"}, pool: [{lns: lns4s}]}
  - {name: to-v6, match: {called_number: "402"}, pool: [{lns: lns6}]}
  - {name: to-xl2tpd, match: {called_number: "403"}, pool: [{lns: lns4x}]}
  - {name: v4-lac, match: {lac_hostname: v4-lac}, pool: [{lns: lns6}]}
EOF
}

# ---------------------------------------------------------------- helpers

# addr_filter FIELD ADDR: a tshark filter on ip.FIELD or ipv6.FIELD.
addr_filter() { case $2 in *:*) echo "ipv6.$1 == $2" ;; *) echo "ip.$1 == $2" ;; esac; }

# wire_dump TAG WIRE SINCE: the L2TP messages the running capture of WIRE
# (lac or lns) holds from time SINCE (s since the epoch) on, one line each
# into TAG-WIRE.txt, read once (tshark is slow to start): "SRC DST TYPE
# UDPLEN CSUMSTATUS CSUM", TYPE 0 data, 1 control; CSUMSTATUS 1 good, 3 not
# present. The outer addresses: IPv6 when there are IPv6 ones (the PPP
# frames carry IPv4).
wire_dump() {
	sleep 0.3 # the last frames reach the capture file
	tshark -n -r "$E2E_TMP/$2.pcapng" -o udp.check_checksum:TRUE \
		-Y "l2tp && frame.time_epoch >= $3" -T fields -E occurrence=f \
		-e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e l2tp.type -e udp.length \
		-e udp.checksum.status -e udp.checksum 2>/dev/null |
		awk -F'\t' '{ print ($2 != "" ? $2 : $1), ($4 != "" ? $4 : $3), $5, $6, $7, $8 }' \
			>"$E2E_TMP/$1-$2.txt"
}

# wire_data TAG WIRE SRC DST: "FRAMES BYTES BADCSUM" of the L2TP data
# messages from SRC to DST (bytes: UDP payload; badcsum: UDP checksum not good).
wire_data() {
	awk -v s="$3" -v d="$4" '$1 == s && $2 == d && $3 == 0 {
		n++; b += $4 - 8; if (!($5 == 1 || ($5 == 3 && $6 == "0x0000"))) bad++ }
		END { print n + 0, b + 0, bad + 0 }' "$E2E_TMP/$1-$2.txt"
}

# wire_ctrl_count TAG WIRE SRC DST: L2TP control messages from SRC to DST
# (the leg is signalled over SRC's and DST's family).
wire_ctrl_count() {
	awk -v s="$3" -v d="$4" '$1 == s && $2 == d && $3 == 1 { n++ } END { print n + 0 }' \
		"$E2E_TMP/$1-$2.txt"
}

declare -A CAP_PID=()
cap_start() {
	ip netns exec "$2" tshark -n -q -i "$3" -f "udp port 1701" -w "$E2E_TMP/$1.pcapng" \
		>"$E2E_TMP/$1.tshark.log" 2>&1 &
	CAP_PID[$1]=$!
	E2E_BG_PIDS+=($!)
	wait_for 15 grep -qs "Capturing on" "$E2E_TMP/$1.tshark.log" ||
		die "tshark on $2/$3 did not start: $(cat "$E2E_TMP/$1.tshark.log")"
	sleep 0.3
}
cap_stop() {
	kill -INT "${CAP_PID[$1]}" 2>/dev/null
	wait_pid_exit "${CAP_PID[$1]}" 5 || kill -KILL "${CAP_PID[$1]}" 2>/dev/null
	wait "${CAP_PID[$1]}" 2>/dev/null
	return 0
}

# lac6_start TAG STEP...: the IPv6 scripted LAC in $NS_LAC; events in lac6-TAG.jsonl.
declare -A LAC6_PID=()
lac6_start() {
	local tag=$1
	shift
	ip netns exec "$NS_LAC" "$PY" "$LAC6" --local "$V6_A_PEER" --peer "$V6_A_LOCAL" \
		--hostname v6-lac "$@" >"$E2E_TMP/lac6-$tag.jsonl" 2>"$E2E_TMP/lac6-$tag.err" &
	LAC6_PID[$tag]=$!
	E2E_BG_PIDS+=($!)
}
lac6_wait() { wait_for "${3:-10}" grep -qs -- "$2" "$E2E_TMP/lac6-$1.jsonl"; }
lac6_get() {
	grep -- "$2" "$E2E_TMP/lac6-$1.jsonl" | head -n 1 | "$PY" -c 'import json, sys
e = json.loads(sys.stdin.readline()); v = eval(sys.argv[1])
print("\n".join(v) if isinstance(v, list) else v)' "$3"
}
lac6_done() {
	wait_pid_exit "${LAC6_PID[$1]}" "${2:-15}" || kill -KILL "${LAC6_PID[$1]}" 2>/dev/null
	wait "${LAC6_PID[$1]}" 2>/dev/null
	local rc=$?
	[ -s "$E2E_TMP/lac6-$1.err" ] && sed "s/^/      lac6-$1 stderr: /" "$E2E_TMP/lac6-$1.err"
	check_eq "$1: scripted IPv6 LAC ran every step (exit status)" 0 "$rc"
}

# Scripted LNSes (scapy_lns.py) by name: lns4s, lns6.
declare -A SLNS_PID=()
slns_start() {
	local name=$1 ns=$2 addr=$3
	ip netns exec "$ns" "$PY" "$LNS6" --local "$addr" --hostname "$name" --echo --log-data \
		--max-seconds 120 --stop-file "$E2E_TMP/$name.stop" >"$E2E_TMP/$name.jsonl" 2>"$E2E_TMP/$name.err" &
	SLNS_PID[$name]=$!
	E2E_BG_PIDS+=($!)
	wait_for 5 grep -qs '"ev": "listening"' "$E2E_TMP/$name.jsonl" ||
		die "scapy_lns.py $name did not start: $(cat "$E2E_TMP/$name.err")"
}
slns_events() { grep -- "$2" "$E2E_TMP/$1.jsonl" 2>/dev/null; }
slns_count() { slns_events "$1" "$2" | wc -l; }
_slns_at_least() { [ "$(slns_count "$1" "$2")" -ge "$3" ]; }
# slns_rx NAME SID: hex of the frames the LNS got on its session SID.
slns_rx() {
	slns_events "$1" '"ev": "data_rx"' | "$PY" -c 'import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e["sid"] == int(sys.argv[1]): print(e["hex"])' "$2"
}
slns_done() {
	touch "$E2E_TMP/$1.stop"
	wait_pid_exit "${SLNS_PID[$1]}" 5
	grep '"ev": "done"' "$E2E_TMP/$1.jsonl" | "$PY" -c 'import json, sys
d = json.loads(sys.stdin.readline()); print(eval(sys.argv[1]))' "$2" 2>/dev/null
}

# switched_line LAC_PEER_SESS: parse ltsd's "switched" line of the call whose
# LAC leg has this peer session ID; sets C_RULE, C_LNS_PSESS (the LNS's
# session ID) and C_IDX (the counter slot).
switched_line() {
	local line re='call ([0-9]+/[0-9]+) -> ([^:]+): switched: tun ([0-9]+)/([0-9]+) sess ([0-9]+)/([0-9]+) <-> tun ([0-9]+)/([0-9]+) sess ([0-9]+)/([0-9]+) \(counters \[([0-9]+)\]\)'
	wait_for 5 grep -Eq -- "switched: tun [0-9]+/[0-9]+ sess [0-9]+/$1 <->" "$LTSD_LOG" || return 1
	line=$(grep -E -- "switched: tun [0-9]+/[0-9]+ sess [0-9]+/$1 <->" "$LTSD_LOG" | tail -n 1)
	[[ $line =~ $re ]] || return 1
	C_RULE=${BASH_REMATCH[2]} C_LNS_PSESS=${BASH_REMATCH[10]} C_IDX=${BASH_REMATCH[11]}
}

# check_paths TAG IDX LAC_PEER LNS_PEER "FAST" "SLOW" BEFORE_SNAP
#   FAST, SLOW: "LAC>LNS-PKTS LAC>LNS-BYTES LNS>LAC-PKTS LNS>LAC-BYTES"
# session_stats[IDX] (XDP: the switch entries of session IDX) = FAST, slow_stats[IDX] (userspace relay) = SLOW,
# and ltsctl shows the pair with these peers and the same counters; the
# XDP verdict pass_csum counted the slow path's frames since BEFORE_SNAP.
check_paths() {
	local tag=$1 i=$2 snap=$E2E_TMP/$1.snap slow_pkts
	read -r -a sl <<<"$6"
	# ltsd copies the slow path's counters into slow_stats periodically.
	slow_pkts=$((sl[0] + sl[2]))
	stats_snapshot_when "$snap" 5 "^slow_stats\\.$i\\..*packets" "$slow_pkts" || true
	check_eq "$tag: session_stats[$i] (XDP) LAC>LNS packets bytes, LNS>LAC packets bytes" \
		"$5" "$(snap_get "$snap" "session_stats.$i.0.packets") $(snap_get "$snap" "session_stats.$i.0.bytes") $(snap_get "$snap" "session_stats.$i.1.packets") $(snap_get "$snap" "session_stats.$i.1.bytes")"
	check_eq "$tag: slow_stats[$i] (userspace relay) LAC>LNS packets bytes, LNS>LAC packets bytes" \
		"$6" "$(snap_get "$snap" "slow_stats.$i.0.packets") $(snap_get "$snap" "slow_stats.$i.0.bytes") $(snap_get "$snap" "slow_stats.$i.1.packets") $(snap_get "$snap" "slow_stats.$i.1.bytes")"
	check_eq "$tag: XDP verdict pass_csum (IPv4 without UDP checksum to IPv6)" "$slow_pkts" \
		"$(snap_delta "$7" "$snap" reason.pass_csum)"
	if ! timeout 5 "$LTSCTL" -s "$E2E_TMP/ltsd.sock" --json show sessions >"$E2E_TMP/$tag.ltsctl.json" 2>&1; then
		fail "$tag: ltsctl --json show sessions: $(head -c 300 "$E2E_TMP/$tag.ltsctl.json")"
		return
	fi
	check_eq "$tag: ltsctl show sessions: peers, state, fast counters, slow counters" \
		"$3 $4 up fast $5 slow $6" "$("$PY" - "$E2E_TMP/$tag.ltsctl.json" "$i" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for s in doc["sessions"] if isinstance(doc, dict) else doc:
    if s.get("stats_idx") == int(sys.argv[2]):
        c = s["counters"]
        f, sl = c["fast"], c["slow"]
        print(s["lac"]["peer"], s["lns"]["peer"], s["state"],
              "fast", f["lac_to_lns"]["packets"], f["lac_to_lns"]["bytes"],
              f["lns_to_lac"]["packets"], f["lns_to_lac"]["bytes"],
              "slow", sl["lac_to_lns"]["packets"], sl["lac_to_lns"]["bytes"],
              sl["lns_to_lac"]["packets"], sl["lns_to_lac"]["bytes"])
        break
else:
    print("no session with stats_idx", sys.argv[2])
EOF
)"
}

# check_same WHAT A_FILE B_FILE: same non-empty lines, same order.
check_same() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		ok "$1 ($(wc -l <"$2") frames)"
	else
		fail "$1: $(wc -l <"$2") vs $(wc -l <"$3") frames, first difference:"
		diff "$2" "$3" | head -n 4 | cut -c1-160 | sed 's/^/      | /'
	fi
}

_swtab_is() { [ "$(swtab_count)" = "$1" ]; }
check_swtab_empty() {
	if wait_for 5 _swtab_is 0; then ok "$1: switch tables empty"; else fail "$1: switch tables hold $(swtab_count) entries"; fi
}

# ---------------------------------------------------------------- setup
heading "setup: namespaces, ltsd (native), LNSes lns4x (xl2tpd), lns4s and lns6 (scripted)"
topo_create
ip -n "$NS_LNS" addr add $LNS4S_IP/24 dev lns0 || die "addr $LNS4S_IP"
# The scripted peers send from kernel sockets: full UDP checksums, as a NIC
# would (the XDP rewrite keeps a partial one partial; see switch_lib.sh).
tx_csum_off "$NS_LAC" lac0 && tx_csum_off "$NS_LNS" lns0 || die "cannot turn off TX checksum offload"
bpffs_mount
v6_cfg >"$E2E_TMP/v6.yaml"
ltsd_start "$E2E_TMP/v6.yaml"
ok "ltsd ready"
xl2tpd_start lns4x "$NS_LNS" lns $LNS4X_IP $V4_B_LOCAL hostname=lns4x standin-echo=yes
slns_start lns4s "$NS_LNS" $LNS4S_IP
slns_start lns6 "$NS_LNS" $LNS6_IP
ok "LNSes listening on $LNS4X_IP (xl2tpd), $LNS4S_IP and [$LNS6_IP] (scripted)"
# One capture per wire for the whole test; each scenario reads its own time span.
cap_start lac "$NS_LAC" lac0
cap_start lns "$NS_LNS" lns0

# scenario_lac6 TAG CALLED LNS_NAME LNS_ADDR TUNNEL_ID RULE "FAST_DIRS": the
# IPv6 LAC's call, switched to the LNS its Called Number picks; 5 frames
# each way. FAST_DIRS: "0 1" (both on the fast path) or "0" (LNS -> LAC slow).
scenario_lac6() {
	local tag=$1 called=$2 lns_name=$3 lns=$4 tid=$5 rule=$6 fast_dirs=$7 lns_local t0=$SECONDS
	case $lns in *:*) lns_local=$V6_B_LOCAL ;; *) lns_local=$V4_B_LOCAL ;; esac
	local since n_before
	since=$(date +%s.%N)
	stats_snapshot "$E2E_TMP/$tag.before"
	if [ "$lns_name" = lns4x ]; then
		n_before=$(standin_pids lns4x | wc -l)
	else
		n_before=$(slns_count "$lns_name" '"ev": "call"')
	fi
	lac6_start "$tag" --tunnel-id "$tid" tunnel call c called="$called" \
		wait-file "$E2E_TMP/$tag.go" 30 data c 5 "$tag" wait-rx c 5 10 \
		wait-file "$E2E_TMP/$tag.end" 60 cdn c stopccn
	if ! lac6_wait "$tag" '"ev": "call"' 10; then
		fail "$tag: the IPv6 LAC's call did not come up: $(tail -n 3 "$E2E_TMP/lac6-$tag.jsonl" "$E2E_TMP/lac6-$tag.err")"
		touch "$E2E_TMP/$tag.go" "$E2E_TMP/$tag.end"
		lac6_done "$tag"
		return
	fi
	local lac_sid
	lac_sid=$(lac6_get "$tag" '"ev": "call"' 'e["sid"]')
	switched_line "$lac_sid" || fail "$tag: no 'switched' line for the LAC's call $lac_sid"
	check_eq "$tag: rule" "$rule" "$C_RULE"
	if [ "$lns_name" = lns4x ]; then
		standin_wait_started lns4x $((n_before + 1)) 5 || fail "$tag: no stand-in started at lns4x"
	else
		wait_for 5 _slns_at_least "$lns_name" '"ev": "call"' $((n_before + 1)) || fail "$tag: no call at $lns_name"
	fi
	NH_TIMEOUT=10 wait_next_hops 2
	touch "$E2E_TMP/$tag.go"
	lac6_wait "$tag" '"ev": "data_tx"' 10 || fail "$tag: the LAC sent no frames"
	wait_for 10 eval "[ \$(grep -c '\"ev\": \"data_rx\"' '$E2E_TMP/lac6-$tag.jsonl') -ge 5 ]" ||
		fail "$tag: $(grep -c '"ev": "data_rx"' "$E2E_TMP/lac6-$tag.jsonl") of 5 echoes back at the LAC"
	lac6_get "$tag" '"ev": "data_tx"' 'e["frames"]' >"$E2E_TMP/$tag.lac.tx"
	grep '"ev": "data_rx"' "$E2E_TMP/lac6-$tag.jsonl" | "$PY" -c 'import json, sys
for l in sys.stdin: print(json.loads(l)["hex"])' >"$E2E_TMP/$tag.lac.rx"
	if [ "$lns_name" = lns4x ]; then
		standin_frames lns4x rx "$(standin_pids lns4x | tail -n 1)" >"$E2E_TMP/$tag.lns.rx"
	else
		slns_rx "$lns_name" "$C_LNS_PSESS" >"$E2E_TMP/$tag.lns.rx"
	fi
	check_same "$tag: the LAC's frames at the LNS, byte-exact" "$E2E_TMP/$tag.lac.tx" "$E2E_TMP/$tag.lns.rx"
	check_same "$tag: the LNS's echoes at the LAC, byte-exact" "$E2E_TMP/$tag.lac.tx" "$E2E_TMP/$tag.lac.rx"
	wire_dump "$tag" lac "$since"
	wire_dump "$tag" lns "$since"
	local n0 b0 x0 n1 b1 x1 l0 l1 y0 y1 fast slow
	read -r n0 b0 x0 <<<"$(wire_data "$tag" lns "$lns_local" "$lns")"
	read -r n1 b1 x1 <<<"$(wire_data "$tag" lns "$lns" "$lns_local")"
	read -r l0 _ y0 <<<"$(wire_data "$tag" lac "$V6_A_PEER" "$V6_A_LOCAL")"
	read -r l1 _ y1 <<<"$(wire_data "$tag" lac "$V6_A_LOCAL" "$V6_A_PEER")"
	check_eq "$tag: data frames on the wires (LAC -> ltsd -> LNS, LNS -> ltsd -> LAC)" \
		"5 5 5 5" "$l0 $n0 $n1 $l1"
	check_eq "$tag: frames with a bad UDP checksum on the wires" "0 0 0 0" "$y0 $x0 $x1 $y1"
	check_eq "$tag: control messages ltsd sent the LAC (IPv6) and the LNS ($lns)" "yes yes" \
		"$([ "$(wire_ctrl_count "$tag" lac "$V6_A_LOCAL" "$V6_A_PEER")" -ge 3 ] && echo yes || echo no) $([ "$(wire_ctrl_count "$tag" lns "$lns_local" "$lns")" -ge 3 ] && echo yes || echo no)"
	if [ "$fast_dirs" = "0 1" ]; then
		fast="$n0 $b0 $n1 $b1" slow="0 0 0 0"
	else
		fast="$n0 $b0 0 0" slow="0 0 $n1 $b1"
	fi
	check_paths "$tag" "$C_IDX" "$V6_A_PEER" "$lns" "$fast" "$slow" "$E2E_TMP/$tag.before"
	touch "$E2E_TMP/$tag.end"
	lac6_done "$tag" 20
	check_swtab_empty "$tag: after the LAC's CDN and StopCCN"
	log "$tag: $((SECONDS - t0))s"
}

# ---------------------------------------------------------------- a
heading "a: IPv6 LAC (scripted) -> ltsd -> IPv4 LNS (scripted): all on the fast path"
scenario_lac6 a 401 lns4s "$LNS4S_IP" 601 to-v4 "0 1"

# ---------------------------------------------------------------- b
heading "b: IPv6 LAC (scripted) -> ltsd -> IPv6 LNS (scripted): all on the fast path"
scenario_lac6 b 402 lns6 "$LNS6_IP" 602 to-v6 "0 1"

# ---------------------------------------------------------------- c
heading "c: IPv6 LAC (scripted) -> ltsd -> IPv4 LNS (xl2tpd, UDP checksum 0)"
scenario_lac6 c 403 lns4x "$LNS4X_IP" 603 to-xl2tpd "0"

# ---------------------------------------------------------------- d
heading "d: IPv4 LAC (xl2tpd, UDP checksum 0) -> ltsd -> IPv6 LNS (scripted)"
t0=$SECONDS
since=$(date +%s.%N)
stats_snapshot "$E2E_TMP/d.before"
n6=$(slns_count lns6 '"ev": "call"')
xl2tpd_start v4lac "$NS_LAC" lac $V4_A_PEER $V4_A_LOCAL hostname=v4-lac \
	standin-send-lcp=2 standin-send-ip=5 standin-wait-usr1=yes standin-interval-ms=20
xl2tpd_wait_call v4lac 10 || die "d: xl2tpd's call did not come up"
wait_for 5 _slns_at_least lns6 '"ev": "call"' $((n6 + 1)) || fail "d: no call at lns6"
read -r v4_call _ <<<"$(xl2tpd_call_ids v4lac)"
switched_line "$v4_call" || fail "d: no 'switched' line for xl2tpd's call $v4_call"
check_eq "d: rule" v4-lac "$C_RULE"
NH_TIMEOUT=10 wait_next_hops 2
standin_wait_started v4lac 1 5 || die "d: the LAC's stand-in did not start"
standin_kick v4lac
standin_wait_rx v4lac 7 10 || fail "d: $(standin_count v4lac rx) of 7 echoes back at xl2tpd's stand-in"
standin_frames v4lac tx >"$E2E_TMP/d.lac.tx"
standin_frames v4lac rx >"$E2E_TMP/d.lac.rx"
slns_rx lns6 "$C_LNS_PSESS" >"$E2E_TMP/d.lns.rx"
check_eq "d: frames xl2tpd's stand-in sent" 7 "$(wc -l <"$E2E_TMP/d.lac.tx")"
check_same "d: the LAC's frames at the IPv6 LNS, byte-exact" "$E2E_TMP/d.lac.tx" "$E2E_TMP/d.lns.rx"
check_same "d: the IPv6 LNS's echoes at the LAC, byte-exact" "$E2E_TMP/d.lac.tx" "$E2E_TMP/d.lac.rx"
wire_dump d lns "$since"
read -r n0 b0 x0 <<<"$(wire_data d lns "$V6_B_LOCAL" "$LNS6_IP")"
read -r n1 b1 x1 <<<"$(wire_data d lns "$LNS6_IP" "$V6_B_LOCAL")"
check_eq "d: data frames on the IPv6 LNS-side wire (to, from the LNS)" "7 7" "$n0 $n1"
check_eq "d: frames with a bad UDP checksum there" "0 0" "$x0 $x1"
check_paths d "$C_IDX" "$V4_A_PEER" "$LNS6_IP" "0 0 $n1 $b1" "$n0 $b0 0 0" "$E2E_TMP/d.before"
xl2tpd_disconnect v4lac >/dev/null || fail "d: 'd v4lac' not answered 00"
check_swtab_empty "d: after xl2tpd's StopCCN"
xl2tpd_stop v4lac
log "d: $((SECONDS - t0))s"

# ---------------------------------------------------------------- end
heading "ltsd exits cleanly"
cap_stop lac
cap_stop lns
check_eq "lns4s saw calls, CDNs, StopCCNs" "1 1 1" "$(slns_done lns4s '"%d %d %d" % (d["calls"], d["cdn"], d["stopccn"])')"
check_eq "lns6 saw calls, CDNs, StopCCNs" "2 2 2" "$(slns_done lns6 '"%d %d %d" % (d["calls"], d["cdn"], d["stopccn"])')"
check_ltsd_alive "after every scenario"
ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
check_ltsd_gone_clean
log "total: $((SECONDS - T_START))s"
e2e_done
