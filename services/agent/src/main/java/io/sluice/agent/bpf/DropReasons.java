package io.sluice.agent.bpf;

/** Drop reason codes and the texts Hubble prints for them. */
public final class DropReasons {
    public static final int INVALID_SOURCE_IP = 132, POLICY_DENIED = 133, PROXY_LOOKUP_FAILED = 178, NO_SERVICE = 158, POLICY_DENY = 181;

    private DropReasons() {}

    public static String describe(int code) {
        return io.sluice.api.hubble.HubbleNames.dropReason(code);
    }
}
