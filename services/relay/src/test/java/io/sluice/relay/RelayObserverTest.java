package io.sluice.relay;

import io.grpc.stub.StreamObserver;
import io.sluice.api.hubble.HubbleChannels;
import io.sluice.api.hubble.HubbleServer;
import io.sluice.api.hubble.observer.GetNodesRequest;
import io.sluice.api.hubble.observer.GetNodesResponse;
import io.sluice.api.hubble.observer.Node;
import io.sluice.api.hubble.observer.ObserverGrpc;
import io.sluice.api.hubble.observer.ServerStatusRequest;
import io.sluice.api.hubble.observer.ServerStatusResponse;
import io.sluice.api.hubble.relay.NodeState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RelayObserverTest {
    private static final Duration ANSWER = Duration.ofSeconds(10);
    @TempDir
    Path dir;

    /** A node's observer: it answers ServerStatus, or (hung) never does. */
    static final class NodeObserver extends ObserverGrpc.ObserverImplBase {
        private final boolean hung;

        NodeObserver(boolean hung) {
            this.hung = hung;
        }

        @Override
        public void serverStatus(ServerStatusRequest req, StreamObserver<ServerStatusResponse> out) {
            if (!hung) {
                out.onNext(ServerStatusResponse.newBuilder().setNumFlows(5).setMaxFlows(10).setVersion("test").build());
                out.onCompleted();
            }
        }
    }

    @Test
    void serverStatusAndGetNodes_askAllNodesAtOnce_soHungNodesCostOneDeadline_andAreNamed() throws Exception {
        List<HubbleServer> servers = new ArrayList<>();
        List<Peers.Peer> nodes = new ArrayList<>();
        for (String name : List.of("hung-1", "up", "hung-2")) {
            Path socket = dir.resolve(name + ".sock");
            servers.add(new HubbleServer("hubble-server-version", "test", socket, null, null, new NodeObserver(name.startsWith("hung"))));
            nodes.add(new Peers.Peer(name, "unix://" + socket, "", HubbleChannels.open("unix://" + socket)));
        }
        try (Peers peers = new Peers(nodes)) {
            RelayObserver relay = new RelayObserver(() -> peers, 100, 1000);
            long t0 = System.nanoTime();
            ServerStatusResponse s = relay.serverStatus(ServerStatusRequest.getDefaultInstance()).await().atMost(ANSWER);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(s.getNumConnectedNodes().getValue()).isEqualTo(1);
            assertThat(s.getUnavailableNodesList()).containsExactlyInAnyOrder("hung-1", "hung-2");
            assertThat(s.getNumFlows()).isEqualTo(5);
            // one deadline (3 s) for both hung nodes, not one each
            assertThat(seconds).as("seconds").isLessThan(5.5);

            GetNodesResponse got = relay.getNodes(GetNodesRequest.getDefaultInstance()).await().atMost(ANSWER);
            assertThat(got.getNodesList()).extracting(Node::getName, Node::getState).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("hung-1", NodeState.NODE_UNAVAILABLE),
                    org.assertj.core.groups.Tuple.tuple("up", NodeState.NODE_CONNECTED),
                    org.assertj.core.groups.Tuple.tuple("hung-2", NodeState.NODE_UNAVAILABLE));
        } finally {
            servers.forEach(HubbleServer::close);
        }
    }
}
