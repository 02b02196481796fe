#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ltsd's RFC 2661 control plane against a real peer, xl2tpd 1.3.18: as LAC
# (ltsd answers as the LNS, lac_peers) and as LNS (ltsd dials as the LAC,
# lns_peers). ltsd runs in mode off: control only, no XDP.
#
#     ns $NS_LAC                   ns $NS_LTS                         ns $NS_LNS
#  +----------------+     +----------------------------------+     +----------------+
#  | xl2tpd LAC     |     |  ltsd (mode off)                 |     | xl2tpd LNS     |
#  |  pty: ppp_     |     |   lac_peers: answers the LAC     |     |  pty: ppp_     |
#  |   standin      |     |   lns_peers: dials the LNS       |     |   standin      |
#  | lac0           |veth | lts-a                      lts-b |veth | lns0           |
#  | 10.0.1.1/24    |-----| 10.0.1.2/24          10.0.2.2/24 |-----| 10.0.2.1/24    |
#  +----------------+     +----------------------------------+     +----------------+
#    tshark on lac0                                                  tshark on lns0
#
# Scenarios 1-5 and 7 (lac_begin): ltsd with one lac_peer, lns_peer lns1
# (on demand) and the rule "all" that places every call on lns1, so that a
# call from the LAC is switched to the LNS. Scenario 6: ltsd with only a
# persistent lns_peer. Control timers (ctrl_lib.sh): hello_interval 2 s,
# retransmit_initial 200 ms, retransmit_max 8 s, retries 2: a peer that stops
# answering is given up 200 + 400 + 800 ms after the unanswered message.
#
#  1 plain     xl2tpd LAC dials ltsd (lac_peers 10.0.1.0/24): tunnel and call
#              up on both sides with the same IDs, the call switched to the
#              LNS; SCCRQ..ICCN on the wire, SCCRP Host Name = switch.hostname
#  2 auth      same secret on both sides, both challenge: up; Challenge and
#              Challenge Response both ways, ours verified. Wrong secret on
#              ltsd's side: (a) xl2tpd rejects our Challenge Response, (b)
#              with xl2tpd not challenging, ltsd rejects xl2tpd's: StopCCN
#              result 4. No tunnel established either time.
#  3 hidden    lac_peer with secret + hide_avps: up; our AVPs carry the H
#              bit after a Random Vector and undo (RFC 2661 4.3) into the IDs
#              ltsd logs and a valid Challenge Response
#  4 hello     idle tunnel: Hellos from ltsd, each acked by xl2tpd (ZLB);
#              the tunnel stays up
#  5 stopccn   (a) SIGTERM to ltsd: StopCCN result 6, acked, xl2tpd closes;
#              ltsd exits 0 leaving nothing behind. (b) xl2tpd disconnects:
#              ltsd acks the StopCCN (ZLB), tunnel -> CLOSING, session down
#              (and the switched call to the LNS cleared)
#  6 ltsd-lac  persistent lns_peer dials an xl2tpd LNS: up, kept alive by
#              Hellos; the LNS is killed (no StopCCN) and restarted: ltsd
#              gives up the old tunnel and dials a new one, in bounded time
#  7 refused   LAC outside lac_peers: StopCCN result 4, one log line for the
#              SCCRQ and its retransmissions (replayed), no tunnel
# Every scenario: tshark decodes each control message ltsd sent on either
# leg without a malformed mark, error or warning; ltsd exits 0 on SIGTERM
# with no pin left. CTRL_SCENARIOS="s1_plain s4_hello" runs only those.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/xl2tpd_lib.sh"
. "$(dirname "$0")/ctrl_lib.sh"

SECRET=s3cr3t
LAC_NET=10.0.1.0/24
LTSD_HOSTNAME=lts-e2e # cfg_head's switch.hostname

# ---------------------------------------------------------------- runner

