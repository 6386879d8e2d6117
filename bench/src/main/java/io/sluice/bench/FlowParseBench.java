package io.sluice.bench;

import io.sluice.agent.endpoint.Endpoint;
import io.sluice.agent.hubble.Directory;
import io.sluice.agent.hubble.FlowFilters;
import io.sluice.agent.hubble.FlowParser;
import io.sluice.policy.Labels;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.FlowFilter;
import io.sluice.api.hubble.flow.Verdict;
import io.sluice.bpf.datapath.DatapathEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Hubble's hot path on one core: a raw ring-buffer record is decoded, parsed into a flow named
 * with the node's directory, and run through a GetFlows filter ({@code --to-pod default/deathstar
 * --verdict DROPPED --verdict FORWARDED}). Baseline in the same run: decoding the record only.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FlowParseBench {
    private final List<byte[]> records = new ArrayList<>();
    private FlowParser parser;
    private Predicate<Flow> filter;
    private int i;

    @Setup
    public void setUp() {
        List<Endpoint> eps = new ArrayList<>();
        for (int n = 0; n < 100; n++) {
            eps.add(new Endpoint("default", (n % 2 == 0 ? "deathstar-" : "xwing-") + n, n + 1, 256 + n % 10,
                    Labels.ofPod("default", Map.of("class", n % 2 == 0 ? "deathstar" : "xwing", "org", "empire")),
                    0x0ac80000 | (n + 2), Map.of(), true));
        }
        Directory dir = new Directory(eps, List.of(), 0x0ac80001);
        parser = new FlowParser("node-1", () -> dir);
        filter = FlowFilters.compile(List.of(FlowFilter.newBuilder().addDestinationPod("default/deathstar")
                .addVerdict(Verdict.DROPPED).addVerdict(Verdict.FORWARDED).build()), List.of());
        int[] types = {DatapathEvent.TRACE, DatapathEvent.TRACE, DatapathEvent.DROP, DatapathEvent.POLICY_VERDICT};
        for (int n = 0; n < 1024; n++) {
            records.add(record(types[n % 4], n % 4 == 2 ? 133 : 0, 0x0ac80000 | (3 + 2 * (n % 50)), 30000 + n,
                    0x0ac80000 | (2 + 2 * (n % 50)), 80, n % 3 == 0 ? 0x02 : 0x10));
        }
    }

    @Benchmark
    public boolean decodeParseFilter() {
        byte[] raw = records.get(i++ & 1023);
        DatapathEvent e = DatapathEvent.decode(raw);
        return filter.test(parser.parse(e, 1_700_000_000_000_000_000L + i));
    }

    @Benchmark
    public DatapathEvent baselineDecodeOnly() {
        return DatapathEvent.decode(records.get(i++ & 1023));
    }

    /** struct event as the datapath writes it, with an Ethernet + IPv4 + TCP head. */
    static byte[] record(int type, int subtype, int src, int sport, int dst, int dport, int tcpFlags) {
        ByteBuffer b = ByteBuffer.allocate(DatapathEvent.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) type).put((byte) subtype).put((byte) 0).put((byte) 2).putInt(5).putInt(7).putInt(258).putInt(256)
                .putInt(54).putLong(123_456_789L).putShort((short) 54).put((byte) 0).put((byte) 0).putShort((short) 0)
                .putShort((short) 0);
        ByteBuffer p = ByteBuffer.wrap(b.array(), 40, 54);
        p.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        p.put((byte) 0x45).put((byte) 0).putShort((short) 40).putInt(0).put((byte) 64).put((byte) 6).putShort((short) 0)
                .putInt(src).putInt(dst);
        p.putShort((short) sport).putShort((short) dport).putInt(1).putInt(0).put((byte) 0x50).put((byte) tcpFlags)
                .putShort((short) 1024).putInt(0);
        return b.array();
    }
}
