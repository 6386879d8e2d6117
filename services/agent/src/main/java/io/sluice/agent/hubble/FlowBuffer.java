package io.sluice.agent.hubble;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.Timestamps;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.LostEvent;
import io.sluice.api.hubble.flow.LostEventSource;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Hubble's ring of the most recent flows: at most {@code capacity} entries in at most
 * {@code bytes} of memory outside the Java heap, the oldest overwritten first. Every entry has a
 * sequence number (0, 1, 2 … never reused), so a reader that fell behind knows exactly how many
 * entries it lost. Entries are {@link Flow}s or {@link LostEvent}s (losses upstream of the
 * buffer, kept in order with the flows).
 *
 * <p>Entries are kept serialized, each in one piece of the byte ring (an entry that would cross
 * the ring's end starts the next lap instead), so a node that keeps tens of thousands of flows
 * for minutes gives the collector nothing to copy or compact; readers parse what they read.
 * Example, capacity 4 and 4 KiB: entries of 1,200 bytes hold 3 (the fourth would overwrite the
 * first's bytes), entries of 400 bytes hold 4.
 *
 * <p>One writer or many; readers never block the writer. A reader copies an entry, then checks
 * that no writer claimed its slot or its bytes meanwhile, so it never returns a newer entry in
 * place of the one it asked for, nor a torn one. An entry larger than the whole ring is replaced
 * by a {@link LostEvent} that counts it.
 */
public final class FlowBuffer {
    private static final byte FLOW = 1, LOST = 2;

    private final int capacity;
    private final long bytes;
    private final MemorySegment ring;
    private final long[] starts;
    private final int[] lengths;
    private final byte[] kinds;
    private final long[] times;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grown = lock.newCondition();
    private volatile long next;
    /** Sequence numbers below this may be in their slot already: set before a slot is overwritten. */
    private volatile long claimed;
    /** Ring positions (counted from the start, never wrapped) below this may be written: set before writing. */
    private volatile long claimedBytes;
    /** The oldest entry whose bytes are still in the ring. */
    private volatile long oldestKept;
    private long head;
    private int waiting;

    public FlowBuffer(int capacity, long bytes) {
        if (capacity < 1) {
            throw new IllegalArgumentException("flow buffer capacity must be at least 1, got " + capacity);
        }
        if (bytes < 4096) {
            throw new IllegalArgumentException("flow buffer must have at least 4096 bytes, got " + bytes);
        }
        this.capacity = capacity;
        this.bytes = bytes;
        this.ring = AnonymousMemory.map(bytes);
        this.starts = new long[capacity];
        this.lengths = new int[capacity];
        this.kinds = new byte[capacity];
        this.times = new long[capacity];
    }

    public void add(Message entry) {
        byte kind = entry instanceof LostEvent ? LOST : FLOW;
        byte[] data = entry.toByteArray();
        if (data.length > bytes) {
            data = lostEvent(LostEventSource.HUBBLE_RING_BUFFER, 1).toByteArray();
            kind = LOST;
        }
        long time = switch (entry) {
            case Flow f -> Timestamps.toNanos(f.getTime());
            case LostEvent l -> Timestamps.toNanos(l.getLast());
            default -> throw new IllegalArgumentException("a flow buffer keeps flows and lost events, not " + entry.getClass());
        };
        lock.lock();
        try {
            write(kind, data, time);
            if (waiting > 0) {
                grown.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void write(byte kind, byte[] data, long time) {
        long seq = next;
        long start = head;
        if (start % bytes + data.length > bytes) {
            start += bytes - start % bytes; // kept in one piece: the rest of this lap stays unused
        }
        long end = start + data.length;
        claimed = seq + 1;
        claimedBytes = end;
        // Readers check the claims after copying; the claims must be visible before any of the writes below.
        VarHandle.storeStoreFence();
        long oldest = Math.max(oldestKept, seq + 1 - capacity);
        while (oldest < seq && starts[(int) (oldest % capacity)] < end - bytes) {
            oldest++;
        }
        oldestKept = oldest;
        MemorySegment.copy(data, 0, ring, JAVA_BYTE, start % bytes, data.length);
        int slot = (int) (seq % capacity);
        starts[slot] = start;
        lengths[slot] = data.length;
        kinds[slot] = kind;
        times[slot] = time;
        head = end;
        next = seq + 1;
    }

    /**
     * Memory for capacity flows when none is given: 512 bytes each, at least 1 MiB. A lab flow takes
     * 316 bytes (L3/L4, two pods with their labels) to 542 (an HTTP response with its headers).
     */
    public static long defaultBytes(int capacity) {
        return Math.max(1 << 20, 512L * capacity);
    }

    public int capacity() {
        return capacity;
    }

    /** The most memory the entries take, in bytes. */
    public long bytes() {
        return bytes;
    }

    /** The sequence number the next entry gets; also the number of entries ever added. */
    public long next() {
        return next;
    }

    /** The oldest sequence number still held. */
    public long oldest() {
        return Math.max(oldestKept, next - capacity);
    }

    /** Entries currently held. */
    public int size() {
        return (int) (next - oldest());
    }

    /**
     * The entry with sequence number seq, or null when it was overwritten (seq < oldest()) or
     * is not written yet.
     */
    public Message get(long seq) {
        if (seq >= next || seq < oldest()) {
            return null;
        }
        int slot = (int) (seq % capacity);
        long start = starts[slot];
        int length = lengths[slot];
        byte kind = kinds[slot];
        if (length < 0 || length > bytes) {
            return null; // a slot being rewritten; the claim check below would say so
        }
        byte[] data = new byte[length];
        MemorySegment.copy(ring, JAVA_BYTE, start % bytes, data, 0, Math.min(length, (int) (bytes - start % bytes)));
        if (!intact(seq, start)) {
            return null;
        }
        try {
            return kind == LOST ? LostEvent.parseFrom(data) : Flow.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("flow buffer entry " + seq + " does not parse", e);
        }
    }

    /** The time of entry seq in nanoseconds (a flow's time, a lost event's last), or -1 when it is not held. */
    public long time(long seq) {
        if (seq >= next || seq < oldest()) {
            return -1;
        }
        int slot = (int) (seq % capacity);
        long start = starts[slot], time = times[slot];
        return intact(seq, start) ? time : -1;
    }

    /** True when neither the slot of seq nor its bytes were claimed by a writer since they were read. */
    private boolean intact(long seq, long start) {
        VarHandle.loadLoadFence();
        return seq >= claimed - capacity && start >= claimedBytes - bytes;
    }

    /** Waits until an entry with sequence number seq exists, or the timeout passes; false on timeout. */
    public boolean await(long seq, long timeout, TimeUnit unit) throws InterruptedException {
        if (seq < next) {
            return true;
        }
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            waiting++;
            while (seq >= next) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = grown.awaitNanos(nanos);
            }
            return true;
        } finally {
            waiting--;
            lock.unlock();
        }
    }

    /** n events from source lost now. */
    static LostEvent lostEvent(LostEventSource source, long n) {
        var now = Timestamps.fromMillis(System.currentTimeMillis());
        return LostEvent.newBuilder().setSource(source).setNumEventsLost(n).setFirst(now).setLast(now).build();
    }
}
