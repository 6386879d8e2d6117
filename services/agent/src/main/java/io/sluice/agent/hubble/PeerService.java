package io.sluice.agent.hubble;

import io.grpc.stub.StreamObserver;
import io.sluice.api.hubble.peer.ChangeNotification;
import io.sluice.api.hubble.peer.ChangeNotificationType;
import io.sluice.api.hubble.peer.NotifyRequest;
import io.sluice.api.hubble.peer.PeerGrpc;

/**
 * Hubble's Peer service of a standalone node: the node itself is the one peer. The stream stays
 * open (as Hubble's does) until the client leaves, so a relay notices when the agent goes away.
 */
public final class PeerService extends PeerGrpc.PeerImplBase {
    private final String nodeName;
    private final String address;

    public PeerService(String nodeName, String address) {
        this.nodeName = nodeName;
        this.address = address;
    }

    @Override
    public void notify(NotifyRequest req, StreamObserver<ChangeNotification> out) {
        out.onNext(ChangeNotification.newBuilder().setName(nodeName).setAddress(address)
                .setType(ChangeNotificationType.PEER_ADDED).build());
    }
}
