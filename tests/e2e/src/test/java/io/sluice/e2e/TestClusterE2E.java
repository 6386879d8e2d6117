package io.sluice.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test cluster the Kubernetes tests run on (scripts/cluster): a real single-node Kubernetes
 * (etcd, kube-apiserver, controller-manager, scheduler, kubelet with containerd, ptp and
 * sluice-cni) comes up with its node Ready and Sluice on it (CRDs, operator, agent), runs a pod from a locally built
 * image, which Sluice enforces, execs into it, and {@code down.sh} leaves the host as
 * {@code up.sh} found it.
 */
class TestClusterE2E {
    @Test
    void upRunsAPod_andDownLeavesTheHostAsItWas() throws Exception {
        Map<String, String> before = HostCleanupE2E.snapshot();
        TestCluster cluster = TestCluster.up();
        TestNode.Result down;
        try {
            assertThat(cluster.kubectl("get", "nodes", "--no-headers").out()).contains(" Ready ");
            TestNode.Result run = cluster.kubectl("run", "probe", "--image=docker.io/library/busybox:sluice",
                    "--image-pull-policy=Never", "--restart=Never", "--", "sleep", "3600");
            assertThat(run.exit()).as(run.out()).isZero();
            TestNode.Result ready = cluster.kubectl("wait", "--for=condition=Ready", "pod/probe", "--timeout=90s");
            assertThat(ready.exit()).as(ready.out() + cluster.kubectl("describe", "pod", "probe").out()).isZero();
            assertThat(cluster.kubectl("exec", "probe", "--", "hostname").out().strip()).isEqualTo("probe");
            assertThat(cluster.kubectl("get", "pod", "probe", "-o", "jsonpath={.status.podIP}").out()).startsWith("10.244.0.");
            assertThat(cluster.sluice("status").out()).contains("Kubernetes node").contains("tc programs on 1 endpoints");
            // The operator gave the probe's labels an identity; the agent enforces the probe under that number.
            String[] probeId = new String[1];
            waitFor(30, () -> (probeId[0] = ciliumIdentity(cluster, "probe")) != null);
            assertThat(cluster.sluice("get", "identities").out().lines()
                    .filter(l -> l.contains("k8s:run=probe")).findFirst()).hasValueSatisfying(l -> assertThat(l).contains(probeId[0]));
            // Cilium's CRDs, generated from the operator's model, under Cilium's short names; the operator holds its lease.
            TestNode.Result crds = cluster.kubectl("get", "cnp,ccnp,ciliumid,cec,ccec", "-A");
            assertThat(crds.exit()).as(crds.out()).isZero();
            assertThat(cluster.kubectl("get", "lease", "sluice-operator", "-n", "kube-system", "-o",
                    "jsonpath={.spec.holderIdentity}").out()).isNotBlank();
            // Sluice runs as users of its own with the roles of k8s/rbac: what it needs, and nothing an attacker would want.
            Map<String, Boolean> agent = Map.of("watch pods", true, "patch ciliumnetworkpolicies --subresource=status", true,
                    "list ciliumidentities", true, "update ciliumnetworkpolicies", false, "delete pods", false,
                    "create pods", false, "get secrets", false, "create ciliumidentities", false);
            Map<String, Boolean> operator = Map.of("create ciliumidentities", true, "patch ciliumclusterwidenetworkpolicies --subresource=status",
                    true, "update ciliumclusterwidenetworkpolicies", false, "delete pods", false, "get secrets", false,
                    "update leases/sluice-operator -n kube-system", true, "update leases/kube-scheduler -n kube-system", false);
            agent.forEach((what, allowed) -> assertThat(canI(cluster, "sluice-agent", what)).as("sluice-agent: " + what)
                    .isEqualTo(allowed));
            operator.forEach((what, allowed) -> assertThat(canI(cluster, "sluice-operator", what)).as("sluice-operator: " + what)
                    .isEqualTo(allowed));
            // and with the agent's own credentials, the attack itself fails
            TestNode.Result attack = cluster.kubectlAs("sluice-agent", "delete", "pod", "probe", "--wait=false");
            assertThat(attack.exit()).isNotZero();
            assertThat(attack.out()).contains("Forbidden");
            assertThat(cluster.kubectl("get", "pod", "probe", "-o", "jsonpath={.metadata.deletionTimestamp}").out()).isEmpty();
            envoyConfigs_getTheirValidCondition(cluster);
            operatorReplicas_takeTurns(cluster);
        } finally {
            down = cluster.down();
        }
        assertThat(down.exit()).as(down.out()).isZero();
        assertThat(cluster.dir).doesNotExist();
        Map<String, String> after = HostCleanupE2E.snapshot();
        HostCleanupE2E.HOST.keySet().forEach(k -> assertThat(after.get(k)).as(k).isEqualTo(before.get(k)));
    }

