package io.sluice.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lab's first part on a real node: Star Wars pods in network namespaces, the deathstar
 * Service balanced in eBPF, the lab's L3/L4 policy enforced in the kernel.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StarWarsE2E {
    static final int TIMEOUT = 28;
    static TestNode node;

    @BeforeAll
    static void deploy() throws Exception {
        node = new TestNode(19876, 213);
        StarWars.deploy(node);
    }

    @AfterAll
    static void purge() {
        if (node != null) {
            node.close();
        }
    }

    static void assertOk(TestNode.Result r) {
        assertThat(r.exit()).as(r.out()).isZero();
    }

    static boolean landed(TestNode.Result r) {
        return r.exit() == 0 && r.out().equals("Ship landed\n");
    }

    static String labPolicy() throws Exception {
        return Files.readString(TestNode.HOME.resolve("demo/manifests/l4-policy.yaml"));
    }

    @Test
    @Order(1)
    void beforePolicy_bothShipsLand_andBothReplicasServe() {
        assertThat(node.land("xwing")).satisfies(r -> assertThat(landed(r)).as(r.out()).isTrue());
        assertThat(node.land("tiefighter")).satisfies(r -> assertThat(landed(r)).as(r.out()).isTrue());
        Set<String> replicas = new HashSet<>();
        for (int i = 0; i < 30 && replicas.size() < 2; i++) {
            // as the lab's exam counts them: curl .../v1/ | jq -r .hostname
            String out = node.curl("xwing", "GET", "http://deathstar.default.svc.cluster.local/v1/").out();
            replicas.add(out.replaceAll("(?s).*\"hostname\":\"([^\"]+)\".*", "$1").strip());
        }
        assertThat(replicas).containsExactlyInAnyOrder("deathstar-1", "deathstar-2");
        // each pod has its own host name, as a kubelet's pod does
        assertThat(node.sluice("exec", "xwing", "--", "hostname").out().strip()).isEqualTo("xwing");
    }

    @Test
    @Order(2)
    void labL4Policy_blocksXwingWithPolicyDenied_andDeleteRestores() throws Exception {
        String policy = labPolicy();
        assertOk(node.apply(policy));
        try {
            assertThat(node.land("xwing").exit()).isEqualTo(TIMEOUT);
            assertThat(landed(node.land("tiefighter"))).isTrue();
            TestNode.Result drops = node.sluice("monitor", "--type", "drop");
            String xwingIp = node.sluice("get", "pods").out().lines().filter(l -> l.contains(" xwing "))
                    .findFirst().orElseThrow().split("\\s+")[3];
            assertThat(drops.out()).contains("Policy denied " + xwingIp);
            // Lab step 5: what Hubble shows of the drop.
            TestNode.Result seen = node.observeUntil(List.of("Policy denied DROPPED"), "--to-pod", "default/deathstar",
                    "--from-pod", "default/xwing", "--last", "50");
            assertThat(seen.out()).containsPattern("default/xwing:\\d+ \\(ID:\\d+\\) <> default/deathstar-\\d:80 \\(ID:\\d+\\) "
                    + "policy-verdict:none INGRESS DENIED \\(TCP Flags: SYN\\)");
            assertThat(seen.out()).containsPattern("default/xwing:\\d+ \\(ID:\\d+\\) <> default/deathstar-\\d:80 \\(ID:\\d+\\) "
                    + "Policy denied DROPPED \\(TCP Flags: SYN\\)");
            assertThat(node.observe("--verdict", "DROPPED", "--last", "100").out().lines())
                    .isNotEmpty().allMatch(l -> l.contains(" DROPPED (") || l.contains(" DENIED ("));
        } finally {
            assertOk(node.delete(policy));
        }
        assertThat(landed(node.land("xwing"))).isTrue();
    }

    @Test
    @Order(3)
    void invalidPolicy_isRejectedWithFieldAndNothingChanges() throws Exception {
        String policy = labPolicy();
        assertOk(node.apply(policy));
        try {
            TestNode.Result bad = node.apply(policy.replace("port: \"80\"", "port: \"80800\""));
            assertThat(bad.exit()).isNotZero();
            assertThat(bad.out()).contains("CiliumNetworkPolicy default/rule1: spec.ingress[0].toPorts[0].ports[0].port: '80800' is out of range");
            assertThat(node.land("xwing").exit()).isEqualTo(TIMEOUT);
            assertThat(landed(node.land("tiefighter"))).isTrue();
        } finally {
            assertOk(node.delete(policy));
        }
    }

    @Test
    @Order(4)
    void denyRule_beatsAllowRule() {
        String policy = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: allow-all-but-tiefighter}
                spec:
                  endpointSelector: {matchLabels: {class: deathstar}}
                  ingress:
                  - fromEntities: [all]
                  ingressDeny:
                  - fromEndpoints: [{matchLabels: {class: tiefighter}}]
                """;
        assertOk(node.apply(policy));
        try {
            assertThat(node.land("tiefighter").exit()).isEqualTo(TIMEOUT);
            assertThat(landed(node.land("xwing"))).isTrue();
            assertThat(node.sluice("monitor", "--type", "drop").out()).contains("Policy denied by denylist");
        } finally {
            assertOk(node.delete(policy));
        }
    }

    @Test
    @Order(5)
    void matchExpressions_selectPeers() {
        String policy = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: expressions}
                spec:
                  endpointSelector: {matchExpressions: [{key: class, operator: In, values: [deathstar]}]}
                  ingress:
                  - fromEndpoints:
                    - matchExpressions: [{key: org, operator: NotIn, values: [empire]}, {key: class, operator: Exists}]
                """;
        assertOk(node.apply(policy));
        try {
            assertThat(landed(node.land("xwing"))).isTrue();
            assertThat(node.land("tiefighter").exit()).isEqualTo(TIMEOUT);
        } finally {
            assertOk(node.delete(policy));
        }
    }

    @Test
    @Order(6)
    void egressEntities_hostAllowsDnsButNotTheDeathstar() {
        String hostOnly = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: xwing-egress}
                spec:
                  endpointSelector: {matchLabels: {class: xwing}}
                  egress:
                  - toEntities: [host]
                """;
        assertOk(node.apply(hostOnly));
        try {
            // DNS (the router, reserved:host) still answers; the deathstar does not.
            assertThat(node.inPod("xwing", "getent", "hosts", "deathstar.default.svc.cluster.local").exit()).isZero();
            assertThat(node.land("xwing").exit()).isEqualTo(TIMEOUT);
            assertOk(node.apply(hostOnly.replace("[host]", "[host, cluster]")));
            assertThat(landed(node.land("xwing"))).isTrue();
        } finally {
            assertOk(node.delete(hostOnly));
        }
    }

    @Test
    @Order(7)
    void cidrRules_withExcept() throws Exception {
        try (WorldHost world = new WorldHost("se2e-world", "10.215.0.2", TestNode.HOME.resolve("bin/sluice").toString())) {
            String url = "http://10.215.0.2:8080/v1/request-landing";
            String policy = """
                    apiVersion: cilium.io/v2
                    kind: CiliumNetworkPolicy
                    metadata: {name: xwing-cidr}
                    spec:
                      endpointSelector: {matchLabels: {class: xwing}}
                      egress:
                      - toCIDRSet: [{cidr: 10.215.0.0/16, except: [EXCEPT]}]
                    """;
            assertOk(node.apply(policy.replace("EXCEPT", "10.215.9.0/24")));
            try {
                assertThat(node.curl("xwing", "POST", url).out()).isEqualTo("Ship landed\n");
                assertThat(node.land("xwing").exit()).isEqualTo(TIMEOUT);
                assertOk(node.apply(policy.replace("EXCEPT", "10.215.0.0/24")));
                assertThat(node.curl("xwing", "POST", url).exit()).isEqualTo(TIMEOUT);
            } finally {
                assertOk(node.delete(policy.replace("EXCEPT", "10.215.0.0/24")));
            }
        }
    }

    @Test
    @Order(8)
    void agentKilled_enforcementHoldsThroughRestart() throws Exception {
        String policy = labPolicy();
        assertOk(node.apply(policy));
        try {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger tieOk = new AtomicInteger(), tieFail = new AtomicInteger(), xwingOk = new AtomicInteger(), xwingTried = new AtomicInteger();
            Thread tie = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    (landed(node.inPod("tiefighter", "curl", "-s", "-m", "1", "-XPOST",
                            "http://deathstar.default.svc.cluster.local/v1/request-landing")) ? tieOk : tieFail).incrementAndGet();
                }
            });
            Thread xwing = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    xwingTried.incrementAndGet();
                    if (node.inPod("xwing", "curl", "-s", "-m", "1", "-XPOST",
                            "http://deathstar.default.svc.cluster.local/v1/request-landing").exit() == 0) {
                        xwingOk.incrementAndGet();
                    }
                }
            });
            Thread.sleep(1500);
            TestNode.run(java.util.List.of("kill", "-9", Long.toString(node.agentPid())), null);
            Thread.sleep(2000);
            assertOk(node.restart());
            Thread.sleep(2000);
            stop.set(true);
            tie.join();
            xwing.join();
            assertThat(tieOk.get()).isGreaterThan(5);
            assertThat(tieFail.get()).as("tiefighter failures").isZero();
            assertThat(xwingTried.get()).isPositive();
            assertThat(xwingOk.get()).as("xwing successes").isZero();
        } finally {
            assertOk(node.delete(policy));
        }
    }

    static final String DEATHSTAR_LB = """
            apiVersion: cilium.io/v2
            kind: CiliumEnvoyConfig
            metadata: {name: deathstar-lb, namespace: default}
            spec:
              backendServices: [{name: deathstar, namespace: default}]
              resources:
              - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
                name: lb
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: deathstar-lb
                      rds: {route_config_name: lb_route}
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
              - "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
                name: lb_route
                virtual_hosts:
                - name: lb_route
                  domains: ["*"]
                  routes:
                  - match: {prefix: /}
                    route: {cluster: default/deathstar}
              - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                name: default/deathstar
                type: EDS
                connect_timeout: 5s
            """;

    /**
     * A CiliumEnvoyConfig is programmed into Envoy: its listener gets a proxy port on 127.0.0.1,
     * its cluster the deathstar Service's backends, and its status says Envoy took it. A change
     * Envoy rejects says why in the status while the version Envoy took keeps serving; deleting
     * the config removes its listener.
     */
    @Test
    @Order(9)
    void envoyConfig_isProgrammed_aRejectedChangeKeepsTheLastGood_andDeleteTakesItOut() throws Exception {
        assertOk(node.apply(DEATHSTAR_LB));
        try {
            TestNode.Result get = node.sluice("get", "cec", "deathstar-lb");
            assertOk(get);
            assertThat(get.out()).containsPattern("default\\s+deathstar-lb\\s+True\\s+True\\s+default/deathstar-lb/lb=\\d+");
            String port = get.out().replaceAll("(?s).*default/deathstar-lb/lb=(\\d+).*", "$1");
            assertThat(Integer.parseInt(port)).isBetween(10000, 20000);
            String url = "http://127.0.0.1:" + port + "/v1/request-landing";
            TestNode.Result through = TestNode.run(List.of("curl", "-s", "-i", "-m", "3", "-XPOST", url), null);
            assertThat(through.out()).contains("Ship landed").containsIgnoringCase("x-envoy-upstream-service-time");

            // a change is taken at once: the apply answers once Envoy acknowledged it (a changed EDS cluster
            // gets its unchanged assignment again, or it would wait 15 s for it)
            assertOk(node.apply(DEATHSTAR_LB.replace("connect_timeout: 5s", "connect_timeout: 6s")));
            assertThat(node.sluice("get", "cec", "deathstar-lb").out()).containsPattern("deathstar-lb\\s+True\\s+True\\s");
            assertThat(TestNode.run(List.of("curl", "-s", "-m", "3", "-XPOST", url), null).out()).isEqualTo("Ship landed\n");
            // Envoy refuses a cluster without a positive connect timeout; the status says so, the last good one serves
            assertOk(node.apply(DEATHSTAR_LB.replace("connect_timeout: 5s", "connect_timeout: 0s")));
            TestNode.Result rejected = node.sluice("get", "cec", "deathstar-lb", "-o", "json");
            assertThat(rejected.out()).contains("\"programmed\" : \"False\"").contains("\"message\" : \"default/deathstar: Proto constraint"
                    + " validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)\"");
            assertThat(node.sluice("status").out()).containsPattern(
                    "Envoy configs: +Error +0 programmed, 0 waiting, 1 rejected: CiliumEnvoyConfig/default/deathstar-lb \\(default/deathstar: Proto"
                            + " constraint validation failed \\(ClusterValidationError.ConnectTimeout");
            assertThat(TestNode.run(List.of("curl", "-s", "-m", "3", "-XPOST", url), null).out()).isEqualTo("Ship landed\n");
            // and the policies still get programmed meanwhile
            assertOk(node.apply(labPolicy()));
            assertThat(node.land("xwing").exit()).isEqualTo(TIMEOUT);
            assertOk(node.delete(labPolicy()));
            // fixed again, it is programmed again
            assertOk(node.apply(DEATHSTAR_LB));
            assertThat(node.sluice("get", "cec", "deathstar-lb").out()).containsPattern("deathstar-lb\\s+True\\s+True\\s");
        } finally {
            assertOk(node.delete(DEATHSTAR_LB));
        }
        assertThat(node.sluice("get", "cec").out().lines().count()).isEqualTo(1); // the header only
        assertThat(node.sluice("get", "cec", "deathstar-lb").exit()).isNotZero();
    }

    /**
     * L7 load balancing of a Service: a config whose {@code services} names the deathstar takes
     * the connections to its frontend (the tiefighter's curl gets Envoy's answer); with the config
     * gone the datapath balances them again. A client with egress rules is refused rather than let
     * past them.
     */
    @Test
    @Order(11)
    void envoyConfigServices_takeTheServicesConnections_untilTheConfigGoes() throws Exception {
        String lb = DEATHSTAR_LB.replace("  backendServices: [{name: deathstar, namespace: default}]",
                "  services: [{name: deathstar, namespace: default}]");
        String url = "http://deathstar.default.svc.cluster.local/v1/request-landing";
        assertThat(node.inPod("tiefighter", "curl", "-s", "-i", "-m", "3", "-XPOST", url).out()).contains("Ship landed")
                .doesNotContainIgnoringCase("x-envoy-upstream-service-time");
        assertOk(node.apply(lb));
        try {
            assertThat(node.sluice("get", "cec", "deathstar-lb").out()).containsPattern("deathstar-lb\\s+True\\s+True\\s");
            for (int i = 0; i < 5; i++) {
                assertThat(node.inPod("tiefighter", "curl", "-s", "-i", "-m", "3", "-XPOST", url).out()).contains("Ship landed")
                        .containsIgnoringCase("x-envoy-upstream-service-time");
            }
            // the xwing under an egress policy: Envoy's leg to the deathstar is judged by it too
            String egress = """
                    apiVersion: cilium.io/v2
                    kind: CiliumNetworkPolicy
                    metadata: {name: xwing-egress}
                    spec:
                      endpointSelector: {matchLabels: {class: xwing}}
                      egress: [{toEntities: [host]}, {toEndpoints: [{matchLabels: {class: tiefighter}}]}]
                    """;
            assertOk(node.apply(egress));
            try {
                // DNS (the host) answers; the deathstar, behind Envoy, is not allowed
                TestNode.Result refused = node.inPod("xwing", "curl", "-s", "-m", "2", "-XPOST", url);
                assertThat(refused.exit()).as(refused.out()).isEqualTo(TIMEOUT);
                assertOk(node.apply(egress.replace("class: tiefighter", "class: deathstar")));
                assertThat(node.inPod("xwing", "curl", "-s", "-i", "-m", "3", "-XPOST", url).out()).contains("Ship landed")
                        .containsIgnoringCase("x-envoy-upstream-service-time");
            } finally {
                assertOk(node.delete(egress));
            }
        } finally {
            assertOk(node.delete(lb));
        }
        assertThat(node.inPod("tiefighter", "curl", "-s", "-i", "-m", "3", "-XPOST", url).out()).contains("Ship landed")
                .doesNotContainIgnoringCase("x-envoy-upstream-service-time");
    }

    /**
     * As {@code cilium status --wait}: returns at once on a node that is up, and names what it
     * waited for in vain; and {@code sluice config view} as {@code cilium config view}.
     */
    @Test
    @Order(10)
    void statusWait_returnsOnceAllIsUp_andSaysWhatItWaitedFor() {
        TestNode.Result up = node.sluice("status", "--wait", "--wait-duration", "60s");
        assertThat(up.exit()).as(up.out()).isZero();
        assertThat(up.out()).contains("Agent:").contains("Envoy:                OK");
        TestNode.Result none = TestNode.run(List.of(TestNode.HOME.resolve("bin/sluice").toString(), "--node",
                "unix:///nonexistent/api.sock", "status", "--wait", "--wait-duration", "2s"), null);
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.out()).contains("Error: not ready after 2s: the agent (no answer at unix:///nonexistent/api.sock)");
        // and the node's settings as cilium config view prints them: sorted key<TAB>value lines
        TestNode.Result config = node.sluice("config", "view");
        assertOk(config);
        List<String> lines = config.out().lines().toList();
        assertThat(lines).isSorted().contains("kube-proxy-replacement\ttrue", "loadbalancer-l7\tenvoy", "enable-envoy-config\ttrue",
                "proxy-portrange-min\t10000", "mode\tstandalone").allMatch(l -> l.matches("[a-z0-9-]+\t.*"));
    }

    /**
     * The lb-l7 annotation on the standalone node: the node derives the Service's Envoy config as
     * the operator writes it in a cluster, and the Service's requests go through Envoy until the
     * annotation is gone.
     */
    @Test
    @Order(12)
    void lbL7Annotation_sendsTheServicesRequestsThroughEnvoy_untilItIsRemoved() throws Exception {
        String plain = Files.readString(TestNode.HOME.resolve("demo/manifests/deathstar-service.yaml"));
        String annotated = plain.replace("  name: deathstar\n", "  name: deathstar\n  annotations:\n"
                + "    service.cilium.io/lb-l7: enabled\n    service.cilium.io/lb-l7-algorithm: least_request\n");
        assertThat(annotated).contains("lb-l7: enabled");
        String url = "http://deathstar.default.svc.cluster.local/v1/request-landing";
        assertOk(node.apply(annotated));
        try {
            assertThat(node.sluice("get", "cec", "cilium-envoy-lb-deathstar").out())
                    .containsPattern("default\\s+cilium-envoy-lb-deathstar\\s+True\\s+True\\s+default/deathstar=\\d+");
            for (int i = 0; i < 5; i++) {
                assertThat(node.inPod("tiefighter", "curl", "-s", "-i", "-m", "3", "-XPOST", url).out()).contains("Ship landed")
                        .containsIgnoringCase("x-envoy-upstream-service-time");
            }
            assertThat(node.sluice("envoy", "config-dump", "--name-regex", "default/deathstar").out()).contains("LEAST_REQUEST");
        } finally {
            assertOk(node.apply(plain));
        }
        assertThat(node.sluice("get", "cec", "cilium-envoy-lb-deathstar").exit()).isNotZero();
        assertThat(node.inPod("tiefighter", "curl", "-s", "-i", "-m", "3", "-XPOST", url).out()).contains("Ship landed")
                .doesNotContainIgnoringCase("x-envoy-upstream-service-time");
    }

    /**
     * A listener's proxy port taken by another process while the config was away: Envoy cannot
     * bind it, and the node gives the listener another port instead of refusing the config.
     */
    @Test
    @Order(13)
    void aListenersPortTakenMeanwhile_getsAnotherPort() throws Exception {
        assertOk(node.apply(DEATHSTAR_LB));
        String first = node.sluice("get", "cec", "deathstar-lb").out().replaceAll("(?s).*default/deathstar-lb/lb=(\\d+).*", "$1");
        assertOk(node.delete(DEATHSTAR_LB));
        Process squatter = null;
        try {
            // Envoy lets the port go once the listener is gone; someone else takes it
            for (int i = 0; i < 50 && squatter == null; i++) {
                Process p = new ProcessBuilder("python3", "-c", "import socket,time\ns=socket.socket()\n"
                        + "s.bind(('127.0.0.1'," + first + "))\ns.listen()\nprint('bound',flush=True)\ntime.sleep(120)")
                        .redirectErrorStream(true).start();
                String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
                if ("bound".equals(line)) {
                    squatter = p;
                } else {
                    p.destroyForcibly().waitFor();
                    Thread.sleep(200);
                }
            }
            assertThat(squatter).as("port " + first + " free again after the config was deleted").isNotNull();
            assertOk(node.apply(DEATHSTAR_LB));
            TestNode.Result get = node.sluice("get", "cec", "deathstar-lb");
            assertThat(get.out()).containsPattern("deathstar-lb\\s+True\\s+True\\s");
            String second = get.out().replaceAll("(?s).*default/deathstar-lb/lb=(\\d+).*", "$1");
            assertThat(second).isNotEqualTo(first);
            assertThat(TestNode.run(List.of("curl", "-s", "-m", "3", "-XPOST", "http://127.0.0.1:" + second + "/v1/request-landing"),
                    null).out()).isEqualTo("Ship landed\n");
        } finally {
            if (squatter != null) {
                squatter.destroyForcibly().waitFor();
            }
            assertOk(node.delete(DEATHSTAR_LB));
        }
    }

    static final String EXAM_LB = """
            apiVersion: cilium.io/v2
            kind: CiliumEnvoyConfig
            metadata: {name: deathstar-lb, namespace: default}
            spec:
              backendServices: [{name: deathstar, namespace: default}, {name: darkstar, namespace: default}]
              resources:
              - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
                name: lb-listener
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: lb-listener
                      rds: {route_config_name: lb_route}
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
              - "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
                name: lb_route
                virtual_hosts:
                - name: lb_route
                  domains: ["*"]
                  routes:
                  - match: {prefix: /}
                    route:
                      weighted_clusters:
                        clusters:
                        - {name: default/deathstar, weight: 80}
                        - {name: default/darkstar, weight: 20}
              - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                name: default/deathstar
                type: EDS
                connect_timeout: 5s
              - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                name: default/darkstar
                type: EDS
                connect_timeout: 5s
            """;

    static final String EXAM_POLICIES = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: dns}
            spec:
              endpointSelector: {}
              egress: [{toEntities: [host], toPorts: [{ports: [{port: "53", protocol: ANY}]}]}]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: empire-to-deathstar}
            spec:
              endpointSelector: {matchLabels: {org: empire}}
              egress:
              - toEndpoints: [{matchExpressions: [{key: class, operator: In, values: [deathstar, darkstar]}]}]
                toPorts:
                - ports: [{port: "80", protocol: TCP}]
                  listener: {envoyConfig: {kind: CiliumEnvoyConfig, name: deathstar-lb}, name: lb-listener}
            """;

    /**
     * The lab's exam: an egress policy hands the empire's connections to the deathstars (and
     * darkstars) to a CiliumEnvoyConfig's listener, which splits them 80/20 between the two
     * Services; the xwing, under the namespace's DNS-only policy, is dropped. Before the config
     * exists the policy says so and its connections are dropped, never let past the listener.
     */
    @Test
    @Order(14)
    void examListenerPolicy_splitsTheEmpires80to20_andDropsWithoutItsConfig() throws Exception {
        String darkstarService = Files.readString(TestNode.HOME.resolve("demo/manifests/deathstar-service.yaml"))
                .replace("deathstar", "darkstar");
        assertOk(node.apply(darkstarService));
        String sluice = TestNode.HOME.resolve("bin/sluice").toString();
        for (String ds : new String[]{"darkstar-1", "darkstar-2"}) {
            assertOk(node.sluice("pod", "run", ds, "--labels", "org=empire,class=darkstar", "--port", "http=80",
                    "--", sluice, "demo", "deathstar", "--name", ds));
        }
        String url = "http://deathstar.default.svc.cluster.local/v1/";
        try {
            assertOk(node.apply(EXAM_POLICIES));
            assertThat(node.sluice("get", "cnp").out()).contains("listener default/deathstar-lb/lb-listener: "
                    + "no CiliumEnvoyConfig default/deathstar-lb; its connections are dropped");
            assertThat(node.curl("tiefighter", "GET", url).exit()).isEqualTo(TIMEOUT);
            assertOk(node.apply(EXAM_LB));
            assertThat(node.sluice("get", "cec", "deathstar-lb").out()).containsPattern("deathstar-lb\\s+True\\s+True\\s");
            assertThat(node.sluice("get", "cnp").out()).doesNotContain("lb-listener:");
            // as the exam counts them: 200 requests, by hostname prefix
            TestNode.Result loop = node.inPod("tiefighter", "sh", "-c",
                    "for i in $(seq 1 200); do curl -s -m 2 " + url + "; echo; done");
            java.util.Map<String, Integer> counts = StarWars.byHostnamePrefix(loop.out());
            assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).as(loop.out()).isEqualTo(200);
            System.out.println("exam split over 200 requests: " + counts);
            assertThat(counts.get("deathstar")).as(counts.toString()).isBetween(140, 180);
            assertThat(counts.get("darkstar")).as(counts.toString()).isBetween(20, 60);
            assertThat(node.curl("xwing", "GET", url).exit()).isEqualTo(TIMEOUT);
        } finally {
            node.delete(EXAM_POLICIES);
            node.delete(EXAM_LB);
            node.delete(darkstarService);
            for (String ds : new String[]{"darkstar-1", "darkstar-2"}) {
                node.sluice("pod", "delete", ds);
            }
        }
    }

    /**
     * The lab's circuit breaker: its CiliumClusterwideEnvoyConfig, unchanged, takes the
     * echo-service's connections; one client at a time always gets through, four at a time
     * overflow the breaker's 2 requests and 1 pending, and the overflow gets 503.
     */
    @Test
    @Order(15)
    void labCircuitBreaker_letsOneClientThrough_andTurnsFourAway() throws Exception {
        TestNode.Result install = TestNode.run(List.of(TestNode.HOME.resolve("scripts/install-tool.sh").toString(), "fortio"), null);
        assertThat(install.exit()).as(install.out()).isZero();
        String fortio = install.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        String breaker = Files.readString(TestNode.HOME.resolve("demo/manifests/envoy-circuit-breaker.yaml"));
        String service = """
                apiVersion: v1
                kind: Service
                metadata: {name: echo-service, namespace: circuit-break}
                spec:
                  ports: [{port: 8080}]
                  selector: {app: echo-service}
                """;
        assertOk(node.apply(service));
        assertOk(node.sluice("pod", "run", "echo", "-n", "circuit-break", "--labels", "app=echo-service", "--port", "http=8080",
                "--", fortio, "server", "-http-port", "8080", "-grpc-port", "disabled", "-redirect-port", "disabled"));
        // each request takes 20 ms, so that concurrent ones overlap
        String url = "http://echo-service.circuit-break.svc.cluster.local:8080/echo?delay=20ms";
        try {
            for (int i = 0; i < 50 && node.inPod("tiefighter", "curl", "-s", "-m", "1", "-o", "/dev/null", url).exit() != 0; i++) {
                Thread.sleep(200);
            }
            assertOk(node.apply(breaker));
            assertThat(node.sluice("get", "ccec", "envoy-circuit-breaker").out())
                    .containsPattern("envoy-circuit-breaker\\s+True\\s+True\\s");
            java.util.Map<Integer, Integer> one = codes(node.inPod("tiefighter", fortio, "load", "-c", "1", "-qps", "0", "-n", "20", url));
            assertThat(one).isEqualTo(java.util.Map.of(200, 20));
            java.util.Map<Integer, Integer> four = codes(node.inPod("tiefighter", fortio, "load", "-c", "4", "-qps", "0", "-n", "40",
                    url));
            System.out.println("circuit breaker, 40 requests 4 at a time: " + four);
            assertThat(four.keySet()).containsExactlyInAnyOrder(200, 503);
            assertThat(four.get(503)).as(four.toString()).isBetween(4, 36);
            // Bad configs beside it: each says why, and the breaker goes on as before.
            TestNode.Result unknownType = node.apply(DEATHSTAR_LB.replace("envoy.config.cluster.v3.Cluster",
                    "envoy.config.cluster.v3.Clusterr"));
            assertThat(unknownType.exit()).isNotZero();
            assertThat(unknownType.out()).contains("CiliumEnvoyConfig default/deathstar-lb: spec.resources[2].@type: "
                    + "'type.googleapis.com/envoy.config.cluster.v3.Clusterr' is not one of");
            TestNode.Result twice = node.apply(DEATHSTAR_LB + "  - \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\n"
                    + "    name: default/deathstar\n    type: STATIC\n");
            assertThat(twice.exit()).isNotZero();
            assertThat(twice.out()).contains("spec.resources[3]: a second Cluster named 'default/deathstar' in this config");
            String nacked = DEATHSTAR_LB.replace("connect_timeout: 5s", "connect_timeout: 0s");
            assertOk(node.apply(nacked));
            try {
                assertThat(node.sluice("get", "cec", "deathstar-lb").out()).containsPattern("deathstar-lb\\s+True\\s+False\\s")
                        .contains("ConnectTimeout: value must be greater than 0s");
                assertThat(codes(node.inPod("tiefighter", fortio, "load", "-c", "1", "-qps", "0", "-n", "20", url)))
                        .isEqualTo(java.util.Map.of(200, 20));
                assertThat(codes(node.inPod("tiefighter", fortio, "load", "-c", "4", "-qps", "0", "-n", "40", url)))
                        .containsKey(503);
            } finally {
                node.delete(nacked);
            }
        } finally {
            node.delete(breaker);
            node.sluice("pod", "delete", "echo", "-n", "circuit-break");
            node.delete(service);
        }
    }

    /**
     * The lab's gRPC load balancing: grpcurl calls the currency service (3 replicas) straight to a
     * replica until its Service is annotated lb-l7; then through Envoy ({@code server: envoy}),
     * and with least_request 300 calls reach every replica.
     */
    @Test
    @Order(16)
    void grpcLoadBalancing_byAnnotation_goesThroughEnvoy_toEveryReplica() throws Exception {
        TestNode.Result install = TestNode.run(List.of(TestNode.HOME.resolve("scripts/install-tool.sh").toString(), "grpcurl"), null);
        assertThat(install.exit()).as(install.out()).isZero();
        String grpcurl = install.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        String service = """
                apiVersion: v1
                kind: Service
                metadata: {name: currencyservice, namespace: grpc}
                spec:
                  ports: [{name: grpc, port: 7000}]
                  selector: {app: currencyservice}
                """;
        String annotated = service.replace("namespace: grpc}", "namespace: grpc, annotations: "
                + "{service.cilium.io/lb-l7: enabled, service.cilium.io/lb-l7-algorithm: least_request}}");
        assertOk(node.apply(service));
        String sluice = TestNode.HOME.resolve("bin/sluice").toString();
        for (int i = 1; i <= 3; i++) {
            assertOk(node.sluice("pod", "run", "currency-" + i, "-n", "grpc", "--labels", "app=currencyservice", "--port", "grpc=7000",
                    "--", sluice, "demo", "currency", "--name", "currency-" + i));
        }
        String call = grpcurl + " -v -plaintext -max-time 2 -import-path " + TestNode.HOME.resolve("demo/proto") + " -proto currency.proto"
                + " currencyservice.grpc.svc.cluster.local:7000 hipstershop.CurrencyService/GetSupportedCurrencies";
        try {
            TestNode.Result direct = node.inPod("tiefighter", "sh", "-c", call);
            for (int i = 0; i < 50 && direct.exit() != 0; i++) {
                Thread.sleep(300);
                direct = node.inPod("tiefighter", "sh", "-c", call);
            }
            assertThat(direct.out()).contains("\"EUR\"").containsPattern("hostname: currency-\\d").doesNotContain("server: envoy");
            assertOk(node.apply(annotated));
            assertThat(node.sluice("get", "cec", "cilium-envoy-lb-currencyservice").out())
                    .containsPattern("grpc\\s+cilium-envoy-lb-currencyservice\\s+True\\s+True\\s");
            TestNode.Result loop = node.inPod("tiefighter", "sh", "-c", "for i in $(seq 1 300); do " + call + "; done");
            java.util.Map<String, Integer> replicas = new java.util.TreeMap<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("hostname: (currency-\\d)").matcher(loop.out());
            while (m.find()) {
                replicas.merge(m.group(1), 1, Integer::sum);
            }
            System.out.println("gRPC through Envoy, least_request, 300 calls: " + replicas);
            assertThat(loop.out().split("server: envoy", -1)).hasSize(301);
            assertThat(replicas.keySet()).containsExactly("currency-1", "currency-2", "currency-3");
            assertThat(replicas.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(300);
        } finally {
            node.delete(annotated);
            for (int i = 1; i <= 3; i++) {
                node.sluice("pod", "delete", "currency-" + i, "-n", "grpc");
            }
        }
    }

    static final String ECHO_LB = """
            apiVersion: cilium.io/v2
            kind: CiliumEnvoyConfig
            metadata: {name: envoy-lb-listener}
            spec:
              services: [{name: echo-same-node, namespace: default}, {name: echo-other-node, namespace: default}]
              resources:
              - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
                name: envoy-lb-listener
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: envoy-lb-listener
                      rds: {route_config_name: lb_route}
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
              - "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
                name: lb_route
                virtual_hosts:
                - name: lb_route
                  domains: ["*"]
                  routes:
                  - match: {prefix: /foo}
                    route:
                      prefix_rewrite: /
                      weighted_clusters:
                        clusters: [{name: default/echo-same-node, weight: 50}, {name: default/echo-other-node, weight: 50}]
                  - match: {prefix: /}
                    route:
                      weighted_clusters:
                        clusters: [{name: default/echo-same-node, weight: 50}, {name: default/echo-other-node, weight: 50}]
              - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                name: default/echo-same-node
                type: EDS
                connect_timeout: 5s
              - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                name: default/echo-other-node
                type: EDS
                connect_timeout: 5s
            """;

    static final String CLIENT2_POLICIES = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: client-egress-l7-http}
            spec:
              endpointSelector: {matchLabels: {name: client2}}
              egress:
              - toEndpoints: [{matchLabels: {kind: echo}}]
                toPorts: [{ports: [{port: "8080", protocol: TCP}], rules: {http: [{method: GET, path: /}]}}]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: client-egress-only-dns}
            spec:
              endpointSelector: {matchLabels: {name: client2}}
              egress: [{toEntities: [host], toPorts: [{ports: [{port: "53", protocol: ANY}]}]}]
            """;

    /**
     * The L7 traffic-management walkthrough: a client under an egress L7 policy (GET / only) and an
     * Envoy config over two echo Services that splits their requests 50/50 and rewrites /foo to /.
     * The config's upstream leg is still judged by the client's egress policy, after the rewrite:
     * /foo succeeds, /bar gets 403, and 1,000 requests split 50/50 within 5 %.
     */
    @Test
    @Order(17)
    void envoyConfigUnderAClientsEgressL7Policy_rewritesSplits_andThePolicyStillJudges() throws Exception {
        String sluice = TestNode.HOME.resolve("bin/sluice").toString();
        String services = "";
        for (String echo : new String[]{"echo-same-node", "echo-other-node"}) {
            services += "---\napiVersion: v1\nkind: Service\nmetadata: {name: " + echo + "}\nspec:\n  ports: [{port: 8080}]\n"
                    + "  selector: {app: " + echo + "}\n";
            assertOk(node.sluice("pod", "run", echo + "-1", "--labels", "kind=echo,app=" + echo, "--port", "http=8080",
                    "--", sluice, "demo", "deathstar", "--port", "8080", "--name", echo + "-1"));
        }
        assertOk(node.apply(services));
        assertOk(node.sluice("pod", "run", "client2", "--labels", "name=client2", "--", "sleep", "infinity"));
        String url = "http://echo-same-node.default.svc.cluster.local:8080";
        try {
            for (int i = 0; i < 50 && node.curl("client2", "GET", url + "/").exit() != 0; i++) {
                Thread.sleep(200);
            }
            assertOk(node.apply(CLIENT2_POLICIES));
            assertThat(node.inPod("client2", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2", url + "/").out())
                    .isEqualTo("200");
            assertThat(node.inPod("client2", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2", url + "/foo").out())
                    .isEqualTo("403");
            assertOk(node.apply(ECHO_LB));
            assertThat(node.sluice("get", "cec", "envoy-lb-listener").out()).containsPattern("envoy-lb-listener\\s+True\\s+True\\s");
            assertThat(node.inPod("client2", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2", url + "/foo").out())
                    .isEqualTo("200");
            TestNode.Result bar = node.inPod("client2", "curl", "-s", "-w", " %{http_code}", "-m", "2", url + "/bar");
            assertThat(bar.out()).isEqualTo("Access denied\r\n 403");
            TestNode.Result loop = node.inPod("client2", "sh", "-c", "for i in $(seq 1 1000); do curl -s -m 2 " + url + "/; echo; done");
            java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"hostname\":\"(echo-[a-z]+-node)-1\"").matcher(loop.out());
            while (m.find()) {
                counts.merge(m.group(1), 1, Integer::sum);
            }
            System.out.println("50/50 split over 1,000 requests: " + counts);
            assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(1000);
            assertThat(counts.get("echo-same-node")).as(counts.toString()).isBetween(450, 550);
        } finally {
            node.delete(ECHO_LB);
            node.delete(CLIENT2_POLICIES);
            node.delete(services);
            for (String pod : new String[]{"client2", "echo-same-node-1", "echo-other-node-1"}) {
                node.sluice("pod", "delete", pod);
            }
        }
    }

    /**
     * A config Envoy rejected for a passing reason (its listener's fixed port held by another
     * process) is tried again, as Cilium's envoy-config-retry-interval does, and is programmed
     * once the port is free.
     */
    @Test
    @Order(18)
    void aRejectedConfig_isTriedAgain_andProgrammedOnceItCanBe() throws Exception {
        Process squatter = new ProcessBuilder("python3", "-c", "import socket,time\ns=socket.socket()\n"
                + "s.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)")
                .redirectErrorStream(true).start();
        String fixed = DEATHSTAR_LB.replace("    name: lb\n", "    name: lb\n    address: {socket_address: {address: 127.0.0.1, port_value: PORT}}\n");
        try {
            String port = new java.io.BufferedReader(new java.io.InputStreamReader(squatter.getInputStream())).readLine().strip();
            String config = fixed.replace("PORT", port);
            assertOk(node.apply(config));
            assertThat(node.sluice("get", "cec", "deathstar-lb").out()).containsPattern("deathstar-lb\\s+True\\s+False\\s")
                    .contains("cannot bind");
            squatter.destroyForcibly().waitFor();
            long deadline = System.nanoTime() + 35_000_000_000L;
            while (!node.sluice("get", "cec", "deathstar-lb").out().matches("(?s).*deathstar-lb\\s+True\\s+True\\s.*")) {
                assertThat(System.nanoTime()).as("programmed within 35 s of the port coming free").isLessThan(deadline);
                Thread.sleep(500);
            }
            assertThat(TestNode.run(List.of("curl", "-s", "-m", "3", "-XPOST", "http://127.0.0.1:" + port + "/v1/request-landing"),
                    null).out()).isEqualTo("Ship landed\n");
            assertThat(node.sluice("config", "view").out()).contains("envoy-config-retry-interval\t15s");
        } finally {
            squatter.destroyForcibly().waitFor();
            node.delete(DEATHSTAR_LB);
        }
    }

    /** fortio's "Code 200 : 18 (90.0 %)" lines: response code to count. */
    static java.util.Map<Integer, Integer> codes(TestNode.Result fortio) {
        assertThat(fortio.exit()).as(fortio.out()).isZero();
        java.util.Map<Integer, Integer> out = new java.util.TreeMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^Code\\s+(-?\\d+) : (\\d+) ").matcher(fortio.out());
        while (m.find()) {
            out.put(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
        return out;
    }
}
