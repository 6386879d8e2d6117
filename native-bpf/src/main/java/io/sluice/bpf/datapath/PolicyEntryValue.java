package io.sluice.bpf.datapath;

/** struct policy_value: deny or allow, how the rule matched, and the proxy port for L7 (0 = none). */
public record PolicyEntryValue(boolean deny, int matchType, int proxyPort, int ruleCookie) {
    public static final Codec<PolicyEntryValue> CODEC = new Codec<>(8,
            (v, b) -> { b.put((byte) (v.deny ? 1 : 0)).put((byte) v.matchType); Codec.putPort(b, v.proxyPort);
                        b.putInt(v.ruleCookie); },
            b -> new PolicyEntryValue(b.get() != 0, b.get() & 0xff, Codec.getPort(b), b.getInt()));
}
