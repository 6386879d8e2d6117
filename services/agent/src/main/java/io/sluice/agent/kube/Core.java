package io.sluice.agent.kube;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The fields of Kubernetes' core objects the agent reads, and nothing else: Jackson binds them
 * from what the API server serves and skips the rest. The client's typed model (a class, a
 * builder and a fluent class per type, some 1,200 classes for a Pod, a Service, an EndpointSlice
 * and a Namespace) stays unloaded; {@link ViewStore} makes these views as objects arrive.
 * Absent fields are null, as in the API.
 */
final class Core {
    private Core() {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Meta(String name, String namespace, Map<String, String> labels) {
        Map<String, String> labelsOrEmpty() {
            return labels == null ? Map.of() : labels;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Pod(Meta metadata, PodSpec spec, PodStatus status) {
        /** namespace/name */
        String key() {
            return metadata.namespace() + "/" + metadata.name();
        }

        boolean hostNetwork() {
            return spec != null && Boolean.TRUE.equals(spec.hostNetwork());
        }

        String phase() {
            return status == null ? "" : Objects.requireNonNullElse(status.phase(), "");
        }

        String podIP() {
            return status == null ? null : status.podIP();
        }

        boolean ready() {
            return status != null && status.conditions() != null && status.conditions().stream()
                    .anyMatch(c -> "Ready".equals(c.type()) && "True".equals(c.status()));
        }

        List<Container> containers() {
            return spec == null || spec.containers() == null ? List.of() : spec.containers();
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record PodSpec(String nodeName, Boolean hostNetwork, String serviceAccountName, List<Container> containers) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Container(String name, List<ContainerPort> ports) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record ContainerPort(String name, Integer containerPort, String protocol) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record PodStatus(String phase, String podIP, List<Condition> conditions) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Condition(String type, String status) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Namespace(Meta metadata) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Service(Meta metadata, ServiceSpec spec) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record ServiceSpec(String type, String clusterIP, Map<String, String> selector, List<ServicePort> ports) {}

    /** {@code targetPort}: a number (Integer), a container port's name (String), or null (the port itself). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ServicePort(String name, Integer port, Object targetPort, String protocol) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record EndpointSlice(Meta metadata, String addressType, List<SlicePort> ports, List<SliceEndpoint> endpoints) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record SlicePort(String name, Integer port, String protocol) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record SliceEndpoint(List<String> addresses, EndpointConditions conditions) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record EndpointConditions(Boolean ready) {}
}
