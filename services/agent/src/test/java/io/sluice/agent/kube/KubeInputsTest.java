package io.sluice.agent.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sluice.kube.Core;
import io.sluice.kube.ViewStore;
import io.sluice.agent.node.NodeInputs;
import io.sluice.policy.Cidr;
import io.sluice.policy.Label;
import io.sluice.agent.service.Frontend;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The API server's objects as the node's inputs, with objects as the API server serves them. */
class KubeInputsTest {
    static final Cidr POD_CIDR = Cidr.parse("10.244.0.0/24").orElseThrow();
    static final Core.Namespace DEFAULT = yaml(Core.Namespace.class, """
            metadata: {name: default, labels: {kubernetes.io/metadata.name: default}}
            """);
    static final Core.Service DEATHSTAR_SVC = yaml(Core.Service.class, """
            metadata: {name: deathstar, namespace: default}
            spec:
              clusterIP: 10.32.0.20
              selector: {org: empire, class: deathstar}
              ports: [{port: 80, protocol: TCP, targetPort: 80}]
            """);
    static final Core.EndpointSlice SLICE = yaml(Core.EndpointSlice.class, """
            metadata: {name: deathstar-abc, namespace: default, labels: {kubernetes.io/service-name: deathstar}}
            addressType: IPv4
            ports: [{name: "", port: 80, protocol: TCP}]
            endpoints:
            - addresses: [10.244.0.4]
              conditions: {ready: true}
            - addresses: [10.244.0.5]
              conditions: {ready: false}
            - addresses: [10.244.0.6]
            """);

    final Map<String, Integer> identities = new HashMap<>();

    static Core.Pod pod(String name, String labels, String ip) {
        return pod(name, labels, ip, "Running", false);
    }

    static Core.Pod pod(String name, String labels, String ip, String phase, boolean hostNetwork) {
        return yaml(Core.Pod.class, """
                metadata: {name: %s, namespace: default, labels: {%s}}
                spec:
                  nodeName: vm
                  hostNetwork: %s
                  containers: [{name: c, image: i, ports: [{name: http, containerPort: 80}]}]
                status:
                  phase: %s
                  podIP: %s
                  conditions: [{type: Ready, status: "True"}]
                """.formatted(name, labels, hostNetwork, phase, ip));
    }

    /** The view of an object as the API server serves it, made as the informer's cache makes it. */
    static <T> T yaml(Class<T> type, String text) {
        return ViewStore.view(Serialization.unmarshal(text, GenericKubernetesResource.class), type);
    }

    KubeInputs.Translation translate(List<Core.Pod> pods, List<GenericKubernetesResource> policies, Map<String, Attachment> attached,
                                     Map<Integer, String> routes) {
        return KubeInputs.translate(new ClusterObjects(pods, List.of(DEFAULT), List.of(DEATHSTAR_SVC), List.of(SLICE), policies, List.of()),
                attached, routes, dev -> dev.startsWith("veth") ? 7 : 0, POD_CIDR, identities, true);
    }

    @Test
    void aPod_isAnEndpoint_withCiliumsLabels_itsAddressOffsetAsId_andItsVethByRoute() {
        var t = translate(List.of(pod("tiefighter", "org: empire, class: tiefighter", "10.244.0.2")), List.of(), Map.of(),
                Map.of(ip("10.244.0.2"), "veth1"));
        NodeInputs.LocalEndpoint e = t.inputs().endpoints().get(0);
        assertThat(e.ifindex()).isEqualTo(7);
        assertThat(e.endpoint().id()).isEqualTo(2);
        assertThat(e.endpoint().ready()).isTrue();
        assertThat(e.endpoint().namedPorts()).containsKey("http");
        assertThat(e.endpoint().labels().all()).extracting(Label::toString).contains("k8s:org=empire",
                "k8s:io.kubernetes.pod.namespace=default", "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=default",
                "k8s:io.cilium.k8s.policy.serviceaccount=default", "k8s:io.cilium.k8s.policy.cluster=default");
        assertThat(e.endpoint().identity()).isBetween(256, 65535);
        assertThat(t.problems()).isEmpty();
    }

