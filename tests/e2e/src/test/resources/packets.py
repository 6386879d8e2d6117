#!/usr/bin/env python3
"""Raw IPv4 packets for the end-to-end tests, with no tool beyond Python.

  packets.py send SRC DST tcp|udp DPORT   one TCP SYN or UDP datagram from SRC (any address: a
                                          raw socket with the IP header written here)
  packets.py capture IFACE SECONDS PORTS  prints "SRC PROTO DPORT" for each IPv4 TCP/UDP packet
                                          arriving on IFACE to one of PORTS (comma-separated)
"""
import socket
import struct
import sys
import time


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def send(src, dst, proto, dport):
    sa, da = socket.inet_aton(src), socket.inet_aton(dst)
    if proto == "tcp":
        number, l4 = 6, struct.pack("!HHIIBBHHH", 40000, dport, 1, 0, 0x50, 0x02, 65535, 0, 0)
        at = 16
    else:
        payload = b"forged"
        number, l4 = 17, struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload
        at = 6
    c = checksum(sa + da + struct.pack("!BBH", 0, number, len(l4)) + l4)
    l4 = l4[:at] + struct.pack("!H", c) + l4[at + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, number, 0, sa, da)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + l4, (dst, 0))


def capture(iface, seconds, ports):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.settimeout(0.2)
    print("capturing", flush=True)
    end = time.time() + seconds
    while time.time() < end:
        try:
            f = s.recv(2048)
        except socket.timeout:
            continue
        if len(f) < 38 or f[12:14] != b"\x08\x00" or f[23] not in (6, 17):
            continue
        l4 = 14 + (f[14] & 0x0F) * 4
        dport = struct.unpack("!H", f[l4 + 2:l4 + 4])[0]
        if dport in ports:
            print(socket.inet_ntoa(f[26:30]), "tcp" if f[23] == 6 else "udp", dport, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        capture(sys.argv[2], float(sys.argv[3]), {int(p) for p in sys.argv[4].split(",")})
