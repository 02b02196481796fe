#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Signalled tunnel switching end to end: ltsd answers LACs as their LNS,
# places each call on an LNS by its rules, and once both legs are up the
# pair goes into the XDP switch table, so PPP frames never touch userspace.
# Real peers: xl2tpd as LACs and LNSes (tests/e2e/ppp_standin as their
# pppd), and tests/e2e/scapy_lac.py where xl2tpd cannot do what a scenario
# needs (proxy AVPs, Called Number, TSA IDs, frames before the ICCN).
#
#        ns $NS_LAC                   ns $NS_LTS                      ns $NS_LNS
#  +-------------------+    +------------------------------+    +-------------------+
#  | 10.0.1.1 xl2tpd   |    |                              |    | 10.0.2.1 xl2tpd   |
#  |   LAC "bras-1"    |    |  ltsd, mode native: XDP on   |    |   LNS lns1        |
#  | 10.0.1.3 xl2tpd   |    |  lts-a and lts-b             |    | 10.0.2.3 xl2tpd   |
#  |   LAC "lac-plain" |veth|                              |veth|   LNS lns2        |
#  | 10.0.1.5 scapy    |----| lts-a                  lts-b |----| 10.0.2.9: nobody  |
#  |   LAC "lac-scapy" |    | 10.0.1.2            10.0.2.2 |    |  (lns_peer dead1) |
#  |  lac0             |    |                              |    | 10.0.2.3:1702:    |
#  +-------------------+    +------------------------------+    |  closed (dead2)   |
#                                            tshark on lns0 --> |  lns0             |
#                                                               +-------------------+
# Rules (switch_lib.sh sw_cfg), first match wins:
#   failover  Called Number 200   dead1 (preference 10), then lns1 (20)
#   all-down  Called Number 300   dead1, dead2
#   to-lns1   Called Number 401   lns1
#   to-lns2   Called Number 402   lns2
#   by-host   lac_hostname bras-* lns2
#   isp2      realm isp2.example, lac_peer scapy (decided at ICCN): lns2
#   default                       lns1
# Control timers: Hello after 2 s of silence, retransmissions after 200,
# 400, 800 ms (retries 2): a silent peer is given up after about 1.4 s.
#
#  a  xl2tpd LAC -> ltsd -> xl2tpd LNS: PPP frames both ways between the
#     stand-ins, byte-exact; session_stats[idx] count every frame and byte
#     seen on the LNS side wire, slow_stats[idx] stay 0; ltsctl shows the pair
#  b  rule by LAC Host Name: bras-1's call goes to lns2, lac-plain's to lns1
#     (IDs matched across both xl2tpd logs and ltsd's "switched" line)
#  f1 LNS-side CDN (lns2 hangs up): the LAC gets the CDN, the pair goes
#  f3 LAC vanishes (xl2tpd LAC SIGKILLed, no StopCCN/CDN): ltsd's Hello goes
#     unanswered, the tunnel is given up and lns1 gets the CDN
#  c  scripted LAC with Proxy Authen Name user@isp2.example: realm rule,
#     lns2; AVPs 26-33 of the ICCN lns2 receives are those the LAC sent
#  d  failover: dead1 does not answer -> locked out, the call goes to lns1;
#     the next call skips dead1; all members down -> the LAC gets CDN 2/10
#  e  loop: an ICRQ carrying our TSA ID gets CDN 26; a foreign TSA ID is
#     relayed with ours appended
#  f2 LNS StopCCN on lns2's tunnel: the LAC gets a CDN for the call on lns2,
#     its tunnel and its call on lns1 stay up and keep switching
#  g  frames the LAC sends after the ICRP but before the ICCN (pair not yet
#     installed) never reach the LNS; XDP counts them as pass_no_session and
#     ltsd's slow path as unknown session
# After every scenario the switch table is empty.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xl2tpd_lib.sh"
. "$(dirname "$0")/switch_lib.sh"

e2e_init
xl2tpd_check
xl2tpd_trap_exit
T_START=$SECONDS

# check_same WHAT A_FILE B_FILE: same non-empty lines, same order.
check_same() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		ok "$1 ($(wc -l <"$2") frames)"
	else
		fail "$1: $(wc -l <"$2") vs $(wc -l <"$3") frames, first difference:"
		diff "$2" "$3" | head -n 4 | cut -c1-160 | sed 's/^/      | /'
	fi
}

