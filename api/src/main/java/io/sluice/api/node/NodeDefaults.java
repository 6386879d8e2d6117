package io.sluice.api.node;

/**
 * The node's settings that {@code sluice up} offers, with their defaults, declared once: the
 * agent's configuration ({@code NodeConfig}, {@code @WithDefault}) and the CLI's options (their
 * help) both read them, and {@code sluice up} passes the agent only the options the user gave.
 * Strings, as annotations take them.
 */
public final class NodeDefaults {
    public static final String STATE_DIR = "/var/lib/sluice";
    public static final String PIN_ROOT = "/sys/fs/bpf/sluice";
    public static final String POD_CIDR = "10.200.0.0/16";
    public static final String SERVICE_CIDR = "10.96.0.0/16";
    public static final String NAME_PREFIX = "sluice";
    public static final String ENVOY_ADMIN_PORT = "9901";
    public static final String ENVOY_PROMETHEUS_PORT = "9964";
    public static final String ENVOY_HEALTH_PORT = "9878";
    public static final String HUBBLE_PORT = "4244";
    public static final String HUBBLE_METRICS_PORT = "9965";
    public static final String HUBBLE_BUFFER_CAPACITY = "65535";
    public static final String HUBBLE_BUFFER_MIB = "0";
    public static final String RELAY_PORT = "4245";
    public static final String RELAY_HEALTH_PORT = "4222";

    private NodeDefaults() {}
}
