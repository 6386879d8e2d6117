package io.sluice.agent.policy;

import java.util.List;

/**
 * One element of ingress/egress/ingressDeny/egressDeny. No peers with ports means any peer
 * (L4-only); peers without ports means any port (L3-only); neither allows nothing.
 */
public record PeerRule(List<Peer> peers, List<PortProtocol> ports) {
    public PeerRule {
        peers = List.copyOf(peers);
        ports = List.copyOf(ports);
    }
}
