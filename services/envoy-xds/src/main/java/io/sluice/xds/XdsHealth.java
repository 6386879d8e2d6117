package io.sluice.xds;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * envoy-xds's health, {@code /q/health/live} and {@code /q/health/ready} (on a unix socket beside
 * the node's, or on 127.0.0.1 in Envoy's pod): live once it serves ADS and the agent's sync;
 * ready while Envoy holds an ADS stream, since without it nothing the agent sends reaches Envoy.
 */
@ApplicationScoped
public class XdsHealth {
    private final XdsRuntime runtime;

    XdsHealth(XdsRuntime runtime) {
        this.runtime = runtime;
    }

    @Produces
    @Liveness
    HealthCheck serving() {
        return () -> HealthCheckResponse.named("envoy-xds").status(runtime.serving()).build();
    }

    @Produces
    @Readiness
    HealthCheck envoy() {
        return () -> {
            boolean up = runtime.envoyConnected();
            var r = HealthCheckResponse.named("envoy").status(up)
                    .withData("agents", runtime.agents());
            if (!up) {
                return r.withData("problem", "Envoy is not connected to envoy-xds").build();
            }
            return r.withData("running", runtime.running().isEmpty() ? "none yet" : runtime.running()).build();
        };
    }
}
