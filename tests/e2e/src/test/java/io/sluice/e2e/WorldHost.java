package io.sluice.e2e;

import java.util.List;

/**
 * A host outside the pod range ("world" to the policy), made by the test: a network namespace
 * with a veth to the host and a deathstar on port 8080. Removed on close.
 */
final class WorldHost implements AutoCloseable {
    private final String netns;
    private final String hostIf;
    private final String ip;
    private final Process server;

    WorldHost(String netns, String ip, String sluice) throws Exception {
        this.netns = netns;
        this.ip = ip;
        this.hostIf = "wv" + Integer.toHexString(netns.hashCode());
        close();
        sh("ip", "netns", "add", netns);
        sh("ip", "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", netns);
        sh("ip", "link", "set", hostIf, "up");
        sh("ip", "-n", netns, "link", "set", "eth0", "up");
        sh("ip", "-n", netns, "link", "set", "lo", "up");
        sh("ip", "-n", netns, "addr", "add", ip + "/32", "dev", "eth0");
        sh("ip", "-n", netns, "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link");
        sh("ip", "-n", netns, "route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
        sh("ip", "addr", "add", "169.254.1.1/32", "dev", hostIf);
        sh("ip", "route", "add", ip + "/32", "dev", hostIf, "scope", "link");
        server = new ProcessBuilder("ip", "netns", "exec", netns, sluice, "demo", "deathstar", "--port", "8080", "--name", "world")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 100; i++) {
            if (exec("curl", "-s", "-m", "1", "http://127.0.0.1:8080/").exit() == 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("world host server did not start");
    }

    /** The host's end of the veth: for the node, one of its own devices. */
    String hostIf() {
        return hostIf;
    }

    /** Runs argv in the world host's network namespace. */
    TestNode.Result exec(String... argv) {
        return TestNode.run(java.util.stream.Stream.concat(java.util.stream.Stream.of("ip", "netns", "exec", netns),
                java.util.Arrays.stream(argv)).toList(), null);
    }

    private static void sh(String... cmd) {
        TestNode.Result r = TestNode.run(List.of(cmd), null);
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + r.out());
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
        }
        TestNode.run(List.of("ip", "route", "del", ip + "/32"), null);
        TestNode.run(List.of("ip", "link", "del", hostIf), null);
        TestNode.run(List.of("ip", "netns", "del", netns), null);
    }
}
