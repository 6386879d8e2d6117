package io.sluice.api.node;

import java.util.List;

/** {@code sluice status}: one line per component plus counts, and the node's addressing. */
public record NodeStatus(List<ComponentStatus> components, int pods, int policies, int services, int identities,
                         String podCidr, String serviceCidr, String router, long eventsSeen, long drops,
                         long agentPid) {
    public record ComponentStatus(String name, String state, String detail) {}
}
