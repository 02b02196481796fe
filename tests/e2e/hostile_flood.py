#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
r"""
The attacker of tests/e2e/test_hostile.sh: L2TP packets a hostile host on
the LAC-side segment sends to the switch, bounded in count and time.

Frames are built here with struct (building thousands with scapy would take
longer than the flood itself) and sent on an AF_PACKET socket, so any IPv4
source address can be spoofed; the IP and UDP checksums are computed.

  hostile_flood.py sccrq --iface atk0 --dst-mac M --dst 10.0.1.2 \
      --spec 10.99.0.0/17:3000:1 --spec 10.98.0.0/17:3000:1 \
      --rate 1000 --max-seconds 15 --ledger sccrq.ledger
        valid SCCRQs; --spec PREFIX:SOURCES:PER_SOURCE: SOURCES addresses of
        PREFIX (from its first host on), PER_SOURCE SCCRQs each (a distinct
        Assigned Tunnel ID every time); the specs are interleaved
  hostile_flood.py malformed --spec 10.99.128.0/17 --spec 10.98.128.0/17 \
      --live-tunnel T ...
        every malformed control message of malformed_catalogue(), once from
        each PREFIX, every packet from an address of its own; with
        --live-tunnel, control messages for that tunnel too
  hostile_flood.py spoofdata --live-tunnel T --live-session S \
      --lns-tunnel T2 --lns-session S2 --live-src 10.0.1.1 ...
        L2TP data frames with the live call's IDs from wrong sources and
        ports, and for unknown sessions; the PPP payload says "SPOOF"
  hostile_flood.py info --local 10.0.1.66 --peer 10.0.1.2 --count 2000 \
      --max-seconds 8 --called 666
        a LAC that is allowed in (its own lac_peer): tunnel, call, then a
        flood of WEN and SLI messages on the call, pipelined in a window of
        --window, then CDN and StopCCN (built on scapy_lac.py's LAC)

Each command prints one JSON line: {"kind": ..., "sent": N, "by": {...},
"seconds": S}. --ledger FILE appends one line per spoofed source: "ADDRESS
PACKETS KIND [T1,T2,...]", so that the test can hold every answer of the
switch against what each spoofed address sent (the send times, in seconds
from the start, of the sources that send more than one SCCRQ: what a token
bucket lets through follows from them).
"""
import argparse
import ipaddress
import json
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scapy_lac  # noqa: E402  (the codec and LAC of the e2e tests)

F_T, F_L, F_S, F_O, F_P = 0x8000, 0x4000, 0x0800, 0x0200, 0x0100
M_BIT, H_BIT = 0x8000, 0x4000

