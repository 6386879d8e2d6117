package io.sluice.agent.hubble;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.smallrye.mutiny.Multi;
import io.sluice.api.grpc.MutinyCalls;
import io.sluice.api.hubble.peer.ChangeNotification;
import io.sluice.api.hubble.peer.ChangeNotificationType;
import io.sluice.api.hubble.peer.NotifyRequest;
import io.sluice.api.hubble.peer.PeerGrpc;
import io.sluice.api.hubble.peer.TLS;

/**
 * Hubble's Peer service of a standalone node: the node itself is the one peer. The stream stays
 * open (as Hubble's does) until the client leaves, so a relay notices when the agent goes away.
 */
public final class PeerService implements BindableService {
    private final String nodeName;
    private final String address;
    private final String tlsServerName;

    /** {@code tlsServerName}: the name the observer's TLS certificate is for, "" when the address is plaintext (a unix socket). */
    public PeerService(String nodeName, String address, String tlsServerName) {
        this.nodeName = nodeName;
        this.address = address;
        this.tlsServerName = tlsServerName;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return ServerServiceDefinition.builder(PeerGrpc.getServiceDescriptor())
                .addMethod(PeerGrpc.getNotifyMethod(), MutinyCalls.serverStreaming(this::notify))
                .build();
    }

    /** The node, then nothing: the stream ends only with the client or the server. */
    Multi<ChangeNotification> notify(NotifyRequest req) {
        ChangeNotification.Builder n = ChangeNotification.newBuilder().setName(nodeName).setAddress(address)
                .setType(ChangeNotificationType.PEER_ADDED);
        if (!tlsServerName.isEmpty()) {
            n.setTls(TLS.newBuilder().setServerName(tlsServerName));
        }
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(n.build()), Multi.createFrom().nothing());
    }
}
