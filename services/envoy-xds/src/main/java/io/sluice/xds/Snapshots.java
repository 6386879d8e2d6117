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

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the agent's snapshot message into a java-control-plane snapshot. Resources of a type
 * Envoy's ADS does not serve here are refused as a whole, naming the type.
 */
public final class Snapshots {
    private Snapshots() {}

    public static Snapshot of(DiscoveryResponse message) throws InvalidProtocolBufferException {
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        List<RouteConfiguration> routes = new ArrayList<>();
        List<Secret> secrets = new ArrayList<>();
        for (Any a : message.getResourcesList()) {
            if (a.is(Listener.class)) {
                listeners.add(a.unpack(Listener.class));
            } else if (a.is(RouteConfiguration.class)) {
                routes.add(a.unpack(RouteConfiguration.class));
            } else if (a.is(Cluster.class)) {
                clusters.add(a.unpack(Cluster.class));
            } else if (a.is(ClusterLoadAssignment.class)) {
                endpoints.add(a.unpack(ClusterLoadAssignment.class));
            } else if (a.is(Secret.class)) {
                secrets.add(a.unpack(Secret.class));
            } else {
                throw new InvalidProtocolBufferException("unsupported resource type " + a.getTypeUrl());
            }
        }
        return Snapshot.create(clusters, endpoints, listeners, routes, secrets, message.getVersionInfo());
    }
}
