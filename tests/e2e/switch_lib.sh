# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # addresses etc. are for the callers
#
# Helpers of tests/e2e/test_switching.sh and scripts/demo.sh: ltsd switching
# signalled calls between xl2tpd or scripted (scapy_lac.py) LACs and xl2tpd
# LNSes. Source it after lib.sh and xl2tpd_lib.sh.
#
#        ns $NS_LAC                   ns $NS_LTS                      ns $NS_LNS
#  +-------------------+    +------------------------------+    +-------------------+
#  | 10.0.1.1 xl2tpd   |    |                              |    | 10.0.2.1 xl2tpd   |
#  |   LAC "bras-1"    |    |  ltsd (XDP on lts-a, lts-b)  |    |   LNS lns1        |
#  | 10.0.1.3 xl2tpd   |    |   lac_peers: 10.0.1.0/24     |    | 10.0.2.3 xl2tpd   |
#  |   LAC "lac-plain" |veth|   lns_peers: lns1 lns2       |veth|   LNS lns2        |
#  | 10.0.1.5 scapy    |----| lts-a                  lts-b |----| 10.0.2.9: nobody  |
#  |   LAC "lac-scapy" |    | 10.0.1.2            10.0.2.2 |    | 10.0.2.3:1702:    |
#  |  lac0             |    |                              |    |   port closed     |
#  +-------------------+    +------------------------------+    +-------------------+
#
# lib.sh's topo_create makes the namespaces and the first address of each
# veth end; sw_topo adds the others.
#
# Checksums: a UDP datagram a local socket sends into a veth carries only a
# partial checksum (CHECKSUM_PARTIAL: the NIC would finish it). XDP on the
# switch rewrites the frame and redirects it as a complete one, so the LNS's
# kernel would drop it as corrupt. xl2tpd sends without UDP checksums, the
# scripted LAC's kernel socket does not: sw_topo has the LAC and LNS
# namespaces' kernels compute full checksums, as a real peer's NIC would.

SW_LAC1_IP=$V4_A_PEER # xl2tpd LAC, Host Name bras-1 (rule by-host -> lns2)
SW_LAC2_IP=10.0.1.3   # xl2tpd LAC, Host Name lac-plain (rule default -> lns1)
SW_SLAC_IP=10.0.1.5   # scapy_lac.py, Host Name lac-scapy (lac_peer "scapy")
SW_LNS1_IP=$V4_B_PEER # xl2tpd LNS lns1
SW_LNS2_IP=10.0.2.3   # xl2tpd LNS lns2
SW_DEAD_IP=10.0.2.9   # lns_peer dead1: no host has this address
SW_CLOSED_PORT=1702   # lns_peer dead2: lns2's address, a port nobody listens on
SW_TSA_ID=lts-e2e.tsa.example
SW_HELLO=${SW_HELLO:-2}
SW_RT_INITIAL=200 SW_RT_MAX=8000 SW_RETRIES=2
SCAPY_LAC=$E2E_DIR/scapy_lac.py
LTSCTL=$BUILD/ltsctl

# sw_topo: lib.sh's topology plus the extra addresses of the diagram.
sw_topo() {
	topo_create
	ip -n "$NS_LAC" addr add $SW_LAC2_IP/24 dev lac0 || die "addr $SW_LAC2_IP"
	ip -n "$NS_LAC" addr add $SW_SLAC_IP/24 dev lac0 || die "addr $SW_SLAC_IP"
	ip -n "$NS_LNS" addr add $SW_LNS2_IP/24 dev lns0 || die "addr $SW_LNS2_IP"
	tx_csum_off "$NS_LAC" lac0 && tx_csum_off "$NS_LNS" lns0 ||
		die "cannot turn off TX checksum offload on lac0/lns0"
}

