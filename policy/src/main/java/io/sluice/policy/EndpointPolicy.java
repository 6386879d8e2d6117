package io.sluice.policy;

import java.util.Map;

/**
 * The resolved policy of one endpoint: per direction whether default-deny is on, and the rows
 * of its policy map. Rows left out of an enforced direction are denied.
 */
public record EndpointPolicy(boolean ingressEnforced, boolean egressEnforced, Map<PolicyKey, PolicyEntry> entries) {
    public static final EndpointPolicy NONE = new EndpointPolicy(false, false, Map.of());

    public EndpointPolicy {
        entries = Map.copyOf(entries);
    }
}
