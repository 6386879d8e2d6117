package io.sluice.relay;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.sluice.api.node.NodeDefaults;

import java.util.Optional;

/**
 * The relay's settings, {@code sluice.relay.*} (system properties as the agent starts it, or
 * {@code SLUICE_RELAY_*} variables in its pod), each with its default here only.
 */
@ConfigMapping(prefix = "sluice.relay")
public interface RelayConfig {
    /** Hubble's Peer API: {@code unix:///path}, {@code host:port}, or {@code tls://host:port} (mutual TLS). */
    @WithDefault("unix:///var/lib/sluice/hubble.sock")
    String peerService();

    /** The Observer API (Hubble relay's 4245). */
    @WithDefault(NodeDefaults.RELAY_PORT)
    int port();

    /**
     * Where the API and gRPC health listen: loopback by default (the host's other users must not
     * read flows); a relay in a pod of its own, or one serving TLS to other hosts, sets 0.0.0.0.
     */
    @WithDefault("127.0.0.1")
    String listenAddress();

    /** gRPC health (Hubble relay's 4222); 0: none. */
    @WithDefault(NodeDefaults.RELAY_HEALTH_PORT)
    int healthPort();

    /** Hubble relay's sort-buffer-len-max. */
    @WithDefault("100")
    int sortBuffer();

    /** Hubble relay's sort-buffer-drain-timeout, in milliseconds. */
    @WithDefault("1000")
    long sortTimeoutMs();

    /** The CA the nodes' certificates are checked against. */
    Optional<String> tlsCa();

    /** The relay's client certificate and key, shown to the nodes. */
    Optional<String> tlsClientCert();

    Optional<String> tlsClientKey();

    /** Hubble's tls.server: the Observer API over TLS with this certificate and key. */
    Optional<String> tlsServerCert();

    Optional<String> tlsServerKey();
}
