#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ltsctl against a running ltsd. Part 1: the operator socket reports the
# static sessions with the counters of the frames actually switched, on the
# fast path and on the slow path, as tables and as JSON, and only root gets
# in. Part 2 (below, its own diagram): calls switched between xl2tpd peers,
# the views of peers, rules, one tunnel, one session and the statistics, and
# the operator's actions on them: clear session, drain, clear tunnel, clear
# peer, drain lac, log level; then watch and the bash completion.
#
#      ns lac                             ns lts                            ns lns
#  +-------------+      +----------------------------------------+      +-------------+
#  |    lac0     | veth | lts-a       ltsd + lts_xdp       lts-b | veth |    lns0     |
#  | 10.0.1.1/24 |------| 10.0.1.2/24                10.0.2.2/24 |------| 10.0.2.1/24 |
#  | fd00:1::1   |      | fd00:1::2                    fd00:2::2 |      | fd00:2::1   |
#  +-------------+      +----------------------------------------+      +-------------+
#   scapy sends                            |                             scapy sends
#                             $E2E_TMP/run/ltsd.sock (0600, dir 0700)
#                                          |
#                          ltsctl (host namespace: a UNIX socket is a path)
#
# Sessions (static_sessions index = counter index):
#   0 s1  IPv4 <-> IPv4  a: 10.0.1.1 tun 100/ses 1 (peer 200/2)   fast path
#                        b: 10.0.2.1 tun 300/ses 3 (peer 400/4)
#   1 mix IPv4 <-> IPv6  a: 10.0.1.1 tun 120/ses 12 (peer 220/22) IPv4 UDP checksum 0
#                        b: fd00:2::1 tun 320/ses 32 (peer 420/42) -> slow path
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xl2tpd_lib.sh"
. "$(dirname "$0")/switch_lib.sh"

K=${E2E_FRAMES:-20}
LTSCTL=$BUILD/ltsctl

e2e_init
[ -x "$LTSCTL" ] || die "$LTSCTL not built: run make"
command -v setpriv >/dev/null 2>&1 || skip "needs setpriv (util-linux)"
xl2tpd_check
xl2tpd_trap_exit
topo_create
bpffs_mount

RUN_DIR=$E2E_TMP/run
SOCK=$RUN_DIR/ltsd.sock
cfg_head native >"$E2E_TMP/ltsctl.yaml"
sed -i "s|^  hostname: lts-e2e|&\n  control_socket: $SOCK|" "$E2E_TMP/ltsctl.yaml"
cat >>"$E2E_TMP/ltsctl.yaml" <<EOF
static_sessions:
  - name: s1
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, peer_port: 1701, tunnel_id: 100, session_id: 1, peer_tunnel_id: 200, peer_session_id: 2 }
    b: { local: $V4_B_LOCAL, peer: $V4_B_PEER, peer_port: 1701, tunnel_id: 300, session_id: 3, peer_tunnel_id: 400, peer_session_id: 4 }
  - name: mix
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, peer_port: 1701, tunnel_id: 120, session_id: 12, peer_tunnel_id: 220, peer_session_id: 22 }
    b: { local: "$V6_B_LOCAL", peer: "$V6_B_PEER", peer_port: 1701, tunnel_id: 320, session_id: 32, peer_tunnel_id: 420, peer_session_id: 42 }
EOF

# jpath FILE PATH...: the values at the dotted PATHs of a JSON document on
# one line. Inside an array, an element is picked by its "rule" (or index);
# an array itself prints as its length.
jpath() {
	"$PY" - "$@" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
out = []
for path in sys.argv[2:]:
    v = doc
    for p in path.split("."):
        if isinstance(v, list):
            v = v[int(p)] if p.isdigit() else next(e for e in v if e.get("rule") == p)
        else:
            v = v[p]
    out.append(str(len(v)) if isinstance(v, list) else str(v))
print(" ".join(out))
EOF
}

###########################################################################
heading "ltsd with a control socket"
ltsd_start "$E2E_TMP/ltsctl.yaml"
check_match "ltsd logs its control socket" "control socket $SOCK" "$(cat "$LTSD_LOG")"
check_eq "socket type and mode" "socket 600" "$(stat -c '%F %a' "$SOCK" 2>&1)"
check_eq "directory created with mode 700" "700" "$(stat -c '%a' "$RUN_DIR" 2>&1)"
wait_next_hops 4

heading "traffic: s1 on the fast path, mix on the slow path"
flow s1-ab "$NS_LAC" lac0 "$NS_LNS" lns0 4 "$V4_A_PEER" "$V4_A_LOCAL" 1701 1701 100 1 \
	"$V4_B_LOCAL" "$V4_B_PEER" 1701 1701 400 4 49 "$K"
AB_FRAMES=$FLOW_FRAMES AB_BYTES=$FLOW_BYTES
flow s1-ba "$NS_LNS" lns0 "$NS_LAC" lac0 4 "$V4_B_PEER" "$V4_B_LOCAL" 1701 1701 300 3 \
	"$V4_A_LOCAL" "$V4_A_PEER" 1701 1701 200 2 49 $((K / 2))
