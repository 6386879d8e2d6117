package io.sluice.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Consumer;

/**
 * Reads records from a BPF ring buffer on one daemon thread and hands each, as a copy, to the
 * consumer. A consumer that throws loses that record only; the reader keeps going.
 */
public final class RingBufferReader implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final Consumer<byte[]> consumer;
    private final MemorySegment rb;
    private final Thread thread;
    private volatile boolean running = true;

    public RingBufferReader(BpfMap ringBuffer, Consumer<byte[]> consumer) {
        if (ringBuffer.type() != MapType.RINGBUF) {
            throw new IllegalArgumentException(ringBuffer.name() + " is not a ring buffer");
        }
        this.consumer = consumer;
        MemorySegment callback = Libbpf.upcallStub(sampleHandle().bindTo(this), Libbpf.RINGBUF_SAMPLE_FN, arena);
        MemorySegment state = Libbpf.callState(arena);
        try {
            rb = (MemorySegment) Libbpf.RINGBUF_NEW.invokeExact(state, ringBuffer.fd(), callback,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rb.equals(MemorySegment.NULL)) {
            throw new BpfException("open ring buffer", ringBuffer.name(), Libbpf.errno(state));
        }
        thread = Thread.ofPlatform().daemon().name("ringbuf-" + ringBuffer.name()).start(this::loop);
    }

    private void loop() {
        while (running) {
            int rc = Libbpf.call(Libbpf.RINGBUF_POLL, rb, 100);
            if (rc < 0 && rc != -4 /* EINTR */) {
                System.err.println("ring buffer poll failed: errno " + -rc);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static MethodHandle sampleHandle() {
        try {
            return MethodHandles.lookup().findVirtual(RingBufferReader.class, "onSample",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unused") // called from native code
    private int onSample(MemorySegment ctx, MemorySegment data, long size) {
        byte[] copy = data.reinterpret(size).toArray(ValueLayout.JAVA_BYTE);
        try {
            consumer.accept(copy);
        } catch (RuntimeException e) {
            System.err.println("ring buffer consumer failed: " + e);
        }
        return 0;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Libbpf.run(Libbpf.RINGBUF_FREE, rb);
        arena.close();
    }
}
