#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
r"""
A minimal scripted L2TPv2 LAC (RFC 2661) for the e2e tests: a UDP socket
bound to the LAC's address and port 1701, no kernel L2TP, no pppd.

  scapy_lac.py --local 10.0.1.5 --peer 10.0.1.2 --hostname lac-scapy \
      tunnel \
      call c1 called=401 calling=5551234 tsa=upstream-tsa user=bob@isp2.example \
      data c1 5 hello  wait-rx c1 5 5  cdn c1  stopccn

Steps run in order; every wait is bounded. What happens is printed as JSON
lines on stdout, one event per line (flushed at once, so a test can follow a
running LAC with grep):

  {"ev": "tunnel", "tid": 4242, "peer_tid": 7, "peer_hostname": "lts-e2e"}
  {"ev": "icrp", "call": "c1", "sid": 101, "peer_sid": 9}
  {"ev": "tx", "call": "c1", "msg": "ICCN", "avps": [[0, 24, 1, 0, "0000fa00"], ...]}
  {"ev": "call", "call": "c1", "sid": 101, "peer_sid": 9}      ICCN acked
  {"ev": "data_tx", "call": "c1", "frames": ["ff030021...", ...]}
  {"ev": "data_rx", "call": "c1", "hex": "ff030021..."}
  {"ev": "cdn", "call": "c1", "sid": 101, "peer_sid": 9, "result": 2, "error": 10,
   "message": "...", "avps": [...]}
  {"ev": "stopccn", "result": 1, "error": 0, "message": "..."}
  {"ev": "timeout", "step": "wait-cdn c1 5"}
  {"ev": "done", "timeouts": 0, "calls": {"c1": {"tx": 5, "rx": 5, "state": "down"}}}

Steps:
  tunnel                    SCCRQ, SCCRP, SCCCN (acked): the control connection
  icrq CALL [KEY=VAL...]    ICRQ; waits for the ICRP (or a CDN). Keys:
                              called=S calling=S  Called / Calling Number
                              tsa=S               a TSA ID AVP (type 93); repeat
                                                  for a stack, first = oldest
                              bearer=N serial=N   Bearer Type, Call Serial Number
  iccn CALL [KEY=VAL...]    ICCN with Tx Connect Speed and Framing Type
                            (speed=N framing=N, default 64000 and 1, sync);
                            waits for its acknowledgement. Proxy AVPs, each
                            only if given (hex bytes unless noted):
                              lcp_init=H lcp_sent=H lcp_rx=H    (26, 27, 28)
                              auth_type=N user=S challenge=H    (29, 30, 31)
                              auth_id=N response=H              (32, 33)
                              proxy=yes: every one of 26-33 not given, with
                              fixed CHAP values (see PROXY_DEFAULTS)
  call CALL [KEY=VAL...]    icrq, then iccn (the keys go to the step they belong to)
  data CALL K [TAG]         K PPP frames (PPP IPv4/UDP to port 9, payload
                            "TAG CALL seq N", 0xff03 address/control) on CALL;
                            the call must have an ICRP (so frames may be sent
                            before the ICCN)
  hold SECONDS              receive only (acks, data, CDNs) for SECONDS
  wait-rx CALL N SECONDS    until N data frames arrived on CALL
  wait-cdn CALL SECONDS     until a CDN for CALL arrived
  wait-file PATH SECONDS    until PATH exists (a test's go-ahead)
  cdn CALL [RESULT [ERROR]] CDN (default 1 / 0); waits for its acknowledgement
  stopccn [RESULT]          StopCCN (default 1); waits for its acknowledgement

Reliable delivery (RFC 2661 5.8) is kept tiny: one message in flight at a
time, retransmitted after --rto seconds (doubling) at most --retries times;
every message received in order is acknowledged at once with a ZLB, a
duplicate is acknowledged again, one from the future is dropped (the peer
sends it again). Exit status: 0 when every step ran (refused calls included),
1 when a step timed out or the tunnel could not be opened, 2 for usage errors.

  scapy_lac.py decode < payloads.hex

reads L2TP messages as hex UDP payloads, one per line (tshark -T fields -e
udp.payload, colons allowed), and prints each control message as JSON
({"type": 12, "name": "ICCN", "tid": .., "sid": .., "ns": .., "nr": ..,
"avps": [[vendor, type, m, h, hex], ...]}), data messages as {"type": "data",
...}: the same codec that built the messages reads what the far side got.

The name is the test suite's: the messages are built with struct, not scapy
(importing scapy costs more than a second per run).
"""
import json
import os
import select
import socket
import struct
import sys
import time