BA_FRAMES=$FLOW_FRAMES BA_BYTES=$FLOW_BYTES
# IPv4 checksum 0 into IPv6 needs a full checksum: the fast path passes it up.
flow mix-ab "$NS_LAC" lac0 "$NS_LNS" lns0 6 "$V4_A_PEER" "$V4_A_LOCAL" 1701 1701 120 12 \
	"$V6_B_LOCAL" "$V6_B_PEER" 1701 1701 420 42 49 5 --udp-csum-zero
MIX_FRAMES=$FLOW_FRAMES MIX_BYTES=$FLOW_BYTES

heading "ltsctl show sessions (table)"
out=$("$LTSCTL" -s "$SOCK" show sessions 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/      | /'
check_eq "ltsctl show sessions exit status" 0 "$rc"
check_match "header" '^RULE +STATE +UPTIME +LAC-PEER +LAC-TUN +LAC-SES +LNS-PEER' "$out"
# RULE STATE UPTIME LAC-PEER LAC-TUN LAC-SES LNS-PEER LNS-TUN LNS-SES AB-P AB-B BA-P BA-B
row=$(printf '%s\n' "$out" | awk '$1 == "static:s1"')
check_eq "s1 row: legs" "static $V4_A_PEER 100/200 1/2 $V4_B_PEER 300/400 3/4" \
	"$(printf '%s' "$row" | awk '{ print $2, $4, $5, $6, $7, $8, $9 }')"
check_eq "s1 row: counters" "$AB_FRAMES $AB_BYTES $BA_FRAMES $BA_BYTES" \
	"$(printf '%s' "$row" | awk '{ print $10, $11, $12, $13 }')"
row=$(printf '%s\n' "$out" | awk '$1 == "static:mix"')
check_eq "mix row: legs and counters" "$V6_B_PEER 320/420 32/42 $MIX_FRAMES $MIX_BYTES 0 0" \
	"$(printf '%s' "$row" | awk '{ print $7, $8, $9, $10, $11, $12, $13 }')"

heading "ltsctl --json show sessions"
J=$E2E_TMP/sessions.json
"$LTSCTL" -s "$SOCK" --json show sessions >"$J" 2>&1
check_eq "ltsctl --json show sessions exit status" 0 "$?"
check_eq "valid JSON with 2 sessions" 2 "$(jpath "$J" sessions)"
S1=sessions.static:s1 MIX=sessions.static:mix
check_eq "s1 state, stats_idx" "static 0" "$(jpath "$J" $S1.state $S1.stats_idx)"
check_eq "s1 legs" "100 1 200 2 300 3 400 4" "$(jpath "$J" \
	$S1.lac.tunnel_id $S1.lac.session_id $S1.lac.peer_tunnel_id $S1.lac.peer_session_id \
	$S1.lns.tunnel_id $S1.lns.session_id $S1.lns.peer_tunnel_id $S1.lns.peer_session_id)"
check_eq "s1 leg peers" "$V4_A_PEER 1701 $V4_B_PEER 1701" "$(jpath "$J" \
	$S1.lac.peer $S1.lac.peer_port $S1.lns.peer $S1.lns.peer_port)"
check_eq "s1 lac_to_lns packets bytes" "$AB_FRAMES $AB_BYTES" "$(jpath "$J" \
	$S1.counters.lac_to_lns.packets $S1.counters.lac_to_lns.bytes)"
check_eq "s1 lns_to_lac packets bytes" "$BA_FRAMES $BA_BYTES" "$(jpath "$J" \
	$S1.counters.lns_to_lac.packets $S1.counters.lns_to_lac.bytes)"
check_eq "s1 all on the fast path" "$AB_FRAMES $BA_FRAMES 0 0" "$(jpath "$J" \
	$S1.counters.fast.lac_to_lns.packets $S1.counters.fast.lns_to_lac.packets \
	$S1.counters.slow.lac_to_lns.packets $S1.counters.slow.lns_to_lac.packets)"
check_eq "mix all on the slow path" "$MIX_FRAMES $MIX_BYTES 0 $MIX_FRAMES $MIX_BYTES" \
	"$(jpath "$J" $MIX.counters.lac_to_lns.packets $MIX.counters.lac_to_lns.bytes \
		$MIX.counters.fast.lac_to_lns.packets $MIX.counters.slow.lac_to_lns.packets \
		$MIX.counters.slow.lac_to_lns.bytes)"
check_eq "mix lns leg, stats_idx" "fd00:2::1 $V6_B_LOCAL 1" "$(jpath "$J" \
	$MIX.lns.peer $MIX.lns.local $MIX.stats_idx)"

heading "ltsctl show tunnels, show summary"
out=$("$LTSCTL" -s "$SOCK" show tunnels 2>&1)
check_eq "show tunnels exit status" 0 "$?"
check_match "no tunnels (static sessions only)" '^\(no tunnels\)$' "$out"
"$LTSCTL" -s "$SOCK" --json show tunnels >"$E2E_TMP/tunnels.json" 2>&1
check_eq "--json show tunnels: empty list" 0 "$(jpath "$E2E_TMP/tunnels.json" tunnels)"
out=$(LTS_CONTROL_SOCKET=$SOCK "$LTSCTL" show summary 2>&1)
check_eq "show summary (socket from LTS_CONTROL_SOCKET) exit status" 0 "$?"
check_match "summary: static sessions" '^static_sessions +2$' "$out"
check_match "summary: hostname and mode" '^hostname +lts-e2e$' "$out"
"$LTSCTL" -s "$SOCK" -j show summary >"$E2E_TMP/summary.json" 2>&1
check_eq "--json summary" "native 2" "$(jpath "$E2E_TMP/summary.json" summary.mode summary.static_sessions)"

heading "errors and exit status"
"$LTSCTL" -s "$SOCK" show nothing >/dev/null 2>&1
check_eq "unknown view: exit 2" 2 "$?"
"$LTSCTL" -s "$SOCK" >/dev/null 2>&1
check_eq "no command: exit 2" 2 "$?"
out=$("$LTSCTL" -s "$E2E_TMP/none.sock" show sessions 2>&1)
check_eq "no such socket: exit 1" 1 "$?"
check_match "no such socket: message" "cannot connect to $E2E_TMP/none.sock: No such file or directory \(is ltsd running\? are you root\?\)" "$out"

heading "only root"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
out=$("${NOBODY[@]}" "$LTSCTL" -s "$SOCK" show sessions 2>&1)
check_eq "uid 65534: exit 1" 1 "$?"
check_match "uid 65534: cannot even connect" 'cannot connect to .*Permission denied \(is ltsd running\? are you root\?\)' "$out"
# Open the file permissions wide: SO_PEERCRED must still keep non-root out.
chmod 711 "$E2E_TMP" "$RUN_DIR" && chmod 666 "$SOCK"
out=$("${NOBODY[@]}" "$LTSCTL" -s "$SOCK" show sessions 2>&1)
check_eq "uid 65534 through a 0666 socket: exit 1" 1 "$?"
check_match "uid 65534 through a 0666 socket: refused by ltsd" 'ltsd: permission denied: only root may use the control socket' "$out"
check_match "ltsd logs the refusal" 'control socket: refused pid [0-9]+ uid 65534' "$(cat "$LTSD_LOG")"
chmod 700 "$E2E_TMP" "$RUN_DIR" && chmod 600 "$SOCK"
check_eq "root still answered after the refusal" 0 "$("$LTSCTL" -s "$SOCK" show summary >/dev/null 2>&1; echo $?)"
check_ltsd_alive "after the ltsctl requests"

heading "shutdown"
ltsd_stop
check_eq "ltsd exit status after SIGTERM" 0 "$LTSD_RC"
check_eq "socket removed on exit" "" "$(ls -A "$RUN_DIR" 2>&1)"
check_ltsd_gone_clean

###########################################################################
# Part 2: switched calls and the operator's actions.
#
#        ns lac                         ns lts                           ns lns
#  +--------------------+    +------------------------------+    +--------------------+
#  | 10.0.1.1 xl2tpd    |    |  ltsd (XDP on lts-a, lts-b)  |    | 10.0.2.1 xl2tpd    |
#  |   LAC lac1         |veth|   lac_peers: lacs 10.0.1/24  |veth|   LNS lns1         |
#  | 10.0.1.3 xl2tpd    |----|   rule "pool": lns1 (pref    |----| 10.0.2.3 xl2tpd    |
#  |   LAC lac2         |    |   10), lns2 (pref 20)        |    |   LNS lns2         |
#  +--------------------+    +------------------------------+    +--------------------+
#    tshark on lac0             ltsctl -s $RUN_DIR/ltsd.sock         tshark on lns0
#
# IDs given to ltsctl are ltsd's own, read from its "switched:" log line.
#   1  lac1's call A goes to lns1; show peers|rules|tunnel|session|stats
#   2  clear session A: CDN result 3 "cleared by operator" to lac1 and to
#      lns1 (captured on both wires, and in xl2tpd's logs); the pair leaves
#      the switch table; the tunnels stay
#   3  lac1 dials again (A2, lns1); drain lns lns1; lac2's call B goes to
#      lns2; A2 untouched (frames still echoed through lns1); watch
#   4  clear tunnel (lac2's): StopCCN 1 to lac2, CDN 3 to lns2; A2 stays
#   5  clear peer lns lns1: StopCCN 1 to lns1, CDN 3 to lac1
#   6  drain lac lacs: lac1's next call gets CDN 2/7, lac2's new tunnel
#      StopCCN 2/7; undrain; log level; show stats counts it all
SOCK2=$RUN_DIR/ltsd.sock
LAC1_IP=$V4_A_PEER LAC2_IP=10.0.1.3 LNS1_IP=$V4_B_PEER LNS2_IP=10.0.2.3

ctl() { "$LTSCTL" -s "$SOCK2" "$@"; }

# ctl_json FILE CMD...: ltsctl --json CMD into FILE; fails the check on an error.
ctl_json() {
	local f=$1
	shift
	if ! ctl --json "$@" >"$f" 2>&1; then
		fail "ltsctl --json $*: $(head -c 300 "$f")"
		return 1
	fi
}

# jget FILE EXPR: a Python expression over the document d.
jget() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1" "$2" 2>&1
}

