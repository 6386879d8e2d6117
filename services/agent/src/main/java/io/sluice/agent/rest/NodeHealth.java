package io.sluice.agent.rest;

import io.sluice.agent.config.NodeRuntime;
import io.sluice.agent.node.NodeView;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code /q/health/ready} on the node API's socket, the agent pod's readiness probe: the
 * datapath is loaded and the node has its inputs, the API server answers (Kubernetes mode), and
 * Envoy is connected to its xDS server (when the node has Envoy). A policy or config the node
 * refuses does not make it unready: that is the object's problem, reported on the object.
 */
@Readiness
@ApplicationScoped
public class NodeHealth implements HealthCheck {
    private final NodeRuntime runtime;

    NodeHealth(NodeRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        List<String> down = new ArrayList<>();
        NodeView view;
        try {
            view = runtime.view();
        } catch (RuntimeException e) {
            view = null;
        }
        if (view == null) {
            down.add("the node is not up");
        } else {
            view.problems().stream().filter(p -> p.component().equals("Kubernetes")).forEach(p -> down.add(p.message()));
            if (runtime.processes().l7()) {
                view.xds().map(io.sluice.agent.xds.XdsClient::status).ifPresent(s -> {
                    if (!s.xdsConnected()) {
                        down.add("envoy-xds is not connected");
                    } else if (!s.envoyConnected()) {
                        down.add("Envoy is not connected to envoy-xds");
                    }
                });
            }
        }
        return HealthCheckResponse.named("sluice-node").status(down.isEmpty())
                .withData("problems", down.isEmpty() ? "none" : String.join("; ", down)).build();
    }
}
