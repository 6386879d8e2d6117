package io.sluice.agent.bpf;

import io.sluice.api.node.EventView;
import io.sluice.bpf.datapath.DatapathEvent;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The most recent datapath events, decoded, in a bounded buffer (oldest dropped first), with
 * counters that never reset. Thread-safe: the ring-buffer thread adds, API threads read.
 */
public final class EventLog {
    private final int capacity;
    private final ArrayDeque<EventView> events;
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong drops = new AtomicLong();
    private final long bootOffsetNanos;

    public EventLog(int capacity) {
        this.capacity = capacity;
        this.events = new ArrayDeque<>(capacity);
        // Events carry CLOCK_MONOTONIC (bpf_ktime_get_ns), as System.nanoTime on Linux; the offset makes it wall-clock.
        this.bootOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    }

    public void add(DatapathEvent e) {
        if (e.type() == DatapathEvent.DROP) {
            drops.incrementAndGet();
        }
        EventView v = EventViews.of(seq.incrementAndGet(), e.ktimeNs() + bootOffsetNanos, e);
        synchronized (events) {
            if (events.size() == capacity) {
                events.removeFirst();
            }
            events.addLast(v);
        }
    }

    /** Events after sequence number {@code after} that pass the filter, oldest first. */
    public List<EventView> since(long after, Predicate<EventView> filter) {
        synchronized (events) {
            return events.stream().filter(v -> v.seq() > after).filter(filter).toList();
        }
    }

    public long seen() {
        return seq.get();
    }

    public long drops() {
        return drops.get();
    }

}
