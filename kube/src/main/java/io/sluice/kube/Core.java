package io.sluice.kube;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The fields of Kubernetes' core objects Sluice reads, and nothing else: Jackson binds them from
 * what the API server serves and skips the rest. The client's typed model (a class, a builder
 * and a fluent class per type, some 1,200 classes for a Pod, a Service, an EndpointSlice and a
 * Namespace) stays unloaded; {@link ViewStore} makes these views as objects arrive, from the
 * generic resources of the definitions here. Absent fields are null, as in the API.
 */
public final class Core {
    public static final ResourceDefinitionContext PODS = core("Pod", "pods", true),
            NAMESPACES = core("Namespace", "namespaces", false), SERVICES = core("Service", "services", true);
    public static final ResourceDefinitionContext ENDPOINT_SLICES = new ResourceDefinitionContext.Builder()
            .withGroup("discovery.k8s.io").withVersion("v1").withKind("EndpointSlice").withPlural("endpointslices")
            .withNamespaced(true).build();

    private Core() {}

    private static ResourceDefinitionContext core(String kind, String plural, boolean namespaced) {
        return new ResourceDefinitionContext.Builder().withGroup("").withVersion("v1").withKind(kind).withPlural(plural)
                .withNamespaced(namespaced).build();
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Meta(String name, String namespace, Map<String, String> labels) {
        public Map<String, String> labelsOrEmpty() {
            return labels == null ? Map.of() : labels;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pod(Meta metadata, PodSpec spec, PodStatus status) {
        /** namespace/name */
        public String key() {
            return metadata.namespace() + "/" + metadata.name();
        }

        public boolean hostNetwork() {
            return spec != null && Boolean.TRUE.equals(spec.hostNetwork());
        }

        public String phase() {
            return status == null ? "" : Objects.requireNonNullElse(status.phase(), "");
        }

        public String podIP() {
            return status == null ? null : status.podIP();
        }

        public boolean ready() {
            return status != null && status.conditions() != null && status.conditions().stream()
                    .anyMatch(c -> "Ready".equals(c.type()) && "True".equals(c.status()));
        }

        public List<Container> containers() {
            return spec == null || spec.containers() == null ? List.of() : spec.containers();
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PodSpec(String nodeName, Boolean hostNetwork, String serviceAccountName, List<Container> containers) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Container(String name, List<ContainerPort> ports) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ContainerPort(String name, Integer containerPort, String protocol) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PodStatus(String phase, String podIP, List<Condition> conditions) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Condition(String type, String status) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Namespace(Meta metadata) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Service(Meta metadata, ServiceSpec spec) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ServiceSpec(String type, String clusterIP, Map<String, String> selector, List<ServicePort> ports) {}

    /** {@code targetPort}: a number (Integer), a container port's name (String), or null (the port itself). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ServicePort(String name, Integer port, Object targetPort, String protocol) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EndpointSlice(Meta metadata, String addressType, List<SlicePort> ports, List<SliceEndpoint> endpoints) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SlicePort(String name, Integer port, String protocol) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SliceEndpoint(List<String> addresses, EndpointConditions conditions) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EndpointConditions(Boolean ready) {}
}
