package io.sluice.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.api.http.UnixHttpClient;
import io.sluice.api.http.UnixHttpClient.Response;
import io.sluice.api.node.ErrorView;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The node's API on its unix socket (root only). Failures become {@link CliException}s with the
 * node's own message, or say why the socket could not be used (not up, not root).
 */
final class NodeClient {
    static final ObjectMapper JSON = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    /** The default API socket, in the default state directory. */
    static final String DEFAULT = "unix:///var/lib/sluice/api.sock";
    private final Path socket;
    private final UnixHttpClient http;
    private final UnixHttpClient probe;

    /** {@code node} is {@code unix:///path/to/api.sock} or a plain path. */
    NodeClient(String node) {
        this.socket = socketOf(node);
        this.http = new UnixHttpClient(socket, Duration.ofSeconds(60));
        this.probe = new UnixHttpClient(socket, Duration.ofSeconds(2));
    }

    static Path socketOf(String node) {
        if (node.startsWith("unix://")) {
            return Path.of(node.substring("unix://".length()));
        }
        if (node.contains("://")) {
            throw new CliException("--node " + node + ": the node's API is a unix socket, e.g. " + DEFAULT);
        }
        return Path.of(node);
    }

    Path socket() {
        return socket;
    }

    String base() {
        return "unix://" + socket;
    }

    <T> T get(String path, TypeReference<T> type) {
        return read(send("GET", path, "", ""), type);
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
        Response r = send("GET", path, "", "");
        if (!r.ok()) {
            throw new CliException(errorOf(r));
        }
        return r.body();
    }

    Response post(String path, String contentType, String body) {
        return send("POST", path, contentType, body);
    }

    Response delete(String path) {
        return send("DELETE", path, "", "");
    }

    /**
     * True when the node answers its status call; false when nothing listens on the socket. A
     * socket this user may not use is an error, not "down": {@code sluice up} must not start a second agent.
     */
    boolean reachable() {
        checkOwner();
        try {
            return probe.get("/v1/status").status() == 200;
        } catch (IOException e) {
            if (denied(e)) {
                throw notRoot();
            }
            return false;
        }
    }

    <T> T read(Response r, TypeReference<T> type) {
        if (!r.ok()) {
            throw new CliException(errorOf(r));
        }
        try {
            return JSON.readValue(r.body(), type);
        } catch (IOException e) {
            throw new CliException("unexpected answer from the node: " + e.getMessage());
        }
    }

    static String errorOf(Response r) {
        try {
            ErrorView e = JSON.readValue(r.body(), ErrorView.class);
            if (e.error() != null) {
                return e.error();
            }
        } catch (IOException ignored) {
            // not an ErrorView: fall through to the raw body
        }
        return "node answered " + r.status() + ": " + r.body();
    }

    private Response send(String method, String path, String contentType, String body) {
        checkOwner();
        try {
            return http.send(method, "/v1/" + path, contentType, body);
        } catch (SocketTimeoutException e) {
            throw new CliException("the node at " + base() + " did not answer " + method + " /v1/" + path + " in time");
        } catch (IOException e) {
            if (denied(e)) {
                throw notRoot();
            }
            if (gone(e)) {
                throw new CliException("cannot reach the Sluice node at " + base() + ": is it up? (sluice up)");
            }
            throw new CliException("talking to the node at " + base() + " failed: " + e.getMessage());
        }
    }

    /** Only the node (root) may own the socket: requests, policies included, never go to another user's listener. */
    private void checkOwner() {
        try {
            int owner = RootOnly.uid(socket);
            if (owner != 0) {
                throw new CliException("the node's API socket " + socket + " belongs to uid " + owner
                        + ", not root: refusing to use it (remove it and run 'sluice up')");
            }
        } catch (IOException e) {
            // absent or not ours to see: connecting says which
        }
    }

    private CliException notRoot() {
        return new CliException("permission denied on the node's API socket " + socket
                + ": the node's API is for root only (run sluice as root, e.g. with sudo)");
    }

    private static boolean denied(IOException e) {
        return message(e).contains("permission denied") || message(e).contains("operation not permitted");
    }

    private static boolean gone(IOException e) {
        return message(e).contains("no such file") || message(e).contains("connection refused");
    }

    private static String message(IOException e) {
        return String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    }
}
