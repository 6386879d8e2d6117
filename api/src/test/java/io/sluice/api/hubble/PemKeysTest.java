package io.sluice.api.hubble;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PemKeysTest {
    @TempDir
    Path dir;

    @Test
    void pkcs8_wrapsAPkcs1RsaKeyIntoTheSameKey() throws Exception {
        PrivateKey key = KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate();
        byte[] info = key.getEncoded();
        // a 2048-bit key's PrivateKeyInfo: 4 bytes of SEQUENCE, 3 of version, 15 of algorithm, 4 of OCTET STRING
        byte[] pkcs1 = Arrays.copyOfRange(info, 26, info.length);
        Path file = write("RSA PRIVATE KEY", pkcs1);

        String pem = new String(PemKeys.pkcs8(file), StandardCharsets.US_ASCII);

        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        assertThat(der).isEqualTo(info);
        assertThat(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der))).isEqualTo(key);
    }

    @Test
    void pkcs8_keepsAPkcs8Key() throws Exception {
        Path file = write("PRIVATE KEY", new byte[] {0x30, 0x00});
        assertThat(PemKeys.pkcs8(file)).isEqualTo(Files.readAllBytes(file));
    }

    @Test
    void pkcs8_refusesAnotherKindNamingTheFile() throws Exception {
        Path file = write("EC PRIVATE KEY", new byte[] {0x30, 0x00});
        assertThatThrownBy(() -> PemKeys.pkcs8(file)).hasMessageContaining(file.toString())
                .hasMessageContaining("'RSA PRIVATE KEY' (PKCS#1)");
    }

    private Path write(String label, byte[] der) throws Exception {
        Path file = dir.resolve("tls.key");
        Files.writeString(file, "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END " + label + "-----\n");
        return file;
    }
}
