package io.sluice.agent.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeCertificatesTest {
    @TempDir
    Path dir;

    static X509Certificate read(Path p) throws Exception {
        try (InputStream in = Files.newInputStream(p)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    static List<String> names(X509Certificate c) throws Exception {
        return c.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
    }

    @Test
    void issue_signsEachComponentWithTheNodeCa_forHubblesNames() throws Exception {
        NodeCertificates c = NodeCertificates.issue(dir.resolve("tls"), "node.a");
        X509Certificate ca = read(c.ca()), server = read(c.server().cert()), client = read(c.client().cert());
        server.verify(ca.getPublicKey());
        client.verify(ca.getPublicKey());
        read(c.relayServer().cert()).verify(ca.getPublicKey());
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(server.getBasicConstraints()).isEqualTo(-1);
        assertThat(names(server)).containsExactly("node-a.default.hubble-grpc.cilium.io", "localhost", "127.0.0.1");
        assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(client.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(names(read(c.relayServer().cert()))).contains("*.hubble-relay.cilium.io", "localhost");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(c.server().key()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls")))).isEqualTo("rwx------");
    }

    @Test
    void issueAgain_keepsTheCa_andRotatesTheComponents() throws Exception {
        NodeCertificates first = NodeCertificates.issue(dir, "n");
        byte[] ca = Files.readAllBytes(first.ca());
        X509Certificate before = read(first.server().cert());
        NodeCertificates second = NodeCertificates.issue(dir, "n");
        assertThat(Files.readAllBytes(second.ca())).isEqualTo(ca);
        X509Certificate after = read(second.server().cert());
        assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
        after.verify(read(second.ca()).getPublicKey());
    }

    @Test
    void anotherCa_doesNotVerify() throws Exception {
        X509Certificate server = read(NodeCertificates.issue(dir.resolve("a"), "n").server().cert());
        X509Certificate otherCa = read(NodeCertificates.issue(dir.resolve("b"), "n").ca());
        assertThatThrownBy(() -> server.verify(otherCa.getPublicKey())).isInstanceOf(java.security.SignatureException.class);
    }
}
