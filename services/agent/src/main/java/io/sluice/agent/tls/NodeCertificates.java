package io.sluice.agent.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * The node's TLS material in one root-only directory: a node CA ({@code ca.crt}, {@code ca.key}),
 * made once and kept, so a relay that outlives an agent restart still trusts it; and, signed by it
 * at every {@link #issue} (each agent start: rotation on restart), one certificate per component:
 * <ul>
 *   <li>{@code hubble-server}: the observer on TCP, for Hubble's name {@code <node>.default.hubble-grpc.cilium.io}
 *       ({@link #serverName}), {@code localhost} and {@code 127.0.0.1};</li>
 *   <li>{@code hubble-client}: the relay's (and root's local tools') client certificate to observers;</li>
 *   <li>{@code relay-server}: the relay's Observer API when served over TLS, for {@code localhost},
 *       {@code 127.0.0.1} and {@code *.hubble-relay.cilium.io}.</li>
 * </ul>
 * EC P-256 keys in PKCS#8 PEM (mode 0600), certificates in PEM. Not thread-safe: one agent issues.
 */
public record NodeCertificates(Path dir) {
    /** A certificate and its key, as files. */
    public record Pair(Path cert, Path key) {}

    private static final Duration CA_LIFETIME = Duration.ofDays(3 * 365), LEAF_LIFETIME = Duration.ofDays(365);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Hubble's TLS server name of a node's observer: dots in the node name become dashes. */
    public static String serverName(String nodeName) {
        return nodeName.replace('.', '-') + ".default.hubble-grpc.cilium.io";
    }

    public Path ca() {
        return dir.resolve("ca.crt");
    }

    public Pair server() {
        return pair("hubble-server");
    }

    public Pair client() {
        return pair("hubble-client");
    }

    public Pair relayServer() {
        return pair("relay-server");
    }

    /**
     * The CAs whose clients the observer admits: the node's and {@code clusterCa} (a cluster's
     * Hubble CA, for its relay), written as one bundle beside the node's; returns its path.
     */
    public Path trusting(Path clusterCa) {
        Path bundle = dir.resolve("client-cas.crt");
        try {
            Files.writeString(bundle, Files.readString(ca()) + "\n" + Files.readString(clusterCa));
            return bundle;
        } catch (IOException e) {
            throw new UncheckedIOException("write the observer's client CAs " + bundle, e);
        }
    }

    /** Keeps (or first makes) the CA, and signs a fresh certificate for each component. */
    public static NodeCertificates issue(Path dir, String nodeName) {
        NodeCertificates c = new NodeCertificates(dir);
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Signed ca = Files.exists(c.ca()) && Files.exists(dir.resolve("ca.key")) ? c.readCa() : c.writeCa();
            c.write(c.server(), ca, new X500Name("CN=" + serverName(nodeName)), KeyPurposeId.id_kp_serverAuth,
                    List.of(dns(serverName(nodeName)), dns("localhost"), ip("127.0.0.1")));
            c.write(c.client(), ca, new X500Name("CN=hubble-client.sluice"), KeyPurposeId.id_kp_clientAuth, List.of(dns("hubble-client.sluice")));
            c.write(c.relayServer(), ca, new X500Name("CN=relay.hubble-relay.cilium.io"), KeyPurposeId.id_kp_serverAuth,
                    List.of(dns("*.hubble-relay.cilium.io"), dns("localhost"), ip("127.0.0.1")));
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("issue the node's certificates in " + dir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("issue the node's certificates in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A signing identity: the CA's certificate and key. */
    private record Signed(X509Certificate cert, PrivateKey key) {}

    private Pair pair(String name) {
        return new Pair(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    }

    private Signed writeCa() throws GeneralSecurityException, OperatorCreationException, IOException {
        KeyPair keys = keyPair();
        X500Name name = new X500Name("CN=Sluice node CA");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(60)),
                Date.from(now.plus(CA_LIFETIME)), name, keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
        X509Certificate cert = sign(b, keys.getPrivate());
        writePem(dir.resolve("ca.key"), keys.getPrivate());
        writePem(ca(), cert);
        return new Signed(cert, keys.getPrivate());
    }

    private void write(Pair to, Signed ca, X500Name subject, KeyPurposeId purpose, List<GeneralName> names)
            throws GeneralSecurityException, OperatorCreationException, IOException {
        KeyPair keys = keyPair();
        Instant now = Instant.now();
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.cert(), serial(), Date.from(now.minusSeconds(60)),
                Date.from(now.plus(LEAF_LIFETIME)), subject, keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.cert()));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        writePem(to.key(), keys.getPrivate());
        writePem(to.cert(), sign(b, ca.key()));
    }

    private Signed readCa() throws IOException, GeneralSecurityException {
        X509Certificate cert;
        PrivateKey key;
        try (PEMParser p = new PEMParser(Files.newBufferedReader(ca()))) {
            cert = new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) p.readObject());
        }
        try (PEMParser p = new PEMParser(Files.newBufferedReader(dir.resolve("ca.key")))) {
            key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) p.readObject());
        }
        return new Signed(cert, key);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey by)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(by)));
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).abs().add(BigInteger.ONE);
    }

    private static GeneralName dns(String name) {
        return new GeneralName(GeneralName.dNSName, name);
    }

    private static GeneralName ip(String address) {
        return new GeneralName(GeneralName.iPAddress, address);
    }

    /** Written whole (temp file, rename) and owner-only, so a reader never sees half a key. */
    private static void writePem(Path file, Object o) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(text)) {
            w.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text.toString());
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
