package io.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;

import java.util.List;

/**
 * A CiliumEnvoyConfig's or CiliumClusterwideEnvoyConfig's spec: the Services whose traffic goes
 * to its listener, the Services whose backends its clusters reach, and Envoy's own resources
 * (each a protobuf {@code Any} in JSON, {@code @type} first, kept as given).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EnvoyConfigSpec(
        List<ServiceListener> services,
        List<BackendService> backendServices,
        @PreserveUnknownFields List<JsonNode> resources,
        Selector nodeSelector) {

    /** A Service redirected to a listener of this config (all its ports when {@code ports} is empty). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ServiceListener(@Required String name, String namespace, List<Integer> ports, String listener) {}

    /** A Service whose ready backends are published to this config's clusters (ports by number or name). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BackendService(@Required String name, String namespace, List<String> number) {}
}
