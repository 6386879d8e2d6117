package io.sluice.bench;

import com.google.protobuf.Timestamp;
import io.sluice.api.hubble.HubbleStreams;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.Verdict;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.relay.FlowMerge;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The relay's merge (FlowMerge: one streaming thread per node, a bounded hand-off queue, the
 * sort buffer) in follow mode, fed by 4 simulated agents that each stream 100,000 flows with
 * interleaved timestamps. Baseline in the same run: the same 400,000 flows from 1 agent.
 * Throughput is in flows per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class RelayMergeBench {
    static final int PER_AGENT = 100_000, AGENTS = 4;
    private final List<List<GetFlowsResponse>> streams = new ArrayList<>();
    private List<GetFlowsResponse> single;
    private static final GetFlowsRequest FOLLOW = GetFlowsRequest.newBuilder().setFollow(true).build();

    @Setup
    public void setUp() {
        for (int a = 0; a < AGENTS; a++) {
            List<GetFlowsResponse> s = new ArrayList<>(PER_AGENT);
            for (int n = 0; n < PER_AGENT; n++) {
                long nanos = 1_700_000_000_000_000_000L + (long) n * 4_000 + a * 1_000;
                Timestamp t = Timestamp.newBuilder().setSeconds(nanos / 1_000_000_000L).setNanos((int) (nanos % 1_000_000_000L)).build();
                s.add(GetFlowsResponse.newBuilder().setFlow(Flow.newBuilder().setTime(t).setVerdict(Verdict.FORWARDED)
                        .setNodeName("node-" + a)).setTime(t).setNodeName("node-" + a).build());
            }
            streams.add(s);
        }
        single = streams.stream().flatMap(List::stream).toList();
    }

    @Benchmark
    @OperationsPerInvocation(PER_AGENT * AGENTS)
    public long merge4Agents() throws InterruptedException {
        List<FlowMerge.Upstream> ups = new ArrayList<>();
        for (int a = 0; a < AGENTS; a++) {
            ups.add(upstream("node-" + a, streams.get(a)));
        }
        return run(ups);
    }

    @Benchmark
    @OperationsPerInvocation(PER_AGENT * AGENTS)
    public long baseline1Agent() throws InterruptedException {
        return run(List.of(upstream("node-0", single)));
    }

    private static long run(List<FlowMerge.Upstream> ups) throws InterruptedException {
        long[] count = {0};
        new FlowMerge(ups, 100, 1000).run(FOLLOW, new HubbleStreams.FlowSink() {
            public void send(GetFlowsResponse r) {
                count[0]++;
            }

            public boolean cancelled() {
                return false;
            }
        });
        if (count[0] != (long) PER_AGENT * AGENTS) {
            throw new IllegalStateException("merged " + count[0] + " of " + PER_AGENT * AGENTS);
        }
        return count[0];
    }

    private static FlowMerge.Upstream upstream(String name, List<GetFlowsResponse> flows) {
        return new FlowMerge.Upstream() {
            public String name() {
                return name;
            }

            public void stream(GetFlowsRequest r, Consumer<GetFlowsResponse> sink) {
                flows.forEach(sink);
            }
        };
    }
}
