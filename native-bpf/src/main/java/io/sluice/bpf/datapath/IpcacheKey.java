package io.sluice.bpf.datapath;

/** struct ipcache_key: an IPv4 prefix. */
public record IpcacheKey(int prefixLen, int addr) {
    public static final Codec<IpcacheKey> CODEC = new Codec<>(8,
            (k, b) -> { b.putInt(k.prefixLen); Codec.putAddr(b, k.addr); },
            b -> new IpcacheKey(b.getInt(), Codec.getAddr(b)));

    public IpcacheKey {
        if (prefixLen < 0 || prefixLen > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLen);
        }
    }
}
