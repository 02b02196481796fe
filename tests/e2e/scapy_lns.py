#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
r"""
A minimal scripted L2TPv2 LNS (RFC 2661) for the e2e tests, over IPv4 or
IPv6: where xl2tpd cannot serve (xl2tpd 1.3.18 is IPv4-only, and it drops
a call on a WEN it does not know), this answers a switch's tunnels and
calls, acknowledges everything, and echoes the PPP frames it gets.

  scapy_lns.py --local fd00:2::1 --hostname lns-v6 --echo --max-seconds 60 \
      --stop-file /tmp/x/lns.stop

One UDP socket bound to --local and --port (the family follows the address).
It answers every SCCRQ with an SCCRP and every ICRQ with an ICRP (no tunnel
authentication, no hidden AVPs), takes SCCCN, ICCN, WEN, SLI, Hello, CDN
and StopCCN, and with --echo sends each data frame of a call back on it.
Events are JSON lines on stdout, flushed at once:

  {"ev": "tunnel", "tid": 7, "peer_tid": 4242, "peer": "fd00:2::2", "port": 1701}
  {"ev": "call", "tid": 7, "sid": 9, "peer_sid": 101, "avps": [...]}   (ICCN)
  {"ev": "data_rx", "sid": 9, "hex": "ff03..."}    (--log-data: one per frame)
  {"ev": "info", "msg": "WEN", "sid": 9}           (WEN and SLI)
  {"ev": "cdn", "sid": 9, "result": 1}  {"ev": "stopccn", "tid": 7}
  {"ev": "done", "tunnels": 1, "calls": 1, "data_rx": 5, "data_tx": 5,
   "wen": 0, "sli": 0, "retransmits": 0}

Control messages are sent reliably (RFC 2661 5.8, kept small): each is
retransmitted after --rto seconds, doubling, at most --retries times, until
the peer's Nr passes it; what arrives in order is acknowledged (a ZLB when
there is nothing else to send), duplicates are acknowledged again. It runs
until --max-seconds have passed or --stop-file exists.
"""
import argparse
import ipaddress
import json
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scapy_lac import (F_L, F_T, VERSION, avp, avp_get, avp_list,  # noqa: E402
                       control_header, parse_avps, parse_header, seq_before)


class Tunnel:
    def __init__(self, tid, peer_tid, addr):
        self.tid, self.peer_tid, self.addr = tid, peer_tid, addr
        self.ns = 0           # Ns of our next message
        self.nr = 0           # Ns we expect next
        self.queue = []       # [ns, packet, deadline, rto, tries] unacknowledged
        self.sessions = {}    # our sid -> peer sid
        self.up = False


