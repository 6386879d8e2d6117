package io.sluice.agent.envoy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.sluice.agent.service.Frontend;
import io.sluice.manifest.Manifests;
import io.sluice.manifest.Resource;
import io.sluice.policy.Cidr;
import io.sluice.policy.Protocol;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class EnvoyConfigsTest {
    private static final String CONFIG = """
            apiVersion: cilium.io/v2
            kind: CiliumEnvoyConfig
            metadata: {name: lb, namespace: shop}
            spec:
              backendServices: [{name: web, namespace: shop, number: ["8080"]}]
              resources:
              - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
                name: front
                filter_chains:
                - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: front
                      rds: {route_config_name: routes}
                      http_filters:
                      - name: envoy.filters.http.router
                        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
              - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                name: shop/web:8080
                type: EDS
                connect_timeout: 5s
            """;

    private static Any find(List<Any> all, Class<? extends com.google.protobuf.Message> type, String name) throws Exception {
        for (Any a : all) {
            if (a.is(type)) {
                var m = a.unpack(type);
                String n = m instanceof Listener l ? l.getName() : m instanceof Cluster c ? c.getName()
                        : m instanceof ClusterLoadAssignment cla ? cla.getClusterName() : "";
                if (n.equals(name)) {
                    return a;
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " " + name + " in " + all);
    }

    @Test
    void fillsInWhatCiliumFillsIn_andPublishesTheServicesBackends() throws Exception {
        Resource.EnvoyConfig config = (Resource.EnvoyConfig) Manifests.parse(CONFIG).resources().get(0);
        int web = Cidr.parse("10.200.0.5").orElseThrow().address(), other = Cidr.parse("10.200.0.6").orElseThrow().address();
        List<Frontend> frontends = List.of(
                new Frontend("shop/web", 1, 8080, Protocol.TCP, List.of(new Frontend.Backend(web, 80), new Frontend.Backend(other, 80))),
                new Frontend("shop/web", 1, 9090, Protocol.TCP, List.of(new Frontend.Backend(web, 90))),
                new Frontend("shop/db", 2, 5432, Protocol.TCP, List.of(new Frontend.Backend(other, 5432))));
        EnvoyConfigs.Translated t = EnvoyConfigs.translate(config, name -> name.equals("shop/lb/front") ? 12345 : -1, frontends, Set.of());

        assertThat(t.listenerPorts()).isEqualTo(Map.of("shop/lb/front", 12345));
        Listener l = find(t.resources(), Listener.class, "shop/lb/front").unpack(Listener.class);
        assertThat(l.getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
        assertThat(l.getAddress().getSocketAddress().getPortValue()).isEqualTo(12345);
        HttpConnectionManager hcm = l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("shop/lb/routes");
        assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();

        Cluster c = find(t.resources(), Cluster.class, "shop/web:8080").unpack(Cluster.class);
        assertThat(c.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
        assertThat(c.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue()).isEqualTo(1024);
        assertThat(c.getCircuitBreakers().getThresholds(0).getMaxRequests().getValue()).isEqualTo(1024);
        assertThat(c.getCircuitBreakers().getThresholds(0).getMaxRetries().getValue()).isEqualTo(128);

        // only the listed port of the backend Service, and the Service as a whole over the listed ports
        ClusterLoadAssignment port = find(t.resources(), ClusterLoadAssignment.class, "shop/web:8080").unpack(ClusterLoadAssignment.class);
        assertThat(port.getEndpoints(0).getLbEndpointsList()).extracting(e -> e.getEndpoint().getAddress().getSocketAddress()
                .getAddress() + ":" + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
                .containsExactly("10.200.0.5:80", "10.200.0.6:80");
        assertThat(find(t.resources(), ClusterLoadAssignment.class, "shop/web").unpack(ClusterLoadAssignment.class)
                .getEndpoints(0).getLbEndpointsCount()).isEqualTo(2);
        assertThat(t.resources()).noneMatch(a -> a.is(ClusterLoadAssignment.class) && a.toString().contains("shop/web:9090"));
        assertThat(t.resources()).noneMatch(a -> a.is(ClusterLoadAssignment.class) && a.toString().contains("shop/db"));
    }

    @Test
    void aListenerWithAnAddressKeepsIt_andAClusterWithCircuitBreakersKeepsThem() throws Exception {
        String text = CONFIG.replace("    name: front\n", "    name: front\n    address: {socket_address: {address: 0.0.0.0, port_value: 8000}}\n")
                .replace("    connect_timeout: 5s\n", "    connect_timeout: 5s\n    circuit_breakers: {thresholds: [{max_requests: 2}]}\n");
        Resource.EnvoyConfig config = (Resource.EnvoyConfig) Manifests.parse(text).resources().get(0);
        EnvoyConfigs.Translated t = EnvoyConfigs.translate(config, name -> { throw new AssertionError("no port for " + name); },
                List.of(), Set.of());
        assertThat(t.listenerPorts()).isEqualTo(Map.of("shop/lb/front", 8000));
        Cluster c = find(t.resources(), Cluster.class, "shop/web:8080").unpack(Cluster.class);
        assertThat(c.getCircuitBreakers().getThresholds(0).getMaxRequests().getValue()).isEqualTo(2);
        assertThat(c.getCircuitBreakers().getThresholds(0).hasMaxConnections()).isFalse();
        // no backends yet: the assignments exist, empty
        assertThat(find(t.resources(), ClusterLoadAssignment.class, "shop/web").unpack(ClusterLoadAssignment.class)
                .getEndpoints(0).getLbEndpointsCount()).isZero();
    }

    @Test
    void anAssignmentChangesWithTheClustersThatReadIt() throws Exception {
        Resource.EnvoyConfig config = (Resource.EnvoyConfig) Manifests.parse(CONFIG).resources().get(0);
        Resource.EnvoyConfig changed = (Resource.EnvoyConfig) Manifests.parse(CONFIG.replace("connect_timeout: 5s",
                "connect_timeout: 6s")).resources().get(0);
        List<Frontend> frontends = List.of(new Frontend("shop/web", 1, 8080, Protocol.TCP,
                List.of(new Frontend.Backend(Cidr.parse("10.200.0.5").orElseThrow().address(), 80))));
        List<Any> before = EnvoyConfigs.tieAssignmentsToClusters(EnvoyConfigs.translate(config, n -> 12345, frontends, Set.of()).resources());
        List<Any> after = EnvoyConfigs.tieAssignmentsToClusters(EnvoyConfigs.translate(changed, n -> 12345, frontends, Set.of()).resources());
        ClusterLoadAssignment read = find(before, ClusterLoadAssignment.class, "shop/web:8080").unpack(ClusterLoadAssignment.class);
        ClusterLoadAssignment reread = find(after, ClusterLoadAssignment.class, "shop/web:8080").unpack(ClusterLoadAssignment.class);
        assertThat(read.getEndpoints(0).getLbEndpointsList()).isEqualTo(reread.getEndpoints(0).getLbEndpointsList());
        assertThat(read).isNotEqualTo(reread);
        // an assignment no cluster reads is left as it is
        assertThat(find(after, ClusterLoadAssignment.class, "shop/web").unpack(ClusterLoadAssignment.class).getEndpoints(0)
                .hasMetadata()).isFalse();
    }

    @Test
    void envoysReason_onOneLine_namesTheResource() {
        String nack = "bc67fdab74dd: name: \"default/deathstar\"\ntype: EDS\nconnect_timeout {\n}\ncircuit_breakers {\n  thresholds {\n"
                + "  }\n}\n: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)";
        assertThat(EnvoyConfigs.reason(nack)).isEqualTo("default/deathstar: Proto constraint validation failed"
                + " (ClusterValidationError.ConnectTimeout: value must be greater than 0s)");
        assertThat(EnvoyConfigs.reason("Error adding/updating listener(s) a/b/c: cannot bind\n  '127.0.0.1:80'"))
                .isEqualTo("Error adding/updating listener(s) a/b/c: cannot bind '127.0.0.1:80'");
    }

    @Test
    void aListenerThatTakesAServicesConnections_acceptsThemTransparently_andConnectsWithTheClientsAddress() throws Exception {
        Resource.EnvoyConfig config = (Resource.EnvoyConfig) Manifests.parse(CONFIG.replace(
                "  backendServices: [{name: web, namespace: shop, number: [\"8080\"]}]", "  services: [{name: web, namespace: shop}]"))
                .resources().get(0);
        EnvoyConfigs.Translated t = EnvoyConfigs.translate(config, n -> 12345, List.of(), Set.of());
        assertThat(t.firstListener()).isEqualTo("shop/lb/front");
        Listener l = find(t.resources(), Listener.class, "shop/lb/front").unpack(Listener.class);
        assertThat(l.getTransparent().getValue()).isTrue();
        HttpConnectionManager hcm = l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName())
                .containsExactly("envoy.filters.http.original_src", "envoy.filters.http.router");
        // a listener no Service goes to is left as the user wrote it
        Resource.EnvoyConfig unredirected = (Resource.EnvoyConfig) Manifests.parse(CONFIG).resources().get(0);
        Listener plain = find(EnvoyConfigs.translate(unredirected, n -> 1, List.of(), Set.of()).resources(), Listener.class,
                "shop/lb/front").unpack(Listener.class);
        assertThat(plain.hasTransparent()).isFalse();
        // unless a policy hands connections to it (toPorts.listener)
        Listener named = find(EnvoyConfigs.translate(unredirected, n -> 1, List.of(), Set.of("shop/lb/front")).resources(),
                Listener.class, "shop/lb/front").unpack(Listener.class);
        assertThat(named.getTransparent().getValue()).isTrue();
        assertThat(named.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class).getHttpFilters(0)
                .getName()).isEqualTo("envoy.filters.http.original_src");
    }

    @Test
    void anAttempt_marksListenersAndClusters_soThatEachTryIsSentAgain() throws Exception {
        Resource.EnvoyConfig config = (Resource.EnvoyConfig) Manifests.parse(CONFIG).resources().get(0);
        EnvoyConfigs.Translated t = EnvoyConfigs.translate(config, n -> 12345, List.of(), Set.of());
        EnvoyConfigs.Translated first = EnvoyConfigs.attempt(t, 1), second = EnvoyConfigs.attempt(t, 2);
        assertThat(first.listenerPorts()).isEqualTo(t.listenerPorts());
        Listener l = find(first.resources(), Listener.class, "shop/lb/front").unpack(Listener.class);
        assertThat(l.getMetadata().getFilterMetadataOrThrow("sluice.io/retry").getFieldsOrThrow("attempt").getNumberValue())
                .isEqualTo(1);
        assertThat(find(first.resources(), Cluster.class, "shop/web:8080").unpack(Cluster.class).getMetadata()
                .containsFilterMetadata("sluice.io/retry")).isTrue();
        assertThat(first.resources()).isNotEqualTo(second.resources()).isNotEqualTo(t.resources()).hasSameSizeAs(t.resources());
    }

    @Test
    void backendServices_nameAPortByNumberOrByTheServicePortsName() throws Exception {
        int web = 0x0a000005;
        List<Frontend> frontends = List.of(
                new Frontend("shop/web", 1, 8080, Protocol.TCP, List.of(new Frontend.Backend(web, 80)), "http"),
                new Frontend("shop/web", 1, 9090, Protocol.TCP, List.of(new Frontend.Backend(web, 90)), "metrics"));
        java.util.function.Function<String, List<String>> assignments = number -> {
            Resource.EnvoyConfig config = (Resource.EnvoyConfig) Manifests.parse(CONFIG.replace("number: [\"8080\"]",
                    "number: [" + number + "]")).resources().get(0);
            return EnvoyConfigs.translate(config, n -> 12345, frontends, Set.of()).resources().stream()
                    .filter(a -> a.is(ClusterLoadAssignment.class))
                    .map(a -> unpackCla(a).getClusterName() + "=" + unpackCla(a).getEndpointsList().stream()
                            .mapToInt(e -> e.getLbEndpointsCount()).sum()).toList();
        };
        assertThat(assignments.apply("\"http\"")).containsExactly("shop/web:8080=1", "shop/web=1");
        assertThat(assignments.apply("\"9090\"")).containsExactly("shop/web:9090=1", "shop/web=1");
        assertThat(assignments.apply("\"grpc\"")).containsExactly("shop/web=0");
    }

    private static ClusterLoadAssignment unpackCla(Any a) {
        try {
            return a.unpack(ClusterLoadAssignment.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
