#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ltsd's life cycle: bad configurations are refused with file:line:col and
# leave nothing behind; a second ltsd on the same interfaces is refused while
# the first keeps switching; SIGTERM detaches XDP and removes the pins.
#
#      ns lac                             ns lts                            ns lns
#  +-------------+      +----------------------------------------+      +-------------+
#  |    lac0     | veth | lts-a       ltsd + lts_xdp       lts-b | veth |    lns0     |
#  | 10.0.1.1/24 |------| 10.0.1.2/24                10.0.2.2/24 |------| 10.0.2.1/24 |
#  +-------------+      +----------------------------------------+      +-------------+
#    scapy sends                                                        tshark captures
#
# Session s1: 10.0.1.1:1701 tun 100/ses 1  ->  10.0.2.1:1701 as tun 400/ses 4
. "$(dirname "$0")/lib.sh"

K=20

e2e_init
topo_create
bpffs_mount

good_cfg() { # BPFFS_DIR
	cat <<EOF
switch:
  hostname: lts-e2e
  bpffs: $1
dataplane:
  mode: native
  interfaces: [lts-a, lts-b]
  l2tp_ports: [1701]
  max_sessions: 16
static_sessions:
  - name: s1
    a: { local: $V4_A_LOCAL, peer: $V4_A_PEER, tunnel_id: 100, session_id: 1, peer_tunnel_id: 200, peer_session_id: 2 }
    b: { local: $V4_B_LOCAL, peer: $V4_B_PEER, tunnel_id: 300, session_id: 3, peer_tunnel_id: 400, peer_session_id: 4 }
EOF
}
good_cfg "$BPFFS_DIR" >"$E2E_TMP/good.yaml"
good_cfg "$BPFFS_MNT/other" >"$E2E_TMP/other-pins.yaml"
# Shares nothing with the first instance but the interfaces.
cat >"$E2E_TMP/other-port.yaml" <<EOF
switch: { hostname: lts-e2e-2, bpffs: $BPFFS_MNT/other2 }
dataplane: { mode: native, interfaces: [lts-a, lts-b], l2tp_ports: [1705] }
EOF

s1_ab() {
	flow "$1" "$NS_LAC" lac0 "$NS_LNS" lns0 4 $V4_A_PEER $V4_A_LOCAL 1701 1701 100 1 \
		$V4_B_LOCAL $V4_B_PEER 1701 1701 400 4 49 "$K"
}

###########################################################################
heading "bad configurations"
# bad_cfg NAME LINE COL ERE: the good config with one line changed by the
# sed expression $SED; ltsd --check and ltsd must both refuse it with
# "FILE:LINE:COL:" (LINE and COL are EREs) and a message matching ERE, and
# ltsd must leave nothing behind.
bad_cfg() {
	local name=$1 f=$E2E_TMP/$1.yaml out rc mode
	local pos_re
	pos_re="$(printf '%s' "$f" | sed 's/[].[\*^$]/\\&/g'):$2:$3: .*$4"
	good_cfg "$BPFFS_DIR" | sed "$SED" >"$f"
	for mode in --check run; do
		if [ $mode = --check ]; then
			out=$(timeout 10 "$LTSD" --check -c "$f" 2>&1)
		else
			out=$(timeout 10 ip netns exec "$NS_LTS" "$LTSD" -c "$f" 2>&1)
		fi
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -le 128 ]; then
			ok "$name: ltsd $mode exits $rc"
		else
			fail "$name: ltsd $mode -c $f: expected a clean non-zero exit, got $rc"
		fi
		check_match "$name: ltsd $mode says $(basename "$f"):$2:$3: ...$4" "$pos_re" "$out"
	done
	check_eq "$name: XDP on lts-a" "" "$(xdp_prog_id "$NS_LTS" lts-a)"
	check_eq "$name: pins in $BPFFS_DIR" "" "$(ls -A "$BPFFS_DIR" 2>/dev/null | tr '\n' ' ')"
}
out=$(timeout 10 "$LTSD" --check -c "$E2E_TMP/good.yaml" 2>&1)
check_eq "ltsd --check -c good.yaml exit status" 0 "$?"
# Positions (docs/config.md): an unknown key points at the key, a bad value
# at the value; a YAML syntax error wherever libyaml gave up.
SED='6s/interfaces:/interface:/' bad_cfg unknown-key 6 3 'unknown key "interface"'
SED='5s/native/fast/' bad_cfg bad-mode 5 9 'fast'
# line 11: "    a: { local: 10.0.1.2, peer: 10.0.1.1, ..."
col=$(sed -n 11p "$E2E_TMP/good.yaml" | awk -v p="peer: $V4_A_PEER" '{ print index($0, p) + 6 }')
SED="11s/peer: $V4_A_PEER/peer: 10.0.1.300/" bad_cfg bad-address 11 "$col" '10\.0\.1\.300'
SED='12s/tunnel_id: 300/tunnel_id: 0/' bad_cfg tunnel-id-0 12 '[0-9]+' 'tunnel_id'
SED='6s/lts-b]/lts-b/' bad_cfg yaml-syntax '[0-9]+' '[0-9]+' ''

