package io.sluice.agent.rest;

import io.sluice.agent.config.NodeRuntime;
import io.sluice.agent.endpoint.Endpoint;
import io.sluice.manifest.Resource;
import io.sluice.agent.proc.DetachedProcess;
import io.sluice.agent.proc.ManagedProcess;
import io.sluice.agent.node.DesiredState;
import io.sluice.agent.node.Node;
import io.sluice.agent.node.NodeView;
import io.sluice.policy.Cidr;
import io.sluice.policy.Label;
import io.sluice.agent.store.PodRecord;
import io.sluice.api.node.IdentityView;
import io.sluice.api.node.NodeStatus;
import io.sluice.api.node.PodView;
import io.sluice.api.node.EnvoyConfigView;
import io.sluice.api.node.PolicyView;
import io.sluice.api.node.ServiceView;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.agent.hubble.Observer;
import io.sluice.api.http.UnixHttpClient;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Turns node state into the API's views; for the status, the relay's readiness comes from its health socket. */
final class Views {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Views() {}

    static PodView pod(Node node, PodRecord p) {
        String st = new DetachedProcess(p.pid(), p.startTicks()).alive() ? "Running" : "Exited";
        return new PodView(p.name(), p.namespace(), p.ip(), p.endpointId(), p.identity(), p.labels(), p.netns(),
                p.hostIf(), p.pid(), st, p.command());
    }

    static List<PodView> pods(Node node) {
        return node.state().pods().values().stream().map(p -> pod(node, p)).toList();
    }

    static List<ServiceView> services(Node node) {
        List<ServiceView> out = new ArrayList<>();
        node.objects().forEach((key, r) -> {
            if (r instanceof Resource.Service s) {
                String vip = node.state().serviceIps().getOrDefault(key, "");
                List<String> backends = node.desired() == null ? List.of() : node.desired().frontends().stream()
                        .filter(f -> f.service().equals(s.ref().namespace() + "/" + s.ref().name()))
                        .flatMap(f -> f.backends().stream().map(b -> Cidr.format(b.address()) + ":" + b.port()))
                        .distinct().toList();
                out.add(new ServiceView(s.ref().name(), s.ref().namespace(), vip,
                        s.ports().stream().map(p -> p.port() + "/" + p.protocol()).toList(), s.selector(), backends));
            }
        });
        return out;
    }

    /** Envoy's lines: the process, envoy-xds, the acknowledged version and the last rejection. */
    static List<NodeStatus.ComponentStatus> envoy(NodeRuntime rt) {
        var procs = rt.processes();
        if (!procs.l7()) {
            return List.of(new NodeStatus.ComponentStatus("Envoy", "disabled", "not installed (run 'make deps'); L7 policies are refused"));
        }
        var st = rt.view().xds().map(io.sluice.agent.xds.XdsClient::status).orElseThrow();
        String acked = st.types().stream().filter(t -> !t.type().equals("snapshot")).map(t -> t.acked()).filter(v -> !v.isEmpty()).distinct()
                .reduce((a, b) -> a + "," + b).orElse("-");
        List<NodeStatus.ComponentStatus> out = new ArrayList<>();
        // an external Envoy (its own DaemonSet) is judged by its connection alone
        boolean envoyUp = procs.envoy().map(ManagedProcess::running).orElse(true) && st.envoyConnected();
        String where = procs.envoy().map(p -> "pid " + p.pid()).orElse("external (external-envoy-proxy)");
        out.add(new NodeStatus.ComponentStatus("Envoy", envoyUp ? "OK" : "down",
                where + ", acknowledged version " + acked + ", desired " + st.desiredVersion()));
        out.add(new NodeStatus.ComponentStatus("Envoy xDS", procs.xds().map(ManagedProcess::running).orElse(true)
                && st.xdsConnected() ? "OK" : "down", "ADS (SotW + delta) on " + procs.xdsSocket()));
        out.add(new NodeStatus.ComponentStatus("Envoy access log", "OK", "gRPC on " + procs.alsSocket()
                + ", read into flows at " + rt.ingestPriority().describe()));
        if (!st.lastNack().isEmpty()) {
            out.add(new NodeStatus.ComponentStatus("Envoy last NACK", "Error", st.lastNack()));
        }
        Map<String, io.sluice.agent.node.ProxyControl.ConfigState> configs = rt.view().envoyConfigStates();
        if (!configs.isEmpty()) {
            Map<String, List<String>> by = new java.util.TreeMap<>();
            configs.forEach((k, c) -> by.computeIfAbsent(c.programmed(), x -> new ArrayList<>()).add(k));
            List<String> rejected = by.getOrDefault("False", List.of());
            out.add(new NodeStatus.ComponentStatus("Envoy configs", rejected.isEmpty() ? "OK" : "Error",
                    by.getOrDefault("True", List.of()).size() + " programmed, " + by.getOrDefault("Unknown", List.of()).size()
                            + " waiting, " + rejected.size() + " rejected" + (rejected.isEmpty() ? "" : ": " + rejected.stream()
                            .map(k -> k + " (" + configs.get(k).message() + ")").collect(Collectors.joining("; ")))));
        }
        return out;
    }