# standins_started NAME: how many stand-ins (calls) instance NAME started so far.
standins_started() { standin_pids "$1" | wc -l; }

# check_counters TAG IDX DIR0_PKTS DIR0_BYTES DIR1_PKTS DIR1_BYTES
# session_stats[IDX] (XDP) as given, slow_stats[IDX] all 0.
check_counters() {
	local tag=$1 i=$2 snap=$E2E_TMP/$1.snap
	stats_snapshot "$snap"
	check_eq "$tag: session_stats[$i] dir 0 (LAC -> LNS) packets" "$3" \
		"$(snap_get "$snap" "session_stats.$i.0.packets")"
	check_eq "$tag: session_stats[$i] dir 0 bytes" "$4" "$(snap_get "$snap" "session_stats.$i.0.bytes")"
	check_eq "$tag: session_stats[$i] dir 1 (LNS -> LAC) packets" "$5" \
		"$(snap_get "$snap" "session_stats.$i.1.packets")"
	check_eq "$tag: session_stats[$i] dir 1 bytes" "$6" "$(snap_get "$snap" "session_stats.$i.1.bytes")"
	check_eq "$tag: slow_stats[$i] (all directions, packets and bytes)" 0 \
		"$(snap_sum "$snap" "^slow_stats\\.$i\\.")"
}

# ltsctl_check TAG IDX LAC_SESS LNS_SESS D0_PKTS D0_BYTES D1_PKTS D1_BYTES:
# `ltsctl --json show sessions` lists the pair (ltsd's session IDs on both
# legs) as up, with these counters.
ltsctl_check() {
	if ! ltsctl_sessions_json >"$E2E_TMP/$1.ltsctl.json" 2>&1; then
		fail "$1: ltsctl --json show sessions failed: $(head -c 300 "$E2E_TMP/$1.ltsctl.json")"
		return
	fi
	check_eq "$1: ltsctl show sessions: the pair (LAC sess, LNS sess, state, packets/bytes each way)" \
		"$3 $4 up $5 $6 $7 $8" "$("$PY" - "$E2E_TMP/$1.ltsctl.json" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
sessions = doc["sessions"] if isinstance(doc, dict) else doc
for s in sessions:
    if s.get("stats_idx") == int(sys.argv[2]):
        c = s["counters"]
        print(s["lac"]["session_id"], s["lns"]["session_id"], s.get("state"),
              c["lac_to_lns"]["packets"], c["lac_to_lns"]["bytes"],
              c["lns_to_lac"]["packets"], c["lns_to_lac"]["bytes"])
        break
else:
    print("no session with stats_idx", sys.argv[2])
EOF
)"
}

# ltsctl_count: how many sessions ltsctl lists.
ltsctl_count() {
	ltsctl_sessions_json 2>/dev/null | "$PY" -c 'import json, sys
doc = json.load(sys.stdin)
print(len(doc["sessions"] if isinstance(doc, dict) else doc))' 2>/dev/null || echo "?"
}

# ------------------------------------------------------------------ setup
heading "setup: namespaces, ltsd (mode native), xl2tpd LNSes lns1 and lns2"
sw_topo
bpffs_mount
sw_cfg native >"$E2E_TMP/switch.yaml"
ltsd_start "$E2E_TMP/switch.yaml"
ok "ltsd ready"
# The LNS stand-ins echo every frame they get.
xl2tpd_start lns1 "$NS_LNS" lns $SW_LNS1_IP $V4_B_LOCAL hostname=lns-one standin-echo=yes
xl2tpd_start lns2 "$NS_LNS" lns $SW_LNS2_IP $V4_B_LOCAL hostname=lns-two standin-echo=yes
ok "xl2tpd LNSes listening on $SW_LNS1_IP and $SW_LNS2_IP"

