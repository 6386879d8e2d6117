package io.sluice.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.operator.crd.Condition;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ValidityTest {
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00.123Z");
    private static final Instant T1 = Instant.parse("2026-01-01T11:00:00Z");

    private static JsonNode cnp(String operator) throws Exception {
        return new ObjectMapper().readTree("""
            {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
             "metadata": {"name": "rule1", "namespace": "default", "uid": "u", "generation": 3},
             "spec": {"endpointSelector": {"matchExpressions": [{"key": "class", "operator": "%s", "values": ["deathstar"]}]}},
             "status": {"nodes": {"n1": {"enforcing": true}}}}
            """.formatted(operator));
    }

    @Test
    void invalidPolicy_isFalseWithTheField() throws Exception {
        Condition c = Validity.of(cnp("Sometimes"), Optional.empty(), T0);
        assertThat(c.status()).isEqualTo("False");
        assertThat(c.reason()).isEqualTo("InvalidSpec");
        assertThat(c.message()).isEqualTo("CiliumNetworkPolicy default/rule1: spec.endpointSelector.matchExpressions[0]"
                + ".operator: 'Sometimes' is not one of In, NotIn, Exists, DoesNotExist");
        assertThat(c.lastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
    }

    @Test
    void sameVerdict_keepsItsTransitionTime_andIsNoChange() throws Exception {
        Condition first = Validity.of(cnp("In"), Optional.empty(), T0);
        Condition again = Validity.of(cnp("In"), Optional.of(first), T1);
        assertThat(again).isEqualTo(first);
        assertThat(Validity.changed(Optional.of(first), again)).isFalse();
        Condition broken = Validity.of(cnp("Sometimes"), Optional.of(first), T1);
        assertThat(broken.lastTransitionTime()).isEqualTo("2026-01-01T11:00:00Z");
        assertThat(Validity.changed(Optional.of(first), broken)).isTrue();
    }

    @Test
    void envoyConfig_isJudgedByTheSameReader() throws Exception {
        JsonNode ccec = new ObjectMapper().readTree("""
            {"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideEnvoyConfig", "metadata": {"name": "lb"},
             "spec": {"resources": [{"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": "c",
                                     "connect_timeout": "5s"}]}}
            """);
        assertThat(Validity.of(ccec, Optional.empty(), T0).message()).isEqualTo("Envoy config validation succeeded");
        ((com.fasterxml.jackson.databind.node.ObjectNode) ccec.at("/spec/resources/0")).put("connect_timeout", "soon");
        assertThat(Validity.of(ccec, Optional.empty(), T0).message())
                .startsWith("CiliumClusterwideEnvoyConfig lb: spec.resources[0]: not a valid envoy.config.cluster.v3.Cluster");
    }

    @Test
    void find_picksValidAmongOthers() {
        Condition other = new Condition("Ready", "True", null, null, null);
        Condition valid = new Condition("Valid", "False", "InvalidSpec", "m", "t");
        assertThat(Validity.find(List.of(other, valid))).contains(valid);
        assertThat(Validity.find(null)).isEmpty();
    }
}
