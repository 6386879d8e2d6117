package io.sluice.api.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Parses a whole HTTP/1.x response, as read up to the end of the stream. The body is framed on
 * bytes (RFC 9112 section 6.3: chunked coding first, then Content-Length, else up to the close),
 * and decoded only once framed, so multi-byte characters never shift a chunk's size.
 *
 * <p>Example: {@code "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"}
 * parses to status 200, body {@code "abc"}.
 */
final class HttpResponses {
    private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};

    private HttpResponses() {}

    /** {@code source} names where the bytes came from, for the error messages. */
    static UnixHttpClient.Response parse(byte[] raw, String source) throws IOException {
        int headEnd = indexOf(raw, END_OF_HEAD, 0);
        if (headEnd < 0) {
            throw new IOException("incomplete HTTP answer from " + source + " (" + raw.length + " bytes, no end of headers)");
        }
        String[] lines = new String(raw, 0, headEnd, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x answer from " + source + ": " + lines[0]);
        }
        int code;
        try {
            code = Integer.parseInt(status[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad HTTP status line from " + source + ": " + lines[0]);
        }
        String contentType = "";
        long length = -1;
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).strip();
            switch (name) {
                case "content-type" -> contentType = value;
                case "content-length" -> length = parseLength(value, source);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                default -> { }
            }
        }
        int start = headEnd + END_OF_HEAD.length;
        byte[] body;
        if (chunked) {
            body = dechunk(raw, start, source);
        } else if (length >= 0) {
            if (raw.length - start < length) {
                throw new IOException("truncated HTTP answer from " + source + ": " + (raw.length - start) + " of " + length + " bytes");
            }
            body = java.util.Arrays.copyOfRange(raw, start, start + (int) length);
        } else {
            body = java.util.Arrays.copyOfRange(raw, start, raw.length);
        }
        return new UnixHttpClient.Response(code, contentType, new String(body, StandardCharsets.UTF_8));
    }

    /** Chunked transfer coding: hex size [;extensions] CRLF, data CRLF, ..., a size of 0 ends it. */
    static byte[] dechunk(byte[] raw, int from, String source) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = from;
        while (true) {
            int eol = indexOf(raw, new byte[] {'\r', '\n'}, i);
            if (eol < 0) {
                throw new IOException("truncated chunked answer from " + source);
            }
            String sizeField = new String(raw, i, eol - i, StandardCharsets.ISO_8859_1).split(";", 2)[0].strip();
            int size;
            try {
                size = Integer.parseInt(sizeField, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size '" + sizeField + "' from " + source);
            }
            if (size == 0) {
                return out.toByteArray();
            }
            int data = eol + 2;
            if (size < 0 || raw.length - data < size) {
                throw new IOException("truncated chunk from " + source + ": " + size + " bytes announced");
            }
            out.write(raw, data, size);
            i = data + size + 2;
        }
    }

    private static long parseLength(String value, String source) throws IOException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IOException("bad Content-Length '" + value + "' from " + source);
        }
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