# ------------------------------------------------------------------ a, b
heading "a+b: xl2tpd LACs bras-1 and lac-plain, switched by Host Name to lns2 and lns1"
t0=$SECONDS
sw_cap_start ab "$NS_LNS" lns0 "udp port 1701"
# Each LAC stand-in sends 2 LCP Configure-Requests and 5 PPP IPv4 frames
# when kicked; the LNS stand-ins echo them.
xl2tpd_start bras1 "$NS_LAC" lac $SW_LAC1_IP $V4_A_LOCAL hostname=bras-1 \
	standin-send-lcp=2 standin-send-ip=5 standin-wait-usr1=yes standin-interval-ms=20
xl2tpd_start plain "$NS_LAC" lac $SW_LAC2_IP $V4_A_LOCAL hostname=lac-plain \
	standin-send-lcp=2 standin-send-ip=5 standin-wait-usr1=yes standin-interval-ms=20 \
	standin-ip-size=300
xl2tpd_wait_call bras1 && xl2tpd_wait_call plain || die "a: the xl2tpd LACs' calls did not come up"
xl2tpd_wait_call lns1 && xl2tpd_wait_call lns2 || die "a: no call reached lns1 and lns2"
ok "a: both calls up at the LACs and at the LNSes"

read -r bras_call _ <<<"$(xl2tpd_call_ids bras1)"
read -r plain_call _ <<<"$(xl2tpd_call_ids plain)"
read -r lns1_call lns1_peer <<<"$(xl2tpd_call_ids lns1)"
read -r lns2_call lns2_peer <<<"$(xl2tpd_call_ids lns2)"
sw_wait_log "switched: .* sess [0-9]+/$bras_call <->" 5 &&
	sw_wait_log "switched: .* sess [0-9]+/$plain_call <->" 5 ||
	die "a: ltsd logged no 'switched' line for the calls of bras-1 ($bras_call) and lac-plain ($plain_call)"

sw_call_by_lac "$bras_call" || die "a: cannot parse bras-1's switched line"
B_CALL=$SW_CALL B_IDX=$SW_IDX B_LAC_SESS=$SW_LAC_SESS B_LNS_SESS=$SW_LNS_SESS
check_eq "b: bras-1's call: rule" by-host "$SW_RULE"
check_match "b: ltsd: bras-1's call placed on lns2" \
	"call $B_CALL -> by-host: placing the call on lns_peer lns2 " "$(sw_call_lines "$B_CALL")"
check_eq "b: bras-1's call is lns2's call (ltsd's LNS-leg IDs = lns2's remote/local call IDs)" \
	"$lns2_peer $lns2_call" "$SW_LNS_SESS $SW_LNS_PSESS"
sw_call_by_lac "$plain_call" || die "a: cannot parse lac-plain's switched line"
P_CALL=$SW_CALL P_IDX=$SW_IDX P_LAC_SESS=$SW_LAC_SESS P_LNS_SESS=$SW_LNS_SESS
check_eq "b: lac-plain's call: rule" default "$SW_RULE"
check_match "b: ltsd: lac-plain's call placed on lns1" \
	"call $P_CALL -> default: placing the call on lns_peer lns1 " "$(sw_call_lines "$P_CALL")"
check_eq "b: lac-plain's call is lns1's call" "$lns1_peer $lns1_call" "$SW_LNS_SESS $SW_LNS_PSESS"
check_eq "b: lns1 got exactly one call, lns2 one" "1 1" \
	"$(xl2tpd_log_count lns1 'Call established') $(xl2tpd_log_count lns2 'Call established')"

NH_TIMEOUT=10 wait_next_hops 4
standin_wait_started bras1 && standin_wait_started plain &&
	standin_wait_started lns1 && standin_wait_started lns2 || die "a: stand-ins did not start"