SCN=          # scenario tag
SCN_XL2TPD=() # xl2tpd instances of the scenario
SCN_CAPS=()   # "PCAP OUR_IP MIN" of its captures (MIN messages from OUR_IP)
OUR_IP=       # ltsd's address on the LAC (or, in 6, the LNS) leg
PEER_IP=      # xl2tpd's there
CAP_LAC=      # capture of that leg
CAP_LNS=      # capture of the LNS leg (1-5, 7)
TUN=          # ltsd's "LOCAL/PEER" tunnel IDs of the scenario's tunnel
SESS=         # ltsd's "LOCAL/PEER" session IDs of its call

# scn_begin TAG TITLE
scn_begin() {
	SCN=$1 SCN_XL2TPD=() SCN_CAPS=() TUN='' SESS='' CAP_LAC='' CAP_LNS=''
	heading "$SCN: $2"
	SCN_T0=$SECONDS
}

# scn_xl2tpd NAME ARGS...: xl2tpd_start, remembered for scn_end.
scn_xl2tpd() {
	xl2tpd_start "$@"
	SCN_XL2TPD+=("$1")
}

# scn_cap TAG NS IFACE OUR_IP [MIN]: a capture, checked by scn_end. Sets CAP.
scn_cap() {
	cap_start "$1" "$2" "$3"
	SCN_CAPS+=("$CAP $4 ${5:-1}")
}

# scn_ltsd YAML_LINE...: a fresh ltsd with the short control timers and these peers.
scn_ltsd() {
	ctrl_cfg "$E2E_TMP/$SCN.yaml" "$@"
	ltsd_start "$E2E_TMP/$SCN.yaml" "ltsd-$SCN"
}

# scn_stop_ltsd: SIGTERM; ltsd must exit 0 with no pin left. Sets STOP_MS.
scn_stop_ltsd() {
	local t0
	[ -n "$LTSD_PID" ] || return 0
	check_ltsd_alive "until the end of $SCN" || return 0
	t0=$(now_ms)
	ltsd_stop
	STOP_MS=$(($(now_ms) - t0))
	check_eq "$SCN: ltsd exit status after SIGTERM" 0 "$LTSD_RC"
	check_ltsd_gone_clean
}

# scn_end: ltsd first (its StopCCNs must reach live peers), then the
# xl2tpd instances and the captures; then tshark must decode all we sent.
scn_end() {
	local n c
	scn_stop_ltsd
	for n in "${SCN_XL2TPD[@]}"; do
		xl2tpd_stop "$n" >/dev/null
	done
	cap_stop
	for c in "${SCN_CAPS[@]}"; do
		# shellcheck disable=SC2086 # "PCAP OUR_IP MIN"
		check_wire_clean "$SCN" $c
	done
	log "$SCN: $((SECONDS - SCN_T0))s"
}

# lac_begin TAG TITLE LAC_PEER [XL2TPD_KEY=VALUE...]: xl2tpd LNS TAG-lns;
# ltsd with lac_peers: [LAC_PEER], lns_peers: [lns1 = that LNS, on demand]
# and a rule placing every call on lns1; captures on lns0 and lac0; then
# xl2tpd LAC TAG (Host Name lac-TAG) dials ltsd at once.
lac_begin() {
	local tag=$1 title=$2 peer=$3
	shift 3
	scn_begin "$tag" "$title"
	OUR_IP=$V4_A_LOCAL PEER_IP=$V4_A_PEER
	scn_xl2tpd "$tag-lns" "$NS_LNS" lns "$V4_B_PEER" "$V4_B_LOCAL" hostname="lns-$tag"
	scn_ltsd "lac_peers:" "  - $peer" \
		"lns_peers:" "  - {name: lns1, address: $V4_B_PEER, local: $V4_B_LOCAL}" \
		"rules:" "  - {name: all, pool: [{lns: lns1}]}"
	scn_cap "$tag-lns" "$NS_LNS" lns0 "$V4_B_LOCAL" 0 # calls refused before: nothing
	CAP_LNS=$CAP
	scn_cap "$tag" "$NS_LAC" lac0 "$OUR_IP"
	CAP_LAC=$CAP
	scn_xl2tpd "$tag" "$NS_LAC" lac "$V4_A_PEER" "$V4_A_LOCAL" hostname="lac-$tag" "$@"
}

