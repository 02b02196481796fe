# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the control-plane e2e tests: source it after lib.sh (and
# xl2tpd_lib.sh). ltsd's log, a control config with short timers, a capture
# of one leg, and an RFC 2661 reading of the captured control messages that
# does not depend on tshark (acknowledgements, hidden AVPs, Challenge
# Response), so that tshark's decoding stays an independent check.

# Short timers: Hello after 2 s of silence; a message unanswered after
# 200 + 400 + 800 ms (retries 2) clears the tunnel. retransmit_max must be
# >= 8000 (RFC 2661 5.8), it is never reached here.
CTRL_HELLO=${CTRL_HELLO:-2}
CTRL_RT_INITIAL=${CTRL_RT_INITIAL:-200}
CTRL_RT_MAX=${CTRL_RT_MAX:-8000}
CTRL_RETRIES=${CTRL_RETRIES:-2}
# ltsd's first redial of a persistent lns_peer (LTS_REDIAL_MIN_MS).
CTRL_REDIAL_MS=${CTRL_REDIAL_MS:-1000}

# ctrl_cfg FILE YAML_LINE...: a mode-off config (control plane only) with the
# short control: timers, then the lines given (lac_peers:, lns_peers: ...).
ctrl_cfg() {
	local f=$1 l
	shift
	{
		cfg_head off
		echo "control: {hello_interval: $CTRL_HELLO, retransmit_initial: $CTRL_RT_INITIAL," \
			"retransmit_max: $CTRL_RT_MAX, retries: $CTRL_RETRIES}"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

# ctrl_loss_budget_ms: how long an unanswered message takes to clear the
# tunnel: the first transmission's timer plus every retransmission's, each
# doubling up to retransmit_max.
ctrl_loss_budget_ms() {
	local i t=$CTRL_RT_INITIAL sum=0
	for ((i = 0; i <= CTRL_RETRIES; i++)); do
		sum=$((sum + t))
		t=$((t * 2 > CTRL_RT_MAX ? CTRL_RT_MAX : t * 2))
	done
	echo "$sum"
}

# now_ms: wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---------------------------------------------------------------- ltsd log

# ltsd_log_count ERE: matching lines in the current ltsd log.
ltsd_log_count() { grep -Ec -- "$1" "$LTSD_LOG" 2>/dev/null; }

# ltsd_wait_log ERE [SECONDS] [COUNT]: until COUNT (1) lines match.
ltsd_wait_log() { wait_for "${2:-5}" _ltsd_at_least "$1" "${3:-1}"; }

_ltsd_at_least() { [ "$(ltsd_log_count "$1")" -ge "$2" ]; }

# check_ltsd_log WHAT ERE [SECONDS] [COUNT]: ltsd logs it (bounded wait).
check_ltsd_log() {
	if ltsd_wait_log "$2" "${3:-5}" "${4:-1}"; then
		ok "$1"
		return 0
	fi
	fail "$1: no line /$2/ in $(basename "$LTSD_LOG") within ${3:-5}s"
	tail -n 8 "$LTSD_LOG" | cut -c1-200 | sed 's/^/      | /'
	return 1
}

# check_xl2tpd_log WHAT NAME ERE [SECONDS] [COUNT]: xl2tpd NAME logs it.
check_xl2tpd_log() {
	if xl2tpd_wait_log "$2" "$3" "${4:-5}" "${5:-1}"; then
		ok "$1"
		return 0
	fi
	fail "$1: no line /$3/ in xl2tpd '$2' log within ${4:-5}s"
	grep -v '^xl2tpd\[[0-9]*\]: "' "$(xl2tpd_dir "$2")/xl2tpd.log" | tail -n 6 |
		cut -c1-200 | sed 's/^/      | /'
	return 1
}

# ---------------------------------------------------------------- capture

# cap_start TAG NS IFACE: capture L2TP (UDP 1701) both ways on IFACE into
# $E2E_TMP/TAG.pcapng until cap_stop. Sets CAP; several may run at once.
CAP_PIDS=()
cap_start() {
	local pid
	CAP=$E2E_TMP/$1.pcapng
	ip netns exec "$2" tshark -n -q -i "$3" -f 'udp port 1701' -w "$CAP" \
		>"$E2E_TMP/$1.tshark.log" 2>&1 &
	pid=$!
	E2E_BG_PIDS+=("$pid")
	CAP_PIDS+=("$pid")
	if ! wait_for 15 grep -qs "Capturing on" "$E2E_TMP/$1.tshark.log"; then
		cat "$E2E_TMP/$1.tshark.log" >&2
		die "tshark on $2/$3 did not start within 15s"
	fi
	sleep 0.3
}

# cap_stop: end every capture (the files stay readable).
cap_stop() {
	local p
	[ ${#CAP_PIDS[@]} -gt 0 ] || return 0
	sleep 0.3 # let the last frames reach the captures
	for p in "${CAP_PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${CAP_PIDS[@]}"; do
		wait_pid_exit "$p" 5 || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	CAP_PIDS=()
}

# pcap_count PCAP FILTER: frames matching a tshark display filter (the
# capture may still be running: dumpcap writes every frame at once).
pcap_count() { tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l; }

_pcap_at_least() { [ "$(pcap_count "$1" "$2")" -ge "$3" ]; }

# pcap_wait PCAP FILTER COUNT SECONDS: until COUNT frames match (polls twice a second).
pcap_wait() {
	local deadline=$((SECONDS + $4))
	until _pcap_at_least "$1" "$2" "$3"; do
		[ $SECONDS -ge "$deadline" ] && return 1
		sleep 0.5
	done
}

# pcap_problems_from PCAP SRC: L2TP frames from SRC that tshark marks
# malformed or flags with an expert error.
pcap_problems_from() {
	tshark -n -r "$1" -Y "ip.src == $2 && l2tp && (_ws.malformed || _ws.expert.severity == error)" \
		-T fields -e frame.number -e _ws.col.Info -e _ws.expert.message 2>/dev/null
}

# check_wire_clean WHAT PCAP SRC [MIN]: tshark decodes every L2TP message
# SRC sent (at least MIN, default 1) without a malformed mark or error.
check_wire_clean() {
	local n problems
	n=$(pcap_count "$2" "ip.src == $3 && l2tp.type == 1")
	problems=$(pcap_problems_from "$2" "$3")
	if [ "$n" -ge "${4:-1}" ] && [ -z "$problems" ]; then
		ok "$1: tshark decodes all $n control messages from $3 cleanly"
	else
		fail "$1: tshark on the $n control messages from $3 (at least ${4:-1} expected):"
		printf '%s\n' "$problems" | head -n 10 | cut -c1-200 | sed 's/^/      | /'
	fi
}

# pcap_types_from PCAP SRC: message types of SRC's control messages as
# tshark names them (l2tp.avp.message_type numbers, ZLBs left out), in order.
pcap_types_from() {
	tshark -n -r "$1" -Y "ip.src == $2 && l2tp.type == 1 && l2tp.avp.message_type" \
		-T fields -E occurrence=f -e l2tp.avp.message_type 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

# pcap_field_of PCAP SRC MSGTYPE FIELD: FIELD (all occurrences, comma
# separated) of every control message of type MSGTYPE from SRC, one line each.
pcap_field_of() {
	tshark -n -r "$1" -Y "ip.src == $2 && l2tp.avp.message_type == $3" \
		-T fields -e "$4" 2>/dev/null
}

# ---------------------------------------------------------------- RFC 2661 reading

# pcap_l2tp PCAP MODE ARGS...: our own reading of the captured control
# messages (tshark only extracts the UDP payloads). Modes:
#   acks SRC PEER [SECRET]  one line per non-ZLB message from SRC:
#       "TYPE ns=N acked_by=TYPE|none" - the first later message from PEER,
#       in the same tunnel, whose Nr acknowledges it (RFC 2661 5.8)
#   hidden SRC SECRET       one line per message from SRC:
#       "TYPE hidden=N no_rv=N bad=N tid=ID|- sid=ID|- chalresp=ok|bad|-"
#       hidden AVPs undone with SECRET (RFC 2661 4.3); no_rv counts hidden
#       AVPs no Random Vector precedes, bad those whose original length does
#       not fit; tid/sid: Assigned Tunnel/Session ID; chalresp: Challenge
#       Response = MD5(message type + SECRET + the peer's Challenge) (4.2)
pcap_l2tp() {
	local pcap=$1
	shift
	tshark -n -r "$pcap" -Y 'l2tp.type == 1' -T fields -E occurrence=f \
		-e frame.number -e ip.src -e udp.payload 2>/dev/null |
		"$PY" -c '
import hashlib, struct, sys

NAMES = {0: "ZLB", 1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO",
         7: "OCRQ", 8: "OCRP", 9: "OCCN", 10: "ICRQ", 11: "ICRP", 12: "ICCN",
         14: "CDN", 15: "WEN", 16: "SLI"}
RV, CHAL, CHAL_RESP, TID, SID = 36, 11, 13, 9, 14

def unhide(typ, val, secret, rv):
    out = bytearray()
    for i in range(0, len(val), 16):
        seed = struct.pack(">H", typ) + secret + rv if i == 0 else secret + val[i - 16:i]
        out += bytes(a ^ k for a, k in zip(val[i:i + 16], hashlib.md5(seed).digest()))
    if len(out) < 2:
        return None
    olen = struct.unpack(">H", out[:2])[0]
    return bytes(out[2:2 + olen]) if olen <= len(out) - 2 else None

def parse(frame, src, b, secret):
    flags = struct.unpack_from(">H", b, 0)[0]
    off, end = 2, len(b)
    if flags & 0x4000:
        end = min(end, struct.unpack_from(">H", b, off)[0])
        off += 2
    tun, ses = struct.unpack_from(">HH", b, off)
    off += 4
    ns = nr = None
    if flags & 0x0800:
        ns, nr = struct.unpack_from(">HH", b, off)
        off += 4
    if flags & 0x0200:
        off += 2 + struct.unpack_from(">H", b, off)[0]
    m = dict(frame=frame, src=src, tun=tun, ns=ns, nr=nr, avps={}, hidden=0, no_rv=0, bad=0)
    rv = None
    first = True
    while off + 6 <= end:
        fl, vendor, typ = struct.unpack_from(">HHH", b, off)
        alen = fl & 0x3FF
        if alen < 6 or off + alen > end:
            m["bad"] += 1
            break
        val = b[off + 6:off + alen]
        off += alen
        if first:
            m["type"] = struct.unpack(">H", val[:2])[0] if typ == 0 and len(val) >= 2 else -1
            first = False
        if vendor != 0:
            continue
        if fl & 0x4000:
            m["hidden"] += 1
            if rv is None:
                m["no_rv"] += 1
                continue
            if secret is None:
                continue
            val = unhide(typ, val, secret, rv)
            if val is None:
                m["bad"] += 1
                continue
        elif typ == RV:
            rv = val
        m["avps"].setdefault(typ, val)
    m.setdefault("type", 0)
    return m

mode, args = sys.argv[1], sys.argv[2:]
secret = None
if mode == "acks" and len(args) > 2:
    secret = args[2].encode()
elif mode == "hidden":
    secret = args[1].encode()
msgs = []
for line in sys.stdin:
    f = line.split()
    if len(f) == 3:
        msgs.append(parse(int(f[0]), f[1], bytes.fromhex(f[2].replace(":", "")), secret))

# Tunnel pairs from SCCRQ/SCCRP: the SCCRP goes to the SCCRQ sender ID.
partner = {}
for m in msgs:
    if m["type"] == 2 and TID in m["avps"] and len(m["avps"][TID]) == 2:
        mine = struct.unpack(">H", m["avps"][TID])[0]
        partner[m["tun"]], partner[mine] = mine, m["tun"]

def after(nr, ns):
    return ((nr - ns - 1) & 0xFFFF) < 0x8000

def u16(m, t):
    v = m["avps"].get(t)
    return str(struct.unpack(">H", v)[0]) if v is not None and len(v) == 2 else "-"

if mode == "acks":
    src, peer = args[0], args[1]
    for i, m in enumerate(msgs):
        if m["src"] != src or m["type"] == 0 or m["ns"] is None:
            continue
        by = "none"
        for a in msgs[i + 1:]:
            if a["src"] != peer or a["nr"] is None:
                continue
            if m["tun"] in partner and a["tun"] != partner[m["tun"]]:
                continue
            if after(a["nr"], m["ns"]):
                by = NAMES.get(a["type"], str(a["type"]))
                break
        print("%s ns=%d acked_by=%s" % (NAMES.get(m["type"], str(m["type"])), m["ns"], by))
elif mode == "hidden":
    src = args[0]
    for i, m in enumerate(msgs):
        if m["src"] != src:
            continue
        cr = "-"
        if CHAL_RESP in m["avps"]:
            chal = None
            for c in reversed(msgs[:i]):
                if c["src"] != src and CHAL in c["avps"]:
                    chal = c["avps"][CHAL]
                    break
            want = hashlib.md5(bytes([m["type"]]) + secret + (chal or b"")).digest()
            cr = "ok" if chal is not None and m["avps"][CHAL_RESP] == want else "bad"
        print("%s hidden=%d no_rv=%d bad=%d tid=%s sid=%s chalresp=%s" % (
            NAMES.get(m["type"], str(m["type"])), m["hidden"], m["no_rv"], m["bad"],
            u16(m, TID), u16(m, SID), cr))
else:
    sys.exit("pcap_l2tp: unknown mode " + mode)
' "$@"
}

# pcap_replay NS SRC DST PCAP FILTER COUNT: send the UDP payload of the first
# frame matching FILTER again, COUNT times, from SRC:1701 to DST:1701 (raw,
# so that it needs no socket of its own next to a daemon on port 1701).
pcap_replay() {
	local hex
	hex=$(tshark -n -r "$4" -Y "$5" -T fields -E occurrence=f -e udp.payload 2>/dev/null | head -n 1)
	[ -n "$hex" ] || return 1
	ip netns exec "$1" "$PY" -c '
import sys
from scapy.all import IP, UDP, Raw, conf, send
conf.verb = 0
src, dst, hexs, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
send(IP(src=src, dst=dst) / UDP(sport=1701, dport=1701) / Raw(bytes.fromhex(hexs.replace(":", ""))),
     count=n, inter=0.05)' "$2" "$3" "$hex" "$6"
}
