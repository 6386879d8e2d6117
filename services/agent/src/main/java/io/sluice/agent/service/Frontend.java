package io.sluice.agent.service;

import io.sluice.policy.Protocol;

import java.util.List;
import java.util.Objects;

/** A virtual IP and port with the backends that serve it, in a stable order. */
public record Frontend(String service, int vip, int port, Protocol protocol, List<Backend> backends) {
    public Frontend {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(protocol, "protocol");
        backends = List.copyOf(backends);
    }

    public record Backend(int address, int port) {}
}
