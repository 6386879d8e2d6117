package io.sluice.operator;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Part of the operator's readiness: the API server answers. The controllers' own checks stay UP
 * while their informers wait to reconnect, so without this an operator that can neither validate
 * nor allocate would still say it is ready. Asked at each probe (a version request), by a client of
 * its own that neither retries nor waits more than 2 s, so probes never pile up behind retries.
 */
@Readiness
@ApplicationScoped
public class ApiServerHealth implements HealthCheck {
    private final KubernetesClient client;

    ApiServerHealth(KubernetesClient operators) {
        this.client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(operators.getConfiguration())
                .withRequestRetryBackoffLimit(0).withRequestTimeout(2000).withConnectionTimeout(2000).build()).build();
    }

    @PreDestroy
    void close() {
        client.close();
    }

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("api-server").withData("server", client.getMasterUrl().toString());
        try {
            client.getKubernetesVersion();
            return r.up().build();
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return r.down().withData("problem", "the API server does not answer: " + root.getMessage()).build();
        }
    }
}
