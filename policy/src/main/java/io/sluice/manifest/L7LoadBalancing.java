package io.sluice.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The CiliumEnvoyConfig that turns on Envoy's L7 load balancing for a Service annotated
 * {@code service.cilium.io/lb-l7: enabled}, as Cilium's operator writes it: named
 * {@code cilium-envoy-lb-<service>}, redirecting the Service to a listener, a route and an EDS
 * cluster all named {@code <namespace>/<service>}, the cluster's policy from
 * {@code service.cilium.io/lb-l7-algorithm}. Pure; the operator writes it in a cluster, the
 * standalone node derives it from its Services.
 */
public final class L7LoadBalancing {
    public static final String ANNOTATION = "service.cilium.io/lb-l7";
    public static final String ALGORITHM = "service.cilium.io/lb-l7-algorithm";
    public static final String PREFIX = "cilium-envoy-lb-";
    /** Envoy's LbPolicy names of the algorithms the annotation may give. */
    static final Set<String> ALGORITHMS = Set.of("ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV");
    private static final ObjectMapper JSON = new ObjectMapper();

    private L7LoadBalancing() {}

    /** Whether a Service with these annotations asks for L7 load balancing. */
    public static boolean wanted(Map<String, String> annotations) {
        return annotations != null && "enabled".equals(annotations.get(ANNOTATION));
    }

    public static String configName(String service) {
        return PREFIX + service;
    }

    /** Envoy's LbPolicy for the annotation's algorithm; {@code fallback} (the cluster's default) when absent or unknown. */
    public static String lbPolicy(Map<String, String> annotations, String fallback) {
        String a = annotations == null ? null : annotations.get(ALGORITHM);
        String policy = a == null ? fallback : a.toUpperCase(Locale.ROOT);
        return ALGORITHMS.contains(policy) ? policy : "ROUND_ROBIN";
    }

    /** The config's three resources for {@code namespace/service}: listener, route configuration, cluster. */
    public static List<JsonNode> resources(String namespace, String service, String lbPolicy) {
        String name = namespace + "/" + service;
        return List.of(listener(name), route(name), cluster(name, lbPolicy));
    }

    /** The whole CiliumEnvoyConfig object, as the API server would store it. */
    public static ObjectNode object(String namespace, String service, String lbPolicy) {
        ObjectNode o = JSON.createObjectNode();
        o.put("apiVersion", "cilium.io/v2");
        o.put("kind", "CiliumEnvoyConfig");
        o.putObject("metadata").put("name", configName(service)).put("namespace", namespace);
        ObjectNode spec = o.putObject("spec");
        spec.putArray("services").addObject().put("name", service).put("namespace", namespace);
        resources(namespace, service, lbPolicy).forEach(spec.putArray("resources")::add);
        return o;
    }

    private static JsonNode listener(String name) {
        ObjectNode l = typed("envoy.config.listener.v3.Listener");
        l.put("name", name);
        ObjectNode chain = l.putArray("filterChains").addObject();
        chain.putObject("filterChainMatch").put("transportProtocol", "raw_buffer");
        ObjectNode hcmFilter = chain.putArray("filters").addObject();
        hcmFilter.put("name", "envoy.filters.network.http_connection_manager");
        ObjectNode hcm = typedIn(hcmFilter, "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
        ObjectNode router = hcm.putArray("httpFilters").addObject();
        router.put("name", "envoy.filters.http.router");
        typedIn(router, "envoy.extensions.filters.http.router.v3.Router");
        hcm.putObject("rds").put("routeConfigName", name);
        hcm.put("statPrefix", name);
        hcm.putArray("upgradeConfigs").addObject().put("upgradeType", "websocket");
        hcm.put("useRemoteAddress", true);
        ObjectNode inspector = l.putArray("listenerFilters").addObject();
        inspector.put("name", "envoy.filters.listener.tls_inspector");
        typedIn(inspector, "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector");
        return l;
    }

    private static JsonNode route(String name) {
        ObjectNode r = typed("envoy.config.route.v3.RouteConfiguration");
        r.put("name", name);
        ObjectNode host = r.putArray("virtualHosts").addObject();
        host.putArray("domains").add("*");
        host.put("name", name);
        ObjectNode route = host.putArray("routes").addObject();
        route.putObject("match").put("prefix", "/");
        ObjectNode to = route.putObject("route");
        to.put("cluster", name);
        to.putObject("maxStreamDuration").put("maxStreamDuration", "0s");
        return r;
    }

    private static JsonNode cluster(String name, String lbPolicy) {
        ObjectNode c = typed("envoy.config.cluster.v3.Cluster");
        c.put("name", name);
        c.put("connectTimeout", "5s");
        c.put("lbPolicy", lbPolicy);
        c.put("type", "EDS");
        ObjectNode outlier = c.putObject("outlierDetection");
        outlier.put("consecutiveLocalOriginFailure", 2);
        outlier.put("splitExternalLocalOriginErrors", true);
        ObjectNode options = c.putObject("typedExtensionProtocolOptions")
                .putObject("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
        options.put("@type", "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
        options.putObject("commonHttpProtocolOptions").put("idleTimeout", "60s");
        options.putObject("useDownstreamProtocolConfig").putObject("http2ProtocolOptions");
        return c;
    }

    private static ObjectNode typed(String type) {
        ObjectNode n = JSON.createObjectNode();
        n.put("@type", "type.googleapis.com/" + type);
        return n;
    }

    private static ObjectNode typedIn(ObjectNode parent, String type) {
        ObjectNode t = parent.putObject("typedConfig");
        t.put("@type", "type.googleapis.com/" + type);
        return t;
    }
}
