#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ltsctl against a running ltsd: the operator socket reports the static
# sessions with the counters of the frames actually switched, on the fast
# path and on the slow path, as tables and as JSON, and only root gets in.
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

K=${E2E_FRAMES:-20}
LTSCTL=$BUILD/ltsctl

e2e_init
[ -x "$LTSCTL" ] || die "$LTSCTL not built: run make"
command -v setpriv >/dev/null 2>&1 || skip "needs setpriv (util-linux)"
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

e2e_done
