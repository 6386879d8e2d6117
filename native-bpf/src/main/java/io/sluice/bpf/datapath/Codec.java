package io.sluice.bpf.datapath;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BiConsumer;
import java.util.function.Function;

/** Encodes a record into its C struct's bytes (host order, little-endian here) and back. */
public record Codec<T>(int size, BiConsumer<T, ByteBuffer> writer, Function<ByteBuffer, T> reader) {

    public byte[] encode(T value) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        writer.accept(value, b);
        return b.array();
    }

    public T decode(byte[] bytes) {
        if (bytes.length < size) {
            throw new IllegalArgumentException("need " + size + " bytes, got " + bytes.length);
        }
        return reader.apply(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** Writes a port in network order, as the kernel's __be16 fields hold it. */
    static void putPort(ByteBuffer b, int port) {
        b.put((byte) (port >>> 8)).put((byte) port);
    }

    static int getPort(ByteBuffer b) {
        return ((b.get() & 0xff) << 8) | (b.get() & 0xff);
    }

    /** Writes an IPv4 address (as an int, most significant byte first) in network order. */
    static void putAddr(ByteBuffer b, int addr) {
        b.put((byte) (addr >>> 24)).put((byte) (addr >>> 16)).put((byte) (addr >>> 8)).put((byte) addr);
    }

    static int getAddr(ByteBuffer b) {
        return ((b.get() & 0xff) << 24) | ((b.get() & 0xff) << 16) | ((b.get() & 0xff) << 8) | (b.get() & 0xff);
    }
}