PORT = 1701
F_T, F_L, F_S, F_O = 0x8000, 0x4000, 0x0800, 0x0200
VERSION = 2
M_BIT, H_BIT = 0x8000, 0x4000

# ---------------------------------------------------------------- AVP codec

# Message types (RFC 2661 3.2).
MSG = {1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO", 7: "OCRQ",
       8: "OCRP", 9: "OCCN", 10: "ICRQ", 11: "ICRP", 12: "ICCN", 14: "CDN",
       15: "WEN", 16: "SLI"}

# IETF AVPs: type -> (name, value kind, M bit we send). Kinds: u16, u32,
# str, hex (raw bytes), result (u16 result, u16 error, message).
AVPS = {
    0: ("Message Type", "u16", 1),
    1: ("Result Code", "result", 1),
    2: ("Protocol Version", "hex", 1),
    3: ("Framing Capabilities", "u32", 1),
    4: ("Bearer Capabilities", "u32", 1),
    7: ("Host Name", "str", 1),
    8: ("Vendor Name", "str", 0),
    9: ("Assigned Tunnel ID", "u16", 1),
    10: ("Receive Window Size", "u16", 1),
    14: ("Assigned Session ID", "u16", 1),
    15: ("Call Serial Number", "u32", 1),
    18: ("Bearer Type", "u32", 1),
    19: ("Framing Type", "u32", 1),
    21: ("Called Number", "str", 1),
    22: ("Calling Number", "str", 1),
    24: ("Tx Connect Speed", "u32", 1),
    26: ("Initial Received LCP CONFREQ", "hex", 0),
    27: ("Last Sent LCP CONFREQ", "hex", 0),
    28: ("Last Received LCP CONFREQ", "hex", 0),
    29: ("Proxy Authen Type", "u16", 0),
    30: ("Proxy Authen Name", "str", 0),
    31: ("Proxy Authen Challenge", "hex", 0),
    32: ("Proxy Authen ID", "u16", 0),
    33: ("Proxy Authen Response", "hex", 0),
    93: ("TSA ID", "str", 0),
}

# iccn KEY=VAL -> AVP type (proxy LCP and proxy authentication, 26-33).
PROXY_KEYS = {"lcp_init": 26, "lcp_sent": 27, "lcp_rx": 28, "auth_type": 29,
              "user": 30, "challenge": 31, "auth_id": 32, "response": 33}
# proxy=yes: a CHAP-MD5 exchange (auth type 2) and the LCP Configure-Requests
# around it: the caller's (MRU 1492, magic), ours (MRU, CHAP-MD5, magic), the
# caller's last one (id 2). Any byte string would do: the switch must relay
# them untouched.
PROXY_DEFAULTS = {
    "lcp_init": "0101000e010405d405061a2b3c4d",
    "lcp_sent": "01010013010405d40305c2230505065ca1ab1e",
    "lcp_rx": "0102000e010405d405061a2b3c4d",
    "auth_type": "2",
    "user": "user@isp2.example",
    "challenge": "00112233445566778899aabbccddeeff0f1e2d3c",
    "auth_id": "7",
    "response": "c0ffee00deadbeef0123456789abcdef",
}


