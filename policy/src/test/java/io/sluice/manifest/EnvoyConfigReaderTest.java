package io.sluice.manifest;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EnvoyConfigReaderTest {
    static Manifests.Parsed cec(String kind, String spec) {
        return Manifests.parse("""
                apiVersion: cilium.io/v2
                kind: %s
                metadata: {name: lb, namespace: shop}
                spec:
                """.formatted(kind) + spec.indent(2));
    }

    static final String LISTENER = """
            - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
              name: envoy-lb-listener
              filter_chains:
              - filters:
                - name: envoy.filters.network.http_connection_manager
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    stat_prefix: lb
                    rds: {route_config_name: lb_route}
                    http_filters:
                    - name: envoy.filters.http.router
                      typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
            """;

    @Test
    void theLabsCircuitBreaker_parsesUnchanged_withCiliumsNames() throws Exception {
        // The lab's envoy-circuit-breaker.yaml (demo/manifests is the repository's copy).
        String text = Files.readString(Path.of(System.getProperty("user.dir")).resolve("../demo/manifests/envoy-circuit-breaker.yaml"));
        Manifests.Parsed p = Manifests.parse(text);
        assertThat(p.invalid()).isEmpty();
        Resource.EnvoyConfig c = (Resource.EnvoyConfig) p.resources().get(0);
        assertThat(c.ref().namespace()).isEmpty();
        // listener and route names always get the config's scope; a cluster's only when it has no slash
        assertThat(c.resources()).extracting(r -> r.typeName() + " " + r.name()).containsExactly(
                "Listener /envoy-circuit-breaker/envoy-lb-listener", "RouteConfiguration /envoy-circuit-breaker/lb_route",
                "Cluster circuit-break/echo-service");
        assertThat(c.services()).singleElement().isEqualTo(new Resource.RedirectedService("circuit-break", "echo-service",
                java.util.List.of(), "/envoy-circuit-breaker/envoy-lb-listener"));
        assertThat(c.resources().stream().filter(r -> r.message() instanceof Cluster).findFirst().orElseThrow().message())
                .isInstanceOfSatisfying(Cluster.class, cl -> assertThat(cl.getCircuitBreakers().getThresholdsCount()).isPositive());
    }

    @Test
    void bothSpellings_andNamesQualified_listenerAlways_clusterUnlessItHasASlash() {
        Manifests.Parsed p = cec("CiliumEnvoyConfig", """
                services: [{name: web, namespace: elsewhere, ports: [80]}]
                resources:
                """ + LISTENER.indent(0) + """
                - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                  name: shop/web:80
                  connectTimeout: 5s
                - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
                  name: local
                  connect_timeout: 5s
                """);
        assertThat(p.invalid()).isEmpty();
        Resource.EnvoyConfig c = (Resource.EnvoyConfig) p.resources().get(0);
        assertThat(c.resources()).extracting(Resource.EnvoyResource::name)
                .containsExactly("shop/lb/envoy-lb-listener", "shop/web:80", "shop/lb/local");
        // a namespaced config redirects its own namespace's service, to its first listener
        assertThat(c.services()).singleElement().isEqualTo(new Resource.RedirectedService("shop", "web", java.util.List.of(80),
                "shop/lb/envoy-lb-listener"));
    }

    @Test
    void badConfigs_nameTheField() {
        assertThat(cec("CiliumEnvoyConfig", """
                resources: [{"@type": type.googleapis.com/envoy.config.core.v3.Address}]
                """).invalid()).singleElement().extracting(Invalid::message).asString().isEqualTo("CiliumEnvoyConfig shop/lb: "
                + "spec.resources[0].@type: 'type.googleapis.com/envoy.config.core.v3.Address' is not one of "
                + "envoy.config.listener.v3.Listener, envoy.config.route.v3.RouteConfiguration, envoy.config.cluster.v3.Cluster, "
                + "envoy.config.endpoint.v3.ClusterLoadAssignment, envoy.extensions.transport_sockets.tls.v3.Secret");
        assertThat(cec("CiliumEnvoyConfig", """
                resources:
                - {"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: a}
                - {"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: a}
                """).invalid()).singleElement().extracting(Invalid::message).asString()
                .contains("spec.resources[1]: a second Cluster named 'shop/lb/a' in this config");
        assertThat(cec("CiliumEnvoyConfig", """
                resources: [{"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster, connect_timeout: 5s}]
                """).invalid()).singleElement().extracting(Invalid::message).asString()
                .contains("spec.resources[0].name: is required");
        assertThat(cec("CiliumEnvoyConfig", """
                resources: [{"@type": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: a, lb_policy: SOMETIMES}]
                """).invalid()).singleElement().extracting(Invalid::message).asString()
                .contains("spec.resources[0]: not a valid envoy.config.cluster.v3.Cluster:");
        assertThat(cec("CiliumEnvoyConfig", """
                services: [{name: web, listener: nope}]
                resources:
                """ + LISTENER.indent(0)).invalid()).singleElement().extracting(Invalid::message).asString()
                .contains("spec.services[0].listener: no listener 'shop/lb/nope' in this config (it has shop/lb/envoy-lb-listener)");
    }
}