standin_kick bras1 && standin_kick plain || die "a: no LAC stand-in to kick"
standin_wait_rx lns2 7 10 || fail "a: lns2's stand-in got $(standin_count lns2 rx) of 7 frames"
standin_wait_rx lns1 7 10 || fail "a: lns1's stand-in got $(standin_count lns1 rx) of 7 frames"
standin_wait_rx bras1 7 10 || fail "a: bras-1's stand-in got $(standin_count bras1 rx) of 7 echoes"
standin_wait_rx plain 7 10 || fail "a: lac-plain's stand-in got $(standin_count plain rx) of 7 echoes"
sw_cap_stop ab
for pair in "bras1 lns2" "plain lns1"; do
	read -r lac lns <<<"$pair"
	standin_frames "$lac" tx >"$E2E_TMP/a.$lac.tx"
	standin_frames "$lns" rx >"$E2E_TMP/a.$lns.rx"
	standin_frames "$lns" tx >"$E2E_TMP/a.$lns.tx"
	standin_frames "$lac" rx >"$E2E_TMP/a.$lac.rx"
	check_eq "a: frames $lac's stand-in sent" 7 "$(wc -l <"$E2E_TMP/a.$lac.tx")"
	check_same "a: $lac -> $lns PPP frames byte-exact" "$E2E_TMP/a.$lac.tx" "$E2E_TMP/a.$lns.rx"
	check_same "a: $lns -> $lac PPP frames (echoes) byte-exact" "$E2E_TMP/a.$lns.tx" "$E2E_TMP/a.$lac.rx"
done
# Every data frame on the LNS-side wire went through XDP: the counters of
# each pair equal what the capture saw, per direction, frames and bytes.
if [ -x "$LTSCTL" ]; then
	log "    ltsctl -s $E2E_TMP/ltsd.sock show sessions:"
	"$LTSCTL" -s "$E2E_TMP/ltsd.sock" show sessions 2>&1 | sed 's/^/      /'
else
	fail "a: $LTSCTL not built"
fi
read -r n0 b0 <<<"$(pcap_data "$E2E_TMP/ab.pcapng" $V4_B_LOCAL $SW_LNS2_IP)"
read -r n1 b1 <<<"$(pcap_data "$E2E_TMP/ab.pcapng" $SW_LNS2_IP $V4_B_LOCAL)"
check_eq "a: data frames to/from lns2 on the wire" "7 7" "$n0 $n1"
check_counters a-bras1 "$B_IDX" "$n0" "$b0" "$n1" "$b1"
ltsctl_check a-bras1 "$B_IDX" "$B_LAC_SESS" "$B_LNS_SESS" "$n0" "$b0" "$n1" "$b1"
read -r n0 b0 <<<"$(pcap_data "$E2E_TMP/ab.pcapng" $V4_B_LOCAL $SW_LNS1_IP)"
read -r n1 b1 <<<"$(pcap_data "$E2E_TMP/ab.pcapng" $SW_LNS1_IP $V4_B_LOCAL)"
check_eq "a: data frames to/from lns1 on the wire" "7 7" "$n0 $n1"
check_counters a-plain "$P_IDX" "$n0" "$b0" "$n1" "$b1"
ltsctl_check a-plain "$P_IDX" "$P_LAC_SESS" "$P_LNS_SESS" "$n0" "$b0" "$n1" "$b1"
log "a+b: $((SECONDS - t0))s"

# ------------------------------------------------------------------ f1
heading "f1: LNS-side CDN: lns2 hangs up bras-1's call"
t0=$SECONDS
check_match "f1: lns2 control pipe 'h $lns2_call'" '^00 ' "$(xl2tpd_ctl lns2 h "$lns2_call")"
if xl2tpd_wait_call_closed bras1 5; then
	ok "f1: bras-1 (the LAC) got the CDN: $(grep -Eo 'Connection closed to .*|Call [0-9]+ to .* disconnected' \
		"$(xl2tpd_dir bras1)/xl2tpd.log" | head -n 1)"
else
	fail "f1: bras-1 did not see its call closed"
fi
sw_check_log "f1: ltsd: CDN from lns2 on the LNS leg" "sess $B_LNS_SESS/$lns2_call \[[A-Z_]+\] peer CDN"
sw_check_log "f1: ltsd: CDN sent on the LAC leg" "sess $B_LAC_SESS/$bras_call \[[A-Z_]+\] tx CDN"
# draft-08 / REFERENCE 1.3: the LNS's result, error and message are relayed.
check_eq "f1: the CDN to the LAC relays lns2's result, error and message" \
	"$(grep -Eo "sess $B_LNS_SESS/$lns2_call \[[A-Z_]+\] peer CDN .*" "$LTSD_LOG" | sed 's/.*peer CDN //')" \
	"$(grep -Eo "sess $B_LAC_SESS/$bras_call \[[A-Z_]+\] tx CDN .*" "$LTSD_LOG" | sed 's/.*tx CDN //')"
