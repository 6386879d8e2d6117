package io.sluice.api.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * HTTP/1.1 over a unix socket, one request per connection ({@code Connection: close}): what the
 * node's API socket and Envoy's admin socket speak (the JDK's HttpClient has no unix sockets).
 * The body is framed on bytes, by Content-Length, chunked transfer coding or the end of the
 * stream, and only then decoded as UTF-8.
 *
 * <p>Stateless and thread-safe. Every failure to connect, a timeout, or an answer that is not
 * HTTP/1.x is an {@link IOException}; its message names the socket.
 */
public record UnixHttpClient(Path socket, Duration timeout) {
    public UnixHttpClient {
        Objects.requireNonNull(socket, "socket");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /** An answer: status code, the Content-Type header ("" when absent) and the body as text. */
    public record Response(int status, String contentType, String body) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    public Response get(String target) throws IOException {
        return send("GET", target, "", "");
    }

    /**
     * Sends one request; {@code contentType} "" sends no body headers when {@code body} is empty.
     * Example: {@code send("POST", "/v1/apply", "application/yaml", yaml)}.
     */
    public Response send(String method, String target, String contentType, String body) throws IOException {
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\nConnection: close\r\n");
        if (!contentType.isEmpty()) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (payload.length > 0 || !method.equals("GET")) {
            head.append("Content-Length: ").append(payload.length).append("\r\n");
        }
        head.append("\r\n");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
            ByteBuffer request = ByteBuffer.allocate(headBytes.length + payload.length).put(headBytes).put(payload).flip();
            while (request.hasRemaining()) {
                ch.write(request);
            }
            return HttpResponses.parse(readToEnd(ch), socket.toString());
        }
    }

    /** Reads until the server closes (it must, after Connection: close), within the timeout. */
    private byte[] readToEnd(SocketChannel ch) throws IOException {
        ch.configureBlocking(false);
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try (Selector selector = Selector.open()) {
            ch.register(selector, SelectionKey.OP_READ);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("no complete answer on " + socket + " within " + timeout.toSeconds() + "s");
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                int n = ch.read(buf);
                if (n < 0) {
                    return raw.toByteArray();
                }
                raw.write(buf.array(), 0, buf.position());
                buf.clear();
            }
        }
    }
}
