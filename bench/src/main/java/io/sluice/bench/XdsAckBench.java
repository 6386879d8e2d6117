package io.sluice.bench;

import io.sluice.api.xds.Bootstrap;
import io.sluice.agent.envoy.L7Config;
import io.sluice.agent.envoy.L7Endpoint;
import io.sluice.agent.envoy.L7Translation;
import io.sluice.policy.Cidr;
import io.sluice.policy.Direction;
import io.sluice.policy.HttpRule;
import io.sluice.agent.xds.EnvoyStatus;
import io.sluice.agent.xds.XdsClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Policy change to Envoy ACK: a real envoy-xds and a real Envoy; the configuration of N
 * endpoints with L7 rules (each: ingress port 80, three peer identities, two HTTP rules) is
 * loaded, then one endpoint's rules change per round and the time from push to Envoy's
 * acknowledgement of every type is measured. The baseline, same run: the same change with one
 * endpoint. Then envoy-xds's resident memory with the N-endpoint configuration.
 *
 * <p>Usage: {@code XdsAckBench SLUICE_HOME ENVOY_BINARY [ENDPOINTS] [ROUNDS]}.
 */
public final class XdsAckBench {
    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        String envoy = args[1];
        int endpoints = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 50;
        Path dir = Files.createTempDirectory("sluice-xds-bench-");
        String java = ProcessHandle.current().info().command().orElse("java");
        // the JVM options the agent starts envoy-xds with
        List<String> cmd = new ArrayList<>(List.of(java, io.sluice.agent.config.NodeProcesses.serviceJvm(home.toString())));
        cmd.addAll(List.of("-Dsluice.xds.socket=" + dir.resolve("xds.sock"),
                "-Dsluice.xds.state-dir=" + dir.resolve("xds"), "-Dquarkus.http.domain-socket=" + dir.resolve("xds-health.sock"), "-jar",
                home.resolve("services/envoy-xds/target/quarkus-app/quarkus-run.jar").toString()));
        Process xds = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(dir.resolve("xds.log").toFile()).start();
        Files.writeString(dir.resolve("bootstrap.yaml"), new Bootstrap("bench", dir.resolve("xds.sock").toString(),
                dir.resolve("admin.sock").toString(), dir.resolve("als.sock").toString(), 0, 19971, 19972).yaml());
        Process proxy = null;
        try {
            while (!Files.exists(dir.resolve("xds.sock"))) {
                Thread.sleep(50);
            }
            proxy = new ProcessBuilder(envoy, "-c", dir.resolve("bootstrap.yaml").toString(), "--disable-hot-restart",
                    "--log-level", "error").redirectErrorStream(true).redirectOutput(dir.resolve("envoy.log").toFile()).start();
            try (XdsClient client = new XdsClient(dir.resolve("xds.sock").toString())) {
                for (int i = 0; i < 300 && !client.status().envoyConnected(); i++) {
                    Thread.sleep(100); // Envoy starting
                }
                double[] base = measure(client, 1, rounds);
                double[] big = measure(client, endpoints, rounds);
                long rss = rssKb(xds.pid());
                System.out.printf("baseline_1_endpoint   ack ms p50 %.1f p99 %.1f%n", pct(base, 50), pct(base, 99));
                System.out.printf("endpoints_%d       ack ms p50 %.1f p99 %.1f  (ratio p99 %.2f)%n", endpoints,
                        pct(big, 50), pct(big, 99), pct(big, 99) / pct(base, 99));
                System.out.printf("envoy_xds_rss_mb %.1f (with %d endpoints)%n", rss / 1024.0, endpoints);
            }
        } finally {
            xds.destroy();
            if (proxy != null) {
                proxy.destroy();
            }
        }
    }

    static double[] measure(XdsClient client, int endpoints, int rounds) throws InterruptedException {
        ack(client, config(endpoints, -1, 0));
        for (int w = 0; w < 20; w++) {
            if (ack(client, config(endpoints, w % endpoints, 1000 + w)) == null) { // warm-up: JIT on both sides
                throw new IllegalStateException("Envoy did not acknowledge warm-up round " + w);
            }
        }
        double[] ms = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            EnvoyStatus s = ack(client, config(endpoints, r % endpoints, r + 1));
            ms[r] = (System.nanoTime() - t0) / 1e6;
            if (s == null) {
                throw new IllegalStateException("Envoy did not acknowledge round " + r);
            }
        }
        Arrays.sort(ms);
        return ms;
    }

    /** The node keeps one translator; so does the benchmark. */
    static final io.sluice.agent.envoy.L7Translator TRANSLATOR = new io.sluice.agent.envoy.L7Translator();

    static EnvoyStatus ack(XdsClient client, L7Config config) throws InterruptedException {
        String version = client.push(TRANSLATOR.translate(config));
        EnvoyStatus s = client.await(version, Duration.ofSeconds(30));
        return client.acknowledged(version) ? s : null;
    }

    /** N endpoints 10.230.x.y with rules for three peers; endpoint {@code changed} gets path /v{round}. */
    static L7Config config(int endpoints, int changed, int round) {
        List<L7Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            String path = i == changed ? "/v" + round + "/.*" : "/v1/.*";
            List<HttpRule> rules = List.of(new HttpRule("GET", path, "", List.of()), new HttpRule("POST", "/v1/request-landing", "", List.of()));
            eps.add(new L7Endpoint("bench/ep" + i, Cidr.parse("10.230.0.0").orElseThrow().address() + i + 1,
                    Map.of(Direction.INGRESS, Map.of(80, new java.util.TreeMap<>(Map.of(256 + i % 40, rules, 300, rules, 301, rules))))));
        }
        Map<Integer, List<Cidr>> addresses = new java.util.TreeMap<>();
        for (int id = 256; id < 302; id++) {
            addresses.put(id, List.of(new Cidr(Cidr.parse("10.231.0.0").orElseThrow().address() + id, 32)));
        }
        return new L7Config(15001, 15002, eps, addresses, List.of(), L7Config.ACCESS_DENIED);
    }

    static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    static long rssKb(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS")).map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
    }
}
