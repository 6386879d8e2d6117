package io.sluice.bpf.datapath;

/** struct ipcache_value: the security identity of a prefix. */
public record IpcacheValue(int identity) {
    public static final Codec<IpcacheValue> CODEC = new Codec<>(8,
            (v, b) -> b.putInt(v.identity).putInt(0),
            b -> new IpcacheValue(b.getInt()));
}
