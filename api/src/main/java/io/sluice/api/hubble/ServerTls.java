package io.sluice.api.hubble;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** How a TCP listener of Hubble's API is secured: plaintext, TLS, or mutual TLS (clients show a certificate of our CA). */
public sealed interface ServerTls {
    record Plaintext() implements ServerTls {}

    record Tls(Path cert, Path key) implements ServerTls {
        public Tls {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        }
    }

    /** Hubble's agents: only clients whose certificate {@code clientCa} signed get a connection. */
    record MutualTls(Path cert, Path key, Path clientCa) implements ServerTls {
        public MutualTls {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(clientCa, "clientCa");
        }
    }

    ServerTls PLAINTEXT = new Plaintext();

    /** The Netty context, none for plaintext; an unreadable certificate or key is an error naming the files. */
    default Optional<SslContext> context() {
        try {
            return switch (this) {
                case Plaintext p -> Optional.empty();
                case Tls t -> Optional.of(GrpcSslContexts.forServer(new ByteArrayInputStream(Files.readAllBytes(t.cert())), key(t.key())).build());
                case MutualTls m -> Optional.of(GrpcSslContexts.forServer(new ByteArrayInputStream(Files.readAllBytes(m.cert())), key(m.key()))
                        .trustManager(m.clientCa().toFile()).clientAuth(ClientAuth.REQUIRE).build());
            };
        } catch (IOException | IllegalArgumentException e) {
            throw new UncheckedIOException(new IOException("TLS for Hubble's API (" + this + "): " + e.getMessage(), e));
        }
    }

    private static InputStream key(Path file) throws IOException {
        return new ByteArrayInputStream(PemKeys.pkcs8(file));
    }
}
