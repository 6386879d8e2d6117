package io.sluice.agent.netns;

import io.sluice.policy.Cidr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A pod's network: namespace {@code netns} with {@code eth0} holding a /32, a veth to the host
 * end {@code hostIf}, a host route to the address, and a default route via the router address
 * that the host holds on lo (docs/design.md). Every step is idempotent, so a half-made
 * pod can be made again or removed.
 */
public record PodNetwork(String netns, String hostIf, int address, int router) {

    /** Host-side names are limited to 15 characters: {@code lxc} plus a stable hash. */
    public static String hostInterface(String netns) {
        return "lxc" + String.format("%08x", netns.hashCode());
    }

    /** Creates what is missing; returns the host end's ifindex. */
    public int create(String searchNamespace) {
        String ip = Cidr.format(address), gw = Cidr.format(router);
        if (!Files.exists(Path.of("/run/netns", netns))) {
            Commands.run("ip", "netns", "add", netns);
        }
        if (!Files.exists(Path.of("/sys/class/net", hostIf))) {
            Commands.run("ip", "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", netns);
        }
        Commands.run("ip", "link", "set", hostIf, "up");
        Commands.run("ip", "-n", netns, "link", "set", "lo", "up");
        Commands.run("ip", "-n", netns, "link", "set", "eth0", "up");
        Commands.run("ip", "-n", netns, "addr", "replace", ip + "/32", "dev", "eth0");
        Commands.run("ip", "-n", netns, "route", "replace", gw, "dev", "eth0", "scope", "link");
        Commands.run("ip", "-n", netns, "route", "replace", "default", "via", gw, "dev", "eth0", "src", ip);
        Commands.run("ip", "route", "replace", ip + "/32", "dev", hostIf, "scope", "link");
        sysctl("net/ipv4/conf/" + hostIf + "/rp_filter", "0");
        writeResolvConf(searchNamespace, gw);
        return ifindex();
    }

    public int ifindex() {
        return HostNetwork.ifindex(hostIf);
    }

    public boolean exists() {
        return Files.exists(Path.of("/run/netns", netns)) && Files.exists(Path.of("/sys/class/net", hostIf));
    }

    /** Removes the namespace (and with it the veth pair), the host route and resolv.conf. Idempotent. */
    public void delete() {
        Commands.tryRun("ip", "route", "del", Cidr.format(address) + "/32", "dev", hostIf);
        Commands.tryRun("ip", "link", "del", hostIf);
        Commands.tryRun("ip", "netns", "del", netns);
        try {
            Path dir = Path.of("/etc/netns", netns);
            Files.deleteIfExists(dir.resolve("resolv.conf"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("remove /etc/netns/" + netns, e);
        }
    }

    /** The command line that runs argv inside the pod ({@code ip netns exec} also binds its resolv.conf). */
    public List<String> exec(List<String> argv) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        out.addAll(argv);
        return out;
    }

    /**
     * The command line of a pod's first process: inside the pod's network and a UTS namespace of
     * its own whose host name is the pod's (as a kubelet's pod: {@code hostname} and HOSTNAME
     * say the pod's name). Every step execs, so the process keeps the pid the node records.
     */
    public List<String> firstProcess(String hostname, List<String> argv) {
        List<String> out = new ArrayList<>(List.of("unshare", "--uts", "--", "sh", "-c",
                "hostname \"$0\" && export HOSTNAME=\"$0\" && exec \"$@\"", hostname));
        out.addAll(argv);
        return exec(out);
    }

    private void writeResolvConf(String namespace, String nameserver) {
        try {
            Path dir = Files.createDirectories(Path.of("/etc/netns", netns));
            Files.writeString(dir.resolve("resolv.conf"), "nameserver " + nameserver + "\nsearch " + namespace
                    + ".svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n");
        } catch (IOException e) {
            throw new UncheckedIOException("write resolv.conf of " + netns, e);
        }
    }

    public static String sysctl(String key) {
        try {
            return Files.readString(Path.of("/proc/sys", key)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("sysctl " + key, e);
        }
    }

    public static void sysctl(String key, String value) {
        try {
            Files.writeString(Path.of("/proc/sys", key), value);
        } catch (IOException e) {
            throw new UncheckedIOException("sysctl " + key + "=" + value, e);
        }
    }
}
