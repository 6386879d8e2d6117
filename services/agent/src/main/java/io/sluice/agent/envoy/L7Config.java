package io.sluice.agent.envoy;

import io.sluice.policy.Cidr;

import java.util.List;
import java.util.Map;

/**
 * Everything the proxy configuration depends on: the two proxy ports, the endpoints with L7
 * rules, the addresses of each peer identity (for RBAC principals), and the pods' addresses
 * (the egress proxy reaches those with the client's own address). The 403 body is Cilium's
 * {@code http-403-msg} default.
 */
public record L7Config(int ingressPort, int egressPort, List<L7Endpoint> endpoints,
                       Map<Integer, List<Cidr>> identityAddresses, List<Cidr> podRanges, String accessDeniedBody) {
    public static final String ACCESS_DENIED = "Access denied\r\n";

    public L7Config {
        endpoints = List.copyOf(endpoints);
        identityAddresses = Map.copyOf(identityAddresses);
        podRanges = List.copyOf(podRanges);
    }
}