# results PCAP NAME DST: "result error message" of each NAME (CDN, StopCCN) sent to DST.
results() {
	pcap_ctrl "$1" "ip.dst == $3" | "$PY" -c 'import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("name") != sys.argv[1]:
        continue
    for a in m["avps"]:
        if a[0] == 0 and a[1] == 1:
            v = bytes.fromhex(a[4])
            err = int.from_bytes(v[2:4], "big") if len(v) >= 4 else "-"
            print(int.from_bytes(v[:2], "big"), err, v[4:].decode(errors="replace"))' "$2"
}

# call_of LAC: ltsd's IDs of the LAC's latest call (sw_call_by_lac's SW_*).
call_of() {
	local lac_call
	read -r lac_call _ <<<"$(xl2tpd_call_ids "$1" "${2:-1}")"
	sw_wait_log "switched: .* sess [0-9]+/$lac_call <->" 5 && sw_call_by_lac "$lac_call"
}

heading "2.1 switched calls: ltsd, LNSes lns1 and lns2, lac1's call A"
ip -n "$NS_LAC" addr add $LAC2_IP/24 dev lac0 || die "addr $LAC2_IP"
ip -n "$NS_LNS" addr add $LNS2_IP/24 dev lns0 || die "addr $LNS2_IP"
tx_csum_off "$NS_LAC" lac0 && tx_csum_off "$NS_LNS" lns0 || die "tx checksum offload"
{
	cfg_head native | sed "s|^  hostname: lts-e2e|&\n  control_socket: $SOCK2\n  lockout: 60|"
	cat <<EOF
control: {hello_interval: 5, retransmit_initial: 200, retransmit_max: 8000, retries: 2}
lac_peers:
  - {name: lacs, address: 10.0.1.0/24}
lns_peers:
  - {name: lns1, address: $LNS1_IP, local: $V4_B_LOCAL, hostname: lts-to-lns1}
  - {name: lns2, address: $LNS2_IP, local: $V4_B_LOCAL, hostname: lts-to-lns2}
rules:
  - {name: pool, pool: [{lns: lns1, preference: 10}, {lns: lns2, preference: 20}]}
EOF
} >"$E2E_TMP/switch.yaml"
ltsd_start "$E2E_TMP/switch.yaml" ltsd2
xl2tpd_start lns1 "$NS_LNS" lns $LNS1_IP $V4_B_LOCAL hostname=lns-one standin-echo=yes
xl2tpd_start lns2 "$NS_LNS" lns $LNS2_IP $V4_B_LOCAL hostname=lns-two standin-echo=yes
xl2tpd_start lac1 "$NS_LAC" lac $LAC1_IP $V4_A_LOCAL hostname=bras-1 \
	standin-send-ip=3 standin-wait-usr1=yes standin-interval-ms=20
