package io.sluice.bpf.datapath;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * struct event: one ring-buffer record (trace, drop or policy verdict) with the first bytes
 * of the packet (from its Ethernet header on).
 */
public record DatapathEvent(int type, int subtype, int direction, int matchType, int endpointId, int ifindex,
                            int srcIdentity, int dstIdentity, int origLen, long ktimeNs, int flags,
                            int proxyPort, byte[] packet) {
    public static final int SIZE = 168;
    public static final int DROP = 1, TRACE = 4, POLICY_VERDICT = 5;
    public static final int F_REPLY = 1, F_ALLOWED = 2;

    public DatapathEvent {
        packet = packet.clone();
    }

    /** Decodes a record; throws IllegalArgumentException on a short or inconsistent one. */
    public static DatapathEvent decode(byte[] raw) {
        if (raw.length < SIZE) {
            throw new IllegalArgumentException("event record of " + raw.length + " bytes, expected " + SIZE);
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.get() & 0xff, subtype = b.get() & 0xff, dir = b.get() & 0xff, match = b.get() & 0xff;
        int ep = b.getInt(), ifindex = b.getInt(), src = b.getInt(), dst = b.getInt(), len = b.getInt();
        long ktime = b.getLong();
        int cap = b.getShort() & 0xffff, flags = b.get() & 0xff;
        b.get();
        int proxyPort = Codec.getPort(b);
        b.getShort();
        if (cap > SIZE - 40) {
            throw new IllegalArgumentException("event capture length " + cap + " exceeds " + (SIZE - 40));
        }
        return new DatapathEvent(type, subtype, dir, match, ep, ifindex, src, dst, len, ktime, flags, proxyPort,
                Arrays.copyOfRange(raw, 40, 40 + cap));
    }

    public boolean reply() {
        return (flags & F_REPLY) != 0;
    }

    public boolean allowed() {
        return (flags & F_ALLOWED) != 0;
    }
}