# xl2tpd_settled NAME: its call is up or its tunnel went down.
xl2tpd_settled() {
	[ "$(xl2tpd_log_count "$1" 'Call established with|Connection ([0-9]+ )?closed to')" -gt 0 ]
}

# lac_check_up: the tunnel and the call of xl2tpd LAC $SCN are up on both
# sides with matching IDs, and ltsd switched the call to the LNS. Sets TUN
# and SESS; 1 when something is missing.
lac_check_up() {
	local l r
	wait_for 10 xl2tpd_settled "$SCN"
	if ! xl2tpd_wait_call "$SCN" 0; then
		fail "$SCN: xl2tpd LAC: no 'Call established' (within 10s)"
		xl2tpd_show_logs "$SCN" 8
		return 1
	fi
	ok "$SCN: xl2tpd LAC: tunnel and call established"
	read -r l r <<<"$(xl2tpd_tunnel_ids "$SCN")"
	TUN="$r/$l"
	check_ltsd_log "$SCN: ltsd: tun $TUN WAIT_CTL_CONN -> ESTABLISHED on SCCCN" \
		"tun $TUN \[WAIT_CTL_CONN -> ESTABLISHED\] rx SCCCN$" || return 1
	read -r l r <<<"$(xl2tpd_call_ids "$SCN")"
	SESS="$r/$l"
	check_ltsd_log "$SCN: ltsd: tun $TUN sess $SESS WAIT_CONNECT -> ESTABLISHED on ICCN" \
		"tun $TUN sess $SESS \[WAIT_CONNECT -> ESTABLISHED\] rx ICCN$" || return 1
	check_ltsd_log "$SCN: ltsd: call switched to lns1" \
		"switched: tun $TUN sess $SESS <-> tun [0-9]+/[0-9]+ sess [0-9]+/[0-9]+" &&
		check_xl2tpd_log "$SCN: xl2tpd LNS: call established" "$SCN-lns" \
			"Call established with $V4_B_LOCAL, "
}

# ltsd_tun_news MARK: what ltsd logged about tunnel $TUN after its line
# "tun $TUN MARK" that would mean trouble: a state change of the tunnel
# itself, a warning, a CDN, or a session going down (Hellos are not logged).
ltsd_tun_news() {
	awk -v mark="tun $TUN $1" -v t="tun $TUN " -v tt="tun $TUN [" '
		!on { on = index($0, mark) > 0; next }
		index($0, t) && (index($0, tt) || /warning|CDN|-> (DEAD|CLOSING)/)' "$LTSD_LOG"
}

# check_no_tunnel WHAT: neither ltsd nor xl2tpd $SCN got a tunnel/call up.
check_no_tunnel() {
	check_eq "$1: ltsd tunnels/sessions that reached ESTABLISHED" 0 \
		"$(ltsd_log_count '-> ESTABLISHED\]')"
	check_eq "$1: xl2tpd calls established" 0 "$(xl2tpd_log_count "$SCN" 'Call established')"
}

# A capture that is still running may lag behind the peers' logs by a
# little: checks on it retry for up to LIVE_WAIT seconds before failing.
LIVE_WAIT=${LIVE_WAIT:-3}

# check_acked WHAT PCAP TYPE SRC PEER MIN ACK_ERE: at least MIN messages of
# TYPE from SRC, each acknowledged by PEER with a message whose type
# matches ACK_ERE (ZLB, or any message when ltsd piggybacks the ack).
check_acked() {
	if wait_for "$LIVE_WAIT" _acked "$@"; then
		ok "$1: $ACK_N $3 from $4, each acked by $7 from $5"
	else
		fail "$1: expected >= $6 $3 from $4, each acked by $7 from $5; got $ACK_N:"
		printf '%s\n' "$ACK_LINES" | head -n 8 | sed 's/^/      | /'
	fi
}

_acked() {
	ACK_LINES=$(pcap_l2tp "$2" acks "$4" "$5" | grep "^$3 ")
	ACK_N=$(printf '%s' "$ACK_LINES" | grep -c .)
	[ "$ACK_N" -ge "$6" ] && ! printf '%s\n' "$ACK_LINES" | grep -Evq "acked_by=($7)\$"
}

