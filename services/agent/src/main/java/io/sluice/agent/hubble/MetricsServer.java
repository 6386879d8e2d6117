package io.sluice.agent.hubble;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Hubble's metrics endpoint: {@code GET /metrics} in Prometheus text format, on its own port
 * (9965): Hubble's metrics exactly as Hubble writes them ({@link HubbleMetrics}), then the node's
 * own from its Micrometer registry ({@code sluice_*}, the JVM's).
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    public MetricsServer(InetSocketAddress address, HubbleMetrics metrics, Supplier<String> more) {
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("serve Hubble metrics on " + address + ": " + e.getMessage(), e);
        }
        server.createContext("/metrics", ex -> {
            byte[] body = (metrics.exposition() + more.get()).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
