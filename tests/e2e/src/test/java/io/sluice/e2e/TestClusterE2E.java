package io.sluice.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test cluster the Kubernetes tests run on (scripts/cluster): a real single-node Kubernetes
 * (etcd, kube-apiserver, controller-manager, scheduler, kubelet with containerd and the CNI
 * bridge) comes up with its node Ready, runs a pod from a locally built image, execs into it, and
 * {@code down.sh} leaves the host as {@code up.sh} found it.
 */
class TestClusterE2E {
    static final Path SCRIPTS = TestNode.HOME.resolve("scripts/cluster");

    @Test
    void upRunsAPod_andDownLeavesTheHostAsItWas() throws Exception {
        Path dir = Files.createTempDirectory("sluice-cluster-");
        Files.delete(dir); // up.sh makes it, and down.sh removes it
        Map<String, String> before = HostCleanupE2E.snapshot();
        TestNode.Result down;
        try {
            TestNode.Result up = run(dir, List.of(SCRIPTS.resolve("up.sh").toString()));
            assertThat(up.exit()).as(up.out()).isZero();
            assertThat(up.out()).contains("export KUBECONFIG=" + dir.resolve("admin.kubeconfig"));
            assertThat(kubectl(dir, "get", "nodes", "--no-headers").out()).contains(" Ready ");
            TestNode.Result run = kubectl(dir, "run", "probe", "--image=docker.io/library/busybox:sluice",
                    "--image-pull-policy=Never", "--restart=Never", "--", "sleep", "3600");
            assertThat(run.exit()).as(run.out()).isZero();
            TestNode.Result ready = kubectl(dir, "wait", "--for=condition=Ready", "pod/probe", "--timeout=90s");
            assertThat(ready.exit()).as(ready.out() + kubectl(dir, "describe", "pod", "probe").out()).isZero();
            assertThat(kubectl(dir, "exec", "probe", "--", "hostname").out().strip()).isEqualTo("probe");
            assertThat(kubectl(dir, "get", "pod", "probe", "-o", "jsonpath={.status.podIP}").out()).startsWith("10.244.0.");
        } finally {
            down = run(dir, List.of(SCRIPTS.resolve("down.sh").toString()));
        }
        assertThat(down.exit()).as(down.out()).isZero();
        assertThat(dir).doesNotExist();
        Map<String, String> after = HostCleanupE2E.snapshot();
        HostCleanupE2E.HOST.keySet().forEach(k -> assertThat(after.get(k)).as(k).isEqualTo(before.get(k)));
    }

    private static TestNode.Result kubectl(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin("kubectl"), "--kubeconfig", dir.resolve("admin.kubeconfig").toString()));
        cmd.addAll(List.of(args));
        return TestNode.run(cmd, null);
    }

    private static String bin(String name) {
        return TestNode.run(List.of(SCRIPTS.resolve("build.sh").toString()), null).out().strip().lines()
                .reduce((a, b) -> b).orElseThrow() + "/" + name;
    }

    private static TestNode.Result run(Path dir, List<String> cmd) {
        List<String> env = new ArrayList<>(List.of("env", "CLUSTER_DIR=" + dir));
        env.addAll(cmd);
        return TestNode.run(env, null);
    }
}