    @Test
    void theSameLabels_getTheSameIdentity_onEveryAgent() {
        Core.Pod a = pod("a", "org: empire", "10.244.0.2");
        int first = translate(List.of(a), List.of(), Map.of(), Map.of()).inputs().endpoints().get(0).endpoint().identity();
        Map<String, Integer> otherAgent = new HashMap<>();
        int second = KubeInputs.translate(new ClusterObjects(List.of(pod("b", "org: empire", "10.244.0.9"), a), List.of(DEFAULT),
                List.of(), List.of(), List.of(), List.of()), Map.of(), Map.of(), d -> 0, POD_CIDR, otherAgent, true)
                .inputs().endpoints().get(0).endpoint().identity();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void theClustersCiliumIdentity_wins_overTheNumberThisNodeChose() {
        Core.Pod a = pod("a", "org: empire", "10.244.0.2");
        int chosen = translate(List.of(a), List.of(), Map.of(), Map.of()).inputs().endpoints().get(0).endpoint().identity();
        String labels = translate(List.of(a), List.of(), Map.of(), Map.of()).inputs().endpoints().get(0).endpoint().labels().toString();
        GenericKubernetesResource mine = ciliumIdentity("4242", a);
        ClusterObjects withIdentity = new ClusterObjects(List.of(a), List.of(DEFAULT), List.of(), List.of(), List.of(), List.of(mine));
        assertThat(KubeInputs.translate(withIdentity, Map.of(), Map.of(), d -> 0, POD_CIDR, identities, true)
                .inputs().endpoints().get(0).endpoint().identity()).isEqualTo(4242);
        assertThat(identities).containsEntry(labels, 4242);
        // the cluster gave the number this node had chosen to another label set: this node steps over it
        Map<String, Integer> fresh = new HashMap<>(Map.of(labels, chosen));
        GenericKubernetesResource other = ciliumIdentity(Integer.toString(chosen), pod("b", "org: alliance", "10.244.0.3"));
        int now = KubeInputs.translate(new ClusterObjects(List.of(a), List.of(DEFAULT), List.of(), List.of(), List.of(), List.of(other)),
                Map.of(), Map.of(), d -> 0, POD_CIDR, fresh, true).inputs().endpoints().get(0).endpoint().identity();
        assertThat(now).isNotEqualTo(chosen).isBetween(256, 65535);
    }

    /** A CiliumIdentity object as the operator writes it for the pod's labels. */
    static GenericKubernetesResource ciliumIdentity(String name, Core.Pod pod) {
        var labels = io.sluice.policy.PodIdentity.labels(pod.metadata().namespace(), pod.metadata().labels(),
                DEFAULT.metadata().labels(), pod.spec().serviceAccountName());
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion("cilium.io/v2");
        r.setKind("CiliumIdentity");
        r.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
        r.setAdditionalProperty("security-labels", io.sluice.policy.PodIdentity.securityLabels(labels));
        return r;
    }

    @Test
    void theCniPluginsAdd_givesAddressAndVeth_beforeThePodsStatusHasThem() {
        Core.Pod pending = pod("xwing", "org: alliance", "");
        assertThat(pending.podIP()).isNull();
        var attached = Map.of("default/xwing", new Attachment("c1", "default", "xwing", ip("10.244.0.3"), "veth9"));
        var t = translate(List.of(pending), List.of(), attached, Map.of());
        assertThat(t.inputs().endpoints()).singleElement().satisfies(e -> {
            assertThat(e.endpoint().address()).isEqualTo(ip("10.244.0.3"));
            assertThat(e.ifindex()).isEqualTo(7);
        });
        assertThat(translate(List.of(pending), List.of(), Map.of(), Map.of()).inputs().endpoints()).isEmpty();
    }

    @Test
    void aPodWithoutVeth_isReportedUnenforced_andOutsideThePodCidr_isAProblem() {
        var t = translate(List.of(pod("gone", "a: b", "10.244.0.7"), pod("far", "a: b", "10.9.0.7")), List.of(), Map.of(), Map.of());
        assertThat(t.inputs().endpoints()).singleElement().satisfies(e -> {
            assertThat(e.ifindex()).isZero();
            assertThat(e.problem()).contains("no route to its address 10.244.0.7");
        });
        assertThat(t.problems()).singleElement().satisfies(p -> assertThat(p.message())
                .contains("pod default/far").contains("outside this node's pod CIDR 10.244.0.0/24"));
    }

    @Test
    void hostNetworkAndFinishedPods_areNoEndpoints() {
        Core.Pod host = pod("h", "a: b", "10.244.0.8", "Running", true);
        Core.Pod done = pod("d", "a: b", "10.244.0.9", "Succeeded", false);
        assertThat(translate(List.of(host, done), List.of(), Map.of(), Map.of()).inputs().endpoints()).isEmpty();
    }

    @Test
    void aService_getsItsSlicesReadyEndpoints_asBackends() {
        var t = translate(List.of(), List.of(), Map.of(), Map.of());
        assertThat(t.inputs().services()).hasSize(1).containsValue(ip("10.32.0.20"));
        List<Frontend> f = t.inputs().frontends().orElseThrow();
        assertThat(f).singleElement().satisfies(fe -> {
            assertThat(fe.service()).isEqualTo("default/deathstar");
            assertThat(fe.port()).isEqualTo(80);
            // not-ready is left out; no condition at all means ready (Kubernetes' rule)
            assertThat(fe.backends()).extracting(Frontend.Backend::address).containsExactly(ip("10.244.0.4"), ip("10.244.0.6"));
        });
    }

    @Test
    void policies_areReadByTheSameReader_andABadOneIsReported_whileTheOthersAreEnforced() {
        GenericKubernetesResource good = yaml(GenericKubernetesResource.class, """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: rule1, namespace: default, uid: abc, resourceVersion: "7", managedFields: [{manager: kubectl}]}
                spec:
                  endpointSelector: {matchLabels: {class: deathstar}}
                  ingress: [{fromEndpoints: [{matchLabels: {org: empire}}]}]
                status: {conditions: []}
                """);
        GenericKubernetesResource bad = yaml(GenericKubernetesResource.class, """
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: broken}
                spec:
                  endpointSelector: {matchLabels: {class: deathstar}}
                  ingress: [{fromEndpoints: [{matchLabels: {org: empire}}], toPorts: [{ports: [{port: "99999"}]}]}]
                """);
        var t = translate(List.of(), List.of(good, bad), Map.of(), Map.of());
        assertThat(t.inputs().rules()).hasSize(1);
        assertThat(t.problems()).singleElement().satisfies(p -> {
            assertThat(p.component()).isEqualTo("Policy");
            assertThat(p.message()).contains("CiliumClusterwideNetworkPolicy broken").contains("port").contains("not enforced");
        });
        assertThat(t.verdicts()).extracting(v -> v.policy().getMetadata().getName(), KubeInputs.PolicyVerdict::valid,
                KubeInputs.PolicyVerdict::enforced).containsExactly(
                org.assertj.core.groups.Tuple.tuple("rule1", true, true), org.assertj.core.groups.Tuple.tuple("broken", false, false));
    }

    @Test
    void anL7Policy_onANodeWithoutEnvoy_isValidButNotEnforced_andSaysWhy() {
        GenericKubernetesResource l7 = yaml(GenericKubernetesResource.class, """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: rule1, namespace: default}
                spec:
                  endpointSelector: {matchLabels: {class: deathstar}}
                  ingress:
                  - toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: POST}]}}]
                """);
        var t = KubeInputs.translate(new ClusterObjects(List.of(), List.of(DEFAULT), List.of(), List.of(), List.of(l7), List.of()), Map.of(),
                Map.of(), d -> 0, POD_CIDR, identities, false);
        assertThat(t.inputs().rules()).isEmpty();
        assertThat(t.verdicts()).singleElement().satisfies(v -> {
            assertThat(v.valid()).isTrue();
            assertThat(v.enforced()).isFalse();
            assertThat(v.error()).contains("L7 rules need Envoy");
        });
    }

    @Test
    void envoyConfigs_goToTheProxy_anInvalidOneIsLeftOutAndSaysWhy() {
        GenericKubernetesResource good = yaml(GenericKubernetesResource.class, """
                apiVersion: cilium.io/v2
                kind: CiliumEnvoyConfig
                metadata: {name: lb, namespace: default}
                spec:
                  resources:
                  - {"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: backend, type: EDS}
                """);
        GenericKubernetesResource odd = yaml(GenericKubernetesResource.class, """
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideEnvoyConfig
                metadata: {name: odd}
                spec:
                  resources: [{"@type": type.googleapis.com/envoy.config.core.v3.Address}]
                """);
        var t = KubeInputs.translate(new ClusterObjects(List.of(), List.of(DEFAULT), List.of(), List.of(), List.of(), List.of(),
                List.of(good, odd)), Map.of(), Map.of(), d -> 0, POD_CIDR, identities, true);
        assertThat(t.inputs().envoyConfigs()).singleElement().satisfies(c -> assertThat(c.ref().name()).isEqualTo("lb"));
        assertThat(t.envoyConfigObjects()).containsOnlyKeys("CiliumEnvoyConfig/default/lb");
        assertThat(t.problems()).singleElement().satisfies(p -> assertThat(p.message())
                .contains("CiliumClusterwideEnvoyConfig odd: spec.resources[0].@type").endsWith("(not programmed)"));
        // without Envoy, none is programmed, and each says so
        var none = KubeInputs.translate(new ClusterObjects(List.of(), List.of(DEFAULT), List.of(), List.of(), List.of(), List.of(),
                List.of(good)), Map.of(), Map.of(), d -> 0, POD_CIDR, identities, false);
        assertThat(none.inputs().envoyConfigs()).isEmpty();
        assertThat(none.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("Envoy is not running"));
    }

    static int ip(String s) {
        return Cidr.parse(s).orElseThrow().address();
    }

    @Test
    void aNamedTargetPort_isKeptByName_andANumberAsNumber() {
        var svc = KubeInputs.service(yaml(Core.Service.class, """
                metadata: {name: deathstar, namespace: default}
                spec:
                  clusterIP: 10.32.0.20
                  ports: [{name: http, port: 80, targetPort: web}, {name: admin, port: 81, targetPort: 9000}, {port: 82}]
                """)).orElseThrow();
        assertThat(svc.ports()).extracting(p -> p.targetPort() + "/" + p.targetName()).containsExactly("0/web", "9000/", "82/");
    }
}