def avp(atype, value, mandatory=None, vendor=0):
    """One AVP: M bit from the table unless given; value already bytes."""
    if mandatory is None:
        mandatory = AVPS.get(atype, ("", "", 1))[2]
    flags = (M_BIT if mandatory else 0) | (6 + len(value))
    return struct.pack("!HHH", flags, vendor, atype) + value


def avp_val(atype, text):
    """Encode a command-line value for AVP atype by its kind."""
    kind = AVPS[atype][1]
    if kind == "u16":
        return struct.pack("!H", int(text, 0))
    if kind == "u32":
        return struct.pack("!I", int(text, 0))
    if kind == "hex":
        return bytes.fromhex(text.replace(":", ""))
    return text.encode()


def parse_avps(body):
    """[(vendor, type, m, h, value bytes)] of a control message body."""
    out, off = [], 0
    while off + 6 <= len(body):
        flags, vendor, atype = struct.unpack("!HHH", body[off:off + 6])
        alen = flags & 0x3FF
        if alen < 6 or off + alen > len(body):
            raise ValueError("bad AVP length %d at offset %d" % (alen, off))
        out.append((vendor, atype, bool(flags & M_BIT), bool(flags & H_BIT),
                    body[off + 6:off + alen]))
        off += alen
    return out


def avp_list(avps):
    """JSON form of parse_avps(): [[vendor, type, m, h, hex], ...]."""
    return [[v, t, int(m), int(h), x.hex()] for v, t, m, h, x in avps]


def avp_get(avps, atype, kind=None):
    """The first IETF AVP atype, decoded by its kind (None when absent)."""
    for vendor, t, _, _, v in avps:
        if vendor == 0 and t == atype:
            kind = kind or AVPS.get(t, ("", "hex"))[1]
            if kind == "u16":
                return struct.unpack("!H", v[:2])[0]
            if kind == "u32":
                return struct.unpack("!I", v[:4])[0]
            if kind == "str":
                return v.decode(errors="replace")
            if kind == "result":
                res = struct.unpack("!H", v[:2])[0]
                err = struct.unpack("!H", v[2:4])[0] if len(v) >= 4 else None
                return res, err, v[4:].decode(errors="replace")
            return v
    return None


def parse_header(pkt):
    """(flags, tid, sid, ns, nr, body) of an L2TP message; ns/nr None without S."""
    flags = struct.unpack("!H", pkt[:2])[0]
    if flags & 0x000F != VERSION:
        raise ValueError("not L2TPv2 (version %d)" % (flags & 0xF))
    off = 2
    if flags & F_L:
        length = struct.unpack("!H", pkt[off:off + 2])[0]
        pkt = pkt[:length]
        off += 2
    tid, sid = struct.unpack("!HH", pkt[off:off + 4])
    off += 4
    ns = nr = None
    if flags & F_S:
        ns, nr = struct.unpack("!HH", pkt[off:off + 4])
        off += 4
    if flags & F_O:
        off += 2 + struct.unpack("!H", pkt[off:off + 2])[0]
    return flags, tid, sid, ns, nr, pkt[off:]


def control_header(tid, sid, ns, nr, body_len):
    return struct.pack("!HHHHHH", F_T | F_L | F_S | VERSION, 12 + body_len, tid, sid, ns, nr)


def seq_before(a, b):
    """a comes before b in 16-bit sequence space (RFC 2661 5.8)."""
    return a != b and ((b - a) & 0xFFFF) < 0x8000


# ---------------------------------------------------------------- PPP frames

def ip_checksum(hdr):
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ppp_frame(text, seq):
    """0xff03, PPP IPv4 (0x0021), IPv4/UDP 192.0.2.1:9 -> 192.0.2.2:9 with text."""
    data = text.encode()
    udp = struct.pack("!HHHH", 9, 9, 8 + len(data), 0) + data
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0,
                      socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.2"))
    hdr = hdr[:10] + struct.pack("!H", ip_checksum(hdr)) + hdr[12:]
    return b"\xff\x03\x00\x21" + hdr + udp


