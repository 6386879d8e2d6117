package io.sluice.agent.node;

import io.sluice.agent.endpoint.Endpoint;
import io.sluice.manifest.Resource;
import io.sluice.policy.Cidr;
import io.sluice.policy.PolicyRule;
import io.sluice.agent.service.Frontend;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the {@link Reconciler} turns into datapath, proxy and DNS state, as one source sees
 * the node: the standalone store or the Kubernetes API. Identities and CIDR identities are
 * already allocated; services already have their virtual addresses. A service's backends are
 * either listed by the source (Kubernetes: its EndpointSlices' ready endpoints) or, when
 * {@code frontends} is empty, picked by its selector among the node's ready endpoints. Envoy
 * configs (CEC, CCEC) go to the proxy as they are, with their Services' backends.
 */
public record NodeInputs(List<LocalEndpoint> endpoints, List<PolicyRule> rules, Map<Cidr, Integer> cidrIdentities,
                         Map<Resource.Service, Integer> services, Optional<List<Frontend>> frontends,
                         List<Resource.EnvoyConfig> envoyConfigs) {
    public NodeInputs {
        endpoints = List.copyOf(endpoints);
        rules = List.copyOf(rules);
        cidrIdentities = Map.copyOf(cidrIdentities);
        services = Map.copyOf(services);
        frontends = frontends.map(List::copyOf);
        envoyConfigs = List.copyOf(envoyConfigs);
    }

    /** Inputs without Envoy configs. */
    public NodeInputs(List<LocalEndpoint> endpoints, List<PolicyRule> rules, Map<Cidr, Integer> cidrIdentities,
                      Map<Resource.Service, Integer> services, Optional<List<Frontend>> frontends) {
        this(endpoints, rules, cidrIdentities, services, frontends, List.of());
    }

    /** Inputs whose services' backends are picked by selector. */
    public NodeInputs(List<LocalEndpoint> endpoints, List<PolicyRule> rules, Map<Cidr, Integer> cidrIdentities,
                      Map<Resource.Service, Integer> services) {
        this(endpoints, rules, cidrIdentities, services, Optional.empty());
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
