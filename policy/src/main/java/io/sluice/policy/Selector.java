package io.sluice.policy;

import java.util.ArrayList;
import java.util.List;

/** A label selector: all requirements must hold; no requirements selects everything. */
public record Selector(List<Requirement> requirements) {
    public static final Selector ALL = new Selector(List.of());

    public Selector {
        requirements = List.copyOf(requirements);
    }

    public boolean matches(Labels labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /** Whether any requirement names the key, whatever its source. */
    public boolean mentions(String key) {
        return requirements.stream().anyMatch(r -> r.key().equals(key));
    }

    /** This selector narrowed to one namespace (how a namespaced policy is scoped). */
    public Selector inNamespace(String namespace) {
        List<Requirement> out = new ArrayList<>(requirements);
        out.add(new Requirement(Label.K8S, Label.NAMESPACE, Requirement.Operator.IN, List.of(namespace)));
        return new Selector(out);
    }
}
