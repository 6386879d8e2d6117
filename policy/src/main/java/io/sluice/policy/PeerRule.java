package io.sluice.policy;

import java.util.List;
import java.util.Objects;

/**
 * One element of ingress/egress/ingressDeny/egressDeny, for one toPorts entry. No peers with
 * ports means any peer (L4-only); peers without ports means any port (L3-only); neither allows
 * nothing. Non-empty {@code http} sends matching connections through the L7 proxy, which then
 * allows only requests that match one of the rules; a {@code listener} hands matching TCP
 * connections to that Envoy listener instead (egress only, never together with {@code http}).
 */
public record PeerRule(List<Peer> peers, List<PortProtocol> ports, List<HttpRule> http, ProxyListener listener) {
    public PeerRule {
        peers = List.copyOf(peers);
        ports = List.copyOf(ports);
        http = List.copyOf(http);
        Objects.requireNonNull(listener, "listener");
    }

    public PeerRule(List<Peer> peers, List<PortProtocol> ports, List<HttpRule> http) {
        this(peers, ports, http, ProxyListener.NONE);
    }

    public PeerRule(List<Peer> peers, List<PortProtocol> ports) {
        this(peers, ports, List.of());
    }
}
