package io.sluice.manifest;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ManifestsTest {
    private static String cnp(String body) {
        return """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: rule1}
            spec:
            """ + body.indent(2);
    }

    @Test
    void labManifest_parsesUnchanged() throws Exception {
        // The lab's rule1 as the lab gives it (demo/manifests is the repository's copy; surefire runs in the module).
        String text = Files.readString(Path.of(System.getProperty("user.dir")).resolve("../demo/manifests/l4-policy.yaml"));
        Manifests.Parsed p = Manifests.parse(text);
        assertThat(p.invalid()).isEmpty();
        assertThat(p.resources()).singleElement().extracting(r -> r.ref().toString())
                .isEqualTo("CiliumNetworkPolicy default/rule1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "endpointSelector: {}\\ningress: [{toPorts: [{ports: [{port: '70000'}]}]}]|spec.ingress[0].toPorts[0].ports[0].port: '70000' is out of range (0-65535)",
        "endpointSelector: {}\\ningress: [{toPorts: [{ports: [{port: '80', protocol: TCPX}]}]}]|spec.ingress[0].toPorts[0].ports[0].protocol: 'TCPX' is not one of TCP, UDP, SCTP, ANY",
        "endpointSelector: {matchExpressions: [{key: a, operator: Within, values: [b]}]}|spec.endpointSelector.matchExpressions[0].operator: 'Within' is not one of In, NotIn, Exists, DoesNotExist",
        "endpointSelector: {matchExpressions: [{key: a, operator: In}]}|spec.endpointSelector.matchExpressions[0].values: must not be empty for In",
        "endpointSelector: {}\\ningress: [{fromEndpoint: [{}]}]|spec.ingress[0].fromEndpoint: unknown field",
        "endpointSelector: {}\\negress: [{toEntities: [galaxy]}]|spec.egress[0].toEntities[0]: unknown entity 'galaxy'",
        "endpointSelector: {}\\negress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [192.168.0.0/16]}]}]|spec.egress[0].toCIDRSet[0].except[0]: 192.168.0.0/16 is not inside 10.0.0.0/8",
        "ingress: []|spec.endpointSelector: endpointSelector or nodeSelector is required",
        "endpointSelector: {}\\ningress: [{toPorts: [{ports: [{port: '80'}], rules: {http: [{path: '/v1/(unclosed'}]}}]}]|spec.ingress[0].toPorts[0].rules.http[0].path: '/v1/(unclosed' is not a valid RE2 regular expression",
        "endpointSelector: {}\\ningressDeny: [{toPorts: [{ports: [{port: '80'}], rules: {http: [{method: GET}]}}]}]|spec.ingressDeny[0].toPorts[0].rules.http: deny rules cannot carry L7 rules",
        "endpointSelector: {}\\ningress: [{toPorts: [{ports: [{port: '53', protocol: UDP}], rules: {http: [{method: GET}]}}]}]|spec.ingress[0].toPorts[0].rules: HTTP rules apply to TCP ports only",
        "endpointSelector: {}\\ningress: [{fromEndpoints: [{}], auth: {type: spire}}]|spec.ingress[0].auth: not supported on this node yet",
        "endpointSelector: {}\\negress: [{toEndpoints: [{}], authentication: {mode: required}}]|spec.egress[0].authentication: not supported on this node yet",
        "endpointSelector: {}\\ningress: [{toPorts: [{ports: [{port: '80'}], listener: {envoyConfig: {kind: CiliumEnvoyConfig, name: lb}, name: l}}]}]|spec.ingress[0].toPorts[0].listener: only egress allow rules can name a listener",
        "endpointSelector: {}\\negress: [{toPorts: [{ports: [{port: '80'}], listener: {envoyConfig: {kind: EnvoyConfig, name: lb}, name: l}}]}]|spec.egress[0].toPorts[0].listener.envoyConfig.kind: 'EnvoyConfig' is not CiliumEnvoyConfig or CiliumClusterwideEnvoyConfig",
        "endpointSelector: {}\\negress: [{toPorts: [{ports: [{port: '80'}], listener: {envoyConfig: {kind: CiliumEnvoyConfig, name: lb}}}]}]|spec.egress[0].toPorts[0].listener.name: is required",
        "endpointSelector: {}\\negress: [{toPorts: [{ports: [{port: '80'}], listener: {envoyConfig: {kind: CiliumEnvoyConfig, name: lb}, name: l, priority: 0}}]}]|spec.egress[0].toPorts[0].listener.priority: must be 1-100",
        "endpointSelector: {}\\negress: [{toPorts: [{ports: [{port: '80'}], rules: {http: [{method: GET}]}, listener: {envoyConfig: {kind: CiliumEnvoyConfig, name: lb}, name: l}}]}]|spec.egress[0].toPorts[0].listener: cannot be combined with L7 rules (rules)",
        "endpointSelector: {}\\ningress: [{toPorts: [{ports: [{port: '80'}], rules: {http: [{headers: [': nothing']}]}}]}]|spec.ingress[0].toPorts[0].rules.http[0].headers[0]: ': nothing' is not 'Name', 'Name value' or 'Name: value'",
    })
    void invalidPolicy_namesObjectAndField(String body, String expected) {
        // Rows keep YAML on one line; a literal \n separates its lines.
        Manifests.Parsed p = Manifests.parse(cnp(body.replace("\\n", "\n")));
        assertThat(p.resources()).isEmpty();
        assertThat(p.invalid()).singleElement().extracting(Invalid::message).asString()
                .startsWith("CiliumNetworkPolicy default/rule1: ").contains(expected);
    }

    @Test
    void storedObject_isReadAsItsManifest() throws Exception {
        // What the API server hands a watcher: its own metadata and a status the manifest never had.
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var stored = json.readTree("""
            {"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy",
             "metadata": {"name": "all", "uid": "0a1b", "resourceVersion": "7", "generation": 2,
                          "managedFields": [{"manager": "kubectl"}]},
             "spec": {"endpointSelector": {"matchExpressions": [{"key": "org", "operator": "Sometimes", "values": ["x"]}]}},
             "status": {"conditions": [{"type": "Valid", "status": "True"}]}}
            """);
        Manifests.Parsed p = Manifests.parseStored(stored);
        assertThat(p.invalid()).singleElement().extracting(Invalid::message).asString()
                .isEqualTo("CiliumClusterwideNetworkPolicy all: spec.endpointSelector.matchExpressions[0].operator: "
                        + "'Sometimes' is not one of In, NotIn, Exists, DoesNotExist");
        ((com.fasterxml.jackson.databind.node.ObjectNode) stored.at("/spec/endpointSelector/matchExpressions/0")).put("operator", "In");
        assertThat(Manifests.parseStored(stored).resources()).singleElement().extracting(r -> r.ref().toString())
                .isEqualTo("CiliumClusterwideNetworkPolicy all");
    }

    @Test
    void malformedYaml_isOneInvalidInput() {
        Manifests.Parsed p = Manifests.parse("kind: [unclosed");
        assertThat(p.invalid()).singleElement().extracting(Invalid::message).asString().contains("malformed YAML");
    }

    @Test
    void unknownKind_isNamed() {
        Manifests.Parsed p = Manifests.parse("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicyX\nmetadata: {name: a}\n");
        assertThat(p.invalid()).singleElement().extracting(Invalid::message).asString()
                .contains("kind: unknown kind CiliumNetworkPolicyX");
    }

    @Test
    void service_readsPortsAndSelector() {
        Manifests.Parsed p = Manifests.parse("""
            apiVersion: v1
            kind: Service
            metadata: {name: deathstar}
            spec:
              selector: {org: empire, class: deathstar}
              ports: [{port: 80, protocol: TCP}]
            """);
        assertThat(p.invalid()).isEmpty();
        Resource.Service s = (Resource.Service) p.resources().getFirst();
        assertThat(s.selector()).containsEntry("class", "deathstar");
        assertThat(s.ports()).singleElement().satisfies(port -> {
            assertThat(port.port()).isEqualTo(80);
            assertThat(port.targetPort()).isEqualTo(80);
        });
    }

    @Test
    void httpHeaders_inCiliumsColonSpelling_areTheSameRule() {
        Manifests.Parsed p = Manifests.parse(cnp("""
            endpointSelector: {}
            ingress:
            - toPorts:
              - ports: [{port: "80", protocol: TCP}]
                rules:
                  http: [{headers: ['X-My-Header: true', 'X-Other:', 'X-Plain yes', 'X-Name']}]
            """));
        assertThat(p.invalid()).isEmpty();
        var rule = ((Resource.NetworkPolicy) p.resources().getFirst()).rules().getFirst();
        assertThat(rule.ingress().getFirst().http().getFirst().headers()).containsExactly("X-My-Header true", "X-Other", "X-Plain yes",
                "X-Name");
    }

    @Test
    void labL7Policy_keepsItsHttpRule() {
        Manifests.Parsed p = Manifests.parse(cnp("""
            endpointSelector: {matchLabels: {class: deathstar, org: empire}}
            ingress:
            - fromEndpoints: [{matchLabels: {org: empire}}]
              toPorts:
              - ports: [{port: "80", protocol: TCP}]
                rules:
                  http: [{method: POST, path: /v1/request-landing}]
            """));
        assertThat(p.invalid()).isEmpty();
        var rule = ((Resource.NetworkPolicy) p.resources().getFirst()).rules().getFirst();
        assertThat(rule.ingress().getFirst().http()).singleElement()
                .isEqualTo(new io.sluice.policy.HttpRule("POST", "/v1/request-landing", "", java.util.List.of()));
    }

    @Test
    void clusterwidePolicy_namesOnlyAClusterwideConfigsListener() {
        String ccnp = """
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: all}
                spec:
                  endpointSelector: {}
                  egress: [{toPorts: [{ports: [{port: '80'}], listener: {envoyConfig: {kind: KIND, name: lb}, name: l}}]}]
                """;
        assertThat(Manifests.parse(ccnp.replace("KIND", "CiliumEnvoyConfig")).invalid()).singleElement().extracting(Invalid::message)
                .isEqualTo("CiliumClusterwideNetworkPolicy all: spec.egress[0].toPorts[0].listener.envoyConfig.kind: "
                        + "a clusterwide policy can only name a CiliumClusterwideEnvoyConfig");
        Manifests.Parsed ok = Manifests.parse(ccnp.replace("KIND", "CiliumClusterwideEnvoyConfig"));
        assertThat(ok.invalid()).isEmpty();
        assertThat(((Resource.NetworkPolicy) ok.resources().getFirst()).rules().getFirst().listeners()).containsExactly("/lb/l");
        assertThat(((Resource.NetworkPolicy) ok.resources().getFirst()).hasL7()).isTrue();
    }
}
