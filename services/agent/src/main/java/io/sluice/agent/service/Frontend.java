package io.sluice.agent.service;

import io.sluice.policy.Protocol;

import java.util.List;
import java.util.Objects;

/**
 * A virtual IP and port (with the Service port's name, empty when it has none) and the backends
 * that serve it, in a stable order.
 */
public record Frontend(String service, int vip, int port, Protocol protocol, List<Backend> backends, String portName) {
    public Frontend {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(portName, "portName");
        backends = List.copyOf(backends);
    }

    public Frontend(String service, int vip, int port, Protocol protocol, List<Backend> backends) {
        this(service, vip, port, protocol, backends, "");
    }

    public record Backend(int address, int port) {}
}
