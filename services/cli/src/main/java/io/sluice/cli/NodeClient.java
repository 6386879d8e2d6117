package io.sluice.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.api.node.ErrorView;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The node's HTTP API. Failures become {@link CliException}s with the node's own message. */
final class NodeClient {
    static final ObjectMapper JSON = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    NodeClient(String base) {
        this.base = URI.create(base.endsWith("/") ? base : base + "/");
    }

    URI base() {
        return base;
    }

    <T> T get(String path, TypeReference<T> type) {
        return read(send(HttpRequest.newBuilder(base.resolve("v1/" + path)).GET()), type);
    }

    <T> T get(String path, Class<T> type) {
        return get(path, new TypeReference<T>() {
            @Override
            public java.lang.reflect.Type getType() {
                return type;
            }
        });
    }

    /** The body of a GET as text, or the node's error. */
    String getRaw(String path) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("v1/" + path)).GET());
        if (r.statusCode() / 100 != 2) {
            throw new CliException(errorOf(r));
        }
        return r.body();
    }

    HttpResponse<String> post(String path, String contentType, String body) {
        return send(HttpRequest.newBuilder(base.resolve("v1/" + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> delete(String path) {
        return send(HttpRequest.newBuilder(base.resolve("v1/" + path)).DELETE());
    }

    /** True when the node answers its status call. */
    boolean reachable() {
        try {
            return http.send(HttpRequest.newBuilder(base.resolve("v1/status")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    <T> T read(HttpResponse<String> r, TypeReference<T> type) {
        if (r.statusCode() / 100 != 2) {
            throw new CliException(errorOf(r));
        }
        try {
            return JSON.readValue(r.body(), type);
        } catch (IOException e) {
            throw new CliException("unexpected answer from the node: " + e.getMessage());
        }
    }

    static String errorOf(HttpResponse<String> r) {
        try {
            ErrorView e = JSON.readValue(r.body(), ErrorView.class);
            if (e.error() != null) {
                return e.error();
            }
        } catch (IOException ignored) {
            // not an ErrorView: fall through to the raw body
        }
        return "node answered " + r.statusCode() + ": " + r.body();
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException("cannot reach the Sluice node at " + base + ": is it up? (sluice up)");
        } catch (IOException e) {
            throw new CliException("talking to the node at " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }
}
