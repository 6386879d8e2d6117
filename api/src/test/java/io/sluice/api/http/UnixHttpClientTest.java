package io.sluice.api.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnixHttpClientTest {
    @TempDir
    Path dir;
    private ServerSocketChannel server;
    private Thread serving;
    private final AtomicReference<String> request = new AtomicReference<>();

    @BeforeEach
    void listen() throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("s.sock")));
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        if (serving != null) {
            serving.interrupt();
            serving.join(2000);
        }
    }

    /** Answers one connection with these bytes after reading the whole request (and closes unless hold). */
    private void answer(byte[] response, boolean hold) {
        serving = Thread.ofPlatform().daemon().start(() -> {
            try (SocketChannel c = server.accept()) {
                ByteArrayOutputStream in = new ByteArrayOutputStream();
                ByteBuffer b = ByteBuffer.allocate(4096);
                while (!complete(in.toString(StandardCharsets.UTF_8)) && c.read(b) > 0) {
                    in.write(b.array(), 0, b.position());
                    b.clear();
                }
                request.set(in.toString(StandardCharsets.UTF_8));
                c.write(ByteBuffer.wrap(response));
                if (hold) {
                    Thread.sleep(5000);
                }
            } catch (IOException | InterruptedException e) {
                // the test is over
            }
        });
    }

    private static boolean complete(String request) {
        int end = request.indexOf("\r\n\r\n");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Content-Length: (\\d+)").matcher(request);
        return end >= 0 && request.getBytes(StandardCharsets.UTF_8).length >= end + 4 + (m.find() ? Integer.parseInt(m.group(1)) : 0);
    }

    private UnixHttpClient client() {
        return new UnixHttpClient(dir.resolve("s.sock"), Duration.ofSeconds(2));
    }

    @Test
    void send_contentLength_bodyAndRequestHead() throws IOException {
        answer("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"a\":\"é\"}"
                .getBytes(StandardCharsets.UTF_8), false);
        UnixHttpClient.Response r = client().send("POST", "/v1/apply", "application/yaml", "kind: Service\n");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(r.body()).isEqualTo("{\"a\":\"é\"}");
        assertThat(request.get()).startsWith("POST /v1/apply HTTP/1.1\r\n").contains("Connection: close\r\n",
                "Content-Type: application/yaml\r\n", "Content-Length: 14\r\n");
    }

    @Test
    void send_chunked_sizesCountBytesNotCharacters() throws IOException {
        // "é" is two bytes: a decoder that counted characters would cut the second chunk short.
        answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ncaf\r\n4;x=y\r\né!!\r\n0\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8), false);
        assertThat(client().get("/config_dump").body()).isEqualTo("café!!");
    }

    @Test
    void send_noLength_bodyUpToClose() throws IOException {
        answer("HTTP/1.0 404 Not Found\r\n\r\nno such pod".getBytes(StandardCharsets.UTF_8), false);
        UnixHttpClient.Response r = client().get("/v1/pods/x");
        assertThat(r.ok()).isFalse();
        assertThat(r.body()).isEqualTo("no such pod");
    }

    @Test
    void send_truncatedBody_isAnError() {
        answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".getBytes(StandardCharsets.UTF_8), false);
        assertThatThrownBy(() -> client().get("/")).isInstanceOf(IOException.class).hasMessageContaining("truncated")
                .hasMessageContaining("s.sock");
    }

    @Test
    void send_notHttp_isAnError() {
        answer("SSH-2.0-OpenSSH\r\n\r\n".getBytes(StandardCharsets.UTF_8), false);
        assertThatThrownBy(() -> client().get("/")).isInstanceOf(IOException.class).hasMessageContaining("not an HTTP/1.x answer");
    }

    @Test
    void send_serverNeverCloses_timesOut() {
        answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".getBytes(StandardCharsets.UTF_8), true);
        UnixHttpClient quick = new UnixHttpClient(dir.resolve("s.sock"), Duration.ofMillis(300));
        assertThatThrownBy(() -> quick.get("/")).isInstanceOf(SocketTimeoutException.class).hasMessageContaining("s.sock");
    }

    @Test
    void send_noSocket_isAnError() {
        UnixHttpClient absent = new UnixHttpClient(dir.resolve("absent.sock"), Duration.ofSeconds(1));
        assertThatThrownBy(() -> absent.get("/")).isInstanceOf(IOException.class);
    }
}
