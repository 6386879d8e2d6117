package io.sluice.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;

import com.google.protobuf.Message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * Turns the agent's snapshot message into a java-control-plane snapshot. Resources of a type
 * Envoy's ADS does not serve here are refused as a whole, naming the type. Resources whose
 * bytes did not change since the previous snapshot are not parsed again: the same message
 * objects are reused (their hashes, which the cache's versions come from, are memoised).
 * Not thread-safe: one owner.
 */
public final class Snapshots {
    private Map<Any, Message> parsed = new HashMap<>();

    public Snapshot of(DiscoveryResponse message) throws InvalidProtocolBufferException {
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
        Snapshot snapshot = Snapshot.create(clusters, endpoints, listeners, routes, secrets, message.getVersionInfo());
        parsed = now;
        return snapshot;
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> T unpack(Any a, Class<T> type, Map<Any, Message> now) throws InvalidProtocolBufferException {
        Message m = parsed.get(a);
        T out = m != null ? (T) m : a.unpack(type);
        now.put(a, out);
        return out;
    }
}
