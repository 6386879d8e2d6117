package io.sluice.api.hubble;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How a client dials Hubble's API over TCP: plaintext, TLS trusting the given CAs (none: the
 * system's), or mutual TLS with a client certificate. {@code serverName}, when not empty, is the
 * name verified on the server's certificate (and sent as SNI), as Hubble's {@code --tls-server-name}.
 */
public sealed interface ClientTls {
    record Plaintext() implements ClientTls {}

    record Tls(List<Path> trust, String serverName) implements ClientTls {
        public Tls {
            trust = List.copyOf(trust);
            Objects.requireNonNull(serverName, "serverName");
        }
    }

    record MutualTls(List<Path> trust, Path cert, Path key, String serverName) implements ClientTls {
        public MutualTls {
            trust = List.copyOf(trust);
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(serverName, "serverName");
        }
    }

    ClientTls PLAINTEXT = new Plaintext();

    /** The same trust and identity, verifying another server name (a relay dialing each peer by its own). */
    default ClientTls withServerName(String name) {
        return switch (this) {
            case Plaintext p -> p;
            case Tls t -> new Tls(t.trust(), name);
            case MutualTls m -> new MutualTls(m.trust(), m.cert(), m.key(), name);
        };
    }

    default String serverName() {
        return switch (this) {
            case Plaintext p -> "";
            case Tls t -> t.serverName();
            case MutualTls m -> m.serverName();
        };
    }

    /** The Netty context (plaintext has none and must not ask); unreadable files are an error naming them. */
    default SslContext context() {
        try {
            SslContextBuilder b = GrpcSslContexts.forClient();
            List<Path> trust = switch (this) {
                case Plaintext p -> throw new IllegalStateException("plaintext has no TLS context");
                case Tls t -> t.trust();
                case MutualTls m -> {
                    b.keyManager(new ByteArrayInputStream(Files.readAllBytes(m.cert())), new ByteArrayInputStream(PemKeys.pkcs8(m.key())));
                    yield m.trust();
                }
            };
            if (!trust.isEmpty()) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (Path p : trust) {
                    all.write(Files.readAllBytes(p));
                    all.write('\n');
                }
                b.trustManager(new ByteArrayInputStream(all.toByteArray()));
            }
            return b.build();
        } catch (IOException e) {
            throw new UncheckedIOException("TLS to Hubble's API: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new UncheckedIOException(new SSLException("TLS to Hubble's API: " + e.getMessage(), e));
        }
    }
}