    static List<PolicyView> policies(Node node) {
        List<PolicyView> out = new ArrayList<>();
        node.objects().forEach((key, r) -> {
            if (r instanceof Resource.NetworkPolicy p) {
                List<Integer> selected = node.desired() == null ? List.of() : node.desired().policies().keySet().stream()
                        .filter(e -> p.rules().stream().anyMatch(rule -> rule.subject().matches(e.labels())))
                        .map(Endpoint::id).sorted().toList();
                out.add(new PolicyView(p.ref().kind(), p.ref().name(), p.ref().namespace(), true, selected, "",
                        node.policyProblems().getOrDefault(p.ref().toString(), "")));
            }
        });
        return out;
    }

    /**
     * The node's settings under the keys of Cilium's {@code cilium config view}, as this node runs
     * them (what it was started with, and what it found: Envoy or not).
     */
    static Map<String, String> config(NodeRuntime rt) {
        var c = rt.config();
        boolean envoy = rt.processes().l7();
        Map<String, String> out = new java.util.TreeMap<>();
        out.put("kube-proxy-replacement", "true");
        out.put("enable-l7-proxy", Boolean.toString(envoy));
        out.put("enable-envoy-config", Boolean.toString(envoy));
        out.put("loadbalancer-l7", envoy ? "envoy" : "disabled");
        out.put("loadbalancer-l7-algorithm", "round_robin");
        out.put("proxy-portrange-min", "10000");
        out.put("proxy-portrange-max", "20000");
        out.put("envoy-config-retry-interval", io.sluice.agent.node.ProxyControl.RETRY_INTERVAL.toSeconds() + "s");
        out.put("envoy-admin-enabled", Boolean.toString(c.envoyAdminEnabled()));
        out.put("external-envoy-proxy", Boolean.toString(c.externalEnvoyProxy()));
        out.put("envoy-admin-port", Integer.toString(c.envoyAdminPort()));
        out.put("enable-hubble", "true");
        out.put("hubble-listen-address", ":" + c.hubblePort());
        out.put("hubble-metrics-server", ":" + c.hubbleMetricsPort());
        out.put("hubble-event-buffer-capacity", Integer.toString(c.hubbleBufferCapacity()));
        out.put("enable-hubble-relay", Boolean.toString(c.relayPort() > 0));
        out.put("cluster-pool-ipv4-cidr", c.podCidr());
        out.put("service-cidr", c.serviceCidr());
        out.put("allow-localhost", c.allowHostIngress() ? "always" : "policy");
        out.put("mode", c.kubernetes() ? "kubernetes" : "standalone");
        return out;
    }

    /** The Envoy configs applied to the node, with what Envoy made of each. */
    static List<EnvoyConfigView> envoyConfigs(Node node) {
        Map<String, io.sluice.agent.node.ProxyControl.ConfigState> states = node.envoyConfigStates();
        List<EnvoyConfigView> out = new ArrayList<>();
        Map<String, Resource> all = new java.util.TreeMap<>(node.objects());
        all.putAll(node.generatedEnvoyConfigs()); // the lb-l7 annotation's
        all.forEach((key, r) -> {
            if (r instanceof Resource.EnvoyConfig c) {
                var st = states.get(key);
                out.add(st == null ? new EnvoyConfigView(c.ref().kind(), c.ref().namespace(), c.ref().name(), "Unknown",
                        "not pushed to Envoy yet", Map.of())
                        : new EnvoyConfigView(c.ref().kind(), c.ref().namespace(), c.ref().name(), st.programmed(), st.message(),
                        st.listenerPorts()));
            }
        });
        return out;
    }

