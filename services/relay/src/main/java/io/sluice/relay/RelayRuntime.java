package io.sluice.relay;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.HealthStatusManager;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.runtime.GrpcServerRecorder;
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

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts the relay: peer discovery, and gRPC health on 4222 and beside the Observer API, both
 * SERVING while the Peer API's stream is up. The Observer API ({@link RelayObserver}) is served by
 * quarkus-grpc on {@code sluice.relay.port}, plaintext, or TLS with {@code tls-server-cert/key}
 * (Hubble's {@code tls.server}), on {@code sluice.relay.listen-address} (loopback by default). Peers
 * announced with TLS are dialed with the relay's client certificate ({@code sluice.relay.tls-client-*},
 * trusting {@code tls-ca}). The settings are {@link RelayConfig}.
 */
@ApplicationScoped
public class RelayRuntime {
    private static final Logger LOG = Logger.getLogger(RelayRuntime.class);

    @Inject
    RelayConfig config;

    /** The gRPC health answered on the Observer API's port ({@link ApiHealth}). */
    private final HealthStatusManager apiHealth = new HealthStatusManager();
    private volatile Peers peers;
    private volatile HubbleServer health;
    private volatile boolean peersUp;

    void onStart(@Observes StartupEvent ev) {
        // quarkus-grpc starts its server before this event and, in production, only logs a failure
        // to listen (an address in use); a relay without its API must not go on as if it served.
        if (GrpcServerRecorder.getVerticleCount() == 0) {
            throw new IllegalStateException("the relay's Observer API is not served: no gRPC server listens on "
                    + config.listenAddress() + ":" + config.port() + " (the error above says why)");
        }
        ClientTls toPeers = config.tlsCa().isPresent() && config.tlsClientCert().isPresent() && config.tlsClientKey().isPresent()
                ? new ClientTls.MutualTls(List.of(Path.of(config.tlsCa().get())), Path.of(config.tlsClientCert().get()),
                        Path.of(config.tlsClientKey().get()), "")
                : ClientTls.PLAINTEXT;
        String peerService = config.peerService();
        showHealth();
        if (config.healthPort() > 0) {
            health = new HubbleServer(RelayObserver.VERSION_HEADER, HubbleNames.VERSION, null,
                    new InetSocketAddress(config.listenAddress(), config.healthPort()), ServerTls.PLAINTEXT);
        }
        // Serving once the Peer API answers (the nodes are known), not before, and not while it is away.
        peers = new Peers(peerService, toPeers, up -> {
            peersUp = up;
            showHealth();
        });
        LOG.infof("relay serving on %s:%d (%s; health %d), peers from %s (%s)", config.listenAddress(), config.port(),
                config.tlsServerCert().isPresent() ? "TLS" : "plaintext", config.healthPort(), peerService,
                toPeers instanceof ClientTls.Plaintext ? "plaintext only" : "mutual TLS when announced");
    }

    /** True once started: quarkus-grpc serves the Observer API before the start event, or the relay does not start. */
    boolean serving() {
        return peers != null;
    }

    boolean peersUp() {
        return peersUp;
    }

    Peers peers() {
        return peers;
    }

    HealthStatusManager apiHealth() {
        return apiHealth;
    }

    String peerService() {
        return config.peerService();
    }

    /** The health services' answer as the Peer API's stream is; synchronized: the watcher and the start both call it. */
    private synchronized void showHealth() {
        HubbleServer.serving(apiHealth, peersUp);
        if (health != null) {
            health.serving(peersUp);
        }
    }

    /** gRPC health on the Observer API's port, as Hubble relay answers it there. */
    @GrpcService
    static class ApiHealth implements BindableService {
        @Inject
        RelayRuntime runtime;

        @Override
        public ServerServiceDefinition bindService() {
            return runtime.apiHealth().getHealthService().bindService();
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (health != null) {
            health.close();
        }
        if (peers != null) {
            peers.close();
        }
    }
}
