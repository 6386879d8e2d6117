package io.sluice.agent.hubble;

import com.google.protobuf.Message;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.LostEvent;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hubble's ring of the most recent flows: a fixed number of slots, the oldest overwritten
 * first. Every entry has a sequence number (0, 1, 2 … never reused), so a reader that fell
 * behind knows exactly how many entries it lost. Entries are {@link Flow}s or
 * {@link LostEvent}s (losses upstream of the buffer, kept in order with the flows).
 * One writer or many; readers never block the writer.
 */
public final class FlowBuffer {
    private final AtomicReferenceArray<Message> slots;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grown = lock.newCondition();
    private volatile long next;
    /** Sequence numbers below this may be in their slot already: set before a slot is overwritten. */
    private volatile long claimed;
    private int waiting;

    public FlowBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("flow buffer capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.slots = new AtomicReferenceArray<>(capacity);
    }

    public void add(Message entry) {
        lock.lock();
        try {
            long seq = next;
            claimed = seq + 1;
            slots.set((int) (seq % capacity), entry);
            next = seq + 1;
            if (waiting > 0) {
                grown.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    public int capacity() {
        return capacity;
    }

    /** The sequence number the next entry gets; also the number of entries ever added. */
    public long next() {
        return next;
    }

    /** The oldest sequence number still held. */
    public long oldest() {
        return Math.max(0, next - capacity);
    }

    /** Entries currently held. */
    public int size() {
        return (int) Math.min(next, capacity);
    }

    /**
     * The entry with sequence number seq, or null when it was overwritten (seq < oldest()) or
     * is not written yet. Reading an overwritten slot is detected after the read, so a reader
     * never returns a newer entry in place of the one it asked for.
     */
    public Message get(long seq) {
        if (seq >= next) {
            return null;
        }
        Message m = slots.get((int) (seq % capacity));
        return seq >= claimed - capacity ? m : null;
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
}