# check_results WHAT PCAP SRC EXPECTED: the Result Codes of SRC's StopCCNs.
check_results() {
	wait_for "$LIVE_WAIT" _results_are "$@"
	check_eq "$1" "$4" "$RESULTS"
}

_results_are() {
	RESULTS=$(pcap_field_of "$2" "$3" 4 l2tp.result_code | sort -u | tr '\n' ' ' | sed 's/ $//')
	[ "$RESULTS" = "$4" ]
}

# check_avps WHAT PCAP SRC MSGTYPE AVPTYPE...: the first message of MSGTYPE
# from SRC carries AVPs of all these types (tshark's decoding).
check_avps() {
	local what=$1 pcap=$2 src=$3 mt=$4 types t missing=
	shift 4
	types=$(pcap_field_of "$pcap" "$src" "$mt" l2tp.avp.type | head -n 1)
	for t in "$@"; do
		[[ ",$types," == *",$t,"* ]] || missing="$missing $t"
	done
	if [ -n "$types" ] && [ -z "$missing" ]; then
		ok "$what"
	else
		fail "$what: AVP types of message type $mt from $src: '$types', missing:$missing"
	fi
}

# check_hellos WHAT TUN_MARK: within two Hello intervals (+3 s) of silence,
# ltsd sends 2 Hellos on the captured leg, xl2tpd acks each with a ZLB, and
# ltsd logs nothing about the tunnel going wrong.
check_hellos() {
	local t=$((2 * CTRL_HELLO + 3))
	if pcap_wait "$CAP_LAC" "ip.src == $OUR_IP && l2tp.avp.message_type == 6" 2 "$t"; then
		ok "$1: 2 Hellos from ltsd within ${t}s"
	else
		fail "$1: Hellos from ltsd within ${t}s:" \
			"$(pcap_count "$CAP_LAC" "ip.src == $OUR_IP && l2tp.avp.message_type == 6")"
	fi
	check_acked "$1" "$CAP_LAC" HELLO "$OUR_IP" "$PEER_IP" 2 ZLB
	check_eq "$1: ltsd log lines about trouble on tun $TUN once up" "" "$(ltsd_tun_news "$2")"
}

# ---------------------------------------------------------------- scenarios

s1_plain() {
	lac_begin plain "xl2tpd LAC dials ltsd, no authentication" \
		"{name: lacs, address: $LAC_NET}"
	lac_check_up
	# Named once the handshake is complete (before that: debug, a flood stays quiet).
	check_ltsd_log "plain: ltsd names the LAC's Host Name" \
		"tun $TUN \[WAIT_CTL_CONN\] SCCCN from \"lac-plain\"$"
	scn_end
	check_match "plain: LAC leg: SCCRQ SCCRP SCCCN ICRQ ICRP ICCN on the wire" \
		'^1 2 3 10 11 12( |$)' "$(pcap_control_types "$CAP_LAC")"
	check_match "plain: LAC leg: ltsd sent SCCRP, ICRP (at SIGTERM CDN, StopCCN)" \
		'^2 11( 6)*( 14)? 4$' "$(pcap_types_from "$CAP_LAC" $OUR_IP)"
	check_eq "plain: SCCRP Host Name" "$LTSD_HOSTNAME" \
		"$(pcap_field_of "$CAP_LAC" $OUR_IP 2 l2tp.avp.host_name)"
	check_eq "plain: SCCRP Assigned Tunnel ID = ltsd's tunnel ID" "${TUN%/*}" \
		"$(pcap_field_of "$CAP_LAC" $OUR_IP 2 l2tp.avp.assigned_tunnel_id)"
	check_eq "plain: ICRP Assigned Session ID = ltsd's session ID" "${SESS%/*}" \
		"$(pcap_field_of "$CAP_LAC" $OUR_IP 11 l2tp.avp.assigned_session_id)"
	check_acked "plain" "$CAP_LAC" SCCRP $OUR_IP $PEER_IP 1 SCCCN
	check_acked "plain" "$CAP_LAC" ICCN $PEER_IP $OUR_IP 1 'ZLB|CDN|StopCCN' # ack delayed 100 ms
	check_match "plain: LNS leg: ltsd sent SCCRQ SCCCN ICRQ ICCN (at SIGTERM StopCCN)" \
		'^1 3 10 12( 6)* 4$' "$(pcap_types_from "$CAP_LNS" $V4_B_LOCAL)"
	check_eq "plain: LNS leg: SCCRQ Host Name" "$LTSD_HOSTNAME" \
		"$(pcap_field_of "$CAP_LNS" $V4_B_LOCAL 1 l2tp.avp.host_name)"
}

