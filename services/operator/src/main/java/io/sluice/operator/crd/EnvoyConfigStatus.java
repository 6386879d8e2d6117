package io.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

import java.util.List;
import java.util.Map;

/** An Envoy config's status: {@code Valid} (parse and validation) and, per node, whether Envoy runs it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EnvoyConfigStatus(List<Condition> conditions, @PreserveUnknownFields Map<String, JsonNode> nodes) {}
