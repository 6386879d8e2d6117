package io.sluice.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lab's steps 1-12 on a real Kubernetes cluster with Sluice on it, as a user does them: the
 * Star Wars app and the lab's policies with kubectl, requests with kubectl exec, flows with the
 * stock hubble CLI. Then what a node must survive: a deathstar pod replaced, the agent killed,
 * the API server away.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StarWarsClusterE2E {
    static final String LAND = "deathstar.default.svc.cluster.local/v1/request-landing";
    static TestCluster cluster;
    /** The deathstar Service's ClusterIP. */
    static String deathstarIp;

    @BeforeAll
    static void up() {
        cluster = TestCluster.up();
        TestNode.Result apply = cluster.apply(resource("cluster/sw-app.yaml"));
        assertThat(apply.exit()).as(apply.out()).isZero();
        assertThat(apply.out()).contains("service/deathstar created", "deployment.apps/deathstar created", "pod/tiefighter created",
                "pod/xwing created");
        TestNode.Result rollout = cluster.kubectl("rollout", "status", "deployment/deathstar", "--timeout=120s");
        assertThat(rollout.exit()).as(rollout.out()).isZero();
        TestNode.Result ready = cluster.kubectl("wait", "--for=condition=Ready", "pod/tiefighter", "pod/xwing", "--timeout=120s");
        assertThat(ready.exit()).as(ready.out()).isZero();
        deathstarIp = cluster.kubectl("get", "service", "deathstar", "-o", "jsonpath={.spec.clusterIP}").out().strip();
        assertThat(deathstarIp).startsWith("10.32.0.");
    }

    @AfterAll
    static void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void beforeAnyPolicy_bothShipsLand_throughTheServiceByName() {
        assertThat(land("xwing").out()).isEqualTo("Ship landed\n");
        assertThat(land("tiefighter").out()).isEqualTo("Ship landed\n");
        String flows = cluster.hubble("observe", "--to-pod", "default/deathstar", "--from-pod", "default/xwing", "--last", "50").out();
        assertThat(flows).containsPattern("default/xwing:\\d+ \\(ID:\\d+\\) -> default/deathstar-[a-z0-9]+-[a-z0-9]+:80 \\(ID:\\d+\\)"
                + " to-endpoint FORWARDED \\(TCP Flags: SYN\\)");
        // the lab's four pods and Hubble relay; the deathstar's two backends, hubble-relay's and hubble-peer's
        assertThat(cluster.sluice("status").out()).contains("tc programs on 5 endpoints").contains("4 backends");
    }

    /**
     * A CiliumEnvoyConfig goes into the node's Envoy: the operator says it is valid, the agent says
     * on the object what Envoy made of it on this node (the listener's port), and the listener
     * reaches the deathstar's ready endpoints. A change Envoy rejects says why there while the
     * version Envoy took keeps serving. Then the lb-l7 annotation on the deathstar Service.
     */
    @Test
    @Order(2)
    void anEnvoyConfig_isProgrammedOnTheNode_andItsStatusSaysSo() {
        TestNode.Result apply = cluster.apply(StarWarsE2E.DEATHSTAR_LB);
        assertThat(apply.exit()).as(apply.out()).isZero();
        try {
            String[] port = new String[1];
            waitUntil(30, () -> cluster.kubectl("get", "cec", "deathstar-lb", "-o", "jsonpath={.status.nodes.*.programmed}").out()
                    .equals("True"));
            // the operator's Valid condition, written independently of the node's entry
            waitUntil(30, () -> cluster.kubectl("get", "cec", "deathstar-lb", "--no-headers").out()
                    .matches("deathstar-lb\\s+\\S+\\s+True\\s*"));
            port[0] = cluster.kubectl("get", "cec", "deathstar-lb", "-o", "jsonpath={.status.nodes.*.listeners}").out()
                    .replaceAll("(?s).*\"default/deathstar-lb/lb\":(\\d+).*", "$1");
            assertThat(Integer.parseInt(port[0])).isBetween(10000, 20000);
            String url = "http://127.0.0.1:" + port[0] + "/v1/request-landing";
            assertThat(TestNode.run(List.of("curl", "-s", "-i", "-m", "3", "-XPOST", url), null).out()).contains("Ship landed")
                    .containsIgnoringCase("x-envoy-upstream-service-time");
            TestNode.Result bad = cluster.apply(StarWarsE2E.DEATHSTAR_LB.replace("connect_timeout: 5s", "connect_timeout: 0s"));
            assertThat(bad.exit()).as(bad.out()).isZero();
            waitUntil(30, () -> cluster.kubectl("get", "cec", "deathstar-lb", "-o", "jsonpath={.status.nodes.*.programmed}").out()
                    .equals("False"));
            assertThat(cluster.kubectl("get", "cec", "deathstar-lb", "-o", "jsonpath={.status.nodes.*.message}").out())
                    .isEqualTo("default/deathstar: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value"
                            + " must be greater than 0s)");
            assertThat(TestNode.run(List.of("curl", "-s", "-m", "3", "-XPOST", url), null).out()).isEqualTo("Ship landed\n");
        } finally {
            assertThat(cluster.kubectl("delete", "cec", "deathstar-lb").exit()).isZero();
        }
        // L7 load balancing by annotation, end to end: the operator writes the Service's config, the
        // agent programs it, and the tiefighter's requests to the Service go through Envoy; without
        // the annotation they go straight to a backend again.
        assertThat(cluster.kubectl("annotate", "service", "deathstar", "service.cilium.io/lb-l7=enabled").exit()).isZero();
        waitUntil(30, () -> cluster.kubectl("get", "cec", "cilium-envoy-lb-deathstar", "-o",
                "jsonpath={.status.nodes.*.programmed}").out().equals("True"));
        waitUntil(10, () -> viaEnvoy());
        for (int i = 0; i < 5; i++) {
            assertThat(viaEnvoy()).isTrue();
        }
        assertThat(cluster.kubectl("annotate", "service", "deathstar", "service.cilium.io/lb-l7-").exit()).isZero();
        waitUntil(30, () -> cluster.kubectl("get", "cec", "cilium-envoy-lb-deathstar", "--ignore-not-found").out().isBlank());
        waitUntil(10, () -> !viaEnvoy());
        assertThat(land("tiefighter").out()).isEqualTo("Ship landed\n");
    }

    /** Whether the tiefighter's landing request to the deathstar Service is answered through Envoy. */
    private static boolean viaEnvoy() {
        String out = cluster.kubectl("exec", "tiefighter", "--", "curl", "-s", "-i", "--max-time", "2", "-XPOST", LAND).out();
        return out.contains("Ship landed") && out.toLowerCase(java.util.Locale.ROOT).contains("x-envoy-upstream-service-time");
    }

    private static void waitUntil(int seconds, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within %d s", seconds).isLessThan(deadline);
            sleep(200);
        }
    }

    @Test
    @Order(3)
    void l4Policy_xwingTimesOut_tiefighterLands() {
        TestNode.Result apply = cluster.apply(demo("l4-policy.yaml"));
        assertThat(apply.out()).contains("ciliumnetworkpolicy.cilium.io/rule1 created");
        enforcedWithin5s(() -> !land("xwing").out().contains("Ship landed"));
        assertThat(land("tiefighter").out()).isEqualTo("Ship landed\n");
        TestNode.Result xwing = land("xwing");
        assertThat(xwing.exit()).as(xwing.out()).isNotZero();
        assertThat(xwing.out()).doesNotContain("Ship landed");
        String drops = cluster.hubble("observe", "--to-pod", "default/deathstar", "--from-pod", "default/xwing",
                "--verdict", "DROPPED", "--last", "20").out();
        assertThat(drops).containsPattern("default/xwing:\\d+ \\(ID:\\d+\\) <> default/deathstar-\\S+:80 \\(ID:\\d+\\)"
                + " Policy denied DROPPED \\(TCP Flags: SYN\\)");
        String verdicts = cluster.hubble("observe", "--to-pod", "default/deathstar", "--type", "policy-verdict", "--last", "20").out();
        assertThat(verdicts).contains("policy-verdict:none INGRESS DENIED").contains("policy-verdict:L3-L4 INGRESS ALLOWED");
        // The node says what it made of the policy, where kubectl shows it.
        String node = cluster.kubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").out().strip();
        enforcedWithin5s(() -> cluster.kubectl("get", "cnp", "rule1", "--no-headers").out().matches("rule1\\s+\\S+\\s+True\\s*"));
        assertThat(cluster.kubectl("get", "cnp", "rule1", "-o", "jsonpath={.status.nodes." + node + ".enforcing}").out()).isEqualTo("true");
    }

    @Test
    @Order(4)
    void aPolicyTheApiServerAcceptsButSluiceCannotEnforce_saysWhyInItsStatus_andNothingElseChanges() {
        TestNode.Result apply = cluster.apply("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: broken}
                spec:
                  endpointSelector: {matchLabels: {class: tiefighter}}
                  egress: [{toPorts: [{ports: [{port: "70000"}]}]}]
                """);
        assertThat(apply.exit()).as(apply.out()).isZero();
        enforcedWithin5s(() -> cluster.kubectl("get", "cnp", "broken", "--no-headers").out().matches("broken\\s+\\S+\\s+False\\s*"));
        assertThat(cluster.kubectl("get", "cnp", "broken", "-o", "jsonpath={.status.conditions[0].message}").out())
                .contains("spec.egress[0].toPorts[0].ports[0].port: '70000' is out of range");
        assertThat(cluster.sluice("status").out()).contains("Policy:").contains("CiliumNetworkPolicy default/broken");
        // The condition is the operator's; beside it, the node's own entry says it does not enforce the policy.
        String node = cluster.kubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").out().strip();
        enforcedWithin5s(() -> cluster.kubectl("get", "cnp", "broken", "-o", "jsonpath={.status.nodes." + node + ".enforcing}")
                .out().equals("false"));
        // Cluster-wide, with the operator an API server lets through (the schema keeps it a string) and Cilium refuses.
        TestNode.Result ccnp = cluster.apply("""
                apiVersion: cilium.io/v2
                kind: CiliumClusterwideNetworkPolicy
                metadata: {name: sometimes}
                spec:
                  endpointSelector: {matchExpressions: [{key: class, operator: Sometimes, values: [xwing]}]}
                """);
        assertThat(ccnp.exit()).as(ccnp.out()).isZero();
        enforcedWithin5s(() -> cluster.kubectl("get", "ccnp", "sometimes", "--no-headers").out()
                .matches("sometimes\\s+\\S+\\s+False\\s*"));
        assertThat(cluster.kubectl("get", "ccnp", "sometimes", "-o", "jsonpath={.status.conditions[0].message}").out())
                .isEqualTo("CiliumClusterwideNetworkPolicy sometimes: spec.endpointSelector.matchExpressions[0].operator: "
                        + "'Sometimes' is not one of In, NotIn, Exists, DoesNotExist");
        assertThat(cluster.kubectl("delete", "ccnp", "sometimes").exit()).isZero();
        // the tiefighter is not locked in by a policy that is not enforced, and rule1 still holds
        assertThat(land("tiefighter").out()).isEqualTo("Ship landed\n");
        assertThat(land("xwing").out()).doesNotContain("Ship landed");
        assertThat(cluster.kubectl("delete", "cnp", "broken").exit()).isZero();
    }

    @Test
    @Order(5)
    void l7Policy_putIsDenied_postLands() {
        TestNode.Result apply = cluster.apply(demo("l7-policy.yaml"));
        assertThat(apply.out()).contains("ciliumnetworkpolicy.cilium.io/rule1 configured");
        enforcedWithin5s(() -> put().out().equals("Access denied\r\n"));
        assertThat(put().out()).isEqualTo("Access denied\r\n");
        assertThat(land("tiefighter").out()).isEqualTo("Ship landed\n");
        // Envoy's access log reaches Hubble a moment after the answer (it is read at idle CPU priority).
        String flows = "";
        for (int i = 0; i < 50 && !flows.contains("http-request FORWARDED"); i++) {
            sleep(100);
            flows = cluster.hubble("observe", "--from-pod", "default/tiefighter", "--to-pod", "default/deathstar", "--last", "50").out();
        }
        assertThat(flows).contains("to-proxy FORWARDED")
                .contains("http-request DROPPED (HTTP/1.1 PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port)")
                .contains("http-request FORWARDED (HTTP/1.1 POST http://" + LAND + ")");
    }

    @Test
    @Order(6)
    void aReplacedDeathstar_isEnforcedFromItsFirstAddress() {
        List<String> before = deathstars();
        TestNode.Result del = cluster.kubectl("delete", "pod", before.get(0), "--wait=false");
        assertThat(del.exit()).as(del.out()).isZero();
        String ip = "";
        for (int i = 0; i < 300 && ip.isEmpty(); i++) {
            ip = cluster.kubectl("get", "pods", "-l", "class=deathstar", "-o",
                    "jsonpath={range .items[*]}{.metadata.name} {.status.podIP}{\"\\n\"}{end}").out().lines()
                    .map(l -> l.split(" ")).filter(f -> f.length == 2 && !before.contains(f[0])).map(f -> f[1])
                    .findFirst().orElse("");
            sleep(100);
        }
        assertThat(ip).as("replacement's address").isNotEmpty();
        // The moment the replacement has an address it is already enforced: the xwing never reaches it.
        TestNode.Result xwing = cluster.kubectl("exec", "xwing", "--", "curl", "-s", "--max-time", "2", "-XPOST",
                "http://" + ip + "/v1/request-landing");
        assertThat(xwing.out()).doesNotContain("Ship landed");
        TestNode.Result tie = cluster.kubectl("exec", "tiefighter", "--", "curl", "-s", "--max-time", "3", "--retry", "5",
                "--retry-connrefused", "-XPOST", "http://" + ip + "/v1/request-landing");
        assertThat(tie.out()).isEqualTo("Ship landed\n");
    }

    @Test
    @Order(7)
    void theAgentKilled_enforcementGoesOn() throws Exception {
        CompletableFuture<String> tie = CompletableFuture.supplyAsync(() -> loop("tiefighter", 25));
        CompletableFuture<String> xwing = CompletableFuture.supplyAsync(() -> loop("xwing", 25));
        sleep(1500);
        long pid = cluster.agentPid();
        assertThat(TestNode.run(List.of("kill", "-9", Long.toString(pid)), null).exit()).isZero();
        sleep(2000);
        TestNode.Result up = cluster.script("up.sh");
        assertThat(up.exit()).as(up.out()).isZero();
        assertThat(cluster.agentPid()).isNotEqualTo(pid);
        String t = tie.get(), x = xwing.get();
        assertThat(t.lines().filter(l -> l.equals("Ship landed")).count()).as(t).isEqualTo(25);
        assertThat(x).doesNotContain("Ship landed");
        assertThat(land("tiefighter").out()).isEqualTo("Ship landed\n");
    }

    /**
     * Upgrades as Kubernetes does them, under load through the L7 policy: a rollout restart of the
     * agent's DaemonSet loses no request (Envoy, in a DaemonSet of its own, serves on); one of
     * Envoy's DaemonSet starts the new Envoy before it stops the old one (their listeners share
     * the ports), and the requests lost on the way, if any, are counted here; the new Envoy
     * serves, with the L7 policy, once the old one has gone.
     */
    @Test
    @Order(8)
    void rolloutRestarts_theAgentLosesNoRequest_EnvoysAreCounted() throws Exception {
        long pid = cluster.agentPid();
        CompletableFuture<String> during = CompletableFuture.supplyAsync(() -> loop("tiefighter", 40));
        sleep(1000);
        rolloutRestart("sluice-agent");
        waitUntil(60, () -> cluster.agentPid() != pid && cluster.sluice("status").exit() == 0);
        String agent = during.get();
        assertThat(agent.lines().filter(l -> l.equals("Ship landed")).count()).as(agent).isEqualTo(40);
        assertThat(put().out()).isEqualTo("Access denied\r\n");

        during = CompletableFuture.supplyAsync(() -> loop("tiefighter", 40));
        sleep(1000);
        rolloutRestart("sluice-envoy");
        String envoy = during.get();
        long failed = 40 - envoy.lines().filter(l -> l.equals("Ship landed")).count();
        System.out.println("Envoy's DaemonSet restarted under load: " + failed + " of 40 requests failed");
        waitUntil(30, () -> land("tiefighter").out().equals("Ship landed\n"));
        assertThat(put().out()).isEqualTo("Access denied\r\n");
        // The old pod has gone without taking the new one's sockets: the agent programs the new
        // Envoy through envoy-xds, and reads its admin.
        waitUntil(30, () -> agentHealth().matches("(?s).*\"problems\":\\s*\"none\".*"));
        TestNode.Result dump = cluster.sluice("envoy", "config-dump");
        assertThat(dump.exit()).as(dump.out()).isZero();
    }

    /** The agent's readiness, as its pod's probe reads it from the node API's socket. */
    private static String agentHealth() {
        return TestNode.run(List.of("curl", "-s", "--max-time", "2", "--unix-socket", cluster.dir.resolve("sluice/api.sock").toString(),
                "http://localhost/q/health/ready"), null).out();
    }

    /** The operator's readiness, as its pod's probe reads it (127.0.0.1:9234 of the node). */
    private static String operatorHealth() {
        return TestNode.run(List.of("curl", "-s", "--max-time", "2", "http://127.0.0.1:9234/q/health/ready"), null).out();
    }

    private static void rolloutRestart(String daemonSet) {
        TestNode.Result restart = cluster.kubectl("rollout", "restart", "daemonset/" + daemonSet, "-n", "kube-system");
        assertThat(restart.exit()).as(restart.out()).isZero();
        TestNode.Result status = cluster.kubectl("rollout", "status", "daemonset/" + daemonSet, "-n", "kube-system",
                "--timeout=120s");
        assertThat(status.exit()).as(status.out()).isZero();
    }

    /**
     * Last, since the cluster's own controllers take their time after it: the node was NotReady
     * meanwhile, and the controller-manager was seen to make a new Service's EndpointSlice only
     * a minute or more later.
     */
    @Test
    @Order(13)
    void theApiServerAway_enforcementGoesOn_andLaterChangesAreEnforcedWithin5s() throws Exception {
        // the lab's L4 policy again (the exam removed every policy)
        TestNode.Result l4 = cluster.apply(demo("l4-policy.yaml"));
        assertThat(l4.exit()).as(l4.out()).isZero();
        enforcedWithin5s(() -> !curlFromPod("xwing").contains("Ship landed"));
        Path pidFile = cluster.dir.resolve("run/kube-apiserver.pid");
        String pid = Files.readString(pidFile).strip();
        // killed, as a crash: a TERM would have it drain its watches for up to 60 s
        assertThat(TestNode.run(List.of("kill", "-KILL", pid), null).exit()).isZero();
        long until = System.nanoTime() + 30_000_000_000L;
        int checks = 0;
        while (System.nanoTime() < until) {
            // No kubectl exec without an API server: the ships' requests go from their network namespaces.
            assertThat(curlFromPod("tiefighter")).isEqualTo("Ship landed\n");
            assertThat(curlFromPod("xwing")).doesNotContain("Ship landed");
            checks++;
            sleep(3000);
        }
        assertThat(checks).isGreaterThanOrEqualTo(5);
        assertThat(cluster.sluice("status").out()).containsPattern("Kubernetes: +Error +API server \\S+ unreachable since");
        // and the agent's pod is not ready meanwhile (its readiness probe asks this), saying why;
        // nor is the operator's: DOWN (api-server), or not answering while it restarts, having
        // lost its leader lease
        assertThat(agentHealth()).containsPattern("\"status\":\\s*\"DOWN\"").contains("unreachable since");
        waitUntil(30, () -> !operatorHealth().matches("(?s)\\{\\s*\"status\":\\s*\"UP\".*"));
        TestNode.Result up = cluster.script("up.sh");
        assertThat(up.exit()).as(up.out()).isZero();
        waitUntil(30, () -> agentHealth().matches("(?s).*\"problems\":\\s*\"none\".*"));
        waitUntil(60, () -> operatorHealth().matches("(?s)\\{\\s*\"status\":\\s*\"UP\".*"));
        // The alliance is let in: enforced within 5 s of the API server accepting it.
        String alliance = demo("l4-policy.yaml").replace("    - matchLabels:\n        org: empire", "    - matchLabels:\n        org: alliance");
        assertThat(alliance).contains("org: alliance");
        TestNode.Result apply = cluster.apply(alliance);
        assertThat(apply.exit()).as(apply.out()).isZero();
        long t0 = System.nanoTime();
        String got = "";
        while (System.nanoTime() - t0 < 5_000_000_000L && !got.equals("Ship landed\n")) {
            got = curlFromPod("xwing");
        }
        assertThat(got).as("xwing within 5 s of the change").isEqualTo("Ship landed\n");
    }

    /** curl in the pod's network namespace from the host (through its container's process, found by its hostname). */
    private static String curlFromPod(String pod) {
        String pids = TestNode.run(List.of("pgrep", "-f", "/starwars json-mock"), null).out();
        for (String pid : pids.lines().toList()) {
            String host = TestNode.run(List.of("nsenter", "-t", pid, "-u", "hostname"), null).out().strip();
            if (host.equals(pod)) {
                return TestNode.run(List.of("nsenter", "-t", pid, "-n", "curl", "-s", "--max-time", "2", "-XPOST",
                        "http://" + deathstarIp + "/v1/request-landing"), null).out();
            }
        }
        throw new AssertionError("no process of pod " + pod + " among " + pids);
    }


    static final String DARKSTAR = """
            apiVersion: v1
            kind: Service
            metadata: {name: darkstar}
            spec:
              ports: [{port: 80}]
              selector: {org: empire, class: darkstar}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: darkstar}
            spec:
              replicas: 2
              selector: {matchLabels: {org: empire, class: darkstar}}
              template:
                metadata: {labels: {org: empire, class: darkstar}}
                spec:
                  containers:
                  - {name: darkstar, image: docker.io/cilium/starwars, imagePullPolicy: IfNotPresent}
            """;

    /**
     * The lab's exam on the cluster: the empire's connections go to the deathstar-lb config's
     * listener and are split 80/20 between the deathstars and the darkstars; the xwing is dropped.
     * Before the config exists, the node says on the policy that it drops the listener's traffic.
     */
    @Test
    @Order(9)
    void examListenerPolicy_splitsTheEmpires80to20() {
        assertThat(cluster.kubectl("delete", "cnp", "--all").exit()).isZero();
        TestNode.Result apply = cluster.apply(DARKSTAR);
        assertThat(apply.exit()).as(apply.out()).isZero();
        String node = cluster.kubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").out().strip();
        String url = "http://" + deathstarIp + "/v1/";
        try {
            TestNode.Result rollout = cluster.kubectl("rollout", "status", "deployment/darkstar", "--timeout=120s");
            assertThat(rollout.exit()).as(rollout.out()).isZero();
            // the cluster's DNS is not needed: the deathstar Service by its address
            String policies = StarWarsE2E.EXAM_POLICIES.replace("toEntities: [host], toPorts", "toEntities: [host, cluster], toPorts");
            assertThat(cluster.apply(policies).exit()).isZero();
            waitUntil(30, () -> cluster.kubectl("get", "cnp", "empire-to-deathstar", "-o",
                    "jsonpath={.status.nodes." + node + ".error}").out().contains("no CiliumEnvoyConfig default/deathstar-lb"));
            assertThat(cluster.kubectl("get", "cnp", "empire-to-deathstar", "-o", "jsonpath={.status.nodes." + node + ".enforcing}")
                    .out()).isEqualTo("false");
            assertThat(cluster.apply(StarWarsE2E.EXAM_LB).exit()).isZero();
            waitUntil(30, () -> cluster.kubectl("get", "cnp", "empire-to-deathstar", "-o",
                    "jsonpath={.status.nodes." + node + ".enforcing}").out().equals("true"));
            // The darkstars are new: the split is counted once the listener has reached one of them.
            String[] seen = {""};
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!(seen[0] = cluster.kubectl("exec", "tiefighter", "--", "sh", "-c", "for i in $(seq 1 20); do curl -s"
                    + " --max-time 1 -w ' [%{http_code}]' " + url + "; echo; done").out()).contains("\"hostname\":\"darkstar-")) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no darkstar answered within 30 s; the last 20 answers:\n" + seen[0]
                            + "\n" + cluster.diagnosis("darkstar"));
                }
                sleep(200);
            }
            String out = cluster.kubectl("exec", "tiefighter", "--", "sh", "-c",
                    "for i in $(seq 1 200); do curl -s --max-time 2 " + url + "; echo; done").out();
            java.util.Map<String, Integer> counts = StarWars.byHostnamePrefix(out);
            System.out.println("exam split over 200 requests on the cluster: " + counts);
            // a lost request or two on this busy machine is not what the exam checks: the split is
            int answered = counts.values().stream().mapToInt(Integer::intValue).sum();
            assertThat(answered).as(out).isGreaterThanOrEqualTo(190);
            assertThat(counts.get("deathstar") * 200 / answered).as(counts.toString()).isBetween(140, 180);
            TestNode.Result xwing = cluster.kubectl("exec", "xwing", "--", "curl", "-s", "--max-time", "2", url);
            assertThat(xwing.exit()).as(xwing.out()).isNotZero();
        } finally {
            cluster.kubectl("delete", "cnp", "dns", "empire-to-deathstar", "--ignore-not-found");
            cluster.kubectl("delete", "cec", "deathstar-lb", "--ignore-not-found");
            cluster.kubectlWithInput(DARKSTAR, "delete", "-f", "-", "--ignore-not-found");
        }
    }

    /** The lab's circuit-breaker app: an echo service and a fortio client (the fortio/fortio image, built locally). */
    static final String CIRCUIT_BREAK_APP = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: circuit-break}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo-service, namespace: circuit-break}
            spec:
              ports: [{port: 8080}]
              selector: {app: echo-service}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: echo-service, namespace: circuit-break}
            spec:
              selector: {matchLabels: {app: echo-service}}
              template:
                metadata: {labels: {app: echo-service}}
                spec:
                  containers:
                  - name: echo
                    image: fortio/fortio:latest
                    imagePullPolicy: IfNotPresent
                    args: [server, -http-port, "8080", -grpc-port, disabled, -redirect-port, disabled]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: fortio-deploy, namespace: circuit-break}
            spec:
              selector: {matchLabels: {app: fortio}}
              template:
                metadata: {labels: {app: fortio}}
                spec:
                  containers:
                  - name: fortio
                    image: fortio/fortio:latest
                    imagePullPolicy: IfNotPresent
                    args: [server, -http-port, "8080", -grpc-port, disabled, -redirect-port, disabled]
            """;

    /**
     * The lab's circuit breaker on the cluster, with the lab's commands: its
     * CiliumClusterwideEnvoyConfig unchanged, fortio from the fortio-deploy pod; one client at a
     * time always gets through, four at a time overflow the breaker and get 503s.
     */
    @Test
    @Order(10)
    void labCircuitBreaker_onTheCluster() {
        TestNode.Result apply = cluster.apply(CIRCUIT_BREAK_APP);
        assertThat(apply.exit()).as(apply.out()).isZero();
        try {
            for (String d : new String[]{"echo-service", "fortio-deploy"}) {
                TestNode.Result rollout = cluster.kubectl("-n", "circuit-break", "rollout", "status", "deployment/" + d, "--timeout=120s");
                assertThat(rollout.exit()).as(rollout.out()).isZero();
            }
            assertThat(cluster.apply(demo("envoy-circuit-breaker.yaml")).exit()).isZero();
            waitUntil(30, () -> cluster.kubectl("get", "ccec", "envoy-circuit-breaker", "-o", "jsonpath={.status.nodes.*.programmed}")
                    .out().equals("True"));
            // by its address: the cluster DNS may still be catching up after the API server's restart
            String ip = cluster.kubectl("-n", "circuit-break", "get", "service", "echo-service", "-o", "jsonpath={.spec.clusterIP}")
                    .out().strip();
            String url = "http://" + ip + ":8080/echo?delay=20ms";
            java.util.function.Function<String, java.util.Map<Integer, Integer>> load = c -> StarWarsE2E.codes(cluster.kubectl(
                    "-n", "circuit-break", "exec", "deploy/fortio-deploy", "-c", "fortio", "--", "/usr/bin/fortio", "load", "-c", c,
                    "-qps", "0", "-n", c.equals("1") ? "20" : "40", url));
            assertThat(load.apply("1")).isEqualTo(java.util.Map.of(200, 20));
            java.util.Map<Integer, Integer> four = load.apply("4");
            System.out.println("circuit breaker on the cluster, 40 requests 4 at a time: " + four);
            assertThat(four.keySet()).containsExactlyInAnyOrder(200, 503);
        } finally {
            cluster.kubectl("delete", "ccec", "envoy-circuit-breaker", "--ignore-not-found");
            cluster.kubectl("delete", "namespace", "circuit-break", "--wait=false");
        }
    }

    /**
     * The lab's "L7 Load-Balancing with Kubernetes Services + Annotations": grpcurl from a pod to
     * the currency service (3 replicas) goes to one replica per connection; annotated
     * {@code service.cilium.io/lb-l7: enabled}, the calls go through Envoy ({@code server: envoy})
     * and spread over the replicas, and least_request keeps doing so.
     */
    @Test
    @Order(11)
    void grpcLoadBalancing_byAnnotation_spreadsTheCallsOverTheReplicas() {
        TestNode.Result apply = cluster.apply(GRPC_APP.replace("DEMO_IMAGE", demoImage()));
        assertThat(apply.exit()).as(apply.out()).isZero();
        try {
            TestNode.Result rollout = cluster.kubectl("-n", "grpc", "rollout", "status", "deployment/currencyservice", "--timeout=120s");
            assertThat(rollout.exit()).as(rollout.out()).isZero();
            TestNode.Result ready = cluster.kubectl("-n", "grpc", "wait", "--for=condition=Ready", "pod/pod-worker", "--timeout=60s");
            assertThat(ready.exit()).as(ready.out()).isZero();
            String direct = grpcCalls(1);
            assertThat(direct).contains("\"EUR\"").containsPattern("hostname: currencyservice-").doesNotContain("server: envoy");

            assertThat(cluster.kubectl("-n", "grpc", "annotate", "service", "currencyservice", "service.cilium.io/lb-l7=enabled").exit())
                    .isZero();
            waitUntil(30, () -> cluster.kubectl("-n", "grpc", "get", "cec", "cilium-envoy-lb-currencyservice", "-o",
                    "jsonpath={.status.nodes.*.programmed}").out().equals("True"));
            waitUntil(30, () -> grpcCalls(1).contains("server: envoy"));
            java.util.Map<String, Integer> replicas = counts("hostname: (currencyservice-\\S+)", grpcCalls(30));
            System.out.println("gRPC through Envoy on the cluster, round_robin, 30 calls: " + replicas);
            assertThat(replicas).hasSize(3);

            assertThat(cluster.kubectl("-n", "grpc", "annotate", "service", "currencyservice",
                    "service.cilium.io/lb-l7-algorithm=least_request").exit()).isZero();
            waitUntil(30, () -> cluster.kubectl("-n", "grpc", "get", "cec", "cilium-envoy-lb-currencyservice", "-o",
                    "jsonpath={.spec.resources[2].lbPolicy}").out().equals("LEAST_REQUEST"));
            replicas = counts("hostname: (currencyservice-\\S+)", grpcCalls(30));
            System.out.println("gRPC through Envoy on the cluster, least_request, 30 calls: " + replicas);
            assertThat(replicas.size()).isGreaterThanOrEqualTo(2);
        } finally {
            cluster.kubectl("delete", "namespace", "grpc", "--wait=false");
        }
    }

    /**
     * The L7 traffic-management walkthrough on the cluster: a client under an egress L7 policy
     * (GET / only) and an Envoy config over two echo Services that splits requests 50/50 and
     * rewrites /foo to /; the client's policy still judges the upstream leg, after the rewrite.
     */
    @Test
    @Order(12)
    void envoyConfigUnderAClientsEgressL7Policy_rewritesSplits_andThePolicyStillJudges() {
        StringBuilder app = new StringBuilder();
        String image = demoImage();
        for (String echo : List.of("echo-same-node", "echo-other-node")) {
            app.append(ECHO_APP.replace("ECHO", echo).replace("DEMO_IMAGE", image));
        }
        app.append(CLIENT2);
        TestNode.Result apply = cluster.apply(app.toString());
        assertThat(apply.exit()).as(apply.out()).isZero();
        try {
            for (String echo : List.of("echo-same-node", "echo-other-node")) {
                TestNode.Result rollout = cluster.kubectl("rollout", "status", "deployment/" + echo, "--timeout=120s");
                assertThat(rollout.exit()).as(rollout.out()).isZero();
            }
            assertThat(cluster.kubectl("wait", "--for=condition=Ready", "pod/client2", "--timeout=60s").exit()).isZero();
            waitUntil(30, () -> client2("/").equals("200"));
            assertThat(cluster.apply(StarWarsE2E.CLIENT2_POLICIES).exit()).isZero();
            waitUntil(30, () -> client2("/foo").equals("403"));
            assertThat(client2("/")).isEqualTo("200");

            assertThat(cluster.apply(StarWarsE2E.ECHO_LB).exit()).isZero();
            waitUntil(30, () -> cluster.kubectl("get", "cec", "envoy-lb-listener", "-o", "jsonpath={.status.nodes.*.programmed}")
                    .out().equals("True"));
            waitUntil(30, () -> client2("/foo").equals("200"));
            assertThat(cluster.kubectl("exec", "client2", "--", "curl", "-s", "-w", " %{http_code}", "-m", "2",
                    ECHO_URL + "/bar").out()).isEqualTo("Access denied\r\n 403");
            String loop = cluster.kubectl("exec", "client2", "--", "sh", "-c", "i=0; while [ $i -lt 400 ]; do curl -s -m 2 "
                    + ECHO_URL + "/; echo; i=$((i+1)); done").out();
            java.util.Map<String, Integer> counts = counts("\"hostname\":\"(echo-[a-z]+-node)-", loop);
            System.out.println("50/50 split on the cluster over 400 requests: " + counts);
            assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).as(counts.toString()).isEqualTo(400);
            assertThat(counts.get("echo-same-node")).as(counts.toString()).isBetween(160, 240);
        } finally {
            cluster.kubectl("delete", "cec", "envoy-lb-listener", "--ignore-not-found");
            cluster.kubectl("delete", "cnp", "client-egress-l7-http", "client-egress-only-dns", "--ignore-not-found");
            cluster.kubectl("delete", "deployment,service", "echo-same-node", "echo-other-node", "--ignore-not-found");
            cluster.kubectl("delete", "pod", "client2", "--ignore-not-found", "--wait=false");
        }
    }

    static final String ECHO_URL = "http://echo-same-node.default.svc.cluster.local:8080";

    /** client2's HTTP code for GET path on the echo service. */
    private static String client2(String path) {
        return cluster.kubectl("exec", "client2", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2",
                ECHO_URL + path).out();
    }

    /** One echo application of the walkthrough: the demo's HTTP server, answering with its pod's name. */
    static final String ECHO_APP = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: ECHO}
            spec:
              replicas: 1
              selector: {matchLabels: {app: ECHO}}
              template:
                metadata: {labels: {app: ECHO, kind: echo}}
                spec:
                  containers:
                    - name: echo
                      image: DEMO_IMAGE
                      imagePullPolicy: IfNotPresent
                      args: [demo, deathstar, --port, "8080"]
                      ports: [{containerPort: 8080}]
                      readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: ECHO}
            spec:
              selector: {app: ECHO}
              ports: [{port: 8080}]
            ---
            """;

    static final String CLIENT2 = """
            apiVersion: v1
            kind: Pod
            metadata: {name: client2, labels: {name: client2}}
            spec:
              containers:
                - name: client
                  image: docker.io/nicolaka/netshoot:latest
                  imagePullPolicy: IfNotPresent
                  command: [sleep, "3600"]
            """;

    /** n calls of GetSupportedCurrencies from pod-worker, each a connection of its own, with grpcurl's -v headers. */
    private static String grpcCalls(int n) {
        return cluster.kubectl("-n", "grpc", "exec", "pod-worker", "--", "sh", "-c", "i=0; while [ $i -lt " + n + " ]; do"
                + " grpcurl -v -plaintext -max-time 2 -import-path /root -proto demo.proto currencyservice:7000"
                + " hipstershop.CurrencyService/GetSupportedCurrencies; i=$((i+1)); done").out();
    }

    /** How often each value of the pattern's group occurs in text. */
    private static java.util.Map<String, Integer> counts(String pattern, String text) {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(pattern).matcher(text);
        while (m.find()) {
            out.merge(m.group(1), 1, Integer::sum);
        }
        return out;
    }

    /** The demo applications' image, of the same version as the agent's. */
    private static String demoImage() {
        return cluster.kubectl("get", "daemonset", "sluice-agent", "-n", "kube-system", "-o",
                "jsonpath={.spec.template.spec.containers[0].image}").out().replace("/agent:", "/demo:");
    }

    /** The lab's gRPC application, reduced to its currency service, and its client pod. */
    static final String GRPC_APP = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: grpc}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: currencyservice, namespace: grpc}
            spec:
              replicas: 3
              selector: {matchLabels: {app: currencyservice}}
              template:
                metadata: {labels: {app: currencyservice}}
                spec:
                  containers:
                    - name: server
                      image: DEMO_IMAGE
                      imagePullPolicy: IfNotPresent
                      args: [demo, currency]
                      ports: [{containerPort: 7000}]
                      readinessProbe: {tcpSocket: {port: 7000}, periodSeconds: 1}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: currencyservice, namespace: grpc}
            spec:
              selector: {app: currencyservice}
              ports: [{name: grpc, port: 7000, targetPort: 7000}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: pod-worker, namespace: grpc}
            spec:
              containers:
                - name: netshoot
                  image: docker.io/nicolaka/netshoot:latest
                  imagePullPolicy: IfNotPresent
                  command: [sleep, "3600"]
            """;

    private static String loop(String pod, int n) {
        return cluster.kubectl("exec", pod, "--", "sh", "-c", "for i in $(seq 1 " + n + "); do curl -s --max-time 1 -XPOST " + LAND
                + "; echo; sleep 0.3; done").out();
    }

    private static List<String> deathstars() {
        return List.of(cluster.kubectl("get", "pods", "-l", "class=deathstar", "-o", "jsonpath={.items[*].metadata.name}").out()
                .strip().split("\\s+"));
    }

    /** A change the API server accepted is enforced within 5 s (the check is retried until then). */
    private static void enforcedWithin5s(java.util.function.BooleanSupplier enforced) {
        long t0 = System.nanoTime();
        StringBuilder tries = new StringBuilder();
        while (!enforced.getAsBoolean()) {
            tries.append(String.format("not yet at %.2f s%n", (System.nanoTime() - t0) / 1e9));
            assertThat(System.nanoTime() - t0).as("enforced within 5 s:\n" + tries).isLessThan(5_000_000_000L);
            sleep(200);
        }
    }

    private static TestNode.Result put() {
        return cluster.kubectl("exec", "tiefighter", "--", "curl", "-s", "--max-time", "3", "-XPUT",
                "deathstar.default.svc.cluster.local/v1/exhaust-port");
    }

    private static TestNode.Result land(String pod) {
        return cluster.kubectl("exec", pod, "--", "curl", "-s", "--max-time", "2", "-XPOST", LAND);
    }

    private static String demo(String name) {
        try {
            return Files.readString(TestNode.HOME.resolve("demo/manifests").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (var in = StarWarsClusterE2E.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
