package io.sluice.bench;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.sluice.agent.tls.NodeCertificates;
import io.sluice.api.hubble.ClientTls;
import io.sluice.api.hubble.HubbleChannels;
import io.sluice.api.hubble.HubbleServer;
import io.sluice.api.hubble.ServerTls;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.api.hubble.observer.ObserverGrpc;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The relay's link to an agent: GetFlows streaming 50,000 lab-shaped flows (pods with labels,
 * addresses, TCP) over loopback TCP with the node CA's mutual TLS, as the relay dials observers,
 * against the same stream in plaintext in the same run. Throughput is in flows per second; the
 * ratio of the two is what TLS costs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class RelayTlsBench {
    static final int FLOWS = 50_000;
    private final List<GetFlowsResponse> flows = new ArrayList<>(FLOWS);
    private Path dir;
    private HubbleServer plainServer, tlsServer;
    private ManagedChannel plain, tls;

    @Setup
    public void setUp() throws IOException {
        flows.addAll(LabFlows.of("node-1", FLOWS, 1, 0));
        dir = Files.createTempDirectory("sluice-bench-tls-");
        NodeCertificates certs = NodeCertificates.issue(dir, "node-1");
        int plainPort = freePort(), tlsPort = freePort();
        InetAddress lo = InetAddress.getLoopbackAddress();
        plainServer = new HubbleServer("hubble-server-version", "bench", null, new InetSocketAddress(lo, plainPort),
                ServerTls.PLAINTEXT, new Stream(flows));
        tlsServer = new HubbleServer("hubble-server-version", "bench", null, new InetSocketAddress(lo, tlsPort),
                new ServerTls.MutualTls(certs.server().cert(), certs.server().key(), certs.ca()), new Stream(flows));
        plain = HubbleChannels.open("127.0.0.1:" + plainPort);
        tls = HubbleChannels.open("127.0.0.1:" + tlsPort, new ClientTls.MutualTls(List.of(certs.ca()), certs.client().cert(),
                certs.client().key(), NodeCertificates.serverName("node-1")));
    }

    @TearDown
    public void tearDown() throws IOException {
        plain.shutdownNow();
        tls.shutdownNow();
        plainServer.close();
        tlsServer.close();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    @OperationsPerInvocation(FLOWS)
    public long mutualTls() {
        return drain(tls);
    }

    @Benchmark
    @OperationsPerInvocation(FLOWS)
    public long baselinePlaintext() {
        return drain(plain);
    }

    private static long drain(ManagedChannel ch) {
        long n = 0;
        for (Iterator<GetFlowsResponse> it = ObserverGrpc.newBlockingStub(ch).getFlows(GetFlowsRequest.getDefaultInstance()); it.hasNext(); ) {
            n += it.next().getFlow().getL4().getTCP().getSourcePort() > 0 ? 1 : 0;
        }
        if (n != FLOWS) {
            throw new IllegalStateException("streamed " + n + " of " + FLOWS + " flows");
        }
        return n;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** An observer that streams the same flows to every caller, following gRPC's flow control. */
    private static final class Stream extends ObserverGrpc.ObserverImplBase {
        private final List<GetFlowsResponse> flows;

        Stream(List<GetFlowsResponse> flows) {
            this.flows = flows;
        }

        @Override
        public void getFlows(GetFlowsRequest req, StreamObserver<GetFlowsResponse> out) {
            var call = (io.grpc.stub.ServerCallStreamObserver<GetFlowsResponse>) out;
            int[] next = {0};
            call.setOnReadyHandler(() -> {
                while (call.isReady() && next[0] < flows.size()) {
                    call.onNext(flows.get(next[0]++));
                }
                if (next[0] == flows.size()) {
                    next[0]++;
                    call.onCompleted();
                }
            });
        }
    }
}