xl2tpd_wait_call lac1 && xl2tpd_wait_call lns1 || die "2.1: lac1's call did not reach lns1"
call_of lac1 || die "2.1: no 'switched' line for lac1's call"
A_TUN=$SW_LAC_TUN A_SESS=$SW_LAC_SESS A_LNS_TUN=$SW_LNS_TUN A_LNS_SESS=$SW_LNS_SESS
ok "2.1: call A switched: tun $A_TUN sess $A_SESS <-> tun $A_LNS_TUN sess $A_LNS_SESS"

out=$(ctl show peers 2>&1)
check_eq "2.1: show peers exit status" 0 "$?"
printf '%s\n' "$out" | sed 's/^/      | /'
check_match "2.1: show peers: header" '^KIND +NAME +ADDRESS +STATE +DRAINED +TUNNELS +SESS +LOCKOUT +LAST-ERROR' "$out"
check_match "2.1: show peers: lacs up, 1 tunnel, 1 session" '^lac +lacs +10\.0\.1\.0/24 +up +no +1/1 +1 ' "$out"
check_match "2.1: show peers: lns1 up" "^lns +lns1 +$LNS1_IP:1701 +up +no +1/1 +1 +0s" "$out"
check_match "2.1: show peers: lns2 idle (on demand, never dialled)" '^lns +lns2 .* idle +no +0/0 +0 ' "$out"
ctl_json "$E2E_TMP/peers.json" show peers &&
	check_eq "2.1: --json show peers: lns1 state, sessions, drained" "up 1 False" \
		"$(jget "$E2E_TMP/peers.json" '" ".join(str(p[k]) for p in d["peers"] if p["name"] == "lns1" for k in ("state", "sessions", "drained"))')"
