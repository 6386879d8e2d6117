package io.sluice.bpf.datapath;

/**
 * struct config_value: the service network (packets to it without a frontend are dropped), flags,
 * and the port of the policies' egress listener (0 without a proxy).
 */
public record DatapathConfig(int serviceNet, int serviceMask, int flags, int egressProxyPort) {
    public DatapathConfig(int serviceNet, int serviceMask, int flags) {
        this(serviceNet, serviceMask, flags, 0);
    }

    /** datapath.h: CFG_F_ALLOW_HOST_INGRESS, and CFG_F_NO_SOURCE_CHECK (set only to measure the anti-spoofing check). */
    public static final int ALLOW_HOST_INGRESS = 1, NO_SOURCE_CHECK = 2;
    public static final Codec<DatapathConfig> CODEC = new Codec<>(16,
            (v, b) -> { Codec.putAddr(b, v.serviceNet); Codec.putAddr(b, v.serviceMask); b.putInt(v.flags);
                        Codec.putPort(b, v.egressProxyPort); b.putShort((short) 0); },
            b -> new DatapathConfig(Codec.getAddr(b), Codec.getAddr(b), b.getInt(), Codec.getPort(b)));
    public static final Codec<Integer> INDEX = new Codec<>(4, (v, b) -> b.putInt(v), b -> b.getInt());
}
