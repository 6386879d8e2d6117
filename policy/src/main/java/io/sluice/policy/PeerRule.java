package io.sluice.policy;

import java.util.List;

/**
 * One element of ingress/egress/ingressDeny/egressDeny, for one toPorts entry. No peers with
 * ports means any peer (L4-only); peers without ports means any port (L3-only); neither allows
 * nothing. Non-empty {@code http} sends matching connections through the L7 proxy, which then
 * allows only requests that match one of the rules.
 */
public record PeerRule(List<Peer> peers, List<PortProtocol> ports, List<HttpRule> http) {
    public PeerRule {
        peers = List.copyOf(peers);
        ports = List.copyOf(ports);
        http = List.copyOf(http);
    }

    public PeerRule(List<Peer> peers, List<PortProtocol> ports) {
        this(peers, ports, List.of());
    }
}
