#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
Generate the BPF_PROG_TEST_RUN fixtures of the XDP program lts_xdp.

Scapy is the independent oracle: every input frame and every expected output
frame is built from scratch here, with the IP header and UDP checksums
computed by scapy over the whole packet, so the program's incremental
checksum updates are compared against full recomputation. The expected
verdicts and reasons follow docs/dataplane.md row by row.

Run with /usr/bin/python3 (Debian's python3-scapy imports only there).

File format (consumed by tests/bpf/run_fixtures.c), one record per line,
fields separated by single spaces, '#' starts a comment line:

  fixture NAME
      Starts a fixture. The switch tables are cleared; entries are
      installed with zero counters.
  entry FIELD=VALUE ...
      One switch-table entry: k_* fields are struct lts_switch_key, v_*
      fields struct lts_switch_val (maps/lts_maps.h). Every field is present:
        k_family k_peer_port k_tunnel_id k_session_id       (decimal)
        k_peer_addr k_local_addr                            (32 hex digits)
        v_family v_flags v_dscp v_dir v_local_port v_peer_port
        v_peer_tunnel_id v_peer_session_id v_vlan_tci v_mtu v_stats_idx
                                                            (decimal)
        v_ifindex  TX (= the ingress interface), REDIRECT (= the interface
                   in the tx_ports devmap) or MISSING (in neither)
        v_local_addr v_peer_addr                            (32 hex digits)
        v_src_mac v_dst_mac                                 (12 hex digits)
        v_police_kbps v_police_burst                        (decimal; 0: not
                   policed)
  packet VERDICT REASON IN OUT
      Run IN (hex bytes, '-' for an empty frame) through the program with
      the TX interface as ingress. VERDICT is XDP_PASS, XDP_DROP, XDP_TX or
      XDP_REDIRECT, REASON a name from maps/lts_reasons.h whose counter
      must rise by exactly one (and no other). OUT is the expected frame
      after the program (equal to IN for XDP_PASS and XDP_DROP).
  stats IDX PACKETS0 BYTES0 PACKETS1 BYTES1 [DROPPED0 DROPPED1]
      Expected counters of the entries with v_stats_idx IDX (per v_dir:
      direction 0 and direction 1) once all packets of the fixture ran;
      DROPPED: frames their policers dropped.
  end
      Ends the fixture.
"""

import argparse
import random
import socket
import struct
import sys

from scapy.all import (AH, ESP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether,
                       IPOption, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw)
from scapy.layers.l2tp import L2TP

L2TP_PORT = 1701

# maps/lts_l2tp.h
F_T, F_L, F_S, F_O, F_P = 0x8000, 0x4000, 0x0800, 0x0200, 0x0100
# maps/lts_maps.h
SW_NH_VALID, SW_DSCP_SET, SW_VLAN, SW_DSCP_COPY = 0x01, 0x02, 0x04, 0x08

XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT = ('XDP_DROP', 'XDP_PASS', 'XDP_TX',
                                            'XDP_REDIRECT')
REASONS = ('switched_tx', 'switched_redirect', 'pass_not_l2tp', 'pass_control',
           'pass_no_session', 'pass_fragment', 'pass_ipv6_exthdr', 'pass_mtu',
           'pass_ttl', 'pass_no_neigh', 'pass_no_egress', 'pass_csum',
           'pass_adjust', 'pass_bad_version', 'drop_truncated', 'drop_police',
           'redirect_cpu')

# The two legs of the default switched session. Ports and IDs are chosen
# with distinct high and low bytes so that byte-order slips show.
A4_PEER, A4_LOCAL = '192.0.2.1', '192.0.2.100'
B4_PEER, B4_LOCAL = '198.51.100.2', '198.51.100.100'
A6_PEER, A6_LOCAL = '2001:db8:a::1', '2001:db8:a::100'
B6_PEER, B6_LOCAL = '2001:db8:b::2', '2001:db8:b::100'
IN_SPORT = 41394        # the LAC's UDP source port
IN_TID, IN_SID = 0x0102, 0x0304   # the IDs we assigned on the ingress leg
OUT_LPORT, OUT_PPORT = 1701, 50123
OUT_TID, OUT_SID = 0x0a0b, 0x0c0d  # the IDs the egress peer assigned
IN_DMAC, IN_SMAC = '02:00:00:00:00:01', '02:00:00:00:00:02'
OUT_SMAC, OUT_DMAC = '02:00:00:00:00:aa', '02:00:00:00:00:bb'

rng = random.Random(1701)


def addr_bytes(addr):
    if ':' in addr:
        return socket.inet_pton(socket.AF_INET6, addr)
    return socket.inet_pton(socket.AF_INET, addr) + bytes(12)


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(':', ''))


def ppp(n):
    """A PPP frame (address/control, IPv4 protocol) of n bytes in total."""
    head = b'\xff\x03\x00\x21'
    if n <= len(head):
        return head[:n]
    return head + bytes(rng.getrandbits(8) for _ in range(n - len(head)))


def l2tp(flags=0, tid=IN_TID, sid=IN_SID, ns=0, nr=0, off_size=0,
         off_pad=None, payload=None, ver=2, length=None):
    """An L2TPv2 header (RFC 2661 3.1) built by hand, checked with scapy."""
    if payload is None:
        payload = ppp(40)
    if off_pad is None:
        off_pad = bytes((0xa0 + i) & 0xff for i in range(off_size))
    word = (flags & 0xff00) | (ver & 0xf)
    opt = b''
    if flags & F_S:
        opt += struct.pack('!HH', ns, nr)
    if flags & F_O:
        opt += struct.pack('!H', off_size) + off_pad
    hlen = 6 + (2 if flags & F_L else 0) + len(opt)
    if length is None:
        length = hlen + len(payload)
    hdr = struct.pack('!H', word)
    if flags & F_L:
        hdr += struct.pack('!H', length)
    hdr += struct.pack('!HH', tid, sid) + opt
    msg = hdr + payload
    if ver == 2:
        p = L2TP(msg)
        assert (p.tunnel_id, p.session_id) == (tid, sid)
        if flags & F_L:
            assert p.len == length
        if flags & F_S:
            assert (p.ns, p.nr) == (ns, nr)
        if flags & F_O:
            assert p.offset == off_size
    return msg


def ids_off(msg):
    return 4 if struct.unpack('!H', msg[:2])[0] & F_L else 2


def l2tp_set_ids(msg, tid, sid):
    o = ids_off(msg)
    return msg[:o] + struct.pack('!HH', tid, sid) + msg[o + 4:]


class Pkt:
    """Parameters of one input frame."""

    def __init__(self, fam=4, **kw):
        self.fam = fam
        self.src = A4_PEER if fam == 4 else A6_PEER
        self.dst = A4_LOCAL if fam == 4 else A6_LOCAL
        self.sport, self.dport = IN_SPORT, L2TP_PORT
        self.msg = None
        self.tos = 0            # IPv4 TOS or IPv6 traffic class
        self.ttl = 64           # TTL or hop limit
        self.ipid, self.ipflags, self.frag = 0x4d2e, 0, 0
        self.opts = b''         # raw IPv4 options
        self.fl = 0             # IPv6 flow label
        self.csum = None        # None: scapy computes, else literal
        self.vlans = ()         # ((tpid, tci), ...)
        self.pad = b''          # Ethernet padding after the IP packet
        self.dmac, self.smac = IN_DMAC, IN_SMAC
        self.__dict__.update(kw)
        if self.msg is None:
            self.msg = l2tp()

    def l3(self):
        u = UDP(sport=self.sport, dport=self.dport)
        if self.csum is not None:
            u.chksum = self.csum
        if self.fam == 4:
            ip = IP(src=self.src, dst=self.dst, tos=self.tos, ttl=self.ttl,
                    id=self.ipid, flags=self.ipflags, frag=self.frag)
            if self.opts:
                ip.options = [IPOption(self.opts)]
        else:
            ip = IPv6(src=self.src, dst=self.dst, tc=self.tos, fl=self.fl,
                      hlim=self.ttl)
        return ip / u / Raw(self.msg)

    def frame(self):
        return eth(self.dmac, self.smac, self.vlans, self.l3()) + self.pad

    def udp_len(self):
        return 8 + len(self.msg)


def eth(dmac, smac, vlans, l3):
    """Ethernet + VLAN tags ((tpid, tci), ...) + L3, serialised by scapy."""
    etype = 0x86dd if isinstance(l3, IPv6) else 0x0800
    types = [tpid for tpid, _ in vlans] + [etype]
    p = Ether(dst=dmac, src=smac, type=types[0])
    for (tpid, tci), nxt in zip(vlans, types[1:]):
        cls = Dot1AD if tpid == 0x88a8 else Dot1Q
        p = p / cls(prio=tci >> 13, id=(tci >> 12) & 1, vlan=tci & 0xfff,
                    type=nxt)
    b = bytes(p / l3)
    assert struct.unpack('!H', b[12:14])[0] == types[0]
    return b


class Entry:
    """One switch-table entry; attribute names follow maps/lts_maps.h."""

    def __init__(self, in_fam=4, out_fam=4, **kw):
        self.k_family = in_fam
        self.k_peer_port = IN_SPORT
        self.k_tunnel_id, self.k_session_id = IN_TID, IN_SID
        self.k_peer_addr = A4_PEER if in_fam == 4 else A6_PEER
        self.k_local_addr = A4_LOCAL if in_fam == 4 else A6_LOCAL
        self.v_family = out_fam
        self.v_flags = SW_NH_VALID
        self.v_dscp = 0
        self.v_dir = 0
        self.v_local_port, self.v_peer_port = OUT_LPORT, OUT_PPORT
        self.v_peer_tunnel_id, self.v_peer_session_id = OUT_TID, OUT_SID
        self.v_vlan_tci = 0
        self.v_mtu = 1500
        self.v_ifindex = 'TX'
        self.v_stats_idx = 1
        self.v_local_addr = B4_LOCAL if out_fam == 4 else B6_LOCAL
        self.v_peer_addr = B4_PEER if out_fam == 4 else B6_PEER
        self.v_src_mac, self.v_dst_mac = OUT_SMAC, OUT_DMAC
        self.v_police_kbps = self.v_police_burst = 0
        self.__dict__.update(kw)

    def line(self):
        f = []
        for k in ('k_family', 'k_peer_port', 'k_tunnel_id', 'k_session_id'):
            f.append('%s=%d' % (k, getattr(self, k)))
        for k in ('k_peer_addr', 'k_local_addr'):
            f.append('%s=%s' % (k, addr_bytes(getattr(self, k)).hex()))
        for k in ('v_family', 'v_flags', 'v_dscp', 'v_dir', 'v_local_port',
                  'v_peer_port', 'v_peer_tunnel_id', 'v_peer_session_id',
                  'v_vlan_tci', 'v_mtu', 'v_stats_idx'):
            f.append('%s=%d' % (k, getattr(self, k)))
        assert self.v_ifindex in ('TX', 'REDIRECT', 'MISSING')
        f.append('v_ifindex=%s' % self.v_ifindex)
        for k in ('v_local_addr', 'v_peer_addr'):
            f.append('%s=%s' % (k, addr_bytes(getattr(self, k)).hex()))
        for k in ('v_src_mac', 'v_dst_mac'):
            f.append('%s=%s' % (k, mac_bytes(getattr(self, k)).hex()))
        for k in ('v_police_kbps', 'v_police_burst'):
            f.append('%s=%d' % (k, getattr(self, k)))
        return 'entry ' + ' '.join(f)


def inner_dscp(msg):
    """The DSCP of the IP packet in an L2TP data message's PPP frame, or
    None (not IPv4/IPv6, or cut short): the oracle of dscp_copy."""
    flags = struct.unpack('!H', msg[:2])[0]
    hlen = 6 + (2 if flags & F_L else 0) + (4 if flags & F_S else 0)
    if flags & F_O:
        hlen += 2 + struct.unpack('!H', msg[hlen:hlen + 2])[0]
    ppp = msg[hlen:]
    if ppp[:2] == b'\xff\x03':
        ppp = ppp[2:]
    if not ppp:
        return None
    if ppp[0] & 1:      # RFC 1661 6.5: compressed protocol field
        proto, ip = ppp[0], ppp[1:]
    elif len(ppp) >= 2:
        proto, ip = struct.unpack('!H', ppp[:2])[0], ppp[2:]
    else:
        return None
    if len(ip) < 2:
        return None
    if proto == 0x21 and ip[0] >> 4 == 4:
        return ip[1] >> 2
    if proto == 0x57 and ip[0] >> 4 == 6:
        return ((ip[0] & 0xf) << 2) | (ip[1] >> 6)
    return None


def new_dscp(tos, e, msg):
    if e.v_flags & SW_DSCP_SET:
        return (e.v_dscp << 2) | (tos & 3)
    if e.v_flags & SW_DSCP_COPY and inner_dscp(msg) is not None:
        return (inner_dscp(msg) << 2) | (tos & 3)
    return tos


def switched_frame(p, e):
    """The frame the program must emit for input p switched by entry e,
    built from scratch by scapy (fresh checksums and lengths)."""
    msg = l2tp_set_ids(p.msg, e.v_peer_tunnel_id, e.v_peer_session_id)
    tos = new_dscp(p.tos, e, p.msg)
    u = UDP(sport=e.v_local_port, dport=e.v_peer_port)
    if e.v_family == 4:
        if p.fam == 4:
            ip = IP(src=e.v_local_addr, dst=e.v_peer_addr, tos=tos,
                    ttl=p.ttl - 1, id=p.ipid, flags=p.ipflags, frag=p.frag,
                    proto=17)
            if p.opts:
                ip.options = [IPOption(p.opts)]
            if p.csum == 0:
                u.chksum = 0    # IPv4 -> IPv4 without checksum stays so
        else:
            ip = IP(src=e.v_local_addr, dst=e.v_peer_addr, tos=tos,
                    ttl=p.ttl - 1, id=0, flags='DF', frag=0, proto=17)
    else:
        fl = p.fl if p.fam == 6 else 0
        ip = IPv6(src=e.v_local_addr, dst=e.v_peer_addr, tc=tos, fl=fl,
                  nh=17, hlim=p.ttl - 1)
    vlans = ((0x8100, e.v_vlan_tci),) if e.v_flags & SW_VLAN else ()
    out = eth(e.v_dst_mac, e.v_src_mac, vlans, ip / u / Raw(msg)) + p.pad
    check_switched(out, p, e)
    return out


def check_switched(out, p, e):
    """Self-check of an expected output: re-dissect with scapy, rebuild
    every length and checksum, compare."""
    f = Ether(out)
    l3 = f[IP] if e.v_family == 4 else f[IPv6]
    assert UDP in f and f[UDP].len == p.udp_len()
    raw = bytes(l3)
    if e.v_family == 4:
        assert l3.len + len(p.pad) == len(raw)
        c = l3.copy()
        del c.chksum
        del c[UDP].chksum
        if p.csum == 0 and p.fam == 4:
            c[UDP].chksum = 0
        assert bytes(c) == raw, 'IPv4 rebuild differs'
    else:
        assert 40 + l3.plen + len(p.pad) == len(raw)
        c = l3.copy()
        del c[UDP].chksum
        assert bytes(c) == raw, 'IPv6 rebuild differs'
        assert f[UDP].chksum != 0
    assert bytes(f[UDP].payload)[:len(p.msg)] == \
        l2tp_set_ids(p.msg, e.v_peer_tunnel_id, e.v_peer_session_id)


class Fixture:
    def __init__(self, name):
        self.name = name
        self.entries = []
        self.packets = []
        self.stats = {}

    def entry(self, e):
        self.entries.append(e)
        self.stats.setdefault(e.v_stats_idx, [0, 0, 0, 0, 0, 0])
        return e

    def raw(self, verdict, reason, frame, out=None):
        assert reason in REASONS
        if out is None:
            assert verdict in (XDP_PASS, XDP_DROP)
            out = frame
        self.packets.append((verdict, reason, frame, out))

    def passes(self, reason, p, verdict=XDP_PASS):
        self.raw(verdict, reason, p if isinstance(p, bytes) else p.frame())

    def switched(self, p, e):
        """p must be switched by entry e (already installed)."""
        assert e in self.entries
        if e.v_ifindex == 'TX':
            verdict, reason = XDP_TX, 'switched_tx'
        else:
            assert e.v_ifindex == 'REDIRECT'
            verdict, reason = XDP_REDIRECT, 'switched_redirect'
        self.raw(verdict, reason, p.frame(), switched_frame(p, e))
        st = self.stats[e.v_stats_idx]
        st[2 * e.v_dir] += 1
        st[2 * e.v_dir + 1] += p.udp_len() - 8

    def policed(self, p, e):
        """p is over e's police rate: dropped untouched, counted."""
        assert e in self.entries and e.v_police_kbps
        self.raw(XDP_DROP, 'drop_police', p.frame())
        self.stats[e.v_stats_idx][4 + e.v_dir] += 1

    def text(self):
        assert self.packets
        lines = ['fixture ' + self.name]
        lines += [e.line() for e in self.entries]
        for verdict, reason, frame, out in self.packets:
            lines.append('packet %s %s %s %s' % (verdict, reason,
                                                 frame.hex() or '-',
                                                 out.hex() or '-'))
        for idx, st in sorted(self.stats.items()):
            lines.append('stats %d %d %d %d %d %d %d' % ((idx,) + tuple(st)))
        lines.append('end')
        return '\n'.join(lines) + '\n'


FIXTURES = []


def fixture(name):
    assert all(c.isalnum() or c == '_' for c in name), name
    assert name not in (f.name for f in FIXTURES), name
    f = Fixture(name)
    FIXTURES.append(f)
    return f


def one_switched(name, p, e):
    f = fixture(name)
    f.entry(e)
    f.switched(p, e)
    return f


def one_pass(name, reason, p, entries=None, verdict=XDP_PASS):
    f = fixture(name)
    for e in entries if entries is not None else [Entry(p.fam, 4)]:
        f.entry(e)
    f.passes(reason, p, verdict)
    return f


def flag_name(flags):
    return ''.join('%s%d' % (n, 1 if flags & b else 0)
                   for n, b in (('L', F_L), ('S', F_S), ('O', F_O),
                                ('P', F_P)))


def all_flags():
    for i in range(16):
        yield ((F_L if i & 8 else 0) | (F_S if i & 4 else 0) |
               (F_O if i & 2 else 0) | (F_P if i & 1 else 0))


def gen_flags():
    """Every combination of L, S, O, P (RFC 2661 3.1), header length from
    the flags, Ns/Nr/offset/padding passed through untouched."""
    for i, flags in enumerate(all_flags()):
        off = 1 + i % 5 if flags & F_O else 0
        msg = l2tp(flags, ns=0x1122 + i, nr=0x3344 + i, off_size=off,
                   payload=ppp(30 + i))
        one_switched('flags_v4v4_' + flag_name(flags), Pkt(4, msg=msg),
                     Entry(4, 4))
        one_switched('flags_v6v4_redirect_' + flag_name(flags),
                     Pkt(6, msg=msg),
                     Entry(6, 4, v_ifindex='REDIRECT', v_stats_idx=2))
        # The header one byte short of what the flags announce.
        hlen = len(l2tp(flags, off_size=0, payload=b''))
        short = l2tp(flags, off_size=0, payload=b'')[:hlen - 1]
        one_pass('flags_hdr_short_' + flag_name(flags), 'drop_truncated',
                 Pkt(4, msg=short), verdict=XDP_DROP)
    # Offset padding: exactly to the end (no PPP bytes) is fine, one byte
    # missing is truncated, a huge offset size must not wrap anything.
    for flags in (F_O, F_L | F_S | F_O):
        n = flag_name(flags)
        msg = l2tp(flags, off_size=7, payload=b'')
        one_switched('offset_pad_to_end_' + n, Pkt(4, msg=msg), Entry(4, 4))
        one_pass('offset_pad_short_' + n, 'drop_truncated',
                 Pkt(4, msg=msg[:-1]), verdict=XDP_DROP)
        msg = l2tp(flags, off_size=0xffff, off_pad=b'\xa5' * 16,
                   payload=ppp(16))
        one_pass('offset_size_ffff_' + n, 'drop_truncated', Pkt(4, msg=msg),
                 verdict=XDP_DROP)
    one_switched('offset_size_zero', Pkt(4, msg=l2tp(F_O, off_size=0)),
                 Entry(4, 4))
    one_switched('l2tp_min_header_no_ppp', Pkt(4, msg=l2tp(0, payload=b'')),
                 Entry(4, 4))
    # L bit: the Length field is not trusted for anything, it is passed on.
    one_switched('l2tp_length_field_kept',
                 Pkt(4, msg=l2tp(F_L, length=9999)), Entry(4, 4))


def gen_families():
    for fi in (4, 6):
        for fo in (4, 6):
            name = 'fam_v%dv%d' % (fi, fo)
            p = Pkt(fi, tos=0x48, ttl=64, fl=0x12345 if fi == 6 else 0)
            one_switched(name, p, Entry(fi, fo))
            one_switched(name + '_redirect', Pkt(fi, msg=l2tp(F_L | F_S)),
                         Entry(fi, fo, v_ifindex='REDIRECT'))
            one_pass(name + '_egress_missing', 'pass_no_egress', Pkt(fi),
                     [Entry(fi, fo, v_ifindex='MISSING')])
            one_pass(name + '_no_neigh', 'pass_no_neigh', Pkt(fi),
                     [Entry(fi, fo, v_flags=0)])
            one_pass(name + '_no_neigh_vlan_dscp', 'pass_no_neigh', Pkt(fi),
                     [Entry(fi, fo, v_flags=SW_VLAN | SW_DSCP_SET,
                            v_dscp=10, v_vlan_tci=7)])
    # IPv6 ingress with a zero-sum checksum field is not possible; IPv6 ->
    # IPv4 always carries the (updated) checksum.
    # DF and the IP ID survive IPv4 -> IPv4.
    one_switched('v4v4_df_id_kept', Pkt(4, ipflags=2, ipid=0xbeef),
                 Entry(4, 4))


def gen_ipv4_options():
    opts = {
        'ra': b'\x94\x04\x00\x00',                       # router alert
        'nop_eol': b'\x01\x01\x01\x00',
        'rr36': b'\x07\x27\x04' + bytes(36) + b'\x00',    # IHL 15
    }
    for n, o in opts.items():
        one_switched('ipv4_options_%s_v4v4' % n, Pkt(4, opts=o), Entry(4, 4))
        one_switched('ipv4_options_%s_v4v6' % n, Pkt(4, opts=o), Entry(4, 6))
    one_switched('ipv4_options_zero_csum_v4v4', Pkt(4, opts=opts['ra'],
                                                    csum=0), Entry(4, 4))


VLAN_IN = {
    'untagged': (),
    'vlan1': ((0x8100, 0x2064),),
    'vlan2': ((0x8100, 0x0065), (0x8100, 0xe066)),
    'qinq': ((0x88a8, 0x0067), (0x8100, 0x3068)),
}


def gen_vlan():
    for vn, vl in VLAN_IN.items():
        for fi, fo in ((4, 4), (4, 6), (6, 4), (6, 6)):
            for out_tag in (False, True):
                name = 'vlan_%s_to_%s_v%dv%d' % (vn, 'tagged' if out_tag
                                                 else 'untagged', fi, fo)
                e = Entry(fi, fo)
                if out_tag:
                    e.v_flags |= SW_VLAN
                    e.v_vlan_tci = 0xa123   # PCP 5, VID 0x123
                one_switched(name, Pkt(fi, vlans=vl), e)
    three = ((0x8100, 1), (0x8100, 2), (0x8100, 3))
    one_pass('vlan3_not_l2tp', 'pass_not_l2tp', Pkt(4, vlans=three))
    one_pass('vlan3_qinq_not_l2tp', 'pass_not_l2tp',
             Pkt(6, vlans=((0x88a8, 1),) + three[1:]))


def gen_csum():
    one_switched('csum_zero_v4v4_stays_zero', Pkt(4, csum=0), Entry(4, 4))
    one_switched('csum_zero_v4v4_redirect_vlan', Pkt(4, csum=0,
                                                     vlans=VLAN_IN['vlan1']),
                 Entry(4, 4, v_ifindex='REDIRECT', v_flags=SW_NH_VALID |
                       SW_VLAN, v_vlan_tci=5))
    one_switched('csum_set_v4v4', Pkt(4), Entry(4, 4))
    one_switched('csum_set_v4v6', Pkt(4), Entry(4, 6))
    one_switched('csum_v6v4', Pkt(6), Entry(6, 4))
    one_switched('csum_v6v6', Pkt(6), Entry(6, 6))
    one_pass('csum_zero_v4v6', 'pass_csum', Pkt(4, csum=0), [Entry(4, 6)])
    one_pass('csum_zero_v4v6_exact_mtu', 'pass_csum', Pkt(4, csum=0),
             [Entry(4, 6, v_mtu=40 + Pkt(4).udp_len())])
    # Outputs whose full checksum comes out 0 (sent as 0xffff) and inputs
    # whose checksum field is 0xffff.
    for fi, fo in ((4, 4), (4, 6), (6, 4), (6, 6)):
        e = Entry(fi, fo)
        p = csum_search(fi, lambda q: udp_csum(switched_frame(q, e)))
        one_switched('csum_out_ffff_v%dv%d' % (fi, fo), p, e)
        p = csum_search(fi, lambda q: udp_csum(q.frame()))
        one_switched('csum_in_ffff_v%dv%d' % (fi, fo), p, e)


def udp_csum(frame):
    return Ether(frame)[UDP].chksum


def csum_search(fam, csum_of):
    """A frame whose checksum (as csum_of computes it) is 0xffff, i.e. the
    one's complement sum came out 0: the last PPP word (at an even offset
    of the UDP payload) adds linearly to the sum, so w = checksum(w=0)."""
    body = ppp(22)

    def pkt(w):
        return Pkt(fam, msg=l2tp(F_L | F_S, payload=body +
                                 struct.pack('!H', w)))
    p = pkt(0)
    c0 = csum_of(p)
    p = pkt(0 if c0 == 0xffff else c0)
    assert csum_of(p) == 0xffff
    return p


def gen_dscp():
    for fi in (4, 6):
        for fo in (4, 6):
            n = 'v%dv%d' % (fi, fo)
            one_switched('dscp_keep_' + n, Pkt(fi, tos=0xb9, fl=0xabcde),
                         Entry(fi, fo))
            one_switched('dscp_set_' + n, Pkt(fi, tos=0xb9, fl=0xabcde),
                         Entry(fi, fo, v_flags=SW_NH_VALID | SW_DSCP_SET,
                               v_dscp=10))
            one_switched('dscp_set_zero_ecn_kept_' + n,
                         Pkt(fi, tos=0xfe, fl=1),
                         Entry(fi, fo, v_flags=SW_NH_VALID | SW_DSCP_SET,
                               v_dscp=0))
            one_switched('dscp_set_63_' + n, Pkt(fi, tos=0x01),
                         Entry(fi, fo, v_flags=SW_NH_VALID | SW_DSCP_SET,
                               v_dscp=63))


def ppp_ip(fam, tos, n=30, acfc=False, pfc=False):
    """A PPP frame carrying an IPv4 or IPv6 packet with this TOS / traffic
    class; acfc: no address and control field; pfc: one-byte protocol."""
    proto = 0x21 if fam == 4 else 0x57
    head = b'' if acfc else b'\xff\x03'
    head += bytes([proto]) if pfc else struct.pack('!H', proto)
    if fam == 4:
        ip = IP(src='10.9.0.1', dst='10.9.0.2', tos=tos) / Raw(bytes(n))
    else:
        ip = IPv6(src='fd09::1', dst='fd09::2', tc=tos) / Raw(bytes(n))
    return head + bytes(ip)


def gen_dscp_copy():
    """dscp_copy: the outer DSCP becomes the carried IP packet's, ECN kept;
    PPP without address/control or with a compressed protocol, L2TP with
    every optional field; no IP inside: the outer DSCP stays."""
    copy = SW_NH_VALID | SW_DSCP_COPY
    for fi in (4, 6):
        for fo in (4, 6):
            n = 'v%dv%d' % (fi, fo)
            for inner in (4, 6):
                one_switched('dscp_copy_%s_inner%d' % (n, inner),
                             Pkt(fi, tos=0x03, msg=l2tp(payload=ppp_ip(inner, 0xb8))),
                             Entry(fi, fo, v_flags=copy))
            one_switched('dscp_copy_%s_not_ip_kept' % n,
                         Pkt(fi, tos=0x29, msg=l2tp(payload=b'\xff\x03\x02\x01' + bytes(20))),
                         Entry(fi, fo, v_flags=copy))
    for flags in all_flags():
        for acfc, pfc in ((False, False), (True, False), (False, True), (True, True)):
            one_switched('dscp_copy_%s%s%s' % (flag_name(flags), '_acfc' if acfc else '',
                                               '_pfc' if pfc else ''),
                         Pkt(4, tos=0x02, msg=l2tp(flags, off_size=3 if flags & F_O else 0,
                                                   payload=ppp_ip(4, 0x68, acfc=acfc,
                                                                  pfc=pfc))),
                         Entry(4, 4, v_flags=copy))
    # Cut short (Ethernet padding behind must not count as the inner header).
    for i, pl in enumerate((b'\xff\x03\x00', b'\xff\x03\x00\x21\x45', b'\x21\x45', b'')):
        one_switched('dscp_copy_short_%d_kept' % i,
                     Pkt(4, tos=0x30, msg=l2tp(payload=pl), pad=b'\x45\xb8' * 8),
                     Entry(4, 4, v_flags=copy))


def gen_police():
    """police: a full bucket of `burst` bytes lets that much through, the
    next frame is dropped untouched and counted; the rate (1 kbit/s)
    refills nothing measurable within a fixture. Each direction its own
    bucket; IPv4 (fast table) and IPv6 (wide table) legs alike."""
    for fi, fo in ((4, 4), (4, 6), (6, 6)):
        f = fixture('police_v%dv%d' % (fi, fo))
        msg = l2tp(payload=ppp(100))         # 106 L2TP bytes a frame
        e = f.entry(Entry(fi, fo, v_police_kbps=1, v_police_burst=3 * 106 + 50,
                          v_stats_idx=7))
        for _ in range(3):
            f.switched(Pkt(fi, msg=msg), e)
        f.policed(Pkt(fi, msg=msg), e)
        f.policed(Pkt(fi, msg=msg), e)
        # what is left (50 bytes) still takes a small frame
        f.switched(Pkt(fi, msg=l2tp(payload=ppp(40))), e)
        f.policed(Pkt(fi, msg=l2tp(payload=ppp(40))), e)
    f = fixture('police_two_directions_and_unpoliced')
    a = f.entry(Entry(4, 4, v_police_kbps=64, v_police_burst=1500, v_stats_idx=3, v_dir=0))
    b = f.entry(Entry(4, 4, k_peer_addr=B4_PEER, k_local_addr=B4_LOCAL, k_peer_port=OUT_PPORT,
                      k_tunnel_id=OUT_TID, k_session_id=OUT_SID, v_local_addr=A4_LOCAL,
                      v_peer_addr=A4_PEER, v_peer_port=IN_SPORT, v_peer_tunnel_id=IN_TID,
                      v_peer_session_id=IN_SID, v_police_kbps=64, v_police_burst=1500,
                      v_stats_idx=3, v_dir=1))
    u = f.entry(Entry(4, 4, k_session_id=0x0777, v_stats_idx=4))
    big = l2tp(payload=ppp(1000))
    rev = dict(src=B4_PEER, dst=B4_LOCAL, sport=OUT_PPORT)
    f.switched(Pkt(4, msg=big), a)
    f.policed(Pkt(4, msg=big), a)
    f.switched(Pkt(4, msg=l2tp(tid=OUT_TID, sid=OUT_SID, payload=ppp(1000)), **rev), b)
    f.policed(Pkt(4, msg=l2tp(tid=OUT_TID, sid=OUT_SID, payload=ppp(1000)), **rev), b)
    for _ in range(5):
        f.switched(Pkt(4, msg=l2tp(sid=0x0777, payload=ppp(1000))), u)
    # Over the rate but not switchable anyway: the slow path's, not counted as policed.
    f.passes('pass_ttl', Pkt(4, ttl=1, msg=big))


def gen_ttl():
    for fi in (4, 6):
        lim = 'ttl' if fi == 4 else 'hlim'
        for ttl in (0, 1):
            for fo in (4, 6):
                one_pass('%s%d_v%dv%d' % (lim, ttl, fi, fo), 'pass_ttl',
                         Pkt(fi, ttl=ttl), [Entry(fi, fo)])
        for fo in (4, 6):
            one_switched('%s2_v%dv%d' % (lim, fi, fo), Pkt(fi, ttl=2),
                         Entry(fi, fo))
            one_switched('%s255_v%dv%d' % (lim, fi, fo), Pkt(fi, ttl=255),
                         Entry(fi, fo))
        # TTL is checked before the next hop and the egress.
        one_pass('%s1_before_no_neigh' % lim, 'pass_ttl', Pkt(fi, ttl=1),
                 [Entry(fi, 4, v_flags=0, v_ifindex='MISSING')])
        # ... and after the session lookup.
        one_pass('%s1_unknown_session' % lim, 'pass_no_session',
                 Pkt(fi, ttl=1), [])


def gen_fragments():
    one_pass('frag_mf', 'pass_fragment', Pkt(4, ipflags=1))
    one_pass('frag_offset', 'pass_fragment', Pkt(4, frag=185))
    one_pass('frag_mf_offset', 'pass_fragment', Pkt(4, ipflags=1, frag=3))
    one_pass('frag_df_mf', 'pass_fragment', Pkt(4, ipflags=3))
    # A later fragment carries no UDP header at all: still a fragment.
    f = fixture('frag_offset_short_payload')
    f.entry(Entry(4, 4))
    f.passes('pass_fragment',
             eth(IN_DMAC, IN_SMAC, (), IP(src=A4_PEER, dst=A4_LOCAL, proto=17,
                                         frag=100) / Raw(b'\x01\x02\x03')))
    # Not UDP is decided before the fragment bits.
    f = fixture('frag_mf_tcp')
    f.passes('pass_not_l2tp',
             eth(IN_DMAC, IN_SMAC, (), IP(src=A4_PEER, dst=A4_LOCAL, flags=1,
                                         proto=6) / Raw(bytes(40))))
    one_pass('frag_with_ttl1', 'pass_fragment', Pkt(4, ipflags=1, ttl=1))


def gen_ipv6_exthdr():
    udp = UDP(sport=IN_SPORT, dport=L2TP_PORT) / Raw(l2tp())
    hdrs = {
        'hopbyhop': IPv6ExtHdrHopByHop() / udp,
        'routing': IPv6ExtHdrRouting(addresses=[A6_LOCAL]) / udp,
        'fragment': IPv6ExtHdrFragment(id=0x1234, m=0, offset=0) / udp,
        'destopt': IPv6ExtHdrDestOpt() / udp,
        'esp': ESP(spi=0x1000, seq=1) / Raw(bytes(32)),
        'ah': AH(spi=0x1000, seq=1, icv=bytes(12), nh=17) / udp,
    }
    for n, l4 in hdrs.items():
        f = fixture('ipv6_exthdr_' + n)
        f.entry(Entry(6, 4))
        f.passes('pass_ipv6_exthdr', eth(IN_DMAC, IN_SMAC, (),
                                         IPv6(src=A6_PEER, dst=A6_LOCAL) /
                                         l4))
    for nh in (135, 139, 140):
        f = fixture('ipv6_exthdr_nh%d' % nh)
        f.entry(Entry(6, 4))
        f.passes('pass_ipv6_exthdr',
                 eth(IN_DMAC, IN_SMAC, (), IPv6(src=A6_PEER, dst=A6_LOCAL,
                                                nh=nh) /
                     Raw(bytes([17, 0]) + bytes(6) + bytes(udp))))
    for nh, n in ((59, 'no_next'), (58, 'icmpv6'), (6, 'tcp')):
        f = fixture('ipv6_nh_%s_not_l2tp' % n)
        f.passes('pass_not_l2tp',
                 eth(IN_DMAC, IN_SMAC, (), IPv6(src=A6_PEER, dst=A6_LOCAL,
                                                nh=nh) / Raw(bytes(24))))


def gen_control():
    ctl = l2tp(F_T | F_L | F_S, tid=IN_TID, sid=0, ns=3, nr=7,
               payload=bytes.fromhex('8008000000000001'))   # SCCRQ type AVP
    one_pass('control_sccrq', 'pass_control', Pkt(4, msg=ctl))
    zlb = l2tp(F_T | F_L | F_S, tid=IN_TID, sid=0, ns=4, nr=8, payload=b'')
    one_pass('control_zlb', 'pass_control', Pkt(4, msg=zlb))
    one_pass('control_v6', 'pass_control', Pkt(6, msg=ctl))
    # The T bit is looked at before the IDs: even with a matching entry.
    ctl_ids = l2tp(F_T | F_L | F_S, payload=bytes(8))
    one_pass('control_matching_entry', 'pass_control', Pkt(4, msg=ctl_ids),
             [Entry(4, 4)])
    # ... and before the header length (rows 13, 14).
    one_pass('control_two_bytes', 'pass_control',
             Pkt(4, msg=struct.pack('!H', F_T | F_L | F_S | 2)))
    one_pass('control_ttl1_no_session', 'pass_control',
             Pkt(4, msg=ctl, ttl=1), [])


def gen_unknown_session():
    one_pass('no_session_empty_table', 'pass_no_session', Pkt(4), [])
    one_pass('no_session_empty_table_v6', 'pass_no_session', Pkt(6), [])
    variants = {
        'peer_port': dict(k_peer_port=IN_SPORT + 1),
        'peer_addr': dict(k_peer_addr='192.0.2.2'),
        'local_addr': dict(k_local_addr='192.0.2.101'),
        'tunnel_id': dict(k_tunnel_id=IN_TID + 1),
        'session_id': dict(k_session_id=IN_SID + 1),
        'family': dict(k_family=6),
    }
    for n, kw in variants.items():
        # The only entry differs from the frame in one key field.
        one_pass('no_session_other_' + n, 'pass_no_session', Pkt(4),
                 [Entry(4, 4, **kw)])
    v6var = {
        'peer_port': dict(k_peer_port=IN_SPORT - 1),
        'peer_addr': dict(k_peer_addr='2001:db8:a::2'),
        'local_addr': dict(k_local_addr='2001:db8:a::101'),
        'family': dict(k_family=4),
    }
    for n, kw in v6var.items():
        one_pass('no_session_v6_other_' + n, 'pass_no_session', Pkt(6),
                 [Entry(6, 4, **kw)])
    # A v6 frame whose addresses' first 4 bytes equal a v4 entry's key.
    f = fixture('no_session_v6_looks_like_v4_key')
    f.entry(Entry(4, 4))
    f.passes('pass_no_session', Pkt(6, src='c000:201::', dst='c000:264::'))
    # Only the frame's source port differs from the installed entry: two
    # LACs behind one address that both use the same IDs.
    f = fixture('no_session_sport_differs_same_ids')
    e = f.entry(Entry(4, 4))
    f.switched(Pkt(4), e)
    f.passes('pass_no_session', Pkt(4, sport=IN_SPORT + 1))
    f.passes('pass_no_session', Pkt(4, src='192.0.2.2'))
    f.passes('pass_no_session', Pkt(4, dst='192.0.2.101'))
    # The UDP destination port is not part of the key: any L2TP port.
    # The key uses the frame's IDs, not the egress ones.
    one_pass('no_session_egress_ids', 'pass_no_session',
             Pkt(4, msg=l2tp(tid=OUT_TID, sid=OUT_SID)), [Entry(4, 4)])
    # The key is the whole tuple: two entries that share IDs and address
    # but differ in port each switch their own frames.
    f = fixture('two_lacs_same_ids')
    e1 = f.entry(Entry(4, 4, v_stats_idx=11, v_peer_tunnel_id=0x1111))
    e2 = f.entry(Entry(4, 4, k_peer_port=IN_SPORT + 1, v_stats_idx=12,
                       v_dir=1, v_peer_tunnel_id=0x2222))
    e3 = f.entry(Entry(4, 6, k_peer_addr='192.0.2.2', v_stats_idx=13,
                       v_peer_tunnel_id=0x3333))
    f.switched(Pkt(4), e1)
    f.switched(Pkt(4, sport=IN_SPORT + 1), e2)
    f.switched(Pkt(4, src='192.0.2.2'), e3)
    f.switched(Pkt(4, sport=IN_SPORT + 1, msg=l2tp(payload=ppp(99))), e2)


def gen_version():
    # Ver != 2 is passed, not dropped: it may be another host's or another
    # service's (L2TPv3 over UDP); the agent discards what is for us.
    for ver in (0, 1, 3, 15):
        one_pass('bad_version_%d' % ver, 'pass_bad_version',
                 Pkt(4, msg=l2tp(ver=ver)), [Entry(4, 4)])
    one_pass('bad_version_3_v6', 'pass_bad_version',
             Pkt(6, msg=l2tp(ver=3)), [Entry(6, 6)])
    one_pass('bad_version_3_control', 'pass_bad_version',
             Pkt(4, msg=l2tp(F_T | F_L | F_S, ver=3)), [])
    # Version is checked before the header length ...
    one_pass('bad_version_1_two_bytes', 'pass_bad_version',
             Pkt(4, msg=struct.pack('!H', 1)), [])
    # ... and after the fragment bits.
    one_pass('bad_version_fragment', 'pass_fragment',
             Pkt(4, msg=l2tp(ver=3), ipflags=1), [Entry(4, 4)])


def gen_truncation():
    # Original lengths kept: every prefix is malformed.
    msg = l2tp(F_L | F_S | F_O, off_size=2, payload=ppp(4))
    for tag, fam, vl in (('v4', 4, ()), ('v6', 6, ()),
                         ('v4_vlan2', 4, VLAN_IN['vlan2']),
                         ('v6_qinq', 6, VLAN_IN['qinq'])):
        p = Pkt(fam, msg=msg, vlans=vl)
        full = p.frame()
        for n in range(len(full)):
            f = fixture('trunc_%s_len%03d' % (tag, n))
            f.entry(Entry(fam, 4))
            f.passes('drop_truncated', full[:n], XDP_DROP)
        f = fixture('trunc_%s_len%03d_full' % (tag, len(full)))
        e = f.entry(Entry(fam, 4))
        f.switched(p, e)
    # Lengths consistent with the cut: the IP packet is well formed, the
    # UDP header / L2TP header inside it is short (rows 9, 11, 14). With a
    # non-L2TP port the frame is not ours once the UDP header is complete.
    for fam in (4, 6):
        ipc = IP if fam == 4 else IPv6
        src, dst = (A4_PEER, A4_LOCAL) if fam == 4 else (A6_PEER, A6_LOCAL)
        for dport in (L2TP_PORT, 1702):
            udp = bytes(UDP(sport=IN_SPORT, dport=dport, chksum=0x1234,
                            len=8))
            for k in range(8):
                l3 = ipc(src=src, dst=dst, **({'proto': 17} if fam == 4
                                              else {'nh': 17})) / \
                    Raw(udp[:k])
                one_pass('trunc_udp_v%d_port%d_%d' % (fam, dport, k),
                         'drop_truncated', eth(IN_DMAC, IN_SMAC, (), l3),
                         [Entry(fam, 4)], XDP_DROP)
            for k in range(len(msg) + 1):
                p = Pkt(fam, msg=msg[:k], dport=dport)
                name = 'trunc_l2tp_v%d_port%d_%02d' % (fam, dport, k)
                if dport != L2TP_PORT:
                    one_pass(name, 'pass_not_l2tp', p, [Entry(fam, 4)])
                elif k < len(msg) - 4:   # the PPP bytes are optional
                    one_pass(name, 'drop_truncated', p, [Entry(fam, 4)],
                             XDP_DROP)
                else:
                    one_switched(name, p, Entry(fam, 4))
    # The UDP header ends where the IP header says, not at the frame end.
    for fam in (4, 6):
        ipc = IP if fam == 4 else IPv6
        src, dst = (A4_PEER, A4_LOCAL) if fam == 4 else (A6_PEER, A6_LOCAL)
        udp = bytes(UDP(sport=IN_SPORT, dport=L2TP_PORT, len=8, chksum=1))
        f = fixture('trunc_udp_v%d_4_padded' % fam)
        f.entry(Entry(fam, 4))
        f.passes('drop_truncated',
                 eth(IN_DMAC, IN_SMAC, (),
                     ipc(src=src, dst=dst, **({'proto': 17} if fam == 4
                                              else {'nh': 17})) /
                     Raw(udp[:4])) + udp[4:] + l2tp(payload=ppp(20)),
                 XDP_DROP)
    # The UDP payload ends where the IP header says, not at the frame end:
    # Ethernet padding behind a short L2TP header does not complete it.
    for fam in (4, 6):
        for k, reason in ((1, 'drop_truncated'), (5, 'drop_truncated')):
            p = Pkt(fam, msg=l2tp(payload=b'')[:k], pad=bytes(40))
            one_pass('trunc_l2tp_v%d_%d_padded' % (fam, k), reason, p,
                     [Entry(fam, 4)], XDP_DROP)
        p = Pkt(fam, msg=l2tp(F_O, off_size=8, payload=b'')[:-2],
                pad=bytes(30))
        one_pass('trunc_offset_pad_v%d_padded' % fam, 'drop_truncated', p,
                 [Entry(fam, 4)], XDP_DROP)
    # IPv4 header fields that point beyond the frame.
    ip = IP(src=A4_PEER, dst=A4_LOCAL) / UDP(sport=IN_SPORT,
                                              dport=L2TP_PORT) / Raw(l2tp())
    b = eth(IN_DMAC, IN_SMAC, (), ip)
    f = fixture('ipv4_total_length_beyond_frame')
    f.passes('drop_truncated', b[:16] + struct.pack('!H', len(b) - 14 + 1) +
             b[18:], XDP_DROP)
    for ihl in (0, 1, 4):
        f = fixture('ipv4_ihl_%d' % ihl)
        f.passes('drop_truncated', b[:14] + bytes([0x40 | ihl]) + b[15:],
                 XDP_DROP)
    # Total length shorter than the header (IHL 6) or than 20 bytes: no room
    # for a UDP header inside the IP packet, whatever the frame holds.
    ipo = IP(src=A4_PEER, dst=A4_LOCAL,
             options=[IPOption(b'\x94\x04\0\0')]) / \
        UDP(sport=IN_SPORT, dport=L2TP_PORT) / Raw(l2tp())
    bo = eth(IN_DMAC, IN_SMAC, (), ipo)
    for tl in (22, 10, 0):
        f = fixture('ipv4_total_length_%d_ihl6' % tl)
        f.entry(Entry(4, 4))
        f.passes('drop_truncated', bo[:16] + struct.pack('!H', tl) + bo[18:],
                 XDP_DROP)
    # IHL 15 (60 bytes) in a 20-byte IP packet at the end of the frame.
    tiny = eth(IN_DMAC, IN_SMAC, (), IP(src=A4_PEER, dst=A4_LOCAL, proto=17,
                                        len=20))
    f = fixture('ipv4_ihl_15_beyond_frame')
    f.passes('drop_truncated', tiny[:14] + b'\x4f' + tiny[15:], XDP_DROP)
    f = fixture('ipv6_payload_length_beyond_frame')
    b6 = Pkt(6).frame()
    f.passes('drop_truncated', b6[:18] + struct.pack('!H', len(b6) - 54 + 1) +
             b6[20:], XDP_DROP)
    # VLAN tag cut short, Ethernet header cut short.
    for n in range(15, 18):
        f = fixture('vlan_tag_cut_%d' % n)
        f.passes('drop_truncated', Pkt(4, vlans=VLAN_IN['vlan1']).frame()[:n],
                 XDP_DROP)
    for n in range(19, 22):
        f = fixture('vlan2_tag_cut_%d' % n)
        f.passes('drop_truncated', Pkt(4, vlans=VLAN_IN['vlan2']).frame()[:n],
                 XDP_DROP)


def gen_mtu():
    for fi, fo, opts in ((4, 4, b''), (4, 6, b''), (6, 4, b''), (6, 6, b''),
                         (4, 4, b'\x94\x04\x00\x00'),
                         (4, 6, b'\x94\x04\x00\x00')):
        p = Pkt(fi, opts=opts)
        if fo == 4:
            size = (20 + len(opts) if fi == 4 else 20) + p.udp_len()
        else:
            size = 40 + p.udp_len()
        n = 'v%dv%d%s' % (fi, fo, '_options' if opts else '')
        one_switched('mtu_exact_' + n, p, Entry(fi, fo, v_mtu=size))
        one_pass('mtu_exceeded_' + n, 'pass_mtu', p,
                 [Entry(fi, fo, v_mtu=size - 1)])
    # Tags and Ethernet padding do not count toward the L3 MTU.
    p = Pkt(4, msg=l2tp(payload=ppp(2)), pad=bytes(8), vlans=VLAN_IN['vlan2'])
    one_switched('mtu_exact_padded_vlan', p,
                 Entry(4, 4, v_mtu=20 + p.udp_len(),
                       v_flags=SW_NH_VALID | SW_VLAN, v_vlan_tci=9))
    # MTU is checked after the egress and the checksum rule (rows 19-21).
    one_pass('mtu_exceeded_egress_missing', 'pass_no_egress', Pkt(4),
             [Entry(4, 4, v_mtu=60, v_ifindex='MISSING')])
    one_pass('mtu_exceeded_csum_zero_v4v6', 'pass_csum', Pkt(4, csum=0),
             [Entry(4, 6, v_mtu=60)])
    one_pass('mtu_exceeded_no_neigh', 'pass_no_neigh', Pkt(4),
             [Entry(4, 4, v_mtu=60, v_flags=0)])


def gen_padding():
    # Short frames arrive padded to 60 bytes; the padding stays in place
    # and is not counted.
    for fi, fo in ((4, 4), (4, 6), (6, 4), (6, 6)):
        p = Pkt(fi, msg=l2tp(payload=ppp(2)), pad=bytes(range(1, 11)))
        one_switched('eth_padding_v%dv%d' % (fi, fo), p, Entry(fi, fo))
    p = Pkt(4, msg=l2tp(payload=ppp(2)), pad=b'\x5a' * 8, csum=0)
    one_switched('eth_padding_zero_csum_v4v4', p, Entry(4, 4))


def gen_not_l2tp():
    one_pass('udp_port_1702', 'pass_not_l2tp', Pkt(4, dport=1702),
             [Entry(4, 4)])
    one_pass('udp_port_0', 'pass_not_l2tp', Pkt(4, dport=0), [Entry(4, 4)])
    one_pass('udp_port_swapped', 'pass_not_l2tp',
             Pkt(4, sport=L2TP_PORT, dport=IN_SPORT),
             [Entry(4, 4, k_peer_port=L2TP_PORT)])
    one_pass('udp_port_1702_v6', 'pass_not_l2tp', Pkt(6, dport=1702),
             [Entry(6, 4)])
    f = fixture('ipv4_tcp')
    f.passes('pass_not_l2tp', eth(IN_DMAC, IN_SMAC, (),
                                  IP(src=A4_PEER, dst=A4_LOCAL) /
                                  TCP(sport=IN_SPORT, dport=L2TP_PORT)))
    f = fixture('ipv4_icmp')
    f.passes('pass_not_l2tp', eth(IN_DMAC, IN_SMAC, (),
                                  IP(src=A4_PEER, dst=A4_LOCAL) / ICMP()))
    f = fixture('ipv4_tcp_ttl1')
    f.passes('pass_not_l2tp', eth(IN_DMAC, IN_SMAC, (),
                                  IP(src=A4_PEER, dst=A4_LOCAL, ttl=1) /
                                  TCP()))
    f = fixture('ipv6_tcp')
    f.passes('pass_not_l2tp', eth(IN_DMAC, IN_SMAC, (),
                                  IPv6(src=A6_PEER, dst=A6_LOCAL) /
                                  TCP(sport=IN_SPORT, dport=L2TP_PORT)))
    for et, n in ((0x0806, 'arp'), (0x8847, 'mpls'), (0x88cc, 'lldp')):
        f = fixture('ethertype_' + n)
        f.passes('pass_not_l2tp', bytes.fromhex('020000000001020000000002') +
                 struct.pack('!H', et) + bytes(46))
    f = fixture('ethertype_arp_in_vlan')
    f.passes('pass_not_l2tp', bytes.fromhex('020000000001020000000002') +
             bytes.fromhex('8100000a0806') + bytes(46))
    f = fixture('ethernet_header_only_arp')
    f.passes('pass_not_l2tp', bytes.fromhex('020000000001020000000002') +
             bytes.fromhex('0806'))


def gen_counters():
    """Several frames of one session, both directions, plus frames that
    must not count."""
    f = fixture('counters_accumulate')
    a = f.entry(Entry(4, 6, v_stats_idx=5, v_dir=0))
    # The reverse leg: the LNS (IPv6) sends to us, we send to the LAC.
    b = f.entry(Entry(6, 4, k_peer_addr=B6_PEER, k_local_addr=B6_LOCAL,
                      k_peer_port=OUT_PPORT, k_tunnel_id=0x0e0f,
                      k_session_id=0x1011, v_local_addr=A4_LOCAL,
                      v_peer_addr=A4_PEER, v_local_port=L2TP_PORT,
                      v_peer_port=IN_SPORT, v_peer_tunnel_id=0x0506,
                      v_peer_session_id=0x0708, v_stats_idx=5, v_dir=1,
                      v_ifindex='REDIRECT'))
    other = f.entry(Entry(4, 4, k_session_id=0x0999, v_stats_idx=6))
    for n in (10, 200, 1000):
        f.switched(Pkt(4, msg=l2tp(F_S, ns=n, payload=ppp(n))), a)
    rev = dict(src=B6_PEER, dst=B6_LOCAL, sport=OUT_PPORT)
    for n in (0, 333):
        f.switched(Pkt(6, msg=l2tp(F_L, tid=0x0e0f, sid=0x1011,
                                   payload=ppp(n)), **rev), b)
    # Not switched: must not count anywhere.
    f.passes('pass_ttl', Pkt(4, ttl=1))
    f.passes('pass_control', Pkt(4, msg=l2tp(F_T | F_L | F_S, payload=b'')))
    f.passes('pass_fragment', Pkt(4, ipflags=1))
    f.passes('pass_bad_version', Pkt(4, msg=l2tp(ver=3)))
    f.switched(Pkt(4, msg=l2tp(payload=ppp(77)), pad=bytes(6)), a)
    f.switched(Pkt(4, msg=l2tp(sid=0x0999, payload=ppp(5))), other)
    assert f.stats[5] == [4, (10 + 10) + (10 + 200) + (10 + 1000) + 6 + 77,
                          2, (8 + 0) + (8 + 333), 0, 0]
    f = fixture('counters_mtu_not_counted')
    e = f.entry(Entry(4, 4, v_stats_idx=9, v_dir=1, v_mtu=100))
    f.switched(Pkt(4, msg=l2tp(payload=ppp(50))), e)
    f.passes('pass_mtu', Pkt(4, msg=l2tp(payload=ppp(80))))
    f.switched(Pkt(4, msg=l2tp(payload=ppp(10))), e)


def gen_sizes():
    """Odd UDP lengths (the checksum's last byte alone) and full-size frames
    (IPv4 -> IPv6 growing to exactly a 1500-byte MTU)."""
    for fi, fo in ((4, 4), (4, 6), (6, 4), (6, 6)):
        one_switched('odd_length_v%dv%d' % (fi, fo),
                     Pkt(fi, msg=l2tp(F_S, payload=ppp(51))), Entry(fi, fo))
        p = Pkt(fi, msg=l2tp(F_L | F_S, payload=ppp(1500 - 48 - 12)))
        size = (20 if fo == 4 else 40) + p.udp_len()
        assert size == (1480 if fo == 4 else 1500)
        one_switched('large_v%dv%d' % (fi, fo), p,
                     Entry(fi, fo, v_mtu=size, v_ifindex='REDIRECT'))
    one_switched('ipv4_reserved_flag_kept', Pkt(4, ipflags=4), Entry(4, 4))


def rand_addr(fam):
    if fam == 4:
        return socket.inet_ntop(socket.AF_INET, bytes(
            rng.getrandbits(8) for _ in range(4)))
    return socket.inet_ntop(socket.AF_INET6, bytes(
        rng.getrandbits(8) for _ in range(16)))


LTS_STATS_RANDOM = 65536    # LTS_MAX_SESSIONS_DEFAULT


def rand_mac():
    return ':'.join('%02x' % rng.getrandbits(8) for _ in range(6))


def gen_random():
    """Seeded random switched frames: addresses, ports, IDs, TOS, TTL, tags
    and flags all over the value range, so that the incremental checksums
    meet carries and wrap-arounds that hand-picked values would miss."""
    vlan_sets = list(VLAN_IN.values())
    for i in range(64):
        fi, fo = rng.choice((4, 6)), rng.choice((4, 6))
        flags = rng.choice(list(all_flags()))
        msg = l2tp(flags, tid=rng.getrandbits(16), sid=rng.getrandbits(16),
                   ns=rng.getrandbits(16), nr=rng.getrandbits(16),
                   off_size=rng.randrange(0, 9),
                   payload=ppp(rng.randrange(0, 300)))
        kw = dict(msg=msg, src=rand_addr(fi), dst=rand_addr(fi),
                  sport=rng.getrandbits(16), tos=rng.getrandbits(8),
                  ttl=rng.randrange(2, 256), vlans=rng.choice(vlan_sets))
        if fi == 4:
            kw.update(ipid=rng.getrandbits(16), ipflags=rng.choice((0, 2)))
            if fo == 4 and rng.random() < 0.3:
                kw['csum'] = 0
            if rng.random() < 0.3:
                kw['opts'] = b'\x01' * (4 * rng.randrange(1, 11) - 1) + b'\x00'
        else:
            kw['fl'] = rng.getrandbits(20)
        p = Pkt(fi, **kw)
        short = 60 - len(p.frame())     # a NIC pads to the minimum size
        if short > 0:
            p.pad = bytes(rng.getrandbits(8) for _ in range(short))
        e = Entry(fi, fo, k_peer_addr=p.src, k_local_addr=p.dst,
                  k_peer_port=p.sport, k_tunnel_id=struct.unpack(
                      '!H', msg[ids_off(msg):ids_off(msg) + 2])[0],
                  k_session_id=struct.unpack(
                      '!H', msg[ids_off(msg) + 2:ids_off(msg) + 4])[0],
                  v_local_addr=rand_addr(fo), v_peer_addr=rand_addr(fo),
                  v_local_port=rng.getrandbits(16),
                  v_peer_port=rng.getrandbits(16),
                  v_peer_tunnel_id=rng.getrandbits(16),
                  v_peer_session_id=rng.getrandbits(16),
                  v_dscp=rng.randrange(64), v_vlan_tci=rng.getrandbits(16),
                  v_flags=SW_NH_VALID | rng.choice((0, SW_DSCP_SET)) |
                  rng.choice((0, SW_VLAN)), v_dir=rng.choice((0, 1)),
                  v_stats_idx=rng.randrange(LTS_STATS_RANDOM),
                  v_ifindex=rng.choice(('TX', 'REDIRECT')),
                  v_src_mac=rand_mac(), v_dst_mac=rand_mac())
        one_switched('random_%02d_v%dv%d' % (i, fi, fo), p, e)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[1])
    ap.add_argument('-o', '--output', default='-')
    args = ap.parse_args()
    for g in (gen_flags, gen_families, gen_ipv4_options, gen_vlan, gen_csum,
              gen_dscp, gen_ttl, gen_fragments, gen_ipv6_exthdr, gen_control,
              gen_unknown_session, gen_version, gen_truncation, gen_mtu,
              gen_padding, gen_not_l2tp, gen_counters, gen_sizes, gen_random,
              gen_dscp_copy, gen_police):
        g()
    text = '# Generated by tests/bpf/gen_fixtures.py; do not edit.\n'
    text += ''.join(f.text() for f in FIXTURES)
    if args.output == '-':
        sys.stdout.write(text)
    else:
        with open(args.output, 'w') as fp:
            fp.write(text)
    print('gen_fixtures: %d fixtures' % len(FIXTURES), file=sys.stderr)


if __name__ == '__main__':
    main()
