package io.sluice.agent.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.sluice.agent.service.Frontend;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.sluice.manifest.EnvoyConfigReader;
import io.sluice.manifest.ObjectRef;
import io.sluice.manifest.Resource;
import io.sluice.policy.Cidr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * A CiliumEnvoyConfig or CiliumClusterwideEnvoyConfig as Envoy gets it, as Cilium programs one:
 * its resources with what Cilium fills in, and the ClusterLoadAssignments of the Services it
 * names. Pure.
 * <ul>
 * <li>names qualified as the reader judged them ({@link EnvoyConfigReader#qualify}): each
 * resource's own, and the references to them (an HTTP connection manager's route configuration,
 * route and weighted clusters, a TCP proxy's cluster; listener, route configuration and virtual
 * host names always);</li>
 * <li>a listener without an address listens on 127.0.0.1 at a proxy port stable per listener
 * name ({@code portOf});</li>
 * <li>an HTTP connection manager's RDS and an EDS cluster without a config source get the
 * control plane's (ADS);</li>
 * <li>a cluster without circuit breakers gets Cilium's defaults (1024 connections, 1024
 * requests, 128 retries);</li>
 * <li>for each Service of {@code services} and {@code backendServices}: an assignment
 * {@code ns/svc:port} per port (the listed ones, or all) and {@code ns/svc} with the backends of
 * all of them, from the Service's ready backends.</li>
 * </ul>
 */
public final class EnvoyConfigs {
    private static final String HCM = "type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName();
    private static final String TCP_PROXY = "type.googleapis.com/" + TcpProxy.getDescriptor().getFullName();
    private static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
            .setResourceApiVersion(ApiVersion.V3).build();

    /**
     * What one config becomes: Envoy's resources, the port of each listener it listens on, and
     * its first listener (the one {@code services} go to unless they name another).
     */
    public record Translated(List<Any> resources, Map<String, Integer> listenerPorts, String firstListener) {
        public Translated {
            resources = List.copyOf(resources);
            listenerPorts = Map.copyOf(listenerPorts);
        }
    }

    /** A listed port no frontend has: the listed set is not empty, and matches nothing. */
    private static final int NO_PORT = -1;

    private EnvoyConfigs() {}