s2_auth() {
	lac_begin auth "tunnel authentication, both sides challenge" \
		"{name: lacs, address: $LAC_NET, secret: $SECRET}" secret=$SECRET
	lac_check_up
	check_ltsd_log "auth: ltsd authenticates the tunnel" \
		"tun $TUN \[WAIT_CTL_CONN\] SCCCN from \"lac-auth\", authenticated$"
	scn_end
	check_avps "auth: SCCRQ from xl2tpd carries Challenge (11)" "$CAP_LAC" $PEER_IP 1 11
	check_avps "auth: SCCRP from ltsd carries Challenge (11) and Challenge Response (13)" \
		"$CAP_LAC" $OUR_IP 2 11 13
	check_avps "auth: SCCCN from xl2tpd carries Challenge Response (13)" "$CAP_LAC" $PEER_IP 3 13
	check_match "auth: ltsd's Challenge Response = MD5(2 + secret + xl2tpd's Challenge)" \
		'^SCCRP .*chalresp=ok$' \
		"$(pcap_l2tp "$CAP_LAC" hidden $OUR_IP "$SECRET" | grep '^SCCRP ')"

	lac_begin auth-bad1 "wrong secret on ltsd, xl2tpd checks our Challenge Response" \
		"{name: lacs, address: $LAC_NET, secret: not-$SECRET}" secret=$SECRET
	check_xl2tpd_log "auth-bad1: xl2tpd rejects ltsd's Challenge Response" auth-bad1 \
		"Invalid authentication for host '$LTSD_HOSTNAME'"
	check_xl2tpd_log "auth-bad1: xl2tpd closes the tunnel" auth-bad1 \
		'Connection ([0-9]+ )?closed to .*Invalid challenge authentication'
	check_ltsd_log "auth-bad1: ltsd: the peer's StopCCN clears the tunnel" \
		'\[WAIT_CTL_CONN -> CLOSING\] rx StopCCN$'
	check_no_tunnel auth-bad1
	scn_end

	lac_begin auth-bad2 "wrong secret on ltsd, xl2tpd does not challenge" \
		"{name: lacs, address: $LAC_NET, secret: not-$SECRET}" secret=$SECRET challenge=no
	check_ltsd_log "auth-bad2: ltsd refuses xl2tpd's Challenge Response (StopCCN 4)" \
		'\] tx StopCCN result 4 error 0: bad challenge response$'
	xl2tpd_wait_tunnel_closed auth-bad2 5 ||
		fail "auth-bad2: xl2tpd did not log the tunnel closed"
	check_no_tunnel auth-bad2
	scn_end
	check_results "auth-bad2: Result Code of ltsd's StopCCN" "$CAP_LAC" $OUR_IP 4
	check_acked "auth-bad2" "$CAP_LAC" StopCCN $OUR_IP $PEER_IP 1 ZLB
}

