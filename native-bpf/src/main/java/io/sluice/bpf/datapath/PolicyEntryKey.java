package io.sluice.bpf.datapath;

/**
 * struct policy_key: an LPM key whose first 40 bits (identity, direction) always match and
 * whose protocol and port bits may be cut by prefixLen (40 = any protocol, 48 = any port,
 * 64 = exact; 49..63 = an aligned port block).
 */
public record PolicyEntryKey(int prefixLen, int identity, int direction, int protocol, int port) {
    public static final int FULL = 64, ANY_PORT = 48, ANY_PROTOCOL = 40;
    public static final Codec<PolicyEntryKey> CODEC = new Codec<>(12,
            (k, b) -> { b.putInt(k.prefixLen).putInt(k.identity).put((byte) k.direction).put((byte) k.protocol);
                        Codec.putPort(b, k.port); },
            b -> new PolicyEntryKey(b.getInt(), b.getInt(), b.get() & 0xff, b.get() & 0xff, Codec.getPort(b)));

    public PolicyEntryKey {
        if (prefixLen < ANY_PROTOCOL || prefixLen > FULL) {
            throw new IllegalArgumentException("policy prefix length " + prefixLen);
        }
    }
}
