package io.sluice.policy;

import java.util.Map;
import java.util.Objects;

/** What the engine needs of the endpoint a policy is computed for. */
public record PolicySubject(Labels labels, Map<String, NamedPort> namedPorts) {
    public PolicySubject {
        Objects.requireNonNull(labels, "labels");
        namedPorts = Map.copyOf(namedPorts);
    }
}