# sw_loss_budget: seconds (rounded up) until a peer that stopped answering
# is given up: the first transmission's timer plus every retransmission's.
sw_loss_budget() {
	local i t=$SW_RT_INITIAL sum=0
	for ((i = 0; i <= SW_RETRIES; i++)); do
		sum=$((sum + t))
		t=$((t * 2 > SW_RT_MAX ? SW_RT_MAX : t * 2))
	done
	echo $(((sum + 999) / 1000))
}

# sw_cfg MODE [EXTRA_YAML]: ltsd's config for the switching tests on stdout.
sw_cfg() {
	cfg_head "$1" | sed "/^  bpffs:/a\\
  tsa_id: $SW_TSA_ID\\
  control_socket: $E2E_TMP/ltsd.sock\\
  lockout: 60"
	cat <<EOF
control:
  hello_interval: $SW_HELLO
  retransmit_initial: $SW_RT_INITIAL
  retransmit_max: $SW_RT_MAX
  retries: $SW_RETRIES
lac_peers:
  - {name: scapy, address: $SW_SLAC_IP}
  - {name: lacs, address: 10.0.1.0/24}
lns_peers:
  - {name: lns1, address: $SW_LNS1_IP, local: $V4_B_LOCAL, hostname: lts-to-lns1}
  - {name: lns2, address: $SW_LNS2_IP, local: $V4_B_LOCAL, hostname: lts-to-lns2}
  - {name: dead1, address: $SW_DEAD_IP, local: $V4_B_LOCAL}
  - {name: dead2, address: $SW_LNS2_IP, port: $SW_CLOSED_PORT, local: $V4_B_LOCAL}
rules:
  # Scripted calls pick their rule by Called Number (decided at ICRQ).
  - name: failover
    match: {called_number: "200"}
    pool: [{lns: dead1, preference: 10}, {lns: lns1, preference: 20}]
  - name: all-down
    match: {called_number: "300"}
    pool: [{lns: dead1}, {lns: dead2}]
  - {name: to-lns1, match: {called_number: "401"}, pool: [{lns: lns1}]}
  - {name: to-lns2, match: {called_number: "402"}, pool: [{lns: lns2}]}
  # xl2tpd LACs: by the Host Name of their SCCRQ (decided at ICRQ).
  - {name: by-host, match: {lac_hostname: "bras-*"}, pool: [{lns: lns2}]}
  # The scripted LAC's other calls: by realm, decided at ICCN.
  - {name: isp2, match: {realm: isp2.example, lac_peer: scapy}, pool: [{lns: lns2}]}
  - {name: default, pool: [{lns: lns1}]}
EOF
}

# ---------------------------------------------------------------- ltsd log

# sw_log_count ERE: matching lines in ltsd's log.
sw_log_count() { grep -Ec -- "$1" "$LTSD_LOG" 2>/dev/null; }

_sw_log_at_least() { [ "$(sw_log_count "$1")" -ge "$2" ]; }

# sw_wait_log ERE [SECONDS] [COUNT]: until COUNT (1) lines match.
sw_wait_log() { wait_for "${2:-5}" _sw_log_at_least "$1" "${3:-1}"; }

# sw_check_log WHAT ERE [SECONDS] [COUNT]: ltsd logs it (bounded wait).
sw_check_log() {
	if sw_wait_log "$2" "${3:-5}" "${4:-1}"; then
		ok "$1"
		return 0
	fi
	fail "$1: no line /$2/ in $(basename "$LTSD_LOG") within ${3:-5}s"
	tail -n 8 "$LTSD_LOG" | cut -c1-200 | sed 's/^/      | /'
	return 1
}

# sw_call_lines CALL: ltsd's log lines about call CALL ("T/S": ltsd's tunnel
# and session ID on the LAC side), without timestamps.
sw_call_lines() { grep -F -- "call $1 -> " "$LTSD_LOG" | cut -d' ' -f2-; }

