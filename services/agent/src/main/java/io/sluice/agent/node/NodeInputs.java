package io.sluice.agent.node;

import io.sluice.agent.endpoint.Endpoint;
import io.sluice.agent.manifest.Resource;
import io.sluice.agent.policy.Cidr;
import io.sluice.agent.policy.PolicyRule;

import java.util.List;
import java.util.Map;

/**
 * Everything the {@link Reconciler} turns into datapath, proxy and DNS state, as one source sees
 * the node: the standalone store today, the Kubernetes API next. Identities and CIDR identities
 * are already allocated; services already have their virtual addresses.
 */
public record NodeInputs(List<LocalEndpoint> endpoints, List<PolicyRule> rules, Map<Cidr, Integer> cidrIdentities,
                         Map<Resource.Service, Integer> services) {
    public NodeInputs {
        endpoints = List.copyOf(endpoints);
        rules = List.copyOf(rules);
        cidrIdentities = Map.copyOf(cidrIdentities);
        services = Map.copyOf(services);
    }

    /**
     * An endpoint of this node and the host-side interface its programs sit on (the pod
     * runtime's part); {@link #NO_INTERFACE} when the runtime cannot find it, with why.
     */
    public record LocalEndpoint(Endpoint endpoint, int ifindex, String problem) {
        public static final int NO_INTERFACE = 0;

        public LocalEndpoint {
            java.util.Objects.requireNonNull(problem, "problem");
        }

        public static LocalEndpoint attached(Endpoint endpoint, int ifindex) {
            return new LocalEndpoint(endpoint, ifindex, "");
        }

        public static LocalEndpoint missing(Endpoint endpoint, String why) {
            return new LocalEndpoint(endpoint, NO_INTERFACE, why);
        }
    }
}
