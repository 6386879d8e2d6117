package io.sluice.relay;

import io.grpc.stub.StreamObserver;
import io.sluice.api.hubble.ClientTls;
import io.sluice.api.hubble.HubbleServer;
import io.sluice.api.hubble.peer.ChangeNotification;
import io.sluice.api.hubble.peer.ChangeNotificationType;
import io.sluice.api.hubble.peer.NotifyRequest;
import io.sluice.api.hubble.peer.PeerGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class PeersTest {
    @TempDir
    Path dir;

    /** A Peer API that announces one node and keeps the stream open, as an agent's does. */
    static final class OneNode extends PeerGrpc.PeerImplBase {
        @Override
        public void notify(NotifyRequest request, StreamObserver<ChangeNotification> out) {
            out.onNext(ChangeNotification.newBuilder().setName("n1").setAddress("unix:///nonexistent/hubble.sock")
                    .setType(ChangeNotificationType.PEER_ADDED).build());
        }
    }

    @Test
    void connected_saysDownUntilThePeerApiAnswers_upWhileItDoes_andDownWhenItGoes() throws Exception {
        Path socket = dir.resolve("hubble.sock");
        List<Boolean> said = new CopyOnWriteArrayList<>();
        try (Peers peers = new Peers("unix://" + socket, ClientTls.PLAINTEXT, said::add)) {
            await(() -> said.equals(List.of(false)));
            HubbleServer agent = new HubbleServer("hubble-server-version", "test", socket, null, null, new OneNode());
            try {
                await(() -> said.equals(List.of(false, true)));
                assertThat(peers.all()).extracting(Peers.Peer::name).containsExactly("n1");
            } finally {
                agent.close();
            }
            await(() -> said.equals(List.of(false, true, false)));
            // the nodes it knew stay known meanwhile, to be asked again when they answer
            assertThat(peers.all()).extracting(Peers.Peer::name).containsExactly("n1");
        }
    }

    private static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        for (int i = 0; i < 100 && !done.getAsBoolean(); i++) {
            Thread.sleep(100);
        }
        assertThat(done.getAsBoolean()).isTrue();
    }
}
