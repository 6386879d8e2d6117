package io.sluice.bpf.datapath;

/** struct endpoint_value, keyed by the host-side ifindex of the pod's veth. */
public record EndpointValue(int endpointId, int identity, int addr, int flags) {
    public static final int INGRESS_ENFORCED = 1, EGRESS_ENFORCED = 2;
    public static final Codec<EndpointValue> CODEC = new Codec<>(16,
            (v, b) -> { b.putInt(v.endpointId).putInt(v.identity); Codec.putAddr(b, v.addr); b.putInt(v.flags); },
            b -> new EndpointValue(b.getInt(), b.getInt(), Codec.getAddr(b), b.getInt()));
    public static final Codec<Integer> IFINDEX = new Codec<>(4, (v, b) -> b.putInt(v), b -> b.getInt());
}
