package io.sluice.bpf.datapath;

/** struct ipcache_value: the security identity of a prefix, and the local endpoint at it (0 = none). */
public record IpcacheValue(int identity, int endpointId) {
    public static final Codec<IpcacheValue> CODEC = new Codec<>(8,
            (v, b) -> b.putInt(v.identity).putInt(v.endpointId),
            b -> new IpcacheValue(b.getInt(), b.getInt()));
}
