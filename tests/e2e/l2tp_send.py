#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
r"""
Send L2TPv2 data frames (RFC 2661 3.1) carrying PPP, from a given interface.

Run with Debian's interpreter (/usr/bin/python3): python3-scapy only imports
there. The L2TP header is built here byte by byte rather than with scapy's
L2TP layer, so every flag combination (L, S, O with offset padding, P) is
exactly what the test asks for and the expected bytes after the switch are
known without a decoder.

  l2tp_send.py --iface lac0 --src 10.0.1.1 --dst 10.0.1.2 \
      --tunnel 100 --session 1 --count 50 --flags mix \
      --dump sent.hex --expect expected.hex --expect-ids 400,4

On success it prints one line "frames=N bytes=B" where B is the sum of the
UDP payload lengths (L2TP header + offset padding + PPP frame), i.e. what
the switch's byte counters must add up to.
"""
import argparse
import ipaddress
import struct
import sys

F_T, F_L, F_S, F_O, F_P = 0x8000, 0x4000, 0x0800, 0x0200, 0x0100
VERSION = 2

# Flag combinations cycled by --flags mix: every optional field alone and
# together, so each header length the fast path computes is exercised.
MIX = ["", "L", "S", "LS", "O", "LO", "SO", "LSO", "P", "LSOP"]


def flag_bits(spec):
    bits = 0
    for ch in spec.upper():
        bits |= {"L": F_L, "S": F_S, "O": F_O, "P": F_P}[ch]
    return bits


def ppp_payload(kind, i, inner_tos=0):
    """A PPP frame with 0xff03 address/control; its size varies with i."""
    from scapy.layers.inet import ICMP, IP

    if kind == "mix":
        kind = ("icmp", "lcp")[i % 2]
    if kind == "icmp":
        data = bytes((i + k) & 0xFF for k in range((i * 37) % 300))
        ip = IP(src="192.168.100.2", dst="192.168.100.1", id=i, ttl=64, tos=inner_tos) / \
            ICMP(type=8, id=0x4c54, seq=i) / data
        return b"\xff\x03\x00\x21" + bytes(ip)
    if kind == "lcp":
        # LCP Echo-Request (RFC 1661 5.8): code 9, id, length, magic, data.
        data = b"lts-e2e-" + bytes([i & 0xFF]) * ((i * 13) % 64)
        lcp = struct.pack("!BBHI", 9, i & 0xFF, 8 + len(data), 0x4C545331) + data
        return b"\xff\x03\xc0\x21" + lcp
    raise ValueError("unknown payload kind " + kind)


def l2tp_frame(flags, tunnel, session, ns, nr, offset_size, payload):
    """UDP payload bytes of one L2TP data message with the given flags."""
    head = struct.pack("!H", flags | VERSION)
    rest = struct.pack("!HH", tunnel, session)
    if flags & F_S:
        rest += struct.pack("!HH", ns & 0xFFFF, nr & 0xFFFF)
    if flags & F_O:
        rest += struct.pack("!H", offset_size)
        rest += bytes((0xA0 + k) & 0xFF for k in range(offset_size))
    body = rest + payload
    if flags & F_L:
        return head + struct.pack("!H", len(body) + 4) + body
    return head + body


def rewrite_ids(msg, tunnel, session):
    """The same message with the Tunnel and Session ID fields replaced."""
    flags = struct.unpack("!H", msg[:2])[0]
    off = 4 if flags & F_L else 2
    return msg[:off] + struct.pack("!HH", tunnel, session) + msg[off + 4:]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iface", required=True)
    ap.add_argument("--src", required=True, help="outer source address (v4 or v6)")
    ap.add_argument("--dst", required=True, help="outer destination address")
    ap.add_argument("--dst-mac", help="next-hop MAC (default: resolve with ARP/ND)")
    ap.add_argument("--sport", type=int, default=1701)
    ap.add_argument("--dport", type=int, default=1701)
    ap.add_argument("--tunnel", type=int, required=True)
    ap.add_argument("--session", type=int, required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--flags", default="mix",
                    help="'mix' (cycle %s) or letters from LSOP, '' for none" % MIX)
    ap.add_argument("--ns-start", type=int, default=0, help="first Ns (with S)")
    ap.add_argument("--nr", type=int, default=7, help="Nr written with S (ignored by peers)")
    ap.add_argument("--ttl", type=int, default=64, help="IPv4 TTL / IPv6 hop limit")
    ap.add_argument("--payload", default="mix", choices=["mix", "icmp", "lcp"])
    ap.add_argument("--inner-tos", type=int, default=0,
                    help="TOS of the IPv4 packet inside PPP (icmp payloads)")
    ap.add_argument("--udp-csum-zero", action="store_true",
                    help="IPv4 only: send UDP checksum 0 (no checksum)")
    ap.add_argument("--dump", help="write the sent UDP payloads, one hex line per frame")
    ap.add_argument("--expect", help="write the UDP payloads expected after the switch")
    ap.add_argument("--expect-ids", help="TUNNEL,SESSION written by the switch (with --expect)")
    args = ap.parse_args()

    from scapy.all import conf, get_if_hwaddr, sendp
    from scapy.layers.inet import IP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether

    conf.verb = 0
    if bool(args.expect) != bool(args.expect_ids):
        ap.error("--expect and --expect-ids go together")
    v6 = ipaddress.ip_address(args.dst).version == 6
    if ipaddress.ip_address(args.src).version != (6 if v6 else 4):
        ap.error("--src and --dst must be the same family")
    if args.udp_csum_zero and v6:
        ap.error("--udp-csum-zero: a zero UDP checksum is invalid over IPv6")
    dst_mac = args.dst_mac
    if not dst_mac:
        if v6:
            from scapy.layers.inet6 import getmacbyip6
            dst_mac = getmacbyip6(args.dst)
        else:
            from scapy.layers.l2 import getmacbyip
            dst_mac = getmacbyip(args.dst)
        if not dst_mac:
            sys.exit("l2tp_send: cannot resolve the MAC of %s" % args.dst)

    frames, sent, expected = [], [], []
    for i in range(args.count):
        spec = MIX[i % len(MIX)] if args.flags == "mix" else args.flags
        flags = flag_bits(spec)
        msg = l2tp_frame(flags, args.tunnel, args.session, args.ns_start + i,
                         args.nr, (0, 2, 5)[i % 3],
                         ppp_payload(args.payload, i, args.inner_tos))
        udp = UDP(sport=args.sport, dport=args.dport)
        if args.udp_csum_zero:
            udp.chksum = 0
        if v6:
            l3 = IPv6(src=args.src, dst=args.dst, hlim=args.ttl)
        else:
            l3 = IP(src=args.src, dst=args.dst, ttl=args.ttl, id=0x1000 + i)
        frames.append(Ether(src=get_if_hwaddr(args.iface), dst=dst_mac) / l3 / udp / msg)
        sent.append(msg)
        if args.expect:
            tun, ses = (int(x) for x in args.expect_ids.split(","))
            expected.append(rewrite_ids(msg, tun, ses))

    if args.dump:
        with open(args.dump, "w") as f:
            f.writelines(m.hex() + "\n" for m in sent)
    if args.expect:
        with open(args.expect, "w") as f:
            f.writelines(m.hex() + "\n" for m in expected)
    sendp(frames, iface=args.iface, verbose=False)
    print("frames=%d bytes=%d" % (len(sent), sum(len(m) for m in sent)))


if __name__ == "__main__":
    main()
