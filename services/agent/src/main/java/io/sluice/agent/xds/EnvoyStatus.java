package io.sluice.agent.xds;

import java.util.List;

/**
 * What is known of Envoy: whether envoy-xds and Envoy are connected, the desired version, and
 * per resource type the acknowledged version and the last rejection (empty when none).
 */
public record EnvoyStatus(boolean xdsConnected, boolean envoyConnected, String desiredVersion, List<TypeStatus> types) {
    public record TypeStatus(String type, String acked, String sent, String nack) {}

    public EnvoyStatus {
        types = List.copyOf(types);
    }

    public boolean rejected(String version) {
        return types.stream().anyMatch(t -> t.nack().startsWith(version + ":"));
    }

    public String lastNack() {
        return types.stream().map(TypeStatus::nack).filter(n -> !n.isEmpty()).findFirst().orElse("");
    }
}
