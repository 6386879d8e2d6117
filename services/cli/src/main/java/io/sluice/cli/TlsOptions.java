package io.sluice.cli;

import io.sluice.api.hubble.ClientTls;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** Hubble CLI's TLS flags, for commands that dial a Hubble server: TLS with {@code --tls} or a {@code tls://} server. */
final class TlsOptions {
    @Option(names = "--tls", description = "Dial the server over TLS (also implied by tls://).")
    boolean tls;
    @Option(names = "--tls-ca-cert-files", split = ",", description = "CA certificates to trust (PEM; default: the system's).")
    List<Path> caFiles = List.of();
    @Option(names = "--tls-client-cert-file", description = "Client certificate for mutual TLS (PEM).")
    Path clientCert;
    @Option(names = "--tls-client-key-file", description = "Its key (PEM).")
    Path clientKey;
    @Option(names = "--tls-server-name", defaultValue = "", description = "Name to verify on the server's certificate.")
    String serverName;

    ClientTls tls(String server) {
        if (!tls && !server.startsWith("tls://")) {
            return ClientTls.PLAINTEXT;
        }
        if ((clientCert == null) != (clientKey == null)) {
            throw new CliException("--tls-client-cert-file and --tls-client-key-file go together");
        }
        return clientCert == null ? new ClientTls.Tls(caFiles, serverName)
                : new ClientTls.MutualTls(caFiles, clientCert, clientKey, serverName);
    }

    /** The address to dial: with --tls, a bare host:port becomes tls://host:port. */
    String target(String server) {
        return tls && !server.startsWith("tls://") && !server.startsWith("unix://") ? "tls://" + server : server;
    }
}
