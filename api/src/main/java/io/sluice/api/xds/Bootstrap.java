package io.sluice.api.xds;

import java.util.Objects;

/**
 * Envoy's bootstrap: ADS to envoy-xds over a unix socket; the admin API
 * on a unix socket (root only, in the node's state directory), reachable read-only (GET) on
 * 127.0.0.1:adminPort only when enabled; Prometheus metrics on
 * 0.0.0.0:prometheusPort/metrics; health on 127.0.0.1:healthPort/healthz; access logs to the
 * agent's access-log service over a unix socket.
 */
public record Bootstrap(String nodeId, String xdsSocket, String adminSocket, String alsSocket, int adminPort,
                        int prometheusPort, int healthPort) {
    public Bootstrap {
        Objects.requireNonNull(nodeId, "nodeId");
    }

    /** Writes the bootstrap whole or not at all (through a file beside it and a rename): Envoy may be waiting for it. */
    public void write(java.nio.file.Path file) {
        try {
            java.nio.file.Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            java.nio.file.Files.writeString(tmp, yaml());
            java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("write Envoy bootstrap " + file, e);
        }
    }

    /** adminPort 0 means the admin listener is off. */
    public String yaml() {
        StringBuilder b = new StringBuilder();
        b.append("""
                node: {id: %s, cluster: sluice}
                admin:
                  address: {pipe: {path: %s}}
                dynamic_resources:
                  ads_config:
                    api_type: DELTA_GRPC
                    transport_api_version: V3
                    set_node_on_first_message_only: true
                    grpc_services: [{envoy_grpc: {cluster_name: xds-grpc}}]
                  cds_config: {ads: {}, resource_api_version: V3}
                  lds_config: {ads: {}, resource_api_version: V3}
                static_resources:
                  clusters:
                """.formatted(nodeId, adminSocket));
        b.append(pipeCluster("xds-grpc", xdsSocket, true));
        b.append(pipeCluster("sluice-als", alsSocket, true));
        b.append(pipeCluster("envoy-admin", adminSocket, false));
        b.append("  listeners:\n");
        b.append(adminRoute("envoy-prometheus-listener", "0.0.0.0", prometheusPort, "/metrics", "/stats/prometheus"));
        b.append(adminRoute("envoy-health-listener", "127.0.0.1", healthPort, "/healthz", "/ready"));
        if (adminPort > 0) {
            // Any local user reaches 127.0.0.1: only reads pass. Envoy's admin takes every state
            // change (quitquitquit, drain_listeners, logging, runtime_modify, ...) as a POST.
            b.append(adminRoute("envoy-admin-listener", "127.0.0.1", adminPort, "/", "/"));
        }
        return b.toString();
    }

    private static String pipeCluster(String name, String path, boolean http2) {
        String h2 = http2 ? """
                    typed_extension_protocol_options:
                      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        explicit_http_config: {http2_protocol_options: {}}
                """ : "";
        return """
                  - name: %s
                    type: STATIC
                    connect_timeout: 1s
                %s    load_assignment:
                      cluster_name: %s
                      endpoints: [{lb_endpoints: [{endpoint: {address: {pipe: {path: %s}}}}]}]
                """.formatted(name, h2, name, path);
    }

    private static String adminRoute(String name, String address, int port, String path, String rewrite) {
        return """
                  - name: %s
                    address: {socket_address: {address: %s, port_value: %d}}
                    filter_chains:
                    - filters:
                      - name: envoy.filters.network.http_connection_manager
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                          stat_prefix: %s
                          route_config:
                            virtual_hosts:
                            - name: admin
                              domains: ["*"]
                              routes:
                              - match: {%s: "%s", headers: [{name: ":method", string_match: {exact: GET}}]}
                                route: {cluster: envoy-admin, prefix_rewrite: "%s"}
                              - match: {prefix: "/", headers: [{name: ":method", string_match: {exact: GET}, invert_match: true}]}
                                direct_response:
                                  status: 405
                                  body: {inline_string: "read-only: Envoy's admin API takes changes on its unix socket, for root only\n"}
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                """.formatted(name, address, port, name, path.equals("/") ? "prefix" : "path", path, rewrite);
    }
}
