package io.sluice.agent.netns;

import io.sluice.agent.policy.Cidr;

/**
 * The host side shared by all pods: forwarding on, the router address on lo, and unreachable
 * routes over the pod and service ranges so that nothing meant for them ever leaves the host.
 */
public record HostNetwork(int router, Cidr podCidr, Cidr serviceCidr) {

    /** Idempotent. */
    public void setUp() {
        PodNetwork.sysctl("net/ipv4/ip_forward", "1");
        String addr = Cidr.format(router) + "/32";
        if (!Commands.run("ip", "-o", "addr", "show", "dev", "lo").contains(" " + addr + " ")) {
            Commands.run("ip", "addr", "add", addr, "dev", "lo");
        }
        Commands.run("ip", "route", "replace", "unreachable", podCidr.toString());
        Commands.run("ip", "route", "replace", "unreachable", serviceCidr.toString());
    }

    /** Idempotent. */
    public void tearDown() {
        Commands.tryRun("ip", "addr", "del", Cidr.format(router) + "/32", "dev", "lo");
        Commands.tryRun("ip", "route", "del", "unreachable", podCidr.toString());
        Commands.tryRun("ip", "route", "del", "unreachable", serviceCidr.toString());
    }
}
