package io.sluice.agent.als;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Envoy's admin API on its unix socket (always on; the TCP admin listener is optional). */
public record EnvoyAdmin(Path socket) {

    /** {@code /config_dump}, optionally filtered by Envoy's {@code name_regex}; the JSON body. */
    public String configDump(String nameRegex) {
        String query = nameRegex.isEmpty() ? "" : "?name_regex=" + URLEncoder.encode(nameRegex, StandardCharsets.UTF_8);
        return get("/config_dump" + query);
    }

    /** A GET over the socket with Connection: close, so the body ends where the stream does. */
    String get(String path) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: envoy\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (ch.read(buf) >= 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            String resp = out.toString(StandardCharsets.UTF_8);
            int body = resp.indexOf("\r\n\r\n");
            String status = resp.lines().findFirst().orElse("");
            if (!status.contains(" 200 ")) {
                throw new IllegalStateException("Envoy admin " + path + " answered: " + status);
            }
            if (body < 0) {
                return "";
            }
            boolean chunked = resp.substring(0, body).toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked");
            return chunked ? dechunk(resp.substring(body + 4)) : resp.substring(body + 4);
        } catch (IOException e) {
            throw new UncheckedIOException("Envoy admin API at " + socket + " (is Envoy running?)", e);
        }
    }

    /** Joins an HTTP/1.1 chunked body: hex size, CRLF, data, CRLF, ... until size 0. */
    static String dechunk(String raw) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < raw.length()) {
            int eol = raw.indexOf("\r\n", i);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(raw.substring(i, eol).split(";")[0].strip(), 16);
            if (size == 0) {
                break;
            }
            out.append(raw, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
