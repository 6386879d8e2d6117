package io.sluice.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sluice.e2e.StarWarsE2E.assertOk;
import static io.sluice.e2e.StarWarsE2E.landed;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lab's L7 part with the real Envoy: the kernel hands policied connections to Envoy's
 * transparent listener, Envoy enforces the HTTP rules it got over xDS.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class L7PolicyE2E {
    static final String DEATHSTAR = "http://deathstar.default.svc.cluster.local";
    static final String WORLD_IP = "192.168.217.2";
    static TestNode node;
    static WorldHost world;

    @BeforeAll
    static void deploy() throws Exception {
        // A client outside the node, on a device the node is told about (--devices).
        world = new WorldHost("se2e-l7world", WORLD_IP, TestNode.HOME.resolve("bin/sluice").toString());
        node = new TestNode(19886, 217, "--devices", world.hostIf());
        StarWars.deploy(node);
        assertOk(node.apply(Files.readString(TestNode.HOME.resolve("demo/manifests/l7-policy.yaml"))));
    }

    @AfterAll
    static void purge() {
        if (node != null) {
            node.close();
        }
        if (world != null) {
            world.close();
        }
    }

    static TestNode.Result put(String pod) {
        return node.curl(pod, "PUT", DEATHSTAR + "/v1/exhaust-port");
    }

    @Test
    @Order(1)
    void labL7Policy_putIsDenied_postLands_xwingTimesOut() throws InterruptedException {
        // The apply answers once Envoy acknowledged, or after 2 s: an Envoy still starting may
        // take its first listeners later, and until then the L7 path drops (fails closed).
        TestNode.Result denied = put("tiefighter");
        for (int i = 0; i < 40 && denied.out().isEmpty(); i++) {
            Thread.sleep(250);
            denied = put("tiefighter");
        }
        assertThat(denied.out()).isEqualTo("Access denied\r\n");
        assertThat(node.inPod("tiefighter", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2", "-XPUT",
                DEATHSTAR + "/v1/exhaust-port").out()).isEqualTo("403");
        assertThat(landed(node.land("tiefighter"))).isTrue();
        assertThat(node.land("xwing").exit()).isEqualTo(StarWarsE2E.TIMEOUT);
        assertThat(node.sluice("status").out()).containsPattern("Envoy: +OK");
        // Hubble as the node's own observer counts it, and its relay as the relay's readiness says
        // (the node it knows), without a gRPC call from the CLI
        TestNode.Result status = node.sluice("status");
        for (int i = 0; i < 40 && !status.out().contains("Hubble Relay:         OK"); i++) {
            Thread.sleep(250);
            status = node.sluice("status");
        }
        assertThat(status.out()).containsPattern("Hubble: +OK +Current/Max Flows: [0-9,]+/[0-9,]+ \\([0-9.]+%\\), Flows/s: [0-9.]+")
                .contains("Hubble Relay:         OK   localhost:" + node.relayPort + ", 1 node\n");
        // the node's metrics counted the L7 policy's way into Envoy: pushed until acknowledged
        assertThat(TestNode.run(List.of("curl", "-s", "http://127.0.0.1:" + node.metricsPort + "/metrics"), null).out())
                .containsPattern("(?m)^sluice_xds_convergence_seconds_count\\{type=\"Listener\",\\} [1-9]")
                .containsPattern("(?m)^sluice_policy_regeneration_seconds_count [1-9]");
    }

    /**
     * A client that is not a pod of the node (fromCIDR) gets the same HTTP rules: the node hands
     * its connection to Envoy where it enters, on the device given with --devices.
     */
    @Test
    @Order(2)
    void clientOutsideTheNode_getsTheHttpRulesThroughTheProxy() throws Exception {
        String policy = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: world-l7}
                spec:
                  endpointSelector: {matchLabels: {class: deathstar}}
                  ingress:
                  - fromCIDR: [%s/32]
                    toPorts:
                    - ports: [{port: "80", protocol: TCP}]
                      rules: {http: [{method: POST, path: /v1/request-landing}]}
                """.formatted(WORLD_IP);
        assertOk(node.apply(policy));
        try {
            String deathstar = node.sluice("pod", "list").out().lines().filter(l -> l.contains(" deathstar-1 "))
                    .map(l -> l.trim().split("\\s+")[3]).findFirst().orElseThrow();
            assertThat(node.sluice("status").out()).contains("devices " + world.hostIf());
            TestNode.Result landed = null;
            for (int i = 0; i < 20; i++) { // until Envoy has the new rules
                landed = world.exec("curl", "-s", "-m", "2", "-XPOST", "http://" + deathstar + "/v1/request-landing");
                if (landed.out().equals("Ship landed\n")) {
                    break;
                }
                Thread.sleep(250);
            }
            assertThat(landed.out()).isEqualTo("Ship landed\n");
            assertThat(world.exec("curl", "-s", "-m", "2", "-XPUT", "http://" + deathstar + "/v1/exhaust-port").out())
                    .isEqualTo("Access denied\r\n");
        } finally {
            assertOk(node.delete(policy));
        }
    }

    @Test
    @Order(2)
    void accessLogs_becomeL7Records_andTheConfigIsInspectable() throws Exception {
        put("tiefighter");
        String l7 = "";
        for (int i = 0; i < 30 && !l7.contains("exhaust-port"); i++) {
            Thread.sleep(200);
            l7 = node.sluice("monitor", "--type", "l7").out();
        }
        assertThat(l7).contains("http-request DROPPED (HTTP/1.1 PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port)")
                .containsPattern("X-Request-Id [0-9a-f-]{36}");
        assertThat(node.sluice("envoy", "config-dump", "--name-regex", ".*ingress.*").out())
                .contains("sluice/ingress-proxy").doesNotContain("sluice/egress-proxy");
        // The admin API is also on 127.0.0.1 when enabled (the test node enables it on port + 1).
        assertThat(TestNode.run(List.of("curl", "-s", "http://127.0.0.1:" + node.envoyAdminPort + "/ready"), null).out())
                .isEqualTo("LIVE\n");
    }

    @Test
    @Order(3)
    void egressL7Rule_onAClient_isEnforced() {
        String policy = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: xwing-get-only}
                spec:
                  endpointSelector: {matchLabels: {class: xwing}}
                  egress:
                  - toEndpoints: [{matchLabels: {class: deathstar}}]
                    toPorts:
                    - ports: [{port: "80", protocol: TCP}]
                      rules: {http: [{method: GET, path: "/"}]}
                  - toEntities: [host]
                """;
        String open = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: deathstar-open}
                spec:
                  endpointSelector: {matchLabels: {class: deathstar}}
                  ingress: [{fromEntities: [all]}]
                """;
        assertOk(node.apply(open));
        assertOk(node.apply(policy));
        try {
            assertThat(node.curl("xwing", "GET", DEATHSTAR + "/").out()).contains("Death Star");
            assertThat(node.inPod("xwing", "curl", "-s", "-m", "2", "-XPOST", DEATHSTAR + "/v1/request-landing").out())
                    .isEqualTo("Access denied\r\n");
        } finally {
            assertOk(node.delete(policy));
            assertOk(node.delete(open));
        }
    }

    @Test
    @Order(4)
    void configEnvoyRejects_isShownInStatus_andTheLastGoodOneStaysInForce() throws Exception {
        // RE2/J accepts this pattern; Envoy's RE2 refuses it (program size over its limit of 100).
        String big = "/v1/(alpha|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|juliet|kilo|lima){20}";
        String policy = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: xwing-too-big}
                spec:
                  endpointSelector: {matchLabels: {class: xwing}}
                  egress:
                  - toPorts:
                    - ports: [{port: "8080", protocol: TCP}]
                      rules: {http: [{path: "PATH"}]}
                  - toEntities: [all]
                """.replace("PATH", big);
        assertOk(node.apply(policy));
        try {
            // Envoy asks for the new route once it has warmed the listener; its NACK follows.
            String status = "";
            for (int i = 0; i < 50 && !status.contains("Envoy last NACK"); i++) {
                Thread.sleep(200);
                status = node.sluice("status").out();
            }
            assertThat(status).contains("Envoy last NACK").contains("program size");
            assertThat(put("tiefighter").out()).isEqualTo("Access denied\r\n");
            assertThat(landed(node.land("tiefighter"))).isTrue();
        } finally {
            assertOk(node.delete(policy));
        }
        String status = node.sluice("status").out();
        for (int i = 0; i < 50 && status.contains("Envoy last NACK"); i++) {
            Thread.sleep(200);
            status = node.sluice("status").out();
        }
        assertThat(status).doesNotContain("Envoy last NACK");
    }

    @Test
    @Order(5)
    void agentOrXdsKilled_noRequestFails() throws Exception {
        for (String victim : List.of("agent", "envoy-xds")) {
            Loop loop = Loop.start("tiefighter");
            Thread.sleep(1000);
            long pid = victim.equals("agent") ? node.agentPid() : node.pidOf(victim);
            TestNode.run(List.of("kill", "-9", Long.toString(pid)), null);
            Thread.sleep(1500);
            if (victim.equals("agent")) {
                assertOk(node.restart());
            }
            Thread.sleep(1500);
            loop.finish();
            assertThat(loop.ok.get()).as(victim).isGreaterThan(10);
            assertThat(loop.failed.get()).as("failed requests while %s was killed", victim).isZero();
        }
    }

    @Test
    @Order(6)
    void envoyKilled_failsClosed_andWorksWithin2sOfItsRestart() throws Exception {
        long old = node.pidOf("envoy");
        TestNode.run(List.of("kill", "-9", Long.toString(old)), null);
        // While Envoy is gone the PUT must never reach the deathstar unfiltered.
        TestNode.Result during = node.inPod("tiefighter", "curl", "-s", "-m", "1", "-XPUT", DEATHSTAR + "/v1/exhaust-port");
        assertThat(during.out()).doesNotContain("Panic");
        long restartedAt = 0;
        for (int i = 0; i < 100 && restartedAt == 0; i++) {
            long now = node.pidOf("envoy");
            if (now != old && now != 0) {
                restartedAt = System.nanoTime();
            }
            Thread.sleep(20);
        }
        assertThat(restartedAt).as("the supervisor restarts Envoy").isPositive();
        boolean ok = false;
        while (!ok && System.nanoTime() - restartedAt < 2_000_000_000L) {
            ok = landed(node.inPod("tiefighter", "curl", "-s", "-m", "0.3", "-XPOST", DEATHSTAR + "/v1/request-landing"));
        }
        assertThat(ok).as("a request succeeds within 2 s of Envoy's restart").isTrue();
        assertThat(put("tiefighter").out()).isEqualTo("Access denied\r\n");
    }

    /** Requests in a loop from a pod, counting successes and failures. */
    record Loop(Thread thread, AtomicBoolean stop, AtomicInteger ok, AtomicInteger failed) {
        static Loop start(String pod) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ok = new AtomicInteger(), failed = new AtomicInteger();
            Thread t = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    (landed(node.inPod(pod, "curl", "-s", "-m", "2", "-XPOST", DEATHSTAR + "/v1/request-landing")) ? ok : failed)
                            .incrementAndGet();
                }
            });
            return new Loop(t, stop, ok, failed);
        }

        void finish() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }

    @Test
    @Order(7)
    void observe_showsTheLabsL7Lines_json_filters_andMetrics() throws Exception {
        put("tiefighter");
        String request = "http-request DROPPED (HTTP/1.1 PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port)";
        TestNode.Result l7 = node.observeUntil(List.of(request, "to-proxy FORWARDED"), "--from-pod", "default/tiefighter",
                "--to-pod", "default/deathstar", "--last", "300");
        assertThat(l7.out()).containsPattern("default/tiefighter:\\d+ \\(ID:\\d+\\) -> default/deathstar-\\d:80 \\(ID:\\d+\\) "
                + "to-proxy FORWARDED \\(TCP Flags: SYN\\)");
        assertThat(l7.out()).containsPattern("default/tiefighter:\\d+ \\(ID:\\d+\\) -> default/deathstar-\\d:80 \\(ID:\\d+\\) "
                + java.util.regex.Pattern.quote(request));
        assertThat(l7.out()).containsPattern("policy-verdict:L3-L4 INGRESS ALLOWED \\(TCP Flags: SYN\\)");

        assertThat(landed(node.land("tiefighter"))).isTrue();
        JsonNode first = json(node.observeUntil(List.of("POST"), "--protocol", "http", "--from-pod", "default/tiefighter",
                "--http-method", "POST", "-o", "jsonpb").out().lines().findFirst().orElseThrow()).path("flow").path("l7");
        assertThat(first.path("type").asText()).isEqualTo("REQUEST");
        assertThat(first.path("http").path("method").asText()).isEqualTo("POST");
        assertThat(first.path("http").path("url").asText()).isEqualTo(DEATHSTAR + "/v1/request-landing");
        assertThat(first.path("http").path("protocol").asText()).isEqualTo("HTTP/1.1");
        assertThat(first.path("http").path("headers").findValuesAsText("key")).contains("X-Request-Id", "User-Agent");
        JsonNode reply = json(node.observe("--protocol", "http", "--to-pod", "default/tiefighter", "--http-status", "200",
                "-o", "jsonpb").out().lines().reduce((a, b) -> b).orElseThrow()).path("flow");
        assertThat(reply.path("l7").path("type").asText()).isEqualTo("RESPONSE");
        assertThat(reply.path("l7").path("http").path("code").asInt()).isEqualTo(200);
        assertThat(reply.path("l7").path("latency_ns").asLong()).isPositive();
        assertThat(reply.path("is_reply").asBoolean()).isTrue();
        String id = requestId(first);
        assertThat(id).isNotEmpty();
        assertThat(node.observe("--protocol", "http", "-n", "default", "--http-header", "X-Request-Id:" + id, "-o", "jsonpb")
                .out().lines().map(l -> json(l).path("flow").path("l7").path("type").asText()).toList())
                .as("request and response of one exchange, found by X-Request-Id").containsExactly("REQUEST", "RESPONSE");

        assertThat(node.observe("--type", "trace:to-proxy", "--last", "50").out().lines())
                .isNotEmpty().allMatch(l -> l.contains(" to-proxy FORWARDED ("));
        assertThat(node.observe("--protocol", "http", "--from-pod", "default/tiefighter", "--traffic-direction", "egress").out())
                .as("the lab's L7 rules are ingress rules").isEmpty();
        assertThat(node.observe("--http-status", "403", "--last", "5").out().lines())
                .isNotEmpty().allMatch(l -> l.contains("http-response FORWARDED (HTTP/1.1 403"));
        assertThat(node.observe("-n", "default", "--not", "--verdict", "FORWARDED", "--last", "50").out().lines())
                .isNotEmpty().allMatch(l -> l.contains(" DROPPED (") || l.contains(" DENIED ("));

        TestNode.Result bad = node.observe("--protocol", "bogus");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.out()).contains("Error: invalid request: protocol: unknown protocol 'bogus'");

        String metrics = TestNode.run(List.of("curl", "-s", "http://127.0.0.1:" + node.metricsPort + "/metrics"), null).out();
        assertThat(metrics).contains("hubble_http_requests_total{method=\"POST\",protocol=\"HTTP/1.1\",reporter=\"server\",status=\"200\"}")
                .contains("hubble_http_requests_total{method=\"PUT\",protocol=\"HTTP/1.1\",reporter=\"server\",status=\"403\"}")
                .contains("hubble_flows_processed_total{").contains("hubble_http_request_duration_seconds_bucket{")
                .contains("# TYPE hubble_lost_events_total counter")
                // the node's own, after Hubble's: reconciles, endpoints, Envoy's acknowledgements per type
                .contains("sluice_policy_regeneration_seconds_bucket{").containsPattern("(?m)^sluice_endpoints [1-9]")
                .contains("# TYPE sluice_xds_convergence_seconds histogram").contains("jvm_memory_used_bytes{");
        // how full the maps are: the pods' policy rows, above nothing and far from full
        var policyMaps = java.util.regex.Pattern.compile("(?m)^sluice_bpf_map_pressure\\{map_name=\"sluice_pol\",?} (\\S+)$")
                .matcher(metrics);
        assertThat(policyMaps.find()).as(metrics).isTrue();
        assertThat(Double.parseDouble(policyMaps.group(1))).isStrictlyBetween(0.0, 0.01);
        assertThat(metrics).containsPattern("(?m)^sluice_bpf_map_pressure\\{map_name=\"sluice_ipcache\",?} ");
        // and all of it reads with Prometheus' own client's text-format parser, each family once
        String python = TestNode.run(List.of(TestNode.HOME.resolve("scripts/install-promparser.sh").toString()), null).out().strip();
        TestNode.Result parsed = TestNode.run(List.of(python, "-c", """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                names = [f.name for f in text_string_to_metric_families(sys.stdin.read())]
                assert len(names) == len(set(names)), names
                print(len(names), "families")
                """), metrics);
        assertThat(parsed.exit()).as(parsed.out()).isZero();
        // the repository's Grafana dashboard asks only for metrics the node has
        String dashboard = java.nio.file.Files.readString(TestNode.HOME.resolve("k8s/dashboards/sluice.json"));
        var asked = java.util.regex.Pattern.compile("\\b(?:hubble|sluice)_[a-z_]+").matcher(dashboard).results()
                .map(m -> m.group().replaceAll("_(bucket|count|sum)$", "")).distinct().toList();
        assertThat(asked).hasSizeGreaterThan(5).allSatisfy(name -> assertThat(metrics).contains("# TYPE " + name + " "));
        assertThat(node.sluice("status", "--hubble-server", "localhost:" + node.relayPort).out())
                .containsPattern("Hubble Relay: +OK").contains("Current/Max Flows: ").contains("Connected Nodes: 1/1");
    }

    @Test
    @Order(8)
    void observeFollow_printsNewFlowsAsTheyCome() throws Exception {
        Process follow = new ProcessBuilder(TestNode.HOME.resolve("bin/sluice").toString(), "observe", "--server",
                "localhost:" + node.relayPort, "-f", "--protocol", "http", "--from-pod", "default/tiefighter")
                .redirectErrorStream(true).start();
        // The reader ends when the process does: closing its stream first would wait for a next line.
        var lines = new java.util.concurrent.LinkedBlockingQueue<String>();
        Thread.ofVirtual().start(() -> new java.io.BufferedReader(new java.io.InputStreamReader(follow.getInputStream()))
                .lines().forEach(lines::add));
        try {
            String line = null;
            for (int i = 0; i < 20 && line == null; i++) {
                put("tiefighter");
                line = lines.poll(1, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertThat(line).contains("http-request DROPPED (HTTP/1.1 PUT " + DEATHSTAR + "/v1/exhaust-port)");
        } finally {
            follow.destroy();
        }
    }

    @Test
    @Order(9)
    void relay_reportsAnAgentThatIsGone_andServesItAgainWhenItReturns() throws Exception {
        new ProcessBuilder("kill", "-9", Long.toString(node.agentPid())).start().waitFor();
        String status = "";
        for (int i = 0; i < 30 && !status.contains("Connected Nodes: 0/1"); i++) {
            Thread.sleep(300);
            status = node.sluice("status", "--hubble-server", "localhost:" + node.relayPort).out();
        }
        assertThat(status).contains("Connected Nodes: 0/1").containsPattern("Unavailable nodes: +" + node.prefix);
        TestNode.Result during = node.observe("--last", "5");
        assertThat(during.exit()).as("the relay keeps serving").isZero();
        assertThat(during.out()).contains("Node " + node.prefix + ": NODE_UNAVAILABLE");
        assertOk(node.restart());
        put("tiefighter");
        assertThat(node.observeUntil(List.of("exhaust-port"), "--protocol", "http", "--last", "5").out())
                .contains("http-request DROPPED (HTTP/1.1 PUT " + DEATHSTAR + "/v1/exhaust-port)");
    }

    /**
     * The lab's "match request ids" step: with an egress L7 policy on the tiefighter as well, one
     * request passes the egress proxy and then the deathstar's ingress proxy, and the four L7 flows
     * (egress request, ingress request, ingress response, egress response) share its X-Request-Id.
     */
    @Test
    @Order(10)
    void egressAndIngressL7_oneRequestPassesBothProxies_fourFlowsShareItsRequestId() throws Exception {
        String policy = """
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: tiefighter}
                spec:
                  endpointSelector: {matchLabels: {class: tiefighter}}
                  egress:
                  - toEndpoints: [{matchLabels: {class: deathstar}}]
                    toPorts:
                    - ports: [{port: "80", protocol: TCP}]
                      rules: {http: [{method: POST, path: /v1/request-landing}, {method: PUT}]}
                  - toEntities: [host]
                """;
        assertOk(node.apply(policy));
        try {
            assertThat(landed(node.land("tiefighter"))).isTrue();
            assertThat(put("tiefighter").out()).as("allowed on the way out, denied on the way in").isEqualTo("Access denied\r\n");
            assertThat(node.inPod("tiefighter", "curl", "-s", "-m", "2", DEATHSTAR + "/v1/").out())
                    .as("denied on the way out").isEqualTo("Access denied\r\n");
            assertThat(node.land("xwing").exit()).isEqualTo(StarWarsE2E.TIMEOUT);

            List<JsonNode> flows = node.observeUntil(List.of("EGRESS"), "--namespace", "default", "--protocol", "http",
                    "--http-method", "POST", "--last", "100", "-o", "jsonpb").out().lines().map(l -> json(l).path("flow")).toList();
            String id = flows.stream().filter(f -> f.path("traffic_direction").asText().equals("EGRESS")
                            && f.path("l7").path("type").asText().equals("REQUEST"))
                    .map(f -> requestId(f.path("l7"))).reduce((a, b) -> b).orElseThrow();
            List<String> same = flows.stream().filter(f -> id.equals(requestId(f.path("l7"))))
                    .map(f -> f.path("traffic_direction").asText() + " " + f.path("l7").path("type").asText() + " "
                            + f.path("source").path("pod_name").asText().replaceAll("-\\d+$", "") + " -> "
                            + f.path("destination").path("pod_name").asText().replaceAll("-\\d+$", ""))
                    .toList();
            assertThat(same).containsExactly(
                    "EGRESS REQUEST tiefighter -> deathstar",
                    "INGRESS REQUEST tiefighter -> deathstar",
                    "INGRESS RESPONSE deathstar -> tiefighter",
                    "EGRESS RESPONSE deathstar -> tiefighter");
        } finally {
            assertOk(node.delete(policy));
        }
        assertThat(landed(node.land("tiefighter"))).isTrue();
    }

    /** The X-Request-Id of a flow's l7 part, empty when it has none. */
    static String requestId(JsonNode l7) {
        return l7.path("http").path("headers").findParents("key").stream()
                .filter(h -> h.path("key").asText().equals("X-Request-Id")).map(h -> h.path("value").asText())
                .findFirst().orElse("");
    }

    static JsonNode json(String line) {
        try {
            return new ObjectMapper().readTree(line);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

}
