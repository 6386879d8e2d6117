package io.sluice.bpf.datapath;

/** struct svc_key: a service frontend (virtual IP, port, protocol). */
public record ServiceKey(int vip, int port, int protocol) {
    public static final Codec<ServiceKey> CODEC = new Codec<>(8,
            (k, b) -> { Codec.putAddr(b, k.vip); Codec.putPort(b, k.port); b.put((byte) k.protocol).put((byte) 0); },
            b -> new ServiceKey(Codec.getAddr(b), Codec.getPort(b), b.get() & 0xff));
}