s3_hidden() {
	local tid lines
	lac_begin hidden "hidden AVPs (lac_peer hide_avps: true)" \
		"{name: lacs, address: $LAC_NET, secret: $SECRET, hide_avps: true}" secret=$SECRET
	if ! lac_check_up && [ "$(xl2tpd_log_count hidden 'decrypt_avp: ')" -gt 0 ]; then
		log "NOTE  hidden: xl2tpd could not undo ltsd's hidden AVPs:" \
			"$(grep -m1 'decrypt_avp: ' "$(xl2tpd_dir hidden)/xl2tpd.log" | cut -c1-120)"
		log "      (xl2tpd 1.3.18 undoes the hidden AVPs of an SCCRP before it has" \
			"looked up its secret; the wire checks below undo them per RFC 2661 4.3)"
	fi
	tid=$(sed -n 's/.* tun \([0-9]*\)\/[0-9]* \[WAIT_CTL_CONN -> ESTABLISHED\] rx SCCCN$/\1/p' "$LTSD_LOG" |
		head -n 1)
	scn_end
	check_match "hidden: ltsd's control messages have AVPs with the H bit (l2tp.avp.hidden)" \
		'^[1-9]' "$(pcap_count "$CAP_LAC" "ip.src == $OUR_IP && l2tp.avp.hidden == 1")"
	lines=$(pcap_l2tp "$CAP_LAC" hidden $OUR_IP "$SECRET")
	# By design the first message hides nothing (agent/l2tp/tunnel.c first_message_opts):
	# xl2tpd picks the secret only after parsing it.
	check_match "hidden: SCCRP sent unhidden, as designed" \
		'^SCCRP hidden=0 no_rv=0 bad=0 ' "$(printf '%s\n' "$lines" | grep -m1 '^SCCRP ')"
	check_match "hidden: SCCRP: Assigned Tunnel ID = ltsd's tunnel ID ${tid:-?}" \
		"^SCCRP .* tid=${tid:-none} " "$(printf '%s\n' "$lines" | grep -m1 '^SCCRP ')"
	check_match "hidden: SCCRP: Challenge Response valid" '^SCCRP .*chalresp=ok$' \
		"$(printf '%s\n' "$lines" | grep -m1 '^SCCRP ')"
	check_eq "hidden: ltsd's messages with a hidden AVP before any Random Vector or not undone" "" \
		"$(printf '%s\n' "$lines" | grep -v ' no_rv=0 bad=0 ')"
	if [ -n "$SESS" ]; then
		check_match "hidden: ICRP: hidden Assigned Session ID = ltsd's session ID" \
			"^ICRP hidden=[1-9][0-9]* no_rv=0 bad=0 tid=- sid=${SESS%/*} " \
			"$(printf '%s\n' "$lines" | grep -m1 '^ICRP ')"
	fi
}

s4_hello() {
	lac_begin hello "idle tunnel: Hellos" "{name: lacs, address: $LAC_NET}"
	if lac_check_up; then
		check_hellos hello "[WAIT_CTL_CONN -> ESTABLISHED] rx SCCCN"
		check_eq "hello: xl2tpd tunnel closures" 0 \
			"$(xl2tpd_log_count hello 'Connection ([0-9]+ )?closed')"
	fi
	scn_end
}

