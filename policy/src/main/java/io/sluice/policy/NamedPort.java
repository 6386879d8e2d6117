package io.sluice.policy;

/** A port an endpoint declares by name (a container port), e.g. {@code http -> 80/TCP}. */
public record NamedPort(int port, Protocol protocol) {
    public NamedPort {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("named port number " + port);
        }
    }
}
