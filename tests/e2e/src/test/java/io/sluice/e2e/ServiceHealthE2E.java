package io.sluice.e2e;

import io.sluice.agent.config.NodeProcesses;
import io.sluice.agent.hubble.PeerService;
import io.sluice.api.hubble.HubbleServer;
import io.sluice.api.hubble.ServerTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The helpers' health endpoints follow what they depend on, the built services as the node starts
 * them: envoy-xds is ready while the upstream Envoy holds its ADS stream; the relay is ready while
 * a node's Peer API (the agent's own implementation, over a real gRPC server) answers. Each is
 * stopped and started again, and {@code /q/health/ready} is read on the service's unix socket.
 */
class ServiceHealthE2E {
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private final List<Process> processes = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        processes.forEach(ServiceHealthE2E::kill);
    }

    @Test
    void envoyXds_isReadyWhileEnvoyIsConnected() throws Exception {
        Path health = dir.resolve("xds-health.sock");
        service("services/envoy-xds", "envoy-xds", List.of("-Dsluice.xds.socket=" + dir.resolve("xds.sock"),
                "-Dsluice.xds.state-dir=" + dir.resolve("xds"), "-Dquarkus.http.domain-socket=" + health,
                "-Dsluice.xds.envoy.bootstrap=" + dir.resolve("bootstrap.yaml"),
                "-Dsluice.xds.envoy.admin-socket=" + dir.resolve("admin.sock"), "-Dsluice.xds.envoy.als-socket=" + dir.resolve("als.sock"),
                "-Dsluice.xds.envoy.prometheus-port=" + freePort(), "-Dsluice.xds.envoy.health-port=" + freePort()));
        awaitHealth(health, "live", "UP");
        assertThat(awaitHealth(health, "ready", "DOWN")).contains("Envoy is not connected to envoy-xds");

        Process envoy = envoy();
        awaitHealth(health, "ready", "UP");
        kill(envoy);
        awaitHealth(health, "ready", "DOWN");
        envoy();
        assertThat(awaitHealth(health, "ready", "UP")).contains("\"running\"");
        awaitHealth(health, "live", "UP");
    }

    @Test
    void relay_isReadyWhileThePeerApiAnswers() throws Exception {
        Path health = dir.resolve("relay-health.sock"), peers = dir.resolve("hubble.sock");
        service("services/relay", "relay", List.of("-Dsluice.relay.peer-service=unix://" + peers,
                "-Dsluice.relay.port=" + freePort(), "-Dsluice.relay.health-port=0", "-Dquarkus.http.domain-socket=" + health));
        awaitHealth(health, "live", "UP");
        assertThat(awaitHealth(health, "ready", "DOWN")).contains("is not answering");

        HubbleServer node = peerApi(peers);
        assertThat(awaitHealth(health, "ready", "UP")).contains("\"nodes\": 1");
        node.close();
        awaitHealth(health, "ready", "DOWN");
        node = peerApi(peers);
        try {
            awaitHealth(health, "ready", "UP");
        } finally {
            node.close();
        }
    }

    @Test
    void relay_exitsWhenItCannotServeItsApi_sayingWhere() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            service("services/relay", "relay", List.of("-Dsluice.relay.peer-service=unix://" + dir.resolve("hubble.sock"),
                    "-Dsluice.relay.port=" + taken.getLocalPort(), "-Dsluice.relay.health-port=0",
                    "-Dquarkus.http.domain-socket=" + dir.resolve("relay-health.sock")));
            Process relay = processes.getLast();
            assertThat(relay.waitFor(60, TimeUnit.SECONDS)).as("the relay exits").isTrue();
            assertThat(relay.exitValue()).isNotZero();
            assertThat(Files.readString(dir.resolve("relay.log"))).contains("Address already in use")
                    .contains("the relay's Observer API is not served: no gRPC server listens on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    /** The agent's Peer API announcing one node, as a node serves it on its unix socket. */
    private HubbleServer peerApi(Path socket) {
        return new HubbleServer("hubble-server-version", "test", socket, null, ServerTls.PLAINTEXT,
                new PeerService("node-1", "unix://" + dir.resolve("observer.sock"), ""));
    }

    private void service(String module, String name, List<String> options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(JAVA, NodeProcesses.serviceJvm(TestNode.HOME.toString())));
        cmd.addAll(options);
        cmd.addAll(List.of("-jar", TestNode.HOME.resolve(module + "/target/quarkus-app/quarkus-run.jar").toString()));
        processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start());
    }

    private Process envoy() throws Exception {
        Path bootstrap = dir.resolve("bootstrap.yaml");
        for (int i = 0; i < 300 && !Files.exists(bootstrap); i++) {
            Thread.sleep(100);
        }
        String binary = TestNode.run(List.of(TestNode.HOME.resolve("scripts/find-envoy.sh").toString()), null).out().strip();
        Process p = new ProcessBuilder(binary, "-c", bootstrap.toString(), "--disable-hot-restart", "--log-level", "error")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("envoy.log").toFile())).start();
        processes.add(p);
        return p;
    }

    /** Waits up to 30 s for {@code /q/health/<kind>} to say {@code status}; returns the answer. */
    private static String awaitHealth(Path socket, String kind, String status) throws InterruptedException {
        String last = "";
        for (int i = 0; i < 300; i++) {
            last = TestNode.run(List.of("curl", "-s", "--max-time", "2", "--unix-socket", socket.toString(),
                    "http://localhost/q/health/" + kind), null).out();
            if (last.contains("\"status\": \"" + status + "\"") && last.indexOf("\"status\"") == last.indexOf("\"status\": \"" + status + "\"")) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("/q/health/" + kind + " on " + socket + " never said " + status + "; last: " + last);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void kill(Process p) {
        p.destroyForcibly();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
