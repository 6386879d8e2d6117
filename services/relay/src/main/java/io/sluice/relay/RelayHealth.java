package io.sluice.relay;

import io.grpc.ConnectivityState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import java.util.stream.Collectors;

/**
 * The relay's health, {@code /q/health/live} and {@code /q/health/ready} (on a unix socket on the
 * standalone node, on the pod's port in a cluster), as its gRPC health on 4222 says it: live once
 * it serves the Observer API; ready while the Peer API's stream is up, so the nodes are known.
 * The nodes the relay cannot reach are named; they do not make it unready, since the others'
 * flows still come (GetFlows tells the client which nodes are missing).
 */
@ApplicationScoped
public class RelayHealth {
    private final RelayRuntime runtime;

    RelayHealth(RelayRuntime runtime) {
        this.runtime = runtime;
    }

    @Produces
    @Liveness
    HealthCheck serving() {
        return () -> HealthCheckResponse.named("relay").status(runtime.serving()).build();
    }

    @Produces
    @Readiness
    HealthCheck peers() {
        return () -> {
            var peers = runtime.peers();
            if (peers == null || !runtime.peersUp()) {
                return HealthCheckResponse.named("peers").down()
                        .withData("problem", "the Peer API (" + runtime.peerService() + ") is not answering").build();
            }
            var all = peers.all();
            String unavailable = all.stream().filter(p -> p.channel().getState(false) == ConnectivityState.TRANSIENT_FAILURE)
                    .map(Peers.Peer::name).sorted().collect(Collectors.joining(", "));
            return HealthCheckResponse.named("peers").up().withData("nodes", all.size())
                    .withData("unavailable", unavailable.isEmpty() ? "none" : unavailable).build();
        };
    }
}
