package io.sluice.e2e;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test cluster the Kubernetes tests run on (scripts/cluster): a real single-node Kubernetes
 * (etcd, kube-apiserver, controller-manager, scheduler, kubelet with containerd, ptp and
 * sluice-cni) comes up with its node Ready and Sluice on it, runs a pod from a locally built
 * image, which Sluice enforces, execs into it, and {@code down.sh} leaves the host as
 * {@code up.sh} found it.
 */
class TestClusterE2E {
    @Test
    void upRunsAPod_andDownLeavesTheHostAsItWas() {
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
        } finally {
            down = cluster.down();
        }
        assertThat(down.exit()).as(down.out()).isZero();
        assertThat(cluster.dir).doesNotExist();
        Map<String, String> after = HostCleanupE2E.snapshot();
        HostCleanupE2E.HOST.keySet().forEach(k -> assertThat(after.get(k)).as(k).isEqualTo(before.get(k)));
    }
}
