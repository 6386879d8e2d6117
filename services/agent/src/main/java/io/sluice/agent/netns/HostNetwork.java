package io.sluice.agent.netns;

import io.sluice.policy.Cidr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host side shared by all pods: forwarding on, the router address on lo, unreachable
 * routes over the pod and service ranges so that nothing meant for them ever leaves the host,
 * and the policy route that delivers packets marked for the L7 proxy locally (without
 * the mark and the local route, a packet assigned to a socket by bpf_sk_assign is dropped).
 * Forwarding and the proxy route are shared by the host's nodes ({@link SharedHost}): the last
 * node to leave {@link #restore}s them as the first one found them ({@link HostBefore}).
 */
public record HostNetwork(int router, Cidr podCidr, Cidr serviceCidr) {
    /** MARK_TO_PROXY/MARK_MASK of datapath.h, and the routing table that makes them local. */
    static final String PROXY_MARK = "0x200/0xf00", PROXY_TABLE = "2004", PROXY_RULE_PREF = "9";
    /** Where {@code ip netns add} keeps named namespaces (and mounts the directory on itself). */
    static final Path NETNS_DIR = Path.of("/run/netns");

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

    static boolean proxyRuleExists() {
        return Commands.run("ip", "rule", "show", "pref", PROXY_RULE_PREF).contains("lookup " + PROXY_TABLE);
    }

    /** Removes this node's addresses and routes. Idempotent. */
    public void tearDown() {
        Commands.tryRun("ip", "addr", "del", Cidr.format(router) + "/32", "dev", "lo");
        Commands.tryRun("ip", "route", "del", "unreachable", podCidr.toString());
        Commands.tryRun("ip", "route", "del", "unreachable", serviceCidr.toString());
    }

    /** The host's last node: the proxy route and forwarding as the first node found them. */
    public static void restore(HostBefore before) {
        if (!before.proxyRule()) {
            while (Commands.tryRun("ip", "rule", "del", "pref", PROXY_RULE_PREF, "fwmark", PROXY_MARK, "lookup", PROXY_TABLE)) {
                // a rule added twice (two nodes racing at start) is listed twice
            }
            Commands.tryRun("ip", "route", "flush", "table", PROXY_TABLE);
        }
        if (!before.ipForward().isEmpty()) {
            PodNetwork.sysctl("net/ipv4/ip_forward", before.ipForward());
        }
        if (!before.netnsDir() && SharedHost.isEmptyDir(NETNS_DIR)) {
            for (int i = 0; i < 8 && Commands.tryRun("umount", NETNS_DIR.toString()); i++) {
                // a bind mount on itself, made again by each racing `ip netns add`
            }
            Commands.tryRun("rmdir", NETNS_DIR.toString());
        }
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
