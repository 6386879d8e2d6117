package io.sluice.agent.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.grpc.stub.StreamObserver;
import io.sluice.api.grpc.GrpcServers;
import io.sluice.api.xds.sync.Report;
import io.sluice.api.xds.sync.ResourceSyncGrpc;
import io.sluice.api.xds.sync.Snapshot;
import io.sluice.api.xds.sync.TypeState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's end of the sync stream against a real gRPC peer on a unix socket, which plays
 * envoy-xds: it takes snapshots and reports what Envoy acknowledged when the test says so.
 */
class XdsClientTest {
    private static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener",
            CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

    @TempDir
    Path dir;

    /** A peer that queues the snapshots it gets and sends the reports it is given. */
    static final class Peer extends ResourceSyncGrpc.ResourceSyncImplBase {
        final BlockingQueue<Snapshot> snapshots = new LinkedBlockingQueue<>();
        volatile StreamObserver<Report> out;

        @Override
        public StreamObserver<Snapshot> sync(StreamObserver<Report> reports) {
            out = reports;
            return new StreamObserver<>() {
                @Override
                public void onNext(Snapshot s) {
                    snapshots.add(s);
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            };
        }

        void report(String running, Map<String, String> ackedByType) {
            Report.Builder r = Report.newBuilder().setEnvoyConnected(true).setRunning(running);
            ackedByType.forEach((type, acked) -> r.addTypes(TypeState.newBuilder().setTypeUrl(type).setAcked(acked).setSent(acked)));
            out.onNext(r.build());
        }
    }

    /**
     * A listener pushed in one version and a cluster in the next, which supersedes it before Envoy
     * took the first: both converge when Envoy acknowledges the second, the listener counted from
     * its own push; nothing converges before.
     */
    @Test
    void aTypeOfASupersededVersion_convergesWithTheVersionThatReplacedIt() throws Exception {
        Peer peer = new Peer();
        Map<String, Long> converged = new ConcurrentHashMap<>();
        try (GrpcServers servers = new GrpcServers("xds-test", 1)) {
            servers.unixSocket(dir.resolve("xds.sock"), b -> b.addService(peer));
            try (XdsClient client = new XdsClient(dir.resolve("xds.sock").toString())) {
                client.onConverged(converged::put);
                Any listener = Any.pack(Listener.newBuilder().setName("l").build());
                String first = client.push(List.of(listener));
                assertThat(peer.snapshots.poll(10, TimeUnit.SECONDS)).extracting(Snapshot::getVersion).isEqualTo(first);
                Thread.sleep(20);
                String second = client.push(List.of(listener, Any.pack(Cluster.newBuilder().setName("c").build())));
                assertThat(peer.snapshots.poll(10, TimeUnit.SECONDS)).extracting(Snapshot::getVersion).isEqualTo(second);

                peer.report("", Map.of(LISTENER, first)); // Envoy took the first version's listener only
                client.await(first, Duration.ofSeconds(5));
                Thread.sleep(100);
                assertThat(converged).isEmpty();

                peer.report(second, Map.of(LISTENER, first, CLUSTER, second));
                assertThat(client.await(second, Duration.ofSeconds(5)).envoyConnected()).isTrue();
                assertThat(client.acknowledged(second)).isTrue();
                assertThat(converged).containsOnlyKeys("Listener", "Cluster");
                assertThat(converged.get("Listener")).isGreaterThan(converged.get("Cluster"));

                converged.clear();
                peer.report(second, Map.of(LISTENER, first, CLUSTER, second));
                Thread.sleep(100);
                assertThat(converged).as("counted once").isEmpty();
            }
        }
    }
}