# ---------------------------------------------------------------- frames


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Wire:
    """An AF_PACKET socket on iface sending IPv4/UDP frames to dst_mac."""

    def __init__(self, iface, dst_mac, dst, dport=1701):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((iface, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        src_mac = open("/sys/class/net/%s/address" % iface).read().strip()
        self.eth = (bytes.fromhex(dst_mac.replace(":", "")) +
                    bytes.fromhex(src_mac.replace(":", "")) + b"\x08\x00")
        self.dst = socket.inet_aton(dst)
        self.dport = dport
        self.ip_id = 0
        self.sent = 0

    def frame(self, src, sport, payload, dst=None):
        dst = socket.inet_aton(dst) if dst else self.dst
        src = socket.inet_aton(src)
        ulen = 8 + len(payload)
        pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
        udp = struct.pack("!HHHH", sport, self.dport, ulen, 0) + payload
        c = csum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, self.ip_id, 0x4000, 64, 17, 0,
                         src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return self.eth + ip + udp

    def send(self, src, sport, payload, dst=None):
        f = self.frame(src, sport, payload, dst)
        while True:
            try:
                self.sock.send(f)
                break
            except BlockingIOError:
                time.sleep(0.001)
            except OSError as e:  # ENOBUFS: the qdisc is full, try again
                if e.errno != 105:
                    raise
                time.sleep(0.001)
        self.sent += 1


class Pacer:
    """At most rate packets per second, at most max_seconds in all."""

    def __init__(self, rate, max_seconds):
        self.rate, self.t0 = rate, time.monotonic()
        self.deadline = self.t0 + max_seconds
        self.n = 0

    def tick(self):
        """False once the time budget is spent."""
        self.n += 1
        ahead = self.n / self.rate - (time.monotonic() - self.t0)
        if ahead > 0.002:
            time.sleep(ahead)
        return time.monotonic() < self.deadline

    def seconds(self):
        return round(time.monotonic() - self.t0, 3)


def hosts(prefix):
    """The host addresses of prefix, in order, as strings."""
    net = ipaddress.ip_network(prefix, strict=False)
    for a in net.hosts():
        yield str(a)


# ---------------------------------------------------------------- control messages

avp = scapy_lac.avp


def ctrl(avps, tid=0, sid=0, ns=0, nr=0, flags=F_T | F_L | F_S):
    body = b"".join(avps)
    return struct.pack("!HHHHHH", flags | 2, 12 + len(body), tid, sid, ns, nr) + body


def sccrq_avps(hostname, tid):
    return [avp(0, struct.pack("!H", 1)), avp(2, b"\x01\x00"), avp(7, hostname.encode()),
            avp(3, struct.pack("!I", 3)), avp(9, struct.pack("!H", tid)),
            avp(10, struct.pack("!H", 4))]


def with_avp_len(a, length):
    """AVP a with its 10-bit Length field set to length (flags kept)."""
    flags = struct.unpack("!H", a[:2])[0]
    return struct.pack("!H", (flags & 0xFC00) | (length & 0x3FF)) + a[2:]


def with_avp_flags(a, set_bits):
    flags = struct.unpack("!H", a[:2])[0]
    return struct.pack("!H", flags | set_bits) + a[2:]


def malformed_catalogue(tid_gen, live_tunnel=0):
    """[(kind, udp payload)]: every header and AVP length, hidden AVPs without
    a Random Vector, bad Message Types and other broken control messages."""
    out = []

    def base(avps=None):
        return avps if avps is not None else sccrq_avps("mal-%d" % next(tid_gen), next(tid_gen))

    good = ctrl(base())
    # Header: the datagram cut anywhere inside the 12-byte header.
    for n in range(0, 12):
        out.append(("hdr_truncated", good[:n]))
    # Length field below the header, and cutting the body (not at an AVP end).
    for length in list(range(0, 12)) + [13, 14, 17, 20, 25, len(good) - 1]:
        m = ctrl(base())
        out.append(("len_too_short", m[:2] + struct.pack("!H", length) + m[4:]))
    # Length field beyond the datagram.
    for extra in (1, 2, 6, 100, 0xFFFF):
        m = ctrl(base())
        length = min(len(m) + extra, 0xFFFF)
        out.append(("len_too_long", m[:2] + struct.pack("!H", length) + m[4:]))
    # The datagram cut inside the body, Length still the full message.
    m = ctrl(base())
    for n in range(13, len(m), 3):
        out.append(("body_truncated", m[:n]))
    # Header bits: versions, T without L or S, O and P on a control message.
    for ver in (0, 1, 3, 15):
        m = ctrl(base())
        out.append(("hdr_flags", struct.pack("!H", F_T | F_L | F_S | ver) + m[2:]))
    for fl in (F_T, F_T | F_L, F_T | F_S):
        body = b"".join(base())
        h = struct.pack("!H", fl | 2)
        if fl & F_L:
            h += struct.pack("!H", 2 + 2 + 4 + (4 if fl & F_S else 0) + len(body))
        h += struct.pack("!HH", 0, 0)
        if fl & F_S:
            h += struct.pack("!HH", 0, 0)
        out.append(("hdr_flags", h + body))
    for extra_bits in (F_O, F_P, 0x3000, 0x00F0):
        m = ctrl(base())
        fl = struct.unpack("!H", m[:2])[0] | extra_bits
        out.append(("hdr_flags", struct.pack("!H", fl) + m[2:]))
    # Every AVP's Length: 0..len+8 (below 6, short of the value, beyond the message).
    n_avps = len(base())
    for i in range(n_avps):
        avps = base()
        orig = len(avps[i])
        for length in list(range(0, orig + 9)) + [1023]:
            if length == orig:
                continue
            avps = base()
            avps[i] = with_avp_len(avps[i], length)
            out.append(("avp_len", ctrl(avps)))
    # Hidden AVPs without a Random Vector (RFC 2661 4.3), each AVP in turn,
    # and a Random Vector after the hidden AVP, an empty one, a hidden AVP
    # too short to hold its original length.
    for i in range(n_avps):
        avps = base()
        avps[i] = with_avp_flags(avps[i], H_BIT)
        out.append(("hidden_no_rv", ctrl(avps)))
    avps = base()
    avps[2] = with_avp_flags(avps[2], H_BIT)
    avps.append(avp(36, b"\x11" * 16))
    out.append(("hidden_no_rv", ctrl(avps)))
    avps = base()
    avps.insert(1, avp(36, b""))
    avps[3] = with_avp_flags(avps[3], H_BIT)
    out.append(("hidden_bad", ctrl(avps)))
    for vlen in (0, 1):
        avps = base()
        avps.insert(1, avp(36, b"\x22" * 16))
        avps.insert(2, struct.pack("!HHH", M_BIT | H_BIT | (6 + vlen), 0, 7) + b"\x00" * vlen)
        out.append(("hidden_bad", ctrl(avps)))
    # Message Type: not first, short, long, unknown values, vendor, hidden, absent.
    avps = base()
    avps[0], avps[1] = avps[1], avps[0]
    out.append(("msg_type", ctrl(avps)))
    for vlen in (0, 1, 3, 4):
        avps = base()
        avps[0] = avp(0, b"\x00\x01\x00\x00"[:vlen] if vlen <= 2 else b"\x00\x01" + b"\0" * (vlen - 2))
        out.append(("msg_type", ctrl(avps)))
    for t in (0, 5, 13, 17, 255, 0xFFFF, 2, 3, 4, 6, 10, 12, 14, 15, 16):
        avps = base()
        avps[0] = avp(0, struct.pack("!H", t))
        out.append(("msg_type", ctrl(avps)))
    avps = base()
    avps[0] = struct.pack("!HHH", M_BIT | 8, 9, 0) + struct.pack("!H", 1)
    out.append(("msg_type", ctrl(avps)))
    avps = base()
    avps[0] = with_avp_flags(avps[0], H_BIT)
    out.append(("msg_type", ctrl(avps)))
    out.append(("msg_type", ctrl(base()[1:])))
    # Other broken SCCRQs: unknown mandatory AVPs, reserved bits, missing,
    # zero or duplicated IDs, an empty or maximal Host Name, other versions,
    # hundreds of tiny AVPs, a lone Message Type.
    avps = base()
    avps.append(avp(200, b"\x01\x02", mandatory=True))
    out.append(("avp_misc", ctrl(avps)))
    avps = base()
    avps.append(avp(7, b"\x01\x02\x03", mandatory=True, vendor=9))
    out.append(("avp_misc", ctrl(avps)))
    for bits in (0x2000, 0x1000, 0x0800, 0x0400):
        avps = base()
        avps[2] = with_avp_flags(avps[2], bits)
        out.append(("avp_misc", ctrl(avps)))
    for drop in (1, 2, 3, 4):  # Protocol Version, Host Name, Framing Cap., Assigned TID
        avps = base()
        del avps[drop]
        out.append(("avp_misc", ctrl(avps)))
    avps = base()
    avps[4] = avp(9, b"\x00\x00")
    out.append(("avp_misc", ctrl(avps)))
    avps = base()
    avps.append(avp(9, struct.pack("!H", next(tid_gen))))
    out.append(("avp_misc", ctrl(avps)))
    for name in (b"", b"h" * 1017):
        avps = base()
        avps[2] = avp(7, name)
        out.append(("avp_misc", ctrl(avps)))
    for ver in (b"\x02\x00", b"\x01\x01", b"", b"\x01\x00\x00"):
        avps = base()
        avps[1] = avp(2, ver)
        out.append(("avp_misc", ctrl(avps)))
    avps = base() + [avp(0xFFF0 - k, b"", mandatory=False, vendor=0x4C54) for k in range(230)]
    out.append(("avp_misc", ctrl(avps)))
    out.append(("avp_misc", ctrl([avp(0, struct.pack("!H", 1))])))
    # Not an SCCRQ where a new connection starts, or not where one starts.
    for t in (3, 4, 6, 10, 12, 14):
        out.append(("wrong_start", ctrl([avp(0, struct.pack("!H", t)),
                                         avp(9, struct.pack("!H", next(tid_gen)))])))
    for ns in (1, 7, 0x8000):
        out.append(("wrong_start", ctrl(base(), ns=ns)))
    for _ in range(6):
        out.append(("wrong_start", ctrl(base(), tid=random.randint(1, 0xFFFF))))
    out.append(("wrong_start", ctrl([])))  # a ZLB for tunnel 0
    # The live tunnel's ID from an address that is not its peer's: StopCCN,
    # Hello, ICRQ, CDN and ZLBs with any Ns, all to be ignored.
    if live_tunnel:
        for t in (4, 6, 10, 14, None):
            for ns in range(4):
                avps = [] if t is None else [avp(0, struct.pack("!H", t)),
                                             avp(1, struct.pack("!HH", 1, 0)),
                                             avp(9, struct.pack("!H", next(tid_gen))),
                                             avp(14, struct.pack("!H", next(tid_gen)))]
                out.append(("wrong_peer", ctrl(avps, tid=live_tunnel, ns=ns, nr=ns)))
    return out


def cmd_sccrq(a, wire, ledger):
    specs = []
    for s in a.spec:
        prefix, n, per = s.split(":")
        g = hosts(prefix)
        specs.append({"prefix": prefix, "srcs": [next(g) for _ in range(int(n))],
                      "per": int(per)})
    # One round: every source of every spec once, interleaved; PER_SOURCE rounds.
    order = []
    for r in range(max(s["per"] for s in specs)):
        lanes = [[(s["prefix"], x) for x in s["srcs"]] for s in specs if r < s["per"]]
        longest = max(len(lane) for lane in lanes)
        for k in range(longest):
            for lane in lanes:
                if k < len(lane):
                    order.append(lane[k])
    pace = Pacer(a.rate, a.max_seconds)
    tid = a.tid_base
    per_src, by, times = {}, {}, {}
    heavy = set(x for s in specs if s["per"] > 1 for x in s["srcs"])
    for prefix, src in order:
        tid = tid % 0xFFFF + 1
        wire.send(src, a.sport, ctrl(sccrq_avps("spoof-%s" % src, tid)))
        per_src[src] = per_src.get(src, 0) + 1
        by[prefix] = by.get(prefix, 0) + 1
        if src in heavy:
            times.setdefault(src, []).append(round(time.monotonic() - pace.t0, 4))
        if not pace.tick():
            break
    for src, n in per_src.items():
        ledger.write("%s %d sccrq%s\n" % (src, n, "" if src not in times else
                                           " " + ",".join(str(t) for t in times[src])))
    return {"kind": "sccrq", "sent": wire.sent, "sources": len(per_src), "by": by,
            "seconds": pace.seconds()}


def cmd_malformed(a, wire, ledger):
    tids = iter(range(a.tid_base, a.tid_base + 1000000))

    def tid_gen():
        while True:
            yield next(tids) % 0xFFFF + 1
    gen = tid_gen()
    pace = Pacer(a.rate, a.max_seconds)
    by = {}
    srcs = [hosts(p) for p in a.spec]
    done = False
    for i, src_iter in enumerate(srcs):
        for kind, payload in malformed_catalogue(gen, a.live_tunnel):
            src = next(src_iter)
            wire.send(src, a.sport, payload)
            ledger.write("%s 1 malformed:%s\n" % (src, kind))
            by[kind] = by.get(kind, 0) + 1
            if not pace.tick():
                done = True
                break
        if done:
            break
    return {"kind": "malformed", "sent": wire.sent, "by": by, "seconds": pace.seconds()}


def data_msg(tid, sid, text, flags=F_L):
    ppp = scapy_lac.ppp_frame(text, 1)
    hdr = struct.pack("!H", flags | 2)
    rest = struct.pack("!HH", tid, sid)
    if flags & F_S:
        rest += struct.pack("!HH", 0, 0)
    if flags & F_L:
        return hdr + struct.pack("!H", 4 + len(rest) + len(ppp)) + rest + ppp
    return hdr + rest + ppp


def cmd_spoofdata(a, wire, ledger):
    """(kind, src, sport, dst, tid, sid): frames the switch must not forward."""
    variants = []
    lt, ls = a.live_tunnel, a.live_session
    variants.append(("wrong_addr", a.attacker, 1701, None, lt, ls))
    variants.append(("wrong_port", a.live_src, 1702, None, lt, ls))
    variants.append(("wrong_port", a.live_src, 1700, None, lt, ls))
    variants.append(("other_lac", a.other_lac, 1701, None, lt, ls))
    spoofed = hosts(a.spoof_prefix)
    variants.append(("lns_ids", a.live_src, 1701, None, a.lns_tunnel, a.lns_session))
    if a.lns_src:
        # The LNS's own address and port with the LNS leg's IDs, arriving
        # on the LAC side: the right key on the wrong interface.
        variants.append(("lns_src_wrong_side", a.lns_src, 1701, a.lns_local,
                         a.lns_tunnel, a.lns_session))
    pace = Pacer(a.rate, a.max_seconds)
    by = {}
    flag_mix = (F_L, 0, F_L | F_S, F_S)
    stop = False
    for k in range(a.per_kind):
        for kind, src, sport, dst, tid, sid in variants:
            fl = flag_mix[k % len(flag_mix)]
            wire.send(src, sport, data_msg(tid, sid, "SPOOF %s %d" % (kind, k), fl), dst)
            by[kind] = by.get(kind, 0) + 1
            if not pace.tick():
                stop = True
                break
        if stop:
            break
        # The live call's IDs from spoofed addresses of the test's range.
        src = next(spoofed)
        wire.send(src, 1701, data_msg(lt, ls, "SPOOF spoofed_src %d" % k))
        ledger.write("%s 1 spoofdata\n" % src)
        by["spoofed_src"] = by.get("spoofed_src", 0) + 1
        # Unknown sessions: of the live tunnel from the live LAC, and random IDs.
        wire.send(a.live_src, 1701, data_msg(lt, (ls + 1 + k) & 0xFFFF or 1,
                                             "SPOOF unknown_session %d" % k))
        wire.send(a.live_src, 1701, data_msg(random.randint(1, 0xFFFF), random.randint(1, 0xFFFF),
                                             "SPOOF unknown_tunnel %d" % k))
        by["unknown_session"] = by.get("unknown_session", 0) + 2
        if not pace.tick():
            break
    return {"kind": "spoofdata", "sent": wire.sent, "by": by, "seconds": pace.seconds()}


# ---------------------------------------------------------------- WEN/SLI flood


class InfoLac(scapy_lac.Lac):
    """scapy_lac's LAC with a pipelined WEN/SLI sender; its events go to
    stderr (stdout carries the one result line)."""

    def event(self, ev, **kw):
        sys.stderr.write(json.dumps(dict(ev=ev, **kw)) + "\n")

    def flood_info(self, call, count, seconds, window):
        c = self.calls[call]
        wen = avp(34, b"\0\0" + struct.pack("!IIIIII", 1, 2, 3, 4, 5, 6))
        sli = avp(35, b"\0\0" + struct.pack("!II", 0xFFFFFFFF, 0xFFFFFFFF))
        pending = {}  # ns -> packet, unacknowledged
        sent = {"WEN": 0, "SLI": 0}
        retrans = 0
        t0 = time.monotonic()
        deadline = t0 + seconds
        last_progress = t0
        n = 0
        while time.monotonic() < deadline and (n < count or pending):
            if not self.tunnel_up or c.state == "down":
                break
            for ns in [x for x in pending if scapy_lac.seq_before(x, self.acked)]:
                del pending[ns]
                last_progress = time.monotonic()
            while n < count and len(pending) < window:
                kind = "WEN" if n % 2 == 0 else "SLI"
                body = avp(0, struct.pack("!H", 15 if kind == "WEN" else 16)) + \
                    (wen if kind == "WEN" else sli)
                ns = self.ns
                self.ns = (self.ns + 1) & 0xFFFF
                pkt = scapy_lac.control_header(self.peer_tid, c.peer_sid, ns, self.nr,
                                               len(body)) + body
                self.sock.sendto(pkt, self.peer)
                pending[ns] = pkt
                sent[kind] += 1
                n += 1
            if pending and time.monotonic() - last_progress > 1.0:
                for ns in sorted(pending, key=lambda x: (x - self.acked) & 0xFFFF):
                    self.sock.sendto(pending[ns], self.peer)
                    retrans += 1
                last_progress = time.monotonic()
            acked = self.acked
            self.pump_until(lambda: self.acked != acked, time.monotonic() + 0.2)
        return {"sent": sent, "unacked": len(pending), "retransmits": retrans,
                "seconds": round(time.monotonic() - t0, 3)}


def cmd_info(a):
    ns = argparse.Namespace(local=a.local, peer=a.peer, port=1701, peer_port=1701,
                            hostname=a.hostname, tunnel_id=a.tunnel_id, session_base=501,
                            rto=0.5, retries=4, answer_timeout=10.0, data_interval=0.01)
    lac = InfoLac(ns)
    res = {"kind": "wen_sli"}
    try:
        lac.step_tunnel()
        lac.step_icrq("x", {"called": a.called})
        lac.step_iccn("x", {})
        c = lac.calls["x"]
        if c.state != "up":
            res["error"] = "call not up: %s" % c.state
            return res
        if a.go_file:
            lac.wait("wait-file", lambda: os.path.exists(a.go_file), 15)
        f = lac.flood_info("x", a.count, a.max_seconds, a.window)
        res.update(f)
        res["sent_total"] = f["sent"]["WEN"] + f["sent"]["SLI"]
        # The tunnel and the call must have survived the flood.
        lac.pump_until(lambda: False, time.monotonic() + 0.3)
        res["tunnel_up_after"] = bool(lac.tunnel_up)
        res["call_up_after"] = c.state == "up"
        lac.step_cdn("x", 1, 0)
        lac.step_stopccn(1)
        res["closed"] = True
    except scapy_lac.Timeout as e:
        res["error"] = str(e)
    return res


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def wire_args(p):
        p.add_argument("--iface", required=True)
        p.add_argument("--dst-mac", required=True)
        p.add_argument("--dst", required=True, help="the switch's address")
        p.add_argument("--sport", type=int, default=1701)
        p.add_argument("--rate", type=float, default=1000, help="packets per second")
        p.add_argument("--max-seconds", type=float, default=10)
        p.add_argument("--ledger", help="append 'SRC PACKETS KIND [TIMES]' lines here")
        p.add_argument("--tid-base", type=int, default=1)

    p = sub.add_parser("sccrq")
    wire_args(p)
    p.add_argument("--spec", action="append", required=True, help="PREFIX:SOURCES:PER_SOURCE")
    p = sub.add_parser("malformed")
    wire_args(p)
    p.add_argument("--spec", action="append", required=True, help="PREFIX (source addresses)")
    p.add_argument("--live-tunnel", type=int, default=0,
                   help="also control messages for this tunnel ID (not from its peer)")
    p = sub.add_parser("spoofdata")
    wire_args(p)
    p.add_argument("--live-tunnel", type=int, required=True)
    p.add_argument("--live-session", type=int, required=True)
    p.add_argument("--lns-tunnel", type=int, required=True)
    p.add_argument("--lns-session", type=int, required=True)
    p.add_argument("--live-src", required=True, help="the live LAC's address")
    p.add_argument("--other-lac", required=True, help="another LAC's address")
    p.add_argument("--attacker", required=True, help="the attacker's own address")
    p.add_argument("--spoof-prefix", required=True)
    p.add_argument("--lns-src", help="the LNS's address (sent from the LAC side)")
    p.add_argument("--lns-local", help="the switch's address toward the LNS")
    p.add_argument("--per-kind", type=int, default=40)
    p = sub.add_parser("info")
    p.add_argument("--local", required=True)
    p.add_argument("--peer", required=True)
    p.add_argument("--hostname", default="attacker")
    p.add_argument("--tunnel-id", type=int, default=666)
    p.add_argument("--called", default="666")
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--window", type=int, default=4)
    p.add_argument("--max-seconds", type=float, default=8)
    p.add_argument("--go-file", help="flood only once this file exists")
    a = ap.parse_args()

    if a.cmd == "info":
        res = cmd_info(a)
    else:
        wire = Wire(a.iface, a.dst_mac, a.dst)
        ledger = open(a.ledger, "a") if a.ledger else open(os.devnull, "w")
        with ledger:
            res = {"sccrq": cmd_sccrq, "malformed": cmd_malformed,
                   "spoofdata": cmd_spoofdata}[a.cmd](a, wire, ledger)
    print(json.dumps(res))
    sys.stdout.flush()
    return 0 if "error" not in res else 1


if __name__ == "__main__":
    sys.exit(main())
