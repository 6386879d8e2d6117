package io.sluice.agent.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The few ASN.1 DER encodings (and the reading back of an element's parts) an X.509 certificate of {@link NodeCertificates} needs (ITU-T X.690):
 * each method returns one whole element, tag, length and contents, so elements nest by passing
 * one method's result to another.
 * <pre>{@code
 * byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid("2.5.4.3"), Der.utf8("Sluice node CA"))));
 * }</pre>
 */
final class Der {
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Instant UTC_TIME_END = Instant.parse("2050-01-01T00:00:00Z");

    private Der() {}

    static byte[] sequence(byte[]... elements) {
        return element(0x30, elements);
    }

    static byte[] set(byte[]... elements) {
        return element(0x31, elements);
    }

    /** A context-specific, constructed tag around {@code element} ({@code [n] EXPLICIT}). */
    static byte[] explicit(int n, byte[] element) {
        return element(0xa0 | n, element);
    }

    /** A context-specific, primitive tag with {@code contents} ({@code [n] IMPLICIT} of a string type). */
    static byte[] implicit(int n, byte[] contents) {
        return element(0x80 | n, contents);
    }

    static byte[] integer(BigInteger value) {
        return element(0x02, value.toByteArray());
    }

    static byte[] bool(boolean value) {
        return element(0x01, new byte[]{(byte) (value ? 0xff : 0)});
    }

    static byte[] octets(byte[] contents) {
        return element(0x04, contents);
    }

    /** A BIT STRING of whole bytes. */
    static byte[] bits(byte[] contents) {
        return bits(contents, 0);
    }

    /** A BIT STRING whose last {@code unused} bits are not part of it (X.690 8.6.2). */
    static byte[] bits(byte[] contents, int unused) {
        byte[] b = new byte[contents.length + 1];
        b[0] = (byte) unused;
        System.arraycopy(contents, 0, b, 1, contents.length);
        return element(0x03, b);
    }

    static byte[] utf8(String s) {
        return element(0x0c, s.getBytes(StandardCharsets.UTF_8));
    }

    /** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5), to the second. */
    static byte[] time(Instant t) {
        return t.isBefore(UTC_TIME_END) ? element(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII))
                : element(0x18, GENERALIZED_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    /** An OBJECT IDENTIFIER in dotted form, e.g. {@code 2.5.29.19}. */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            base128(out, Long.parseLong(arcs[i]));
        }
        return element(0x06, out.toByteArray());
    }

    /** The elements inside a constructed {@code element} (a SEQUENCE's fields), each whole. */
    static List<byte[]> children(byte[] element) {
        List<byte[]> out = new ArrayList<>();
        int[] header = header(element, 0);
        for (int at = header[0], end = header[0] + header[1]; at < end; ) {
            int[] h = header(element, at);
            out.add(Arrays.copyOfRange(element, at, h[0] + h[1]));
            at = h[0] + h[1];
        }
        return out;
    }

    /** The contents of one element, without its tag and length. */
    static byte[] contents(byte[] element) {
        int[] h = header(element, 0);
        return Arrays.copyOfRange(element, h[0], h[0] + h[1]);
    }

    /** Where the contents of the element at {@code at} start, and their length. */
    private static int[] header(byte[] b, int at) {
        int first = b[at + 1] & 0xff, start = at + 2, length = first;
        if (first >= 0x80) {
            length = 0;
            for (int i = 0; i < (first & 0x7f); i++) {
                length = (length << 8) | (b[start++] & 0xff);
            }
        }
        if (start + length > b.length) {
            throw new IllegalArgumentException("DER element at " + at + " runs past the end (" + length + " bytes)");
        }
        return new int[]{start, length};
    }

    private static void base128(ByteArrayOutputStream out, long v) {
        int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
        for (int g = groups - 1; g >= 0; g--) {
            out.write((int) ((v >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
        }
    }

    private static byte[] element(int tag, byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
