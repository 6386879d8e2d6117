package io.sluice.agent.node;

import io.sluice.agent.bpf.DatapathSink.ProxyPorts;
import io.sluice.agent.endpoint.Endpoint;
import io.sluice.agent.envoy.L7Config;
import io.sluice.agent.envoy.L7Endpoint;
import io.sluice.policy.Cidr;
import io.sluice.policy.Direction;
import io.sluice.policy.EndpointPolicy;
import io.sluice.policy.HttpRule;
import io.sluice.policy.Identity;
import io.sluice.policy.PolicyEntry;
import io.sluice.policy.PolicyKey;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Collects the L7 rows of resolved policies into the proxy's configuration. Pure; sorted for stable versions. */
final class L7Configs {
    private L7Configs() {}

    static L7Config of(Map<Endpoint, EndpointPolicy> policies, Map<Cidr, Integer> cidrIdentities, Cidr podCidr,
                       int router, ProxyPorts ports) {
        List<L7Endpoint> endpoints = new ArrayList<>();
        Map<Integer, List<Cidr>> addresses = new TreeMap<>();
        addresses.put(Identity.HOST, List.of(new Cidr(router, 32)));
        addresses.put(Identity.WORLD, List.of(Cidr.ALL));
        cidrIdentities.forEach((c, id) -> addresses.computeIfAbsent(id, k -> new ArrayList<>()).add(c));
        policies.keySet().stream().sorted(java.util.Comparator.comparingInt(Endpoint::id)).forEach(e ->
                addresses.computeIfAbsent(e.identity(), k -> new ArrayList<>()).add(new Cidr(e.address(), 32)));
        policies.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparingInt(Endpoint::id)))
                .forEach(en -> {
                    Map<Direction, Map<Integer, Map<Integer, List<HttpRule>>>> rules = new EnumMap<>(Direction.class);
                    for (Map.Entry<PolicyKey, PolicyEntry> row : en.getValue().entries().entrySet()) {
                        if (row.getValue().l7() && row.getKey().portBits() == 16) {
                            rules.computeIfAbsent(row.getKey().direction(), d -> new TreeMap<>())
                                    .computeIfAbsent(row.getKey().port(), p -> new TreeMap<>())
                                    .put(row.getKey().identity(), row.getValue().http());
                        }
                    }
                    if (!rules.isEmpty()) {
                        endpoints.add(new L7Endpoint(en.getKey().namespace() + "/" + en.getKey().name(),
                                en.getKey().address(), rules));
                    }
                });
        return new L7Config(ports.ingress(), ports.egress(), endpoints, addresses, podCidr.without(router),
                L7Config.ACCESS_DENIED);
    }
}
