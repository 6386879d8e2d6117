package io.sluice.agent.dns;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Names under {@code cluster.local} and their addresses. Immutable. */
public record ClusterZone(Map<String, Integer> addresses) {
    public static final String DOMAIN = "cluster.local.";

    public ClusterZone {
        addresses = Map.copyOf(addresses);
    }

    /** The fully qualified service name, with the trailing dot DNS uses. */
    public static String serviceName(String name, String namespace) {
        return name + "." + namespace + ".svc." + DOMAIN;
    }

    /** An answer (address), NXDOMAIN (empty), for a name matched case-insensitively. */
    public Optional<Integer> resolve(String fqdn) {
        String n = fqdn.toLowerCase(Locale.ROOT);
        return Optional.ofNullable(addresses.get(n.endsWith(".") ? n : n + "."));
    }

    public boolean authoritativeFor(String fqdn) {
        String n = fqdn.toLowerCase(Locale.ROOT);
        return (n.endsWith(".") ? n : n + ".").endsWith(DOMAIN);
    }
}
