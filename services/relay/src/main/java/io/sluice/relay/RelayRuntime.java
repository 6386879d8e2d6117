package io.sluice.relay;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sluice.api.hubble.HubbleServer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;

/** Starts the relay: peer discovery, the Observer API on 4245 and gRPC health on 4222. */
@ApplicationScoped
public class RelayRuntime {
    private static final Logger LOG = Logger.getLogger(RelayRuntime.class);
    static final String VERSION_HEADER = "hubble-relay-version";

    @ConfigProperty(name = "sluice.relay.peer-service", defaultValue = "unix:///var/lib/sluice/hubble.sock")
    String peerService;
    @ConfigProperty(name = "sluice.relay.port", defaultValue = "4245")
    int port;
    @ConfigProperty(name = "sluice.relay.health-port", defaultValue = "4222")
    int healthPort;
    /** Hubble relay's sort-buffer-len-max and sort-buffer-drain-timeout. */
    @ConfigProperty(name = "sluice.relay.sort-buffer", defaultValue = "100")
    int sortBuffer;
    @ConfigProperty(name = "sluice.relay.sort-timeout-ms", defaultValue = "1000")
    long sortTimeoutMillis;

    private Peers peers;
    private HubbleServer api, health;

    void onStart(@Observes StartupEvent ev) {
        peers = new Peers(peerService);
        api = new HubbleServer(VERSION_HEADER, io.sluice.api.hubble.HubbleNames.VERSION, null, new InetSocketAddress(port),
                new RelayObserver(peers, sortBuffer, sortTimeoutMillis));
        if (healthPort > 0) {
            health = new HubbleServer(VERSION_HEADER, io.sluice.api.hubble.HubbleNames.VERSION, null,
                    new InetSocketAddress(healthPort));
        }
        LOG.infof("relay serving on %d (health %d), peers from %s", port, healthPort, peerService);
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
