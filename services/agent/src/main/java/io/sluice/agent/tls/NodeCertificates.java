package io.sluice.agent.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
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
 * EC P-256 keys in PKCS#8 PEM (mode 0600), certificates in PEM, made with the JDK alone (the
 * certificate's encoding is {@link Der}'s). Not thread-safe: one agent issues.
 */
public record NodeCertificates(Path dir) {
    /** A certificate and its key, as files. */
    public record Pair(Path cert, Path key) {}

    private static final Duration CA_LIFETIME = Duration.ofDays(3 * 365), LEAF_LIFETIME = Duration.ofDays(365);
    private static final SecureRandom RANDOM = new SecureRandom();
    // RFC 5280 4.2.1 and 4.1.1.2; RFC 5758 3.2 (ecdsa-with-SHA256, no parameters)
    private static final String BASIC_CONSTRAINTS = "2.5.29.19", KEY_USAGE = "2.5.29.15", EXTENDED_KEY_USAGE = "2.5.29.37",
            SUBJECT_ALT_NAME = "2.5.29.17", SUBJECT_KEY_ID = "2.5.29.14", AUTHORITY_KEY_ID = "2.5.29.35",
            SERVER_AUTH = "1.3.6.1.5.5.7.3.1", CLIENT_AUTH = "1.3.6.1.5.5.7.3.2", COMMON_NAME = "2.5.4.3";
    private static final byte[] ECDSA_WITH_SHA256 = Der.sequence(Der.oid("1.2.840.10045.4.3.2"));

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
            c.write(c.server(), ca, serverName(nodeName), SERVER_AUTH, List.of(dns(serverName(nodeName)), dns("localhost"), ip("127.0.0.1")));
            c.write(c.client(), ca, "hubble-client.sluice", CLIENT_AUTH, List.of(dns("hubble-client.sluice")));
            c.write(c.relayServer(), ca, "relay.hubble-relay.cilium.io", SERVER_AUTH,
                    List.of(dns("*.hubble-relay.cilium.io"), dns("localhost"), ip("127.0.0.1")));
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("issue the node's certificates in " + dir, e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("issue the node's certificates in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A signing identity: the CA's certificate and key. */
    private record Signed(X509Certificate cert, PrivateKey key) {}

    private Pair pair(String name) {
        return new Pair(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    }

    private Signed writeCa() throws GeneralSecurityException, IOException {
        KeyPair keys = keyPair();
        byte[] name = name("Sluice node CA");
        X509Certificate cert = sign(name, name, keys.getPublic(), CA_LIFETIME, keys.getPrivate(),
                extension(BASIC_CONSTRAINTS, true, Der.sequence(Der.bool(true))),
                // keyCertSign (bit 5) and cRLSign (bit 6): 0000 011x, the last bit unused
                extension(KEY_USAGE, true, Der.bits(new byte[]{0x06}, 1)),
                extension(SUBJECT_KEY_ID, false, Der.octets(keyId(keys.getPublic()))));
        writePem(dir.resolve("ca.key"), "PRIVATE KEY", keys.getPrivate().getEncoded());
        writePem(ca(), "CERTIFICATE", cert.getEncoded());
        return new Signed(cert, keys.getPrivate());
    }

    private void write(Pair to, Signed ca, String commonName, String purpose, List<byte[]> names)
            throws GeneralSecurityException, IOException {
        KeyPair keys = keyPair();
        X509Certificate cert = sign(ca.cert().getSubjectX500Principal().getEncoded(), name(commonName), keys.getPublic(),
                LEAF_LIFETIME, ca.key(),
                extension(BASIC_CONSTRAINTS, true, Der.sequence()),
                // digitalSignature (bit 0) and keyEncipherment (bit 2): 101x xxxx, five bits unused
                extension(KEY_USAGE, true, Der.bits(new byte[]{(byte) 0xa0}, 5)),
                extension(EXTENDED_KEY_USAGE, false, Der.sequence(Der.oid(purpose))),
                extension(SUBJECT_ALT_NAME, false, Der.sequence(names.toArray(byte[][]::new))),
                extension(AUTHORITY_KEY_ID, false, Der.sequence(Der.implicit(0, authorityKeyId(ca.cert())))),
                extension(SUBJECT_KEY_ID, false, Der.octets(keyId(keys.getPublic()))));
        writePem(to.key(), "PRIVATE KEY", keys.getPrivate().getEncoded());
        writePem(to.cert(), "CERTIFICATE", cert.getEncoded());
    }

    private Signed readCa() throws IOException, GeneralSecurityException {
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(ca())));
        byte[] pkcs8 = readPem(dir.resolve("ca.key"), "PRIVATE KEY");
        return new Signed(cert, KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
    }

    /** An X.509 v3 certificate (RFC 5280 4.1) of {@code subject}'s key, signed by {@code by}. */
    private static X509Certificate sign(byte[] issuer, byte[] subject, PublicKey key, Duration lifetime, PrivateKey by,
            byte[]... extensions) throws GeneralSecurityException {
        Instant now = Instant.now();
        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(BigInteger.TWO)), // v3
                Der.integer(serial()),
                ECDSA_WITH_SHA256,
                issuer,
                Der.sequence(Der.time(now.minusSeconds(60)), Der.time(now.plus(lifetime))),
                subject,
                key.getEncoded(), // SubjectPublicKeyInfo
                Der.explicit(3, Der.sequence(extensions)));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(by, RANDOM);
        s.update(tbs);
        byte[] cert = Der.sequence(tbs, ECDSA_WITH_SHA256, Der.bits(s.sign()));
        // read back by the JDK: what it cannot parse is refused here, not by a peer's handshake
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(cert));
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octets(value)) : Der.sequence(Der.oid(oid), Der.octets(value));
    }

    /** A name of one common name, as UTF8String. */
    private static byte[] name(String commonName) {
        return Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8(commonName))));
    }

    /** RFC 5280 4.2.1.2, method (1): SHA-1 of the subjectPublicKey BIT STRING's bits. */
    private static byte[] keyId(PublicKey key) throws GeneralSecurityException {
        byte[] bits = Der.contents(Der.children(key.getEncoded()).get(1));
        return MessageDigest.getInstance("SHA-1").digest(Arrays.copyOfRange(bits, 1, bits.length));
    }

    /** The CA's own key identifier when it has one (a CA kept from before), else computed from its key. */
    private static byte[] authorityKeyId(X509Certificate ca) throws GeneralSecurityException {
        byte[] ext = ca.getExtensionValue(SUBJECT_KEY_ID); // OCTET STRING around the extension's OCTET STRING
        return ext != null ? Der.contents(Der.contents(ext)) : keyId(ca.getPublicKey());
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    /** A subjectAltName dNSName ({@code [2] IA5String}). */
    private static byte[] dns(String name) {
        return Der.implicit(2, name.getBytes(StandardCharsets.US_ASCII));
    }

    /** A subjectAltName iPAddress ({@code [7] OCTET STRING} of the address' bytes). */
    private static byte[] ip(String address) {
        try {
            return Der.implicit(7, InetAddress.getByName(address).getAddress());
        } catch (IOException e) {
            throw new IllegalArgumentException("not an IP address: " + address, e);
        }
    }

    private static byte[] readPem(Path file, String type) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + type + "-----", end = "-----END " + type + "-----";
        int from = text.indexOf(begin), to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IOException(file + " holds no PEM " + type);
        }
        return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    }

    /** Written whole (temp file, rename) and owner-only, so a reader never sees half a key. */
    private static void writePem(Path file, String type, byte[] der) throws IOException {
        String text = "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
