package io.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * A Kubernetes label selector, as Cilium's endpointSelector and nodeSelector. The operator of an
 * expression is a plain string here: an unknown one is the validator's to name in the status, not
 * the API server's to refuse without one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Selector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Requirement(String key, String operator, List<String> values) {}
}
