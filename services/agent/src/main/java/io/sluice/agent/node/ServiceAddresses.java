package io.sluice.agent.node;

import io.sluice.manifest.Resource;
import io.sluice.policy.Cidr;

import java.util.Map;
import java.util.Optional;

/** Virtual IPs of Services: the one asked for (spec.clusterIP) or the lowest free one. Pure but for the map it fills. */
final class ServiceAddresses {
    private ServiceAddresses() {}

    /**
     * Gives the service under key an address in vips (keeping one it had); returns the problem
     * when the asked address is outside the range or taken by another service.
     */
    static Optional<String> assign(Resource.Service s, String key, Map<String, String> vips, Cidr range) {
        if (!s.clusterIp().isEmpty()) {
            Cidr ip = Cidr.parse(s.clusterIp()).orElseThrow();
            if (!range.contains(ip)) {
                return Optional.of(s.ref() + ": spec.clusterIP: " + s.clusterIp() + " is outside the service range " + range);
            }
            if (vips.entrySet().stream().anyMatch(e -> e.getValue().equals(s.clusterIp()) && !e.getKey().equals(key))) {
                return Optional.of(s.ref() + ": spec.clusterIP: " + s.clusterIp() + " is already allocated");
            }
            vips.put(key, s.clusterIp());
        } else if (!vips.containsKey(key)) {
            vips.put(key, Cidr.format(Allocations.freeAddress(range,
                    vips.values().stream().map(v -> Cidr.parse(v).orElseThrow().address()).toList(), "service address")));
        }
        return Optional.empty();
    }
}
