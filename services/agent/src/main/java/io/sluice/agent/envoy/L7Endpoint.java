package io.sluice.agent.envoy;

import io.sluice.policy.Direction;
import io.sluice.policy.HttpRule;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An endpoint's L7 rules for the proxy: per direction and port, the peers (by identity,
 * {@code 0} = any) and the HTTP rules each may use.
 */
public record L7Endpoint(String name, int address, Map<Direction, Map<Integer, Map<Integer, List<HttpRule>>>> rules) {
    public L7Endpoint {
        Objects.requireNonNull(name, "name");
        rules = Map.copyOf(rules);
    }
}