# sw_call_by_lac LAC_SESS: the "call T/S" of the switched call whose LAC leg
# has peer session ID LAC_SESS (the LAC's own call ID); sets SW_CALL (T/S),
# SW_RULE, SW_IDX (counter slot) and SW_LAC_* / SW_LNS_* (TUN PTUN SESS
# PSESS: ours and the peer's IDs of each leg). Fails when there is none.
sw_call_by_lac() {
	local line re='call ([0-9]+/[0-9]+) -> ([^:]+): switched: tun ([0-9]+)/([0-9]+) sess ([0-9]+)/([0-9]+) <-> tun ([0-9]+)/([0-9]+) sess ([0-9]+)/([0-9]+) \(counters \[([0-9]+)\]\)'
	line=$(grep -E -- "switched: tun [0-9]+/[0-9]+ sess [0-9]+/$1 <->" "$LTSD_LOG" | tail -n 1)
	[[ $line =~ $re ]] || return 1
	SW_CALL=${BASH_REMATCH[1]} SW_RULE=${BASH_REMATCH[2]}
	SW_LAC_TUN=${BASH_REMATCH[3]} SW_LAC_PTUN=${BASH_REMATCH[4]}
	SW_LAC_SESS=${BASH_REMATCH[5]} SW_LAC_PSESS=${BASH_REMATCH[6]}
	SW_LNS_TUN=${BASH_REMATCH[7]} SW_LNS_PTUN=${BASH_REMATCH[8]}
	SW_LNS_SESS=${BASH_REMATCH[9]} SW_LNS_PSESS=${BASH_REMATCH[10]}
	SW_IDX=${BASH_REMATCH[11]}
}

# ---------------------------------------------------------------- switch table

_swtab_is() { [ "$(swtab_count)" = "$1" ]; }

# check_swtab WHAT N [SECONDS]: the switch tables hold N entries (bounded
# wait: entries go when ltsd has handled the teardown).
check_swtab() {
	if wait_for "${3:-5}" _swtab_is "$2"; then
		ok "$1: switch tables hold $2 entries"
		return 0
	fi
	fail "$1: switch tables hold $(swtab_count) entries, expected $2:"
	head -n 30 "$E2E_TMP/entries.txt" | sed 's/^/      | /'
	return 1
}

# ---------------------------------------------------------------- scapy LAC

# slac_start TAG [--opt...] STEP...: run scapy_lac.py in $NS_LAC from
# $SW_SLAC_IP in the background; its JSON events go to $E2E_TMP/slac-TAG.jsonl.
slac_start() {
	local tag=$1
	shift
	ip netns exec "$NS_LAC" "$PY" "$SCAPY_LAC" --local "$SW_SLAC_IP" --peer "$V4_A_LOCAL" \
		"$@" >"$E2E_TMP/slac-$tag.jsonl" 2>"$E2E_TMP/slac-$tag.err" &
	SLAC_PID[$tag]=$!
	E2E_BG_PIDS+=("${SLAC_PID[$tag]}")
}
declare -A SLAC_PID=() SLAC_RC=()

# slac_events TAG ERE: the LAC's events matching ERE.
slac_events() { grep -E -- "$2" "$E2E_TMP/slac-$1.jsonl" 2>/dev/null; }

_slac_at_least() { [ "$(slac_events "$1" "$2" | wc -l)" -ge "$3" ]; }

# slac_wait TAG ERE [SECONDS] [COUNT]: until COUNT (1) events match ERE.
slac_wait() { wait_for "${3:-10}" _slac_at_least "$1" "$2" "${4:-1}"; }

# slac_ev TAG EV [CALL]: ERE of an event (optionally of one call).
slac_ev() { printf '"ev": "%s"%s' "$2" "${3:+, \"call\": \"$3\"}"; }

# slac_get TAG ERE EXPR: EXPR (Python, the event is e) of the first event
# matching ERE; empty when none.
slac_get() {
	slac_events "$1" "$2" | head -n 1 |
		"$PY" -c 'import json, sys
for l in sys.stdin:
    e = json.loads(l)
    v = eval(sys.argv[1])
    print(v if not isinstance(v, (list, dict)) else json.dumps(v))' "$3"
}

