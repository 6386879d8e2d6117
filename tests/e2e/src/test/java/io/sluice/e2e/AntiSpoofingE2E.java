package io.sluice.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pod forges another pod's address (a raw socket in its own namespace): with no policy, and
 * with the lab's kind of policy that lets only {@code org=empire} in, the forged SYN and UDP
 * datagram never reach the target (captured in the target's namespace), while the same packets
 * from their real sender do, and the drops show as Cilium's {@code Invalid source ip}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AntiSpoofingE2E {
    static final String ONLY_EMPIRE = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: only-empire}
            spec:
              endpointSelector: {matchLabels: {class: target}}
              ingress: [{fromEndpoints: [{matchLabels: {org: empire}}]}]
            """;
    static TestNode node;
    static Path script;
    static String target, empire, alliance;

    @BeforeAll
    static void deploy() throws Exception {
        node = new TestNode(19916, 223);
        for (String[] pod : new String[][]{{"target", "class=target"}, {"empire", "org=empire"}, {"alliance", "org=alliance"}}) {
            TestNode.Result r = node.sluice("pod", "run", pod[0], "--labels", pod[1], "--", "sleep", "infinity");
            assertThat(r.exit()).as(r.out()).isZero();
        }
        target = ipOf("target");
        empire = ipOf("empire");
        alliance = ipOf("alliance");
        script = Files.createTempFile("sluice-packets-", ".py");
        try (var in = AntiSpoofingE2E.class.getResourceAsStream("/packets.py")) {
            Files.write(script, in.readAllBytes());
        }
    }

    @AfterAll
    static void purge() throws IOException {
        if (node != null) {
            node.close();
        }
        if (script != null) {
            Files.deleteIfExists(script);
        }
    }

    @Test
    @Order(1)
    void forgedSource_neverArrives_withOrWithoutPolicy_andShowsAsInvalidSourceIp() throws Exception {
        // No policy: alliance forges empire's address; its own packet (the control) arrives.
        List<String> open = exchange(List.of(
                new Send("alliance", empire, "tcp", 80), new Send("alliance", empire, "udp", 5353),
                new Send("alliance", alliance, "udp", 5354)));
        assertThat(open).contains(alliance + " udp 5354")
                .noneMatch(l -> l.startsWith(empire + " "));

        // The lab's kind of policy: empire's own packets are let in, alliance's forged ones are not.
        assertThat(node.apply(ONLY_EMPIRE).exit()).isZero();
        List<String> enforced = exchange(List.of(
                new Send("alliance", empire, "tcp", 80), new Send("alliance", empire, "udp", 5353),
                new Send("empire", empire, "udp", 5354)));
        assertThat(enforced).contains(empire + " udp 5354")
                .noneMatch(l -> l.startsWith(empire + " tcp") || l.equals(empire + " udp 5353"));

        TestNode.Result drops = node.observeUntil(List.of("Invalid source ip DROPPED"), "--verdict", "DROPPED", "--from-pod",
                "default/alliance");
        // The flow names the pod the packet really left, not the one whose address it carried.
        assertThat(drops.out()).contains("Invalid source ip DROPPED").contains("default/alliance:40000")
                .doesNotContain("Policy denied");
        assertThat(node.sluice("monitor", "--type", "drop").out()).contains("Invalid source ip");
    }

    /** A pod's veth removed behind the node's back: reported in status, and nothing else stops being enforced. */
    @Test
    @Order(2)
    void aPodWhoseVethIsGone_isReported_andTheOthersStayEnforced() throws Exception {
        String pods = node.sluice("get", "pods", "-o", "json").out();
        var m = java.util.regex.Pattern.compile("-default-alliance\"\\s*,\\s*\"hostInterface\"\\s*:\\s*\"([^\"]+)\"")
                .matcher(pods);
        assertThat(m.find()).as(pods).isTrue();
        assertThat(TestNode.run(List.of("ip", "link", "del", m.group(1)), null).exit()).isZero();
        TestNode.Result applied = node.apply(ONLY_EMPIRE.replace("only-empire", "only-empire-again"));
        assertThat(applied.exit()).as(applied.out()).isZero();
        assertThat(node.sluice("status").out()).containsPattern("Endpoint: +Error +pod default/alliance: not enforced, its veth "
                + m.group(1) + " is missing");
        assertThat(exchange(List.of(new Send("empire", empire, "udp", 5354)))).contains(empire + " udp 5354");
    }

    /** A packet from pod {@code from} with source address {@code source}, to the target pod. */
    record Send(String from, String source, String protocol, int port) {}

    /** Captures in the target's namespace while the packets are sent; the lines it saw. */
    private static List<String> exchange(List<Send> sends) throws Exception {
        Process capture = new ProcessBuilder("ip", "netns", "exec", node.prefix + "-default-target", "python3",
                script.toString(), "capture", "eth0", "3", "80,5353,5354").redirectErrorStream(true).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(capture.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("capturing");
        for (Send s : sends) {
            TestNode.Result r = node.inPod(s.from(), "python3", script.toString(), "send", s.source(), target, s.protocol(),
                    Integer.toString(s.port()));
            assertThat(r.exit()).as(r.out()).isZero();
        }
        List<String> seen = new ArrayList<>();
        for (String l = out.readLine(); l != null; l = out.readLine()) {
            seen.add(l);
        }
        assertThat(capture.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return seen;
    }

    private static String ipOf(String pod) {
        return node.sluice("pod", "list").out().lines().filter(l -> l.contains(" " + pod + " "))
                .map(l -> l.trim().split("\\s+")[3]).findFirst().orElseThrow();
    }
}
