package io.sluice.agent.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import java.io.InputStream;
import java.net.InetAddress;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    @Test
    void keyUsage_andKeyIds_chainEachCertificateToTheCa() throws Exception {
        NodeCertificates c = NodeCertificates.issue(dir, "n");
        X509Certificate ca = read(c.ca()), server = read(c.server().cert());
        assertThat(ca.getKeyUsage()).startsWith(false, false, false, false, false, true, true); // keyCertSign, cRLSign
        assertThat(server.getKeyUsage()).startsWith(true, false, true, false, false, false, false); // digitalSignature, keyEncipherment
        assertThat(server.getCriticalExtensionOIDs()).containsExactlyInAnyOrder("2.5.29.19", "2.5.29.15");
        // authorityKeyIdentifier [0] == the CA's subjectKeyIdentifier
        byte[] ski = Der.contents(Der.contents(ca.getExtensionValue("2.5.29.14")));
        byte[] aki = Der.contents(Der.children(Der.contents(server.getExtensionValue("2.5.29.35"))).get(0));
        assertThat(ski).hasSize(20);
        assertThat(aki).isEqualTo(ski);
        assertThat(server.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(server.getNotAfter()).isAfter(new java.util.Date(System.currentTimeMillis() + TimeUnit.DAYS.toMillis(360)));
    }

    @Test
    void mutualTls_handshakes_andAClientCertificateCannotServe() throws Exception {
        NodeCertificates c = NodeCertificates.issue(dir, "n");
        assertThat(handshake(c, c.server())).isEqualTo("CN=hubble-client.sluice");
        // a client's certificate (clientAuth only) presented by a server is refused by the client
        assertThatThrownBy(() -> handshake(c, c.client())).isInstanceOf(SSLHandshakeException.class);
    }

    /** A TLS 1.3 handshake on loopback: {@code serverPair} serves, the client certificate connects; the peer the server saw. */
    private static String handshake(NodeCertificates c, NodeCertificates.Pair serverPair) throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) context(c, serverPair).getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setNeedClientAuth(true);
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setSoTimeout(5000);
                    s.startHandshake();
                    s.getInputStream().read();
                    return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
                } catch (Exception e) {
                    return "server: " + e;
                }
            });
            try (SSLSocket s = (SSLSocket) context(c, c.client()).getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                s.setSoTimeout(5000);
                s.startHandshake();
                s.getOutputStream().write(1);
                s.getOutputStream().flush();
            }
            return seen.get(10, TimeUnit.SECONDS);
        }
    }

    private static SSLContext context(NodeCertificates c, NodeCertificates.Pair own) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        String pem = Files.readString(own.key()).replaceAll("-----[A-Z ]+-----|\\s", "");
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        keys.setKeyEntry("own", key, new char[0], new Certificate[]{read(own.cert()), read(c.ca())});
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", read(c.ca()));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, new char[0]);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