out=$(ctl show rules 2>&1)
check_eq "2.1: show rules exit status" 0 "$?"
printf '%s\n' "$out" | sed 's/^/      | /'
check_match "2.1: show rules: pool, its members, 1 call, 1 hit, 1 switched" \
	'^pool +icrq +\* +lns1:10,lns2:20 +1 +1 +1 +0 +0$' "$out"
out=$(ctl show session "$A_TUN/$A_SESS" 2>&1)
check_eq "2.1: show session T/S exit status" 0 "$?"
printf '%s\n' "$out" | sed 's/^/      | /'
check_match "2.1: show session: both legs" "^lac +$LAC1_IP:1701 .* $A_TUN/[0-9]+ +$A_SESS/[0-9]+ +ESTABLISHED +lacs" "$out"
check_match "2.1: show session: the LNS leg" "^lns +$LNS1_IP:1701 .* $A_LNS_TUN/[0-9]+ +$A_LNS_SESS/[0-9]+ +ESTABLISHED +lns1" "$out"
check_match "2.1: show session: fast/slow counters" '^fast +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$' "$out"
# By the LNS leg's TUNNEL/SESSION: the ID alone often is the LAC leg's too
# (two tunnels opened in the same millisecond number their sessions alike),
# and then names the call by its LAC leg.
ctl_json "$E2E_TMP/session.json" show session "$A_LNS_TUN/$A_LNS_SESS" &&
	check_eq "2.1: --json show session (by the LNS leg's IDs): rule, state, legs" \
		"pool up $A_SESS $A_LNS_SESS lns" \
		"$(jget "$E2E_TMP/session.json" '" ".join(str(x) for x in (d["session"]["rule"], d["session"]["state"], d["session"]["lac"]["session_id"], d["session"]["lns"]["session_id"], d["session"]["named_leg"]))')"
ctl_json "$E2E_TMP/tunnel.json" show tunnel "$A_TUN" &&
	check_eq "2.1: --json show tunnel: lac_peer, its session, transport counters" \
		"lacs $A_SESS True" \
		"$(jget "$E2E_TMP/tunnel.json" '" ".join(str(x) for x in (d["tunnel"]["lac_peer"], d["tunnel"]["session_list"][0]["id"], "pending" in d["tunnel"]["control"]))')"
out=$(ctl show tunnel "$A_TUN" 2>&1)
check_eq "2.1: show tunnel exit status" 0 "$?"
check_match "2.1: show tunnel: its session and the other leg" \
	"^ *$A_SESS +[0-9]+ +ESTABLISHED .* up +pool +$A_LNS_TUN/$A_LNS_SESS$" "$out"
out=$(ctl show stats 2>&1)
check_eq "2.1: show stats exit status" 0 "$?"
check_match "2.1: show stats: ICRQ received" '^ICRQ +1 +1$' "$out"
check_match "2.1: show stats: setups per second" '^switch\.setups_per_s \(10 s / 60 s\) +[0-9.]+ / [0-9.]+$' "$out"
"$LTSCTL" -s "$SOCK2" show tunnel 0 >/dev/null 2>&1
check_eq "2.1: show tunnel 0: usage, exit 2" 2 "$?"
out=$(ctl show tunnel 65535 2>&1)
check_eq "2.1: show tunnel of no tunnel: exit 1" 1 "$?"
check_match "2.1: ... with ltsd's reason" '^ltsctl: ltsd: no tunnel 65535' "$out"

heading "2.2 clear session: CDN 3 to the LAC and to the LNS, the pair out of the switch table"
check_swtab "2.2: before" 2
sw_cap_start cs-lac "$NS_LAC" lac0 "udp port 1701"
sw_cap_start cs-lns "$NS_LNS" lns0 "udp port 1701"
out=$(ctl clear session "$A_SESS" 2>&1)
check_eq "2.2: ltsctl clear session (by ID alone) exit status" 0 "$?"
check_eq "2.2: ltsctl says what it did" \
	"cleared session $A_TUN/$A_SESS: both legs of its call got CDN 3 \"cleared by operator\"" "$out"
xl2tpd_wait_call_closed lac1 5 && ok "2.2: lac1 (xl2tpd) saw its call closed" ||
	fail "2.2: lac1 did not see its call closed"
xl2tpd_wait_call_closed lns1 5 && ok "2.2: lns1 (xl2tpd) saw its call closed" ||
	fail "2.2: lns1 did not see its call closed"
check_swtab "2.2: after" 0
sw_cap_stop cs-lac
sw_cap_stop cs-lns
check_eq "2.2: CDN to lac1 on the wire: result, error, message" "3 0 cleared by operator" \
	"$(results "$E2E_TMP/cs-lac.pcapng" CDN $LAC1_IP)"
check_eq "2.2: CDN to lns1 on the wire: result, error, message" "3 0 cleared by operator" \
	"$(results "$E2E_TMP/cs-lns.pcapng" CDN $LNS1_IP)"
