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
            // Cilium's CRDs, generated from the operator's model, under Cilium's short names; the operator holds its lease.
            TestNode.Result crds = cluster.kubectl("get", "cnp,ccnp,ciliumid,cec,ccec", "-A");
            assertThat(crds.exit()).as(crds.out()).isZero();
            assertThat(cluster.kubectl("get", "lease", "sluice-operator", "-n", "kube-system", "-o",
                    "jsonpath={.spec.holderIdentity}").out()).isNotBlank();
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
     * A second replica of the operator waits while the first holds the lease; the first, stopped
     * with SIGTERM, exits promptly; the second then takes the lease and validates what comes next.
     */
    private static void operatorReplicas_takeTurns(TestCluster cluster) throws Exception {
        long first = Long.parseLong(Files.readString(cluster.dir.resolve("run/sluice-operator.pid")).strip());
        Process second = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx96m",
                "-Dkubeconfig=" + cluster.dir.resolve("admin.kubeconfig"), "-Dquarkus.http.host=127.0.0.1",
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
        } finally {
            second.destroy();
            if (!second.waitFor(10, TimeUnit.SECONDS)) {
                second.destroyForcibly().waitFor();
            }
        }
    }

    private static void waitFor(int seconds, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within %d s", seconds).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
