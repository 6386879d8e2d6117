package io.sluice.bpf;

import java.nio.ByteBuffer;

/** Crafts Ethernet/IPv4/TCP|UDP frames with correct checksums, and checks them. */
public final class Packets {
    public static final int SYN = 0x02, ACK = 0x10;

    private Packets() {}

    public static byte[] tcp(int src, int sport, int dst, int dport, int flags) {
        return frame(6, src, sport, dst, dport, flags, 20);
    }

    public static byte[] udp(int src, int sport, int dst, int dport) {
        return frame(17, src, sport, dst, dport, 0, 8);
    }

    /** An ARP request from src asking for dst (Ethernet broadcast). */
    public static byte[] arp(int src, int dst) {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(new byte[]{-1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1)
                .put(new byte[]{2, 0, 0, 0, 0, 1}).putInt(src).put(new byte[6]).putInt(dst);
        return b.array();
    }

    private static byte[] frame(int proto, int src, int sport, int dst, int dport, int flags, int l4len) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + l4len);
        b.put(new byte[]{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4len)).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) proto).putShort((short) 0).putInt(src).putInt(dst);
        b.putShort((short) sport).putShort((short) dport);
        if (proto == 6) {
            b.putInt(1).putInt(0).put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        } else {
            b.putShort((short) l4len).putShort((short) 0);
        }
        byte[] f = b.array();
        put16(f, 24, checksum(f, 14, 20, 0));
        put16(f, proto == 6 ? 50 : 40, checksum(f, 34, l4len, pseudo(f, proto, l4len)));
        return f;
    }

    public static int src(byte[] f) { return get32(f, 26); }
    public static int dst(byte[] f) { return get32(f, 30); }
    public static int sport(byte[] f) { return get16(f, 34); }
    public static int dport(byte[] f) { return get16(f, 36); }

    /** True when the IPv4 header and TCP/UDP checksums of the frame verify. */
    public static boolean checksumsValid(byte[] f) {
        int proto = f[23] & 0xff;
        int l4len = f.length - 34;
        return checksum(f, 14, 20, 0) == 0 && checksum(f, 34, l4len, pseudo(f, proto, l4len)) == 0;
    }

    public static int ip(int a, int b, int c, int d) {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }

    private static long pseudo(byte[] f, int proto, int l4len) {
        return get16(f, 26) + get16(f, 28) + get16(f, 30) + get16(f, 32) + proto + l4len;
    }

    private static int checksum(byte[] f, int off, int len, long sum) {
        for (int i = 0; i < len; i += 2) {
            sum += get16(f, off + i);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static int get16(byte[] f, int o) { return ((f[o] & 0xff) << 8) | (f[o + 1] & 0xff); }
    private static int get32(byte[] f, int o) { return (get16(f, o) << 16) | get16(f, o + 2); }
    private static void put16(byte[] f, int o, int v) { f[o] = (byte) (v >> 8); f[o + 1] = (byte) v; }
}