check_eq "2.2: no StopCCN on either wire" "" \
	"$(results "$E2E_TMP/cs-lac.pcapng" StopCCN $LAC1_IP; results "$E2E_TMP/cs-lns.pcapng" StopCCN $LNS1_IP)"
check_match "2.2: xl2tpd lns1 logs the operator's message" 'Connection closed to .*cleared by operator' \
	"$(cat "$(xl2tpd_dir lns1)/xl2tpd.log")"
sw_check_log "2.2: ltsd logs the request with the client's pid" "control socket: pid [0-9]+: clear session $A_SESS"
sw_check_log "2.2: ltsd: the call cleared by the operator" "call $A_TUN/$A_SESS -> pool: cleared by the operator"
sw_check_log "2.2: ltsd: CDN 3 on the LAC leg" "sess $A_SESS/[0-9]+ \[[A-Z_]+\] tx CDN result 3 error 0 cleared by operator"
ctl_json "$E2E_TMP/tunnels.json" show tunnels &&
	check_eq "2.2: both tunnels stay established" "ESTABLISHED ESTABLISHED" \
		"$(jget "$E2E_TMP/tunnels.json" '" ".join(t["state"] for t in d["tunnels"])')"

heading "2.3 drain lns lns1: lac2's call goes to lns2, lac1's call on lns1 stays"
xl2tpd_dial lac1 >/dev/null || fail "2.3: lac1 'c lac1' not answered 00"
xl2tpd_wait_call lac1 10 2 && xl2tpd_wait_call lns1 10 2 || die "2.3: lac1's second call did not reach lns1"
call_of lac1 2 || die "2.3: no 'switched' line for lac1's second call"
A2_TUN=$SW_LAC_TUN A2_SESS=$SW_LAC_SESS
out=$(ctl drain lns lns1 2>&1)
check_eq "2.3: ltsctl drain lns lns1 exit status" 0 "$?"
check_eq "2.3: ltsctl says what stays" \
	"lns_peer lns1 drained (no new calls placed on it); 1 tunnels and 1 sessions stay" "$out"
check_match "2.3: show peers: lns1 drained" '^lns +lns1 .* up +yes ' "$(ctl show peers 2>&1)"
check_match "2.3: show rules: lns1 marked drained" '^pool +icrq +\* +lns1:10\[drained\],lns2:20 ' \
	"$(ctl show rules 2>&1)"
xl2tpd_start lac2 "$NS_LAC" lac $LAC2_IP $V4_A_LOCAL hostname=lac-two
xl2tpd_wait_call lac2 && xl2tpd_wait_call lns2 || die "2.3: lac2's call did not reach lns2"
call_of lac2 || die "2.3: no 'switched' line for lac2's call"
B_TUN=$SW_LAC_TUN B_SESS=$SW_LAC_SESS
check_match "2.3: ltsd placed lac2's call on lns2 directly" \
	"call $B_TUN/$B_SESS -> pool: placing the call on lns_peer lns2 " "$(sw_call_lines "$B_TUN/$B_SESS")"
check_eq "2.3: ltsd never offered it to lns1" "" \
	"$(sw_call_lines "$B_TUN/$B_SESS" | grep -o 'lns_peer lns1')"
check_eq "2.3: calls lns1 ever took (A and A2)" 2 "$(xl2tpd_log_count lns1 'Call established')"
check_swtab "2.3: A2 and B switched" 4
ctl_json "$E2E_TMP/a2.json" show session "$A2_TUN/$A2_SESS" &&
	check_eq "2.3: A2 still up on lns1" "up lns1" \
		"$(jget "$E2E_TMP/a2.json" '" ".join((d["session"]["state"], d["session"]["lns"]["peer_name"]))')"
# A2 untouched: PPP frames still go through lns1 (its stand-in echoes them).
standin_wait_started lac1 2 && standin_wait_started lns1 2 || fail "2.3: A2's stand-ins did not start"
rx0=$(standin_count lac1 rx)
standin_kick lac1 || fail "2.3: no stand-in of lac1 to kick"
if standin_wait_rx lac1 $((rx0 + 3)) 10; then
	ok "2.3: A2 still switches: 3 frames through lns1 and back"
else
	fail "2.3: A2's frames: $(($(standin_count lac1 rx) - rx0)) of 3 echoes came back"
fi
out=$(timeout 20 "$LTSCTL" -s "$SOCK2" watch -n 2 -i 0.3 2>&1)
check_eq "2.3: ltsctl watch -n 2 exit status" 0 "$?"
check_match "2.3: watch: its header" '^ltsctl watch: 2 switched sessions, top 20' "$out"
check_match "2.3: watch: the calls, with rates" "^pool +$A2_TUN/$A2_SESS +[0-9]+/[0-9]+ .*fast" "$out"
out=$(ctl undrain lns lns1 2>&1)
check_eq "2.3: ltsctl undrain lns lns1" "lns_peer lns1 not drained; 1 tunnels and 1 sessions stay" "$out"

