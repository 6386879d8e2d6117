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

    /** An HTTP exchange from the proxy's access log, shown with the identities of its two ends. */
    public void addL7(io.sluice.agent.flow.L7Record r, java.util.function.ToIntFunction<String> identityOfAddress) {
        String verdict = r.forwarded() ? "FORWARDED" : "DROPPED";
        int src = identityOfAddress.applyAsInt(host(r.source())), dst = identityOfAddress.applyAsInt(host(r.destination()));
        append(new EventView(seq.incrementAndGet(), r.timeNanos(), "l7", r.status(), "http-request " + verdict, 0, src, dst,
                r.source(), r.destination(), r.protocol(), "", "http-request " + verdict + " (" + r.requestSummary() + ") "
                + r.direction() + ", response " + r.status() + ", X-Request-Id " + r.requestId()));
    }

    private static String host(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    public void add(DatapathEvent e) {
        if (e.type() == DatapathEvent.DROP) {
            drops.incrementAndGet();
        }
        append(EventViews.of(seq.incrementAndGet(), wallClockNanos(e), e));
    }

    /** When the event happened, in wall-clock nanoseconds. */
    public long wallClockNanos(DatapathEvent e) {
        return e.ktimeNs() + bootOffsetNanos;
    }

    private void append(EventView v) {
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
