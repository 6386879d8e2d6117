package io.sluice.agent.node;

import io.sluice.agent.bpf.DatapathSink;
import io.sluice.agent.dns.ClusterZone;
import io.sluice.agent.endpoint.Endpoint;
import io.sluice.manifest.Manifests;
import io.sluice.manifest.Resource;
import io.sluice.policy.Cidr;
import io.sluice.policy.Labels;
import io.sluice.policy.PolicyRule;
import io.sluice.agent.service.Frontend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The reconciler at the seam: inputs as any source would give them, sinks that record what they were given. */
class ReconcilerTest {
    static final Cidr POD_CIDR = Cidr.parse("10.200.0.0/16").orElseThrow();
    static final int DEATHSTAR = ip("10.200.0.2"), XWING = ip("10.200.0.3"), VIP = ip("10.96.0.10");
    static final List<Resource> OBJECTS = Manifests.parse("""
            apiVersion: v1
            kind: Service
            metadata: {name: deathstar, namespace: default}
            spec:
              selector: {class: deathstar}
              ports: [{port: 80, protocol: TCP}]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: rule1, namespace: default}
            spec:
              endpointSelector: {matchLabels: {class: deathstar}}
              ingress: [{fromEndpoints: [{matchLabels: {org: empire}}], toPorts: [{ports: [{port: "80", protocol: TCP}]}]}]
            """).resources();

    /** The datapath as a list of what was written, in order. */
    static final class RecordingDatapath implements DatapathSink {
        Map<Cidr, Integer> ipcache = Map.of();
        Map<Integer, Integer> endpointByAddress = Map.of();
        List<EndpointState> endpoints = List.of();
        List<Frontend> frontends = List.of();
        final List<String> writes = new ArrayList<>();

        @Override
        public void ipcache(Map<Cidr, Integer> identities, Map<Integer, Integer> endpointByAddress) {
            this.ipcache = identities;
            this.endpointByAddress = endpointByAddress;
            writes.add("ipcache");
        }

        @Override
        public void endpoints(List<EndpointState> desired, ProxyPorts proxy) {
            this.endpoints = desired;
            writes.add("endpoints");
        }

        @Override
        public void services(List<Frontend> frontends) {
            this.frontends = frontends;
            writes.add("services");
        }

        @Override
        public void l7Frontends(List<L7Frontend> frontends) {
            writes.add("l7Frontends");
        }
    }

    final RecordingDatapath datapath = new RecordingDatapath();
    final List<ClusterZone> zones = new ArrayList<>();
    final Reconciler reconciler = new Reconciler(new Reconciler.Sinks(datapath, Optional.empty(), zones::add), POD_CIDR);

    static NodeInputs inputs(List<Resource> objects) {
        List<PolicyRule> rules = objects.stream()
                .flatMap(r -> r instanceof Resource.NetworkPolicy p ? p.rules().stream() : java.util.stream.Stream.empty()).toList();
        Map<Resource.Service, Integer> services = new java.util.LinkedHashMap<>();
        objects.stream().filter(r -> r instanceof Resource.Service).forEach(r -> services.put((Resource.Service) r, VIP));
        return new NodeInputs(List.of(
                local("deathstar-1", 1, 256, DEATHSTAR, Map.of("org", "empire", "class", "deathstar"), 11),
                local("xwing", 2, 257, XWING, Map.of("org", "alliance", "class", "xwing"), 12)), rules, Map.of(), services);
    }

