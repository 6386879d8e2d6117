package io.sluice.agent.node;

import io.sluice.agent.hubble.Directory;
import io.sluice.policy.Cidr;
import io.sluice.agent.xds.XdsClient;

import java.util.List;
import java.util.Optional;

/**
 * What the rest of the agent (Hubble, access logs, status) reads of the node, whichever source
 * feeds it: the standalone {@link Node} or the Kubernetes node. Thread-safe.
 */
public interface NodeView {
    /** Something the node was given but does not enforce, as {@code sluice status} shows it. */
    record Problem(String component, String message) {}

    /** "standalone node", or the Kubernetes node's name and API server. */
    String describe();

    /** Names of the node's endpoints and services as of the last reconcile, for flows. */
    Directory directory();

    /** The identity the datapath gives an address (a pod, the router), or world. */
    int identityOf(String address);

    /** The desired state of the last reconcile; null before the first. */
    DesiredState desired();

    /** What the node was given and does not enforce, each named with why (empty when all is). */
    List<Problem> problems();

    int endpoints();

    int policies();

    int services();

    Optional<XdsClient> xds();

    /** What Envoy made of each Envoy config, by kind/namespace/name; empty without Envoy. */
    java.util.Map<String, ProxyControl.ConfigState> envoyConfigStates();

    int router();

    Cidr podCidr();

    Cidr serviceCidr();
}
