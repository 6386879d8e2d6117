package io.sluice.agent.store;

import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the node must remember across restarts. Identities are keyed by their label
 * string so they stay stable; objects by {@code Kind/namespace/name}, holding the JSON as applied; proxy ports by listener
 * (stable).
 */
public record StoredState(Map<String, PodRecord> pods, Map<String, Integer> identities,
                          Map<String, Integer> cidrIdentities, Map<String, String> serviceIps,
                          Map<String, String> objects, Map<String, Integer> proxyPorts) {
    public static final StoredState EMPTY = new StoredState(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    public StoredState {
        pods = new TreeMap<>(pods == null ? Map.of() : pods);
        identities = new TreeMap<>(identities == null ? Map.of() : identities);
        cidrIdentities = new TreeMap<>(cidrIdentities == null ? Map.of() : cidrIdentities);
        serviceIps = new TreeMap<>(serviceIps == null ? Map.of() : serviceIps);
        objects = new TreeMap<>(objects == null ? Map.of() : objects);
        proxyPorts = new TreeMap<>(proxyPorts == null ? Map.of() : proxyPorts);
    }
}
