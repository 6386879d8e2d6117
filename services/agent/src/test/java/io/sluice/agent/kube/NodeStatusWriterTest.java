package io.sluice.agent.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The status a node writes on a policy or an Envoy config: its own entry only (the Valid condition is the operator's). */
class NodeStatusWriterTest {
    final NodeStatusWriter status = new NodeStatusWriter(null, "vm");
    static final Instant NOW = Instant.parse("2026-11-29T10:00:00.123Z");

    @Test
    void aValidEnforcedPolicy() {
        var v = new KubeInputs.PolicyVerdict(new GenericKubernetesResource(), true, "");
        assertThat(status.patch(v, NOW).toString()).isEqualTo("{\"status\":{\"nodes\":{\"vm\":{\"ok\":true,\"enforcing\":true,\"lastUpdated\":\"2026-11-29T10:00:00Z\"}}}}");
    }

    @Test
    void anInvalidPolicy_namesTheField_andTheNodeSaysItDoesNotEnforceIt() {
        var v = new KubeInputs.PolicyVerdict(new GenericKubernetesResource(), false,
                "CiliumNetworkPolicy default/rule1: spec.ingress[0].toPorts[0].ports[0].port: '70000' is out of range (0-65535)");
        var p = status.patch(v, NOW).get("status");
        assertThat(p.has("conditions")).isFalse();
        assertThat(p.get("nodes").get("vm").get("enforcing").asBoolean()).isFalse();
        assertThat(p.get("nodes").get("vm").get("error").asText()).contains("'70000' is out of range");
    }

    @Test
    void anEnvoyConfigEnvoyRejected_saysWhy_andWhereItsListenersAre() {
        var state = new io.sluice.agent.node.ProxyControl.ConfigState("False",
                "Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)",
                java.util.Map.of("default/lb/front", 10001));
        assertThat(status.patch(state, NOW).toString()).isEqualTo("{\"status\":{\"nodes\":{\"vm\":{\"programmed\":\"False\","
                + "\"message\":\"Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater"
                + " than 0s)\",\"listeners\":{\"default/lb/front\":10001},\"lastUpdated\":\"2026-11-29T10:00:00Z\"}}}}");
    }
}
