package io.sluice.manifest;

import io.sluice.policy.PolicyRule;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A valid object the node can apply. {@code source} is the document as given, kept for the store. */
public sealed interface Resource {
    ObjectRef ref();

    String source();

    /** A CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy, resolved into scoped rules. */
    record NetworkPolicy(ObjectRef ref, List<PolicyRule> rules, String source) implements Resource {
        public NetworkPolicy {
            Objects.requireNonNull(ref, "ref");
            rules = List.copyOf(rules);
        }

        /** Whether any rule needs the L7 proxy (HTTP rules on an allow). */
        public boolean hasL7() {
            return rules.stream().flatMap(r -> java.util.stream.Stream.of(r.ingress(), r.egress()))
                    .flatMap(List::stream).anyMatch(pr -> !pr.http().isEmpty());
        }
    }

    /** A Service of type ClusterIP: the pods its selector picks serve its ports. */
    record Service(ObjectRef ref, Map<String, String> selector, List<ServicePort> ports, String clusterIp,
                   String source) implements Resource {
        public Service {
            Objects.requireNonNull(ref, "ref");
            selector = Map.copyOf(selector);
            ports = List.copyOf(ports);
            Objects.requireNonNull(clusterIp, "clusterIp");
        }
    }

    /** A service port; targetPort is a number, or a name resolved against each backend's ports. */
    record ServicePort(String name, int port, int targetPort, String targetName, io.sluice.policy.Protocol protocol) {}
}