# ---------------------------------------------------------------- the LAC

class Timeout(Exception):
    pass


class Call:
    def __init__(self, name, sid):
        self.name, self.sid = name, sid
        self.peer_sid = 0
        self.state = "idle"  # idle, wait-icrp, wait-iccn, up, down
        self.tx = self.rx = 0


class Lac:
    def __init__(self, args):
        self.args = args
        self.peer = (args.peer, args.peer_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((args.local, args.port))
        self.tid, self.peer_tid = args.tunnel_id, 0
        self.ns = 0           # Ns of our next control message
        self.nr = 0           # Ns we expect next from the peer
        self.acked = 0        # the peer's latest Nr: our messages before it are acked
        self.tunnel_up = False
        self.calls = {}       # name -> Call
        self.next_sid = args.session_base
        self.timeouts = 0

    # -- output
    def event(self, ev, **kw):
        kw = dict(ev=ev, **kw)
        sys.stdout.write(json.dumps(kw) + "\n")
        sys.stdout.flush()

    # -- sending
    def send_zlb(self):
        self.sock.sendto(control_header(self.peer_tid, 0, self.ns, self.nr, 0), self.peer)

    def send_ctrl(self, mtype, avps, sid=0, what=None):
        """Send one control message reliably: retransmit until the peer's Nr
        passes its Ns (or the peer closed the tunnel); Timeout when it never does."""
        body = avp(0, struct.pack("!H", mtype)) + b"".join(avps)
        ns = self.ns
        self.ns = (self.ns + 1) & 0xFFFF
        rto, tries = self.args.rto, 0
        while True:
            self.sock.sendto(control_header(self.peer_tid, sid, ns, self.nr, len(body)) + body,
                             self.peer)
            deadline = time.monotonic() + rto
            if self.pump_until(lambda: seq_before(ns, self.acked) or self.tunnel_gone(), deadline):
                return
            tries += 1
            if tries > self.args.retries:
                raise Timeout("%s not acknowledged after %d retransmissions"
                              % (what or MSG[mtype], self.args.retries))
            rto *= 2

    def tunnel_gone(self):
        return self.peer_tid and not self.tunnel_up

    # -- receiving
    def pump_until(self, pred, deadline):
        """Receive and handle messages until pred() or the deadline; pred()'s value."""
        while True:
            if pred():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                pkt, src = self.sock.recvfrom(65535)
                if src[0] == self.peer[0]:
                    self.handle(pkt)

    def handle(self, pkt):
        try:
            flags, tid, sid, ns, nr, body = parse_header(pkt)
        except (ValueError, struct.error) as e:
            self.event("bad_packet", error=str(e), hex=pkt.hex())
            return
        if not flags & F_T:
            self.handle_data(sid, body)
            return
        if seq_before(self.acked, nr):
            self.acked = nr
        if not body:
            return  # ZLB: an acknowledgement only
        if ns != self.nr:
            if seq_before(ns, self.nr):
                self.send_zlb()  # a retransmission of one we had: ack again
            return
        self.nr = (self.nr + 1) & 0xFFFF
        avps = parse_avps(body)
        mtype = avp_get(avps, 0, "u16")
        self.send_zlb()
        self.handle_control(mtype, sid, avps)

    def call_by_sid(self, sid):
        for c in self.calls.values():
            if c.sid == sid:
                return c
        return None

    def handle_control(self, mtype, sid, avps):
        name = MSG.get(mtype, str(mtype))
        if mtype == 2:  # SCCRP
            self.peer_tid = avp_get(avps, 9) or 0
            self.peer_hostname = avp_get(avps, 7)
        elif mtype == 4:  # StopCCN
            res = avp_get(avps, 1) or (None, None, "")
            self.tunnel_up = False
            for c in self.calls.values():
                c.state = "down"
            self.event("stopccn", result=res[0], error=res[1], message=res[2])
        elif mtype == 6:  # HELLO: the ZLB above answered it
            self.event("hello")
        elif mtype == 11:  # ICRP
            c = self.call_by_sid(sid)
            if c and c.state == "wait-icrp":
                c.peer_sid = avp_get(avps, 14) or 0
                c.state = "wait-iccn"
                self.event("icrp", call=c.name, sid=c.sid, peer_sid=c.peer_sid)
        elif mtype == 14:  # CDN
            c = self.call_by_sid(sid)
            res = avp_get(avps, 1) or (None, None, "")
            if c:
                c.state = "down"
            self.event("cdn", call=c.name if c else None, sid=sid,
                       peer_sid=avp_get(avps, 14), result=res[0], error=res[1],
                       message=res[2], avps=avp_list(avps))
        else:
            self.event("rx", msg=name, sid=sid, avps=avp_list(avps))

    def handle_data(self, sid, payload):
        c = self.call_by_sid(sid)
        if c:
            c.rx += 1
        self.event("data_rx", call=c.name if c else None, sid=sid, hex=payload.hex())

    # -- steps
    def step_tunnel(self):
        avps = [avp(2, b"\x01\x00"), avp(7, self.args.hostname.encode()),
                avp(3, struct.pack("!I", 3)), avp(9, struct.pack("!H", self.tid)),
                avp(10, struct.pack("!H", 4))]
        self.send_ctrl(1, avps)
        if not self.pump_until(lambda: self.peer_tid, time.monotonic() + self.args.answer_timeout):
            raise Timeout("no SCCRP")
        self.tunnel_up = True
        self.send_ctrl(3, [])
        self.event("tunnel", tid=self.tid, peer_tid=self.peer_tid,
                   peer_hostname=self.peer_hostname)

    def step_icrq(self, name, kv):
        c = Call(name, self.next_sid)
        self.next_sid += 1
        self.calls[name] = c
        avps = [avp(14, struct.pack("!H", c.sid)),
                avp(15, struct.pack("!I", int(kv.get("serial", c.sid))))]
        if "bearer" in kv:
            avps.append(avp(18, avp_val(18, kv["bearer"])))
        if "called" in kv:
            avps.append(avp(21, kv["called"].encode()))
        if "calling" in kv:
            avps.append(avp(22, kv["calling"].encode()))
        for t in kv.get("tsa", []):
            avps.append(avp(93, t.encode()))
        c.state = "wait-icrp"
        self.event("icrq", call=name, sid=c.sid)
        self.send_ctrl(10, avps, what="ICRQ " + name)
        if not self.pump_until(lambda: c.state != "wait-icrp",
                               time.monotonic() + self.args.answer_timeout):
            raise Timeout("no ICRP or CDN for %s" % name)

    def step_iccn(self, name, kv):
        c = self.live_call(name, "iccn")
        if not c:
            return
        if c.state != "wait-iccn":
            self.event("skip", step="iccn " + name, why="call is " + c.state)
            return
        if kv.get("proxy") == "yes":
            kv = dict(PROXY_DEFAULTS, **kv)
        avps = [avp(24, struct.pack("!I", int(kv.get("speed", 64000)))),
                avp(19, struct.pack("!I", int(kv.get("framing", 1))))]
        for key, atype in sorted(PROXY_KEYS.items(), key=lambda kv: kv[1]):
            if key in kv:
                avps.append(avp(atype, avp_val(atype, kv[key])))
        self.event("tx", call=name, msg="ICCN", avps=avp_list(parse_avps(b"".join(avps))))
        self.send_ctrl(12, avps, sid=c.peer_sid, what="ICCN " + name)
        if c.state == "wait-iccn":
            c.state = "up"
            self.event("call", call=name, sid=c.sid, peer_sid=c.peer_sid)

    def live_call(self, name, step):
        c = self.calls.get(name)
        if not c:
            usage_error("%s: no call named %s" % (step, name))
        if c.state == "down":
            self.event("skip", step="%s %s" % (step, name), why="call is down")
            return None
        return c

    def step_data(self, name, count, tag):
        c = self.live_call(name, "data")
        if not c:
            return
        frames = []
        for i in range(count):
            ppp = ppp_frame("%s %s seq %d" % (tag, name, i + 1), i + 1)
            msg = struct.pack("!HHHH", F_L | VERSION, 8 + len(ppp), self.peer_tid,
                              c.peer_sid) + ppp
            self.sock.sendto(msg, self.peer)
            frames.append(ppp.hex())
            c.tx += 1
            self.pump_until(lambda: False, time.monotonic() + self.args.data_interval)
        self.event("data_tx", call=name, tag=tag, frames=frames)

    def step_cdn(self, name, result, error):
        c = self.live_call(name, "cdn")
        if not c:
            return
        c.state = "down"
        self.send_ctrl(14, [avp(1, struct.pack("!HH", result, error)),
                            avp(14, struct.pack("!H", c.sid))], sid=c.peer_sid,
                       what="CDN " + name)
        self.event("cdn_tx", call=name, result=result, error=error)

    def step_stopccn(self, result):
        if not self.tunnel_up:
            self.event("skip", step="stopccn", why="tunnel is down")
            return
        self.send_ctrl(4, [avp(9, struct.pack("!H", self.tid)),
                           avp(1, struct.pack("!HH", result, 0))], what="StopCCN")
        self.tunnel_up = False
        for c in self.calls.values():
            c.state = "down"
        self.event("stopccn_tx", result=result)

    def wait(self, step, pred, seconds):
        if not self.pump_until(pred, time.monotonic() + seconds):
            self.timeouts += 1
            self.event("timeout", step=step)

    def run(self, steps):
        for words in steps:
            op, args = words[0], words[1:]
            desc = " ".join(words)
            if op == "tunnel":
                self.step_tunnel()
            elif op in ("icrq", "iccn", "call"):
                kv = parse_kv(args[1:])
                if op in ("icrq", "call"):
                    self.step_icrq(args[0], kv)
                if op in ("iccn", "call"):
                    self.step_iccn(args[0], kv)
            elif op == "data":
                self.step_data(args[0], int(args[1]), args[2] if len(args) > 2 else "lac")
            elif op == "hold":
                self.pump_until(lambda: False, time.monotonic() + float(args[0]))
            elif op == "wait-rx":
                c = self.calls[args[0]]
                n = int(args[1])
                self.wait(desc, lambda: c.rx >= n, float(args[2]))
            elif op == "wait-cdn":
                c = self.calls[args[0]]
                self.wait(desc, lambda: c.state == "down", float(args[1]))
            elif op == "wait-file":
                self.wait(desc, lambda: os.path.exists(args[0]), float(args[1]))
            elif op == "cdn":
                self.step_cdn(args[0], int(args[1]) if len(args) > 1 else 1,
                              int(args[2]) if len(args) > 2 else 0)
            elif op == "stopccn":
                self.step_stopccn(int(args[0]) if args else 1)
        self.event("done", timeouts=self.timeouts,
                   calls={n: {"sid": c.sid, "peer_sid": c.peer_sid, "tx": c.tx, "rx": c.rx,
                              "state": c.state} for n, c in self.calls.items()})
        return 1 if self.timeouts else 0


def usage_error(msg):
    sys.stderr.write("scapy_lac: %s\n" % msg)
    sys.exit(2)


# Steps and how many words each takes after its name (None: KEY=VAL words).
STEP_ARGS = {"tunnel": (0, 0), "icrq": (1, None), "iccn": (1, None), "call": (1, None),
             "data": (2, 3), "hold": (1, 1), "wait-rx": (3, 3), "wait-cdn": (2, 2),
             "wait-file": (2, 2), "cdn": (1, 3), "stopccn": (0, 1)}


def split_steps(words):
    """['tunnel', 'call', 'c1', 'called=1', 'data', 'c1', '3'] -> [[...], ...]."""
    steps, i = [], 0
    while i < len(words):
        op = words[i]
        if op not in STEP_ARGS:
            usage_error("unknown step %r (steps: %s)" % (op, ", ".join(STEP_ARGS)))
        lo, hi = STEP_ARGS[op]
        j = i + 1
        while j < len(words) and words[j] not in STEP_ARGS and (hi is None or j - i - 1 < hi):
            j += 1
        if j - i - 1 < lo:
            usage_error("step %s needs %d argument(s)" % (op, lo))
        if op in ("icrq", "iccn", "call"):
            parse_kv(words[i + 2:j])  # usage errors before the first packet
        steps.append(words[i:j])
        i = j
    return steps


CALL_KEYS = {"called", "calling", "tsa", "bearer", "serial", "speed", "framing", "proxy"} | \
    set(PROXY_KEYS)


def parse_kv(words):
    kv = {}
    for w in words:
        if "=" not in w:
            usage_error("expected KEY=VALUE, got %r" % w)
        k, v = w.split("=", 1)
        if k not in CALL_KEYS:
            usage_error("unknown key %r (keys: %s)" % (k, ", ".join(sorted(CALL_KEYS))))
        if k == "tsa":
            kv.setdefault("tsa", []).append(v)
        else:
            kv[k] = v
    return kv


# ---------------------------------------------------------------- decode

def decode(lines):
    for line in lines:
        h = line.strip().replace(":", "")
        if not h:
            continue
        try:
            pkt = bytes.fromhex(h)
            flags, tid, sid, ns, nr, body = parse_header(pkt)
        except (ValueError, struct.error) as e:
            print(json.dumps({"error": str(e), "hex": h}))
            continue
        if not flags & F_T:
            print(json.dumps({"type": "data", "tid": tid, "sid": sid, "ppp": body.hex()}))
            continue
        if not body:
            print(json.dumps({"type": "ZLB", "tid": tid, "sid": sid, "ns": ns, "nr": nr}))
            continue
        avps = parse_avps(body)
        mtype = avp_get(avps, 0, "u16")
        print(json.dumps({"type": mtype, "name": MSG.get(mtype, "?"), "tid": tid, "sid": sid,
                          "ns": ns, "nr": nr,
                          "avps": avp_list(avps)}))


def main():
    import argparse

    if len(sys.argv) > 1 and sys.argv[1] == "decode":
        decode(sys.stdin)
        return 0
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--local", required=True, help="our IPv4 address (bound, port --port)")
    ap.add_argument("--peer", required=True, help="the LNS (the switch) to open the tunnel to")
    ap.add_argument("--port", type=int, default=PORT)
    ap.add_argument("--peer-port", type=int, default=PORT)
    ap.add_argument("--hostname", default="lac-scapy", help="Host Name AVP of the SCCRQ")
    ap.add_argument("--tunnel-id", type=int, default=4242, help="our Assigned Tunnel ID")
    ap.add_argument("--session-base", type=int, default=101, help="first Assigned Session ID")
    ap.add_argument("--rto", type=float, default=1.0, help="first retransmission timeout (s)")
    ap.add_argument("--retries", type=int, default=3, help="retransmissions before giving up")
    ap.add_argument("--answer-timeout", type=float, default=15.0,
                    help="how long to wait for an SCCRP or an ICRP/CDN (s)")
    ap.add_argument("--data-interval", type=float, default=0.01,
                    help="pause after each data frame (s)")
    ap.add_argument("steps", nargs=argparse.REMAINDER, help="steps, see above")
    args = ap.parse_args()
    steps = split_steps(args.steps)
    lac = Lac(args)
    try:
        return lac.run(steps)
    except Timeout as e:
        lac.event("error", error=str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