check_swtab "f1: after the LNS-side CDN, lac-plain's pair left" 2
xl2tpd_disconnect bras1 >/dev/null || fail "f1: bras-1 'd bras1' not answered 00"
xl2tpd_stop bras1
log "f1: $((SECONDS - t0))s"

# ------------------------------------------------------------------ f3
heading "f3: LAC vanishes: lac-plain killed (SIGKILL: no CDN, no StopCCN)"
t0=$SECONDS
{
	kill -KILL "${XL2TPD_PID[plain]}"
	wait "${XL2TPD_PID[plain]}"
} 2>/dev/null
xl2tpd_stop plain 2>/dev/null
budget=$((SW_HELLO + $(sw_loss_budget) + 3))
sw_check_log "f3: ltsd gives up lac-plain's tunnel (Hello unanswered)" \
	"tun ${P_CALL%/*}/[0-9]+ \[ESTABLISHED\] peer not answering" "$budget"
if xl2tpd_wait_call_closed lns1 5; then
	ok "f3: lns1 got the CDN: $(grep -Eo 'Connection closed to .*, serial [0-9]+.*' \
		"$(xl2tpd_dir lns1)/xl2tpd.log" | head -n 1)"
else
	fail "f3: lns1 did not see its call closed"
fi
check_eq "f3: ltsd got no CDN or StopCCN from lac-plain" 0 \
	"$(sw_log_count "tun ${P_CALL%/*}/[0-9]+ .*(peer CDN|peer StopCCN)")"
check_swtab "f3: after the LAC vanished" 0
check_eq "f3: sessions ltsctl lists" 0 "$(ltsctl_count)"
log "f3: $((SECONDS - t0))s"

# ------------------------------------------------------------------ c
heading "c: scripted LAC, Proxy Authen Name user@isp2.example: realm rule -> lns2, proxy AVPs byte-exact"
t0=$SECONDS
sw_cap_start c "$NS_LNS" lns0 "udp port 1701 and host $SW_LNS2_IP"
n_lns2=$(standins_started lns2)
slac_start c --tunnel-id 301 tunnel \
	call c1 calling=5550001 proxy=yes user=user@isp2.example \
	wait-file "$E2E_TMP/c.go" 10 data c1 5 realm wait-rx c1 5 5 cdn c1 stopccn
slac_wait c "$(slac_ev c call c1)" 10 || fail "c: the call did not come up: $(tail -n 2 "$E2E_TMP/slac-c.jsonl")"
standin_wait_started lns2 $((n_lns2 + 1)) 5 || fail "c: no new stand-in on lns2"
touch "$E2E_TMP/c.go"
slac_done c 15
check_slac_ok c
c_call="$(slac_get c "$(slac_ev c tunnel)" 'e["peer_tid"]')/$(slac_get c "$(slac_ev c call c1)" 'e["peer_sid"]')"
check_match "c: ltsd: decided at ICCN by the realm rule, placed on lns2" \
	"call $c_call -> isp2: placing the call on lns_peer lns2 " "$(sw_call_lines "$c_call")"
check_match "c: ltsd: switched" "call $c_call -> isp2: switched: " "$(sw_call_lines "$c_call")"
sw_cap_stop c
# The proxy AVPs (26-33) as the LAC sent them and as lns2 got them: same
# types, same order, same bits, same bytes.
slac_get c "$(slac_ev c tx c1)" '[a for a in e["avps"] if 26 <= a[1] <= 33]' >"$E2E_TMP/c.sent.avps"
pcap_ctrl "$E2E_TMP/c.pcapng" "ip.dst == $SW_LNS2_IP" |
	"$PY" -c 'import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("name") == "ICCN":
        print(json.dumps([a for a in m["avps"] if 26 <= a[1] <= 33]))
        break' >"$E2E_TMP/c.lns.avps"
check_eq "c: proxy AVPs sent by the LAC" 8 "$("$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$E2E_TMP/c.sent.avps")"
if [ -s "$E2E_TMP/c.lns.avps" ] && cmp -s "$E2E_TMP/c.sent.avps" "$E2E_TMP/c.lns.avps"; then
	ok "c: lns2's ICCN carries AVPs 26-33 exactly as the LAC sent them (vendor, type, M, H, value)"
else
	fail "c: proxy AVPs differ: sent $(cut -c1-300 "$E2E_TMP/c.sent.avps"), lns2 got $(cut -c1-300 "$E2E_TMP/c.lns.avps")"
fi
check_eq "c: tshark decodes lns2's ICCN with AVP types 26..33" "26,27,28,29,30,31,32,33" \
	"$(tshark -n -r "$E2E_TMP/c.pcapng" -Y "l2tp.avp.message_type == 12 && ip.dst == $SW_LNS2_IP" \
		-T fields -e l2tp.avp.type 2>/dev/null | head -n 1 | tr ',' '\n' |
		awk '$1 >= 26 && $1 <= 33' | paste -sd, -)"
check_eq "c: Proxy Authen Name at lns2 (tshark)" user@isp2.example \
	"$(tshark -n -r "$E2E_TMP/c.pcapng" -Y "l2tp.avp.message_type == 12 && ip.dst == $SW_LNS2_IP" \
		-T fields -e l2tp.avp.proxy_authen_name 2>/dev/null | head -n 1)"
slac_get c "$(slac_ev c data_tx c1)" '"\n".join(e["frames"])' >"$E2E_TMP/c.lac.tx"
slac_events c "$(slac_ev c data_rx c1)" | "$PY" -c 'import json, sys
for l in sys.stdin: print(json.loads(l)["hex"])' >"$E2E_TMP/c.lac.rx"
check_same "c: the LAC's frames came back (lns2 echoes) byte-exact" "$E2E_TMP/c.lac.tx" "$E2E_TMP/c.lac.rx"
standin_frames lns2 rx "$(standin_pids lns2 | tail -n 1)" >"$E2E_TMP/c.lns2.rx"
check_same "c: lns2's stand-in got the LAC's frames byte-exact" "$E2E_TMP/c.lac.tx" "$E2E_TMP/c.lns2.rx"
check_swtab "c: after the LAC's CDN and StopCCN" 0
log "c: $((SECONDS - t0))s"

# ------------------------------------------------------------------ d, e
heading "d+e: failover to the next pool member, all members down, loop detection"
t0=$SECONDS
sw_cap_start de "$NS_LNS" lns0 "udp"
slac_start de --tunnel-id 302 tunnel \
	call f1 called=200 tsa=upstream-tsa.example \
	call f2 called=200 \
	icrq down called=300 \
	icrq loop called=401 tsa=other-tsa.example tsa=$SW_TSA_ID \
	cdn f1 cdn f2 stopccn
slac_done de $((4 * $(sw_loss_budget) + 15))
check_slac_ok de
sw_cap_stop de
de_tun=$(slac_get de "$(slac_ev de tunnel)" 'e["peer_tid"]')
# d: the first call waits for dead1 to fail, then goes to lns1.
f1_call="$de_tun/$(slac_get de "$(slac_ev de icrp f1)" 'e["peer_sid"]')"
check_eq "d: call f1 (dead1 first) answered and connected" 1 "$(slac_events de "$(slac_ev de call f1)" | wc -l)"
check_eq "d: ltsd: f1 tried dead1, locked it out, placed the call on lns1" \
	"placing the call on lns_peer dead1|lns_peer dead1 failed|locked out for 60 s|placing the call on lns_peer lns1|switched" \
	"$(sw_call_lines "$f1_call" | grep -Eo 'placing the call on lns_peer [a-z0-9]+|lns_peer [a-z0-9]+ failed|locked out for [0-9]+ s|switched' | paste -sd'|' -)"
f2_call="$de_tun/$(slac_get de "$(slac_ev de icrp f2)" 'e["peer_sid"]')"
check_eq "d: ltsd: f2 skipped dead1 (locked out) and went straight to lns1" \
	"placing the call on lns_peer lns1|switched" \
	"$(sw_call_lines "$f2_call" | grep -Eo 'placing the call on lns_peer [a-z0-9]+|lns_peer [a-z0-9]+ failed|switched' | paste -sd'|' -)"
# All members down: dead2 (port closed) first, as dead1 is locked out, then
# dead1 anyway; then the LAC gets CDN 2/10 "next hop unreachable".
check_eq "d: call 'down' (all members dead): the LAC got CDN result/error" "2 10" \
	"$(slac_get de "$(slac_ev de cdn down)" '"%s %s" % (e["result"], e["error"])')"
check_eq "d: call 'down' got no ICRP" 0 "$(slac_events de "$(slac_ev de icrp down)" | wc -l)"
down_call="$de_tun/$(slac_get de "$(slac_ev de cdn down)" 'e["peer_sid"]')"
check_eq "d: ltsd: 'down' tried dead2, then dead1, both failed" \
	"placing the call on lns_peer dead2|lns_peer dead2 failed|placing the call on lns_peer dead1|lns_peer dead1 failed" \
	"$(sw_call_lines "$down_call" | grep -Eo 'placing the call on lns_peer [a-z0-9]+|lns_peer [a-z0-9]+ failed' | paste -sd'|' -)"
check_eq "d: SCCRQs to the closed port $SW_LNS2_IP:$SW_CLOSED_PORT (1 + retries $SW_RETRIES)" \
	$((1 + SW_RETRIES)) \
	"$(pcap_ctrl "$E2E_TMP/de.pcapng" "udp.dstport == $SW_CLOSED_PORT" | grep -c '"name": "SCCRQ"')"
# e: our own TSA ID in the stack: CDN 26 at once, nothing toward any LNS.
check_eq "e: call 'loop' (our TSA ID in its ICRQ): CDN result" 26 \
	"$(slac_get de "$(slac_ev de cdn loop)" 'e["result"]')"
loop_sid=$(slac_get de "$(slac_ev de cdn loop)" 'e["peer_sid"]')
sw_check_log "e: ltsd logs the loop" "tun $de_tun/[0-9]+ sess $loop_sid/[0-9]+ \[[A-Z_]+\] tx CDN result 26 "
check_eq "e: ICRQs that reached an LNS (f1 and f2 only)" 2 \
	"$(pcap_ctrl "$E2E_TMP/de.pcapng" "ip.src == $V4_B_LOCAL" | grep -c '"name": "ICRQ"')"
check_eq "e: f1's ICRQ at lns1: TSA ID stack = the LAC's, then ours" \
	"upstream-tsa.example $SW_TSA_ID" \
	"$(pcap_ctrl "$E2E_TMP/de.pcapng" "ip.dst == $SW_LNS1_IP" | "$PY" -c 'import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("name") == "ICRQ":
        print(" ".join(bytes.fromhex(a[4]).decode() for a in m["avps"] if a[1] == 93))
        break')"
check_swtab "d+e: after the LAC's CDNs and StopCCN" 0
log "d+e: $((SECONDS - t0))s"

# ------------------------------------------------------------------ f2
heading "f2: LNS StopCCN on lns2's tunnel: CDN for that call only, the LAC's tunnel stays"
t0=$SECONDS
n_lns1=$(standins_started lns1)
n_lns2=$(standins_started lns2)
slac_start f2 --tunnel-id 303 tunnel call a called=401 call b called=402 \
	wait-file "$E2E_TMP/f2.go" 10 data a 3 before data b 3 before \
	wait-rx a 3 5 wait-rx b 3 5 wait-cdn b 10 hold 0.5 \
	data a 3 after wait-rx a 6 5 cdn a stopccn
slac_wait f2 "$(slac_ev f2 call b)" 10 || fail "f2: the calls did not come up"
standin_wait_started lns1 $((n_lns1 + 1)) 5 && standin_wait_started lns2 $((n_lns2 + 1)) 5 ||
	fail "f2: no new stand-ins on lns1 and lns2"
touch "$E2E_TMP/f2.go"
slac_wait f2 "$(slac_ev f2 data_rx b)" 10 3 || fail "f2: call b's frames did not come back"
f2_tun=$(slac_get f2 "$(slac_ev f2 tunnel)" 'e["peer_tid"]')
b_call="$f2_tun/$(slac_get f2 "$(slac_ev f2 call b)" 'e["peer_sid"]')"
sw_wait_log "call $b_call -> to-lns2: switched: " 2 || fail "f2: call b not switched"
sw_call_by_lac "$(slac_get f2 "$(slac_ev f2 call b)" 'e["sid"]')" || true
check_swtab "f2: two calls switched" 4
lns2_tid=$SW_LNS_PTUN
check_match "f2: lns2 control pipe 'd $lns2_tid' (StopCCN)" '^00 ' "$(xl2tpd_ctl lns2 d "$lns2_tid")"
slac_done f2 20
check_slac_ok f2
sw_check_log "f2: ltsd got lns2's StopCCN" "tun $SW_LNS_TUN/$lns2_tid \[[A-Z_]+\] peer StopCCN"
f2_cdn=$(slac_get f2 "$(slac_ev f2 cdn b)" '"%s %s %s" % (e["result"], e["error"], e["message"])')
check_match "f2: the LAC got a CDN for call b, result 2 (general error): '$f2_cdn'" '^2 ' "$f2_cdn"
check_eq "f2: CDNs the LAC got (b only)" 1 "$(slac_events f2 '"ev": "cdn"' | wc -l)"
check_eq "f2: StopCCNs the LAC got" 0 "$(slac_events f2 '"ev": "stopccn"' | wc -l)"
check_eq "f2: call a kept switching after lns2 left: echoes of 3 + 3 frames" 6 \
	"$(slac_get f2 '"ev": "done"' 'e["calls"]["a"]["rx"]')"
check_swtab "f2: after the LAC's CDN and StopCCN" 0
log "f2: $((SECONDS - t0))s"

# ------------------------------------------------------------------ g
heading "g: frames before the pair is installed do not leak to the LNS"
t0=$SECONDS
stats_snapshot "$E2E_TMP/g.before"
sw_cap_start g "$NS_LNS" lns0 "udp port 1701"
n_lns1=$(standins_started lns1)
slac_start g --tunnel-id 304 tunnel icrq e called=401 data e 4 early hold 0.5 iccn e \
	wait-file "$E2E_TMP/g.go" 10 data e 3 late wait-rx e 3 5 cdn e stopccn
slac_wait g "$(slac_ev g call e)" 10 || fail "g: the call did not come up"
standin_wait_started lns1 $((n_lns1 + 1)) 5 || fail "g: no new stand-in on lns1"
touch "$E2E_TMP/g.go"
slac_done g 15
check_slac_ok g
sw_cap_stop g
stats_snapshot "$E2E_TMP/g.after"
g_call="$(slac_get g "$(slac_ev g tunnel)" 'e["peer_tid"]')/$(slac_get g "$(slac_ev g icrp e)" 'e["peer_sid"]')"
check_match "g: ltsd placed the call on lns1 at ICRQ, before the early frames" \
	"placing the call on lns_peer lns1" "$(sw_call_lines "$g_call")"
check_eq "g: 'early' frames (after ICRP, before ICCN) on the LNS-side wire" 0 \
	"$(pcap_grep "$E2E_TMP/g.pcapng" $V4_B_LOCAL $SW_LNS1_IP "early e seq")"
check_eq "g: 'late' frames (pair installed) on the LNS-side wire" 3 \
	"$(pcap_grep "$E2E_TMP/g.pcapng" $V4_B_LOCAL $SW_LNS1_IP "late e seq")"
check_eq "g: XDP reason pass_no_session counted the early frames" 4 \
	"$(snap_delta "$E2E_TMP/g.before" "$E2E_TMP/g.after" reason.pass_no_session)"
check_eq "g: the late frames came back" 3 "$(slac_get g '"ev": "done"' 'e["calls"]["e"]["rx"]')"
check_swtab "g: after the LAC's CDN and StopCCN" 0
log "g: $((SECONDS - t0))s"

# ------------------------------------------------------------------ end
heading "ltsd exits cleanly"
check_ltsd_alive "after every scenario"
ltsd_stop
check_eq "ltsd exit status" 0 "$LTSD_RC"
unknown=$(sed -n 's/.*slow path: .* \([0-9][0-9]*\) unknown session.*/\1/p' "$LTSD_LOG")
if [ -n "$unknown" ] && [ "$unknown" -ge 4 ]; then
	ok "g: ltsd's slow path counted $unknown data frames for unknown sessions (the 4 early ones among them)"
else
	fail "g: ltsd's slow path unknown-session count: '${unknown}' (expected >= 4)"
fi
check_ltsd_gone_clean
log "total: $((SECONDS - T_START))s"
e2e_done
