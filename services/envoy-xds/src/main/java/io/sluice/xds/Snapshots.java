package io.sluice.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;

import com.google.protobuf.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Turns the agent's snapshot message into a java-control-plane snapshot. Resources of a type
 * Envoy's ADS does not serve here are refused as a whole, naming the type. Resources whose
 * bytes did not change since the previous snapshot are not parsed again: the same message
 * objects are reused (their hashes, which the cache's versions come from, are memoised).
 * Not thread-safe: one owner.
 *
 * <p>A route configuration the agent no longer sends stays in the snapshots for
 * {@link #ROUTE_GRACE} (the longest Envoy drains a removed listener, which keeps its route
 * subscription meanwhile). The cache sends a resource that comes back under a subscribed name
 * only if it still tracks it: removed and added again (a config deleted and applied again with
 * other routes), Envoy would keep the old routes until the draining listener is gone.
 */
public final class Snapshots {
    /** Envoy's default --drain-time-s (600 s), and a margin. */
    public static final Duration ROUTE_GRACE = Duration.ofSeconds(660);
    private Map<Any, Message> parsed = new HashMap<>();
    private Map<String, RouteConfiguration> lastRoutes = Map.of();
    private final Map<String, Removed> removedRoutes = new HashMap<>();
    private final LongSupplier clock;

    private record Removed(RouteConfiguration route, long sinceNanos) {}

    public Snapshots() {
        this(System::nanoTime);
    }

    /** clock: nanoseconds, for the route grace period. */
    Snapshots(LongSupplier clock) {
        this.clock = clock;
    }

    public Snapshot of(io.sluice.api.xds.sync.Snapshot message) throws InvalidProtocolBufferException {
        Map<Any, Message> now = new HashMap<>();
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        List<RouteConfiguration> routes = new ArrayList<>();
        List<Secret> secrets = new ArrayList<>();
        for (Any a : message.getResourcesList()) {
            if (a.is(Listener.class)) {
                listeners.add(unpack(a, Listener.class, now));
            } else if (a.is(RouteConfiguration.class)) {
                routes.add(unpack(a, RouteConfiguration.class, now));
            } else if (a.is(Cluster.class)) {
                clusters.add(unpack(a, Cluster.class, now));
            } else if (a.is(ClusterLoadAssignment.class)) {
                endpoints.add(unpack(a, ClusterLoadAssignment.class, now));
            } else if (a.is(Secret.class)) {
                secrets.add(unpack(a, Secret.class, now));
            } else {
                throw new InvalidProtocolBufferException("unsupported resource type " + a.getTypeUrl());
            }
        }
        Snapshot snapshot = Snapshot.create(clusters, endpoints, listeners, withRemovedRoutes(routes), secrets,
                message.getVersion());
        parsed = now;
        return snapshot;
    }

    /** routes, and the ones sent before and not since, within their grace period (see the class). */
    private List<RouteConfiguration> withRemovedRoutes(List<RouteConfiguration> routes) {
        long now = clock.getAsLong();
        Map<String, RouteConfiguration> current = new HashMap<>();
        routes.forEach(r -> current.put(r.getName(), r));
        lastRoutes.forEach((name, r) -> {
            if (!current.containsKey(name)) {
                removedRoutes.putIfAbsent(name, new Removed(r, now));
            }
        });
        lastRoutes = current;
        removedRoutes.keySet().removeIf(current::containsKey);
        removedRoutes.values().removeIf(r -> now - r.sinceNanos() > ROUTE_GRACE.toNanos());
        List<RouteConfiguration> out = new ArrayList<>(routes);
        removedRoutes.values().forEach(r -> out.add(r.route()));
        return out;
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> T unpack(Any a, Class<T> type, Map<Any, Message> now) throws InvalidProtocolBufferException {
        Message m = parsed.get(a);
        T out = m != null ? (T) m : a.unpack(type);
        now.put(a, out);
        return out;
    }
}
