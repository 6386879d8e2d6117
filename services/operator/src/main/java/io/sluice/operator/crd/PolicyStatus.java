package io.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

import java.util.List;
import java.util.Map;

/**
 * What a policy's readers need to know: {@code conditions} (the operator's {@code Valid}, the
 * VALID column) and {@code nodes}, one entry per node written by that node's agent (whether it
 * enforces the policy, and why not).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyStatus(List<Condition> conditions, @PreserveUnknownFields Map<String, JsonNode> nodes) {}
