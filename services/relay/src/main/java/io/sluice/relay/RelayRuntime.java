package io.sluice.relay;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sluice.api.hubble.ClientTls;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.HubbleServer;
import io.sluice.api.hubble.ServerTls;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts the relay: peer discovery, the Observer API on 4245 and gRPC health on 4222. Peers
 * announced with TLS are dialed with the relay's client certificate ({@code sluice.relay.tls-client-*},
 * trusting {@code tls-ca}). Its own API is plaintext on loopback, as Hubble relay's is by default,
 * or TLS on every interface with {@code tls-server-cert/key} (Hubble's {@code tls.server}); the
 * settings are {@link RelayConfig}.
 */
@ApplicationScoped
public class RelayRuntime {
    private static final Logger LOG = Logger.getLogger(RelayRuntime.class);
    static final String VERSION_HEADER = "hubble-relay-version";

    @Inject
    RelayConfig config;

    private volatile Peers peers;
    private volatile HubbleServer api, health;
    private volatile boolean peersUp;

    void onStart(@Observes StartupEvent ev) {
        ClientTls toPeers = config.tlsCa().isPresent() && config.tlsClientCert().isPresent() && config.tlsClientKey().isPresent()
                ? new ClientTls.MutualTls(List.of(Path.of(config.tlsCa().get())), Path.of(config.tlsClientCert().get()),
                        Path.of(config.tlsClientKey().get()), "")
                : ClientTls.PLAINTEXT;
        ServerTls own = config.tlsServerCert().isPresent() && config.tlsServerKey().isPresent()
                ? new ServerTls.Tls(Path.of(config.tlsServerCert().get()), Path.of(config.tlsServerKey().get())) : ServerTls.PLAINTEXT;
        int port = config.port(), healthPort = config.healthPort();
        String peerService = config.peerService();
        InetSocketAddress address = config.listenAddress().map(a -> new InetSocketAddress(a, port))
                .orElse(own instanceof ServerTls.Plaintext ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port)
                        : new InetSocketAddress(port));
        // Serving once the Peer API answers (the nodes are known), not before, and not while it is away.
        peers = new Peers(peerService, toPeers, up -> {
            peersUp = up;
            showHealth();
        });
        api = new HubbleServer(VERSION_HEADER, HubbleNames.VERSION, null, address, own,
                new RelayObserver(peers, config.sortBuffer(), config.sortTimeoutMs()));
        if (healthPort > 0) {
            health = new HubbleServer(VERSION_HEADER, HubbleNames.VERSION, null,
                    new InetSocketAddress(config.listenAddress().orElse("127.0.0.1"), healthPort), ServerTls.PLAINTEXT);
        }
        showHealth();
        LOG.infof("relay serving on %s (%s; health %d), peers from %s (%s)", address,
                own instanceof ServerTls.Plaintext ? "plaintext" : "TLS", healthPort, peerService,
                toPeers instanceof ClientTls.Plaintext ? "plaintext only" : "mutual TLS when announced");
    }

    boolean serving() {
        return api != null;
    }

    boolean peersUp() {
        return peersUp;
    }

    Peers peers() {
        return peers;
    }

    String peerService() {
        return config.peerService();
    }

    /** The servers' health as the Peer API's stream is; synchronized: the watcher and the start both call it. */
    private synchronized void showHealth() {
        for (HubbleServer s : new HubbleServer[]{api, health}) {
            if (s != null) {
                s.serving(peersUp);
            }
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (api != null) {
            api.close();
        }
        if (health != null) {
            health.close();
        }
        if (peers != null) {
            peers.close();
        }
    }
}
