#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The real-peer harness on its own, no ltsd: an xl2tpd LAC dials an xl2tpd
# LNS directly, each with tests/e2e/ppp_standin as its "pppd".
#
#        ns $NS_LAC                                    ns $NS_LNS
#   +--------------------+                      +--------------------+
#   | xl2tpd (LAC)       |                      | xl2tpd (LNS)       |
#   |   pty: ppp_standin |        veth          |   pty: ppp_standin |
#   |  lac0 10.0.3.1/24  |----------------------|  lns0 10.0.3.2/24  |
#   +--------------------+                      +--------------------+
#                                  tshark on lns0 (both directions)
#
# 1. plain: autodial; the LAC's stand-in sends LCP Configure-Requests and PPP
#    IPv4 frames full of octets the framing must escape, the LNS's stand-in
#    echoes them and sends its own (address/control field compressed). Every
#    frame must arrive byte-exact at the other stand-in (their logs) and be on
#    the wire as logged; tshark must decode SCCRQ .. ICCN and the teardown
#    without a malformed packet; no stand-in may count a bad FCS.
# 2. tunnel authentication and "hidden bit": same secret on both sides, call
#    placed through the control pipe. Challenge / Challenge Response AVPs on
#    the wire, frames still arrive. Whether xl2tpd hides any AVP is reported.
# 3. wrong secret: the tunnel must not come up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xl2tpd_lib.sh"

LAC_IP=10.0.3.1
LNS_IP=10.0.3.2

harness_init() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	local t
	for t in ip tshark unshare mount timeout mkfifo; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t (scripts/install-deps.sh)"
	done
	"$PY" -c 'import sys' >/dev/null 2>&1 || skip "needs $PY"
	xl2tpd_check
	E2E_TMP=$(mktemp -d /tmp/lts-e2e.XXXXXX) || die "mktemp"
	trap e2e_cleanup EXIT
	xl2tpd_trap_exit
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	trap 'exec >/dev/null 2>&1; exit 141' PIPE
}

# Two namespaces (lib.sh's names: e2e_cleanup deletes them) and one veth pair.
topo_pair() {
	local ns
	for ns in "$NS_LAC" "$NS_LNS"; do
		ip netns add "$ns" || die "ip netns add $ns"
		ip -n "$ns" link set lo up
	done
	ip link add lac0 netns "$NS_LAC" type veth peer name lns0 netns "$NS_LNS" ||
		die "veth lac0/lns0"
	ip -n "$NS_LAC" addr add $LAC_IP/24 dev lac0
	ip -n "$NS_LNS" addr add $LNS_IP/24 dev lns0
	ip -n "$NS_LAC" link set lac0 up
	ip -n "$NS_LNS" link set lns0 up
	wait_for 5 link_up "$NS_LAC" lac0 && wait_for 5 link_up "$NS_LNS" lns0 ||
		die "veth link did not come up"
}

# cap_start TAG: capture L2TP both ways on lns0 into TAG.pcapng until cap_stop.
cap_start() {
	CAP=$E2E_TMP/$1.pcapng
	ip netns exec "$NS_LNS" tshark -n -q -i lns0 -f 'udp port 1701' -w "$CAP" \
		>"$E2E_TMP/$1.tshark.log" 2>&1 &
	CAP_PID=$!
	E2E_BG_PIDS+=("$CAP_PID")
	if ! wait_for 15 grep -q "Capturing on" "$E2E_TMP/$1.tshark.log"; then
		cat "$E2E_TMP/$1.tshark.log" >&2
		die "tshark on $NS_LNS/lns0 did not start within 15s"
	fi
	sleep 0.3
}