    /**
     * The lab's circuit breaker is valid; a config with a type Envoy configs cannot carry says
     * which, where kubectl shows it; a Service annotated for L7 load balancing gets its config.
     */
    private static void envoyConfigs_getTheirValidCondition(TestCluster cluster) throws Exception {
        TestNode.Result lab = cluster.apply(Files.readString(TestNode.HOME.resolve("demo/manifests/envoy-circuit-breaker.yaml")));
        assertThat(lab.exit()).as(lab.out()).isZero();
        TestNode.Result bad = cluster.apply("""
                apiVersion: cilium.io/v2
                kind: CiliumEnvoyConfig
                metadata: {name: odd, namespace: default}
                spec:
                  resources: [{"@type": type.googleapis.com/envoy.config.core.v3.Address}]
                """);
        assertThat(bad.exit()).as(bad.out()).isZero();
        waitFor(30, () -> cluster.kubectl("get", "ccec", "envoy-circuit-breaker", "--no-headers").out()
                .matches("envoy-circuit-breaker\\s+\\S+\\s+True\\s*"));
        waitFor(30, () -> cluster.kubectl("get", "cec", "odd", "--no-headers").out().matches("odd\\s+\\S+\\s+False\\s*"));
        assertThat(cluster.kubectl("get", "cec", "odd", "-o", "jsonpath={.status.conditions[0].message}").out())
                .startsWith("CiliumEnvoyConfig default/odd: spec.resources[0].@type: 'type.googleapis.com/envoy.config.core.v3.Address'"
                        + " is not one of envoy.config.listener.v3.Listener,");
        // L7 load balancing by annotation: the operator writes the Service's config, owned by it, and takes it back.
        TestNode.Result web = cluster.apply("""
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                  annotations: {service.cilium.io/lb-l7: enabled, service.cilium.io/lb-l7-algorithm: least_request}
                spec:
                  selector: {run: probe}
                  ports: [{port: 80}]
                """);
        assertThat(web.exit()).as(web.out()).isZero();
        waitFor(30, () -> cluster.kubectl("get", "cec", "cilium-envoy-lb-web", "--no-headers").out()
                .matches("cilium-envoy-lb-web\\s+\\S+\\s+True\\s*"));
        assertThat(cluster.kubectl("get", "cec", "cilium-envoy-lb-web", "-o",
                "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.spec.resources[2].lbPolicy}"
                        + " {.spec.services[0].name}").out()).isEqualTo("Service/web LEAST_REQUEST web");
        assertThat(cluster.kubectl("annotate", "service", "web", "service.cilium.io/lb-l7-").exit()).isZero();
        waitFor(30, () -> cluster.kubectl("get", "cec", "cilium-envoy-lb-web", "--ignore-not-found").out().isBlank());
    }

    /**
     * A second replica of the operator waits while the first holds the lease; the first, stopped
     * with SIGTERM, exits promptly; the second then takes the lease, validates what comes next and
     * collects the identities no pod uses any more.
     */
    private static void operatorReplicas_takeTurns(TestCluster cluster) throws Exception {
        long first = Long.parseLong(Files.readString(cluster.dir.resolve("run/sluice-operator.pid")).strip());
        Process second = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx96m",
                TestCluster.OPERATOR_ARGS, "-Dkubeconfig=" + cluster.dir.resolve("admin.kubeconfig"), "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=9235", "-jar", TestNode.HOME.resolve("services/operator/target/quarkus-app/quarkus-run.jar")
                .toString()).redirectErrorStream(true).redirectOutput(cluster.dir.resolve("logs/sluice-operator-2.log").toFile())
                .start();
        try {
            String holder = cluster.kubectl("get", "lease", "sluice-operator", "-n", "kube-system", "-o",
                    "jsonpath={.spec.holderIdentity}").out();
            assertThat(holder).endsWith("_" + first);
            waitFor(30, () -> TestNode.run(List.of("curl", "-fsS", "http://127.0.0.1:9235/q/health/live"), null).exit() == 0);
            ProcessHandle leader = ProcessHandle.of(first).orElseThrow();
            leader.destroy();
            assertThat(leader.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
            TestNode.Result late = cluster.apply("""
                    apiVersion: cilium.io/v2
                    kind: CiliumNetworkPolicy
                    metadata: {name: late}
                    spec:
                      endpointSelector: {}
                      ingress: [{toPorts: [{ports: [{port: "99999"}]}]}]
                    """);
            assertThat(late.exit()).as(late.out()).isZero();
            // the lease lasts 15 s after its holder's last renewal
            waitFor(30, () -> cluster.kubectl("get", "cnp", "late", "--no-headers").out().matches("late\\s+\\S+\\s+False\\s*"));
            assertThat(cluster.kubectl("get", "lease", "sluice-operator", "-n", "kube-system", "-o",
                    "jsonpath={.spec.holderIdentity}").out()).endsWith("_" + second.pid());
            // the new leader collects identities: the probe's goes 10 s (the test cluster's grace) after the probe
            assertThat(cluster.kubectl("delete", "pod", "probe", "--grace-period=1").exit()).isZero();
            waitFor(40, () -> ciliumIdentity(cluster, "probe") == null);
        } finally {
            second.destroy();
            if (!second.waitFor(10, TimeUnit.SECONDS)) {
                second.destroyForcibly().waitFor();
            }
        }
    }

    private static boolean canI(TestCluster cluster, String user, String what) {
        List<String> args = new java.util.ArrayList<>(List.of("auth", "can-i"));
        args.addAll(List.of(what.split(" ")));
        args.addAll(List.of("--as", user));
        return cluster.kubectl(args.toArray(String[]::new)).exit() == 0; // 0: yes, 1: no
    }

    /** The name (number) of the CiliumIdentity whose labels include run=NAME (kubectl run's label), or null. */
    private static String ciliumIdentity(TestCluster cluster, String run) {
        String all = cluster.kubectl("get", "ciliumid", "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.security-labels}{\"\\n\"}{end}").out();
        return all.lines().filter(l -> l.contains("\"k8s:run\":\"" + run + "\"")).map(l -> l.split(" ")[0]).findFirst()
                .orElse(null);
    }

    private static void waitFor(int seconds, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within %d s", seconds).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
