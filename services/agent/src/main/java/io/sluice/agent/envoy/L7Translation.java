package io.sluice.agent.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.RuntimeUInt32;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.SocketOption;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.envoyproxy.envoy.config.accesslog.v3.StatusCodeFilter;
import io.envoyproxy.envoy.extensions.access_loggers.grpc.v3.CommonGrpcAccessLogConfig;
import io.envoyproxy.envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig;
import io.envoyproxy.envoy.extensions.filters.http.original_src.v3.OriginalSrc;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;
import io.sluice.policy.Cidr;
import io.sluice.policy.Direction;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * L7 policy into Envoy resources: one transparent
 * listener per direction on 127.0.0.1 (the datapath assigns redirected connections to it),
 * one filter chain per endpoint and port, HTTP connection manager -> RBAC -> router ->
 * ORIGINAL_DST cluster. Each chain's rules live in its own RDS route (per-route RBAC), so peers
 * coming and going change routes only and never drain connections. A denial is a 403 with
 * {@code Access denied\r\n}. Pure and deterministic: same config, same resources, same order.
 */
public final class L7Translation {
    public static final String ORIGINAL_DST = "sluice/original-dst";
    public static final String ALS_CLUSTER = "sluice-als";
    static final String RBAC_FILTER = "envoy.filters.http.rbac";
    /** MARK_FROM_PROXY of datapath.h, set with SO_MARK on the proxy's own sockets. */
    static final int MARK_FROM_PROXY = 0x0300;
    /** MARK_FROM_LB of datapath.h: the upstream connections of users' Envoy config listeners (original_src). */
    static final int MARK_FROM_LB = 0x0400;
    private static final int SOL_SOCKET = 1, SO_MARK = 36;
    private static final List<Cidr> PRIVATE = List.of(Cidr.parse("10.0.0.0/8").orElseThrow(),
            Cidr.parse("172.16.0.0/12").orElseThrow(), Cidr.parse("192.168.0.0/16").orElseThrow());
    /** Request headers the access log carries (Hubble shows them); x-request-id is always there. */
    static final List<String> LOGGED_HEADERS = List.of("accept", "content-type", "content-length", "user-agent",
            "x-forwarded-proto", "x-envoy-internal", "x-envoy-original-path");
    /** Response headers the access log carries, as the lab shows them. */
    static final List<String> RESPONSE_HEADERS = List.of("content-type", "content-length", "date", "server",
            "x-envoy-upstream-service-time");

    private L7Translation() {}

    /** One-off translation; a node keeps an {@link L7Translator} so unchanged parts are reused. */
    public static List<Any> translate(L7Config config) {
        return new L7Translator().translate(config);
    }

    public static String listenerName(Direction d) {
        return "sluice/" + d.name().toLowerCase(Locale.ROOT) + "-proxy";
    }

    static String routeName(Direction d, int address, int port) {
        return "sluice/" + d.name().toLowerCase(Locale.ROOT) + "/" + Cidr.format(address) + ":" + port;
    }

