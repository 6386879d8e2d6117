package io.sluice.relay;

import io.sluice.api.hubble.observer.GetFlowsResponse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Hubble relay's sort buffer: answers from several nodes arrive roughly in time order per
 * node; holding up to {@code capacity} of them and always releasing the oldest puts them in
 * time order across nodes. Not thread-safe: one merging thread owns it.
 */
final class MergeBuffer {
    static final Comparator<GetFlowsResponse> BY_TIME = Comparator.comparingLong((GetFlowsResponse r) -> r.getTime().getSeconds())
            .thenComparingInt(r -> r.getTime().getNanos());

    private final int capacity;
    private final PriorityQueue<GetFlowsResponse> queue;

    MergeBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("sort buffer capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.queue = new PriorityQueue<>(capacity + 1, BY_TIME);
    }

    /** Adds an answer; returns the oldest one when the buffer is over capacity, else null. */
    GetFlowsResponse offer(GetFlowsResponse r) {
        queue.add(r);
        return queue.size() > capacity ? queue.poll() : null;
    }

    /** Everything held, oldest first; the buffer is empty afterwards. */
    List<GetFlowsResponse> drain() {
        List<GetFlowsResponse> out = new ArrayList<>(queue.size());
        while (!queue.isEmpty()) {
            out.add(queue.poll());
        }
        return out;
    }
}
