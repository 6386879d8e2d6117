package io.sluice.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The test cluster of scripts/cluster in a directory of its own: a real single-node Kubernetes
 * with Sluice on it, driven as a user drives it, with kubectl and the stock hubble CLI.
 */
final class TestCluster implements AutoCloseable {
    static final Path SCRIPTS = TestNode.HOME.resolve("scripts/cluster");
    /** Unused identities are collected after 10 s instead of 15 min: the chart's value, and a replica's JVM option. */
    static final String HELM_ARGS = "--set operator.identityGCInterval=10s";
    static final String OPERATOR_ARGS = "-Dsluice.operator.identity-gc-grace=10s";
    final Path dir;
    private final String bin;

    private TestCluster(Path dir) {
        this.dir = dir;
        this.bin = TestNode.run(List.of(SCRIPTS.resolve("build.sh").toString()), null).out().strip().lines()
                .reduce((a, b) -> b).orElseThrow();
    }

    /** Brings a cluster up in a fresh temporary directory; fails the test with up.sh's output when it cannot. */
    static TestCluster up() {
        try {
            Path dir = Files.createTempDirectory("sluice-cluster-");
            Files.delete(dir); // up.sh makes it, and down.sh removes it
            TestCluster c = new TestCluster(dir);
            TestNode.Result up = c.script("up.sh");
            if (up.exit() != 0) {
                c.close();
                throw new AssertionError("cluster up failed:\n" + up.out());
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A script of scripts/cluster on this cluster's directory (up.sh is idempotent: it starts what
     * is not running).
     */
    TestNode.Result script(String name) {
        return TestNode.run(List.of("env", "CLUSTER_DIR=" + dir, "CLUSTER_HELM_ARGS=" + HELM_ARGS,
                SCRIPTS.resolve(name).toString()), null);
    }

    /** The path of one of the cluster's tools (scripts/cluster/build.sh's bin: kubectl, helm...). */
    String tool(String name) {
        return bin + "/" + name;
    }

    /** helm with this cluster's admin credentials. */
    TestNode.Result helm(String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin + "/helm", "--kubeconfig", dir.resolve("admin.kubeconfig").toString()));
        cmd.addAll(List.of(args));
        return TestNode.run(cmd, null);
    }

    TestNode.Result kubectl(String... args) {
        return kubectlAs("admin", args);
    }

    /** kubectl with the credentials of one of the cluster's users (admin, sluice-agent). */
    TestNode.Result kubectlAs(String user, String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin + "/kubectl", "--kubeconfig", dir.resolve(user + ".kubeconfig").toString()));
        cmd.addAll(List.of(args));
        return TestNode.run(cmd, null);
    }

    /** kubectl apply -f - of the text. */
    TestNode.Result apply(String manifest) {
        return kubectlWithInput(manifest, "apply", "-f", "-");
    }

    /** kubectl (admin) with the text on its standard input. */
    TestNode.Result kubectlWithInput(String input, String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin + "/kubectl", "--kubeconfig", dir.resolve("admin.kubeconfig").toString()));
        cmd.addAll(List.of(args));
        return TestNode.run(cmd, input);
    }

    /**
     * The stock hubble CLI against the cluster's relay, through a port-forward as the lab reaches
     * it; once more over a new port-forward when the old one had died (the API server went away).
     */
    TestNode.Result hubble(String... args) {
        TestNode.Result r = TestNode.run(hubbleCommand(args), null);
        return r.exit() != 0 && !relayForward.isAlive() ? TestNode.run(hubbleCommand(args), null) : r;
    }

    private List<String> hubbleCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(hubbleBinary()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--server", relay()));
        return cmd;
    }

    private Process relayForward;

    /**
     * localhost:4245, forwarded to the Service hubble-relay (`kubectl port-forward svc/hubble-relay
     * 4245:80`, what `cilium hubble port-forward` runs); started again when it is not running.
     */
    private String relay() {
        if (relayForward == null || !relayForward.isAlive()) {
            try {
                relayForward = new ProcessBuilder(bin + "/kubectl", "--kubeconfig", dir.resolve("admin.kubeconfig").toString(),
                        "-n", "kube-system", "port-forward", "svc/hubble-relay", "4245:80").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs/relay-port-forward.log").toFile())).start();
                for (int i = 0; i < 100 && relayForward.isAlive() && !listening(4245); i++) {
                    Thread.sleep(200);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return "localhost:4245";
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String hubbleBinary;

    /** scripts/install-hubble.sh (which builds it once) says where the binary is; asked once per cluster. */
    private String hubbleBinary() {
        if (hubbleBinary == null) {
            TestNode.Result install = TestNode.run(List.of(TestNode.HOME.resolve("scripts/install-hubble.sh").toString()), null);
            hubbleBinary = install.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        }
        return hubbleBinary;
    }

    /** The sluice CLI against this cluster's agent. */
    TestNode.Result sluice(String... args) {
        List<String> cmd = new ArrayList<>(List.of(TestNode.HOME.resolve("bin/sluice").toString(), "--node",
                "unix://" + dir.resolve("sluice/api.sock")));
        cmd.addAll(List.of(args));
        return TestNode.run(cmd, null);
    }

    /**
     * What a failed test wants to know about one application: its pods, endpoint slices,
     * Envoy's upstream hosts and the node's latest flows of it.
     */
    String diagnosis(String app) {
        StringBuilder out = new StringBuilder();
        out.append("-- pods and endpoint slices\n").append(kubectl("get", "pods,endpointslices", "-o", "wide").out());
        out.append("-- Envoy's ").append(app).append(" hosts\n").append(TestNode.run(List.of("sh", "-c",
                "curl -s --unix-socket $(find " + dir + " -name envoy-admin.sock | head -1) http://admin/clusters | grep " + app),
                null).out());
        out.append("-- flows\n").append(hubble("observe", "--pod", "default/" + app, "--last", "40").out());
        return out.toString();
    }

    long agentPid() {
        try {
            return Long.parseLong(Files.readString(dir.resolve("sluice/agent.pid")).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Tears the cluster down, keeping its logs in target/cluster-logs: the processes', and those of
     * Sluice's pods (a restarted container's previous run too); returns down.sh's result.
     */
    TestNode.Result down() {
        if (relayForward != null) {
            relayForward.destroy();
        }
        Path logs = Path.of("target/cluster-logs", dir.getFileName().toString());
        TestNode.run(List.of("sh", "-c", "mkdir -p " + logs + " && cp " + dir + "/logs/*.log " + dir + "/sluice/*.log " + logs
                + " 2>/dev/null"), null);
        for (String app : List.of("sluice-agent", "sluice-envoy", "sluice-operator", "hubble-relay")) {
            StringBuilder out = new StringBuilder();
            for (String previous : List.of("--previous", "--previous=false")) {
                out.append(kubectl("logs", "-n", "kube-system", "-l", "app.kubernetes.io/name=" + app, "--all-containers",
                        "--tail=-1", "--prefix", previous).out());
            }
            try {
                Files.writeString(logs.resolve(app + "-pods.log"), out);
            } catch (IOException e) {
                // the cluster's own logs are kept; these are a courtesy
            }
        }
        return script("down.sh");
    }

    @Override
    public void close() {
        TestNode.Result down = down();
        if (down.exit() != 0) {
            throw new AssertionError("cluster down failed:\n" + down.out());
        }
    }
}