    /** The identities of the node's endpoints, with how many endpoints each (either kind of node). */
    static List<IdentityView> identities(NodeView node) {
        DesiredState desired = node.desired();
        if (desired == null) {
            return List.of();
        }
        Map<Integer, Long> counts = desired.policies().keySet().stream()
                .collect(Collectors.groupingBy(Endpoint::identity, Collectors.counting()));
        return desired.identities().stream()
                .map(i -> new IdentityView(i.id(), i.labels().all().stream().map(Label::toString).toList(),
                        counts.getOrDefault(i.id(), 0L).intValue()))
                .toList();
    }

    /** The node's own observer, as Cilium's agent status shows Hubble. */
    static NodeStatus.ComponentStatus hubble(Observer o) {
        long flows = o.buffer().size(), max = o.buffer().capacity();
        return new NodeStatus.ComponentStatus("Hubble", "OK", String.format(Locale.ROOT,
                "Current/Max Flows: %,d/%,d (%.2f%%), Flows/s: %.2f", flows, max, max == 0 ? 0.0 : 100.0 * flows / max,
                o.flowsRate()));
    }

    /**
     * The node's relay: its process, and its readiness as its {@code /q/health/ready} says (the
     * nodes it knows, those it cannot reach); the address is what {@code hubble --server} takes.
     */
    static NodeStatus.ComponentStatus relay(NodeRuntime rt, ManagedProcess relay) {
        String address = (rt.config().relayTls() ? "tls://" : "") + "localhost:" + rt.config().relayPort();
        if (!relay.running()) {
            return new NodeStatus.ComponentStatus("Hubble Relay", "down", address + ": not running");
        }
        try {
            UnixHttpClient.Response r = new UnixHttpClient(rt.processes().relayHealthSocket(), Duration.ofSeconds(1))
                    .get("/q/health/ready");
            JsonNode data = JSON.readTree(r.body()).path("checks").path(0).path("data");
            if (r.status() == 200) {
                String unavailable = data.path("unavailable").asText("none");
                int nodes = data.path("nodes").asInt();
                return new NodeStatus.ComponentStatus("Hubble Relay", "OK", address + ", " + nodes + (nodes == 1 ? " node" : " nodes")
                        + (unavailable.equals("none") ? "" : ", unavailable: " + unavailable));
            }
            return new NodeStatus.ComponentStatus("Hubble Relay", "not ready",
                    address + ": " + data.path("problem").asText("its health says " + r.status()));
        } catch (IOException e) {
            return new NodeStatus.ComponentStatus("Hubble Relay", "starting", address + ": no health answer yet (" + e.getMessage() + ")");
        }
    }

    static NodeStatus status(NodeRuntime rt) {
        NodeView node = rt.view();
        DesiredState desired = node.desired();
        int identities = desired == null ? 0 : desired.identities().size();
        long backends = desired == null ? 0 : desired.frontends().stream().mapToLong(f -> f.backends().size()).sum();
        List<NodeStatus.ComponentStatus> comps = new ArrayList<>(List.of(
                new NodeStatus.ComponentStatus("Agent", "OK", node.describe()),
                new NodeStatus.ComponentStatus("Datapath", "OK", "tc programs on " + node.endpoints()
                        + " endpoints" + rt.config().devices().map(d -> " and devices " + String.join(", ", d)).orElse("")
                        + ", maps pinned under " + rt.config().pinRoot()),
                new NodeStatus.ComponentStatus("KubeProxyReplacement", "True", node.services() + " services, " + backends + " backends")));
        rt.processes().dns().ifPresent(dns -> comps.add(new NodeStatus.ComponentStatus("Cluster DNS",
                dns.process().running() ? "OK" : "down", Cidr.format(node.router()) + ":" + rt.config().dnsPort())));
        for (NodeView.Problem p : node.problems()) {
            comps.add(new NodeStatus.ComponentStatus(p.component(), "Error", p.message()));
        }
        comps.addAll(envoy(rt));
        if (rt.observer() != null) {
            comps.add(hubble(rt.observer()));
        }
        if (rt.config().relayPort() <= 0) {
            comps.add(new NodeStatus.ComponentStatus("Hubble Relay", "disabled", rt.config().kubernetes()
                    ? "not on the node: the cluster's is the Deployment hubble-relay (sluice status --kubeconfig)" : "relay-port 0"));
        } else {
            rt.processes().relay().ifPresent(relay -> comps.add(relay(rt, relay)));
        }
        return new NodeStatus(comps, node.endpoints(), node.policies(), node.services(), identities,
                node.podCidr().toString(), node.serviceCidr().toString(), Cidr.format(node.router()),
                rt.events().seen(), rt.events().drops(), ProcessHandle.current().pid());
    }

}
