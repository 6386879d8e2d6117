package io.sluice.bench;

import io.sluice.agent.endpoint.Endpoint;
import io.sluice.agent.flow.L7Record;
import io.sluice.agent.hubble.Directory;
import io.sluice.agent.hubble.FlowBuffer;
import io.sluice.agent.hubble.FlowParser;
import io.sluice.agent.hubble.HubbleMetrics;
import io.sluice.agent.hubble.Observer;
import io.sluice.policy.Labels;
import io.sluice.api.hubble.flow.LostEventSource;
import io.sluice.bpf.BpfFs;
import io.sluice.bpf.RingBufferReader;
import io.sluice.bpf.datapath.Datapath;
import io.sluice.bpf.datapath.EndpointValue;
import io.sluice.bpf.datapath.IpcacheKey;
import io.sluice.bpf.datapath.IpcacheValue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Datapath to observer, end to end on this machine: the real tc program (to_container, run by
 * BPF_PROG_TEST_RUN in batches at a target rate) writes trace events into the real ring
 * buffer; the agent's reader decodes them, records them for {@code sluice monitor} and the
 * observer parses them into its flow buffer, as the agent's reader does.
 * For each offered rate it prints how many events arrived as flows and how many the datapath
 * counted lost (ring buffer full); the two always add up to what was sent. Then it measures
 * the memory a full 65,535-flow buffer holds, on the heap and off it.
 *
 * <p>Usage: {@code ObserverIngest [seconds per rate] [rates...]}; needs root.
 */
public final class ObserverIngest {
    static final int POD = 0x0ac80002, PEER = 0x0ac80003, EP_ID = 9, LO = 1;

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int[] rates = args.length > 1 ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {50_000, 100_000, 200_000, 400_000, 800_000};
        BpfFs.ensureMounted();
        Path pins = Path.of("/sys/fs/bpf/sluice-bench-" + ProcessHandle.current().pid());
        Directory dir = new Directory(List.of(
                new Endpoint("default", "deathstar-1", EP_ID, 256, Labels.ofPod("default", Map.of("class", "deathstar")), POD, Map.of(), true),
                new Endpoint("default", "tiefighter", 3, 257, Labels.ofPod("default", Map.of("class", "tiefighter")), PEER, Map.of(), true)),
                List.of(), 0x0ac80001);
        Observer observer = new Observer("bench", new FlowParser("bench", () -> dir), new FlowBuffer(65535, FlowBuffer.defaultBytes(65535)), new HubbleMetrics());
        try (Datapath dp = Datapath.open(pins)) {
            dp.ipcache.put(new IpcacheKey(32, PEER), new IpcacheValue(257, 0));
            dp.ipcache.put(new IpcacheKey(32, POD), new IpcacheValue(256, EP_ID));
            dp.endpoints.put(LO, new EndpointValue(EP_ID, 256, POD, 0));
            byte[] syn = tcpSyn(PEER, 40000, POD, 80);
            // The agent's reader callback: the monitor's event log, then the observer.
            io.sluice.agent.bpf.EventLog events = new io.sluice.agent.bpf.EventLog(2048);
            try (RingBufferReader reader = dp.readEvents(e -> {
                events.add(e);
                observer.datapathEvent(e, events.wallClockNanos(e));
            })) {
                System.out.printf("%-12s %-12s %-12s %-12s %-8s%n", "offered/s", "sent/s", "flows/s", "lost/s", "lost %");
                for (int rate : rates) {
                    long flows0 = observer.seenFlows(), lost0 = dp.eventsLost();
                    int batch = Math.max(1, rate / 200); // a batch every 5 ms
                    long sent = 0, t0 = System.nanoTime(), end = t0 + seconds * 1_000_000_000L;
                    for (long next = t0; next < end; next += 5_000_000L) {
                        dp.toContainer().testRun(syn, LO, batch);
                        sent += batch;
                        long wait = next + 5_000_000L - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    Thread.sleep(1000); // let the reader drain
                    long flows = observer.seenFlows() - flows0, lost = dp.eventsLost() - lost0;
                    observer.lost(LostEventSource.PERF_EVENT_RING_BUFFER, lost);
                    System.out.printf("%-12d %-12.0f %-12.0f %-12.0f %-8.2f%s%n", rate, sent / secs, flows / secs, lost / secs,
                            100.0 * lost / sent, flows + lost == sent ? "" : "  (MISMATCH: " + (sent - flows - lost) + " unaccounted)");
                }
            }
        } finally {
            Datapath.unpinAll(pins);
        }
        memory(dir);
    }

    /**
     * Memory held by a full buffer of flows as the lab makes them (80% L3/L4 events, 20% HTTP
     * exchanges): the heap it keeps, the resident memory the process grew by (heap and the
     * buffer's off-heap ring), and the flows' serialized bytes.
     */
    static void memory(Directory dir) throws Exception {
        long before = usedHeap(), rssBefore = residentBytes();
        Observer o = new Observer("bench", new FlowParser("bench", () -> dir), new FlowBuffer(65535, FlowBuffer.defaultBytes(65535)), new HubbleMetrics());
        long offset = System.currentTimeMillis() * 1_000_000L;
        for (int n = 0; n < 65535; n++) {
            if (n % 10 < 8) {
                o.datapathEvent(io.sluice.bpf.datapath.DatapathEvent.decode(FlowParseBench.record(4, 0, PEER, 30000 + n % 30000, POD,
                        80, 0x10)), offset + n);
            } else if (n % 10 == 8) {
                o.l7(new L7Record(offset + n, "ingress", "10.200.0.3:" + (30000 + n % 30000), "10.200.0.2:80", "POST",
                        "http://deathstar.default.svc.cluster.local/v1/request-landing", "HTTP/1.1", 200, 1_000_000, true,
                        java.util.UUID.randomUUID().toString(), List.of(new L7Record.Header("accept", "*/*"),
                        new L7Record.Header("user-agent", "curl/7.88.1"), new L7Record.Header("x-forwarded-proto", "http")),
                        List.of(new L7Record.Header("content-type", "text/plain"), new L7Record.Header("content-length", "12"))));
                n++; // an exchange is two flows
            }
        }
        long after = usedHeap(), rssAfter = residentBytes();
        FlowBuffer b = o.buffer();
        long serialized = 0;
        for (long seq = b.oldest(); seq < b.next(); seq++) {
            serialized += b.get(seq).getSerializedSize();
        }
        System.out.printf("%nflow buffer: %d of %d flows held in a ring of %.1f MB: heap %.1f MB, resident memory +%.1f MB,"
                + " serialized %.1f MB (%.0f bytes per flow)%n", b.size(), b.capacity(), b.bytes() / 1e6, (after - before) / 1e6,
                (rssAfter - rssBefore) / 1e6, serialized / 1e6, serialized / (double) b.size());
        if (o.seenFlows() < 0) {
            System.out.println(o); // keeps o reachable until after the measurement
        }
    }

    static long residentBytes() throws java.io.IOException {
        return java.nio.file.Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElseThrow();
    }

    static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static byte[] tcpSyn(int src, int sport, int dst, int dport) {
        ByteBuffer b = ByteBuffer.allocate(54);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(src).putInt(dst);
        b.putShort((short) sport).putShort((short) dport).putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x02)
                .putShort((short) 65535).putInt(0);
        return b.array();
    }
}
