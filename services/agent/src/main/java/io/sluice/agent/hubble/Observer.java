package io.sluice.agent.hubble;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import com.google.protobuf.util.FieldMaskUtil;
import com.google.protobuf.util.Timestamps;
import io.sluice.agent.flow.L7Record;
import io.sluice.api.hubble.HubbleStreams;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.LostEvent;
import io.sluice.api.hubble.flow.LostEventSource;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.bpf.datapath.DatapathEvent;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The node's Hubble observer: parses what the datapath and the proxy report into flows,
 * counts them, keeps them in the flow buffer, and answers GetFlows over that buffer.
 */
public final class Observer {
    private final String nodeName;
    private final FlowParser parser;
    private final FlowBuffer buffer;
    private final HubbleMetrics metrics;
    private final long startNanos = System.nanoTime();

    public Observer(String nodeName, FlowParser parser, FlowBuffer buffer, HubbleMetrics metrics) {
        this.nodeName = nodeName;
        this.parser = parser;
        this.buffer = buffer;
        this.metrics = metrics;
    }

    public void datapathEvent(DatapathEvent e, long timeNanos) {
        add(parser.parse(e, timeNanos));
    }

    public void l7(L7Record r) {
        parser.parse(r).forEach(this::add);
    }

    private void add(Flow f) {
        metrics.flow(f);
        buffer.add(f);
    }

    /** Events lost before they became flows (for instance the datapath's ring buffer was full). */
    public void lost(LostEventSource source, long count) {
        if (count <= 0) {
            return;
        }
        metrics.lost(source.name().toLowerCase(java.util.Locale.ROOT), count);
        buffer.add(FlowBuffer.lostEvent(source, count));
    }

    public FlowBuffer buffer() {
        return buffer;
    }

    public String nodeName() {
        return nodeName;
    }

    public long uptimeNanos() {
        return System.nanoTime() - startNanos;
    }

    public long seenFlows() {
        return buffer.next();
    }

    /** Flows per second over the last minute (or since start, if sooner) that the buffer still holds. */
    public double flowsRate() {
        long now = System.currentTimeMillis();
        long window = Math.max(1_000, Math.min(60_000, uptimeNanos() / 1_000_000));
        long count = 0;
        for (long seq = buffer.next() - 1; seq >= buffer.oldest(); seq--) {
            long t = buffer.time(seq);
            if (t >= 0 && t / 1_000_000 < now - window) {
                break;
            }
            count++;
        }
        return count * 1000.0 / window;
    }

    /**
     * Answers one GetFlows: the flows the filters pass, the last (or first) {@code number} of
     * them or those between since and until, then, when following, each new one as it comes.
     * A stretch the reader lost (overwritten before it was read) is reported as one LostEvent.
     * Throws {@link FlowFilters.InvalidFilter} for a bad request, before anything is sent.
     */
    public void getFlows(GetFlowsRequest req, HubbleStreams.FlowSink sink) throws InterruptedException {
        Predicate<Flow> filter = FlowFilters.compile(req.getWhitelistList(), req.getBlacklistList());
        if (req.getFirst() && req.getFollow()) {
            throw new FlowFilters.InvalidFilter("first: cannot be combined with follow");
        }
        FieldMask mask = req.hasFieldMask() && req.getFieldMask().getPathsCount() > 0 ? req.getFieldMask()
                : req.getExperimental().getFieldMask().getPathsCount() > 0 ? req.getExperimental().getFieldMask() : null;
        if (mask != null && !FieldMaskUtil.isValid(Flow.class, mask)) {
            throw new FlowFilters.InvalidFilter("field_mask: " + mask.getPathsList() + " names a field Flow does not have");
        }
        long since = req.hasSince() ? Timestamps.toNanos(req.getSince()) : Long.MIN_VALUE;
        long until = req.hasUntil() ? Timestamps.toNanos(req.getUntil()) : Long.MAX_VALUE;
        Predicate<Flow> wanted = f -> {
            long t = Timestamps.toNanos(f.getTime());
            return t >= since && t <= until && filter.test(f);
        };
        long number = req.getNumber();
        long end = buffer.next();
        long seq = buffer.oldest();
        if (number > 0 && !req.getFirst()) {
            seq = startOfLast(number, wanted, end);
        } else if (req.getFollow() && number == 0 && !req.hasSince()) {
            seq = end; // only what comes from now on
        }
        long sent = 0, lost = 0;
        while (!sink.cancelled()) {
            if (seq >= end) {
                if (!req.getFollow()) {
                    break;
                }
                if (!buffer.await(seq, 200, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                end = buffer.next();
            }
            Message m = buffer.get(seq);
            if (m == null) {
                // Overwritten before this reader got to it; without follow, only what the call asked for counts.
                long upto = req.getFollow() ? buffer.oldest() : Math.min(buffer.oldest(), end);
                lost += Math.max(1, upto - seq);
                seq = Math.max(seq + 1, upto);
                continue;
            }
            seq++;
            if (lost > 0) {
                sink.send(lostResponse(LostEventSource.HUBBLE_RING_BUFFER, lost));
                lost = 0;
            }
            switch (m) {
                case Flow f -> {
                    if (Timestamps.toNanos(f.getTime()) > until && !req.getFollow()) {
                        return;
                    }
                    if (!wanted.test(f)) {
                        continue;
                    }
                    sink.send(GetFlowsResponse.newBuilder().setFlow(mask == null ? f : masked(f, mask))
                            .setNodeName(nodeName).setTime(f.getTime()).build());
                    sent++;
                    if (number > 0 && sent >= number && !req.getFollow()) {
                        return;
                    }
                }
                case LostEvent l -> sink.send(GetFlowsResponse.newBuilder().setLostEvents(l).setNodeName(nodeName)
                        .setTime(l.getLast()).build());
                default -> { }
            }
        }
        if (lost > 0 && !sink.cancelled()) {
            sink.send(lostResponse(LostEventSource.HUBBLE_RING_BUFFER, lost));
        }
    }

    /** The sequence number from which the last {@code number} wanted flows follow. */
    private long startOfLast(long number, Predicate<Flow> wanted, long end) {
        long found = 0;
        long seq = end - 1;
        for (; seq >= buffer.oldest(); seq--) {
            if (buffer.get(seq) instanceof Flow f && wanted.test(f) && ++found == number) {
                return seq;
            }
        }
        return Math.max(buffer.oldest(), seq + 1);
    }

    private GetFlowsResponse lostResponse(LostEventSource source, long n) {
        LostEvent l = FlowBuffer.lostEvent(source, n);
        return GetFlowsResponse.newBuilder().setLostEvents(l).setNodeName(nodeName).setTime(l.getLast()).build();
    }

    private static Flow masked(Flow f, FieldMask mask) {
        Flow.Builder b = Flow.newBuilder();
        FieldMaskUtil.merge(mask, f, b);
        return b.build();
    }
}
