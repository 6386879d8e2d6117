package io.sluice.bpf.datapath;

/** struct config_value: the service network (packets to it without a frontend are dropped) and flags. */
public record DatapathConfig(int serviceNet, int serviceMask, int flags) {
    /** datapath.h: CFG_F_ALLOW_HOST_INGRESS, and CFG_F_NO_SOURCE_CHECK (set only to measure the anti-spoofing check). */
    public static final int ALLOW_HOST_INGRESS = 1, NO_SOURCE_CHECK = 2;
    public static final Codec<DatapathConfig> CODEC = new Codec<>(16,
            (v, b) -> { Codec.putAddr(b, v.serviceNet); Codec.putAddr(b, v.serviceMask); b.putInt(v.flags).putInt(0); },
            b -> new DatapathConfig(Codec.getAddr(b), Codec.getAddr(b), b.getInt()));
    public static final Codec<Integer> INDEX = new Codec<>(4, (v, b) -> b.putInt(v), b -> b.getInt());
}