    @Test
    void reconcile_writesIpcacheThenEndpointsThenServicesThenEnvoysFrontends_andTheZone() {
        Reconciler.Result r = reconciler.reconcile(inputs(OBJECTS));
        assertThat(datapath.writes).containsExactly("ipcache", "endpoints", "services", "l7Frontends");
        assertThat(datapath.ipcache).containsEntry(new Cidr(DEATHSTAR, 32), 256).containsEntry(new Cidr(XWING, 32), 257);
        assertThat(datapath.endpointByAddress).containsEntry(DEATHSTAR, 1).containsEntry(XWING, 2);
        assertThat(datapath.endpoints).extracting(DatapathSink.EndpointState::ifindex).containsExactlyInAnyOrder(11, 12);
        assertThat(datapath.endpoints).filteredOn(e -> e.endpointId() == 1).singleElement()
                .satisfies(e -> assertThat(e.policy().ingressEnforced()).isTrue());
        assertThat(datapath.endpoints).filteredOn(e -> e.endpointId() == 2).singleElement()
                .satisfies(e -> assertThat(e.policy().ingressEnforced()).isFalse());
        assertThat(datapath.frontends).singleElement().satisfies(f -> {
            assertThat(f.vip()).isEqualTo(VIP);
            assertThat(f.backends()).containsExactly(new Frontend.Backend(DEATHSTAR, 80));
        });
        assertThat(zones).last().extracting(ClusterZone::addresses)
                .isEqualTo(Map.of(ClusterZone.serviceName("deathstar", "default"), VIP));
        assertThat(r.directory().endpoint(XWING, 0).getPodName()).isEqualTo("xwing");
        assertThat(r.desired().policies()).hasSize(2);
    }

    @Test
    void reconcile_withThePolicyGone_liftsEnforcement_andIsIdempotent() {
        reconciler.reconcile(inputs(OBJECTS));
        Reconciler.Result again = reconciler.reconcile(inputs(OBJECTS));
        assertThat(reconciler.reconcile(inputs(OBJECTS)).desired()).isEqualTo(again.desired());
        reconciler.reconcile(inputs(OBJECTS.stream().filter(r -> r instanceof Resource.Service).toList()));
        assertThat(datapath.endpoints).allSatisfy(e -> assertThat(e.policy().ingressEnforced()).isFalse());
        assertThat(datapath.frontends).hasSize(1);
    }

    @Test
    void reconcile_anEndpointWithoutItsInterface_isReported_andTheOthersAreEnforced() {
        NodeInputs full = inputs(OBJECTS);
        NodeInputs.LocalEndpoint deathstar = full.endpoints().get(0);
        NodeInputs broken = new NodeInputs(List.of(NodeInputs.LocalEndpoint.missing(deathstar.endpoint(), "its veth lxc1 is missing"),
                full.endpoints().get(1)), full.rules(), full.cidrIdentities(), full.services());
        Reconciler.Result r = reconciler.reconcile(broken);
        assertThat(r.unenforced()).containsExactly("pod default/deathstar-1: not enforced, its veth lxc1 is missing");
        assertThat(datapath.endpoints).extracting(DatapathSink.EndpointState::endpointId).containsExactly(2);
        assertThat(datapath.ipcache).as("its address keeps its identity for the others' policies")
                .containsEntry(new Cidr(DEATHSTAR, 32), 256);
        assertThat(reconciler.reconcile(full).unenforced()).isEmpty();
    }

    private static NodeInputs.LocalEndpoint local(String name, int id, int identity, int address, Map<String, String> labels,
                                                  int ifindex) {
        return NodeInputs.LocalEndpoint.attached(new Endpoint("default", name, id, identity, Labels.ofPod("default", labels),
                address, Map.of(), true), ifindex);
    }

    private static int ip(String s) {
        return Cidr.parse(s).orElseThrow().address();
    }

    @Test
    void reconcile_aPolicysListenerThatDoesNotRun_isReportedAgainstThePolicy() {
        List<Resource> withListener = new ArrayList<>(OBJECTS);
        withListener.addAll(Manifests.parse("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: to-lb, namespace: default}
                spec:
                  endpointSelector: {matchLabels: {class: xwing}}
                  egress:
                  - toEndpoints: [{matchLabels: {class: deathstar}}]
                    toPorts: [{ports: [{port: "80", protocol: TCP}], listener: {envoyConfig: {kind: CiliumEnvoyConfig, name: lb}, name: l}}]
                """).resources());
        Reconciler.Result r = reconciler.reconcile(inputs(withListener));
        assertThat(r.policyProblems()).containsOnlyKeys("CiliumNetworkPolicy default/to-lb");
        assertThat(r.policyProblems().get("CiliumNetworkPolicy default/to-lb"))
                .isEqualTo("listener default/lb/l: Envoy is not running on this node; its connections are dropped");
        assertThat(reconciler.reconcile(inputs(OBJECTS)).policyProblems()).isEmpty();
    }
}
