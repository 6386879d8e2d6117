package io.sluice.agent.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.sluice.agent.bpf.DatapathSync;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's own metrics, {@code sluice_*}, in Micrometer's global registry (the agent's
 * Prometheus registry, served beside Hubble's metrics on 9965; without one, as in unit tests,
 * they count nowhere):
 * <ul>
 *   <li>{@code sluice_policy_regeneration_seconds}: one reconcile, inputs to datapath, Envoy and DNS;</li>
 *   <li>{@code sluice_endpoints}: pods enforced in the datapath, and {@code sluice_endpoints_unenforced};</li>
 *   <li>{@code sluice_xds_convergence_seconds{type}}: a configuration pushed to Envoy until Envoy
 *       acknowledged it, per resource type the change touched;</li>
 *   <li>{@code sluice_xds_rejections_total}: configurations Envoy rejected;</li>
 *   <li>{@code sluice_bpf_map_pressure{map_name}}: how full each map the agent writes is, 0 to 1
 *       (Cilium's {@code cilium_bpf_map_pressure}; {@link DatapathSync#pressure()}).</li>
 * </ul>
 */
public final class NodeMetrics {
    /** Bucket bounds, from a fast reconcile to Envoy's slowest acknowledgement the node waits for. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)};
    private static final Timer REGENERATION = Timer.builder("sluice.policy.regeneration")
            .description("Time to compute and write the node's desired state (datapath, Envoy, DNS) from its inputs")
            .serviceLevelObjectives(BUCKETS).register(Metrics.globalRegistry);
    private static final AtomicInteger ENDPOINTS = new AtomicInteger(), UNENFORCED = new AtomicInteger();
    private static final ConcurrentHashMap<String, Timer> CONVERGENCE = new ConcurrentHashMap<>();
    private static final Counter REJECTIONS = Counter.builder("sluice.xds.rejections")
            .description("Configurations Envoy rejected (NACK)").register(Metrics.globalRegistry);

    static {
        // the series of every type exist from the start, so a dashboard shows them before the first change
        for (String type : new String[]{"Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment", "Secret"}) {
            convergence(type);
        }
        Gauge.builder("sluice.endpoints", ENDPOINTS, AtomicInteger::get).description("Pods enforced in the datapath")
                .register(Metrics.globalRegistry);
        Gauge.builder("sluice.endpoints.unenforced", UNENFORCED, AtomicInteger::get)
                .description("Pods the node knows but cannot enforce (their interface is missing)").register(Metrics.globalRegistry);
    }

    private NodeMetrics() {}

    static void reconciled(long nanos, int endpoints, int unenforced) {
        REGENERATION.record(Duration.ofNanos(nanos));
        ENDPOINTS.set(endpoints);
        UNENFORCED.set(unenforced);
    }

    /** Envoy acknowledged a configuration {@code nanos} after it was pushed; {@code type}: one it changed. */
    static void converged(String type, long nanos) {
        convergence(type).record(Duration.ofNanos(nanos));
    }

    private static Timer convergence(String type) {
        return CONVERGENCE.computeIfAbsent(type, t -> Timer.builder("sluice.xds.convergence")
                .description("A configuration pushed to Envoy until Envoy acknowledged it, per resource type it changed")
                .tag("type", t).serviceLevelObjectives(BUCKETS).register(Metrics.globalRegistry));
    }

    /** Reports the datapath's map pressure from now on, one series per map. */
    public static void mapPressure(DatapathSync datapath) {
        for (String map : datapath.pressure().keySet()) {
            Gauge.builder("sluice.bpf.map.pressure", () -> datapath.pressure().getOrDefault(map, 0.0))
                    .description("Entries in a BPF map the agent writes over its capacity (for the per-endpoint policy maps, the fullest)")
                    .tag("map_name", map).register(Metrics.globalRegistry);
        }
    }

    static void rejected() {
        REJECTIONS.increment();
    }
}
