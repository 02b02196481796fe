#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
r"""
tests/e2e/scapy_lac.py over IPv6: the same scripted LAC, command line, steps
and JSON events, with a socket of --local's address family. xl2tpd 1.3.18
(Debian 12) cannot be an IPv6 LAC: it resolves its peers with
gethostbyname() and binds AF_INET sockets ("set_ip: host 'fd00:1::1' not
found").

  scapy_lac6.py --local fd00:1::1 --peer fd00:1::2 --tunnel-id 601 \
      tunnel call a called=401 data a 5 v6 wait-rx a 5 5 cdn a stopccn

See scapy_lac.py for the steps and events. --peer is normalised to the
form the kernel reports in recvfrom(), which the LAC compares with; the
waits (wait-file, wait-rx, ...) look at their condition at least every
0.1 s.
"""
import ipaddress
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scapy_lac  # noqa: E402


class _SocketModule:
    """The socket module as scapy_lac sees it while a LAC is built: every
    socket made has the given family."""

    def __init__(self, family):
        self.family = family

    def __getattr__(self, name):
        return getattr(socket, name)

    def socket(self, family, kind, *rest):
        return socket.socket(self.family, kind, *rest)


class Lac6(scapy_lac.Lac):
    """Also wakes up every 0.1 s while it waits, so that a wait-file step
    sees its file appear without a packet arriving (scapy_lac.py's waits
    look at their condition only when a packet comes in or time is up)."""

    def __init__(self, args):
        local = ipaddress.ip_address(args.local)
        peer = ipaddress.ip_address(args.peer)
        if local.version != peer.version:
            scapy_lac.usage_error("--local and --peer must be the same family")
        args.peer = str(peer)
        saved = scapy_lac.socket
        scapy_lac.socket = _SocketModule(socket.AF_INET6 if local.version == 6 else socket.AF_INET)
        try:
            super().__init__(args)
        finally:
            scapy_lac.socket = saved

    def pump_until(self, pred, deadline):
        while True:
            if super().pump_until(pred, min(deadline, time.monotonic() + 0.1)):
                return True
            if time.monotonic() >= deadline:
                return False


if __name__ == "__main__":
    scapy_lac.Lac = Lac6
    sys.exit(scapy_lac.main())
