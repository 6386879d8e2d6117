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

        /** Whether any rule needs Envoy (HTTP rules on an allow, or a listener). */
        public boolean hasL7() {
            return rules.stream().flatMap(r -> java.util.stream.Stream.of(r.ingress(), r.egress()))
                    .flatMap(List::stream).anyMatch(pr -> !pr.http().isEmpty() || pr.listener().present());
        }
    }

    /** A Service of type ClusterIP: the pods its selector picks serve its ports. */
    record Service(ObjectRef ref, Map<String, String> selector, List<ServicePort> ports, String clusterIp,
                   Map<String, String> annotations, String source) implements Resource {
        public Service {
            Objects.requireNonNull(ref, "ref");
            selector = Map.copyOf(selector);
            ports = List.copyOf(ports);
            Objects.requireNonNull(clusterIp, "clusterIp");
            annotations = Map.copyOf(annotations);
        }

        /** A Service without annotations. */
        public Service(ObjectRef ref, Map<String, String> selector, List<ServicePort> ports, String clusterIp, String source) {
            this(ref, selector, ports, clusterIp, Map.of(), source);
        }
    }

    /**
     * A CiliumEnvoyConfig or CiliumClusterwideEnvoyConfig: Envoy's resources under their
     * qualified names, the Services whose traffic its listeners take, and the Services whose
     * backends its clusters reach.
     */
    record EnvoyConfig(ObjectRef ref, List<EnvoyResource> resources, List<RedirectedService> services,
                       List<BackendService> backendServices, String source) implements Resource {
        public EnvoyConfig {
            Objects.requireNonNull(ref, "ref");
            resources = List.copyOf(resources);
            services = List.copyOf(services);
            backendServices = List.copyOf(backendServices);
        }
    }

    /** One of an Envoy config's resources: its type's short name (Listener, Cluster...), its qualified name, the message. */
    record EnvoyResource(String typeName, String name, com.google.protobuf.Message message) {}

    /** A Service whose frontend (all ports when {@code ports} is empty) goes to a listener of the config. */
    record RedirectedService(String namespace, String name, List<Integer> ports, String listener) {
        public RedirectedService {
            ports = List.copyOf(ports);
        }
    }

    /** A Service whose ready backends the config's clusters reach (ports by number or name; none: all). */
    record BackendService(String namespace, String name, List<String> ports) {
        public BackendService {
            ports = List.copyOf(ports);
        }
    }

    /** A service port; targetPort is a number, or a name resolved against each backend's ports. */
    record ServicePort(String name, int port, int targetPort, String targetName, io.sluice.policy.Protocol protocol) {}
}
