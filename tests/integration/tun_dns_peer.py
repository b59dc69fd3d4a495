# SPDX-License-Identifier: GPL-2.0-only
"""The far end of a tun device: reads IP packets the kernel routes into it and answers DNS queries.

A tun device has no Ethernet header, so whoflow must parse it from skb->protocol. This peer
attaches to an existing (persistent) tun device, prints "ready", then answers up to --count
UDP DNS queries (IPv4 or IPv6) with one A record, and exits; it gives up after --timeout seconds.
"""
import argparse
import fcntl
import os
import select
import struct
import sys
import time

import dns.message
import dns.rrset

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp(src, dst, sport, dport, payload, pseudo_proto_len):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = csum(src + dst + pseudo_proto_len(8 + len(payload)) + hdr + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), c) + payload


def reply(pkt):
    """The answer to one query packet, or None if it is not a UDP DNS query."""
    if pkt[0] >> 4 == 4:
        ihl = (pkt[0] & 15) * 4
        if pkt[9] != 17:
            return None
        src, dst, l4 = pkt[12:16], pkt[16:20], pkt[ihl:]
    elif pkt[0] >> 4 == 6:
        if pkt[6] != 17:
            return None
        src, dst, l4 = pkt[8:24], pkt[24:40], pkt[40:]
    else:
        return None
    sport, dport = struct.unpack("!HH", l4[:4])
    if dport != 53:
        return None
    q = dns.message.from_wire(l4[8:])
    r = dns.message.make_response(q)
    r.answer.append(dns.rrset.from_text(q.question[0].name, 60, "IN", "A", "198.18.99.1"))
    body = r.to_wire()
    if pkt[0] >> 4 == 4:
        seg = udp(dst, src, 53, sport, body, lambda n: struct.pack("!BBH", 0, 17, n))
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0, 64, 17, 0, dst, src)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return ip + seg
    seg = udp(dst, src, 53, sport, body, lambda n: struct.pack("!IxxxB", n, 17))
    return struct.pack("!IHBB16s16s", 6 << 28, len(seg), 17, 64, dst, src) + seg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", args.dev.encode(), IFF_TUN | IFF_NO_PI))
    print("ready", flush=True)
    answered, deadline = 0, time.monotonic() + args.timeout
    while answered < args.count and time.monotonic() < deadline:
        if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            break
        out = reply(os.read(fd, 65536))
        if out:
            os.write(fd, out)
            answered += 1
    print("answered", answered, flush=True)
    return 0 if answered == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