s5_stopccn() {
	lac_begin stop-ltsd "StopCCN from ltsd (SIGTERM)" "{name: lacs, address: $LAC_NET}"
	if lac_check_up; then
		scn_stop_ltsd
		check_match "stop-ltsd: ltsd exits within 2 s: its StopCCNs are acked (${STOP_MS}ms)" \
			'^([0-9]{1,3}|1[0-9]{3})$' "$STOP_MS"
		check_xl2tpd_log "stop-ltsd: xl2tpd LAC: tunnel closed by ltsd" stop-ltsd \
			"Connection ([0-9]+ )?closed to $OUR_IP, port 1701 \(.*\), Local: ${TUN#*/}, Remote: ${TUN%/*}" 3
		check_xl2tpd_log "stop-ltsd: xl2tpd LNS: tunnel closed by ltsd" stop-ltsd-lns \
			"Connection closed to $V4_B_LOCAL, port 1701 \(" 3
	fi
	scn_end
	check_results "stop-ltsd: Result Code of ltsd's StopCCN to the LAC" "$CAP_LAC" $OUR_IP 6
	check_results "stop-ltsd: Result Code of ltsd's StopCCN to the LNS" "$CAP_LNS" $V4_B_LOCAL 6
	check_acked "stop-ltsd" "$CAP_LAC" StopCCN $OUR_IP $PEER_IP 1 ZLB

	lac_begin stop-xl2tpd "StopCCN from xl2tpd (control pipe 'd')" "{name: lacs, address: $LAC_NET}"
	if lac_check_up; then
		xl2tpd_disconnect stop-xl2tpd >/dev/null ||
			fail "stop-xl2tpd: control pipe 'd' not answered 00"
		check_ltsd_log "stop-xl2tpd: ltsd: tun $TUN takes the peer's StopCCN" \
			"tun $TUN \[ESTABLISHED\] peer StopCCN "
		check_ltsd_log "stop-xl2tpd: ltsd: tun $TUN ESTABLISHED -> CLOSING" \
			"tun $TUN \[ESTABLISHED -> CLOSING\] rx StopCCN$"
		check_ltsd_log "stop-xl2tpd: ltsd: sess $SESS down with the tunnel" \
			"tun $TUN sess $SESS \[ESTABLISHED -> DEAD\]"
		check_xl2tpd_log "stop-xl2tpd: xl2tpd LNS: the switched call is cleared" stop-xl2tpd-lns \
			"Connection closed to $V4_B_LOCAL, serial [0-9]+ " 3
		# CLOSING holds the tunnel for retransmitted StopCCNs, then frees it.
		check_ltsd_log "stop-xl2tpd: ltsd: tun $TUN CLOSING -> DEAD" \
			"tun $TUN \[CLOSING -> DEAD\]" $((($(ctrl_loss_budget_ms) + 999) / 1000 + 3))
	fi
	scn_end
	check_acked "stop-xl2tpd" "$CAP_LAC" StopCCN $PEER_IP $OUR_IP 1 ZLB
	check_match "stop-xl2tpd: ltsd sent no StopCCN of its own to the LAC" '^[^4]*$' \
		"$(pcap_types_from "$CAP_LAC" $OUR_IP)"
}

s6_ltsd_lac() {
	local l r t0 ms bound_ms
	scn_begin ltsd-lac "ltsd dials an xl2tpd LNS (persistent lns_peer)"
	OUR_IP=$V4_B_LOCAL PEER_IP=$V4_B_PEER
	scn_cap ltsd-lac "$NS_LNS" lns0 "$OUR_IP"
	CAP_LAC=$CAP # the leg of ltsd's tunnel (check_hellos)
	scn_xl2tpd lns6 "$NS_LNS" lns "$V4_B_PEER" "$V4_B_LOCAL" hostname=lns-six
	scn_ltsd "lns_peers:" \
		"  - {name: lns1, address: $V4_B_PEER, local: $V4_B_LOCAL, tunnel: persistent}"
	check_ltsd_log "ltsd-lac: ltsd dials lns1 at start" \
		'tun [0-9]+: dialling lns_peer lns1 \(persistent tunnel\)$'
	check_xl2tpd_log "ltsd-lac: xl2tpd LNS: Connection established" lns6 \
		"Connection established to $OUR_IP, 1701\. "
	read -r l r <<<"$(xl2tpd_tunnel_ids lns6)"
	TUN="$r/$l"
	check_ltsd_log "ltsd-lac: ltsd: tun $TUN WAIT_CTL_REPLY -> ESTABLISHED" \
		"tun $TUN \[WAIT_CTL_REPLY -> ESTABLISHED\] rx SCCRP$"
	check_hellos ltsd-lac "[WAIT_CTL_REPLY -> ESTABLISHED] rx SCCRP"

	# The LNS dies without StopCCN and comes back at once. ltsd notices at
	# its next Hello (<= hello_interval), gives up after the retransmission
	# budget, dials again after the first backoff. Bound: twice that, + 5 s.
	bound_ms=$((2 * (CTRL_HELLO * 1000 + $(ctrl_loss_budget_ms) + CTRL_REDIAL_MS) + 5000))
	t0=$(now_ms)
	xl2tpd_stop lns6 >/dev/null
	scn_xl2tpd lns6b "$NS_LNS" lns "$V4_B_PEER" "$V4_B_LOCAL" hostname=lns-six
	check_ltsd_log "ltsd-lac: ltsd gives up tun $TUN (retransmissions exhausted)" \
		"tun $TUN \[ESTABLISHED -> DEAD\] retransmissions exhausted$" $((bound_ms / 1000))
	check_ltsd_log "ltsd-lac: ltsd schedules a redial of lns1 after ${CTRL_REDIAL_MS} ms" \
		"lns_peer lns1: dialling again in $CTRL_REDIAL_MS ms$" 2
	if xl2tpd_wait_tunnel lns6b $((bound_ms / 1000)); then
		ms=$(($(now_ms) - t0))
		read -r l r <<<"$(xl2tpd_tunnel_ids lns6b)"
		check_ltsd_log "ltsd-lac: ltsd: new tun $r/$l WAIT_CTL_REPLY -> ESTABLISHED" \
			"tun $r/$l \[WAIT_CTL_REPLY -> ESTABLISHED\] rx SCCRP$" 2
		check_match "ltsd-lac: new tunnel ${ms}ms after the LNS stopped (bound ${bound_ms}ms)" \
			'^ok$' "$([ "$ms" -le "$bound_ms" ] && echo ok || echo late)"
		[ "$r/$l" != "$TUN" ] || fail "ltsd-lac: the new tunnel has the old IDs $TUN"
		TUN="$r/$l"
	else
		fail "ltsd-lac: the restarted LNS has no tunnel within $((bound_ms / 1000))s"
	fi
	scn_end
	check_xl2tpd_log "ltsd-lac: at SIGTERM, the restarted LNS sees ltsd close the tunnel" lns6b \
		"Connection closed to $OUR_IP, port 1701 \(.*\), Local: ${TUN#*/}, Remote: ${TUN%/*}" 1
	check_results "ltsd-lac: Result Code of ltsd's StopCCN" "$CAP_LAC" $OUR_IP 6
	check_match "ltsd-lac: ltsd sent SCCRQ SCCCN, Hellos, then SCCRQ SCCCN again and StopCCN" \
		'^1 3( 6)+ 1 3( 6)* 4$' "$(pcap_types_from "$CAP_LAC" $OUR_IP)"
}

