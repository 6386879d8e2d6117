package io.sluice.policy;

import io.sluice.manifest.Manifests;
import io.sluice.manifest.Resource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PoliciesTest {
    static final Identity HOST = new Identity(Identity.HOST, Labels.of(new Label(Label.RESERVED, "host", "")));
    static final Identity WORLD = new Identity(Identity.WORLD, Labels.of(new Label(Label.RESERVED, "world", "")));
    static final Identity DEATHSTAR = pod(256, "default", Map.of("org", "empire", "class", "deathstar"));
    static final Identity TIEFIGHTER = pod(257, "default", Map.of("org", "empire", "class", "tiefighter"));
    static final Identity XWING = pod(258, "default", Map.of("org", "alliance", "class", "xwing"));
    static final Identity OTHER_NS = pod(259, "rebels", Map.of("org", "empire", "class", "spy"));
    static final Identity CIDR_10 = new Identity(Identity.FIRST_LOCAL, Labels.of(new Label(Label.CIDR, "10.0.0.0/8", "")));
    static final Identity CIDR_10_1 = new Identity(Identity.FIRST_LOCAL + 1, Labels.of(new Label(Label.CIDR, "10.1.0.0/16", "")));
    static final IdentityIndex INDEX = new IdentityIndex(List.of(HOST, WORLD, DEATHSTAR, TIEFIGHTER, XWING, OTHER_NS, CIDR_10, CIDR_10_1),
            Map.of(CIDR_10.id(), Cidr.parse("10.0.0.0/8").orElseThrow(), CIDR_10_1.id(), Cidr.parse("10.1.0.0/16").orElseThrow()),
            Map.of(DEATHSTAR.id(), Map.of("http", new NamedPort(80, Protocol.TCP))));

    static Identity pod(int id, String ns, Map<String, String> labels) {
        return new Identity(id, Labels.ofPod(ns, labels));
    }

    static EndpointPolicy resolve(Identity subject, String yaml) {
        Manifests.Parsed parsed = Manifests.parse(yaml);
        assertThat(parsed.invalid()).isEmpty();
        List<PolicyRule> rules = parsed.resources().stream()
                .flatMap(r -> ((Resource.NetworkPolicy) r).rules().stream()).toList();
        return Policies.resolve(new PolicySubject(subject.labels(), INDEX.namedPorts(subject.id())), rules, INDEX);
    }

    static final String RULE1 = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: rule1}
            spec:
              endpointSelector: {matchLabels: {class: deathstar, org: empire}}
              ingress:
              - fromEndpoints: [{matchLabels: {org: empire}}]
                toPorts: [{ports: [{port: "80", protocol: TCP}]}]
            """;

    @Test
    void labRule1_allowsEmpireOnPort80Only() {
        EndpointPolicy p = resolve(DEATHSTAR, RULE1);
        assertThat(p.ingressEnforced()).isTrue();
        assertThat(p.egressEnforced()).isFalse();
        assertThat(p.entries()).containsOnlyKeys(
                new PolicyKey(DEATHSTAR.id(), Direction.INGRESS, Protocol.TCP, 80, 16),
                new PolicyKey(TIEFIGHTER.id(), Direction.INGRESS, Protocol.TCP, 80, 16));
        assertThat(p.entries().values()).allMatch(e -> !e.deny() && e.matchType() == MatchType.L3_L4);
    }

    @Test
    void unselectedEndpoint_hasNoPolicy() {
        assertThat(resolve(XWING, RULE1)).isEqualTo(EndpointPolicy.NONE);
    }

    @Test
    void namespacedPolicy_doesNotSelectPeersOfOtherNamespaces() {
        EndpointPolicy p = resolve(DEATHSTAR, RULE1);
        assertThat(p.entries().keySet()).noneMatch(k -> k.identity() == OTHER_NS.id());
    }

    @Test
    void denyRule_beatsAllowRule() {
        EndpointPolicy p = resolve(DEATHSTAR, RULE1 + """
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: no-tiefighters}
            spec:
              endpointSelector: {matchLabels: {class: deathstar}}
              ingressDeny:
              - fromEndpoints: [{matchLabels: {class: tiefighter}}]
            """);
        assertThat(p.entries()).containsEntry(new PolicyKey(TIEFIGHTER.id(), Direction.INGRESS, Protocol.ANY, 0, 0),
                new PolicyEntry(true, MatchType.L3_ONLY));
        assertThat(p.entries()).doesNotContainKey(new PolicyKey(TIEFIGHTER.id(), Direction.INGRESS, Protocol.TCP, 80, 16));
    }

    @Test
    void matchExpressions_selectByOperator() {
        EndpointPolicy p = resolve(DEATHSTAR, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: expr}
            spec:
              endpointSelector: {matchExpressions: [{key: class, operator: In, values: [deathstar]}]}
              ingress:
              - fromEndpoints:
                - matchExpressions:
                  - {key: org, operator: NotIn, values: [empire]}
                  - {key: class, operator: Exists}
            """);
        assertThat(p.entries().keySet()).extracting(PolicyKey::identity).containsExactly(XWING.id());
    }

    @Test
    void entities_mapToReservedIdentities() {
        EndpointPolicy p = resolve(DEATHSTAR, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: ent}
            spec:
              endpointSelector: {}
              egress:
              - toEntities: [world, host]
              ingress:
              - fromEntities: [all]
                toPorts: [{ports: [{port: "443"}]}]
            """);
        assertThat(p.egressEnforced()).isTrue();
        assertThat(p.entries().keySet()).filteredOn(k -> k.direction() == Direction.EGRESS)
                .extracting(PolicyKey::identity).contains(Identity.WORLD, Identity.HOST);
        assertThat(p.entries()).containsEntry(new PolicyKey(Identity.ANY, Direction.INGRESS, Protocol.UDP, 443, 16),
                new PolicyEntry(false, MatchType.L4_ONLY));
    }

    @Test
    void cidrSetExcept_leavesExceptedPrefixOut() {
        EndpointPolicy p = resolve(DEATHSTAR, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: cidr}
            spec:
              endpointSelector: {}
              egress:
              - toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}]
            """);
        assertThat(p.entries().keySet()).extracting(PolicyKey::identity).containsExactly(CIDR_10.id());
    }

    @Test
    void portRangeAndNamedPort_becomePortBlocks() {
        EndpointPolicy p = resolve(DEATHSTAR, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: ports}
            spec:
              endpointSelector: {matchLabels: {class: deathstar}}
              ingress:
              - fromEndpoints: [{matchLabels: {class: xwing}}]
                toPorts: [{ports: [{port: "8080", endPort: 8083, protocol: TCP}, {port: http, protocol: TCP}]}]
            """);
        assertThat(p.entries().keySet()).containsExactlyInAnyOrder(
                new PolicyKey(XWING.id(), Direction.INGRESS, Protocol.TCP, 8080, 14),
                new PolicyKey(XWING.id(), Direction.INGRESS, Protocol.TCP, 80, 16));
    }

    @Test
    void defaultDenyDisabled_doesNotEnforce() {
        EndpointPolicy p = resolve(DEATHSTAR, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: soft}
            spec:
              endpointSelector: {}
              enableDefaultDeny: {ingress: false}
              ingress: [{fromEntities: [host]}]
            """);
        assertThat(p.ingressEnforced()).isFalse();
        assertThat(p.entries()).isNotEmpty();
    }

    @Test
    void emptyIngressRule_enforcesAndAllowsNothing() {
        EndpointPolicy p = resolve(DEATHSTAR, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: lockdown}
            spec:
              endpointSelector: {}
              ingress: [{}]
            """);
        assertThat(p.ingressEnforced()).isTrue();
        assertThat(p.entries()).isEmpty();
    }

    @Test
    void clusterwidePolicy_selectsPeersInEveryNamespace() {
        EndpointPolicy p = resolve(DEATHSTAR, """
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: empire-everywhere}
            spec:
              endpointSelector: {matchLabels: {class: deathstar}}
              ingress:
              - fromEndpoints: [{matchLabels: {org: empire}}]
            """);
        assertThat(p.entries().keySet()).extracting(PolicyKey::identity)
                .containsExactlyInAnyOrder(DEATHSTAR.id(), TIEFIGHTER.id(), OTHER_NS.id());
    }

    @Test
    void namespacedPeer_mayNameAnotherNamespace() {
        EndpointPolicy p = resolve(DEATHSTAR, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: from-rebels}
            spec:
              endpointSelector: {}
              ingress:
              - fromEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": rebels}}]
            """);
        assertThat(p.entries().keySet()).extracting(PolicyKey::identity).containsExactly(OTHER_NS.id());
    }

    static final String L7_POST = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: l7}
            spec:
              endpointSelector: {matchLabels: {class: deathstar}}
              ingress:
              - fromEndpoints: [{matchLabels: {class: tiefighter}}]
                toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: POST}]}}]
            """;

    @Test
    void l4AllowOnTheSamePort_allowsAllOfL7() {
        EndpointPolicy p = resolve(DEATHSTAR, L7_POST + "---\n" + RULE1);
        assertThat(p.entries().get(new PolicyKey(TIEFIGHTER.id(), Direction.INGRESS, Protocol.TCP, 80, 16)).l7()).isFalse();
    }

    @Test
    void twoL7Rules_onTheSamePort_areUnited() {
        EndpointPolicy p = resolve(DEATHSTAR, L7_POST + "---\n" + L7_POST.replace("name: l7", "name: l7b").replace("POST", "GET"));
        assertThat(p.entries().get(new PolicyKey(TIEFIGHTER.id(), Direction.INGRESS, Protocol.TCP, 80, 16)).http())
                .extracting(HttpRule::method).containsExactlyInAnyOrder("POST", "GET");
    }

    /** The exam's policy: empire ships to the deathstars on 80/TCP, handed to a CiliumEnvoyConfig's listener. */
    static final String TO_LISTENER = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: empire-to-deathstar, namespace: exam}
            spec:
              endpointSelector: {matchLabels: {org: empire}}
              egress:
              - toEndpoints: [{matchExpressions: [{key: class, operator: In, values: [deathstar, darkstar]}]}]
                toPorts:
                - ports: [{port: "80", protocol: ANY}]
                  listener: {envoyConfig: {kind: CiliumEnvoyConfig, name: deathstar-lb}, name: lb-listener}
            """;
    static final Identity EXAM_TIEFIGHTER = pod(260, "exam", Map.of("org", "empire", "class", "tiefighter"));
    static final Identity EXAM_DEATHSTAR = pod(261, "exam", Map.of("org", "empire", "class", "deathstar"));
    static final IdentityIndex EXAM = new IdentityIndex(List.of(HOST, WORLD, EXAM_TIEFIGHTER, EXAM_DEATHSTAR), Map.of(), Map.of());

    static EndpointPolicy resolveExam(String yaml) {
        List<PolicyRule> rules = Manifests.parse(yaml).resources().stream()
                .flatMap(r -> ((Resource.NetworkPolicy) r).rules().stream()).toList();
        return Policies.resolve(new PolicySubject(EXAM_TIEFIGHTER.labels(), Map.of()), rules, EXAM);
    }

    @Test
    void listener_isOnTheTcpRowOnly_qualifiedByTheConfigsNamespace() {
        EndpointPolicy p = resolveExam(TO_LISTENER);
        PolicyEntry tcp = p.entries().get(new PolicyKey(EXAM_DEATHSTAR.id(), Direction.EGRESS, Protocol.TCP, 80, 16));
        assertThat(tcp.listener()).isEqualTo(new ProxyListener("exam/deathstar-lb/lb-listener", 100));
        assertThat(tcp.l7()).isFalse();
        assertThat(p.entries().get(new PolicyKey(EXAM_DEATHSTAR.id(), Direction.EGRESS, Protocol.UDP, 80, 16)).listener().present())
                .isFalse();
    }

    @Test
    void listener_winsOverAPlainAllow_andTheLowerPriorityWinsOverAnotherListener() {
        String plain = TO_LISTENER.replace("name: empire-to-deathstar", "name: plain").replaceAll("(?s)\\s+listener: .*", "\n");
        assertThat(resolveExam(plain + "---\n" + TO_LISTENER).entries()
                .get(new PolicyKey(EXAM_DEATHSTAR.id(), Direction.EGRESS, Protocol.TCP, 80, 16)).listener().name())
                .isEqualTo("exam/deathstar-lb/lb-listener");
        String other = TO_LISTENER.replace("name: empire-to-deathstar", "name: other").replace("name: lb-listener}",
                "name: other, priority: 5}");
        assertThat(resolveExam(TO_LISTENER + "---\n" + other).entries()
                .get(new PolicyKey(EXAM_DEATHSTAR.id(), Direction.EGRESS, Protocol.TCP, 80, 16)).listener())
                .isEqualTo(new ProxyListener("exam/deathstar-lb/other", 5));
    }
}
