package io.sluice.agent.als;

import io.sluice.api.http.UnixHttpClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** Envoy's admin API on its unix socket (always on; the TCP admin listener is optional and read-only). */
public record EnvoyAdmin(Path socket) {

    /** {@code /config_dump}, optionally filtered by Envoy's {@code name_regex}; the JSON body. */
    public String configDump(String nameRegex) {
        String query = nameRegex.isEmpty() ? "" : "?name_regex=" + URLEncoder.encode(nameRegex, StandardCharsets.UTF_8);
        return get("/config_dump" + query);
    }

    String get(String path) {
        try {
            UnixHttpClient.Response r = new UnixHttpClient(socket, Duration.ofSeconds(10)).get(path);
            if (r.status() != 200) {
                throw new IllegalStateException("Envoy admin " + path + " answered " + r.status() + ": " + r.body().strip());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("Envoy admin API at " + socket + " (is Envoy running?)", e);
        }
    }
}
