package io.sluice.agent.endpoint;

import io.sluice.policy.Labels;
import io.sluice.policy.NamedPort;

import java.util.Map;
import java.util.Objects;

/** A pod on this node: its name, labels (namespace label included), address and declared ports. */
public record Endpoint(String namespace, String name, int id, int identity, Labels labels, int address,
                       Map<String, NamedPort> namedPorts, boolean ready) {
    public Endpoint {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(labels, "labels");
        namedPorts = Map.copyOf(namedPorts);
    }
}
