package io.sluice.agent.bpf;

import io.sluice.policy.Cidr;
import io.sluice.policy.EndpointPolicy;
import io.sluice.agent.service.Frontend;

import java.util.List;
import java.util.Map;

/**
 * The datapath as the node's reconciler writes it: whole desired tables, each write idempotent
 * ({@link DatapathSync} writes only what differs). Not thread-safe: one owner calls it.
 */
public interface DatapathSink {
    /** One local endpoint's row: the host-side interface its programs sit on, and its policy. */
    record EndpointState(int ifindex, int endpointId, int identity, int address, EndpointPolicy policy) {}

    /**
     * The proxy's listener ports the datapath redirects to: the policies' own ingress and egress
     * listeners, and the users' listeners that policies name (by qualified name, those Envoy
     * runs); NONE without a proxy.
     */
    record ProxyPorts(int ingress, int egress, Map<String, Integer> listeners) {
        public static final ProxyPorts NONE = new ProxyPorts(0, 0, Map.of());

        public ProxyPorts {
            listeners = Map.copyOf(listeners);
        }
    }

    /** Prefix identities; local endpoints' /32s also carry the endpoint id (for ingress L7 at the source). */
    void ipcache(Map<Cidr, Integer> identities, Map<Integer, Integer> endpointByAddress);

    void endpoints(List<EndpointState> desired, ProxyPorts proxy);

    void services(List<Frontend> frontends);

    /** A service frontend (TCP) an Envoy listener takes, and that listener's port on 127.0.0.1. */
    record L7Frontend(int vip, int port, int proxyPort) {}

    /** The frontends Envoy listeners take, all of them: any other is balanced by the datapath itself. */
    void l7Frontends(List<L7Frontend> frontends);
}
