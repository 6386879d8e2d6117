package io.sluice.bpf.datapath;

/** struct svc_value: the service's id (key of its backends) and how many backend slots are live. */
public record ServiceValue(int serviceId, int count) {
    public static final Codec<ServiceValue> CODEC = new Codec<>(8,
            (v, b) -> b.putInt(v.serviceId).putInt(v.count),
            b -> new ServiceValue(b.getInt(), b.getInt()));
}
