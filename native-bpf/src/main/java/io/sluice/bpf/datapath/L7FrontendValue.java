package io.sluice.bpf.datapath;

/**
 * struct l7_frontend_value: the port on 127.0.0.1 of the Envoy listener that takes a service
 * frontend's connections (a CiliumEnvoyConfig's {@code services}), instead of balancing them here.
 */
public record L7FrontendValue(int proxyPort) {
    public static final Codec<L7FrontendValue> CODEC = new Codec<>(4,
            (v, b) -> { Codec.putPort(b, v.proxyPort); b.putShort((short) 0); },
            b -> new L7FrontendValue(Codec.getPort(b)));
}