    static Listener listener(Direction d, int port, List<FilterChain> chains) {
        Listener.Builder l = Listener.newBuilder()
                .setName(listenerName(d))
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                        .setAddress("127.0.0.1").setPortValue(port)))
                .setTransparent(com.google.protobuf.BoolValue.of(true))
                .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.original_dst")
                        .setTypedConfig(Any.pack(OriginalDst.getDefaultInstance())))
                .addAllFilterChains(chains)
                // Accepted connections inherit the mark: the datapath then delivers their replies
                // to the proxy's own socket when the client was the proxy: the egress listener, for
                // the ingress one; an Envoy config's listener, for the egress one (datapath.c, from_proxy).
                .addSocketOptions(SocketOption.newBuilder().setLevel(SOL_SOCKET).setName(SO_MARK)
                        .setIntValue(MARK_FROM_PROXY).setState(SocketOption.SocketState.STATE_PREBIND));
        return l.build();
    }

    /**
     * The filter chains of one endpoint and port: ingress chains match the endpoint as the
     * destination, egress chains as the source. An egress connection to a pod keeps the
     * client's address and carries MARK_FROM_PROXY (original_src), so the destination's own
     * ingress policy, and its ingress proxy, see the client (one request, four L7 flows, as in
     * Cilium); to anything else it leaves from the host.
     */
    static List<FilterChain> chains(Direction d, int address, int port, String route, String accessDeniedBody,
                                    List<Cidr> podRanges) {
        FilterChainMatch.Builder match = FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port));
        var endpoint = Rbac.ranges(List.of(new Cidr(address, 32)));
        if (d == Direction.INGRESS) {
            return List.of(chain(route, match.addAllPrefixRanges(endpoint), hcm(d, route, accessDeniedBody, false)));
        }
        match.addAllSourcePrefixRanges(endpoint);
        List<FilterChain> out = new ArrayList<>();
        if (!podRanges.isEmpty()) {
            out.add(chain(route + "/pods", match.clone().addAllPrefixRanges(Rbac.ranges(podRanges)),
                    hcm(d, route, accessDeniedBody, true)));
        }
        out.add(chain(route, match, hcm(d, route, accessDeniedBody, false)));
        return out;
    }

    private static FilterChain chain(String name, FilterChainMatch.Builder match, HttpConnectionManager hcm) {
        return FilterChain.newBuilder()
                .setName(name)
                .setFilterChainMatch(match)
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm)))
                .build();
    }

    /**
     * The remote address is the connection's peer, never a forwarded-for header (original_src
     * binds to it); requests from private addresses are internal (X-Envoy-Internal) and keep
     * their X-Request-Id, so the ingress proxy logs the id the egress proxy gave.
     */
    private static HttpConnectionManager hcm(Direction d, String route, String accessDeniedBody, boolean clientAddress) {
        HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(d.name().toLowerCase(Locale.ROOT) + "_proxy")
                .setUseRemoteAddress(com.google.protobuf.BoolValue.of(true))
                .setInternalAddressConfig(HttpConnectionManager.InternalAddressConfig.newBuilder()
                        .addAllCidrRanges(Rbac.ranges(PRIVATE)))
                .setPreserveExternalRequestId(true)
                .setRds(Rds.newBuilder().setRouteConfigName(route).setConfigSource(ConfigSource.newBuilder()
                        .setAds(AggregatedConfigSource.getDefaultInstance()).setResourceApiVersion(ApiVersion.V3)))
                .addHttpFilters(HttpFilter.newBuilder().setName(RBAC_FILTER).setTypedConfig(Any.pack(RBAC.getDefaultInstance())));
        if (clientAddress) {
            hcm.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.original_src")
                    .setTypedConfig(Any.pack(OriginalSrc.newBuilder().setMark(MARK_FROM_PROXY).build())));
        }
        return hcm
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .setLocalReplyConfig(LocalReplyConfig.newBuilder().addMappers(ResponseMapper.newBuilder()
                        .setFilter(io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter.newBuilder()
                                .setStatusCodeFilter(StatusCodeFilter.newBuilder().setComparison(ComparisonFilter.newBuilder()
                                        .setOp(ComparisonFilter.Op.EQ)
                                        .setValue(RuntimeUInt32.newBuilder().setDefaultValue(403).setRuntimeKey("sluice.l7.denied")))))
                        .setBody(DataSource.newBuilder().setInlineString(accessDeniedBody))))
                .addAccessLog(AccessLog.newBuilder().setName("envoy.access_loggers.http_grpc")
                        .setTypedConfig(Any.pack(HttpGrpcAccessLogConfig.newBuilder()
                                .setCommonConfig(CommonGrpcAccessLogConfig.newBuilder()
                                        .setLogName(d.name().toLowerCase(Locale.ROOT))
                                        .setTransportApiVersion(ApiVersion.V3)
                                        .setGrpcService(GrpcService.newBuilder().setEnvoyGrpc(
                                                GrpcService.EnvoyGrpc.newBuilder().setClusterName(ALS_CLUSTER))))
                                .addAllAdditionalRequestHeadersToLog(LOGGED_HEADERS)
                                .addAllAdditionalResponseHeadersToLog(RESPONSE_HEADERS)
                                .build())))
                .build();
    }

    static RouteConfiguration route(String name, io.envoyproxy.envoy.config.rbac.v3.RBAC rules) {
        return RouteConfiguration.newBuilder().setName(name)
                .addVirtualHosts(VirtualHost.newBuilder().setName(name).addDomains("*")
                        .addRoutes(Route.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(ORIGINAL_DST)
                                        .setTimeout(Duration.newBuilder().setSeconds(0)))
                                .putTypedPerFilterConfig(RBAC_FILTER, Any.pack(RBACPerRoute.newBuilder()
                                        .setRbac(RBAC.newBuilder().setRules(rules)).build()))))
                .build();
    }

    /** Connections go on to where the client sent them (connect timeout 2s, as Cilium's proxy). */
    static Cluster originalDstCluster() {
        return Cluster.newBuilder().setName(ORIGINAL_DST)
                .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .setConnectTimeout(Duration.newBuilder().setSeconds(2))
                .build();
    }
}