class Lns:
    def __init__(self, a):
        self.a = a
        fam = socket.AF_INET6 if ipaddress.ip_address(a.local).version == 6 else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((a.local, a.port))
        self.tunnels = {}     # our tid -> Tunnel
        self.by_peer = {}     # (addr, peer tid) -> Tunnel
        self.n = dict(tunnels=0, calls=0, data_rx=0, data_tx=0, wen=0, sli=0, retransmits=0,
                      hello=0, cdn=0, stopccn=0)

    def event(self, ev, **kw):
        sys.stdout.write(json.dumps(dict(ev=ev, **kw)) + "\n")
        sys.stdout.flush()

    def new_id(self, used):
        while True:
            x = random.randint(1, 0xFFFF)
            if x not in used:
                return x

    # -- sending
    def send_ctrl(self, t, mtype, avps, sid=0):
        body = avp(0, struct.pack("!H", mtype)) + b"".join(avps)
        pkt = control_header(t.peer_tid, sid, t.ns, t.nr, len(body)) + body
        t.queue.append([t.ns, pkt, time.monotonic() + self.a.rto, self.a.rto, 0])
        t.ns = (t.ns + 1) & 0xFFFF
        self.sock.sendto(pkt, t.addr)

    def send_zlb(self, t):
        self.sock.sendto(control_header(t.peer_tid, 0, t.ns, t.nr, 0), t.addr)

    def retransmit(self):
        now = time.monotonic()
        for t in list(self.tunnels.values()):
            for q in t.queue:
                if q[2] > now:
                    continue
                if q[4] >= self.a.retries:
                    self.event("gave_up", tid=t.tid)
                    self.drop(t)
                    break
                q[4] += 1
                q[3] *= 2
                q[2] = now + q[3]
                # The current Nr, so that the retransmission acknowledges too.
                pkt = q[1][:10] + struct.pack("!H", t.nr) + q[1][12:]
                self.sock.sendto(pkt, t.addr)
                self.n["retransmits"] += 1

    def drop(self, t):
        self.tunnels.pop(t.tid, None)
        self.by_peer.pop((t.addr[0], t.peer_tid), None)

    # -- receiving
    def handle(self, pkt, src):
        try:
            flags, tid, sid, ns, nr, body = parse_header(pkt)
        except (ValueError, struct.error) as e:
            self.event("bad_packet", error=str(e))
            return
        addr = (src[0], src[1])
        if not flags & F_T:
            self.handle_data(tid, sid, body, addr)
            return
        t = self.tunnels.get(tid)
        if tid == 0:
            try:
                avps = parse_avps(body)
            except ValueError:
                return
            if avp_get(avps, 0, "u16") != 1:
                return
            peer_tid = avp_get(avps, 9) or 0
            t = self.by_peer.get((addr[0], peer_tid))
            if t is None:  # a new SCCRQ (a retransmitted one falls through to the Ns check)
                t = Tunnel(self.new_id(self.tunnels), peer_tid, addr)
                self.tunnels[t.tid] = t
                self.by_peer[(addr[0], peer_tid)] = t
        if t is None:
            return
        # Acknowledged: everything before the peer's Nr.
        t.queue = [q for q in t.queue if not seq_before(q[0], nr)]
        if not body:
            return
        if ns != t.nr:
            if seq_before(ns, t.nr):
                self.send_zlb(t)
            return
        t.nr = (t.nr + 1) & 0xFFFF
        try:
            avps = parse_avps(body)
        except ValueError as e:
            self.event("bad_avps", error=str(e))
            self.send_zlb(t)
            return
        before = t.ns
        self.handle_control(t, avp_get(avps, 0, "u16"), sid, avps)
        if t.ns == before and t.tid in self.tunnels:
            self.send_zlb(t)

    def handle_control(self, t, mtype, sid, avps):
        if mtype == 1:  # SCCRQ
            self.send_ctrl(t, 2, [avp(2, b"\x01\x00"), avp(3, struct.pack("!I", 3)),
                                  avp(4, struct.pack("!I", 0)), avp(7, self.a.hostname.encode()),
                                  avp(9, struct.pack("!H", t.tid)),
                                  avp(10, struct.pack("!H", 8))])
        elif mtype == 3:  # SCCCN
            t.up = True
            self.n["tunnels"] += 1
            self.event("tunnel", tid=t.tid, peer_tid=t.peer_tid, peer=t.addr[0], port=t.addr[1])
        elif mtype == 4:  # StopCCN
            self.n["stopccn"] += 1
            self.event("stopccn", tid=t.tid)
            self.send_zlb(t)
            self.drop(t)
        elif mtype == 6:
            self.n["hello"] += 1
        elif mtype == 10:  # ICRQ
            peer_sid = avp_get(avps, 14) or 0
            sid_new = self.new_id(t.sessions)
            t.sessions[sid_new] = peer_sid
            self.send_ctrl(t, 11, [avp(14, struct.pack("!H", sid_new))], sid=peer_sid)
            self.event("icrq", tid=t.tid, sid=sid_new, peer_sid=peer_sid, avps=avp_list(avps))
        elif mtype == 12:  # ICCN
            self.n["calls"] += 1
            self.event("call", tid=t.tid, sid=sid, peer_sid=t.sessions.get(sid),
                       avps=avp_list(avps))
        elif mtype == 14:  # CDN
            self.n["cdn"] += 1
            res = avp_get(avps, 1) or (None, None, "")
            t.sessions.pop(sid, None)
            self.event("cdn", tid=t.tid, sid=sid, result=res[0], error=res[1])
        elif mtype in (15, 16):  # WEN, SLI
            self.n["wen" if mtype == 15 else "sli"] += 1
            if self.a.log_info:
                self.event("info", msg="WEN" if mtype == 15 else "SLI", sid=sid)
        else:
            self.event("rx", msg=mtype, sid=sid)

    def handle_data(self, tid, sid, payload, addr):
        t = self.tunnels.get(tid)
        if t is None or sid not in t.sessions:
            self.event("data_unknown", tid=tid, sid=sid)
            return
        self.n["data_rx"] += 1
        if self.a.log_data:
            self.event("data_rx", tid=tid, sid=sid, hex=payload.hex())
        if self.a.echo:
            msg = struct.pack("!HHHH", F_L | VERSION, 8 + len(payload), t.peer_tid,
                              t.sessions[sid]) + payload
            self.sock.sendto(msg, t.addr)
            self.n["data_tx"] += 1

    def run(self):
        end = time.monotonic() + self.a.max_seconds
        self.event("listening", local=self.a.local, port=self.a.port)
        while time.monotonic() < end:
            if self.a.stop_file and os.path.exists(self.a.stop_file):
                break
            r, _, _ = select.select([self.sock], [], [], 0.05)
            if r:
                for _ in range(64):
                    try:
                        pkt, src = self.sock.recvfrom(65535, socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        break
                    self.handle(pkt, src)
            self.retransmit()
        self.event("done", **self.n)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--local", required=True, help="our address (IPv4 or IPv6)")
    ap.add_argument("--port", type=int, default=1701)
    ap.add_argument("--hostname", default="lns-scripted")
    ap.add_argument("--echo", action="store_true", help="send every data frame back")
    ap.add_argument("--log-data", action="store_true", help="one event per data frame")
    ap.add_argument("--log-info", action="store_true", help="one event per WEN/SLI")
    ap.add_argument("--rto", type=float, default=0.5)
    ap.add_argument("--retries", type=int, default=5)
    ap.add_argument("--max-seconds", type=float, default=60)
    ap.add_argument("--stop-file")
    Lns(ap.parse_args()).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
