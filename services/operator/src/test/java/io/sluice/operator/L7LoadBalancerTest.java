package io.sluice.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.manifest.Manifests;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class L7LoadBalancerTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theGeneratedConfig_isCiliumsFieldForField() throws Exception {
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/lb-l7-currencyservice-expected.yaml")) {
            expected = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        String policy = L7LoadBalancer.lbPolicy(Map.of(L7LoadBalancer.ANNOTATION, "enabled", L7LoadBalancer.ALGORITHM,
                "least_request"), "ROUND_ROBIN");
        JsonNode spec = JSON.valueToTree(L7LoadBalancer.spec("grpc", "currencyservice", policy));
        assertThat(spec).isEqualTo(expected.get("spec"));
        assertThat(L7LoadBalancer.configName("currencyservice")).isEqualTo(expected.at("/metadata/name").asText());
        // and the validator the node programs with accepts it
        ObjectNode object = ((ObjectNode) expected.deepCopy()).set("spec", spec);
        assertThat(Manifests.parseStored(object).invalid()).isEmpty();
    }

    @Test
    void algorithm_fromTheAnnotation_elseTheDefault_unknownIsRoundRobin() {
        assertThat(L7LoadBalancer.lbPolicy(Map.of(L7LoadBalancer.ALGORITHM, "maglev"), "ROUND_ROBIN")).isEqualTo("MAGLEV");
        assertThat(L7LoadBalancer.lbPolicy(Map.of(), "RANDOM")).isEqualTo("RANDOM");
        assertThat(L7LoadBalancer.lbPolicy(Map.of(L7LoadBalancer.ALGORITHM, "fastest"), "RANDOM")).isEqualTo("ROUND_ROBIN");
        assertThat(L7LoadBalancer.wanted(Map.of(L7LoadBalancer.ANNOTATION, "enabled"))).isTrue();
        assertThat(L7LoadBalancer.wanted(Map.of(L7LoadBalancer.ANNOTATION, "disabled"))).isFalse();
        assertThat(L7LoadBalancer.wanted(null)).isFalse();
    }
}
