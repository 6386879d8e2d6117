package io.sluice.bpf.datapath;

/** struct backend_value: a backend's address and target port. */
public record BackendValue(int addr, int port) {
    public static final Codec<BackendValue> CODEC = new Codec<>(8,
            (v, b) -> { Codec.putAddr(b, v.addr); Codec.putPort(b, v.port); b.putShort((short) 0); },
            b -> new BackendValue(Codec.getAddr(b), Codec.getPort(b)));
}
