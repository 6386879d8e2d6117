package io.sluice.bpf.datapath;

/** struct backend_key: slot n of a service. */
public record BackendKey(int serviceId, int slot) {
    public static final Codec<BackendKey> CODEC = new Codec<>(8,
            (k, b) -> b.putInt(k.serviceId).putInt(k.slot),
            b -> new BackendKey(b.getInt(), b.getInt()));
}