heading "2.4 clear tunnel (lac2's): StopCCN 1 to lac2, CDN 3 to lns2; A2 untouched"
sw_cap_start ct-lac "$NS_LAC" lac0 "udp port 1701"
sw_cap_start ct-lns "$NS_LNS" lns0 "udp port 1701"
out=$(ctl clear tunnel "$B_TUN" 2>&1)
check_eq "2.4: ltsctl clear tunnel exit status" 0 "$?"
check_eq "2.4: ltsctl says what it did" \
	"cleared 1 tunnel ($B_TUN): StopCCN 1 \"cleared by operator\"; 1 call cleared on the other leg: CDN 3" "$out"
xl2tpd_wait_tunnel_closed lac2 5 && ok "2.4: lac2 (xl2tpd) saw its tunnel closed" ||
	fail "2.4: lac2 did not see its tunnel closed"
xl2tpd_wait_call_closed lns2 5 && ok "2.4: lns2 (xl2tpd) saw its call closed" ||
	fail "2.4: lns2 did not see its call closed"
check_swtab "2.4: A2 left" 2
sw_cap_stop ct-lac
sw_cap_stop ct-lns
check_eq "2.4: StopCCN to lac2 on the wire" "1 0 cleared by operator" \
	"$(results "$E2E_TMP/ct-lac.pcapng" StopCCN $LAC2_IP)"
check_eq "2.4: no CDN to lac2 (the StopCCN clears its call)" "" \
	"$(results "$E2E_TMP/ct-lac.pcapng" CDN $LAC2_IP)"
check_eq "2.4: CDN to lns2 on the wire" "3 0 cleared by operator" \
	"$(results "$E2E_TMP/ct-lns.pcapng" CDN $LNS2_IP)"
check_eq "2.4: no StopCCN to lns2 (its tunnel stays)" "" \
	"$(results "$E2E_TMP/ct-lns.pcapng" StopCCN $LNS2_IP)"
check_eq "2.4: nothing to lac1 or lns1" "" \
	"$(results "$E2E_TMP/ct-lac.pcapng" CDN $LAC1_IP; results "$E2E_TMP/ct-lns.pcapng" CDN $LNS1_IP)"
ctl_json "$E2E_TMP/peers2.json" show peers &&
	check_eq "2.4: lns2 still up with its tunnel, no session" "up 1 0" \
		"$(jget "$E2E_TMP/peers2.json" '" ".join(str(p[k]) for p in d["peers"] if p["name"] == "lns2" for k in ("state", "tunnels_established", "sessions"))')"
out=$(ctl clear tunnel "$B_TUN" 2>&1)
check_eq "2.4: clearing it again: exit 1" 1 "$?"
check_match "2.4: ... closing already (or gone)" "^ltsctl: ltsd: (tunnel $B_TUN is closing already|no tunnel $B_TUN)" "$out"

heading "2.5 clear peer lns lns1: StopCCN 1 to lns1, CDN 3 to lac1"
sw_cap_start cp-lac "$NS_LAC" lac0 "udp port 1701"
sw_cap_start cp-lns "$NS_LNS" lns0 "udp port 1701"
out=$(ctl clear peer lns lns1 2>&1)
check_eq "2.5: ltsctl clear peer lns lns1 exit status" 0 "$?"
check_match "2.5: ltsctl says what it did" \
	'^cleared 1 tunnel \([0-9]+\): StopCCN 1 "cleared by operator"; 1 call cleared on the other leg: CDN 3$' "$out"
xl2tpd_wait_tunnel_closed lns1 5 && ok "2.5: lns1 (xl2tpd) saw its tunnel closed" ||
	fail "2.5: lns1 did not see its tunnel closed"
xl2tpd_wait_call_closed lac1 5 2 && ok "2.5: lac1 (xl2tpd) saw A2 closed" ||
	fail "2.5: lac1 did not see A2 closed"
check_swtab "2.5: nothing left" 0
sw_cap_stop cp-lac
sw_cap_stop cp-lns
check_eq "2.5: StopCCN to lns1 on the wire" "1 0 cleared by operator" \
	"$(results "$E2E_TMP/cp-lns.pcapng" StopCCN $LNS1_IP)"
check_eq "2.5: CDN to lac1 on the wire" "3 0 cleared by operator" \
	"$(results "$E2E_TMP/cp-lac.pcapng" CDN $LAC1_IP)"
ctl_json "$E2E_TMP/peers3.json" show peers &&
	check_eq "2.5: lac1's tunnel stays (lacs: 1 tunnel, no session)" "1 0" \
		"$(jget "$E2E_TMP/peers3.json" '" ".join(str(p[k]) for p in d["peers"] if p["name"] == "lacs" for k in ("tunnels_established", "sessions"))')"

