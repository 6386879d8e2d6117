package io.sluice.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * Reads records from a BPF ring buffer on one daemon thread and hands each, as a copy, to the
 * consumer. A consumer that throws loses that record only; the reader keeps going.
 *
 * <p>The ring's pages are mapped as the kernel lays them out (kernel/bpf/ringbuf.c): the consumer
 * position's page, written here, then the producer position's page and the data, read-only. The
 * kernel maps the data twice in a row so that a record never wraps for its producer; libbpf's
 * reader maps it twice too, and so counts each data page twice in the process's resident memory
 * once the ring has gone round. This reader maps the data once and copies a record that wraps in
 * two pieces, so the ring costs its own size and no more.
 */
public final class RingBufferReader implements AutoCloseable {
    /** The record header (struct bpf_ringbuf_hdr): its length word, and the offset of its pages. */
    private static final int HEADER = 8, BUSY = 1 << 31, DISCARD = 1 << 30;
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, POLLIN = 1;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Consumer<byte[]> consumer;
    private final String name;
    private final long page;
    private final long size;
    private final MemorySegment consumerPage;
    /** The producer position's page, then the data. */
    private final MemorySegment producer;
    private final Thread thread;
    private volatile boolean running = true;

    public RingBufferReader(BpfMap ringBuffer, Consumer<byte[]> consumer) {
        if (ringBuffer.type() != MapType.RINGBUF) {
            throw new IllegalArgumentException(ringBuffer.name() + " is not a ring buffer");
        }
        this.consumer = consumer;
        this.name = ringBuffer.name();
        this.page = Libbpf.call(Libbpf.PAGE_SIZE);
        this.size = Integer.toUnsignedLong(ringBuffer.maxEntries());
        this.consumerPage = map(ringBuffer, 0, page, PROT_READ | PROT_WRITE);
        try {
            this.producer = map(ringBuffer, page, page + size, PROT_READ);
        } catch (RuntimeException e) {
            unmap(consumerPage);
            throw e;
        }
        thread = Thread.ofPlatform().daemon().name("ringbuf-" + name).start(() -> loop(ringBuffer.fd()));
    }

    private static MemorySegment map(BpfMap ringBuffer, long offset, long length, int prot) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(a);
            MemorySegment at = (MemorySegment) Libbpf.MMAP.invokeExact(state, MemorySegment.NULL, length, prot,
                    MAP_SHARED, ringBuffer.fd(), offset);
            if (at.address() == -1L) { // MAP_FAILED
                throw new BpfException("map the pages of ring buffer", ringBuffer.name(), Libbpf.errno(state));
            }
            return at.reinterpret(length);
        } catch (BpfException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap of ring buffer " + ringBuffer.name(), t);
        }
    }

    private static void unmap(MemorySegment s) {
        Libbpf.call(Libbpf.MUNMAP, s, s.byteSize());
    }

    private void loop(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pollfd = a.allocate(8, 4); // struct pollfd { int fd; short events, revents; }
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) POLLIN);
            while (running) {
                drain();
                int rc = Libbpf.call(Libbpf.POLL, pollfd, 1L, 100);
                if (rc < 0) { // EINTR, or the map is gone: try again shortly rather than spin
                    sleep();
                }
            }
        }
    }

    /** Hands over every committed record, in order, and frees its room for the producer. */
    private void drain() {
        long mask = size - 1;
        long consumed = (long) LONG.getAcquire(consumerPage, 0L);
        while (consumed < (long) LONG.getAcquire(producer, 0L)) {
            int word = (int) INT.getAcquire(producer, page + (consumed & mask));
            if ((word & BUSY) != 0) {
                return; // reserved, not yet committed: records after it wait for it
            }
            int length = word & ~(BUSY | DISCARD);
            if ((word & DISCARD) == 0) {
                deliver(copy((consumed + HEADER) & mask, length));
            }
            consumed += (length + HEADER + 7) & ~7L;
            LONG.setRelease(consumerPage, 0L, consumed);
        }
    }

    /** The record's bytes at data offset {@code from}, in two pieces when it runs past the end. */
    private byte[] copy(long from, int length) {
        byte[] record = new byte[length];
        int first = (int) Math.min(length, size - from);
        MemorySegment.copy(producer, ValueLayout.JAVA_BYTE, page + from, record, 0, first);
        MemorySegment.copy(producer, ValueLayout.JAVA_BYTE, page, record, first, length - first);
        return record;
    }

    private void deliver(byte[] record) {
        try {
            consumer.accept(record);
        } catch (RuntimeException e) {
            System.err.println("ring buffer " + name + ": consumer failed: " + e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            unmap(producer);
            unmap(consumerPage);
        }
    }
}
