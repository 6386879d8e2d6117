package io.sluice.api.hubble;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Private keys as the TLS stack reads them: PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). Keys made
 * by Helm's {@code genCA}/{@code genSignedCert} (Cilium's {@code hubble.tls.auto.method=helm})
 * are PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}); those are wrapped into PKCS#8 here, in memory.
 *
 * <p>Example: {@code -----BEGIN RSA PRIVATE KEY-----<der>} becomes {@code -----BEGIN PRIVATE KEY-----}
 * over {@code SEQUENCE { INTEGER 0, SEQUENCE { OID rsaEncryption, NULL }, OCTET STRING <der> }}.
 * Stateless and thread-safe.
 */
public final class PemKeys {
    private static final String RSA = "RSA PRIVATE KEY", PKCS8 = "PRIVATE KEY";
    /** AlgorithmIdentifier { 1.2.840.113549.1.1.1 (rsaEncryption), NULL }. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
        0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private PemKeys() {}

    /** The key file as PKCS#8 PEM; a file that is neither PKCS#8 nor PKCS#1 RSA is an error naming it. */
    public static byte[] pkcs8(Path key) throws IOException {
        String pem = Files.readString(key, StandardCharsets.US_ASCII);
        if (pem.contains("-----BEGIN " + PKCS8 + "-----")) {
            return pem.getBytes(StandardCharsets.US_ASCII);
        }
        if (!pem.contains("-----BEGIN " + RSA + "-----")) {
            throw new IOException("private key " + key + ": expected a PEM 'PRIVATE KEY' (PKCS#8) or 'RSA PRIVATE KEY' (PKCS#1)");
        }
        return pem(PKCS8, wrapRsa(der(pem, RSA)));
    }

    /** PrivateKeyInfo of a PKCS#1 RSAPrivateKey. */
    static byte[] wrapRsa(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.writeBytes(tlv(0x04, pkcs1));
        return tlv(0x30, body.toByteArray());
    }

    /** A DER element: tag, definite length (short or long form), value. */
    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] der(String pem, String label) throws IOException {
        int begin = pem.indexOf("-----BEGIN " + label + "-----"), end = pem.indexOf("-----END " + label + "-----");
        if (end < begin) {
            throw new IOException("PEM block " + label + " has no end");
        }
        String body = pem.substring(begin + label.length() + 16, end);
        if (body.contains(":")) {
            throw new IOException("PEM block " + label + " is encrypted; give the key unencrypted");
        }
        return Base64.getMimeDecoder().decode(body);
    }

    private static byte[] pem(String label, byte[] der) {
        return ("-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }
}
