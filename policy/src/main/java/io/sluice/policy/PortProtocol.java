package io.sluice.policy;

import java.util.Objects;

/**
 * One {@code toPorts.ports} entry: a port (0 = any), an optional endPort for a range, or a
 * named port resolved against the endpoints' declared ports ({@code name} non-empty, port 0).
 */
public record PortProtocol(int port, int endPort, Protocol protocol, String name) {
    public PortProtocol {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(name, "name");
        if (port < 0 || port > 65535 || endPort < 0 || endPort > 65535) {
            throw new IllegalArgumentException("port out of range");
        }
    }

    public static PortProtocol of(int port, Protocol protocol) {
        return new PortProtocol(port, 0, protocol, "");
    }

    public boolean named() {
        return !name.isEmpty();
    }
}