heading "2.6 drain lac lacs: a new call gets CDN 2/7, a new tunnel StopCCN 2/7"
out=$(ctl drain lac lacs 2>&1)
check_eq "2.6: ltsctl drain lac lacs" \
	"lac_peer lacs drained (new tunnels and calls get 2/7 \"try another\"); 1 tunnels and 0 sessions stay" "$out"
sw_cap_start dl-lac "$NS_LAC" lac0 "udp port 1701"
xl2tpd_dial lac1 >/dev/null || fail "2.6: lac1 'c lac1' not answered 00"
xl2tpd_dial lac2 >/dev/null || fail "2.6: lac2 'c lac2' not answered 00"
wait_for 5 eval '[ -n "$(results "$E2E_TMP/dl-lac.pcapng" StopCCN $LAC2_IP)" ]'
sleep 0.5
sw_cap_stop dl-lac
check_eq "2.6: lac1's new call: CDN 2/7" "2 7 draining: try another" \
	"$(results "$E2E_TMP/dl-lac.pcapng" CDN $LAC1_IP | head -n 1)"
check_eq "2.6: lac2's new tunnel: StopCCN 2/7" "2 7 draining: try another" \
	"$(results "$E2E_TMP/dl-lac.pcapng" StopCCN $LAC2_IP | head -n 1)"
check_eq "2.6: no call reached an LNS" "2 1" \
	"$(xl2tpd_log_count lns1 'Call established') $(xl2tpd_log_count lns2 'Call established')"
out=$(ctl undrain lac lacs 2>&1)
check_eq "2.6: ltsctl undrain lac lacs exit status" 0 "$?"

heading "2.7 log level, show stats"
check_eq "2.7: ltsctl log level debug" "log level debug (was info)" "$(ctl log level debug 2>&1)"
sw_check_log "2.7: ltsd logs the change" "log level debug \(was info\)"
check_eq "2.7: ltsctl log level info" "log level info (was debug)" "$(ctl log level info 2>&1)"
"$LTSCTL" -s "$SOCK2" log level loud >/dev/null 2>&1
check_eq "2.7: log level loud: usage, exit 2" 2 "$?"
ctl_json "$E2E_TMP/stats.json" show stats &&
	check_eq "2.7: --json show stats: CDN 3 sent (A: 2, B: 1, A2: 1), StopCCN 1 sent (lac2, lns1), 2/7 refusals, calls cleared" \
		"4 2 1 1 3" \
		"$(jget "$E2E_TMP/stats.json" '" ".join(str(x) for x in (d["stats"]["results"]["cdn_tx"].get("3"), d["stats"]["results"]["stopccn_tx"].get("1"), d["stats"]["results"]["cdn_tx"].get("2/7"), min(1, d["stats"]["results"]["stopccn_tx"].get("2/7", 0)), d["stats"]["switch"]["calls_cleared"]))')"
check_eq "2.7: --json show stats: 3 calls switched, ltsd counted the drain refusals" "3 True" \
	"$(jget "$E2E_TMP/stats.json" '" ".join(str(x) for x in (d["stats"]["switch"]["calls_switched"], d["stats"]["control"]["drain_refused"] >= 2))')"
# The XDP verdict counters come through the data plane's interface: every
# control message of this test was passed up by the program (pass_control).
check_eq "2.7: --json show stats: XDP verdicts read from the maps (pass_control > 0)" "True" \
	"$(jget "$E2E_TMP/stats.json" 'str(isinstance(d["stats"]["reasons"], dict) and (d["stats"]["reasons"].get("pass_control") or 0) > 0)')"

heading "2.8 bash completion (scripts/bash-completion/ltsctl)"
COMPL=$E2E_DIR/../../scripts/bash-completion/ltsctl
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_ltsctl; printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd" " -' sh "$COMPL" "$@"
}
check_eq "2.8: commands" "clear drain log reload restart show trace undrain watch" "$(complete_words "$LTSCTL" "")"
check_eq "2.8: show VIEW" "peers rules session sessions stats summary trace tunnel tunnels" \
	"$(complete_words "$LTSCTL" show "")"
check_eq "2.8: trace FLAG" "accounting all config ctl dataplane general metrics off session switch transport tunnel" \
	"$(complete_words "$LTSCTL" trace "")"
check_eq "2.8: trace FLAG... peer NAME (asked of ltsd)" "lns1 lns2" \
	"$(complete_words "$LTSCTL" -s "$SOCK2" trace tunnel peer ln)"
check_eq "2.8: drain lns NAME (asked of ltsd)" "lns1 lns2" \
	"$(complete_words "$LTSCTL" -s "$SOCK2" drain lns "")"
check_eq "2.8: clear tunnel ID (asked of ltsd): lac1's tunnel among them" "$A_TUN" \
	"$(complete_words "$LTSCTL" -s "$SOCK2" clear tunnel "" | tr ' ' '\n' | grep -Fx "$A_TUN")"

heading "2.9 shutdown"
check_ltsd_alive "after the operator's actions"
ltsd_stop
check_eq "ltsd exit status after SIGTERM" 0 "$LTSD_RC"
check_ltsd_gone_clean

e2e_done
