package io.sluice.relay;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.api.hubble.HubbleStreams.FlowSink;
import io.sluice.api.hubble.TlsFailures;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.api.hubble.relay.NodeState;
import io.sluice.api.hubble.relay.NodeStatusEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One GetFlows across nodes: each upstream streams on a virtual thread of its own into one
 * bounded queue (a slow client slows the upstreams rather than filling memory); the caller's
 * thread merges. Without follow, all answers are collected, ordered by time and cut to the
 * last (or first) {@code number}; with follow, a sort buffer orders them and is flushed when
 * nothing arrives for the sort timeout. A node that fails is reported as a NodeStatusEvent
 * and, when following, tried again every second. A request the nodes refuse as invalid ends
 * the merge with their status.
 */
public final class FlowMerge {
    /** One node's stream: blocks while it delivers, returns when the node ends it, throws when it fails. */
    public interface Upstream {
        String name();

        void stream(GetFlowsRequest req, Consumer<GetFlowsResponse> sink) throws Exception;
    }

    private sealed interface Item {
        record Answer(GetFlowsResponse r) implements Item {}
        record Ended(String node) implements Item {}
        /** A node that failed, reported as {@link Peers#stateOf} says. */
        record Failed(String node, NodeState state, String message) implements Item {}
        record Back(String node) implements Item {}
        record Refused(StatusRuntimeException e) implements Item {}
    }

    private final List<Upstream> upstreams;
    private final int sortCapacity;
    private final long sortTimeoutMillis;

    public FlowMerge(List<Upstream> upstreams, int sortCapacity, long sortTimeoutMillis) {
        this.upstreams = upstreams;
        this.sortCapacity = sortCapacity;
        this.sortTimeoutMillis = sortTimeoutMillis;
    }

    public void run(GetFlowsRequest req, FlowSink out) throws InterruptedException {
        BlockingQueue<Item> queue = new ArrayBlockingQueue<>(Math.max(1024, sortCapacity * 4));
        List<Thread> threads = new ArrayList<>();
        for (Upstream u : upstreams) {
            threads.add(Thread.ofVirtual().name("relay-" + u.name()).start(() -> pump(u, req, queue, out)));
        }
        try {
            if (req.getFollow()) {
                follow(queue, out);
            } else {
                collect(req, queue, out);
            }
        } finally {
            threads.forEach(Thread::interrupt);
        }
    }

    private void pump(Upstream u, GetFlowsRequest req, BlockingQueue<Item> queue, FlowSink out) {
        boolean failed = false;
        while (!out.cancelled() && !Thread.currentThread().isInterrupted()) {
            try {
                boolean[] announced = {!failed};
                u.stream(req, r -> {
                    try {
                        if (!announced[0]) {
                            queue.put(new Item.Back(u.name()));
                            announced[0] = true;
                        }
                        queue.put(new Item.Answer(r));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("merge ended");
                    }
                });
                put(queue, new Item.Ended(u.name()));
                return;
            } catch (Exception e) {
                if (Thread.currentThread().isInterrupted() || out.cancelled()) {
                    return;
                }
                if (e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                    put(queue, new Item.Refused(s));
                    return;
                }
                if (!failed) {
                    Optional<String> tls = TlsFailures.describe(e);
                    put(queue, new Item.Failed(u.name(), Peers.stateOf(tls),
                            tls.orElse(e.getMessage() == null ? e.toString() : e.getMessage())));
                    failed = true;
                }
                if (!req.getFollow()) {
                    put(queue, new Item.Ended(u.name()));
                    return;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private static void put(BlockingQueue<Item> q, Item i) {
        try {
            q.put(i);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void collect(GetFlowsRequest req, BlockingQueue<Item> queue, FlowSink out) throws InterruptedException {
        List<GetFlowsResponse> all = new ArrayList<>();
        int ended = 0;
        while (ended < upstreams.size() && !out.cancelled()) {
            Item i = queue.poll(200, TimeUnit.MILLISECONDS);
            switch (i) {
                case null -> { }
                case Item.Answer a -> all.add(a.r());
                case Item.Ended e -> ended++;
                case Item.Failed f -> out.send(status(f.state(), f.node(), f.message()));
                case Item.Back b -> out.send(status(NodeState.NODE_CONNECTED, b.node(), ""));
                case Item.Refused r -> throw r.e();
            }
        }
        all.sort(MergeBuffer.BY_TIME);
        long n = req.getNumber();
        List<GetFlowsResponse> flows = all;
        if (n > 0 && n < all.size()) {
            long count = all.stream().filter(GetFlowsResponse::hasFlow).count();
            if (count > n) {
                flows = cut(all, n, req.getFirst());
            }
        }
        for (GetFlowsResponse r : flows) {
            if (out.cancelled()) {
                return;
            }
            out.send(r);
        }
    }

    /** The first or last n flows, with the other answers (lost events) that fall among them. */
    private static List<GetFlowsResponse> cut(List<GetFlowsResponse> sorted, long n, boolean first) {
        List<GetFlowsResponse> out = new ArrayList<>();
        long seen = 0;
        if (first) {
            for (GetFlowsResponse r : sorted) {
                if (r.hasFlow() && ++seen > n) {
                    break;
                }
                out.add(r);
            }
            return out;
        }
        for (int i = sorted.size() - 1; i >= 0; i--) {
            GetFlowsResponse r = sorted.get(i);
            if (r.hasFlow() && ++seen > n) {
                break;
            }
            out.add(r);
        }
        return out.reversed();
    }

    private void follow(BlockingQueue<Item> queue, FlowSink out) throws InterruptedException {
        MergeBuffer buffer = new MergeBuffer(sortCapacity);
        int ended = 0;
        while (!out.cancelled() && ended < upstreams.size()) {
            Item i = queue.poll(sortTimeoutMillis, TimeUnit.MILLISECONDS);
            switch (i) {
                case null -> sendAll(buffer.drain(), out);
                case Item.Answer a -> {
                    GetFlowsResponse oldest = buffer.offer(a.r());
                    if (oldest != null) {
                        out.send(oldest);
                    }
                }
                case Item.Ended e -> ended++;
                case Item.Failed f -> out.send(status(f.state(), f.node(), f.message()));
                case Item.Back b -> out.send(status(NodeState.NODE_CONNECTED, b.node(), ""));
                case Item.Refused r -> throw r.e();
            }
        }
        sendAll(buffer.drain(), out);
    }

    private static void sendAll(List<GetFlowsResponse> answers, FlowSink out) throws InterruptedException {
        for (GetFlowsResponse r : answers) {
            out.send(r);
        }
    }

    static GetFlowsResponse status(NodeState state, String node, String message) {
        return GetFlowsResponse.newBuilder().setNodeStatus(NodeStatusEvent.newBuilder().setStateChange(state)
                        .addNodeNames(node).setMessage(message))
                .setTime(com.google.protobuf.util.Timestamps.fromMillis(System.currentTimeMillis())).build();
    }
}
