package io.sluice.agent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.sluice.api.node.NodeDefaults;

/** The node's settings; {@code sluice up} passes those the user gave as system properties, the rest are {@link NodeDefaults}. */
@ConfigMapping(prefix = "sluice")
public interface NodeConfig {
    /**
     * Kubernetes mode: pods, namespaces, services and policies come from the API server (the
     * kubeconfig of the {@code kubeconfig} property or KUBECONFIG, else the in-cluster account),
     * pods are attached by the chained CNI plugin sluice-cni; off, the standalone node.
     */
    @WithDefault("false")
    boolean kubernetes();

    /**
     * Cilium's cni.chainingTarget (Kubernetes mode): the node's CNI network (a conflist's name in
     * cni-conf-dir) that the agent chains its plugin sluice-cni into, after the network's own
     * plugins, installing the plugin into cni-bin-dir. Empty: the node's conflist lists it already.
     */
    java.util.Optional<String> cniChainingTarget();

    @WithDefault("/etc/cni/net.d")
    String cniConfDir();

    @WithDefault("/opt/cni/bin")
    String cniBinDir();

    /** Where the node keeps its store (applied objects, pods, identities). */
    @WithDefault(NodeDefaults.STATE_DIR)
    String stateDir();

    /** bpffs directory of the datapath's pinned maps. */
    @WithDefault(NodeDefaults.PIN_ROOT)
    String pinRoot();

    /** Pods get /32 addresses from here; host 1 is the router, on the host's lo. */
    @WithDefault(NodeDefaults.POD_CIDR)
    String podCidr();

    /** Service virtual IPs come from here. */
    @WithDefault(NodeDefaults.SERVICE_CIDR)
    String serviceCidr();

    /** The account the node's processes (DNS, relay, envoy-xds, Envoy) run as; made as a system account when missing. */
    @WithDefault("sluice")
    String runAs();

    /** Prefix of network namespace names, so several nodes (a demo and a test run) can share a host. */
    @WithDefault(NodeDefaults.NAME_PREFIX)
    String namePrefix();

    /** Port of the cluster DNS on the router address. */
    @WithDefault("53")
    int dnsPort();

    /**
     * Cilium's devices: the node's own devices where connections from outside the node arrive;
     * those to a pod port with ingress L7 rules are handed to the proxy there (datapath.c, from_netdev).
     */
    java.util.Optional<java.util.List<String>> devices();

    /** Cilium's allow-localhost: the host may always reach its pods (health checks, sluice exec from the host). */
    @WithDefault("true")
    boolean allowHostIngress();

    /** The Sluice checkout or install: where envoy-xds's jar is found. */
    @WithDefault(".")
    String home();

    /** The Envoy binary; empty when Envoy is not installed (then L7 policies are refused). */
    @WithDefault("")
    String envoyBinary();

    /**
     * Cilium's external-envoy-proxy: Envoy and envoy-xds run elsewhere (the chart's sluice-envoy
     * DaemonSet), on the sockets of this node's proxy directory. The agent writes Envoy's
     * bootstrap there and programs Envoy through envoy-xds as always, but neither starts nor
     * stops them, so Envoy keeps serving while the agent restarts.
     */
    @WithDefault("false")
    boolean externalEnvoyProxy();

    /** Cilium's envoy.debug.admin.enabled: Envoy's admin API on 127.0.0.1:envoy-admin-port. */
    @WithDefault("false")
    boolean envoyAdminEnabled();

    @WithDefault(NodeDefaults.ENVOY_ADMIN_PORT)
    int envoyAdminPort();

    @WithDefault(NodeDefaults.ENVOY_PROMETHEUS_PORT)
    int envoyPrometheusPort();

    @WithDefault(NodeDefaults.ENVOY_HEALTH_PORT)
    int envoyHealthPort();

    /** Envoy's worker threads; 0 means one per core (Envoy's default; one worker measured slower on 2 cores). */
    @WithDefault("0")
    int envoyConcurrency();

    /**
     * The node's name in flows and in Hubble's node list, and in Kubernetes mode the node whose
     * pods it enforces; empty means K8S_NODE_NAME from the environment (as a DaemonSet sets it), else the host name.
     */
    java.util.Optional<String> nodeName();

    /** Hubble's observer on TCP (Hubble's 4244); it is also on the unix socket hubble.sock in the state dir. */
    @WithDefault(NodeDefaults.HUBBLE_PORT)
    int hubblePort();

    /**
     * Where the observer's server certificate comes from on a cluster: a directory with
     * {@code tls.crt}, {@code tls.key} and the cluster's Hubble CA {@code ca.crt} (the chart's
     * Secret hubble-server-certs, as Cilium's). The observer then also admits clients that CA
     * signed (the cluster's relay). Empty: the node's own certificates only.
     */
    java.util.Optional<String> hubbleTlsDir();

    /**
     * The host the Peer API announces for this node's observer on TCP: on a cluster, the node's
     * address, which a relay in a pod can reach. Empty: 127.0.0.1 (a relay on the same host).
     */
    java.util.Optional<String> hubblePeerHost();

    /** Hubble's Prometheus metrics (hubble_*), Hubble's 9965. */
    @WithDefault(NodeDefaults.HUBBLE_METRICS_PORT)
    int hubbleMetricsPort();

    /** Flows kept for GetFlows (Hubble's ring buffer); the oldest are overwritten first. */
    @WithDefault(NodeDefaults.HUBBLE_BUFFER_CAPACITY)
    int hubbleBufferCapacity();

    /** Memory for the flows kept, outside the heap, in MiB; 0: {@link io.sluice.agent.hubble.FlowBuffer#defaultBytes}. */
    @WithDefault(NodeDefaults.HUBBLE_BUFFER_MIB)
    int hubbleBufferMib();

    /** The relay's Observer API (Hubble relay's 4245); 0 runs no relay. */
    @WithDefault(NodeDefaults.RELAY_PORT)
    int relayPort();

    /**
     * Hubble's tls.server for the relay: its Observer API over TLS (the node CA's relay-server
     * certificate) on every interface; off, plaintext on loopback only.
     */
    @WithDefault("false")
    boolean relayTls();

    /** The relay's gRPC health port (Hubble relay's 4222). */
    @WithDefault(NodeDefaults.RELAY_HEALTH_PORT)
    int relayHealthPort();
}
