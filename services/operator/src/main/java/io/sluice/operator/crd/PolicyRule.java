package io.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

import java.util.List;

/**
 * One rule of a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy ({@code spec}, or each of
 * {@code specs}): the subject and the four rule lists. The rules themselves are kept as given
 * (Cilium adds fields to them release after release); the validator reads them field by field.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyRule(
        String description,
        Selector endpointSelector,
        Selector nodeSelector,
        @PreserveUnknownFields List<JsonNode> ingress,
        @PreserveUnknownFields List<JsonNode> ingressDeny,
        @PreserveUnknownFields List<JsonNode> egress,
        @PreserveUnknownFields List<JsonNode> egressDeny,
        @PreserveUnknownFields List<JsonNode> labels,
        @PreserveUnknownFields JsonNode enableDefaultDeny) {}