cap_stop() {
	sleep 0.3 # let the last frames reach the capture
	kill -INT "$CAP_PID" 2>/dev/null
	wait_pid_exit "$CAP_PID" 5 || kill -KILL "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# check_same WHAT A_FILE B_FILE: same lines, same order.
check_same() {
	local n
	n=$(wc -l <"$2")
	if [ "$n" -gt 0 ] && cmp -s "$2" "$3"; then
		ok "$1 ($n frames)"
	else
		fail "$1: $(wc -l <"$2") vs $(wc -l <"$3") frames, first difference:"
		diff "$2" "$3" | head -n 4 | cut -c1-160 | sed 's/^/      | /'
	fi
}

# check_wire TAG PCAP: no malformed frame, the control messages of a call.
check_wire() {
	local problems types
	problems=$(pcap_l2tp_problems "$2")
	check_eq "$1: frames tshark marks malformed or erroneous" "" "$problems"
	types=$(pcap_control_types "$2")
	check_match "$1: control messages SCCRQ SCCRP SCCCN ICRQ ICRP ICCN ... StopCCN on the wire" \
		'^1 2 3 10 11 12( [0-9]+)* 4$' "$types"
}

# check_standins_clean NAME...: every stand-in exited when xl2tpd ended its
# call, with no bad FCS, runt, abort or overflow.
check_standins_clean() {
	local n k
	for n in "$@"; do
		if ! wait_for 5 standin_exit_stat "$n" rx >/dev/null; then
			fail "$n: stand-in did not exit"
			continue
		fi
		# xl2tpd closes the pty and sends SIGTERM: either may come first
		check_match "$n: stand-in exited on SIGTERM or the pty's EOF" '^(TERM|eof) $' \
			"$(standin_exit_stat "$n" reason)"
		for k in bad_fcs runt abort overflow; do
			check_eq "$n: stand-in $k" 0 "$(standin_exit_stat "$n" "$k")"
		done
	done
}

# check_avp WHAT MSGTYPE AVPTYPE: the first such control message carries the AVP.
check_avp() {
	local types
	types=$(tshark -n -r "$CAP" -Y "l2tp.avp.message_type == $2" -T fields \
		-e l2tp.avp.type 2>/dev/null | head -n 1)
	if [[ ",$types," == *",$3,"* ]]; then
		ok "$1"
	else
		fail "$1: AVP types of message type $2: '$types'"
	fi
}

harness_init
topo_pair

# ------------------------------------------------------------------ 1. plain
heading "1. plain: LAC dials LNS, frames both ways"
t0=$SECONDS
cap_start plain
xl2tpd_start lns1 "$NS_LNS" lns $LNS_IP $LAC_IP hostname=lns-one \
	standin-echo=yes standin-send-lcp=1 standin-send-ip=3 standin-acfc=yes \
	standin-magic=0x1ac0ffee standin-ip-size=300 standin-wait-rx=yes \
	standin-start-delay-ms=50 standin-interval-ms=30
xl2tpd_start lac1 "$NS_LAC" lac $LAC_IP $LNS_IP hostname=lac-one \
	standin-send-lcp=2 standin-send-ip=10 standin-magic=0x5ca1ab1e \
	standin-wait-usr1=yes standin-interval-ms=20 standin-ip-size=100
xl2tpd_wait_tunnel lac1 && xl2tpd_wait_tunnel lns1 || die "plain: no tunnel"
ok "plain: tunnel established"
xl2tpd_wait_call lac1 && xl2tpd_wait_call lns1 || die "plain: no call"
ok "plain: call established"
read -r lac_tl lac_tr <<<"$(xl2tpd_tunnel_ids lac1)"
read -r lns_tl lns_tr <<<"$(xl2tpd_tunnel_ids lns1)"
check_eq "plain: tunnel IDs seen from both ends" "$lac_tl $lac_tr" "$lns_tr $lns_tl"
read -r lac_cl lac_cr <<<"$(xl2tpd_call_ids lac1)"
read -r lns_cl lns_cr <<<"$(xl2tpd_call_ids lns1)"
check_eq "plain: session IDs seen from both ends" "$lac_cl $lac_cr" "$lns_cr $lns_cl"
standin_wait_started lac1 && standin_wait_started lns1 || die "plain: stand-ins did not start"
standin_kick lac1 || die "plain: no LAC stand-in to kick"

# LAC: 12 sent; LNS: 12 echoed + 4 of its own.
standin_wait_rx lns1 12 10 || fail "plain: LNS stand-in got $(standin_count lns1 rx) of 12 frames"
standin_wait_rx lac1 16 10 || fail "plain: LAC stand-in got $(standin_count lac1 rx) of 16 frames"
standin_frames lac1 tx >"$E2E_TMP/plain.lac.tx"
standin_frames lns1 rx >"$E2E_TMP/plain.lns.rx"
standin_frames lns1 tx >"$E2E_TMP/plain.lns.tx"
standin_frames lac1 rx >"$E2E_TMP/plain.lac.rx"
check_eq "plain: frames the LAC stand-in sent" 12 "$(wc -l <"$E2E_TMP/plain.lac.tx")"
check_same "plain: LAC -> LNS frames byte-exact" "$E2E_TMP/plain.lac.tx" "$E2E_TMP/plain.lns.rx"
check_same "plain: LNS -> LAC frames byte-exact" "$E2E_TMP/plain.lns.tx" "$E2E_TMP/plain.lac.rx"
check_match "plain: LAC LCP Configure-Request with its magic" \
	'^ff03c0210101000e010405dc05065ca1ab1e$' "$(head -n 1 "$E2E_TMP/plain.lac.tx")"
check_match "plain: LNS LCP Configure-Request, ACFC, its magic" \
	'^c0210101000e010405dc05061ac0ffee$' "$(grep -m1 '^c021' "$E2E_TMP/plain.lns.tx")"
check_eq "plain: frames the LNS stand-in echoed" 12 \
	"$(awk '$3 == "tx" && $6 == "echo"' "$(standin_log lns1)" | wc -l)"

xl2tpd_disconnect lac1 >/dev/null || fail "plain: control pipe 'd lac1' not answered 00"
xl2tpd_wait_tunnel_closed lns1 || fail "plain: LNS did not see the tunnel close"
check_standins_clean lac1 lns1
cap_stop
check_wire plain "$CAP"
pcap_ppp_frames "$CAP" $LAC_IP >"$E2E_TMP/plain.wire.lac"
pcap_ppp_frames "$CAP" $LNS_IP >"$E2E_TMP/plain.wire.lns"
check_same "plain: LAC's L2TP data on the wire = its stand-in's frames" \
	"$E2E_TMP/plain.lac.tx" "$E2E_TMP/plain.wire.lac"
check_same "plain: LNS's L2TP data on the wire = its stand-in's frames" \
	"$E2E_TMP/plain.lns.tx" "$E2E_TMP/plain.wire.lns"
# 10 IP frames from the LAC, their 10 echoes, 3 of the LNS's own
check_eq "plain: L2TP data messages tshark decodes as PPP IPv4/UDP to port 9" 23 \
	"$(tshark -n -r "$CAP" -Y 'l2tp.type == 0 && ppp.protocol == 0x0021 && udp.dstport == 9' \
		2>/dev/null | wc -l)"
xl2tpd_stop lac1
xl2tpd_stop lns1
log "plain: $((SECONDS - t0))s"

# ------------------------------------------------------------------ 2. auth + hidden
heading "2. tunnel authentication, hidden bit, dial through the control pipe"
t0=$SECONDS
cap_start auth
xl2tpd_start lns2 "$NS_LNS" lns $LNS_IP $LAC_IP hostname=lns-two secret=s3cr3t hidden=yes \
	access_control=yes standin-echo=yes
xl2tpd_start lac2 "$NS_LAC" lac $LAC_IP $LNS_IP hostname=lac-two secret=s3cr3t hidden=yes \
	autodial=no standin-send-lcp=1 standin-send-ip=4 standin-wait-usr1=yes \
	standin-interval-ms=20
check_match "auth: control pipe 'c lac2 alice@example.net pw'" '^00 ' \
	"$(xl2tpd_dial lac2 alice@example.net pw)"
xl2tpd_wait_tunnel lac2 && xl2tpd_wait_tunnel lns2 || die "auth: no tunnel"
ok "auth: authenticated tunnel established"
xl2tpd_wait_call lac2 && xl2tpd_wait_call lns2 || die "auth: no call"
ok "auth: call established"
standin_wait_started lac2 && standin_wait_started lns2 || die "auth: stand-ins did not start"
standin_kick lac2 || die "auth: no LAC stand-in to kick"
standin_wait_rx lac2 5 10 || fail "auth: LAC stand-in got $(standin_count lac2 rx) of 5 echoes"
standin_frames lac2 tx >"$E2E_TMP/auth.lac.tx"
standin_frames lac2 rx >"$E2E_TMP/auth.lac.rx"
check_same "auth: LAC -> LNS -> LAC round trip byte-exact" \
	"$E2E_TMP/auth.lac.tx" "$E2E_TMP/auth.lac.rx"
check_match "auth: the user of 'c LAC user pass' reaches pppd's argv as 'name'" \
	' name alice@example.net ' "$(grep -m1 ' start ' "$(standin_log lac2)")"
# Teardown in two steps: the call (CDN), then the tunnel (StopCCN). SIGTERM
# would not do: xl2tpd exits without sending StopCCN.
read -r lac_cl _ <<<"$(xl2tpd_call_ids lac2)"
check_match "auth: control pipe 'h $lac_cl' (hang up the call)" '^00 ' \
	"$(xl2tpd_ctl lac2 h "$lac_cl")"
xl2tpd_wait_call_closed lns2 || fail "auth: LNS did not see the call end"
xl2tpd_disconnect lac2 >/dev/null || fail "auth: control pipe 'd lac2' not answered 00"
xl2tpd_wait_tunnel_closed lns2 || fail "auth: LNS did not see the tunnel close"
check_standins_clean lac2 lns2
cap_stop
check_wire auth "$CAP"
check_match "auth: CDN (14) for the hang-up, then StopCCN (4)" ' 12 14 4$' \
	"$(pcap_control_types "$CAP")"
check_avp "auth: SCCRQ carries Challenge (11)" 1 11
check_avp "auth: SCCRP carries Challenge (11)" 2 11
check_avp "auth: SCCRP carries Challenge Response (13)" 2 13
check_avp "auth: SCCCN carries Challenge Response (13)" 3 13
check_avp "auth: hidden bit: SCCRQ carries Random Vector (36)" 1 36
hidden=$(tshark -n -r "$CAP" -Y 'l2tp.avp.hidden == 1' 2>/dev/null | wc -l)
log "NOTE  auth: control messages with a hidden AVP: $hidden" \
	"(xl2tpd 1.3.18 sends Random Vector, hides nothing)"
xl2tpd_stop lns2
log "auth: $((SECONDS - t0))s"

# ------------------------------------------------------------------ 3. wrong secret
heading "3. wrong secret: no tunnel"
t0=$SECONDS
xl2tpd_start lns3 "$NS_LNS" lns $LNS_IP $LAC_IP secret=right standin-echo=yes
xl2tpd_start lac3 "$NS_LAC" lac $LAC_IP $LNS_IP secret=wrong max_retries=2
# The LAC checks the LNS's Challenge Response first and closes the tunnel.
if xl2tpd_wait_log lac3 'Invalid authentication for host' 10; then
	ok "wrong secret: the LAC rejects the LNS's Challenge Response"
else
	fail "wrong secret: no 'Invalid authentication' in the LAC's log"
fi
xl2tpd_wait_tunnel_closed lac3 5 || fail "wrong secret: the LAC did not close the tunnel"
check_eq "wrong secret: calls established" "0 0" \
	"$(xl2tpd_log_count lac3 'Call established') $(xl2tpd_log_count lns3 'Call established')"
check_eq "wrong secret: stand-ins started" "" "$(standin_pids lac3)$(standin_pids lns3)"
xl2tpd_stop lac3
xl2tpd_stop lns3
log "wrong secret: $((SECONDS - t0))s"

e2e_done