# slac_done TAG [SECONDS]: wait for the LAC to finish (killed after SECONDS);
# sets SLAC_RC[TAG]. Prints its stderr, if any.
slac_done() {
	local pid=${SLAC_PID[$1]}
	wait_pid_exit "$pid" "${2:-20}" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	SLAC_RC[$1]=$?
	[ -s "$E2E_TMP/slac-$1.err" ] && sed 's/^/      slac-'"$1"' stderr: /' "$E2E_TMP/slac-$1.err"
	return 0
}

# check_slac_ok TAG: the LAC ran every step (exit 0, no timeout).
check_slac_ok() {
	if [ "${SLAC_RC[$1]}" = 0 ]; then
		ok "$1: scripted LAC ran every step"
	else
		fail "$1: scripted LAC exited ${SLAC_RC[$1]}; its events:"
		grep -v '"data_' "$E2E_TMP/slac-$1.jsonl" | tail -n 12 | cut -c1-200 | sed 's/^/      | /'
	fi
}

# ---------------------------------------------------------------- captures

# sw_cap_start TAG NS IFACE FILTER: capture into $E2E_TMP/TAG.pcapng until
# sw_cap_stop TAG. Returns once tshark captures.
declare -A SW_CAP_PID=()
sw_cap_start() {
	local tag=$1
	ip netns exec "$2" tshark -n -q -i "$3" -f "$4" -w "$E2E_TMP/$tag.pcapng" \
		>"$E2E_TMP/$tag.tshark.log" 2>&1 &
	SW_CAP_PID[$tag]=$!
	E2E_BG_PIDS+=("${SW_CAP_PID[$tag]}")
	if ! wait_for 15 grep -qs "Capturing on" "$E2E_TMP/$tag.tshark.log"; then
		cat "$E2E_TMP/$tag.tshark.log" >&2
		die "tshark on $2/$3 did not start within 15s"
	fi
	sleep 0.3 # "Capturing on" comes just before the socket is live
}

sw_cap_stop() {
	local pid=${SW_CAP_PID[$1]}
	sleep 0.3 # the last frames reach the capture
	kill -INT "$pid" 2>/dev/null
	wait_pid_exit "$pid" 5 || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# pcap_ctrl PCAP FILTER: the L2TP control messages matching the display
# FILTER, decoded by scapy_lac.py (JSON lines, ZLBs included).
pcap_ctrl() {
	tshark -n -r "$1" -d udp.port==$SW_CLOSED_PORT,l2tp -Y "l2tp.type == 1 && ($2)" \
		-T fields -E occurrence=f -e udp.payload 2>/dev/null | "$PY" "$SCAPY_LAC" decode
}

# pcap_data PCAP SRC DST: "FRAMES BYTES" of the L2TP data messages from SRC
# to DST (bytes: UDP payload, what the per-session counters count).
pcap_data() {
	tshark -n -r "$1" -Y "l2tp.type == 0 && ip.src == $2 && ip.dst == $3" \
		-T fields -E occurrence=f -e udp.length 2>/dev/null |
		awk '{ n++; b += $1 - 8 } END { print n + 0, b + 0 }'
}

# pcap_grep PCAP SRC DST TEXT: how many L2TP data messages from SRC to DST
# carry TEXT (ASCII) anywhere in their UDP payload.
pcap_grep() {
	local hex
	hex=$(printf '%s' "$4" | od -An -tx1 | tr -d ' \n')
	tshark -n -r "$1" -Y "udp && ip.src == $2 && ip.dst == $3" \
		-T fields -E occurrence=f -e udp.payload 2>/dev/null | tr -d ':' | grep -c -- "$hex"
}

# ---------------------------------------------------------------- ltsctl

# ltsctl_sessions_json: ltsctl --json show sessions (ltsd's answer).
ltsctl_sessions_json() { "$LTSCTL" -s "$E2E_TMP/ltsd.sock" --json show sessions; }