    /**
     * frontends: the node's service frontends (their {@code service} is {@code ns/name});
     * policyListeners: the listeners (qualified) that policies hand connections to.
     */
    public static Translated translate(Resource.EnvoyConfig config, ToIntFunction<String> portOf, List<Frontend> frontends,
                                       Set<String> policyListeners) {
        List<Any> out = new ArrayList<>();
        Map<String, Integer> ports = new TreeMap<>();
        ObjectRef ref = config.ref();
        String first = config.resources().stream().filter(r -> r.message() instanceof Listener).map(Resource.EnvoyResource::name)
                .findFirst().orElse("");
        Set<String> redirected = new java.util.HashSet<>();
        config.services().forEach(s -> redirected.add(s.listener().isEmpty() ? first : s.listener()));
        redirected.addAll(policyListeners);
        for (Resource.EnvoyResource r : config.resources()) {
            if (r.message() instanceof Listener l) {
                Listener.Builder b = l.toBuilder().setName(r.name());
                boolean takesServices = redirected.contains(r.name());
                if (takesServices) {
                    // The datapath hands it connections to a Service's or a pod's address (a
                    // socket assigned, not a local address): it accepts them transparently.
                    b.setTransparent(com.google.protobuf.BoolValue.of(true));
                }
                if (!l.hasAddress()) {
                    int port = portOf.applyAsInt(r.name());
                    b.setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1")
                            .setPortValue(port)));
                    ports.put(r.name(), port);
                } else if (l.getAddress().hasSocketAddress()) {
                    ports.put(r.name(), l.getAddress().getSocketAddress().getPortValue());
                }
                for (FilterChain.Builder chain : b.getFilterChainsBuilderList()) {
                    for (Filter.Builder f : chain.getFiltersBuilderList()) {
                        if (f.hasTypedConfig() && f.getTypedConfig().getTypeUrl().equals(HCM)) {
                            f.setTypedConfig(Any.pack(connectionManager(unpack(f.getTypedConfig(), HttpConnectionManager.class), ref,
                                    takesServices)));
                        } else if (f.hasTypedConfig() && f.getTypedConfig().getTypeUrl().equals(TCP_PROXY)) {
                            TcpProxy tcp = unpack(f.getTypedConfig(), TcpProxy.class);
                            f.setTypedConfig(Any.pack(tcp.toBuilder().setCluster(EnvoyConfigReader.qualify(ref, tcp.getCluster())).build()));
                        }
                    }
                }
                out.add(Any.pack(b.build()));
            } else if (r.message() instanceof RouteConfiguration rc) {
                out.add(Any.pack(routes(rc, ref).toBuilder().setName(r.name()).build()));
            } else if (r.message() instanceof Cluster c) {
                out.add(Any.pack(withDefaults(c.toBuilder().setName(r.name()).build())));
            } else if (r.message() instanceof ClusterLoadAssignment cla) {
                out.add(Any.pack(cla.toBuilder().setClusterName(r.name()).build()));
            } else if (r.message() instanceof Secret secret) {
                out.add(Any.pack(secret.toBuilder().setName(r.name()).build()));
            } else {
                out.add(Any.pack(r.message()));
            }
        }
        Map<String, Set<Integer>> wanted = new LinkedHashMap<>();
        config.services().forEach(s -> wanted.computeIfAbsent(s.namespace() + "/" + s.name(), k -> new LinkedHashSet<>())
                .addAll(s.ports()));
        config.backendServices().forEach(s -> {
            String service = s.namespace() + "/" + s.name();
            Set<Integer> set = wanted.computeIfAbsent(service, k -> new LinkedHashSet<>());
            // a port by number, or by the Service port's name
            s.ports().forEach(p -> {
                if (p.matches("[0-9]+")) {
                    set.add(Integer.parseInt(p));
                } else {
                    List<Integer> named = frontends.stream().filter(f -> f.service().equals(service) && f.portName().equals(p))
                            .map(Frontend::port).toList();
                    // a name the Service does not have stands for no port, never for all of them
                    set.addAll(named.isEmpty() ? List.of(NO_PORT) : named);
                }
            });
        });
        wanted.forEach((service, listed) -> out.addAll(assignments(service, listed, frontends)));
        return new Translated(out, ports, first);
    }

    /**
     * The same config marked as attempt n of a version Envoy rejected: its listeners and clusters
     * carry the attempt in their metadata ({@code sluice.io/retry}), so that the control plane,
     * which sends a resource only when it changed, sends them to Envoy again.
     */
    public static Translated attempt(Translated t, int n) {
        io.envoyproxy.envoy.config.core.v3.Metadata mark = io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder()
                .putFilterMetadata("sluice.io/retry", com.google.protobuf.Struct.newBuilder().putFields("attempt",
                        com.google.protobuf.Value.newBuilder().setNumberValue(n).build()).build()).build();
        List<Any> out = new ArrayList<>(t.resources().size());
        for (Any a : t.resources()) {
            if (a.is(Listener.class)) {
                Listener l = unpack(a, Listener.class);
                a = Any.pack(l.toBuilder().setMetadata(l.getMetadata().toBuilder().mergeFrom(mark)).build());
            } else if (a.is(Cluster.class)) {
                Cluster c = unpack(a, Cluster.class);
                a = Any.pack(c.toBuilder().setMetadata(c.getMetadata().toBuilder().mergeFrom(mark)).build());
            }
            out.add(a);
        }
        return new Translated(out, t.listenerPorts(), t.firstListener());
    }

    /**
     * Ties each ClusterLoadAssignment to the EDS clusters that read it: a marker in its metadata
     * that changes whenever one of those clusters does. Envoy warms a changed cluster until it
     * receives its assignment again, and a control plane sends only what changed: without the
     * marker, a cluster whose assignment did not change would wait for its initial fetch timeout
     * (15 s) before Envoy acknowledges. Returns the resources in the same order.
     */
    public static List<Any> tieAssignmentsToClusters(List<Any> resources) {
        Map<String, java.util.zip.CRC32> readers = new TreeMap<>();
        for (Any a : resources) {
            if (a.is(Cluster.class)) {
                Cluster c = unpack(a, Cluster.class);
                if (c.getType() == Cluster.DiscoveryType.EDS) {
                    String eds = c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName()
                            : c.getEdsClusterConfig().getServiceName();
                    readers.computeIfAbsent(eds, k -> new java.util.zip.CRC32()).update(a.getValue().toByteArray());
                }
            }
        }
        List<Any> out = new ArrayList<>(resources.size());
        for (Any a : resources) {
            if (a.is(ClusterLoadAssignment.class)) {
                ClusterLoadAssignment cla = unpack(a, ClusterLoadAssignment.class);
                java.util.zip.CRC32 crc = readers.get(cla.getClusterName());
                if (crc != null) {
                    ClusterLoadAssignment.Builder b = cla.toBuilder();
                    if (b.getEndpointsCount() == 0) {
                        b.addEndpoints(LocalityLbEndpoints.getDefaultInstance());
                    }
                    io.envoyproxy.envoy.config.core.v3.Metadata marker = io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder()
                            .putFilterMetadata("sluice.io/clusters", com.google.protobuf.Struct.newBuilder().putFields("version",
                                    com.google.protobuf.Value.newBuilder().setStringValue(Long.toHexString(crc.getValue())).build())
                                    .build()).build();
                    b.getEndpointsBuilderList().forEach(l -> l.setMetadata(marker));
                    a = Any.pack(b.build());
                }
            }
            out.add(a);
        }
        return out;
    }

    private static final java.util.regex.Pattern DUMPED = java.util.regex.Pattern.compile(
            "(?s)^[^\\n]*?name: \"([^\"]*)\"\\n.*\\n}\\n: (.*)$");

    /**
     * Envoy's reason for rejecting a resource, on one line: a rejection that prints the resource
     * ({@code VERSION: name: "n" ... }: reason}) becomes {@code n: reason}; any other keeps its
     * words, its lines joined.
     */
    public static String reason(String nack) {
        java.util.regex.Matcher m = DUMPED.matcher(nack.strip());
        String one = m.matches() ? m.group(1) + ": " + m.group(2) : nack;
        return one.strip().replaceAll("\\s*\\n\\s*", " ");
    }

    /** ns/svc:port for each port (listed, or all of the Service's), and ns/svc with all of them. */
    static List<Any> assignments(String service, Set<Integer> listed, List<Frontend> frontends) {
        List<Any> out = new ArrayList<>();
        Set<Frontend.Backend> all = new LinkedHashSet<>();
        frontends.stream().filter(f -> f.service().equals(service) && (listed.isEmpty() || listed.contains(f.port())))
                .sorted(java.util.Comparator.comparingInt(Frontend::port)).forEach(f -> {
                    out.add(Any.pack(assignment(service + ":" + f.port(), f.backends())));
                    all.addAll(f.backends());
                });
        out.add(Any.pack(assignment(service, List.copyOf(all))));
        return out;
    }

    private static ClusterLoadAssignment assignment(String name, List<Frontend.Backend> backends) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (Frontend.Backend b : backends) {
            locality.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                    .setSocketAddress(SocketAddress.newBuilder().setAddress(Cidr.format(b.address())).setPortValue(b.port())))));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(locality).build();
    }

    /**
     * RDS from the control plane unless it names a source; the route configuration's name, or its
     * inline one, qualified. For a listener that takes a Service's connections, the upstream
     * connection carries the client's address and MARK_FROM_LB (original_src, before the
     * router): where it enters the backend, the client's egress policy and the backend's ingress
     * policy judge the client, and the backend's replies find their way back to the proxy.
     */
    private static HttpConnectionManager connectionManager(HttpConnectionManager hcm, ObjectRef ref, boolean takesServices) {
        HttpConnectionManager.Builder b = hcm.toBuilder();
        if (takesServices && b.getHttpFiltersList().stream().noneMatch(f -> f.getName().equals("envoy.filters.http.original_src"))) {
            int router = b.getHttpFiltersCount() == 0 ? 0 : b.getHttpFiltersCount() - 1;
            b.addHttpFilters(router, io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.newBuilder()
                    .setName("envoy.filters.http.original_src").setTypedConfig(Any.pack(
                            io.envoyproxy.envoy.extensions.filters.http.original_src.v3.OriginalSrc.newBuilder()
                                    .setMark(L7Translation.MARK_FROM_LB).build())));
        }
        if (hcm.hasRds()) {
            b.setRds(hcm.getRds().toBuilder().setRouteConfigName(EnvoyConfigReader.qualifyAlways(ref,
                    hcm.getRds().getRouteConfigName())));
            if (!hcm.getRds().hasConfigSource()) {
                b.getRdsBuilder().setConfigSource(ADS);
            }
        }
        if (hcm.hasRouteConfig()) {
            b.setRouteConfig(routes(hcm.getRouteConfig(), ref));
        }
        return b.build();
    }

    /** Virtual host names always qualified; the clusters routes and weighted clusters send to, when they have no slash. */
    private static RouteConfiguration routes(RouteConfiguration rc, ObjectRef ref) {
        RouteConfiguration.Builder b = rc.toBuilder();
        for (VirtualHost.Builder vh : b.getVirtualHostsBuilderList()) {
            vh.setName(EnvoyConfigReader.qualifyAlways(ref, vh.getName()));
            for (Route.Builder route : vh.getRoutesBuilderList()) {
                if (!route.hasRoute()) {
                    continue;
                }
                RouteAction.Builder action = route.getRouteBuilder();
                if (!action.getCluster().isEmpty()) {
                    action.setCluster(EnvoyConfigReader.qualify(ref, action.getCluster()));
                }
                if (action.hasWeightedClusters()) {
                    for (WeightedCluster.ClusterWeight.Builder w : action.getWeightedClustersBuilder().getClustersBuilderList()) {
                        w.setName(EnvoyConfigReader.qualify(ref, w.getName()));
                    }
                }
            }
        }
        return b.build();
    }

    private static Cluster withDefaults(Cluster c) {
        Cluster.Builder b = c.toBuilder();
        if (c.getType() == Cluster.DiscoveryType.EDS && !c.getEdsClusterConfig().hasEdsConfig()) {
            b.setEdsClusterConfig(c.getEdsClusterConfig().toBuilder().setEdsConfig(ADS));
        }
        if (!c.hasCircuitBreakers()) {
            b.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                    .setMaxConnections(UInt32Value.of(1024)).setMaxRequests(UInt32Value.of(1024))
                    .setMaxRetries(UInt32Value.of(128))));
        }
        return b.build();
    }

    private static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type) {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
