package io.sluice.relay;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sluice.api.hubble.ClientTls;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.HubbleServer;
import io.sluice.api.hubble.ServerTls;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Starts the relay: peer discovery, the Observer API on 4245 and gRPC health on 4222. Peers
 * announced with TLS are dialed with the relay's client certificate ({@code sluice.relay.tls-client-*},
 * trusting {@code tls-ca}). Its own API is plaintext on loopback, as Hubble relay's is by default,
 * or TLS on every interface with {@code tls-server-cert/key} (Hubble's {@code tls.server}).
 */
@ApplicationScoped
public class RelayRuntime {
    private static final Logger LOG = Logger.getLogger(RelayRuntime.class);
    static final String VERSION_HEADER = "hubble-relay-version";

    @ConfigProperty(name = "sluice.relay.peer-service", defaultValue = "unix:///var/lib/sluice/hubble.sock")
    String peerService;
    @ConfigProperty(name = "sluice.relay.port", defaultValue = "4245")
    int port;
    /**
     * Where the API and gRPC health listen; empty: loopback when plaintext (the host's other
     * users must not read flows), every interface with TLS. A relay in a pod of its own sets 0.0.0.0.
     */
    @ConfigProperty(name = "sluice.relay.listen-address")
    Optional<String> listenAddress;
    @ConfigProperty(name = "sluice.relay.health-port", defaultValue = "4222")
    int healthPort;
    /** Hubble relay's sort-buffer-len-max and sort-buffer-drain-timeout. */
    @ConfigProperty(name = "sluice.relay.sort-buffer", defaultValue = "100")
    int sortBuffer;
    @ConfigProperty(name = "sluice.relay.sort-timeout-ms", defaultValue = "1000")
    long sortTimeoutMillis;
    @ConfigProperty(name = "sluice.relay.tls-ca")
    Optional<String> tlsCa;
    @ConfigProperty(name = "sluice.relay.tls-client-cert")
    Optional<String> tlsClientCert;
    @ConfigProperty(name = "sluice.relay.tls-client-key")
    Optional<String> tlsClientKey;
    @ConfigProperty(name = "sluice.relay.tls-server-cert")
    Optional<String> tlsServerCert;
    @ConfigProperty(name = "sluice.relay.tls-server-key")
    Optional<String> tlsServerKey;

    private Peers peers;
    private volatile HubbleServer api, health;
    private volatile boolean peersUp;

    void onStart(@Observes StartupEvent ev) {
        ClientTls toPeers = tlsCa.isPresent() && tlsClientCert.isPresent() && tlsClientKey.isPresent()
                ? new ClientTls.MutualTls(List.of(Path.of(tlsCa.get())), Path.of(tlsClientCert.get()), Path.of(tlsClientKey.get()), "")
                : ClientTls.PLAINTEXT;
        ServerTls own = tlsServerCert.isPresent() && tlsServerKey.isPresent()
                ? new ServerTls.Tls(Path.of(tlsServerCert.get()), Path.of(tlsServerKey.get())) : ServerTls.PLAINTEXT;
        InetSocketAddress address = listenAddress.map(a -> new InetSocketAddress(a, port))
                .orElse(own instanceof ServerTls.Plaintext ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port)
                        : new InetSocketAddress(port));
        // Serving once the Peer API answers (the nodes are known), not before, and not while it is away.
        peers = new Peers(peerService, toPeers, up -> {
            peersUp = up;
            showHealth();
        });
        api = new HubbleServer(VERSION_HEADER, HubbleNames.VERSION, null, address, own,
                new RelayObserver(peers, sortBuffer, sortTimeoutMillis));
        if (healthPort > 0) {
            health = new HubbleServer(VERSION_HEADER, HubbleNames.VERSION, null,
                    new InetSocketAddress(listenAddress.orElse("127.0.0.1"), healthPort), ServerTls.PLAINTEXT);
        }
        showHealth();
        LOG.infof("relay serving on %s (%s; health %d), peers from %s (%s)", address,
                own instanceof ServerTls.Plaintext ? "plaintext" : "TLS", healthPort, peerService,
                toPeers instanceof ClientTls.Plaintext ? "plaintext only" : "mutual TLS when announced");
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
