package io.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A status condition, as Kubernetes' metav1.Condition (Cilium's policies carry {@code Valid}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(String type, String status, String reason, String message, String lastTransitionTime) {}
