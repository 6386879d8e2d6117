package io.sluice.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A local user who is not root ({@code nobody}) tries to take the node over: through the CLI, and
 * with raw HTTP requests to every TCP port and unix socket the node's processes listen on. Nothing
 * they send runs, and nothing in force changes.
 */
class UnprivilegedUserE2E {
    static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
    static final String POLICY = AntiSpoofingE2E.ONLY_EMPIRE;
    static TestNode node;
    static Path marker;

    @BeforeAll
    static void deploy() throws Exception {
        node = new TestNode(19896, 219);
        assertOk(node.sluice("pod", "run", "target", "--labels", "class=target", "--", "sleep", "infinity"));
        assertOk(node.apply(POLICY));
        marker = Path.of("/tmp/sluice-e2e-pwned-" + ProcessHandle.current().pid());
        Files.deleteIfExists(marker);
    }

    @AfterAll
    static void purge() throws Exception {
        if (node != null) {
            node.close();
        }
        if (marker != null) {
            Files.deleteIfExists(marker);
        }
    }

    @Test
    void cli_asAnotherUser_isRefusedWithAClearError_andChangesNothing() {
        String before = state();
        for (List<String> args : List.of(
                List.of("pod", "run", "evil", "--", "/bin/sh", "-c", "id > " + marker),
                List.of("delete", "-f", "-"),
                List.of("get", "pods"),
                List.of("down", "--purge"))) {
            List<String> cmd = new ArrayList<>(NOBODY);
            cmd.addAll(List.of(TestNode.HOME.resolve("bin/sluice").toString(), "--node", node.api));
            cmd.addAll(args);
            TestNode.Result r = TestNode.run(cmd, POLICY);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.out()).isNotZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("permission denied on the node's API socket")
                    .contains("for root only");
        }
        assertThat(marker).doesNotExist();
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void rawRequests_toEveryPortAndSocketOfTheNode_changeNothing() throws Exception {
        String before = state();
        long envoy = node.pidOf("envoy");
        String adminReady = "";
        for (int i = 0; i < 100 && !adminReady.equals("LIVE\n"); i++) { // Envoy opens its listeners once initialised
            Thread.sleep(250);
            adminReady = TestNode.run(List.of("curl", "-s", "http://127.0.0.1:" + node.envoyAdminPort + "/ready"), null).out();
        }
        List<String> listeners = listeners();
        assertThat(listeners).as("the node's listeners").anyMatch(l -> l.endsWith("api.sock"))
                .anyMatch(l -> l.endsWith(":" + node.envoyAdminPort)).noneMatch(l -> l.endsWith(":19896"));
        String pod = "{\"name\":\"evil\",\"namespace\":\"default\",\"labels\":{},\"ports\":[],"
                + "\"command\":[\"/bin/sh\",\"-c\",\"id > " + marker + "\"]}";
        for (String l : listeners) {
            List<String> target = l.startsWith("/") ? List.of("--unix-socket", l, "http://node") : List.of("http://" + l);
            for (String[] req : new String[][]{{"/v1/pods", pod}, {"/v1/purge", ""}, {"/v1/delete", POLICY},
                    {"/quitquitquit", ""}, {"/drain_listeners", ""}, {"/healthcheck/fail", ""}}) {
                List<String> cmd = new ArrayList<>(NOBODY);
                cmd.addAll(List.of("curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                        "-H", "Content-Type: " + (req[0].equals("/v1/pods") ? "application/json" : "text/plain"), "-d", req[1]));
                cmd.addAll(target.subList(0, target.size() - 1));
                cmd.add(target.getLast() + req[0]);
                TestNode.Result r = TestNode.run(cmd, null);
                assertThat(r.out()).as("POST " + req[0] + " to " + l).isIn("000", "404", "405", "403");
            }
        }
        assertThat(marker).doesNotExist();
        assertThat(state()).isEqualTo(before);
        assertThat(node.pidOf("envoy")).isEqualTo(envoy);
        assertThat(ProcessHandle.of(envoy).map(ProcessHandle::isAlive)).hasValue(true);
        assertThat(node.sluice("status").out()).containsPattern("Envoy: +OK");
    }

    /**
     * No helper of the node runs as root, and each keeps only what it needs: Envoy CAP_NET_ADMIN
     * (transparent listeners, SO_MARK) and CAP_NET_BIND_SERVICE, the DNS CAP_NET_BIND_SERVICE,
     * the relay and envoy-xds nothing; none can gain more (no_new_privs, bounding set).
     */
    @Test
    void nodeProcesses_runAsTheNodeAccount_withOnlyTheCapabilitiesTheyNeed() throws Exception {
        long netAdmin = 1L << 12, netBindService = 1L << 10;
        Map<String, Long> expected = Map.of("envoy", netAdmin | netBindService, "dns", netBindService, "relay", 0L, "envoy-xds", 0L);
        String uid = TestNode.run(List.of("id", "-u", "sluice"), null).out().strip();
        for (var e : expected.entrySet()) {
            Map<String, String> status = new java.util.HashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(node.pidOf(e.getKey())), "status"))) {
                int colon = line.indexOf(':');
                status.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
            assertThat(status.get("Uid").split("\\s+")).as(e.getKey() + " uids").containsOnly(uid);
            for (String set : List.of("CapEff", "CapPrm", "CapBnd")) {
                assertThat(Long.parseLong(status.get(set), 16)).as(e.getKey() + " " + set).isEqualTo(e.getValue());
            }
            assertThat(status.get("NoNewPrivs")).as(e.getKey()).isEqualTo("1");
        }
    }

    /** Pods, policies and identities as the node reports them, to root. */
    private static String state() {
        return Stream.of("pods", "cnp", "identities").map(k -> node.sluice("get", k, "-o", "json").out())
                .collect(Collectors.joining("\n"));
    }

    /** Every TCP {@code address:port} and unix socket path the node's processes listen on. */
    private static List<String> listeners() {
        Set<String> pids = Stream.of("dns", "relay", "envoy-xds", "envoy").map(p -> "pid=" + node.pidOf(p) + ",")
                .collect(Collectors.toSet());
        pids.add("pid=" + node.agentPid() + ",");
        return TestNode.run(List.of("ss", "-H", "-l", "-n", "-p", "-t", "-x"), null).out().lines()
                .filter(l -> pids.stream().anyMatch(l::contains))
                .map(l -> l.trim().split("\\s+")[4])
                .map(UnprivilegedUserE2E::reachable)
                .distinct().toList();
    }

    /** A listening address as a local user reaches it: wildcards and v4-mapped addresses as 127.0.0.1. */
    private static String reachable(String local) {
        if (local.startsWith("/")) {
            return local;
        }
        int colon = local.lastIndexOf(':');
        String host = local.substring(0, colon);
        String port = local.substring(colon + 1);
        if (Set.of("*", "0.0.0.0", "[::]").contains(host)) {
            return "127.0.0.1:" + port;
        }
        return (host.startsWith("[::ffff:") ? host.substring(8, host.length() - 1) : host) + ":" + port;
    }

    private static void assertOk(TestNode.Result r) {
        assertThat(r.exit()).as(r.out()).isZero();
    }
}
