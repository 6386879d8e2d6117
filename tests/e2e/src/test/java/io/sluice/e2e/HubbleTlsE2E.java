package io.sluice.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hubble over mutual TLS with the node CA that {@code sluice up} makes: the observer's TCP port
 * takes only clients with a certificate of that CA, the relay dials it so and serves TLS itself
 * ({@code --relay-tls}); {@code sluice observe} and the stock {@code hubble} CLI work with
 * Hubble's TLS flags; and an agent whose certificate another CA signed is refused by the relay
 * and reported as an error.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HubbleTlsE2E {
    static TestNode node;
    static String hubble;
    static Path tls;

    @BeforeAll
    static void deploy() throws Exception {
        TestNode.Result install = TestNode.run(List.of(TestNode.HOME.resolve("scripts/install-hubble.sh").toString()), null);
        assertThat(install.exit()).as(install.out()).isZero();
        hubble = install.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        node = new TestNode(19926, 225, "--relay-tls");
        tls = node.stateDir.resolve("tls");
        for (String pod : new String[]{"a", "b"}) {
            TestNode.Result r = node.sluice("pod", "run", pod, "--labels", "app=" + pod, "--", "sleep", "infinity");
            assertThat(r.exit()).as(r.out()).isZero();
        }
        String b = node.sluice("pod", "list").out().lines().filter(l -> l.contains(" b ")).map(l -> l.trim().split("\\s+")[3])
                .findFirst().orElseThrow();
        node.inPod("a", "curl", "-s", "-m", "1", "http://" + b + ":80"); // refused: a SYN and a RST to observe
    }

    @AfterAll
    static void purge() {
        if (node != null) {
            node.close();
        }
    }

    private static List<String> clientCert() {
        return List.of("--tls-ca-cert-files", tls.resolve("ca.crt").toString(), "--tls-client-cert-file",
                tls.resolve("hubble-client.crt").toString(), "--tls-client-key-file", tls.resolve("hubble-client.key").toString());
    }

    private static TestNode.Result hubble(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(hubble));
        cmd.addAll(args);
        return TestNode.run(cmd, null);
    }

    private static TestNode.Result status() {
        return node.sluice("status", "--hubble-server", "tls://localhost:" + node.relayPort, "--tls-ca-cert-files",
                tls.resolve("ca.crt").toString());
    }

    @Test
    @Order(1)
    void relay_reachesTheObserverOverMutualTls_andServesTls() throws Exception {
        TestNode.Result s = status();
        for (int i = 0; i < 20 && !s.out().contains("Connected Nodes: 1/1"); i++) {
            Thread.sleep(300);
            s = status();
        }
        assertThat(s.out()).contains("Hubble Relay:         OK").contains("Connected Nodes: 1/1").doesNotContain("Node error");
        // the stock CLI, as a Hubble user runs it against a relay with tls.server
        TestNode.Result flows = hubble(List.of("observe", "--server", "localhost:" + node.relayPort, "--tls",
                "--tls-ca-cert-files", tls.resolve("ca.crt").toString(), "--last", "50", "--from-pod", "default/a"));
        assertThat(flows.exit()).as(flows.out()).isZero();
        assertThat(flows.out()).contains("default/a").contains("-> default/b:80");
        // plaintext on the relay's TLS port is refused
        assertThat(node.sluice("observe", "--server", "localhost:" + node.relayPort, "--last", "1").exit()).isNotZero();
    }

    @Test
    @Order(2)
    void observer_takesOnlyClientsWithACertificateOfTheNodeCa() {
        String observer = "tls://localhost:" + node.hubblePort;
        List<String> withCert = new ArrayList<>(List.of("observe", "--server", observer, "--last", "50", "--from-pod", "default/a"));
        withCert.addAll(clientCert());
        TestNode.Result ok = node.sluice(withCert.toArray(String[]::new));
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("default/a");
        TestNode.Result stock = hubble(withCert);
        assertThat(stock.exit()).as(stock.out()).isZero();
        assertThat(stock.out()).contains("default/a");

        TestNode.Result noCert = node.sluice("observe", "--server", observer, "--tls-ca-cert-files", tls.resolve("ca.crt").toString(),
                "--last", "1");
        assertThat(noCert.exit()).isNotZero();
        // the server's alert says why; when the connection closes before it is read, only that it was refused
        assertThat(noCert.out()).containsAnyOf("refused this side's client certificate, or wanted one", "cannot reach the Hubble API")
                .doesNotContain("default/a");
        // Go's client sees the refusal as the server's alert or as the closed connection, depending on timing.
        TestNode.Result stockNoCert = hubble(List.of("observe", "--server", observer, "--tls-ca-cert-files",
                tls.resolve("ca.crt").toString(), "--last", "50", "--from-pod", "default/a"));
        assertThat(stockNoCert.exit()).as(stockNoCert.out()).isNotZero();
        assertThat(stockNoCert.out()).contains("code = Unavailable").doesNotContain("default/a");
        TestNode.Result plaintext = node.sluice("observe", "--server", "localhost:" + node.hubblePort, "--last", "1");
        assertThat(plaintext.exit()).isNotZero();
        assertThat(plaintext.out()).contains("a TLS server needs --tls");
    }

    /** An agent restarted with another CA's certificates (the relay keeps trusting the node CA it started with). */
    @Test
    @Order(3)
    void relay_refusesAnAgentWhoseCertificateAnotherCaSigned_andSaysSo() throws Exception {
        Path saved = Files.createTempDirectory("sluice-e2e-ca-");
        try {
            killAgent();
            Files.move(tls.resolve("ca.crt"), saved.resolve("ca.crt"));
            Files.move(tls.resolve("ca.key"), saved.resolve("ca.key"));
            assertThat(node.restart().exit()).isZero(); // a new CA, and certificates it signed
            TestNode.Result s = node.sluice("status", "--hubble-server", "tls://localhost:" + node.relayPort,
                    "--tls-ca-cert-files", saved.resolve("ca.crt").toString());
            for (int i = 0; i < 20 && !s.out().contains("Node error"); i++) {
                Thread.sleep(300);
                s = node.sluice("status", "--hubble-server", "tls://localhost:" + node.relayPort, "--tls-ca-cert-files",
                        saved.resolve("ca.crt").toString());
            }
            assertThat(s.out()).contains("Connected Nodes: 0/1").contains("Node error:").contains(node.prefix + " at 127.0.0.1:"
                    + node.hubblePort + ": ERROR, TLS refused the connection");
            TestNode.Result nodes = hubble(List.of("list", "nodes", "--server", "localhost:" + node.relayPort, "--tls",
                    "--tls-ca-cert-files", saved.resolve("ca.crt").toString()));
            assertThat(nodes.out()).contains(node.prefix).containsIgnoringCase("error");
            assertThat(Files.readString(node.stateDir.resolve("relay.log")))
                    .contains("not signed by a CA this side trusts");
        } finally {
            killAgent();
            Files.move(saved.resolve("ca.crt"), tls.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
            Files.move(saved.resolve("ca.key"), tls.resolve("ca.key"), StandardCopyOption.REPLACE_EXISTING);
            Files.deleteIfExists(saved);
            assertThat(node.restart().exit()).isZero();
        }
        TestNode.Result back = status();
        for (int i = 0; i < 30 && !back.out().contains("Connected Nodes: 1/1"); i++) {
            Thread.sleep(300);
            back = status();
        }
        assertThat(back.out()).as("the node CA back: trusted again").contains("Connected Nodes: 1/1");
    }

    private static void killAgent() throws InterruptedException {
        ProcessHandle agent = ProcessHandle.of(node.agentPid()).orElseThrow();
        agent.destroy();
        agent.onExit().join();
    }
}