###########################################################################
heading "first ltsd"
ltsd_start "$E2E_TMP/good.yaml" ltsd-first
first_pid=$LTSD_PID
wait_next_hops 2
prog_a=$(xdp_prog_id "$NS_LTS" lts-a) prog_b=$(xdp_prog_id "$NS_LTS" lts-b)
[ -n "$prog_a" ] && [ "$prog_a" = "$prog_b" ] && ok "lts-a and lts-b run XDP program $prog_a" ||
	fail "XDP programs: lts-a '$prog_a', lts-b '$prog_b' (expected one program on both)"
pins=$(ls "$BPFFS_DIR" | sort | tr '\n' ' ')
for m in switch_table switch_wide nexthops clock policers slow_stats reason_stats tx_ports; do
	[ -e "$BPFFS_DIR/$m" ] && ok "pinned $BPFFS_DIR/$m" || fail "$BPFFS_DIR/$m is not pinned (pins: $pins)"
done
s1_ab first-1
sent=$FLOW_FRAMES

###########################################################################
# second_ltsd TAG CONFIG ERE: must be refused with a message matching ERE,
# without disturbing the first instance, and leave no pins of its own.
second_ltsd() {
	local tag=$1 cfg=$2 re=$3 out rc pindir
	heading "second ltsd on the same interfaces ($tag)"
	out=$(timeout 10 ip netns exec "$NS_LTS" "$LTSD" -c "$cfg" 2>&1)
	rc=$?
	printf '%s\n' "$out" >"$E2E_TMP/ltsd-second-$tag.log"
	if [ $rc -eq 124 ]; then
		fail "$tag: second ltsd -c $cfg was still running after 10s (expected a refusal)"
	elif [ $rc -eq 0 ]; then
		fail "$tag: second ltsd -c $cfg exited 0 (expected a refusal)"
	elif [ $rc -gt 128 ]; then
		fail "$tag: second ltsd -c $cfg was killed by signal $((rc - 128)) (expected a clean refusal)"
	else
		ok "$tag: second ltsd refused, exit status $rc"
	fi
	check_match "$tag: the refusal says why" "$re" "$out"
	pindir=$(sed -n 's/.*bpffs: *\([^ ,}]*\).*/\1/p' "$cfg")
	[ "$pindir" = "$BPFFS_DIR" ] ||
		check_eq "$tag: pins left in $pindir" "" "$(ls -A "$pindir" 2>/dev/null | tr '\n' ' ')"
	LTSD_PID=$first_pid
	check_ltsd_alive "($tag: first instance)" || return
	check_eq "$tag: XDP program on lts-a unchanged" "$prog_a" "$(xdp_prog_id "$NS_LTS" lts-a)"
	check_eq "$tag: XDP program on lts-b unchanged" "$prog_b" "$(xdp_prog_id "$NS_LTS" lts-b)"
	check_eq "$tag: first instance's pins" "$pins" "$(ls "$BPFFS_DIR" 2>/dev/null | sort | tr '\n' ' ')"
	s1_ab "after-$tag"
	sent=$((sent + FLOW_FRAMES))
	stats_snapshot "$E2E_TMP/$tag.snap"
	# Cumulative: the second instance must not have replaced or reset the maps.
	check_eq "$tag: session_stats[0].dir[0].packets (all frames so far)" "$sent" \
		"$(snap_get "$E2E_TMP/$tag.snap" session_stats.0.0.packets)"
}
BUSY='lts-[ab]|in use|already|busy|another ltsd'
second_ltsd same-config "$E2E_TMP/good.yaml" "$BUSY"
second_ltsd other-pins "$E2E_TMP/other-pins.yaml" "$BUSY"
# Only the interfaces are shared: the message must name one.
second_ltsd other-port "$E2E_TMP/other-port.yaml" 'lts-[ab]'

###########################################################################
heading "SIGTERM"
LTSD_PID=$first_pid
if check_ltsd_alive "before SIGTERM"; then
	ltsd_stop
	check_eq "ltsd exit status after SIGTERM" 0 "$LTSD_RC"
	for ifc in lts-a lts-b; do
		check_eq "'xdp' in ip link show $ifc after SIGTERM" "" \
			"$(ip -n "$NS_LTS" link show dev "$ifc" | grep -o 'xdp[a-z]*' | head -n 1)"
	done
	check_eq "pins left in $BPFFS_DIR" "" "$(ls -A "$BPFFS_DIR" 2>/dev/null | tr '\n' ' ')"
fi

e2e_done
