package io.sluice.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A standalone node of its own for a test class: its own API socket and ports, state dir, bpffs root,
 * address ranges and namespace prefix, so it never touches a node a user runs. Driven through
 * the real {@code bin/sluice}; {@link #close} purges everything it made.
 */
final class TestNode implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("sluice.home", "../..")).toAbsolutePath().normalize();
    /** The node's API socket, {@code unix://STATE_DIR/api.sock}. */
    final String api;
    final Path stateDir;
    final String prefix;
    final String podCidrPrefix;
    /** This node's ports: Envoy admin (port + 1), Hubble's observer (+ 4), metrics (+ 5), relay (+ 6), relay health (+ 7). */
    final int envoyAdminPort, hubblePort, metricsPort, relayPort;

    /** A command's exit code and what it printed (stdout and stderr together). */
    record Result(int exit, String out) {}

    private final List<String> upArgs;

    /** A node of its own: ports from port + 1 to port + 7, pods in 10.subnet/16; extraUpArgs go to {@code sluice up}. */
    TestNode(int port, int subnet, String... extraUpArgs) {
        this(true, port, subnet, extraUpArgs);
    }

    /** Its settings only: {@link #restart} brings it up. */
    static TestNode notUp(int port, int subnet) {
        return new TestNode(false, port, subnet);
    }

    private TestNode(boolean up, int port, int subnet, String... extraUpArgs) {
        this.prefix = "se2e" + subnet;
        this.podCidrPrefix = "10." + subnet + ".";
        this.envoyAdminPort = port + 1;
        this.hubblePort = port + 4;
        this.metricsPort = port + 5;
        this.relayPort = port + 6;
        try {
            this.stateDir = Files.createTempDirectory("sluice-e2e-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.api = "unix://" + stateDir.resolve("api.sock");
        List<String> upArgs = List.of("up", "--state-dir", stateDir.toString(), "--pin-root", "/sys/fs/bpf/" + prefix,
                "--pod-cidr", "10." + subnet + ".0.0/16", "--service-cidr", "10." + (subnet + 1) + ".0.0/16",
                "--name-prefix", prefix, "--envoy-admin", "--envoy-admin-port", Integer.toString(port + 1),
                "--envoy-prometheus-port", Integer.toString(port + 2), "--envoy-health-port", Integer.toString(port + 3),
                "--node-name", prefix, "--hubble-port", Integer.toString(hubblePort), "--hubble-metrics-port",
                Integer.toString(metricsPort), "--relay-port", Integer.toString(relayPort), "--relay-health-port",
                Integer.toString(port + 7));
        this.upArgs = java.util.stream.Stream.concat(upArgs.stream(), java.util.Arrays.stream(extraUpArgs)).toList();
        if (!up) {
            return;
        }
        Result result = restart();
        if (result.exit() != 0) {
            throw new IllegalStateException("sluice up failed: " + result.out());
        }
    }

    Result sluice(String... args) {
        List<String> cmd = new ArrayList<>(List.of(HOME.resolve("bin/sluice").toString(), "--node", api));
        cmd.addAll(List.of(args));
        return run(cmd, null);
    }

    /** {@code sluice observe} against this node's relay. */
    Result observe(String... args) {
        List<String> cmd = new ArrayList<>(List.of("observe", "--server", "localhost:" + relayPort));
        cmd.addAll(List.of(args));
        return sluice(cmd.toArray(String[]::new));
    }

    /** Observes until the output contains every wanted text (flows arrive asynchronously), at most about 6 s. */
    Result observeUntil(List<String> wanted, String... args) throws InterruptedException {
        Result r = observe(args);
        for (int i = 0; i < 20 && !wanted.stream().allMatch(r.out()::contains); i++) {
            Thread.sleep(300);
            r = observe(args);
        }
        return r;
    }

    Result apply(String yaml) {
        return run(List.of(HOME.resolve("bin/sluice").toString(), "--node", api, "apply", "-f", "-"), yaml);
    }

    Result delete(String yaml) {
        return run(List.of(HOME.resolve("bin/sluice").toString(), "--node", api, "delete", "-f", "-"), yaml);
    }

    /** Runs a command in a pod's namespace directly (no JVM start per call), for traffic loops. */
    Result inPod(String pod, String... argv) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", prefix + "-default-" + pod));
        cmd.addAll(List.of(argv));
        return run(cmd, null);
    }

    /** curl from a pod with a short timeout; exit 28 means the connection timed out. */
    Result curl(String pod, String method, String url) {
        return inPod(pod, "curl", "-s", "-m", "2", "-X", method, url);
    }

    Result land(String pod) {
        return curl(pod, "POST", "http://deathstar.default.svc.cluster.local/v1/request-landing");
    }

    long agentPid() {
        String out = run(List.of("curl", "-s", "--unix-socket", stateDir.resolve("api.sock").toString(), "http://node/v1/status"),
                null).out();
        int i = out.indexOf("\"agentPid\":");
        return Long.parseLong(out.substring(i + 11).replaceAll("[^0-9].*", ""));
    }

    /** {@code sluice up} with this node's settings: starts whatever is not running. */
    Result restart() {
        return sluice(upArgs.toArray(String[]::new));
    }

    /** The pid a node process (agent excluded) recorded in its pid file, or 0. */
    long pidOf(String process) {
        try {
            Path f = stateDir.resolve(process + ".pid");
            return Files.exists(f) ? Long.parseLong(Files.readString(f).strip().split(" ")[0]) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Result run(List<String> cmd, String stdin) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out + "\n(timed out)");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        sluice("down", "--purge"); // also when a test stopped or killed the agent: down starts it again to purge
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp dir
        }
    }
}
