package io.sluice.e2e;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice down --purge} leaves the host as {@code sluice up} found it: a node that ran pods,
 * a Service, an L7 policy (Envoy, lo's program, the proxy route) is purged, and the host's routes,
 * rules, qdiscs, links, addresses, network namespaces, pinned objects, forwarding and accounts
 * are compared.
 */
class HostCleanupE2E {
    static final Map<String, List<String>> HOST = hostViews();

    private static Map<String, List<String>> hostViews() {
        Map<String, List<String>> v = new LinkedHashMap<>();
        v.put("routes", List.of("ip", "route", "show", "table", "all"));
        v.put("rules", List.of("ip", "rule", "show"));
        v.put("qdiscs", List.of("tc", "qdisc", "show"));
        v.put("links", List.of("ip", "-o", "link", "show"));
        v.put("addresses", List.of("ip", "-o", "addr", "show"));
        v.put("namespaces", List.of("ip", "netns", "list"));
        v.put("pinned objects", List.of("find", "/sys/fs/bpf"));
        v.put("forwarding", List.of("cat", "/proc/sys/net/ipv4/ip_forward"));
        v.put("registry", List.of("find", "/run", "-maxdepth", "1", "-name", "sluice"));
        v.put("accounts", List.of("sh", "-c", "getent passwd sluice; getent group sluice; true"));
        v.put("cgroups", List.of("sh", "-c", "find /sys/fs/cgroup/*/ -maxdepth 1 -name 'se2e*' -o -maxdepth 1 -name kubepods"
                + " -o -maxdepth 1 -name k8s.io | sort"));
        v.put("mounts", List.of("sh", "-c", "awk '{print $5}' /proc/self/mountinfo | sort"));
        v.put("runtime directories", List.of("sh", "-c", "ls -d /run/containerd /var/lib/cni /var/lib/kubelet /var/log/containers"
                + " /var/log/pods /run/netns 2>/dev/null; true"));
        return v;
    }

    /** The host as the views above show it. */
    static Map<String, String> snapshot() {
        Map<String, String> s = new LinkedHashMap<>();
        HOST.forEach((name, cmd) -> s.put(name, TestNode.run(cmd, null).out()));
        return s;
    }

    @Test
    void purge_leavesTheHostAsUpFoundIt() throws Exception {
        Map<String, String> before = snapshot();
        try (TestNode node = new TestNode(19906, 221)) {
            StarWars.deploy(node);
            assertThat(node.apply(java.nio.file.Files.readString(TestNode.HOME.resolve("demo/manifests/l7-policy.yaml"))).exit())
                    .isZero();
            TestNode.Result denied = null;
            for (int i = 0; i < 20 && (denied == null || !denied.out().equals("Access denied\r\n")); i++) {
                Thread.sleep(250);
                denied = node.curl("tiefighter", "PUT", L7PolicyE2E.DEATHSTAR + "/v1/exhaust-port");
            }
            assertThat(denied.out()).as("the L7 path was in use").isEqualTo("Access denied\r\n");
            assertThat(snapshot()).as("the node changed the host while up").isNotEqualTo(before);
        }
        Map<String, String> after = snapshot();
        HOST.keySet().forEach(k -> assertThat(after.get(k)).as(k).isEqualTo(before.get(k)));
    }

    /**
     * An agent whose start fails (here: the observer's port is taken) stops the processes its
     * start began, so none of them holds the node's other ports against the next attempt.
     */
    @Test
    void up_thatFails_leavesNoProcessOfItsStartRunning() throws Exception {
        try (TestNode node = TestNode.notUp(19946, 227)) {
            TestNode.Result up;
            try (java.net.ServerSocket taken = new java.net.ServerSocket(node.hubblePort)) {
                up = node.restart();
            }
            assertThat(up.exit()).as(up.out()).isNotZero();
            assertThat(up.out()).contains("the agent exited").contains("Address already in use");
            for (String process : List.of("envoy", "envoy-xds", "dns", "relay")) {
                long pid = node.pidOf(process);
                assertThat(pid).as(process + " was started").isPositive();
                assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as(process + " (pid " + pid + ")").isEmpty();
            }
            // the port free again, the node starts: close() purges it
            assertThat(node.restart().exit()).isZero();
        }
    }

    /**
     * An agent that is gone still gets its work done: killed, it left Envoy, envoy-xds, DNS and
     * the relay running, and {@code sluice down} starts it again to stop them; after that plain
     * down, {@code down --purge} starts it once more and purges, and the host is as it was.
     */
    @Test
    void down_ofAnAgentThatIsGone_startsItAgainToStopAndToPurge() throws Exception {
        Map<String, String> before = snapshot();
        List<String> helpers = List.of("envoy", "envoy-xds", "dns", "relay");
        try (TestNode node = new TestNode(19956, 229)) {
            ProcessHandle agent = ProcessHandle.of(node.agentPid()).orElseThrow();
            agent.destroyForcibly();
            agent.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            for (String process : helpers) {
                assertThat(ProcessHandle.of(node.pidOf(process)).filter(ProcessHandle::isAlive)).as(process + " outlives the agent")
                        .isPresent();
            }
            TestNode.Result down = node.sluice("down");
            assertThat(down.exit()).as(down.out()).isZero();
            assertThat(down.out()).contains("agent is not running; starting it again to stop what it left")
                    .contains("Sluice node stopped (pods stay");
            for (String process : helpers) {
                long pid = node.pidOf(process);
                assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as(process + " (pid " + pid + ")").isEmpty();
            }
            assertThat(node.sluice("down").out()).as("nothing left to stop").contains("Sluice node is not running");
            TestNode.Result purge = node.sluice("down", "--purge");
            assertThat(purge.exit()).as(purge.out()).isZero();
            assertThat(purge.out()).contains("starting it again to purge what it left").contains("Sluice node stopped and purged");
            Map<String, String> purged = snapshot();
            HOST.keySet().forEach(k -> assertThat(purged.get(k)).as(k).isEqualTo(before.get(k)));
        }
    }
}
