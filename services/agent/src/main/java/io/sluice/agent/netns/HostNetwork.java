package io.sluice.agent.netns;

import io.sluice.agent.policy.Cidr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The host side shared by all pods: forwarding on, the router address on lo, unreachable
 * routes over the pod and service ranges so that nothing meant for them ever leaves the host,
 * and the policy route that delivers packets marked for the L7 proxy locally (DESIGN.md: without
 * the mark and the local route, a packet assigned to a socket by bpf_sk_assign is dropped).
 * Forwarding, the proxy route and lo's clsact are shared by the host's nodes ({@link SharedHost}):
 * the last node to tear down puts back what the first one found ({@link HostBefore}).
 */
public record HostNetwork(String node, int router, Cidr podCidr, Cidr serviceCidr) {
    /** MARK_TO_PROXY/MARK_MASK of datapath.h, and the routing table that makes them local. */
    static final String PROXY_MARK = "0x200/0xf00", PROXY_TABLE = "2004", PROXY_RULE_PREF = "9";

    /** The ifindex of one of the host's devices. */
    public static int ifindex(String device) {
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", device, "ifindex")).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("read ifindex of " + device, e);
        }
    }

    /** Idempotent. */
    public void setUp() {
        SharedHost.RUN.join(node, () -> new HostBefore(PodNetwork.sysctl("net/ipv4/ip_forward"), proxyRuleExists(),
                Commands.run("tc", "qdisc", "show", "dev", "lo").contains("clsact")).text());
        PodNetwork.sysctl("net/ipv4/ip_forward", "1");
        String addr = Cidr.format(router) + "/32";
        if (!Commands.run("ip", "-o", "addr", "show", "dev", "lo").contains(" " + addr + " ")) {
            Commands.run("ip", "addr", "add", addr, "dev", "lo");
        }
        Commands.run("ip", "route", "replace", "unreachable", podCidr.toString());
        Commands.run("ip", "route", "replace", "unreachable", serviceCidr.toString());
        Commands.run("ip", "route", "replace", "local", "0.0.0.0/0", "dev", "lo", "table", PROXY_TABLE);
        if (!proxyRuleExists()) {
            Commands.run("ip", "rule", "add", "pref", PROXY_RULE_PREF, "fwmark", PROXY_MARK, "lookup", PROXY_TABLE);
        }
    }

    private static boolean proxyRuleExists() {
        return Commands.run("ip", "rule", "show", "pref", PROXY_RULE_PREF).contains("lookup " + PROXY_TABLE);
    }

    /**
     * Removes this node's addresses and routes. The last node of the host also puts back the
     * proxy route and forwarding as the first node found them, and returns how that was (the
     * caller detaches lo's program, and removes lo's clsact if it was not there). Idempotent.
     */
    public Optional<HostBefore> tearDown() {
        Commands.tryRun("ip", "addr", "del", Cidr.format(router) + "/32", "dev", "lo");
        Commands.tryRun("ip", "route", "del", "unreachable", podCidr.toString());
        Commands.tryRun("ip", "route", "del", "unreachable", serviceCidr.toString());
        Optional<HostBefore> before = SharedHost.RUN.leave(node).map(HostBefore::parse);
        before.ifPresent(b -> {
            if (!b.proxyRule()) {
                while (Commands.tryRun("ip", "rule", "del", "pref", PROXY_RULE_PREF, "fwmark", PROXY_MARK, "lookup", PROXY_TABLE)) {
                    // a rule added twice (two nodes racing at start) is listed twice
                }
                Commands.tryRun("ip", "route", "flush", "table", PROXY_TABLE);
            }
            if (!b.ipForward().isEmpty()) {
                PodNetwork.sysctl("net/ipv4/ip_forward", b.ipForward());
            }
        });
        return before;
    }

    /** Deletes the device's clsact qdisc once no tc filter is left on it (ours were detached first). */
    public static void removeEmptyClsact(String device) {
        try {
            if (Commands.run("tc", "filter", "show", "dev", device, "ingress").isBlank()
                    && Commands.run("tc", "filter", "show", "dev", device, "egress").isBlank()) {
                Commands.run("tc", "qdisc", "del", "dev", device, "clsact");
            }
        } catch (CommandException e) {
            // no clsact qdisc (or no device) left to remove
        }
    }
}