s7_refused() {
	lac_begin refused "LAC not in lac_peers" "{name: elsewhere, address: 10.0.9.0/24}"
	check_ltsd_log "refused: ltsd logs the refusal" \
		"SCCRQ from $PEER_IP port 1701 refused: no lac_peer matches"
	xl2tpd_wait_tunnel_closed refused 5 ||
		fail "refused: xl2tpd did not log its tunnel closed"
	check_results "refused: Result Code of ltsd's StopCCN" "$CAP_LAC" $OUR_IP 4
	check_acked "refused" "$CAP_LAC" StopCCN $OUR_IP $PEER_IP 1 ZLB
	# Retransmissions of the SCCRQ (xl2tpd got its answer and sends none).
	pcap_replay "$NS_LAC" "$PEER_IP" "$OUR_IP" "$CAP_LAC" \
		"ip.src == $PEER_IP && l2tp.avp.message_type == 1" 2 ||
		fail "refused: cannot replay the SCCRQ"
	pcap_wait "$CAP_LAC" "ip.src == $PEER_IP && l2tp.avp.message_type == 1" 3 3 ||
		fail "refused: the replayed SCCRQs are not on the wire"
	sleep 0.5
	check_eq "refused: ltsd log lines about the refusal (3 SCCRQs)" 1 \
		"$(ltsd_log_count 'SCCRQ from .* refused')"
	check_no_tunnel refused
	check_eq "refused: xl2tpd tunnels established" 0 \
		"$(xl2tpd_log_count refused 'Connection established')"
	scn_end
	check_results "refused: Result Codes of all ltsd's StopCCNs" "$CAP_LAC" $OUR_IP 4
}

# ---------------------------------------------------------------- main

e2e_init
xl2tpd_check
xl2tpd_trap_exit
topo_create
bpffs_mount
T_ALL=$SECONDS

for s in ${CTRL_SCENARIOS:-s1_plain s2_auth s3_hidden s4_hello s5_stopccn s6_ltsd_lac s7_refused}; do
	"$s"
done
log "total: $((SECONDS - T_ALL))s"
e2e_done
